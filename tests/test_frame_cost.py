"""What a steady-state frame costs: GL calls and lifecycle work per ``render()``.

Not timed.  A recording wrapper around PyOpenGL's ``GL`` module counts the calls one frame
makes once the renderer is built and its inputs are unchanged, so the trimmed per-frame path
stays trimmed: no uniform location lookups, no object churn, a uniform uploaded only when its
value changes, a sampler unit rebound only when its texture changes, and no lifecycle
transition (table lookup, lock) while the context is already current on the thread.  Also
checks the pixels the binding cache must not change, including when the pool creates and
deletes targets (and so reuses GL names) in the middle of a frame.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.gl.context import Context

pytestmark = pytest.mark.gl

DATE = (2024, 1, 1, 0)
TRIVIAL = '/*{"ISFVSN": "2"}*/\nvoid main() { gl_FragColor = vec4(isf_FragNormCoord, fract(TIME), 1.0); }\n'
# three passes, two samplers (a persistent buffer and a temporary target), two inputs
MULTIPASS = """/*{"ISFVSN": "2", "INPUTS": [{"NAME": "gain", "TYPE": "float", "DEFAULT": 0.25},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.8, 0.6, 1.0]}],
  "PASSES": [{"TARGET": "feedback", "PERSISTENT": true}, {"TARGET": "swizzled"}, {}]}*/
void main() {
    vec2 uv = isf_FragNormCoord;
    if (PASSINDEX == 0) gl_FragColor = mix(IMG_THIS_PIXEL(feedback), vec4(uv, fract(TIME), 1.0), gain);
    else if (PASSINDEX == 1) gl_FragColor = IMG_THIS_PIXEL(feedback).gbra * tint;
    else gl_FragColor = 0.5 * (IMG_THIS_PIXEL(feedback) + IMG_THIS_PIXEL(swizzled));
}
"""

#: GL calls of reading the last pass back, per row-flip mode (readback.FLIP_MODES)
READBACK_CALLS = {"none": 4, "cpu": 4, "mesa_invert": 6, "gpu_blit": 8}
#: what no steady-state frame may call: lookups, queries and object churn
FORBIDDEN = ("glGetUniformLocation", "glGetError", "glGetIntegerv", "glGetString", "glGenTextures",
             "glGenFramebuffers", "glGenBuffers", "glDeleteTextures", "glDeleteFramebuffers",
             "glDeleteBuffers", "glCreateProgram", "glTexImage2D", "glCheckFramebufferStatus")


@pytest.fixture
def gl_calls(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Every ``gl*`` function of PyOpenGL's GL module counted by name (restored afterwards)."""
    from OpenGL import GL

    calls: collections.Counter[str] = collections.Counter()

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)
        return call

    for name in dir(GL):
        fn = getattr(GL, name)
        if name.startswith("gl") and callable(fn):
            monkeypatch.setattr(GL, name, counting(name, fn))
    return calls


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Lifecycle transitions checked (Context._step), by event name."""
    seen: list[str] = []
    original = Context._step

    def step(self: Context, event: Any) -> Any:
        seen.append(event.value)
        return original(self, event)

    monkeypatch.setattr(Context, "_step", step)
    return seen


def _steady(r: oi.Renderer, out: np.ndarray, calls: collections.Counter[str],
            times: Iterator[float]) -> collections.Counter[str]:
    """The GL calls of one frame after two warm-up frames."""
    for _ in range(2):
        r.render(next(times), DATE, out=out)
    calls.clear()
    r.render(next(times), DATE, out=out)
    return collections.Counter(calls)


def test_trivial_frame_calls(ctx: Context, gl_calls: collections.Counter[str], steps: list[str]) -> None:
    with ctx.current(), oi.Renderer(TRIVIAL, (8, 8), context=ctx) as r:
        out = np.empty((8, 8, 4), np.uint8)
        steps.clear()
        frame = _steady(r, out, gl_calls, iter([0.5, 1.0, 1.5]))
        mode = r.readback.final_flip
        assert not [name for name in FORBIDDEN if frame[name]], frame
        # TIME is the only uniform whose value changed (TIMEDELTA and DATE did not)
        assert sum(n for name, n in frame.items() if name.startswith("glUniform")) == 1, frame
        # no sampler: no texture unit touched
        assert frame["glActiveTexture"] == frame["glBindTexture"] == 0, frame
        # program + geometry + target bound, time, viewport, draw, then unbound: 9 calls
        assert sum(frame.values()) == 9 + READBACK_CALLS[mode], (mode, frame)
        # already current on this thread: no transition looked up, no lock taken
        assert steps == [], steps


def test_multipass_frame_calls(ctx: Context, gl_calls: collections.Counter[str], steps: list[str]) -> None:
    with ctx.current(), oi.Renderer(MULTIPASS, (8, 8), context=ctx) as r:
        out = np.empty((8, 8, 4), np.uint8)
        steps.clear()
        frame = _steady(r, out, gl_calls, iter([0.5, 1.0, 1.5]))
        assert not [name for name in FORBIDDEN if frame[name]], frame
        # TIME and PASSINDEX (0, 1, 2); gain and tint unchanged since the first frame
        assert frame["glUniform1f"] == 1 and frame["glUniform1i"] == 3, frame
        assert frame["glUniform4f"] == frame["glUniform2f"] == 0, frame
        # 2 units: both bound in pass 0, feedback rebound in pass 1 (pass 0 wrote it),
        # swizzled in pass 2, then both unbound; a unit is activated only to change it
        assert frame["glBindTexture"] == 2 + 1 + 1 + 2, frame
        assert frame["glActiveTexture"] <= 5, frame
        assert steps == [], steps


def _frames(source: str, ctx: Context, count: int) -> list[np.ndarray]:
    with ctx.current(), oi.Renderer(source, (6, 4), context=ctx) as r:
        return [r.render(0.25 * i, DATE) for i in range(count)]


def test_binding_cache_survives_name_reuse(ctx: Context) -> None:
    """With an idle pool of zero, every released target is deleted at once and the next pass
    creates a new one (which binds it on the active unit, and may get a freed name back):
    the frames must equal those drawn with targets reused from the pool."""
    reference = _frames(MULTIPASS, ctx, 4)
    ctx.pool.cleanup()
    ctx.pool.max_idle = 0
    try:
        churned = _frames(MULTIPASS, ctx, 4)
    finally:
        ctx.pool.max_idle = 32
    for want, got in zip(reference, churned, strict=True):
        np.testing.assert_array_equal(got, want)
    assert reference[3].std() > 0   # not a blank frame that any binding would give


def test_render_without_holding_the_context(backend: str) -> None:
    """A renderer's own context is made current for each frame and released after it (so
    another thread may take the renderer next): the fast path does not skip that."""
    with oi.Renderer(TRIVIAL, (4, 4), backend=backend) as r:
        r.render(0.5)
        assert r.context.state is oi.State.OPEN
        first = r.render(1.0)
        assert r.context.state is oi.State.OPEN
        np.testing.assert_array_equal(first, r.render(1.0))
