"""Every error offscreen-isf raises on purpose: the one module that defines them.

``ISFError`` is the base class: catching it catches every deliberate failure of the
library.  Any other exception escaping the library is a bug.  Messages say what went
wrong *and* what to do about it.

Every error carries its facts as attributes (:attr:`ISFError.fields`): ``message`` (the
text without location or remedy), and per class ``path`` / ``line`` / ``column``,
``log``, ``name``, ``fix``, ``state`` / ``event`` / ``legal`` ...  Code that needs a fact
reads the attribute; nothing rebuilds an error by splitting its text.  An error crosses a
process boundary as plain data with :meth:`ISFError.to_dict` and :func:`from_dict` (no
unpickling of what a worker sends); ordinary pickling keeps the fields too.

Every class can be built from its message alone (the fields are keyword-only with
defaults), as pickling requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ISFError",
    "ParseError",
    "SoftParseError",
    "CompileError",
    "InputError",
    "BackendError",
    "LifecycleError",
    "ThreadError",
    "ContextLostError",
    "ResourceLimitError",
    "RenderTimeout",
    "RenderCrashed",
    "RenderError",
    "OutputError",
    "UsageError",
    "MissingExtraError",
    "missing_extra",
    "DaskMissingError",
    "ChunkFailed",
    "ERRORS",
    "from_dict",
]

#: JSON-safe field values (tuples travel as lists and come back as tuples)
_Scalar = str | int | float | bool | None


class ISFError(Exception):
    """Base class of every error raised on purpose by offscreen-isf.

    ``message``: what went wrong, without the decorations ``str()`` adds (a file location,
    a ``-> fix`` remedy).  Subclasses list their structured attributes in ``FIELDS``.
    """

    #: names of the structured attributes of this class, besides ``message``
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)
        self.message = message

    @property
    def fields(self) -> dict[str, Any]:
        """``message`` and every attribute named in ``FIELDS`` (values as stored)."""
        return {"message": self.message, **{k: getattr(self, k, None) for k in self.FIELDS}}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description: ``{"error": class name, "text": str(self), "message", ...fields}``.

        Field values that are not JSON scalars (or tuples of them) are left out.
        """
        out: dict[str, Any] = {"error": type(self).__name__, "text": str(self)}
        for key, value in self.fields.items():
            if isinstance(value, tuple) and all(isinstance(v, _Scalar) for v in value):
                out[key] = list(value)
            elif isinstance(value, _Scalar):
                out[key] = value
        return out


