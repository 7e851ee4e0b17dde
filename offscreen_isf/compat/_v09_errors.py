"""pyvvisf 0.9's error classes, mirrored (``pyvvisf.errors``), on offscreen-isf's.

Each class keeps pyvvisf 0.9's constructor and ``str()`` (the message, then a ``Context:``
block listing ``.context``) and is also an offscreen-isf error, so both ``except`` styles
work: ``except pyvvisf.ShaderCompilationError`` and ``except offscreen_isf.CompileError``.

Errors raised by the library under the 0.9 API are converted by :func:`converted`: the
offscreen-isf error becomes an instance of its twin here (same message, same structured
fields, plus ``.context``), raised from the original.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import offscreen_isf as oi

__all__ = ["ISFError", "ISFParseError", "ShaderCompilationError", "ShaderValidationError",
           "RenderingError", "ContextError", "ValidationError", "converted", "converting", "convert_api", "twin_of"]


class ISFError(oi.ISFError):
    """Base of pyvvisf 0.9's errors: ``ISFError(message, context=None)``.

    ``str()`` is the message followed by ``Context:`` and one ``  key: value`` line per
    entry of ``.context`` (when it has any), as pyvvisf 0.9 formats it.
    """

    def __init__(self, message: str = "", context: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.context: dict[str, Any] = dict(context or {})

    def __str__(self) -> str:
        text = super().__str__()
        if self.context:
            text += "\nContext:\n" + "\n".join(f"  {k}: {v}" for k, v in self.context.items())
        return text


class ISFParseError(ISFError, oi.ParseError):
    """The header could not be found or parsed: ``ISFParseError(message, json_block="",
    line_info=None)``; ``.context`` holds ``json_block`` and the ``line_info`` entries."""

    def __init__(self, message: str = "", json_block: str = "",
                 line_info: dict[str, Any] | None = None) -> None:
        context: dict[str, Any] = {"json_block": json_block} if json_block else {}
        context.update(line_info or {})
        ISFError.__init__(self, message, context)
        self.path, self.line, self.column = None, context.get("line"), None


class ShaderCompilationError(ISFError, oi.CompileError):
    """GLSL did not compile or link, or the header's metadata is invalid:
    ``ShaderCompilationError(message, shader_source="", shader_type="")``."""

    def __init__(self, message: str = "", shader_source: str = "", shader_type: str = "") -> None:
        context = {k: v for k, v in (("shader_source", shader_source),
                                     ("shader_type", shader_type)) if v}
        ISFError.__init__(self, message, context)
        self.path, self.line, self.log = None, None, None
        self.stage = shader_type or None


class ShaderValidationError(ShaderCompilationError):
    """Empty shader content (pyvvisf 0.9 defined it in ``pyvvisf.renderer``)."""


class RenderingError(ISFError, oi.RenderError):
    """A render or an input assignment failed: ``RenderingError(message, operation="")``."""

    def __init__(self, message: str = "", operation: str = "") -> None:
        ISFError.__init__(self, message, {"operation": operation} if operation else None)


#: the pyvvisf 0.2 wrapper's name for :class:`RenderingError` (the same class)
ShaderRenderingError = RenderingError


class ContextError(ISFError, oi.BackendError):
    """No usable GL context: ``ContextError(message, platform_info=None)``."""

    def __init__(self, message: str = "", platform_info: dict[str, Any] | None = None) -> None:
        ISFError.__init__(self, message, platform_info)
        self.fix = None


class ValidationError(ISFError, oi.InputError):
    """Invalid metadata or input value: ``ValidationError(message, field="", value=None)``."""

    def __init__(self, message: str = "", field: str = "", value: Any = None) -> None:
        context: dict[str, Any] = {"field": field} if field else {}
        if value is not None:
            context["value"] = value
        ISFError.__init__(self, message, context)
        self.name = field or None


class _SizeError(RenderingError, oi.ResourceLimitError):
    """A size or count over a limit: pyvvisf 0.9 raised ``RenderingError`` for bad sizes."""


class _StateError(RenderingError, oi.LifecycleError):
    """An illegal call for the current state (e.g. after ``cleanup()``): pyvvisf 0.9 had no
    such error (it rendered black), so it comes as ``RenderingError``."""


# -- converting offscreen-isf errors ------------------------------------------------------------

#: offscreen-isf class -> its pyvvisf 0.9 twin; the first matching entry wins (subclasses first)
_TWINS: tuple[tuple[type[oi.ISFError], type[ISFError]], ...] = (
    (oi.ParseError, ISFParseError),
    (oi.CompileError, ShaderCompilationError),
    (oi.InputError, ValidationError),
    (oi.BackendError, ContextError),
    (oi.RenderError, RenderingError),
    (oi.ResourceLimitError, _SizeError),
)


def twin_of(cls: type[BaseException]) -> type[ISFError] | None:
    """The pyvvisf 0.9 class an offscreen-isf error class converts to (None: kept as is)."""
    if cls is oi.LifecycleError:   # exactly: ThreadError / ContextLostError keep their class
        return _StateError
    for ours, theirs in _TWINS:
        if issubclass(cls, ours):
            return theirs
    return None


def _convert(err: oi.ISFError, cls: type[ISFError], prefix: str = "") -> ISFError:
    """A ``cls`` carrying ``err``'s text (after ``prefix``) and structured fields."""
    new = cls.__new__(cls)
    text = prefix + str(err)
    Exception.__init__(new, text)
    new.__dict__.update(err.__dict__)
    new.message = prefix + err.message
    new.context = {k: v for k, v in err.fields.items()
                   if k not in ("message", "log") and v not in (None, ())}
    return new


def convert(err: oi.ISFError, cls: type[ISFError] | None = None, prefix: str = "") -> BaseException:
    """``err`` as its pyvvisf 0.9 twin (or ``cls``), its text after ``prefix``; errors that
    already are 0.9 errors, or have no twin (lifecycle, limits), come back unchanged."""
    if isinstance(err, ISFError):
        return err
    target = cls or twin_of(type(err))
    return err if target is None else _convert(err, target, prefix)


@contextmanager
def converted(cls: type[ISFError] | None = None, prefix: str = "") -> Iterator[None]:
    """Re-raise offscreen-isf errors from the block as their pyvvisf 0.9 twins (see
    :func:`convert`), chained to the original."""
    try:
        yield
    except oi.ISFError as err:
        new = convert(err, cls, prefix)
        if new is err:
            raise
        raise new.with_traceback(err.__traceback__) from err


_F = TypeVar("_F", bound=Callable[..., Any])
#: special methods that can raise on bad use (construction, ``np.asarray``)
_DUNDERS = ("__init__", "__array__")


def converting(fn: _F) -> _F:
    """``fn`` raising pyvvisf 0.9's error classes (see :func:`converted`)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with converted():
            return fn(*args, **kwargs)
    return cast(_F, wrapper)


def convert_api(namespace: dict[str, Any], names: Iterable[str]) -> None:
    """Make the public functions and methods of ``names`` in ``namespace`` (a module's
    globals) raise pyvvisf 0.9's error classes, so ``except pyvvisf.ValidationError`` ...
    works on the 0.2 API too.  Classes: their ``__init__`` and public plain methods."""
    for name in names:
        obj = namespace.get(name)
        if inspect.isfunction(obj):
            namespace[name] = converting(obj)
        elif inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, value in list(vars(obj).items()):
                if inspect.isfunction(value) and (attr in _DUNDERS or not attr.startswith("_")):
                    setattr(obj, attr, converting(value))
