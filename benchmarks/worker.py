"""One benchmark worker process: one contender on one backend, paired with the raw floor.

    python benchmarks/worker.py SPEC.json RESULT.json

PyOpenGL binds one platform per process, so the orchestrator (:mod:`benchmarks.suite`) starts
one worker per (contender, backend).  Inside a worker the contender and the raw PyOpenGL loop
(:class:`benchmarks.rawgl.RawPipeline`) run on the **same context**, interleaved in blocks
(ABBA order), so the machine's noise hits both alike; ratios are medians of per-block-pair
ratios.  Runs as a plain script so the pyvvisf virtualenv (no offscreen_isf) can run it too.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.rawgl import RawPipeline, probe_gl_objects, rss_mb, versioned

DATE = (2024, 1, 1, 0.0)
FrameFn = Callable[[float], np.ndarray]


def make_images(count: int, width: int = 1920, height: int = 1080) -> list[np.ndarray]:
    """``count`` different opaque RGBA images (a new one is uploaded every frame)."""
    y, x = np.mgrid[0:height, 0:width]
    images = []
    for k in range(count):
        img = np.empty((height, width, 4), np.uint8)
        img[..., 0] = (x * 255 // max(width - 1, 1) + 64 * k) % 256
        img[..., 1] = (y * 255 // max(height - 1, 1)) % 256
        img[..., 2] = ((x ^ y) + 32 * k) % 256
        img[..., 3] = 255
        images.append(img)
    return images


# ----------------------------------------------------------------------------------------------
# contenders: each yields a context, builds per-case pipelines on it, and reports its lifecycle
# ----------------------------------------------------------------------------------------------
class Contender:
    """Interface of a contender adapter."""

    name = ""
    gl: Any = None

    def open(self) -> None:
        """Create the context (counted in first-frame latency)."""
        raise NotImplementedError

    def current(self) -> Any:
        """A context manager making the shared context current for raw GL calls."""
        raise NotImplementedError

    def pipeline(self, case: dict[str, Any], size: tuple[int, int]) -> tuple[FrameFn, Callable[[np.ndarray], None] | None, Callable[[], None]]:
        """(frame(t) -> array, set_image(img) or None, release())."""
        raise NotImplementedError

    def top_first(self, frame: np.ndarray) -> np.ndarray:
        """The frame with its top row first."""
        return frame

    def variants(self, case: dict[str, Any], size: tuple[int, int]) -> dict[str, tuple[FrameFn, Callable[[np.ndarray], None] | None, Callable[[], None]]]:
        """Extra configurations of this contender measured in the same interleaving
        (name -> pipeline as :meth:`pipeline`)."""
        return {}

    def reinitialize_cost(self, case: dict[str, Any], size: tuple[int, int], reps: int) -> dict[str, Any]:
        """Cost of tearing the context down and rendering again."""
        raise NotImplementedError

    def soak_extra(self) -> dict[str, Any]:
        """Library-specific leak counters (offscreen-isf's object registry)."""
        return {}

    def settle(self) -> None:
        """Clear errors a library left behind before checked PyOpenGL calls (moderngl)."""

    def close(self) -> None:
        """Destroy the context."""


class _Noop:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class OffscreenIsf(Contender):
    """offscreen-isf's Renderer on an explicit shared Context."""

    name = "offscreen-isf"

    def __init__(self, backend: str) -> None:
        import offscreen_isf as oi

        self.oi, self.backend = oi, backend
        from offscreen_isf import backends

        backends.load(backend)   # binds PyOpenGL's platform (import cost, not context cost)
        import OpenGL.GL  # noqa: F401

    def open(self) -> None:
        self.ctx = self.oi.Context(self.backend).open()

    def current(self) -> Any:
        return self.ctx.current()

    @property
    def gl(self) -> Any:  # type: ignore[override]
        return self.ctx.gl

    def pipeline(self, case: dict[str, Any], size: tuple[int, int], **options: Any):  # type: ignore[no-untyped-def]
        r = self.oi.Renderer(case["isf"], size, context=self.ctx, **options)
        out = np.empty((size[1], size[0], 4), np.uint8)
        image_input = case["image_input"]

        def set_image(img: np.ndarray) -> None:
            r.set_inputs(**{image_input: img})

        return ((lambda t: r.render(t, DATE, out=out)), set_image if image_input else None, r.release)

    def variants(self, case: dict[str, Any], size: tuple[int, int]):  # type: ignore[no-untyped-def]
        # the opt-in flip-free readback (not bit-exact: Renderer.draw_flipped)
        return {"draw_flipped": self.pipeline(case, size, draw_flipped=True)}

    def reinitialize_cost(self, case: dict[str, Any], size: tuple[int, int], reps: int) -> dict[str, Any]:
        r = self.oi.Renderer(case["isf"], size, context=self.ctx)
        r.render(0.0, DATE)
        reinit, rebuild = [], []
        for i in range(reps):
            t0 = time.perf_counter()
            self.ctx.reinitialize()
            t1 = time.perf_counter()
            r.render(i / 30, DATE)
            t2 = time.perf_counter()
            reinit.append((t1 - t0) * 1e3)
            rebuild.append((t2 - t1) * 1e3)
        r.release()
        open_close = []
        for _ in range(reps):
            t0 = time.perf_counter()
            self.oi.Context(self.backend).open().close()
            open_close.append((time.perf_counter() - t0) * 1e3)
        return {"what": "Context.reinitialize() + next render (recompiles)",
                "ms": round(statistics.median(reinit) + statistics.median(rebuild), 2),
                "reinitialize_ms": round(statistics.median(reinit), 2),
                "render_after_ms": round(statistics.median(rebuild), 2),
                "open_close_ms": round(statistics.median(open_close), 2)}

    def soak_extra(self) -> dict[str, Any]:
        return {"registry": self.ctx.live_objects()}

    def close(self) -> None:
        self.ctx.close()


class _MglPipeline:
    """A case's draw(s) with moderngl, mirroring :class:`RawPipeline`."""

    def __init__(self, mgl: Any, ctx: Any, spec: dict[str, Any], size: tuple[int, int]) -> None:
        self.mgl, self.ctx, self.spec, self.size = mgl, ctx, spec, size
        use_400 = ctx.version_code >= 400
        self.prog = ctx.program(vertex_shader=versioned(spec["vertex"], use_400),
                                fragment_shader=versioned(spec["fragment"], use_400))
        for name, _glsl_type, value in spec["uniforms"]:
            if name in self.prog:
                self.prog[name].value = tuple(value) if isinstance(value, list) else value
        for unit, name in enumerate(spec["samplers"]):
            if name in self.prog:
                self.prog[name].value = unit
        if "RENDERSIZE" in self.prog:
            self.prog["RENDERSIZE"].value = size
        self.vbo = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32).tobytes())
        self.vao = ctx.vertex_array(self.prog, [(self.vbo, "2f", "isf_position")])
        self.objects: list[Any] = [self.prog, self.vbo, self.vao]
        self.targets: list[list[tuple[Any, Any]]] = []
        for p in spec["passes"]:
            self.targets.append([self._target() for _ in range(2 if p["persistent"] else 1)])
        self.image: Any = None
        self.out = np.empty((size[1], size[0], 4), np.uint8)
        self.has_time, self.has_pass = "TIME" in self.prog, "PASSINDEX" in self.prog

    def _target(self) -> tuple[Any, Any]:
        tex = self.ctx.texture(self.size, 4)
        tex.repeat_x = tex.repeat_y = False
        fbo = self.ctx.framebuffer(color_attachments=[tex])
        fbo.clear(0.0, 0.0, 0.0, 0.0)
        self.objects += [fbo, tex]
        return fbo, tex

    def set_image(self, img: np.ndarray) -> None:
        if self.image is None:
            self.image = self.ctx.texture((img.shape[1], img.shape[0]), 4)
            self.image.repeat_x = self.image.repeat_y = False
            self.objects.append(self.image)
        self.image.write(img)

    def frame(self, t: float) -> np.ndarray:
        if self.has_time:
            self.prog["TIME"].value = t
        passes = self.spec["passes"]
        current: dict[str, Any] = {}
        fbo = None
        for index, (p, slots) in enumerate(zip(passes, self.targets, strict=True)):
            fbo, tex = slots[0]
            if p["persistent"]:
                current[p["target"]] = slots[1][1]
            for unit, name in enumerate(self.spec["samplers"]):
                source = current.get(name, self.image)
                if source is not None:
                    source.use(location=unit)
            fbo.use()
            if self.has_pass and len(passes) > 1:
                self.prog["PASSINDEX"].value = index
            self.vao.render(self.mgl.TRIANGLE_STRIP)
            if p["target"]:
                current[p["target"]] = tex
            if p["persistent"]:
                slots.reverse()
        assert fbo is not None
        fbo.read_into(self.out, components=4, alignment=1)
        return self.out

    def release(self) -> None:
        for obj in self.objects:
            obj.release()
        self.objects = []


