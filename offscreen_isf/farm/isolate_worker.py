"""The isolated renderer's worker process: ``python -m offscreen_isf.farm.isolate_worker PARENT SHM_FD``.

:data:`COMMANDS` is the one table of what a caller may ask a worker: the command's name, the
worker's handler, and the words the caller uses in a timeout or crash message.  The caller
(:class:`~offscreen_isf.farm.isolate.IsolatedRenderer`) sends only names from this table.

The worker opens its own :class:`~offscreen_isf.gl.context.Context` (on
``$OFFSCREEN_ISF_BACKEND``) and keeps one compiled renderer across frames, built from the
pickled :class:`~offscreen_isf.contract.RenderSettings` the caller sends in ``init``.  It
ignores SIGINT (Ctrl-C is the caller's) and dies with the caller.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ISFError, LifecycleError, ParseError
from .isolate_wire import WorkerPipe, die_with_parent, encode_error

if TYPE_CHECKING:
    from ..contract import RendererProtocol
    from ..gl.context import Context
    from ..isf.document import Document

__all__ = ["COMMANDS", "Command", "WorkerState", "serve", "main"]

#: a handler's answer: JSON metadata and raw payload bytes
Reply = tuple[dict[str, Any], bytes | memoryview]


@dataclass
class WorkerState:
    """What one worker process holds between requests."""

    shm_fd: int                              # the caller's shared frame file (-1: none)
    context: Context | None = None
    early: ISFError | None = None            # why the context could not be opened
    renderer: RendererProtocol | None = None
    shm: mmap.mmap | None = None
    running: bool = True

    def require_renderer(self) -> RendererProtocol:
        if self.renderer is None:
            raise LifecycleError("the worker has no renderer yet: 'init' must come first",
                                 state="STARTING", event="use")
        return self.renderer


def recheck_imported(document: Document) -> None:
    """Every IMPORTED file (each cube face) must still resolve, symlinks followed, to the path
    that was confined when ``document`` was loaded: a file or folder swapped for a symlink
    since then (between two worker starts) is refused with ParseError before it is read
    (docs/semantics.md, "Imported images and paths")."""
    for imp in document.imported:
        for checked in imp.faces if imp.is_cube else (imp.resolved,):
            try:
                now = Path(checked).resolve()
            except (OSError, RuntimeError) as exc:
                raise ParseError(f'IMPORTED "{imp.name}": PATH {str(checked)!r} cannot be resolved any '
                                 f"more: {exc}", path=str(document.path or "")) from None
            if now != Path(checked):
                raise ParseError(
                    f'IMPORTED "{imp.name}": PATH {str(checked)!r} now resolves to {str(now)!r}, not the '
                    "confined path checked when the shader was loaded (a symlink was put in its way); "
                    "refusing to read it", path=str(document.path or ""))


def _init(state: WorkerState, arg: Mapping[str, Any]) -> Reply:
    """Build the renderer from the caller's document and settings (IMPORTED paths checked
    again: every start, restarts included, reads them anew); replay its inputs."""
    from ..gl.renderer import Renderer  # noqa: PLC0415 - imports OpenGL: only in the worker

    if state.early is not None:
        raise state.early
    recheck_imported(arg["document"])
    assert state.context is not None
    renderer = Renderer(arg["document"], settings=arg["settings"].in_process(), context=state.context)
    state.renderer = renderer
    renderer.frame_index = arg["frame_index"]
    if arg["inputs"]:
        renderer.set_inputs(**arg["inputs"])
    renderer.compile()
    if arg["shm_size"] and state.shm_fd >= 0:
        state.shm = mmap.mmap(state.shm_fd, arg["shm_size"])
    ctx = state.context
    return {"ok": True, "info": ctx.info.as_dict(), "max_texture_size": ctx.max_texture_size,
            "max_size": list(renderer.limits.max_size or ()),
            "memory_budget": renderer.limits.memory_budget}, b""


def _set_inputs(state: WorkerState, arg: Mapping[str, Any]) -> Reply:
    state.require_renderer().set_inputs(**arg)
    return {"ok": True}, b""


def _render(state: WorkerState, arg: Mapping[str, Any]) -> Reply:
    """One frame, into the shared file when it fits (else through the pipe)."""
    renderer = state.require_renderer()
    renderer.frame_index = arg["frame_index"]   # the caller's count is the truth
    dtype = arg["dtype"] or ("float32" if renderer.document.output_is_float else "uint8")
    w, h = renderer.size
    shape = (h, w, 4)
    nbytes = w * h * 4 * np.dtype(dtype).itemsize
    if arg["transport"] == "shm" and state.shm is not None and nbytes <= len(state.shm):
        target = np.ndarray(shape, dtype=dtype, buffer=state.shm)
        renderer.render(arg["time"], arg["date"], dtype=dtype, out=target)
        return {"ok": True, "in": "shm", "shape": shape, "dtype": dtype}, b""
    frame = renderer.render(arg["time"], arg["date"], dtype=dtype)
    return ({"ok": True, "in": "pipe", "shape": list(frame.shape), "dtype": str(frame.dtype)},
            np.ascontiguousarray(frame).data)


def _close(state: WorkerState, arg: object) -> Reply:
    state.running = False
    return {"ok": True}, b""


@dataclass(frozen=True)
class Command:
    """One request a caller may send: the worker's handler, and what the caller was doing
    (for timeout and crash messages; formatted with the request's argument fields)."""

    handler: Callable[[WorkerState, Any], Reply]
    doing: str


#: command name -> handler and description: the whole worker protocol
COMMANDS: dict[str, Command] = {
    "init": Command(_init, "starting the worker (open a context, compile the shader)"),
    "set_inputs": Command(_set_inputs, "setting inputs"),
    "render": Command(_render, "rendering frame {frame_index} (time {time:g})"),
    "close": Command(_close, "closing"),
}


def _answer(state: WorkerState, commands: Mapping[str, Command], cmd: str, arg: Any) -> Reply:
    """Run one request; library errors become error replies (the worker keeps serving)."""
    try:
        command = commands.get(cmd)
        if command is None:
            raise LifecycleError(f"unknown worker request {cmd!r}")
        return command.handler(state, arg)
    except ISFError as exc:
        return encode_error(exc), b""
    except Exception as exc:   # noqa: BLE001 - a bug: report it as a RenderError, keep serving
        return {"error": "RenderError", "text": f"internal error in the render worker: "
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"}, b""


def serve(argv: list[str], commands: Mapping[str, Command] = COMMANDS) -> int:
    """The worker loop: answer ``commands`` until the caller closes (exit status 0)."""
    from ..gl.context import Context  # noqa: PLC0415

    parent, shm_fd = int(argv[0]), int(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    pipe = WorkerPipe()
    state = WorkerState(shm_fd)
    try:   # open the context while the caller prepares the init request
        state.context = Context(os.environ.get("OFFSCREEN_ISF_BACKEND")).open()
    except ISFError as exc:
        state.early = exc
    try:
        while state.running:
            request = pipe.request()
            if request is None:
                return 0                      # caller gone or closed the pipe
            pipe.reply(*_answer(state, commands, *request))
        return 0
    finally:
        if state.renderer is not None:
            with contextlib.suppress(ISFError):
                state.renderer.release()
        if state.context is not None:
            with contextlib.suppress(ISFError):
                state.context.close()


def main() -> int:
    """Entry point of ``python -m offscreen_isf.farm.isolate_worker``."""
    return serve(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
