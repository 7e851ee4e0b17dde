"""macOS backend: a CGL context from OpenGL.framework, through ctypes.

PyOpenGL's darwin platform only *uses* a current CGL context, so creating one takes ctypes.
There is no drawable: rendering goes into framebuffer objects, which Apple names as the
preferred offscreen target.

Ownership: a :class:`CGLContext` owns one ``CGLContextObj``.  The pixel format is released
right after ``CGLCreateContext`` (the context holds its own reference).  ``destroy`` releases
the context from this thread if it is current here, then calls ``CGLDestroyContext``.

Threads: ``CGLSetCurrentContext`` binds per thread, and a CGL context must be current on
only one thread at a time.  This module does not check that; :class:`offscreen_isf.Context`
does.

Pixel formats, tried in order (``_ATTEMPTS``): GL4_Core (4.1) then GL3_Core (3.2 or later),
first with ``kCGLPFAAccelerated`` and then without it.  Without that attribute CGL may also
pick Apple's software renderer, e.g. on a CI virtual machine with no GPU.
``kCGLPFAAllowOfflineRenderers`` lets CGL use a GPU that drives no display.  macOS never
offers more than GL 4.1 core.  The caller checks the version the context really has by
reading ``GL_VERSION``.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from .base import DEFAULT_GL_VERSION, BackendContext, BackendError, GLVersion

__all__ = ["CGLContext", "probe", "FIX", "LIBRARY_PATH", "MAX_GL_VERSION"]

LIBRARY_PATH = "/System/Library/Frameworks/OpenGL.framework/OpenGL"
FIX = "CGL needs macOS (OpenGL.framework); on Linux use the egl or osmesa backend"
_NO_FORMAT_FIX = ("this Mac offers no OpenGL core-profile renderer; run on a Mac with a GPU "
                  "or a macOS image that ships Apple's software renderer")
_DRIVER_FIX = ("the macOS OpenGL driver refused the call; check the GPU with "
               "`system_profiler SPDisplaysDataType`, or retry in a fresh process")

# CGLPixelFormatAttribute / CGLOpenGLProfile values (CGLTypes.h).
kCGLPFAColorSize = 8  # noqa: N816 - Apple's names
kCGLPFAAlphaSize = 11  # noqa: N816 - Apple's names
kCGLPFADepthSize = 12  # noqa: N816 - Apple's names
kCGLPFAAccelerated = 73  # noqa: N816 - Apple's names
kCGLPFAAllowOfflineRenderers = 96  # noqa: N816 - Apple's names
kCGLPFAOpenGLProfile = 99  # noqa: N816 - Apple's names
kCGLOGLPVersion_GL3_Core = 0x3200  # noqa: N816 - Apple's names
kCGLOGLPVersion_GL4_Core = 0x4100  # noqa: N816 - Apple's names

MAX_GL_VERSION: GLVersion = (4, 1)
#: (name, CGLOpenGLProfile value), best first.
_PROFILES: tuple[tuple[str, int], ...] = (
    ("GL4_Core", kCGLOGLPVersion_GL4_Core),
    ("GL3_Core", kCGLOGLPVersion_GL3_Core),
)
#: Every (profile name, profile value, accelerated) combination, in the order tried.
_ATTEMPTS = tuple((n, v, accel) for accel in (True, False) for n, v in _PROFILES)
_BUFFERS = (kCGLPFAColorSize, 24, kCGLPFAAlphaSize, 8, kCGLPFADepthSize, 24)

_VP, _INT = ctypes.c_void_p, ctypes.c_int
#: function name -> (restype, argtypes); every CGLError is a C int, 0 meaning success.
_SIGNATURES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "CGLChoosePixelFormat": (_INT, (ctypes.POINTER(_INT), ctypes.POINTER(_VP), ctypes.POINTER(_INT))),
    "CGLCreateContext": (_INT, (_VP, _VP, ctypes.POINTER(_VP))),
    "CGLDestroyPixelFormat": (_INT, (_VP,)),
    "CGLSetCurrentContext": (_INT, (_VP,)),
    "CGLGetCurrentContext": (_VP, ()),
    "CGLDestroyContext": (_INT, (_VP,)),
    "CGLErrorString": (ctypes.c_char_p, (_INT,)),
}


def _attributes(profile: int, accelerated: bool) -> list[int]:
    """The zero-terminated ``CGLPixelFormatAttribute`` list for one attempt."""
    accel = [kCGLPFAAccelerated] if accelerated else []
    return [kCGLPFAOpenGLProfile, profile, *accel, kCGLPFAAllowOfflineRenderers, *_BUFFERS, 0]


def _bind(lib: Any) -> Any:
    """Set ``restype`` / ``argtypes`` from ``_SIGNATURES`` (AttributeError if a symbol is missing)."""
    for fname, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, fname)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def _open_library() -> tuple[Any, str]:
    """``(library, "")`` if OpenGL.framework loads here, else ``(None, reason)``."""
    if sys.platform != "darwin":
        return None, f"CGL is macOS only (this is {sys.platform})"
    try:
        return _bind(ctypes.CDLL(LIBRARY_PATH)), ""
    except (OSError, AttributeError) as exc:  # not loadable, or a CGL symbol is missing
        return None, f"cannot load CGL from {LIBRARY_PATH}: {exc}"


def _load_library() -> Any:
    """The bound OpenGL.framework library; raises :class:`BackendError` where it is unavailable."""
    lib, reason = _open_library()
    if lib is None:
        raise BackendError(reason, fix=FIX)
    return lib


def probe() -> str | None:
    """None if CGL could plausibly work here, else the reason it cannot (see :data:`FIX`)."""
    return _open_library()[1] or None


class CGLContext(BackendContext):
    """One CGL core-profile context with no drawable; render into FBOs."""

    name = "cgl"
    pyopengl_platform = None  # PyOpenGL's darwin default

    def __init__(self, gl_version: GLVersion = DEFAULT_GL_VERSION, device: str | None = None,
                 *, _lib: Any = None) -> None:
        """Create the context; ``_lib`` replaces OpenGL.framework (tests pass a fake)."""
        if tuple(gl_version) > MAX_GL_VERSION:
            raise BackendError(
                f"OpenGL {gl_version[0]}.{gl_version[1]} requested, but macOS offers at most "
                f"GL {MAX_GL_VERSION[0]}.{MAX_GL_VERSION[1]} core",
                fix="request gl_version=(4, 1) or lower (offscreen-isf needs 3.3)")
        if device:
            raise BackendError(f"the cgl backend cannot select a device (got {device!r})",
                               fix="leave device unset; macOS chooses the GPU")
        self._lib = _load_library() if _lib is None else _lib
        self._ctx: ctypes.c_void_p | None = None
        self.profile, self.accelerated = "", False
        failures = []
        for pname, pvalue, accel in _ATTEMPTS:
            ctx = self._try(pvalue, accel)
            if isinstance(ctx, str):
                failures.append(f"{pname}{'' if accel else ' (any renderer)'}: {ctx}")
                continue
            self._ctx, self.profile, self.accelerated = ctx, pname, accel
            return
        raise BackendError("no CGL pixel format for an OpenGL core profile ("
                           + "; ".join(failures) + ")", fix=_NO_FORMAT_FIX)

    def _try(self, profile: int, accelerated: bool) -> ctypes.c_void_p | str:
        """A new context, or why no pixel format matched.  Creation errors raise."""
        values = _attributes(profile, accelerated)
        attrs = (ctypes.c_int * len(values))(*values)
        pix, npix = ctypes.c_void_p(), ctypes.c_int()
        err = self._lib.CGLChoosePixelFormat(attrs, ctypes.byref(pix), ctypes.byref(npix))
        if err:
            return self._describe(err)
        if not pix.value:
            return "no matching pixel format"
        ctx = ctypes.c_void_p()
        err = self._lib.CGLCreateContext(pix, None, ctypes.byref(ctx))
        pix_err = self._lib.CGLDestroyPixelFormat(pix)  # the context keeps its own reference
        self._check(err, "CGLCreateContext")
        if not ctx.value:
            raise BackendError("CGLCreateContext succeeded but returned no context",
                               fix=_NO_FORMAT_FIX)
        if pix_err:
            self._lib.CGLDestroyContext(ctx)
        self._check(pix_err, "CGLDestroyPixelFormat")
        return ctx

    def _describe(self, err: int) -> str:
        text = self._lib.CGLErrorString(err)
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return f"{text or 'unknown error'} (CGLError {err})"

    def _check(self, err: int, what: str) -> None:
        """Turn a non-zero CGLError into a :class:`BackendError` with CGLErrorString's text."""
        if err:
            raise BackendError(f"{what} failed: {self._describe(err)}", fix=_DRIVER_FIX)

    def make_current(self) -> None:
        """Bind the context to the calling thread (``CGLSetCurrentContext(ctx)``)."""
        self._check(self._lib.CGLSetCurrentContext(self._ctx), "CGLSetCurrentContext")

    def release(self) -> None:
        """Unbind whatever context is current on the calling thread (``CGLSetCurrentContext(NULL)``)."""
        self._check(self._lib.CGLSetCurrentContext(None), "CGLSetCurrentContext(NULL)")

    def destroy(self) -> None:
        """Release the context if it is current on this thread, then destroy it; idempotent."""
        ctx, self._ctx = self._ctx, None
        if ctx is None:
            return
        if self._lib.CGLGetCurrentContext() == ctx.value:
            self._check(self._lib.CGLSetCurrentContext(None), "CGLSetCurrentContext(NULL)")
        self._check(self._lib.CGLDestroyContext(ctx), "CGLDestroyContext")

    def device_description(self) -> str:
        kind = "accelerated" if self.accelerated else "any renderer"
        return f"Apple CGL, {self.profile} profile, {kind}" if self.profile else ""


Context = CGLContext
