"""GLSL dialects real shaders are written in (own shaders in tests/dialects/): #extension lines,
reserved words as names, ES/#version bodies, uninitialised locals, Shadertoy-style ports.

Each tests/dialects/*.fs says what it renders in its DESCRIPTION: ``expect R G B A`` (every
pixel, 8-bit, +-1 for the x.5 roundings drivers may take either way) and optionally ``warn
TEXT`` (an ISFWarning naming TEXT is emitted).  Plus: compile errors never point into
generated code, and uninitialised values render the same bytes whatever ran before.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.isf.document import ISFWarning

pytestmark = pytest.mark.gl

CASES = Path(__file__).parent / "dialects"
SIZE = (6, 4)


def expectation(path: Path) -> tuple[list[int], str | None]:
    """(expected RGBA, warning text or None) from the shader's DESCRIPTION."""
    header = json.loads(path.read_text().split("*/", 1)[0].removeprefix("/*"))
    words = header["DESCRIPTION"].split()
    assert words[0] == "expect", path
    warn = " ".join(words[6:]) if len(words) > 5 and words[5] == "warn" else None
    return [int(w) for w in words[1:5]], warn


def render_case(path: Path, context: oi.Context | None = None) -> np.ndarray:
    """The case rendered at SIZE (frame 0, TIME 0, default inputs), rows top first."""
    with oi.Renderer(path, SIZE, context=context) as r:
        return np.asarray(r.render(0.0))


