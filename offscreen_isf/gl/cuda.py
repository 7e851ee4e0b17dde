"""Frames straight into CUDA device memory through CUDA-GL interop (optional).

``Renderer.render(..., device="cuda")`` and ``render_frames(..., device="cuda")`` come here.
The frame's last pass is blitted (upside down unless it was drawn so) into a texture owned
by a :class:`CudaReader` and registered once with CUDA; per frame that texture is mapped,
its array copied into a fresh device allocation (``cudaMemcpy2DFromArrayAsync`` on the
reader's stream) and unmapped.  The result, a :class:`CudaFrame`, is (height, width, 4),
**top row first**, the same bytes as the host path's ``glReadPixels`` for the target's own
format (uint8 for 8-bit passes, float32 for FLOAT ones); other dtypes are converted by the
blit (GL's conversion, clamped to 0..1 for uint8).

Dependency: the CUDA runtime binding of NVIDIA's ``cuda-python`` (``cuda.bindings.runtime``,
the ``cuda`` extra), imported by :func:`load_runtime` only when a CUDA frame is asked for.
Needs an EGL context on an NVIDIA device: the CUDA device used is the one CUDA-GL interop
reports for the current context (``cudaGLGetDevices``), so it is the same GPU.

Ownership: a :class:`CudaFrame` owns its allocation (freed when the frame object is
collected; torch, CuPy and Numba keep it alive through ``__cuda_array_interface__``, and a
DLPack capsule keeps it alive until the consumer calls its deleter: :mod:`.dlpack`).  A
reader belongs to one renderer and one context generation; its textures and registrations
are freed by ``Renderer.release()`` (:func:`release_reader`), or with the context (it is a
resource owner of the context), whichever comes first.  Threads: as the renderer.
"""

from __future__ import annotations

import importlib
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import BackendError, InputError, RenderError
from . import dlpack
from .lifecycle import State
from .pool import FORMATS, RenderTarget

if TYPE_CHECKING:
    from .context import Context

__all__ = ["DEVICES", "CudaFrame", "CudaReader", "CudaPipeline", "load_runtime", "check_context",
           "reader_for", "release_reader"]

#: values of ``device=``: None reads into host memory (numpy), "cuda" into CUDA memory
DEVICES = (None, "cuda")

#: module paths of the CUDA runtime binding, newest layout first (cuda-python >= 12.6, older)
BINDINGS = ("cuda.bindings.runtime", "cuda.cudart")

#: output dtype -> format of the texture the frame is blitted into
_STAGING_FORMAT = {"uint8": "rgba8", "float32": "rgba32f"}

_TYPESTR = {"uint8": "|u1", "float32": "<f4"}


def check_device(device: str | None) -> None:
    """InputError unless ``device`` is one of :data:`DEVICES`."""
    if device not in DEVICES:
        raise InputError(f"device must be None (host memory) or 'cuda', got {device!r}")


def load_runtime() -> Any:
    """The CUDA runtime binding module; BackendError naming the extra when it is missing."""
    for name in BINDINGS:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise BackendError("device='cuda' needs NVIDIA's CUDA Python bindings (cuda.bindings.runtime)",
                       fix="pip install 'offscreen-isf[cuda]'")


def check_context(ctx: Context) -> None:
    """BackendError unless ``ctx`` is an EGL context on an NVIDIA GPU (interop needs one)."""
    info = ctx.info
    vendor = f"{getattr(info, 'vendor', '')} {getattr(info, 'renderer', '')}"
    if ctx.backend != "egl" or "nvidia" not in vendor.lower():
        raise BackendError(f"device='cuda' needs an NVIDIA EGL device; this context is {ctx.backend} "
                           f"on {getattr(info, 'renderer', 'an unknown renderer')}",
                           fix="render on an NVIDIA GPU with backend='egl', or omit device=")


def _ok(rt: Any, result: Any, doing: str) -> Any:
    """Unpack a binding call's (error, *values) tuple; RenderError on any error."""
    err, *values = result if isinstance(result, tuple) else (result,)
    if err != rt.cudaError_t.cudaSuccess:
        raise RenderError(f"CUDA {doing} failed: {getattr(err, 'name', err)}")
    return values[0] if len(values) == 1 else tuple(values)


