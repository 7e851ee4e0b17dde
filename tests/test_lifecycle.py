"""The lifecycle transition table: every (state, event) pair, on the table and on real contexts."""

from __future__ import annotations

import json

import pytest

from offscreen_isf.errors import ContextLostError, LifecycleError
from offscreen_isf.gl import lifecycle
from offscreen_isf.gl.lifecycle import Event, State

from .conftest import run_child

# The specification, written independently of the code's table: rows are states,
# columns events; a state name is the next state, "-" is illegal.
EVENTS = ["open", "make_current", "release", "use", "close", "reinitialize", "lose"]
SPEC = """
          open   make_current release use     close  reinitialize lose
NEW       OPEN   -            -       -       CLOSED -            -
OPEN      -      CURRENT      OPEN    -       CLOSED OPEN         LOST
CURRENT   -      CURRENT      OPEN    CURRENT CLOSED OPEN         LOST
LOST      -      -            LOST    -       CLOSED OPEN         LOST
CLOSED    -      -            -       -       CLOSED OPEN         -
"""


def spec_table() -> dict[tuple[str, str], str | None]:
    rows = [line.split() for line in SPEC.strip().splitlines()]
    header = rows[0]
    assert header == EVENTS
    return {(row[0], ev): (None if cell == "-" else cell)
            for row in rows[1:] for ev, cell in zip(header, row[1:], strict=True)}


SPEC_TABLE = spec_table()
PAIRS = sorted(SPEC_TABLE)


@pytest.mark.parametrize(("state", "event"), PAIRS)
def test_table_pair(state: str, event: str) -> None:
    expected = SPEC_TABLE[(state, event)]
    if expected is not None:
        assert lifecycle.next_state(State(state), Event(event)) is State(expected)
        return
    with pytest.raises(LifecycleError) as info:
        lifecycle.next_state(State(state), Event(event))
    err = info.value
    legal = [ev for ev in EVENTS if SPEC_TABLE[(state, ev)] is not None]
    assert err.state == state and err.event == event
    assert sorted(err.legal) == sorted(legal)
    assert state in str(err) and event in str(err)
    for ev in legal:
        assert ev in str(err).split("legal events:")[1]
    assert isinstance(err, ContextLostError) == (state == "LOST")


def test_table_covers_exactly_the_spec() -> None:
    code = {(s.value, e.value): n.value for (s, e), n in lifecycle.TRANSITIONS.items()}
    spec = {k: v for k, v in SPEC_TABLE.items() if v is not None}
    assert code == spec
    assert len(PAIRS) == len(State) * len(Event) == 35


DRIVE_CHILD = r"""
import json, offscreen_isf as oi
from offscreen_isf.errors import LifecycleError
def to_state(s):
    c = oi.Context()
    if s == "NEW": return c
    c.open()
    if s == "CURRENT": c.make_current()
    elif s == "LOST": c.mark_lost("test")
    elif s == "CLOSED": c.close()
    return c
apply = {"open": lambda c: c.open(), "make_current": lambda c: c.make_current(),
         "release": lambda c: c.release(), "use": lambda c: c.gl, "close": lambda c: c.close(),
         "reinitialize": lambda c: c.reinitialize(), "lose": lambda c: c.mark_lost("test")}
out = {}
for s in ["NEW", "OPEN", "CURRENT", "LOST", "CLOSED"]:
    for e in apply:
        c = to_state(s)
        try:
            apply[e](c)
            out[s + " " + e] = c.state.value
        except LifecycleError as exc:
            out[s + " " + e] = "-" + type(exc).__name__
        if c.state.value == "CURRENT": c.release()
        c.close()
        assert all(v == 0 for v in c.live_objects().values())
print(json.dumps(out))
"""


@pytest.mark.gl
def test_whole_table_on_real_contexts() -> None:
    """Drive a real context into each state and apply each event (child process: a wrong
    table entry that reached OSMesa could segfault)."""
    proc = run_child(DRIVE_CHILD)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    for (state, event), expected in SPEC_TABLE.items():
        result = got[f"{state} {event}"]
        if expected is None:
            assert result.startswith("-"), (state, event, result)
            assert result == ("-ContextLostError" if state == "LOST" else "-LifecycleError")
        else:
            assert result == expected, (state, event)
