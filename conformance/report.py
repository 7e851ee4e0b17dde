"""The conformance report: a static HTML page (PNG files beside it, opens from the file
system), a JSON summary, and one line for CI logs."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from offscreen_isf.farm.gallery import anchor

from .oracle import amplified_difference

#: difference images are |ours - reference| times this
GAIN = 16
_STATUS_CLASS = {"pass": "ok", "xfail": "warn", "known": "warn", "fail": "bad", "error": "bad",
                 "mismatch": "bad", "xpass": "bad"}


class ImageWriter:
    """Writes reference | ours | amplified-difference PNGs under ``root/img`` and returns their
    paths relative to ``root`` (for the HTML).  Tiny case images are enlarged (nearest) so
    they are visible."""

    def __init__(self, root: Path, min_side: int = 96) -> None:
        self.root = root
        self.min_side = min_side
        (root / "img").mkdir(parents=True, exist_ok=True)
        for old in (root / "img").glob("*.png"):     # images of an earlier run of this report
            old.unlink()

    def _save(self, image: np.ndarray, stem: str) -> str:
        scale = max(1, -(-self.min_side // max(1, min(image.shape[:2]))))
        if scale > 1:
            image = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
        rel = f"img/{stem}.png"
        Image.fromarray(np.ascontiguousarray(image), "RGBA").save(self.root / rel)
        return rel

    def __call__(self, name: str, frame: int, reference: np.ndarray, ours: np.ndarray) -> dict[str, str]:
        tag = hashlib.sha1(name.encode()).hexdigest()[:6]      # sanitised names stay distinct
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[-80:] + f"-{tag}-{frame}"
        return {"reference": self._save(reference, stem + "-ref"),
                "ours": self._save(ours, stem + "-ours"),
                "diff": self._save(amplified_difference(ours, reference, GAIN), stem + "-diff")}


def summary_line(summary: dict[str, Any]) -> str:
    """One line for CI logs."""
    parts = [f"conformance [{summary['backend']}]"]
    cases = summary.get("cases")
    if cases:
        st = cases["by_status"]
        parts.append(f"cases {cases['passed']}/{cases['total']} pass"
                     + (f", {st.get('xfail', 0)} xfail" if st.get("xfail") else "")
                     + (f", FAILING {','.join(cases['failing'])}" if cases["failing"] else ""))
    corpus = summary.get("corpus")
    if corpus and corpus.get("rule"):
        parts.append(f"rule {corpus['rule']}")
    for name, c in (corpus or {}).get("sets", {}).items():
        parts.append(f"corpus {name} {c['passed']}/{c['comparable']} pass ({c['pass_rate']:.2%}), "
                     f"{c['known']} known, {len(c['unexplained'])} unexplained, "
                     f"{c['skipped']} not comparable")
    if summary.get("classification"):
        parts.append("classified " + ", ".join(f"{n} {k}" for k, n in summary["classification"].items()))
    parts.append("OK" if summary["ok"] else "FAILED")
    return " | ".join(parts)


def _frames_html(frames: list[dict[str, Any]], first_label: str) -> str:
    cells = []
    for k, fr in enumerate(frames):
        imgs = fr.get("images")
        psnr = "inf" if fr.get("psnr") is None else f"{fr['psnr']:.1f}"
        stats = (f"frame {k} (t={fr.get('time')}): max {fr['max_abs']}/255, "
                 f"{fr['share_off']:.2%} off, PSNR {psnr} dB")
        if "ssim" in fr:          # corpus frames: the gpu rule's measures too
            stats += (f", SSIM {fr['ssim']:.4f}, {fr['within_loose']:.2%} within 8, "
                      f"mean |diff| {fr['mean_abs']:.2f}, gpu rule {'pass' if fr['gpu_pass'] else 'FAIL'}")
        if imgs:
            pics = "".join(f'<figure><img src="{html.escape(imgs[key])}" alt="{key}">'
                           f"<figcaption>{label}</figcaption></figure>"
                           for key, label in (("reference", first_label), ("ours", "ours"),
                                              ("diff", f"|diff| x{GAIN}")))
            cells.append(f'<div class="frame">{pics}<div class="stats">{html.escape(stats)}</div></div>')
        else:
            cells.append(f'<div class="stats">{html.escape(stats)}</div>')
    return "".join(cells)


def write_report(out: Path, summary: dict[str, Any], cases: list[dict[str, Any]],
                 corpus: list[dict[str, Any]], skipped: dict[str, str],
                 known: dict[str, dict[str, Any]], gallery: str | None = None) -> tuple[Path, Path]:
    """Write ``index.html`` and ``summary.json`` into ``out``; returns their paths.

    ``gallery``: the URL of an ``offscreen-isf gallery`` page of the corpus folder (relative
    to ``out`` or absolute); each corpus shader's name then links to its entry there.
    """
    out.mkdir(parents=True, exist_ok=True)
    data = {"summary": summary, "cases": cases, "corpus": corpus, "corpus_skipped": skipped,
            "known_differences": known}
    json_path = out / "summary.json"
    json_path.write_text(json.dumps(data, indent=1, default=str))
    rows = []
    for c in sorted(cases, key=lambda c: (c["status"] == "pass", c["category"], c["name"])):
        cls = _STATUS_CLASS.get(c["status"], "bad")
        note = c["detail"] or (c.get("xfail") or "")
        rows.append(f'<tr class="{cls}"><td>{html.escape(c["category"])}</td><td><b>{html.escape(c["name"])}</b>'
                    f'<br><small>{html.escape(c["rule"])}</small></td><td>{c["status"]}</td>'
                    f'<td>{_frames_html(c["frames"], "oracle")}<small>{html.escape(note)}</small></td></tr>')
    crow = []
    for r in sorted(corpus, key=lambda r: (r["status"] == "pass", r["shader"], r.get("reference_set", ""))):
        cls = _STATUS_CLASS.get(r["status"], "bad")
        note = r["detail"]
        if r.get("known"):
            k = r["known"]
            review = "" if k.get("reviewed", True) else " (unreviewed gpu entry: explains nothing yet)"
            note = f"known difference{review}: {k.get('reason', '')} Evidence: {k['evidence']}"
        name = html.escape(r["shader"])
        if gallery:
            name = f'<a href="{html.escape(gallery)}#{anchor(r["shader"])}">{name}</a>'
        klass = r.get("class", "")
        evidence = "".join(f"<li>{html.escape(e)}</li>" for e in r.get("class_evidence", []))
        crow.append(f'<tr class="{cls}"><td>{name}<br>'
                    f'<small>{html.escape(r.get("reference_set", ""))}</small></td><td>{r["status"]}</td>'
                    f'<td>{html.escape(klass)}<ul>{evidence}</ul></td>'
                    f'<td>{_frames_html(r["frames"], "VVISF-GL")}<small>{html.escape(note)}</small></td></tr>')
    rule = str((summary.get("corpus") or {}).get("rule", "strict"))
    skipped_html = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in skipped.items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>offscreen-isf conformance</title>
<style>body{{font:14px sans-serif;margin:1.5em}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}} tr.ok td:nth-child(-n+3){{background:#e8f6e8}}
tr.warn td{{background:#fff6dc}} tr.bad td{{background:#fde4e4}} figure{{display:inline-block;margin:2px}}
img{{image-rendering:pixelated;max-width:256px;border:1px solid #999;background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/12px 12px}}
figcaption{{font-size:11px;text-align:center}} .frame{{display:inline-block;margin-right:8px}} .stats{{font-size:12px}}</style>
</head><body><h1>offscreen-isf conformance</h1><p><code>{html.escape(summary_line(summary))}</code></p>
<pre>{html.escape(json.dumps(summary, indent=1, default=str))}</pre>
<h2>Own cases ({len(cases)})</h2><p>Reference column = the oracle computed from the rule (magenta = unchecked).</p>
<table><tr><th>category</th><th>case / rule</th><th>status</th><th>frames</th></tr>{''.join(rows)}</table>
<h2>Corpus ({len(corpus)} comparable)</h2><p>Rule: <b>{html.escape(rule)}</b>. Images are kept for
shaders that do not pass (and for all with <code>--images all</code>). Class: the classifier's verdict
on a shader failing the strict rule (with <code>--classify</code>).</p>
<table><tr><th>shader</th><th>status</th><th>class</th><th>frames</th></tr>{''.join(crow)}</table>
<h3>Not comparable</h3><ul>{skipped_html}</ul></body></html>"""
    html_path = out / "index.html"
    html_path.write_text(page)
    return html_path, json_path
