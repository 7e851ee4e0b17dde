"""The interface every headless GL backend implements.

A backend knows nothing of ISF.  It owns exactly one native GL context and can make it
current on the calling thread, release it, and destroy it.  Rendering happens into
framebuffer objects created by the caller: no backend provides a default framebuffer
worth drawing into.

Backends do **not** police call order; :class:`offscreen_isf.Context` does, with its
lifecycle state machine.  A backend method may therefore assume it is called legally
(e.g. ``make_current`` is never called after ``destroy``): this is what keeps native
libraries that crash on misuse (OSMesa segfaults on a double destroy) safe.
"""

from __future__ import annotations

import abc
import dataclasses
import os
from typing import ClassVar

from offscreen_isf.errors import BackendError, LifecycleError

__all__ = ["BackendContext", "BackendInfo", "BackendStatus", "BackendError", "GLVersion", "describe",
           "NO_GL_VERSION", "note_native_use", "check_not_forked", "forked_after_native_use"]

GLVersion = tuple[int, int]

#: The GL version requested by default: GLSL 330 core is the project's single target.
DEFAULT_GL_VERSION: GLVersion = (3, 3)


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """What the driver says about an open context (strings as the driver returns them)."""

    backend: str
    vendor: str
    renderer: str
    version: str
    glsl_version: str
    device: str = ""

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class BackendStatus:
    """Whether a backend is usable here: ``ok`` with ``info``, or ``reason`` and ``fix``."""

    name: str
    ok: bool
    reason: str = ""
    fix: str = ""
    info: BackendInfo | None = None

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"name": self.name, "ok": self.ok}
        if self.ok and self.info is not None:
            d.update(self.info.as_dict())
        else:
            d.update(reason=self.reason, fix=self.fix)
        return d


class BackendContext(abc.ABC):
    """One native headless GL context (core profile, no window, no default framebuffer).

    Lifecycle (enforced by the caller): ``__init__`` creates the context (raising
    :class:`BackendError` with a fix on failure), then any number of ``make_current`` /
    ``release`` pairs on one thread at a time, then exactly one ``destroy``.
    """

    #: Short name used by selection and ``OFFSCREEN_ISF_BACKEND``.
    name: ClassVar[str]
    #: Value PyOpenGL needs in ``PYOPENGL_PLATFORM`` for this backend (None: PyOpenGL's default).
    pyopengl_platform: ClassVar[str | None]

    @abc.abstractmethod
    def __init__(self, gl_version: GLVersion = DEFAULT_GL_VERSION, device: str | None = None) -> None:
        """Create the context.  ``device`` selects a GPU where the backend supports it."""

    @abc.abstractmethod
    def make_current(self) -> None:
        """Bind the context to the calling thread."""

    @abc.abstractmethod
    def release(self) -> None:
        """Unbind the context from the calling thread."""

    @abc.abstractmethod
    def destroy(self) -> None:
        """Destroy the native context.  Called once, with the context released."""

    def device_description(self) -> str:
        """A human-readable description of the device in use (may be empty)."""
        return ""


#: Why a context that opened but reports no GL version is refused (``{backend}``: its name).
NO_GL_VERSION = "the {backend} context answered no GL version: it is not usable"


def describe(native: BackendContext) -> BackendInfo:
    """What the driver says about ``native``, which must be current on the calling thread.

    Call only after :func:`offscreen_isf.backends.load` bound PyOpenGL's platform.  An empty
    ``version`` means the context is not usable (see :data:`NO_GL_VERSION`).
    """
    from OpenGL import GL  # noqa: PLC0415 - importing OpenGL binds its platform: only after load()

    def text(enum: int) -> str:
        raw = GL.glGetString(enum)
        return raw.decode("utf-8", "replace") if raw else ""

    return BackendInfo(native.name, text(GL.GL_VENDOR), text(GL.GL_RENDERER), text(GL.GL_VERSION),
                       text(GL.GL_SHADING_LANGUAGE_VERSION), native.device_description())


def require(condition: object, message: str, fix: str | None = None) -> None:
    """Raise :class:`BackendError` (with ``fix``) unless ``condition`` holds."""
    if not condition:
        raise BackendError(message, fix=fix)


# -- fork ------------------------------------------------------------------------------
# Mesa (llvmpipe's worker threads, the EGL display) and GPU drivers keep threads and
# handles that do not survive os.fork(): in a forked child, any GL call - even creating a
# fresh context - may hang for good.  So once this process has touched a native GL library,
# a forked child refuses every backend call with an error that names the cure.
# docs/semantics.md, "Contexts and lifecycle".

_native_used = False
_forked_child = False

FORK_ADVICE = ("this process was forked (os.fork(), or multiprocessing's 'fork' start method) after "
               "it had used a GL backend; native GL state does not survive fork, so every context "
               "of the parent and any new one is unusable here.  Create contexts in a process "
               "started with the 'spawn' start method: multiprocessing.get_context('spawn'), "
               "concurrent.futures.ProcessPoolExecutor(mp_context=...), or a plain subprocess")


def note_native_use() -> None:
    """Record that this process is about to touch a native GL library (call before it does)."""
    global _native_used
    _native_used = True


def _after_fork_in_child() -> None:
    global _forked_child
    if _native_used:
        _forked_child = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def forked_after_native_use() -> bool:
    """Whether this process is a fork of one that had used a native GL library."""
    return _forked_child


def check_not_forked(doing: str, state: str | None = None, legal: tuple[str, ...] = ()) -> None:
    """:class:`LifecycleError` (pointing to the 'spawn' start method) in a forked child."""
    if _forked_child:
        raise LifecycleError(f"cannot {doing}: {FORK_ADVICE}", state=state, event=doing, legal=legal)
