"""``CudaFrame.__dlpack__`` / ``__dlpack_device__`` (no GPU needed).

The capsule is parsed back with ctypes (``PyCapsule_GetPointer``) and every field of the
``DLManagedTensor`` / ``DLManagedTensorVersioned`` checked; a consumer is simulated by
renaming the capsule and calling its deleter through the C function pointer.  The frame's
memory comes from the fake CUDA runtime of tests/test_cuda_fake.py, whose ``cudaFree`` log
shows when the frame was really freed.  numpy, a real DLPack consumer, checks the struct
layout end to end on host memory (a CUDA frame cannot go to numpy: its device is CUDA).
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from offscreen_isf.errors import InputError
from offscreen_isf.gl import dlpack
from offscreen_isf.gl.cuda import CudaFrame
from tests.test_cuda_fake import SHADER, FakeRuntime, host_view, install_fake

_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))
_get_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", ctypes.pythonapi))
_set_name = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_SetName", ctypes.pythonapi))
_USED = {b"dltensor": b"used_dltensor", b"dltensor_versioned": b"used_dltensor_versioned"}


def new_frame(rt: FakeRuntime, shape: tuple[int, int, int] = (3, 5, 4), dtype: str = "uint8",
              device: int = 1) -> CudaFrame:
    ptr = rt.cudaMalloc(int(np.prod(shape)) * np.dtype(dtype).itemsize)[1]
    return CudaFrame(rt, ptr, shape, dtype, device)


def managed(capsule: Any) -> dlpack.DLManagedTensor | dlpack.DLManagedTensorVersioned:
    """The struct behind an unconsumed capsule."""
    name = _get_name(capsule)
    cls = dlpack.DLManagedTensorVersioned if name == b"dltensor_versioned" else dlpack.DLManagedTensor
    return cls.from_address(_get_pointer(capsule, name))


def consume(capsule: Any) -> Any:
    """Take the capsule as a consumer does: rename it; returns a function that calls the deleter."""
    name = _get_name(capsule)
    address = _get_pointer(capsule, name)
    mt = managed(capsule)
    assert _set_name(capsule, _USED[name]) == 0
    return lambda: mt.deleter(address)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRuntime:
    """The fake CUDA runtime (tests/test_cuda_fake.py); its ``cudaFree`` log shows real frees."""
    return install_fake(monkeypatch)


@pytest.fixture
def releases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every run of the deleter's work (from a consumer or from a capsule's destructor)."""
    runs: list[int] = []
    real = dlpack._release

    def counting(address: int) -> None:
        runs.append(address)
        real(address)

    monkeypatch.setattr(dlpack, "_release", counting)
    before = dlpack.exported()
    yield runs
    gc.collect()
    assert dlpack.exported() == before   # nothing left behind by the test


@pytest.mark.parametrize("dtype, code, bits", [("uint8", 1, 8), ("float32", 2, 32)])
@pytest.mark.parametrize("max_version", [None, (0, 8), (1, 0), (1, 3)])
def test_capsule_fields(fake: FakeRuntime, releases: list[int], dtype: str, code: int, bits: int,
                        max_version: tuple[int, int] | None) -> None:
    frame = new_frame(fake, (3, 5, 4), dtype, device=1)
    assert frame.__dlpack_device__() == (2, 1)
    capsule = frame.__dlpack__(stream=None, max_version=max_version)
    versioned = max_version is not None and max_version[0] >= 1
    assert _get_name(capsule) == (b"dltensor_versioned" if versioned else b"dltensor")
    mt = managed(capsule)
    t = mt.dl_tensor
    assert t.data == frame.ptr and t.byte_offset == 0
    assert (t.device.device_type, t.device.device_id) == (2, 1)
    assert t.ndim == 3 and [t.shape[i] for i in range(3)] == [3, 5, 4]
    assert [t.strides[i] for i in range(3)] == [20, 4, 1]   # elements, row-major
    assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (code, bits, 1)
    assert mt.manager_ctx == ctypes.addressof(mt) and mt.deleter
    if versioned:
        assert isinstance(mt, dlpack.DLManagedTensorVersioned)
        assert (mt.version.major, mt.version.minor) == (1, 0) and mt.flags == 0
    del capsule
    gc.collect()
    assert len(releases) == 1


