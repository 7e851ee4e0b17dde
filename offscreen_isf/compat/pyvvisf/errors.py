"""``pyvvisf.errors`` (pyvvisf 0.9): the error classes, each also an offscreen-isf error."""

from __future__ import annotations

from .._v09_errors import (
    ContextError,
    ISFError,
    ISFParseError,
    RenderingError,
    ShaderCompilationError,
    ShaderRenderingError,
    ShaderValidationError,
    ValidationError,
)

__all__ = ["ISFError", "ISFParseError", "ShaderCompilationError", "ShaderValidationError",
           "RenderingError", "ShaderRenderingError", "ContextError", "ValidationError"]
