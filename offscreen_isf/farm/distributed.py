"""Render one frame range across a Dask cluster (``pip install 'offscreen-isf[dask]'``).

``offscreen-isf render ... --workers N`` starts N local worker processes (dask.distributed's
``LocalCluster``, one thread each); ``--scheduler tcp://HOST:PORT`` uses an existing cluster
(``dask scheduler`` / ``dask worker`` on many machines).  From Python::

    import offscreen_isf as oi
    summary = oi.distributed.render_range("fx.fs", (0, 299), "out/f_%05d.png",
                                          size=(1920, 1080), fps=30, workers=4)

How a job runs (``docs/distributed.md``):

* The range is split into **chunks** of consecutive frames, one Dask task each.  Each chunk is
  drawn with the CLI's chunk rule (:func:`offscreen_isf.farm.batch.plan_frames`): persistent buffers
  pre-roll from frame 0, TIMEDELTA shaders draw frame A-1 first, FRAMEINDEX-only shaders set
  ``frame_index``.  So the frames are byte-identical to a single-process ``offscreen-isf render``.
* Every worker process keeps **one GL context per backend and its compiled renderers** across
  tasks (a module-level cache below, closed by a worker plugin on teardown).  A renderer is
  reused as is when its carried state cannot reach a written frame (stateless, FRAMEINDEX-only,
  TIMEDELTA with an unwritten first frame); otherwise (persistent buffers) the chunk gets a
  fresh renderer on the cached context, which must start from cleared buffers.
* PyOpenGL binds one platform per process: the requested backend is put into each worker's
  ``OFFSCREEN_ISF_BACKEND`` (LocalCluster ``env=``, and a worker plugin that sets it before
  OpenGL is imported on workers of an existing cluster).
* Workers write frames to the output path (it must be on a filesystem every worker sees) with
  atomic renames, or -- ``stream=True`` / ``--stream`` -- encode them and send the file bytes
  back to the client, which writes them.
* A failed chunk is retried (Dask ``retries=``; a worker that dies is replaced by its nanny and
  its chunk re-run by the scheduler).  Deterministic errors (parse, compile, input) are not
  retried: they are raised on the client with their usual type (and CLI exit code).
* ``manifest.json`` beside the frames records per chunk: frames, worker address, host, pid,
  backend, GL renderer, attempts and seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import threading
import time as _time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..contract import FIELD_NAMES, RendererProtocol, RenderSettings
from ..errors import (
    ChunkFailed,
    CompileError,
    DaskMissingError,
    InputError,
    ISFError,
    OutputError,
    ParseError,
    ResourceLimitError,
    UsageError,
    missing_extra,
)
from .batch import (
    Encoder,
    RenderOptions,
    _bar_disabled,
    _sweep_temporaries,
    _write_image,
    check_run_length,
    default_jobs,
    draw_plan,
    frame_pattern,
    history_of,
    job_inputs,
    output_dtype,
    output_kind,
    parse_frames,
    plan_frames,
    run_date,
    start_plan,
)
from .factory import open_renderer
from .gpus import gpu_ids, local_cluster

__all__ = ["render_range", "run_distributed", "render_chunk", "split_chunks", "default_chunk_size",
           "JobSpec", "INSTALL_HINT", "EVENT_TOPIC"]

#: what to run when dask is not installed
INSTALL_HINT = "pip install 'dask[distributed]>=2024.1' (from a checkout: pip install -e '.[dask]')"
#: the scheduler event topic each chunk attempt is logged under (for the manifest's attempts)
EVENT_TOPIC = "offscreen-isf"
#: errors that would fail the same way on every attempt: returned, not raised, so not retried
DETERMINISTIC = (ParseError, CompileError, InputError, ResourceLimitError, UsageError)
#: compiled renderers a worker keeps (least recently used dropped first)
MAX_CACHED_RENDERERS = 4


def _import_distributed() -> Any:
    """``distributed``, or :class:`DaskMissingError` naming the install command."""
    try:
        import distributed  # noqa: PLC0415
    except ImportError as exc:
        raise missing_extra(f"rendering on a Dask cluster ({exc.name or 'distributed'} is not installed)",
                            "dask", ("dask[distributed]>=2024.1",), DaskMissingError) from None
    return distributed


# -- the job as workers see it ----------------------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to render chunks of one job (pickled into each task).

    ``opts`` has its DATE fixed by the client; ``pattern`` is the printf pattern of the frame
    files; ``shader_text`` lets workers that cannot see ``opts.shader`` render it anyway
    (``portable``: no IMPORTED images, no vertex shader file); ``key`` identifies the compiled
    renderer a worker may reuse (shader bytes, size, backend and input settings).
    """

    job: str
    opts: RenderOptions
    pattern: str
    dtype: str
    stream: bool
    shader_text: str
    shader_sha256: str
    portable: bool
    key: str


