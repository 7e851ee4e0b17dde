"""Batch rendering for render farms: frame ranges, pre-roll, per-frame inputs, outputs, resume.

Frames and time
    Frame ``n`` is rendered at ``TIME = offset + n / fps`` seconds (offset 0 unless given),
    so any frame's TIME is the same whichever chunk renders it.  FRAMEINDEX of frame ``n``
    is ``n``; DATE is fixed for the whole run (``--date``, default: the run's start).

The chunk rule (pre-roll)
    Rendering frames A..B alone gives the same pixels as frames A..B of a run from frame 0:

    * a shader with **persistent buffers** carries state from frame to frame: it is rendered
      from frame 0 (frames before A are drawn but not written), unless ``--preroll N``
      asks for only N frames of warm-up (exact only if the state forgets older frames);
    * a shader reading **TIMEDELTA** renders frame A-1 first (TIMEDELTA is 0 on the first
      frame a renderer draws), unwritten;
    * FRAMEINDEX is set to the frame number before the first rendered frame, so shaders
      that only read FRAMEINDEX need no pre-roll;
    * an ``event`` input set with ``--set`` fires on frame 0 only (as in a run from 0).

    ``--resume`` uses the same rule: complete frames are skipped, but a stateful shader is
    still drawn from frame 0 up to the last missing frame.

Outputs (``-o``)
    an image path by suffix (``.png .tif .tiff .exr .jpg .jpeg .webp``, see
    :mod:`offscreen_isf.media.formats`), a numbered sequence (``f_%05d.exr`` or
    ``f_#####.png``; the number is the absolute frame number), an animated preview (``.gif``;
    ``.webp`` for several frames without a number field, see :mod:`offscreen_isf.media.animation`),
    a video (``.mp4 .mov .webm .mkv``, see :mod:`offscreen_isf.media.video`), or ``-``: raw RGBA
    frames on stdout, top row first, uint8 or (with float output) float32 little-endian.  Any
    other suffix is refused before anything is drawn.

Images are written by a small thread pool (PNG/zlib encoding releases the GIL) through a
bounded window of pending frames, so rendering overlaps encoding and memory stays bounded.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
import time as _time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..contract import RendererProtocol, RenderSettings
from ..errors import InputError, OutputError, UsageError
from ..isf.document import ISFWarning
from ..media.animation import ANIMATION_SUFFIXES, AnimationWriter, check_animation
from ..media.formats import EncodeSettings, frame_is_complete, image_format, write_frame
from ..media.output import DEFAULT_PNG_LEVEL, in_flight
from ..media.video import VIDEO_SUFFIXES, VideoFrames, VideoWriter, check_video
from .factory import open_renderer

__all__ = ["RenderOptions", "parse_frames", "History", "history_of",
           "plan_frames", "parse_value", "frame_pattern", "run_render", "output_dtype", "run_date",
           "job_inputs", "start_plan", "draw_plan"]


# -- frame ranges ---------------------------------------------------------------------------

#: the largest frame number (FRAMEINDEX is a GLSL int)
MAX_FRAME = 2 ** 31 - 1
#: the most frames one run (or one chunk) draws: its plan is a list in memory
MAX_RUN_FRAMES = 1_000_000


def parse_frame_range(text: str) -> tuple[int, int, int]:
    """``"A-B"`` -> (A, B, 1) inclusive; ``"A-BxS"`` -> (A, B, S): every S-th frame from A
    (``0-100x2`` is 0, 2, ... 100); ``"N"`` -> (0, N-1, 1) (a count, as ``--frames 30``)."""
    m = re.fullmatch(r"(.*?)\s*x\s*(\d+)\s*", text)
    if m is None:
        return (*parse_frames(text), 1)
    step = int(m.group(2))
    if not 1 <= step <= MAX_FRAME:
        raise UsageError(f"--frames {text[:40]}: the step after x must be at least 1")
    if "-" not in m.group(1):
        raise UsageError(f"--frames {text[:40]}: a step needs a range, as in 0-100x2")
    return (*parse_frames(m.group(1)), step)


def parse_frames(text: str) -> tuple[int, int]:
    """``"A-B"`` -> (A, B) inclusive; ``"N"`` -> (0, N-1) (a count, as ``--frames 30``)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not m:
        raise UsageError(f"--frames takes A-B (inclusive, e.g. 0-29), A-BxSTEP (0-100x2) or a count N, "
                         f"got {text!r}")
    if m.group(2) is None:
        count = int(m.group(1))
        if count < 1:
            raise UsageError("--frames count must be at least 1")
        if count > MAX_FRAME + 1:
            raise UsageError(f"--frames {text[:40]}: at most {MAX_FRAME + 1} frames")
        return 0, count - 1
    first, last = int(m.group(1)), int(m.group(2))
    if last < first:
        raise UsageError(f"--frames {text}: the last frame comes before the first")
    if last > MAX_FRAME:
        raise UsageError(f"--frames {text[:40]}: frame numbers go up to {MAX_FRAME} "
                         "(FRAMEINDEX is a 32-bit int)")
    return first, last


