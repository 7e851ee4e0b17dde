"""DLPack export of device memory (``__dlpack__`` / ``__dlpack_device__``), with ctypes only.

:func:`export` wraps one C-contiguous array in a PyCapsule: the legacy ``"dltensor"``
capsule holding a ``DLManagedTensor``, or, when the consumer passes ``max_version`` with a
major version of 1 or more, a ``"dltensor_versioned"`` capsule holding a
``DLManagedTensorVersioned`` at version 1.0 (flags 0: writable, not a copy).  Shape and
strides (in elements, row-major) are always filled in.

Ownership (the DLPack rules): the struct, its shape/strides arrays and a strong reference
to the array's owner (e.g. a :class:`~offscreen_isf.gl.cuda.CudaFrame`, which frees its
allocation when collected) live in a module registry keyed by the struct's address, the
``manager_ctx``.  The consumer renames the capsule (``"used_dltensor"`` /
``"used_dltensor_versioned"``) when it takes it and calls the ``deleter`` when done; the
deleter drops the registry entry, so the owner may then be collected.  A capsule that is
collected unconsumed (name unchanged) calls the deleter from its destructor.  Either way
the deleter runs once per capsule.

Threads: a consumer may call the deleter from any thread (the ctypes callback takes the
GIL).  The destructor takes the capsule as a raw address so that no reference is taken
to an object being deallocated.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["KDLCUDA", "DLDevice", "DLDataType", "DLTensor", "DLManagedTensor", "DLManagedTensorVersioned",
           "DLPackVersion", "export", "exported", "dtype_of"]

#: DLDeviceType of CUDA device memory
KDLCUDA = 2

#: numpy dtype name -> (DLDataTypeCode, bits): kDLUInt = 1, kDLFloat = 2
_DTYPES: dict[str, tuple[int, int]] = {"uint8": (1, 8), "float32": (2, 32)}

#: the DLPack version a versioned capsule declares
VERSION = (1, 0)

_NAME = b"dltensor"
_NAME_VERSIONED = b"dltensor_versioned"


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


#: void (*deleter)(DLManagedTensor[Versioned] *self): the struct's address
_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", _DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


# Private prototypes over the C API (ctypes.pythonapi's shared function objects are left as
# other code configured them).  The capsule is passed as a raw PyObject* address.
_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, _CAPSULE_DESTRUCTOR)(
    ("PyCapsule_New", ctypes.pythonapi))
_capsule_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_IsValid", ctypes.pythonapi))
_capsule_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))


@dataclass
class _Export:
    """What one capsule keeps alive until its deleter runs."""

    managed: DLManagedTensor | DLManagedTensorVersioned
    shape: Any      # ctypes int64 array
    strides: Any    # ctypes int64 array
    owner: object   # holds the memory (a CudaFrame)


#: struct address (== manager_ctx) -> its export; an entry is dropped by the deleter
_live: dict[int, _Export] = {}


def exported() -> int:
    """How many exported tensors the consumers have not yet released (deleter not yet run)."""
    return len(_live)


def _release(address: int) -> None:
    """The deleter's work: forget export ``address`` (the owner may then be collected)."""
    _live.pop(address, None)


def _on_delete(address: int | None) -> None:
    """The C deleter: ``address`` is the DLManagedTensor[Versioned] being released."""
    if address:
        _release(address)


def _on_capsule_dealloc(capsule: int | None) -> None:
    """The capsule destructor (``capsule`` a raw PyObject* address, no reference taken).
    A capsule the consumer took was renamed "used_..."; only an untouched one is ours to delete."""
    name = next((n for n in (_NAME, _NAME_VERSIONED) if capsule and _capsule_is_valid(capsule, n)), None)
    if name is not None:
        address = _capsule_get_pointer(capsule, name)
        if address:
            _release(address)


# C function pointers over them; module globals, so they outlive every capsule
_deleter = _DELETER(_on_delete)
_destructor = _CAPSULE_DESTRUCTOR(_on_capsule_dealloc)


def dtype_of(dtype: np.dtype[Any]) -> tuple[int, int]:
    """(DLDataTypeCode, bits) of ``dtype``; BufferError for a dtype without a mapping here."""
    try:
        return _DTYPES[dtype.name]
    except KeyError:
        raise BufferError(f"no DLPack export for dtype {dtype.name}") from None


def _fill(tensor: DLTensor, ptr: int, shape: tuple[int, ...], dtype: np.dtype[Any], device: tuple[int, int],
          shape_arr: Any, strides_arr: Any) -> None:
    code, bits = dtype_of(dtype)
    tensor.data = ptr
    tensor.device = DLDevice(*device)
    tensor.ndim = len(shape)
    tensor.dtype = DLDataType(code, bits, 1)
    tensor.shape = ctypes.cast(shape_arr, ctypes.POINTER(ctypes.c_int64))
    tensor.strides = ctypes.cast(strides_arr, ctypes.POINTER(ctypes.c_int64))
    tensor.byte_offset = 0


def export(owner: object, ptr: int, shape: tuple[int, ...], dtype: np.dtype[Any], device: tuple[int, int],
           versioned: bool) -> Any:
    """A new DLPack capsule over ``ptr`` (C-contiguous ``shape`` of ``dtype`` on ``device``,
    a (DLDeviceType, index) pair) that keeps ``owner`` alive until its deleter runs.
    ``versioned``: a ``"dltensor_versioned"`` capsule (DLPack 1.0) instead of ``"dltensor"``."""
    ndim = len(shape)
    strides = [int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(ndim)]
    shape_arr, strides_arr = (ctypes.c_int64 * ndim)(*shape), (ctypes.c_int64 * ndim)(*strides)
    managed: DLManagedTensor | DLManagedTensorVersioned
    if versioned:
        managed = DLManagedTensorVersioned()
        managed.version = DLPackVersion(*VERSION)
        managed.flags = 0
    else:
        managed = DLManagedTensor()
    _fill(managed.dl_tensor, ptr, shape, dtype, device, shape_arr, strides_arr)
    address = ctypes.addressof(managed)
    managed.manager_ctx = address
    managed.deleter = _deleter
    _live[address] = _Export(managed, shape_arr, strides_arr, owner)
    try:
        return _capsule_new(address, _NAME_VERSIONED if versioned else _NAME, _destructor)
    except BaseException:
        _release(address)   # no capsule: nobody will call the deleter
        raise
