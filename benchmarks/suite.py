"""The benchmark suite (``make bench``, ``python -m benchmarks``).

Runs one worker process per (contender, backend) -- PyOpenGL binds one platform per process --
each pairing its contender with the raw PyOpenGL floor on the same context, then the CLI's
PNG-sequence throughput, and writes ``out/bench/results.json``, ``table.txt`` and
``ratios.png``.  Numbers are ratios against the raw loop measured in the same process, in
interleaved blocks (medians): absolute fps on shared, noisy machines mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.cases import REPO, SIZES, build_cases

DEFAULT_OUT = REPO / "out" / "bench"
PYVVISF_PYTHON = REPO / ".bench" / "pyvvisf-venv" / "bin" / "python"
WORKER = REPO / "benchmarks" / "worker.py"
#: (contender, backend) workers in run order
WORKERS = [("offscreen-isf", "osmesa"), ("offscreen-isf", "egl"), ("moderngl", "egl"), ("pyvvisf", "osmesa")]

# Many short interleaved blocks: the median of 12 pair ratios shrugs off the bursts of a
# shared machine better than a few long blocks do.
FULL = {"blocks": 12, "block_seconds": 0.15, "max_frames": 120, "skip_4k_over_s": 0.1,
        "reinit_reps": 5, "reinit_size": [640, 360], "soak_frames": 10_000, "soak_size": [64, 64],
        "soak_filter_frames": 1_000, "encoder_reps": 6, "cli_frames": 96, "cli_reps": 3,
        "overhead_size": [8, 8], "overhead_frames": 300, "overhead_blocks": 5, "cuda_frames": 60}
QUICK = {"blocks": 2, "block_seconds": 0.05, "max_frames": 10, "skip_4k_over_s": 0.1,
         "reinit_reps": 2, "reinit_size": [64, 64], "soak_frames": 200, "soak_size": [32, 32],
         "soak_filter_frames": 50, "encoder_reps": 2, "cli_frames": 4, "cli_reps": 1,
         "overhead_size": [8, 8], "overhead_frames": 20, "overhead_blocks": 2, "cuda_frames": 4}


def available_backends() -> list[str]:
    """The software/GPU backends offscreen-isf can open here (probed in child processes)."""
    found = []
    for backend in ("osmesa", "egl", "cgl"):
        code = f"import offscreen_isf as oi; oi.Context({backend!r}).open().close()"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              cwd=REPO, env=_env(backend), check=False)
        if proc.returncode == 0:
            found.append(backend)
    return found


def _env(backend: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYOPENGL_PLATFORM", None)
    if backend:
        env["OFFSCREEN_ISF_BACKEND"] = backend
        env["PYOPENGL_PLATFORM"] = backend
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONFAULTHANDLER"] = "1"
    if extra:
        env.update(extra)
    return env


def contender_python(name: str) -> tuple[str | None, str]:
    """(interpreter, '') for a runnable contender, or (None, reason) when it is unavailable."""
    if name == "offscreen-isf":
        return sys.executable, ""
    if name == "moderngl":
        proc = subprocess.run([sys.executable, "-c", "import moderngl, glcontext"], capture_output=True, text=True,
                              check=False)
        return (sys.executable, "") if proc.returncode == 0 else (
            None, "moderngl not installed (pip install -e '.[bench]')")
    if name == "pyvvisf":
        py = Path(os.environ.get("PYVVISF_PYTHON", PYVVISF_PYTHON))
        if not py.exists():
            return None, f"no pyvvisf virtualenv at {py} (make bench-pyvvisf)"
        proc = subprocess.run([str(py), "-c", "import pyvvisf, glfw; print(pyvvisf.__version__)"],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return None, f"pyvvisf does not import in {py}: {proc.stderr.strip()[-300:]}"
        return str(py), ""
    return None, f"unknown contender {name}"


def run_worker(python: str, contender: str, backend: str, cases: list[dict[str, Any]],
               sizes: list[tuple[str, tuple[int, int]]], cfg: dict[str, Any], out_dir: Path,
               timeout: float) -> dict[str, Any]:
    """Run one worker process; its JSON (partial if it died), plus how it ended."""
    raw_dir = out_dir / "workers"
    raw_dir.mkdir(parents=True, exist_ok=True)
    tag = f"{contender}-{backend}"
    spec_path, result_path = raw_dir / f"{tag}.spec.json", raw_dir / f"{tag}.json"
    trivial = next((c for c in build_cases(["trivial"])), None)
    spec = {"contender": contender, "backend": backend, "cases": cases, "trivial": trivial,
            "sizes": [[label, list(size)] for label, size in sizes], "config": cfg,
            "tmp": str(out_dir / "tmp" / tag)}
    spec_path.write_text(json.dumps(spec))
    result_path.unlink(missing_ok=True)
    extra = {"LIBGL_ALWAYS_SOFTWARE": "1"} if contender == "pyvvisf" else None
    env = _env(backend, extra)
    if contender == "pyvvisf":
        env.pop("DISPLAY", None)          # GLFW's null platform: no X server involved
    t0 = time.perf_counter()
    print(f"[bench] {tag} ...", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run([python, str(WORKER), str(spec_path), str(result_path)], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=timeout, check=False)
        rc, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, stderr = "timeout", (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    result: dict[str, Any] = json.loads(result_path.read_text()) if result_path.exists() else {}
    result.setdefault("contender", contender)
    result.setdefault("backend", backend)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    if rc != 0:
        result["status"] = "error"
        result.setdefault("reason", f"worker exit {rc}")
        result["stderr_tail"] = stderr[-2000:]
    print(f"[bench] {tag}: {result.get('status')} in {result['wall_s']} s"
          + (f" ({result.get('reason')})" if result.get("status") != "ok" else ""), file=sys.stderr, flush=True)
    return result


def cli_throughput(backend: str, shader: Path, size: tuple[int, int], frames: int, out_dir: Path,
                   reps: int = 1) -> dict[str, Any]:
    """End-to-end ``offscreen-isf render`` PNG-sequence rate: (N-1) / (t(N) - t(1)), so process
    start, context creation and compile cancel out; the median of ``reps`` such pairs (one
    slow process start would otherwise move it by a third)."""
    cmd = [sys.executable, "-m", "offscreen_isf.farm.cli", "render", str(shader), "--size", f"{size[0]}x{size[1]}",
           "--fps", "30", "--backend", backend, "-q"]
    pairs = []
    for _ in range(max(1, reps)):
        walls = {}
        for n in (1, frames):
            tmp = Path(tempfile.mkdtemp(prefix=f"cli-{backend}-", dir=out_dir))
            t0 = time.perf_counter()
            proc = subprocess.run(cmd + ["-o", str(tmp / "f_%04d.png"), "--frames", str(n)], capture_output=True,
                                  text=True, env=_env(None), cwd=REPO, timeout=600, check=False)
            walls[n] = time.perf_counter() - t0
            written = len(list(tmp.glob("*.png")))
            shutil.rmtree(tmp, ignore_errors=True)
            if proc.returncode != 0 or written != n:
                return {"status": "error", "reason": f"exit {proc.returncode}, {written}/{n} PNGs: {proc.stderr[-500:]}"}
        if walls[frames] - walls[1] <= 0.05:
            return {"status": "error", "reason": f"too few frames to measure ({frames}); noise exceeds the difference"}
        pairs.append(((frames - 1) / (walls[frames] - walls[1]), walls[1], walls[frames]))
    steady, wall_1, wall_n = sorted(pairs)[len(pairs) // 2]
    return {"status": "ok", "size": f"{size[0]}x{size[1]}", "frames": frames, "reps": len(pairs),
            "wall_1_s": round(wall_1, 2), "wall_n_s": round(wall_n, 2), "fps": round(steady, 2),
            "fps_reps": [round(p[0], 2) for p in pairs], "fps_incl_startup": round(frames / wall_n, 2)}


# ----------------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------------
def cli_bound(results: dict[str, Any], backend: str) -> dict[str, Any] | None:
    """What the CLI could reach: min(render fps, single-core encode fps x encoder threads),
    the render rate being the in-process trivial case at the CLI's size; None when either
    was not measured."""
    from offscreen_isf.farm.batch import default_jobs

    cli = results.get("cli", {}).get(backend, {})
    render = _cell(results, "offscreen-isf", backend, "trivial", _size_name(cli.get("size", ""))).get("fps")
    encode = results["workers"].get(f"offscreen-isf-{backend}", {}).get("encoder_fps_1080p")
    if not render or not encode:
        return None
    cores = min(default_jobs(), os.cpu_count() or 1)
    return {"render_fps": render, "encode_fps": encode, "cores": cores,
            "bound_fps": round(min(render, encode * cores), 2)}


def _size_name(size: str) -> str:
    return {"1280x720": "720p", "1920x1080": "1080p", "3840x2160": "4k"}.get(size, size)


def _cell(results: dict[str, Any], contender: str, backend: str, case: str, size: str) -> dict[str, Any]:
    return results["workers"].get(f"{contender}-{backend}", {}).get("cells", {}).get(case, {}).get(size, {})


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """Derived ratios and the suite's targets, each met / not met / not measured."""
    rows = []
    for case in results["cases"]:
        for size in results["sizes"]:
            row: dict[str, Any] = {"case": case["name"], "size": size}
            for contender, backend in WORKERS:
                c = _cell(results, contender, backend, case["name"], size)
                key = f"{contender}/{backend}"
                if c.get("status") == "ok":
                    row[key] = {"fps": c["fps"], "raw_fps": c["raw_fps"], "ratio": c["ratio"],
                                "same_pixels": c.get("same_pixels")}
                    for name, v in c.get("variants", {}).items():
                        row[f"{key}:{name}"] = v
                elif c:
                    row[key] = {"status": c.get("status"), "reason": c.get("reason", "")}
            for backend in ("osmesa", "egl"):
                ours, pyv = row.get(f"offscreen-isf/{backend}", {}), row.get("pyvvisf/osmesa", {})
                if "ratio" in ours and "ratio" in pyv and backend == "osmesa":
                    # both normalised by a raw loop on the same backend, in their own runs
                    row["oi_over_pyvvisf"] = round(ours["ratio"] / pyv["ratio"], 3)
            rows.append(row)
    targets = []
    for backend in ("osmesa", "egl"):
        for case in results["cases"]:
            if case["single_pass"]:
                c = _cell(results, "offscreen-isf", backend, case["name"], "1080p")
                if c.get("status") == "ok":
                    targets.append({"target": f"oi/raw >= 0.95, {case['name']} 1080p, {backend}",
                                    "value": c["ratio"], "met": c["ratio"] >= 0.95})
        w = results["workers"].get(f"offscreen-isf-{backend}", {})
        for s in w.get("soak", []):
            if s["case"] == "trivial":
                targets.append({"target": f"RSS growth < 10 MB over {s['frames']} frames, {backend}",
                                "value": s["rss_growth_mb"], "met": s["rss_growth_mb"] < 10})
            targets.append({"target": f"no GL object growth, {s['case']} soak, {backend}",
                            "value": s["gl_objects_growth"], "met": s["gl_objects_growth"] <= 0})
        cli = results.get("cli", {}).get(backend, {})
        render = _cell(results, "offscreen-isf", backend, "trivial", "1080p")
        enc = w.get("encoder_fps_1080p")
        if cli.get("status") == "ok" and render.get("status") == "ok" and enc:
            bound = min(render["fps"], enc * results["machine"]["cores"])
            targets.append({"target": f"CLI PNG fps >= 0.9 x min(render {render['fps']}, encoder {enc} x "
                                      f"{results['machine']['cores']} cores), {backend}",
                            "value": round(cli["fps"] / bound, 3), "met": cli["fps"] >= 0.9 * bound})
    wrong_output = {c["name"] for c in results["cases"] if c.get("pyvvisf_note")}
    for row in rows:
        if "oi_over_pyvvisf" in row:
            label = f"oi >= 1.5 x pyvvisf, {row['case']} {row['size']}, osmesa"
            pyv = row["pyvvisf/osmesa"]
            if pyv.get("same_pixels") is False or row["case"] in wrong_output:
                # a speed ratio against frames that are wrong compares unlike work
                why = ("pyvvisf draws wrong pixels here" if pyv.get("same_pixels") is False
                       else "pyvvisf's output is wrong here (see note)")
                targets.append({"target": f"{label} ({why})", "value": row["oi_over_pyvvisf"], "met": None})
            else:
                targets.append({"target": label, "value": row["oi_over_pyvvisf"],
                                "met": row["oi_over_pyvvisf"] >= 1.5})
    return {"rows": rows, "targets": targets}


