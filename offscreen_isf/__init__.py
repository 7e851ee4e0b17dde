"""offscreen-isf: render ISF shaders headless (EGL, OSMesa, CGL) to numpy, PNG and video.

Importing this package does not import OpenGL: the backend (and so PyOpenGL's platform)
is chosen when the first :class:`Context` is created.
"""

from __future__ import annotations

from . import errors
from .contract import RendererProtocol, RenderSettings
from .errors import (
    BackendError,
    CompileError,
    ContextLostError,
    InputError,
    ISFError,
    LifecycleError,
    ParseError,
    RenderCrashed,
    RenderError,
    RenderTimeout,
    ResourceLimitError,
    ThreadError,
)
from .farm.factory import open_renderer
from .farm.isolate import IsolatedRenderer
from .gl.context import Context
from .gl.lifecycle import Event, State
from .gl.renderer import Renderer, render
from .isf.document import Document, ISFWarning, load
from .media.output import to_pil, write_png

__version__ = "0.1.0"

__all__ = ["load", "Document", "Renderer", "render", "open_renderer", "RenderSettings", "RendererProtocol",
           "IsolatedRenderer", "to_pil", "write_png", "Context", "State", "Event", "backends", "errors", "ISFError", "ParseError",
           "CompileError", "InputError", "BackendError", "LifecycleError", "ThreadError",
           "ContextLostError", "ResourceLimitError", "RenderTimeout", "RenderCrashed", "RenderError",
           "ISFWarning", "__version__"]


_LAZY_MODULES = {"backends": "offscreen_isf.backends", "distributed": "offscreen_isf.farm.distributed"}


def __getattr__(name: str) -> object:
    # Lazy: `oi.backends` without importing it (and so OpenGL) at package import;
    # `oi.distributed` without importing dask (an optional extra) at package import.
    if name in _LAZY_MODULES:
        import importlib  # noqa: PLC0415

        return importlib.import_module(_LAZY_MODULES[name])
    raise AttributeError(f"module 'offscreen_isf' has no attribute {name!r}")
