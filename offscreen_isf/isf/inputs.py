"""ISF input types: one data table, header parsing rules and user-value coercion
(docs/semantics.md, "Inputs").

Every ISF ``INPUTS`` entry becomes an :class:`Input`.  What each ``TYPE`` means is one row of
:data:`INPUT_TYPES` (GLSL uniform type, which header keys it reads and how, its value when
``DEFAULT`` is missing, how user values are coerced).  The rules are VVISF-GL's
(``ISFDoc.cpp``), the reference where the written format is silent:

========== =============== ============================================================
TYPE       GLSL uniform    DEFAULT / MIN / MAX / IDENTITY rules
========== =============== ============================================================
event      bool            no values; default False (host pulses it for one frame)
bool       bool            JSON bool or number (>0 ⇒ true); **missing DEFAULT ⇒ True**;
                           MIN/MAX fixed False/True
long       int             VALUES+LABELS (equal length) ⇒ pop-up; else MIN/MAX (ints; if
                           only one of them is given both are dropped); DEFAULT number ⇒
                           int (truncated toward 0); missing ⇒ 0; DEFAULT never clamped
float      float           MIN/MAX numbers (only one given ⇒ both dropped; none ⇒ 0..1);
                           DEFAULT clamped to [MIN, MAX]; missing ⇒ (MIN+MAX)/2
point2D    vec2            2-number arrays; missing DEFAULT ⇒ (0, 0); no implicit range
color      vec4            4-number RGBA arrays (0..1); MIN/MAX fixed (0,0,0,0)/(1,1,1,1);
                           missing DEFAULT ⇒ (0, 0, 0, 0)
image      sampler2D       no values (+ per-image uniforms, see translate.py)
audio      sampler2D       MAX (int) = requested sample count (texture width)
audioFFT   sampler2D       MAX (int) = requested FFT bin count (texture width)
cube       samplerCube     no values; six square faces set from Python (+X, -X, +Y, -Y,
                           +Z, -Z); only ``_NAME_imgSize`` besides the sampler (VVISF-GL)
========== =============== ============================================================

Wrong JSON types: VVISF-GL silently ignores a scalar of the wrong type (``"DEFAULT": "0.9"`` for
a float is dropped, so the default becomes (MIN+MAX)/2) and throws for an array of the right
length holding non-numbers.  We do the same, but every ignored value produces a warning with a
precise message (``INPUTS[3] "amount": DEFAULT must be a number, got "abc"``), and
``strict=True`` turns those into :class:`ParseError`.  Unknown ``TYPE`` values are skipped with a
warning, as VVISF-GL skips them.

User values (:func:`coerce_value`) are converted to the canonical Python value the renderer
uploads; VVISF-GL does **not** clamp values set at run time (only the float DEFAULT), so neither
do we unless ``clamp=True`` is passed.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, ParseError, SoftParseError

__all__ = [
    "Input",
    "InputType",
    "INPUT_TYPES",
    "IMAGE_LIKE_TYPES",
    "SIZE_VARIABLE_TYPES",
    "parse_input",
    "coerce_value",
    "input_summary",
]

INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def _show(value: Any) -> str:
    """A JSON rendering of a header value for messages (``"abc"``, ``[1, 2]``, ``true``)."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        try:
            text = repr(value)
        except ValueError:   # an int over Python's digit limit for text
            text = f"<a {type(value).__name__} too long to show>"
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(v: Any) -> bool:
    # JSON numbers only: a JSON bool is not a number (nlohmann's is_number() agrees).
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------
# header value parsers: (where, key, raw) -> python value, raise ParseError on wrong JSON type
# ---------------------------------------------------------------------------------------------

def _p_number(where: str, key: str, v: Any) -> float:
    if not _is_number(v):
        raise SoftParseError(f"{where}: {key} must be a number, got {_show(v)}")
    try:
        return float(v)
    except OverflowError:   # a JSON integer with hundreds of digits
        raise ParseError(f"{where}: {key} {_show(v)} is too large for a number") from None


def _p_int(where: str, key: str, v: Any) -> int:
    f = _p_number(where, key, v)
    if not INT32_MIN <= f <= INT32_MAX:
        raise ParseError(f"{where}: {key} {_show(v)} does not fit a GLSL int (32-bit)")
    return int(f)  # int() truncates toward zero like VVISF-GL's get<int32_t>()


