"""The renderer: draws an ISF document's passes and reads the frame back, top row first.

:class:`Renderer` is a thin facade over parts with one job each:

* :mod:`~offscreen_isf.isf.translate` gives the final GLSL sources;
* :mod:`.program`: compile and link them, uniform locations and the value cache;
* :mod:`.textures`: the CPU pixels of image/audio inputs and IMPORTED images, and uploads;
* :mod:`.targets`: target sizes per input state (resource limits checked first) and the
  persistent buffers, kept across a context reinitialize;
* :mod:`.framegraph`: the pass loop of one frame (docs/semantics.md, "Passes and targets");
* :mod:`.readback`: every row-order decision and the readback (also pipelined).

Per frame: target sizes for the current inputs; persistent buffers made ready; the passes
drawn; the last pass read back (top row first); events reset, FRAMEINDEX += 1.

Ownership: a :class:`Renderer` owns its program, geometry, input textures and persistent
buffers, all created through its :class:`~offscreen_isf.gl.context.Context`.  It owns that
context too unless one was passed in.  Survives ``context.reinitialize()``: persistent
buffers are read back before the old context goes and restored after.

Threads: use a renderer from one thread at a time (the context's rule).  A renderer may be
handed from one thread to another between calls; a call (``render``, ``compile``,
``set_inputs``, ``release``) made while another thread is inside one raises
:class:`~offscreen_isf.errors.ThreadError` (it never blocks, never corrupts the frame being
drawn) and changes nothing: a refused ``release()`` can be repeated.  ``release()`` from
another thread between calls works (the context is made current there to free the objects).

Lifetime (docs/semantics.md, "Contexts and lifecycle"): a constructor that raises closes
the context it opened.  A renderer on a shared context that is dropped without
``release()`` has its GL objects queued (by a ``weakref.finalize``, no GL) and deleted at
that context's next ``make_current``.  FRAMEINDEX counts frames delivered: a frame drawn
but not delivered (an exception or KeyboardInterrupt in ``render``, ``render_frames``
closed or interrupted with a frame still queued) is taken back, with TIMEDELTA's previous
time and the events it consumed (persistent buffers keep what it drew).

Untrusted shaders (SECURITY.md): ``max_size`` / ``memory_budget``
(:mod:`offscreen_isf.gl.limits`) are checked before every frame allocates anything;
``allow_paths`` / ``input_root`` confine the files a shader or its inputs may read.  To
render in a worker process, use ``oi.open_renderer(shader, ..., isolate=True)``.
"""

from __future__ import annotations

import collections
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import numpy as np

from ..contract import DEFAULT_SIZE, DateLike, RenderSettings, check_time
from ..errors import InputError
from ..isf.document import Document, load
from ..isf.translate import Translation, translate
from .calls import CallGuard
from .context import Context
from .framegraph import FrameGraph, date_vector
from .lifecycle import State
from .limits import Limits, confine_input
from .pool import RenderTarget
from .program import Program
from .readback import FrameReadback, PipelinedReadback, output_dtype
from .targets import Targets
from .textures import InputTextures

if TYPE_CHECKING:
    from .cuda import CudaFrame

__all__ = ["Renderer", "render"]

_T = TypeVar("_T")

#: What a frame changes besides pixels: (FRAMEINDEX, previous time, event values).
_Mark = tuple[int, "float | None", dict[str, Any]]


def _reclaim_dropped(ctx: Context, token: int, targets: Targets) -> None:
    """A renderer on a shared context was garbage-collected unreleased: queue its objects
    (and the persistent buffers it held) for the context's next make_current.  No GL here."""
    ctx.reclaim_later(token, list(targets.persistent.values()))


def _settings(size: tuple[int, int] | None, backend: str | None, settings: RenderSettings | None,
              options: dict[str, Any]) -> RenderSettings:
    """One :class:`RenderSettings` from ``settings`` or from the keyword options."""
    if options.get("isolate") or (settings is not None and settings.isolate):
        raise InputError("Renderer draws in this process; to render in a worker process use "
                         "oi.open_renderer(shader, ..., isolate=True, timeout=seconds)")
    if settings is None:
        return RenderSettings.from_options(size=DEFAULT_SIZE if size is None else size,
                                           backend=backend, **options)
    if size is not None or backend is not None or options:
        raise InputError("give either settings= or keyword options (size, backend, clamp ...), "
                         "not both; settings.replace(...) derives changed settings")
    if not isinstance(settings, RenderSettings):
        raise InputError(f"settings must be a RenderSettings, got {type(settings).__name__}")
    return settings


