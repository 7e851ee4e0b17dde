"""Isolated rendering (timeouts, crashes, restarts), thread rules,
crash-safe PNG sequences.

The isolated renderer never imports OpenGL in the caller, so these tests drive it from the
pytest process; its worker runs on this run's backend (``OFFSCREEN_ISF_BACKEND``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.errors import RenderCrashed, RenderTimeout, ThreadError
from offscreen_isf.farm.isolate import IsolatedRenderer

from .conftest import REPO
from .fault_worker import FaultyRenderer

#: the test worker module (tests.fault_worker) is imported from the checkout
WORKER_ENV = {"PYTHONPATH": str(REPO)}

pytestmark = pytest.mark.gl

#: llvmpipe caps a loop at ~65535 iterations per invocation (so `for(;;)` does not hang
#: it): this shader is slow through work per iteration instead.  n=1e9 at 256x256 takes
#: minutes on llvmpipe (n=1000 takes ~5 s); n=1 takes milliseconds.
SLOW = """/*{"INPUTS": [{"NAME": "n", "TYPE": "float", "DEFAULT": 1, "MIN": 0, "MAX": 1e10}]}*/
void main() {
    float a = 0.0; float b = gl_FragCoord.x;
    for (int i = 0; i < int(n); i++) { %s }
    gl_FragColor = vec4(fract(a), 0.5, 0.0, 1.0);
}
""" % ("a = sin(a * 1.001 + b); b = cos(b + a * 0.5); " * 8)

#: persistent feedback: +1/255 per frame in red; the output shows the count
COUNTER = """/*{"PASSES": [{"TARGET": "acc", "PERSISTENT": true}, {}]}*/
void main() {
    if (PASSINDEX == 0) {
        vec4 prev = IMG_THIS_PIXEL(acc);
        gl_FragColor = vec4(prev.r + 1.0 / 255.0, 0.0, 0.0, 1.0);
    } else {
        gl_FragColor = IMG_THIS_PIXEL(acc);
    }
}
"""

GRAD = """/*{"INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
            {"NAME": "inputImage", "TYPE": "image"}]}*/
