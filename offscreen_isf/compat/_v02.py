"""pyvvisf 0.2 API (the pybind11 bindings of VVISF-GL) on offscreen-isf.

Reached as ``offscreen_isf.compat.pyvvisf``; see ``docs/migrating-from-pyvvisf.md`` for every
mapping and each deliberate difference.  In short:

* one module-level :class:`offscreen_isf.Context` stands for pyvvisf's global GLFW window.
  ``initialize_glfw_context`` opens it, ``reinitialize_glfw_context`` is
  ``Context.reinitialize()``, ``cleanup_glfw_context`` is ``Context.close()`` (every GL object
  freed; the next call that needs GL re-opens it lazily).  The names keep "glfw" for
  compatibility; the backend is offscreen-isf's (EGL / OSMesa / CGL, no window, no GLFW).
* a scene (:class:`ISFScene`) is an :class:`offscreen_isf.Renderer` on that shared context;
  it survives re-initialisation and cleanup of the context.
* :class:`GLBuffer` returned by ``create_and_render_a_buffer`` holds the pixels on the CPU,
  **top row first** (image order): ``np.asarray(buf)`` or ``buf.to_pil_image()``.
* every failure raises an :class:`offscreen_isf.ISFError` subclass: never a segfault, never a
  silently black buffer.

Shader text is parsed, never evaluated.  Use from one thread at a time (the context's rule).
"""

from __future__ import annotations

import enum
import json
import math
import os
import threading
import time as _time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import offscreen_isf as oi
from offscreen_isf.errors import InputError, LifecycleError, ResourceLimitError
from offscreen_isf.gl.objects import RESOURCE_KINDS
from offscreen_isf.isf.inputs import Input

from ._v09_errors import convert_api

__all__ = [
    # context
    "initialize_glfw_context", "reinitialize_glfw_context", "cleanup_glfw_context", "get_gl_info",
    "GLContextManager", "get_platform_info", "is_vvisf_available", "reset_gl_context_state",
    "cleanup_scene_state", "shared_context",
    # values
    "ISFValType", "ISFFileType", "ISFVal", "ISFNullVal", "ISFEventVal", "ISFBoolVal", "ISFLongVal",
    "ISFFloatVal", "ISFPoint2DVal", "ISFColorVal", "ISFImageVal", "isf_val_type_to_string",
    "isf_val_type_uses_image", "isf_file_type_to_string",
    "ISFValType_None", "ISFValType_Event", "ISFValType_Bool", "ISFValType_Long", "ISFValType_Float",
    "ISFValType_Point2D", "ISFValType_Color", "ISFValType_Cube", "ISFValType_Image",
    "ISFValType_Audio", "ISFValType_AudioFFT", "ISFFileType_None", "ISFFileType_Source",
    "ISFFileType_Filter", "ISFFileType_Transition", "ISFFileType_All",
    # geometry, documents, scenes, buffers
    "Point", "Size", "Rect", "ISFAttr", "ISFDoc", "CreateISFDocRef", "CreateISFDocRefWith",
    "ISFScene", "CreateISFSceneRef", "CreateISFSceneRefUsing", "GLBuffer", "CreateGLBufferRef",
    "GLBufferPool", "VVISFError", "PSEUDO_INPUTS",
    # file utilities
    "file_is_probably_isf", "scan_for_isf_files", "get_default_isf_files",
]

#: pyvvisf 0.2's exception type; every error here is an ``offscreen_isf.ISFError``.
VVISFError = oi.ISFError

# ---------------------------------------------------------------------------------------------
# the shared context (pyvvisf's global GLFW window)
# ---------------------------------------------------------------------------------------------