def _fmt(entry: dict[str, Any] | None, field: str = "ratio") -> str:
    if not entry:
        return "-"
    if field in entry:
        return f"{entry[field]:.1f}" if field.endswith("fps") else f"{entry[field]:.2f}"
    return {"unsupported": "n/a", "skipped": "skip", "error": "ERR"}.get(entry.get("status", ""), "-")


def table(results: dict[str, Any]) -> str:
    """The printed report."""
    s, lines = results["summary"], []
    m = results["machine"]
    lines.append(f"offscreen-isf benchmark  {results['started']}  {m['cores']} cores  load {m['load']}  "
                 f"({results['mode']} run, {results['wall_s']} s)")
    for key, w in results["workers"].items():
        lines.append(f"  {key:22s} {w.get('status', '?'):5s} {w.get('gl_renderer', '')} | {w.get('gl_version', '')}"
                     + (f"  [{w.get('reason')}]" if w.get("status") != "ok" else ""))
    for name, reason in results["unavailable"].items():
        lines.append(f"  {name:22s} unavailable: {reason}")
    lines.append("")
    lines.append("Throughput, render + readback to numpy.  raw = PyOpenGL floor in the same process;")
    lines.append("ratio = contender fps / raw fps (median of ABBA block pairs; 1.00 = no overhead).")
    lines.append("flip/raw = offscreen-isf with draw_flipped=True (opt-in, not bit-exact: see README).")
    head = (f"{'case':15s} {'size':6s} | {'raw fps':>7s} {'oi/raw':>6s} {'flip/raw':>8s} | {'raw fps':>7s} "
            f"{'oi/raw':>6s} {'flip/raw':>8s} {'mgl/raw':>7s} | {'pyv/raw':>7s} {'oi/pyv':>6s}")
    lines.append(f"{'':22s} | {'osmesa':^23s} | {'egl':^31s} | {'osmesa':^14s}")
    lines.append(head)
    lines.append("-" * len(head))
    for row in s["rows"]:
        o, e = row.get("offscreen-isf/osmesa"), row.get("offscreen-isf/egl")
        lines.append(f"{row['case']:15s} {row['size']:6s} | {_fmt(o, 'raw_fps'):>7s} {_fmt(o):>6s} "
                     f"{_fmt(row.get('offscreen-isf/osmesa:draw_flipped')):>8s} | "
                     f"{_fmt(e, 'raw_fps'):>7s} {_fmt(e):>6s} "
                     f"{_fmt(row.get('offscreen-isf/egl:draw_flipped')):>8s} {_fmt(row.get('moderngl/egl')):>7s} | "
                     f"{_fmt(row.get('pyvvisf/osmesa')):>7s} "
                     f"{_fmt(row, 'oi_over_pyvvisf'):>6s}")
    lines.append("")
    lines.append(f"{'worker':22s} {'import':>7s} {'1st frame':>9s} {'reinit':>8s}  {'soak (frames, ms/f, RSS +MB, GL objs +)'}")
    for key, w in results["workers"].items():
        if w.get("status") != "ok":
            continue
        soaks = "; ".join(f"{x['case']} {x['frames']}@{x['size']}: {x['ms_per_frame']:.2f} ms, "
                          f"{x['rss_growth_mb']:+.1f} MB, {x['gl_objects_growth']:+d}" for x in w.get("soak", []))
        lines.append(f"{key:22s} {w['import_ms']:6.0f}ms {w['first_frame_ms']:7.0f}ms "
                     f"{w['reinitialize']['ms']:6.1f}ms  {soaks}")
    lines.append("  import = contender + PyOpenGL import; 1st frame = context + compile + first "
                 f"{next(iter(results['workers'].values()), {}).get('first_frame_size', '')} frame (trivial);")
    lines.append("  reinit = see results.json 'what' per contender (offscreen-isf: reinitialize() + next render).")
    lines += _extras_lines(results)
    for backend, cli in results.get("cli", {}).items():
        w = results["workers"].get(f"offscreen-isf-{backend}", {})
        if cli.get("status") == "ok":
            bound = cli_bound(results, backend)
            lines.append(f"CLI PNG sequence {cli['size']} {backend}: {cli['fps']} fps steady "
                         f"({cli['fps_incl_startup']} incl. start-up, {cli['frames']} frames); "
                         f"encoder {w.get('encoder_fps_1080p', '?')} fps/core")
            if bound is not None:
                lines.append(f"  against min(render {bound['render_fps']}, encode {bound['encode_fps']} x "
                             f"{bound['cores']} cores) = {bound['bound_fps']} fps: "
                             f"{cli['fps'] / bound['bound_fps']:.0%} of the bound")
        else:
            lines.append(f"CLI PNG sequence {backend}: {cli.get('status')}: {cli.get('reason', '')}")
    lines.append("")
    lines.append("Targets:")
    for t in s["targets"]:
        verdict = "n/a" if t["met"] is None else "met" if t["met"] else "NOT MET"
        lines.append(f"  [{verdict:7s}] {t['target']}: {t['value']}")
    lines.append("  note pyvvisf: its isf_FragNormCoord runs top-down (pixels differ from raw: see max_diff_vs_raw)")
    notes = {c["name"]: c.get("pyvvisf_note") for c in results["cases"] if c.get("pyvvisf_note")}
    for name, note in notes.items():
        lines.append(f"  note {name}: {note}")
    return "\n".join(lines)


