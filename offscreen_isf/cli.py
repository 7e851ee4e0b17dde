"""The ``offscreen-isf`` command line.

Subcommands: ``backends`` (what can render here, and how to fix what cannot) and
``demo`` (render the built-in test pattern to a PNG through the chosen backend).
Every deliberate failure prints ``error: ...`` (and ``fix: ...``) and exits 2;
success exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

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


def cmd_demo(args: argparse.Namespace) -> int:
    from PIL import Image  # noqa: PLC0415

    from .context import Context  # noqa: PLC0415
    from .testpattern import TestPattern  # noqa: PLC0415

    with Context(args.backend) as ctx:
        pixels = TestPattern(ctx).render(*args.size)
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels, "RGBA").save(out)
        print(f"wrote {out} ({args.size[0]}x{args.size[1]}) with {ctx.backend}: {ctx.info.renderer}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="offscreen-isf",
                                     description="Render ISF shaders headless (EGL, OSMesa, CGL).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backends", help="list backends: usable (GL strings) or why not and the fix")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_backends)
    p = sub.add_parser("demo", help="render the built-in test pattern to a PNG")
    p.add_argument("-o", "--output", default="out/demo.png", help="PNG path (default: %(default)s)")
    p.add_argument("--size", type=_size, default=(640, 360), help="WIDTHxHEIGHT in pixels (default: 640x360)")
    p.add_argument("--backend", default=None, help="egl, osmesa or cgl (default: $OFFSCREEN_ISF_BACKEND, "
                                                   "then the platform default)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ISFError as exc:
        fix = getattr(exc, "fix", None)
        message = str(exc).split(" -> ")[0] if fix else str(exc)
        print(f"error: {message}", file=sys.stderr)
        if fix:
            print(f"fix: {fix}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
