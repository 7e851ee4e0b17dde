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
from offscreen_isf.isf.document import extract_header
from offscreen_isf.isf.inputs import INPUT_TYPES
from offscreen_isf.isf.translate import parse_glsl_version

from ._v02 import _RT, _USABLE, _defer_release, _drain_pending, _Holder, _load_text, plain_value, shared_context

__all__ = [
    "ISFRenderer", "RenderResult", "ISFParser", "ISFMetadata", "ISFInput", "ISFPass",
    "ISFValue", "ISFColor", "ISFPoint2D", "ISFFloat", "ISFInt", "ISFBool",
    "get_supported_glsl_versions", "ISFError", "ISFParseError", "ShaderCompilationError",
    "RenderingError", "ContextError", "ValidationError", "ShaderValidationError",
    "ShaderRenderingError", "coerce_to_isf_value",
]

from ._v09_errors import (
    ContextError,
    ISFError,
    ISFParseError,
    RenderingError,
    ShaderCompilationError,
    ShaderRenderingError,
    ShaderValidationError,
    ValidationError,
    converted,
    converting,
)
from ._v09_types import ISFBool, ISFColor, ISFFloat, ISFInt, ISFPoint2D, ISFValue, coerce_to_isf_value

# ---------------------------------------------------------------------------------------------
# metadata and parser
# ---------------------------------------------------------------------------------------------


#: every ISF input TYPE offscreen-isf renders (pyvvisf 0.9 knew fewer: no event, no cube)
_TYPES = tuple(INPUT_TYPES)


@dataclass
class ISFInput:
    """One input: pyvvisf 0.9's field names, offscreen-isf's canonical values.

    An unknown ``type`` raises :class:`ValidationError` at construction, as pyvvisf 0.9's
    model did (``None`` is allowed: 0.9 treats it as float).
    """

    name: str | None = None
    type: str | None = None
    label: str | None = None
    default: Any = None
    min: Any = None
    max: Any = None
    values: list[Any] | None = None
    identity: Any = None

    def __post_init__(self) -> None:
        if self.type is not None and self.type not in _TYPES:
            raise ValidationError(f"Invalid input type: {self.type}. Must be one of {list(_TYPES)}",
                                  "type", self.type)


@dataclass
class ISFPass:
    """One pass; ``width``/``height`` are the header's values (numbers or "$WIDTH/2" text)."""

    target: str | None = None
    persistent: bool | None = None
    float_buffer: bool | None = None
    width: Any = None
    height: Any = None


