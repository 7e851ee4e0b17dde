"""EGL backend: the Linux default, GPU or software (llvmpipe), no display server.

Display choice, in order:

1. the **device platform** (``EGL_EXT_platform_device``): every EGL device is listed,
   hardware before ``EGL_MESA_device_software``; NVIDIA devices are ordered by their CUDA
   id (``EGL_CUDA_DEVICE_NV``) so that ``OFFSCREEN_ISF_DEVICE=N`` means the same GPU as
   CUDA device N (and ``CUDA_VISIBLE_DEVICES`` keeps working);
2. the **surfaceless platform** (``EGL_MESA_platform_surfaceless``, llvmpipe) when no
   device display initialises.

The chosen display is initialised once per process and reused by every context: EGL
re-initialisation is slow and has crashed other hosts at exit (mujoco#2510).  The
display is never terminated from ``atexit``; process exit reclaims it.

Contexts are surfaceless (``EGL_KHR_surfaceless_context``): there is no default
framebuffer, callers render into FBOs.

Thread rules: an EGL context is current on at most one thread (EGL itself answers
``EGL_BAD_ACCESS`` otherwise); :class:`offscreen_isf.Context` enforces this before EGL
is asked.

Environment: the device is the ``device`` argument, else ``OFFSCREEN_ISF_DEVICE``, else
``EGL_DEVICE_ID`` (pyrender's name; both an index in the ordered list, or ``surfaceless``).
Without any of them, ``CUDA_VISIBLE_DEVICES`` (physical CUDA ids, as the variable holds them)
hides the NVIDIA devices it does not list and orders the rest as listed, so the first visible
GPU is tried first; an empty value or ``-1`` means no GPU (software only).  UUID entries
(``GPU-...``) cannot be matched to EGL devices and leave the order unchanged.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, ClassVar

from offscreen_isf.errors import BackendError

from .base import DEFAULT_GL_VERSION, BackendContext, GLVersion, check_not_forked, note_native_use

FIX_NO_LIBEGL = ("install libEGL (glvnd) and Mesa's EGL driver: "
                 "Debian/Ubuntu: apt-get install libegl1 libopengl0 libgl1-mesa-dri; "
                 "Fedora: dnf install libglvnd-egl mesa-dri-drivers")
FIX_NO_DEVICE = ("no usable EGL device/display: on an NVIDIA machine check the driver's EGL "
                 "vendor file /usr/share/glvnd/egl_vendor.d/10_nvidia.json (containers: "
                 "NVIDIA_DRIVER_CAPABILITIES=all); for software rendering install libegl-mesa0 "
                 "and libgl1-mesa-dri")
VENDOR_DIRS = ("/usr/share/glvnd/egl_vendor.d", "/etc/glvnd/egl_vendor.d")
DEVICE_VARIABLES = ("OFFSCREEN_ISF_DEVICE", "EGL_DEVICE_ID")

# EGL enums used below (from the Khronos registry; PyOpenGL lacks some Mesa ones).
EGL_PLATFORM_DEVICE_EXT = 0x313F
EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
EGL_CUDA_DEVICE_NV = 0x323A
EGL_EXTENSIONS = 0x3055
EGL_CONTEXT_MAJOR_VERSION = 0x3098
EGL_CONTEXT_MINOR_VERSION = 0x30FB
EGL_CONTEXT_OPENGL_PROFILE_MASK = 0x30FD
EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT = 0x00000001
EGL_OPENGL_API = 0x30A2
EGL_NONE = 0x3038

EGL_ERRORS = {
    0x3000: "EGL_SUCCESS", 0x3001: "EGL_NOT_INITIALIZED", 0x3002: "EGL_BAD_ACCESS",
    0x3003: "EGL_BAD_ALLOC", 0x3004: "EGL_BAD_ATTRIBUTE", 0x3005: "EGL_BAD_CONFIG",
    0x3006: "EGL_BAD_CONTEXT", 0x3007: "EGL_BAD_CURRENT_SURFACE", 0x3008: "EGL_BAD_DISPLAY",
    0x3009: "EGL_BAD_MATCH", 0x300A: "EGL_BAD_NATIVE_PIXMAP", 0x300B: "EGL_BAD_NATIVE_WINDOW",
    0x300C: "EGL_BAD_PARAMETER", 0x300D: "EGL_BAD_SURFACE", 0x300E: "EGL_CONTEXT_LOST",
}


def _egl() -> Any:
    """Import PyOpenGL's EGL module, translating a missing libEGL into a fix."""
    try:
        from OpenGL import EGL  # noqa: PLC0415 - must follow platform selection
    except (ImportError, AttributeError, OSError) as exc:
        raise BackendError(f"libEGL could not be loaded ({exc})", fix=FIX_NO_LIBEGL) from exc
    return EGL