class _Runtime:
    """Module state: the shared context and the renderers of scenes that were dropped."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.context: oi.Context | None = None
        #: renderers whose scene was garbage collected; released at the next call (no GL in
        #: finalizers: they may run on any thread or at interpreter exit)
        self.pending: list[oi.Renderer] = []


_RT = _Runtime()
_USABLE = (oi.State.OPEN, oi.State.CURRENT)


def _drain_pending() -> None:
    """Release renderers of dropped scenes (their GL objects go back to the context)."""
    keep: list[oi.Renderer] = []
    while _RT.pending:
        renderer = _RT.pending.pop()
        try:
            renderer.release()
        except LifecycleError:          # e.g. current on another thread: try again later
            keep.append(renderer)
    _RT.pending.extend(keep)


def shared_context() -> oi.Context:
    """The module's context, opened (or re-opened after ``cleanup_glfw_context``) on demand.

    The backend follows ``$OFFSCREEN_ISF_BACKEND``, then the platform default.  Raises
    :class:`offscreen_isf.BackendError` (with ``.fix``) when no headless backend works.
    """
    with _RT.lock:
        ctx = _RT.context
        if ctx is None:
            ctx = oi.Context()
            ctx.open()
            _RT.context = ctx
        elif ctx.state not in _USABLE:   # CLOSED by cleanup_glfw_context(), or LOST
            ctx.reinitialize()
        _drain_pending()
        return ctx


def initialize_glfw_context() -> bool:
    """Open the shared headless context if needed (idempotent).  Returns True.

    pyvvisf 0.2 printed to stderr and returned False on failure; this raises
    :class:`offscreen_isf.BackendError` naming the fix instead.
    """
    shared_context()
    return True


def reinitialize_glfw_context() -> bool:
    """Close and re-open the shared context (``Context.reinitialize()``).  Returns True.

    Every GL object is deleted while the old context is current, then a new one is made;
    scenes keep their shader, inputs and persistent buffers (read back first) and rebuild
    on their next render.  Safe to call any number of times, in any state.
    """
    with _RT.lock:
        if _RT.context is None:
            shared_context()
        else:
            _drain_pending()
            _RT.context.reinitialize()
        return True


def cleanup_glfw_context() -> None:
    """Delete every GL object and destroy the shared context (``Context.close()``).

    Afterwards ``get_gl_info()["live_objects"]`` is all zeros.  Repeated calls are harmless.
    Scenes stay usable: the next call that needs GL re-opens the context lazily.
    """
    with _RT.lock:
        _drain_pending()
        if _RT.context is not None:
            _RT.context.close()


def get_gl_info() -> dict[str, Any]:
    """What pyvvisf 0.2 reported, plus ``backend``, ``live_objects`` and ``pool``.

    Never opens the context: ``glfw_initialized`` is False before the first use and after
    ``cleanup_glfw_context()``.  ``live_objects`` counts GL objects by kind (all zero when
    nothing is held); ``pool`` is the buffer pool's statistics.
    """
    with _RT.lock:
        ctx = _RT.context
        usable = ctx is not None and ctx.state in _USABLE
        info = ctx.info if usable and ctx is not None else None
        live = ctx.live_objects() if ctx is not None else dict.fromkeys(RESOURCE_KINDS, 0)
        return {
            "glfw_initialized": usable,
            "window_ptr": 0,
            "opengl_version": info.version if info else None,
            "opengl_vendor": info.vendor if info else None,
            "opengl_renderer": info.renderer if info else None,
            "backend": ctx.backend if ctx is not None else None,
            "state": ctx.state.value if ctx is not None else "NEW",
            "live_objects": live,
            "pool": ctx.pool.stats() if ctx is not None else {},
        }


class GLContextManager:
    """``with GLContextManager():`` opens the shared context, and closes it on exit."""

    def __enter__(self) -> GLContextManager:
        initialize_glfw_context()
        return self

    def __exit__(self, *exc: object) -> None:
        cleanup_glfw_context()


def get_platform_info() -> str:
    """A description of the backend (pyvvisf 0.2 returned e.g. "GLFW (VVGL_SDK_GLFW)")."""
    ctx = _RT.context
    backend = ctx.backend if ctx is not None else (os.environ.get("OFFSCREEN_ISF_BACKEND") or "default")
    return f"offscreen-isf {oi.__version__} (headless, backend: {backend})"


def is_vvisf_available() -> bool:
    """Always True: there is no native extension that could be missing."""
    return True


def reset_gl_context_state() -> None:
    """No-op kept for compatibility: renderers leave no GL bindings behind after a frame."""


def cleanup_scene_state(scene: ISFScene) -> int:
    """``scene.cleanup()``: free idle pooled GL objects; returns how many."""
    return scene.cleanup()


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------


class ISFValType(enum.IntEnum):
    """VVISF-GL's value types (names as pyvvisf 0.2 bound them)."""

    None_ = 0
    Event = 1
    Bool = 2
    Long = 3
    Float = 4
    Point2D = 5
    Color = 6
    Cube = 7
    Image = 8
    Audio = 9
    AudioFFT = 10

    def __str__(self) -> str:
        return isf_val_type_to_string(self)


class ISFFileType(enum.IntEnum):
    """VVISF-GL's shader kinds."""

    None_ = 0
    Source = 1
    Filter = 2
    Transition = 4
    All = 7

    def __str__(self) -> str:
        return isf_file_type_to_string(self)


ISFValType_None, ISFValType_Event, ISFValType_Bool = ISFValType.None_, ISFValType.Event, ISFValType.Bool
ISFValType_Long, ISFValType_Float, ISFValType_Point2D = ISFValType.Long, ISFValType.Float, ISFValType.Point2D
ISFValType_Color, ISFValType_Cube, ISFValType_Image = ISFValType.Color, ISFValType.Cube, ISFValType.Image
ISFValType_Audio, ISFValType_AudioFFT = ISFValType.Audio, ISFValType.AudioFFT
ISFFileType_None, ISFFileType_Source, ISFFileType_Filter = ISFFileType.None_, ISFFileType.Source, ISFFileType.Filter
ISFFileType_Transition, ISFFileType_All = ISFFileType.Transition, ISFFileType.All

_TYPE_STRINGS = {ISFValType.None_: "None", ISFValType.Event: "Event", ISFValType.Bool: "Bool",
                 ISFValType.Long: "Long", ISFValType.Float: "Float", ISFValType.Point2D: "Point2D",
                 ISFValType.Color: "Color", ISFValType.Cube: "Cube", ISFValType.Image: "Image",
                 ISFValType.Audio: "Audio", ISFValType.AudioFFT: "AudioFFT"}
#: ISF input TYPE -> value type
_BY_ISF_TYPE = {"event": ISFValType.Event, "bool": ISFValType.Bool, "long": ISFValType.Long,
                "float": ISFValType.Float, "point2D": ISFValType.Point2D, "color": ISFValType.Color,
                "image": ISFValType.Image, "audio": ISFValType.Audio, "audioFFT": ISFValType.AudioFFT}
_KIND_TO_FILE_TYPE = {"generator": ISFFileType.Source, "filter": ISFFileType.Filter,
                      "transition": ISFFileType.Transition}


def isf_val_type_to_string(value_type: ISFValType) -> str:
    """"Float", "Color", ... for a value type."""
    return _TYPE_STRINGS[ISFValType(value_type)]


def isf_val_type_uses_image(value_type: ISFValType) -> bool:
    """True for Image, Cube, Audio and AudioFFT."""
    return ISFValType(value_type) in (ISFValType.Image, ISFValType.Cube, ISFValType.Audio,
                                      ISFValType.AudioFFT)


