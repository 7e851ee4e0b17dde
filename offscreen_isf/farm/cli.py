"""The ``offscreen-isf`` command line.

Subcommands: ``render`` (an ISF file to an image, a numbered sequence, a video or raw RGBA
on stdout: frame ranges, pre-roll, resume; see :mod:`offscreen_isf.farm.batch` and
``docs/render-farm.md``), ``info`` (what a shader declares), ``validate`` (parse + compile
files or folders), ``gallery`` (an HTML page of every shader in a folder: thumbnails,
inputs, errors), ``backends`` (what can render here, and how to fix what cannot) and
``demo`` (the bundled example, or ``--pattern`` for the built-in test pattern).

Every deliberate failure prints one line ``error: ...`` (and ``fix: ...`` when there is
one) to stderr, with no traceback unless ``--debug``; with ``--json`` it also prints one JSON
object ``{"ok": false, "exit_code", "error" (the class), "text", "message", ...fields}`` to
stdout (stderr when frames go to stdout).  ``-v``/``--version`` prints the version.  Exit codes:

====  ====================================================================================
code  meaning
====  ====================================================================================
0     success
1     ``validate``/``gallery``: some shader failed; ``backends``: no usable backend
2     usage: bad or contradictory arguments (argparse's code); an optional extra that is
      not installed (video, tiff, dask: :class:`~offscreen_isf.errors.MissingExtraError`)
3     shader: parse or compile error (also: shader file not found)
4     backend: no usable GL backend, context lost, driver/GL error
5     input: a bad ``--set``/``--image``/``--audio`` value or file, size over the GL limit
6     I/O: an output could not be written (disk, permissions, ffmpeg failed, broken pipe)
70    internal error (a bug: please report it with the ``--debug`` traceback)
130   interrupted (SIGINT, or SIGTERM from a scheduler)
====  ====================================================================================
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import json
import math
import shlex
import signal
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ..contract import RenderSettings, cli_fields
from ..errors import (
    BackendError,
    CompileError,
    InputError,
    ISFError,
    LifecycleError,
    OutputError,
    ParseError,
    RenderCrashed,
    RenderError,
    RenderTimeout,
    ResourceLimitError,
    UsageError,
)
from ..media.output import DEFAULT_PNG_LEVEL
from .batch import RenderOptions

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_SHADER, EXIT_BACKEND, EXIT_INPUT, EXIT_IO = 3, 4, 5, 6
EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130
EXIT_ERROR = EXIT_USAGE   # kept for callers of the old name

#: exception type -> exit code, most specific first
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ParseError, EXIT_SHADER), (CompileError, EXIT_SHADER),
    (BackendError, EXIT_BACKEND), (LifecycleError, EXIT_BACKEND), (RenderError, EXIT_BACKEND),
    (RenderTimeout, EXIT_BACKEND), (RenderCrashed, EXIT_BACKEND),
    (InputError, EXIT_INPUT), (ResourceLimitError, EXIT_INPUT),
    (OutputError, EXIT_IO), (OSError, EXIT_IO),
)


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception (table in the module docstring)."""
    for kind, code in EXIT_CODES:
        if isinstance(exc, kind):
            return code
    if isinstance(exc, ISFError):   # e.g. a crashed render child: runtime failures are the backend's
        return EXIT_BACKEND if isinstance(exc, RuntimeError) else EXIT_FAIL
    return EXIT_INTERNAL


def _finite(text: str) -> float:
    """A command-line number that must be finite: ``nan``, ``inf`` and ``1e400`` are usage
    errors (they would otherwise reach frame counts and deadlines as NaN or infinity)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text[:40]!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text[:40]!r}")
    return value


def _size(text: str) -> tuple[int, int]:
    """``"WxH"`` -> (width, height) in pixels."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, got {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"size must be at least 1x1 pixels, got {text!r}")
    return w, h


