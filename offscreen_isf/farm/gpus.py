"""One Dask worker process per GPU, each pinned to its GPU (``--gpus``).

A GPU node renders fastest with one worker process per GPU, one thread each: every process
opens one EGL context on "its" GPU.  Pinning is done with the environment each worker process
starts with, before it imports OpenGL (PyOpenGL binds its platform once per process):

=========================  ==================================================================
``CUDA_VISIBLE_DEVICES``   the worker's GPU as a CUDA id (physical, as the variable holds them)
``OFFSCREEN_ISF_DEVICE``   ``0``: the first EGL device the worker sees, which is that GPU,
                           because EGL devices are listed in CUDA order under
                           ``CUDA_VISIBLE_DEVICES`` (:mod:`offscreen_isf.backends.egl`)
``OFFSCREEN_ISF_BACKEND``  ``egl``
``PYOPENGL_PLATFORM``      ``egl`` (an inherited ``osmesa`` would contradict the backend)
=========================  ==================================================================

``gpus`` is ``"all"`` (every NVIDIA GPU EGL lists, found in a child process so that this
process stays unbound), or a comma list of CUDA ids (``"0,2"``).  When this process runs under
``CUDA_VISIBLE_DEVICES`` itself, ``"all"`` means the GPUs that variable lists.

Used by ``offscreen-isf render --workers ... --gpus`` (a local cluster; see
:mod:`offscreen_isf.farm.distributed`) and by ``offscreen-isf workers ADDRESS --gpus all``
(this node's GPU workers for a remote scheduler).  docs/distributed.md, "Many GPUs".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from ..errors import BackendError, UsageError

__all__ = ["PIN_VARIABLES", "gpu_ids", "worker_env", "worker_specs", "serve_workers"]

#: what pins a worker process to one GPU: variable -> value (``{cuda_id}`` filled in)
PIN_VARIABLES = {"CUDA_VISIBLE_DEVICES": "{cuda_id}", "OFFSCREEN_ISF_DEVICE": "0",
                 "OFFSCREEN_ISF_BACKEND": "egl", "PYOPENGL_PLATFORM": "egl"}

#: seconds the child process that lists EGL devices may take
LIST_TIMEOUT = 60.0

FIX_NO_GPU = ("check `offscreen-isf backends` (it lists every EGL device with its CUDA id) and "
              "nvidia-smi; in containers set NVIDIA_DRIVER_CAPABILITIES=all")


def listed_cuda_ids() -> list[str]:
    """CUDA ids of the NVIDIA GPUs EGL lists, in CUDA order (a child process asks, so that
    this process binds no GL platform).  BackendError when the listing fails."""
    env = dict(os.environ, OFFSCREEN_ISF_BACKEND="egl", PYOPENGL_PLATFORM="egl")
    try:
        done = subprocess.run([sys.executable, "-m", "offscreen_isf", "backends", "--json"], env=env,
                              capture_output=True, text=True, timeout=LIST_TIMEOUT, check=False)
        statuses = json.loads(done.stdout or "[]")
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise BackendError(f"cannot list the EGL devices: {exc}", fix=FIX_NO_GPU) from None
    egl: dict[str, Any] = next((s for s in statuses if s.get("name") == "egl"), {})
    return [str(d["cuda_id"]) for d in egl.get("devices", []) if d.get("cuda_id") is not None]


def gpu_ids(gpus: str, listed: list[str] | None = None) -> list[str]:
    """The CUDA ids ``gpus`` names, one per worker, in order.

    ``"all"``: ``listed`` (default: :func:`listed_cuda_ids`), restricted to and ordered by this
    process's ``CUDA_VISIBLE_DEVICES`` when that holds ids.  A comma list of ids is taken as
    given.  UsageError for a malformed value or a repeated id; BackendError for ``"all"`` on a
    machine where EGL lists no NVIDIA GPU.
    """
    text = gpus.strip()
    if text == "all":
        ids = listed_cuda_ids() if listed is None else list(listed)
        visible = [e.strip() for e in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if e.strip()]
        if visible and all(e.isdigit() for e in visible):
            ids = [e for e in visible if e in ids]
        if not ids:
            raise BackendError("--gpus all: EGL lists no NVIDIA GPU on this machine",
                             fix=FIX_NO_GPU + "; without GPUs use --workers N (software rendering)")
        return ids
    ids = [e.strip() for e in text.split(",")]
    if not ids or not all(e.isdigit() for e in ids):
        raise UsageError(f"--gpus takes 'all' or CUDA ids such as 0,1,3; got {gpus!r}")
    if len(set(ids)) != len(ids):
        raise UsageError(f"--gpus lists a GPU twice: {gpus!r} (one worker per GPU)")
    return ids


def worker_env(cuda_id: str) -> dict[str, str]:
    """The environment that pins one worker process to GPU ``cuda_id`` (:data:`PIN_VARIABLES`)."""
    return {name: value.format(cuda_id=cuda_id) for name, value in PIN_VARIABLES.items()}


def worker_specs(distributed: Any, ids: list[str], **options: Any) -> dict[str, dict[str, Any]]:
    """Dask ``SpecCluster`` worker specs: one nanny-managed process per GPU, one thread,
    named ``gpu<id>``, started with :func:`worker_env`.  ``options`` go to each Nanny."""
    return {f"gpu{cuda_id}": {"cls": distributed.Nanny,
                              "options": {"nthreads": 1, "env": worker_env(cuda_id), **options}}
            for cuda_id in ids}


def local_cluster(distributed: Any, ids: list[str], silence_logs: int) -> Any:
    """A cluster on this machine with one pinned worker per GPU in ``ids`` (caller closes it)."""
    scheduler = {"cls": distributed.Scheduler, "options": {"host": "127.0.0.1", "dashboard_address": None}}
    return distributed.SpecCluster(workers=worker_specs(distributed, ids, host="127.0.0.1",
                                                        silence_logs=silence_logs),
                                   scheduler=scheduler, silence_logs=silence_logs)


async def _serve(distributed: Any, scheduler: str, ids: list[str]) -> None:
    """Start one nanny per GPU against ``scheduler`` and wait until they all stop."""
    import asyncio  # noqa: PLC0415

    nannies = [distributed.Nanny(scheduler, name=name, **spec["options"])
               for name, spec in worker_specs(distributed, ids).items()]
    await asyncio.gather(*nannies)
    print(f"offscreen-isf: {len(nannies)} GPU worker(s) ({', '.join('gpu' + i for i in ids)}) "
          f"connected to {scheduler}", file=sys.stderr, flush=True)
    try:
        await asyncio.gather(*(n.finished() for n in nannies))
    finally:
        await asyncio.gather(*(n.close() for n in nannies), return_exceptions=True)


def serve_workers(distributed: Any, scheduler: str, gpus: str) -> None:
    """``offscreen-isf workers ADDRESS --gpus ...``: this node's pinned GPU workers, until
    interrupted (SIGINT / SIGTERM) or the scheduler goes away."""
    import asyncio  # noqa: PLC0415

    asyncio.run(_serve(distributed, scheduler, gpu_ids(gpus)))