def isf_file_type_to_string(file_type: ISFFileType) -> str:
    """"Source", "Filter", "Transition", "All" or "None"."""
    return {ISFFileType.None_: "None", ISFFileType.Source: "Source", ISFFileType.Filter: "Filter",
            ISFFileType.Transition: "Transition", ISFFileType.All: "All"}[ISFFileType(file_type)]


def _number(value: Any, what: str) -> float:
    if isinstance(value, (str, bytes)):
        raise InputError(f"{what} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{what} must be finite, got {value!r}")
    return v


class ISFVal:
    """A typed value, as VVISF-GL's ``ISFVal`` (build one with ``ISFFloatVal(0.5)`` etc.).

    ``ISFVal(type, *numbers)`` also works like the C++ constructors.  Image values hold a
    :class:`GLBuffer`, a PIL image, an (H, W[, 3|4]) array (**top row first**) or a path.
    """

    __slots__ = ("_type", "_value")

    def __init__(self, value_type: ISFValType = ISFValType.None_, *values: Any) -> None:
        t = ISFValType(value_type)
        self._type = t
        if t in (ISFValType.None_,):
            self._value: Any = None
        elif t in (ISFValType.Event, ISFValType.Bool):
            self._value = bool(values[0]) if values else False
        elif t is ISFValType.Long:
            v = _number(values[0], "a Long value") if values else 0.0
            if v != int(v):
                raise InputError(f"a Long value must be a whole number, got {values[0]!r}")
            self._value = int(v)
        elif t is ISFValType.Float:
            self._value = _number(values[0], "a Float value") if values else 0.0
        elif t is ISFValType.Point2D:
            vals = tuple(_number(v, "a Point2D component") for v in values) or (0.0, 0.0)
            if len(vals) != 2:
                raise InputError(f"a Point2D value needs 2 numbers, got {len(vals)}")
            self._value = vals
        elif t is ISFValType.Color:
            vals = tuple(_number(v, "a Color channel") for v in values) or (0.0, 0.0, 0.0, 0.0)
            if len(vals) == 3:
                vals = (*vals, 1.0)
            if len(vals) != 4:
                raise InputError(f"a Color value needs 3 or 4 numbers, got {len(vals)}")
            self._value = vals
        else:  # image-like: the image itself
            self._value = values[0] if values else None

    # -- accessors (pyvvisf 0.2 names) -----------------------------------------------------
    def type(self) -> ISFValType:
        """The value's type."""
        return self._type

    def get_double_val(self) -> float:
        """The number (bool/long/float/event); 0.0 for other types, as VVISF-GL."""
        if self._type in (ISFValType.Event, ISFValType.Bool, ISFValType.Long, ISFValType.Float):
            return float(self._value)
        return 0.0

    get_float_val = get_double_val

    def get_bool_val(self) -> bool:
        """Truth of a numeric value; False for other types."""
        return bool(self.get_double_val())

    def get_long_val(self) -> int:
        """The number truncated to an int."""
        return int(self.get_double_val())

    def get_point_val_by_index(self, index: int) -> float:
        """Component ``index`` (0 = x, 1 = y) of a Point2D value."""
        return float(self._vector(ISFValType.Point2D)[index])

    def set_point_val_by_index(self, index: int, value: float) -> None:
        """Set one component of a Point2D value."""
        vals = list(self._vector(ISFValType.Point2D))
        vals[index] = _number(value, "a Point2D component")
        self._value = tuple(vals)

    def get_color_val_by_channel(self, index: int) -> float:
        """Channel ``index`` (0 = r ... 3 = a) of a Color value."""
        return float(self._vector(ISFValType.Color)[index])

    def set_color_val_by_channel(self, index: int, value: float) -> None:
        """Set one channel of a Color value."""
        vals = list(self._vector(ISFValType.Color))
        vals[index] = _number(value, "a Color channel")
        self._value = tuple(vals)

    def _vector(self, want: ISFValType) -> tuple[float, ...]:
        if self._type is not want:
            raise InputError(f"this is a {_TYPE_STRINGS[self._type]} value, not {_TYPE_STRINGS[want]}")
        return tuple(self._value)

    def image_buffer(self) -> Any:
        """The image of an Image value (a :class:`GLBuffer`, PIL image, array or path)."""
        return self._value if isf_val_type_uses_image(self._type) else None

    def set_image_buffer(self, image: Any) -> None:
        """Replace the image of an Image value."""
        if not isf_val_type_uses_image(self._type):
            raise InputError(f"a {_TYPE_STRINGS[self._type]} value holds no image")
        self._value = image

    def get_type_string(self) -> str:
        return _TYPE_STRINGS[self._type]

    def get_val_string(self) -> str:
        if self._type is ISFValType.None_:
            return "None"
        if isf_val_type_uses_image(self._type):
            return f"<image {type(self._value).__name__}>"
        return str(self._value)

    def is_null_val(self) -> bool: return self._type is ISFValType.None_
    def is_event_val(self) -> bool: return self._type is ISFValType.Event
    def is_bool_val(self) -> bool: return self._type is ISFValType.Bool
    def is_long_val(self) -> bool: return self._type is ISFValType.Long
    def is_float_val(self) -> bool: return self._type is ISFValType.Float
    def is_point2d_val(self) -> bool: return self._type is ISFValType.Point2D
    def is_color_val(self) -> bool: return self._type is ISFValType.Color
    def is_cube_val(self) -> bool: return self._type is ISFValType.Cube
    def is_image_val(self) -> bool: return self._type is ISFValType.Image
    def is_audio_val(self) -> bool: return self._type is ISFValType.Audio
    def is_audio_fft_val(self) -> bool: return self._type is ISFValType.AudioFFT

    def to_python(self) -> Any:
        """The plain Python value offscreen-isf takes (bool, int, float, tuple, image)."""
        if isinstance(self._value, GLBuffer):
            return self._value.array_or_raise()
        return self._value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ISFVal):
            return NotImplemented
        if self._type is not other._type:
            return False
        if isf_val_type_uses_image(self._type):
            return self._value is other._value
        return bool(self._value == other._value)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_val_string()

    def __repr__(self) -> str:
        return f"ISFVal({_TYPE_STRINGS[self._type]}, {self.get_val_string()})"


