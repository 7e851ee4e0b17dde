"""Compatibility layers for code written against other ISF libraries.

``from offscreen_isf.compat import pyvvisf`` is a drop-in replacement for ``import pyvvisf``
(both the 0.2 VVISF-binding API and the 0.9 pure-Python API); see
``docs/migrating-from-pyvvisf.md``.  Importing this package imports no OpenGL.
"""

from __future__ import annotations

__all__ = ["pyvvisf"]


def __getattr__(name: str) -> object:
    # Lazy, so ``import offscreen_isf.compat`` stays cheap.
    if name == "pyvvisf":
        import importlib  # noqa: PLC0415

        return importlib.import_module("offscreen_isf.compat.pyvvisf")
    raise AttributeError(f"module 'offscreen_isf.compat' has no attribute {name!r}")
