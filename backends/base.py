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
from typing import ClassVar

from offscreen_isf.errors import BackendError

__all__ = ["BackendContext", "BackendInfo", "BackendStatus", "BackendError", "GLVersion", "describe",
           "NO_GL_VERSION"]

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