def _egl_devices() -> list[dict[str, Any]]:
    """The EGL devices in ``--device`` order (NVIDIA GPUs by CUDA id, as
    ``CUDA_VISIBLE_DEVICES`` shows them): index, description, CUDA id (None for others),
    software or not; the enumeration's error as a one-item list with ``error``."""
    from offscreen_isf.backends import egl  # noqa: PLC0415

    try:
        return [{"index": i, "description": d.describe(), "cuda_id": d.cuda_id, "software": d.software}
                for i, d in enumerate(egl.list_devices())]
    except ISFError as exc:
        return [{"error": f"devices not listed: {exc}"}]


def cmd_backends(args: argparse.Namespace) -> int:
    import offscreen_isf.backends as backends  # noqa: PLC0415

    statuses = backends.available()
    if args.json:
        rows = [s.as_dict() for s in statuses]
        for row in rows:
            if row["name"] == "egl" and row["ok"]:
                row["devices"] = _egl_devices()
        print(json.dumps(rows, indent=2))
    else:
        default = None
        try:
            default = backends.resolve()
        except ISFError:
            pass
        for s in statuses:
            mark = "usable" if s.ok else "unavailable"
            star = " (default)" if s.name == default else ""
            print(f"{s.name:7} {mark}{star}")
            if s.ok and s.info is not None:
                print(f"        renderer: {s.info.renderer}\n        vendor:   {s.info.vendor}\n"
                      f"        version:  {s.info.version} (GLSL {s.info.glsl_version})\n"
                      f"        device:   {s.info.device}")
                if s.name == "egl":
                    print("".join(f"        --device {d['index']}: {d['description']}\n" if "index" in d
                                  else f"        {d['error']}\n" for d in _egl_devices()), end="")
            else:
                print(f"        reason:   {s.reason}\n        fix:      {s.fix}")
    return EXIT_OK if any(s.ok for s in statuses) else EXIT_FAIL


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo.fs"


def cmd_demo(args: argparse.Namespace) -> int:
    from ..gl.context import Context  # noqa: PLC0415
    from ..media.output import write_png  # noqa: PLC0415

    if not args.pattern:
        argv = ["render", str(EXAMPLE), "-o", args.output, "--size", f"{args.size[0]}x{args.size[1]}",
                "--frames", "0-59", "--fps", "30"] + (["-q"] if args.quiet else [])
        if args.backend:
            argv += ["--backend", args.backend]
        return cmd_render(build_parser().parse_args(argv))
    from ..gl.testpattern import TestPattern  # noqa: PLC0415

    with Context(args.backend) as ctx:
        out = write_png(args.output, TestPattern(ctx).render(*args.size))
        print(f"wrote {out} ({args.size[0]}x{args.size[1]}) with {ctx.backend}: {ctx.info.renderer}")
    return EXIT_OK


def _render_options(args: argparse.Namespace) -> RenderOptions:
    """Check the render flags' combinations and turn them into :class:`RenderOptions`."""
    from .batch import MAX_FRAME, default_jobs, parse_frame_range  # noqa: PLC0415

    if args.fps is not None and args.fps <= 0:
        raise UsageError("--fps must be > 0")
    fps = args.fps or 30.0
    if args.frames is not None and args.duration is not None:
        raise UsageError("give --frames or --duration, not both")
    step = 1
    if args.duration is not None:
        if args.duration <= 0:
            raise UsageError("--duration must be > 0 seconds")
        count = max(1, round(args.duration * fps))
        if count > MAX_FRAME + 1:
            raise UsageError(f"--duration {args.duration:g} at {fps:g} fps is over {MAX_FRAME + 1} frames")
        frames, offset = (0, count - 1), args.time or 0.0
    elif args.frames is not None:
        first, last, step = parse_frame_range(args.frames)
        frames, offset = (first, last), args.time or 0.0
    else:                                   # one frame: at --time (default 0)
        frames, offset = (0, 0), args.time or 0.0
    if args.preroll is not None and args.preroll < 0:
        raise UsageError("--preroll must be >= 0")
    if args.jobs is not None and args.jobs < 0:
        raise UsageError("--jobs must be >= 0")
    date = None
    if args.date and args.date != "now":
        try:
            date = _dt.datetime.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date takes YYYY-MM-DD[THH:MM:SS] or 'now', got {args.date!r}") from None
    return RenderOptions(
        shader=args.shader, output=args.output, frames=frames, step=step, fps=fps, offset=offset,
        sets=list(args.sets), images=list(args.images), audios=list(args.audios), dtype=args.dtype,
        preroll=args.preroll, resume=args.resume,
        jobs=default_jobs() if args.jobs is None else args.jobs, png_level=args.png_level, date=date,
        quality=args.quality, exr_type=args.exr_type,
        codec=_codec(args), crf=args.crf, preset=args.preset, pix_fmt=args.pix_fmt,
        video_args=_split_video_args(args.video_args),
        progress=False if args.quiet else None, settings=_render_settings(args))