class Moderngl(Contender):
    """moderngl standalone (EGL); raw PyOpenGL (EGL platform) draws on the same context."""

    name = "moderngl"

    def __init__(self, backend: str) -> None:
        if backend != "egl":
            raise RuntimeError("moderngl standalone runs on EGL only")
        import moderngl
        from OpenGL import GL

        self.mgl, self.gl = moderngl, GL

    def open(self) -> None:
        self.ctx = self.mgl.create_context(standalone=True, backend="egl")
        self.gl_errors: list[str] = []
        self._drain()

    def _drain(self) -> None:
        """moderngl never calls glGetError: clear what it left, so PyOpenGL's checked calls
        in the raw loop don't report moderngl's errors as their own (kept in the result)."""
        err = self.ctx.error
        if err != "GL_NO_ERROR":
            self.gl_errors.append(err)

    def settle(self) -> None:
        self._drain()

    def current(self) -> Any:
        if hasattr(self, "ctx"):
            self._drain()
        return _Noop()    # the standalone context stays current on this thread

    def pipeline(self, case: dict[str, Any], size: tuple[int, int]):  # type: ignore[no-untyped-def]
        p = _MglPipeline(self.mgl, self.ctx, case["raw"], size)

        def release() -> None:
            p.release()
            self._drain()

        return p.frame, (p.set_image if case["image_input"] else None), release

    def top_first(self, frame: np.ndarray) -> np.ndarray:
        return frame[::-1]

    def reinitialize_cost(self, case: dict[str, Any], size: tuple[int, int], reps: int) -> dict[str, Any]:
        times = []
        for i in range(reps):
            t0 = time.perf_counter()
            self.ctx.release()
            self.open()
            frame, _, release = self.pipeline(case, size)
            frame(i / 30)
            times.append((time.perf_counter() - t0) * 1e3)
            release()
        return {"what": "ctx.release() + create_context() + compile + first render", "ms": round(statistics.median(times), 2)}

    def soak_extra(self) -> dict[str, Any]:
        self._drain()
        return {"gl_errors_left_by_moderngl": sorted(set(self.gl_errors))}

    def close(self) -> None:
        self.ctx.release()


