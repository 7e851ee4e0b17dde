"""The buffer pool: render targets (texture + framebuffer) reused by (width, height, format).

Owned by a :class:`~offscreen_isf.gl.context.Context` (``ctx.pool``); every object it holds
is in the context's registry.  :meth:`BufferPool.cleanup` deletes every idle target and
says how many GL objects it freed; :meth:`BufferPool.stats` proves what is left.

Bounded (docs/semantics.md, "Resource limits"): idle targets are kept in least-recently-used
order and the oldest are deleted whenever there are more than ``max_idle`` of them, when
they hold more than ``max_idle_bytes``, or when idle plus in-use bytes would pass
``budget`` (the memory budget of the renderer drawing now, set by it every frame).  A
target in use is never touched: the renderer's limits check a frame before it allocates.

Must be used with its context current on the calling thread.
"""

from __future__ import annotations

import collections
import dataclasses
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..errors import ResourceLimitError
from .lifecycle import State

__all__ = ["BufferPool", "RenderTarget", "FORMATS"]

#: format name -> (GL internal format, pixel type name, numpy dtype name, bytes per pixel)
FORMATS: dict[str, tuple[str, str, str, int]] = {
    "rgba8": ("GL_RGBA8", "GL_UNSIGNED_BYTE", "uint8", 4),
    "rgba32f": ("GL_RGBA32F", "GL_FLOAT", "float32", 16),
}


