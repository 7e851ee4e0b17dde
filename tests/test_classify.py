"""The mismatch classifier (``conformance/classify.py``) and its static evidence
(``conformance/evidence.py``), on this suite's own shaders and a reference set made here.

The GL test builds a three-shader corpus and a reference set whose frames are made to
differ the way each class differs: a hash-noise shader against its own rendering at a nudged
TIME (precision-sensitive), a smooth gradient against its flipped rendering (a real bug:
unexplained), and a smooth shader with an uninitialised accumulator against a rendering with
a wrong patch (undefined-behaviour, with the line)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import offscreen_isf as oi
from conformance.classify import NUDGES, nudge_constants, propose_known
from conformance.corpus import _explains, load_gpu_known, render_sequence
from conformance.evidence import hash_idioms, undefined_behaviour

from .conftest import run_child

HASH = """/*{"DESCRIPTION": "hash noise, 43758.5453 in the header is not code"}*/
float hash(vec2 p) {
    return fract(sin(dot(p, vec2(12.9898, 78.233)) + TIME) * 43758.5453);
}
void main() {
    float n = hash(floor(gl_FragCoord.xy));
    gl_FragColor = vec4(n, n * n, 1.0 - n, 1.0);
}
"""
GRADIENT = """/*{}*/
void main() {
    gl_FragColor = vec4(isf_FragNormCoord.x, isf_FragNormCoord.y, 0.25 + 0.5 * fract(TIME), 1.0);
}
"""
UNINIT = """/*{}*/
void main() {
    vec3 acc;
    for (int i = 0; i < 4; i++) {
        acc += vec3(0.1, 0.05, 0.02) * isf_FragNormCoord.y;
    }
    vec2 xy;
    xy.x = isf_FragNormCoord.x;
    gl_FragColor = vec4(acc, 1.0);
}
"""
SIZE = (48, 32)
TIMES = (0.5, 1.0)


# -- static evidence (no GL) --------------------------------------------------------------------

def test_hash_idioms_name_their_lines_and_skip_the_header() -> None:
    found = hash_idioms(HASH)
    assert [(f.kind, f.line) for f in found] == [("hash", 3)]
    assert "sin/cos" in found[0].message
    assert hash_idioms(GRADIENT) == []
    big = hash_idioms("/*{}*/\nvoid main(){ float a = sin(gl_FragCoord.x * 1e4);\n float b = fract(a * 4375.0); }")
    assert [f.line for f in big] == [2, 3]


def test_uninitialised_accumulator_is_found_on_its_line() -> None:
    found = undefined_behaviour(UNINIT)
    uninit = [f for f in found if f.kind == "uninitialised"]
    assert [(f.line, f.weak) for f in uninit] == [(5, False)]       # 'acc +=' on line 5
    assert "'acc'" in uninit[0].message and "line 3" in uninit[0].message
    # 'xy.x = ...' writes a component: not reported; neither is a plain assignment
    assert not any("'xy'" in f.message for f in found)
    assert undefined_behaviour("/*{}*/\nvoid main(){ float t;\n t = 1.0;\n gl_FragColor = vec4(t); }") == []


def test_undefined_calls_and_their_strength() -> None:
    src = ("/*{}*/\nvoid main(){\n float a = pow(sin(TIME), 2.0);\n float b = pow(1.0 - TIME, 2.0);\n"
           " float c = pow(abs(sin(TIME)), 2.0) + sqrt(max(TIME, 0.0));\n float d = sqrt(-TIME);\n"
           " float e = atan(gl_FragCoord.y, gl_FragCoord.x);\n gl_FragColor = vec4(a, b, c, d + e); }")
    got = [(f.line, f.kind, f.weak) for f in undefined_behaviour(src)]
    assert got == [(3, "negative-argument", False), (4, "negative-argument", True),
                   (6, "negative-argument", False), (7, "atan-zero", True)]


def test_nudge_constants_touches_fractional_literals_of_the_code_only() -> None:
    text, changed = nudge_constants(HASH, 2.0 ** -20)
    assert changed == 3                          # 12.9898, 78.233, 43758.5453; 1.0 stays
    assert text.count("\n") == HASH.count("\n")
    assert text.splitlines()[0] == HASH.splitlines()[0]      # the header is a comment
    assert "1.0 - n" in text and "43758.5453)" not in text
    assert nudge_constants(GRADIENT.replace("0.25", "2.0").replace("0.5", "3.0"), 1e-6)[1] == 0


# -- known-differences gpu entries (no GL) ------------------------------------------------------

def test_proposed_entries_are_unreviewed_and_explain_nothing(tmp_path: Path) -> None:
    classification = {"renderer": "NVIDIA Fake/PCIe", "shaders": {
        "s1: a.fs": {"shader": "a.fs", "reference_set": "s1", "class": "precision-sensitive",
                     "evidence": ["measured frame 0: ..."], "metrics": {}},
        "s2: a.fs": {"shader": "a.fs", "reference_set": "s2", "class": "precision-sensitive",
                     "evidence": ["measured frame 1: ..."], "metrics": {}},
        "s1: b.fs": {"shader": "b.fs", "reference_set": "s1", "class": "unexplained",
                     "evidence": ["flipped"], "metrics": {}},
        "s1: c.fs": {"shader": "c.fs", "reference_set": "s1", "class": "undefined-behaviour",
                     "evidence": ["line 5: ..."], "metrics": {}}}}
    reviewed = {"class": "undefined-behaviour", "reason": "a person wrote this", "evidence": ["x"],
                "sets": ["s1"], "gpu": "NVIDIA Old", "reviewed": True}
    known = {"about": "kept", "corpus": {}, "gpu": {"c.fs": reviewed}}
    merged, written = propose_known(classification, known)
    assert written == ["a.fs"] and merged["about"] == "kept"
    assert "b.fs" not in merged["gpu"], "unexplained shaders are bugs, never entries"
    assert merged["gpu"]["c.fs"] == reviewed, "a reviewed entry is never overwritten"
    a = merged["gpu"]["a.fs"]
    assert a["reviewed"] is False and a["sets"] == ["s1", "s2"] and a["gpu"] == "NVIDIA Fake/PCIe"
    path = tmp_path / "known.json"
    path.write_text(json.dumps(merged))
    table = load_gpu_known(path)
    assert not _explains(table["a.fs"], 0.0, "gpu"), "unreviewed entries explain nothing"
    assert _explains(table["c.fs"], 0.0, "gpu") and not _explains(table["c.fs"], 0.0, "strict")
    merged["gpu"]["a.fs"]["reviewed"] = True                     # reviewed without a reason
    path.write_text(json.dumps(merged))
    with pytest.raises(ValueError, match="reason"):
        load_gpu_known(path)


def test_the_shipped_gpu_section_loads() -> None:
    assert isinstance(load_gpu_known(), dict)


def test_write_known_command(tmp_path: Path) -> None:
    cls = tmp_path / "classification.json"
    cls.write_text(json.dumps({"renderer": "NVIDIA Fake", "shaders": {"s: a.fs": {
        "shader": "a.fs", "reference_set": "s", "class": "precision-sensitive",
        "evidence": ["measured"], "metrics": {}}}}))
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"corpus": {}, "gpu": {}}))
    proc = run_child(f"import sys; from conformance.classify import main; "
                     f"sys.exit(main(['--write-known', {str(cls)!r}, '--known', {str(known)!r}]))")
    assert proc.returncode == 0, proc.stderr
    assert "1 gpu entries proposed" in proc.stdout
    assert json.loads(known.read_text())["gpu"]["a.fs"]["reviewed"] is False


# -- the classifier on GL ------------------------------------------------------------------------

def _reference_set(root: Path, frames: dict[str, list[np.ndarray]]) -> Path:
    refs = root / "refs" / "own-48x32"
    (refs / "test-images").mkdir(parents=True)
    conditions = {"size": {"width": SIZE[0], "height": SIZE[1]}, "date": [2024, 1, 1, 43200],
                  "frames": [{"index": k, "TIME": t, "png": f"{k}.png"} for k, t in enumerate(TIMES)],
                  "image_inputs": {"files": {}}, "compile_failures": {}}
    (refs / "conditions.json").write_text(json.dumps(conditions))
    (refs / "image-inputs.json").write_text("{}")
    (refs / "status.csv").write_text("path,status\n" + "".join(f"{n},ok\n" for n in frames))
    for name, imgs in frames.items():
        (refs / name).mkdir()
        for k, img in enumerate(imgs):
            Image.fromarray(np.ascontiguousarray(img), "RGBA").save(refs / name / f"{k}.png")
    return refs


@pytest.mark.gl
def test_classifier_tells_precision_from_bugs_and_undefined_behaviour(tmp_path: Path, ctx: oi.Context) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, src in (("hash.fs", HASH), ("gradient.fs", GRADIENT), ("uninit.fs", UNINIT)):
        (corpus / name).write_text(src)
    cond = {"size": {"width": SIZE[0], "height": SIZE[1]}, "date": [2024, 1, 1, 43200],
            "frames": [{"TIME": t} for t in TIMES], "image_inputs": {"files": {}}}
    ours = {n: render_sequence(corpus / n, tmp_path, cond, [], ctx) for n in ("hash.fs", "gradient.fs", "uninit.fs")}
    # the hash at a TIME none of the nudges uses; the gradient upside down; the uninit shader
    # with a wrong 16x16 patch
    nudged = render_sequence(corpus / "hash.fs", tmp_path, cond, [], ctx, time_offset=2e-4)
    assert all(2e-4 != amount for _, amount in NUDGES.values())
    patched = [f.copy() for f in ours["uninit.fs"]]
    for f in patched:
        f[4:20, 4:20, :3] = 255 - f[4:20, 4:20, :3]
    refs = _reference_set(tmp_path, {"hash.fs": nudged, "gradient.fs": [f[::-1] for f in ours["gradient.fs"]],
                                     "uninit.fs": patched})
    out = tmp_path / "report"
    proc = run_child(f"import sys; from conformance.__main__ import main; "
                     f"sys.exit(main(['--corpus', {str(corpus)!r}, '--references', {str(refs)!r}, '--no-cases', "
                     f"'--rule', 'gpu', '--classify', '--images', 'none', '-q', '--out', {str(out)!r}]))")
    assert proc.returncode == 1, (proc.stdout, proc.stderr[-2000:])       # one is unexplained
    assert "classified: 1 precision-sensitive, 1 undefined-behaviour, 1 unexplained" in proc.stdout
    data = json.loads((out / "classification.json").read_text())
    got = {v["shader"]: v for v in data["shaders"].values()}
    assert {k: v["class"] for k, v in got.items()} == {
        "hash.fs": "precision-sensitive", "gradient.fs": "unexplained", "uninit.fs": "undefined-behaviour"}
    assert any(e.startswith("line 3: fract() of sin/cos") for e in got["hash.fs"]["evidence"])
    assert any(e.startswith("line 5: 'acc'") for e in got["uninit.fs"]["evidence"])
    assert all(r["explained"] for r in got["hash.fs"]["metrics"]["failing_frames"])
    assert not any(r["explained"] for r in got["gradient.fs"]["metrics"]["failing_frames"])
    assert data["rule"] == "gpu" and data["counts"]["unexplained"] == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["corpus"]["rule"] == "gpu"
    assert summary["summary"]["classification"]["precision-sensitive"] == 1
    rows = {r["shader"]: r for r in summary["corpus"]}
    assert rows["gradient.fs"]["class"] == "unexplained" and "ssim" in rows["gradient.fs"]["frames"][0]
    page = (out / "index.html").read_text()
    assert "precision-sensitive" in page and "Rule: <b>gpu</b>" in page and "SSIM" in page
