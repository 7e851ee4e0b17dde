"""The isolated renderer under a hostile or failing worker, and confinement on restarts.

* every malformed, oversized, mis-typed or spoofed reply (``tests.liar_worker``) is a
  RenderCrashed naming what was wrong; the worker is replaced and the next call works;
* an input set just before a crash is replayed to the new worker; a refused or crashed
  ``set_inputs`` leaves the caller's view unchanged;
* a restart has its own start deadline: it is neither charged to the next call's
  ``timeout`` nor expired by time the caller spent elsewhere;
* IMPORTED paths are checked again by every worker start; ``--root`` confines every frame
  of an image sequence, in plain and isolated CLI runs.

The isolated renderer never imports OpenGL in the caller; its workers run on this run's
backend (``OFFSCREEN_ISF_BACKEND``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import offscreen_isf as oi
from offscreen_isf.errors import RenderCrashed, RenderTimeout

from .conftest import REPO
from .fault_worker import FaultyRenderer
from .liar_worker import INIT_LIES, LIES, LiarRenderer

WORKER_ENV = {"PYTHONPATH": str(REPO)}

pytestmark = pytest.mark.gl

GRAD = """/*{"INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
            {"NAME": "inputImage", "TYPE": "image"}]}*/
void main() {
    vec4 img = IMG_NORM_PIXEL(inputImage, isf_FragNormCoord);
    gl_FragColor = vec4(isf_FragNormCoord.x, level, img.g, 1.0);
}
"""


def _dead(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().split(")")[-1].split()[0] == "Z"


@pytest.mark.parametrize("transport", ["shm", "pipe"])
def test_every_lie_is_render_crashed_and_the_next_call_works(transport: str) -> None:
    """Each lie of LIES answering a render: RenderCrashed with its reason, at once (not at
    the timeout, not after reading an announced 3 GiB), the liar killed, the next frame right."""
    with LiarRenderer(GRAD, size=(16, 8), timeout=30, transport=transport, worker_env=WORKER_ENV) as r:
        good = r.render(0.0)
        for n, (name, (_, reason)) in enumerate(LIES.items(), 1):
            pid = r.worker_pid
            r.lie(name)
            start = time.monotonic()
            with pytest.raises(RenderCrashed, match="malformed reply") as info:
                r.render(0.0)
            assert reason in str(info.value), (name, str(info.value))
            assert time.monotonic() - start < 10, name
            assert r.restarts == n and pid is not None and _dead(pid), name
            np.testing.assert_array_equal(r.render(0.0), good, err_msg=name)


def test_a_lie_to_set_inputs_changes_nothing() -> None:
    with LiarRenderer(GRAD, size=(8, 8), timeout=30, worker_env=WORKER_ENV) as r:
        r.set_inputs(level=0.25)
        before = r.render(0.0)
        for name in ("huge_payload", "spoof_crashed", "not_json", "error_payload"):
            r.lie(name)
            with pytest.raises(RenderCrashed, match="malformed reply"):
                r.set_inputs(level=0.75)
            assert r.inputs["level"] == 0.25
            np.testing.assert_array_equal(r.render(0.0), before)


@pytest.mark.parametrize("lie", sorted(INIT_LIES))
def test_a_lying_start_reply_is_render_crashed(lie: str) -> None:
    with pytest.raises(RenderCrashed, match="malformed reply") as info:
        LiarRenderer(GRAD, size=(8, 8), timeout=30,
                     worker_env={**WORKER_ENV, "OFFSCREEN_ISF_TEST_LIE_INIT": lie})
    assert INIT_LIES[lie][1] in str(info.value)


def test_a_huge_error_text_stays_a_typed_error() -> None:
    """A compile log far over the reply cap arrives cut, as CompileError (not a broken reply)."""
    body = "void main() {\n" + "    undefined_thing_number_one_two_three();\n" * 40000 + "}\n"
    with pytest.raises(oi.CompileError) as info:
        oi.open_renderer("/*{}*/\n" + body, size=(8, 8), isolate=True, timeout=60)
    assert len(str(info.value)) < 1 << 20


# -- nothing lost ----------------------------------------------------------------------------

def test_inputs_set_just_before_a_crash_are_replayed() -> None:
    image = np.zeros((4, 4, 4), np.uint8)
    image[..., 1] = 255
    with FaultyRenderer(GRAD, size=(8, 8), timeout=30, worker_env=WORKER_ENV) as r:
        r.set_inputs(level=0.75, inputImage=image)
        r.inject("exit")
        with pytest.raises(RenderCrashed, match="exit status 3"):
            r.render(0.0)
        frame = r.render(0.0)
        assert frame[0, 0, 1] == round(0.75 * 255) and frame[0, 0, 2] == 255
        assert r.inputs["level"] == 0.75


def test_a_set_inputs_the_worker_refuses_changes_nothing() -> None:
    """``level`` is accepted by the worker before the image is refused (over max_size): the
    caller's view and the worker's next frame both keep the old level."""
    with oi.open_renderer(GRAD, size=(8, 8), isolate=True, timeout=30, max_size=(64, 64)) as r:
        r.set_inputs(level=0.25)
        before = r.render(0.0)
        with pytest.raises(oi.ResourceLimitError):
            r.set_inputs(level=0.75, inputImage=np.zeros((128, 128, 4), np.uint8))
        assert r.inputs["level"] == 0.25
        np.testing.assert_array_equal(r.render(0.0), before)
        with pytest.raises(oi.InputError):
            r.set_inputs(level=0.75, nope=1)         # refused here, before anything is sent
        assert r.inputs["level"] == 0.25 and r.restarts == 0


def test_the_restart_has_its_own_deadline() -> None:
    """After a timeout the successor starts in the background; a call made after more than
    ``start_timeout`` seconds still gets a full start deadline, then a full ``timeout``."""
    with FaultyRenderer(GRAD, size=(8, 8), timeout=1.0, start_timeout=3.0, worker_env=WORKER_ENV) as r:
        good = r.render(0.0)
        r.inject("hang")
        with pytest.raises(RenderTimeout):
            r.render(0.0)
        time.sleep(3.5)
        np.testing.assert_array_equal(r.render(0.0), good)


def test_a_slow_restart_is_not_charged_to_the_call() -> None:
    env = {**WORKER_ENV, "OFFSCREEN_ISF_TEST_SLOW_INIT": "1.5"}
    with LiarRenderer(GRAD, size=(8, 8), timeout=1.0, start_timeout=10.0, worker_env=env) as r:
        good = r.render(0.0)
        r.lie("neither")
        with pytest.raises(RenderCrashed):
            r.render(0.0)
        np.testing.assert_array_equal(r.render(0.0), good)     # start 1.5 s > timeout 1 s


# -- confinement -------------------------------------------------------------------------------

IMPORTER = """/*{"IMPORTED": {"pic": {"PATH": "pic.png"}}}*/
void main() { gl_FragColor = IMG_NORM_PIXEL(pic, isf_FragNormCoord); }
"""


def test_imported_paths_are_checked_again_at_every_worker_start(tmp_path: Path) -> None:
    shader_dir, outside = tmp_path / "shader", tmp_path / "outside"
    shader_dir.mkdir()
    outside.mkdir()
    Image.new("RGBA", (4, 4), (0, 255, 0, 255)).save(shader_dir / "pic.png")
    Image.new("RGBA", (4, 4), (255, 0, 0, 255)).save(outside / "secret.png")
    (shader_dir / "s.fs").write_text(IMPORTER)
    with FaultyRenderer(shader_dir / "s.fs", size=(4, 4), timeout=30, worker_env=WORKER_ENV) as r:
        assert tuple(r.render(0.0)[0, 0]) == (0, 255, 0, 255)
        (shader_dir / "pic.png").unlink()
        (shader_dir / "pic.png").symlink_to(outside / "secret.png")
        r.inject("exit")
        with pytest.raises(RenderCrashed):
            r.render(0.0)
        with pytest.raises(oi.ParseError, match="now resolves to .*secret.png.*confined"):
            r.render(0.0)


def _sequence_tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "seq").mkdir(parents=True)
    outside.mkdir()
    for i in range(3):
        Image.new("RGBA", (4, 4), (0, 255, 0, 255)).save(root / "seq" / f"in_{i:05d}.png")
        Image.new("RGBA", (4, 4), (255, 0, 0, 255)).save(outside / f"in_{i:05d}.png")
    (root / "linked").symlink_to(outside)
    (tmp_path / "s.fs").write_text('/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
                                   "void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage, isf_FragNormCoord); }\n")
    return root, outside, tmp_path / "s.fs"


@pytest.mark.parametrize("isolate", [False, True])
@pytest.mark.parametrize("case", ["folder_outside", "folder_symlink", "frame_symlink", "hashes_outside"])
def test_root_confines_every_frame_of_a_sequence(tmp_path: Path, backend: str, isolate: bool, case: str) -> None:
    root, outside, shader = _sequence_tree(tmp_path)
    pattern = {"folder_outside": f"{outside}/in_%05d.png", "folder_symlink": f"{root}/linked/in_%05d.png",
               "frame_symlink": f"{root}/seq/in_%05d.png", "hashes_outside": f"{outside}/in_#####.png"}[case]
    if case == "frame_symlink":
        (root / "seq" / "in_00001.png").unlink()
        (root / "seq" / "in_00001.png").symlink_to(outside / "in_00001.png")
    env = dict(os.environ, OFFSCREEN_ISF_BACKEND=backend, PYTHONPATH=str(REPO))
    env.pop("PYOPENGL_PLATFORM", None)
    cmd = [sys.executable, "-m", "offscreen_isf", "render", str(shader), "--size", "4x4", "--frames", "0-2",
           "-o", str(tmp_path / "o_%05d.png"), "--image", f"inputImage={pattern}", "--root", str(root)]
    proc = subprocess.run(cmd + (["--isolate", "--timeout", "60"] if isolate else []), capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=180)
    assert proc.returncode not in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert "outside the allowed root" in proc.stderr, proc.stderr
    written = sorted(p.name for p in tmp_path.glob("o_*.png"))
    assert written == (["o_00000.png"] if case == "frame_symlink" else []), written
    for p in tmp_path.glob("o_*.png"):
        with Image.open(p) as im:
            assert im.getpixel((0, 0))[0] == 0          # no red pixel from outside the root
