"""Corpus mode: render every comparable corpus shader under each reference set's conditions
and compare each frame with VVISF-GL's image.

Every folder under ``shared/isf-references/`` holding a ``conditions.json`` is a reference
set (:func:`reference_sets`); each is compared on its own and counted on its own.

Conditions come from ``<references>/conditions.json`` (size, the TIME sequence rendered in
one renderer so FRAMEINDEX / TIMEDELTA / persistent buffers carry over, DATE, the test
images bound to image inputs in declaration order, shaders not comparable).  Per frame:
max abs difference, share of pixels off by more than 2/255, PSNR, and the gpu rule's SSIM,
loose share and mean abs difference.  Under the ``strict`` rule (the default) a shader passes
when every frame has >= 99% of its pixels within 2/255 (all channels); under the ``gpu`` rule
a frame may instead pass the structural and loose bars of :func:`conformance.oracle.gpu_rule`.
Per-shader exceptions live only in ``conformance/known-differences.json``: ``corpus``
entries (reason and evidence) for both rules, reviewed ``gpu`` entries under the gpu rule.

Uses only the public API (``oi.Renderer``, ``oi.Context``).  Run it with
``python -m conformance --corpus`` (add ``--no-cases`` for the corpus alone); this module is
a library of that command and imports nothing from it.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

import offscreen_isf as oi

from .oracle import CORPUS_PIXEL_SHARE, CORPUS_TOLERANCE, gpu_rule, metrics

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "isf-corpus"
REFERENCE_ROOT = SHARED / "isf-references"
#: one reference set, for callers that name a single set
REFERENCES = REFERENCE_ROOT / "vvisf-gl-256x144"
KNOWN_DIFFERENCES = Path(__file__).resolve().parent / "known-differences.json"

#: callback(shader, frame index, reference, ours) -> {"reference": path, ...} written images
ImageSink = Callable[[str, int, np.ndarray, np.ndarray], dict[str, str]]


@dataclass
class ShaderResult:
    """The comparison of one corpus shader with its reference frames."""

    shader: str
    status: str          # pass, mismatch, error, known (explained in known-differences)
    reference_set: str = ""
    frames: list[dict[str, Any]] = field(default_factory=list)
    max_abs: int = 0
    detail: str = ""
    seconds: float = 0.0
    known: dict[str, Any] | None = None
    strict_pass: bool = False    # every frame passes the strict rule (whatever rule decided status)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly."""
        return {"shader": self.shader, "reference_set": self.reference_set, "status": self.status,
                "strict_pass": self.strict_pass, "frames": self.frames,
                "max_abs": self.max_abs, "detail": self.detail, "seconds": self.seconds,
                "known": self.known}


def load_known_differences(path: Path = KNOWN_DIFFERENCES) -> dict[str, dict[str, Any]]:
    """The ``corpus`` table of known-differences.json; every entry must give a reason and
    evidence, and may name the reference ``sets`` it applies to (default: all)."""
    table = json.loads(path.read_text())["corpus"]
    for shader, entry in table.items():
        for key in ("expect", "reason", "evidence"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"known-differences: {shader!r} lacks {key!r}")
        sets = entry.get("sets")
        if sets is not None and not (isinstance(sets, list) and all(isinstance(x, str) for x in sets)):
            raise ValueError(f"known-differences: {shader!r}: 'sets' must be a list of set names")
    return table


#: the classes a ``gpu`` known-differences entry may give (``unexplained`` is a bug to fix,
#: never an entry); see :mod:`conformance.classify`
GPU_ENTRY_CLASSES = ("precision-sensitive", "undefined-behaviour")


def load_gpu_known(path: Path = KNOWN_DIFFERENCES) -> dict[str, dict[str, Any]]:
    """The ``gpu`` table of known-differences.json: shader -> ``class`` (one of
    :data:`GPU_ENTRY_CLASSES`), ``evidence`` (a list of strings), ``sets``, ``gpu`` (the GL
    renderer it was seen on), ``reviewed`` (bool) and ``reason`` (required once reviewed).

    Entries apply under the gpu rule only, and explain a failure only when ``reviewed`` is
    true: ``python -m conformance.classify --write-known`` proposes them unreviewed."""
    table: dict[str, dict[str, Any]] = json.loads(path.read_text()).get("gpu", {})
    for shader, e in table.items():
        problems = [
            "class" if e.get("class") not in GPU_ENTRY_CLASSES else "",
            "evidence" if not (isinstance(e.get("evidence"), list) and e["evidence"]
                               and all(isinstance(x, str) and x.strip() for x in e["evidence"])) else "",
            "sets" if not (isinstance(e.get("sets"), list) and all(isinstance(x, str) for x in e["sets"])) else "",
            "gpu" if not (isinstance(e.get("gpu"), str) and e["gpu"].strip()) else "",
            "reviewed" if not isinstance(e.get("reviewed"), bool) else "",
            "reason" if e.get("reviewed") is True and not str(e.get("reason", "")).strip() else "",
        ]
        bad = [p for p in problems if p]
        if bad:
            raise ValueError(f"known-differences gpu: {shader!r}: bad or missing {', '.join(bad)}")
    return table