def check_run_length(first: int, last: int, history: History, preroll: int | None) -> None:
    """UsageError when a run would draw more than :data:`MAX_RUN_FRAMES` frames (a stateful
    shader draws every frame from 0 up to ``last``): checked from the numbers, before any
    list of frames is built."""
    start = 0 if preroll is None and history.persistent else max(0, first - (preroll or 1))
    drawn = last - start + 1
    if drawn > MAX_RUN_FRAMES:
        why = (f" (its persistent buffers need every frame from 0 to {last}; --preroll N draws "
               "only N frames before the range instead)" if start == 0 and first > 0 else "")
        raise UsageError(f"frames {first}-{last} would draw {drawn} frames in one run{why}; one run "
                         f"draws at most {MAX_RUN_FRAMES}: split it into chunks (--frames A-B per job)")


@dataclass(frozen=True)
class History:
    """What a shader carries from one frame to the next."""

    persistent: bool      # has PERSISTENT buffers
    frameindex: bool      # reads FRAMEINDEX
    timedelta: bool       # reads TIMEDELTA

    @property
    def stateless(self) -> bool:
        return not (self.persistent or self.frameindex or self.timedelta)


def history_of(doc: Any) -> History:
    """Classify a :class:`~offscreen_isf.isf.document.Document` for the chunk rule (a token scan
    of its fragment and vertex sources; a mention in a comment only costs extra pre-roll)."""
    text = (doc.fragment_source or "") + "\n" + (doc.vertex_source or "")
    return History(persistent=bool(doc.persistent_targets),
                   frameindex=re.search(r"\bFRAMEINDEX\b", text) is not None,
                   timedelta=re.search(r"\bTIMEDELTA\b", text) is not None)


def plan_frames(wanted: Iterable[int], history: History, preroll: int | None = None) -> list[tuple[int, bool]]:
    """The frames to draw, in order, as (frame, write?) so that each wanted frame is exact.

    ``preroll=None`` applies the chunk rule (module docstring); an integer N draws N
    unwritten frames before each run of wanted frames instead.
    """
    want = sorted(set(wanted))
    if not want:
        return []
    if preroll is None and history.persistent:
        keep = set(want)
        return [(f, f in keep) for f in range(0, want[-1] + 1)]
    n = preroll if preroll is not None else (1 if history.timedelta else 0)
    segments: list[list[int]] = []
    for f in want:
        if segments and f == segments[-1][1] + 1:
            segments[-1][1] = f
        else:
            segments.append([f, f])
    steps: list[tuple[int, bool]] = []
    done = -1
    for a, b in segments:
        start = max(0, a - n, done + 1)
        steps.extend((f, f >= a) for f in range(start, b + 1))
        done = b
    return steps


# -- input values ---------------------------------------------------------------------------