def _given_or_new(context: object, backend: str | None, device: str | None = None) -> Context:
    """The shared ``context`` (InputError when it is not a :class:`Context`), or a new one."""
    if context is not None and not isinstance(context, Context):
        raise InputError(f"context must be a Context or None, got {type(context).__name__}")
    return context if context is not None else Context(backend, device=device).open()


def _undo_construction(r: Renderer) -> None:
    """A constructor that raises: close the context it opened (or free what it made in a
    shared one), from whatever state construction reached."""
    if hasattr(r, "frames"):
        r.release()
    elif r._owns_context:
        r.context.close()


def _mark(r: Renderer) -> _Mark:
    """What a frame advances besides pixels (put back by :func:`_rewind` if not delivered)."""
    return r.frame_index, r._last_time, {name: r._values[name] for name in r._events}


def _rewind(r: Renderer, mark: _Mark) -> None:
    r.frame_index, r._last_time, events = mark
    r._values.update(events)


def _free_in_shared(r: Renderer, ctx: Context) -> None:
    """Delete ``r``'s objects in a shared context (made current here)."""
    if ctx.state in (State.OPEN, State.CURRENT) and r._generation == ctx.generation:
        with ctx.current():
            _release_cuda(r)
            r.targets.release()
            r.textures.delete()
            r.frames.delete()
            if r._program is not None:
                r._program.delete()
    r.targets.forget()


def _release_cuda(r: Renderer) -> None:
    """Free ``r``'s CUDA reader now (context current) if it ever rendered with
    ``device="cuda"``; looked up, not imported, so the host path never loads the module."""
    cuda = sys.modules.get(f"{__package__}.cuda")
    if cuda is not None:
        cuda.release_reader(r)


