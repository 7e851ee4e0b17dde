"""``python -m conformance``: run the own cases (and, with ``--corpus``, the corpus comparison)
on one backend, write the HTML report + JSON summary, print one summary line.

Exit status 0 when every own case passes (known bugs marked xfail aside) and, in corpus
mode, the pass rate under ``--rule`` reaches ``--min-pass-rate`` and every failing shader is
explained in ``conformance/known-differences.json`` (and, with ``--classify``, no shader is
classified ``unexplained``); 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import offscreen_isf as oi

from . import classify as classify_mode
from . import corpus as corpus_mode
from .oracle import RULES
from .report import ImageWriter, summary_line, write_report
from .runner import run_cases, summarise_cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=None, help="osmesa / egl (default: OFFSCREEN_ISF_BACKEND, then platform)")
    ap.add_argument("--corpus", nargs="?", const=str(corpus_mode.CORPUS), default=None, metavar="DIR",
                    help=f"also compare the corpus (default DIR: {corpus_mode.CORPUS})")
    ap.add_argument("--references", default=str(corpus_mode.REFERENCE_ROOT), metavar="DIR",
                    help="a reference set (images + conditions.json) or a folder of them "
                         "(default: every set in %(default)s)")
    ap.add_argument("--reference-set", default="", metavar="NAME",
                    help="compare only against the reference set of this name")
    ap.add_argument("--no-cases", action="store_true", help="skip the own cases")
    ap.add_argument("--filter", default="", help="only cases / shaders whose name contains this text")
    ap.add_argument("--out", default=None, help="report folder (default: out/conformance/<backend>)")
    ap.add_argument("--images", choices=("failing", "all", "none"), default="failing",
                    help="corpus frame images to keep (own cases always keep theirs)")
    ap.add_argument("--min-pass-rate", type=float, default=0.97, help="corpus bar (default 0.97)")
    ap.add_argument("--gallery", default=None, metavar="URL",
                    help="an offscreen-isf gallery page of the corpus folder (relative to the report "
                         "folder, or absolute): corpus rows link to their entries there")
    ap.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    ap.add_argument("--draw-flipped", action="store_true",
                    help="render the corpus with Renderer(draw_flipped=True), the opt-in fast readback "
                         "that is not bit-exact, to count what it changes")
    ap.add_argument("--rule", choices=RULES, default="strict",
                    help="corpus comparison rule: strict (every frame >= 99%% of pixels within "
                         "2/255) or gpu (strict, or SSIM and looser per-pixel bars; see "
                         "conformance/README.md)")
    ap.add_argument("--classify", action="store_true",
                    help="classify every corpus shader failing the strict rule (precision-"
                         "sensitive / undefined-behaviour / unexplained) into classification.json")
    return ap.parse_args(argv)


def _reference_sets(args: argparse.Namespace, log: Any) -> list[Path]:
    """The reference sets to compare against; none (with a note) when the default folder is
    absent, SystemExit when a named folder or set is missing."""
    root = Path(args.references)
    try:
        sets = corpus_mode.reference_sets(root, args.reference_set)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    if not sets:
        if args.references != str(corpus_mode.REFERENCE_ROOT):
            raise SystemExit(f"--references {args.references}: no conditions.json there or below")
        log(f"corpus skipped: no references at {args.references}")
    return sets


def _classified(classes: list[classify_mode.Classification], shaders: list[dict[str, Any]],
                summary: dict[str, Any], out: Path, rule: str, log: Any) -> bool:
    """Write classification.json, put each shader's class in its report row and the counts
    in the summary, print the counts; True when no shader is ``unexplained``."""
    path = classify_mode.write_classification(out, classes, summary["renderer"], rule)
    by_key = {(c.reference_set, c.shader): c for c in classes}
    for row in shaders:
        c = by_key.get((row["reference_set"], row["shader"]))
        if c is not None:
            row["class"], row["class_evidence"] = c.cls, c.evidence
    summary["classification"] = classify_mode.counts(classes)
    log(f"classification: {path}")
    print("classified: " + ", ".join(f"{n} {k}" for k, n in summary["classification"].items()))
    return not summary["classification"]["unexplained"]


def main(argv: list[str] | None = None) -> int:
    """Run, report, and return the exit status."""
    args = parse_args(argv)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    warnings.simplefilter("ignore", category=Warning)   # corpus quirks warn; the report has the facts
    with oi.Context(args.backend) as ctx:
        backend = ctx.backend
        out = Path(args.out) if args.out else corpus_mode.REPO / "out" / "conformance" / backend
        writer = ImageWriter(out)
        info = ctx.info
        summary: dict[str, Any] = {"backend": backend, "renderer": getattr(info, "renderer", ""),
                                   "gl_version": getattr(info, "version", "")}
        cases: list[dict[str, Any]] = []
        shaders: list[dict[str, Any]] = []
        skipped: dict[str, str] = {}
        known: dict[str, dict[str, Any]] = {}
        ok = True
        if not args.no_cases:
            results = run_cases(ctx, args.filter, writer)
            for r in results:
                if r.status != "pass":
                    log(f"case {r.status:6} {r.name}: {r.detail or r.xfail}")
            summary["cases"] = summarise_cases(results)
            cases = [r.as_dict() for r in results]
            ok &= not summary["cases"]["failing"]
        corpus_dir = Path(args.corpus) if args.corpus else None
        sets = _reference_sets(args, log) if corpus_dir is not None else []
        if corpus_dir is not None and sets:
            def sink_for(res: corpus_mode.ShaderResult) -> ImageWriter | None:
                keep = args.images == "all" or (args.images == "failing" and res.status != "pass")
                return writer if keep else None

            per_set: dict[str, dict[str, Any]] = {}
            classes: list[classify_mode.Classification] = []
            for ref in sets:
                results_c, skipped_c, known_c = corpus_mode.run_corpus(
                    ctx, corpus_dir, ref, args.filter, sink_for, log, args.draw_flipped, args.rule)
                if args.classify:
                    classes += classify_mode.classify_failures(results_c, corpus_dir, ref, ctx,
                                                               args.draw_flipped)
                per_set[ref.name] = corpus_mode.summarise(results_c, skipped_c, known_c)
                shaders += [r.as_dict() for r in results_c]
                skipped.update({f"{ref.name}: {k}": v for k, v in skipped_c.items()})
                known.update(known_c)
            summary["corpus"] = corpus_mode.combine(per_set)
            summary["corpus"]["rule"] = args.rule
            ok &= all(s["pass_rate"] >= args.min_pass_rate and not s["unexplained"]
                      for s in per_set.values())
            if args.classify:
                ok &= _classified(classes, shaders, summary, out, args.rule, log)
    summary["ok"] = bool(ok)
    html_path, json_path = write_report(out, summary, cases, shaders, skipped, known, gallery=args.gallery)
    log(f"report: {html_path}  summary: {json_path}")
    print(summary_line(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