class Pyvvisf(Contender):
    """pyvvisf 0.9.0 headless: GLFW's null platform with PYOPENGL_PLATFORM=osmesa."""

    name = "pyvvisf"

    def __init__(self, backend: str) -> None:
        if backend != "osmesa":
            raise RuntimeError("pyvvisf runs headless only on GLFW's null platform + OSMesa")
        import glfw

        glfw.init_hint(glfw.PLATFORM, glfw.PLATFORM_NULL)
        import pyvvisf
        from OpenGL import GL

        self.pyvvisf, self.gl, self.glfw = pyvvisf, GL, glfw
        self.version = getattr(pyvvisf, "__version__", "?")
        self.anchor: Any = None
        self.active: Any = None

    def open(self) -> None:
        """pyvvisf has no context object: each ISFRenderer makes a GLFW window + context and
        refcounts GLFW itself.  The first renderer is kept alive (so GLFW is not terminated
        and re-initialised between cases, which would penalise pyvvisf)."""

    def current(self) -> Any:
        holder = self.active or self.anchor
        if holder is not None:
            holder.context.make_current()
        return _Noop()

    def pipeline(self, case: dict[str, Any], size: tuple[int, int]):  # type: ignore[no-untyped-def]
        if case.get("pyvvisf_isf") is None:
            raise Unsupported(case.get("pyvvisf_skip", "not supported by pyvvisf"))
        r = self.pyvvisf.ISFRenderer(case["pyvvisf_isf"])
        self.active = r
        if self.anchor is None:
            self.anchor = r
        w, h = size

        def frame(t: float) -> np.ndarray:
            return r.render(w, h, time_offset=t).array

        def release() -> None:
            self.active = None
            if r is not self.anchor:
                r.cleanup()
            self.anchor.context.make_current()

        return frame, None, release

    def reinitialize_cost(self, case: dict[str, Any], size: tuple[int, int], reps: int) -> dict[str, Any]:
        times = []
        w, h = size
        for i in range(reps):
            t0 = time.perf_counter()
            r = self.pyvvisf.ISFRenderer(case["pyvvisf_isf"])   # no reinitialize API: a new renderer
            r.render(w, h, time_offset=i / 30)
            r.cleanup()
            times.append((time.perf_counter() - t0) * 1e3)
        if self.anchor is not None:
            self.anchor.context.make_current()
        return {"what": "new ISFRenderer + render + cleanup (pyvvisf has no reinitialize)",
                "ms": round(statistics.median(times), 2)}

    def close(self) -> None:
        if self.anchor is not None:
            self.anchor.cleanup()