void main() {
    vec4 img = IMG_NORM_PIXEL(inputImage, isf_FragNormCoord);
    gl_FragColor = vec4(isf_FragNormCoord.x, level, img.g, 1.0);
}
"""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def test_isolated_frames_equal_in_process_frames(backend: str) -> None:
    """Same document, same inputs, same time -> same pixels, through shared memory or the pipe."""
    image = np.zeros((8, 8, 4), np.uint8)
    image[..., 1] = 200
    with oi.Renderer(GRAD, (48, 32), backend=backend) as local:
        local.set_inputs(level=0.25, inputImage=image)
        expected = local.render(0.5, date=(2024, 1, 1, 0))
    for transport in ("shm", "pipe"):
        with oi.open_renderer(GRAD, size=(48, 32), isolate=True, timeout=20, transport=transport) as r:
            assert isinstance(r, IsolatedRenderer)
            r.set_inputs(level=0.25, inputImage=image)
            got = r.render(0.5, date=(2024, 1, 1, 0))
            assert got.dtype == np.uint8 and got.shape == (32, 48, 4)
            np.testing.assert_array_equal(got, expected)
            assert r.inputs["level"] == 0.25 and r.context.backend == backend
            assert r.context.info.renderer
    with oi.Renderer(GRAD, (48, 32), backend=backend, draw_flipped=True) as local:
        local.set_inputs(level=0.25, inputImage=image)
        flipped = local.render(0.5, date=(2024, 1, 1, 0))
        assert local.readback.final_flip == "none"
    with oi.open_renderer(GRAD, size=(48, 32), isolate=True, timeout=20, draw_flipped=True) as r:
        assert r.draw_flipped      # passed on to the worker's Renderer
        r.set_inputs(level=0.25, inputImage=image)
        np.testing.assert_array_equal(r.render(0.5, date=(2024, 1, 1, 0)), flipped)


def test_timeout_kills_replaces_and_next_render_works(capsys: pytest.CaptureFixture[str]) -> None:
    """Item 1: a shader far slower than the timeout raises RenderTimeout within timeout + 2 s;
    the worker is killed and replaced; inputs and FRAMEINDEX survive; the next render works."""
    timeout = 1.0
    with oi.open_renderer(SLOW, size=(256, 256), isolate=True, timeout=timeout) as r:
        first = r.render(0.0)
        old_pid = r.worker_pid
        r.set_inputs(n=1e9)
        start = time.monotonic()
        with pytest.raises(RenderTimeout, match="took longer than 1 s"):
            r.render(1.0)
        elapsed = time.monotonic() - start
        assert elapsed < timeout + 2.0, elapsed
        assert not pid_alive(old_pid)
        assert r.worker_pid != old_pid and r.restarts == 1
        assert r.inputs["n"] == 1e9                   # kept (and replayed to the new worker)
        restart = time.monotonic()
        r.set_inputs(n=1)
        again = r.render(0.0)
        restart_cost = time.monotonic() - restart
        np.testing.assert_array_equal(again, first)
        assert r.frame_index == 2                     # the timed-out frame does not count
    with capsys.disabled():
        print(f"\n[isolate] timeout {timeout} s -> RenderTimeout after {elapsed:.3f} s "
              f"(+{elapsed - timeout:.3f} s); restart + first frame {restart_cost:.3f} s")


def test_kill_9_mid_render_is_render_crashed_and_recovers() -> None:
    """Item 1: the worker killed during a render (as a driver crash would) -> RenderCrashed at
    once (not at the timeout); persistent buffers restart from zero; FRAMEINDEX continues."""
    with FaultyRenderer(COUNTER, size=(16, 16), timeout=60, worker_env=WORKER_ENV) as r:
        reds = [int(r.render(float(t))[0, 0, 0]) for t in range(3)]
        assert reds == [1, 2, 3]
        pid = r.worker_pid
        killer = threading.Timer(0.3, os.kill, (pid, signal.SIGKILL))
        killer.start()
        # the inject makes the next render hang, so the kill lands mid-render
        r.inject("hang")
        start = time.monotonic()
        with pytest.raises(RenderCrashed, match="killed by signal 9"):
            r.render(3.0)
        assert time.monotonic() - start < 2.0
        killer.join()
        assert r.render(4.0)[0, 0, 0] == 1            # fresh persistent buffer
        assert r.frame_index == 4


@pytest.mark.parametrize("fault, status", [("segv", "signal 11"), ("abort", "signal 6"),
                                           ("exit", "exit status 3")])
def test_worker_death_modes_raise_render_crashed(fault: str, status: str) -> None:
    with FaultyRenderer(GRAD, size=(16, 16), timeout=20, worker_env=WORKER_ENV) as r:
        good = r.render(0.0)
        r.inject(fault)
        with pytest.raises(RenderCrashed, match=status):
            r.render(0.0)
        np.testing.assert_array_equal(r.render(0.0), good)


def test_errors_cross_the_process_boundary_typed() -> None:
    """CompileError at construction, InputError on a bad input, ResourceLimitError from a
    size expression, with their attributes; the worker keeps serving after each."""
    with pytest.raises(oi.CompileError, match="failed to compile"):
        oi.open_renderer("/*{}*/\nvoid main() { gl_FragColor = vec4(undefined_thing); }\n", size=(8, 8),
                         isolate=True, timeout=20)
    with pytest.raises(oi.ParseError):
        oi.open_renderer("/*{\n*/\nvoid main(){}\n", size=(8, 8), isolate=True)   # parsed in the caller
    big = """/*{"INPUTS": [{"NAME": "s", "TYPE": "float", "DEFAULT": 1, "MIN": 0, "MAX": 1e9}],
               "PASSES": [{"TARGET": "t", "WIDTH": "$WIDTH*$s"}, {}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(t); }
"""
    with oi.open_renderer(big, size=(32, 32), isolate=True, timeout=20) as r:
        r.render(0.0)
        with pytest.raises(oi.InputError):
            r.set_inputs(nope=1)
        r.set_inputs(s=1000)
        with pytest.raises(oi.ResourceLimitError, match="32000"):
            r.render(0.0)
        r.set_inputs(s=1)
        assert r.render(0.0).shape == (32, 32, 4) and r.restarts == 0


def test_worker_dies_with_its_caller() -> None:
    """A caller killed with SIGKILL mid-render leaves no worker spinning on the shader."""
    code = f"""
        import sys, offscreen_isf as oi
        r = oi.open_renderer({SLOW!r}, size=(256, 256), isolate=True, timeout=None)
        r.set_inputs(n=1e9)
        print(r.worker_pid, flush=True)
        r.render(0.0)
    """
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", __import__("textwrap").dedent(code)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        worker = int(proc.stdout.readline())
        time.sleep(0.5)
        assert pid_alive(worker)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 3
    while pid_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(worker)


def test_release_stops_the_worker_and_is_idempotent() -> None:
    r = oi.open_renderer(GRAD, size=(8, 8), isolate=True, timeout=20)
    pid = r.worker_pid
    r.release()
    r.release()
    assert not pid_alive(pid)
    with pytest.raises(oi.InputError, match="released"):
        r.render(0.0)
    with pytest.raises(oi.InputError, match="context= must be None"):
        oi.open_renderer(GRAD, size=(8, 8), isolate=True, context=object())
    with pytest.raises(oi.InputError, match="isolate=True"):
        oi.open_renderer(GRAD, size=(8, 8), timeout=3)


# -- item 5: threads ------------------------------------------------------------------------------

def _concurrent_call_raises_thread_error(r, busy) -> None:
    """While one thread is inside render(), a second thread's call raises ThreadError at once."""
    failures: list[BaseException] = []

    def slow() -> None:
        try:
            r.render(0.0)
        except BaseException as exc:   # noqa: BLE001 - reported to the main thread
            failures.append(exc)

    r.set_inputs(n=300)
    t = threading.Thread(target=slow)
    t.start()
    deadline = time.monotonic() + 10
    while not busy() and time.monotonic() < deadline:
        time.sleep(0.001)
    assert busy(), "the first render never started"
    start = time.monotonic()
    with pytest.raises(ThreadError):
        r.render(0.0)
    assert time.monotonic() - start < 0.5     # refused, not queued
    t.join()
    assert not failures
    r.set_inputs(n=1)
    assert r.render(0.0).shape[2] == 4         # both threads done: usable from here again


def test_thread_rule_in_process(backend: str) -> None:
    """Item 5 (decision): concurrent calls on one Renderer raise ThreadError; sequential use
    from different threads (a hand-over) works."""
    with oi.Renderer(SLOW, (256, 256), backend=backend) as r:
        _concurrent_call_raises_thread_error(r, lambda: r.context.state is oi.State.CURRENT)
        box: list[np.ndarray] = []
        t = threading.Thread(target=lambda: box.append(r.render(0.0)))
        t.start()
        t.join()
        assert box and box[0].shape == (256, 256, 4)


def test_thread_rule_isolated() -> None:
    with oi.open_renderer(SLOW, size=(256, 256), isolate=True, timeout=30) as r:
        _concurrent_call_raises_thread_error(r, r._busy.locked)


# -- item 5: crash-safe PNG sequences -------------------------------------------------------------

BATCH = """
import sys
import numpy as np
import offscreen_isf as oi
out = sys.argv[1]
rng = np.random.default_rng(0)
noise = rng.integers(0, 256, (512, 512, 4), dtype=np.uint8)   # incompressible: slow PNG writes
with oi.Renderer({shader!r}, (512, 512)) as r:
    r.set_inputs(inputImage=noise)
    for i, (t, frame) in enumerate(r.render_frames(i / 30 for i in range(10000))):
        frame[..., 0] = noise[..., 0]
        oi.write_png(f"{{out}}/f_{{i:05d}}.png", frame)
        if i == 0:
            print("started", flush=True)
"""


def _check_sequence(folder: Path) -> int:
    from PIL import Image

    pngs = sorted(folder.glob("f_*.png"))
    for p in pngs:
        with Image.open(p) as im:
            im.load()                     # raises on a truncated file
            assert im.size == (512, 512)
    return len(pngs)


@pytest.mark.parametrize("how", ["kill9", "sigint"])
def test_interrupted_batch_leaves_no_truncated_png(tmp_path: Path, backend: str, how: str) -> None:
    """Item 5: kill -9 or Ctrl-C (KeyboardInterrupt) in the middle of a PNG sequence: every
    f_*.png that exists is complete (write_png writes a temp file, then renames)."""
    env = dict(os.environ, OFFSCREEN_ISF_BACKEND=backend, PYTHONPATH=str(REPO))
    env.pop("PYOPENGL_PLATFORM", None)
    for attempt, delay in enumerate((0.37, 0.83, 1.31)):
        out = tmp_path / f"{how}{attempt}"
        out.mkdir()
        proc = subprocess.Popen([sys.executable, "-c", BATCH.format(shader=GRAD), str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=REPO)
        assert proc.stdout.readline().strip() == "started", proc.stderr.read()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL if how == "kill9" else signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        if how == "sigint":
            assert "KeyboardInterrupt" in err and proc.returncode != 0
            assert not list(out.glob(".*.tmp")), "KeyboardInterrupt must remove the temp file"
        assert _check_sequence(out) >= 1


def test_frame_index_is_the_callers() -> None:
    """Setting frame_index (as the CLI batch does for chunks) reaches the worker's FRAMEINDEX."""
    shader = "/*{}*/\nvoid main() { gl_FragColor = vec4(float(FRAMEINDEX) / 255.0, 0.0, 0.0, 1.0); }\n"
    with oi.open_renderer(shader, size=(4, 4), isolate=True, timeout=20) as r:
        assert r.render(0.0)[0, 0, 0] == 0 and r.frame_index == 1
        r.frame_index = 42
        assert r.render(0.0)[0, 0, 0] == 42 and r.frame_index == 43


