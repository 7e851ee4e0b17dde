"""The renderer (the "scene"): draws an ISF document's passes into render targets.

Flow per frame (docs/semantics.md, "Passes and targets"):

1. evaluate every target size (``max(1, round(expr))``) with the current inputs; create
   missing persistent buffers cleared to (0,0,0,0); stretch resized ones;
2. for each pass: draw into a *fresh* pooled target (RGBA8, or RGBA32F for FLOAT), with
   every sampler bound to the buffer it held before this pass; then the pass's TARGET
   points at the new buffer (read-after-write within a frame; self-feedback reads the
   previous contents); no blending; each pass is cleared to (0,0,0,0) first whenever a
   pixel could stay unwritten (custom vertex shader, ``discard``);
3. read the last pass back (top row first); reset events, FRAMEINDEX += 1; temporary
   targets go back to the pool (a temporary target read before it is written this frame
   reads transparent black).

Ownership: a :class:`Renderer` owns its program, geometry, input textures and persistent
buffers, all created through its :class:`~offscreen_isf.gl.context.Context`.  It owns that
context too unless one was passed in.  Survives ``context.reinitialize()``: persistent
buffers are read back before the old context goes and restored after.

Threads: use a renderer from one thread at a time (the context's rule).  A renderer may be
handed from one thread to another between calls; a call made while another thread is
inside ``render``/``compile`` raises :class:`~offscreen_isf.errors.ThreadError` (it never
blocks, never corrupts the frame being drawn).

Untrusted shaders (SECURITY.md): ``Renderer(..., isolate=True, timeout=s)`` returns an
:class:`~offscreen_isf.farm.isolate.IsolatedRenderer` that renders in a worker process;
``max_size`` / ``memory_budget`` (:mod:`offscreen_isf.gl.limits`) are checked before every frame
allocates anything; ``allow_paths`` / ``input_root`` confine the files a shader or its inputs
may read.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..media.audio import fft_texture, waveform_texture
from .context import Context
from ..isf.document import Document, load
from ..errors import CompileError, InputError, ResourceLimitError
from .limits import Limits, confine_path
from ..media.images import load_image, to_rgba
from .lifecycle import State
from .pool import RenderTarget, set_sampling
from .readback import PboReadback, best_flip_mode, read_target
from ..isf.translate import FLIP_SWITCH, FLIP_SWITCH_ON, Translation, map_compile_log, translate

__all__ = ["Renderer", "render"]

#: GLSL uniform type -> (PyOpenGL setter, converter of the Python value to its arguments)
UNIFORM_SETTERS: dict[str, tuple[str, Any]] = {
    "float": ("glUniform1f", lambda v: (float(v),)),
    "int": ("glUniform1i", lambda v: (int(v),)),
    "bool": ("glUniform1i", lambda v: (1 if v else 0,)),
    "vec2": ("glUniform2f", lambda v: tuple(float(x) for x in v)),
    "vec4": ("glUniform4f", lambda v: tuple(float(x) for x in v)),
}

#: Clip-space corners of the full quad, drawn as a triangle strip (custom .vs files
#: such as "3d Rotate.vs" expect the four corners, as VVISF-GL draws them).
QUAD = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32)

#: numpy dtype -> (GL internal format, GL pixel type) for input textures.
UPLOAD_FORMATS = {np.dtype(np.uint8): ("GL_RGBA8", "GL_UNSIGNED_BYTE"),
                  np.dtype(np.float32): ("GL_RGBA32F", "GL_FLOAT")}

DateLike = tuple[float, float, float, float] | _dt.datetime | _dt.date | None


@dataclass
class _Source:
    """CPU pixels of a sampler source, bottom row first (GL order), uploaded as they are.

    Images are stored upright with ``_NAME_flip`` false, as the reference renders them:
    mirroring in the shader instead would send out-of-range coordinates (±inf from undefined
    maths) to the opposite edge, unlike VVISF-GL."""

    pixels: np.ndarray          # (h, w, 4) uint8 or float32, bottom row first
    texture: int = 0            # GL name in the current generation (0 = not uploaded)
    dirty: bool = True          # pixels changed since the last upload (texture name reused)
    uploaded: tuple[int, ...] = ()   # (w, h, dtype id) of the texture's storage

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]


def _date_vector(date: DateLike) -> tuple[float, float, float, float]:
    """DATE as VVISF-GL: (year, month 1-12, day 1-31, whole seconds since local midnight)."""
    if date is None:
        date = _dt.datetime.now()
    if isinstance(date, _dt.datetime):
        return (date.year, date.month, date.day, date.hour * 3600 + date.minute * 60 + date.second)
    if isinstance(date, _dt.date):
        return (date.year, date.month, date.day, 0.0)
    try:
        y, m, d, s = (float(v) for v in date)
    except (TypeError, ValueError):
        raise InputError(f"date must be None, a datetime or (year, month, day, seconds), got {date!r}") from None
    return (y, m, d, s)


class Renderer:
    """Renders one ISF document at a fixed output size.

    ``shader`` is a path, the shader text, or a loaded :class:`Document`.  ``size`` is
    (width, height) in pixels.  With ``context=None`` the renderer opens (and later
    closes) its own :class:`Context` on ``backend``; otherwise it shares ``context``.
    ``clamp`` clamps float/long/point2D/color values to the input's MIN/MAX.

    Untrusted shaders (docs/semantics.md, "Resource limits"):

    * ``isolate=True`` returns an :class:`~offscreen_isf.farm.isolate.IsolatedRenderer` instead
      (same methods; renders in a worker process; ``timeout`` seconds per frame raise
      :class:`~offscreen_isf.errors.RenderTimeout`).  ``timeout`` needs ``isolate=True``.
    * ``max_size``: (width, height) cap for the output and every target (default
      ``GL_MAX_TEXTURE_SIZE``); ``memory_budget``: bytes one frame's targets may take
      (default: half the available memory, see :mod:`offscreen_isf.gl.limits`).  Both are
      checked before anything is allocated; over them is a ``ResourceLimitError``.
    * ``allow_paths``: extra folders IMPORTED images may come from (default: only the
      shader's folder); ``input_root``: when set, image/audio inputs given as paths must
      resolve inside it (symlinks followed), else ``InputError``.

    ``draw_flipped=True`` (speed, not bit-exact): the last pass is drawn upside down so its
    rows need no flip on readback; interpolated coordinates then round differently in the
    last bit (see :attr:`draw_flipped`).  Default False: pixels match the reference.
    """

    def __new__(cls, *args: Any, isolate: bool = False, **kwargs: Any) -> Any:
        # Renderer(..., isolate=True) is an IsolatedRenderer (not a subclass: it
        # has no GL state of its own), built here so callers keep one constructor.
        if isolate and cls is Renderer:
            from ..farm.isolate import IsolatedRenderer  # noqa: PLC0415

            return IsolatedRenderer(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, shader: str | os.PathLike[str] | Document, size: tuple[int, int] = (640, 360),
                 backend: str | None = None, context: Context | None = None,
                 inputs: Mapping[str, Any] | None = None, *, clamp: bool = True,
                 isolate: bool = False, timeout: float | None = None,
                 max_size: int | tuple[int, int] | None = None, memory_budget: int | str | None = None,
                 allow_paths: Iterable[str | os.PathLike[str]] | None = None,
                 input_root: str | os.PathLike[str] | None = None,
                 draw_flipped: bool = False) -> None:
        # -- isolation, limits, paths ----------------------------------------------------
        if timeout is not None:
            raise InputError("timeout needs isolate=True: an in-process render cannot be "
                             "interrupted; use Renderer(..., isolate=True, timeout=seconds)")
        limits = Limits.make(max_size, memory_budget)
        self._input_roots: tuple[str | os.PathLike[str], ...] = (() if input_root is None
                                                                  else (input_root,))
        # -------------------------------------------------------------------------------
        self.document = shader if isinstance(shader, Document) else load(
            shader, allow_paths=tuple(allow_paths or ()))
        self.translation: Translation = translate(self.document)
        self.size = self._check_size(size)
        self.clamp = clamp
        self._values: dict[str, Any] = {i.name: i.default for i in self.document.inputs if not i.is_image}
        self._sources: dict[str, _Source | None] = {i.name: None for i in self.document.inputs if i.is_image}
        self._imported: dict[str, _Source] = {}
        self._persistent: dict[str, RenderTarget] = {}
        self._persistent_cpu: dict[str, np.ndarray] = {}   # kept across context generations
        self._stale_textures: list[int] = []   # input textures to delete at the next render
        self.frame_index = 0
        self._last_time: float | None = None
        self._generation = -1
        self._program = self._vao = self._vbo = self._blank = 0
        self._locations: dict[str, int] = {}
        self._uniform_cache: dict[str, tuple[Any, ...]] = {}
        self._scratch: dict = {}   # readback staging buffer, reused across frames
        self._sizes_memo: tuple[Any, dict[str, tuple[int, int]]] | None = None
        self._uniform_types = {u.name: u.glsl_type for u in self.translation.uniforms}
        self._samplers = self.document.image_names()
        # The default quad covers every pixel centre, so a pass leaves no pixel unwritten
        # unless a custom vertex shader moves it or the fragment shader can `discard`: only
        # then is the (costly on llvmpipe) clear to (0,0,0,0) observable.  Conservative: a
        # `discard` in a comment also keeps the clear.
        self._clear_passes = (self.document.vertex_source is not None
                              or re.search(r"\bdiscard\b", self.translation.fragment) is not None)
        self._owns_context = context is None
        self.context = context if context is not None else Context(backend).open()
        self.context.register_owner(self)
        try:   # limits resolved against this context's GL_MAX_TEXTURE_SIZE
            self.limits: Limits = limits.resolved(self.context.max_texture_size)
            self.limits.check_output(self.size)
        except BaseException:
            self.context.unregister_owner(self)
            if self._owns_context:
                self.context.close()
            raise
        # Opt-in speed (``draw_flipped=True``, CLI ``--draw-flipped``): draw the last pass upside
        # down (``isf_FlipY``) so its rows come back top first with no readback flip at all
        # (saves Mesa's pack-invert or a GPU's blit pass).  Not exact: interpolated varyings
        # (isf_FragNormCoord) round differently in the last bit, which hash-noise shaders
        # amplify, so the default draws upright (docs/semantics.md, "Coordinates and orientation").  Never done for a PERSISTENT
        # last pass (read next frame) or an odd output height (2x2 derivative quads would
        # pair other rows): those always use ``row_flip``.  Fixed at construction: it is
        # compiled into the program.
        self._draw_flipped = bool(draw_flipped)
        #: how an upright last pass's rows become top-first on readback (readback.FLIP_MODES),
        #: chosen per backend
        self.row_flip = best_flip_mode(self.context)
        self._final_flip = self.row_flip   # the readback mode of the frame just drawn
        #: render_frames overlaps readback with drawing (PBOs) by default on hardware renderers
        self.pipeline_readback = self.row_flip == "gpu_blit"
        self._pipeline: dict[str, Any] | None = None
        self._released = False
        if inputs:
            self.set_inputs(**inputs)

    @property
    def draw_flipped(self) -> bool:
        """Whether the last pass is drawn upside down (``Renderer(draw_flipped=True)``)."""
        return self._draw_flipped

    # -- inputs ---------------------------------------------------------------------
    @staticmethod
    def _check_size(size: tuple[int, int]) -> tuple[int, int]:
        try:
            w, h = size
        except (TypeError, ValueError):
            raise ResourceLimitError(f"size must be (width, height) in pixels, got {size!r}") from None
        for label, v in (("width", w), ("height", h)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ResourceLimitError(f"{label} must be a positive integer number of pixels, got {v!r}")
        return int(w), int(h)

    def set_inputs(self, **values: Any) -> None:
        """Set input values by name (validated; unknown names raise :class:`InputError`).

        Images: a path, PIL image or (H, W[, 3|4]) uint8/float array, top row first; None
        unsets (the shader then reads transparent black, 1x1).  Audio: (channels, samples)
        floats in [-1, 1] or a WAV path.
        """
        for name, value in values.items():
            inp = self.document.input(name)
            if self._input_roots and isinstance(value, (str, os.PathLike)):
                value = confine_path(value, self._input_roots, what=f'input "{name}"')
            if inp.type == "image" or inp.type in ("audio", "audioFFT"):
                if value is None:
                    pixels = None
                elif inp.type == "image":
                    old = self._sources.get(name)   # its pixels are ours: refill them
                    pixels = to_rgba(value, what=f'input "{name}"', bottom_up=True,
                                     reuse=old.pixels if old is not None else None)
                else:
                    make = waveform_texture if inp.type == "audio" else fft_texture
                    pixels = make(value, inp.max)
                self._replace_source(name, pixels)
            else:
                self._values[name] = inp.coerce(value, clamp=self.clamp)

    def _replace_source(self, name: str, pixels: np.ndarray | None) -> None:
        """New pixels for an image-like input: the old texture name is reused (re-uploaded on
        the next render) or, when unset, queued for deletion -- never leaked."""
        old = self._sources.get(name)
        if pixels is None:
            if old is not None and old.texture:
                self._stale_textures.append(old.texture)
            self._sources[name] = None
        elif old is not None:
            old.pixels, old.dirty = pixels, True
        else:
            self._sources[name] = _Source(pixels)

    @property
    def inputs(self) -> dict[str, Any]:
        """Current non-image input values (a copy)."""
        return dict(self._values)

    # -- GL objects -------------------------------------------------------------------
    def _versioned(self, source: str) -> str:
        """Use ``#version 400`` where the context's GLSL supports it (llvmpipe, NVIDIA, macOS
        4.1): it is what VVISF-GL's GL4 path emits, and real shaders rely on GLSL 4.00's
        implicit int->uint conversions.  The translation itself targets 330 (core-safe)."""
        glsl = self.context.info.glsl_version.split()[0] if self.context.info else ""
        try:
            supports_400 = float(glsl) >= 4.0
        except ValueError:
            supports_400 = False
        if supports_400 and source.startswith("#version 330"):
            return "#version 400" + source[len("#version 330"):]
        return source

    def _compile(self, gl: Any, stage_enum: int, stage: str) -> int:
        ctx = self.context
        shader = ctx.create("shader", self, stage_enum)
        source = self._versioned(self.translation.source(stage))
        if self._draw_flipped:   # compile the upside-down machinery in (translate.FLIP_SWITCH)
            source = source.replace(FLIP_SWITCH, FLIP_SWITCH_ON, 1)
        gl.glShaderSource(shader, source)
        gl.glCompileShader(shader)
        if not gl.glGetShaderiv(shader, gl.GL_COMPILE_STATUS):
            log = gl.glGetShaderInfoLog(shader)
            log = log.decode("utf-8", "replace") if isinstance(log, bytes) else str(log)
            ctx.delete("shader", shader)
            raise CompileError(f"{self.document.name}: {stage} shader failed to compile on "
                               f"{ctx.info.renderer}:\n{map_compile_log(log, self.translation, stage)}")
        return shader

    def _build(self, gl: Any) -> None:
        ctx = self.context
        program = ctx.create("program", self)
        shaders: list[int] = []
        try:
            shaders.append(self._compile(gl, gl.GL_VERTEX_SHADER, "vertex"))
            shaders.append(self._compile(gl, gl.GL_FRAGMENT_SHADER, "fragment"))
            for s in shaders:
                gl.glAttachShader(program, s)
            gl.glBindAttribLocation(program, 0, "isf_position")
            gl.glLinkProgram(program)
            if not gl.glGetProgramiv(program, gl.GL_LINK_STATUS):
                log = gl.glGetProgramInfoLog(program)
                raise CompileError(f"{self.document.name}: program failed to link: "
                                   f"{log.decode('utf-8', 'replace') if isinstance(log, bytes) else log}")
        except BaseException:
            ctx.delete("program", program)   # a failed build leaves no GL object behind
            raise
        finally:
            for s in shaders:
                ctx.delete("shader", s)  # flagged for deletion; freed with the program
        self._program = program
        self._locations = {u.name: gl.glGetUniformLocation(program, u.name)
                           for u in self.translation.uniforms}
        self._uniform_cache.clear()
        gl.glUseProgram(program)
        for unit, name in enumerate(self._samplers):   # fixed texture unit per sampler
            if self._locations.get(name, -1) >= 0:
                gl.glUniform1i(self._locations[name], unit)
        self._vao = ctx.create("vertex_array", self)
        self._vbo = ctx.create("buffer", self)
        gl.glBindVertexArray(self._vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self._vbo)
        gl.glBufferData(gl.GL_ARRAY_BUFFER, QUAD.nbytes, QUAD, gl.GL_STATIC_DRAW)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 2, gl.GL_FLOAT, False, 0, None)
        gl.glBindVertexArray(0)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, 0)
        self._blank = self._upload(gl, np.zeros((1, 1, 4), np.uint8))
        for source in self._sources.values():
            if source is not None:
                source.texture, source.uploaded = 0, ()
        for imp in self.document.imported:
            if imp.name not in self._imported:   # loaded once per renderer, kept across generations
                self._imported[imp.name] = _Source(np.ascontiguousarray(
                    load_image(imp.resolved, what=f'IMPORTED "{imp.name}"')[::-1]))
            self._imported[imp.name].texture, self._imported[imp.name].uploaded = 0, ()
        self._persistent = {}
        self._generation = ctx.generation

    def _upload(self, gl: Any, pixels: np.ndarray, texture: int = 0, storage: tuple[int, ...] = ()) -> int:
        """Upload RGBA pixels (rows as stored: GL row 0 first) to ``texture`` (created when 0).

        ``storage`` is the (w, h, dtype) the texture already has: when it matches, the pixels
        are replaced in place (glTexSubImage2D) instead of reallocating the texture."""
        ctx = self.context
        if not texture:
            texture, storage = ctx.create("texture", self), ()
        internal, pixel_type = UPLOAD_FORMATS[pixels.dtype]
        h, w = pixels.shape[:2]
        ctx.check_size(w, h)
        pixels = np.ascontiguousarray(pixels)
        with ctx.gl_errors("uploading a texture"):
            gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
            gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
            if storage == (w, h, pixels.dtype.num):
                gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, w, h, gl.GL_RGBA, getattr(gl, pixel_type), pixels)
                gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
                return texture
            gl.glTexImage2D(gl.GL_TEXTURE_2D, 0, getattr(gl, internal), w, h, 0, gl.GL_RGBA,
                            getattr(gl, pixel_type), pixels)
            set_sampling(gl)
            gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
        return texture

    def _set_uniform(self, gl: Any, name: str, value: Any) -> None:
        """Upload a uniform only when its value changed (cached per program)."""
        loc = self._locations.get(name, -1)
        if loc < 0:
            return  # declared but optimised out by the driver
        setter, convert = UNIFORM_SETTERS[self._uniform_types[name]]
        args = convert(value)
        if self._uniform_cache.get(name) != args:
            getattr(gl, setter)(loc, *args)
            self._uniform_cache[name] = args

    # -- targets ----------------------------------------------------------------------
    def _target_sizes(self) -> dict[str, tuple[int, int]]:
        # all sizes of the frame checked against max_size and the memory budget
        # before anything is allocated (ResourceLimitError).
        textures = [(src.size[0], src.size[1], src.pixels.itemsize * 4)
                    for src in list(self._sources.values()) + list(self._imported.values())
                    if src is not None]
        # the same inputs give the same sizes: evaluate and check once, not every frame
        key = (self.size, list(self._values.items()), textures, self.limits)
        if self._sizes_memo is None or self._sizes_memo[0] != key:
            self._sizes_memo = (key, self.limits.frame_sizes(self.document, self.size, self._values, textures))
        return self._sizes_memo[1]

    def _clear(self, gl: Any, target: RenderTarget) -> None:
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, target.framebuffer)
        gl.glViewport(0, 0, target.width, target.height)
        gl.glClearColor(0, 0, 0, 0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT)

    def _prepare_persistent(self, gl: Any, sizes: Mapping[str, tuple[int, int]]) -> None:
        pool = self.context.pool
        bound = False                        # a framebuffer left bound here
        for t in self.document.persistent_targets:
            w, h = sizes[t.name]
            fmt = "rgba32f" if t.float else "rgba8"
            current = self._persistent.get(t.name)
            if current is None and t.name in self._persistent_cpu:   # restore after reinitialize()
                saved = self._persistent_cpu.pop(t.name)
                current = pool.acquire(saved.shape[1], saved.shape[0],
                                       "rgba32f" if saved.dtype == np.float32 else "rgba8")
                _, pixel_type = UPLOAD_FORMATS[saved.dtype]
                gl.glBindTexture(gl.GL_TEXTURE_2D, current.texture)
                gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
                gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, saved.shape[1], saved.shape[0], gl.GL_RGBA,
                                   getattr(gl, pixel_type), np.ascontiguousarray(saved[::-1]))
                gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
                self._persistent[t.name] = current
            if current is not None and (current.width, current.height, current.format) == (w, h, fmt):
                continue
            fresh = pool.acquire(w, h, fmt)
            self._clear(gl, fresh)            # new persistent buffers start at (0,0,0,0)
            bound = True
            if current is not None:           # resized: keep the contents, stretched
                gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, current.framebuffer)
                gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, fresh.framebuffer)
                gl.glBlitFramebuffer(0, 0, current.width, current.height, 0, 0, w, h,
                                     gl.GL_COLOR_BUFFER_BIT, gl.GL_LINEAR)
                pool.release(current)
            self._persistent[t.name] = fresh
        if bound:
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)

    # -- rendering ----------------------------------------------------------------------
    def compile(self) -> None:
        """Compile and link the shaders now (otherwise done by the first render).

        Raises :class:`CompileError` with the driver's log mapped to .fs/.vs lines.
        """
        ctx = self.context
        with ctx.current():
            gl = ctx.gl
            if self._generation != ctx.generation:
                with ctx.gl_errors(f"compiling {self.document.name}"):
                    self._build(gl)

    def render(self, time: float = 0.0, date: DateLike = None, *, dtype: str | None = None,
               out: np.ndarray | None = None) -> np.ndarray:
        """Render one frame at ``time`` seconds; returns (height, width, 4), **top row first**.

        dtype: ``None`` = uint8 (0..255) unless the last pass is FLOAT (then float32),
        or ``"uint8"`` / ``"float32"`` explicitly.  ``date`` feeds DATE (default: now).
        FRAMEINDEX advances by one per call; TIMEDELTA is 0 on the first frame.
        ``out``: a preallocated array of the right shape and dtype to fill.
        """
        if self._released:
            raise InputError("this Renderer was released; create a new one")
        if not isinstance(time, (int, float)) or not math.isfinite(time):
            raise InputError(f"time must be a finite number of seconds, got {time!r}")
        ctx = self.context
        with ctx.current():
            gl = ctx.gl
            with ctx.gl_errors(f"rendering {self.document.name}"):
                if self._generation != ctx.generation:
                    self._build(gl)
                final = self._draw_frame(gl, float(time), _date_vector(date))
                try:
                    result = read_target(ctx, final, out=out, dtype=self._output_dtype(final, dtype),
                                         scratch=self._scratch, flip=self._final_flip)
                finally:
                    self._release_final(final)
        return result

    @staticmethod
    def _output_dtype(final: RenderTarget, dtype: str | None) -> str:
        fmt = dtype or ("float32" if final.format == "rgba32f" else "uint8")
        if fmt not in ("uint8", "float32"):
            raise InputError(f"dtype must be 'uint8' or 'float32', got {dtype!r}")
        return fmt

    def _release_final(self, final: RenderTarget) -> None:
        """The last pass's target goes back to the pool unless it is a persistent buffer."""
        last = self.document.passes[-1]
        if last.target is None or last.target not in self._persistent:
            self.context.pool.release(final)

    def _draw_frame(self, gl: Any, time: float, date: tuple[float, ...]) -> RenderTarget:
        ctx, doc = self.context, self.document
        pool = ctx.pool
        sizes = self._target_sizes()
        self._prepare_persistent(gl, sizes)
        timedelta = 0.0 if self._last_time is None else abs(time - self._last_time)
        gl.glUseProgram(self._program)
        gl.glBindVertexArray(self._vao)
        for name, value in (("TIME", time), ("TIMEDELTA", timedelta), ("DATE", date),
                            ("FRAMEINDEX", self.frame_index)):
            self._set_uniform(gl, name, value)
        for name, value in self._values.items():
            self._set_uniform(gl, name, value)
        for texture in self._stale_textures:
            self.context.delete("texture", texture)
        self._stale_textures.clear()
        for name, source in list(self._sources.items()) + list(self._imported.items()):
            if source is not None and (not source.texture or source.dirty):
                source.texture = self._upload(gl, source.pixels, source.texture, source.uploaded)
                source.uploaded = (source.size[0], source.size[1], source.pixels.dtype.num)
                source.dirty = False
        temporary: dict[str, RenderTarget] = {}
        final: RenderTarget | None = None
        last_index = len(doc.passes) - 1
        try:
            for index, p in enumerate(doc.passes):
                target_def = doc.targets.get(p.target) if p.target else None
                if index == last_index or target_def is None:
                    w, h = self.size            # docs/semantics.md, "Passes and targets"
                else:
                    w, h = sizes[p.target]
                is_float = bool(target_def and target_def.float)
                output = pool.acquire(w, h, "rgba32f" if is_float else "rgba8")
                if self._clear_passes:
                    self._clear(gl, output)
                else:
                    gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, output.framebuffer)
                    gl.glViewport(0, 0, w, h)
                self._set_uniform(gl, "PASSINDEX", index)
                self._set_uniform(gl, "RENDERSIZE", (w, h))
                flipped = (index == last_index and self._draw_flipped and h % 2 == 0
                           and not (target_def and target_def.persistent))
                if self._draw_flipped:   # the uniform exists only in a program built for it
                    self._set_uniform(gl, "isf_FlipY", (1.0, float(h)) if flipped else (0.0, 0.0))
                if index == last_index:
                    self._final_flip = "none" if flipped else self.row_flip
                self._bind_samplers(gl, sizes, temporary)
                gl.glDrawArrays(gl.GL_TRIANGLE_STRIP, 0, 4)
                if target_def is None:
                    if index == last_index:
                        final = output
                    else:
                        pool.release(output)   # an unnamed non-last pass draws nowhere visible
                    continue
                store = self._persistent if target_def.persistent else temporary
                previous = store.get(p.target)
                store[p.target] = output
                if previous is not None:
                    pool.release(previous)
                if index == last_index:
                    final = output
        finally:
            for unit in range(len(self._samplers)):
                gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
                gl.glBindTexture(gl.GL_TEXTURE_2D, 0)
            gl.glActiveTexture(gl.GL_TEXTURE0)
            gl.glBindVertexArray(0)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
            last_target = doc.passes[-1].target
            for name, t in temporary.items():
                if not (name == last_target and t is final):
                    pool.release(t)
        assert final is not None
        for inp in doc.inputs:
            if inp.type == "event":
                self._values[inp.name] = False   # events last one frame (VVISF-GL)
        self.frame_index += 1
        self._last_time = time
        return final

    def _bind_samplers(self, gl: Any, sizes: Mapping[str, tuple[int, int]],
                       temporary: Mapping[str, RenderTarget]) -> None:
        for unit, name in enumerate(self._samplers):
            texture, size = self._blank, (1, 1)
            source = self._sources.get(name) or self._imported.get(name)
            if source is not None:
                texture, size = source.texture, source.size
            else:
                buffer = self._persistent.get(name) or temporary.get(name)
                if buffer is not None:
                    texture, size = buffer.texture, (buffer.width, buffer.height)
                elif name in sizes:
                    size = sizes[name]        # unwritten temporary target: reads black
            gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
            gl.glBindTexture(gl.GL_TEXTURE_2D, texture)
            self._set_uniform(gl, f"_{name}_imgSize", size)
            self._set_uniform(gl, f"_{name}_imgRect", (0.0, 0.0, 1.0, 1.0))
            self._set_uniform(gl, f"_{name}_flip", False)

    def render_frames(self, times: Iterable[float], date: DateLike = None, *, dtype: str | None = None,
                      pipeline: bool | None = None) -> Iterator[tuple[float, np.ndarray]]:
        """Render each time in order; yields (time, frame) with frames as :meth:`render`.

        ``pipeline``: read frame N back asynchronously (two pixel-pack buffers) while frame
        N+1 draws; each frame is then yielded one draw later.  Default: on for GPUs, off for
        CPU rasterisers (llvmpipe), where it gains nothing.  Between frames the
        caller may use the context (even ``reinitialize()`` it: a queued frame is kept).
        """
        if not (self.pipeline_readback if pipeline is None else pipeline):
            for t in times:
                yield t, self.render(t, date, dtype=dtype)
            return
        ctx = self.context
        state: dict[str, Any] = {"reader": None, "pending": None, "fetched": None}
        self._pipeline = state
        slot = 0
        try:
            for t in times:
                if self._released:
                    raise InputError("this Renderer was released; create a new one")
                if not isinstance(t, (int, float)) or not math.isfinite(t):
                    raise InputError(f"time must be a finite number of seconds, got {t!r}")
                with ctx.current():   # per frame: the caller may use the context between frames
                    gl = ctx.gl
                    with ctx.gl_errors(f"rendering {self.document.name}"):
                        if self._generation != ctx.generation:
                            self._build(gl)
                        if state["reader"] is None or state["reader"].generation != ctx.generation:
                            state["reader"] = PboReadback(ctx, self)
                        final = self._draw_frame(gl, float(t), _date_vector(date))
                        try:
                            fmt, flip = self._output_dtype(final, dtype), self._final_flip
                            shape = state["reader"].queue(final, slot, fmt, flip)
                        finally:
                            self._release_final(final)
                previous, state["pending"] = state["pending"], (t, slot, shape, fmt, flip)
                slot ^= 1
                if previous is not None:
                    yield previous[0], self._fetch_pending(previous, state)
            if state["pending"] is not None:
                last, state["pending"] = state["pending"], None
                yield last[0], self._fetch_pending(last, state)
        finally:
            self._pipeline = None
            if state["reader"] is not None and ctx.state in (State.OPEN, State.CURRENT):
                with ctx.current():
                    state["reader"].release()

    def _fetch_pending(self, pending: tuple[Any, ...], state: dict[str, Any]) -> np.ndarray:
        """Pixels of a queued frame (or the copy saved when the context was torn down)."""
        fetched = state.pop("fetched", None)
        state["fetched"] = None
        if fetched is not None and fetched[0] is pending:
            return fetched[1]
        _, slot, shape, fmt, flip = pending
        with self.context.current():
            return state["reader"].fetch(slot, shape, fmt, flip)

    def save(self, path: str | os.PathLike[str], time: float = 0.0, date: DateLike = None) -> Path:
        """Render one frame and write it as PNG (8-bit; 16-bit per channel for float output)."""
        from ..media.output import write_png  # noqa: PLC0415

        return write_png(path, self.render(time, date))

    # -- lifecycle ----------------------------------------------------------------------
    def on_context_closing(self, context: Context, reinitializing: bool) -> None:
        """Keep persistent buffers (and a frame queued for asynchronous readback) on the CPU;
        GL names die with the context."""
        state = getattr(self, "_pipeline", None)
        if (state and state.get("pending") is not None and state.get("reader") is not None
                and context.state is not State.LOST and state["reader"].generation == context.generation):
            _, slot, shape, fmt, flip = state["pending"]
            state["fetched"] = (state["pending"], state["reader"].fetch(slot, shape, fmt, flip))
        if context.state is not State.LOST and self._generation == context.generation:
            for name, target in self._persistent.items():
                self._persistent_cpu[name] = read_target(context, target)
        self._persistent = {}
        self._generation = -1
        self._stale_textures.clear()   # their names die with the context
        for source in list(self._sources.values()) + list(self._imported.values()):
            if source is not None:
                source.texture, source.uploaded = 0, ()

    def release(self) -> None:
        """Free this renderer's GL objects (and close its own context).  Idempotent."""
        if self._released:
            return
        self._released = True
        ctx = self.context
        ctx.unregister_owner(self)
        if self._owns_context:
            ctx.close()
            return
        if ctx.state in (State.OPEN, State.CURRENT) and self._generation == ctx.generation:
            with ctx.current():
                for target in self._persistent.values():
                    ctx.pool.release(target)
                for source in list(self._sources.values()) + list(self._imported.values()):
                    if source is not None and source.texture:
                        ctx.delete("texture", source.texture)
                for texture in self._stale_textures:
                    ctx.delete("texture", texture)
                for kind, name in (("program", self._program), ("vertex_array", self._vao),
                                   ("buffer", self._vbo), ("texture", self._blank)):
                    ctx.delete(kind, name)
        self._persistent = {}

    close = release

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def render(shader: str | os.PathLike[str] | Document, size: tuple[int, int] = (640, 360),
           time: float = 0.0, inputs: Mapping[str, Any] | None = None, *, backend: str | None = None,
           date: DateLike = None, dtype: str | None = None) -> np.ndarray:
    """Render one frame of ``shader``: (height, width, 4) uint8 (float32 for FLOAT output),
    top row first.  Opens and closes a context; use :class:`Renderer` for many frames."""
    with Renderer(shader, size, backend=backend, inputs=inputs) as r:
        return r.render(time, date, dtype=dtype)