class Unsupported(Exception):  # noqa: N818 - reads as "raise Unsupported(reason)"
    """The contender cannot run this case (reported with the reason, never as a number)."""


CONTENDERS: dict[str, type[Contender]] = {"offscreen-isf": OffscreenIsf, "moderngl": Moderngl, "pyvvisf": Pyvvisf}


# ----------------------------------------------------------------------------------------------
# measurements
# ----------------------------------------------------------------------------------------------
def _block(frame: FrameFn, set_image: Callable[[np.ndarray], None] | None, images: list[np.ndarray],
           frames: int, start: int) -> float:
    """Render ``frames`` frames (a new image before each when the case has one); fps."""
    t0 = time.perf_counter()
    for i in range(start, start + frames):
        if set_image is not None:
            set_image(images[i % len(images)])
        frame(i / 30.0)
    return frames / (time.perf_counter() - t0)


def bench_cell(c: Contender, case: dict[str, Any], size: tuple[int, int], cfg: dict[str, Any],
               images: list[np.ndarray]) -> dict[str, Any]:
    """Paired raw-vs-contender throughput for one case at one size."""
    with c.current():
        try:
            t0 = time.perf_counter()
            frame, set_image, release = c.pipeline(case, size)
            if set_image is not None:
                set_image(images[0])
            frame(0.0)
            compile_first_ms = (time.perf_counter() - t0) * 1e3
        except Unsupported as exc:
            return {"status": "unsupported", "reason": str(exc)}
    with c.current():
        variants = c.variants(case, size) if cfg.get("variants", True) else {}
    with c.current():   # the contender's context for this case (pyvvisf: one per renderer)
        raw = RawPipeline(c.gl, case["raw"], size)
        raw_set = raw.set_image if case["image_input"] else None
        try:
            if raw_set is not None:
                raw_set(images[0])
            raw.frame(0.0)
            for v_frame, v_set, _ in variants.values():
                if v_set is not None:
                    v_set(images[0])
                v_frame(0.0)
            # one timed frame each to size the blocks
            raw_s = 1.0 / _block(raw.frame, raw_set, images, 1, 1)
            c_s = 1.0 / _block(frame, set_image, images, 1, 1)
            per_block = int(min(cfg["max_frames"], max(1, round(cfg["block_seconds"] / max(raw_s, c_s)))))
            raw_fps, c_fps = [], []
            v_fps: dict[str, list[float]] = {name: [] for name in variants}
            lanes = [(raw_fps, raw.frame, raw_set), (c_fps, frame, set_image)]
            lanes += [(v_fps[name], v[0], v[1]) for name, v in variants.items()]
            for b in range(cfg["blocks"]):      # ABBA: drift hits all alike
                for store, fn, setter in (lanes if b % 2 == 0 else lanes[::-1]):
                    store.append(_block(fn, setter, images, per_block, 2 + b * per_block))
            result: dict[str, Any] = {
                "status": "ok", "frames_per_block": per_block, "blocks": cfg["blocks"],
                "raw_fps": round(statistics.median(raw_fps), 3), "fps": round(statistics.median(c_fps), 3),
                "ratio": round(statistics.median(cf / rf for cf, rf in zip(c_fps, raw_fps, strict=True)), 3),
                "raw_fps_blocks": [round(v, 3) for v in raw_fps], "fps_blocks": [round(v, 3) for v in c_fps],
                "compile_first_ms": round(compile_first_ms, 1)}
            if variants:
                result["variants"] = {name: {
                    "fps": round(statistics.median(fps), 3),
                    "ratio": round(statistics.median(vf / rf for vf, rf in zip(fps, raw_fps, strict=True)), 3)}
                    for name, fps in v_fps.items()}
            if case["compare"]:
                t = 0.25
                if raw_set is not None and set_image is not None:
                    raw_set(images[0])
                    set_image(images[0])
                ref = raw.frame(t)[::-1].astype(np.int16)
                got = np.asarray(c.top_first(frame(t))).astype(np.int16)
                diff = int(np.abs(ref - got).max()) if ref.shape == got.shape else -1
                result["max_diff_vs_raw"] = diff
                result["same_pixels"] = 0 <= diff <= 1
            if c.name == "pyvvisf" and case.get("pyvvisf_note"):
                result["note"] = case["pyvvisf_note"]
            return result
        finally:
            with c.current():
                raw.release()
            release()
            for _, _, v_release in variants.values():
                v_release()


