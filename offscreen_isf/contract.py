"""The renderer contract: one settings object, one protocol, one time check.

* :class:`RenderSettings` carries **every** renderer option, from the command line through
  batch rendering, Dask workers and the isolated worker process, to the
  :class:`~offscreen_isf.gl.renderer.Renderer` that draws.  Each layer passes the whole
  object on; none lists options by hand.  Adding an option is one field declaration here:
  its default, its check (run by :meth:`RenderSettings.__post_init__`), its command-line flag
  (:class:`CliFlag`, read by ``offscreen-isf render``) and whether only isolation uses it sit
  in the field's ``metadata``; it reaches the worker processes because the object is pickled
  whole, and the Dask renderer cache keys on the whole object.
* :class:`RendererProtocol` is what the CLI, batch, Dask and compat layers may call on a
  renderer: the in-process ``Renderer`` and the worker-process ``IsolatedRenderer`` both
  implement it (``isinstance(r, RendererProtocol)`` holds for both).
* :func:`check_time` is the one rule for a frame's ``time`` argument, shared by both renderers.

A leaf module: standard library, numpy and :mod:`offscreen_isf.errors` only (the
``Document`` import is for type checkers and is never executed).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import numbers
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from .errors import InputError, ResourceLimitError

if TYPE_CHECKING:
    from .isf.document import Document

__all__ = ["RenderSettings", "RendererProtocol", "ContextFacts", "BackendFacts", "CliFlag",
           "check_time", "check_date_numbers", "check_out", "finite_real", "DateLike", "DEFAULT_SIZE", "DEFAULT_TIMEOUT", "TRANSPORTS"]

#: output size (width, height) in pixels when none is given
DEFAULT_SIZE = (640, 360)
#: seconds an isolated renderer waits for one call (``timeout=None``: no deadline)
DEFAULT_TIMEOUT = 30.0
#: how an isolated worker hands frames back: a shared memory file, or the pipe
TRANSPORTS = ("shm", "pipe")

#: DATE of a frame: None (now), a datetime, a date, or (year, month, day, seconds)
DateLike = tuple[float, float, float, float] | _dt.datetime | _dt.date | None


# -- one rule for `time` ---------------------------------------------------------------------

def finite_real(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not one.

    Accepted: Python and numpy reals (``np.float32(0.5)``) and 0-d numeric arrays
    (``np.array(0.5)``), never a bool.  Huge integers (``10**400``), NaN and infinities give
    None (never an ``OverflowError``)."""
    if type(value) is float:   # the per-frame cases first (a bool is neither float nor int)
        return value if math.isfinite(value) else None
    if type(value) is int:
        try:
            return float(value)   # finite, or OverflowError
        except OverflowError:
            return None
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return number if math.isfinite(number) else None


def check_time(time: object) -> float:
    """``time`` (seconds) as a float: a finite real number (:func:`finite_real`), never a bool.

    ``render(True)`` is refused: a bool is an ``int`` to Python but never a time anyone
    meant.  Raises :class:`~offscreen_isf.errors.InputError` otherwise.
    """
    number = finite_real(time)
    if number is None:
        raise InputError(f"time must be a finite number of seconds, got {_short(time)}")
    return number


def check_date_numbers(date: object) -> tuple[float, float, float, float]:
    """A (year, month, day, seconds) DATE as four finite floats; InputError otherwise."""
    if isinstance(date, (str, bytes)) or not isinstance(date, Iterable):
        raise InputError(f"date must be None, a datetime or (year, month, day, seconds), got {_short(date)}")
    parts = list(date)
    numbers_ = [finite_real(v) for v in parts]
    if len(parts) != 4 or any(v is None for v in numbers_):
        raise InputError(f"date must be None, a datetime or (year, month, day, seconds) of finite "
                         f"numbers, got {_short(date)}")
    y, m, d, sec = (float(v) for v in numbers_ if v is not None)
    return (y, m, d, sec)


