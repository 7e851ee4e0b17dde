"""Render in a worker process: a shader that hangs or crashes costs one error, not the caller.

``open_renderer(shader, size=(w, h), isolate=True, timeout=10)`` (or :class:`IsolatedRenderer`
directly) starts a worker interpreter (:mod:`offscreen_isf.farm.isolate_worker`, a plain
subprocess, so the caller's ``__main__`` is never re-imported) that opens its own
:class:`~offscreen_isf.Context` on the same backend and keeps one compiled
:class:`~offscreen_isf.Renderer` across frames, built from the same
:class:`~offscreen_isf.contract.RenderSettings`.

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
* The caller never unpickles anything the worker sends (see
  :mod:`offscreen_isf.farm.isolate_wire`).
* The worker ignores SIGINT (Ctrl-C is the caller's) and dies with the caller (Linux
  ``PR_SET_PDEATHSIG``, plus a parent watchdog thread everywhere).

Threads: one call at a time per renderer.  A call made while another thread is inside a
call on the same renderer raises :class:`~offscreen_isf.errors.ThreadError` at once (as
the in-process :class:`~offscreen_isf.Renderer` does); calls never block on each other.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import mmap
import os
import subprocess
import threading
import time as _time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.base import BackendInfo
from ..contract import DEFAULT_TIMEOUT, DateLike, RenderSettings, check_time
from ..errors import BackendError, InputError, ISFError, RenderCrashed, RenderTimeout, ThreadError
from ..gl.limits import Limits, confine_input
from ..isf.document import Document, load
from ..media.images import to_cube_faces, to_rgba
from .isolate_reply import FrameSpec, accept, started_facts
from .isolate_wire import WorkerProcess, _BadReplyError, _DeadlineError, _WorkerDiedError, kill_quietly, shared_file
from .isolate_worker import COMMANDS, Command

__all__ = ["IsolatedRenderer", "RemoteContext", "DEFAULT_TIMEOUT"]

#: seconds ``release()`` waits for a clean worker exit before killing it
CLOSE_GRACE = 2.0


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


class _SharedFrame:
    """The shared memory file frames come back through (``transport="shm"``): room for one
    float32 RGBA frame of the output size.  Owned by one renderer; closed by it."""

    def __init__(self, size: tuple[int, int]) -> None:
        nbytes = size[0] * size[1] * 16
        self.fd: int | None = shared_file(nbytes)
        self.map: mmap.mmap | None = mmap.mmap(self.fd, max(nbytes, mmap.PAGESIZE))

    def array(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray:
        assert self.map is not None
        count = int(np.prod(shape))
        return np.frombuffer(self.map, dtype=dtype, count=count).reshape(shape)

    def close(self) -> None:
        if self.map is not None:
            with contextlib.suppress(BufferError):
                self.map.close()
            self.map = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _host_only(device: str | None) -> None:
    """Refuse ``device="cuda"`` before anything is sent: a frame in the worker's CUDA memory
    would have to cross the process boundary (IPC handles), which is not done."""
    if device is None:
        return
    if device != "cuda":
        raise InputError(f"device must be None (host memory) or 'cuda', got {device!r}")
    raise BackendError("device='cuda' is not available from an isolated (worker-process) renderer: "
                       "its frames come back through host memory",
                       fix="use an in-process Renderer (isolate=False) for device='cuda'")


def _crash_error(name: str, w: WorkerProcess, doing: str) -> RenderCrashed:
    """The error that says how worker ``w`` died (its exit status, the end of its stderr)."""
    status = w.proc.returncode
    tail = w.stderr_tail()
    how = f"killed by signal {-status}" if status is not None and status < 0 else f"exit status {status}"
    return RenderCrashed(
        f"{name}: the worker process (pid {w.pid}) died while {doing} ({how}); a new one was started; "
        "persistent buffers restart from (0,0,0,0)" + (f"\nworker stderr:\n{tail}" if tail else ""))


def _bad_reply_error(name: str, w: WorkerProcess, doing: str, reason: object) -> RenderCrashed:
    """The error for a worker that broke the protocol (it was killed: its replies are not trusted)."""
    return RenderCrashed(
        f"{name}: the worker process (pid {w.pid}) sent a malformed reply while {doing}: {reason}; "
        "it was killed and a new one was started; persistent buffers restart from (0,0,0,0)")


def _outgoing(document: Document, settings: RenderSettings, name: str, value: Any) -> Any:
    """One input value as sent to the worker: image files and cube faces read here (confined
    to ``input_root``), other values coerced here; audio paths are read by the worker."""
    inp = document.input(name)
    if settings.input_root is not None:
        value = confine_input(value, (settings.input_root,), inp)
    if inp.type == "image":
        return None if value is None else to_rgba(value, what=f'input "{name}"')
    if inp.type == "cube":
        return None if value is None else to_cube_faces(value, what=f'input "{name}"')
    if inp.is_image:
        return None if value is None else (
            str(value) if isinstance(value, (str, os.PathLike)) else np.asarray(value))
    return inp.coerce(value, clamp=settings.clamp)


class _WorkerSide:
    """The half of :class:`IsolatedRenderer` that owns its worker process: starting it (with
    its own deadline), one call at a time, checked replies, replacing it after a timeout, a
    crash or a malformed reply.  Not used on its own."""

    #: the module the worker process runs, and the command table it serves (one table for
    #: both sides; a test subclass may name a worker module with extra commands)
    worker_module = "offscreen_isf.farm.isolate_worker"
    commands: Mapping[str, Command] = COMMANDS

    settings: RenderSettings
    document: Document
    context: RemoteContext
    limits: Limits | None
    frame_index: int
    restarts: int
    _backend: str
    _released: bool
    _replay: dict[str, Any]
    _busy: threading.Lock
    _shm: _SharedFrame | None
    _worker_ref: list[WorkerProcess | None]

    @property
    def timeout(self) -> float | None:
        """Seconds per call (None: no deadline)."""
        return self.settings.timeout

    @property
    def start_timeout(self) -> float | None:
        """Seconds for a worker to start, open its context and compile."""
        return self.settings.resolved_start_timeout

    @property
    def worker_pid(self) -> int | None:
        """The current worker's process id (None before start / after release)."""
        w = self._worker_ref[0]
        return None if w is None else w.pid

    # -- worker management ------------------------------------------------------------
    def _spawn(self) -> WorkerProcess:
        env = {"OFFSCREEN_ISF_BACKEND": self._backend, **self.settings.worker_environment()}
        w = WorkerProcess(self.worker_module, self._shm.fd if self._shm else None, env)
        self._worker_ref[0] = w
        return w

    def _ensure_started(self) -> WorkerProcess:
        """The running worker, started (init answered) within ``start_timeout`` seconds of
        this call: a restart has its own deadline, never charged to the call's ``timeout``
        (docs/semantics.md, "Resource limits")."""
        w = self._worker_ref[0] or self._spawn()
        if not w.started:
            limit = self.start_timeout
            meta, _ = self._exchange(w, "init", {
                "document": self.document, "settings": self.settings, "frame_index": self.frame_index,
                "inputs": dict(self._replay), "shm_size": len(self._shm.map) if self._shm and self._shm.map else 0,
            }, None if limit is None else _time.monotonic() + limit, limit)
            w.started = True
            info, max_texture, max_size, budget = started_facts(meta)
            self.context = RemoteContext(self._backend, info, max_texture)
            self.limits = Limits(max_size, budget)
        return w

    def _replace(self, w: WorkerProcess) -> None:
        """Kill ``w`` and start its successor now (its start overlaps the caller's work)."""
        w.kill()
        self._worker_ref[0] = None
        self.restarts += 1
        if not self._released:
            self._spawn()

    def _exchange(self, w: WorkerProcess, cmd: str, arg: Any, deadline: float | None,
                  limit: float | None, frame: FrameSpec | None = None) -> tuple[dict[str, Any], bytes]:
        """Send one command, wait for its reply and check it (``frame``: the frame a render
        asked for); timeouts, deaths and malformed replies become ISF errors."""
        doing = self.commands[cmd].doing
        doing = doing.format(**arg) if isinstance(arg, dict) else doing
        started = _time.monotonic()
        try:
            w.send((cmd, arg), deadline)
            meta, payload = w.recv(deadline, frame.nbytes if frame else 0)
            error = accept(cmd, meta, payload, frame)
        except _BadReplyError as exc:
            self._replace(w)
            raise _bad_reply_error(self.document.name, w, doing, exc) from None
        except _DeadlineError:
            self._replace(w)
            raise RenderTimeout(
                f"{self.document.name}: {doing} took longer than {limit:g} s (waited "
                f"{_time.monotonic() - started:.2f} s); the worker (pid {w.pid}) was killed and a new one "
                "started; persistent buffers restart from (0,0,0,0). Raise timeout= if the shader is "
                "legitimately slow") from None
        except _WorkerDiedError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.proc.wait(timeout=1.0)
            self._replace(w)
            raise _crash_error(self.document.name, w, doing) from None
        except BaseException:
            # KeyboardInterrupt or similar mid-request: the protocol state is unknown.
            self._replace(w)
            raise
        if error is not None:
            raise error
        return meta, payload

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        if self._released:
            raise InputError("this Renderer was released; create a new one")
        if not self._busy.acquire(blocking=False):
            raise ThreadError("this renderer is busy in another thread; use one renderer per "
                              "thread (or serialise the calls yourself)", state="BUSY", event="use")
        try:
            yield
        finally:
            self._busy.release()

    def _call(self, cmd: str, arg: Any, frame: FrameSpec | None = None) -> tuple[dict[str, Any], bytes]:
        """Forward one command of :attr:`commands` to a started worker, within ``timeout``
        seconds counted once the worker has started."""
        with self._guard():
            w = self._ensure_started()
            deadline = None if self.timeout is None else _time.monotonic() + self.timeout
            return self._exchange(w, cmd, arg, deadline, self.timeout, frame)


