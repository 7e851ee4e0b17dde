"""Every corpus shader parses and translates.

The corpus lives beside the project in ``../shared/isf-corpus`` and is never copied into it;
the tests skip cleanly when it is absent.
"""

from __future__ import annotations

import collections
import warnings
from pathlib import Path

import pytest

from offscreen_isf.isf.document import ISFWarning, load
from offscreen_isf.isf.translate import tokenize, translate

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "isf-corpus"
FILES = sorted(CORPUS.rglob("*.fs")) if CORPUS.is_dir() else []
MACROS = ("IMG_PIXEL", "IMG_NORM_PIXEL", "IMG_THIS_PIXEL", "IMG_THIS_NORM_PIXEL", "IMG_SIZE")

pytestmark = pytest.mark.skipif(not FILES, reason=f"ISF corpus not found at {CORPUS}")


def _load(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        return load(path)


def _rel(p: Path) -> str:
    return str(p.relative_to(CORPUS))


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_corpus_file_parses_and_translates(path: Path) -> None:
    """Each file: header parses, translation succeeds with no IMG_* left outside
    comments, and every body line maps back to its own .fs line."""
    doc = _load(path)
    t = translate(doc)
    code = [tok.text for tok in tokenize(t.fragment) if tok.kind == "ident"]
    assert not set(code) & set(MACROS)
    assert "gl_FragColor" not in code and "varying" not in code
    assert t.fragment.startswith("#version 330\n") and t.vertex.startswith("#version 330\n")
    mapped = [o for o in t.fragment_map if o is not None]
    n_body = doc.fragment_source.replace("\r\n", "\n").count("\n") + 1
    assert len(mapped) == n_body
    assert mapped[0][1] == doc.body_line_offset + 1
    if doc.vertex_source is not None:
        assert any(o is not None for o in t.vertex_map)
        assert "isf_vertShaderInit" in t.vertex


def test_corpus_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """All 366 corpus .fs files parse and translate; kinds match the corpus MANIFEST
    (filters 238, transitions 68, generators 60; 44 custom vertex shaders)."""
    parsed = translated = 0
    kinds: collections.Counter[str] = collections.Counter()
    vertex = 0
    failures: list[str] = []
    for path in FILES:
        try:
            doc = _load(path)
        except Exception as exc:  # noqa: BLE001 - collect every failure for the report
            failures.append(f"{_rel(path)}: parse: {exc}")
            continue
        parsed += 1
        kinds[doc.kind] += 1
        vertex += doc.vertex_source is not None
        try:
            translate(doc)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{_rel(path)}: translate: {exc}")
            continue
        translated += 1
    with capsys.disabled():
        print(f"\n[corpus] {len(FILES)} .fs files: parsed {parsed}, translated {translated}, "
              f"kinds {dict(kinds)}, custom vertex shaders {vertex}")
    assert not failures, "\n".join(failures)
    assert len(FILES) == 366
    assert parsed == translated == len(FILES)
    assert kinds == {"filter": 238, "transition": 68, "generator": 60}
    assert vertex == 44