def set_sampling(gl: Any) -> None:
    """ISF sampling for the bound GL_TEXTURE_2D: linear, no mipmaps, clamp to edge
    (docs/semantics.md, "Image helpers")."""
    for pname, value in ((gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR), (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
                         (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE), (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE)):
        gl.glTexParameteri(gl.GL_TEXTURE_2D, pname, value)


class PoolContext(Protocol):
    """What the pool needs of its :class:`~offscreen_isf.gl.context.Context` (described here
    rather than imported, so that the context can own a pool without an import cycle)."""

    @property
    def gl(self) -> Any: ...
    @property
    def state(self) -> State: ...
    generation: int
    info: Any

    def check_size(self, width: int, height: int) -> tuple[int, int]: ...
    def create(self, kind: str, owner: object, *args: Any) -> int: ...
    def delete(self, kind: str, name: int) -> None: ...
    def gl_errors(self, doing: str) -> AbstractContextManager[None]: ...
    def current(self) -> AbstractContextManager[Any]: ...


@dataclasses.dataclass(eq=False)
class RenderTarget:
    """A colour texture with a framebuffer that renders into it.

    Orientation: GL convention, row 0 is the bottom row.  ``generation`` is the context
    generation it was created in; a target from an older generation is dead.
    """

    texture: int
    framebuffer: int
    width: int
    height: int
    format: str
    generation: int

    @property
    def nbytes(self) -> int:
        """Bytes of GPU memory its texture holds."""
        return self.width * self.height * FORMATS[self.format][3]


class BufferPool:
    """Reuses render targets by (width, height, format), bounded by count and bytes (LRU).

    ``max_idle``: idle targets kept at most; ``max_idle_bytes``: bytes they may hold (None:
    no cap of its own); ``budget``: bytes idle plus in-use targets may hold (None: none),
    set by the renderer that draws next.
    """

    def __init__(self, context: PoolContext, max_idle: int = 32,
                 max_idle_bytes: int | None = None) -> None:
        self._context = context
        self.max_idle = max_idle
        self.max_idle_bytes = max_idle_bytes
        self.budget: int | None = None
        self._idle: dict[tuple[int, int, str], list[RenderTarget]] = {}
        self._lru: collections.OrderedDict[int, RenderTarget] = collections.OrderedDict()  # oldest first
        self._idle_bytes = 0
        self._in_use: dict[int, int] = {}   # id(target) -> its bytes
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def acquire(self, width: int, height: int, fmt: str = "rgba8") -> RenderTarget:
        """A render target of that size (pixels) and format, reused when one is idle."""
        ctx = self._context
        gl = ctx.gl
        if fmt not in FORMATS:
            raise ResourceLimitError(f"unknown target format {fmt!r}; known: {', '.join(FORMATS)}")
        ctx.check_size(width, height)
        idle = self._idle.get((width, height, fmt))
        if idle:
            target = idle.pop()
            del self._lru[id(target)]
            self._idle_bytes -= target.nbytes
            self.hits += 1
        else:
            self._trim(room=width * height * FORMATS[fmt][3], count_room=0)
            target = self._create(gl, width, height, fmt)
            self.misses += 1
        self._in_use[id(target)] = target.nbytes
        return target

    def holds(self, target: RenderTarget) -> bool:
        """Whether ``target`` is in use from this pool in the current context generation."""
        return target.generation == self._context.generation and id(target) in self._in_use

    def _trim(self, room: int, count_room: int) -> None:
        """Delete the least recently used idle targets until ``room`` more bytes and
        ``count_room`` more idle targets fit every bound (context current)."""
        in_use = sum(self._in_use.values())
        while self._lru and (
                len(self._lru) + count_room > self.max_idle
                or (self.max_idle_bytes is not None and self._idle_bytes + room > self.max_idle_bytes)
                or (self.budget is not None and self._idle_bytes + in_use + room > self.budget)):
            _, oldest = self._lru.popitem(last=False)
            self._idle[(oldest.width, oldest.height, oldest.format)].remove(oldest)
            self._idle_bytes -= oldest.nbytes
            self._delete(oldest)
            self.evictions += 1

    def _create(self, gl: Any, width: int, height: int, fmt: str) -> RenderTarget:
        ctx = self._context
        internal, pixel_type, _, _ = FORMATS[fmt]
        tex = ctx.create("texture", self)
        fbo = ctx.create("framebuffer", self)
        with ctx.gl_errors(f"allocating a {width}x{height} {fmt} target"):
            gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
            gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, getattr(gl, internal), width, height, 0,
                            gl.GL_RGBA, getattr(gl, pixel_type), None)
            set_sampling(gl)
            gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
            gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, tex, 0)
            status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            ctx.delete("framebuffer", fbo)
            ctx.delete("texture", tex)
            raise ResourceLimitError(f"a {width}x{height} {fmt} framebuffer is incomplete "
                                     f"(status 0x{int(status):04x}) on {ctx.info.renderer}")
        return RenderTarget(tex, fbo, width, height, fmt, ctx.generation)

    def release(self, target: RenderTarget) -> None:
        """Return ``target`` to the pool (deleted instead if the pool is full).

        A target from an older context generation is dropped silently: its GL names died
        with that context (``reinitialize()`` or ``close()`` in between).
        """
        ctx = self._context
        if target.generation != ctx.generation:
            return
        if id(target) not in self._in_use:
            raise ResourceLimitError("this render target is not in use from this pool "
                                     "(released twice, or from another context)")
        del self._in_use[id(target)]
        with ctx.current():
            self._trim(room=target.nbytes, count_room=1)
            if self.max_idle < 1 or (self.max_idle_bytes is not None and target.nbytes > self.max_idle_bytes):
                self._delete(target)
                return
            self._idle.setdefault((target.width, target.height, target.format), []).append(target)
            self._lru[id(target)] = target
            self._idle_bytes += target.nbytes

    def _delete(self, target: RenderTarget) -> None:
        self._context.delete("framebuffer", target.framebuffer)
        self._context.delete("texture", target.texture)

    def cleanup(self) -> int:
        """Delete every idle target; returns how many GL objects were freed (2 per target).

        Callable in any state: it makes an open context current for the deletions; a
        new or closed context has nothing pooled (returns 0); a lost context's objects
        died with it and are forgotten by ``close()``/``reinitialize()`` (returns 0).
        Targets still in use are not touched (see ``stats()["in_use"]``).
        """

        ctx = self._context
        if ctx.state not in (State.OPEN, State.CURRENT):
            return 0
        freed = 0
        with ctx.current():
            for targets in self._idle.values():
                for target in targets:
                    self._delete(target)
                    freed += 2
        self._forget_idle()
        return freed

    def _forget_idle(self) -> None:
        self._idle.clear()
        self._lru.clear()
        self._idle_bytes = 0

    def forget(self) -> None:
        """Drop all bookkeeping (the context is deleting every object itself)."""
        self._forget_idle()
        self._in_use.clear()

    def stats(self) -> dict[str, int]:
        """Counts: idle and in-use targets, idle GL objects, the bytes idle and in-use targets
        hold, hits, misses and evictions since creation."""
        idle = len(self._lru)
        return {"idle": idle, "in_use": len(self._in_use), "idle_objects": 2 * idle,
                "idle_bytes": self._idle_bytes, "in_use_bytes": sum(self._in_use.values()),
                "hits": self.hits, "misses": self.misses, "evictions": self.evictions}

    def on_context_closing(self, context: object, reinitializing: bool) -> None:
        self.forget()
