"""``offscreen-isf gallery``: one static HTML page that shows every shader of a folder.

For each ``.fs``/``.frag`` file under a folder (recursively) the page lists its name, kind,
description and inputs (name, type, default, range) and a strip of thumbnails drawn at a few
times; a shader that fails to parse, compile or draw shows its typed error text instead, and
the page is still written.  Thumbnails are PNG files in ``<page stem>_files/`` beside the
page, so the page opens from the file system.  Filters and transitions get a generated test
image (:func:`sample_image`) on every image input.

The HTML helpers (:func:`anchor`, :func:`card_html`, :data:`STYLE`) are shared with the
conformance report, which links its rows to a gallery page.  Every text that comes from a
shader file is escaped.
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ISFError

if TYPE_CHECKING:
    from ..gl.context import Context
    from ..isf.document import Document
    from ..isf.inputs import Input

__all__ = ["DEFAULT_SIZE", "DEFAULT_TIMES", "STYLE", "GalleryEntry", "anchor", "build_gallery",
           "card_html", "page_html", "shader_files", "sample_image"]

#: thumbnail size in pixels (width, height)
DEFAULT_SIZE = (160, 90)
#: the times (seconds) each shader is drawn at
DEFAULT_TIMES = (0.0, 1.0, 2.0)
#: file suffixes the gallery treats as shaders
SUFFIXES = (".fs", ".frag")

STYLE = """body{font:14px sans-serif;margin:1.5em}
.shader{border:1px solid #ccc;border-radius:4px;padding:8px 12px;margin:0 0 12px}
.shader.error{background:#fde4e4} .shader h2{font-size:16px;margin:0 0 4px}
.kind{font-size:12px;color:#555} table.inputs{border-collapse:collapse;font-size:12px;margin:4px 0}
table.inputs td,table.inputs th{border:1px solid #ddd;padding:2px 6px;text-align:left}
figure{display:inline-block;margin:2px} figcaption{font-size:11px;text-align:center}
img{border:1px solid #999;background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/12px 12px}
pre.error{white-space:pre-wrap;color:#900;margin:4px 0}"""


@dataclass
class GalleryEntry:
    """What the page shows for one shader file.

    ``path``: the file relative to the gallery folder (POSIX separators); ``inputs``: rows of
    (name, type, default, range) as display text; ``thumbs``: (time in seconds, image path
    relative to the page); ``error``: ``"ClassName: message"`` when the shader failed.
    """

    path: str
    name: str
    kind: str = ""
    description: str = ""
    inputs: list[tuple[str, str, str, str]] = field(default_factory=list)
    thumbs: list[tuple[float, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def shader_files(folder: Path) -> list[Path]:
    """Every shader file under ``folder`` (recursive), sorted; a file is returned as itself."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def anchor(path: str) -> str:
    """The HTML id of a shader's entry: readable, and distinct for paths that sanitise alike."""
    tag = hashlib.sha1(path.encode()).hexdigest()[:6]
    return "shader-" + re.sub(r"[^A-Za-z0-9_-]+", "_", path)[-60:] + "-" + tag


def sample_image(width: int, height: int, variant: int = 0) -> np.ndarray:
    """A generated RGBA uint8 image (height, width, 4), top row first: a colour ramp with a
    checker on top, so filters show movement, colour and edges.  ``variant`` 1 swaps the
    ramp's channels (a transition's second image differs from its first)."""
    y, x = np.mgrid[0:height, 0:width]
    ramp_x = (x * 255 // max(1, width - 1)).astype(np.uint8)
    ramp_y = (y * 255 // max(1, height - 1)).astype(np.uint8)
    checker = (((x // 8) + (y // 8)) % 2 * 64).astype(np.uint8)
    channels = (ramp_x, ramp_y, 255 - checker) if variant == 0 else (255 - checker, ramp_x, ramp_y)
    return np.dstack([*channels, np.full((height, width), 255, np.uint8)])


def _range_text(inp: Input) -> str:
    if inp.values is not None:
        return ", ".join(f"{v}={label}" for v, label in zip(inp.values, inp.labels or (), strict=False))
    if inp.min is not None and inp.type not in ("bool", "color"):
        return f"{inp.min!r} .. {inp.max!r}"
    return ""


def _describe(entry: GalleryEntry, doc: Document) -> None:
    entry.name, entry.kind, entry.description = doc.name, doc.kind, doc.description or ""
    entry.inputs = [(i.name, i.type, "" if i.default is None else repr(i.default), _range_text(i))
                    for i in doc.inputs]


def _thumb_path(files_dir: Path, rel: str, k: int) -> Path:
    return files_dir / f"{anchor(rel)}-{k}.png"


def _draw(doc: Document, where: Context | dict[str, Any], size: tuple[int, int], times: Sequence[float],
          save: Callable[[int, np.ndarray], None]) -> None:
    """Compile ``doc`` and save one uint8 frame per time (images get test images).
    ``where``: the shared context, or the options of an isolated renderer (its own worker
    process and deadline: a hanging or crashing shader is that shader's error)."""
    from .factory import open_renderer  # noqa: PLC0415 - GL only when drawing

    images = [i for i in doc.inputs if i.type == "image"]
    placement: dict[str, Any] = where if isinstance(where, dict) else {"context": where}
    with open_renderer(doc, size=size, **placement) as renderer:
        if images:
            renderer.set_inputs(**{i.name: sample_image(*size, variant=k % 2) for k, i in enumerate(images)})
        for k, t in enumerate(times):
            save(k, renderer.render(t, date=(2024.0, 1.0, 1.0, 0.0), dtype="uint8"))


def render_entry(path: Path, rel: str, ctx: Context | dict[str, Any], files_dir: Path,
                 size: tuple[int, int], times: Sequence[float]) -> GalleryEntry:
    """Parse, compile and draw one shader into a :class:`GalleryEntry`; typed errors
    (:class:`~offscreen_isf.errors.ISFError`) are recorded in the entry, not raised.
    ``ctx``: as ``where`` of :func:`_draw`."""
    from ..isf.document import load  # noqa: PLC0415
    from ..media.output import write_png  # noqa: PLC0415

    entry = GalleryEntry(path=rel, name=path.stem)

    def save(k: int, frame: np.ndarray) -> None:
        out = write_png(_thumb_path(files_dir, rel, k), frame)
        entry.thumbs.append((times[k], f"{files_dir.name}/{out.name}"))

    try:
        doc = load(path)
        _describe(entry, doc)
        _draw(doc, ctx, size, times, save)
    except ISFError as exc:
        entry.error = f"{type(exc).__name__}: {exc}"
    return entry


def card_html(entry: GalleryEntry, size: tuple[int, int] = DEFAULT_SIZE) -> str:
    """One shader's ``<section>``: name, path, kind, description, inputs, thumbnails, error."""
    e = html.escape
    rows = "".join(f"<tr><td>{e(n)}</td><td>{e(t)}</td><td>{e(d)}</td><td>{e(r)}</td></tr>"
                   for n, t, d, r in entry.inputs)
    inputs = (f'<table class="inputs"><tr><th>input</th><th>type</th><th>default</th><th>range</th></tr>'
              f"{rows}</table>" if rows else '<p class="kind">no inputs</p>')
    thumbs = "".join(f'<figure><img src="{e(src)}" width="{size[0]}" height="{size[1]}" '
                     f'alt="{e(entry.name)} at {t:g} s"><figcaption>t = {t:g} s</figcaption></figure>'
                     for t, src in entry.thumbs)
    error = f'<pre class="error">{e(entry.error)}</pre>' if entry.error else ""
    status = "ok" if entry.ok else "error"
    return (f'<section class="shader {status}" id="{anchor(entry.path)}" data-status="{status}">'
            f'<h2>{e(entry.name)}</h2><div class="kind">{e(entry.path)}'
            f'{" &middot; " + e(entry.kind) if entry.kind else ""}</div>'
            f'{"<p>" + e(entry.description) + "</p>" if entry.description else ""}'
            f'{inputs}<div class="thumbs">{thumbs}</div>{error}</section>')


def page_html(entries: Iterable[GalleryEntry], title: str, size: tuple[int, int] = DEFAULT_SIZE) -> str:
    """The whole page: a summary line, then one card per entry."""
    entries = list(entries)
    failed = sum(not x.ok for x in entries)
    cards = "\n".join(card_html(x, size) for x in entries)
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f'<p class="summary">{len(entries)} shader(s), {failed} failed</p>\n{cards}\n</body></html>\n')


def build_gallery(folder: Path, output: Path, *, backend: str | None = None,
                  size: tuple[int, int] = DEFAULT_SIZE, times: Sequence[float] = DEFAULT_TIMES,
                  progress: bool | None = None, isolate: bool = False,
                  timeout: float | None = None) -> list[GalleryEntry]:
    """Render the gallery of ``folder`` into the page ``output`` (thumbnails in
    ``<stem>_files/`` beside it); returns the entries, failed ones included.

    One GL context (``backend``; default chain when None) draws every shader in this
    process; ``isolate``: each shader draws in its own worker process instead, stopped after
    ``timeout`` seconds per call (None: the renderer's default), for untrusted libraries.
    ``progress``: tqdm's ``disable`` inverted (None: a bar when stderr is a TTY).
    """
    from tqdm import tqdm  # noqa: PLC0415

    from ..gl.context import Context  # noqa: PLC0415

    files = shader_files(folder)
    base = folder if folder.is_dir() else folder.parent
    files_dir = output.parent / f"{output.stem}_files"
    files_dir.mkdir(parents=True, exist_ok=True)
    for old in files_dir.glob("*.png"):      # thumbnails of an earlier run of this page
        old.unlink()
    entries: list[GalleryEntry] = []
    ctx = None if isolate else Context(backend).open()
    where: Context | dict[str, Any] = ctx if ctx is not None else {
        "isolate": True, "backend": backend, **({"timeout": timeout} if timeout is not None else {})}
    try:
        for path in tqdm(files, unit="shader", desc="gallery", file=sys.stderr,
                         disable=None if progress is None else not progress):
            rel = path.relative_to(base).as_posix()
            entries.append(render_entry(path, rel, where, files_dir, size, times))
    finally:
        if ctx is not None:
            ctx.close()
    output.write_text(page_html(entries, f"offscreen-isf gallery: {folder.name or folder}", size),
                      encoding="utf-8")
    return entries


def summary(entries: Sequence[GalleryEntry]) -> dict[str, Any]:
    """Counts and failures, for ``--json`` and the summary line."""
    return {"shaders": len(entries), "failed": sum(not x.ok for x in entries),
            "errors": {x.path: x.error for x in entries if x.error}}
