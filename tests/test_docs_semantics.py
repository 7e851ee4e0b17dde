"""docs/semantics.md stays true and cited correctly (no GL).

* Every ```python block in it runs as written (each in its own interpreter).
* Every citation of a docs/semantics.md section (the file name, a comma, the title in double
  quotes) in the repository names a section that exists.
* The sections other modules cite are all there.
* Code comments cite no document outside the repository.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "semantics.md"

#: the section titles code comments are told to cite (order as in the page)
SECTIONS = (
    "Files and the header", "Inputs", "Built-in uniforms", "Image helpers", "GLSL translation",
    "Coordinates and orientation", "Passes and targets", "Persistent and float buffers",
    "Clearing, blending and alpha", "Imported images and paths", "ISF v1 files", "Errors",
    "Decisions where hosts differ", "Contexts and lifecycle", "Resource limits",
)

#: where citations may appear, and which files there to read
SCANNED = ("offscreen_isf", "backends", "conformance", "benchmarks", "tests", "scripts", "docs")
SCANNED_FILES = ("README.md", "Makefile", "SECURITY.md")
SUFFIXES = {".py", ".md", ".fs", ".vs", ".json", ".sh", ".cfg", ".toml", ".txt"}

CITATION = re.compile(r'docs/semantics\.md,\s+"([^"\n]+)"')
#: citations of documents that are not in the repository ("SPEC §5", "DESIGN.md", "issue 9")
OUTSIDE = re.compile(r"\bSPEC(?:\s*§|\s+\d|\s*/|\s+section)|\bDESIGN\b|\b[Ii]ssues? \d+|§\s*\d")


def _headings() -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^## (.+)$", DOC.read_text(encoding="utf-8"), re.M)]


def _python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def _files() -> list[Path]:
    out = [ROOT / name for name in SCANNED_FILES if (ROOT / name).is_file()]
    for folder in SCANNED:
        for p in sorted((ROOT / folder).rglob("*")):
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts:
                out.append(p)
    return out


def test_sections_are_the_cited_ones() -> None:
    assert _headings() == list(SECTIONS)


def test_has_python_examples() -> None:
    assert len(_python_blocks()) >= 3


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_python_example_runs(index: int, tmp_path: Path) -> None:
    script = tmp_path / f"example_{index}.py"
    script.write_text(_python_blocks()[index], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"example {index} failed:\n{done.stderr}"


def test_every_citation_names_a_section() -> None:
    titles = set(_headings())
    found = 0
    bad = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in CITATION.finditer(text):
            found += 1
            if m.group(1) not in titles:
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{path.relative_to(ROOT)}:{line}: {m.group(1)!r}")
    assert not bad, "citations of sections that do not exist:\n" + "\n".join(bad)
    assert found > 0


def test_no_citations_of_outside_documents() -> None:
    bad = []
    for path in _files():
        if path == Path(__file__).resolve() or path.parent == ROOT / "docs":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "cite docs/semantics.md instead:\n" + "\n".join(bad)
