"""Read a render target back into a numpy array, top row first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .pool import FORMATS, RenderTarget

if TYPE_CHECKING:
    from .context import Context


#: output dtype name -> GL pixel type used by glReadPixels (GL converts from the target format)
READ_TYPES = {"uint8": "GL_UNSIGNED_BYTE", "float32": "GL_FLOAT"}


GL_PACK_INVERT_MESA = 0x8758

#: How rows become top-first, best first: Mesa inverts during glReadPixels for free
#: (GL_MESA_pack_invert); a GPU flips with a blit for almost nothing; otherwise a CPU copy.
FLIP_MODES = ("mesa_invert", "gpu_blit", "cpu")


def best_flip_mode(ctx: "Context") -> str:
    """The cheapest way to get top-row-first pixels on this context (see FLIP_MODES).

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
    if flip == "mesa_invert":
        out = np.empty(shape, dtype=dtype) if out is None else out
        with ctx.gl_errors("reading pixels back"):
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
            gl.glPixelStorei(GL_PACK_INVERT_MESA, 1)
            try:
                gl.glReadPixels(0, 0, target.width, target.height, gl.GL_RGBA, getattr(gl, pixel_type), out)
            finally:
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