class CudaFrame:
    """One frame in CUDA device memory: (height, width, 4), top row first, C-contiguous.

    Taken without a copy by anything reading ``__cuda_array_interface__`` (version 3):
    ``torch.as_tensor(frame, device="cuda")``, ``cupy.asarray(frame)``, Numba; or through
    DLPack (:meth:`__dlpack__`): ``torch.from_dlpack(frame)``, ``cupy.from_dlpack(frame)``,
    ``jax.dlpack.from_dlpack(frame)``.  The copy into it is complete when the frame is handed
    out, so any consumer stream may read it.  ``ptr`` is the device address, ``device`` the
    CUDA device index.  Owns the allocation; :meth:`free` releases it early (whatever still
    views it, a DLPack consumer included, must not read it afterwards).
    """

    def __init__(self, rt: Any, ptr: int, shape: tuple[int, int, int], dtype: str, device: int) -> None:
        self.ptr, self.shape, self.dtype, self.device = int(ptr), shape, np.dtype(dtype), device
        self.nbytes = int(np.prod(shape)) * self.dtype.itemsize
        self._free = weakref.finalize(self, rt.cudaFree, self.ptr)

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        if not self._free.alive:
            raise InputError("this CudaFrame was freed")
        return {"shape": self.shape, "typestr": _TYPESTR[self.dtype.name], "data": (self.ptr, False),
                "version": 3, "strides": None, "stream": None}

    def __dlpack__(self, *, stream: int | None = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule over this frame's memory, no copy (the Python array API protocol).

        ``stream``: the consumer's stream (None, -1, 1, 2 or a stream handle); any is fine,
        as the copy into the frame finished before it was handed out, so nothing is waited
        for.  ``max_version``: with a major version >= 1 the capsule is a versioned one
        (``"dltensor_versioned"``, DLPack 1.0), else the legacy ``"dltensor"``.
        ``dl_device``: must be this frame's (``__dlpack_device__()``) if given, and ``copy``
        must not be True (the frame exports its own memory only): BufferError otherwise.
        The capsule keeps the frame alive until the consumer calls its deleter.
        """
        if not self._free.alive:
            raise InputError("this CudaFrame was freed")
        if stream is not None and not isinstance(stream, int):
            raise TypeError(f"stream must be None or an int, got {type(stream).__name__}")
        if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
            raise BufferError(f"a CudaFrame on cuda:{self.device} cannot be exported to DLPack device "
                              f"{tuple(dl_device)} (it is never copied)")
        if copy:
            raise BufferError("a CudaFrame exports its own memory only (copy=True is not supported); "
                              "copy on the consumer's side")
        versioned = max_version is not None and int(max_version[0]) >= 1
        return dlpack.export(self, self.ptr, self.shape, self.dtype, self.__dlpack_device__(), versioned)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(kDLCUDA = 2, CUDA device index)."""
        return dlpack.KDLCUDA, self.device

    def free(self) -> None:
        """Release the device memory now (views taken from it become invalid)."""
        self._free()

    def __repr__(self) -> str:
        return f"<CudaFrame {self.shape} {self.dtype.name} cuda:{self.device}>"


@dataclass
class _Slot:
    """A texture the frame is blitted into, its CUDA registration and the copy's event."""

    target: RenderTarget
    resource: Any
    event: Any


class CudaReader:
    """Copies finished frames into CUDA memory; one per renderer and context generation.

    Two slots, so that the copy of frame N (slot N % 2) can run while frame N+1 draws.
    The context must be current for :meth:`queue`; :meth:`wait` needs no GL.
    """

    def __init__(self, ctx: Context, rt: Any) -> None:
        self.ctx, self.rt, self.generation = ctx, rt, ctx.generation
        self.device = self._bind_device()
        self.stream = _ok(rt, rt.cudaStreamCreate(), "cudaStreamCreate")
        self.slots: list[_Slot | None] = [None, None]
        self._next = 0
        ctx.register_owner(self)

    def _bind_device(self) -> int:
        """Make current the CUDA device of this GL context (the same GPU)."""
        rt = self.rt
        count = _ok(rt, rt.cudaGetDeviceCount(), "cudaGetDeviceCount")
        found, devices = _ok(rt, rt.cudaGLGetDevices(max(int(count), 1),
                                                     rt.cudaGLDeviceList.cudaGLDeviceListAll),
                             "cudaGLGetDevices")
        if int(found) < 1:
            raise BackendError("CUDA sees no device behind this GL context",
                               fix="check CUDA_VISIBLE_DEVICES and the EGL device (offscreen-isf backends)")
        device = int(devices[0])
        _ok(rt, rt.cudaSetDevice(device), "cudaSetDevice")
        return device

    def _slot(self, index: int, width: int, height: int, fmt: str) -> _Slot:
        """Slot ``index`` with a texture of that size and format (re-made when it changes)."""
        slot = self.slots[index]
        t = None if slot is None else slot.target
        if slot is not None and t is not None and (t.width, t.height, t.format) == (width, height, fmt):
            return slot
        if slot is not None:
            self._drop(slot)
        target = _make_target(self.ctx, self, width, height, fmt)
        rt, gl = self.rt, self.ctx.gl
        resource = _ok(rt, rt.cudaGraphicsGLRegisterImage(
            target.texture, gl.GL_TEXTURE_2D,
            rt.cudaGraphicsRegisterFlags.cudaGraphicsRegisterFlagsReadOnly), "cudaGraphicsGLRegisterImage")
        event = _ok(rt, rt.cudaEventCreate(), "cudaEventCreate")
        self.slots[index] = new = _Slot(target, resource, event)
        return new

    def queue(self, target: RenderTarget, dtype: str, flip: str) -> tuple[CudaFrame, Any]:
        """Start copying the frame in ``target`` (drawn upright unless ``flip`` is "none")
        into new device memory; returns the frame and the event that marks its copy done."""
        w, h = target.width, target.height
        slot = self._slot(self._next, w, h, _STAGING_FORMAT[dtype])
        self._next ^= 1
        _blit(self.ctx, target, slot.target, upside_down=flip != "none")
        rt, stream, res = self.rt, self.stream, slot.resource
        row = w * 4 * np.dtype(dtype).itemsize
        ptr = _ok(rt, rt.cudaMalloc(row * h), "cudaMalloc")
        frame = CudaFrame(rt, ptr, (h, w, 4), dtype, self.device)
        _ok(rt, rt.cudaGraphicsMapResources(1, res, stream), "cudaGraphicsMapResources")
        try:
            array = _ok(rt, rt.cudaGraphicsSubResourceGetMappedArray(res, 0, 0),
                        "cudaGraphicsSubResourceGetMappedArray")
            # rows as stored: the blit already put the top row first
            _ok(rt, rt.cudaMemcpy2DFromArrayAsync(ptr, row, array, 0, 0, row, h,
                                                  rt.cudaMemcpyKind.cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpy2DFromArrayAsync")
        finally:
            _ok(rt, rt.cudaGraphicsUnmapResources(1, res, stream), "cudaGraphicsUnmapResources")
        _ok(rt, rt.cudaEventRecord(slot.event, stream), "cudaEventRecord")
        return frame, slot.event

    def wait(self, event: Any) -> None:
        """Block until the copy marked by ``event`` is done."""
        _ok(self.rt, self.rt.cudaEventSynchronize(event), "cudaEventSynchronize")

    def _drop(self, slot: _Slot) -> None:
        """Unregister a slot's texture and free its GL objects (context current)."""
        rt = self.rt
        _ok(rt, rt.cudaStreamSynchronize(self.stream), "cudaStreamSynchronize")
        _ok(rt, rt.cudaGraphicsUnregisterResource(slot.resource), "cudaGraphicsUnregisterResource")
        _ok(rt, rt.cudaEventDestroy(slot.event), "cudaEventDestroy")
        if slot.target.generation == self.ctx.generation:
            self.ctx.delete("framebuffer", slot.target.framebuffer)
            self.ctx.delete("texture", slot.target.texture)

    def close(self, live: bool = True) -> None:
        """Unregister the textures, destroy events and stream, and (``live``: the context is
        current and not lost) delete the GL objects; this reader is then spent.  Idempotent."""
        if self.generation == -1:
            return
        for slot in self.slots:
            if slot is not None and live:
                self._drop(slot)
        self.slots = [None, None]
        self.generation = -1
        self.ctx.unregister_owner(self)
        _ok(self.rt, self.rt.cudaStreamDestroy(self.stream), "cudaStreamDestroy")

    def on_context_closing(self, context: Context, reinitializing: bool) -> None:
        """Unregister before the textures die with the context."""
        self.close(live=context.state is not State.LOST)


def _make_target(ctx: Context, owner: object, width: int, height: int, fmt: str) -> RenderTarget:
    """A texture + framebuffer of its own for ``owner`` (never pooled: CUDA holds it registered)."""
    gl = ctx.gl
    internal, pixel_type, _, _ = FORMATS[fmt]
    tex, fbo = ctx.create("texture", owner), ctx.create("framebuffer", owner)
    with ctx.gl_errors(f"allocating a {width}x{height} {fmt} CUDA staging texture"):
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
        gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, getattr(gl, internal), width, height, 0,
                        gl.GL_RGBA, getattr(gl, pixel_type), None)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MIN_FILTER, gl.GL_NEAREST)
        gl.glTexParameteri(gl.GL_TEXTURE_2D, gl.GL_TEXTURE_MAG_FILTER, gl.GL_NEAREST)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
        gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, tex, 0)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
    return RenderTarget(tex, fbo, width, height, fmt, ctx.generation)