def soak(c: Contender, case: dict[str, Any], size: tuple[int, int], frames: int,
         images: list[np.ndarray] | None = None) -> dict[str, Any]:
    """RSS and live GL objects before and after ``frames`` frames of one renderer."""
    with c.current():
        frame, set_image, release = c.pipeline(case, size)
        for i in range(50):
            if set_image is not None and images:
                set_image(images[i % len(images)])
            frame(i / 30)
        c.settle()
        gl_before = probe_gl_objects(c.gl)
        extra_before = c.soak_extra()
        rss_before = rss_mb()
        t0 = time.perf_counter()
        for i in range(frames):
            if set_image is not None and images:
                set_image(images[i % len(images)])
            frame(i / 30)
        elapsed = time.perf_counter() - t0
        rss_after = rss_mb()
        c.settle()
        gl_after = probe_gl_objects(c.gl)
        extra_after = c.soak_extra()
        release()
    out = {"case": case["name"], "size": f"{size[0]}x{size[1]}", "frames": frames,
           "ms_per_frame": round(elapsed * 1e3 / frames, 3),
           "rss_before_mb": round(rss_before, 1), "rss_after_mb": round(rss_after, 1),
           "rss_growth_mb": round(rss_after - rss_before, 2),
           "gl_objects_before": gl_before, "gl_objects_after": gl_after,
           "gl_objects_growth": sum(gl_after.values()) - sum(gl_before.values())}
    if "registry" in extra_before:
        out["registry_before"], out["registry_after"] = extra_before["registry"], extra_after["registry"]
    out.update({k: v for k, v in extra_after.items() if k != "registry"})
    return out


def encoder_fps(frame: np.ndarray, reps: int, directory: Path) -> float:
    """Single-threaded PNG encode rate of offscreen-isf's writer for ``frame``."""
    from offscreen_isf import write_png

    directory.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i in range(reps):
        write_png(directory / f"enc_{i}.png", frame)
    fps = reps / (time.perf_counter() - t0)
    for i in range(reps):
        (directory / f"enc_{i}.png").unlink()
    return fps


