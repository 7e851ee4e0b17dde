"""One way to get a renderer: :func:`open_renderer` picks the class from the settings.

``open_renderer(shader, settings)`` returns an in-process
:class:`~offscreen_isf.gl.renderer.Renderer`, or -- ``settings.isolate`` -- an
:class:`~offscreen_isf.farm.isolate.IsolatedRenderer` that draws in a worker process.  Both
satisfy :class:`~offscreen_isf.contract.RendererProtocol`, so callers (CLI, batch, Dask,
scripts) never branch on the class.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..contract import RendererProtocol, RenderSettings
from ..errors import InputError

if TYPE_CHECKING:
    from ..gl.context import Context
    from ..isf.document import Document

__all__ = ["open_renderer"]


def open_renderer(shader: str | os.PathLike[str] | Document, settings: RenderSettings | None = None, *,
                  context: Context | None = None, inputs: Mapping[str, Any] | None = None,
                  **options: Any) -> RendererProtocol:
    """A renderer for ``shader`` (a path, the shader text or a loaded ``Document``).

    ``settings``: a :class:`~offscreen_isf.contract.RenderSettings` (default: all defaults);
    ``options``: keyword options applied on top (``open_renderer(path, size=(64, 64),
    isolate=True, timeout=10)``; unknown names raise ``InputError``).  ``context``: share an
    open :class:`~offscreen_isf.gl.context.Context` (in-process renderers only; the caller
    keeps owning it); None opens one owned by the renderer.  ``inputs``: initial input values.

    The caller owns the result: ``release()`` it, or use it as a context manager.
    """
    if settings is None:
        settings = RenderSettings.from_options(**options)
    elif options:
        settings = settings.replace(**options)
    if settings.isolate:
        if context is not None:
            raise InputError("an isolated renderer opens its own context in its worker process; "
                             "context= must be None (pass backend= instead)")
        from .isolate import IsolatedRenderer  # noqa: PLC0415 - worker machinery only when asked

        return IsolatedRenderer(shader, settings, inputs=inputs)
    from ..gl.renderer import Renderer  # noqa: PLC0415 - imports OpenGL: only when drawing here

    return Renderer(shader, settings=settings, context=context, inputs=inputs)
