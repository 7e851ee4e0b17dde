"""What the isolated renderer accepts from its worker: every reply checked before it is used.

A worker runs the GL driver, which untrusted shaders can reach, so the caller treats what
it sends as untrusted input.  :func:`accept` takes the metadata and payload of one reply
(already size-checked by :meth:`~.isolate_wire.WorkerProcess.recv`) and either returns
(None for success, the rebuilt :mod:`offscreen_isf.errors` instance for an error reply) or
raises :class:`~.isolate_wire._BadReplyError` naming what was wrong; the isolated renderer
turns that into :class:`~offscreen_isf.errors.RenderCrashed` and replaces the worker.

Rules (docs/semantics.md, "Resource limits"):

* an error reply names a class of :mod:`offscreen_isf.errors` that a worker can raise (not
  ``RenderTimeout`` / ``RenderCrashed``, which only the caller raises), its texts are
  strings and its fields JSON scalars or lists of them;
* a success reply has ``"ok": true`` and only the fields its command defines, of their types
  (:data:`CHECKS` by command; a command without an entry may add fields);
* a frame (:class:`FrameSpec`) has exactly the shape and dtype the caller asked for, and
  arrives whole through the pipe or fits the shared file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..backends.base import BackendInfo
from ..errors import ERRORS, ISFError
from .isolate_wire import _BadReplyError, rebuild_error

__all__ = ["FrameSpec", "accept", "started_facts", "CHECKS", "CALLER_ONLY"]

#: error classes only the caller raises: a worker naming one is lying about its own state
CALLER_ONLY = frozenset({"RenderTimeout", "RenderCrashed"})
#: the fields of a driver description (``BackendInfo``)
_INFO_FIELDS = frozenset(f.name for f in fields(BackendInfo))
_SCALARS = (str, int, float, bool, type(None))


def _bad(what: str) -> _BadReplyError:
    return _BadReplyError(what)


def _is_int(value: Any, low: int = 0, high: int = 1 << 62) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_keys(meta: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    extra = sorted(set(meta) - allowed - {"ok", "seq"})
    if extra:
        raise _bad(f"its {what} reply has unexpected fields {extra[:5]}")


def _check_plain(meta: Mapping[str, Any]) -> None:
    _check_keys(meta, frozenset(), "plain")


def _check_started(meta: Mapping[str, Any]) -> None:
    """The init reply: the driver strings, GL_MAX_TEXTURE_SIZE and the worker's limits."""
    _check_keys(meta, frozenset({"info", "max_texture_size", "max_size", "memory_budget"}), "start")
    info = meta.get("info")
    if not (isinstance(info, dict) and set(info) <= _INFO_FIELDS and {"backend", "vendor", "renderer"} <= set(info)
            and all(isinstance(v, str) for v in info.values())):
        raise _bad("its start reply has no valid driver description")
    if not _is_int(meta.get("max_texture_size"), 0, 1 << 31):
        raise _bad("its start reply has no valid max_texture_size")
    ms = meta.get("max_size")
    if not (isinstance(ms, list) and len(ms) in (0, 2) and all(_is_int(v, 1, 1 << 31) for v in ms)):
        raise _bad("its start reply has no valid max_size")
    if not (meta.get("memory_budget") is None or _is_int(meta.get("memory_budget"), 1)):
        raise _bad("its start reply has no valid memory_budget")


#: command -> the check of its success reply (commands not listed: ``ok`` only)
CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "init": _check_started,
    "set_inputs": _check_plain,
    "close": _check_plain,
}


@dataclass(frozen=True)
class FrameSpec:
    """The frame a render request asks for: ``shape`` (height, width, 4), ``dtype`` name,
    and ``shm_bytes`` of the shared file it may come through (0: none)."""

    shape: tuple[int, int, int]
    dtype: str
    shm_bytes: int

    @property
    def nbytes(self) -> int:
        """Bytes of the frame (the most payload its reply may carry)."""
        h, w, c = self.shape
        return h * w * c * (4 if self.dtype == "float32" else 1)

    def check(self, meta: Mapping[str, Any], payload: bytes) -> str:
        """``"shm"`` or ``"pipe"``: where the checked frame is."""
        _check_keys(meta, frozenset({"in", "shape", "dtype"}), "frame")
        if meta.get("shape") != list(self.shape) or meta.get("dtype") != self.dtype:
            raise _bad(f"its frame is {str(meta.get('shape'))[:60]} {str(meta.get('dtype'))[:20]}, "
                       f"not the {list(self.shape)} {self.dtype} asked for")
        where = meta.get("in")
        if where == "pipe" and len(payload) == self.nbytes:
            return "pipe"
        if where == "shm" and not payload and self.nbytes <= self.shm_bytes:
            return "shm"
        raise _bad(f"its frame is said to be in {str(where)[:20]!r} with {len(payload)} payload bytes; "
                   f"{self.nbytes} bytes were expected")


def _error(meta: Mapping[str, Any]) -> ISFError:
    """The error an error reply describes, when it is well-formed."""
    name = meta.get("error")
    if not isinstance(name, str) or name not in ERRORS or name in CALLER_ONLY:
        raise _bad(f"its reply names the error {str(name)[:60]!r}, which a worker does not raise")
    cls = ERRORS[name]
    _check_keys(meta, frozenset({"error", "text", "message", *cls.FIELDS}), "error")
    if not isinstance(meta.get("text"), str) or not isinstance(meta.get("message", ""), str):
        raise _bad("its error reply has no text")
    for key in cls.FIELDS:
        value = meta.get(key)
        if not (isinstance(value, _SCALARS)
                or (isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value))):
            raise _bad(f"its error reply's field {key!r} is not a JSON scalar")
    return rebuild_error(meta)


def accept(cmd: str, meta: Mapping[str, Any], payload: bytes, frame: FrameSpec | None = None) -> ISFError | None:
    """Check one reply to ``cmd``: None (success; ``frame`` checked when given), the error
    the worker reported, or :class:`_BadReplyError`."""
    if "error" in meta:
        if payload:
            raise _bad("its error reply carries a payload")
        return _error(meta)
    if meta.get("ok") is not True:
        raise _bad("its reply is neither a success nor an error")
    if frame is not None:
        frame.check(meta, payload)
    elif payload:
        raise _bad(f"its reply carries {len(payload)} payload bytes where none were asked for")
    check = CHECKS.get(cmd)
    if check is not None:
        check(meta)
    return None


def started_facts(meta: Mapping[str, Any]) -> tuple[dict[str, str], int, tuple[int, int] | None, int | None]:
    """From a checked init reply: driver strings, GL_MAX_TEXTURE_SIZE, max_size, memory_budget."""
    ms = meta["max_size"]
    return dict(meta["info"]), int(meta["max_texture_size"]), (int(ms[0]), int(ms[1])) if ms else None, \
        meta["memory_budget"]