def _opt(h: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """Header value ``key`` when it has the type pyvvisf 0.9's model accepts, else None."""
    v = h.get(key)
    return v if isinstance(v, kind) and not isinstance(v, bool) else None


@dataclass
class ISFMetadata:
    """What pyvvisf 0.9's ``ISFMetadata`` holds (read from the JSON header), or built by hand.

    ``vertex_shader`` / ``fragment_shader`` are the header's ``VERTEX_SHADER`` /
    ``FRAGMENT_SHADER`` strings (pyvvisf 0.9's own keys).  Extras: ``credit``,
    ``categories``, ``isf_version`` and ``document`` (the offscreen-isf
    :class:`~offscreen_isf.Document`; None for metadata built by hand).
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
            name=_opt(h, "NAME", str), description=doc.description, author=_opt(h, "AUTHOR", str),
            version=_opt(h, "VERSION", str), license=_opt(h, "LICENSE", str),
            homepage=_opt(h, "HOMEPAGE", str), category=_opt(h, "CATEGORY", str),
            tags=_opt(h, "TAGS", list),
            inputs=[ISFInput(i.name, i.type, i.label, i.default, i.min, i.max,
                             list(i.values) if i.values is not None else None, i.identity)
                    for i in doc.inputs] if "INPUTS" in h else None,
            passes=passes,
            imports={i.name: {"NAME": i.name, "PATH": i.path} for i in doc.imported} or None,
            width=_opt(h, "WIDTH", int), height=_opt(h, "HEIGHT", int),
            aspect_ratio=_opt(h, "ASPECT_RATIO", (int, float)),
            vertex_shader=_opt(h, "VERTEX_SHADER", str), fragment_shader=_opt(h, "FRAGMENT_SHADER", str),
            credit=doc.credit, categories=list(doc.categories), isf_version=doc.vsn, document=doc)


def _check_range(name: str, value: ISFValue, lo: Any, hi: Any) -> None:
    """pyvvisf 0.9's MIN/MAX check of a float / long value (numbers only)."""
    if not isinstance(value, (ISFFloat, ISFInt)):
        return
    if isinstance(lo, (int, float)) and value.value < lo:
        raise ShaderCompilationError(f"Value {value.value} is below minimum {lo} for input '{name}'")
    if isinstance(hi, (int, float)) and value.value > hi:
        raise ShaderCompilationError(f"Value {value.value} is above maximum {hi} for input '{name}'")


def _validate_one(inp: ISFInput, value: Any) -> Any:
    """``value`` for ``inp`` as pyvvisf 0.9 validates it: an :class:`ISFValue` for the
    numeric / colour / point types (out of MIN..MAX raises ``ShaderCompilationError``);
    image, audio, cube and event values pass through unchanged (0.9 had no such inputs)."""
    kind = inp.type or "float"
    if kind not in ("color", "point2D", "float", "long", "bool"):
        return value
    try:
        coerced = coerce_to_isf_value(value, kind)
    except ValueError as exc:
        raise ShaderCompilationError(f"Invalid value for input '{inp.name}': {exc}") from exc
    _check_range(str(inp.name), coerced, inp.min, inp.max)
    return coerced


def _split_header_line(text: str) -> str:
    """``text`` with code after the header's ``*/`` moved to a line of its own (pyvvisf 0.9
    keeps that code; the ISF loader drops it).  A line break inside the JSON is joined so
    the body's lines keep their numbers; a one-line header cannot give one, and the code
    after it is then reported one line lower."""
    try:
        h = extract_header(text)
    except oi.ParseError:
        return text
    close = h.json_start + len(h.json_text)   # offset of "*/"
    end = close + 2
    rest_end = end
    while rest_end < len(text) and text[rest_end] not in "\r\n":
        rest_end += 1
    if not text[end:rest_end].strip():
        return text
    json_text = h.json_text
    nl = max(json_text.rfind("\n"), json_text.rfind("\r"))
    if nl >= 0:   # JSON whitespace is free: trade a header line break for the new one
        json_text = json_text[:nl] + " " + json_text[nl + 1:]
    return text[:h.json_start] + json_text + "*/\n" + text[end:]


def _parse(content: str, vertex_content: str | None = None) -> oi.Document:
    """Load shader text with pyvvisf 0.9's error classes and messages (see :class:`ISFParser`)."""
    if not isinstance(content, str) or not content.strip():
        raise ShaderValidationError("Shader content is empty or only whitespace. Please provide "
                                    "valid ISF shader code.", shader_source=str(content or ""),
                                    shader_type="fragment")
    with converted(ISFParseError, "No ISF JSON metadata block found in shader content: "):
        extract_header(content)
    try:
        doc = _load_text(_split_header_line(content), vertex_content)
    except oi.ParseError:
        with converted(ISFParseError, "Malformed JSON metadata: "):
            _load_text(content, vertex_content)   # the error at the file's own positions
        raise
    if "INPUTS" in doc.header and isinstance(doc.header["INPUTS"], list):
        _check_types(doc.header["INPUTS"])
    return doc


def _check_types(entries: list[Any]) -> None:
    """Reject an unknown input TYPE as pyvvisf 0.9 does (the ISF loader skips it with a
    warning, as VVISF-GL)."""
    for entry in entries:
        t = entry.get("TYPE") if isinstance(entry, dict) else None
        if isinstance(t, str) and t not in _TYPES:
            raise ShaderCompilationError(
                f"Failed to compile shader due to invalid ISF metadata: input "
                f"{entry.get('NAME')!r}: Invalid input type: {t}. Must be one of {list(_TYPES)}")


class ISFParser:
    """Parses ISF text or files into (GLSL body, :class:`ISFMetadata`); no GL needed.

    Headers are found as ISF specifies (whitespace after ``/*`` and a ``}*/`` on its own line
    are fine), with lenient JSON (comments, trailing commas); code after ``*/`` on the same
    line is kept, as pyvvisf 0.9 keeps it.  Errors as pyvvisf 0.9: no header ->
    ``ISFParseError`` ("No ISF JSON metadata block found ..."), a header that does not parse ->
    ``ISFParseError`` ("Malformed JSON metadata: ..." with our line and column), an unknown
    input TYPE -> ``ShaderCompilationError`` ("Failed to compile shader due to invalid ISF
    metadata ...").
    """

    def parse_file(self, file_path: str | os.PathLike[str]) -> tuple[str, ISFMetadata]:
        """Parse a ``.fs`` file (its sibling ``.vs`` too)."""
        p = Path(file_path)
        if not p.is_file():
            raise ISFParseError(f"Shader file not found: {file_path}")
        with converted():
            doc = oi.load(p)
        return doc.fragment_source, ISFMetadata.from_document(doc)

    def parse_content(self, content: str) -> tuple[str, ISFMetadata]:
        """Parse shader text; returns the GLSL body and the metadata."""
        doc = _parse(content)
        return doc.fragment_source, ISFMetadata.from_document(doc)

    def validate_inputs(self, metadata: ISFMetadata, input_values: dict[str, Any]) -> dict[str, Any]:
        """Check and coerce ``input_values`` against ``metadata.inputs`` (pyvvisf 0.9):
        returns the typed values (:class:`ISFColor`, :class:`ISFFloat` ...) of the given
        inputs, and the defaults of the others that have one.  Names not in the metadata are
        ignored; a value of the wrong type or outside MIN..MAX raises
        ``ShaderCompilationError``.  Rendering clamps instead (VVISF-GL's rule)."""
        out: dict[str, Any] = {}
        for inp in metadata.inputs or ():
            if inp.name in input_values:
                out[str(inp.name)] = _validate_one(inp, input_values[str(inp.name)])
            elif inp.default is not None:
                out[str(inp.name)] = _validate_one(inp, inp.default)
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

        The vertex shader is ``vertex_shader_content``, else the header's ``VERTEX_SHADER``
        string (pyvvisf 0.9's key), else the standard one.  On failure the previous shader
        stays loaded.  Returns the metadata.
        """
        self._check_open()
        doc = _parse(content, vertex_shader_content or None)
        header_vs = doc.header.get("VERTEX_SHADER")
        if not vertex_shader_content and isinstance(header_vs, str) and header_vs.strip():
            doc = _parse(content, header_vs)
        return self._use(doc)

    def load_shader(self, shader_path: str | os.PathLike[str]) -> ISFMetadata:
        """Load a ``.fs`` file (and its sibling ``.vs``); not in pyvvisf 0.9."""
        self._check_open()
        return self._use(oi.load(Path(shader_path)))

    def _use(self, doc: oi.Document) -> ISFMetadata:
        with _RT.lock, converted():
            ctx = shared_context()
            new = oi.Renderer(doc, size=(1, 1), context=ctx)
            try:
                with converted(ShaderCompilationError, "Shader compilation failed: "):
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

    @converting
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
        """Set one input (plain values, ``ISFColor``/``ISFPoint2D``/``ISFFloat`` ..., or 0.2
        ``ISFVal``s); bools are accepted for long and float inputs, as pyvvisf 0.9.

        Images: a path, PIL image or (H, W[, 3|4]) array, top row first.  Out-of-range
        numbers are clamped to MIN/MAX (VVISF-GL); pyvvisf 0.9 raised instead.  An unknown
        name or a value of the wrong type raises ``RenderingError`` (as pyvvisf 0.9).
        """
        renderer = self._require()
        names = [i.name for i in renderer.document.inputs]
        if name not in names:
            raise RenderingError(f"Input '{name}' not found in shader inputs "
                                 f"(inputs: {', '.join(names) or 'none'}).")
        inp = renderer.document.input(name)
        plain = plain_value(value)
        if isinstance(plain, bool) and inp.type in ("long", "float"):
            plain = int(plain)
        prefix = f"Failed to set input '{name}': "
        if not inp.is_image:
            prefix += _conversion_failure(value, inp.type)
        with converted(RenderingError, prefix):
            renderer.set_inputs(**{name: plain})
        if inp.is_image:
            self._images[name] = value

    def set_inputs(self, inputs: dict[str, Any]) -> None:
        """Set several inputs (see :meth:`set_input`); ``TypeError`` if not a dict."""
        if not isinstance(inputs, dict):
            raise TypeError(f"inputs must be a dictionary of input names to values, "
                            f"got {type(inputs).__name__}")
        for name, value in inputs.items():
            self.set_input(name, value)

    def get_current_inputs(self) -> dict[str, Any]:
        """Every input's current value, by name (the pyvvisf 0.2 wrapper's method).

        Numbers and bools as Python scalars, colors and points as tuples (clamped, as
        rendered); image and audio inputs as the value given to :meth:`set_input` (None when
        unset).  A new dict each call: changing it changes nothing.
        """
        renderer = self._require()
        values = renderer.inputs
        return {i.name: (self._images.get(i.name) if i.is_image else values.get(i.name))
                for i in renderer.document.inputs}

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
                with converted():
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


#: ISF input TYPE -> the type name the pyvvisf 0.2 wrapper's conversion messages used
_CONVERSION_LABELS = {"float": "float", "long": "int", "bool": "bool", "color": "Color",
                      "point2D": "Point2D", "event": "bool"}


def _conversion_failure(value: Any, isf_type: str) -> str:
    """The pyvvisf 0.2 wrapper's words for a value that does not convert ("Cannot convert
    str to float: ", "... values must be numbers: "), put before our own detail."""
    label = _CONVERSION_LABELS.get(isf_type, isf_type)
    text = f"Cannot convert {type(value).__name__} to {label}"
    if isinstance(value, (list, tuple)) and not all(
            isinstance(v, (int, float, np.integer, np.floating)) for v in value):
        text += " (values must be numbers)"
    return text + ": "


def _size(width: Any, height: Any) -> tuple[int, int]:
    out = []
    for label, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise oi.ResourceLimitError(f"{label} must be a positive integer number of pixels, got {v!r}")
        out.append(int(v))
    return out[0], out[1]