def _codec(args: argparse.Namespace) -> str | None:
    """``--codec`` for a video output: ``auto`` / NVENC resolved (UsageError for an NVENC
    encoder this machine cannot use); ``auto``'s fallback notice goes to stderr, one line."""
    from ..media.video import VIDEO_SUFFIXES, resolve_codec  # noqa: PLC0415

    given: str | None = args.codec
    if given is None or Path(args.output or "").suffix.lower() not in VIDEO_SUFFIXES:
        return given
    codec, notice = resolve_codec(args.output, given)
    if notice:
        print(f"offscreen-isf: {notice}", file=sys.stderr)
    return codec


def _split_video_args(values: list[str]) -> list[str]:
    """``--video-arg`` values split as a shell would (an unbalanced quote is a usage error)."""
    try:
        return [a for v in values for a in shlex.split(v)]
    except ValueError as exc:
        raise UsageError(f"--video-arg: {exc} (check the quotes)") from None


def _render_settings(args: argparse.Namespace) -> RenderSettings:
    """One :class:`RenderSettings` from the renderer flags that were given; a contradiction
    (``--timeout`` without ``--isolate``) or a bad value is a usage error."""
    given = {name: getattr(args, name) for name, _ in cli_fields()
             if getattr(args, name) not in (None, False, [])}
    if "timeout" in given and (not args.isolate or given["timeout"] <= 0):
        raise UsageError("--timeout needs --isolate and a positive number of seconds")
    try:
        return RenderSettings.from_options(**given)
    except InputError as exc:
        raise UsageError(str(exc)) from None


