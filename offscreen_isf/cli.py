"""The ``offscreen-isf`` command line.

Subcommands: ``render`` (an ISF file to PNG frames), ``info`` (what a shader declares),
``validate`` (parse + compile files or folders), ``backends`` (what can render here, and
how to fix what cannot) and ``demo`` (the bundled example, or ``--pattern`` for the
built-in test pattern).
Every deliberate failure prints ``error: ...`` (and ``fix: ...``) and exits 2;
success exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ISFError

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, got {text!r}") from None
    return w, h


def cmd_backends(args: argparse.Namespace) -> int:
    from . import backends  # noqa: PLC0415

    statuses = backends.available()
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], indent=2))
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
            else:
                print(f"        reason:   {s.reason}\n        fix:      {s.fix}")
    return EXIT_OK if any(s.ok for s in statuses) else EXIT_FAIL


EXAMPLE = Path(__file__).resolve().parent / "examples" / "demo.fs"


def cmd_demo(args: argparse.Namespace) -> int:
    from .context import Context  # noqa: PLC0415
    from .output import write_png  # noqa: PLC0415

    if not args.pattern:
        args.shader, args.time, args.frames, args.fps, args.inputs = str(EXAMPLE), 0.0, 60, 30.0, []
        args.dtype = None
        return cmd_render(args)
    from .testpattern import TestPattern  # noqa: PLC0415

    with Context(args.backend) as ctx:
        out = write_png(args.output, TestPattern(ctx).render(*args.size))
        print(f"wrote {out} ({args.size[0]}x{args.size[1]}) with {ctx.backend}: {ctx.info.renderer}")
    return EXIT_OK


def _parse_input(doc: Any, assignment: str) -> tuple[str, Any]:
    """``name=value`` -> (name, value) typed by the input's declaration.

    Numbers and JSON arrays are parsed as JSON; ``a,b[,c,d]`` is a vector; anything else
    (a path, a LABELS entry, true/false words) is passed as text for the input to coerce.
    """
    from .errors import InputError  # noqa: PLC0415

    name, sep, text = assignment.partition("=")
    if not sep:
        raise InputError(f"--input expects name=value, got {assignment!r}")
    inp = doc.input(name.strip())
    if inp.is_image:
        return inp.name, text
    lowered = text.strip().lower()
    words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
    if lowered in words:
        return inp.name, words[lowered]
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = [float(v) for v in text.split(",")] if "," in text else text
    return inp.name, value


def _frame_path(pattern: str, index: int, frames: int) -> str:
    if frames == 1 and "%" not in pattern:
        return pattern
    if "%" not in pattern:
        stem, dot, ext = pattern.rpartition(".")
        pattern = f"{stem}_%04d.{ext}" if dot else f"{pattern}_%04d"
    return pattern % index


def cmd_render(args: argparse.Namespace) -> int:
    from tqdm import tqdm  # noqa: PLC0415

    from .output import write_png  # noqa: PLC0415
    from .renderer import Renderer  # noqa: PLC0415

    if args.frames < 1 or args.fps <= 0:
        raise argparse.ArgumentTypeError("--frames must be >= 1 and --fps > 0")
    with Renderer(args.shader, args.size, backend=args.backend) as r:
        r.set_inputs(**dict(_parse_input(r.document, a) for a in args.inputs))
        times = [args.time + i / args.fps for i in range(args.frames)]
        written = []
        show = args.frames > 1 and not args.quiet
        for i, (t, frame) in enumerate(tqdm(r.render_frames(times, dtype=args.dtype), total=len(times),
                                            unit="frame", disable=not show, desc="render")):
            written.append(write_png(_frame_path(args.output, i, args.frames), frame))
        ctx = r.context
        where = str(written[0]) if len(written) == 1 else f"{len(written)} frames {written[0]} .. {written[-1]}"
        if not args.quiet:
            print(f"wrote {where} ({args.size[0]}x{args.size[1]}) with {ctx.backend}: {ctx.info.renderer}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from .document import load  # noqa: PLC0415
    from .inputs import input_summary  # noqa: PLC0415

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
    from .context import Context  # noqa: PLC0415
    from .document import load  # noqa: PLC0415
    from .renderer import Renderer  # noqa: PLC0415

    files = _shader_files(args.paths)
    results = []
    ctx = None if args.parse_only else Context(args.backend).open()
    try:
        for f in files:
            entry: dict[str, Any] = {"path": str(f), "ok": True, "error": None}
            try:
                doc = load(f)
                if ctx is not None:
                    r = Renderer(doc, (64, 64), context=ctx)
                    try:
                        r.compile()
                    finally:
                        r.release()
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="offscreen-isf",
                                     description="Render ISF shaders headless (EGL, OSMesa, CGL).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backends", help="list backends: usable (GL strings) or why not and the fix")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_backends)
    backend_help = "egl, osmesa or cgl (default: $OFFSCREEN_ISF_BACKEND, then the platform default)"
    p = sub.add_parser("render", help="render an ISF shader to PNG (one frame or a sequence)")
    p.add_argument("shader", help="the .fs file")
    p.add_argument("-o", "--output", default="out/frame.png",
                   help="PNG path; with --frames > 1 a printf pattern like out/f_%%04d.png "
                        "(default: %(default)s, numbered as frame_0000.png ...)")
    p.add_argument("--size", type=_size, default=(1920, 1080), help="WIDTHxHEIGHT in pixels (default: 1920x1080)")
    p.add_argument("--time", type=float, default=0.0, help="TIME of the first frame in seconds (default: 0)")
    p.add_argument("--frames", type=int, default=1, help="number of frames (default: 1)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second for TIME steps (default: 30)")
    p.add_argument("-i", "--input", dest="inputs", action="append", default=[], metavar="NAME=VALUE",
                   help="set an input: level=0.3, tint=1,0,0,1, inputImage=photo.png (repeatable)")
    p.add_argument("--float", dest="dtype", action="store_const", const="float32", default=None,
                   help="16-bit PNGs from float readback (default: 8-bit unless the last pass is FLOAT)")
    p.add_argument("--backend", default=None, help=backend_help)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("info", help="describe a shader: kind, inputs, passes, imports")
    p.add_argument("shader")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("validate", help="parse and compile shaders (files or folders, recursively)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true")
    p.add_argument("--parse-only", action="store_true", help="no GL: only parse the documents")
    p.add_argument("--backend", default=None, help=backend_help)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("demo", help="render the bundled example (60 frames) or the test pattern")
    p.add_argument("-o", "--output", default="out/demo/frame_%04d.png", help="PNG path or pattern (default: %(default)s)")
    p.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT in pixels (default: 640x360)")
    p.add_argument("--pattern", action="store_true", help="draw the built-in test pattern instead (one PNG)")
    p.add_argument("--backend", default=None, help=backend_help)
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Shader warnings (ISFWarning) as one clean line each, not Python's source echo.
    warnings.formatwarning = lambda message, category, *rest, **kw: f"warning: {message}\n"
    try:
        return int(args.func(args))
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
        return EXIT_ERROR
    except ISFError as exc:
        fix = getattr(exc, "fix", None)
        message = str(exc).split(" -> ")[0] if fix else str(exc)
        print(f"error: {message}", file=sys.stderr)
        if fix:
            print(f"fix: {fix}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
