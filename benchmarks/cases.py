"""Benchmark cases: each as ISF source (for offscreen-isf and pyvvisf) plus a plain-GLSL "raw"
pipeline doing the same draw (for the raw PyOpenGL floor and moderngl).

Everything here is plain data (JSON-serialisable) so the orchestrator can hand it to worker
processes, including the pyvvisf virtualenv, which has no offscreen_isf installed.  No GL here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: the shared ISF corpus, read in place (never copied into the repository)
CORPUS = REPO.parent / "shared" / "isf-corpus" / "ISF-Files" / "ISF"
#: two real single-pass generators from Vidvox/ISF-Files (no image inputs, so every contender
#: that parses them can run them)
CORPUS_SHADERS = {"corpus_noise": "Noise.fs", "corpus_spiral": "Spiral.fs"}

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}

RAW_VS = """#version 330 core
layout(location = 0) in vec2 isf_position;
out vec2 isf_FragNormCoord;
void main() { gl_Position = vec4(isf_position, 0.0, 1.0); isf_FragNormCoord = (isf_position + 1.0) / 2.0; }
"""

_RAW_FS_HEAD = """#version 330 core
in vec2 isf_FragNormCoord;
uniform int PASSINDEX;
uniform vec2 RENDERSIZE;
uniform float TIME;
layout(location = 0) out vec4 isf_FragColor;
#define gl_FragColor isf_FragColor
"""

TRIVIAL = "gl_FragColor = vec4(isf_FragNormCoord, fract(TIME), 1.0);"
HEAVY = """vec2 p = isf_FragNormCoord; float v = 0.0;
    for (int i = 0; i < 64; ++i) { v += sin(p.x * float(i) + TIME) * cos(p.y * float(i)); }
    gl_FragColor = vec4(vec3(v * 0.02 + 0.5), 1.0);"""

# The filter samples a new 1080p image every frame, scaled to the output (normalised coords).
# offscreen-isf uploads bottom-row-first and samples uv; the raw pipeline uploads the array as
# given (top row first) and samples (u, 1-v): the same texel for every pixel.
FILTER_ISF = ('/*{"ISFVSN": "2", "INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/\n'
              "void main() {\n    vec4 c = IMG_THIS_NORM_PIXEL(inputImage);\n"
              "    gl_FragColor = vec4(c.rgb * (0.75 + 0.25 * sin(TIME)), c.a);\n}\n")
FILTER_RAW = (_RAW_FS_HEAD + "uniform sampler2D inputImage;\nvoid main() {\n"
              "    vec4 c = texture(inputImage, vec2(isf_FragNormCoord.x, 1.0 - isf_FragNormCoord.y));\n"
              "    gl_FragColor = vec4(c.rgb * (0.75 + 0.25 * sin(TIME)), c.a);\n}\n")

# Three passes, the first into a persistent buffer that reads its own previous frame.
# IMG_THIS_PIXEL (exact 1:1 texel) because every target is output-sized, and because it is
# the one sampling macro pyvvisf 0.9.0 handles (its IMG_NORM_PIXEL is broken).
_FEEDBACK_BODY = """vec2 uv = isf_FragNormCoord;
    if (PASSINDEX == 0) {
        vec4 fresh = vec4(uv, 0.5 + 0.5 * sin(TIME), 1.0);
        gl_FragColor = mix(THIS(feedback), fresh, 0.1);
    } else if (PASSINDEX == 1) {
        gl_FragColor = THIS(feedback).gbra;
    } else {
        gl_FragColor = 0.5 * (THIS(feedback) + THIS(swizzled));
    }"""
FEEDBACK_ISF = ('/*{"ISFVSN": "2", "PASSES": [{"TARGET": "feedback", "PERSISTENT": true}, '
                '{"TARGET": "swizzled"}, {}]}*/\n'
                "void main() {\n    " + _FEEDBACK_BODY.replace("THIS(", "IMG_THIS_PIXEL(") + "\n}\n")
FEEDBACK_RAW = (_RAW_FS_HEAD + "uniform sampler2D feedback;\nuniform sampler2D swizzled;\n"
                "#define THIS(s) texelFetch(s, ivec2(gl_FragCoord.xy), 0)\nvoid main() {\n    "
                + _FEEDBACK_BODY + "\n}\n")


def isf_source(body: str) -> str:
    """A one-pass ISF generator around ``body`` (header on one line: pyvvisf parses it)."""
    return '/*{"ISFVSN": "2"}*/\nvoid main() {\n    ' + body + "\n}\n"


def raw_source(body: str) -> str:
    """The plain GLSL 330 fragment shader for a one-pass generator ``body``."""
    return _RAW_FS_HEAD + "void main() {\n    " + body + "\n}\n"


def pyvvisf_header(text: str) -> str:
    """Put the JSON header on pyvvisf 0.9.0's terms: ``/*{`` and ``}*/`` with no whitespace
    between (its regex finds nothing otherwise, which most official shaders hit as shipped)."""
    text = re.sub(r"\A\s*/\*\s*\{", "/*{", text, count=1)
    return re.sub(r"\}\s*\*/", "}*/", text, count=1)


def _one_pass(vertex: str, fragment: str, uniforms: list[list[Any]] | None = None) -> dict[str, Any]:
    return {"vertex": vertex, "fragment": fragment, "passes": [{"target": None, "persistent": False}],
            "samplers": [], "uniforms": uniforms or []}


def _corpus_case(name: str, filename: str) -> dict[str, Any]:
    """A corpus shader: the raw/moderngl pipelines run offscreen-isf's own GLSL translation
    (the same program), with every input uniform set once to its default."""
    from offscreen_isf import load
    from offscreen_isf.isf.translate import translate

    path = CORPUS / filename
    doc = load(path)
    tr = translate(doc)
    types = {u.name: u.glsl_type for u in tr.uniforms}
    uniforms: list[list[Any]] = [["DATE", "vec4", [2024.0, 1.0, 1.0, 0.0]], ["TIMEDELTA", "float", 1 / 30]]
    for inp in doc.inputs:
        value = inp.default
        if isinstance(value, (tuple, list)):
            value = [float(v) for v in value]
        elif isinstance(value, bool):
            value = int(value)
        uniforms.append([inp.name, types[inp.name], value])
    text = path.read_text()
    return {"name": name, "kind": "corpus", "file": f"ISF-Files/ISF/{filename}", "isf": text,
            "pyvvisf_isf": pyvvisf_header(text), "single_pass": True,
            "raw": _one_pass(tr.vertex, tr.fragment, uniforms), "image_input": None,
            "compare": True}


def build_cases(names: list[str] | None = None) -> list[dict[str, Any]]:
    """All benchmark cases (or those named), in run order."""
    cases: list[dict[str, Any]] = [
        {"name": "trivial", "kind": "generator", "isf": isf_source(TRIVIAL), "pyvvisf_isf": isf_source(TRIVIAL),
         "single_pass": True, "raw": _one_pass(RAW_VS, raw_source(TRIVIAL)), "image_input": None,
         "compare": True},
        {"name": "heavy", "kind": "generator (64x sin*cos per pixel)", "isf": isf_source(HEAVY),
         "pyvvisf_isf": isf_source(HEAVY), "single_pass": True,
         "raw": _one_pass(RAW_VS, raw_source(HEAVY)), "image_input": None, "compare": True},
        {"name": "filter_upload", "kind": "filter, new 1920x1080 image uploaded per frame",
         "isf": FILTER_ISF, "pyvvisf_isf": None,
         "pyvvisf_skip": "pyvvisf 0.9.0 cannot set image inputs ('Unknown expected type: image')",
         "single_pass": True,
         "raw": {**_one_pass(RAW_VS, FILTER_RAW), "samplers": ["inputImage"]},
         "image_input": "inputImage", "compare": True},
        {"name": "feedback_3pass", "kind": "3 passes, first PERSISTENT (reads its previous frame)",
         "isf": FEEDBACK_ISF, "pyvvisf_isf": FEEDBACK_ISF,
         "pyvvisf_note": "pyvvisf 0.9.0 ignores PERSISTENT (buffers recreated every render): runs, but wrong output",
         "single_pass": False,
         "raw": {"vertex": RAW_VS, "fragment": FEEDBACK_RAW,
                 "passes": [{"target": "feedback", "persistent": True},
                            {"target": "swizzled", "persistent": False},
                            {"target": None, "persistent": False}],
                 "samplers": ["feedback", "swizzled"], "uniforms": []},
         "image_input": None, "compare": False},   # history-dependent: pixels differ by frame count
    ]
    for name, filename in CORPUS_SHADERS.items():
        if (CORPUS / filename).is_file():     # the shared corpus sits beside a checkout, not in it
            cases.append(_corpus_case(name, filename))
        elif names and name in names:
            raise SystemExit(f"case {name} needs {CORPUS / filename} (the shared ISF corpus), not found")
    if names:
        unknown = set(names) - {c["name"] for c in cases}
        if unknown:
            raise SystemExit(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c["name"] in names]
    return cases