# worker-process state: one context per backend, compiled renderers by JobSpec.key
_LOCK = threading.Lock()          # one chunk at a time per process (GL contexts are per thread)
_CONTEXTS: dict[str | None, Any] = {}
_RENDERERS: OrderedDict[tuple[str, str | None], RendererProtocol] = OrderedDict()


def _load_document(spec: JobSpec) -> Any:
    """The job's document: from its path when this worker sees the same file, else its text."""
    from ..isf.document import load  # noqa: PLC0415

    path = Path(spec.opts.shader)
    try:
        same = hashlib.sha256(path.read_bytes()).hexdigest() == spec.shader_sha256
    except OSError:
        same = False
    if same:
        return load(path, allow_paths=spec.opts.settings.allow_paths)
    if not spec.portable:
        raise UsageError(f"{path} (with its IMPORTED images or vertex shader) is not readable on worker "
                         f"{socket.gethostname()}: put the shader on a path every worker sees")
    return load(spec.shader_text, base_dir=str(path.parent))


def _context(backend: str | None) -> Any:
    """This process's context for ``backend`` (opened on first use, reopened if lost)."""
    from ..gl.context import Context  # noqa: PLC0415 - imports OpenGL: only on workers, when drawing
    from ..gl.lifecycle import State  # noqa: PLC0415

    ctx = _CONTEXTS.get(backend)
    if ctx is not None and ctx.state not in (State.OPEN, State.CURRENT):
        _drop_context(backend)
        ctx = None
    if ctx is None:
        ctx = Context(backend).open()
        _CONTEXTS[backend] = ctx
    return ctx


def _drop_renderer(key: tuple[str, str | None]) -> None:
    r = _RENDERERS.pop(key, None)
    if r is not None:
        try:
            r.release()
        except ISFError:
            pass   # its context is gone or broken; the context is dropped separately


def _drop_context(backend: str | None) -> None:
    for key in [k for k in _RENDERERS if k[1] == backend]:
        _drop_renderer(key)
    ctx = _CONTEXTS.pop(backend, None)
    if ctx is not None:
        try:
            ctx.close()
        except ISFError:
            pass   # closing a lost context: nothing left to free


def close_worker_cache() -> None:
    """Release every cached renderer and close every cached context of this process."""
    with _LOCK:
        for backend in list(_CONTEXTS):
            _drop_context(backend)
        for key in list(_RENDERERS):
            _drop_renderer(key)


def _needs_fresh_state(history: Any, plan: Sequence[tuple[int, bool]]) -> bool:
    """True when a renderer's carried state could change a written frame of ``plan``:
    persistent buffers (must start cleared), or TIMEDELTA on a written first frame (must be 0).
    FRAMEINDEX is set per frame; events are re-set by :func:`~offscreen_isf.farm.batch.start_plan`."""
    return history.persistent or (history.timedelta and bool(plan) and plan[0][1])


def _renderer(spec: JobSpec, doc: Any, fresh: bool) -> tuple[RendererProtocol, bool]:
    """A compiled renderer for ``spec`` on this process's context; (renderer, reused?).
    Built from the job's settings, whole: every option the CLI was given reaches it."""
    settings = spec.opts.settings
    key = (spec.key, settings.backend)
    cached = _RENDERERS.get(key)
    if cached is not None and not fresh and cached.context is _CONTEXTS.get(settings.backend):
        _RENDERERS.move_to_end(key)
        return cached, True
    _drop_renderer(key)
    r = open_renderer(doc, settings, context=_context(settings.backend))
    r.compile()
    _RENDERERS[key] = r
    while len(_RENDERERS) > MAX_CACHED_RENDERERS:
        _drop_renderer(next(iter(_RENDERERS)))
    return r, False


