"""Which context is current on each thread, as this library made it.

A thread has at most one current GL context: binding a second one natively unbinds the
first.  :func:`bind` records the new one per thread and tells the one it displaces, which
then knows it is no longer current (docs/semantics.md, "Contexts and lifecycle").  Without
this record both would report ``CURRENT`` and a renderer on the first would draw through
the second.

No GL here beyond the backend's own make-current / release calls.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Protocol

__all__ = ["Bindable", "bind", "unbind", "bound_here"]

#: The context bound (natively current) on each thread, as a weak reference.
_ON_THREAD = threading.local()


class Bindable(Protocol):
    """What :func:`bind` needs of a context: its backend context and a displacement hook."""

    _native: Any

    def _displaced(self) -> None:
        """Another context was made current on the thread this one was current on."""


def bound_here() -> Bindable | None:
    """The context this library last bound on the calling thread, if it is still alive."""
    ref = getattr(_ON_THREAD, "context", None)
    return None if ref is None else ref()


def bind(ctx: Bindable) -> None:
    """Make ``ctx``'s native context current here; the one it displaces is told first."""
    other = bound_here()
    if other is not None and other is not ctx:
        other._displaced()
    ctx._native.make_current()
    _ON_THREAD.context = weakref.ref(ctx)


def unbind(ctx: Bindable) -> None:
    """Release ``ctx``'s native context from the calling thread."""
    ctx._native.release()
    if bound_here() is ctx:
        _ON_THREAD.context = None
