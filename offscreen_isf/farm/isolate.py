"""Render in a worker process: a shader that hangs or crashes costs one error, not the caller.

``Renderer(shader, size, isolate=True, timeout=10)`` (or :class:`IsolatedRenderer` directly)
starts a worker interpreter (``python -m offscreen_isf.farm.isolate``, a plain subprocess, so the
caller's ``__main__`` is never re-imported) that opens its own :class:`~offscreen_isf.Context`
on the same backend and keeps one compiled :class:`~offscreen_isf.Renderer` across frames.

* A request that does not answer within ``timeout`` seconds raises
  :class:`~offscreen_isf.errors.RenderTimeout`; a worker that dies (driver crash, OOM
  kill, ``kill -9``) raises :class:`~offscreen_isf.errors.RenderCrashed` with its exit
  status and the tail of its stderr.  Either way the worker is killed (``SIGKILL``) and a
  fresh one is started at once; the next call waits for it and works.
* What survives a restart: the document, every input set so far (events excepted: they
  last one frame) and ``frame_index`` (FRAMEINDEX continues).  What does not: persistent
  buffers restart at (0,0,0,0) and TIMEDELTA is 0 on the first frame after the restart.
* Frames come back through a shared memory file (``memfd`` on Linux, an unlinked
  temporary file elsewhere) mapped by both processes; the worker reads pixels straight
  into it, the caller copies them out (one ``memcpy``).  ``transport="pipe"`` sends them
  through the pipe instead.
* The caller never unpickles anything the worker sends: replies are JSON plus raw pixel
  bytes, and errors are rebuilt only as classes of :mod:`offscreen_isf.errors`.  A worker
  compromised through the GL driver cannot run code in the caller through this channel.
* The worker ignores SIGINT (Ctrl-C is the caller's) and dies with the caller (Linux
  ``PR_SET_PDEATHSIG``, plus a parent watchdog thread everywhere).

Threads: one call at a time per renderer.  A call made while another thread is inside a
call on the same renderer raises :class:`~offscreen_isf.errors.ThreadError` at once (as
the in-process :class:`~offscreen_isf.Renderer` does); calls never block on each other.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
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
import traceback
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import errors as _errors
from ..isf.document import Document, load
from ..backends.base import BackendInfo
from ..errors import (InputError, ISFError, LifecycleError, RenderCrashed, RenderError,
                     RenderTimeout, ThreadError)
from ..media.images import to_rgba
from ..gl.limits import Limits, confine_path

__all__ = ["IsolatedRenderer", "RemoteContext", "DEFAULT_TIMEOUT"]

#: default seconds per render call (``timeout=None`` waits forever: crash isolation only)
DEFAULT_TIMEOUT = 30.0
#: the worker's start (context + compile) may take at least this long (DoS by compile time
#: is still bounded: it is a RenderTimeout after ``start_timeout``)
MIN_START_TIMEOUT = 30.0
#: seconds ``release()`` waits for a clean worker exit before killing it
CLOSE_GRACE = 2.0

_HEADER = struct.Struct("<Q")     # request: pickle length
_REPLY = struct.Struct("<IQ")     # reply: JSON length, raw payload length
_ERROR_ATTRS = ("path", "line", "column", "message", "fix", "state", "event", "legal")


# =============================================================================================
# caller side
# =============================================================================================

class RemoteContext:
    """Read-only facts about the worker's context (``.backend``, ``.info``, ``.max_texture_size``).

    There is no GL in the caller: this is not a :class:`~offscreen_isf.Context`.
    """

    def __init__(self, backend: str, info: dict[str, str] | None = None,
                 max_texture_size: int = 0) -> None:
        self.backend = backend
        self.info = BackendInfo(**info) if info else None
        self.max_texture_size = max_texture_size

    def __repr__(self) -> str:
        return f"<RemoteContext {self.backend} {self.info.renderer if self.info else '(not started)'}>"


def _shared_file(size: int) -> int:
    """A file descriptor of ``size`` bytes both processes can map (not in any folder)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("offscreen-isf-frame", 0)   # inheritable is set by pass_fds
    else:   # macOS: an unlinked temporary file
        fh = tempfile.TemporaryFile()
        fd = os.dup(fh.fileno())
        fh.close()
    os.ftruncate(fd, max(size, mmap.PAGESIZE))
    return fd


