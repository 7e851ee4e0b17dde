"""One call at a time on an object shared between threads, refused rather than waited for.

A renderer is used from one thread at a time.  Rather than block a second thread (which
could deadlock with a context held current there) or let it corrupt the frame being drawn,
:class:`CallGuard` refuses it with :class:`~offscreen_isf.errors.ThreadError`, and the
refused call changes nothing (docs/semantics.md, "Contexts and lifecycle").
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from ..errors import ThreadError

__all__ = ["CallGuard"]


class CallGuard:
    """``with guard("render"):`` runs the block, or raises ThreadError at once while another
    thread (or an outer call on this one) is inside a guarded block of the same object."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, doing: str) -> Iterator[None]:
        if not self._lock.acquire(blocking=False):
            raise ThreadError(f"cannot {doing}: another call on this {self.what} is running "
                              f"(use a {self.what} from one thread at a time)", event=doing)
        try:
            yield
        finally:
            self._lock.release()
