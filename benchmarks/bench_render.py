"""Render throughput: offscreen-isf vs a raw PyOpenGL loop doing the same draw + readback.

Both paths run in this process, on the same context, interleaved in blocks, so the machine's
noise hits both alike.  Reported as frames per second and the ratio offscreen-isf / raw
(1.0 = no overhead).  Also: context open+close, reinitialize, first-frame (compile) cost,
``render(device="cuda")`` next to the host path (or why it is unavailable here), and the
per-frame overhead cell: microseconds of process CPU time per frame of ``render()``,
``render_frames()`` and the raw loop at a tiny size (8x8), where the driver's share is small
and what remains is the Python per-frame path.

    python -m benchmarks.bench_render [--size 1920x1080] [--frames 60] [--json out.json]
        [--overhead-size 8x8] [--overhead-frames 300] [--overhead-blocks 5] [--no-overhead]
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


DATE = (2024, 1, 1, 0)

# -- device="cuda" next to the host path ------------------------------------------------------
def cuda_probe(renderer: oi.Renderer) -> str | None:
    """None when ``render(device="cuda")`` works on this renderer's context, else why not.

    Only the BackendError that offscreen_isf.gl.cuda raises (no NVIDIA EGL device, no CUDA
    binding, no CUDA device behind the context) means "unavailable"; anything else is a bug
    and propagates."""
    try:
        renderer.render(0.0, DATE, device="cuda")
    except oi.BackendError as exc:
        return str(exc)
    return None


def cuda_block(renderer: oi.Renderer, frames: int, start: float) -> float:
    """fps of ``render(device="cuda")`` (each frame's copy complete when it returns)."""
    return timed_block(lambda t: renderer.render(t, DATE, device="cuda"), frames, start)


def bench_cuda(ctx: oi.Context, size: tuple[int, int], frames: int, blocks: int) -> dict:
    """``render(device="cuda")`` against ``render()`` into a host array, per shader at ``size``
    (interleaved blocks, medians): {"status": "ok", "cells": [...]}, or {"status":
    "unavailable", "reason": ...} when this context cannot do it (never a made-up number)."""
    cells = []
    with ctx.current():
        for name, body in SHADERS.items():
            renderer = oi.Renderer(isf_source(body), size, context=ctx)
            try:
                reason = cuda_probe(renderer)
                if reason is not None:
                    return {"status": "unavailable", "reason": reason}
                out = np.empty((size[1], size[0], 4), np.uint8)
                host, cuda = [], []
                for b in range(blocks):
                    host.append(timed_block(lambda t: renderer.render(t, DATE, out=out), frames, b))  # noqa: B023
                    cuda.append(cuda_block(renderer, frames, b))
            finally:
                renderer.release()
            host_fps, cuda_fps = statistics.median(host), statistics.median(cuda)
            cells.append({"shader": name, "size": f"{size[0]}x{size[1]}", "host_fps": round(host_fps, 2),
                          "cuda_fps": round(cuda_fps, 2), "cuda_over_host": round(cuda_fps / host_fps, 3)})
    return {"status": "ok", "cells": cells}


def cuda_lines(key: str, result: dict) -> list[str]:
    """The device="cuda" cell of worker ``key`` as table lines."""
    if result.get("status") != "ok":
        return [f"device='cuda' {key}: unavailable: {result.get('reason', '?')}"]
    return [f"device='cuda' {key}: {c['shader']} {c['size']}: {c['cuda_fps']:.1f} fps vs host "
            f"{c['host_fps']:.1f} fps ({c['cuda_over_host']:.2f}x)" for c in result["cells"]]


# -- per-frame overhead: tiny frames, process CPU time ----------------------------------------
#: a multi-pass shader with inputs for the overhead cell: a persistent buffer that reads its
#: previous frame, a second target, the output; a float and a colour input (set once)
MULTIPASS_BODY = """vec2 uv = isf_FragNormCoord;
    if (PASSINDEX == 0) {
        gl_FragColor = mix(THIS(feedback), vec4(uv, 0.5 + 0.5 * sin(TIME), 1.0), gain);
    } else if (PASSINDEX == 1) {
        gl_FragColor = THIS(feedback).gbra * tint;
    } else {
        gl_FragColor = 0.5 * (THIS(feedback) + THIS(swizzled));
    }"""
MULTIPASS_ISF = ('/*{"ISFVSN": "2", "INPUTS": [{"NAME": "gain", "TYPE": "float", "DEFAULT": 0.1}, '
                 '{"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.8, 0.6, 1.0]}], '
                 '"PASSES": [{"TARGET": "feedback", "PERSISTENT": true}, {"TARGET": "swizzled"}, {}]}*/\n'
                 "void main() {\n    " + MULTIPASS_BODY.replace("THIS(", "IMG_THIS_PIXEL(") + "\n}\n")


def _overhead_cases() -> dict[str, tuple[str, dict]]:
    """name -> (ISF source, raw pipeline spec for benchmarks.rawgl.RawPipeline)."""
    from benchmarks.cases import _RAW_FS_HEAD, RAW_VS, build_cases

    trivial = build_cases(["trivial"])[0]
    multi_fs = (_RAW_FS_HEAD + "uniform sampler2D feedback;\nuniform sampler2D swizzled;\n"
                "uniform float gain;\nuniform vec4 tint;\n"
                "#define THIS(s) texelFetch(s, ivec2(gl_FragCoord.xy), 0)\nvoid main() {\n    "
                + MULTIPASS_BODY + "\n}\n")
    multi_raw = {"vertex": RAW_VS, "fragment": multi_fs,
                 "passes": [{"target": "feedback", "persistent": True},
                            {"target": "swizzled", "persistent": False},
                            {"target": None, "persistent": False}],
                 "samplers": ["feedback", "swizzled"],
                 "uniforms": [["gain", "float", 0.1], ["tint", "vec4", [1.0, 0.8, 0.6, 1.0]]]}
    return {"trivial": (trivial["isf"], trivial["raw"]), "multipass_inputs": (MULTIPASS_ISF, multi_raw)}


def _clocked(run, frames: int) -> tuple[float, float]:
    """(process CPU µs, wall µs) per frame of ``run()``, which renders ``frames`` frames."""
    c0, w0 = time.process_time(), time.perf_counter()
    run()
    return ((time.process_time() - c0) * 1e6 / frames, (time.perf_counter() - w0) * 1e6 / frames)


def overhead_cell(ctx: oi.Context, name: str, size: tuple[int, int], frames: int, blocks: int) -> dict:
    """µs per frame (process CPU time, and wall) of the raw loop, ``render(out=...)`` and
    ``render_frames(pipeline=True)`` (the PBO path GPUs take by default) at ``size``, in
    interleaved blocks: the fastest block of each (``*_us``), and medians; ratios are raw / ours
    of the fastest blocks (1.0 = no overhead, as fps ratios)."""
    from benchmarks.rawgl import RawPipeline

    isf, spec = _overhead_cases()[name]
    with ctx.current():
        raw = RawPipeline(ctx.gl, spec, size)
        renderer = oi.Renderer(isf, size, context=ctx)
        out = np.empty((size[1], size[0], 4), np.uint8)
        try:
            raw.frame(0.0)
            renderer.render(0.0, DATE, out=out)
            for _ in renderer.render_frames([0.0, 0.1], DATE, pipeline=True):
                pass

            def run_raw() -> None:
                for i in range(frames):
                    raw.frame(i / 60.0)

            def run_render() -> None:
                for i in range(frames):
                    renderer.render(i / 60.0, DATE, out=out)

            def run_frames() -> None:
                for _ in renderer.render_frames([i / 60.0 for i in range(frames)], DATE, pipeline=True):
                    pass

            lanes = {"raw": run_raw, "render": run_render, "render_frames": run_frames}
            cpu: dict[str, list[float]] = {k: [] for k in lanes}
            wall: dict[str, list[float]] = {k: [] for k in lanes}
            order = list(lanes)
            for b in range(blocks):     # rotate the order: drift hits every lane alike
                for key in order[b % 3:] + order[:b % 3]:
                    c, w = _clocked(lanes[key], frames)
                    cpu[key].append(c)
                    wall[key].append(w)
        finally:
            renderer.release()
            raw.release()
    # The fastest block of each lane: noise (other processes, llvmpipe's worker threads,
    # counted in process time) only ever adds.  Medians are kept beside them.
    best = {k: min(v) for k, v in cpu.items()}
    med = {k: statistics.median(v) for k, v in cpu.items()}
    med_wall = {k: statistics.median(v) for k, v in wall.items()}
    return {"shader": name, "size": f"{size[0]}x{size[1]}", "frames_per_block": frames, "blocks": blocks,
            "raw_us": round(best["raw"], 1), "render_us": round(best["render"], 1),
            "render_frames_us": round(best["render_frames"], 1),
            "render_ratio": round(best["raw"] / best["render"], 3),
            "render_frames_ratio": round(best["raw"] / best["render_frames"], 3),
            "render_overhead_us": round(best["render"] - best["raw"], 1),
            "median_raw_us": round(med["raw"], 1), "median_render_us": round(med["render"], 1),
            "median_render_frames_us": round(med["render_frames"], 1),
            "wall_raw_us": round(med_wall["raw"], 1), "wall_render_us": round(med_wall["render"], 1),
            "wall_render_frames_us": round(med_wall["render_frames"], 1)}


def bench_overhead(ctx: oi.Context, size: tuple[int, int] = (8, 8), frames: int = 300,
                   blocks: int = 5) -> list[dict]:
    """The per-frame overhead cell for the trivial and the multi-pass shader with inputs."""
    return [overhead_cell(ctx, name, size, frames, blocks) for name in _overhead_cases()]


def overhead_lines(cells: list[dict]) -> list[str]:
    """The overhead cell as table lines."""
    lines = ["Per-frame overhead (tiny frames: the Python per-frame path; process CPU µs/frame,",
             "fastest block; ratio = raw / ours, 1.00 = no overhead; render_frames with PBO readback):",
             f"  {'shader':17s} {'size':6s} {'raw':>7s} {'render':>7s} {'ratio':>6s} "
             f"{'frames':>7s} {'ratio':>6s}"]
    for c in cells:
        lines.append(f"  {c['shader']:17s} {c['size']:6s} {c['raw_us']:7.1f} {c['render_us']:7.1f} "
                     f"{c['render_ratio']:6.2f} {c['render_frames_us']:7.1f} {c['render_frames_ratio']:6.2f}")
    return lines


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
        cuda_unavailable = cuda_probe(renderer)
        raw_fps, ours_fps, pipe_fps, cuda_fps = [], [], [], []
        for b in range(blocks):     # interleave: noise hits both paths alike
            raw_fps.append(timed_block(raw.frame, frames, b))
            ours_fps.append(timed_block(lambda t: renderer.render(t, (2024, 1, 1, 0), out=out), frames, b))
            t0 = time.perf_counter()   # render_frames with asynchronous (PBO) readback
            for _ in renderer.render_frames([b + i / 60.0 for i in range(frames)], (2024, 1, 1, 0),
                                            pipeline=True):
                pass
            pipe_fps.append(frames / (time.perf_counter() - t0))
            if cuda_unavailable is None:
                cuda_fps.append(cuda_block(renderer, frames, b))
        # Same pixels: the baseline and the renderer draw the same thing.
        t = 0.25
        same = bool(np.array_equal(np.flipud(raw.frame(t)), renderer.render(t, (2024, 1, 1, 0))))
        renderer.release()
        ctx.pool.release(raw.target)
        for kind, obj in (("program", raw.program), ("vertex_array", raw.vao), ("buffer", raw.vbo)):
            ctx.delete(kind, obj)
    raw_med, ours_med = statistics.median(raw_fps), statistics.median(ours_fps)
    cell = {"shader": name, "size": f"{size[0]}x{size[1]}", "raw_fps": round(raw_med, 2),
            "offscreen_isf_fps": round(ours_med, 2), "ratio": round(ours_med / raw_med, 3),
            "render_frames_pipelined_fps": round(statistics.median(pipe_fps), 2),
            "pipelined_ratio": round(statistics.median(pipe_fps) / raw_med, 3),
            "first_frame_ms": round(first_ms, 1), "same_pixels": same}
    if cuda_unavailable is None:
        cell["cuda_fps"] = round(statistics.median(cuda_fps), 2)
        cell["cuda_ratio"] = round(statistics.median(cuda_fps) / raw_med, 3)
    else:
        cell["cuda"] = f"unavailable: {cuda_unavailable}"
    return cell


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
    ap.add_argument("--overhead-size", default="8x8", help="frame size of the per-frame overhead cell")
    ap.add_argument("--overhead-frames", type=int, default=300, help="frames per block, overhead cell")
    ap.add_argument("--overhead-blocks", type=int, default=5)
    ap.add_argument("--no-overhead", action="store_true", help="skip the per-frame overhead cell")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    results: dict = {"lifecycle": bench_lifecycle(args.backend, 20), "shaders": []}
    with oi.Context(args.backend) as ctx:
        results["backend"] = ctx.backend
        results["renderer"] = ctx.info.renderer
        for name in SHADERS:
            frames = args.frames if name == "trivial" else (args.heavy_frames or max(2, args.frames // 10))
            results["shaders"].append(bench_shader(ctx, name, size, frames, args.blocks))
        if not args.no_overhead:
            tiny = tuple(int(v) for v in args.overhead_size.split("x"))
            results["per_frame_overhead"] = bench_overhead(ctx, tiny, args.overhead_frames, args.overhead_blocks)
    text = json.dumps(results, indent=2)
    print(text)
    if "per_frame_overhead" in results:
        print("\n".join(overhead_lines(results["per_frame_overhead"])), file=sys.stderr)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