class ParseError(ISFError, ValueError):
    """An ISF document (JSON header, size expression, GLSL body) is malformed.

    ``path`` is the file (None for text), ``line`` and ``column`` are 1-based positions in
    it when known; ``str()`` is ``path:line:column: message``.
    """

    FIELDS = ("path", "line", "column")

    def __init__(self, message: str = "", *, path: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = ""
        if path is not None:
            where = str(path)
        if line is not None:
            where += f":{line}" if where else f"line {line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message


class SoftParseError(ParseError):
    """A header value VVISF-GL silently ignores (wrong JSON type).  Non-strict loading turns it
    into a warning and drops the value; ``strict=True`` raises it."""


class CompileError(ISFError):
    """A shader did not compile or link, or the ISF translation refused its GLSL.

    ``path`` / ``line``: the .fs / .vs file and 1-based line the error points at, when one
    line is known; ``stage``: ``"fragment"`` or ``"vertex"`` (None for a link error);
    ``log``: the driver's log (mapped back to the ISF files), when the driver produced one.
    The message already says all of this; the fields are for programs.
    """

    FIELDS = ("path", "line", "stage", "log")

    def __init__(self, message: str = "", *, path: str | None = None, line: int | None = None,
                 stage: str | None = None, log: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.stage = stage
        self.log = log


class InputError(ISFError, ValueError):
    """A user-supplied input value has the wrong name, type or shape.

    ``name``: the input (or option) concerned, when one is.
    """

    FIELDS = ("name",)

    def __init__(self, message: str = "", *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class BackendError(ISFError, RuntimeError):
    """A headless GL backend is unknown, unavailable, or misconfigured on this system.

    ``fix`` holds a one-line remedy (a package to install, a variable to set) when known;
    ``str()`` is ``message -> fix``.
    """

    FIELDS = ("fix",)

    def __init__(self, message: str = "", *, fix: str | None = None) -> None:
        self.fix = fix
        super().__init__(f"{message} -> {fix}" if fix else message)
        self.message = message


class LifecycleError(ISFError, RuntimeError):
    """An operation is illegal in the context's current lifecycle state.

    ``state`` and ``event`` name what was attempted; ``legal`` lists the events allowed
    in that state.
    """

    FIELDS = ("state", "event", "legal")

    def __init__(self, message: str = "", *, state: str | None = None, event: str | None = None,
                 legal: tuple[str, ...] = ()) -> None:
        self.state = state
        self.event = event
        self.legal = tuple(legal)
        super().__init__(message)


class ThreadError(LifecycleError):
    """A context was used from a thread other than the one it is current on."""


class ContextLostError(LifecycleError):
    """The driver reported the context lost; only close() or reinitialize() are legal."""


class ResourceLimitError(ISFError, ValueError):
    """A size or count exceeds what the GL implementation (or a configured limit) allows."""


class RenderTimeout(ISFError, TimeoutError):  # noqa: N818 - public name, kept
    """A render did not finish within its time limit."""


class RenderCrashed(ISFError, RuntimeError):  # noqa: N818 - public name, kept
    """The isolated render worker died (driver crash, OOM kill, signal); it was replaced."""


class RenderError(ISFError, RuntimeError):
    """The GL driver reported an error while creating objects, drawing or reading back."""


class OutputError(ISFError, OSError):
    """Writing an output failed: a file, a pipe, or the ffmpeg encoder.

    ``path``: the file or stream being written, when known.
    """

    FIELDS = ("path",)

    def __init__(self, message: str = "", *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class UsageError(ISFError, ValueError):
    """The command line asks for something contradictory or malformed (exit code 2)."""


class MissingExtraError(UsageError):
    """An optional feature needs packages that are not installed: exit code 2 in the CLI,
    whichever feature it is.  ``extra`` names the setup.cfg extra, ``packages`` what it
    installs; :func:`missing_extra` builds one with the install commands in its text."""

    FIELDS = ("extra", "packages")

    def __init__(self, message: str = "", *, extra: str | None = None,
                 packages: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.extra = extra
        self.packages = tuple(packages)


def missing_extra(feature: str, extra: str, packages: tuple[str, ...],
                  cls: type[MissingExtraError] = MissingExtraError) -> MissingExtraError:
    """``feature needs the 'extra' extra: pip install PACKAGES (from a checkout: pip install
    -e '.[extra]')`` -- both commands work without the project being on a package index."""
    quoted = " ".join(f"'{p}'" if any(c in p for c in "[]<>=") else p for p in packages)
    return cls(f"{feature} needs the '{extra}' extra: pip install {quoted} "
               f"(from a checkout: pip install -e '.[{extra}]')", extra=extra, packages=packages)


class DaskMissingError(MissingExtraError):
    """``--workers`` / ``--scheduler`` / ``render_range`` need dask.distributed (exit code 2)."""


class ChunkFailed(ISFError, RuntimeError):  # noqa: N818 - public name, kept
    """A chunk failed on every attempt (worker deaths, driver errors): exit code 4 in the CLI."""


#: every error class by name: what :func:`from_dict` may build (nothing else)
ERRORS: Mapping[str, type[ISFError]] = {
    cls.__name__: cls for cls in (
        ISFError, ParseError, SoftParseError, CompileError, InputError, BackendError,
        LifecycleError, ThreadError, ContextLostError, ResourceLimitError, RenderTimeout,
        RenderCrashed, RenderError, OutputError, UsageError, MissingExtraError, DaskMissingError,
        ChunkFailed)
}


def from_dict(data: Mapping[str, Any], default: type[ISFError] = RenderError) -> ISFError:
    """Rebuild an error described by :meth:`ISFError.to_dict` (e.g. by another process).

    Only classes of this module are built (an unknown name gives ``default``); ``str()`` of
    the result is the original ``text``, its fields are restored.  Never unpickles.
    """
    cls = ERRORS.get(str(data.get("error", "")), default)
    exc = cls.__new__(cls)
    Exception.__init__(exc, str(data.get("text", "")))
    exc.message = str(data.get("message", data.get("text", "")))
    for key in cls.FIELDS:
        value = data.get(key)
        setattr(exc, key, tuple(value) if isinstance(value, list) else value)
    return exc
