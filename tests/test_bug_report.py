"""The pyvvisf bug report (shared/seed/000_e35bf31e5fa339d8.txt), expressed with this API.

Each scenario renders the built-in test pattern and checks every pixel, in a child
process so that a crash is a failure with its exit status, not a dead test run.
"""

from __future__ import annotations

import pytest

from .conftest import run_child

pytestmark = pytest.mark.gl

PRELUDE = """
import offscreen_isf as oi
from offscreen_isf.gl.testpattern import TestPattern, expected
ctx = oi.Context().open()
scene = TestPattern(ctx)
def render(w=64, h=64):
    img = scene.render(w, h)
    assert (img == expected(w, h)).all(), "wrong pixels"
    return img
def assert_clean():
    assert set(ctx.live_objects().values()) == {0}, ctx.live_objects()
"""

SCENARIOS = {
    # Reported problem 1: reinitialize between renders segfaulted pyvvisf.
    "reinitialize_between_renders": """
render(); ctx.reinitialize(); render(); ctx.reinitialize(); render()
""",
    # Reported problem 2: pool cleanup left resources behind.
    "pool_cleanup_frees_everything": """
for size in [(64, 64), (32, 16), (64, 64)]:
    render(*size)
freed = ctx.pool.cleanup()
assert freed == 4, freed            # two idle targets, texture + framebuffer each
assert ctx.pool.stats()["idle_objects"] == 0
assert ctx.live_objects()["texture"] == 0 and ctx.live_objects()["framebuffer"] == 0
render()                            # the pool refills on demand
""",
    # Reported problem 3: a cleanup call exists, and afterwards nothing is left.
    "cleanup_call_exists": """
render(); ctx.close(); assert_clean()
assert ctx.state is oi.State.CLOSED
ctx.close()                          # repeated close is harmless
""",
    # Reported problem 4 (the report's test case 2): cleanup + reinitialize + render, 20 times.
    "batch_cleanup_reinitialize_render_x20": """
for i in range(20):
    ctx.pool.cleanup()
    ctx.reinitialize()
    render()
assert ctx.generation == 21
""",
    # Test case 1: 10 reinitializations, each followed by a render.
    "reinitialization_stability_x10": """
for i in range(10):
    ctx.reinitialize()
    assert render() is not None
""",
    # Test case 3: resources used, pool cleaned, context cleaned, nothing remains.
    "resource_cleanup_validation": """
render(); render(16, 16)
ctx.pool.cleanup(); scene.release()
assert_clean()
ctx.close(); assert_clean()
""",
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_bug_report_scenario(name: str) -> None:
    proc = run_child(PRELUDE + SCENARIOS[name] + "\nprint('OK')\n")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip().endswith("OK")