def cmd_render(args: argparse.Namespace) -> int:
    """``offscreen-isf render``: frames, sequences, video or raw RGBA (see :mod:`.batch`)."""
    from .batch import run_render  # noqa: PLC0415

    opts = _render_options(args)
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    gpus = getattr(args, "gpus", None)
    if workers is not None and scheduler is not None:
        raise UsageError("give --workers or --scheduler, not both")
    farm = workers is not None or scheduler is not None or gpus is not None
    if opts.settings.device is not None and farm:
        raise UsageError("--device picks one GPU for this process; Dask workers pick theirs from "
                         "their own OFFSCREEN_ISF_DEVICE or CUDA_VISIBLE_DEVICES (or use --gpus)")
    if not farm:
        if getattr(args, "chunk_size", None) is not None or getattr(args, "stream", False):
            raise UsageError("--chunk-size and --stream need --workers N, --gpus or --scheduler ADDRESS")
        summary = run_render(opts)
    else:
        from .distributed import run_distributed  # noqa: PLC0415

        summary = run_distributed(opts, workers=workers, scheduler=scheduler, chunk_size=args.chunk_size,
                                  stream=args.stream, gpus=gpus)
    if args.json:
        text = json.dumps(summary, indent=2)
        print(text, file=sys.stderr if args.output == "-" else sys.stdout)
    elif not args.quiet:
        first, last = summary["frames"]
        what = f"frame {first}" if first == last else f"frames {first}-{last}"
        where = summary["output"]
        parts = [f"{summary['written']} written"]
        if summary["skipped"]:
            parts.append(f"{summary['skipped']} already complete")
        if summary["prerolled"]:
            parts.append(f"{summary['prerolled']} pre-rolled")
        engine = f" with {summary['backend']}: {summary['renderer']}" if summary["backend"] else ""
        print(f"{what} -> {where} ({opts.settings.size[0]}x{opts.settings.size[1]}; {', '.join(parts)}){engine}",
              file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from ..isf.document import ISFWarning, load  # noqa: PLC0415
    from ..isf.inputs import input_summary  # noqa: PLC0415

    # The warnings are listed below (or in the JSON) once, not also as they are found.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        doc = load(args.shader)
    if args.json:
        print(json.dumps({
            "path": doc.name, "kind": doc.kind, "isfvsn": doc.vsn, "description": doc.description,
            "credit": doc.credit, "categories": doc.categories,
            "inputs": [{"name": i.name, "type": i.type, "default": i.default, "min": i.min, "max": i.max,
                        "values": i.values, "labels": i.labels} for i in doc.inputs],
            "passes": [{"target": p.target, "persistent": p.persistent, "float": p.float,
                        "width": str(p.width) if p.width else None,
                        "height": str(p.height) if p.height else None} for p in doc.passes],
            "imported": [{"name": i.name, "path": i.path} for i in doc.imported],
            "vertex_shader": str(doc.vertex_path) if doc.vertex_path else None,
            "warnings": doc.warnings}, indent=2, default=list))
        return EXIT_OK
    print(f"{doc.name}\n  kind: {doc.kind}   ISFVSN: {doc.vsn or '(none: v1)'}")
    for label, value in (("description", doc.description), ("credit", doc.credit)):
        if value:
            print(f"  {label}: {value}")
    if doc.categories:
        print(f"  categories: {', '.join(doc.categories)}")
    print(f"  inputs ({len(doc.inputs)}):")
    for inp in doc.inputs:
        print(f"    {input_summary(inp)}")
    print(f"  passes ({len(doc.passes)}):")
    for p in doc.passes:
        flags = [f for f, on in (("persistent", p.persistent), ("float", p.float)) if on]
        size = f" {p.width}x{p.height}" if p.width or p.height else ""
        print(f"    {p.index}: {p.target or '(output)'}{size}{' [' + ', '.join(flags) + ']' if flags else ''}")
    for imp in doc.imported:
        print(f"  imported: {imp.name} <- {imp.path}")
    if doc.vertex_path:
        print(f"  vertex shader: {doc.vertex_path}")
    for w in doc.warnings:
        print(f"  warning: {w}")
    return EXIT_OK


def _shader_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in (".fs", ".frag") and q.is_file()))
        else:
            files.append(p)
    return files