def check_out(out: object, shape: tuple[int, ...], dtype: str) -> None:
    """InputError unless ``out`` (a ``render(out=...)`` argument) is a writable, C-contiguous
    numpy array of ``shape`` and ``dtype`` that owns or borrows writable memory (a read-only
    view of ``bytes`` is refused: filling it would write into an immutable object)."""
    if out is None:
        return
    if not isinstance(out, np.ndarray):
        raise InputError(f"out must be a numpy array of shape {shape} and dtype {dtype}, "
                         f"got {type(out).__name__}")
    if out.shape != shape or out.dtype != np.dtype(dtype) or not out.flags.c_contiguous:
        raise InputError(f"out must be a C-contiguous {shape} {dtype} array, got {out.shape} {out.dtype}")
    if not out.flags.writeable:
        raise InputError("out is a read-only array; pass a writable one (np.empty(...)) or out=None")


def _short(value: object) -> str:
    """``repr(value)`` cut to a readable length (a 400-digit integer is not a message)."""
    try:
        text = repr(value)
    except ValueError:   # an int over Python's digit limit for text
        return f"<a {type(value).__name__} too long to show>"
    return text if len(text) <= 80 else text[:60] + f"... ({len(text)} characters)"


# -- command-line description of a field -----------------------------------------------------

@dataclass(frozen=True)
class CliFlag:
    """How ``offscreen-isf render`` exposes one :class:`RenderSettings` field.

    ``kind`` picks the argument's parser in the CLI: ``"switch"`` (present = True),
    ``"size"`` (``WxH``), ``"seconds"`` (a float), ``"text"``, ``"paths"`` (repeatable).
    ``group`` names the ``--help`` section; ``default`` is the CLI's own default when it
    differs from the library's (None: the field's default applies).
    """

    flag: str
    kind: str
    group: str
    help: str
    metavar: str | None = None
    default: Any = None


#: --help sections the render flags live in (the CLI's own sections use the same titles)
OUTPUT, SAFETY, RUN = "output", "untrusted shaders (see SECURITY.md)", "run"


# -- the settings ----------------------------------------------------------------------------

def _positive_seconds(label: str, value: object) -> float | None:
    """None, or ``value`` as positive finite seconds (InputError otherwise)."""
    if value is None:
        return None
    number = finite_real(value)
    if number is None or not number > 0:
        raise InputError(f"{label} must be a positive number of seconds or None, got {_short(value)}")
    return number


def _size_pair(label: str, value: Any, error: type[Exception]) -> tuple[int, int]:
    """(width, height) as positive ints; ``error`` names what is wrong otherwise."""
    w: Any
    h: Any
    try:
        w, h = value
    except (TypeError, ValueError):
        raise error(f"{label} must be (width, height) in pixels, got {value!r}") from None
    for part, v in (("width", w), ("height", h)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
            raise error(f"{label} {part} must be a positive integer number of pixels, got {v!r}")
    return int(w), int(h)


def _check_device(value: object) -> str | None:
    """An EGL device index (int or digits) or ``"surfaceless"``; kept as text."""
    if value is None:
        return None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isdigit() or text == "surfaceless"):
        raise InputError(f"device must be an EGL device index or 'surfaceless', got {value!r}")
    return text


def _check_size(value: object) -> tuple[int, int]:
    return _size_pair("size", value, ResourceLimitError)


def _check_backend(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InputError(f"backend must be a name such as 'egl' or None, got {value!r}")
    return value


def _check_flag(label: str) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise InputError(f"{label} must be True or False, got {value!r}")
        return bool(value)
    return check


def _check_max_size(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    pair = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    return _size_pair("max_size", pair, ResourceLimitError)


def _check_memory_budget(value: object) -> int | str | None:
    # The text form ("512M") is parsed by gl.limits, the one reader of byte counts.
    if value is None or isinstance(value, str):
        return value
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)
            or not 1 <= int(value) <= 1 << 60):
        raise ResourceLimitError(f"memory_budget must be a positive number of bytes (at most "
                                 f"1 EiB) or text such as '512M', got {_short(value)}")
    return int(value)