def ISFNullVal() -> ISFVal:  # noqa: N802 - pyvvisf name
    """A null value."""
    return ISFVal(ISFValType.None_)


def ISFEventVal(value: bool = False) -> ISFVal:  # noqa: N802
    """An event value (True fires the event for one frame)."""
    return ISFVal(ISFValType.Event, value)


def ISFBoolVal(value: bool) -> ISFVal:  # noqa: N802
    """A bool value."""
    return ISFVal(ISFValType.Bool, value)


def ISFLongVal(value: int) -> ISFVal:  # noqa: N802
    """A long (int) value."""
    return ISFVal(ISFValType.Long, value)


def ISFFloatVal(value: float) -> ISFVal:  # noqa: N802
    """A float value."""
    return ISFVal(ISFValType.Float, value)


def ISFPoint2DVal(x: float, y: float) -> ISFVal:  # noqa: N802
    """A point2D value (in the shader's units, usually pixels)."""
    return ISFVal(ISFValType.Point2D, x, y)


def ISFColorVal(r: float, g: float, b: float, a: float = 1.0) -> ISFVal:  # noqa: N802
    """An RGBA colour value, channels 0..1."""
    return ISFVal(ISFValType.Color, r, g, b, a)


def ISFImageVal(image: Any) -> ISFVal:  # noqa: N802
    """An image value: a :class:`GLBuffer`, PIL image, (H, W[, 3|4]) array (top row first)
    or a path to an image file."""
    return ISFVal(ISFValType.Image, image)


def plain_value(value: Any) -> Any:
    """Unwrap an ``ISFVal``, a pyvvisf 0.9 value (``ISFColor``, ``ISFFloat`` ...) or a
    :class:`GLBuffer` into the plain value offscreen-isf takes; other values pass through."""
    if isinstance(value, GLBuffer):
        return value.array_or_raise()
    to_python = getattr(value, "to_python", None)
    if callable(to_python):
        return to_python()
    return value


def _val_for(isf_type: str, value: Any) -> ISFVal:
    """An ISFVal holding ``value`` (a canonical Python value) of ISF input type ``isf_type``."""
    t = _BY_ISF_TYPE.get(isf_type, ISFValType.None_)
    if value is None:
        return ISFVal(ISFValType.None_) if not isf_val_type_uses_image(t) else ISFVal(t)
    if t in (ISFValType.Point2D, ISFValType.Color):
        return ISFVal(t, *value)
    return ISFVal(t, value)


# ---------------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------------


@dataclass
class Point:
    """VVGL's ``Point`` (x, y)."""

    x: float = 0.0
    y: float = 0.0

    def is_zero(self) -> bool:
        return self.x == 0 and self.y == 0

    def __str__(self) -> str:
        return f"Point({self.x:f}, {self.y:f})"


@dataclass
class Size:
    """VVGL's ``Size`` (width, height) in pixels; ``tuple(size)`` is (width, height)."""

    width: float = 0.0
    height: float = 0.0

    def is_zero(self) -> bool:
        return self.width == 0 and self.height == 0

    def __iter__(self) -> Iterator[float]:
        yield self.width
        yield self.height

    def __str__(self) -> str:
        return f"Size({self.width:f}, {self.height:f})"


@dataclass
class Rect:
    """VVGL's ``Rect``: an origin and a size."""

    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def origin(self) -> Point:
        return Point(self.x, self.y)

    @property
    def size(self) -> Size:
        return Size(self.width, self.height)

    def min_x(self) -> float: return self.x
    def max_x(self) -> float: return self.x + self.width
    def min_y(self) -> float: return self.y
    def max_y(self) -> float: return self.y + self.height
    def mid_x(self) -> float: return self.x + self.width / 2
    def mid_y(self) -> float: return self.y + self.height / 2
    def center(self) -> Point: return Point(self.mid_x(), self.mid_y())
    def is_zero(self) -> bool: return self.width == 0 and self.height == 0

    def __str__(self) -> str:
        return f"Rect({self.x:f}, {self.y:f}, {self.width:f}x{self.height:f})"


def _pixels(size: Any) -> tuple[int, int]:
    """(width, height) as positive ints from a Size, a 2-sequence or anything iterable."""
    try:
        w, h = (size.width, size.height) if isinstance(size, Size) else tuple(size)
    except (TypeError, ValueError):
        raise ResourceLimitError(f"size must be a Size(width, height) or a (width, height) pair, "
                                 f"got {size!r}") from None
    out = []
    for label, v in (("width", w), ("height", h)):
        if isinstance(v, bool):
            raise ResourceLimitError(f"{label} must be a whole number of pixels, got {v!r}")
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise ResourceLimitError(f"{label} must be a whole number of pixels, got {v!r}") from None
        if not math.isfinite(fv) or fv != int(fv) or fv < 1:
            raise ResourceLimitError(f"Invalid size: {label} must be a whole number of pixels "
                                     f">= 1 (width and height must be positive), got {v!r}")
        out.append(int(fv))
    return out[0], out[1]


