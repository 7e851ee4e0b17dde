"""Test-only isolated worker that lies: ``python -m tests.liar_worker``.

It serves the production commands, plus ``lie`` (the next ``render`` or ``set_inputs`` is
answered with the named malformed reply from :data:`LIES`, written raw to the pipe, and the
worker then waits to be killed).  ``$OFFSCREEN_ISF_TEST_LIE_INIT`` names a lie of
:data:`INIT_LIES` told in every ``init`` reply; ``$OFFSCREEN_ISF_TEST_SLOW_INIT`` seconds are
slept in every ``init`` (a slow restart).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from offscreen_isf.farm import isolate_worker
from offscreen_isf.farm.isolate import IsolatedRenderer
from offscreen_isf.farm.isolate_wire import REPLY, WorkerPipe
from offscreen_isf.farm.isolate_worker import COMMANDS, Command, Reply, WorkerState, serve

#: the armed lie (worker process only) and the pipe it is told through
_ARMED: list[str] = []
_PIPES: list[WorkerPipe] = []


class _CapturingPipe(WorkerPipe):
    def __init__(self) -> None:
        super().__init__()
        _PIPES.append(self)


def _raw(meta: Any, payload: bytes = b"", *, jlen: int | None = None, plen: int | None = None,
         seq: bool = True) -> Callable[[WorkerPipe, tuple[int, int, int]], bytes]:
    """A lie: ``meta`` (a dict gets the right request number unless ``seq=False``; bytes are
    sent as they are) with ``payload``; ``jlen``/``plen`` override the header's sizes."""
    def make(pipe: WorkerPipe, shape: tuple[int, int, int]) -> bytes:
        m = meta(shape) if callable(meta) else meta
        if isinstance(m, dict):
            m = json.dumps({**m, "seq": pipe.seq} if seq else m).encode()
        p = payload(shape) if callable(payload) else payload
        return REPLY.pack(len(m) if jlen is None else jlen, len(p) if plen is None else plen) + m + p
    return make


def _frame(size: tuple[int, int, int], /, **over: Any) -> dict[str, Any]:
    return {"ok": True, "in": "pipe", "shape": list(size), "dtype": "uint8", **over}


def _nbytes(shape: tuple[int, int, int]) -> bytes:
    return bytes(shape[0] * shape[1] * shape[2])


#: lie name -> (the bytes told, a fragment of the caller's RenderCrashed message)
LIES: dict[str, tuple[Callable[[WorkerPipe, tuple[int, int, int]], bytes], str]] = {
    "huge_meta": (_raw(b"", jlen=1 << 31), "bytes of metadata"),
    "huge_payload": (_raw(_frame, plen=3 << 30), "payload bytes"),
    "not_utf8": (_raw(b"\xff\xfe{}"), "not JSON"),
    "not_json": (_raw(b"{nope"), "not JSON"),
    "deep_json": (_raw(b"[" * 200_000 + b"]" * 200_000), "not JSON"),
    "json_list": (_raw(b"[1, 2]"), "not an object"),
    "no_seq": (_raw(_frame, _nbytes, seq=False), "numbered"),
    "stale_seq": (_raw(lambda s: {**_frame(s), "seq": -1}, _nbytes, seq=False), "numbered"),
    "neither": (_raw({}), "neither a success nor an error"),
    "ok_string": (_raw({"ok": "yes"}), "neither a success nor an error"),
    "wrong_shape": (_raw(lambda s: _frame(s, shape=[1, 1, 4]), b"\0" * 4), "asked for"),
    "shape_string": (_raw(lambda s: _frame(s, shape="x")), "asked for"),
    "wrong_dtype": (_raw(lambda s: _frame(s, dtype="object"), _nbytes), "asked for"),
    "short_frame": (_raw(_frame, b"\0" * 8), "bytes were expected"),
    "shm_with_payload": (_raw(lambda s: _frame(s, **{"in": "shm"}), _nbytes), "bytes were expected"),
    "nowhere": (_raw(lambda s: _frame(s, **{"in": "disk"}), _nbytes), "bytes were expected"),
    "extra_field": (_raw(lambda s: _frame(s, evil=1), _nbytes), "unexpected fields"),
    "spoof_crashed": (_raw({"error": "RenderCrashed", "text": "fake"}), "does not raise"),
    "spoof_timeout": (_raw({"error": "RenderTimeout", "text": "fake"}), "does not raise"),
    "unknown_error": (_raw({"error": "SystemExit", "text": "x"}), "does not raise"),
    "error_name_list": (_raw({"error": ["InputError"], "text": "x"}), "does not raise"),
    "error_no_text": (_raw({"error": "CompileError"}), "no text"),
    "error_field_dict": (_raw({"error": "CompileError", "text": "x", "line": {"a": 1}}), "not a JSON scalar"),
    "error_extra": (_raw({"error": "InputError", "text": "x", "__class__": "os.system"}), "unexpected fields"),
    "error_payload": (_raw({"error": "InputError", "text": "x"}, b"\0" * 4), "carries a payload"),
}

#: init lie name -> (changes to the init reply, a fragment of the caller's message)
INIT_LIES: dict[str, tuple[dict[str, Any], str]] = {
    "info_string": ({"info": "x"}, "driver description"),
    "info_extra": ({"info": {"backend": "b", "vendor": "v", "renderer": "r", "evil": "e"}}, "driver description"),
    "max_texture": ({"max_texture_size": 1e300}, "max_texture_size"),
    "max_size": ({"max_size": [-1, 5]}, "max_size"),
    "budget": ({"memory_budget": "lots"}, "memory_budget"),
    "extra": ({"evil": True}, "unexpected fields"),
}


def _lie(state: WorkerState, arg: object) -> Reply:
    _ARMED[:] = [str(arg)]
    return {"ok": True}, b""


def _tell(state: WorkerState) -> None:
    """Tell the armed lie and wait to be killed (never returns)."""
    make, _ = LIES[_ARMED.pop()]
    w, h = state.require_renderer().size
    _PIPES[0].write(make(_PIPES[0], (h, w, 4)))
    while True:
        time.sleep(1)


def _wrapped(name: str) -> Command:
    real = COMMANDS[name]

    def handler(state: WorkerState, arg: Any) -> Reply:
        if _ARMED:
            _tell(state)
        return real.handler(state, arg)
    return Command(handler, real.doing)


def _init(state: WorkerState, arg: Mapping[str, Any]) -> Reply:
    time.sleep(float(os.environ.get("OFFSCREEN_ISF_TEST_SLOW_INIT", "0")))
    meta, payload = COMMANDS["init"].handler(state, arg)
    lie = os.environ.get("OFFSCREEN_ISF_TEST_LIE_INIT")
    return ({**meta, **INIT_LIES[lie][0]} if lie and "error" not in meta else meta), payload


LIAR_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "init": Command(_init, COMMANDS["init"].doing),
    "render": _wrapped("render"),
    "set_inputs": _wrapped("set_inputs"),
    "lie": Command(_lie, "arming a lie"),
}


class LiarRenderer(IsolatedRenderer):
    """An isolated renderer whose worker can be told to answer the next request with a lie."""

    worker_module = "tests.liar_worker"
    commands = LIAR_COMMANDS

    def lie(self, name: str) -> None:
        """Answer the next ``render`` / ``set_inputs`` with ``LIES[name]``."""
        self._call("lie", name)


if __name__ == "__main__":
    isolate_worker.WorkerPipe = _CapturingPipe    # type: ignore[misc]
    sys.exit(serve(sys.argv[1:], LIAR_COMMANDS))