def cmd_validate(args: argparse.Namespace) -> int:
    from ..gl.context import Context  # noqa: PLC0415
    from ..isf.document import load  # noqa: PLC0415
    from .factory import open_renderer  # noqa: PLC0415

    files = _shader_files(args.paths)
    results = []
    ctx = None if args.parse_only else Context(args.backend).open()
    try:
        for f in files:
            entry: dict[str, Any] = {"path": str(f), "ok": True, "error": None}
            try:
                doc = load(f)
                if ctx is not None:
                    with open_renderer(doc, size=(64, 64), context=ctx) as r:
                        r.compile()
            except ISFError as exc:
                entry.update(ok=False, error=f"{type(exc).__name__}: {exc}")
            results.append(entry)
            if not args.json:
                print(f"{'ok  ' if entry['ok'] else 'FAIL'} {f}")
                if entry["error"]:
                    print("     " + entry["error"].replace("\n", "\n     "))
    finally:
        if ctx is not None:
            ctx.close()
    failed = sum(not r["ok"] for r in results)
    if args.json:
        print(json.dumps({"files": len(results), "failed": failed, "results": results}, indent=2))
    else:
        print(f"{len(results) - failed} of {len(results)} shader(s) valid"
              f"{'' if args.parse_only else ' (parsed and compiled)'}")
    if not results:
        print("error: no .fs files found", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK if failed == 0 else EXIT_FAIL


def cmd_workers(args: argparse.Namespace) -> int:
    """``offscreen-isf workers ADDRESS --gpus all``: this node's Dask workers, one per GPU,
    each pinned to its GPU (:mod:`.gpus`), until interrupted."""
    from .distributed import _import_distributed  # noqa: PLC0415
    from .gpus import serve_workers  # noqa: PLC0415

    serve_workers(_import_distributed(), args.scheduler, args.gpus)
    return EXIT_OK


def cmd_gallery(args: argparse.Namespace) -> int:
    """One HTML page of every shader under a folder (:mod:`.gallery`); exit 1 if any failed."""
    from .gallery import build_gallery, summary  # noqa: PLC0415

    folder, output = Path(args.folder), Path(args.output)
    if not folder.exists():
        raise UsageError(f"no such folder: {folder}")
    if output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"the gallery page must end in .html, got {output.name!r}")
    if args.timeout is not None and not args.isolate:
        raise UsageError("--timeout applies to isolated drawing: add --isolate")
    times = tuple(_finite(t) for t in args.times.split(","))
    entries = build_gallery(folder, output, backend=args.backend, size=args.size, times=times,
                            progress=False if args.quiet else None, isolate=args.isolate,
                            timeout=args.timeout)
    info = summary(entries)
    if args.json:
        print(json.dumps({"page": str(output), **info}, indent=2))
    elif not args.quiet:
        for rel, error in info["errors"].items():
            print(f"FAIL {rel}\n     " + str(error).replace("\n", "\n     "))
        print(f"{info['shaders'] - info['failed']} of {info['shaders']} shader(s) drawn; page: {output}")
    if not entries:
        print("error: no .fs files found", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK if info["failed"] == 0 else EXIT_FAIL


#: CliFlag.kind (offscreen_isf.contract) -> how argparse reads the flag, and its default
_FLAG_KINDS: dict[str, tuple[dict[str, Any], Any]] = {
    "switch": ({"action": "store_true"}, False),
    "size": ({"type": _size}, None),
    "seconds": ({"type": _finite}, None),
    "text": ({}, None),
    "paths": ({"action": "append"}, []),
}


def _add_settings_arguments(groups: dict[str, Any]) -> None:
    """One flag per :class:`~offscreen_isf.contract.RenderSettings` field that declares one
    (the field's ``metadata["cli"]``): a new renderer option gets its flag from its field."""
    for name, flag in cli_fields():
        kwargs, default = _FLAG_KINDS[flag.kind]
        extra = {"metavar": flag.metavar} if flag.metavar else {}
        groups[flag.group].add_argument(flag.flag, dest=name, help=flag.help, **kwargs, **extra,
                                        default=flag.default if flag.default is not None else default)


def _add_output_arguments(out: Any) -> None:
    out.add_argument("-o", "--output", default="out/frame.png", metavar="PATH",
                     help="an image by suffix (.png .tif .tiff .exr .jpg .jpeg .webp), a numbered "
                          "sequence (out/f_%%05d.exr or out/f_#####.png: the absolute frame number), "
                          "an animated preview (.gif; .webp for several frames without a number field), "
                          "a video (.mp4 .mov .webm .mkv) or - for raw RGBA frames on stdout; any other "
                          "suffix is refused (default: %(default)s; several image frames without a "
                          "number field get _%%04d)")
    out.add_argument("--float", dest="dtype", action="store_const", const="float32", default=None,
                     help="float readback: 16-bit PNG, float TIFF/EXR, float32 raw (default: "
                          "8-bit unless the last pass is FLOAT)")
    out.add_argument("--resume", action="store_true",
                     help="skip frames whose file is already complete (header and end checked); "
                          "stateful shaders are still drawn from frame 0")
    out.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                     help="encoder threads overlapping rendering (default: CPU cores, at most 8; "
                          "0 = encode inline)")
    out.add_argument("--png-compression", "--png-level", dest="png_level", type=int,
                     default=DEFAULT_PNG_LEVEL, choices=range(10), metavar="0-9",
                     help="PNG zlib level: 0 stores, 9 is smallest and slowest; the pixels are the "
                          "same at every level (default: %(default)s)")
    out.add_argument("--quality", type=int, default=95, choices=range(1, 101), metavar="1-100",
                     help="JPEG and WebP quality; WebP at 100 is lossless (default: %(default)s)")
    out.add_argument("--exr-type", default="half", choices=("half", "float"),
                     help="OpenEXR samples: 16-bit half or 32-bit float (default: %(default)s)")