def _tokens(text: bytes | str | None) -> set[str]:
    """Split an extension string into whole tokens (a substring test would let
    EGL_EXT_device_drm match EGL_EXT_device_drm_render_node)."""
    if not text:
        return set()
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    return set(text.split())


class _Device:
    def __init__(self, handle: Any, extensions: set[str], cuda_id: int | None) -> None:
        self.handle = handle
        self.extensions = extensions
        self.cuda_id = cuda_id
        self.software = "EGL_MESA_device_software" in extensions

    def describe(self) -> str:
        if self.cuda_id is not None:
            return f"EGL device (CUDA {self.cuda_id})"
        return "EGL device (software)" if self.software else "EGL device"


def _ext(EGL: Any, name: str, restype: Any, *argtypes: Any) -> Any:  # noqa: N803 - PyOpenGL's EGL module
    """An EGL extension function by eglGetProcAddress, called through plain ctypes.

    PyOpenGL's own wrappers for EGL extensions check availability with
    eglQueryString(<current display>), which fails with EGL_NOT_INITIALIZED before any
    display exists (seen on NVIDIA): device enumeration must not depend on that.
    """
    address = EGL.eglGetProcAddress(name.encode())
    pointer = ctypes.cast(address, ctypes.c_void_p).value if address else None
    if not pointer:
        raise BackendError(f"{name} is missing from this libEGL", fix=FIX_NO_LIBEGL)
    return ctypes.CFUNCTYPE(restype, *argtypes)(pointer)


def list_devices() -> list[_Device]:
    """EGL devices in selection order: hardware first, NVIDIA by CUDA id, software last."""
    EGL = _egl()  # noqa: N806 - PyOpenGL's module name
    client_ext = _tokens(EGL.eglQueryString(EGL.EGL_NO_DISPLAY, EGL_EXTENSIONS))
    if not {"EGL_EXT_device_enumeration", "EGL_EXT_device_base"} & client_ext:
        return []
    c_bool, c_int, c_void_p, c_attrib = ctypes.c_uint, ctypes.c_int32, ctypes.c_void_p, ctypes.c_ssize_t
    query_devices = _ext(EGL, "eglQueryDevicesEXT", c_bool, c_int, ctypes.POINTER(c_void_p),
                         ctypes.POINTER(c_int))
    query_string = _ext(EGL, "eglQueryDeviceStringEXT", ctypes.c_char_p, c_void_p, c_int)
    query_attrib = _ext(EGL, "eglQueryDeviceAttribEXT", c_bool, c_void_p, c_int, ctypes.POINTER(c_attrib))
    count = c_int(0)
    if not query_devices(0, None, ctypes.byref(count)) or count.value <= 0:
        return []
    handles = (c_void_p * count.value)()
    query_devices(count.value, handles, ctypes.byref(count))
    devices = []
    for handle in handles[: count.value]:
        exts = _tokens(query_string(handle, EGL_EXTENSIONS))
        cuda_id = None
        if "EGL_NV_device_cuda" in exts:
            value = c_attrib(0)
            if query_attrib(handle, EGL_CUDA_DEVICE_NV, ctypes.byref(value)):
                cuda_id = int(value.value)
        devices.append(_Device(handle, exts, cuda_id))
    # Stable sort: hardware before software, then CUDA order (None last), then EGL order.
    ordered = sorted(devices, key=lambda d: (d.software, d.cuda_id is None, d.cuda_id or 0))
    return visible_devices(ordered, os.environ.get("CUDA_VISIBLE_DEVICES"))


def visible_devices(devices: list[_Device], cuda_visible: str | None) -> list[_Device]:
    """``devices`` as ``CUDA_VISIBLE_DEVICES`` shows them: unset or UUID entries change nothing;
    an empty value or ``-1`` hides every CUDA device; a list of ids keeps those CUDA devices,
    in the list's order, ahead of the devices without a CUDA id."""
    if cuda_visible is None:
        return devices
    entries = [e.strip() for e in cuda_visible.split(",") if e.strip()]
    if not entries or entries[0] == "-1":
        return [d for d in devices if d.cuda_id is None]
    if not all(e.isdigit() for e in entries):
        return devices
    rank = {int(e): i for i, e in reversed(list(enumerate(entries)))}
    cuda = sorted((d for d in devices if d.cuda_id in rank), key=lambda d: rank[d.cuda_id or 0])
    return cuda + [d for d in devices if d.cuda_id is None]


