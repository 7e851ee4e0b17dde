"""The ratio plot (``out/bench/ratios.png``), drawn with Pillow.

Pillow is already a runtime dependency; matplotlib would add ~40 MB and a minute of install to
``make bench`` on a fresh clone for one bar chart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SERIES = [("offscreen-isf/osmesa", "offscreen-isf / raw (OSMesa)", (31, 119, 180)),
          ("offscreen-isf/osmesa:draw_flipped", "offscreen-isf draw_flipped / raw (OSMesa)", (130, 180, 220)),
          ("offscreen-isf/egl", "offscreen-isf / raw (EGL)", (44, 160, 44)),
          ("offscreen-isf/egl:draw_flipped", "offscreen-isf draw_flipped / raw (EGL)", (150, 210, 150)),
          ("moderngl/egl", "moderngl / raw (EGL)", (255, 127, 14)),
          ("pyvvisf/osmesa", "pyvvisf / raw (GLFW null + OSMesa)", (214, 39, 40))]


def plot_ratios(results: dict[str, Any], path: Path) -> Path:
    """Grouped horizontal bars: contender fps / raw fps per case and size; 1.0 = the floor."""
    rows = [r for r in results["summary"]["rows"] if any("ratio" in r.get(k, {}) for k, _, _ in SERIES)]
    series = [s for s in SERIES if any("ratio" in r.get(s[0], {}) for r in rows)]
    font = ImageFont.load_default()
    bar, gap, label_w, plot_w, top = 9, 10, 150, 620, 40
    group_h = bar * max(len(series), 1) + gap
    height = top + group_h * max(len(rows), 1) + 30 + 16 * len(series)
    img = Image.new("RGB", (label_w + plot_w + 40, height), "white")
    d = ImageDraw.Draw(img)
    vmax = max([1.2] + [r[k]["ratio"] for r in rows for k, _, _ in series if "ratio" in r.get(k, {})])
    x_of = lambda v: label_w + int(plot_w * min(v, vmax) / vmax)  # noqa: E731
    d.text((10, 8), f"fps ratio vs raw PyOpenGL floor, same process ({results['started']})", fill="black", font=font)
    bottom = top + group_h * len(rows)
    for v in [x / 4 for x in range(int(vmax * 4) + 1)]:
        x = x_of(v)
        d.line([(x, top - 4), (x, bottom)], fill=(220, 220, 220))
        d.text((x - 8, bottom + 2), f"{v:.2f}", fill="gray", font=font)
    for ref, color in ((1.0, "black"), (0.95, (150, 150, 150))):
        d.line([(x_of(ref), top - 4), (x_of(ref), bottom)], fill=color, width=1)
    for i, r in enumerate(rows):
        y = top + i * group_h
        d.text((6, y + 2), f"{r['case']} {r['size']}", fill="black", font=font)
        for j, (key, _, color) in enumerate(series):
            entry = r.get(key, {})
            yy = y + j * bar
            if "ratio" in entry:
                d.rectangle([label_w, yy, x_of(entry["ratio"]), yy + bar - 2], fill=color)
                d.text((x_of(entry["ratio"]) + 3, yy - 2), f"{entry['ratio']:.2f}", fill=color, font=font)
            elif entry:
                d.text((label_w + 3, yy - 2), entry.get("status", ""), fill="gray", font=font)
    y = bottom + 18
    for _, label, color in series:
        d.rectangle([label_w, y + 2, label_w + 10, y + 10], fill=color)
        d.text((label_w + 16, y), label, fill="black", font=font)
        y += 16
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path