def _blit(ctx: Context, source: RenderTarget, dest: RenderTarget, upside_down: bool) -> None:
    """Copy ``source`` into ``dest`` 1:1 (nearest: bit-exact for one format), rows turned
    over when ``upside_down`` so that the texture's first row is the image's top row."""
    gl, w, h = ctx.gl, source.width, source.height
    y0, y1 = (h, 0) if upside_down else (0, h)
    with ctx.gl_errors("copying a frame for CUDA"):
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, source.framebuffer)
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, dest.framebuffer)
        gl.glBlitFramebuffer(0, 0, w, h, 0, y0, w, y1, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
        gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, 0)


_readers: weakref.WeakKeyDictionary[Any, CudaReader] = weakref.WeakKeyDictionary()


def reader_for(renderer: Any) -> CudaReader:
    """The renderer's reader for its context's current generation (context current)."""
    ctx = renderer.context
    reader = _readers.get(renderer)
    if reader is None or reader.generation != ctx.generation:
        check_context(ctx)
        reader = _readers[renderer] = CudaReader(ctx, load_runtime())
    return reader


def release_reader(renderer: Any) -> None:
    """``Renderer.release()`` on a shared context: free the renderer's reader now (its
    context current); nothing when it never asked for ``device="cuda"``."""
    reader = _readers.pop(renderer, None)
    if reader is not None:
        reader.close()