def _encode(directory: str, suffix: str, frame: int, pixels: Any, encoding: Any) -> tuple[int, bytes]:
    """The file bytes of one frame, encoded exactly as a shared-filesystem write would be."""
    path = Path(directory) / f"{frame}{suffix}"
    _write_image(str(path), pixels, encoding)
    try:
        return frame, path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _frame_path(pattern: str, frame: int) -> str:
    """The file of ``frame``: ``pattern % frame``, or the pattern itself for a single frame."""
    return pattern % frame if "%" in pattern else pattern


def _chunk_entry(spec: JobSpec, index: int, first: int, last: int) -> dict[str, Any]:
    """The chunk's manifest entry so far (who runs it, when); logs the attempt on a Dask worker."""
    address, pid = None, os.getpid()
    try:
        from distributed import get_worker  # noqa: PLC0415

        worker = get_worker()
        address = worker.address
        worker.log_event(EVENT_TOPIC, {"job": spec.job, "chunk": index, "worker": address, "pid": pid})
    except (ImportError, ValueError):
        pass        # called outside a Dask worker (tests, debugging)
    return {"chunk": index, "frames": [first, last], "worker": address, "host": socket.gethostname(),
            "pid": pid, "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "started": _dt.datetime.now().isoformat(timespec="milliseconds")}


def _draw_chunk(spec: JobSpec, r: RendererProtocol, plan: Sequence[tuple[int, bool]], feeds: Any,
                encoder: Encoder, tmp: str | None) -> tuple[int, list[tuple[int, bytes]]]:
    """Draw ``plan``; write its frames (or, streaming into ``tmp``, collect their bytes).
    Returns (frames written, [(frame, file bytes)] when streaming)."""
    opts = spec.opts
    suffix = Path(spec.pattern).suffix or ".png"
    files: list[tuple[int, bytes]] = []
    written = 0
    for frame, write, pixels in draw_plan(r, plan, fps=opts.fps, offset=opts.offset, date=opts.date,
                                          dtype=spec.dtype, feeds=feeds):
        if not write:
            continue
        if tmp is not None:
            encoder.submit(lambda *a: files.append(_encode(*a)), tmp, suffix, frame, pixels, opts.encoding)
        else:
            encoder.submit(_write_image, _frame_path(spec.pattern, frame), pixels, opts.encoding)
        written += 1
    encoder.drain()
    return written, files


def _run_chunk(spec: JobSpec, first: int, last: int, entry: dict[str, Any]) -> None:
    """Render frames ``first..last`` on this process's cached context (under ``_LOCK``)."""
    backend = spec.opts.settings.backend
    doc = _load_document(spec)
    history = history_of(doc)
    check_run_length(first, last, history, spec.opts.preroll)
    plan = plan_frames(range(first, last + 1), history, spec.opts.preroll)
    values, feeds = job_inputs(spec.opts, doc)
    encoder = Encoder(spec.opts.jobs)
    tmp = tempfile.mkdtemp(prefix="offscreen-isf-") if spec.stream else None
    ok = False
    try:
        try:
            r, reused = _renderer(spec, doc, _needs_fresh_state(history, plan))
        except ISFError:
            _drop_context(backend)     # a broken context: the retry opens a new one
            raise
        start_plan(r, doc, values, feeds, plan)
        written, files = _draw_chunk(spec, r, plan, feeds, encoder, tmp)
        ok = True
    except BaseException:
        _drop_renderer((spec.key, backend))
        raise
    finally:
        encoder.shutdown(cancel=not ok)
        feeds.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    info = r.context.info
    entry.update(backend=r.context.backend, renderer=info.renderer if info else None, reused_renderer=reused,
                 written=written, prerolled=sum(not w for _, w in plan), drawn=len(plan))
    if tmp is not None:
        entry["files"] = dict(files)


def render_chunk(spec: JobSpec, index: int, first: int, last: int) -> dict[str, Any]:
    """Render frames ``first..last`` of ``spec`` (one task; runs on a worker).

    Writes the frame files (or, streaming, returns their bytes under ``"files"``) and returns
    the chunk's manifest entry.  Deterministic errors are returned under ``"error"`` (so Dask
    does not retry them); anything else is raised and retried.
    """
    started = _time.perf_counter()
    entry = _chunk_entry(spec, index, first, last)
    try:
        with _LOCK:
            _run_chunk(spec, first, last, entry)
    except DETERMINISTIC as exc:
        entry["error"] = exc
    entry["seconds"] = round(_time.perf_counter() - started, 3)
    return entry


# -- the client ----------------------------------------------------------------------------

def split_chunks(frames: Iterable[int], size: int) -> list[tuple[int, int]]:
    """Consecutive runs of ``frames`` cut into (first, last) chunks of at most ``size`` frames."""
    chunks: list[tuple[int, int]] = []
    for f in sorted(set(frames)):
        if chunks and f == chunks[-1][1] + 1 and f - chunks[-1][0] < size:
            chunks[-1] = (chunks[-1][0], f)
        else:
            chunks.append((f, f))
    return chunks


def default_chunk_size(count: int, workers: int, persistent: bool, preroll: int | None) -> int:
    """Frames per chunk: ``max(1, ceil(count / (4 * workers)))`` (several chunks per worker
    balance uneven machines and make retries cheap).  Shaders with persistent buffers (and no
    ``preroll`` override) pre-roll every chunk from frame 0, so more chunks only add drawing:
    they get one chunk per worker, ``ceil(count / workers)``."""
    workers = max(1, workers)
    if persistent and preroll is None:
        return max(1, math.ceil(count / workers))
    return max(1, math.ceil(count / (4 * workers)))


def _worker_plugin(backend: str | None) -> Any:
    """A WorkerPlugin that pins ``OFFSCREEN_ISF_BACKEND`` (before OpenGL is imported) and closes
    the worker's cached contexts on teardown."""
    from distributed.diagnostics.plugin import WorkerPlugin  # noqa: PLC0415

    class GLWorkerPlugin(WorkerPlugin):
        """Per-worker GL setup for offscreen-isf (see :mod:`offscreen_isf.farm.distributed`)."""

        name = "offscreen-isf"

        def __init__(self, backend: str | None) -> None:
            self.backend = backend

        def setup(self, worker: Any) -> None:
            if self.backend and "OpenGL" not in sys.modules:
                os.environ["OFFSCREEN_ISF_BACKEND"] = self.backend

        def teardown(self, worker: Any) -> None:
            close_worker_cache()

    return GLWorkerPlugin(backend)


def _register(client: Any, plugin: Any) -> None:
    if hasattr(client, "register_plugin"):
        client.register_plugin(plugin, name=plugin.name)
    else:                                            # distributed < 2023.9
        client.register_worker_plugin(plugin, name=plugin.name)


def _write_bytes(path: str, data: bytes) -> None:
    """Write a streamed frame file atomically (complete or absent, like worker writes)."""
    from ..media.output import _atomic_write  # noqa: PLC0415

    def put(fh: BinaryIO) -> None:
        fh.write(data)

    try:
        _atomic_write(Path(path), put)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _job_key(opts: RenderOptions, sha: str) -> str:
    """What makes a compiled renderer reusable: shader bytes, input settings and every renderer
    option (the settings' repr lists each field, so a new option is part of the key)."""
    fields = [sha, opts.sets, opts.images, opts.audios, repr(opts.settings)]
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()[:16]


def _check_request(opts: RenderOptions, *, client: Any, workers: int | None, scheduler: str | None,
                   chunk_size: int | None, retries: int, gpus: str | None = None) -> None:
    """UsageError for what a distributed run cannot do."""
    if output_kind(opts.output, opts.frames[1] > opts.frames[0]) != "images":
        raise UsageError("distributed rendering writes image sequences (-o out/f_%05d.png): render PNG "
                         "chunks, then encode them once with ffmpeg")
    if opts.step != 1:
        raise UsageError("a --frames step (A-BxS) is not supported with --workers/--scheduler: "
                         "render the range, or run one job per frame list")
    from ..media.formats import image_format  # noqa: PLC0415

    image_format(opts.output.replace("#", "0")).require()   # before any worker starts
    if opts.settings.isolate:
        raise UsageError("--isolate is not supported with --workers/--scheduler (each worker is "
                         "already a separate process that the cluster replaces if it dies)")
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if chunk_size is not None and chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    if retries < 0:
        raise UsageError("retries must be >= 0")
    if sum(x is not None for x in (client, scheduler, workers)) > 1:
        raise UsageError("give one of client, scheduler (--scheduler) or workers (--workers)")
    if gpus is not None:
        if client is not None or scheduler is not None:
            raise UsageError("--gpus starts this machine's GPU workers; with a remote scheduler run "
                             "`offscreen-isf workers ADDRESS --gpus all` on each GPU node instead")
        if workers is not None:
            raise UsageError("give --workers N or --gpus, not both (--gpus starts one worker per GPU)")
        if opts.settings.backend not in (None, "egl"):
            raise UsageError(f"--gpus renders with EGL on NVIDIA GPUs, not {opts.settings.backend}")


@dataclass
class _Run:
    """The client's view of one distributed run: the job, its frames and its summary."""

    spec: JobSpec
    history: Any
    paths: dict[int, str]          # frame -> file
    todo: list[int]                # frames not already complete
    manifest_path: Path | None
    summary: dict[str, Any]


def _plan_run(opts: RenderOptions, stream: bool, manifest: str | os.PathLike[str] | bool | None) -> _Run:
    """Read the shader, fix DATE and absolute paths, find complete frames (``resume``)."""
    from ..isf.document import load  # noqa: PLC0415

    source = Path(opts.shader)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read shader {source}: {exc.strerror or exc}") from None
    doc = load(source, allow_paths=opts.settings.allow_paths)
    history = history_of(doc)
    dtype = output_dtype(doc, opts.dtype)
    date = run_date(opts)
    opts = dataclasses.replace(opts, date=date, shader=str(source.resolve()))
    first, final = opts.frames
    frames = list(range(first, final + 1))
    pattern = str(Path(frame_pattern(opts.output, len(frames) > 1)).resolve())   # workers share it
    paths = {f: _frame_path(pattern, f) for f in frames}
    complete: set[int] = set()
    if opts.resume:
        from ..media.formats import frame_is_complete  # noqa: PLC0415

        _sweep_temporaries(list(paths.values()))
        complete = {f for f, p in paths.items() if frame_is_complete(p, opts.settings.size, dtype)}
    sha = hashlib.sha256(raw).hexdigest()
    spec = JobSpec(job=uuid.uuid4().hex[:12], opts=opts, pattern=pattern, dtype=dtype, stream=stream,
                   shader_text=raw.decode("utf-8", errors="replace"), shader_sha256=sha,
                   portable=not doc.imported and doc.vertex_path is None, key=_job_key(opts, sha))
    manifest_path = (None if manifest is False else
                     Path(manifest) if isinstance(manifest, (str, os.PathLike)) else
                     Path(pattern).parent / "manifest.json")
    summary: dict[str, Any] = {
        "shader": str(source), "output": pattern, "kind": "images", "size": list(opts.settings.size),
        "fps": opts.fps, "frames": [first, final], "dtype": dtype, "date": date.isoformat(timespec="seconds"),
        "history": {"persistent": history.persistent, "frameindex": history.frameindex,
                    "timedelta": history.timedelta},
        "written": 0, "skipped": len(complete), "prerolled": 0, "rendered": 0, "backend": None,
        "renderer": None, "seconds": 0.0, "frames_per_second": 0.0, "mode": "stream" if stream else "shared",
        "workers": 0, "chunks": [], "manifest": str(manifest_path) if manifest_path else None,
    }
    return _Run(spec, history, paths, [f for f in frames if f not in complete], manifest_path, summary)


@contextlib.contextmanager
def _cluster(distributed: Any, backend: str | None, client: Any, scheduler: str | None,
             workers: int | None, gpus: str | None = None) -> Iterator[Any]:
    """The client to submit to: ``client``, one for ``scheduler``, a cluster of one pinned
    worker per GPU for ``gpus`` (:mod:`.gpus`), or a LocalCluster's of ``workers`` processes
    (closed on exit, with the cluster, when opened here)."""
    if client is not None:
        yield client
        return
    if scheduler is not None:
        with distributed.Client(scheduler) as own:
            yield own
        return
    import logging  # noqa: PLC0415

    env = {"OFFSCREEN_ISF_BACKEND": backend} if backend else {}
    if not backend and os.environ.get("OFFSCREEN_ISF_BACKEND") and gpus is None:
        env["OFFSCREEN_ISF_BACKEND"] = os.environ["OFFSCREEN_ISF_BACKEND"]
    if gpus is not None:
        cluster = local_cluster(distributed, gpu_ids(gpus), silence_logs=logging.ERROR)
    else:
        cluster = distributed.LocalCluster(
            n_workers=workers or max(1, os.cpu_count() or 1), threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR, env=env)
    try:
        with distributed.Client(cluster) as own:
            yield own
    finally:
        cluster.close()


def _gather(distributed: Any, client: Any, run: _Run, chunks: list[tuple[int, int]], opts: RenderOptions,
            retries: int) -> dict[int, dict[str, Any]]:
    """Submit one task per chunk; write streamed frames as chunks finish; their entries by index."""
    from tqdm import tqdm  # noqa: PLC0415

    spec = run.spec
    futures = {client.submit(render_chunk, spec, i, a, b, key=f"offscreen-isf-{spec.job}-{i:05d}",
                             retries=retries, pure=False): i for i, (a, b) in enumerate(chunks)}
    entries: dict[int, dict[str, Any]] = {}
    bar = tqdm(total=len(run.todo), unit="frame", desc="render", disable=_bar_disabled(opts),
               file=sys.stderr, dynamic_ncols=True)
    try:
        for fut in distributed.as_completed(list(futures)):
            index = futures[fut]
            try:
                entry = fut.result()
            except ISFError:
                raise
            except Exception as exc:
                a, b = chunks[index]
                raise ChunkFailed(f"chunk {index} (frames {a}-{b}) failed after {retries + 1} attempt(s): "
                                  f"{type(exc).__name__}: {exc}") from exc
            if "error" in entry:
                raise entry["error"]
            for frame, data in sorted(entry.pop("files", {}).items()):
                _write_bytes(run.paths[frame], data)
            entries[index] = entry
            bar.update(entry["written"])
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        bar.close()
    return entries


def _count_attempts(client: Any, job: str, entries: dict[int, dict[str, Any]]) -> None:
    """Each entry's ``attempts``, from the scheduler's event log (at least 1)."""
    attempts: dict[int, int] = {}
    try:
        for _, msg in client.get_events(EVENT_TOPIC):
            if isinstance(msg, dict) and msg.get("job") == job:
                attempts[msg["chunk"]] = attempts.get(msg["chunk"], 0) + 1
    except (OSError, KeyError, TypeError):
        pass      # event log unavailable: attempts stay at their minimum of 1
    for index, entry in entries.items():
        entry["attempts"] = max(1, attempts.get(index, 1))


def run_distributed(opts: RenderOptions, *, client: Any = None, workers: int | None = None,
                    scheduler: str | None = None, chunk_size: int | None = None, stream: bool = False,
                    retries: int = 2, manifest: str | os.PathLike[str] | bool | None = None,
                    gpus: str | None = None) -> dict[str, Any]:
    """Render ``opts`` (an image sequence) across a Dask cluster; returns the run's summary.

    Cluster: ``client`` (a ``distributed.Client``), else ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``), else a LocalCluster of ``workers`` processes (default: CPU
    cores), one thread each, with ``OFFSCREEN_ISF_BACKEND`` set to ``opts.settings.backend``.
    ``chunk_size``: frames per task (default :func:`default_chunk_size`).  ``stream``:
    workers send encoded frames to this process, which writes them (no shared filesystem
    needed).  ``retries``: extra attempts per failed chunk.  ``manifest``: path of the JSON
    manifest (default ``<output folder>/manifest.json``; False: none).  ``gpus``: instead of
    ``workers``, one worker process per GPU on this machine, each pinned to its GPU (``"all"``
    or CUDA ids such as ``"0,1"``; :mod:`offscreen_isf.farm.gpus`).
    """
    distributed = _import_distributed()
    _check_request(opts, client=client, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                   retries=retries, gpus=gpus)
    started = _time.perf_counter()
    run = _plan_run(opts, stream, manifest)
    summary = run.summary
    if not run.todo:
        summary["seconds"] = round(_time.perf_counter() - started, 3)
        return summary
    with _cluster(distributed, opts.settings.backend, client, scheduler, workers, gpus) as cluster_client:
        _register(cluster_client, _worker_plugin(opts.settings.backend))
        info = cluster_client.scheduler_info()
        nworkers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        summary["workers"] = len(info.get("workers", {}))
        size = chunk_size or default_chunk_size(len(run.todo), nworkers, run.history.persistent, opts.preroll)
        summary["chunk_size"] = size
        t0 = _time.perf_counter()
        entries = _gather(distributed, cluster_client, run, split_chunks(run.todo, size), opts, retries)
        elapsed = _time.perf_counter() - t0
        _count_attempts(cluster_client, run.spec.job, entries)
    _sweep_temporaries(list(run.paths.values()))      # leftovers of attempts on workers that died
    ordered = [entries[i] for i in sorted(entries)]
    summary.update(written=sum(e["written"] for e in ordered), prerolled=sum(e["prerolled"] for e in ordered),
                   rendered=sum(e["drawn"] for e in ordered),
                   backend=", ".join(sorted({e["backend"] for e in ordered})),
                   renderer=", ".join(sorted({e["renderer"] for e in ordered})), chunks=ordered,
                   frames_per_second=round(len(run.todo) / elapsed, 2) if elapsed > 0 else 0.0,
                   seconds=round(_time.perf_counter() - started, 3))
    if run.manifest_path is not None:
        _write_bytes(str(run.manifest_path), (json.dumps(_manifest(summary, run.spec, scheduler, retries),
                                                         indent=2) + "\n").encode())
    return summary


def _manifest(summary: dict[str, Any], spec: JobSpec, scheduler: str | None, retries: int) -> dict[str, Any]:
    """The manifest document: the job, then one entry per chunk."""
    job = {k: summary[k] for k in ("shader", "output", "size", "fps", "frames", "dtype", "date", "history",
                                   "mode", "workers", "chunk_size", "written", "skipped", "prerolled",
                                   "rendered", "seconds", "frames_per_second")}
    job.update(id=spec.job, shader_sha256=spec.shader_sha256, scheduler=scheduler, retries=retries,
               offset=spec.opts.offset, sets=spec.opts.sets, images=spec.opts.images, audios=spec.opts.audios,
               preroll=spec.opts.preroll)
    return {"job": job, "chunks": summary["chunks"]}


#: render_range keywords kept under their old names -> the RenderSettings field
_RENAMED = {"root": "input_root"}


def render_range(shader: str | os.PathLike[str], frames: tuple[int, int] | int | str,
                 output: str | os.PathLike[str], *, size: tuple[int, int] = (640, 360), fps: float = 30.0,
                 client: Any = None, workers: int | None = None, scheduler: str | None = None,
                 gpus: str | None = None, chunk_size: int | None = None, stream: bool = False, retries: int = 2,
                 manifest: str | os.PathLike[str] | bool | None = None, progress: bool | None = None,
                 settings: RenderSettings | None = None, **options: Any) -> dict[str, Any]:
    """Render ``frames`` of ``shader`` to the numbered sequence ``output`` on a Dask cluster.

    ``frames``: (first, last) inclusive, a count N (0..N-1) or ``"A-B"``.  ``output``: a
    pattern such as ``"out/f_%05d.png"`` (absolute frame numbers).  ``client=None`` starts a
    LocalCluster of ``workers`` processes unless ``scheduler`` names one; ``gpus`` (``"all"``
    or ``"0,1"``) starts one worker per GPU instead, each pinned to its GPU.  Other keywords are
    :class:`~offscreen_isf.farm.batch.RenderOptions` fields (``sets=["level=0.3"]``, ``date=``,
    ``preroll=``, ``resume=``, ``png_level=``, ``jobs=`` …) or renderer options
    (:class:`~offscreen_isf.contract.RenderSettings` fields: ``backend=``, ``max_size=``,
    ``draw_flipped=`` …, applied on top of ``settings``).  ``progress``: None shows a bar only
    on a terminal.  Returns the summary (also in ``manifest.json``).
    """
    if isinstance(frames, str):
        span = parse_frames(frames)
    elif isinstance(frames, int):
        span = parse_frames(str(frames))
    else:
        span = (int(frames[0]), int(frames[1]))
    options = {_RENAMED.get(k, k): v for k, v in options.items()}
    job_fields = {f.name for f in dataclasses.fields(RenderOptions)} - {"settings"}
    unknown = sorted(set(options) - job_fields - set(FIELD_NAMES))
    if unknown:
        valid = ", ".join(sorted(job_fields | set(FIELD_NAMES)))
        raise UsageError(f"unknown render option(s) {', '.join(unknown)}; valid: {valid}")
    renderer_options = {k: options.pop(k) for k in list(options) if k in FIELD_NAMES}
    settings = (settings or RenderSettings()).replace(size=size, **renderer_options)
    options.setdefault("jobs", min(2, default_jobs()))
    opts = RenderOptions(shader=os.fspath(shader), output=os.fspath(output), frames=span, fps=fps,
                         progress=progress, settings=settings, **options)
    return run_distributed(opts, client=client, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                           stream=stream, retries=retries, manifest=manifest, gpus=gpus)
