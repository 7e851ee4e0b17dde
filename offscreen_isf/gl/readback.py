"""Reading frames back, top row first, and every decision about row order.

GL stores rows bottom first; frames are returned top row first (docs/semantics.md,
"Coordinates and orientation").  This module owns all of the flipping:

* :func:`best_flip_mode`: how an upright target's rows are turned over on this backend
  (Mesa's pack-invert, a GPU blit, or a CPU copy);
* :class:`FrameReadback`: per renderer, whether the last pass is drawn upside down instead
  (``draw_flipped``: then no flip at all), the ``isf_FlipY`` value of each pass, and the
  readback of the frame just drawn;
* :class:`PipelinedReadback`: ``render_frames``' asynchronous readback, one frame late,
  through two pixel-pack buffers (:class:`PboReadback`).

Threads: every GL call needs the context current on the calling thread.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..contract import check_out
from ..errors import InputError, RenderError
from .lifecycle import State
from .pool import FORMATS, RenderTarget

if TYPE_CHECKING:
    from .context import Context

__all__ = ["FLIP_MODES", "READ_TYPES", "best_flip_mode", "read_target", "output_dtype",
           "FrameReadback", "PboReadback", "PipelinedReadback", "QueuedFrame"]


#: output dtype name -> GL pixel type used by glReadPixels (GL converts from the target format)
READ_TYPES = {"uint8": "GL_UNSIGNED_BYTE", "float32": "GL_FLOAT"}
#: output dtype name -> bytes per channel
_ITEMSIZE = {"uint8": 1, "float32": 4}


GL_PACK_INVERT_MESA = 0x8758

#: A caller's readback staging buffer: ((height, width, 4), dtype name) -> bottom-up array
Scratch = dict[tuple[tuple[int, int, int], str], np.ndarray]

#: How rows become top-first on readback.  "none": they already are (a last pass drawn upside
#: down: Renderer(draw_flipped=True)).  Otherwise, best first: Mesa inverts during
#: glReadPixels (GL_MESA_pack_invert: row by row instead of one extra copy); a GPU flips
#: with a blit; else a CPU copy.
FLIP_MODES = ("none", "mesa_invert", "gpu_blit", "cpu")


def best_flip_mode(ctx: Context) -> str:
    """The cheapest way to turn an upright (GL order) target's rows top-first on this context
    (FLIP_MODES other than "none").

    A blit is itself a CPU copy on CPU rasterisers (slower there than numpy's copy), so it
    is only chosen for hardware renderers."""
    if "GL_MESA_pack_invert" in ctx.extensions:
        return "mesa_invert"
    renderer = (ctx.info.renderer if ctx.info else "").lower()
    software = any(name in renderer for name in ("llvmpipe", "softpipe", "swrast", "software"))
    return "cpu" if software else "gpu_blit"


def read_target(ctx: Context, target: RenderTarget, out: np.ndarray | None = None,
                dtype: str | None = None, scratch: Scratch | None = None,
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
    check_out(out, shape, dtype)
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


def _read_flipped_on_gpu(ctx: Context, target: RenderTarget, out: np.ndarray | None,
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
    pool right after :meth:`queue`.  It gains throughput on GPUs and nothing on llvmpipe,
    where the copy is synchronous anyway, so the renderer uses it on GPUs only (figures in
    the README's performance table).

    Owned by one renderer; its two buffers are created through the context's registry and
    deleted by :meth:`release` (or with the context).  The context must be current.
    """

    def __init__(self, ctx: Context, owner: object) -> None:
        self.ctx = ctx
        self.generation = ctx.generation
        self.buffers = [ctx.create("buffer", owner), ctx.create("buffer", owner)]
        self.capacity = [0, 0]

    def queue(self, target: RenderTarget, slot: int, dtype: str, flip: str) -> tuple[int, int, int]:
        """Start reading ``target`` into PBO ``slot``; returns the frame's array shape."""
        ctx, gl = self.ctx, self.ctx.gl
        shape = (target.height, target.width, 4)
        nbytes = target.height * target.width * 4 * _ITEMSIZE[dtype]
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
                memory = memoryview((ctypes.c_ubyte * nbytes).from_address(int(address)))
                mapped = np.frombuffer(memory, dtype)
                pixels = mapped.reshape(shape)
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


def output_dtype(requested: str | None, output_is_float: bool) -> str:
    """The dtype a frame is read as: ``requested`` ("uint8" / "float32"), else float32 for a
    FLOAT last pass and uint8 otherwise.  Anything else is an InputError."""
    fmt = requested or ("float32" if output_is_float else "uint8")
    if fmt not in READ_TYPES:
        raise InputError(f"dtype must be 'uint8' or 'float32', got {requested!r}")
    return fmt


class FrameReadback:
    """One renderer's row-order decisions and the readback of the frame it just drew.

    ``draw_flipped`` (fixed: it is compiled into the program) draws the last pass upside down
    so its rows come back top first with no flip at all.  Not bit-exact: interpolated
    varyings (``isf_FragNormCoord``) round differently in the last bit, which hash-noise
    shaders amplify, so it is opt-in.  Never done for a PERSISTENT last pass (read next frame)
    or an odd output height (2x2 derivative quads would pair other rows): those are read
    with ``row_flip``.

    ``row_flip`` (a :data:`FLIP_MODES` entry, settable) turns an upright last pass top-first;
    ``final_flip`` is the mode of the frame just drawn.  ``pipeline_by_default``: whether
    ``render_frames`` should overlap readback with drawing (hardware renderers only).
    """

    def __init__(self, ctx: Context, draw_flipped: bool) -> None:
        self.ctx = ctx
        self.draw_flipped = bool(draw_flipped)
        self.row_flip = best_flip_mode(ctx)
        self.final_flip = self.row_flip
        self.pipeline_by_default = self.row_flip == "gpu_blit"
        self._scratch: Scratch = {}   # readback staging buffer, reused across frames

    def orient(self, last: bool, height: int, persistent: bool) -> tuple[float, float] | None:
        """Decide how a pass of ``height`` pixels is drawn; for the ``last`` pass also how it
        will be read.  Returns the ``isf_FlipY`` value, (1, height) upside down or (0, 0)
        upright, or None when the program has no flip machinery (``draw_flipped`` off)."""
        flipped = last and self.draw_flipped and height % 2 == 0 and not persistent
        if last:
            self.final_flip = "none" if flipped else self.row_flip
        if not self.draw_flipped:
            return None
        return (1.0, float(height)) if flipped else (0.0, 0.0)

    def read(self, target: RenderTarget, dtype: str, out: np.ndarray | None = None) -> np.ndarray:
        """The frame just drawn into ``target``, top row first (context current)."""
        return read_target(self.ctx, target, out=out, dtype=dtype, scratch=self._scratch,
                           flip=self.final_flip)


@dataclass(frozen=True)
class QueuedFrame:
    """A frame whose pixels are on their way into PBO ``slot``: what fetching it needs."""

    time: float
    slot: int
    shape: tuple[int, int, int]
    dtype: str
    flip: str


class PipelinedReadback:
    """Frames read back one draw late (``render_frames`` on GPUs).

    :meth:`queue` starts the copy of the frame just drawn and hands back the one queued
    before it, whose pixels :meth:`fetch` then maps.  Between frames the caller may use the
    context, even ``reinitialize()`` it: :meth:`save_before_close` fetches a queued frame
    while its context still exists.  Owned by one renderer for one ``render_frames`` call;
    :meth:`release` frees the buffers.
    """

    def __init__(self, ctx: Context, owner: object) -> None:
        self.ctx = ctx
        self.owner = owner
        self.reader: PboReadback | None = None
        self.pending: QueuedFrame | None = None
        self._saved: tuple[QueuedFrame, np.ndarray] | None = None
        self._slot = 0

    def queue(self, time: float, target: RenderTarget, dtype: str, flip: str) -> QueuedFrame | None:
        """Start reading ``target`` (context current); returns the previously queued frame."""
        if self.reader is None or self.reader.generation != self.ctx.generation:
            self.reader = PboReadback(self.ctx, self.owner)   # buffers of this generation
        shape = self.reader.queue(target, self._slot, dtype, flip)
        previous, self.pending = self.pending, QueuedFrame(time, self._slot, shape, dtype, flip)
        self._slot ^= 1
        return previous

    def finish(self) -> QueuedFrame | None:
        """The last queued frame (no more will come); None when there is none."""
        last, self.pending = self.pending, None
        return last

    def fetch(self, frame: QueuedFrame) -> np.ndarray:
        """Pixels of ``frame`` (or the copy saved when its context was torn down)."""
        saved, self._saved = self._saved, None
        if saved is not None and saved[0] is frame:
            return saved[1]
        assert self.reader is not None
        with self.ctx.current():
            return self.reader.fetch(frame.slot, frame.shape, frame.dtype, frame.flip)

    def save_before_close(self, context: Context) -> None:
        """``context`` is closing or reinitializing: keep the pending frame's pixels."""
        frame, reader = self.pending, self.reader
        if (frame is not None and reader is not None and context.state is not State.LOST
                and reader.generation == context.generation):
            self._saved = (frame, reader.fetch(frame.slot, frame.shape, frame.dtype, frame.flip))

    def release(self) -> None:
        """Delete the buffers while the context is usable (else they died with it)."""
        if self.reader is not None and self.ctx.state in (State.OPEN, State.CURRENT):
            with self.ctx.current():
                self.reader.release()
        self.reader = None
