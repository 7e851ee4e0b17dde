"""``pyvvisf.renderer`` (pyvvisf 0.9): :class:`ISFRenderer` (and ``ShaderValidationError``,
which pyvvisf 0.9 defined here)."""

from __future__ import annotations

from .._v09 import ISFRenderer, RenderResult
from .._v09_errors import ShaderValidationError

__all__ = ["ISFRenderer", "RenderResult", "ShaderValidationError"]