class Renderer:
    """Renders one ISF document at an output size.

    ``shader`` is a path, the shader text, or a loaded :class:`Document`.  Options come as
    keywords (``size`` (width, height) in pixels, ``backend``, ``clamp``, ``max_size``,
    ``memory_budget``, ``allow_paths``, ``input_root``, ``draw_flipped``: see
    :class:`~offscreen_isf.contract.RenderSettings`) or as one ``settings`` object, stored as
    :attr:`settings`.  With ``context=None`` the renderer opens (and later closes) its own
    :class:`Context` on ``backend``; otherwise it shares ``context``.  ``inputs``: initial
    input values.

    ``draw_flipped=True`` (speed, not bit-exact: see
    :class:`~offscreen_isf.gl.readback.FrameReadback`) draws the last pass upside down so its
    rows need no flip on readback.  Default False: pixels match the reference.
    """

    def __init__(self, shader: str | os.PathLike[str] | Document, size: tuple[int, int] | None = None,
                 backend: str | None = None, context: Context | None = None,
                 inputs: Mapping[str, Any] | None = None, *, settings: RenderSettings | None = None,
                 **options: Any) -> None:
        self.settings = s = _settings(size, backend, settings, options)
        limits = Limits.make(s.max_size, s.memory_budget)
        self._guard = CallGuard("Renderer")
        self._input_roots = () if s.input_root is None else (s.input_root,)
        self.document = shader if isinstance(shader, Document) else load(shader, allow_paths=s.allow_paths)
        # Translated before a context opens: IMG_* misuse fails here, costing nothing.
        self.translation: Translation = translate(self.document)
        self.clamp = s.clamp
        self._values: dict[str, Any] = {i.name: i.default for i in self.document.inputs if not i.is_image}
        #: names of the event inputs (true for one frame after being set)
        self._events = tuple(i.name for i in self.document.inputs if i.type == "event")
        self.frame_index = 0
        self._last_time: float | None = None
        self._generation = -1
        self._program: Program | None = None
        self._pipeline: PipelinedReadback | None = None
        self._released = False
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._owns_context = context is None
        self.context = _given_or_new(context, s.backend, s.device)
        try:
            self._build(limits, inputs)
        except BaseException:
            _undo_construction(self)   # leaves no context, owner or GL object behind
            raise

    def _build(self, limits: Limits, inputs: Mapping[str, Any] | None) -> None:
        """The rest of the constructor, once the context is open."""
        s, ctx = self.settings, self.context
        # limits resolved against this context's GL_MAX_TEXTURE_SIZE
        self.limits: Limits = limits.resolved(ctx.max_texture_size)
        self.limits.check_output(s.size)
        self.translation = self.translation.retarget(flip_y=s.draw_flipped)   # version: at build
        self.readback = FrameReadback(ctx, s.draw_flipped)
        #: render_frames overlaps readback with drawing (PBOs) by default on hardware renderers
        self.pipeline_readback = self.readback.pipeline_by_default
        self.textures = InputTextures(ctx, self, self.document)
        self.targets = Targets(ctx, self.document, s.size, self.limits)
        self.frames = FrameGraph(ctx, self, self.document, self.translation,
                                 self.textures, self.targets, self.readback)
        ctx.register_owner(self)
        token = None if self._owns_context else ctx.owner_token(self)
        self._finalizer = (None if token is None
                           else weakref.finalize(self, _reclaim_dropped, ctx, token, self.targets))
        if inputs:
            self.set_inputs(**inputs)

    # -- options and state -----------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        """Output (width, height) in pixels (may change between frames)."""
        return self.targets.size

    @size.setter
    def size(self, value: tuple[int, int]) -> None:
        self.targets.size = (int(value[0]), int(value[1]))

    @property
    def draw_flipped(self) -> bool:
        """Whether the last pass is drawn upside down (fixed: compiled into the program)."""
        return self.settings.draw_flipped

    @property
    def row_flip(self) -> str:
        """How an upright last pass's rows become top-first on readback (readback.FLIP_MODES),
        chosen per backend; settable."""
        return self.readback.row_flip

    @row_flip.setter
    def row_flip(self, mode: str) -> None:
        self.readback.row_flip = mode

    def set_inputs(self, **values: Any) -> None:
        """Set input values by name (validated; unknown names raise :class:`InputError`).

        Images: a path, PIL image or (H, W[, 3|4]) uint8/float array, top row first; None
        unsets (the shader then reads opaque black (0, 0, 0, 1), 1x1).  Cube maps: six such images,
        faces +X, -X, +Y, -Y, +Z, -Z, square and of one size.  Audio: (channels, samples)
        floats in [-1, 1] or a WAV path.
        """
        with self._guard("set_inputs"):
            for name, value in values.items():
                inp = self.document.input(name)
                value = confine_input(value, self._input_roots, inp, self.limits)
                if inp.is_image:
                    self.textures.set(inp, value)
                else:
                    self._values[name] = inp.coerce(value, clamp=self.clamp)


    @property
    def inputs(self) -> dict[str, Any]:
        """Current non-image input values (a copy)."""
        return dict(self._values)

    # -- drawing ---------------------------------------------------------------------------
    def _ensure_built(self, gl: Any) -> None:
        """Build the program and its GL objects once per context generation."""
        ctx = self.context
        if self._generation == ctx.generation:
            return
        self._program = Program.from_translation(ctx, self, self.translation, self.document.name)
        self.translation = self._program.translation or self.translation   # at the version used
        self.frames.build(gl, self._program)
        self.textures.build(gl)
        self.targets.forget()
        self._generation = ctx.generation

    def compile(self) -> None:
        """Compile and link the shaders now (otherwise done by the first render).

        Raises :class:`CompileError` with the driver's log mapped to .fs/.vs lines.
        """
        ctx = self.context
        with self._guard("compile"), ctx.current(), ctx.gl_errors(f"compiling {self.document.name}"):
            self._ensure_built(ctx.gl)

    @overload
    def render(self, time: float = ..., date: DateLike = ..., *, dtype: str | None = ...,
               out: np.ndarray | None = ..., device: None = ...) -> np.ndarray: ...
    @overload
    def render(self, time: float = ..., date: DateLike = ..., *, dtype: str | None = ...,
               out: None = ..., device: Literal["cuda"]) -> CudaFrame: ...
    def render(self, time: float = 0.0, date: DateLike = None, *, dtype: str | None = None,
               out: np.ndarray | None = None, device: str | None = None) -> np.ndarray | CudaFrame:
        """Render one frame at ``time`` seconds; returns (height, width, 4), **top row first**.

        dtype: ``None`` = uint8 (0..255) unless the last pass is FLOAT (then float32),
        or ``"uint8"`` / ``"float32"`` explicitly.  ``date`` feeds DATE (default: now).
        FRAMEINDEX advances by one per call; TIMEDELTA is 0 on the first frame.
        ``out``: a preallocated array of the right shape and dtype to fill.  ``device="cuda"``
        returns a :class:`~offscreen_isf.gl.cuda.CudaFrame` in GPU memory instead (same pixels).
        """
        mark = _mark(self)
        try:
            return self._frame(time, date, dtype, _consumer(self, out, device))
        except BaseException:
            _rewind(self, mark)   # FRAMEINDEX counts frames delivered
            raise

    @overload
    def render_frames(self, times: Iterable[float], date: DateLike = ..., *, dtype: str | None = ...,
                      pipeline: bool | None = ..., device: None = ...) -> Iterator[tuple[float, np.ndarray]]: ...
    @overload
    def render_frames(self, times: Iterable[float], date: DateLike = ..., *, dtype: str | None = ...,
                      pipeline: bool | None = ..., device: Literal["cuda"]) -> Iterator[tuple[float, CudaFrame]]: ...
    def render_frames(self, times: Iterable[float], date: DateLike = None, *, dtype: str | None = None,
                      pipeline: bool | None = None, device: str | None = None) -> Iterator[tuple[float, Any]]:
        """Render each time in order; yields (time, frame) with frames as :meth:`render`.

        ``pipeline``: read frame N back asynchronously (two pixel-pack buffers, or two CUDA
        copies for ``device="cuda"``) while frame N+1 draws; each frame is then yielded one draw
        later.  Default: on for GPUs and CUDA, off for CPU rasterisers (llvmpipe), where it gains
        nothing.  Between frames the caller may use the context (even ``reinitialize()`` it).
        """
        if not ((self.pipeline_readback or device is not None) if pipeline is None else pipeline):
            for t in times:
                yield t, self.render(t, date, dtype=dtype, device=device)   # type: ignore[arg-type]
            return
        yield from _pipelined(self, times, date, dtype, _cuda(device, None))

    def _frame(self, time: float, date: DateLike, dtype: str | None,
               consume: Callable[[RenderTarget, str], _T]) -> _T:
        """Draw one frame and hand its last pass's target and output dtype to ``consume``
        (context current); the target goes back afterwards."""
        seconds, day = check_time(time), date_vector(date)
        ctx = self.context
        with self._guard("render"):
            if self._released:
                raise InputError("this Renderer was released; create a new one")
            with ctx.current():   # per frame: the caller may use the context between frames
                gl = ctx.gl
                with ctx.gl_errors(f"rendering {self.document.name}"):
                    self._ensure_built(gl)
                    final = _draw(self, gl, seconds, day)
                    try:
                        return consume(final, output_dtype(dtype, self.document.output_is_float))
                    finally:
                        self.frames.release_final(final)

    def save(self, path: str | os.PathLike[str], time: float = 0.0, date: DateLike = None) -> Path:
        """Render one frame and write it as PNG (8-bit; 16-bit per channel for float output)."""
        from ..media.output import write_png  # noqa: PLC0415

        return write_png(path, self.render(time, date))

    # -- lifetime --------------------------------------------------------------------------
    def on_context_closing(self, context: Context, reinitializing: bool) -> None:
        """Keep persistent buffers (and a frame queued for asynchronous readback) on the CPU;
        GL names die with the context."""
        if self._pipeline is not None:
            self._pipeline.save_before_close(context)
        if context.state is not State.LOST and self._generation == context.generation:
            self.targets.save(context)
        self.targets.forget()
        self.textures.forget()
        self.frames.forget()
        self._program = None
        self._generation = -1

    def release(self) -> None:
        """Free this renderer's GL objects (and close its own context).  Idempotent.

        From any thread while no call is running; ThreadError, with nothing changed, while
        another thread is inside a call or holds the context current (repeat it there)."""
        with self._guard("release"):
            if self._released:
                return
            ctx = self.context
            if self._owns_context:
                ctx.close()   # ThreadError here leaves the renderer releasable
            else:
                _free_in_shared(self, ctx)
            self._released = True
            ctx.unregister_owner(self)
            if self._finalizer is not None:
                self._finalizer.detach()


    close = release

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _cuda(device: str | None, out: np.ndarray | None) -> ModuleType | None:
    """The CUDA readback module for ``device="cuda"`` (imported only then), None for host."""
    if device is None:
        return None
    from . import cuda  # noqa: PLC0415 - optional: nothing CUDA-related loads otherwise

    cuda.check_device(device)
    if out is not None:
        raise InputError("out= fills a host array; it cannot be combined with device='cuda'")
    return cuda