def requested_device(device: str | None) -> str:
    """The device request: the argument, else the first of :data:`DEVICE_VARIABLES` set, else
    "" (every device in order, then surfaceless)."""
    if device is not None:
        return device
    return next((os.environ[v].strip() for v in DEVICE_VARIABLES if os.environ.get(v, "").strip()), "")


class _Display:
    """The process-wide initialised EGL display (created on first use, never terminated)."""

    _lock = threading.Lock()
    _by_request: ClassVar[dict[str, _Display]] = {}

    def __init__(self, handle: Any, description: str) -> None:
        self.handle = handle
        self.description = description

    @classmethod
    def get(cls, device: str | None) -> _Display:
        request = requested_device(device)
        # A display initialised before a fork is dead in the child (and a new one may hang).
        check_not_forked("use an EGL display")
        note_native_use()
        with cls._lock:
            if request not in cls._by_request:
                cls._by_request[request] = cls._open(request)
            return cls._by_request[request]

    @staticmethod
    def _initialize(EGL: Any, handle: Any) -> bool:  # noqa: N803 - PyOpenGL's EGL module
        if not handle:
            return False
        major, minor = EGL.EGLint(), EGL.EGLint()
        try:
            return bool(EGL.eglInitialize(handle, ctypes.byref(major), ctypes.byref(minor)))
        except EGL.EGLError:  # PyOpenGL raises on EGL_FALSE with an error set
            return False

    @classmethod
    def _open(cls, request: str) -> _Display:
        EGL = _egl()  # noqa: N806 - PyOpenGL's module name
        get_display = _ext(EGL, "eglGetPlatformDisplayEXT", ctypes.c_void_p, ctypes.c_uint,
                           ctypes.c_void_p, ctypes.c_void_p)

        def eglGetPlatformDisplayEXT(platform: int, native: Any, attribs: Any) -> Any:  # noqa: N802 - the EGL function it wraps
            handle = get_display(platform, native, attribs)
            return ctypes.cast(ctypes.c_void_p(handle), EGL.EGLDisplay) if handle else None

        tried: list[str] = []
        if request != "surfaceless":
            devices = list_devices()
            if request:
                try:
                    index = int(request)
                except ValueError:
                    raise BackendError(f"EGL device {request!r} is not a device index",
                                       fix="use an integer index (0 = first GPU) or 'surfaceless'") from None
                if not 0 <= index < len(devices):
                    raise BackendError(
                        f"EGL device {index} requested but {len(devices)} device(s) found",
                        fix=f"choose 0..{len(devices) - 1}" if devices else FIX_NO_DEVICE)
                devices = [devices[index]]
            for dev in devices:
                handle = eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, dev.handle, None)
                if cls._initialize(EGL, handle):
                    return _Display(handle, dev.describe())
                tried.append(dev.describe())
            if request:
                raise BackendError(f"EGL device {request} did not initialise", fix=FIX_NO_DEVICE)
        handle = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, None, None)
        if cls._initialize(EGL, handle):
            return _Display(handle, "surfaceless (Mesa)")
        tried.append("surfaceless")
        raise BackendError(f"no EGL display could be initialised (tried: {', '.join(tried)})",
                           fix=missing_package_fix())


class EGLContext(BackendContext):
    """A surfaceless EGL context (OpenGL API, core profile)."""

    name = "egl"
    pyopengl_platform = "egl"

    def __init__(self, gl_version: GLVersion = DEFAULT_GL_VERSION, device: str | None = None) -> None:
        EGL = _egl()  # noqa: N806 - PyOpenGL's module name
        self._EGL = EGL
        self._display = _Display.get(device)
        dpy = self._display.handle
        if not EGL.eglBindAPI(EGL_OPENGL_API):
            raise BackendError("eglBindAPI(EGL_OPENGL_API) failed: this EGL has no desktop GL",
                               fix=FIX_NO_LIBEGL)
        attribs = (EGL.EGLint * 7)(
            EGL_CONTEXT_MAJOR_VERSION, gl_version[0], EGL_CONTEXT_MINOR_VERSION, gl_version[1],
            EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE)
        try:
            # EGL_KHR_no_config_context: no config needed for a surfaceless context.
            ctx = EGL.eglCreateContext(dpy, EGL.EGL_NO_CONFIG_KHR if hasattr(EGL, "EGL_NO_CONFIG_KHR")
                                       else None, EGL.EGL_NO_CONTEXT, attribs)
        except EGL.EGLError as exc:
            ctx, err = None, exc.err
        else:
            err = EGL.eglGetError() if not ctx else 0x3000
        if not ctx:
            raise BackendError(
                f"eglCreateContext for OpenGL {gl_version[0]}.{gl_version[1]} core failed "
                f"({EGL_ERRORS.get(err, hex(err) if isinstance(err, int) else err)}) on {self._display.description}",
                fix="request a GL version this driver supports (llvmpipe: up to 4.5 core)")
        self._ctx = ctx

    def make_current(self) -> None:
        EGL = self._EGL  # noqa: N806 - PyOpenGL's module name
        if not EGL.eglMakeCurrent(self._display.handle, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, self._ctx):
            raise BackendError(f"eglMakeCurrent failed ({EGL_ERRORS.get(EGL.eglGetError())})")

    def release(self) -> None:
        EGL = self._EGL  # noqa: N806 - PyOpenGL's module name
        EGL.eglMakeCurrent(self._display.handle, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE,
                           EGL.EGL_NO_CONTEXT)

    def destroy(self) -> None:
        self._EGL.eglDestroyContext(self._display.handle, self._ctx)
        self._ctx = None

    def device_description(self) -> str:
        return self._display.description