def _check_path(label: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise InputError(f"{label} must be a folder path or None, got {value!r}")
        text = str(os.fspath(value))
        if "\0" in text:
            raise InputError(f"{label}: path {text[:80]!r} contains a NUL byte")
        return text
    return check


def _check_allow_paths(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        raise InputError(f"allow_paths must be a list of folders, got the single path {value!r}")
    check = _check_path("each allow_paths entry")
    return tuple(str(check(p)) for p in value)


def _check_timeout(value: object) -> float | None:
    return _positive_seconds("timeout", value)


def _check_start_timeout(value: object) -> float | None:
    return _positive_seconds("start_timeout", value)


def _check_transport(value: object) -> str:
    if value not in TRANSPORTS:
        raise InputError(f"transport must be 'shm' or 'pipe', got {value!r}")
    return str(value)


def _check_worker_env(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    try:
        pairs = tuple((k, v) for k, v in items)
    except (TypeError, ValueError):
        raise InputError(f"worker_env must map names to values, got {value!r}") from None
    for k, v in pairs:
        if not isinstance(k, str) or not isinstance(v, str):
            raise InputError(f"worker_env names and values must be text, got {k!r}={v!r}")
    return tuple(sorted(pairs))


def _option(check: Callable[[Any], Any], cli: CliFlag | None = None, *,
            isolation: bool = False) -> dict[str, Any]:
    """A field's metadata: its ``check`` (normalises the value or raises), its command-line
    flag (None: not on the command line) and whether only an isolated renderer uses it."""
    return {"check": check, "cli": cli, "isolation": isolation}


@dataclass(frozen=True)
class RenderSettings:
    """Every option of a renderer (immutable, picklable, compared by value).

    Adding an option is one field declaration: its default, its check, its command-line flag
    (if any) and whether only isolation uses it all live in the field's ``metadata``
    (:func:`_option`).  Build one with keywords (``RenderSettings(size=(1920, 1080), draw_flipped=True)``) or
    :meth:`from_options` (unknown names raise :class:`~offscreen_isf.errors.InputError`);
    derive variants with :meth:`replace`.  Values are normalised on construction: sizes to
    ``(int, int)``, paths to ``str``, sequences to tuples.

    Rendering
        ``size`` (width, height) of the output in pixels; ``backend`` ``"egl"``,
        ``"osmesa"``, ``"cgl"`` or None (``$OFFSCREEN_ISF_BACKEND``, then the platform's
        default); ``device`` the EGL device (an index or ``"surfaceless"``; None: the
        environment, see :mod:`offscreen_isf.backends.egl`); ``clamp`` clamps float/long/point2D/color values to the input's MIN/MAX;
        ``draw_flipped`` draws the last pass upside down so frames need no flip on readback
        (faster, not bit-exact: see ``Renderer.draw_flipped``).
    Resource limits (checked before a frame allocates anything)
        ``max_size``: (width, height) cap for the output and every target, an int for both
        sides, or None (``GL_MAX_TEXTURE_SIZE``); ``memory_budget``: bytes one frame's
        targets may take, an int or text such as ``"512M"`` (None: the default of
        :mod:`offscreen_isf.gl.limits`).  Over either is a ``ResourceLimitError``.
    Files
        ``allow_paths``: extra folders IMPORTED images may come from (default: only the
        shader's folder); ``input_root``: when set, image/audio inputs given as paths must
        resolve inside it (symlinks followed).
    Isolation (untrusted shaders; only with ``isolate=True``)
        ``isolate`` renders in a worker process; ``timeout`` seconds per call (None: no
        deadline); ``start_timeout`` seconds for a worker to start and compile (None:
        ``max(2 * timeout, 30)``); ``transport`` ``"shm"`` or ``"pipe"``; ``worker_env``
        extra environment variables for the worker, as (name, value) pairs.
    """

    size: tuple[int, int] = field(default=DEFAULT_SIZE, metadata=_option(_check_size, CliFlag(
        "--size", "size", OUTPUT, "output size in pixels (default: 1920x1080)", "WxH", (1920, 1080))))
    backend: str | None = field(default=None, metadata=_option(_check_backend, CliFlag(
        "--backend", "text", RUN,
        "egl, osmesa or cgl (default: $OFFSCREEN_ISF_BACKEND, then the platform default)")))
    device: str | None = field(default=None, metadata=_option(_check_device, CliFlag(
        "--device", "text", RUN,
        "EGL device: an index (0 = first GPU, in CUDA order) or 'surfaceless' (default: "
        "$OFFSCREEN_ISF_DEVICE, then $EGL_DEVICE_ID, then the first of $CUDA_VISIBLE_DEVICES)",
        "N")))
    clamp: bool = field(default=True, metadata=_option(_check_flag("clamp")))
    draw_flipped: bool = field(default=False, metadata=_option(_check_flag("draw_flipped"), CliFlag(
        "--draw-flipped", "switch", OUTPUT,
        "draw the last pass upside down so frames need no flip on readback: faster, but not "
        "bit-exact: interpolated coordinates round differently in the last bit, which "
        "hash-noise shaders amplify (default: off, matches the reference)")))
    isolate: bool = field(default=False, metadata=_option(_check_flag("isolate"), CliFlag(
        "--isolate", "switch", SAFETY,
        "render in a worker process: a hang or crash costs one error, not the run")))
    timeout: float | None = field(default=DEFAULT_TIMEOUT, metadata=_option(_check_timeout, CliFlag(
        "--timeout", "seconds", SAFETY, "per-frame deadline with --isolate (default: 30)", "SECONDS"),
        isolation=True))
    start_timeout: float | None = field(default=None, metadata=_option(_check_start_timeout, isolation=True))
    transport: str = field(default="shm", metadata=_option(_check_transport, isolation=True))
    worker_env: tuple[tuple[str, str], ...] = field(default=(), metadata=_option(_check_worker_env,
                                                                                 isolation=True))
    max_size: tuple[int, int] | None = field(default=None, metadata=_option(_check_max_size, CliFlag(
        "--max-size", "size", SAFETY,
        "cap for the output and every target (default: GL_MAX_TEXTURE_SIZE)", "WxH")))
    memory_budget: int | str | None = field(default=None, metadata=_option(_check_memory_budget, CliFlag(
        "--memory-budget", "text", SAFETY,
        "render-target memory per frame, e.g. 512M or 2G "
        "(default: $OFFSCREEN_ISF_MEMORY_BUDGET, else half the available memory)", "BYTES")))
    input_root: str | None = field(default=None, metadata=_option(_check_path("input_root"), CliFlag(
        "--root", "text", SAFETY,
        "--image/--audio/--set file paths must resolve inside DIR (symlinks followed)", "DIR")))
    allow_paths: tuple[str, ...] = field(default=(), metadata=_option(_check_allow_paths, CliFlag(
        "--allow-path", "paths", SAFETY,
        "extra folder IMPORTED images may come from (repeatable; default: the shader's folder)", "DIR")))

    # -- validation: the one place each option is checked -------------------------------
    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, f.metadata["check"](getattr(self, f.name)))
        if not self.isolate:
            # Isolation options mean nothing in process: refuse them rather than ignore them.
            given = [f.name for f in ISOLATION_FIELDS
                     if getattr(self, f.name) != f.default and not (f.name == "timeout" and self.timeout is None)]
            if given:
                raise InputError(f"{', '.join(given)} need(s) isolate=True: an in-process render "
                                 "cannot be interrupted; use isolate=True, timeout=seconds")

    # -- building and evolving ------------------------------------------------------------
    @classmethod
    def from_options(cls, **options: Any) -> RenderSettings:
        """Settings from keyword options (``RenderSettings.from_options(size=(64, 64))``).

        Unknown names raise :class:`~offscreen_isf.errors.InputError` listing the valid ones.
        An isolation option (``timeout`` ...) given without ``isolate=True`` is refused,
        even at its default value.
        """
        unknown = sorted(set(options) - set(FIELD_NAMES))
        if unknown:
            raise InputError(f"unknown renderer option(s) {', '.join(unknown)}; "
                             f"valid: {', '.join(sorted(FIELD_NAMES))}")
        if not options.get("isolate", False):
            explicit = [f.name for f in ISOLATION_FIELDS
                        if f.name in options and options[f.name] is not None]
            if explicit:
                raise InputError(f"{', '.join(explicit)} need(s) isolate=True: an in-process render "
                                 "cannot be interrupted; use isolate=True, timeout=seconds")
            # explicit None (no deadline) is the only isolation value an in-process renderer shares
            options = {k: v for k, v in options.items() if k not in ISOLATION_NAMES}
        return cls(**options)

    def replace(self, **changes: Any) -> RenderSettings:
        """A copy with ``changes`` applied (validated as :meth:`from_options` does)."""
        unknown = sorted(set(changes) - set(FIELD_NAMES))
        if unknown:
            raise InputError(f"unknown renderer option(s) {', '.join(unknown)}; "
                             f"valid: {', '.join(sorted(FIELD_NAMES))}")
        return dataclasses.replace(self, **changes)

    def in_process(self) -> RenderSettings:
        """These settings for the renderer that draws in process (an isolated renderer's
        worker): ``isolate`` off, the isolation options back at their defaults."""
        defaults: dict[str, Any] = {f.name: f.default for f in ISOLATION_FIELDS}
        return dataclasses.replace(self, isolate=False, **defaults)

    def options(self) -> dict[str, Any]:
        """The settings as keyword options (``from_options(**s.options()) == s``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def worker_environment(self) -> dict[str, str]:
        """``worker_env`` as a dict (for ``os.environ`` updates)."""
        return dict(self.worker_env)

    @property
    def resolved_start_timeout(self) -> float | None:
        """Seconds a worker may take to start: ``start_timeout``, else ``max(2 * timeout, 30)``
        (None when ``timeout`` is None: no deadline)."""
        if self.start_timeout is not None:
            return self.start_timeout
        return None if self.timeout is None else max(2 * self.timeout, DEFAULT_TIMEOUT)


#: every option's name, in declaration order
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RenderSettings))
#: options that only an isolated renderer uses
ISOLATION_FIELDS = tuple(f for f in dataclasses.fields(RenderSettings) if f.metadata["isolation"])
ISOLATION_NAMES = tuple(f.name for f in ISOLATION_FIELDS)


def cli_fields() -> Iterator[tuple[str, CliFlag]]:
    """(field name, :class:`CliFlag`) of every option ``offscreen-isf render`` exposes."""
    for f in dataclasses.fields(RenderSettings):
        flag = f.metadata.get("cli")
        if flag is not None:
            yield f.name, flag


# -- the protocol ----------------------------------------------------------------------------

@runtime_checkable
class BackendFacts(Protocol):
    """GL strings of a context (``BackendInfo``): what summaries and manifests report."""

    @property
    def renderer(self) -> str: ...


@runtime_checkable
class ContextFacts(Protocol):
    """What a renderer's ``context`` answers everywhere (a ``Context`` in process, a
    ``RemoteContext`` for an isolated renderer)."""

    @property
    def backend(self) -> str: ...

    @property
    def info(self) -> BackendFacts | None: ...

    @property
    def max_texture_size(self) -> int: ...


@runtime_checkable
class RendererProtocol(Protocol):
    """What the CLI, batch, Dask and compat layers call on a renderer.

    Frames are ``(height, width, 4)`` arrays, **top row first**, uint8 or float32.
    ``frame_index`` is FRAMEINDEX of the next frame (settable: batch sets it per frame).
    Threads: one call at a time per renderer; a concurrent call raises ``ThreadError``.
    Ownership: ``release()`` (or leaving the ``with`` block) frees every resource; it is
    idempotent, and any other call afterwards raises ``InputError``.
    """

    document: Document
    size: tuple[int, int]
    settings: RenderSettings
    frame_index: int

    @property
    def context(self) -> ContextFacts: ...

    @property
    def inputs(self) -> dict[str, Any]: ...

    def set_inputs(self, **values: Any) -> None: ...

    def compile(self) -> None: ...

    def render(self, time: float = 0.0, date: DateLike = None, *, dtype: str | None = None,
               out: np.ndarray | None = None) -> np.ndarray: ...

    def render_frames(self, times: Iterable[float], date: DateLike = None, *,
                      dtype: str | None = None) -> Iterator[tuple[float, np.ndarray]]: ...

    def save(self, path: str | os.PathLike[str], time: float = 0.0, date: DateLike = None) -> Path: ...

    def release(self) -> None: ...

    def __enter__(self) -> RendererProtocol: ...

    def __exit__(self, *exc: object) -> None: ...
