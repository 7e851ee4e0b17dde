"""Run the own cases (``conformance/cases``) and compare each frame with its oracle.

A case passes when every checked channel of every frame is within the case's tolerance:
RGBA8 output within ``tolerance_lsb`` of the oracle's rounded write (GL may round ties
either way), float32 output within ``atol``.  A case marked ``xfail`` (a known renderer bug)
that fails is reported as ``xfail``; one that passes is ``xpass`` (remove the mark).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

import offscreen_isf as oi

from .cases import Case, all_cases
from .oracle import metrics, u8

#: callback(case name, frame index, expected uint8, ours uint8) -> written image paths
CaseSink = Callable[[str, int, np.ndarray, np.ndarray], dict[str, str]]


@dataclass
class CaseResult:
    """The outcome of one own case."""

    name: str
    category: str
    rule: str
    status: str              # pass, fail, error, xfail, xpass
    frames: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""
    xfail: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly."""
        return dict(self.__dict__)


def _prepare(case: Case, workdir: Path) -> Path:
    """Copy the case's .fs (and .vs) into ``workdir`` and write its generated image files."""
    workdir.mkdir(parents=True, exist_ok=True)
    fs = workdir / case.fs.name
    shutil.copyfile(case.fs, fs)
    vs = case.fs.with_suffix(".vs")
    if vs.exists():
        shutil.copyfile(vs, workdir / vs.name)
    for rel, pixels in case.files.items():
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.ascontiguousarray(pixels), "RGBA").save(path)
    return fs


def compare_frame(case: Case, ours: np.ndarray, expected: np.ndarray) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Metrics of one frame, plus the expected and our image as uint8 for the report."""
    mask = ~np.isnan(expected)
    if case.dtype == "float32":
        m = metrics(ours.astype(np.float64) * 255, np.nan_to_num(expected) * 255, case.atol * 255, mask)
        return m.as_dict(), u8(np.nan_to_num(expected)), u8(ours)
    want = u8(np.nan_to_num(expected))
    m = metrics(ours, want, case.tolerance_lsb, mask)
    shown = want.copy()
    shown[~mask.all(axis=2)] = (255, 0, 255, 255)     # unchecked pixels in magenta
    return m.as_dict(), shown, ours


def run_case(case: Case, context: oi.Context, workdir: Path, sink: CaseSink | None = None) -> CaseResult:
    """Render ``case`` frame by frame in one renderer and compare with its oracle."""
    t0 = time.perf_counter()
    res = CaseResult(case.name, case.category, case.rule, "pass", xfail=case.xfail)
    failures: list[str] = []
    try:
        fs = _prepare(case, workdir / case.name)
        if case.default_dtype is not None:     # probe render(dtype=None) in a renderer of its own
            with oi.Renderer(fs, case.size, context=context) as probe:
                probe.set_inputs(**case.frames[0].inputs)
                got = str(probe.render(case.frames[0].time, case.frames[0].date).dtype)
            if got != case.default_dtype:
                failures.append(f"render() returned {got}, expected {case.default_dtype}")
        with oi.Renderer(fs, case.size, context=context) as r:
            for k, frame in enumerate(case.frames):
                if frame.inputs:
                    r.set_inputs(**frame.inputs)
                ours = r.render(frame.time, frame.date, dtype=case.dtype)
                row, want, shown = compare_frame(case, ours, frame.expected)
                row["time"] = frame.time
                if row["share_off"] > 0:
                    bad = np.argwhere((np.abs(np.nan_to_num(frame.expected) * 255
                                              - ours.astype(np.float64) * (255 if case.dtype == "float32" else 1))
                                       > (case.atol * 255 if case.dtype == "float32" else case.tolerance_lsb))
                                      & ~np.isnan(frame.expected))
                    y, x, _ = bad[0]
                    failures.append(f"frame {k}: max diff {row['max_abs']}/255, {row['share_off']:.1%} of pixels off; "
                                    f"first at row {y} col {x}: ours {ours[y, x].tolist()}, "
                                    f"expected {np.round(frame.expected[y, x], 4).tolist()}")
                if sink is not None:
                    row["images"] = sink(case.name, k, want, shown)
                res.frames.append(row)
    except oi.ISFError as exc:
        res.status, res.detail = "error", f"{type(exc).__name__}: {exc}"[:2000]
    if res.status != "error" and failures:
        res.status, res.detail = "fail", "; ".join(failures)[:2000]
    if case.xfail:
        res.status = "xpass" if res.status == "pass" else "xfail"
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def run_cases(context: oi.Context, text_filter: str = "", sink: CaseSink | None = None) -> list[CaseResult]:
    """Run every own case whose name contains ``text_filter``."""
    results = []
    with tempfile.TemporaryDirectory(prefix="isf-conformance-") as tmp:
        for case in all_cases():
            if text_filter in case.name:
                results.append(run_case(case, context, Path(tmp), sink))
                if context.state is oi.State.LOST:
                    context.reinitialize()
    return results


def summarise_cases(results: list[CaseResult]) -> dict[str, Any]:
    """Counts per status and per category."""
    by_status: dict[str, int] = {}
    by_category: dict[str, dict[str, int]] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
        cat = by_category.setdefault(r.category, {"total": 0, "pass": 0})
        cat["total"] += 1
        cat["pass"] += r.status == "pass"
    failing = [r.name for r in results if r.status in ("fail", "error", "xpass")]
    return {"total": len(results), "passed": by_status.get("pass", 0), "by_status": by_status,
            "by_category": by_category, "failing": failing}
