"""Drawing one frame of an ISF document: the pass loop (docs/semantics.md, "Passes and targets").

For each pass, in order: draw into a *fresh* pooled target (RGBA8, or RGBA32F for FLOAT) at
the target's size (the last pass, and a pass without a TARGET, at the output size), with
every sampler bound to the buffer it held before this pass; then the pass's TARGET names the
new buffer (read-after-write within a frame; self-feedback reads the previous contents).  A
target's size may be fractional: its texture is the extent rounded, the viewport the extent
truncated, and RENDERSIZE / ``_NAME_imgSize`` the extent itself.  No blending.  A pass is
cleared to (0,0,0,0) first only where a pixel could stay unwritten (a custom vertex shader,
``discard``, a viewport smaller than its texture): the full quad covers every pixel centre
otherwise, so the clear would be invisible (docs/semantics.md, "Clearing, blending and
alpha").  Temporary
targets go back to the pool after the frame; one read before it is written this frame reads
transparent black.

Ownership: the quad's vertex array and buffer are created through the context's registry
for the renderer and deleted by :meth:`FrameGraph.delete` (or with the context).  Threads:
the context must be current on the calling thread.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..contract import DateLike, check_date_numbers
from ..isf.document import Document, Target
from ..isf.names import FLIP_UNIFORM
from ..isf.sizeexpr import Extent
from ..isf.translate import Translation
from .pool import RenderTarget
from .program import Program
from .readback import FrameReadback
from .targets import Targets, clear
from .textures import InputTextures

if TYPE_CHECKING:
    from .context import Context

__all__ = ["QUAD", "FrameGraph", "date_vector"]

#: Clip-space corners of the full quad, drawn as a triangle strip (custom .vs files
#: such as "3d Rotate.vs" expect the four corners, as the reference host draws them).
QUAD = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32)


def date_vector(date: DateLike) -> tuple[float, float, float, float]:
    """DATE: (year, month 1-12, day 1-31, whole seconds since local midnight)
    (docs/semantics.md, "Built-in uniforms")."""
    if date is None:
        date = _dt.datetime.now()
    if isinstance(date, _dt.datetime):
        return (date.year, date.month, date.day, date.hour * 3600 + date.minute * 60 + date.second)
    if isinstance(date, _dt.date):
        return (date.year, date.month, date.day, 0.0)
    return check_date_numbers(date)


class FrameGraph:
    """Draws a document's passes with a built :class:`Program`, reading input textures from
    ``textures``, target sizes and persistent buffers from ``targets``, and the orientation
    of each pass from ``readback``."""

    def __init__(self, ctx: Context, owner: object, document: Document, translation: Translation,
                 textures: InputTextures, targets: Targets, readback: FrameReadback) -> None:
        self.ctx = ctx
        self.owner = owner
        self.document = document
        self.textures = textures
        self.targets = targets
        self.readback = readback
        #: sampler names in texture-unit order (unit i = samplers[i])
        self.samplers = document.image_names()
        #: sampler name -> GL texture target (cube maps bind GL_TEXTURE_CUBE_MAP)
        cubes = document.cube_names()
        self.sampler_targets = {n: "GL_TEXTURE_CUBE_MAP" if n in cubes else "GL_TEXTURE_2D"
                                for n in self.samplers}
        # Conservative: a `discard` in a comment also keeps the clear.
        self.clear_passes = (document.vertex_source is not None
                             or re.search(r"\bdiscard\b", translation.fragment) is not None)
        self.vao = self.vbo = 0
        #: per texture unit: (sampler name, GL texture target, its ``_imgSize`` uniform),
        #: resolved by :meth:`build`
        self._units: list[tuple[str, int, str]] = []
        # What this frame bound on each unit, and the active unit (-1: not known), so a pass
        # rebinds only what changed.  Valid within one frame while no GL object was created
        # or deleted (ctx.object_changes): during the pass loop nothing else binds textures
        # (the context is current on this thread) except the creation of a pooled target.
        self._bound: list[int] = []
        self._active = -1
        self._changes = -1

    def build(self, gl: Any, program: Program) -> None:
        """For a new context generation: the quad geometry; samplers on fixed texture units."""
        program.assign_units(gl, self.samplers)
        self._units = [(name, getattr(gl, self.sampler_targets[name]), f"_{name}_imgSize")
                       for name in self.samplers]
        for name in self.samplers:   # constant for the program's life: uploaded once
            program.set(gl, f"_{name}_imgRect", (0.0, 0.0, 1.0, 1.0))
            program.set(gl, f"_{name}_flip", False)
        ctx = self.ctx
        self.vao = ctx.create("vertex_array", self.owner)
        self.vbo = ctx.create("buffer", self.owner)
        gl.glBindVertexArray(self.vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, QUAD.nbytes, QUAD, gl.GL_STATIC_DRAW)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 2, gl.GL_FLOAT, False, 0, None)
        gl.glBindVertexArray(0)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, 0)

    def draw(self, gl: Any, program: Program, sizes: Mapping[str, Extent],
             uniforms: Mapping[str, Any]) -> RenderTarget:
        """Draw every pass; returns the last pass's target (release it with
        :meth:`release_final` once read).  ``uniforms``: per-frame values by name (built-ins
        and inputs); ``sizes``: every target's extent this frame."""
        gl.glUseProgram(program.name)
        gl.glBindVertexArray(self.vao)
        for name, value in uniforms.items():
            program.set(gl, name, value)
        self.textures.upload_dirty(gl)
        self._bound, self._active = [-1] * len(self._units), -1   # nothing known this frame
        temporary: dict[str, RenderTarget] = {}
        final: RenderTarget | None = None
        try:
            for index, p in enumerate(self.document.passes):
                final = self._draw_pass(gl, program, index, p.target, sizes, temporary)
        finally:
            self._unbind(gl)
            last_target = self.document.passes[-1].target
            for name, t in temporary.items():
                if not (name == last_target and t is final):
                    self.ctx.pool.release(t)
        assert final is not None
        return final

    def _draw_pass(self, gl: Any, program: Program, index: int, target: str | None,
                   sizes: Mapping[str, Extent],
                   temporary: dict[str, RenderTarget]) -> RenderTarget | None:
        """Draw pass ``index`` into a fresh buffer and store it under its TARGET; returns the
        buffer when this is the last pass."""
        pool = self.ctx.pool
        last = index == len(self.document.passes) - 1
        target_def: Target | None = self.document.targets.get(target) if target else None
        extent = Extent(*self.targets.size) if last or target_def is None else sizes[target_def.name]
        (w, h), (vw, vh) = extent.texture, extent.viewport
        output = pool.acquire(w, h, "rgba32f" if target_def and target_def.float else "rgba8")
        if self.clear_passes or (vw, vh) != (w, h):   # texels outside the viewport stay (0,0,0,0)
            clear(gl, output)
        else:
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, output.framebuffer)
        gl.glViewport(0, 0, vw, vh)
        program.set(gl, "PASSINDEX", index)
        program.set(gl, "RENDERSIZE", (extent.width, extent.height))
        flip = self.readback.orient(last, h, bool(target_def and target_def.persistent))
        if flip is not None:   # the uniform exists only in a program built for it
            program.set(gl, FLIP_UNIFORM, flip)
        self._bind_samplers(gl, program, sizes, temporary)
        gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)
        if target_def is None:
            if not last:
                pool.release(output)   # an unnamed non-last pass draws nowhere visible
            return output if last else None
        if target_def.persistent:
            previous = self.targets.store(target_def.name, output)
        else:
            previous, temporary[target_def.name] = temporary.get(target_def.name), output
        if previous is not None:
            pool.release(previous)
        return output if last else None

    def _bind_samplers(self, gl: Any, program: Program, sizes: Mapping[str, Extent],
                       temporary: Mapping[str, RenderTarget]) -> None:
        """Bind every sampler to its source, or to the buffer its target holds now; a
        target's ``_imgSize`` is its extent (unrounded) when the buffer has that texture size.
        A unit already holding its texture this frame is left alone."""
        if self._changes != self.ctx.object_changes:   # something was bound, or a name reused
            self._bound, self._active = [-1] * len(self._units), -1
            self._changes = self.ctx.object_changes
        for unit, (name, kind, size_uniform) in enumerate(self._units):
            texture = (self.textures.blank_cube if kind == gl.GL_TEXTURE_CUBE_MAP
                       else self.textures.blank)
            size = (1.0, 1.0)
            source = self.textures.get(name)
            if source is not None:
                texture, size = source.texture, source.size
            else:
                buffer = self.targets.persistent.get(name) or temporary.get(name)
                extent = sizes.get(name)
                if buffer is not None:
                    texture, size = buffer.texture, (buffer.width, buffer.height)
                    if extent is not None and extent.texture == size:
                        size = extent
                elif extent is not None:    # unwritten temporary target: transparent black
                    texture, size = self.textures.blank_target, extent
            if self._bound[unit] != texture:
                self._activate(gl, unit)
                gl.glBindTexture(kind, texture)
                self._bound[unit] = texture
            program.set(gl, size_uniform, size)

    def _activate(self, gl: Any, unit: int) -> None:
        if self._active != unit:
            gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
            self._active = unit

    def _unbind(self, gl: Any) -> None:
        """Leave nothing of this frame bound: sampler units (last first, ending on unit 0),
        geometry, framebuffer, program."""
        for unit in reversed(range(len(self._units))):
            self._activate(gl, unit)
            gl.glBindTexture(self._units[unit][1], 0)
        self._bound, self._active = [], -1
        gl.glBindVertexArray(0)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        # A program still in use when release() deletes it is only flagged for deletion by
        # the driver (it and its shaders stay alive): leave no program bound between frames.
        gl.glUseProgram(0)

    def release_final(self, final: RenderTarget) -> None:
        """The last pass's buffer goes back to the pool unless it is a persistent buffer."""
        last = self.document.passes[-1].target
        if last is None or last not in self.targets.persistent:
            self.ctx.pool.release(final)

    def forget(self) -> None:
        """The geometry's names died with their context."""
        self.vao = self.vbo = 0

    def delete(self) -> None:
        """Delete the geometry now (the context current, its generation alive)."""
        for kind, name in (("vertex_array", self.vao), ("buffer", self.vbo)):
            if name:
                self.ctx.delete(kind, name)
        self.forget()
