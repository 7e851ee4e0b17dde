"""`offscreen-isf render | info | validate | demo` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import REPO, SHARED, needs_corpus

CORPUS = SHARED / "isf-corpus"
GRADIENT = """/*{ "ISFVSN": "2", "INPUTS": [
  {"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]},
  {"NAME": "on", "TYPE": "bool", "DEFAULT": true} ] }*/
void main() { gl_FragColor = vec4(level * tint.r, TIME, on ? 1.0 : 0.0, 1.0); }
"""


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", *args], capture_output=True,
                          text=True, cwd=cwd, check=False, timeout=600)


@pytest.fixture
def shader(tmp_path: Path) -> Path:
    p = tmp_path / "grad.fs"
    p.write_text(GRADIENT)
    return p


@pytest.mark.gl
def test_render_one_frame_with_inputs(shader: Path, tmp_path: Path, backend: str) -> None:
    out = tmp_path / "one.png"
    proc = cli("render", str(shader), "-o", str(out), "--size", "8x4", "--time", "0.2",
               "-i", "level=0.6", "-i", "tint=0.5,1,1,1", "-i", "on=false", "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    px = np.asarray(Image.open(out))
    assert px.shape == (4, 8, 4)
    np.testing.assert_array_equal(px[0, 0], [round(0.3 * 255), round(0.2 * 255), 0, 255])


@pytest.mark.gl
def test_draw_flipped_renders_the_same_frame(shader: Path, tmp_path: Path, backend: str) -> None:
    """--draw-flipped (no readback flip) gives the upright frame: rows top first."""
    frames = {}
    for flag in ((), ("--draw-flipped",)):
        out = tmp_path / f"f{len(flag)}.png"
        proc = cli("render", str(shader), "-o", str(out), "--size", "8x6", "--time", "0.2",
                   "--backend", backend, *flag)
        assert proc.returncode == 0, proc.stderr
        frames[bool(flag)] = np.asarray(Image.open(out)).astype(int)
    assert np.abs(frames[True] - frames[False]).max() <= 1
    assert frames[True][0, 0, 1] == round(0.2 * 255)


@pytest.mark.gl
def test_render_sequence_steps_time_by_fps(shader: Path, tmp_path: Path, backend: str) -> None:
    proc = cli("render", str(shader), "-o", str(tmp_path / "f_%03d.png"), "--size", "4x4",
               "--frames", "3", "--fps", "10", "-q", "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    greens = [int(np.asarray(Image.open(tmp_path / f"f_{i:03d}.png"))[0, 0, 1]) for i in range(3)]
    # 0.1 * 255 = 25.5: llvmpipe rounds up, NVIDIA down (measured on an H100)
    assert np.abs(np.array(greens) - [0, 25.5, 51]).max() <= 0.5, greens


@pytest.mark.gl
def test_render_float_writes_16_bit_png(shader: Path, tmp_path: Path, backend: str) -> None:
    out = tmp_path / "deep.png"
    proc = cli("render", str(shader), "-o", str(out), "--size", "2x2", "--float", "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    import png

    width, height, rows, meta = png.Reader(filename=str(out)).read()
    assert meta["bitdepth"] == 16 and meta["alpha"]
    first = list(next(iter(rows)))
    assert abs(first[0] - round(0.5 * 65535)) <= 300   # RGBA8 pass precision, widened


def test_render_errors_are_clear(shader: Path, tmp_path: Path) -> None:
    proc = cli("render", str(shader), "-i", "nope=1", "-o", str(tmp_path / "x.png"))
    assert proc.returncode == 5   # input error (exit codes: offscreen_isf.farm.cli)
    assert 'error:' in proc.stderr and 'no input "nope"' in proc.stderr and "level, tint, on" in proc.stderr
    proc = cli("render", str(tmp_path / "missing.fs"))
    assert proc.returncode == 3 and "missing.fs" in proc.stderr and "Traceback" not in proc.stderr


@needs_corpus
def test_info_text_and_json() -> None:
    path = CORPUS / "ISF-Files" / "ISF" / "Auto Levels.fs"
    proc = cli("info", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "kind: filter" in proc.stdout and "min_threshold: float" in proc.stdout
    data = json.loads(cli("info", "--json", str(path)).stdout)
    assert data["kind"] == "filter" and len(data["passes"]) >= 4
    assert data["passes"][0]["width"] is not None


@pytest.mark.gl
def test_validate_folder_recursively(tmp_path: Path, backend: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.fs").write_text(GRADIENT)
    (tmp_path / "bad.fs").write_text('/*{ "INPUTS": [] }*/\nvoid main() { gl_FragColor = vec4(nope); }\n')
    proc = cli("validate", "--json", str(tmp_path), "--backend", backend)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["files"] == 2 and data["failed"] == 1
    bad = next(r for r in data["results"] if r["path"].endswith("bad.fs"))
    assert "bad.fs:2" in bad["error"]


def test_validate_parse_only_needs_no_gl(tmp_path: Path) -> None:
    (tmp_path / "broken.fs").write_text('/*{ "INPUTS": [ }*/\nvoid main() {}\n')
    proc = cli("validate", "--parse-only", str(tmp_path))
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "ParseError" in proc.stdout and "broken.fs:1" in proc.stdout


@pytest.mark.gl
def test_demo_renders_the_bundled_example(tmp_path: Path, backend: str) -> None:
    proc = cli("demo", "-o", str(tmp_path / "d_%04d.png"), "--size", "64x36", "-q", "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    frames = sorted(tmp_path.glob("d_*.png"))
    assert len(frames) == 60
    last = np.asarray(Image.open(frames[-1]))
    assert last[..., :3].max() > 200 and last[..., 3].min() == 255   # lit orbs, opaque
    assert not np.array_equal(np.asarray(Image.open(frames[0])), last)
