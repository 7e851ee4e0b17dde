"""``pyvvisf.types`` (pyvvisf 0.9): value types and :func:`coerce_to_isf_value`."""

from __future__ import annotations

from .._v09_types import (
    ISFBool,
    ISFBoolVal,
    ISFColor,
    ISFColorVal,
    ISFFloat,
    ISFFloatVal,
    ISFInt,
    ISFLongVal,
    ISFPoint2D,
    ISFPoint2DVal,
    ISFValue,
    coerce_to_isf_value,
)

__all__ = ["ISFValue", "ISFColor", "ISFPoint2D", "ISFFloat", "ISFInt", "ISFBool",
           "ISFColorVal", "ISFPoint2DVal", "ISFFloatVal", "ISFLongVal", "ISFBoolVal",
           "coerce_to_isf_value"]