def _add_time_arguments(when: Any) -> None:
    when.add_argument("--time", type=_finite, default=None, metavar="T",
                      help="TIME in seconds of a single frame; with --frames/--duration, an offset "
                           "added to every frame's TIME (default: 0)")
    when.add_argument("--fps", type=_finite, default=None, metavar="F", help="frames per second (default: 30)")
    when.add_argument("--frames", default=None, metavar="A-B",
                      help="frame range, inclusive (0-29), or a count N meaning 0..N-1")
    when.add_argument("--duration", type=_finite, default=None, metavar="SECONDS",
                      help="frames 0 .. round(SECONDS * fps) - 1")
    when.add_argument("--preroll", type=int, default=None, metavar="N",
                      help="draw N unwritten frames before the range instead of the automatic rule "
                           "(stateful shaders: from frame 0; TIMEDELTA: 1 frame)")
    when.add_argument("--date", default=None, metavar="ISO",
                      help="DATE for every frame, YYYY-MM-DD[THH:MM:SS] (default: the run's start; "
                           "pin it on farms when a shader reads DATE)")


def _add_input_arguments(val: Any) -> None:
    val.add_argument("--set", "-i", "--input", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                     help="set an input, typed by the shader: level=0.3, on=true, mode=2 or a label, "
                          "tint=1,0.5,0[,1] or tint=#ff8800, center=0.5,0.5, img=photo.png (repeatable)")
    val.add_argument("--image", dest="images", action="append", default=[], metavar="NAME=PATH",
                     help="an image input: a file, a numbered sequence in_%%05d.png (frame n reads "
                          "file n) or a video (frame n reads video frame n) (repeatable)")
    val.add_argument("--audio", dest="audios", action="append", default=[], metavar="NAME=FILE.wav",
                     help="an audio/audioFFT input: per frame, the samples starting at TIME (repeatable)")


def _add_video_arguments(vid: Any) -> None:
    vid.add_argument("--codec", default=None, help="encoder (default by suffix: mp4 libx264, mov prores_ks "
                                                     "4444, webm libvpx-vp9, mkv ffv1); h264_nvenc / hevc_nvenc "
                                                     "on an NVIDIA GPU; auto: NVENC when usable, else the default")
    vid.add_argument("--crf", type=int, default=None, help="quality, lower is better (x264 default 18, vp9 30)")
    vid.add_argument("--preset", default=None, help="encoder speed preset (x264: ultrafast .. veryslow)")
    vid.add_argument("--pix-fmt", default=None, help="output pixel format (default by suffix, e.g. yuv420p)")
    vid.add_argument("--video-arg", dest="video_args", action="append", default=[], metavar="ARGS",
                     help="extra ffmpeg output arguments, shell-split (repeatable): --video-arg='-tune film'")


