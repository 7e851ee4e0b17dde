"""The floor: a raw PyOpenGL loop doing a case's draw(s) + glReadPixels into a preallocated array.

Self-contained (PyOpenGL + numpy only, no offscreen_isf) so it also runs inside the pyvvisf
virtualenv, on whatever context is current: offscreen-isf's, moderngl's or pyvvisf's GLFW one.
Also the process-level probes every worker reports: RSS and live GL object names.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

QUAD = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32)

#: glIs* probe per object kind (names are small integers on Mesa and NVIDIA)
PROBES = {"program": "glIsProgram", "shader": "glIsShader", "texture": "glIsTexture",
          "framebuffer": "glIsFramebuffer", "buffer": "glIsBuffer", "vertex_array": "glIsVertexArray"}


def rss_mb() -> float:
    """Resident set size of this process in MiB (psutil, else /proc, else peak RSS)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        return psutil.Process().memory_info().rss / 2**20
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def probe_gl_objects(gl: Any, limit: int = 8192) -> dict[str, int]:
    """Count live GL names 1..limit of each kind in the current context (glIs* probes).

    Library-neutral (works for pyvvisf and moderngl, which keep no registry).  A count equal to
    ``limit`` means "at least".
    """
    counts = {}
    for kind, fn_name in PROBES.items():
        fn = getattr(gl, fn_name)
        counts[kind] = sum(1 for name in range(1, limit + 1) if fn(name))
    return counts


def glsl_400(gl: Any) -> bool:
    """Whether the current context compiles ``#version 400`` (offscreen-isf uses it there)."""
    text = gl.glGetString(gl.GL_SHADING_LANGUAGE_VERSION)
    text = text.decode() if isinstance(text, bytes) else str(text or "")
    try:
        return float(text.split()[0]) >= 4.0
    except (ValueError, IndexError):
        return False


def versioned(source: str, use_400: bool) -> str:
    """``#version 330 [core]`` -> ``#version 400`` when supported, as offscreen-isf does."""
    if use_400:
        for head in ("#version 330 core", "#version 330"):
            if source.startswith(head):
                return "#version 400" + source[len(head):]
    return source


def set_uniform(gl: Any, loc: int, glsl_type: str, value: Any) -> None:
    """glUniform* for one value of ``glsl_type`` (float, int, bool, vec2..vec4)."""
    if loc < 0:
        return
    if glsl_type == "float":
        gl.glUniform1f(loc, float(value))
    elif glsl_type in ("int", "bool"):
        gl.glUniform1i(loc, int(value))
    else:
        n = int(glsl_type[-1])
        getattr(gl, f"glUniform{n}f")(loc, *[float(v) for v in value])


