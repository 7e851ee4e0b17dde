"""Classify every corpus shader that fails the strict rule: is the difference the machine's
arithmetic, undefined behaviour in the shader, or a bug of ours?

``python -m conformance --corpus --classify`` runs it after the comparison and writes
``classification.json`` into the report folder.  Each failing shader gets one class:

* ``precision-sensitive`` -- MEASURED on the machine running the check.  The shader's frame
  sequence is rendered again under each of :data:`NUDGES`: every TIME moved by 1e-4 or 3e-4
  seconds, or every fractional float literal of its source scaled by ``1 +- 2^-20`` or
  ``1 +- 2^-18`` (a few to a few dozen float32 ULPs, the order of the difference between two
  implementations of sin/cos).  Pixels that change by more than the strict tolerance under any
  nudge are *chaotic*.  A
  failing frame is explained by precision when (1) the nudges change at least
  :data:`SELF_RATIO` times as many pixels as differ from the reference (our own output is as
  unstable as the difference we are asked to explain), and (2) where the nudges change
  nothing, at least :data:`STABLE_SHARE` of the pixels match the reference within the strict
  tolerance (a real bug shows in the stable part of the picture too).  Every failing frame
  must be explained.  Criterion (2) is judged only when at least :data:`MIN_STABLE` of the frame
  is stable: a frame of chaos throughout has no stable part to check, and a wrong picture of
  pure hash noise cannot be told from a right one by any per-pixel comparison.  Hash idioms
  found in the source are listed as support.
* ``undefined-behaviour`` -- not precision-sensitive, and the source holds at least one
  non-weak construct whose result GLSL leaves undefined (:mod:`conformance.evidence`), listed
  with line numbers.
* ``unexplained`` -- everything else, a render error included: the real bugs to fix.

The class is a proposal for a person to review: ``python -m conformance.classify
--write-known classification.json`` turns it into ``gpu`` entries of
``conformance/known-differences.json`` marked ``"reviewed": false``, and such entries explain
nothing until a person sets ``reviewed`` to true and writes the ``reason``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import offscreen_isf as oi
from offscreen_isf.isf.lexer import tokenize

from .corpus import GPU_ENTRY_CLASSES, KNOWN_DIFFERENCES, ShaderResult, reference_frames, render_sequence
from .evidence import float_literal, hash_idioms, undefined_behaviour
from .oracle import CORPUS_PIXEL_SHARE, CORPUS_TOLERANCE, GPU_PIXEL_SHARE

CLASSES = ("precision-sensitive", "undefined-behaviour", "unexplained")
#: the nudged re-renderings: name -> (what is nudged, amount).  ``time``: seconds added to every
#: TIME; ``constants``: relative change of every fractional float literal of the source.  Both
#: signs and two sizes, because each nudge flips only some of a hash's cells: the union of
#: what they change approaches every pixel whose value hangs on the last bits.
NUDGES: dict[str, tuple[str, float]] = {
    "time+1e-4": ("time", 1e-4), "time+3e-4": ("time", 3e-4),
    "constants+2^-20": ("constants", 2.0 ** -20), "constants-2^-20": ("constants", -(2.0 ** -20)),
    "constants+2^-18": ("constants", 2.0 ** -18), "constants-2^-18": ("constants", -(2.0 ** -18)),
}
#: criterion (1): pixels changed by the nudges >= this times the pixels off the reference
SELF_RATIO = 0.25
#: criterion (2): share of the nudge-stable pixels that must match the reference ...
STABLE_SHARE = GPU_PIXEL_SHARE
#: ... judged when at least this share of the frame is stable: below it a few hash cells that
#: happened to keep their value under every nudge would decide the verdict by chance
MIN_STABLE = 0.2
#: literals this close to a small whole number are left alone (exponents, 1.0, 2.0 ...)
_WHOLE_LIMIT = 16


@dataclass
class Classification:
    """The verdict on one failing shader of one reference set."""

    shader: str
    reference_set: str
    cls: str
    evidence: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly (``class`` for ``cls``)."""
        return {"shader": self.shader, "reference_set": self.reference_set, "class": self.cls,
                "evidence": self.evidence, "metrics": self.metrics}