def _extras_lines(results: dict[str, Any]) -> list[str]:
    """The offscreen-isf workers' per-frame overhead and device="cuda" cells."""
    from benchmarks.bench_render import cuda_lines, overhead_lines

    lines = []
    for key, w in results["workers"].items():
        if w.get("per_frame_overhead"):
            lines += [f"{key}: " + line if i == 0 else line
                      for i, line in enumerate(overhead_lines(w["per_frame_overhead"]))]
        if w.get("cuda"):
            lines += cuda_lines(key, w["cuda"])
    return lines


def add_arguments(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The suite's options on ``ap`` (``python -m benchmarks``, ``make bench``)."""
    ap.add_argument("--quick", action="store_true", help="tiny frame counts (smoke test), not for numbers")
    ap.add_argument("--backends", default=None, help="comma list (default: every backend that opens here)")
    ap.add_argument("--contenders", default="offscreen-isf,moderngl,pyvvisf")
    ap.add_argument("--cases", default=None, help="comma list of case names (default: all)")
    ap.add_argument("--sizes", default="720p,1080p,4k", help="comma list of 720p,1080p,4k or WxH")
    ap.add_argument("--blocks", type=int, default=None)
    ap.add_argument("--block-seconds", type=float, default=None)
    ap.add_argument("--soak-frames", type=int, default=None)
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI PNG-sequence measurement")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--worker-timeout", type=float, default=420)
    return ap


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks [options]``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    return run(add_arguments(ap).parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the suite with parsed options; 1 when an offscreen-isf worker failed."""
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("blocks", "block_seconds", "soak_frames"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    sizes = []
    for label in args.sizes.split(","):
        label = label.strip()
        size = SIZES.get(label) or tuple(int(v) for v in label.split("x"))
        sizes.append((label, size))
    cases = build_cases(args.cases.split(",") if args.cases else None)
    backends = args.backends.split(",") if args.backends else available_backends()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    t0 = time.perf_counter()
    results: dict[str, Any] = {
        "started": started, "mode": "quick" if args.quick else "full", "config": cfg,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load": " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"},
        "sizes": [label for label, _ in sizes],
        "cases": [{k: v for k, v in c.items() if k not in ("isf", "pyvvisf_isf", "raw")} for c in cases],
        "workers": {}, "unavailable": {}, "cli": {}}
    wanted = args.contenders.split(",")
    for contender, backend in WORKERS:
        if contender not in wanted:
            continue
        key = f"{contender}-{backend}"
        needed = "osmesa" if contender == "pyvvisf" else backend
        if needed not in backends:
            results["unavailable"][key] = f"backend {needed} not selected or not available here"
            continue
        python, reason = contender_python(contender)
        if python is None:
            results["unavailable"][key] = reason
            continue
        w = results["workers"][key] = run_worker(python, contender, backend, cases, sizes, cfg, args.out,
                                                 args.worker_timeout)
        if w.get("status") == "ok" and "skip_4k_cases" not in cfg:   # the first worker decides
            cfg["skip_4k_cases"] = sorted(name for name, cells in w.get("cells", {}).items()
                                          if cells.get("4k", {}).get("status") == "skipped")
    if not args.no_cli:
        trivial = args.out / "tmp" / "trivial.fs"
        trivial.parent.mkdir(parents=True, exist_ok=True)
        trivial.write_text(build_cases(["trivial"])[0]["isf"])
        cli_size = dict(sizes).get("1080p", sizes[-1][1])
        for backend in backends:
            if backend in ("osmesa", "egl", "cgl") and f"offscreen-isf-{backend}" in results["workers"]:
                print(f"[bench] CLI {backend} ...", file=sys.stderr, flush=True)
                results["cli"][backend] = cli_throughput(backend, trivial, cli_size, cfg["cli_frames"], args.out,
                                                         cfg.get("cli_reps", 1))
    results["wall_s"] = round(time.perf_counter() - t0, 1)
    results["summary"] = summarize(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    text = table(results)
    (args.out / "table.txt").write_text(text + "\n")
    if not args.no_plot:
        from benchmarks.plot import plot_ratios

        plot_ratios(results, args.out / "ratios.png")
    shutil.rmtree(args.out / "tmp", ignore_errors=True)
    print(text)
    print(f"\nresults: {args.out / 'results.json'}, {args.out / 'table.txt'}"
          + ("" if args.no_plot else f", {args.out / 'ratios.png'}"))
    failed = [k for k, w in results["workers"].items() if w.get("status") != "ok" and k.startswith("offscreen-isf")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
