"""pyvvisf 0.9 API (the pure-Python renderer) on offscreen-isf.

Reached as ``offscreen_isf.compat.pyvvisf``; see ``docs/migrating-from-pyvvisf.md``.  Same
names and signatures as pyvvisf 0.9.0, with its defects fixed rather than copied:

* ``RenderResult.array`` is (height, width, 4) uint8, **top row first**, writable and
  C-contiguous; ``isf_FragNormCoord`` runs the same way as ``gl_FragCoord`` (bottom = 0).
* no silent black frames: rendering after ``cleanup()`` raises
  :class:`offscreen_isf.LifecycleError`; image, audio and event inputs, PERSISTENT / FLOAT /
  sized passes, IMPORTED, IMG_SIZE, TIMEDELTA / FRAMEINDEX / DATE all work.
* ``load_shader_content`` frees the previous program; a dropped renderer leaks no context.

Every renderer shares the module's headless context (the one the 0.2 API calls the "glfw
context"); ``cleanup()`` frees the renderer's GL objects and the idle pooled targets.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import offscreen_isf as oi
from offscreen_isf.errors import BackendError, InputError, LifecycleError
from offscreen_isf.isf.translate import parse_glsl_version

from ._v02 import _RT, _USABLE, _defer_release, _drain_pending, _Holder, _load_text, plain_value, shared_context

__all__ = [
    "ISFRenderer", "RenderResult", "ISFParser", "ISFMetadata", "ISFInput", "ISFPass",
    "ISFValue", "ISFColor", "ISFPoint2D", "ISFFloat", "ISFInt", "ISFBool",
    "get_supported_glsl_versions", "ISFError", "ISFParseError", "ShaderCompilationError",
    "RenderingError", "ContextError", "ValidationError",
]

# -- errors: pyvvisf's names for offscreen-isf's classes (``except`` clauses keep working) --
ISFError = oi.ISFError
ISFParseError = oi.ParseError
ShaderCompilationError = oi.CompileError
RenderingError = oi.RenderError
ContextError = oi.BackendError
ValidationError = oi.InputError

# ---------------------------------------------------------------------------------------------
# value types (optional: plain Python values work everywhere)
# ---------------------------------------------------------------------------------------------


@dataclass
class ISFValue:
    """Base class of the structured values."""

    def to_python(self) -> Any:
        """The plain Python value offscreen-isf takes."""
        raise NotImplementedError


@dataclass
class ISFColor(ISFValue):
    """RGBA colour, channels clamped to 0..1 (as pyvvisf 0.9)."""

    r: float
    g: float
    b: float
    a: float = 1.0

    def __post_init__(self) -> None:
        for name in ("r", "g", "b", "a"):
            setattr(self, name, max(0.0, min(1.0, float(getattr(self, name)))))

    def to_tuple(self) -> tuple[float, float, float, float]:
        return (self.r, self.g, self.b, self.a)

    def to_list(self) -> list[float]:
        return list(self.to_tuple())

    to_python = to_tuple

    @classmethod
    def from_rgb(cls, r: float, g: float, b: float, a: float = 1.0) -> ISFColor:
        return cls(r, g, b, a)

    @classmethod
    def from_tuple(cls, color: tuple[float, ...] | list[float]) -> ISFColor:
        if len(color) not in (3, 4):
            raise InputError(f"a colour needs 3 or 4 values, got {len(color)}")
        return cls(*color)


@dataclass
class ISFPoint2D(ISFValue):
    """A 2D point."""

    x: float
    y: float

    def __post_init__(self) -> None:
        self.x, self.y = float(self.x), float(self.y)

    def to_tuple(self) -> tuple[float, float]:
        return (self.x, self.y)

    def to_list(self) -> list[float]:
        return [self.x, self.y]

    to_python = to_tuple

    @classmethod
    def from_tuple(cls, point: tuple[float, float] | list[float]) -> ISFPoint2D:
        if len(point) != 2:
            raise InputError(f"a point needs 2 values, got {len(point)}")
        return cls(*point)


@dataclass
class ISFFloat(ISFValue):
    value: float

    def __post_init__(self) -> None:
        self.value = float(self.value)

    def to_python(self) -> float:
        return self.value

    def __float__(self) -> float:
        return self.value


@dataclass
class ISFInt(ISFValue):
    value: int

    def __post_init__(self) -> None:
        self.value = int(self.value)

    def to_python(self) -> int:
        return self.value

    def __int__(self) -> int:
        return self.value


@dataclass
class ISFBool(ISFValue):
    value: bool

    def __post_init__(self) -> None:
        self.value = bool(self.value)

    def to_python(self) -> bool:
        return self.value

    def __bool__(self) -> bool:
        return self.value


# ---------------------------------------------------------------------------------------------
# metadata and parser
# ---------------------------------------------------------------------------------------------


@dataclass
class ISFInput:
    """One input: pyvvisf 0.9's field names, offscreen-isf's canonical values."""

    name: str
    type: str
    label: str | None = None
    default: Any = None
    min: Any = None
    max: Any = None
    values: list[Any] | None = None
    identity: Any = None


@dataclass
class ISFPass:
    """One pass; ``width``/``height`` are the header's values (numbers or "$WIDTH/2" text)."""

    target: str | None = None
    persistent: bool | None = None
    float_buffer: bool | None = None
    width: Any = None
    height: Any = None


