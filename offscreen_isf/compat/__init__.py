"""Compatibility layers for code written against other ISF libraries.

``from offscreen_isf.compat import pyvvisf`` is a drop-in replacement for ``import pyvvisf``
(both the 0.2 VVISF-binding API and the 0.9 pure-Python API); see
``docs/migrating-from-pyvvisf.md``.  Importing this package imports no OpenGL.

For code that cannot be edited, :func:`install_pyvvisf_alias` makes ``import pyvvisf`` (and
``pyvvisf.parser``, ``pyvvisf.errors`` ...) resolve to the compatibility module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from offscreen_isf.errors import UsageError

__all__ = ["pyvvisf", "install_pyvvisf_alias", "PYVVISF_SUBMODULES"]

#: pyvvisf 0.9's modules the alias maps (``pyvvisf.<name>`` -> ``...compat.pyvvisf.<name>``)
PYVVISF_SUBMODULES = ("errors", "types", "parser", "renderer", "result", "glsl_versions")
_TARGET = "offscreen_isf.compat.pyvvisf"
_REMEDY = "pip uninstall pyvvisf, or import offscreen_isf.compat.pyvvisf in the code instead"


def install_pyvvisf_alias() -> None:
    """Make ``import pyvvisf`` and its 0.9 submodules resolve to ``offscreen_isf.compat.pyvvisf``.

    Opt-in and process-wide (it fills ``sys.modules``); idempotent.  Call it before the code
    that imports pyvvisf.  Raises :class:`offscreen_isf.UsageError` when a real pyvvisf is
    installed or already imported: the alias would hide it, so uninstall it (or change the
    imports to ``offscreen_isf.compat.pyvvisf``) instead.
    """
    loaded = sys.modules.get("pyvvisf")
    if loaded is not None and getattr(loaded, "__name__", "") == _TARGET:
        return
    if loaded is not None:
        raise UsageError(f"a real pyvvisf is already imported (from {getattr(loaded, '__file__', '?')}); "
                         "install_pyvvisf_alias() will not replace it: " + _REMEDY)
    spec = importlib.util.find_spec("pyvvisf")
    if spec is not None:
        raise UsageError(f"a real pyvvisf is installed ({spec.origin}); install_pyvvisf_alias() "
                         "will not hide it: " + _REMEDY)
    module = importlib.import_module(_TARGET)
    sys.modules["pyvvisf"] = module
    for name in PYVVISF_SUBMODULES:
        sys.modules[f"pyvvisf.{name}"] = importlib.import_module(f"{_TARGET}.{name}")


def __getattr__(name: str) -> object:
    # Lazy, so ``import offscreen_isf.compat`` stays cheap.
    if name == "pyvvisf":
        return importlib.import_module("offscreen_isf.compat.pyvvisf")
    raise AttributeError(f"module 'offscreen_isf.compat' has no attribute {name!r}")
