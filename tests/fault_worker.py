"""Test-only isolated worker with fault injection: ``python -m tests.fault_worker``.

The production worker (:mod:`offscreen_isf.farm.isolate_worker`) has no crash or hang switch.
Tests that need a worker to die the ways a GL driver can take a process down use
:class:`FaultyRenderer`: an :class:`~offscreen_isf.farm.isolate.IsolatedRenderer` whose worker
runs this module, which serves the production commands plus ``inject`` (the next ``render``
then fails as asked: ``abort``, ``segv``, ``exit`` (status 3) or ``hang``) and ``settings``
(what the worker's renderer was built with).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import Any

from offscreen_isf.errors import LifecycleError
from offscreen_isf.farm.isolate import IsolatedRenderer
from offscreen_isf.farm.isolate_worker import COMMANDS, Command, Reply, WorkerState, serve

#: the fault armed by the last ``inject`` (worker process only)
_ARMED: list[str] = []


def _fault(kind: str) -> None:
    """Die (or hang) the way ``kind`` names."""
    if kind == "abort":
        os.abort()
    if kind == "segv":
        import ctypes

        ctypes.string_at(0)
    if kind == "exit":
        os._exit(3)
    if kind == "hang":
        while True:
            time.sleep(1)
    raise LifecycleError(f"unknown fault {kind!r}")


def _inject(state: WorkerState, arg: object) -> Reply:
    _ARMED[:] = [str(arg)]
    return {"ok": True}, b""


def _render(state: WorkerState, arg: Mapping[str, Any]) -> Reply:
    if _ARMED:
        _fault(_ARMED.pop())
    return COMMANDS["render"].handler(state, arg)


def _settings(state: WorkerState, arg: object) -> Reply:
    """The worker renderer's settings, as JSON (tuples become lists)."""
    return {"ok": True, "settings": state.require_renderer().settings.options()}, b""


#: the production table, render wrapped, plus inject and settings
FAULT_COMMANDS: dict[str, Command] = {
    **COMMANDS,
    "render": Command(_render, COMMANDS["render"].doing),
    "inject": Command(_inject, "arming a fault"),
    "settings": Command(_settings, "reading the worker's settings"),
}


class FaultyRenderer(IsolatedRenderer):
    """An isolated renderer whose worker can be told to crash or hang on its next render."""

    worker_module = "tests.fault_worker"
    commands = FAULT_COMMANDS

    def inject(self, fault: str) -> None:
        """Make the worker fail during the next render (``abort``, ``segv``, ``exit``, ``hang``)."""
        self._call("inject", fault)

    def worker_settings(self) -> dict[str, Any]:
        """The settings of the renderer inside the worker (JSON: tuples as lists)."""
        meta, _ = self._call("settings", None)
        return dict(meta["settings"])


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:], FAULT_COMMANDS))