_WORDS = {"true": True, "yes": True, "on": True, "1": True,
          "false": False, "no": False, "off": False, "0": False}


def _floats(inp: Any, text: str, what: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").strip("[]()").split(",")]
    except ValueError:
        raise InputError(f'--set {inp.name}: {inp.type} takes {what}, got {text!r}') from None


def _css_color(inp: Any, text: str) -> list[float]:
    """``#rgb``, ``#rgba``, ``#rrggbb[aa]``, CSS names (``orange``) and ``rgb()/hsl()`` through
    Pillow's colour parser, as 0..1 floats (3 or 4 of them)."""
    from PIL import ImageColor  # noqa: PLC0415 - Pillow is only needed for colour words

    try:
        rgb = ImageColor.getrgb(text)
    except ValueError:
        raise InputError(f"--set {inp.name}: color takes r,g,b[,a] (0..1), #rgb, #rrggbb[aa] or a "
                         f"CSS colour name, got {text!r}") from None
    return [v / 255.0 for v in rgb]


def parse_value(inp: Any, text: str) -> Any:
    """A command-line value for input ``inp`` typed by its declaration.

    bool/event: true/false/yes/no/on/off/1/0; long: an integer or a LABELS entry; float: a
    number; color: ``r,g,b[,a]`` (0..1), ``#rgb``, ``#rrggbb[aa]`` or a CSS name; point2D: ``x,y`` (pixels);
    image / audio: a path (see :class:`Feeds` for sequences and videos).
    """
    t = inp.type
    text = text.strip()
    if t in ("bool", "event"):
        if text.lower() not in _WORDS:
            raise InputError(f"--set {inp.name}: {t} takes true/false, got {text!r}")
        return _WORDS[text.lower()]
    if t == "long":
        try:
            return int(text)
        except ValueError:
            return text        # a LABELS entry; the input's coercion checks it
    if t == "float":
        try:
            return float(text)
        except ValueError:
            raise InputError(f"--set {inp.name}: float takes a number, got {text!r}") from None
    if t == "color":
        if text.startswith("#") or text[:1].isalpha():
            return _css_color(inp, text)
        return _floats(inp, text, "r,g,b[,a] (0..1), #rgb, #rrggbb[aa] or a CSS colour name")
    if t == "point2D":
        return _floats(inp, text, "x,y")
    return text


# -- per-frame inputs -------------------------------------------------------------------------

class Feeds:
    """Input values that change per frame: image sequences, videos, audio windows.

    ``--image NAME=PATH``: ``PATH`` with ``%05d`` (or ``#####``) is a numbered sequence read
    at the frame number; a video suffix (``.mp4 .mov .webm .mkv .avi``) is decoded with
    ffmpeg, video frame n for output frame n (the last frame past its end); anything else is
    one still image.  ``--audio NAME=file.wav``: per frame, the window of samples starting
    at TIME (zero past the end), as wide as the input's MAX (default 1024 samples; 2x the
    bins for audioFFT).
    """

    VIDEO_IN = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")

    def __init__(self, root: str | None = None) -> None:
        self.root = root
        self.static: dict[str, Any] = {}
        self.dynamic: dict[str, Callable[[int, float], Any]] = {}
        self._videos: list[VideoFrames] = []

    def _confine(self, path: str, what: str) -> None:
        if self.root is not None:
            from ..gl.limits import confine_path  # noqa: PLC0415

            confine_path(path, [self.root], what=what)

    def add_image(self, inp: Any, path: str) -> None:
        if not inp.is_image or inp.type != "image":
            raise InputError(f'--image {inp.name}: input "{inp.name}" is {inp.type}, not image')
        pattern = _hashes_to_printf(path)
        # a sequence is confined by its folder (each frame file lies in it)
        self._confine(str(Path(pattern).parent) if "%" in pattern else path, f"--image {inp.name}")
        if "%" in pattern:
            from ..media.images import load_image  # noqa: PLC0415

            _check_pattern(pattern, "--image")
            name = inp.name

            def numbered(n: int, t: float) -> np.ndarray:
                # each frame too: a frame file may be a symlink leading out of the root
                self._confine(pattern % n, f"--image {name} (frame {n})")
                return load_image(pattern % n, what=f'--image {name} (frame {n})')
            self.dynamic[name] = numbered
        elif Path(path).suffix.lower() in self.VIDEO_IN:
            video = VideoFrames(path)
            self._videos.append(video)
            self.dynamic[inp.name] = lambda n, t: video.frame(n)
        else:
            from ..media.images import load_image  # noqa: PLC0415

            self.static[inp.name] = load_image(path, what=f"--image {inp.name}")

    def add_audio(self, inp: Any, path: str) -> None:
        if inp.type not in ("audio", "audioFFT"):
            raise InputError(f'--audio {inp.name}: input "{inp.name}" is {inp.type}, not audio/audioFFT')
        from ..media.audio import AudioTrack  # noqa: PLC0415

        self._confine(path, f"--audio {inp.name}")
        track = AudioTrack.load(path)
        width = int(inp.max) if inp.max else 1024
        if inp.type == "audioFFT":
            width = 2 * (int(inp.max) if inp.max else 512)
        self.dynamic[inp.name] = lambda n, t: track.window(t, width)

    def values(self, frame: int, time: float) -> dict[str, Any]:
        """The dynamic inputs' values for ``frame`` at ``time`` seconds."""
        return {name: get(frame, time) for name, get in self.dynamic.items()}

    def close(self) -> None:
        for v in self._videos:
            v.close()


# -- outputs --------------------------------------------------------------------------------

def _hashes_to_printf(path: str) -> str:
    """``f_#####.png`` -> ``f_%05d.png`` (the farm convention); other paths unchanged."""
    return re.sub(r"#+", lambda m: f"%0{len(m.group(0))}d", path) if "%" not in path else path


def _check_pattern(pattern: str, what: str) -> None:
    """A frame pattern must hold exactly one integer field (``%d``, ``%05d``; ``%%`` is a %)."""
    fields = re.findall(r"%[^%]*?[a-zA-Z%]", pattern)
    numbers = [f for f in fields if re.fullmatch(r"%0?\d*d", f)]
    if len(numbers) != 1 or len(fields) - fields.count("%%") != 1:
        raise UsageError(f"{what} {pattern!r}: use one integer field like %05d (or #####)")


def frame_pattern(output: str, multi: bool) -> str:
    """The printf pattern (or plain path) for image outputs; ``_%04d`` is added before the
    suffix when several frames go to a path without a number field."""
    pattern = _hashes_to_printf(output)
    if "%" in pattern:
        _check_pattern(pattern, "-o")
        return pattern
    if not multi:
        return output
    stem, dot, ext = pattern.rpartition(".")
    return f"{stem}_%04d.{ext}" if dot and "/" not in ext else f"{pattern}_%04d"


class Encoder:
    """Runs write jobs on ``jobs`` threads (0: inline) with at most ``2 * jobs`` pending,
    so rendering runs ahead of encoding by a bounded number of frames.  ``ordered=True``
    (one thread) keeps call order, for streams (video, stdout)."""

    def __init__(self, jobs: int, ordered: bool = False) -> None:
        self.jobs = 1 if ordered and jobs > 0 else max(0, jobs)
        self.pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="encode") if self.jobs else None
        self.pending: deque[Future[Any]] = deque()
        self.limit = max(2, 2 * self.jobs)

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.pool is None:
            fn(*args)
            return
        while len(self.pending) >= self.limit:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(fn, *args))

    def drain(self) -> None:
        """Wait for every pending job; re-raises the first failure."""
        while self.pending:
            self.pending.popleft().result()

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            for f in self.pending:
                f.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def _write_image(path: str, frame: np.ndarray, encoding: EncodeSettings | None = None) -> None:
    try:
        write_frame(path, frame, encoding)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _sweep_temporaries(paths: Sequence[str]) -> int:
    """Delete ``.NAME.*.tmp`` leftovers (of a killed run) for the given frame files; a
    temporary another run is still writing (locked, or just created) is kept."""
    by_dir: dict[Path, set[str]] = {}
    for p in paths:
        q = Path(p)
        by_dir.setdefault(q.parent, set()).add(q.name)
    removed = 0
    for folder, names in by_dir.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if (entry.startswith(".") and entry.endswith(".tmp") and entry[1:-4].rpartition(".")[0] in names
                    and not in_flight(folder / entry)):   # another run's file being written: keep
                (folder / entry).unlink(missing_ok=True)
                removed += 1
    return removed