def _add_farm_arguments(farm: Any) -> None:
    farm.add_argument("--workers", type=int, default=None, metavar="N",
                      help="render across N local worker processes (a dask LocalCluster on 127.0.0.1)")
    farm.add_argument("--gpus", default=None, metavar="all|IDS",
                      help="render across this machine's NVIDIA GPUs, one worker process per GPU pinned "
                           "to it (all, or CUDA ids such as 0,1); instead of --workers")
    farm.add_argument("--scheduler", default=None, metavar="ADDRESS",
                      help="render on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    farm.add_argument("--chunk-size", type=int, default=None, metavar="N",
                      help="frames per task (default: frames / (4 x workers); stateful shaders: "
                           "frames / workers, as every chunk pre-rolls from frame 0)")
    farm.add_argument("--stream", action="store_true",
                      help="workers send encoded frames back and this process writes them "
                           "(default: workers write -o themselves; it must be on a shared filesystem)")


def _add_run_arguments(run: Any) -> None:
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary line")
    run.add_argument("--json", action="store_true",
                     help="print a JSON summary (frames written/skipped/pre-rolled, timing, backend)")


#: the render subcommand's --help sections, in order, and what each holds besides the
#: renderer options that name it (contract.CliFlag.group)
_RENDER_GROUPS: tuple[tuple[str, Any], ...] = (
    ("output", _add_output_arguments),
    ("frames and time (TIME = frame / fps exactly)", _add_time_arguments),
    ("inputs", _add_input_arguments),
    ("video (ffmpeg from imageio-ffmpeg)", _add_video_arguments),
    ("untrusted shaders (see SECURITY.md)", None),
    ("distributed (dask; pip install 'offscreen-isf[dask]'; see docs/distributed.md)", _add_farm_arguments),
    ("run", _add_run_arguments),
)


def _add_render_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shader", help="the .fs file")
    groups: dict[str, Any] = {}
    for title, add in _RENDER_GROUPS:
        groups[title] = p.add_argument_group(title)
        if add is not None:
            add(groups[title])
    _add_settings_arguments(groups)


def _version() -> str:
    """The installed distribution's version (the package's ``__version__`` sits above this
    layer; the metadata says the same)."""
    try:
        return importlib.metadata.version("offscreen-isf")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed: run pip install -e . in the checkout)"


def _add_gallery_parser(sub: Any, common: argparse.ArgumentParser, backend_help: str) -> None:
    """The ``gallery`` subcommand's arguments (:func:`cmd_gallery`)."""
    p = sub.add_parser("gallery", parents=[common],
                       help="one static HTML page of every shader in a folder: thumbnails, inputs, errors")
    p.add_argument("folder", help="a folder (searched recursively for .fs/.frag) or one shader")
    p.add_argument("-o", "--output", default="gallery/index.html",
                   help="the HTML page; thumbnails go to <stem>_files/ beside it (default: %(default)s)")
    p.add_argument("--size", type=_size, default=(160, 90), help="thumbnail WIDTHxHEIGHT (default: 160x90)")
    p.add_argument("--times", default="0,1,2", metavar="T,T,...",
                   help="TIME in seconds of each thumbnail (default: %(default)s)")
    p.add_argument("--backend", default=None, help=backend_help)
    p.add_argument("--isolate", action="store_true",
                   help="draw each shader in a worker process (untrusted libraries: a hang or crash "
                        "is that shader's error; see SECURITY.md)")
    p.add_argument("--timeout", type=_finite, default=None, metavar="SECONDS",
                   help="with --isolate: the deadline of each compile or frame (default: the renderer's)")
    p.add_argument("--json", action="store_true", help="print a JSON summary (counts and errors)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=cmd_gallery)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (``--debug`` on each)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser = argparse.ArgumentParser(prog="offscreen-isf",
                                     description="Render ISF shaders headless (EGL, OSMesa, CGL).",
                                     epilog="exit codes: 0 ok, 1 validate/gallery/backends failed, 2 usage, "
                                            "3 shader parse/compile, 4 backend/GL, 5 input, 6 I/O, "
                                            "70 internal, 130 interrupted")
    parser.add_argument("-v", "--version", action="version", version=f"offscreen-isf {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backends", parents=[common],
                       help="list backends: usable (GL strings) or why not and the fix")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_backends)
    backend_help = "egl, osmesa or cgl (default: $OFFSCREEN_ISF_BACKEND, then the platform default)"
    p = sub.add_parser("render", parents=[common],
                       help="render a shader: one frame, a frame range, a sequence, a video or raw RGBA",
                       description="Render an ISF shader headless. Chunks are exact: frames A-B "
                                   "rendered alone equal those frames of a full run (stateful "
                                   "shaders pre-roll from frame 0). See docs/render-farm.md.",
                       epilog="exit codes: 0 ok, 2 usage, 3 shader parse/compile, 4 backend/GL, "
                              "5 input, 6 I/O, 70 internal, 130 interrupted")
    _add_render_arguments(p)
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("info", parents=[common], help="describe a shader: kind, inputs, passes, imports")
    p.add_argument("shader")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("validate", parents=[common],
                       help="parse and compile shaders (files or folders, recursively)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true")
    p.add_argument("--parse-only", action="store_true", help="no GL: only parse the documents")
    p.add_argument("--backend", default=None, help=backend_help)
    p.set_defaults(func=cmd_validate)
    _add_gallery_parser(sub, common, backend_help)
    p = sub.add_parser("workers", parents=[common],
                       help="start this node's Dask workers for a scheduler: one per GPU, pinned to it")
    p.add_argument("scheduler", metavar="ADDRESS", help="the Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--gpus", default="all", metavar="all|IDS",
                   help="which GPUs: all (default; every NVIDIA GPU EGL lists) or CUDA ids such as 0,1")
    p.set_defaults(func=cmd_workers)
    p = sub.add_parser("demo", parents=[common],
                       help="render the bundled example (60 frames) or the test pattern")
    p.add_argument("-o", "--output", default="out/demo/frame_%04d.png", help="PNG path or pattern (default: %(default)s)")
    p.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT in pixels (default: 640x360)")
    p.add_argument("--pattern", action="store_true", help="draw the built-in test pattern instead (one PNG)")
    p.add_argument("--backend", default=None, help=backend_help)
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