# ---------------------------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------------------------


class ISFAttr:
    """One input of a document (VVISF-GL's ``ISFAttr``), read-only."""

    def __init__(self, inp: Input) -> None:
        #: the underlying ``offscreen_isf`` input (name, type, default, min, max ...)
        self.input = inp

    def name(self) -> str: return self.input.name
    def description(self) -> str: return self.input.description or ""
    def label(self) -> str: return self.input.label or ""
    def type(self) -> ISFValType: return _BY_ISF_TYPE.get(self.input.type, ISFValType.None_)
    def min_val(self) -> ISFVal: return _val_for(self.input.type, self.input.min)
    def max_val(self) -> ISFVal: return _val_for(self.input.type, self.input.max)
    def default_val(self) -> ISFVal: return _val_for(self.input.type, self.input.default)
    def identity_val(self) -> ISFVal: return _val_for(self.input.type, self.input.identity)
    #: the document-level value is the default; a scene's value: ``scene.get_value_for_input_named``
    current_val = default_val
    def label_array(self) -> list[str]: return list(self.input.labels or ())
    def val_array(self) -> list[int]: return list(self.input.values or ())
    def is_filter_input_image(self) -> bool: return self.input.name == "inputImage" and self.input.type == "image"
    def is_trans_start_image(self) -> bool: return self.input.name == "startImage" and self.input.type == "image"
    def is_trans_end_image(self) -> bool: return self.input.name == "endImage" and self.input.type == "image"
    def is_trans_progress_float(self) -> bool: return self.input.name == "progress" and self.input.type == "float"

    def get_attr_description(self) -> str:
        return f"<ISFAttr {self.input.name} ({self.input.type}) default={self.input.default!r}>"

    __str__ = get_attr_description
    __repr__ = get_attr_description


def _load_text(fs_contents: str, vs_contents: str | None = None,
               imports_dir: str | os.PathLike[str] | None = None) -> oi.Document:
    """Parse shader *text* (never a path, never evaluated)."""
    if not isinstance(fs_contents, str):
        raise InputError(f"shader content must be a str, got {type(fs_contents).__name__}")
    if not fs_contents.strip():
        raise oi.ParseError("shader content is empty: pass the text of an ISF .fs file")
    return oi.load(fs_contents.encode("utf-8"), base_dir=imports_dir, vertex_source=vs_contents or None)


class ISFDoc:
    """A parsed ISF shader (VVISF-GL's ``ISFDoc``); ``.document`` is the offscreen-isf Document."""

    def __init__(self, path: str | os.PathLike[str] | oi.Document, parent_scene: ISFScene | None = None,
                 throw_except: bool = True) -> None:
        self.document: oi.Document = path if isinstance(path, oi.Document) else oi.load(Path(path))

    # file properties
    def path(self) -> str: return str(self.document.path) if self.document.path else ""

    def name(self) -> str:
        """File name without extension ("" for a shader given as text)."""
        return self.document.path.stem if self.document.path else ""

    def description(self) -> str: return self.document.description or ""
    def credit(self) -> str: return self.document.credit or ""
    def vsn(self) -> str: return self.document.vsn or ""
    def type(self) -> ISFFileType: return _KIND_TO_FILE_TYPE.get(self.document.kind, ISFFileType.None_)
    def categories(self) -> list[str]: return list(self.document.categories)

    # inputs
    def inputs(self) -> list[ISFAttr]: return [ISFAttr(i) for i in self.document.inputs]

    def input(self, name: str) -> ISFAttr:
        """The input called ``name``; :class:`offscreen_isf.InputError` listing the names otherwise."""
        return ISFAttr(self.document.input(name))

    def inputs_of_type(self, value_type: ISFValType) -> list[ISFAttr]:
        return [a for a in self.inputs() if a.type() == ISFValType(value_type)]

    def image_inputs(self) -> list[ISFAttr]: return self.inputs_of_type(ISFValType.Image)

    def audio_inputs(self) -> list[ISFAttr]:
        return self.inputs_of_type(ISFValType.Audio) + self.inputs_of_type(ISFValType.AudioFFT)

    def image_imports(self) -> list[str]:
        """Names of the IMPORTED images."""
        return [i.name for i in self.document.imported]

    def render_passes(self) -> list[str]:
        """The TARGET of each pass ("" for a pass without one)."""
        return [p.target or "" for p in self.document.passes]

    # sources
    def json_source_string(self) -> str: return json.dumps(self.document.header, indent=4)
    json_string = json_source_string
    def frag_shader_source(self) -> str: return self.document.fragment_source
    def vert_shader_source(self) -> str: return self.document.vertex_source or ""

    def __repr__(self) -> str:
        return f"<ISFDoc {self.document.name} ({self.document.kind})>"


def CreateISFDocRef(path: str | os.PathLike[str], parent_scene: ISFScene | None = None,  # noqa: N802
                    throw_except: bool = True) -> ISFDoc:
    """Load a document from a ``.fs`` file (its sibling ``.vs`` too).

    ``throw_except`` is accepted and ignored: errors always raise (``ParseError``).
    """
    return ISFDoc(path)


def CreateISFDocRefWith(fs_contents: str, imports_dir: str | os.PathLike[str] | None = None,  # noqa: N802
                        vs_contents: str | None = None, parent_scene: ISFScene | None = None,
                        throw_except: bool = True) -> ISFDoc:
    """Load a document from fragment shader text (and optional vertex shader text).

    ``imports_dir``: folder IMPORTED paths resolve in (default: the current directory).
    """
    return ISFDoc(_load_text(fs_contents, vs_contents, imports_dir))


