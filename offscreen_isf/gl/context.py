"""``Context``: one headless GL context, its lifecycle state machine and resource registry.

Ownership: a :class:`Context` owns its native backend context, every GL object created
through :meth:`Context.create`, and its :class:`~offscreen_isf.gl.pool.BufferPool`.
:meth:`Context.close` deletes them all (while current) and then destroys the native
context; afterwards :meth:`live_objects` reports zero of every kind.

Thread rules: a context is current on at most one thread.  GL use, ``make_current``,
``release`` or ``close`` from another thread while it is current raises
:class:`~offscreen_isf.errors.ThreadError`; hand a context over by calling ``release()``
on the thread that holds it.  A thread has at most one current context: making a second
one current on it (or opening / closing another, which binds it briefly) marks the first
``OPEN`` again, so its next use re-makes it current (``current()``, every renderer frame)
or raises (``gl``) - it never draws through the other context.

Fork: in a child forked after this process used a GL backend, every call but ``close()``
(which only forgets) raises :class:`~offscreen_isf.errors.LifecycleError` naming the
'spawn' start method (docs/semantics.md, "Contexts and lifecycle").

Objects of an owner dropped without releasing them (a renderer on a shared context) are
reclaimed on the owning thread at the next ``make_current``: :meth:`Context.reclaim_later`
only queues names (callable from any thread, from a ``weakref.finalize``); no GL is ever
called from a finaliser.

Nothing happens in ``__del__`` or at interpreter exit except a ``ResourceWarning`` for a
context that was never closed: native libraries may already be gone by then.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import warnings
import weakref
from collections.abc import Iterator
from typing import Any, Protocol

import offscreen_isf.backends as backends
from offscreen_isf.backends.base import (
    NO_GL_VERSION,
    check_not_forked,
    describe,
    forked_after_native_use,
    note_native_use,
)

from ..errors import ContextLostError, RenderError, ResourceLimitError, ThreadError
from . import binding, lifecycle
from .lifecycle import Event, State
from .objects import RESOURCE_KINDS, DeletionQueue, ObjectRegistry
from .pool import BufferPool, RenderTarget

__all__ = ["Context", "ResourceOwner", "RESOURCE_KINDS"]

GL_CONTEXT_LOST = 0x0507

_EXITING = False


@atexit.register
def _mark_exiting() -> None:
    # After this, __del__ must not even warn: modules may be half torn down.
    global _EXITING
    _EXITING = True


class ResourceOwner(Protocol):
    """Something that keeps GL objects in a context (a renderer, the buffer pool)."""

    def on_context_closing(self, context: Context, reinitializing: bool) -> None:
        """Called with the context current just before its GL objects are deleted.

        Read back anything that must survive (persistent buffers) and forget GL names;
        rebuild lazily when :attr:`Context.generation` changes.
        """


def _check_gl_version(gl_version: object) -> tuple[int, int]:
    """``gl_version`` as asked for, or ResourceLimitError: the translation needs GLSL 330 core."""
    if not (isinstance(gl_version, tuple) and len(gl_version) == 2
            and all(isinstance(v, int) for v in gl_version) and gl_version >= (3, 3)):
        raise ResourceLimitError(f"gl_version must be a (major, minor) tuple >= (3, 3), "
                                 f"got {gl_version!r}: the ISF translation targets GLSL 330 core")
    return gl_version


def _driver_limits(gl: Any) -> tuple[int, frozenset[str]]:
    """GL_MAX_TEXTURE_SIZE (pixels) and the extension names of the current context."""
    count = int(gl.glGetIntegerv(gl.GL_NUM_EXTENSIONS))
    return (int(gl.glGetIntegerv(gl.GL_MAX_TEXTURE_SIZE)),
            frozenset(gl.glGetStringi(gl.GL_EXTENSIONS, i).decode("ascii", "replace") for i in range(count)))


def _check_size(limit: int, renderer: str, width: int, height: int) -> tuple[int, int]:
    """(width, height) if both are integers in 1..``limit``, else ResourceLimitError."""
    if type(width) is int and type(height) is int and 0 < width <= limit and 0 < height <= limit:
        return width, height   # the per-frame case, without the checks that explain a refusal
    for label, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResourceLimitError(f"{label} must be an integer number of pixels, got {value!r}")
        if not 1 <= value <= limit:
            raise ResourceLimitError(
                f"{label} {value} is outside 1..{limit} (GL_MAX_TEXTURE_SIZE of {renderer})")
    return width, height


class _GLErrors:
    """:meth:`Context.gl_errors`: a class rather than a generator, entered several times a
    frame (nothing to do on the way in)."""

    __slots__ = ("ctx", "doing")

    def __init__(self, ctx: Context, doing: str) -> None:
        self.ctx, self.doing = ctx, doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if kind is None:
            return
        from OpenGL.error import GLError  # noqa: PLC0415

        if isinstance(exc, GLError):
            _translate_gl_error(self.ctx, self.doing, exc)


def _translate_gl_error(ctx: Context, doing: str, exc: Any) -> None:
    """Raise PyOpenGL's GLError ``exc`` as ContextLostError (marking ``ctx`` lost) or RenderError."""
    if exc.err == GL_CONTEXT_LOST:
        ctx.mark_lost(f"GL_CONTEXT_LOST while {doing}")
        raise ContextLostError(f"the driver lost the context while {doing}; call "
                               "reinitialize()", state="LOST", event="use",
                               legal=lifecycle.legal_events(State.LOST)) from exc
    raise RenderError(f"GL error while {doing}: {exc.description!r} (0x{exc.err:04x})") from exc


