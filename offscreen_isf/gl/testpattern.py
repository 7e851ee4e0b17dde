"""A built-in test pattern drawn through a :class:`Context`: proves a backend renders.

Quadrants (top-row-first image orientation): top-left red, top-right green,
bottom-left blue, bottom-right white, all opaque.  Used by the lifecycle tests (exact
pixels per quadrant) and ``offscreen-isf backends --check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import CompileError
from .readback import read_target

if TYPE_CHECKING:
    from .context import Context

VERTEX = """#version 330 core
// Fullscreen triangle from gl_VertexID: no vertex buffer needed.
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""

FRAGMENT = """#version 330 core
uniform vec2 size;
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

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self._generation = -1
        self._program = 0
        self._vao = 0
        ctx.register_owner(self)

    def _build(self, gl: Any) -> None:
        ctx = self.ctx
        program = ctx.create("program", self)
        for stage, source in ((gl.GL_VERTEX_SHADER, VERTEX), (gl.GL_FRAGMENT_SHADER, FRAGMENT)):
            shader = ctx.create("shader", self, stage)
            gl.glShaderSource(shader, source)
            gl.glCompileShader(shader)
            if not gl.glGetShaderiv(shader, gl.GL_COMPILE_STATUS):
                raise CompileError(f"test pattern failed to compile: {gl.glGetShaderInfoLog(shader)!r}")
            gl.glAttachShader(program, shader)
            ctx.delete("shader", shader)  # flagged; freed with the program
        gl.glLinkProgram(program)
        if not gl.glGetProgramiv(program, gl.GL_LINK_STATUS):
            raise CompileError(f"test pattern failed to link: {gl.glGetProgramInfoLog(program)!r}")
        self._program = program
        self._vao = ctx.create("vertex_array", self)
        self._generation = ctx.generation

    def render(self, width: int, height: int) -> np.ndarray:
        """Draw the pattern at width x height pixels; (height, width, 4) uint8, top row first."""
        ctx = self.ctx
        with ctx.current():
            gl = ctx.gl
            if self._generation != ctx.generation:
                self._build(gl)
            target = ctx.pool.acquire(width, height)
            try:
                with ctx.gl_errors("drawing the test pattern"):
                    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, target.framebuffer)
                    gl.glViewport(0, 0, width, height)
                    gl.glClearColor(0, 0, 0, 0)
                    gl.glClear(gl.GL_COLOR_BUFFER_BIT)
                    gl.glUseProgram(self._program)
                    gl.glUniform2f(gl.glGetUniformLocation(self._program, "size"), width, height)
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
        if self._generation == self.ctx.generation and self._program:
            with self.ctx.current():
                self.ctx.delete("program", self._program)
                self.ctx.delete("vertex_array", self._vao)
        self._generation, self._program, self._vao = -1, 0, 0
        self.ctx.unregister_owner(self)

    def on_context_closing(self, context: "Context", reinitializing: bool) -> None:
        self._generation = -1  # names die with the context; rebuild lazily