# -- the run --------------------------------------------------------------------------------

@dataclass
class RenderOptions:
    """Everything ``offscreen-isf render`` was asked to do (see the CLI's ``--help``): the job
    (frames, inputs, outputs) here, the renderer's options in ``settings``."""

    shader: str
    output: str = "out/frame.png"
    frames: tuple[int, int] = (0, 0)     # first, last (inclusive)
    step: int = 1                        # every step-th frame from the first
    fps: float = 30.0
    offset: float = 0.0                  # seconds added to every frame's TIME
    sets: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    audios: list[str] = field(default_factory=list)
    dtype: str | None = None             # None, "uint8" or "float32"
    preroll: int | None = None           # None: the chunk rule
    resume: bool = False
    jobs: int = field(default_factory=lambda: default_jobs())
    png_level: int = DEFAULT_PNG_LEVEL   # zlib level of PNG frames (--png-compression)
    quality: int = 95                    # JPEG / WebP / animated WebP quality (100: lossless WebP)
    exr_type: str = "half"               # EXR samples: "half" or "float"
    date: _dt.datetime | None = None
    codec: str | None = None
    crf: int | None = None
    preset: str | None = None
    pix_fmt: str | None = None
    video_args: list[str] = field(default_factory=list)
    progress: bool | None = None         # None: only on a TTY; False: never
    #: every renderer option (size, backend, limits, paths, isolation ...), passed on whole
    settings: RenderSettings = field(default_factory=lambda: RenderSettings(size=(1920, 1080)))


    @property
    def encoding(self) -> EncodeSettings:
        """How image files are encoded (checked: a bad level or quality is a UsageError)."""
        return EncodeSettings(png_level=self.png_level, quality=self.quality, exr_type=self.exr_type)