# ---------------------------------------------------------------------------------------------
# buffers and the pool
# ---------------------------------------------------------------------------------------------


class GLBuffer:
    """A rendered frame, held on the CPU: (height, width, 4), **top row first**.

    uint8 RGBA (float32 when the scene renders to float).  ``np.asarray(buf)``,
    ``buf.array``, ``buf.to_pil_image()``.  Unlike pyvvisf 0.2 it holds no GL texture, so it
    stays valid across ``reinitialize_glfw_context()`` and ``cleanup_glfw_context()``.
    """

    #: GL texture name: always 0, the pixels live on the CPU
    name = 0
    flipped = False
    preferDeletion = False  # noqa: N815 - pyvvisf name

    def __init__(self, array: np.ndarray | None = None) -> None:
        if array is not None and (not isinstance(array, np.ndarray) or array.ndim != 3 or array.shape[2] != 4):
            raise InputError("a GLBuffer holds an (height, width, 4) array")
        self._array = array

    @property
    def array(self) -> np.ndarray | None:
        """The pixels, (height, width, 4), top row first (None for an empty buffer)."""
        return self._array

    def array_or_raise(self) -> np.ndarray:
        if self._array is None:
            raise InputError("this GLBuffer is empty (CreateGLBufferRef()); render into one with "
                             "scene.create_and_render_a_buffer(size)")
        return self._array

    @property
    def size(self) -> Size:
        if self._array is None:
            return Size(0, 0)
        return Size(float(self._array.shape[1]), float(self._array.shape[0]))

    backingSize = size  # noqa: N815

    @property
    def srcRect(self) -> Rect:  # noqa: N802
        s = self.size
        return Rect(0, 0, s.width, s.height)

    def is_full_frame(self) -> bool:
        return True

    def to_pil_image(self) -> Any:
        """An RGBA ``PIL.Image`` (top row first; float frames clamped and quantised)."""
        from offscreen_isf.media.output import to_pil  # noqa: PLC0415

        return to_pil(self.array_or_raise())

    to_pil = to_pil_image

    def create_pil_image(self, mode: str = "RGBA", color: Sequence[int] = (0, 0, 0, 255)) -> Any:
        """A new PIL image of this buffer's size filled with ``color``."""
        from PIL import Image  # noqa: PLC0415

        w, h = (int(v) for v in self.size)
        fill: Any = tuple(color)[:len(mode)] if mode in ("RGB", "RGBA") else tuple(color)[0]
        return Image.new(mode, (w, h), fill)

    @staticmethod
    def from_pil_image(pil_image: Any) -> GLBuffer:
        """A buffer holding a PIL image's pixels (usable as an image input)."""
        return GLBuffer(np.ascontiguousarray(np.asarray(pil_image.convert("RGBA"))))

    def get_description(self) -> str:
        if self._array is None:
            return "<GLBuffer empty>"
        return f"<GLBuffer CPU {self._array.shape[1]}x{self._array.shape[0]} {self._array.dtype} RGBA>"

    get_description_string = get_description
    __repr__ = get_description

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        arr = self.array_or_raise()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr


def CreateGLBufferRef() -> GLBuffer:  # noqa: N802
    """An empty buffer (converting it raises until something is rendered into it)."""
    return GLBuffer()


def _pool_cleanup() -> int:
    """Release dropped scenes, then delete every idle pooled target; GL objects freed."""
    with _RT.lock:
        ctx = _RT.context
        _drain_pending()
        if ctx is None or ctx.state not in _USABLE:
            return 0
        return ctx.pool.cleanup()


class GLBufferPool:
    """The shared context's buffer pool (render targets reused by size and format).

    pyvvisf 0.2 made a new pool per object; here every ``GLBufferPool()`` is a handle on the
    one pool of the shared context, so ``cleanup()`` reaches every pooled target.
    """

    def __init__(self) -> None:
        shared_context()   # as 0.2: creating a pool initialises the context

    def cleanup(self) -> int:
        """Delete every idle pooled target; returns the GL objects freed (2 per target).

        Targets in use (persistent buffers a scene keeps between frames) are kept; see
        :meth:`force_cleanup`.  0 when the context is closed (nothing is pooled then).
        """
        return _pool_cleanup()

    housekeeping = cleanup
    purge = cleanup

    def force_cleanup(self) -> int:
        """Free every pooled GL object, in use or not; returns how many GL objects were freed.

        Idle targets are deleted; if targets are still in use (persistent buffers), the
        context is re-initialised, which frees every GL object (scenes read their persistent
        buffers back first and rebuild on their next render).  Afterwards
        ``stats()["idle"] == stats()["in_use"] == 0``.
        """
        with _RT.lock:
            freed = self.cleanup()
            ctx = _RT.context
            if ctx is not None and ctx.state in _USABLE and ctx.pool.stats()["in_use"]:
                freed += sum(ctx.live_objects().values())
                ctx.reinitialize()
            return freed

    def stats(self) -> dict[str, int]:
        """The pool's counts (idle, in_use, idle_objects, hits, misses)."""
        ctx = _RT.context
        if ctx is None:
            return {"idle": 0, "in_use": 0, "idle_objects": 0, "hits": 0, "misses": 0}
        return ctx.pool.stats()

    def create_buffer(self, size: Size | tuple[int, int]) -> GLBuffer:
        """A transparent-black CPU buffer of ``size`` (usable as an image input)."""
        w, h = _pixels(size)
        return GLBuffer(np.zeros((h, w, 4), np.uint8))