@dataclass
class ISFMetadata:
    """What pyvvisf 0.9's ``ISFMetadata`` holds (read from the JSON header).

    Extras: ``credit``, ``categories``, ``isf_version`` and ``document`` (the offscreen-isf
    :class:`~offscreen_isf.Document`).
    """

    name: str | None = None
    description: str | None = None
    author: str | None = None
    version: str | None = None
    license: str | None = None
    homepage: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    inputs: list[ISFInput] | None = None
    passes: list[ISFPass] | None = None
    imports: dict[str, Any] | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    vertex_shader: str | None = None
    fragment_shader: str | None = None
    credit: str | None = None
    categories: list[str] = field(default_factory=list)
    isf_version: str | None = None
    document: oi.Document | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_document(cls, doc: oi.Document) -> ISFMetadata:
        h = doc.header
        raw_passes = h.get("PASSES") if isinstance(h.get("PASSES"), list) else None
        passes = None
        if raw_passes is not None:
            passes = [ISFPass(target=p.target, persistent=p.persistent, float_buffer=p.float,
                              width=(raw.get("WIDTH") if isinstance(raw, dict) else None),
                              height=(raw.get("HEIGHT") if isinstance(raw, dict) else None))
                      for p, raw in zip(doc.passes, raw_passes, strict=False)]
        return cls(
            name=h.get("NAME") if isinstance(h.get("NAME"), str) else None,
            description=doc.description, author=h.get("AUTHOR"), version=h.get("VERSION"),
            license=h.get("LICENSE"), homepage=h.get("HOMEPAGE"), category=h.get("CATEGORY"),
            tags=h.get("TAGS"),
            inputs=[ISFInput(i.name, i.type, i.label, i.default, i.min, i.max,
                             list(i.values) if i.values is not None else None, i.identity)
                    for i in doc.inputs] if "INPUTS" in h else None,
            passes=passes,
            imports={i.name: {"NAME": i.name, "PATH": i.path} for i in doc.imported} or None,
            width=h.get("WIDTH"), height=h.get("HEIGHT"), aspect_ratio=h.get("ASPECT_RATIO"),
            vertex_shader=doc.vertex_source, fragment_shader=None,
            credit=doc.credit, categories=list(doc.categories), isf_version=doc.vsn, document=doc)


class ISFParser:
    """Parses ISF text or files into (GLSL body, :class:`ISFMetadata`); no GL needed.

    Headers are found as ISF specifies (whitespace after ``/*`` and a ``}*/`` on its own line
    are fine), with lenient JSON (comments, trailing commas).  Raises ``ISFParseError``
    (``offscreen_isf.ParseError``) with the line and column.
    """

    def parse_file(self, file_path: str | os.PathLike[str]) -> tuple[str, ISFMetadata]:
        """Parse a ``.fs`` file (and its sibling ``.vs``)."""
        p = Path(file_path)
        if not p.is_file():
            raise oi.ParseError(f"shader file not found: {p}")
        doc = oi.load(p)
        return doc.fragment_source, ISFMetadata.from_document(doc)

    def parse_content(self, content: str) -> tuple[str, ISFMetadata]:
        """Parse shader text."""
        doc = _load_text(content)
        return doc.fragment_source, ISFMetadata.from_document(doc)

    def validate_inputs(self, metadata: ISFMetadata, input_values: dict[str, Any]) -> dict[str, Any]:
        """Coerce ``input_values`` for ``metadata``'s inputs (clamped to MIN/MAX); unknown
        names raise ``ValidationError`` (``offscreen_isf.InputError``)."""
        doc = metadata.document
        if doc is None:
            raise InputError("this ISFMetadata was not made by ISFParser / ISFRenderer")
        out: dict[str, Any] = {}
        for name, value in input_values.items():
            inp = doc.input(name)
            out[name] = plain_value(value) if inp.is_image else inp.coerce(plain_value(value), clamp=True)
        return out