def probe() -> str | None:
    """None if libEGL loads here (honouring LD_LIBRARY_PATH), else the reason.

    Cheap: loads the library but creates no context and does not bind PyOpenGL.
    """
    for soname in ("libEGL.so.1", "libEGL.so"):
        try:
            ctypes.CDLL(soname)
        except OSError:
            continue
        return None
    return "libEGL.so.1 not found"


def missing_package_fix() -> str:
    """The fix for "libEGL loads but no display starts", naming the package that is missing
    here: no EGL vendor file at all -> Mesa's EGL vendor library; else its DRI drivers."""
    # glvnd's own overrides replace the vendor folders when set
    files = [f for f in os.environ.get("__EGL_VENDOR_LIBRARY_FILENAMES", "").split(":") if f]
    dirs = [d for d in os.environ.get("__EGL_VENDOR_LIBRARY_DIRS", "").split(":") if d] or VENDOR_DIRS
    vendors = ([f for f in files if os.path.isfile(f)] if files else
               [f for d in dirs if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".json")])
    if not vendors:
        return ("install Mesa's EGL vendor library: Debian/Ubuntu: apt-get install libegl-mesa0 "
                "libgl1-mesa-dri; Fedora: dnf install mesa-libEGL mesa-dri-drivers (NVIDIA: the "
                "driver's 10_nvidia.json vendor file)")
    return ("install Mesa's DRI drivers (llvmpipe): Debian/Ubuntu: apt-get install libgl1-mesa-dri; "
            "Fedora: dnf install mesa-dri-drivers; " + FIX_NO_DEVICE)


def display_probe() -> tuple[str, str] | None:
    """None when an EGL display initialises here (a device or surfaceless), else (reason,
    fix).  ctypes only: PyOpenGL is not bound, so the caller can still choose OSMesa.  The
    display stays initialised (EGL re-initialisation is what other hosts crash on); skipped
    when a device is requested by variable (that request is then honoured or refused)."""
    if requested_device(None):
        return None
    try:
        lib = ctypes.CDLL("libEGL.so.1")
    except OSError:
        return "libEGL.so.1 not found", FIX_NO_LIBEGL
    check_not_forked("use an EGL display")
    note_native_use()
    lib.eglGetProcAddress.restype = ctypes.c_void_p
    lib.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    lib.eglInitialize.restype = ctypes.c_uint
    lib.eglInitialize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    get = lib.eglGetProcAddress(b"eglGetPlatformDisplayEXT")
    query = lib.eglGetProcAddress(b"eglQueryDevicesEXT")
    if not get:
        return "this libEGL has no eglGetPlatformDisplayEXT", missing_package_fix()
    get_display = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p)(get)
    candidates: list[tuple[int, Any]] = []
    if query:
        query_devices = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_int32, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.c_int32))(query)
        handles, count = (ctypes.c_void_p * 16)(), ctypes.c_int32(0)
        if query_devices(16, handles, ctypes.byref(count)):
            candidates += [(EGL_PLATFORM_DEVICE_EXT, h) for h in handles[: count.value]]
    candidates.append((EGL_PLATFORM_SURFACELESS_MESA, None))
    for platform, native in candidates:
        handle = get_display(platform, native, None)
        if handle and lib.eglInitialize(handle, None, None):
            return None
    return ("libEGL loads but no EGL display initialises (no device, no surfaceless platform)",
            missing_package_fix())


FIX = FIX_NO_LIBEGL
Context = EGLContext
