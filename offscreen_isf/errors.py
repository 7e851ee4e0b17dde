"""Every error offscreen-isf raises on purpose.

``ISFError`` is the base class: catching it catches every deliberate failure of the
library.  Any other exception escaping the library is a bug.  Messages say what went
wrong *and* what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ISFError",
    "ParseError",
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
]


class ISFError(Exception):
    """Base class of every error raised on purpose by offscreen-isf."""


class ParseError(ISFError, ValueError):
    """An ISF document (JSON header, size expression, GLSL body) is malformed.

    ``line`` and ``column`` are 1-based positions in the source file when known.
    """

    def __init__(self, message: str, *, path: str | None = None,
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


class CompileError(ISFError):
    """The GL driver rejected a shader; the message maps lines back to the .fs/.vs file."""


class InputError(ISFError, ValueError):
    """A user-supplied input value has the wrong name, type or shape."""


class BackendError(ISFError, RuntimeError):
    """A headless GL backend is unknown, unavailable, or misconfigured on this system.

    ``fix`` holds a one-line remedy (a package to install, a variable to set) when known.
    """

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.fix = fix
        super().__init__(f"{message} -> {fix}" if fix else message)


class LifecycleError(ISFError, RuntimeError):
    """An operation is illegal in the context's current lifecycle state.

    ``state`` and ``event`` name what was attempted; ``legal`` lists the events allowed
    in that state.
    """

    def __init__(self, message: str, *, state: str | None = None, event: str | None = None,
                 legal: tuple[str, ...] = ()) -> None:
        self.state = state
        self.event = event
        self.legal = legal
        super().__init__(message)


class ThreadError(LifecycleError):
    """A context was used from a thread other than the one it is current on."""


class ContextLostError(LifecycleError):
    """The driver reported the context lost; only close() or reinitialize() are legal."""


class ResourceLimitError(ISFError, ValueError):
    """A size or count exceeds what the GL implementation (or a configured limit) allows."""


class RenderTimeout(ISFError, TimeoutError):
    """A render did not finish within its time limit."""


class RenderCrashed(ISFError, RuntimeError):
    """The isolated render worker died (driver crash, OOM kill, signal); it was replaced."""


class RenderError(ISFError, RuntimeError):
    """The GL driver reported an error while creating objects, drawing or reading back."""