def _current_here(ctx: Context) -> bool:
    """Whether ``ctx`` is current on the calling thread with nothing to do to make it so (no
    queued deletions; not a forked child): what ``make_current`` and ``gl`` would check and
    then do nothing for.  Read without the lock: only this thread can change a context
    current here, except ``mark_lost`` (then the next call raises)."""
    return (ctx._state is State.CURRENT and ctx._thread == threading.get_ident()
            and not ctx._doomed.waiting and not forked_after_native_use())


@contextlib.contextmanager
def _current_block(ctx: Context) -> Iterator[Context]:
    """:meth:`Context.current` when ``ctx`` is not current here already."""
    with ctx._lock:
        was_current = ctx._state is State.CURRENT
        ctx.make_current()
    try:
        yield ctx
    finally:
        if not was_current and ctx._state is State.CURRENT:
            ctx.release()


class Context:
    """A headless OpenGL 3.3+ core context on one backend (``egl``, ``osmesa``, ``cgl``).

    ``Context(backend=None)`` starts in state ``NEW``; :meth:`open` (or ``with``) creates
    the native context.  ``backend=None`` follows ``$OFFSCREEN_ISF_BACKEND`` then the
    platform default; ``device`` picks an EGL device index (``$OFFSCREEN_ISF_DEVICE``).
    """

    def __init__(self, backend: str | None = None, *, gl_version: tuple[int, int] = (3, 3),
                 device: str | int | None = None) -> None:
        self.gl_version = _check_gl_version(gl_version)
        self._backend_cls = backends.load(backend)  # binds PyOpenGL's platform
        self.backend: str = self._backend_cls.name
        self.device = None if device is None else str(device)
        self._native: Any = None
        self._state = State.NEW
        self._thread: int | None = None      # ident of the thread it is current on
        self._lock = threading.RLock()
        self._objects = ObjectRegistry()
        self._owners: weakref.WeakSet[Any] = weakref.WeakSet()
        self.generation = 0                   # bumped on every (re)open
        self.info: Any = None                 # BackendInfo once open
        self.max_texture_size = 0
        self.extensions: frozenset[str] = frozenset()   # GL extension names of the open context
        self.lost_reason = ""
        self.pool = BufferPool(self)
        self._gl: Any = None
        self._doomed = DeletionQueue()   # of dropped owners, drained at make_current

    # -- state -----------------------------------------------------------------------
    @property
    def state(self) -> State:
        """The lifecycle state (``State.NEW`` ... ``State.CLOSED``)."""
        return self._state

    def _step(self, event: Event) -> State:
        """Check ``event`` against the table and the thread rule; return the next state."""
        if event is not Event.CLOSE and forked_after_native_use():
            check_not_forked(event.value, self._state.value, ("close",))
        nxt = lifecycle.next_state(self._state, event)
        me = threading.get_ident()
        if self._state is State.CURRENT and self._thread != me and event is not Event.LOSE:
            raise ThreadError(
                f"cannot {event.value}: the context is current on another thread "
                f"(id {self._thread}); call release() on that thread first",
                state=self._state.value, event=event.value,
                legal=lifecycle.legal_events(self._state))
        return nxt

    # -- transitions -----------------------------------------------------------------
    def open(self) -> Context:
        """Create the native context (state OPEN, not current).  Returns ``self``."""
        with self._lock:
            self._state = self._step(Event.OPEN)
            try:
                self._create_native()
            except BaseException:
                self._state = State.NEW
                raise
            return self

    def _create_native(self) -> None:
        note_native_use()   # before the driver starts threads that a fork would not copy
        self._native = self._backend_cls(self.gl_version, self.device)
        self.generation += 1
        self.lost_reason = ""
        from OpenGL import GL  # noqa: PLC0415 - platform bound by backends.load

        self._gl = GL
        binding.bind(self)
        try:
            self.info = describe(self._native)
            self.max_texture_size, self.extensions = _driver_limits(GL)
        finally:
            binding.unbind(self)
        if not self.info.version:
            self._native.destroy()
            self._native = None
            raise RenderError(NO_GL_VERSION.format(backend=self.backend))

    def make_current(self) -> Context:
        """Bind the context to the calling thread (idempotent on that thread)."""
        with self._lock:
            nxt = self._step(Event.MAKE_CURRENT)
            if self._state is not State.CURRENT:
                binding.bind(self)
                self._thread = threading.get_ident()
            self._state = nxt
            if self._doomed:
                self._doomed.drain(self._gl, self._objects, self.pool)
            return self

    def release(self) -> None:
        """Unbind the context from the calling thread (harmless when not current)."""
        with self._lock:
            nxt = self._step(Event.RELEASE)
            if self._state is State.CURRENT:
                binding.unbind(self)
            self._thread = None
            self._state = nxt

    def current(self) -> contextlib.AbstractContextManager[Context]:
        """Make current for a block; release afterwards only if this call made it current."""
        if _current_here(self):   # every renderer frame asks: no lock, no table lookup
            return contextlib.nullcontext(self)
        return _current_block(self)

    def close(self) -> None:
        """Delete every GL object, destroy the native context.  Repeated calls are harmless."""
        with self._lock:
            nxt = self._step(Event.CLOSE)
            if self._native is not None:
                self._teardown(reinitializing=False)
            self._state = nxt

    def reinitialize(self) -> Context:
        """Close and reopen on the same object (state OPEN, ``generation`` + 1).

        Owners are told first (with the old context current) so they can keep CPU copies
        of persistent buffers; they rebuild their GL objects lazily on next use.
        """
        with self._lock:
            nxt = self._step(Event.REINITIALIZE)
            if self._native is not None:
                self._teardown(reinitializing=True)
            self._state = State.CLOSED
            self._create_native()
            self._state = nxt
            return self

    def mark_lost(self, reason: str) -> None:
        """Record that the driver reported the context lost (state LOST): only ``close()``
        and ``reinitialize()`` are legal afterwards."""
        with self._lock:
            self._state = self._step(Event.LOSE)
            self.lost_reason = reason

    def _displaced(self) -> None:
        """Another context was made current on the thread this one was current on (binding)."""
        with self._lock:   # the native side is unbound already: only the record changes
            if self._state is State.CURRENT and self._thread == threading.get_ident():
                self._state, self._thread = State.OPEN, None

    # -- deferred reclaiming ---------------------------------------------------------------
    def owner_token(self, owner: object) -> int | None:
        """The registry's key for ``owner``'s objects (None: not weakly referenceable)."""
        return self._objects.token(owner)

    def reclaim_later(self, token: int, targets: list[RenderTarget]) -> None:
        """Delete owner ``token``'s objects, and return ``targets``, at the next make_current."""
        self._doomed.push(token, targets)

    def _teardown(self, reinitializing: bool) -> None:
        """Tell the owners, delete every object, destroy the native context; only forget them
        when lost (they died) or in a forked child (the parent's: a native call could hang)."""
        native, forked = self._native, forked_after_native_use()
        self._doomed.clear()   # deleted below with everything else, or gone already
        usable = self._state is not State.LOST and not forked
        if usable:
            if self._state is not State.CURRENT:
                binding.bind(self)
            self._state, self._thread = State.CURRENT, threading.get_ident()
        try:
            if not forked:
                for owner in list(self._owners):
                    owner.on_context_closing(self, reinitializing)
            self.pool.forget()
            if usable:
                self._objects.delete_all(self._gl)
        finally:
            if usable:
                binding.unbind(self)
        self._objects.forget()
        self._thread, self._native = None, None
        if not forked:
            native.destroy()

    # -- GL access and the registry -----------------------------------------------------
    @property
    def gl(self) -> Any:
        """PyOpenGL's ``GL`` module, after checking the context is current on this thread."""
        if not _current_here(self):
            self._step(Event.USE)
        return self._gl

    def register_owner(self, owner: ResourceOwner) -> None:
        """Tell ``owner`` (weakly held) before this context's objects are deleted."""
        self._owners.add(owner)

    def unregister_owner(self, owner: ResourceOwner) -> None:
        self._owners.discard(owner)

    def create(self, kind: str, owner: object, *args: Any) -> int:
        """Create one GL object of ``kind`` (see :data:`RESOURCE_KINDS`) for ``owner``.

        ``args`` go to ``glCreateShader`` (the shader type).  Returns the GL name.
        """
        gl = self.gl
        with self.gl_errors(f"creating a {kind}"):
            return self._objects.create(gl, kind, owner, *args)

    def delete(self, kind: str, name: int) -> None:
        """Delete one GL object created by :meth:`create` (unknown names are ignored)."""
        self._objects.delete(self.gl, kind, name)

    @property
    def object_changes(self) -> int:
        """GL objects created or deleted so far (a creation binds; a deleted name may return)."""
        return self._objects.changes

    def live_objects(self) -> dict[str, int]:
        """How many GL objects of each kind this context holds now (every kind listed)."""
        return self._objects.counts()

    def registered_objects(self) -> dict[tuple[str, int], str]:
        """A copy of the registry: (kind, GL name) -> class name of the owner that created it.

        Read-only snapshot (callable in any state, no GL calls); lets tests compare the
        registry with what the driver answers to ``glIs*``.
        """
        return self._objects.snapshot()

    def check_size(self, width: int, height: int) -> tuple[int, int]:
        """Validate a render size in pixels against 1..GL_MAX_TEXTURE_SIZE."""
        return _check_size(self.max_texture_size or 16384,
                           self.info.renderer if self.info else self.backend, width, height)

    def gl_errors(self, doing: str) -> contextlib.AbstractContextManager[None]:
        """Turn PyOpenGL's GLError into :class:`RenderError` (or mark the context lost)."""
        return _GLErrors(self, doing)

    # -- conveniences ----------------------------------------------------------------
    def __enter__(self) -> Context:
        if self._state is State.NEW:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._state is State.CURRENT and self._thread != threading.get_ident():
            return  # never raise from another thread's exit path; owner must close
        self.close()

    def __repr__(self) -> str:
        return f"<Context {self.backend} {self._state.value} gen={self.generation}>"

    def __del__(self) -> None:
        # No GL here (wrong thread / library gone at exit); just say it leaked.
        if not _EXITING and getattr(self, "_native", None) is not None:
            warnings.warn(f"{self!r} was never closed; call close() or use `with`",
                          ResourceWarning, stacklevel=1)
