"""``pyvvisf.result`` (pyvvisf 0.9): :class:`RenderResult` (top row first here)."""

from __future__ import annotations

from .._v09 import RenderResult

__all__ = ["RenderResult"]
