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


def read_target(ctx: "Context", target: RenderTarget, out: np.ndarray | None = None,
                dtype: str | None = None) -> np.ndarray:
    """Pixels of ``target`` as an (height, width, 4) array, **top row first** (image order).

    dtype defaults to uint8 for ``rgba8`` targets and float32 for ``rgba32f``; pass
    ``"uint8"`` or ``"float32"`` to convert (GL converts, clamping floats to 0..1 for uint8).  ``out`` (same
    shape and dtype, C-contiguous) is filled and returned when given, avoiding an
    allocation per frame.  The context must be current on this thread.
    """
    gl = ctx.gl
    dtype = dtype or FORMATS[target.format][2]
    pixel_type = READ_TYPES[dtype]
    shape = (target.height, target.width, 4)
    bottom_up = np.empty(shape, dtype=dtype)
    with ctx.gl_errors("reading pixels back"):
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, target.framebuffer)
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        gl.glReadPixels(0, 0, target.width, target.height, gl.GL_RGBA, getattr(gl, pixel_type),
                        bottom_up)
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, 0)
    if out is None:
        return np.ascontiguousarray(bottom_up[::-1])
    if out.shape != shape or out.dtype != np.dtype(dtype):
        raise InputError(f"out must be {shape} {dtype}, got {out.shape} {out.dtype}")
    np.copyto(out, bottom_up[::-1])
    return out