def known_for(table: dict[str, dict[str, Any]], reference_set: str) -> dict[str, dict[str, Any]]:
    """The entries of ``table`` that apply to ``reference_set``."""
    return {k: v for k, v in table.items() if v.get("sets") is None or reference_set in v["sets"]}


def reference_sets(root: Path = REFERENCE_ROOT, only: str = "") -> list[Path]:
    """The reference sets under ``root`` (folders with a conditions.json), sorted by name;
    ``root`` itself when it is one.  ``only``: just the set of that name (ValueError if none)."""
    if (root / "conditions.json").is_file():
        found = [root]
    else:
        found = sorted(p.parent for p in root.glob("*/conditions.json")) if root.is_dir() else []
    if only:
        found = [p for p in found if p.name == only]
        if not found:
            raise ValueError(f"no reference set {only!r} under {root}")
    return found


def comparable_shaders(references: Path) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """(shader paths relative to the corpus, {skipped path: reason}, conditions)."""
    conditions = json.loads((references / "conditions.json").read_text())
    # Shaders with audio inputs are compared too: the reference left those inputs unbound, and
    # an unset input here reads what an unbound one reads there (docs/semantics.md, "Image helpers").
    skipped = {p: "the reference implementation failed to compile it" for p in conditions["compile_failures"]}
    with (references / "status.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    shaders = [r["path"] for r in rows if r["path"] not in skipped]
    return shaders, skipped, conditions


def render_sequence(shader: Path | oi.Document, references: Path, conditions: dict[str, Any],
                    image_names: list[str], context: oi.Context, draw_flipped: bool = False,
                    time_offset: float = 0.0) -> list[np.ndarray]:
    """Our RGBA8 frames (top row first) of ``shader`` under a reference set's conditions: every
    frame's TIME (plus ``time_offset`` seconds) in order in ONE renderer, the set's DATE, and
    test image k bound to the k-th name of ``image_names``.  Raises :class:`oi.ISFError`."""
    size = (int(conditions["size"]["width"]), int(conditions["size"]["height"]))
    files = conditions["image_inputs"]["files"]
    with oi.Renderer(shader, size, context=context, draw_flipped=draw_flipped) as r:
        r.set_inputs(**{name: references / files[str(k)] for k, name in enumerate(image_names)})
        return [np.asarray(r.render(float(info["TIME"]) + time_offset, tuple(conditions["date"]),
                                    dtype="uint8"))
                for info in conditions["frames"]]


def reference_frames(rel: str, references: Path, conditions: dict[str, Any]) -> list[np.ndarray]:
    """VVISF-GL's frames of corpus shader ``rel`` as RGBA8 arrays, top row first."""
    out = []
    for info in conditions["frames"]:
        with Image.open(references / rel / info["png"]) as im:
            out.append(np.asarray(im.convert("RGBA")))
    return out


def frame_row(info: dict[str, Any], ours: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    """The metrics of one frame: the strict rule's (``within`` = share of pixels within
    CORPUS_TOLERANCE) and the gpu rule's (SSIM, loose share, mean abs, ``gpu_pass``)."""
    m = metrics(ours, ref, CORPUS_TOLERANCE)
    return {"png": info["png"], "time": info["TIME"], "within": round(1.0 - m.share_off, 5),
            **m.as_dict(), **gpu_rule(ours, ref).as_dict()}


def frames_pass(frames: list[dict[str, Any]], rule: str) -> bool:
    """Does every frame row (from :func:`frame_row`) pass ``rule`` (``strict`` or ``gpu``)?"""
    if rule == "gpu":
        return all(f["gpu_pass"] for f in frames)
    return min((f["within"] for f in frames), default=0.0) >= CORPUS_PIXEL_SHARE


def run_shader(rel: str, corpus: Path, references: Path, conditions: dict[str, Any],
               image_inputs: dict[str, list[str]], context: oi.Context,
               known: dict[str, Any] | None,
               sink_for: Callable[[ShaderResult], ImageSink | None] | None = None,
               draw_flipped: bool = False, rule: str = "strict") -> ShaderResult:
    """Render one shader under the reference conditions and compare every frame by ``rule``.

    ``sink_for(result)`` (called once the status is known) says where to write the frame
    images (reference, ours, difference), or None to keep none.  ``known``: its
    known-differences entry (a ``corpus`` entry's ``min_pixel_share`` relaxes the strict bar;
    a reviewed ``gpu`` entry explains any failure under the gpu rule).
    """
    t0 = time.perf_counter()
    result = ShaderResult(rel, "pass", references.name, known=known)
    frames_seen: list[tuple[np.ndarray, np.ndarray]] = []
    try:
        ours_all = render_sequence(corpus / rel, references, conditions, image_inputs.get(rel, []),
                                   context, draw_flipped)
        for info, ours, ref in zip(conditions["frames"], ours_all,
                                   reference_frames(rel, references, conditions), strict=True):
            result.frames.append(frame_row(info, ours, ref))
            result.max_abs = max(result.max_abs, result.frames[-1]["max_abs"])
            frames_seen.append((ref, ours))
    except oi.ISFError as exc:
        result.status, result.detail = "error", f"{type(exc).__name__}: {exc}"[:2000]
    if result.status != "error":
        worst = min((f["within"] for f in result.frames), default=0.0)
        result.strict_pass = worst >= CORPUS_PIXEL_SHARE
        if not frames_pass(result.frames, rule):
            result.status = "mismatch"
            if known is not None and _explains(known, worst, rule):
                result.status = "known"
    sink = sink_for(result) if sink_for is not None else None
    if sink is not None:
        for k, (ref, ours) in enumerate(frames_seen):
            result.frames[k]["images"] = sink(f"{references.name}/{rel}", k, ref, ours)
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def _explains(entry: dict[str, Any], worst_within: float, rule: str) -> bool:
    """Does a known-differences entry explain a failure?  A ``gpu`` entry (it has a ``class``)
    only under the gpu rule and only once a person has reviewed it; a ``corpus`` entry when
    every frame still reaches its ``min_pixel_share``."""
    if "class" in entry:
        return rule == "gpu" and entry.get("reviewed") is True
    return worst_within >= float(entry.get("min_pixel_share", 0.0))


def run_corpus(context: oi.Context, corpus: Path = CORPUS, references: Path = REFERENCES,
               text_filter: str = "", sink_for: Callable[[ShaderResult], ImageSink | None] | None = None,
               progress: Callable[[str], None] | None = None, draw_flipped: bool = False,
               rule: str = "strict") -> tuple[list[ShaderResult], dict[str, str], dict[str, dict[str, Any]]]:
    """Run corpus mode.  ``sink_for(result_so_far)`` picks where frame images go (or None);
    ``draw_flipped`` measures the opt-in ``Renderer(draw_flipped=True)`` against the references;
    ``rule`` (``strict`` or ``gpu``, see :mod:`conformance.oracle`) decides pass or mismatch.

    Returns (results, skipped shaders with reasons, the known-differences entries that apply
    to this reference set).
    """
    shaders, skipped, conditions = comparable_shaders(references)
    image_inputs = json.loads((references / "image-inputs.json").read_text())
    known = known_for(load_known_differences(), references.name)
    if rule == "gpu":
        known.update(known_for(load_gpu_known(), references.name))
    results: list[ShaderResult] = []
    selected = [s for s in shaders if text_filter in s]
    for i, rel in enumerate(selected, 1):
        res = run_shader(rel, corpus, references, conditions, image_inputs, context, known.get(rel), sink_for,
                         draw_flipped, rule)
        results.append(res)
        if progress and res.status != "pass":
            worst = [f["within"] for f in res.frames]
            progress(f"[{references.name} {i}/{len(selected)}] {res.status:8} {rel} within {worst} max {res.max_abs} {res.detail[:300]}")
        if context.state is oi.State.LOST:
            context.reinitialize()
    return results, skipped, known


def summarise(results: list[ShaderResult], skipped: dict[str, str],
              known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Counts, pass rate, and the failures not explained in known-differences."""
    passed = sum(r.status == "pass" for r in results)
    failing = [r.shader for r in results if r.status != "pass"]
    unexplained = [s for s in failing if s not in known or
                   next(r for r in results if r.shader == s).status != "known"]
    stale = [r.shader for r in results if r.status == "pass" and r.shader in known]
    return {"comparable": len(results), "passed": passed,
            "pass_rate": round(passed / max(1, len(results)), 4),
            "known": sum(r.status == "known" for r in results),
            "mismatch": sum(r.status == "mismatch" for r in results),
            "errors": sum(r.status == "error" for r in results),
            "skipped": len(skipped), "unexplained": unexplained, "stale_known_differences": stale}


def combine(per_set: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The corpus summary over several reference sets: totals, the pass rate over all of
    them, unexplained failures and stale entries as ``"set: shader"``, and ``sets`` (each
    set's own :func:`summarise`)."""
    keys = ("comparable", "passed", "known", "mismatch", "errors", "skipped")
    total = {k: sum(s[k] for s in per_set.values()) for k in keys}
    return {**total, "pass_rate": round(total["passed"] / max(1, total["comparable"]), 4),
            "unexplained": [f"{name}: {x}" for name, s in per_set.items() for x in s["unexplained"]],
            "stale_known_differences": [f"{name}: {x}" for name, s in per_set.items()
                                        for x in s["stale_known_differences"]],
            "sets": per_set}