def default_jobs() -> int:
    """Encoder threads by default: one per CPU core, at most 8 (PNG encoding, not drawing,
    bounds a GPU run)."""
    return max(1, min(8, os.cpu_count() or 1))


def _assignments(items: Iterable[str], flag: str) -> Iterable[tuple[str, str]]:
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{flag} expects NAME=VALUE, got {item!r}")
        yield name.strip(), value


def output_kind(output: str, multi: bool = False) -> str:
    """``"raw"`` (stdout), ``"video"``, ``"animation"`` or ``"images"`` for an ``-o`` value;
    ``multi``: the run writes several frames (``.webp`` without a number field is then one
    animated file).  The suffix is not checked here (:func:`check_output` does)."""
    if output == "-":
        return "raw"
    suffix = Path(output).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return "video"
    numbered = "%" in _hashes_to_printf(output)
    if suffix == ".gif" or (suffix in ANIMATION_SUFFIXES and multi and not numbered):
        return "animation"
    return "images"


def check_output(opts: RenderOptions, kind: str, count: int) -> None:
    """Before anything is drawn: the output's format exists, its extra is installed and
    (animations) its frames fit in memory; :class:`UsageError` otherwise."""
    opts.encoding   # noqa: B018 - checks the level, quality and EXR type
    if kind == "video":
        check_video(opts.output, opts.codec)
    elif kind == "animation":
        check_animation(opts.output, opts.settings.size, count)
    elif kind == "images":
        image_format(_hashes_to_printf(opts.output)).require()


