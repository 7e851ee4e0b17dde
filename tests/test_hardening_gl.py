"""Lifecycle truths and bounded GL resources, on the backend of this run.

* Two contexts on one thread: making one current marks the one it displaces ``OPEN``; a
  renderer on the displaced one re-makes it current (right pixels) and ``ctx.gl`` refuses.
* ``os.fork()`` after a context exists: the child refuses every use, and new contexts, with
  a LifecycleError naming the spawn start method; the parent goes on; a 'spawn' pool works.
* A constructor that raises closes its own context; ``release()`` from the wrong thread
  raises ThreadError and leaves the renderer releasable; release racing render is typed.
* FRAMEINDEX equals the frames delivered after an interrupt inside ``render`` or
  ``render_frames`` (plain and pipelined) and after a pipelined generator closed early.
* The buffer pool stays bounded over 400 target sizes and inside a renderer's memory
  budget; 200 renderers dropped unreleased on a shared context return the driver to its
  baseline at the next make_current (counts asked of the driver, tests/gl_probe.py).

Anything that could hang (fork, races, interrupts) runs in a child process with a timeout.
"""

from __future__ import annotations

import gc
import json
import threading

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.errors import InputError, LifecycleError, ResourceLimitError, ThreadError
from offscreen_isf.gl.lifecycle import State

from .conftest import run_child
from .gl_probe import LeakCheck

pytestmark = [pytest.mark.gl]

CHILD_TIMEOUT = 180

SOLID = '/*{"ISFVSN": "2"}*/\nvoid main() { gl_FragColor = vec4(%s); }\n'
RED, GREEN = SOLID % "1.0, 0.0, 0.0, 1.0", SOLID % "0.0, 1.0, 0.0, 1.0"
#: red = FRAMEINDEX / 255: tells which FRAMEINDEX a frame was drawn with
COUNTER = '/*{"ISFVSN": "2"}*/\nvoid main() { gl_FragColor = vec4(float(FRAMEINDEX) / 255.0, 0.0, 0.0, 1.0); }\n'
#: a target whose size an input drives (pixels per side)
SIZED = """/*{"ISFVSN": "2", "INPUTS": [{"NAME": "s", "TYPE": "float", "DEFAULT": 4, "MIN": 1, "MAX": 4096}],
"PASSES": [{"TARGET": "buf", "WIDTH": "$s", "HEIGHT": "$s"}, {}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0);
    else gl_FragColor = IMG_NORM_PIXEL(buf, isf_FragNormCoord.xy);
}
"""


def _color(frame: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in frame[0, 0])


# -- two contexts on one thread -------------------------------------------------------------

def test_second_context_made_current_displaces_the_first(ctx: oi.Context, backend: str) -> None:
    other = oi.Context(backend).open()
    try:
        with oi.Renderer(RED, (4, 4), context=ctx) as red, oi.Renderer(GREEN, (4, 4), context=other) as green:
            ctx.make_current()
            other.make_current()       # displaces ctx at the native level
            assert ctx.state is State.OPEN and other.state is State.CURRENT
            with pytest.raises(LifecycleError, match="make_current"):
                ctx.gl  # noqa: B018 - no GL through a context that is not current
            assert _color(red.render()) == (255, 0, 0, 255)   # re-made current, its own pixels
            assert other.state is State.OPEN                  # and that displaced the other
            assert _color(green.render()) == (0, 255, 0, 255)
            ctx.make_current()
            third = oi.Context(backend).open()                # opening binds briefly: displaces too
            assert ctx.state is State.OPEN
            assert _color(red.render()) == (255, 0, 0, 255)
            third.close()
    finally:
        other.close()


def test_closing_another_context_displaces_the_current_one(ctx: oi.Context, backend: str) -> None:
    other = oi.Context(backend).open()
    ctx.make_current()
    other.close()                      # made current briefly to delete its objects
    assert ctx.state is State.OPEN
    ctx.make_current()
    assert ctx.gl.glGetString(ctx.gl.GL_VERSION)


# -- fork ----------------------------------------------------------------------------------

FORK = """
import os, sys, time, offscreen_isf as oi
from offscreen_isf.errors import LifecycleError
SRC = '/*{"ISFVSN": "2"}*/\\nvoid main() { gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0); }\\n'
r = oi.Renderer(SRC, (4, 4))
assert r.render()[0, 0, 0] == 255
pid = os.fork()
if pid == 0:
    bad = []
    for what, call in [("render", lambda: r.render()),
                       ("make_current", lambda: r.context.make_current()),
                       ("new context", lambda: oi.Context().open()),
                       ("new renderer", lambda: oi.Renderer(SRC, (4, 4)))]:
        try:
            call()
            bad.append(what + ": no error")
        except LifecycleError as exc:
            if "spawn" not in str(exc):
                bad.append(what + ": " + str(exc))
    r.release()                       # forgets only: no native call in the child
    assert r.context.state.value == "CLOSED"
    sys.stdout.write("CHILD " + repr(bad) + "\\n"); sys.stdout.flush()
    os._exit(0 if not bad else 3)
deadline = time.monotonic() + 60
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9); os.waitpid(pid, 0); print("CHILD HUNG"); sys.exit(4)
    time.sleep(0.05)
assert os.waitstatus_to_exitcode(status) == 0, os.waitstatus_to_exitcode(status)
assert r.render()[0, 0, 0] == 255     # the parent's context is untouched
r.release()
print("PARENT OK")
"""


