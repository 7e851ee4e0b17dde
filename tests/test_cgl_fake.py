"""The CGL backend's call sequence and error handling, against a fake OpenGL.framework.

macOS is not available to CI, so ``FakeCGL`` stands in for the ctypes library: it records
every call (handles as ints, attribute arrays as lists) and writes outputs through the
``ctypes.byref`` objects it is given, as the real library writes through the pointers.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import pytest

from offscreen_isf.backends import cgl
from offscreen_isf.errors import BackendError

GL4, GL3 = 0x4100, 0x3200
PIX, CTX = 0x1000, 0x2000
GL4_ACCEL_ATTRS = [99, 0x4100, 73, 96, 8, 24, 11, 8, 12, 24, 0]
GL3_ACCEL_ATTRS = [99, 0x3200, 73, 96, 8, 24, 11, 8, 12, 24, 0]
ERRORS = {10002: b"invalid pixel format", 10016: b"invalid memory allocation"}


def _out(ref: Any) -> Any:
    """The ctypes object behind a ``byref`` (or ``pointer``) argument."""
    return ref._obj if hasattr(ref, "_obj") else ref.contents


def _handle(value: Any) -> int | None:
    return value.value if isinstance(value, ctypes.c_void_p) else value


class FakeCGL:
    """OpenGL.framework's CGL functions as plain Python callables that record their calls.

    ``formats`` maps an attribute list (as a tuple) to ``(CGLError, pixel format handle)``;
    a list not in it gets ``(0, None)``, i.e. no error and no pixel format.
    """

    def __init__(self, formats: dict[tuple[int, ...], tuple[int, int | None]] | None = None,
                 create_err: int = 0, destroy_pix_err: int = 0) -> None:
        self.formats = formats if formats is not None else {tuple(GL4_ACCEL_ATTRS): (0, PIX)}
        self.create_err = create_err
        self.destroy_pix_err = destroy_pix_err
        self.current: int | None = None
        self.calls: list[tuple[Any, ...]] = []

    def CGLChoosePixelFormat(self, attrs: Any, pix: Any, npix: Any) -> int:
        values = list(attrs)
        self.calls.append(("CGLChoosePixelFormat", values))
        err, handle = self.formats.get(tuple(values), (0, None))
        _out(pix).value = handle
        _out(npix).value = 1 if handle else 0
        return err

    def CGLCreateContext(self, pix: Any, share: Any, ctx: Any) -> int:
        self.calls.append(("CGLCreateContext", _handle(pix), _handle(share)))
        if self.create_err:
            return self.create_err
        _out(ctx).value = CTX
        return 0

    def CGLDestroyPixelFormat(self, pix: Any) -> int:
        self.calls.append(("CGLDestroyPixelFormat", _handle(pix)))
        return self.destroy_pix_err

    def CGLSetCurrentContext(self, ctx: Any) -> int:
        self.calls.append(("CGLSetCurrentContext", _handle(ctx)))
        self.current = _handle(ctx)
        return 0

    def CGLGetCurrentContext(self) -> int | None:
        return self.current

    def CGLDestroyContext(self, ctx: Any) -> int:
        self.calls.append(("CGLDestroyContext", _handle(ctx)))
        return 0

    def CGLErrorString(self, err: int) -> bytes | None:
        return ERRORS.get(err)

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


def test_success_sequence_and_lifecycle() -> None:
    lib = FakeCGL()
    c = cgl.CGLContext((3, 3), _lib=lib)
    assert lib.calls == [
        ("CGLChoosePixelFormat", GL4_ACCEL_ATTRS),
        ("CGLCreateContext", PIX, None),
        ("CGLDestroyPixelFormat", PIX),
    ]
    assert c.name == "cgl" and c.pyopengl_platform is None
    assert (c.profile, c.accelerated) == ("GL4_Core", True)
    assert "GL4_Core" in c.device_description()

    del lib.calls[:]
    c.make_current()
    assert lib.calls == [("CGLSetCurrentContext", CTX)] and lib.current == CTX
    c.release()
    assert lib.calls[-1] == ("CGLSetCurrentContext", None) and lib.current is None
    del lib.calls[:]
    c.destroy()
    assert lib.calls == [("CGLDestroyContext", CTX)]
    c.destroy()  # a second destroy must not reach the library (native double free)
    assert lib.calls == [("CGLDestroyContext", CTX)]


def test_destroy_releases_a_current_context_first() -> None:
    lib = FakeCGL()
    c = cgl.CGLContext(_lib=lib)
    c.make_current()
    del lib.calls[:]
    c.destroy()
    assert lib.calls == [("CGLSetCurrentContext", None), ("CGLDestroyContext", CTX)]


def test_falls_back_to_gl3_core_when_gl4_has_no_pixel_format() -> None:
    lib = FakeCGL(formats={tuple(GL3_ACCEL_ATTRS): (0, PIX)})
    c = cgl.CGLContext(_lib=lib)
    assert lib.calls == [
        ("CGLChoosePixelFormat", GL4_ACCEL_ATTRS),
        ("CGLChoosePixelFormat", GL3_ACCEL_ATTRS),
        ("CGLCreateContext", PIX, None),
        ("CGLDestroyPixelFormat", PIX),
    ]
    assert (c.profile, c.accelerated) == ("GL3_Core", True)


def test_retries_without_accelerated_after_every_accelerated_profile() -> None:
    software_gl4 = [99, 0x4100, 96, 8, 24, 11, 8, 12, 24, 0]
    lib = FakeCGL(formats={tuple(software_gl4): (0, PIX)})
    c = cgl.CGLContext(_lib=lib)
    chosen = [c[1] for c in lib.calls if c[0] == "CGLChoosePixelFormat"]
    assert chosen == [GL4_ACCEL_ATTRS, GL3_ACCEL_ATTRS, software_gl4]
    assert (c.profile, c.accelerated) == ("GL4_Core", False)


def test_no_pixel_format_anywhere_is_a_backend_error_with_fix() -> None:
    lib = FakeCGL(formats={tuple(GL4_ACCEL_ATTRS): (10002, None)})
    with pytest.raises(BackendError) as info:
        cgl.CGLContext(_lib=lib)
    assert lib.names() == ["CGLChoosePixelFormat"] * 4  # 2 profiles x (accelerated, any)
    assert "no CGL pixel format" in str(info.value)
    assert "invalid pixel format (CGLError 10002)" in str(info.value)
    assert "GL3_Core" in str(info.value)
    assert info.value.fix


def test_create_context_error_uses_cgl_error_string_and_frees_pixel_format() -> None:
    lib = FakeCGL(create_err=10016)
    with pytest.raises(BackendError) as info:
        cgl.CGLContext(_lib=lib)
    assert "CGLCreateContext failed: invalid memory allocation (CGLError 10016)" in str(info.value)
    assert info.value.fix
    assert lib.names() == ["CGLChoosePixelFormat", "CGLCreateContext", "CGLDestroyPixelFormat"]


def test_unknown_error_code_still_reported() -> None:
    lib = FakeCGL(create_err=12345)
    with pytest.raises(BackendError, match="unknown error \\(CGLError 12345\\)"):
        cgl.CGLContext(_lib=lib)


def test_destroy_pixel_format_error_destroys_the_new_context() -> None:
    lib = FakeCGL(destroy_pix_err=10002)
    with pytest.raises(BackendError, match="CGLDestroyPixelFormat failed: invalid pixel format"):
        cgl.CGLContext(_lib=lib)
    assert lib.calls[-1] == ("CGLDestroyContext", CTX)


@pytest.mark.parametrize("version", [(4, 2), (4, 6), (5, 0)])
def test_versions_above_4_1_rejected_before_any_call(version: tuple[int, int]) -> None:
    lib = FakeCGL()
    with pytest.raises(BackendError, match="at most GL 4.1 core") as info:
        cgl.CGLContext(version, _lib=lib)
    assert info.value.fix and lib.calls == []


@pytest.mark.parametrize("version", [(3, 2), (3, 3), (4, 1)])
def test_versions_up_to_4_1_accepted(version: tuple[int, int]) -> None:
    assert cgl.CGLContext(version, _lib=FakeCGL()).profile == "GL4_Core"


def test_device_selection_rejected() -> None:
    with pytest.raises(BackendError, match="cannot select a device"):
        cgl.CGLContext(device="1", _lib=FakeCGL())


def test_probe_and_constructor_off_macos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert cgl.probe() == "CGL is macOS only (this is linux)"
    with pytest.raises(BackendError, match=r"CGL is macOS only \(this is linux\)") as info:
        cgl.CGLContext()
    assert info.value.fix == cgl.FIX and "egl" in cgl.FIX


def test_probe_on_darwin_reports_an_unloadable_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(cgl, "LIBRARY_PATH", "/nonexistent/OpenGL.framework/OpenGL")
    reason = cgl.probe()
    assert reason is not None and "cannot load CGL from /nonexistent" in reason


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux libc to load")
def test_probe_on_darwin_reports_a_library_without_cgl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(cgl, "LIBRARY_PATH", "libc.so.6")  # loads, but has no CGL symbols
    reason = cgl.probe()
    assert reason is not None and "CGLChoosePixelFormat" in reason


def test_bind_sets_ctypes_signatures() -> None:
    class Fn:
        restype: Any = None
        argtypes: Any = None

    lib = type("Lib", (), {n: Fn() for n in cgl._SIGNATURES})()
    cgl._bind(lib)
    assert lib.CGLErrorString.restype is ctypes.c_char_p
    assert lib.CGLGetCurrentContext.restype is ctypes.c_void_p
    assert lib.CGLCreateContext.argtypes == (ctypes.c_void_p, ctypes.c_void_p,
                                             ctypes.POINTER(ctypes.c_void_p))
    assert lib.CGLChoosePixelFormat.argtypes[1] is ctypes.POINTER(ctypes.c_void_p)
    assert all(getattr(lib, n).restype is ctypes.c_int for n in
               ("CGLChoosePixelFormat", "CGLCreateContext", "CGLDestroyPixelFormat",
                "CGLSetCurrentContext", "CGLDestroyContext"))
