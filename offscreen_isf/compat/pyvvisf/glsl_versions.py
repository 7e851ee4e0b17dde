"""``pyvvisf.glsl_versions`` (pyvvisf 0.9): :func:`get_supported_glsl_versions`."""

from __future__ import annotations

from .._v09 import get_supported_glsl_versions

__all__ = ["get_supported_glsl_versions"]
