"""``offscreen-isf gallery``: the page lists every shader (a failing one with its typed error),
escapes shader text, exits 1 when a shader failed, and loads in a real browser with every
thumbnail decoded (Debian's ``chromium`` headless; skipped only when it cannot be found or
installed)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from offscreen_isf.farm.gallery import GalleryEntry, anchor, card_html, sample_image

pytestmark = pytest.mark.gl

GENERATOR = """/*{"DESCRIPTION": "a ramp <script>alert(1)</script> & more",
  "INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": 0.5, "MIN": 0.0, "MAX": 1.0},
             {"NAME": "mode", "TYPE": "long", "VALUES": [0, 1], "LABELS": ["a", "b"], "DEFAULT": 0}]}*/
void main() { gl_FragColor = vec4(isf_FragNormCoord.x, level, fract(TIME / 4.0), 1.0); }
"""
FILTER = """/*{"DESCRIPTION": "swaps red and blue", "INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage).bgra; }
"""
BROKEN = """/*{"DESCRIPTION": "does not compile"}*/
void main() { gl_FragColor = no_such_variable_here; }
"""
SIZE = (64, 36)

#: appended to a copy of the page: after load, each <img> records whether it decoded
PROBE = """<script>window.addEventListener("load", () => {
  for (const img of document.images) {
    img.setAttribute("data-natural", img.complete ? img.naturalWidth + "x" + img.naturalHeight : "pending");
  }
  document.body.setAttribute("data-probed", "yes");
});</script>"""


def _gallery(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    shaders = tmp_path / "shaders"
    (shaders / "sub").mkdir(parents=True)
    (shaders / "ramp.fs").write_text(GENERATOR)
    (shaders / "sub" / "swap.fs").write_text(FILTER)
    (shaders / "broken.fs").write_text(BROKEN)
    page = tmp_path / "site" / "index.html"
    page.parent.mkdir()
    proc = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "gallery", str(shaders),
                           "-o", str(page), "--size", f"{SIZE[0]}x{SIZE[1]}", *extra],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())
    return proc, page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    return _gallery(tmp_path_factory.mktemp("gallery"))


def test_exit_code_summary_and_thumbnails(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, page = built
    assert proc.returncode == 1, proc.stderr          # one shader failed, like validate
    assert "FAIL broken.fs" in proc.stdout and "CompileError" in proc.stdout
    assert "2 of 3 shader(s) drawn" in proc.stdout
    thumbs = sorted((page.parent / "index_files").glob("*.png"))
    assert len(thumbs) == 6                            # 2 drawn shaders x 3 times
    for t in thumbs:
        assert Image.open(t).size == SIZE
    # The filter drew the generated test image with red and blue swapped (not black).
    swap = np.asarray(Image.open(page.parent / "index_files" / f"{anchor('sub/swap.fs')}-0.png"))
    expected = sample_image(*SIZE)[..., [2, 1, 0, 3]]
    assert np.abs(swap.astype(int) - expected.astype(int)).max() <= 1


def test_page_lists_and_escapes(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, page = built
    text = page.read_text()
    assert text.count('<section class="shader') == 3
    assert "<script>alert(1)" not in text and html.escape("<script>alert(1)</script>") in text
    assert "filter" in text and "generator" in text
    assert "level" in text and "0.0 .. 1.0" in text and "0=a, 1=b" in text


def test_json_summary_and_usage(tmp_path: Path) -> None:
    proc, page = _gallery(tmp_path, "--json", "-q", "--times", "0.5")
    assert proc.returncode == 1
    info = json.loads(proc.stdout)
    assert info["shaders"] == 3 and info["failed"] == 1
    assert list(info["errors"]) == ["broken.fs"] and "CompileError" in info["errors"]["broken.fs"]
    assert len(list((page.parent / "index_files").glob("*.png"))) == 2
    bad = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "gallery", str(tmp_path),
                          "-o", str(tmp_path / "page.png")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "must end in .html" in bad.stderr


def test_card_escapes_every_field() -> None:
    evil = "<img src=x onerror=alert(1)>"
    entry = GalleryEntry(path=evil, name=evil, kind=evil, description=evil,
                         inputs=[(evil, evil, evil, evil)], thumbs=[(0.0, evil)], error=evil)
    out = card_html(entry)
    assert "<img src=x" not in out and out.count(html.escape(evil)) >= 7


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True,
                       timeout=900, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip("chromium not found and not installable here (Debian: apt-get install chromium; "
                "scripts/system-deps.sh --browser installs it; make install runs that)")


def test_page_loads_in_chromium(built: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path) -> None:
    browser = _chromium()
    _, page = built
    probed = page.with_name("probed.html")          # beside the page: same relative thumbnail paths
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--allow-file-access-from-files",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
                          "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=180)
    assert dom.returncode == 0, dom.stderr[-2000:]
    out = dom.stdout
    assert 'data-probed="yes"' in out, out[-2000:]
    sections = re.findall(r'<section class="shader (ok|error)"', out)
    assert sorted(sections) == ["error", "ok", "ok"]
    assert "CompileError" in out and "no_such_variable_here" in out
    naturals = re.findall(r'data-natural="([^"]*)"', out)
    assert naturals == [f"{SIZE[0]}x{SIZE[1]}"] * 6, naturals


def test_conformance_report_links_to_gallery(tmp_path: Path) -> None:
    from conformance.report import write_report

    row = {"shader": "sub/swap <x>.fs", "reference_set": "ref", "status": "fail", "detail": "",
           "frames": [], "known": None}
    page, _ = write_report(tmp_path, {"backend": "osmesa", "ok": False}, [], [row], {}, {},
                           gallery="../gallery/index.html")
    text = page.read_text()
    assert f'<a href="../gallery/index.html#{anchor("sub/swap <x>.fs")}">sub/swap &lt;x&gt;.fs</a>' in text
    plain, _ = write_report(tmp_path / "plain", {"backend": "osmesa", "ok": False}, [], [row], {}, {})
    assert "<a href" not in plain.read_text()


#: work per iteration keeps llvmpipe busy for many seconds (its loop cap stops `for(;;)`)
SLOW = """/*{"INPUTS": [{"NAME": "n", "TYPE": "float", "DEFAULT": 1e9, "MIN": 0, "MAX": 1e10}]}*/
void main() {
    float a = 0.0; float b = gl_FragCoord.x;
    for (int i = 0; i < int(n); i++) { %s }
    gl_FragColor = vec4(fract(a), 0.5, 0.0, 1.0);
}
""" % ("a = sin(a * 1.001 + b); b = cos(b + a * 0.5); " * 8)


def test_isolated_gallery_reports_a_hanging_shader(tmp_path: Path) -> None:
    shaders = tmp_path / "lib"
    shaders.mkdir()
    (shaders / "ok.fs").write_text(FILTER)
    (shaders / "slow.fs").write_text(SLOW)
    page = tmp_path / "page.html"
    proc = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "gallery", str(shaders), "-o",
                           str(page), "--size", "64x36", "--times", "0", "--isolate", "--timeout", "2",
                           "--json", "-q"], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1, proc.stderr
    info = json.loads(proc.stdout)
    assert info["failed"] == 1 and list(info["errors"]) == ["slow.fs"]
    assert info["errors"]["slow.fs"].startswith("RenderTimeout")
    assert "RenderTimeout" in page.read_text()
    assert len(list((tmp_path / "page_files").glob("*.png"))) == 1     # ok.fs drew
    plain = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "gallery", str(shaders), "-o",
                            str(page), "--timeout", "2"], capture_output=True, text=True, timeout=60)
    assert plain.returncode == 2 and "--isolate" in plain.stderr
