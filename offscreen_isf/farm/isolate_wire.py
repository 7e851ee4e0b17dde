"""The wire between an isolated renderer and its worker process (both sides).

Requests (caller -> worker): an 8-byte little-endian length, then a pickled
``(command, argument, number)`` triple.  The worker trusts the caller, so pickle is fine
that way.

Replies (worker -> caller): a header (JSON length, payload length), JSON metadata carrying
the request's ``number`` as ``"seq"``, then raw payload bytes (a frame, when it does not
travel through the shared memory file).  The caller treats every reply as untrusted: it
never unpickles what the worker sends (a worker compromised through the GL driver cannot
run code in the caller through this channel), refuses a header announcing more than
:data:`MAX_META_BYTES` of JSON or more payload than the request can produce before reading
either, and checks the metadata (:mod:`.isolate_reply`) before using it.  Errors travel as
JSON and are rebuilt only as classes of :mod:`offscreen_isf.errors`.

Not thread-safe: the isolated renderer serialises every use of one :class:`WorkerProcess`.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time as _time
from collections.abc import Mapping
from typing import IO, Any

from .. import errors as _errors
from ..errors import ISFError, RenderError

__all__ = ["WorkerProcess", "WorkerPipe", "shared_file", "encode_error",
           "rebuild_error", "die_with_parent"]

HEADER = struct.Struct("<Q")     # request: pickle length
REPLY = struct.Struct("<IQ")     # reply: JSON length, raw payload length
#: the most JSON bytes one reply may announce (error texts are cut to fit: :func:`encode_error`)
MAX_META_BYTES = 1 << 20
#: characters kept of each text field of an error reply
MAX_ERROR_TEXT = 64 * 1024


class _WorkerDiedError(Exception):
    """The worker's pipe closed (internal to the isolated renderer: never escapes it)."""


class _DeadlineError(Exception):
    """A deadline passed (internal to the farm layer)."""


class _BadReplyError(Exception):
    """The worker's reply broke the protocol (internal: the isolated renderer turns it into
    RenderCrashed and replaces the worker).  ``str()`` says what was wrong."""