def output_dtype(doc: Any, requested: str | None) -> str:
    """The frames' dtype: ``requested`` if given, else float32 when the last pass is FLOAT."""
    return requested or ("float32" if doc.output_is_float else "uint8")


def run_date(opts: RenderOptions) -> _dt.datetime:
    """DATE for every frame of the run: ``opts.date``, else now, to the second (as ``--json``
    reports it), so every chunk of a job -- on any machine -- uses the same value."""
    return _dt.datetime.fromisoformat((opts.date or _dt.datetime.now()).isoformat(timespec="seconds"))


def job_inputs(opts: RenderOptions, doc: Any) -> tuple[dict[str, Any], Feeds]:
    """The run's fixed input values (``--set``) and its :class:`Feeds` (images, sequences,
    videos, audio).  The caller closes the feeds."""
    values: dict[str, Any] = {}
    feeds = Feeds(opts.settings.input_root)
    try:
        for name, text in _assignments(opts.sets, "--set"):
            inp = doc.input(name)
            if inp.type == "image":
                feeds.add_image(inp, text)
            elif inp.type in ("audio", "audioFFT"):
                feeds.add_audio(inp, text)
            else:
                values[inp.name] = parse_value(inp, text)
        for name, text in _assignments(opts.images, "--image"):
            feeds.add_image(doc.input(name), text)
        for name, text in _assignments(opts.audios, "--audio"):
            feeds.add_audio(doc.input(name), text)
    except BaseException:
        feeds.close()
        raise
    for note in input_notes(doc, values, set(feeds.static) | set(feeds.dynamic)):
        warnings.warn(note, ISFWarning, stacklevel=2)
    return values, feeds


def input_notes(doc: Any, values: dict[str, Any], images: set[str]) -> list[str]:
    """What the run will not do as asked, said before the first frame: a ``--set`` value
    outside the input's MIN..MAX (the renderer clamps it), and a filter without its
    ``inputImage`` (which then reads transparent black)."""
    notes = []
    for name, value in values.items():
        inp = doc.input(name)
        if inp.min is None or inp.max is None or isinstance(value, str):
            continue
        lows, highs = (inp.min, inp.max) if isinstance(inp.min, tuple) else ((inp.min,), (inp.max,))
        given = value if isinstance(value, (list, tuple)) else [value]
        if any(not lo <= v <= hi for v, lo, hi in zip(given, lows, highs, strict=False)):
            notes.append(f"--set {name}={value!r} is outside MIN..MAX {inp.min!r}..{inp.max!r}: "
                         "the shader sees it clamped")
    if doc.kind == "filter" and "inputImage" not in images:
        notes.append(f"{doc.name} is a filter but no --image inputImage=PATH was given: "
                     "inputImage reads black (an unset image)")
    return notes


def start_plan(r: RendererProtocol, doc: Any, values: dict[str, Any], feeds: Feeds,
               plan: Sequence[tuple[int, bool]]) -> None:
    """Set a renderer's inputs for ``plan``: the fixed values and still images; events fire
    on frame 0 of the run only, so they are switched off when the plan starts later."""
    r.set_inputs(**values, **feeds.static)
    if plan and plan[0][0] != 0:
        r.set_inputs(**{i.name: False for i in doc.inputs if i.type == "event"})


def draw_plan(r: RendererProtocol, plan: Iterable[tuple[int, bool]], *, fps: float, offset: float,
              date: _dt.datetime | None, dtype: str, feeds: Feeds) -> Iterable[tuple[int, bool, np.ndarray]]:
    """Draw ``plan`` (from :func:`plan_frames`) on renderer ``r``; yields (frame, write?,
    pixels) per drawn frame.  Frame ``n`` is drawn at ``offset + n / fps`` with FRAMEINDEX
    ``n``; per-frame inputs come from ``feeds``."""
    for frame, write in plan:
        t = offset + frame / fps
        if r.frame_index != frame:
            r.frame_index = frame
        if feeds.dynamic:
            r.set_inputs(**feeds.values(frame, t))
        yield frame, write, r.render(t, date, dtype=dtype)