@pytest.fixture(scope="module")
def context() -> Iterator[oi.Context]:
    ctx = oi.Context().open()
    yield ctx
    ctx.close()


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.glob("*.fs")))
def test_dialect_case_renders_its_expected_pixels(name: str, context: oi.Context) -> None:
    path = CASES / name
    want, warn = expectation(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pixels = render_case(path, context)
    assert pixels.shape == (SIZE[1], SIZE[0], 4)
    diff = np.abs(pixels.astype(int) - np.array(want))
    assert diff.max() <= 1, f"{name}: got {pixels[0, 0].tolist()} (max diff {diff.max()}), want {want}"
    isf_warnings = [str(w.message) for w in caught if issubclass(w.category, ISFWarning)]
    if warn is None:
        assert not isf_warnings, isf_warnings
    else:
        assert any(warn in m and f"{name}:2:" in m for m in isf_warnings), isf_warnings


def test_reserved_names_keep_their_public_names(context: oi.Context) -> None:
    """set_inputs / doc.inputs use the header's names; only the GLSL identifiers change."""
    path = CASES / "reserved_inputs_smooth_filter.fs"
    with oi.Renderer(path, SIZE, context=context) as r:
        assert [i.name for i in r.document.inputs] == ["smooth", "filter", "input", "half"]
        r.set_inputs(smooth=0.5, filter=(1.0, 0.0, 1.0, 1.0), input=False)
        assert r.inputs["smooth"] == 0.5
        assert np.asarray(r.render(0.0))[0, 0].tolist() == [255, 0, 255, 255]
        r.set_inputs(input=True)
        assert abs(int(np.asarray(r.render(0.0))[0, 0, 0]) - 128) <= 1


def test_uninitialised_locals_render_the_same_bytes_whatever_ran_before(context: oi.Context) -> None:
    """Zero-initialised declarations: the result does not depend on earlier work."""
    path = CASES / "uninit_loop_multi.fs"
    first = render_case(path, context)
    for other in ("ext_texture_lod_ext.fs", "reserved_target_default.fs", "uninit_struct_array.fs"):
        render_case(CASES / other, context)
    assert render_case(path, context).tobytes() == first.tobytes()
    assert render_case(path).tobytes() == first.tobytes()   # a fresh context, too


HEADER = '/*{"INPUTS": [{"NAME": "smooth", "TYPE": "float"}]}*/\n'   # line 1

# name -> (body from line 2, the .fs line the error must name)
BROKEN = {
    "truncated_inside_main": ("void main() {\n\tfloat a = smooth;\n\tgl_FragColor = vec4(a);\n", 4),
    "error_in_last_line": ("void main() {\n\tgl_FragColor = vec4(smooth);\n}\nfloat f() { return oops; }", 5),
    "error_in_last_line_no_newline": ("void main() {\n\tgl_FragColor = vec4(smooth) + nope;}", 3),
    "unterminated_comment": ("void main() {\n\tgl_FragColor = vec4(smooth);\n}\n/* never closed\n\n", 5),
    "unsupported_required_extension": ("float k;\n#extension GL_NOPE_not_an_extension : require\n"
                                       "void main() { gl_FragColor = vec4(k); }\n", 3),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("flipped", [False, True])
def test_compile_errors_name_a_line_of_the_users_file(name: str, flipped: bool, tmp_path: Path,
                                                      context: oi.Context) -> None:
    """Every CompileError names a line of the .fs file (never generated code)."""
    body, line = BROKEN[name]
    fs = tmp_path / f"{name}.fs"
    fs.write_text(HEADER + body)
    try:
        with oi.Renderer(fs, SIZE, context=context, draw_flipped=flipped) as r:
            r.render(0.0)
    except oi.CompileError as exc:
        message = str(exc)
    else:
        assert line is None, f"{name} compiled"
        return
    assert "<generated" not in message, message
    located = [int(n) for n in re.findall(rf"{re.escape(str(fs))}:(\d+):", message)]
    assert located, message
    if line is not None:
        assert located[0] == line, message


def _body(text: str) -> tuple[list[str], list[str]]:
    """(rewritten body lines, original body lines) of a header-less shader body."""
    from offscreen_isf.isf.document import load
    from offscreen_isf.isf.translate import translate

    src = "/*{}*/\n" + text
    t = translate(load(src))
    lines = t.fragment.split("\n")
    body = [line for line, o in zip(lines, t.fragment_map, strict=True) if o is not None and o[1] > 1]
    return body, text.split("\n")


def test_zero_initialisers_touch_only_declarations_without_one() -> None:
    body, original = _body(
        "uniform float u;\nconst float k = 1.0;\nfloat g;\nvec3 f(vec3 p, float q) {\n"
        "\tfloat a, b = 1.0, c[2];\n\tfor (int i; i < 2; i++) { mat3 m; }\n"
        "\tbool hit; int n = 0;\n\treturn p;\n}\nvoid main() { gl_FragColor = vec4(f(vec3(0), 1.0), 1.0); }")
    assert len(body) == len(original)   # line count kept
    assert body[0] == "uniform float u;" and body[1] == "const float k = 1.0;"
    assert body[2] == "float g = float(0);"
    assert body[3] == "vec3 f(vec3 p, float q) {"
    assert body[4] == "\tfloat a = float(0), b = 1.0, c[2] = float[2](float(0), float(0));"
    assert body[5] == "\tfor (int i; i < 2; i++) { mat3 m = mat3(0); }"
    assert body[6] == "\tbool hit = bool(0); int n = 0;"


def test_extension_lines_move_and_keep_their_line_map() -> None:
    from offscreen_isf.isf.document import load
    from offscreen_isf.isf.translate import translate

    src = ("/*{}*/\nprecision mediump float;\n#if 1\n#extension GL_ARB_gpu_shader5 : require\n#endif\n"
           "#extension GL_OES_standard_derivatives : enable\nvoid main() { gl_FragColor = vec4(1.0); }\n")
    t = translate(load(src))
    lines = t.fragment.split("\n")
    assert lines[:2] == ["#version 330", "#extension GL_ARB_gpu_shader5 : enable"]
    assert t.fragment_map[1] == ("<string>", 4)
    assert "GL_OES_standard_derivatives" not in t.fragment
    body = [line for g, (line, o) in enumerate(zip(lines, t.fragment_map, strict=True))
            if o is not None and g > 1]
    assert body[:5] == ["precision mediump float;", "#if 1", "", "#endif", ""]


def test_keyword_uses_of_renamed_words_stay() -> None:
    body, _ = _body("float default;\nvoid main() {\n\tint k = 1;\n\tswitch (k) { case 1: default = 1.0; break;"
                    " default: break; }\n\tvec4 texture = texture(sampler2D(0), vec2(0));\n}")
    assert body[0] == "float isf_n_default = float(0);"
    assert "case 1: isf_n_default = 1.0; break; default: break;" in body[3]
    assert "vec4 isf_n_texture = texture(" in body[4]
