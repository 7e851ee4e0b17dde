"""OSMesa backend: Mesa's off-screen software renderer (llvmpipe), for CI.

``OSMesaCreateContextAttribs`` asks for a core profile of the requested version.  OSMesa
needs a client-memory colour buffer to make a context current; this backend keeps a
tiny 1x1 buffer alive for the life of the context (freeing it while current crashes
Mesa) and all rendering goes to FBOs.

Caveats, found by trying them: a double ``OSMesaDestroyContext`` or
``OSMesaMakeCurrent`` on a destroyed context kills the process with SIGSEGV, and OSMesa
does not stop two threads from making one context current.  Those are exactly the
mistakes :class:`offscreen_isf.Context` rejects before this module is reached.

Mesa 25.1 removed OSMesa; EGL surfaceless is the forward path for software rendering.
"""

from __future__ import annotations

import ctypes
from typing import Any

from offscreen_isf.errors import BackendError

from .base import DEFAULT_GL_VERSION, BackendContext, GLVersion

FIX = ("install OSMesa: Debian/Ubuntu: apt-get install libosmesa6 libgl1-mesa-dri; "
       "Fedora: dnf install mesa-libOSMesa (Fedora 42+: mesa-compat-libOSMesa); "
       "Mesa >= 25.1 has no OSMesa: use the egl backend")

# From GL/osmesa.h.
OSMESA_FORMAT = 0x22
OSMESA_DEPTH_BITS = 0x30
OSMESA_STENCIL_BITS = 0x31
OSMESA_ACCUM_BITS = 0x32
OSMESA_PROFILE = 0x33
OSMESA_CORE_PROFILE = 0x34
OSMESA_CONTEXT_MAJOR_VERSION = 0x36
OSMESA_CONTEXT_MINOR_VERSION = 0x37
GL_RGBA = 0x1908
GL_UNSIGNED_BYTE = 0x1401


def _osmesa() -> Any:
    try:
        from OpenGL import osmesa  # noqa: PLC0415 - must follow platform selection
        osmesa.OSMesaCreateContextAttribs  # noqa: B018 - absent in old PyOpenGL / libOSMesa
    except (ImportError, AttributeError, OSError) as exc:
        raise BackendError(f"libOSMesa could not be loaded ({exc})", fix=FIX) from exc
    return osmesa


class OSMesaContext(BackendContext):
    """An OSMesa core-profile context with a private 1x1 RGBA8 colour buffer."""

    name = "osmesa"
    pyopengl_platform = "osmesa"

    def __init__(self, gl_version: GLVersion = DEFAULT_GL_VERSION, device: str | None = None) -> None:
        if device not in (None, "", "0", "software"):
            raise BackendError(f"osmesa has one software device, not {device!r}",
                               fix="drop the device argument / OFFSCREEN_ISF_DEVICE")
        self._lib = _osmesa()
        attribs = (ctypes.c_int * 13)(
            OSMESA_FORMAT, GL_RGBA, OSMESA_DEPTH_BITS, 0, OSMESA_STENCIL_BITS, 0,
            OSMESA_PROFILE, OSMESA_CORE_PROFILE,
            OSMESA_CONTEXT_MAJOR_VERSION, gl_version[0],
            OSMESA_CONTEXT_MINOR_VERSION, gl_version[1], 0)
        ctx = self._lib.OSMesaCreateContextAttribs(attribs, None)
        if not ctx:
            raise BackendError(
                f"OSMesaCreateContextAttribs for OpenGL {gl_version[0]}.{gl_version[1]} core failed",
                fix="request a GL version this Mesa supports (llvmpipe: up to 4.5 core)")
        self._ctx = ctx
        # Must outlive the context: OSMesa keeps a raw pointer to it.
        self._buffer = (ctypes.c_ubyte * 4)()

    def make_current(self) -> None:
        if not self._lib.OSMesaMakeCurrent(self._ctx, self._buffer, GL_UNSIGNED_BYTE, 1, 1):
            raise BackendError("OSMesaMakeCurrent failed")

    def release(self) -> None:
        # OSMesaMakeCurrent(NULL, NULL, ...) unbinds the thread's context.
        self._lib.OSMesaMakeCurrent(None, None, GL_UNSIGNED_BYTE, 0, 0)

    def destroy(self) -> None:
        self._lib.OSMesaDestroyContext(self._ctx)
        self._ctx = None

    def device_description(self) -> str:
        return "OSMesa (software)"


def probe() -> str | None:
    """None if libOSMesa loads here (honouring LD_LIBRARY_PATH), else the reason.

    Cheap: loads the library but creates no context and does not bind PyOpenGL.
    """
    for soname in ("libOSMesa.so.8", "libOSMesa.so.6", "libOSMesa.so"):
        try:
            ctypes.CDLL(soname)
        except OSError:
            continue
        return None
    return "libOSMesa.so.8 not found"


Context = OSMesaContext
