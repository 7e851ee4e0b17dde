"""scripts/check_dist.py: the release check notices a link, a duplicate, a missing test folder
and a wheel without a subpackage (so ``make release-check`` cannot pass vacuously)."""

from __future__ import annotations

import importlib.util
import io
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_dist", REPO / "scripts" / "check_dist.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _sdist(path: Path, names: list[str], link: str | None = None) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            info = tarfile.TarInfo(f"pkg-1.0/{name}")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        if link:
            info = tarfile.TarInfo(f"pkg-1.0/{link}")
            info.type, info.linkname = tarfile.SYMTYPE, "../backends"
            tar.addfile(info)


def _wheel(path: Path, names: list[str]) -> None:
    with zipfile.ZipFile(path, "w") as whl:
        for name in names:
            whl.writestr(name, "x")


def test_complete_dist_passes_and_each_fault_is_named(tmp_path: Path) -> None:
    mod = _module()
    good = [n if not n.endswith("/") else n + "x.py" for n in mod.SDIST_NEEDS]
    wheel_names = [f"{p}/__init__.py" for p in mod.PACKAGES] + list(mod.WHEEL_FILES)
    _sdist(tmp_path / "good.tar.gz", good)
    _wheel(tmp_path / "good.whl", wheel_names)
    assert mod.check_sdist(tmp_path / "good.tar.gz") == []
    assert mod.check_wheel(tmp_path / "good.whl") == []

    bad = [n for n in good if not n.startswith("tests/dialects/")]
    _sdist(tmp_path / "bad.tar.gz", [*bad, "offscreen_isf/backends/egl.py", "README.md"],
           link="offscreen_isf/backends")
    problems = "\n".join(mod.check_sdist(tmp_path / "bad.tar.gz"))
    assert "is a link" in problems and "README.md appears 2 times" in problems
    assert "nothing at tests/dialects/" in problems and "a copy of backends/" in problems

    _wheel(tmp_path / "bad.whl", [n for n in wheel_names if "/gl/" not in n] + ["tests/test_x.py"])
    problems = "\n".join(mod.check_wheel(tmp_path / "bad.whl"))
    assert "no package offscreen_isf/gl" in problems and "tests/test_x.py does not belong" in problems