def shared_file(size: int) -> int:
    """A file descriptor of ``size`` bytes both processes can map (not in any folder)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("offscreen-isf-frame", 0)   # inheritable is set by pass_fds
    else:   # macOS: an unlinked temporary file
        fh = tempfile.TemporaryFile()
        fd = os.dup(fh.fileno())
        fh.close()
    os.ftruncate(fd, max(size, mmap.PAGESIZE))
    return fd


# -- errors across the wire -------------------------------------------------------------------

def encode_error(exc: ISFError) -> dict[str, Any]:
    """Worker side: an :mod:`offscreen_isf.errors` instance as JSON-safe metadata
    (:meth:`~offscreen_isf.errors.ISFError.to_dict`: class name, text, structured fields),
    each text cut to :data:`MAX_ERROR_TEXT` characters so that the reply stays under
    :data:`MAX_META_BYTES` (a huge compile log stays an error, not a broken reply)."""
    out = exc.to_dict()
    for key, value in out.items():
        if isinstance(value, str) and len(value) > MAX_ERROR_TEXT:
            out[key] = value[:MAX_ERROR_TEXT] + f"\n[... {len(value) - MAX_ERROR_TEXT} characters cut]"
    return out


def rebuild_error(meta: Mapping[str, Any]) -> ISFError:
    """Caller side: an :mod:`offscreen_isf.errors` instance from the worker's JSON (never
    unpickled; only classes of that module, RenderError for an unknown name)."""
    return _errors.from_dict(meta, default=RenderError)


# -- caller side --------------------------------------------------------------------------------

class WorkerProcess:
    """One worker process and its pipes (caller side).

    ``module`` is run as ``python -m module PARENT_PID SHM_FD`` (a plain subprocess: the
    caller's ``__main__`` is never re-imported) with ``env`` added to this process's
    environment (``PYOPENGL_PLATFORM`` removed: the worker picks its own platform).
    """

    def __init__(self, module: str, shm_fd: int | None, env: Mapping[str, str]) -> None:
        full_env = dict(os.environ)
        full_env.pop("PYOPENGL_PLATFORM", None)
        full_env.update(env)
        self.stderr = tempfile.TemporaryFile()
        args = [sys.executable, "-m", module, str(os.getpid()), str(shm_fd if shm_fd is not None else -1)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=full_env, close_fds=True,
                                     pass_fds=(shm_fd,) if shm_fd is not None else ())
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._wfd = self.proc.stdin.fileno()
        self._rfd = self.proc.stdout.fileno()
        os.set_blocking(self._wfd, False)
        os.set_blocking(self._rfd, False)
        self.started = False      # init request answered
        self.started_at = _time.monotonic()
        self._seq = 0             # number of the last request sent

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- I/O with deadlines (``deadline``: time.monotonic() seconds, None = none) -------------
    def send(self, request: tuple[str, Any], deadline: float | None) -> None:
        """Send ``(command, argument)``, numbered; its reply must carry the same number."""
        self._seq += 1
        data = pickle.dumps((*request, self._seq), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            self._wait(self._wfd, write=True, deadline=deadline)
            try:
                n = os.write(self._wfd, view)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise _WorkerDiedError() from None
            view = view[n:]

    def recv(self, deadline: float | None, max_payload: int = 0) -> tuple[dict[str, Any], bytes]:
        """The reply to the last request: JSON metadata (a dict carrying its number) and at
        most ``max_payload`` payload bytes.  Sizes are checked from the header before anything
        is read, so a lying header never allocates: :class:`_BadReplyError`."""
        jlen, plen = REPLY.unpack(self._read(REPLY.size, deadline))
        if jlen > MAX_META_BYTES:
            raise _BadReplyError(f"its reply announced {jlen} bytes of metadata (at most {MAX_META_BYTES})")
        if plen > max_payload:
            raise _BadReplyError(f"its reply announced {plen} payload bytes (this request allows {max_payload})")
        raw = self._read(jlen, deadline)
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise _BadReplyError(f"its reply metadata is not JSON ({type(exc).__name__})") from None
        if not isinstance(meta, dict):
            raise _BadReplyError(f"its reply metadata is a JSON {type(meta).__name__}, not an object")
        if meta.get("seq") != self._seq:
            raise _BadReplyError(f"its reply is numbered {str(meta.get('seq'))[:40]!r}, "
                                 f"not {self._seq} (the request it answers)")
        payload = self._read(plen, deadline) if plen else b""
        return meta, payload

    def _read(self, n: int, deadline: float | None) -> bytes:
        chunks, got = [], 0
        while got < n:
            self._wait(self._rfd, write=False, deadline=deadline)
            try:
                chunk = os.read(self._rfd, min(n - got, 1 << 22))
            except BlockingIOError:
                continue
            if not chunk:
                raise _WorkerDiedError()
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    @staticmethod
    def _wait(fd: int, *, write: bool, deadline: float | None) -> None:
        while True:
            remaining = None if deadline is None else deadline - _time.monotonic()
            if remaining is not None and remaining <= 0:
                raise _DeadlineError()
            r, w, _ = select.select([] if write else [fd], [fd] if write else [], [],
                                    None if remaining is None else min(remaining, 1.0))
            if r or w:
                return

    # -- ending ----------------------------------------------------------------------------
    def kill(self) -> int | None:
        """SIGKILL and reap; returns the exit status (negative = signal)."""
        with contextlib.suppress(ProcessLookupError, OSError):
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:   # unkillable (D state in a driver): leave it
            pass
        self._close_pipes()
        return self.proc.returncode

    def close(self, grace: float) -> None:
        """Ask the worker to exit cleanly; kill it after ``grace`` seconds."""
        with contextlib.suppress(_WorkerDiedError, _DeadlineError, OSError):
            self.send(("close", None), _time.monotonic() + grace)
            self.recv(_time.monotonic() + grace)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for fh in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if fh is not None:
                    fh.close()

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""


def kill_quietly(worker_ref: list[WorkerProcess | None]) -> None:
    """Finalizer: kill a leftover worker at garbage collection / interpreter exit."""
    w = worker_ref[0]
    if w is not None and w.proc.poll() is None:
        with contextlib.suppress(OSError):
            w.proc.kill()


# -- worker side --------------------------------------------------------------------------------

class WorkerPipe:
    """The worker's end: requests on a private copy of fd 0, replies on a private copy of fd 1.

    fd 0 / fd 1 themselves become /dev/null / stderr, so that nothing a library prints can
    corrupt the replies.
    """

    def __init__(self) -> None:
        rfd, self._wfd = os.dup(0), os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        self._rfile: IO[bytes] = os.fdopen(rfd, "rb", buffering=0)
        self.seq = 0      # the number of the request being answered

    def _read_exact(self, n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            chunk = self._rfile.read(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def request(self) -> tuple[str, Any] | None:
        """The next ``(command, argument)``; None when the caller closed the pipe.  Its number
        is kept for the reply."""
        head = self._read_exact(HEADER.size)
        body = None if head is None else self._read_exact(HEADER.unpack(head)[0])
        if body is None:
            return None
        cmd, arg, self.seq = pickle.loads(body)   # from the caller: trusted
        return str(cmd), arg

    def reply(self, meta: Mapping[str, Any], payload: bytes | memoryview = b"") -> None:
        """Answer the last request (its number added to ``meta``).  A reply whose JSON would
        pass :data:`MAX_META_BYTES` is sent as a RenderError saying so instead."""
        raw = memoryview(payload).cast("B")      # byte length, whatever the array's shape
        data = json.dumps({**meta, "seq": self.seq}).encode("utf-8")
        if len(data) > MAX_META_BYTES:
            too_long = RenderError(f"the render worker's reply was too long ({len(data)} bytes of "
                                   f"metadata); it begins: {str(meta)[:2000]}")
            data, raw = json.dumps({**encode_error(too_long), "seq": self.seq}).encode("utf-8"), memoryview(b"")
        self.write(REPLY.pack(len(data), raw.nbytes) + data)
        self.write(raw)

    def write(self, data: bytes | memoryview) -> None:
        """Write ``data`` whole to the caller (blocking)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self._wfd, view):]


def die_with_parent(parent: int) -> None:
    """Exit when the caller goes (Linux: PR_SET_PDEATHSIG; everywhere: a watchdog thread)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes  # noqa: PLC0415

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)       # PR_SET_PDEATHSIG = 1

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(70)
            _time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