# ---------------------------------------------------------------------------------------------
# results and the renderer
# ---------------------------------------------------------------------------------------------


class RenderResult:
    """A rendered frame: ``.array`` is (height, width, 4) uint8 RGBA, **top row first**,
    writable and C-contiguous (pyvvisf 0.9's was a read-only flipped view)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def to_pil_image(self) -> Any:
        """An RGBA ``PIL.Image``."""
        from offscreen_isf.media.output import to_pil  # noqa: PLC0415

        return to_pil(self.array)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.array.dtype:
            return self.array.astype(dtype)
        return self.array.copy() if copy else self.array

    def __repr__(self) -> str:
        return f"<RenderResult {self.array.shape[1]}x{self.array.shape[0]} {self.array.dtype}>"


def get_supported_glsl_versions() -> list[str]:
    """GLSL versions the shared context accepts, from "330" up (opens the context).

    Shaders are always translated to GLSL 330 core (400 where available), whatever
    ``glsl_version`` an :class:`ISFRenderer` is given.
    """
    ctx = shared_context()
    try:
        have = parse_glsl_version(ctx.info.glsl_version) if ctx.info else 330
    except ValueError:   # a driver string without a number: assume the minimum we require
        have = 330
    return [str(v) for v in (330, 400, 410, 420, 430, 440, 450, 460) if v <= have]


class ISFRenderer:
    """Renders one ISF shader given as text (pyvvisf 0.9's ``ISFRenderer``).

    ``vertex_shader_content``: custom vertex shader text (optional).  ``glsl_version`` is
    kept as ``.glsl_version`` and otherwise ignored: the translation always targets GLSL
    330 core (400 where the driver has it), which every backend accepts.

    Compiles at construction: a bad shader raises ``ShaderCompilationError``
    (``offscreen_isf.CompileError``) with the driver log mapped to shader lines; a bad
    header raises ``ISFParseError``.  Use as a context manager or call :meth:`cleanup`.
    """

    def __init__(self, shader_content: str = "", vertex_shader_content: str = "",
                 glsl_version: str = "330") -> None:
        self.glsl_version = str(glsl_version)
        self.metadata: ISFMetadata | None = None
        self._holder = _Holder()     # a dropped renderer is released at the next call
        self._finalizer = weakref.finalize(self, _defer_release, self._holder)
        self._finalizer.atexit = False
        self._images: dict[str, Any] = {}
        self._closed = False
        self.load_shader_content(shader_content, vertex_shader_content)

    # -- loading ---------------------------------------------------------------------------
    def load_shader_content(self, content: str, vertex_shader_content: str = "") -> ISFMetadata:
        """Parse and compile new shader text; the previous program is freed (not leaked).

        On failure the previous shader stays loaded.  Returns the metadata.
        """
        self._check_open()
        doc = _load_text(content, vertex_shader_content or None)
        return self._use(doc)

    def load_shader(self, shader_path: str | os.PathLike[str]) -> ISFMetadata:
        """Load a ``.fs`` file (and its sibling ``.vs``); not in pyvvisf 0.9."""
        self._check_open()
        return self._use(oi.load(Path(shader_path)))

    def _use(self, doc: oi.Document) -> ISFMetadata:
        with _RT.lock:
            ctx = shared_context()
            new = oi.Renderer(doc, size=(1, 1), context=ctx)
            try:
                new.compile()
            except BaseException:
                new.release()
                raise
            old, self._holder.renderer = self._holder.renderer, new
            if old is not None:
                old.release()
        self._images = {}
        self.metadata = ISFMetadata.from_document(doc)
        return self.metadata

    def _check_open(self) -> None:
        if self._closed:
            raise LifecycleError("this ISFRenderer was cleaned up; create a new one "
                                 "(pyvvisf 0.9 silently rendered black here)")

    def _require(self) -> oi.Renderer:
        self._check_open()
        if self._holder.renderer is None:
            raise LifecycleError("no shader loaded: call load_shader_content(text)")
        return self._holder.renderer

    # -- inputs ----------------------------------------------------------------------------
    def set_input(self, name: str, value: Any) -> None:
        """Set one input (plain values, ``ISFColor``/``ISFPoint2D``, or 0.2 ``ISFVal``s).

        Images: a path, PIL image or (H, W[, 3|4]) array, top row first.  Out-of-range
        numbers are clamped to MIN/MAX (VVISF-GL); pyvvisf 0.9 raised instead.
        """
        renderer = self._require()
        renderer.set_inputs(**{name: plain_value(value)})
        if renderer.document.input(name).is_image:
            self._images[name] = value

    def set_inputs(self, inputs: dict[str, Any]) -> None:
        """Set several inputs (see :meth:`set_input`)."""
        if not isinstance(inputs, dict):
            raise InputError(f"set_inputs() takes a dict of name -> value, got {type(inputs).__name__}")
        for name, value in inputs.items():
            self.set_input(name, value)

    # -- rendering -------------------------------------------------------------------------
    def render(self, width: int, height: int, inputs: dict[str, Any] | None = None,
               metadata: ISFMetadata | None = None, time_offset: float = 0.0) -> RenderResult:
        """Render one frame at ``time_offset`` seconds; returns a :class:`RenderResult`.

        ``inputs`` apply to this frame only (values set with :meth:`set_input` stay).
        ``metadata`` is accepted for compatibility; the loaded shader's own is always used.
        FRAMEINDEX advances and PERSISTENT buffers carry over between calls.
        """
        renderer = self._require()
        if metadata is not None and not isinstance(metadata, ISFMetadata):
            raise InputError(f"metadata must be an ISFMetadata or None, got {type(metadata).__name__}")
        if inputs is not None and not isinstance(inputs, dict):
            raise InputError(f"inputs must be a dict of name -> value, got {type(inputs).__name__}")
        with _RT.lock:
            shared_context()
            renderer.size = _size(width, height)
            saved_values, saved_images = renderer.inputs, dict(self._images)
            try:
                if inputs:
                    self.set_inputs(inputs)
                frame = renderer.render(time=float(time_offset), dtype="uint8")
            finally:
                if inputs:
                    renderer.set_inputs(**saved_values)
                    for name in inputs:
                        if renderer.document.input(name).is_image:
                            renderer.set_inputs(**{name: plain_value(saved_images.get(name))})
                    self._images = saved_images
        return RenderResult(frame)

    def save_render(self, output_path: str | os.PathLike[str], width: int = 1920, height: int = 1080,
                    inputs: dict[str, Any] | None = None, metadata: ISFMetadata | None = None,
                    time_offset: float = 0.0) -> None:
        """Render and save with Pillow (format from the extension).  ``time_offset`` is an
        addition: pyvvisf 0.9's ``save_render`` always rendered time 0."""
        result = self.render(width, height, inputs, metadata, time_offset)
        result.to_pil_image().save(os.fspath(output_path))

    def render_to_window(self, *args: Any, **kwargs: Any) -> None:
        """Not available: offscreen-isf is headless."""
        raise BackendError("render_to_window() needs a display; offscreen-isf renders headless",
                           fix="use render() / save_render() and view the image")

    # -- lifecycle -------------------------------------------------------------------------
    def cleanup(self) -> None:
        """Free this renderer's GL objects and the idle pooled targets.  Idempotent.

        Afterwards :meth:`render` and :meth:`set_input` raise ``LifecycleError``.
        """
        if self._closed:
            return
        self._closed = True
        with _RT.lock:
            renderer, self._holder.renderer = self._holder.renderer, None
            if renderer is not None:
                renderer.release()
            ctx = _RT.context
            _drain_pending()
            if ctx is not None and ctx.state in _USABLE:
                ctx.pool.cleanup()

    def __enter__(self) -> ISFRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        doc = self._holder.renderer.document.name if self._holder.renderer else None
        return f"<ISFRenderer {doc} {'closed' if self._closed else 'open'}>"


def _size(width: Any, height: Any) -> tuple[int, int]:
    out = []
    for label, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise oi.ResourceLimitError(f"{label} must be a positive integer number of pixels, got {v!r}")
        out.append(int(v))
    return out[0], out[1]

