"""Render throughput: offscreen-isf vs a raw PyOpenGL loop doing the same draw + readback.

Both paths run in this process, on the same context, interleaved in blocks, so the machine's
noise hits both alike.  Reported as frames per second and the ratio offscreen-isf / raw
(1.0 = no overhead).  Also: context open+close, reinitialize, and first-frame (compile) cost.

    python -m benchmarks.bench_render [--size 1920x1080] [--frames 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

import offscreen_isf as oi

SHADERS = {
    "trivial": "gl_FragColor = vec4(isf_FragNormCoord, fract(TIME), 1.0);",
    "heavy": """vec2 p = isf_FragNormCoord; float v = 0.0;
        for (int i = 0; i < 64; ++i) { v += sin(p.x * float(i) + TIME) * cos(p.y * float(i)); }
        gl_FragColor = vec4(vec3(v * 0.02 + 0.5), 1.0);""",
}


def isf_source(body: str) -> str:
    return '/*{"ISFVSN": "2"}*/\nvoid main() {\n' + body + "\n}\n"


RAW_VS = """#version 330 core
layout(location = 0) in vec2 isf_position;
out vec2 isf_FragNormCoord;
void main() { gl_Position = vec4(isf_position, 0.0, 1.0); isf_FragNormCoord = (isf_position + 1.0) / 2.0; }
"""


def raw_fs(body: str) -> str:
    return ("#version 330 core\nin vec2 isf_FragNormCoord;\nuniform float TIME;\n"
            "out vec4 isf_FragColor;\n#define gl_FragColor isf_FragColor\nvoid main() {\n" + body + "\n}\n")


class RawLoop:
    """The baseline: one program, one FBO, glDrawArrays + glReadPixels into a preallocated array."""

    def __init__(self, ctx: oi.Context, body: str, size: tuple[int, int]) -> None:
        self.ctx, self.size = ctx, size
        gl = ctx.gl
        self.program = ctx.create("program", self)
        for kind, src in ((gl.GL_VERTEX_SHADER, RAW_VS), (gl.GL_FRAGMENT_SHADER, raw_fs(body))):
            sh = ctx.create("shader", self, kind)
            gl.glShaderSource(sh, src)
            gl.glCompileShader(sh)
            assert gl.glGetShaderiv(sh, gl.GL_COMPILE_STATUS), gl.glGetShaderInfoLog(sh)
            gl.glAttachShader(self.program, sh)
            ctx.delete("shader", sh)
        gl.glLinkProgram(self.program)
        self.time_loc = gl.glGetUniformLocation(self.program, "TIME")
        self.vao, self.vbo = ctx.create("vertex_array", self), ctx.create("buffer", self)
        quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32)
        gl.glBindVertexArray(self.vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, quad.nbytes, quad, gl.GL_STATIC_DRAW)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 2, gl.GL_FLOAT, False, 0, None)
        self.target = ctx.pool.acquire(*size)
        self.out = np.empty((size[1], size[0], 4), np.uint8)

    def frame(self, t: float) -> np.ndarray:
        gl = self.ctx.gl
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.target.framebuffer)
        gl.glViewport(0, 0, *self.size)
        gl.glUseProgram(self.program)
        gl.glUniform1f(self.time_loc, t)
        gl.glBindVertexArray(self.vao)
        gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)
        gl.glReadPixels(0, 0, self.size[0], self.size[1], gl.GL_RGBA, gl.GL_UNSIGNED_BYTE, self.out)
        return self.out


def timed_block(fn, frames: int, start: float) -> float:
    t0 = time.perf_counter()
    for i in range(frames):
        fn(start + i / 60.0)
    return frames / (time.perf_counter() - t0)


def bench_shader(ctx: oi.Context, name: str, size: tuple[int, int], frames: int, blocks: int) -> dict:
    body = SHADERS[name]
    with ctx.current():
        raw = RawLoop(ctx, body, size)
        renderer = oi.Renderer(isf_source(body), size, context=ctx)
        out = np.empty((size[1], size[0], 4), np.uint8)
        t0 = time.perf_counter()
        renderer.render(0.0, (2024, 1, 1, 0), out=out)
        first_ms = (time.perf_counter() - t0) * 1e3
        raw.frame(0.0)
        raw_fps, ours_fps, pipe_fps = [], [], []
        for b in range(blocks):     # interleave: noise hits both paths alike
            raw_fps.append(timed_block(raw.frame, frames, b))
            ours_fps.append(timed_block(lambda t: renderer.render(t, (2024, 1, 1, 0), out=out), frames, b))
            t0 = time.perf_counter()   # render_frames with asynchronous (PBO) readback
            for _ in renderer.render_frames([b + i / 60.0 for i in range(frames)], (2024, 1, 1, 0),
                                            pipeline=True):
                pass
            pipe_fps.append(frames / (time.perf_counter() - t0))
        # Same pixels: the baseline and the renderer draw the same thing.
        t = 0.25
        same = bool(np.array_equal(np.flipud(raw.frame(t)), renderer.render(t, (2024, 1, 1, 0))))
        renderer.release()
        ctx.pool.release(raw.target)
        for kind, obj in (("program", raw.program), ("vertex_array", raw.vao), ("buffer", raw.vbo)):
            ctx.delete(kind, obj)
    raw_med, ours_med = statistics.median(raw_fps), statistics.median(ours_fps)
    return {"shader": name, "size": f"{size[0]}x{size[1]}", "raw_fps": round(raw_med, 2),
            "offscreen_isf_fps": round(ours_med, 2), "ratio": round(ours_med / raw_med, 3),
            "render_frames_pipelined_fps": round(statistics.median(pipe_fps), 2),
            "pipelined_ratio": round(statistics.median(pipe_fps) / raw_med, 3),
            "first_frame_ms": round(first_ms, 1), "same_pixels": same}


def bench_lifecycle(backend: str | None, cycles: int) -> dict:
    t0 = time.perf_counter()
    for _ in range(cycles):
        oi.Context(backend).open().close()
    open_close = (time.perf_counter() - t0) * 1e3 / cycles
    with oi.Context(backend) as ctx:
        t0 = time.perf_counter()
        for _ in range(cycles):
            ctx.reinitialize()
        reinit = (time.perf_counter() - t0) * 1e3 / cycles
    return {"open_close_ms": round(open_close, 2), "reinitialize_ms": round(reinit, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=None)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--frames", type=int, default=30, help="frames per block")
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--heavy-frames", type=int, default=None, help="frames per block for the heavy shader")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    results: dict = {"lifecycle": bench_lifecycle(args.backend, 20), "shaders": []}
    with oi.Context(args.backend) as ctx:
        results["backend"] = ctx.backend
        results["renderer"] = ctx.info.renderer
        for name in SHADERS:
            frames = args.frames if name == "trivial" else (args.heavy_frames or max(2, args.frames // 10))
            results["shaders"].append(bench_shader(ctx, name, size, frames, args.blocks))
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
