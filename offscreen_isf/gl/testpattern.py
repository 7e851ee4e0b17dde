"""A built-in test pattern drawn through a :class:`Context`: proves a backend renders.

Quadrants (top-row-first image orientation): top-left red, top-right green,
bottom-left blue, bottom-right white, all opaque.  Used by the lifecycle tests (exact
pixels per quadrant) and ``offscreen-isf backends --check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..isf.translate import GLSL_VERSION
from .program import Program, build_program
from .readback import read_target

if TYPE_CHECKING:
    from .context import Context

_VERSION_LINE = f"#version {GLSL_VERSION} core\n"

VERTEX = _VERSION_LINE + """// Fullscreen triangle from gl_VertexID: no vertex buffer needed.
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""

FRAGMENT = _VERSION_LINE + """uniform vec2 size;
out vec4 color;
void main() {
    bool right = gl_FragCoord.x >= size.x * 0.5;
    bool top = gl_FragCoord.y >= size.y * 0.5;   // GL: y grows upwards
    color = top ? (right ? vec4(0, 1, 0, 1) : vec4(1, 0, 0, 1))
                : (right ? vec4(1, 1, 1, 1) : vec4(0, 0, 1, 1));
}
"""

#: Expected RGBA per quadrant, in image orientation.
QUADRANTS = {"top_left": (255, 0, 0, 255), "top_right": (0, 255, 0, 255),
             "bottom_left": (0, 0, 255, 255), "bottom_right": (255, 255, 255, 255)}


def expected(width: int, height: int) -> np.ndarray:
    """The exact image :class:`TestPattern` must produce at that size (top row first)."""
    img = np.empty((height, width, 4), np.uint8)
    # Fragment centres sit at +0.5: column i is "left" when i + 0.5 < width/2.
    top = height - height // 2   # image rows whose GL row centre is >= height/2
    left = width // 2
    img[:top, :left] = QUADRANTS["top_left"]
    img[:top, left:] = QUADRANTS["top_right"]
    img[top:, :left] = QUADRANTS["bottom_left"]
    img[top:, left:] = QUADRANTS["bottom_right"]
    return img


class TestPattern:
    """Compiles the pattern program once per context generation; draws and reads back."""

    __test__ = False  # not a pytest class

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._generation = -1
        self._program: Program | None = None
        self._vao = 0
        ctx.register_owner(self)

    def _build(self, gl: Any) -> None:
        ctx = self.ctx
        self._program = Program(ctx, build_program(ctx, self, {"vertex": VERTEX, "fragment": FRAGMENT},
                                                   what="test pattern"), {"size": "vec2"})
        self._vao = ctx.create("vertex_array", self)
        self._generation = ctx.generation

    def render(self, width: int, height: int) -> np.ndarray:
        """Draw the pattern at width x height pixels; (height, width, 4) uint8, top row first."""
        ctx = self.ctx
        with ctx.current():
            gl = ctx.gl
            if self._generation != ctx.generation:
                self._build(gl)
            assert self._program is not None
            target = ctx.pool.acquire(width, height)
            try:
                with ctx.gl_errors("drawing the test pattern"):
                    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, target.framebuffer)
                    gl.glViewport(0, 0, width, height)
                    gl.glClearColor(0, 0, 0, 0)
                    gl.glClear(gl.GL_COLOR_BUFFER_BIT)
                    gl.glUseProgram(self._program.name)
                    self._program.set(gl, "size", (width, height))
                    gl.glBindVertexArray(self._vao)
                    gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)
                    gl.glBindVertexArray(0)
                    gl.glUseProgram(0)
                    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
                return read_target(ctx, target)
            finally:
                ctx.pool.release(target)

    def release(self) -> None:
        """Delete the program and vertex array now (the context must be usable)."""
        if self._generation == self.ctx.generation and self._program is not None:
            with self.ctx.current():
                self._program.delete()
                self.ctx.delete("vertex_array", self._vao)
        self._generation, self._program, self._vao = -1, None, 0
        self.ctx.unregister_owner(self)

    def on_context_closing(self, context: Context, reinitializing: bool) -> None:
        self._generation = -1  # names die with the context; rebuild lazily