# ---------------------------------------------------------------------------------------------
# scenes
# ---------------------------------------------------------------------------------------------

#: Names ``set_value_for_input_named`` accepts besides the shader's inputs.
PSEUDO_INPUTS = ("TIME", "RENDERSIZE", "RENDERSIZE.x", "RENDERSIZE.y")
_COMPUTED = ("TIMEDELTA", "FRAMEINDEX", "PASSINDEX", "DATE")


@dataclass
class _Holder:
    """The scene's renderer, reachable from the scene's finalizer without the scene."""

    renderer: oi.Renderer | None = None
    images: dict[str, Any] = field(default_factory=dict)


def _defer_release(holder: _Holder) -> None:
    # Runs when a scene is garbage collected: no GL here, just queue the renderer.
    if holder.renderer is not None:
        _RT.pending.append(holder.renderer)
        holder.renderer = None


class ISFScene:
    """Renders one document (VVISF-GL's ``ISFScene``): an :class:`offscreen_isf.Renderer`
    sharing the module's context.

    Values set with :meth:`set_value_for_input_named` stay until another document is used.
    Besides the shader's inputs it takes the pseudo-inputs ``TIME`` (the time of the next
    renders, unless ``render_time`` is passed) and ``RENDERSIZE`` / ``RENDERSIZE.x`` /
    ``RENDERSIZE.y`` (the size used when ``create_and_render_a_buffer`` gets none).
    """

    def __init__(self, doc: ISFDoc | None = None) -> None:
        shared_context()                     # as 0.2: creating a scene initialises the context
        self._holder = _Holder()
        self._finalizer = weakref.finalize(self, _defer_release, self._holder)
        self._finalizer.atexit = False
        self._doc: ISFDoc | None = None
        self._time: float | None = None
        self._render_size: list[int | None] = [None, None]
        self._float = False
        self._timer_start = _time.monotonic()
        if doc is not None:
            self.use_doc(doc)

    # -- documents -------------------------------------------------------------------------
    def use_doc(self, doc: ISFDoc | None) -> None:
        """Render ``doc`` from now on (input values reset to its defaults)."""
        if doc is not None and not isinstance(doc, ISFDoc):
            raise InputError(f"use_doc() takes an ISFDoc (CreateISFDocRefWith(text)), got {type(doc).__name__}")
        self._release_renderer()
        self._doc = doc
        if doc is not None:
            ctx = shared_context()
            self._holder.renderer = oi.Renderer(doc.document, size=self._default_size((640, 360)),
                                                context=ctx)

    def use_file(self, path: str | os.PathLike[str], throw_exc: bool = True, reset_timer: bool = True) -> None:
        """Load ``path`` and use it; ``reset_timer`` restarts :meth:`get_timestamp`."""
        self.use_doc(CreateISFDocRef(path))
        if reset_timer:
            self._timer_start = _time.monotonic()

    def doc(self) -> ISFDoc | None:
        """The document in use (None before :meth:`use_doc`)."""
        return self._doc

    def _require(self) -> oi.Renderer:
        if self._holder.renderer is None:
            raise LifecycleError("this scene has no document: call scene.use_doc(CreateISFDocRefWith(text)) "
                                 "or scene.use_file(path) first")
        return self._holder.renderer

    # -- values ----------------------------------------------------------------------------
    def set_value_for_input_named(self, value: Any, name: str) -> None:
        """Set input ``name`` (or a pseudo-input, see the class doc) to ``value``.

        ``value``: an ``ISFVal`` (``ISFFloatVal(0.5)`` ...), a pyvvisf 0.9 value or a plain
        Python value.  Unknown names raise :class:`offscreen_isf.InputError` listing the
        valid ones; out-of-range numbers are clamped to the input's MIN/MAX (VVISF-GL).
        """
        renderer = self._require()
        doc = renderer.document
        if name not in {i.name for i in doc.inputs}:
            self._set_pseudo(name, value)
            return
        plain = plain_value(value)
        renderer.set_inputs(**{name: plain})
        if doc.input(name).is_image:
            self._holder.images[name] = value

    def _set_pseudo(self, name: str, value: Any) -> None:
        plain = plain_value(value)
        if name == "TIME":
            self._time = _number(plain, "TIME")
        elif name in ("RENDERSIZE.x", "RENDERSIZE.y"):
            axis = 0 if name.endswith("x") else 1
            self._render_size[axis] = _pixels((plain, plain))[axis]
        elif name == "RENDERSIZE":
            self._render_size = list(_pixels(plain))
        elif name in _COMPUTED:
            raise InputError(f"{name} is computed for every frame and cannot be set "
                             f"(settable pseudo-inputs: {', '.join(PSEUDO_INPUTS)})")
        else:
            self._require().document.input(name)   # raises InputError listing the inputs
        return

    def get_value_for_input_named(self, name: str) -> ISFVal:
        """The current value of input (or pseudo-input) ``name`` as an ``ISFVal``."""
        renderer = self._require()
        if name == "TIME":
            return ISFFloatVal(self._time or 0.0)
        if name in ("RENDERSIZE.x", "RENDERSIZE.y"):
            v = self._render_size[0 if name.endswith("x") else 1]
            return ISFFloatVal(float(v or 0))
        inp = renderer.document.input(name)
        if inp.is_image:
            return ISFVal(_BY_ISF_TYPE[inp.type], self._holder.images.get(name))
        return _val_for(inp.type, renderer.inputs[name])

    def set_buffer_for_input_image_key(self, buffer: Any, key: str) -> None:
        """Use ``buffer`` (a :class:`GLBuffer`, PIL image, array or path) as image input ``key``."""
        self.set_value_for_input_named(buffer, key)

    def set_filter_input_buffer(self, buffer: Any) -> None:
        """Set the filter's ``inputImage``."""
        self.set_value_for_input_named(buffer, "inputImage")

    # -- size, time, format ----------------------------------------------------------------
    def set_size(self, size: Size | tuple[int, int]) -> None:
        """The size used when ``create_and_render_a_buffer`` is called without one."""
        self._render_size = list(_pixels(size))

    def size(self) -> Size:
        w, h = self._render_size
        return Size(float(w or 0), float(h or 0))

    render_size = size
    ortho_size = size

    def _default_size(self, fallback: tuple[int, int] | None = None) -> tuple[int, int]:
        w, h = self._render_size
        if w is not None and h is not None:
            return w, h
        if fallback is not None:
            return fallback
        raise InputError("no render size: pass one (scene.create_and_render_a_buffer(Size(w, h))), "
                         "or set RENDERSIZE.x and RENDERSIZE.y, or call scene.set_size(...)")

    def get_timestamp(self) -> float:
        """Seconds since the scene was made (or ``use_file(reset_timer=True)``)."""
        return _time.monotonic() - self._timer_start

    def set_always_render_to_float(self, value: bool) -> None:
        """Render float32 buffers (0..1 nominal, unclamped) instead of uint8."""
        self._float = bool(value)

    def always_render_to_float(self) -> bool:
        return self._float

    def set_throw_exceptions(self, value: bool) -> None:
        """Accepted for compatibility: errors always raise here."""

    def throw_exceptions(self) -> bool:
        return True

    # -- rendering ---------------------------------------------------------------------------
    def create_and_render_a_buffer(self, size: Size | tuple[int, int] | None = None,
                                   render_time: float | None = None, out_pass_dict: dict[str, Any] | None = None,
                                   pool_ref: GLBufferPool | None = None) -> GLBuffer:
        """Render one frame; returns a :class:`GLBuffer` (CPU pixels, top row first).

        ``size``: default the scene's size (``set_size`` / ``RENDERSIZE`` pseudo-inputs).
        ``render_time``: seconds; default the ``TIME`` pseudo-input, else 0.
        ``out_pass_dict`` and ``pool_ref`` are accepted and not used (intermediate pass
        buffers are not exposed; there is one pool).  Re-opens the shared context if
        ``cleanup_glfw_context()`` closed it.  Errors raise; a frame is never silently black.
        """
        if pool_ref is not None and not isinstance(pool_ref, GLBufferPool):
            raise InputError(f"pool_ref must be a GLBufferPool or None, got {type(pool_ref).__name__}")
        w, h = _pixels(size) if size is not None else self._default_size()
        t = self._time if render_time is None else _number(render_time, "render_time")
        with _RT.lock:
            shared_context()
            renderer = self._require()
            try:
                renderer.size = (w, h)
                frame = renderer.render(time=t or 0.0, dtype="float32" if self._float else "uint8")
            except ResourceLimitError as exc:   # pyvvisf 0.2's wording first, then ours
                raise ResourceLimitError(f"Size too large: {exc.message}") from exc
        return GLBuffer(frame)

    def cleanup(self) -> int:
        """pyvvisf 0.2's "cleanup for batch rendering": free idle pooled GL objects (count)."""
        return _pool_cleanup()

    def release(self) -> None:
        """Free this scene's GL objects now (program, textures, persistent buffers).

        Not in pyvvisf 0.2 (a dropped scene is also released, at the next call into this
        module).  The scene can be used again with :meth:`use_doc`.
        """
        self._release_renderer()
        self._doc = None

    def _release_renderer(self) -> None:
        renderer, self._holder.renderer = self._holder.renderer, None
        self._holder.images.clear()
        if renderer is not None:
            with _RT.lock:
                renderer.release()

    prepare_to_be_deleted = release

    def __repr__(self) -> str:
        return f"<ISFScene {self._doc!r}>"