class RawPipeline:
    """One case's draw on the current context with plain PyOpenGL calls.

    ``spec`` is a case's ``raw`` dict (:mod:`benchmarks.cases`).  Persistent targets ping-pong
    between two textures; images are updated in place with glTexSubImage2D.  :meth:`frame`
    returns the output **bottom row first** (GL order), into one preallocated array.
    """

    def __init__(self, gl: Any, spec: dict[str, Any], size: tuple[int, int]) -> None:
        self.gl, self.spec, self.size = gl, spec, size
        use_400 = glsl_400(gl)
        self.program = gl.glCreateProgram()
        for kind, src in ((gl.GL_VERTEX_SHADER, spec["vertex"]), (gl.GL_FRAGMENT_SHADER, spec["fragment"])):
            sh = gl.glCreateShader(kind)
            gl.glShaderSource(sh, versioned(src, use_400))
            gl.glCompileShader(sh)
            if not gl.glGetShaderiv(sh, gl.GL_COMPILE_STATUS):
                raise RuntimeError(f"raw shader failed to compile: {gl.glGetShaderInfoLog(sh)!r}")
            gl.glAttachShader(self.program, sh)
            gl.glDeleteShader(sh)
        gl.glBindAttribLocation(self.program, 0, "isf_position")
        gl.glLinkProgram(self.program)
        if not gl.glGetProgramiv(self.program, gl.GL_LINK_STATUS):
            raise RuntimeError(f"raw program failed to link: {gl.glGetProgramInfoLog(self.program)!r}")
        loc = lambda name: gl.glGetUniformLocation(self.program, name)  # noqa: E731
        self.loc_time, self.loc_pass, self.loc_size = loc("TIME"), loc("PASSINDEX"), loc("RENDERSIZE")
        self.loc_frame = loc("FRAMEINDEX")
        gl.glUseProgram(self.program)
        for name, glsl_type, value in spec["uniforms"]:
            set_uniform(gl, loc(name), glsl_type, value)
        for unit, name in enumerate(spec["samplers"]):
            if loc(name) >= 0:
                gl.glUniform1i(loc(name), unit)
        set_uniform(gl, self.loc_size, "vec2", size)
        self.vao = gl.glGenVertexArrays(1)
        self.vbo = gl.glGenBuffers(1)
        gl.glBindVertexArray(self.vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, QUAD.nbytes, QUAD, gl.GL_STATIC_DRAW)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 2, gl.GL_FLOAT, False, 0, None)
        gl.glBindVertexArray(0)
        self.textures: list[int] = []
        self.framebuffers: list[int] = []
        # per pass: [(fbo, texture)] -- two for a persistent target (ping-pong), else one
        self.targets: list[list[tuple[int, int]]] = []
        for p in spec["passes"]:
            self.targets.append([self._target() for _ in range(2 if p["persistent"] else 1)])
        self.image_texture = 0
        self.out = np.empty((size[1], size[0], 4), np.uint8)
        self.frame_index = 0

    def _texture(self, w: int, h: int) -> int:
        gl = self.gl
        tex = gl.glGenTextures(1)
        gl.glBindTexture(gl.GL_TEXTURE_2D, tex)
        gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, gl.GL_RGBA8, w, h, 0, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, None)
        for pname, value in ((gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR), (gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR),
                             (gl.GL_TEXTURE_WRAP_S, gl.GL_CLAMP_TO_EDGE), (gl.GL_TEXTURE_WRAP_T, gl.GL_CLAMP_TO_EDGE)):
            gl.glTexParameteri(gl.GL_TEXTURE_2D, pname, value)
        gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        self.textures.append(tex)
        return tex

    def _target(self) -> tuple[int, int]:
        gl = self.gl
        tex = self._texture(*self.size)
        fbo = gl.glGenFramebuffers(1)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
        gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, tex, 0)
        gl.glClearColor(0, 0, 0, 0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        self.framebuffers.append(fbo)
        return fbo, tex

    def set_image(self, image: np.ndarray) -> None:
        """Upload a new (H, W, 4) uint8 image (top row first) into the image texture."""
        gl = self.gl
        h, w = image.shape[:2]
        if not self.image_texture:
            self.image_texture = self._texture(w, h)
        gl.glBindTexture(gl.GL_TEXTURE_2D, self.image_texture)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, w, h, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, image)

    def frame(self, t: float) -> np.ndarray:
        """Draw every pass at time ``t`` and read the output back (bottom row first)."""
        gl = self.gl
        w, h = self.size
        gl.glUseProgram(self.program)
        gl.glBindVertexArray(self.vao)
        if self.loc_time >= 0:
            gl.glUniform1f(self.loc_time, t)
        if self.loc_frame >= 0:
            gl.glUniform1i(self.loc_frame, self.frame_index)
        passes = self.spec["passes"]
        current: dict[str, int] = {}      # target name -> texture holding its latest contents
        for index, (p, slots) in enumerate(zip(passes, self.targets, strict=True)):
            fbo, tex = slots[0]
            if p["persistent"]:
                previous = slots[1][1]
                current[p["target"]] = previous          # this pass reads last frame's contents
            for unit, name in enumerate(self.spec["samplers"]):
                gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
                gl.glBindTexture(gl.GL_TEXTURE_2D, self.image_texture if name not in current
                                 else current[name])
            gl.glActiveTexture(gl.GL_TEXTURE0)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, fbo)
            gl.glViewport(0, 0, w, h)
            if len(passes) > 1 and self.loc_pass >= 0:
                gl.glUniform1i(self.loc_pass, index)
            gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)
            if p["target"]:
                current[p["target"]] = tex
            if p["persistent"]:
                slots.reverse()                          # ping-pong for the next frame
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        gl.glReadPixels(0, 0, w, h, gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, self.out)
        self.frame_index += 1
        return self.out

    def release(self) -> None:
        """Delete every GL object this pipeline made (its context must be current)."""
        gl = self.gl
        # Unbind first: a library sharing the context (moderngl caches its bindings) must
        # not find a deleted program or VAO still bound.
        gl.glUseProgram(0)
        gl.glBindVertexArray(0)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        for slots in self.targets:
            slots.clear()
        if self.framebuffers:
            gl.glDeleteFramebuffers(len(self.framebuffers), self.framebuffers)
        if self.textures:
            gl.glDeleteTextures(self.textures)
        gl.glDeleteBuffers(1, [self.vbo])
        gl.glDeleteVertexArrays(1, [self.vao])
        gl.glDeleteProgram(self.program)
        self.framebuffers, self.textures = [], []
