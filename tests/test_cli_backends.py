"""`offscreen-isf backends` and `demo`, and `oi.backends.available()`, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from offscreen_isf import backends
from offscreen_isf.gl.testpattern import expected

from .conftest import REPO


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, check=False, timeout=300)


def test_available_reports_every_backend() -> None:
    statuses = {s.name: s for s in backends.available()}
    assert set(statuses) == {"egl", "osmesa", "cgl"}
    for name in ("egl", "osmesa"):
        s = statuses[name]
        assert s.ok, (s.reason, s.fix)
        assert "llvmpipe" in s.info.renderer or "NVIDIA" in s.info.renderer
        assert s.info.version.split()[0] >= "3.3" and "Core Profile" in s.info.version
    assert not statuses["cgl"].ok
    assert "macOS" in statuses["cgl"].reason and statuses["cgl"].fix


def test_backends_command_json() -> None:
    proc = cli("backends", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)}
    assert rows["egl"]["ok"] and rows["osmesa"]["ok"] and not rows["cgl"]["ok"]
    assert rows["cgl"]["reason"].startswith("CGL is macOS only")


def test_backends_command_text() -> None:
    proc = cli("backends")
    assert proc.returncode == 0, proc.stderr
    assert "egl     usable" in proc.stdout and "osmesa  usable" in proc.stdout
    assert "cgl     unavailable" in proc.stdout and "fix:" in proc.stdout


@pytest.mark.gl
def test_demo_writes_the_pattern(tmp_path, backend: str) -> None:
    out = tmp_path / "demo.png"
    proc = cli("demo", "--pattern", "-o", str(out), "--size", "33x17", "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    assert np.array_equal(np.asarray(Image.open(out)), expected(33, 17))


def test_demo_errors_are_messages_not_tracebacks() -> None:
    proc = cli("demo", "--backend", "nope")
    assert proc.returncode == 4   # backend error (exit codes: offscreen_isf.farm.cli)
    assert proc.stderr.startswith("error: unknown backend 'nope'") and "fix: choose one of" in proc.stderr
    assert "Traceback" not in proc.stderr
