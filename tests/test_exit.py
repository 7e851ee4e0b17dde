"""Interpreter exit with live contexts never crashes (mujoco#2510, pyglet#988 class of bugs)."""

from __future__ import annotations

import pytest

from .conftest import run_child

pytestmark = pytest.mark.gl

PRELUDE = """
import gc, atexit, threading, offscreen_isf as oi
from offscreen_isf.gl.testpattern import TestPattern
"""

CASES = {
    "open_and_current_at_exit": """
ctx = oi.Context().open(); ctx.make_current(); TestPattern(ctx).render(8, 8)
other = oi.Context().open(); TestPattern(other).render(8, 8)
""",
    "unreferenced_contexts_pending_gc": """
for _ in range(3):
    c = oi.Context().open(); p = TestPattern(c); p.render(8, 8)
    c.cycle = p; p.cycle = c          # reference cycles: freed by the collector at exit
del c, p
""",
    "atexit_handler_uses_context": """
ctx = oi.Context().open(); scene = TestPattern(ctx)
def at_exit():
    assert scene.render(8, 8).shape == (8, 8, 4)
    ctx.close()
    print("ATEXIT-RENDERED")
atexit.register(at_exit)
""",
    "current_on_a_worker_thread_at_exit": """
ctx = oi.Context().open()
def work():
    ctx.make_current(); TestPattern(ctx).render(8, 8)   # left current on a finished thread
t = threading.Thread(target=work); t.start(); t.join()
""",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_exit_is_clean(name: str) -> None:
    proc = run_child(PRELUDE + CASES[name] + "\nprint('END')\n")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    assert "END" in proc.stdout
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    if name == "atexit_handler_uses_context":
        assert "ATEXIT-RENDERED" in proc.stdout


def test_unclosed_context_warns_when_collected() -> None:
    proc = run_child(PRELUDE + """
import warnings
warnings.simplefilter("always")
c = oi.Context().open()
del c; gc.collect()
print('END')
""")
    assert proc.returncode == 0, proc.stderr
    assert "ResourceWarning" in proc.stderr and "was never closed" in proc.stderr