def nudge_constants(source: str, relative: float) -> tuple[str, int]:
    """``source`` with every float literal that is not a whole number up to 16 scaled by
    ``1 + relative`` (comments, the JSON header included, and line numbers untouched), and the
    number of literals changed."""
    out: list[str] = []
    changed = 0
    for t in tokenize(source.replace("\r\n", "\n").replace("\r", "\n")):
        value = float_literal(t.text) if t.kind == "number" else None
        if value is None or not math.isfinite(value) or (value == int(value) and abs(value) <= _WHOLE_LIMIT):
            out.append(t.text)
            continue
        out.append(f"{value * (1.0 + relative):.9e}")
        changed += 1
    return "".join(out), changed


def _off(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels with some channel off by more than the strict tolerance."""
    return np.asarray((np.abs(a.astype(np.int16) - b.astype(np.int16)) > CORPUS_TOLERANCE).any(axis=2))


def precision_verdict(ours: list[np.ndarray], reference: list[np.ndarray],
                      nudged: dict[str, list[np.ndarray]]) -> tuple[bool, list[dict[str, Any]]]:
    """Apply the precision criteria (module docstring) to every frame failing the strict rule.

    Returns (explained, per failing frame: index, ``reference_off`` share, ``nudge_off`` share
    per nudge and of their union, ``stable_match`` share, ``explained``)."""
    rows = []
    for k, (o, r) in enumerate(zip(ours, reference, strict=True)):
        ref_off = _off(o, r)
        if 1.0 - ref_off.mean() >= CORPUS_PIXEL_SHARE:
            continue
        masks = {name: _off(o, frames[k]) for name, frames in nudged.items()}
        chaotic = np.zeros(ref_off.shape, bool)
        for m in masks.values():
            chaotic |= m
        stable = ~chaotic
        stable_match = float((stable & ~ref_off).sum() / stable.sum()) if stable.any() else 1.0
        judged = stable.mean() >= MIN_STABLE
        ok = bool(chaotic.mean() >= SELF_RATIO * ref_off.mean()
                  and (stable_match >= STABLE_SHARE or not judged))
        rows.append({"frame": k, "reference_off": round(float(ref_off.mean()), 5),
                     "nudge_off": {n: round(float(m.mean()), 5) for n, m in masks.items()},
                     "chaotic": round(float(chaotic.mean()), 5),
                     "stable_match": round(stable_match, 5), "stable_judged": bool(judged),
                     "explained": ok})
    return bool(rows) and all(r["explained"] for r in rows), rows


def _nudged_frames(path: Path, references: Path, conditions: dict[str, Any], names: list[str],
                   context: oi.Context, draw_flipped: bool, notes: list[str]) -> dict[str, list[np.ndarray]]:
    """Our frames under each of :data:`NUDGES` that could be rendered (what could not is said
    in ``notes``)."""
    nudged: dict[str, list[np.ndarray]] = {}
    doc = oi.load(path)
    for name, (kind, amount) in NUDGES.items():
        if kind == "time":
            nudged[name] = render_sequence(path, references, conditions, names, context,
                                           draw_flipped, amount)
            continue
        text, changed = nudge_constants(doc.source, amount)
        if not changed:
            notes.append("constant nudges not measured: no fractional float literal")
            break
        try:
            shader = oi.load(text, base_dir=path.parent, vertex_source=doc.vertex_source)
            nudged[name] = render_sequence(shader, references, conditions, names, context,
                                           draw_flipped)
        except oi.ISFError as exc:
            notes.append(f"nudge {name} not measured: {type(exc).__name__}: {str(exc)[:200]}")
    return nudged


def classify_shader(rel: str, corpus: Path, references: Path, conditions: dict[str, Any],
                    image_inputs: dict[str, list[str]], context: oi.Context,
                    draw_flipped: bool = False) -> Classification:
    """Gather the evidence on corpus shader ``rel`` against one reference set and classify it."""
    path = corpus / rel
    out = Classification(rel, references.name, "unexplained")
    source = path.read_text(encoding="utf-8", errors="replace")
    hashes = hash_idioms(source)
    ub = undefined_behaviour(source)
    names = image_inputs.get(rel, [])
    try:
        ours = render_sequence(path, references, conditions, names, context, draw_flipped)
        notes: list[str] = []
        nudged = _nudged_frames(path, references, conditions, names, context, draw_flipped, notes)
    except oi.ISFError as exc:
        out.evidence = [f"render error: {type(exc).__name__}: {str(exc)[:300]}"]
        return out
    explained, rows = precision_verdict(ours, reference_frames(rel, references, conditions), nudged)
    out.metrics = {"failing_frames": rows, "nudges": sorted(nudged)}
    if not rows:
        out.evidence.append("no frame fails the strict rule on this re-render")
    for r in rows:
        out.evidence.append(
            f"measured frame {r['frame']}: {r['reference_off']:.1%} of pixels off the reference; "
            f"the nudges change {r['chaotic']:.1%} of ours; "
            + (f"{r['stable_match']:.1%} of the nudge-stable pixels match the reference"
               if r["stable_judged"] else "too few pixels are stable to judge them"))
    out.evidence += notes + [f.text() for f in hashes] + [f.text() for f in ub]
    out.metrics["hash_idioms"] = len(hashes)
    out.metrics["undefined_behaviour"] = [f.text() for f in ub]
    if explained:
        out.cls = "precision-sensitive"
    elif any(not f.weak for f in ub):
        out.cls = "undefined-behaviour"
    return out


def classify_failures(results: list[ShaderResult], corpus: Path, references: Path,
                      context: oi.Context, draw_flipped: bool = False) -> list[Classification]:
    """Classify every result of one reference set that does not pass the strict rule."""
    conditions = json.loads((references / "conditions.json").read_text())
    image_inputs = json.loads((references / "image-inputs.json").read_text())
    out = []
    for res in results:
        if res.strict_pass:
            continue
        if res.status == "error":
            out.append(Classification(res.shader, references.name, "unexplained",
                                      [f"render error: {res.detail[:300]}"]))
        else:
            out.append(classify_shader(res.shader, corpus, references, conditions, image_inputs,
                                       context, draw_flipped))
        if context.state is oi.State.LOST:
            context.reinitialize()
    return out


def counts(classes: list[Classification]) -> dict[str, int]:
    """Shaders per class (every class present, zeros included)."""
    return {c: sum(x.cls == c for x in classes) for c in CLASSES}


def write_classification(out: Path, classes: list[Classification], renderer: str, rule: str) -> Path:
    """Write ``out/classification.json``: the GL renderer, the comparison rule, the criteria,
    counts per class, and ``shaders``: ``"set: shader"`` -> class, evidence, metrics."""
    out.mkdir(parents=True, exist_ok=True)
    data = {"renderer": renderer, "rule": rule, "counts": counts(classes),
            "criteria": {"nudges": NUDGES, "self_ratio": SELF_RATIO, "stable_share": STABLE_SHARE,
                         "min_stable": MIN_STABLE},
            "shaders": {f"{c.reference_set}: {c.shader}": c.as_dict() for c in classes}}
    path = out / "classification.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def propose_known(classification: dict[str, Any], known: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Merge a classification.json's explained shaders into a known-differences document as
    ``gpu`` entries marked ``"reviewed": false`` (reviewed entries are never touched; an
    unreviewed one is replaced, its sets merged).  ``unexplained`` shaders are bugs to fix and
    are never proposed.  Returns (the new document, the shaders written)."""
    table = dict(known.get("gpu", {}))
    written = []
    for item in classification["shaders"].values():
        if item["class"] not in GPU_ENTRY_CLASSES:
            continue
        old = table.get(item["shader"])
        if old is not None and old.get("reviewed") is True:
            continue
        sets = sorted(set((old or {}).get("sets", [])) | {item["reference_set"]})
        table[item["shader"]] = {"class": item["class"], "reason": "", "evidence": item["evidence"],
                                 "sets": sets, "gpu": classification["renderer"], "reviewed": False}
        written.append(item["shader"])
    return {**known, "gpu": dict(sorted(table.items()))}, sorted(set(written))


def main(argv: list[str] | None = None) -> int:
    """``python -m conformance.classify --write-known classification.json [--known FILE]``."""
    ap = argparse.ArgumentParser(prog="python -m conformance.classify",
                                 description="propose gpu known-differences entries (unreviewed)")
    ap.add_argument("--write-known", required=True, metavar="CLASSIFICATION_JSON",
                    help="a classification.json from `python -m conformance --corpus --classify`")
    ap.add_argument("--known", default=str(KNOWN_DIFFERENCES), help="file to update (default: %(default)s)")
    args = ap.parse_args(argv)
    known_path = Path(args.known)
    merged, written = propose_known(json.loads(Path(args.write_known).read_text()),
                                    json.loads(known_path.read_text()))
    known_path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(f"{len(written)} gpu entries proposed in {known_path} (reviewed: false): review each, "
          "write its reason, then set reviewed to true")
    return 0


if __name__ == "__main__":
    sys.exit(main())