def test_fork_with_a_live_context_refuses_in_the_child() -> None:
    proc = run_child(FORK, timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "CHILD []" in proc.stdout and "PARENT OK" in proc.stdout


SPAWN_POOL = """
import multiprocessing as mp, offscreen_isf as oi
SRC = '/*{"ISFVSN": "2"}*/\\nvoid main() { gl_FragColor = vec4(0.0, 1.0, 0.0, 1.0); }\\n'
def work(n):
    return int(oi.render(SRC, (n, n))[0, 0, 1])
if __name__ == "__main__":
    r = oi.Renderer(SRC, (4, 4)); r.render()          # a live context in the parent
    with mp.get_context("spawn").Pool(2) as pool:
        print("RESULT", pool.map(work, [2, 3]))
    r.release()
"""


def test_spawn_pool_renders_beside_a_live_context(tmp_path) -> None:
    script = tmp_path / "spawn_pool.py"
    script.write_text(SPAWN_POOL)
    proc = run_child(f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
                     timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RESULT [255, 255]" in proc.stdout


# -- construction and release --------------------------------------------------------------

def _open_contexts() -> list[oi.Context]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, oi.Context) and o._native is not None]


@pytest.mark.parametrize("inputs", [{"nope": 1}, {"level": "not a number"}])
def test_constructor_that_raises_closes_its_own_context(inputs: dict) -> None:
    src = SOLID.replace('"ISFVSN": "2"', '"ISFVSN": "2", "INPUTS": [{"NAME": "level", "TYPE": "float"}]') % (
        "level, 0.0, 0.0, 1.0")
    before = len(_open_contexts())
    for _ in range(10):
        with pytest.raises(InputError):
            oi.Renderer(src, (4, 4), inputs=inputs)
    assert len(_open_contexts()) == before


def test_release_from_the_wrong_thread_raises_and_stays_releasable() -> None:
    r = oi.Renderer(RED, (4, 4))
    r.render()
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        r.context.make_current()
        held.set()
        done.wait(30)
        r.context.release()

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(30)
    with pytest.raises(ThreadError):
        r.release()
    assert r.context.state is State.CURRENT         # nothing changed
    done.set()
    t.join(30)
    other: list[BaseException] = []
    t2 = threading.Thread(target=lambda: _capture(other, r.release))   # no one holds it now
    t2.start()
    t2.join(30)
    assert not other and r.context.state is State.CLOSED


def _capture(errors: list[BaseException], fn) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - handed to the asserting thread
        errors.append(exc)


RACE = """
import threading, offscreen_isf as oi
from offscreen_isf.errors import InputError, ThreadError, LifecycleError
SRC = '/*{"ISFVSN": "2"}*/\\nvoid main() { gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0); }\\n'
untyped = []
for attempt in range(30):
    r = oi.Renderer(SRC, (8, 8))
    r.render()
    def loop():
        for _ in range(50):
            try:
                r.render()
            except (ThreadError, InputError, LifecycleError):
                pass
            except BaseException as exc:
                untyped.append(repr(exc))
    t = threading.Thread(target=loop); t.start()
    released = False
    while not released:
        try:
            r.release(); released = True
        except ThreadError:
            pass
        except BaseException as exc:
            untyped.append(repr(exc)); break
    t.join(60)
    assert r.context.state.value == "CLOSED", r.context.state
print("UNTYPED", untyped)
"""


