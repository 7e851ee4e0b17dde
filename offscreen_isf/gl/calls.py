"""One call at a time on an object shared between threads, refused rather than waited for.

A renderer is used from one thread at a time.  Rather than block a second thread (which
could deadlock with a context held current there) or let it corrupt the frame being drawn,
:class:`CallGuard` refuses it with :class:`~offscreen_isf.errors.ThreadError`, and the
refused call changes nothing (docs/semantics.md, "Contexts and lifecycle").
"""

from __future__ import annotations

import threading

from ..errors import ThreadError

__all__ = ["CallGuard"]


class CallGuard:
    """``with guard("render"):`` runs the block, or raises ThreadError at once while another
    thread (or an outer call on this one) is inside a guarded block of the same object."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._lock = threading.Lock()

    def __call__(self, doing: str) -> _Held:
        return _Held(self, doing)


class _Held:
    """One guarded block (a class rather than a generator: entered once per frame)."""

    __slots__ = ("guard", "doing")

    def __init__(self, guard: CallGuard, doing: str) -> None:
        self.guard, self.doing = guard, doing

    def __enter__(self) -> None:
        guard = self.guard
        if not guard._lock.acquire(blocking=False):
            raise ThreadError(f"cannot {self.doing}: another call on this {guard.what} is running "
                              f"(use a {guard.what} from one thread at a time)", event=self.doing)

    def __exit__(self, *exc: object) -> None:
        self.guard._lock.release()
