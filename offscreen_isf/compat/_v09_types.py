"""pyvvisf 0.9's value types (``pyvvisf.types``): optional wrappers around plain values.

Same names, fields and conversions as pyvvisf 0.9: ``ISFFloat`` / ``ISFInt`` answer
``float()`` and ``int()``, ``ISFBool`` answers ``bool()``, ``ISFColor`` clamps its channels
to 0..1, and :func:`coerce_to_isf_value` turns plain Python values into them.  Every
renderer here also takes the plain values themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ISFValue", "ISFColor", "ISFPoint2D", "ISFFloat", "ISFInt", "ISFBool",
           "ISFColorVal", "ISFPoint2DVal", "ISFFloatVal", "ISFLongVal", "ISFBoolVal",
           "coerce_to_isf_value"]


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

    def to_python(self) -> tuple[float, float, float, float]:
        return self.to_tuple()

    @classmethod
    def from_rgb(cls, r: float, g: float, b: float, a: float = 1.0) -> ISFColor:
        return cls(r, g, b, a)

    @classmethod
    def from_tuple(cls, color: tuple[float, ...] | list[float]) -> ISFColor:
        """3 or 4 channels; anything else raises ``ValueError`` (as pyvvisf 0.9)."""
        if len(color) not in (3, 4):
            raise ValueError(f"Color tuple must have 3 or 4 values, got {len(color)}")
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

    def to_python(self) -> tuple[float, float]:
        return self.to_tuple()

    @classmethod
    def from_tuple(cls, point: tuple[float, ...] | list[float]) -> ISFPoint2D:
        """Exactly 2 values; anything else raises ``ValueError`` (as pyvvisf 0.9)."""
        if len(point) != 2:
            raise ValueError(f"Point tuple must have 2 values, got {len(point)}")
        return cls(point[0], point[1])


@dataclass
class ISFFloat(ISFValue):
    """A float input value; ``float()`` and ``int()`` (truncating) work on it."""

    value: float

    def __post_init__(self) -> None:
        self.value = float(self.value)

    def to_python(self) -> float:
        return self.value

    def __float__(self) -> float:
        return self.value

    def __int__(self) -> int:
        return int(self.value)


@dataclass
class ISFInt(ISFValue):
    """A long input value; ``int()`` and ``float()`` work on it."""

    value: int

    def __post_init__(self) -> None:
        self.value = int(self.value)

    def to_python(self) -> int:
        return self.value

    def __int__(self) -> int:
        return self.value

    def __float__(self) -> float:
        return float(self.value)


@dataclass
class ISFBool(ISFValue):
    """A bool input value; ``bool()`` works on it."""

    value: bool

    def __post_init__(self) -> None:
        self.value = bool(self.value)

    def to_python(self) -> bool:
        return self.value

    def __bool__(self) -> bool:
        return self.value


# pyvvisf 0.9's aliases (the 0.2 names; the 0.2 API's own ISFFloatVal ... are functions of
# ``offscreen_isf.compat.pyvvisf`` and build 0.2 ``ISFVal`` objects)
ISFColorVal = ISFColor
ISFPoint2DVal = ISFPoint2D
ISFFloatVal = ISFFloat
ISFLongVal = ISFInt
ISFBoolVal = ISFBool


def _sequence(kind: str, build: Callable[[Any], ISFValue], sizes: str) -> Callable[[Any], ISFValue]:
    def coerce(value: Any) -> ISFValue:
        if not isinstance(value, (tuple, list)):
            raise ValueError(f"Cannot coerce value of type {type(value)} (got {value!r}) to "
                             f"{kind}. Primitives like list or tuple of {sizes} floats are allowed.")
        return build(value)
    return coerce


#: explicit ``expected_type`` -> coercion (0.9's table; bool is accepted where it is a number)
_COERCE: dict[str, Callable[[Any], ISFValue]] = {
    "color": _sequence("color", ISFColor.from_tuple, "3 or 4"),
    "point2D": _sequence("point2D", ISFPoint2D.from_tuple, "2"),
    "float": ISFFloat,
    "long": ISFInt,
    "bool": ISFBool,
}


def _auto(value: Any) -> ISFValue:
    if isinstance(value, (tuple, list)):
        if len(value) == 2:
            return ISFPoint2D.from_tuple(value)
        if len(value) in (3, 4):
            return ISFColor.from_tuple(value)
        what = f"{len(value)}-element sequence"
    elif isinstance(value, bool):
        return ISFBool(value)
    elif isinstance(value, int):
        return ISFInt(value)
    elif isinstance(value, float):
        return ISFFloat(value)
    else:
        what = f"value of type {type(value)}"
    raise ValueError(f"Cannot auto-coerce {what} (got {value!r}). Primitives like int, float, "
                     "bool, list, or tuple are allowed and will be coerced to the appropriate "
                     "ISF type if possible.")


def coerce_to_isf_value(value: Any, expected_type: str = "auto") -> ISFValue:
    """``value`` as an :class:`ISFValue` (returned as is when it already is one).

    ``expected_type``: ``"auto"`` (sequences of 2 -> point, 3 or 4 -> colour; bool, int,
    float by their type) or an ISF TYPE: ``color``, ``point2D``, ``float``, ``long``
    (bools become 0 / 1), ``bool``.  Raises ``ValueError`` for anything else, as pyvvisf 0.9.
    """
    if isinstance(value, ISFValue):
        return value
    if expected_type == "auto":
        return _auto(value)
    coerce = _COERCE.get(expected_type)
    if coerce is None:
        raise ValueError(f"Unknown expected type: {expected_type}")
    try:
        return coerce(value)
    except TypeError as exc:   # e.g. float(None): 0.9's callers catch ValueError
        raise ValueError(f"Cannot coerce {value!r} to {expected_type}: {exc}") from exc
