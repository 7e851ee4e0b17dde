"""Render-target planning and the persistent buffers of one renderer.

:meth:`Targets.sizes` evaluates every target's extent for the current input state (unrounded;
its texture is ``max(1, round(expr))`` texels, docs/semantics.md, "Passes and targets") and
checks the whole frame against the resource limits before anything is allocated (memoised:
the same inputs give the same sizes).  Persistent buffers
(docs/semantics.md, "Persistent and float buffers") start cleared to (0,0,0,0), are
stretched when their size changes, and survive a context reinitialize: their pixels are read
to the CPU before the old context goes and uploaded again on the next frame.

Ownership: buffers come from the context's :class:`~offscreen_isf.gl.pool.BufferPool` and go
back to it.  Threads: GL methods need the context current on the calling thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..isf.document import Document
from ..isf.sizeexpr import Extent
from .limits import Limits
from .pool import RenderTarget
from .readback import read_target
from .textures import UPLOAD_FORMATS

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Targets", "clear"]


def clear(gl: Any, target: RenderTarget) -> None:
    """Bind ``target`` for drawing, viewport on all of it, and clear it to (0,0,0,0)."""
    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, target.framebuffer)
    gl.glViewport(0, 0, target.width, target.height)
    gl.glClearColor(0, 0, 0, 0)
    gl.glClear(gl.GL_COLOR_BUFFER_BIT)


def _format(is_float: bool) -> str:
    return "rgba32f" if is_float else "rgba8"


class Targets:
    """Target sizes per input state, and the persistent buffers (name -> pooled target).

    ``size`` is the output size (width, height) in pixels: the last pass's, and what size
    expressions see as ``$WIDTH``/``$HEIGHT``.  It may change between frames."""

    def __init__(self, ctx: Context, document: Document, size: tuple[int, int],
                 limits: Limits) -> None:
        self.ctx = ctx
        self.document = document
        self.size = size
        self.limits = limits
        #: persistent target name -> its buffer in the current context generation
        self.persistent: dict[str, RenderTarget] = {}
        self._saved: dict[str, np.ndarray] = {}   # CPU copies kept across context generations
        self._memo: tuple[Any, dict[str, Extent]] | None = None

    def sizes(self, values: Mapping[str, Any],
              textures: Sequence[tuple[int, int, int]]) -> dict[str, Extent]:
        """The :class:`Extent` of every target for these input ``values`` and input ``textures``
        ((w, h, bytes per pixel) each), checked against max_size and the memory budget
        (ResourceLimitError) before anything is allocated."""
        key = (self.size, list(values.items()), list(textures), self.limits)
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, self.limits.frame_sizes(self.document, self.size, values, textures))
        return self._memo[1]

    def prepare(self, gl: Any, sizes: Mapping[str, Extent]) -> None:
        """Make every persistent buffer exist at its texture size for this frame: restored
        after a reinitialize, created cleared, or stretched (contents kept) when resized."""
        pool = self.ctx.pool
        bound = False                        # a framebuffer left bound here
        for t in self.document.persistent_targets:
            w, h = sizes[t.name].texture
            fmt = _format(t.float)
            current = self.persistent.get(t.name)
            if current is None and t.name in self._saved:
                current = self.persistent[t.name] = self._restore(gl, self._saved.pop(t.name))
            if current is not None and (current.width, current.height, current.format) == (w, h, fmt):
                continue
            fresh = pool.acquire(w, h, fmt)
            clear(gl, fresh)                  # new persistent buffers start at (0,0,0,0)
            bound = True
            if current is not None:           # resized: keep the contents, stretched
                gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, current.framebuffer)
                gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, fresh.framebuffer)
                gl.glBlitFramebuffer(0, 0, current.width, current.height, 0, 0, w, h,
                                     gl.GL_COLOR_BUFFER_BIT, gl.GL_LINEAR)
                pool.release(current)
            self.persistent[t.name] = fresh
        if bound:
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)

    def _restore(self, gl: Any, saved: np.ndarray) -> RenderTarget:
        """A pooled buffer holding ``saved`` (top row first, as read back)."""
        target = self.ctx.pool.acquire(saved.shape[1], saved.shape[0], _format(saved.dtype == np.float32))
        _, pixel_type = UPLOAD_FORMATS[saved.dtype]
        gl.glBindTexture(gl.GL_TEXTURE_2D, target.texture)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, saved.shape[1], saved.shape[0], gl.GL_RGBA,
                           getattr(gl, pixel_type), np.ascontiguousarray(saved[::-1]))
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        return target

    def store(self, name: str, target: RenderTarget) -> RenderTarget | None:
        """``target`` is persistent buffer ``name`` from now on; returns the one it replaces."""
        previous = self.persistent.get(name)
        self.persistent[name] = target
        return previous

    def save(self, context: Context) -> None:
        """Before ``context``'s objects go: keep every persistent buffer's pixels on the CPU
        (the context current and readable), then forget the buffers."""
        for name, target in self.persistent.items():
            self._saved[name] = read_target(context, target)
        self.persistent = {}

    def forget(self) -> None:
        """The buffers' names died with their context (lost: nothing could be saved)."""
        self.persistent = {}

    def release(self) -> None:
        """Return every persistent buffer to the pool now (the context current)."""
        for target in self.persistent.values():
            self.ctx.pool.release(target)
        self.persistent = {}