@dataclass
class _Job:
    """One run, planned: what to draw, where it goes, and the summary being filled in."""

    doc: Any
    kind: str                                # output_kind(): "images", "video" or "raw"
    dtype: str
    paths: dict[int, str]                    # image outputs: frame -> file
    plan: list[tuple[int, bool]]             # plan_frames(): (frame, write?)
    date: _dt.datetime
    summary: dict[str, Any]


def _complete_frames(opts: RenderOptions, kind: str, paths: dict[int, str], frames: Sequence[int],
                     dtype: str) -> set[int]:
    """``--resume``: the frames whose output is already complete (none without it)."""
    if not opts.resume:
        return set()
    if kind == "raw":
        raise UsageError("--resume needs files to check: not with -o -")
    if kind == "images":
        _sweep_temporaries(list(paths.values()))
        return {f for f, p in paths.items() if frame_is_complete(p, opts.settings.size, dtype)}
    # videos are renamed into place only when whole
    return set(frames) if Path(opts.output).is_file() else set()


def _plan_job(opts: RenderOptions) -> _Job:
    """Load the shader, find what is already done (``--resume``) and plan what to draw."""
    from ..isf.document import load  # noqa: PLC0415

    first, final = opts.frames
    if opts.step < 1:
        raise UsageError("the --frames step must be at least 1")
    count = (final - first) // opts.step + 1
    kind = output_kind(opts.output, count > 1)
    check_output(opts, kind, count)
    doc = load(opts.shader, allow_paths=opts.settings.allow_paths)
    history = history_of(doc)
    dtype = output_dtype(doc, opts.dtype)
    check_run_length(first, final, history, opts.preroll)
    frames = list(range(first, final + 1, opts.step))
    pattern = frame_pattern(opts.output, len(frames) > 1) if kind == "images" else opts.output
    paths = {f: (pattern % f if "%" in pattern else pattern) for f in frames} if kind == "images" else {}
    complete = _complete_frames(opts, kind, paths, frames, dtype)
    plan = plan_frames([f for f in frames if f not in complete], history, opts.preroll)
    date = run_date(opts)
    summary: dict[str, Any] = {
        "shader": str(opts.shader), "output": opts.output if kind != "images" else pattern,
        "kind": kind, "size": list(opts.settings.size), "fps": opts.fps, "frames": [first, final],
        "step": opts.step,
        "dtype": dtype, "date": date.isoformat(timespec="seconds"),
        "history": {"persistent": history.persistent, "frameindex": history.frameindex,
                    "timedelta": history.timedelta},
        "written": 0, "skipped": len(complete), "prerolled": sum(not wr for _, wr in plan),
        "rendered": len(plan), "backend": None, "renderer": None, "seconds": 0.0, "frames_per_second": 0.0,
    }
    return _Job(doc, kind, dtype, paths, plan, date, summary)


def run_render(opts: RenderOptions, stream: BinaryIO | None = None) -> dict[str, Any]:
    """Render ``opts`` and write its outputs; returns the summary ``--json`` prints.

    Raises :class:`UsageError`, the library's :class:`ISFError` subclasses, or
    :class:`OutputError`.  Partial outputs are never left under final names.
    """
    started = _time.perf_counter()
    job = _plan_job(opts)
    values, feeds = job_inputs(opts, job.doc)   # checked even when nothing is left to draw
    try:
        if job.plan:
            _draw_job(opts, job, values, feeds, stream)
    finally:
        feeds.close()
    job.summary["seconds"] = round(_time.perf_counter() - started, 3)
    return job.summary


