"""Read a render target back into a numpy array, top row first."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError, RenderError
from .pool import FORMATS, RenderTarget

if TYPE_CHECKING:
    from .context import Context


#: output dtype name -> GL pixel type used by glReadPixels (GL converts from the target format)
READ_TYPES = {"uint8": "GL_UNSIGNED_BYTE", "float32": "GL_FLOAT"}


GL_PACK_INVERT_MESA = 0x8758

#: How rows become top-first on readback.  "none": they already are (a last pass drawn upside
#: down: Renderer(draw_flipped=True)).  Otherwise, best first: Mesa inverts during
#: glReadPixels (GL_MESA_pack_invert: ~0.3-0.5 ms per 1080p frame on llvmpipe, row by row
#: instead of one copy); a GPU flips with a blit; else a CPU copy.
FLIP_MODES = ("none", "mesa_invert", "gpu_blit", "cpu")


def best_flip_mode(ctx: "Context") -> str:
    """The cheapest way to turn an upright (GL order) target's rows top-first on this context
    (FLIP_MODES other than "none").

    A blit is itself a CPU copy on CPU rasterisers (measured 2x slower than numpy's copy
    on llvmpipe), so it is only chosen for hardware renderers."""
    if "GL_MESA_pack_invert" in ctx.extensions:
        return "mesa_invert"
    renderer = (ctx.info.renderer if ctx.info else "").lower()
    software = any(name in renderer for name in ("llvmpipe", "softpipe", "swrast", "software"))
    return "cpu" if software else "gpu_blit"


def read_target(ctx: "Context", target: RenderTarget, out: np.ndarray | None = None,
                dtype: str | None = None, scratch: dict | None = None,
                flip: str = "cpu") -> np.ndarray:
    """Pixels of ``target`` as an (height, width, 4) array, **top row first** (image order).

    ``flip`` (FLIP_MODES) says how: "none" reads rows as stored, for a target drawn upside
    down; the others turn an upright target's rows over.

    dtype defaults to uint8 for ``rgba8`` targets and float32 for ``rgba32f``; pass
    ``"uint8"`` or ``"float32"`` to convert (GL converts, clamping floats to 0..1 for uint8).  ``out`` (same
    shape and dtype, C-contiguous) is filled and returned when given, avoiding an
    allocation per frame.  ``scratch`` (a dict the caller keeps) holds the bottom-up
    staging buffer between calls.  The context must be current on this thread.
    """
    gl = ctx.gl
    dtype = dtype or FORMATS[target.format][2]
    pixel_type = READ_TYPES[dtype]
    shape = (target.height, target.width, 4)
    if out is not None and (out.shape != shape or out.dtype != np.dtype(dtype) or not out.flags.c_contiguous):
        raise InputError(f"out must be a C-contiguous {shape} {dtype} array, got {out.shape} {out.dtype}")
    if flip == "gpu_blit":
        return _read_flipped_on_gpu(ctx, target, out, dtype, shape)
    if flip in ("none", "mesa_invert"):
        out = np.empty(shape, dtype=dtype) if out is None else out
        invert = flip == "mesa_invert"
        with ctx.gl_errors("reading pixels back"):
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
            if invert:
                gl.glPixelStorei(GL_PACK_INVERT_MESA, 1)
            try:
                gl.glReadPixels(0, 0, target.width, target.height, gl.GL_RGBA, getattr(gl, pixel_type), out)
            finally:
                if invert:
                    gl.glPixelStorei(GL_PACK_INVERT_MESA, 0)
                gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
        return out
    if flip != "cpu":
        raise InputError(f"flip must be one of {', '.join(FLIP_MODES)}, got {flip!r}")
    key = (shape, dtype)
    bottom_up = scratch.get(key) if scratch is not None else None
    if bottom_up is None:
        bottom_up = np.empty(shape, dtype=dtype)
        if scratch is not None:
            scratch.clear()          # one staging buffer per caller: sizes rarely change
            scratch[key] = bottom_up
    with ctx.gl_errors("reading pixels back"):
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        gl.glReadPixels(0, 0, target.width, target.height, gl.GL_RGBA, getattr(gl, pixel_type),
                        bottom_up)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    np.copyto(out, bottom_up[::-1])
    return out


def _read_flipped_on_gpu(ctx: "Context", target: RenderTarget, out: np.ndarray | None,
                         dtype: str, shape: tuple[int, int, int]) -> np.ndarray:
    """Blit ``target`` upside down into a pooled target, then read it straight into ``out``:
    GL returns rows bottom-first, so the result is top-row-first with no CPU copy."""
    gl = ctx.gl
    if out is None:
        out = np.empty(shape, dtype=dtype)
    staging = ctx.pool.acquire(target.width, target.height, target.format)
    try:
        with ctx.gl_errors("reading pixels back"):
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
            gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, staging.framebuffer)
            w, h = target.width, target.height
            gl.glBlitFramebuffer(0, 0, w, h, 0, h, w, 0, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, staging.framebuffer)
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
            gl.glReadPixels(0, 0, w, h, gl.GL_RGBA, getattr(gl, READ_TYPES[dtype]), out)
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
            gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, 0)
    finally:
        ctx.pool.release(staging)
    return out


class PboReadback:
    """Double-buffered asynchronous readback through two pixel-pack buffers (GPUs).

    :meth:`queue` starts copying a finished frame into PBO ``slot`` (the GPU does it while
    the CPU goes on to the next frame); :meth:`fetch` maps that PBO later and copies the
    pixels into a numpy array.  GL orders commands, so the frame's target may go back to the
    pool right after :meth:`queue`.  Measured +24% at 1080p on an H100; nothing on llvmpipe,
    where the copy is synchronous anyway (DESIGN.md), so the renderer uses it on GPUs only.

    Owned by one renderer; its two buffers are created through the context's registry and
    deleted by :meth:`release` (or with the context).  The context must be current.
    """

    def __init__(self, ctx: "Context", owner: object) -> None:
        self.ctx = ctx
        self.generation = ctx.generation
        self.buffers = [ctx.create("buffer", owner), ctx.create("buffer", owner)]
        self.capacity = [0, 0]

    def queue(self, target: RenderTarget, slot: int, dtype: str, flip: str) -> tuple[int, int, int]:
        """Start reading ``target`` into PBO ``slot``; returns the frame's array shape."""
        ctx, gl = self.ctx, self.ctx.gl
        shape = (target.height, target.width, 4)
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        source = target
        staging = None
        with ctx.gl_errors("queuing an asynchronous readback"):
            if flip == "gpu_blit":
                staging = ctx.pool.acquire(target.width, target.height, target.format)
                gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
                gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, staging.framebuffer)
                w, h = target.width, target.height
                gl.glBlitFramebuffer(0, 0, w, h, 0, h, w, 0, gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
                gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, 0)
                source = staging
            gl.glBindBuffer(gl.GL_PIXEL_PACK_BUFFER, self.buffers[slot])
            if self.capacity[slot] < nbytes:
                gl.glBufferData(gl.GL_PIXEL_PACK_BUFFER, nbytes, None, gl.GL_STREAM_READ)
                self.capacity[slot] = nbytes
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, source.framebuffer)
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
            invert = flip == "mesa_invert"
            if invert:
                gl.glPixelStorei(GL_PACK_INVERT_MESA, 1)
            gl.glReadPixels(0, 0, target.width, target.height, gl.GL_RGBA,
                            getattr(gl, READ_TYPES[dtype]), ctypes.c_void_p(0))
            if invert:
                gl.glPixelStorei(GL_PACK_INVERT_MESA, 0)
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
            gl.glBindBuffer(gl.GL_PIXEL_PACK_BUFFER, 0)
        if staging is not None:
            ctx.pool.release(staging)
        return shape

    def fetch(self, slot: int, shape: tuple[int, int, int], dtype: str, flip: str,
              out: np.ndarray | None = None) -> np.ndarray:
        """The pixels queued in ``slot``, top row first (waits for the GPU if needed)."""
        ctx, gl = self.ctx, self.ctx.gl
        result = np.empty(shape, dtype) if out is None else out
        nbytes = result.nbytes
        with ctx.gl_errors("mapping an asynchronous readback"):
            gl.glBindBuffer(gl.GL_PIXEL_PACK_BUFFER, self.buffers[slot])
            address = gl.glMapBufferRange(gl.GL_PIXEL_PACK_BUFFER, 0, nbytes, gl.GL_MAP_READ_BIT)
            try:
                if not address:
                    raise RenderError("glMapBufferRange returned no memory for the readback buffer")
                mapped = np.ctypeslib.as_array((ctypes.c_ubyte * nbytes).from_address(int(address)))
                pixels = mapped.view(dtype).reshape(shape)
                np.copyto(result, pixels[::-1] if flip == "cpu" else pixels)
            finally:
                gl.glUnmapBuffer(gl.GL_PIXEL_PACK_BUFFER)
                gl.glBindBuffer(gl.GL_PIXEL_PACK_BUFFER, 0)
        return result

    def release(self) -> None:
        """Delete both buffers (no-op once the context generation they belong to is gone)."""
        if self.generation == self.ctx.generation:
            for name in self.buffers:
                self.ctx.delete("buffer", name)
        self.buffers = []