def _consumer(r: Renderer, out: np.ndarray | None,
              device: str | None) -> Callable[[RenderTarget, str], np.ndarray | CudaFrame]:
    """What :meth:`Renderer.render` does with the frame drawn: read it into host memory, or
    copy it into CUDA memory."""
    cuda = _cuda(device, out)
    if cuda is None:
        return lambda final, fmt: r.readback.read(final, fmt, out)
    read_now: Callable[..., CudaFrame] = cuda.read_now
    return lambda final, fmt: read_now(r, final, fmt, r.readback.final_flip)


def _draw(r: Renderer, gl: Any, time: float, date: tuple[float, float, float, float]) -> RenderTarget:
    """Draw one frame of ``r`` (context current, program built); returns the last pass's target.
    ``time`` in seconds; ``date`` the DATE vector."""
    assert r._program is not None
    sizes = r.targets.sizes(r._values, r.textures.limit_entries())
    r.context.pool.budget = r.limits.memory_budget   # idle targets kept inside it
    r.targets.prepare(gl, sizes)
    timedelta = 0.0 if r._last_time is None else abs(time - r._last_time)
    uniforms = {"TIME": time, "TIMEDELTA": timedelta, "DATE": date,
                "FRAMEINDEX": r.frame_index, **r._values}
    final = r.frames.draw(gl, r._program, sizes, uniforms)
    for name in r._events:
        r._values[name] = False   # events last one frame
    r.frame_index += 1
    r._last_time = time
    return final


