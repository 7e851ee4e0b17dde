"""Checks the built sdist and wheel in a folder (default ``dist/``): exit 0 when both are sane.

The sdist must carry what its tests and docs need (MANIFEST.in), each file once, no links,
and ``backends/`` only at the top (``offscreen_isf/backends`` in the checkout is a link the
build maps through ``package_dir``).  The wheel must carry every ``offscreen_isf`` subpackage,
the bundled example and ``py.typed``, and no test or checkout-only folder.

Usage: python scripts/check_dist.py [DIST_DIR]
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

#: every package the wheel must hold (setup.cfg [options] packages)
PACKAGES = ("offscreen_isf", "offscreen_isf/backends", "offscreen_isf/compat", "offscreen_isf/farm",
            "offscreen_isf/gl", "offscreen_isf/isf", "offscreen_isf/media")
WHEEL_FILES = ("offscreen_isf/py.typed", "offscreen_isf/examples/demo.fs",
               "offscreen_isf/backends/egl.py", "offscreen_isf/backends/osmesa.py",
               "offscreen_isf/farm/gallery.py")
#: files or folders (prefixes) the sdist must hold, relative to its top folder
SDIST_NEEDS = ("LICENSE", "CHANGELOG.md", "README.md", "SECURITY.md", "MANIFEST.in", "Makefile",
               "pyproject.toml", "setup.cfg", "scripts/system-deps.sh", "backends/egl.py",
               "offscreen_isf/examples/demo.fs", "offscreen_isf/py.typed", "tests/conftest.py",
               "tests/test_docs_commands.py", "tests/dialects/", "conformance/cases/",
               "conformance/known-differences.json", "benchmarks/", "docs/semantics.md",
               "docs/render-farm.md")


def check_sdist(path: Path) -> list[str]:
    problems: list[str] = []
    with tarfile.open(path) as tar:
        members = tar.getmembers()
    top = members[0].name.split("/")[0]
    names = [m.name[len(top) + 1:] for m in members if m.isfile()]
    problems += [f"sdist: {m.name} is a link" for m in members if m.issym() or m.islnk()]
    problems += [f"sdist: {n} appears {c} times" for n, c in Counter(names).items() if c > 1]
    problems += [f"sdist: {n} (a copy of backends/ through the link)" for n in names
                 if n.startswith("offscreen_isf/backends/")]
    problems += [f"sdist: nothing at {need}" for need in SDIST_NEEDS
                 if not any(n == need or (need.endswith("/") and n.startswith(need)) for n in names)]
    problems += [f"sdist: {n} is a build leftover" for n in names
                 if "__pycache__" in n or n.endswith((".pyc", ".so"))]
    return problems


def check_wheel(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
    problems = [f"wheel: no package {p}" for p in PACKAGES if f"{p}/__init__.py" not in names]
    problems += [f"wheel: no {f}" for f in WHEEL_FILES if f not in names]
    problems += [f"wheel: {n} appears {c} times" for n, c in Counter(names).items() if c > 1]
    problems += [f"wheel: {n} does not belong in it" for n in names
                 if n.split("/")[0] in ("tests", "conformance", "benchmarks", "backends", "docs")]
    return problems


def main(argv: list[str]) -> int:
    dist = Path(argv[0] if argv else "dist")
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        print(f"error: expected one sdist and one wheel in {dist}, found "
              f"{[p.name for p in sdists + wheels]}", file=sys.stderr)
        return 1
    problems = check_sdist(sdists[0]) + check_wheel(wheels[0])
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not problems:
        print(f"ok: {sdists[0].name} and {wheels[0].name}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