class _Worker:
    """One worker process and its pipes (caller side).  Not thread-safe: the renderer guards it."""

    def __init__(self, backend: str, shm_fd: int | None, extra_env: Mapping[str, str]) -> None:
        env = dict(os.environ)
        env.pop("PYOPENGL_PLATFORM", None)
        env["OFFSCREEN_ISF_BACKEND"] = backend
        env.update(extra_env)
        self.stderr = tempfile.TemporaryFile()
        args = [sys.executable, "-m", "offscreen_isf.farm.isolate", str(os.getpid()),
                str(shm_fd if shm_fd is not None else -1)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, close_fds=True,
                                     pass_fds=(shm_fd,) if shm_fd is not None else ())
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._wfd = self.proc.stdin.fileno()
        self._rfd = self.proc.stdout.fileno()
        os.set_blocking(self._wfd, False)
        os.set_blocking(self._rfd, False)
        self.started = False      # init request answered
        self.started_at = _time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- I/O with deadlines -----------------------------------------------------------
    def send(self, obj: Any, deadline: float | None) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            self._wait(self._wfd, write=True, deadline=deadline)
            try:
                n = os.write(self._wfd, view)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise _Died() from None
            view = view[n:]

    def recv(self, deadline: float | None) -> tuple[dict[str, Any], bytes]:
        head = self._read(_REPLY.size, deadline)
        jlen, plen = _REPLY.unpack(head)
        meta = json.loads(self._read(jlen, deadline).decode("utf-8"))
        payload = self._read(plen, deadline) if plen else b""
        if not isinstance(meta, dict):
            raise _Died()
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
                raise _Died()
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    @staticmethod
    def _wait(fd: int, *, write: bool, deadline: float | None) -> None:
        while True:
            remaining = None if deadline is None else deadline - _time.monotonic()
            if remaining is not None and remaining <= 0:
                raise _Late()
            r, w, _ = select.select([] if write else [fd], [fd] if write else [], [],
                                    None if remaining is None else min(remaining, 1.0))
            if r or w:
                return

    # -- ending ----------------------------------------------------------------------
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
        with contextlib.suppress(_Died, _Late, OSError):
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


class _Died(Exception):
    """The worker's pipe closed (internal)."""


class _Late(Exception):
    """A deadline passed (internal)."""


def _rebuild_error(meta: Mapping[str, Any]) -> ISFError:
    """An :mod:`offscreen_isf.errors` instance from the worker's JSON (never unpickled)."""
    cls = getattr(_errors, str(meta.get("error", "")), None)
    if not (isinstance(cls, type) and issubclass(cls, ISFError)):
        cls = RenderError
    exc = cls.__new__(cls)
    Exception.__init__(exc, str(meta.get("text", "")))
    attrs = meta.get("attrs") or {}
    for k in _ERROR_ATTRS:
        if k in attrs:
            setattr(exc, k, tuple(attrs[k]) if k == "legal" else attrs[k])
    return exc


def _kill_quietly(worker_ref: list[_Worker | None]) -> None:
    """Finalizer: kill a leftover worker at garbage collection / interpreter exit."""
    w = worker_ref[0]
    if w is not None and w.proc.poll() is None:
        with contextlib.suppress(OSError):
            w.proc.kill()