def read_now(renderer: Any, target: RenderTarget, dtype: str, flip: str) -> CudaFrame:
    """``render(device="cuda")``: copy the frame and wait for it (context current)."""
    reader = reader_for(renderer)
    frame, event = reader.queue(target, dtype, flip)
    reader.wait(event)
    return frame


@dataclass(frozen=True)
class _Queued:
    time: float
    frame: CudaFrame
    event: Any
    reader: CudaReader


class CudaPipeline:
    """``render_frames(device="cuda")``: frame N's copy runs while frame N+1 draws.

    The same queue / finish / fetch protocol as the host path's pipelined readback, so the
    renderer drives both with one loop.  Frames live in CUDA memory, so a context
    reinitialized between frames loses nothing.
    """

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer
        self.pending: _Queued | None = None

    def queue(self, time: float, target: RenderTarget, dtype: str, flip: str) -> _Queued | None:
        reader = reader_for(self.renderer)
        frame, event = reader.queue(target, dtype, flip)
        previous, self.pending = self.pending, _Queued(time, frame, event, reader)
        return previous

    def finish(self) -> _Queued | None:
        last, self.pending = self.pending, None
        return last

    def fetch(self, queued: _Queued) -> CudaFrame:
        queued.reader.wait(queued.event)
        return queued.frame

    def save_before_close(self, context: Context) -> None:
        """Nothing to save: a queued copy finishes in CUDA memory whatever GL does."""

    def release(self) -> None:
        """Nothing of its own to free (the reader stays with the renderer)."""