def _interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _first_line(exc: BaseException) -> str:
    """The message of ``exc`` for ``error: ...``: a BackendError without its ``-> fix`` tail;
    a compile log keeps its lines (indented), everything else is one line."""
    fix = getattr(exc, "fix", None)
    text = exc.message if fix and isinstance(exc, ISFError) else str(exc)
    if isinstance(exc, CompileError):
        head, _, rest = text.partition("\n")
        return head + ("".join(f"\n  {line}" for line in rest.splitlines()) if rest else "")
    return " ".join(text.split()) or type(exc).__name__


def _print_json_error(args: argparse.Namespace, exc: BaseException, code: int) -> None:
    """The ``--json`` failure object: ``{"ok": false, "exit_code", "error", "text", ...}``
    (the error's structured fields), on stdout unless raw frames go there."""
    body = exc.to_dict() if isinstance(exc, ISFError) else {
        "error": type(exc).__name__, "text": str(exc), "message": str(exc)}
    stream = sys.stderr if getattr(args, "output", None) == "-" else sys.stdout
    print(json.dumps({"ok": False, "exit_code": code, **body}, indent=2, default=str), file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (table in the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Shader warnings (ISFWarning) as one clean line each, not Python's source echo.
    warnings.formatwarning = lambda message, category, *rest, **kw: f"warning: {message}\n"
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _interrupt)   # schedulers stop jobs with SIGTERM: clean up
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except argparse.ArgumentTypeError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        code = exit_code_for(exc)
        if getattr(args, "json", False):
            _print_json_error(args, exc, code)
        if code == EXIT_INTERNAL:
            print(f"error: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
                  "traceback and report it)", file=sys.stderr)
            return code
        if isinstance(exc, OSError) and not isinstance(exc, ISFError):
            print(f"error: {exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}",
                  file=sys.stderr)
            return code
        print(f"error: {_first_line(exc)}", file=sys.stderr)
        fix = getattr(exc, "fix", None)
        if fix:
            print(f"fix: {fix}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