def _p_bool(where: str, key: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if _is_number(v):
        return bool(v > 0)
    raise SoftParseError(f"{where}: {key} must be a boolean or a number, got {_show(v)}")


def _p_vec(n: int) -> Callable[[str, str, Any], tuple[float, ...]]:
    def parse(where: str, key: str, v: Any) -> tuple[float, ...]:
        if not isinstance(v, list) or len(v) != n:
            # VVISF-GL ignores anything but an n-element array ...
            raise SoftParseError(f"{where}: {key} must be an array of {n} numbers, "
                                 f"got {_show(v)}")
        if not all(_is_number(x) for x in v):
            # ... and throws MalformedJSON for an n-element array holding a non-number
            raise ParseError(f"{where}: {key} must be an array of {n} numbers, got {_show(v)}")
        return tuple(float(x) for x in v)
    return parse


# ---------------------------------------------------------------------------------------------
# user value coercers: (input, value) -> canonical value, raise InputError
# ---------------------------------------------------------------------------------------------

def _real(inp: Input, value: Any, what: str = "a number") -> float:
    # numbers.Real covers int, float and numpy scalars; bools are rejected to catch mix-ups
    # numpy 0-d arrays are numbers too (and checked like them)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputError(f'input "{inp.name}" ({inp.type}) must be {what}, got {_show(value)}')
    try:
        f = float(value)
    except OverflowError:   # an int with hundreds of digits
        f = math.inf
    if not math.isfinite(f):
        raise InputError(f'input "{inp.name}" ({inp.type}) must be finite, got {_show(value)}')
    return f


def _c_bool(inp: Input, value: Any, clamp: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    # VVISF-GL getBoolVal() of a number is value > 0
    return _real(inp, value, "a bool or a number") > 0


def _c_long(inp: Input, value: Any, clamp: bool) -> int:
    if isinstance(value, str):
        # convenience: a LABELS entry selects the matching VALUES entry
        if inp.labels is not None and inp.values is not None and value in inp.labels:
            return inp.values[inp.labels.index(value)]
        choices = f" (one of {list(inp.labels)})" if inp.labels else ""
        raise InputError(f'input "{inp.name}" (long) must be an integer{choices}, got {value!r}')
    f = _real(inp, value, "an integer")
    if not INT32_MIN <= f <= INT32_MAX:
        raise InputError(f'input "{inp.name}" (long) {value!r} does not fit a 32-bit int')
    n = int(f)  # truncation toward zero, as VVISF-GL's (int32_t) cast
    if clamp:
        if inp.values:
            if n not in inp.values:
                raise InputError(f'input "{inp.name}" (long) must be one of {list(inp.values)}, '
                                 f"got {value!r}")
        elif inp.min is not None and inp.max is not None:
            n = max(int(inp.min), min(int(inp.max), n))
    return n


def _c_float(inp: Input, value: Any, clamp: bool) -> float:
    f = _real(inp, value)
    if clamp and inp.min is not None and inp.max is not None:
        f = max(inp.min, min(inp.max, f))
    return f


def _c_vec(n: int, accept: tuple[int, ...]) -> Callable[[Input, Any, bool], tuple[float, ...]]:
    def coerce(inp: Input, value: Any, clamp: bool) -> tuple[float, ...]:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise InputError(f'input "{inp.name}" ({inp.type}) must be a sequence of {n} numbers, '
                             f"got {value!r}")
        try:
            items = list(value)
        except TypeError:
            raise InputError(f'input "{inp.name}" ({inp.type}) must be a sequence of {n} '
                             f"numbers, got {value!r}") from None
        if len(items) not in accept:
            want = " or ".join(str(a) for a in accept)
            raise InputError(f'input "{inp.name}" ({inp.type}) needs {want} numbers, '
                             f"got {len(items)}: {value!r}")
        vals = [_real(inp, x, "a sequence of numbers") for x in items]
        if len(vals) == 3 and n == 4:
            vals.append(1.0)  # RGB given: opaque alpha
        if clamp and inp.min is not None and inp.max is not None:
            lo, hi = inp.min, inp.max
            vals = [max(a, min(b, v)) for v, a, b in zip(vals, lo, hi, strict=False)]
        return tuple(vals)
    return coerce


def _c_image(inp: Input, value: Any, clamp: bool) -> Any:
    # paths / arrays / PIL images are resolved by the renderer; None = unset
    return value


# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputType:
    """One row of the ISF input type table."""

    name: str
    #: GLSL type of the main uniform (``uniform <glsl> NAME;``)
    glsl: str
    #: True for sampler types; they also get ``_NAME_imgSize`` (and, but for cube,
    #: ``_NAME_imgRect`` / ``_NAME_flip``) uniforms
    is_image: bool
    #: header keys this type reads -> parser of the JSON value
    keys: Mapping[str, Callable[[str, str, Any], Any]]
    #: DEFAULT when the header has none (None: depends on MIN/MAX, see float)
    missing_default: Any
    #: converts a user value to the canonical Python value
    coerce: Callable[[Input, Any, bool], Any]
    #: fixed (MIN, MAX) forced by VVISF-GL regardless of the header, or None
    fixed_range: tuple[Any, Any] | None = None


_VEC2 = _p_vec(2)
_VEC4 = _p_vec(4)

INPUT_TYPES: dict[str, InputType] = {t.name: t for t in (
    InputType("event", "bool", False, {}, False, _c_bool),
    InputType("bool", "bool", False, {"DEFAULT": _p_bool, "IDENTITY": _p_bool}, True, _c_bool,
              fixed_range=(False, True)),
    InputType("long", "int", False,
              {"DEFAULT": _p_int, "IDENTITY": _p_int, "MIN": _p_int, "MAX": _p_int}, 0, _c_long),
    InputType("float", "float", False,
              {"DEFAULT": _p_number, "IDENTITY": _p_number, "MIN": _p_number, "MAX": _p_number},
              None, _c_float),
    InputType("point2D", "vec2", False,
              {"DEFAULT": _VEC2, "IDENTITY": _VEC2, "MIN": _VEC2, "MAX": _VEC2},
              (0.0, 0.0), _c_vec(2, (2,))),
    InputType("color", "vec4", False, {"DEFAULT": _VEC4, "IDENTITY": _VEC4},
              (0.0, 0.0, 0.0, 0.0), _c_vec(4, (3, 4)),
              fixed_range=((0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0))),
    InputType("image", "sampler2D", True, {}, None, _c_image),
    InputType("audio", "sampler2D", True, {"MAX": _p_int}, None, _c_image),
    InputType("audioFFT", "sampler2D", True, {"MAX": _p_int}, None, _c_image),
    InputType("cube", "samplerCube", True, {}, None, _c_image),
)}

#: types whose values are textures
IMAGE_LIKE_TYPES = frozenset(n for n, t in INPUT_TYPES.items() if t.is_image)
#: types usable as ``$name`` in size expressions (VVISF-GL: event/bool/long/float, bools as 0/1)
SIZE_VARIABLE_TYPES = frozenset({"event", "bool", "long", "float"})


@dataclass
class Input:
    """One parsed ISF input.

    ``default``/``min``/``max``/``identity`` hold canonical Python values: bool, int, float, or
    tuples of floats for point2D (pixels or shader-defined units) and color (RGBA 0..1).  ``min``
    and ``max`` are None when the input has no range.  For audio/audioFFT ``max`` is the
    requested sample / bin count (int) or None.
    """

    name: str
    type: str
    default: Any = None
    min: Any = None
    max: Any = None
    identity: Any = None
    values: tuple[int, ...] | None = None
    labels: tuple[str, ...] | None = None
    label: str | None = None
    description: str | None = None
    index: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def spec(self) -> InputType:
        return INPUT_TYPES[self.type]

    @property
    def glsl_type(self) -> str:
        return self.spec.glsl

    @property
    def is_image(self) -> bool:
        return self.spec.is_image

    def coerce(self, value: Any, *, clamp: bool = False) -> Any:
        """Shortcut for :func:`coerce_value`."""
        return coerce_value(self, value, clamp=clamp)


def parse_input(entry: Any, index: int, warn: Callable[[str], None],
                strict: bool = False) -> Input | None:
    """Parse ``INPUTS[index]``; returns None when the entry is skipped.

    VVISF-GL silently skips non-object entries, entries without string NAME/TYPE and unknown
    TYPEs, and ignores wrongly-typed scalar values; here each of those calls ``warn`` with a
    precise message (``INPUTS[3] "amount": DEFAULT must be a number, got "abc"``), or raises
    :class:`ParseError` when ``strict``.  Malformed arrays VVISF-GL rejects are always errors.
    """
    def soft(exc: ParseError) -> None:
        if strict:
            raise ParseError(exc.message) from None
        warn(f"{exc.message}; ignored (as VVISF-GL does)")

    where = f"INPUTS[{index}]"
    if not isinstance(entry, dict):
        soft(SoftParseError(f"{where} must be an object, got {_show(entry)}"))
        return None
    name = entry.get("NAME")
    if not isinstance(name, str):
        soft(SoftParseError(f"{where}: NAME must be a string, got "
                            f"{_show(name) if 'NAME' in entry else 'nothing'}"))
        return None
    where = f'{where} "{name}"'
    tname = entry.get("TYPE")
    if not isinstance(tname, str):
        soft(SoftParseError(f"{where}: TYPE must be a string, got "
                            f"{_show(tname) if 'TYPE' in entry else 'nothing'}"))
        return None
    spec = INPUT_TYPES.get(tname)
    if spec is None:
        # not an error even when strict: skipped with a warning, as VVISF-GL skips it
        warn(f'{where}: unknown TYPE "{tname}", input skipped '
             f"(known: {', '.join(INPUT_TYPES)})")
        return None

    parsed: dict[str, Any] = {}
    for key, parser in spec.keys.items():
        if key in entry:
            try:
                parsed[key] = parser(where, key, entry[key])
            except SoftParseError as exc:
                soft(exc)

    inp = Input(name=name, type=tname, index=index, raw=entry)
    for key in ("LABEL", "DESCRIPTION"):  # UI-only strings
        v = entry.get(key)
        if v is not None and not isinstance(v, str):
            soft(SoftParseError(f"{where}: {key} must be a string, got {_show(v)}"))
        elif v is not None:
            setattr(inp, key.lower(), v)
    _FINISH[tname](inp, parsed, entry, where, warn)
    return inp


# per-type completion of defaults/ranges (the non-uniform part of VVISF-GL's rules)

def _finish_none(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                 warn: Callable[[str], None]) -> None:
    inp.default = inp.spec.missing_default


def _finish_bool(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                 warn: Callable[[str], None]) -> None:
    inp.default = p.get("DEFAULT", True)  # VVISF-GL: a bool without DEFAULT starts true
    inp.identity = p.get("IDENTITY")
    inp.min, inp.max = inp.spec.fixed_range  # type: ignore[misc]


def _pair(inp: Input, p: dict[str, Any], where: str, warn: Callable[[str], None]) -> None:
    # VVISF-GL: MIN/MAX are only used together; one alone is dropped
    if ("MIN" in p) != ("MAX" in p):
        present = "MIN" if "MIN" in p else "MAX"
        warn(f"{where}: {present} given without {'MAX' if present == 'MIN' else 'MIN'}; "
             "both ignored (VVISF-GL rule)")
        p.pop("MIN", None)
        p.pop("MAX", None)


def _finish_long(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                 warn: Callable[[str], None]) -> None:
    vals, labs = entry.get("VALUES"), entry.get("LABELS")
    if isinstance(vals, list) and isinstance(labs, list) and len(vals) == len(labs):
        # VVISF-GL: a pop-up; a wrong element type is MalformedJSON
        if not all(_is_number(v) for v in vals):
            raise ParseError(f"{where}: VALUES must be an array of numbers, got {_show(vals)}")
        if not all(isinstance(s, str) for s in labs):
            raise ParseError(f"{where}: LABELS must be an array of strings, got {_show(labs)}")
        inp.values = tuple(_p_int(where, "VALUES[]", v) for v in vals)
        inp.labels = tuple(labs)
        p.pop("MIN", None)  # VVISF-GL reads MIN/MAX only without a pop-up
        p.pop("MAX", None)
    elif vals is not None or labs is not None:
        warn(f"{where}: VALUES and LABELS must both be arrays of equal length; pop-up ignored "
             "(as VVISF-GL does)")
    _pair(inp, p, where, warn)
    inp.min, inp.max = p.get("MIN"), p.get("MAX")
    inp.default = p.get("DEFAULT", 0)  # never clamped, never checked against VALUES (VVISF-GL)
    inp.identity = p.get("IDENTITY")


def _finish_float(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                  warn: Callable[[str], None]) -> None:
    _pair(inp, p, where, warn)
    lo, hi = p.get("MIN", 0.0), p.get("MAX", 1.0)
    if lo > hi:
        warn(f"{where}: MIN ({lo:g}) is greater than MAX ({hi:g})")
    inp.min, inp.max = lo, hi
    if "DEFAULT" in p:
        d = p["DEFAULT"]
        # VVISF-GL's exact clamp order (matters when MIN > MAX)
        inp.default = lo if d < lo else (hi if d > hi else d)
        if inp.default != d:
            warn(f"{where}: DEFAULT {d:g} outside [{lo:g}, {hi:g}], clamped to {inp.default:g}")
    else:
        inp.default = (hi - lo) / 2.0 + lo
    inp.identity = p.get("IDENTITY")


def _finish_point(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                  warn: Callable[[str], None]) -> None:
    inp.default = p.get("DEFAULT", inp.spec.missing_default)
    inp.identity = p.get("IDENTITY")
    inp.min, inp.max = p.get("MIN"), p.get("MAX")


def _finish_color(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                  warn: Callable[[str], None]) -> None:
    inp.default = p.get("DEFAULT", inp.spec.missing_default)
    inp.identity = p.get("IDENTITY")
    inp.min, inp.max = inp.spec.fixed_range  # type: ignore[misc]


def _finish_audio(inp: Input, p: dict[str, Any], entry: dict[str, Any], where: str,
                  warn: Callable[[str], None]) -> None:
    inp.default = None
    mx = p.get("MAX")
    if mx is not None and mx < 1:
        warn(f"{where}: MAX (sample count) must be >= 1, got {mx}; ignored")
        mx = None
    inp.max = mx


_FINISH: dict[str, Callable[[Input, dict[str, Any], dict[str, Any], str, Callable[[str], None]], None]] = {
    "event": _finish_none,
    "bool": _finish_bool,
    "long": _finish_long,
    "float": _finish_float,
    "point2D": _finish_point,
    "color": _finish_color,
    "image": _finish_none,
    "audio": _finish_audio,
    "audioFFT": _finish_audio,
    "cube": _finish_none,
}
assert set(_FINISH) == set(INPUT_TYPES)


def coerce_value(inp: Input, value: Any, *, clamp: bool = False) -> Any:
    """Convert a user value for ``inp`` to what the renderer uploads.

    * event/bool → ``bool`` (numbers: ``> 0``, as VVISF-GL's getBoolVal)
    * long → ``int`` (floats truncated toward zero; a LABELS string selects its VALUES entry)
    * float → ``float`` (finite)
    * point2D → ``(x, y)`` floats; color → ``(r, g, b, a)`` floats (3 values ⇒ alpha 1.0)
    * image/audio/audioFFT/cube → passed through unchanged (path, array, six of them for a
      cube, None = unset)

    ``clamp=True`` clamps float/long/point2D/color to the input's MIN/MAX (and checks long
    VALUES); the default follows VVISF-GL, which stores run-time values unclamped.
    Raises :class:`InputError` naming the input and the expected shape.
    """
    return inp.spec.coerce(inp, value, clamp)


def input_summary(inp: Input) -> str:
    """One line for ``offscreen-isf info``: name, type, default and range."""
    parts = [f"{inp.name}: {inp.type}"]
    if inp.default is not None:
        parts.append(f"default={inp.default!r}")
    if inp.values is not None:
        parts.append("values=" + ", ".join(f"{v}={label!r}" for v, label in zip(inp.values, inp.labels or (), strict=False)))
    elif inp.min is not None and inp.type not in ("bool", "color"):
        parts.append(f"range=[{inp.min!r}, {inp.max!r}]")
    return " ".join(parts)