class IsolatedRenderer:
    """A :class:`~offscreen_isf.Renderer` whose GL work runs in a worker process.

    Same public methods as :class:`~offscreen_isf.Renderer` (``render``, ``render_frames``,
    ``set_inputs``, ``save``, ``compile``, ``release``/``close``, context manager, ``inputs``,
    ``document``, ``size``, ``frame_index`` (settable, sent with every render), ``limits``).  ``context`` is a
    :class:`RemoteContext` (backend and GL strings of the worker), not a Context: a context
    cannot be shared with another process, so ``context=`` must be None.

    ``timeout``: seconds per call (default :data:`DEFAULT_TIMEOUT`; None = no deadline).
    ``start_timeout``: seconds for a worker to start, open its context and compile
    (default ``max(2 * timeout, 30)``).  ``transport``: ``"shm"`` (default) or ``"pipe"``.
    ``worker_env``: extra environment variables for the worker (e.g. ``LP_NUM_THREADS``).
    Everything else as :class:`~offscreen_isf.Renderer`.

    The document is parsed here (parse errors are raised before any process starts); the
    worker is started by the constructor and answers before it returns, so a shader that
    does not compile raises :class:`~offscreen_isf.errors.CompileError` here too.
    """

    def __init__(self, shader: str | os.PathLike[str] | Document, size: tuple[int, int] = (640, 360),
                 backend: str | None = None, context: Any = None,
                 inputs: Mapping[str, Any] | None = None, *, clamp: bool = True,
                 timeout: float | None = DEFAULT_TIMEOUT, start_timeout: float | None = None,
                 max_size: int | tuple[int, int] | None = None, memory_budget: int | str | None = None,
                 allow_paths: Iterable[str | os.PathLike[str]] | None = None,
                 input_root: str | os.PathLike[str] | None = None, transport: str = "shm",
                 worker_env: Mapping[str, str] | None = None, draw_flipped: bool = False) -> None:
        from .. import backends  # noqa: PLC0415 - name resolution only, no OpenGL import
        from ..gl.renderer import Renderer  # noqa: PLC0415

        self._released = True   # until fully built (release() is then a no-op)
        if context is not None:
            raise InputError("an isolated renderer opens its own context in its worker process; "
                             "context= must be None (pass backend= instead)")
        for label, value in (("timeout", timeout), ("start_timeout", start_timeout)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not value > 0 or value != value):
                raise InputError(f"{label} must be a positive number of seconds or None, got {value!r}")
        if transport not in ("shm", "pipe"):
            raise InputError(f"transport must be 'shm' or 'pipe', got {transport!r}")
        self.timeout = None if timeout is None else float(timeout)
        self.start_timeout = (float(start_timeout) if start_timeout is not None else
                              None if self.timeout is None else max(2 * self.timeout, MIN_START_TIMEOUT))
        self._allow_paths = tuple(str(p) for p in (allow_paths or ()))
        self.document = shader if isinstance(shader, Document) else load(shader, allow_paths=self._allow_paths)
        self.size = Renderer._check_size(size)
        self.draw_flipped = bool(draw_flipped)   # see Renderer.draw_flipped
        self.clamp = clamp
        self._limit_spec = Limits.make(max_size, memory_budget)
        if self._limit_spec.max_size is not None:   # early; GL_MAX_TEXTURE_SIZE in the worker
            Limits(self._limit_spec.max_size, 1).check_output(self.size)
        self._input_root = None if input_root is None else str(input_root)
        self._backend = backends.resolve(backend)
        self._worker_env = dict(worker_env or {})
        self.context = RemoteContext(self._backend)
        self.limits: Limits | None = None
        self.frame_index = 0
        self.restarts = 0                       # workers replaced after a timeout or crash
        self._values: dict[str, Any] = {i.name: i.default for i in self.document.inputs
                                        if not i.is_image}
        self._replay: dict[str, Any] = {}       # every input sent, as sent (replayed on restart)
        self._events = {i.name for i in self.document.inputs if i.type == "event"}
        self._busy = threading.Lock()
        last = self.document.passes[-1]
        self._float_output = bool(last.target and self.document.targets[last.target].float)
        self._transport = transport
        self._shm_fd: int | None = None
        self._shm: mmap.mmap | None = None
        if transport == "shm":
            nbytes = self.size[0] * self.size[1] * 16
            self._shm_fd = _shared_file(nbytes)
            self._shm = mmap.mmap(self._shm_fd, max(nbytes, mmap.PAGESIZE))
        self._worker_ref: list[_Worker | None] = [None]
        self._finalizer = weakref.finalize(self, _kill_quietly, self._worker_ref)
        self._released = False
        try:
            with self._guard():
                self._spawn()
                self._ensure_started()
            if inputs:
                self.set_inputs(**inputs)
        except BaseException:
            self.release()
            raise

    # -- worker management ------------------------------------------------------------
    @property
    def worker_pid(self) -> int | None:
        """The current worker's process id (None before start / after release)."""
        w = self._worker_ref[0]
        return None if w is None else w.pid

    def _spawn(self) -> None:
        self._worker_ref[0] = _Worker(self._backend, self._shm_fd, self._worker_env)

    def _init_request(self) -> tuple[str, dict[str, Any]]:
        return ("init", {
            "document": self.document, "size": self.size, "clamp": self.clamp,
            "max_size": self._limit_spec.max_size, "memory_budget": self._limit_spec.memory_budget,
            "input_root": self._input_root, "frame_index": self.frame_index,
            "draw_flipped": self.draw_flipped,
            "inputs": dict(self._replay), "shm_size": len(self._shm) if self._shm is not None else 0,
        })

    def _ensure_started(self) -> _Worker:
        """The running worker, started (init answered) within ``start_timeout``."""
        w = self._worker_ref[0]
        if w is None:
            self._spawn()
            w = self._worker_ref[0]
            assert w is not None
        if not w.started:
            deadline = None if self.start_timeout is None else w.started_at + self.start_timeout
            meta, _ = self._exchange(w, self._init_request(), deadline, doing="starting the worker "
                                     "(open a context, compile the shader)",
                                     limit=self.start_timeout)
            w.started = True
            self.context = RemoteContext(self._backend, meta.get("info"), int(meta.get("max_texture_size", 0)))
            ms = meta.get("max_size")
            self.limits = Limits(tuple(ms) if ms else None, meta.get("memory_budget"))
        return w

    def _replace(self, w: _Worker) -> int | None:
        """Kill ``w`` and start its successor now (its start overlaps the caller's work)."""
        status = w.kill()
        self._worker_ref[0] = None
        self.restarts += 1
        if not self._released:
            self._spawn()
        return status

    def _exchange(self, w: _Worker, request: tuple[str, Any], deadline: float | None, *,
                  doing: str, limit: float | None) -> tuple[dict[str, Any], bytes]:
        """Send one request, wait for its reply; timeouts and deaths become ISF errors."""
        started = _time.monotonic()
        try:
            w.send(request, deadline)
            meta, payload = w.recv(deadline)
        except _Late:
            late = _time.monotonic() - started
            self._replace(w)
            raise RenderTimeout(
                f"{self.document.name}: {doing} took longer than {limit:g} s (waited {late:.2f} s); "
                f"the worker (pid {w.pid}) was killed and a new one started; persistent buffers "
                "restart from (0,0,0,0). Raise timeout= if the shader is legitimately slow") from None
        except _Died:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.proc.wait(timeout=1.0)
            status = w.proc.returncode
            tail = w.stderr_tail()
            self._replace(w)
            how = (f"killed by signal {-status}" if status is not None and status < 0
                   else f"exit status {status}")
            raise RenderCrashed(
                f"{self.document.name}: the worker process (pid {w.pid}) died while {doing} "
                f"({how}); a new one was started; persistent buffers restart from (0,0,0,0)"
                + (f"\nworker stderr:\n{tail}" if tail else "")) from None
        except BaseException:
            # KeyboardInterrupt or similar mid-request: the protocol state is unknown.
            self._replace(w)
            raise
        if "error" in meta:
            raise _rebuild_error(meta)
        return meta, payload

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        if not self._busy.acquire(blocking=False):
            raise ThreadError("this renderer is busy in another thread; use one renderer per "
                              "thread (or serialise the calls yourself)", state="BUSY", event="use")
        try:
            yield
        finally:
            self._busy.release()

    def _call(self, request: tuple[str, Any], doing: str) -> tuple[dict[str, Any], bytes]:
        if self._released:
            raise InputError("this Renderer was released; create a new one")
        with self._guard():
            w = self._ensure_started()
            deadline = None if self.timeout is None else _time.monotonic() + self.timeout
            return self._exchange(w, request, deadline, doing=doing, limit=self.timeout)

    # -- public API -------------------------------------------------------------------
    def compile(self) -> None:
        """Make sure a worker is running with the shader compiled (CompileError otherwise)."""
        if self._released:
            raise InputError("this Renderer was released; create a new one")
        with self._guard():
            self._ensure_started()

    def set_inputs(self, **values: Any) -> None:
        """As :meth:`Renderer.set_inputs`.  Image paths are read here (confined to
        ``input_root`` when set) and sent as pixels; audio paths are read by the worker."""
        sent: dict[str, Any] = {}
        for name, value in values.items():
            inp = self.document.input(name)
            if self._input_root is not None and isinstance(value, (str, os.PathLike)):
                value = confine_path(value, (self._input_root,), what=f'input "{name}"')
            if inp.type == "image":
                sent[name] = None if value is None else to_rgba(value, what=f'input "{name}"')
            elif inp.is_image:
                sent[name] = None if value is None else (
                    str(value) if isinstance(value, (str, os.PathLike)) else np.asarray(value))
            else:
                self._values[name] = inp.coerce(value, clamp=self.clamp)
                sent[name] = self._values[name]
        self._call(("set_inputs", sent), doing="setting inputs")
        self._replay.update(sent)

    @property
    def inputs(self) -> dict[str, Any]:
        """Current non-image input values (a copy)."""
        return dict(self._values)

    def render(self, time: float = 0.0, date: Any = None, *, dtype: str | None = None,
               out: np.ndarray | None = None) -> np.ndarray:
        """As :meth:`Renderer.render` (top row first), within ``timeout`` seconds.

        Raises :class:`RenderTimeout` / :class:`RenderCrashed` (the worker is then replaced)
        besides the usual errors.
        """
        if not isinstance(time, (int, float)) or isinstance(time, bool) or not np.isfinite(time):
            raise InputError(f"time must be a finite number of seconds, got {time!r}")
        if dtype not in (None, "uint8", "float32"):
            raise InputError(f"dtype must be 'uint8' or 'float32', got {dtype!r}")
        if date is None:
            date = _dt.datetime.now()      # the caller's clock, not the worker's
        meta, payload = self._call(("render", {"time": float(time), "date": date, "dtype": dtype,
                                               "transport": self._transport,
                                               "frame_index": int(self.frame_index)}),
                                   doing=f"rendering frame {self.frame_index} (time {time:g})")
        shape = tuple(meta["shape"])
        dt = np.dtype(meta["dtype"])
        nbytes = int(np.prod(shape)) * dt.itemsize
        if meta.get("in") == "shm":
            assert self._shm is not None
            src = np.frombuffer(self._shm, dtype=dt, count=nbytes // dt.itemsize).reshape(shape)
        else:
            src = np.frombuffer(payload, dtype=dt).reshape(shape)
        if out is not None:
            if out.shape != shape or out.dtype != dt:
                raise InputError(f"out must be a {shape} {dt} array, got {out.shape} {out.dtype}")
            out[...] = src
            result = out
        else:
            result = src.copy()
        self.frame_index += 1
        for name in self._events:
            self._values[name] = False
            if name in self._replay:
                self._replay[name] = False
        return result

    def render_frames(self, times: Iterable[float], date: Any = None,
                      *, dtype: str | None = None) -> Iterator[tuple[float, np.ndarray]]:
        """Render each time in order; yields (time, frame) as :meth:`render`."""
        for t in times:
            yield t, self.render(t, date, dtype=dtype)

    def save(self, path: str | os.PathLike[str], time: float = 0.0, date: Any = None) -> Path:
        """Render one frame and write it as PNG (atomically, in this process)."""
        from ..media.output import write_png  # noqa: PLC0415

        return write_png(path, self.render(time, date))

    def _inject(self, fault: str) -> None:
        """Tests only: make the worker fail during the next render (``abort``, ``segv``,
        ``exit``, ``hang``)."""
        self._call(("inject", fault), doing="arming a fault")

    def release(self) -> None:
        """Stop the worker (cleanly, else killed after 2 s) and free the shared memory.  Idempotent."""
        if self._released:
            return
        self._released = True
        w = self._worker_ref[0]
        self._worker_ref[0] = None
        if w is not None:
            if w.started:
                w.close(CLOSE_GRACE)
            else:
                w.kill()
        if self._shm is not None:
            with contextlib.suppress(BufferError):
                self._shm.close()
            self._shm = None
        if self._shm_fd is not None:
            os.close(self._shm_fd)
            self._shm_fd = None
        self._finalizer.detach()

    close = release

    def __enter__(self) -> "IsolatedRenderer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return (f"<IsolatedRenderer {self.document.name} {self.size[0]}x{self.size[1]} "
                f"{self._backend} pid={self.worker_pid} restarts={self.restarts}>")