def test_consumer_deleter_runs_once_and_keeps_the_frame_alive(fake: FakeRuntime, releases: list[int]) -> None:
    frame = new_frame(fake)
    ptr = frame.ptr
    capsule = frame.__dlpack__(stream=1)
    delete = consume(capsule)
    del frame
    gc.collect()
    assert "cudaFree" not in fake.calls and ptr in fake.memory   # the capsule's consumer holds it
    del capsule   # renamed: its destructor leaves the tensor to the consumer
    gc.collect()
    assert releases == [] and ptr in fake.memory
    delete()
    gc.collect()
    assert len(releases) == 1 and fake.calls.count("cudaFree") == 1 and ptr not in fake.memory


def test_unconsumed_capsule_is_freed_on_gc(fake: FakeRuntime, releases: list[int]) -> None:
    frame = new_frame(fake)
    ptr = frame.ptr
    capsule = frame.__dlpack__()
    del frame
    gc.collect()
    assert ptr in fake.memory
    del capsule
    gc.collect()
    assert len(releases) == 1 and fake.calls.count("cudaFree") == 1 and ptr not in fake.memory


def test_two_capsules_each_hold_the_frame(fake: FakeRuntime, releases: list[int]) -> None:
    frame = new_frame(fake)
    ptr = frame.ptr
    first, second = frame.__dlpack__(), frame.__dlpack__(max_version=(1, 0))
    delete_first = consume(first)
    del frame
    delete_first()
    gc.collect()
    assert ptr in fake.memory   # the second capsule still holds it
    del second, first
    gc.collect()
    assert len(releases) == 2 and ptr not in fake.memory


def test_refusals(fake: FakeRuntime, releases: list[int]) -> None:
    frame = new_frame(fake, device=0)
    with pytest.raises(BufferError, match="copy=True"):
        frame.__dlpack__(copy=True)
    with pytest.raises(BufferError, match=r"cannot be exported to DLPack device \(1, 0\)"):
        frame.__dlpack__(dl_device=(1, 0))
    with pytest.raises(TypeError, match="stream"):
        frame.__dlpack__(stream="default")  # type: ignore[arg-type]
    assert releases == [] and dlpack.exported() == 0
    frame.__dlpack__(dl_device=(2, 0), copy=False, stream=-1)   # its own device: fine (dropped at once)
    frame.free()
    with pytest.raises(InputError, match="freed"):
        frame.__dlpack__()


class HostArray:
    """A numpy array exported through :func:`dlpack.export` as kDLCPU, for numpy to consume."""

    def __init__(self, array: np.ndarray, versioned: bool) -> None:
        self.array, self.versioned = array, versioned

    def __dlpack__(self, **kw: Any) -> Any:
        a = self.array
        return dlpack.export(a, a.ctypes.data, a.shape, a.dtype, (1, 0), self.versioned)

    def __dlpack_device__(self) -> tuple[int, int]:
        return 1, 0


@pytest.mark.parametrize("versioned", [False, True])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_numpy_consumes_the_layout(releases: list[int], versioned: bool, dtype: str) -> None:
    """A real consumer reads the struct: same memory, shape, strides and dtype; it calls the deleter."""
    a = (np.arange(2 * 3 * 4) * 7 % 251).astype(dtype).reshape(2, 3, 4)
    b = np.from_dlpack(HostArray(a, versioned))
    assert b.ctypes.data == a.ctypes.data and b.dtype == a.dtype and np.array_equal(a, b)
    assert b.strides == a.strides
    assert releases == []
    del b
    gc.collect()
    assert len(releases) == 1


@pytest.mark.gl
def test_rendered_frame_through_dlpack(fake: FakeRuntime, releases: list[int]) -> None:
    """A frame from render(device="cuda"): the capsule points at the rendered bytes."""
    import offscreen_isf as oi

    with oi.Renderer(SHADER, size=(24, 10)) as r:
        host = r.render(0.5)
        frame = r.render(0.5, device="cuda")
    mt = managed(capsule := frame.__dlpack__(max_version=(1, 0)))
    t = mt.dl_tensor
    shape = tuple(t.shape[i] for i in range(t.ndim))
    strides = tuple(t.strides[i] for i in range(t.ndim))
    assert shape == (10, 24, 4) and strides == (96, 4, 1)
    got = fake.memory[t.data].reshape(shape)
    assert np.array_equal(got, host) and np.array_equal(got, host_view(fake, frame))
    del capsule, frame
    gc.collect()
    assert len(releases) == 1 and fake.memory == {}
