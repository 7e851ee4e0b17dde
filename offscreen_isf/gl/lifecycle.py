"""The context lifecycle: states, events and the one transition table.

Pure data and a tiny checker; no GL.  :class:`offscreen_isf.Context` consults
:data:`TRANSITIONS` before it touches a native library, so an illegal call order is a
:class:`LifecycleError` naming the state, the event and the legal events - never a
segfault inside OSMesa or EGL.

::

    NEW --open--> OPEN <--make_current / release--> CURRENT
     |             |  \\                               |
     |           close  lose --> LOST --close--> CLOSED <--close--+
     +--close--------------------------------------> CLOSED
    reinitialize (= close + open on the same object): OPEN, CURRENT, LOST, CLOSED -> OPEN

``use`` is the event "issue GL calls": legal only while CURRENT (on the owning thread).
"""

from __future__ import annotations

import enum

from ..errors import ContextLostError, LifecycleError

__all__ = ["State", "Event", "TRANSITIONS", "next_state", "legal_events"]


class State(str, enum.Enum):
    NEW = "NEW"
    OPEN = "OPEN"
    CURRENT = "CURRENT"
    LOST = "LOST"
    CLOSED = "CLOSED"


class Event(str, enum.Enum):
    OPEN = "open"
    MAKE_CURRENT = "make_current"
    RELEASE = "release"
    USE = "use"
    CLOSE = "close"
    REINITIALIZE = "reinitialize"
    LOSE = "lose"


S, E = State, Event

#: (state, event) -> next state.  Every pair not listed is illegal.
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.NEW, E.OPEN): S.OPEN,
    (S.NEW, E.CLOSE): S.CLOSED,              # closing a never-opened context is harmless
    (S.OPEN, E.MAKE_CURRENT): S.CURRENT,
    (S.OPEN, E.RELEASE): S.OPEN,             # releasing a released context is harmless
    (S.OPEN, E.CLOSE): S.CLOSED,
    (S.OPEN, E.REINITIALIZE): S.OPEN,
    (S.OPEN, E.LOSE): S.LOST,
    (S.CURRENT, E.MAKE_CURRENT): S.CURRENT,  # idempotent on the owning thread
    (S.CURRENT, E.RELEASE): S.OPEN,
    (S.CURRENT, E.USE): S.CURRENT,
    (S.CURRENT, E.CLOSE): S.CLOSED,
    (S.CURRENT, E.REINITIALIZE): S.OPEN,
    (S.CURRENT, E.LOSE): S.LOST,
    (S.LOST, E.CLOSE): S.CLOSED,
    (S.LOST, E.REINITIALIZE): S.OPEN,
    (S.LOST, E.RELEASE): S.LOST,             # unbinding a lost context is allowed
    (S.LOST, E.LOSE): S.LOST,
    (S.CLOSED, E.CLOSE): S.CLOSED,           # repeated close() is harmless
    (S.CLOSED, E.REINITIALIZE): S.OPEN,      # reopen the same object
}

#: What to tell the user per state when an event is refused.
ADVICE: dict[State, str] = {
    S.NEW: "call open() first (or use the context as a `with` block)",
    S.OPEN: "call make_current() first (Renderer does this for you)",
    S.CURRENT: "",
    S.LOST: "the driver lost the context: call reinitialize() to get a new one, or close()",
    S.CLOSED: "the context is closed: call reinitialize() to reopen it, or create a new Context",
}


def legal_events(state: State) -> tuple[str, ...]:
    """The events allowed in ``state``, in table order."""
    return tuple(e.value for (s, e) in TRANSITIONS if s is state)


def next_state(state: State, event: Event) -> State:
    """The state after ``event``, or :class:`LifecycleError` if the pair is not in the table."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        legal = legal_events(state)
        cls = ContextLostError if state is S.LOST else LifecycleError
        advice = ADVICE[state]
        raise cls(f"cannot {event.value} a context in state {state.value}; legal events: "
                  f"{', '.join(legal)}" + (f"; {advice}" if advice else ""),
                  state=state.value, event=event.value, legal=legal) from None