# -- the renderer contract --------------------------------------------------------------------------

def test_settings_reach_the_worker_renderer_whole(tmp_path: Path) -> None:
    """Every in-process option the caller sets arrives in the worker's Renderer (the pickled
    RenderSettings), with the isolation options reset for the in-process renderer."""
    settings = oi.RenderSettings(size=(24, 16), isolate=True, timeout=20, clamp=False, draw_flipped=True,
                                 max_size=(64, 48), memory_budget="64M", input_root=str(tmp_path),
                                 allow_paths=(str(tmp_path),), worker_env=tuple(WORKER_ENV.items()))
    with FaultyRenderer(GRAD, settings) as r:
        assert r.settings == settings
        got = r.worker_settings()
    want = settings.in_process().options()
    assert got == {k: list(v) if isinstance(v, tuple) else v for k, v in want.items()}
    assert got["isolate"] is False and got["draw_flipped"] is True and got["clamp"] is False


def test_factory_returns_the_class_the_settings_ask_for(backend: str) -> None:
    with oi.open_renderer(GRAD, size=(8, 8), backend=backend) as local:
        assert type(local) is oi.Renderer and not local.settings.isolate
        assert isinstance(local, oi.RendererProtocol)
        local_frame = local.render(0.25, date=(2024, 1, 1, 0))
    with oi.open_renderer(GRAD, oi.RenderSettings(size=(8, 8), isolate=True), timeout=20) as isolated:
        assert type(isolated) is oi.IsolatedRenderer and isolated.settings.timeout == 20
        assert isinstance(isolated, oi.RendererProtocol)
        np.testing.assert_array_equal(isolated.render(0.25, date=(2024, 1, 1, 0)), local_frame)


@pytest.mark.parametrize("bad", [True, False, float("nan"), float("inf"), "1.0", None])
def test_both_renderers_refuse_a_time_that_is_not_a_finite_number(backend: str, bad: object) -> None:
    """One rule for `time` (contract.check_time): a bool is refused by both, with the same error."""
    messages = []
    with oi.open_renderer(GRAD, size=(4, 4), backend=backend) as local, \
            oi.open_renderer(GRAD, size=(4, 4), isolate=True, timeout=20) as isolated:
        for r in (local, isolated):
            with pytest.raises(oi.InputError, match="time must be a finite number") as info:
                r.render(bad)
            messages.append(str(info.value))
            assert r.frame_index == 0          # refused before anything was drawn
    assert messages[0] == messages[1]