def _draw_job(opts: RenderOptions, job: _Job, values: dict[str, Any], feeds: Feeds,
              stream: BinaryIO | None) -> None:
    """Draw ``job.plan`` on a renderer built from ``opts.settings`` and write its frames."""
    encoder = Encoder(opts.jobs, ordered=job.kind != "images")
    writer: VideoWriter | AnimationWriter | None = None
    ok = False
    try:
        with open_renderer(job.doc, opts.settings) as r:
            start_plan(r, job.doc, values, feeds, job.plan)
            info = r.context.info
            job.summary["backend"], job.summary["renderer"] = r.context.backend, info.renderer if info else None
            r.compile()
            writer = _stream_writer(opts, job.kind)
            _draw_frames(r, opts, job, feeds, encoder, _emitter(opts, job, encoder, writer, stream))
            if writer is not None:
                writer.close()
        ok = True
    finally:
        encoder.shutdown(cancel=not ok)
        if writer is not None and not ok:
            writer.abort()


def _stream_writer(opts: RenderOptions, kind: str) -> VideoWriter | AnimationWriter | None:
    """The opened video or animation writer of a run (None for images and raw frames).  It
    plays at fps / step, so a run with a --frames step keeps real time."""
    rate = opts.fps / opts.step
    if kind == "video":
        return VideoWriter(Path(opts.output), opts.settings.size, rate, codec=opts.codec,
                           pix_fmt=opts.pix_fmt, crf=opts.crf, preset=opts.preset,
                           extra=list(opts.video_args)).open()
    if kind == "animation":
        return AnimationWriter(Path(opts.output), opts.settings.size, rate, opts.encoding).open()
    return None


def _emitter(opts: RenderOptions, job: _Job, encoder: Encoder, writer: VideoWriter | AnimationWriter | None,
             stream: BinaryIO | None) -> Callable[[int, np.ndarray], None]:
    """What to do with a written frame: queue its image file, video frame or raw bytes."""
    out = stream if stream is not None else sys.stdout.buffer
    encoding = opts.encoding

    def emit(frame: int, pixels: np.ndarray) -> None:
        if job.kind == "images":
            encoder.submit(_write_image, job.paths[frame], pixels, encoding)
        elif writer is not None:
            encoder.submit(writer.write, pixels)
        else:
            encoder.submit(_write_raw, out, pixels)
    return emit


def _draw_frames(r: RendererProtocol, opts: RenderOptions, job: _Job, feeds: Feeds, encoder: Encoder,
                 emit: Callable[[int, np.ndarray], None]) -> None:
    """The drawing loop, with a progress bar; fills in written frames and frames per second."""
    from tqdm import tqdm  # noqa: PLC0415

    bar = tqdm(total=len(job.plan), unit="frame", desc="render", disable=_bar_disabled(opts),
               file=sys.stderr, dynamic_ncols=True)
    t0 = _time.perf_counter()
    try:
        for frame, write, pixels in draw_plan(r, job.plan, fps=opts.fps, offset=opts.offset,
                                              date=job.date, dtype=job.dtype, feeds=feeds):
            if write:
                emit(frame, pixels)
                job.summary["written"] += 1
            bar.update(1)
        encoder.drain()
    finally:
        bar.close()
    elapsed = _time.perf_counter() - t0
    job.summary["frames_per_second"] = round(len(job.plan) / elapsed, 2) if elapsed > 0 else 0.0


def _write_raw(out: BinaryIO, pixels: np.ndarray) -> None:
    try:
        out.write(np.ascontiguousarray(pixels).astype(pixels.dtype.newbyteorder("<"), copy=False).tobytes())
        out.flush()
    except BrokenPipeError:
        raise OutputError("stdout closed while writing raw frames (broken pipe)") from None
    except OSError as exc:
        raise OutputError(f"cannot write raw frames to stdout: {exc}") from None


def _bar_disabled(opts: RenderOptions) -> bool | None:
    """tqdm's ``disable``: True to hide; None lets tqdm hide it when stderr is not a TTY."""
    if opts.progress is False:
        return True
    return None if opts.progress is None else False