def _pipelined(r: Renderer, times: Iterable[float], date: DateLike, dtype: str | None,
               cuda: ModuleType | None) -> Iterator[tuple[float, Any]]:
    """:meth:`Renderer.render_frames` with asynchronous readback (into CUDA memory when the
    ``cuda`` module is given): frame N is fetched while frame N+1 draws; a frame drawn but
    never delivered is taken back (``_rewind``)."""
    pipe: Any = PipelinedReadback(r.context, r) if cuda is None else cuda.CudaPipeline(r)
    r._pipeline = pipe
    undelivered: collections.deque[_Mark] = collections.deque()   # one per queued frame
    try:
        for t in times:
            undelivered.append(_mark(r))
            ready = r._frame(t, date, dtype, lambda final, fmt: pipe.queue(
                t, final, fmt, r.readback.final_flip))   # noqa: B023 - called at once
            if ready is not None:
                frame = pipe.fetch(ready)
                undelivered.popleft()
                yield ready.time, frame
        last = pipe.finish()
        if last is not None:
            frame = pipe.fetch(last)
            undelivered.popleft()
            yield last.time, frame
    except BaseException:   # GeneratorExit included: a queued frame was never delivered
        if undelivered:
            _rewind(r, undelivered[0])
        raise
    finally:
        r._pipeline = None
        pipe.release()


def render(shader: str | os.PathLike[str] | Document, size: tuple[int, int] = DEFAULT_SIZE,
           time: float = 0.0, inputs: Mapping[str, Any] | None = None, *, backend: str | None = None,
           date: DateLike = None, dtype: str | None = None) -> np.ndarray:
    """Render one frame of ``shader``: (height, width, 4) uint8 (float32 for FLOAT output),
    top row first.  Opens and closes a context; use :class:`Renderer` for many frames."""
    with Renderer(shader, size, backend=backend, inputs=inputs) as r:
        return r.render(time, date, dtype=dtype)