def test_release_racing_render_is_typed() -> None:
    proc = run_child(RACE, timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "UNTYPED []" in proc.stdout, proc.stdout


def test_release_during_render_on_another_thread_is_a_thread_error() -> None:
    r = oi.Renderer(RED, (4, 4))
    inside, go = threading.Event(), threading.Event()
    read = r.readback.read

    def slow_read(*args, **kwargs):
        inside.set()
        go.wait(30)
        return read(*args, **kwargs)

    r.readback.read = slow_read   # type: ignore[method-assign]
    errors: list[BaseException] = []
    t = threading.Thread(target=lambda: _capture(errors, r.render))
    t.start()
    assert inside.wait(30)
    with pytest.raises(ThreadError):
        r.release()
    with pytest.raises(ThreadError):
        r.set_inputs()
    go.set()
    t.join(30)
    assert not errors
    r.release()
    assert r.context.state is State.CLOSED


# -- FRAMEINDEX counts frames delivered ---------------------------------------------------

INTERRUPT = """
import json, offscreen_isf as oi
from offscreen_isf.gl import readback
SRC = {src!r}
FETCH = readback.PipelinedReadback.fetch
def interrupt_on(obj, name, call):
    real = getattr(obj, name); count = [0]
    def wrapped(*a, **k):
        count[0] += 1
        if count[0] == call:
            raise KeyboardInterrupt
        return real(*a, **k)
    setattr(obj, name, wrapped)
results = {{}}
for pipeline in (False, True):
    r = oi.Renderer(SRC, (4, 4))
    if pipeline:
        interrupt_on(readback.PipelinedReadback, "fetch", 3)
    else:
        interrupt_on(r.readback, "read", 3)
    delivered = []
    try:
        for t, frame in r.render_frames([0.1 * i for i in range(6)], pipeline=pipeline):
            delivered.append(int(frame[0, 0, 0]))
    except KeyboardInterrupt:
        pass
    readback.PipelinedReadback.fetch = FETCH
    results["pipelined" if pipeline else "plain"] = [delivered, r.frame_index, int(r.render(1.0)[0, 0, 0])]
    r.release()
r = oi.Renderer(SRC, (4, 4))
frames = r.render_frames([0.1 * i for i in range(6)], pipeline=True)
got = [int(next(frames)[1][0, 0, 0]) for _ in range(2)]
frames.close()                              # a third frame was drawn and queued, never delivered
results["closed"] = [got, r.frame_index, int(r.render(1.0)[0, 0, 0])]
r.release()
print("RESULTS", json.dumps(results))
"""


def test_frameindex_counts_frames_delivered_after_an_interrupt() -> None:
    proc = run_child(INTERRUPT.format(src=COUNTER), timeout=CHILD_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS "))
    results = json.loads(line.removeprefix("RESULTS "))
    # 2 frames delivered, FRAMEINDEX 2, and the next frame is drawn with FRAMEINDEX 2
    assert results == {"plain": [[0, 1], 2, 2], "pipelined": [[0, 1], 2, 2], "closed": [[0, 1], 2, 2]}


# -- bounded resources ------------------------------------------------------------------

def test_pool_stays_bounded_over_400_target_sizes(ctx: oi.Context) -> None:
    check = LeakCheck(ctx)
    baseline = check.snapshot()
    with oi.Renderer(SIZED, (8, 8), context=ctx) as r:
        for s in range(1, 401):
            r.set_inputs(s=float(s))
            r.render()
        stats = ctx.pool.stats()
        snap = check.snapshot()
        check.agrees(snap, "after 400 sizes")
        grown = snap.count() - baseline.count()
        pooled = len(snap.owned_by("BufferPool"))
        # a handful of the renderer's own objects plus at most max_idle idle targets (2 each)
        assert pooled == stats["idle_objects"] <= 2 * ctx.pool.max_idle, (pooled, stats)
        assert grown - pooled <= 8, (grown, pooled)
        assert stats["evictions"] > 0
    ctx.pool.cleanup()
    check.back_to(baseline, check.snapshot(), "released and cleaned up")
    check.finish()


def test_pool_stays_inside_the_memory_budget(ctx: oi.Context) -> None:
    budget = 4 << 20
    with oi.Renderer(SIZED, (64, 64), context=ctx, memory_budget=budget) as r:
        for s in list(range(100, 901, 50)) * 2:
            r.set_inputs(s=float(s))
            r.render()
            stats = ctx.pool.stats()
            assert stats["idle_bytes"] + stats["in_use_bytes"] <= budget, (s, stats)
        before = dict(ctx.pool.stats()), ctx.live_objects()
        r.set_inputs(s=1100.0)                  # 1100 x 1100 x 4 B: over the budget alone
        with pytest.raises(ResourceLimitError, match="memory budget"):
            r.render()
        assert (ctx.pool.stats(), ctx.live_objects()) == before   # nothing allocated


def test_dropped_renderers_are_reclaimed_at_the_next_make_current(ctx: oi.Context) -> None:
    check = LeakCheck(ctx)
    baseline = check.snapshot()
    for i in range(200):
        r = oi.Renderer(SIZED, (8, 8), context=ctx, inputs={"s": float(1 + i % 7)})
        r.render()
        del r                                   # never released
    gc.collect()
    ctx.make_current()                          # the safe point: the deletion queue drains
    ctx.release()
    ctx.pool.cleanup()
    snap = check.snapshot()
    check.agrees(snap, "after 200 dropped renderers")
    check.back_to(baseline, snap, "200 dropped renderers reclaimed")
    check.finish()


def test_reclaim_never_runs_gl_in_the_finaliser(ctx: oi.Context) -> None:
    r = oi.Renderer(RED, (4, 4), context=ctx)
    r.render()
    counts = ctx.live_objects()
    assert sum(counts.values()) > 0
    errors: list[BaseException] = []

    def drop() -> None:   # the finaliser runs on this thread, where the context is not current
        nonlocal r
        try:
            del r
            gc.collect()
        except BaseException as exc:  # noqa: BLE001 - handed to the asserting thread
            errors.append(exc)

    t = threading.Thread(target=drop)
    t.start()
    t.join(30)
    assert not errors
    assert ctx.live_objects() == counts          # queued only, nothing deleted yet
    with ctx.current():
        pass
    ctx.pool.cleanup()
    assert sum(ctx.live_objects().values()) == 0
