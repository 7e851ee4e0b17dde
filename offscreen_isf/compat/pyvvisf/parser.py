"""``pyvvisf.parser`` (pyvvisf 0.9): :class:`ISFParser` and the metadata classes (no GL)."""

from __future__ import annotations

from .._v09 import ISFInput, ISFMetadata, ISFParser, ISFPass

__all__ = ["ISFParser", "ISFMetadata", "ISFInput", "ISFPass"]