def offscreen_isf_extras(c: Contender, spec: dict[str, Any], cfg: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """offscreen-isf only: the per-frame overhead cell (tiny frames, process CPU time) and
    ``render(device="cuda")`` next to the host path at the suite's 1080p size (or its last
    size), reported unavailable where this context cannot do it."""
    from benchmarks.bench_render import bench_cuda, bench_overhead

    ctx = c.ctx  # type: ignore[attr-defined]
    yield "per_frame_overhead", bench_overhead(ctx, tuple(cfg["overhead_size"]), cfg["overhead_frames"],
                                               cfg["overhead_blocks"])
    sizes = dict((label, tuple(size)) for label, size in spec["sizes"])
    size = sizes.get("1080p", tuple(spec["sizes"][-1][1]))
    yield "cuda", bench_cuda(ctx, size, cfg["cuda_frames"], cfg["overhead_blocks"])


def run(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The worker's measurements, yielded as (key, value) as they complete."""
    name, backend, cfg = spec["contender"], spec["backend"], spec["config"]
    t0 = time.perf_counter()
    c = CONTENDERS[name](backend)
    yield "import_ms", round((time.perf_counter() - t0) * 1e3, 1)
    cases = {case["name"]: case for case in spec["cases"]}
    trivial = cases.get("trivial") or spec["trivial"]
    first_size = tuple(spec["sizes"][min(1, len(spec["sizes"]) - 1)][1])
    t0 = time.perf_counter()
    c.open()
    with c.current():
        frame, _, release = c.pipeline(trivial, first_size)
        np.array(frame(0.0))
    yield "first_frame_ms", round((time.perf_counter() - t0) * 1e3, 1)
    yield "first_frame_size", f"{first_size[0]}x{first_size[1]}"
    with c.current():
        version = c.gl.glGetString(c.gl.GL_VERSION)
        renderer = c.gl.glGetString(c.gl.GL_RENDERER)
        release()
    yield "gl_version", version.decode() if isinstance(version, bytes) else str(version)
    yield "gl_renderer", renderer.decode() if isinstance(renderer, bytes) else str(renderer)
    images = make_images(2) if any(case["image_input"] for case in cases.values()) else []
    cells: dict[str, dict[str, Any]] = {}
    for case in cases.values():
        per_size: dict[str, Any] = {}
        for label, size in spec["sizes"]:
            if label == "4k":
                ref = per_size.get("1080p", {})
                if ref.get("status") not in ("ok", None):
                    per_size[label] = {"status": ref["status"], "reason": ref.get("reason", "")}
                    continue
                decided = cfg.get("skip_4k_cases")   # set by the first worker: same cells for all
                if (case["name"] in decided) if decided is not None else (
                        ref and 1.0 / ref["raw_fps"] > cfg["skip_4k_over_s"]):
                    per_size[label] = {"status": "skipped", "reason": "1080p raw frame time over "
                                       f"{cfg['skip_4k_over_s']} s: 4K would not finish in time"}
                    continue
            try:
                per_size[label] = bench_cell(c, case, tuple(size), cfg, images)
            except Exception as exc:  # noqa: BLE001 - a contender failing a case is a result
                per_size[label] = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"[:500]}
            print(f"  [{name}/{backend}] {case['name']} {label}: {per_size[label]}", file=sys.stderr, flush=True)
        cells[case["name"]] = per_size
    yield "cells", cells
    if name == "offscreen-isf" and cfg.get("overhead_frames"):
        yield from offscreen_isf_extras(c, spec, cfg)
    yield "reinitialize", c.reinitialize_cost(trivial, tuple(cfg["reinit_size"]), cfg["reinit_reps"])
    soaks = [soak(c, trivial, tuple(cfg["soak_size"]), cfg["soak_frames"])]
    if name != "pyvvisf" and "filter_upload" in cases:
        small = make_images(2, *cfg["soak_size"])
        soaks.append(soak(c, cases["filter_upload"], tuple(cfg["soak_size"]), cfg["soak_filter_frames"], small))
    yield "soak", soaks
    if name == "offscreen-isf" and cfg.get("encoder_reps"):
        with c.current():
            frame, _, release = c.pipeline(trivial, (1920, 1080))
            img = np.array(frame(0.5))
            release()
        yield "encoder_fps_1080p", round(encoder_fps(img, cfg["encoder_reps"], Path(spec["tmp"])), 2)
    c.close()


def main(argv: list[str] | None = None) -> int:
    """Read the spec, run, write the result JSON (partial results survive a failure)."""
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text())
    result: dict[str, Any] = {"contender": spec["contender"], "backend": spec["backend"], "pid": os.getpid()}
    out = Path(argv[1])
    status = 0
    try:
        for key, value in run(spec):
            result[key] = value
            out.write_text(json.dumps(result, indent=1))
        result["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - recorded in the JSON, the orchestrator reports it
        result["status"] = "error"
        result["reason"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-3000:]
        status = 1
    out.write_text(json.dumps(result, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
