"""Render the ISF corpus under the reference conditions and compare with VVISF-GL's images.

``python -m conformance.corpus [--backend B] [--filter TEXT] [--json OUT]`` renders every
comparable shader of ``shared/isf-corpus`` at the conditions in
``shared/isf-references/vvisf-gl-256x144/conditions.json`` (size, TIME sequence in one
renderer, DATE, test images on image inputs) and reports, per shader, the fraction of
pixels within the tolerance of the reference on every frame.

A shader *passes* when every frame has >= 99% of its pixels within 2/255 (all channels).
Uses only the public API (``oi.Renderer``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

import offscreen_isf as oi

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "isf-corpus"
REFERENCES = SHARED / "isf-references" / "vvisf-gl-256x144"
TOLERANCE = 2          # per channel, in 1/255 steps
PIXEL_FRACTION = 0.99  # of pixels within TOLERANCE, on every frame


@dataclass
class Result:
    shader: str
    status: str                      # pass, mismatch, error, skipped
    frames: list[float] = field(default_factory=list)   # fraction of pixels within tolerance
    max_diff: int = 0
    detail: str = ""
    seconds: float = 0.0


def load_conditions() -> dict:
    return json.loads((REFERENCES / "conditions.json").read_text())


def comparable_shaders(conditions: dict) -> tuple[list[str], dict[str, str]]:
    """(shader paths relative to the corpus, {skipped path: reason})."""
    rows = list(csv.DictReader((REFERENCES / "status.csv").open()))
    skipped = {p: "audio input unbound in the oracle" for p in conditions["non_comparable"]["audio_inputs"]}
    skipped.update({p: "the reference implementation failed to compile it"
                    for p in conditions["compile_failures"]})
    shaders = [r["path"] for r in rows if r["path"] not in skipped]
    return shaders, skipped


def compare(frame: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    diff = np.abs(frame.astype(np.int16) - reference.astype(np.int16)).max(axis=2)
    return float((diff <= TOLERANCE).mean()), int(diff.max())


def run_one(rel: str, conditions: dict, context: oi.Context, image_inputs: dict) -> Result:
    t0 = time.perf_counter()
    size = (conditions["size"]["width"], conditions["size"]["height"])
    result = Result(rel, "pass")
    try:
        with oi.Renderer(CORPUS / rel, size, context=context) as r:
            names = image_inputs.get(rel, [])
            r.set_inputs(**{n: REFERENCES / conditions["image_inputs"]["files"][str(k)]
                            for k, n in enumerate(names)})
            for frame_info in conditions["frames"]:
                frame = r.render(frame_info["TIME"], tuple(conditions["date"]), dtype="uint8")
                ref = np.asarray(Image.open(REFERENCES / rel / frame_info["png"]).convert("RGBA"))
                fraction, max_diff = compare(frame, ref)
                result.frames.append(round(fraction, 5))
                result.max_diff = max(result.max_diff, max_diff)
        if min(result.frames) < PIXEL_FRACTION:
            result.status = "mismatch"
    except oi.ISFError as exc:
        result.status, result.detail = "error", f"{type(exc).__name__}: {exc}"[:2000]
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=None)
    ap.add_argument("--filter", default="", help="only shaders whose path contains this text")
    ap.add_argument("--json", default=None, help="write per-shader results here")
    args = ap.parse_args(argv)
    conditions = load_conditions()
    image_inputs = json.loads((REFERENCES / "image-inputs.json").read_text())
    shaders, skipped = comparable_shaders(conditions)
    shaders = [s for s in shaders if args.filter in s]
    results: list[Result] = []
    with oi.Context(args.backend) as ctx:
        for i, rel in enumerate(shaders, 1):
            res = run_one(rel, conditions, ctx, image_inputs)
            results.append(res)
            if res.status != "pass":
                print(f"[{i}/{len(shaders)}] {res.status:8} {rel} {res.frames} max {res.max_diff} "
                      f"{res.detail[:300]}", file=sys.stderr)
            if ctx.state is oi.State.LOST:
                ctx.reinitialize()
        backend = ctx.backend
    passed = sum(r.status == "pass" for r in results)
    summary = {"backend": backend, "comparable": len(results), "passed": passed,
               "pass_rate": round(passed / max(1, len(results)), 4),
               "mismatch": sum(r.status == "mismatch" for r in results),
               "errors": sum(r.status == "error" for r in results), "skipped": len(skipped)}
    print(json.dumps(summary))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "skipped": skipped,
                                               "results": [asdict(r) for r in results]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