class IsolatedRenderer(_WorkerSide):
    """A renderer (:class:`~offscreen_isf.contract.RendererProtocol`) whose GL work runs in a
    worker process; every call is forwarded as one command of
    :data:`~offscreen_isf.farm.isolate_worker.COMMANDS`.

    ``settings`` (:class:`~offscreen_isf.contract.RenderSettings`, ``isolate`` implied) and
    keyword ``options`` on top of them: ``timeout`` seconds per call (default 30; None = no
    deadline), ``start_timeout``, ``transport`` (``"shm"`` or ``"pipe"``), ``worker_env``,
    and every in-process option.  ``context`` is a :class:`RemoteContext` (backend and GL
    strings of the worker), not a Context: a context cannot be shared with another process.
    ``frame_index`` is settable and sent with every render.  ``restarts`` counts workers
    replaced after a timeout or crash.

    The document is parsed here (parse errors are raised before any process starts); the
    worker is started by the constructor and answers before it returns, so a shader that
    does not compile raises :class:`~offscreen_isf.errors.CompileError` here too.
    """

    def __init__(self, shader: str | os.PathLike[str] | Document, settings: RenderSettings | None = None,
                 *, inputs: Mapping[str, Any] | None = None, **options: Any) -> None:
        import offscreen_isf.backends as backends  # noqa: PLC0415 - name resolution only, no OpenGL import

        self._released = True   # until fully built (release() is then a no-op)
        self.settings = (settings or RenderSettings(isolate=True)).replace(isolate=True, **options)
        limit_spec = Limits.make(self.settings.max_size, self.settings.memory_budget)   # early errors
        self.document = shader if isinstance(shader, Document) else load(
            shader, allow_paths=self.settings.allow_paths)
        self.size = self.settings.size
        if limit_spec.max_size is not None:   # early; GL_MAX_TEXTURE_SIZE is checked in the worker
            Limits(limit_spec.max_size, 1).check_output(self.size)
        self._backend = backends.resolve(self.settings.backend)
        self.context = RemoteContext(self._backend)
        self.limits: Limits | None = None
        self.frame_index = 0
        self.restarts = 0
        self._values: dict[str, Any] = {i.name: i.default for i in self.document.inputs if not i.is_image}
        self._replay: dict[str, Any] = {}       # every input sent, as sent (replayed on restart)
        self._events = {i.name for i in self.document.inputs if i.type == "event"}
        self._busy = threading.Lock()
        self._shm = _SharedFrame(self.size) if self.settings.transport == "shm" else None
        self._worker_ref: list[WorkerProcess | None] = [None]
        self._finalizer = weakref.finalize(self, kill_quietly, self._worker_ref)
        self._released = False
        try:
            self.compile()
            if inputs:
                self.set_inputs(**inputs)
        except BaseException:
            self.release()
            raise

    # -- settings as attributes (read-only) --------------------------------------------
    @property
    def clamp(self) -> bool:
        return self.settings.clamp

    @property
    def draw_flipped(self) -> bool:
        """See ``Renderer.draw_flipped``."""
        return self.settings.draw_flipped

    # -- the contract -------------------------------------------------------------------
    def compile(self) -> None:
        """Make sure a worker is running with the shader compiled (CompileError otherwise)."""
        with self._guard():
            self._ensure_started()

    def set_inputs(self, **values: Any) -> None:
        """As ``Renderer.set_inputs``.  Image paths are read here (confined to
        ``input_root`` when set) and sent as pixels; audio paths are read by the worker.

        All values are checked here first and become the caller's (``inputs``, and the
        replay a restarted worker gets) only once the worker accepted them: a refused or
        crashed call changes nothing (a worker that refused a part is set back)."""
        sent = {name: _outgoing(self.document, self.settings, name, value) for name, value in values.items()}
        try:
            self._call("set_inputs", sent)
        except (RenderTimeout, RenderCrashed, ThreadError):
            raise      # nothing reached a live worker's state (or another thread owns the call)
        except ISFError:
            self._set_back(list(sent))
            raise
        self._values.update((k, v) for k, v in sent.items() if k in self._values)
        self._replay.update(sent)

    def _set_back(self, names: list[str]) -> None:
        """After a refused set_inputs: the worker's ``names`` back to the caller's values (it
        may have taken a part); a worker that refuses that too is replaced."""
        back = {n: self._values[n] if n in self._values else self._replay.get(n) for n in names}
        with contextlib.suppress(RenderTimeout, RenderCrashed):
            try:
                self._call("set_inputs", back)
            except ISFError:
                w = self._worker_ref[0]
                if w is not None:
                    self._replace(w)

    @property
    def inputs(self) -> dict[str, Any]:
        """Current non-image input values (a copy)."""
        return dict(self._values)

    def render(self, time: float = 0.0, date: DateLike = None, *, dtype: str | None = None,
               out: np.ndarray | None = None, device: str | None = None) -> np.ndarray:
        """As ``Renderer.render`` (top row first), within ``timeout`` seconds.

        Raises :class:`RenderTimeout` / :class:`RenderCrashed` (the worker is then replaced)
        besides the usual errors.  ``device="cuda"`` is a BackendError (host frames only).
        """
        _host_only(device)
        seconds = check_time(time)
        if dtype not in (None, "uint8", "float32"):
            raise InputError(f"dtype must be 'uint8' or 'float32', got {dtype!r}")
        if date is None:
            date = _dt.datetime.now()      # the caller's clock, not the worker's
        want = FrameSpec((self.size[1], self.size[0], 4),
                         dtype or ("float32" if self.document.output_is_float else "uint8"),
                         len(self._shm.map) if self._shm is not None and self._shm.map is not None else 0)
        meta, payload = self._call("render", {
            "time": seconds, "date": date, "dtype": dtype, "transport": self.settings.transport,
            "frame_index": int(self.frame_index)}, want)
        shape, dt = want.shape, np.dtype(want.dtype)
        src = (self._shm.array(shape, dt) if meta["in"] == "shm" and self._shm is not None
               else np.frombuffer(payload, dtype=dt).reshape(shape))
        if out is not None:
            if out.shape != shape or out.dtype != dt:
                raise InputError(f"out must be a {shape} {dt} array, got {out.shape} {out.dtype}")
            out[...] = src
        result = out if out is not None else src.copy()
        self.frame_index += 1
        for name in self._events:   # events last one frame, here as in the worker
            self._values[name] = False
            if name in self._replay:
                self._replay[name] = False
        return result

    def render_frames(self, times: Iterable[float], date: DateLike = None, *, dtype: str | None = None,
                      device: str | None = None) -> Iterator[tuple[float, np.ndarray]]:
        """Render each time in order; yields (time, frame) as :meth:`render`.  ``device="cuda"``
        is refused here, at the call, before anything is sent (BackendError)."""
        _host_only(device)
        return ((t, self.render(t, date, dtype=dtype)) for t in times)

    def save(self, path: str | os.PathLike[str], time: float = 0.0, date: DateLike = None) -> Path:
        """Render one frame and write it as PNG (atomically, in this process)."""
        from ..media.output import write_png  # noqa: PLC0415

        return write_png(path, self.render(time, date))

    def release(self) -> None:
        """Stop the worker (cleanly, else killed after 2 s) and free the shared memory.  Idempotent."""
        if self._released:
            return
        self._released = True
        w, self._worker_ref[0] = self._worker_ref[0], None
        if w is not None:
            if w.started:
                w.close(CLOSE_GRACE)
            else:
                w.kill()
        if self._shm is not None:
            self._shm.close()
        self._finalizer.detach()

    close = release

    def __enter__(self) -> IsolatedRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return (f"<IsolatedRenderer {self.document.name} {self.size[0]}x{self.size[1]} "
                f"{self._backend} pid={self.worker_pid} restarts={self.restarts}>")