def CreateISFSceneRef() -> ISFScene:  # noqa: N802
    """A new scene (initialises the shared context, as 0.2 did)."""
    return ISFScene()


def CreateISFSceneRefUsing(context: Any = None) -> ISFScene:  # noqa: N802
    """A new scene; ``context`` is ignored (every scene uses the shared context)."""
    return ISFScene()



# ---------------------------------------------------------------------------------------------
# file utilities (VVISF-GL's)
# ---------------------------------------------------------------------------------------------


def file_is_probably_isf(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a readable ``.fs`` file whose header parses (never raises)."""
    p = Path(path)
    if p.suffix.lower() not in (".fs", ".frag") or not p.is_file():
        return False
    try:
        oi.load(p)
    except oi.ISFError:
        return False
    return True


def scan_for_isf_files(folder: str | os.PathLike[str], file_type: ISFFileType = ISFFileType.All,
                       recursive: bool = True) -> list[str]:
    """Paths of the ISF files under ``folder`` (sorted; [] for a missing folder)."""
    root = Path(folder)
    if not root.is_dir():
        return []
    found = root.rglob("*") if recursive else root.glob("*")
    return sorted(str(p) for p in found if file_is_probably_isf(p))


def get_default_isf_files(file_type: ISFFileType = ISFFileType.All) -> list[str]:
    """VVISF-GL's system ISF folder scan; there is no system folder here, so []."""
    return []

# Every public entry point raises pyvvisf 0.9's error classes (each also the offscreen-isf
# error it stands for), so ``except pyvvisf.ValidationError`` works on this API too.
convert_api(globals(), __all__)