# =============================================================================================
# worker side
# =============================================================================================

def _die_with_parent(parent: int) -> None:
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


def _worker_main(argv: list[str]) -> int:
    """The worker loop: read pickled requests from the caller, answer JSON (+ raw bytes)."""
    parent, shm_fd = int(argv[0]), int(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    # Protocol on private descriptors; fd 0/1 become /dev/null / stderr so that nothing a
    # library prints can corrupt the replies.
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    rfile = os.fdopen(rfd, "rb", buffering=0)

    def read_exact(n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            chunk = rfile.read(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def reply(meta: dict[str, Any], payload: bytes | memoryview = b"") -> None:
        raw = memoryview(payload).cast("B")      # byte length, whatever the array's shape
        data = json.dumps(meta).encode("utf-8")
        view = memoryview(_REPLY.pack(len(data), raw.nbytes) + data)
        while view:
            view = view[os.write(wfd, view):]
        view = raw
        while view:
            view = view[os.write(wfd, view):]

    from ..gl.context import Context  # noqa: PLC0415
    from ..gl.renderer import Renderer  # noqa: PLC0415

    ctx: Any = None
    early: BaseException | None = None
    try:   # open the context while the caller prepares the init request
        ctx = Context(os.environ.get("OFFSCREEN_ISF_BACKEND")).open()
    except ISFError as exc:
        early = exc
    renderer: Any = None
    shm: mmap.mmap | None = None
    fault: str | None = None
    out_dtype = "uint8"
    try:
        while True:
            head = read_exact(_HEADER.size)
            if head is None:
                return 0                      # caller gone or closed the pipe
            body = read_exact(_HEADER.unpack(head)[0])
            if body is None:
                return 0
            cmd, arg = pickle.loads(body)   # from the caller: trusted
            try:
                if cmd == "close":
                    reply({"ok": True})
                    return 0
                if cmd == "init":
                    if early is not None:
                        raise early
                    renderer = Renderer(arg["document"], arg["size"], context=ctx, clamp=arg["clamp"],
                                        max_size=arg["max_size"], memory_budget=arg["memory_budget"],
                                        input_root=arg["input_root"], draw_flipped=arg["draw_flipped"])
                    renderer.frame_index = arg["frame_index"]
                    if arg["inputs"]:
                        renderer.set_inputs(**arg["inputs"])
                    renderer.compile()
                    if arg["shm_size"] and shm_fd >= 0:
                        shm = mmap.mmap(shm_fd, arg["shm_size"])
                    last = renderer.document.passes[-1]
                    out_dtype = ("float32" if last.target and renderer.document.targets[last.target].float
                                 else "uint8")
                    reply({"ok": True, "info": ctx.info.as_dict(), "max_texture_size": ctx.max_texture_size,
                           "max_size": list(renderer.limits.max_size or ()),
                           "memory_budget": renderer.limits.memory_budget})
                elif cmd == "set_inputs":
                    renderer.set_inputs(**arg)
                    reply({"ok": True})
                elif cmd == "inject":
                    fault = str(arg)
                    reply({"ok": True})
                elif cmd == "render":
                    if fault is not None:
                        _fault(fault)
                    renderer.frame_index = arg["frame_index"]   # the caller's count is the truth
                    dtype = arg["dtype"] or out_dtype
                    w, h = renderer.size
                    shape = (h, w, 4)
                    nbytes = w * h * 4 * np.dtype(dtype).itemsize
                    if arg["transport"] == "shm" and shm is not None and nbytes <= len(shm):
                        target = np.ndarray(shape, dtype=dtype, buffer=shm)
                        renderer.render(arg["time"], arg["date"], dtype=dtype, out=target)
                        reply({"ok": True, "in": "shm", "shape": shape, "dtype": dtype})
                    else:
                        frame = renderer.render(arg["time"], arg["date"], dtype=dtype)
                        reply({"ok": True, "in": "pipe", "shape": list(frame.shape),
                               "dtype": str(frame.dtype)}, memoryview(np.ascontiguousarray(frame)))
                else:
                    raise LifecycleError(f"unknown worker request {cmd!r}")
            except ISFError as exc:
                attrs = {k: getattr(exc, k) for k in _ERROR_ATTRS if hasattr(exc, k)}
                attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in attrs.items()
                         if isinstance(v, (str, int, float, tuple, list, type(None)))}
                reply({"error": type(exc).__name__, "text": str(exc), "attrs": attrs})
            except Exception as exc:   # a bug: report it as a RenderError, keep serving
                reply({"error": "RenderError", "text": f"internal error in the render worker: "
                       f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"})
    finally:
        if renderer is not None:
            with contextlib.suppress(ISFError):
                renderer.release()
        if ctx is not None:
            with contextlib.suppress(ISFError):
                ctx.close()


def _fault(kind: str) -> None:
    """Injected failures (tests): die the ways a driver can take a process down."""
    if kind == "abort":
        os.abort()
    if kind == "segv":
        import ctypes  # noqa: PLC0415

        ctypes.string_at(0)
    if kind == "exit":
        os._exit(3)
    if kind == "hang":
        while True:
            _time.sleep(1)
    raise LifecycleError(f"unknown fault {kind!r}")


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
