"""One test per test of pyvvisf 0.9.0's own suite, through ``offscreen_isf.compat.pyvvisf``.

pyvvisf 0.9.0 ships 48 test functions (58 cases with parameters) in five modules.  Each has
a counterpart here named ``test_<module>__<case>`` (the upstream names without their
``test_`` prefixes), written for this project: same behaviour, our shaders and values.  The
one deliberate difference (``isf_FragNormCoord`` orientation, docs/migrating-from-pyvvisf.md,
"Deliberate differences") asserts our documented behaviour instead.  GL cases are marked
``gl`` and render tiny frames in-process on the backend of ``$OFFSCREEN_ISF_BACKEND``.
:func:`test_every_upstream_case_has_a_counterpart` fails when one goes missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.compat import pyvvisf
from offscreen_isf.compat.pyvvisf.errors import ISFError, ISFParseError, ShaderCompilationError, ValidationError
from offscreen_isf.compat.pyvvisf.parser import ISFInput, ISFMetadata, ISFParser
from offscreen_isf.compat.pyvvisf.types import ISFBool, ISFColor, ISFFloat, ISFInt, ISFPoint2D, coerce_to_isf_value

gl = pytest.mark.gl

#: pyvvisf 0.9.0's test modules and their test functions (parameters not repeated)
UPSTREAM: dict[str, tuple[str, ...]] = {
    "isf_renderer": (
        "valid_shader_compiles_successfully", "isf_standard_variable_and_uniform_injection",
        "isf_frag_norm_coord_varying", "constant_color_pipeline",
        "primitive_types_are_accepted_for_inputs", "set_inputs_multiple_valid",
        "set_inputs_equivalent_to_set_input_loop", "shader_with_color_input_renders_default_red",
        "shader_with_color_input_renders_default_red_change_blue", "multi_pass_shader",
        "multi_pass_red_to_blue", "aurora_borealis_shader_renders"),
    "isf_renderer_errors": (
        "malformed_json_raises_parse_error", "missing_json_comment_raises_parse_error",
        "syntax_error_raises_compilation_error", "undefined_variable_raises_compilation_error",
        "invalid_input_type_raises_compilation_error", "rendering_error_with_invalid_input",
        "set_inputs_invalid_key_raises", "set_inputs_non_dict_raises",
        "shader_with_syntax_error_fails"),
    "isf_spec": (
        "standard_uniforms_present", "input_types", "json5_parsing", "img_pixel_macro_stub",
        "alpha_channel_default", "imported_images_metadata", "passes_metadata",
        "missing_main_function", "isf_vsn_metadata", "custom_vertex_shader_metadata"),
    "pure_python": (
        "parse_simple_shader", "parse_shader_with_metadata", "parse_invalid_json",
        "validate_inputs", "isf_color", "isf_point2d", "isf_numeric_types",
        "coerce_to_isf_value", "isf_error_with_context", "parse_error", "validation_error"),
    "time_offset": (
        "time_offset_basic", "time_offset_default", "time_offset_buffer", "time_offset_negative",
        "time_offset_large", "color_matches_expected_at_timecodes"),
}


def shader(body: str, header: str = '{"INPUTS": []}') -> str:
    """An ISF file: ``header`` as the JSON block, ``body`` as the GLSL."""
    return f"/*{header}*/\n{body}\n"


def solid(rgba: str) -> str:
    return shader(f"void main() {{ gl_FragColor = vec4({rgba}); }}")


def frame(renderer: Any, width: int = 4, height: int = 4, **kw: Any) -> np.ndarray:
    """Render through the compat API and return the PIL image as an (H, W, 4) array."""
    image = renderer.render(width, height, **kw).to_pil_image()
    assert image.mode == "RGBA" and image.size == (width, height)
    return np.asarray(image)


def assert_rgba(arr: np.ndarray, rgba: tuple[int, int, int, int], atol: int = 2) -> None:
    got = arr.reshape(-1, 4).astype(int)
    assert np.all(np.abs(got - np.array(rgba)) <= atol), (rgba, np.unique(got, axis=0)[:4])


@pytest.fixture
def render_shader() -> Iterator[Any]:
    """Factory for ``ISFRenderer``s that are cleaned up after the test."""
    made: list[Any] = []

    def make(text: str) -> Any:
        made.append(pyvvisf.ISFRenderer(text))
        return made[-1]

    yield make
    for r in made:
        r.cleanup()


# -- test_isf_renderer ----------------------------------------------------------------------------

TINT = shader("void main() { gl_FragColor = tint; }",
              '{"INPUTS": [{"NAME": "tint", "TYPE": "color", "DEFAULT": [0.0, 0.0, 1.0, 1.0]}]}')


@gl
def test_isf_renderer__valid_shader_compiles_successfully(render_shader: Any) -> None:
    arr = frame(render_shader(TINT), 16, 8)
    assert arr.shape == (8, 16, 4)
    assert_rgba(arr, (0, 0, 255, 255))


@gl
def test_isf_renderer__isf_standard_variable_and_uniform_injection(render_shader: Any) -> None:
    r = render_shader(TINT)
    r.set_input("tint", (0.6, 0.2, 0.4, 1.0))
    assert_rgba(frame(r), (153, 51, 102, 255))


@gl
def test_isf_renderer__isf_frag_norm_coord_varying(render_shader: Any) -> None:
    """Deliberate difference 1 (orientation): isf_FragNormCoord runs like gl_FragCoord, so
    the top-left pixel of the top-row-first frame has x near 0 and y near 1 (pyvvisf 0.9
    flipped y and expected both near 0)."""
    arr = frame(render_shader(solid("isf_FragNormCoord, 0.0, 1.0")), 8, 8).astype(int)
    assert arr[0, 0, 0] <= 20 and arr[0, 0, 1] >= 235, arr[0, 0]
    assert arr[-1, -1, 0] >= 235 and arr[-1, -1, 1] <= 20, arr[-1, -1]
    assert (arr[..., 3] == 255).all()


@gl
def test_isf_renderer__constant_color_pipeline(render_shader: Any) -> None:
    assert_rgba(frame(render_shader(solid("0.2, 0.4, 0.6, 1.0"))), (51, 102, 153, 255))


@gl
def test_isf_renderer__primitive_types_are_accepted_for_inputs(render_shader: Any) -> None:
    header = ('{"INPUTS": [{"NAME": "c", "TYPE": "color", "DEFAULT": [0, 0, 0, 1]},'
              '{"NAME": "p", "TYPE": "point2D", "DEFAULT": [0, 0]},'
              '{"NAME": "f", "TYPE": "float", "DEFAULT": 0.0},'
              '{"NAME": "n", "TYPE": "long", "DEFAULT": 0},'
              '{"NAME": "b", "TYPE": "bool", "DEFAULT": false}]}')
    r = render_shader(shader("void main() { gl_FragColor = vec4(c.rgb, 1.0) + "
                             "vec4(0.0) * (p.x + f + float(n) + float(b)); }", header))
    for name, value in (("c", [0.4, 0.2, 0.8]), ("c", (0.0, 1.0, 0.0, 1.0)), ("p", [0.1, 0.9]),
                        ("p", (0.3, 0.7)), ("f", 3), ("f", 2.5), ("n", True), ("n", 7),
                        ("b", 0), ("b", False)):
        r.set_input(name, value)
    assert_rgba(frame(r), (0, 255, 0, 255))


SCALED = shader("void main() { gl_FragColor = vec4(tint.rgb * gain, 1.0); }",
                '{"INPUTS": [{"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]},'
                '{"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 2.0}]}')


@gl
def test_isf_renderer__set_inputs_multiple_valid(render_shader: Any) -> None:
    r = render_shader(SCALED)
    r.set_inputs({"tint": [1.0, 0.5, 0.0, 1.0], "gain": 0.4})
    assert_rgba(frame(r), (102, 51, 0, 255))


@gl
def test_isf_renderer__set_inputs_equivalent_to_set_input_loop(render_shader: Any) -> None:
    one, two = render_shader(SCALED), render_shader(SCALED)
    values = {"tint": [0.2, 0.9, 0.3, 1.0], "gain": 0.7}
    one.set_inputs(values)
    for name, value in values.items():
        two.set_input(name, value)
    assert np.array_equal(frame(one), frame(two))


@gl
def test_isf_renderer__shader_with_color_input_renders_default_red(render_shader: Any) -> None:
    header = '{"INPUTS": [{"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.0, 0.0, 1.0]}]}'
    assert_rgba(frame(render_shader(shader("void main() { gl_FragColor = tint; }", header))),
                (255, 0, 0, 255))


@gl
def test_isf_renderer__shader_with_color_input_renders_default_red_change_blue(render_shader: Any) -> None:
    header = '{"INPUTS": [{"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.0, 0.0, 1.0]}]}'
    r = render_shader(shader("void main() { gl_FragColor = tint; }", header))
    assert_rgba(frame(r), (255, 0, 0, 255))
    r.set_input("tint", (0.0, 1.0, 0.0, 1.0))
    assert_rgba(frame(r), (0, 255, 0, 255))


@gl
def test_isf_renderer__multi_pass_shader(render_shader: Any) -> None:
    """A sized pass into a named target, then a ``"TARGET": "default"`` pass (pyvvisf 0.9's
    spelling of the output pass) that shows it."""
    header = '{"PASSES": [{"TARGET": "half", "WIDTH": 4, "HEIGHT": 4}, {"TARGET": "default"}]}'
    body = ("void main() { if (PASSINDEX == 0) gl_FragColor = vec4(1.0, 1.0, 0.0, 1.0);"
            " else gl_FragColor = IMG_NORM_PIXEL(half, isf_FragNormCoord); }")
    assert_rgba(frame(render_shader(shader(body, header)), 8, 8), (255, 255, 0, 255))


@gl
def test_isf_renderer__multi_pass_red_to_blue(render_shader: Any) -> None:
    header = '{"PASSES": [{"TARGET": "first"}, {}]}'
    body = ("void main() { if (PASSINDEX == 0) gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0);"
            " else gl_FragColor = IMG_THIS_NORM_PIXEL(first).bgra; }")
    assert_rgba(frame(render_shader(shader(body, header)), 8, 8), (255, 0, 0, 255))


@gl
def test_isf_renderer__aurora_borealis_shader_renders(render_shader: Any) -> None:
    """A larger generator: many input kinds (a float with VALUES/LABELS, a bool whose
    DEFAULT is 1), a loop with a data-dependent break, trigonometry on TIME."""
    header = ('{"INPUTS": ['
              '{"NAME": "hue", "TYPE": "color", "DEFAULT": [0.1, 0.8, 0.5, 1.0]},'
              '{"NAME": "shift", "TYPE": "point2D", "DEFAULT": [0, 0], "MIN": [-1, -1], "MAX": [1, 1]},'
              '{"NAME": "bands", "TYPE": "float", "DEFAULT": 12.0, "MIN": 4.0, "MAX": 24.0},'
              '{"NAME": "mode", "TYPE": "float", "DEFAULT": 0, "VALUES": [0, 1], "LABELS": ["a", "b"]},'
              '{"NAME": "spin", "TYPE": "bool", "DEFAULT": 1}]}')
    body = """
void main() {
    vec2 p = isf_FragNormCoord * 2.0 - 1.0 + shift;
    float a = spin ? TIME * 0.3 : 0.0;
    p = mat2(cos(a), -sin(a), sin(a), cos(a)) * p;
    vec3 acc = vec3(0.0);
    for (int i = 0; i < 24; i++) {
        if (float(i) >= bands) break;
        float d = abs(p.y + 0.4 * sin(float(i) * 0.7 + TIME + 2.0 * p.x));
        acc += hue.rgb * 0.02 / max(d, 0.02);
    }
    gl_FragColor = vec4(mix(acc, acc.bgr, mode), 1.0);
}"""
    arr = frame(render_shader(shader(body, header)), 32, 32, time_offset=1.5)
    assert arr.shape == (32, 32, 4) and (arr[..., 3] == 255).all()
    assert arr[..., :3].std() > 1.0        # a pattern, not a flat fill


# -- test_isf_renderer_errors ---------------------------------------------------------------------

def test_isf_renderer_errors__malformed_json_raises_parse_error() -> None:
    text = '/*{\n  "INPUTS": [\n    {"NAME": "a", "TYPE": "float", "DEFAULT": 1.0\n  ]\n}*/\nvoid main() {}\n'
    with pytest.raises(ISFParseError, match="^Malformed JSON") as info:
        pyvvisf.ISFRenderer(text)
    assert isinstance(info.value, oi.ParseError) and info.value.line is not None


def test_isf_renderer_errors__missing_json_comment_raises_parse_error() -> None:
    with pytest.raises(ISFParseError, match="No ISF JSON metadata block found"):
        pyvvisf.ISFRenderer("void main() { gl_FragColor = vec4(0.5); }")


@gl
def test_isf_renderer_errors__syntax_error_raises_compilation_error() -> None:
    with pytest.raises(ShaderCompilationError, match="^Shader compilation failed") as info:
        pyvvisf.ISFRenderer(shader("void main() {\n  gl_FragColor = vec4(1.0) * ;\n}"))
    assert isinstance(info.value, oi.CompileError) and ":3: " in str(info.value)   # our mapped line


@gl
def test_isf_renderer_errors__undefined_variable_raises_compilation_error() -> None:
    with pytest.raises(ShaderCompilationError, match="^Shader compilation failed"):
        pyvvisf.ISFRenderer(solid("no_such_name, 1.0"))


def test_isf_renderer_errors__invalid_input_type_raises_compilation_error() -> None:
    header = '{"INPUTS": [{"NAME": "x", "TYPE": "texture3D"}]}'
    with pytest.raises(ShaderCompilationError, match="Failed to compile shader due to invalid ISF metadata"):
        pyvvisf.ISFRenderer(shader("void main() { gl_FragColor = vec4(1.0); }", header))


@gl
def test_isf_renderer_errors__rendering_error_with_invalid_input(render_shader: Any) -> None:
    r = render_shader(TINT)
    with pytest.raises(pyvvisf.RenderingError, match="^Failed to set input 'tint'"):
        r.set_input("tint", 0.5)
    with pytest.raises(pyvvisf.ShaderRenderingError, match="Cannot convert str to Color"):
        r.set_input("tint", "blue")
    assert_rgba(frame(r), (0, 0, 255, 255))        # the failed calls changed nothing


@gl
def test_isf_renderer_errors__set_inputs_invalid_key_raises(render_shader: Any) -> None:
    r = render_shader(TINT)
    with pytest.raises(pyvvisf.RenderingError, match="Input 'nope' not found"):
        r.set_inputs({"nope": 1.0})


@gl
def test_isf_renderer_errors__set_inputs_non_dict_raises(render_shader: Any) -> None:
    r = render_shader(TINT)
    with pytest.raises(TypeError, match="dictionary"):
        r.set_inputs([("tint", (1, 0, 0, 1))])


@gl
def test_isf_renderer_errors__shader_with_syntax_error_fails(tmp_path: Path) -> None:
    out = tmp_path / "never.png"
    with pytest.raises(ShaderCompilationError, match="Shader compilation failed"):
        with pyvvisf.ISFRenderer(shader("void main() { vec4 c = ; gl_FragColor = c; }")) as r:
            r.save_render(str(out), 8, 8)
    assert not out.exists()


# -- test_isf_spec ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "glsl_type"), [
    ("RENDERSIZE", "vec2"), ("TIME", "float"), ("TIMEDELTA", "float"), ("FRAMEINDEX", "int")])
def test_isf_spec__standard_uniforms_present(name: str, glsl_type: str) -> None:
    """Built-in uniforms are usable without declaring them; the body comes back as written
    (the uniforms are declared by the translation, not pasted into the body)."""
    body = f"void main() {{ {glsl_type} v = {name}; gl_FragColor = vec4(1.0); }}"
    glsl, meta = ISFParser().parse_content(shader(body))
    assert f"{glsl_type} v = {name};" in glsl and meta.inputs == []


@pytest.mark.parametrize(("kind", "value", "cls"), [
    ("bool", False, ISFBool), ("long", 7, ISFInt), ("float", 0.25, ISFFloat),
    ("point2D", (0.1, 0.2), ISFPoint2D), ("color", [0.0, 0.5, 1.0, 1.0], ISFColor)])
def test_isf_spec__input_types(kind: str, value: Any, cls: type) -> None:
    meta = ISFMetadata(inputs=[ISFInput(name="v", type=kind, default=value)])
    assert isinstance(ISFParser().validate_inputs(meta, {"v": value})["v"], cls)


@pytest.mark.parametrize(("block", "ok"), [
    ('{\n  "NAME": "J", // a line comment\n  "INPUTS": []\n}', True),
    ('{\n  "NAME": "J",\n  "INPUTS": [\n    {"NAME": "k", "TYPE": "bool",},\n  ],\n}', True),
    ('{\n  "NAME": "J",\n  "INPUTS": [{"NAME": "k", "TYPE": "long", "DEFAULT": 3}]\n}', True),
    ('{\n  "NAME": "J",\n  "INPUTS": [{"NAME": "k" "TYPE": "long"}]\n}', False)])
def test_isf_spec__json5_parsing(block: str, ok: bool) -> None:
    """Line comments and trailing commas are accepted in the header; a missing comma is not.
    (A block comment would end the header's own ``/* */``.)"""
    text = f"/*{block}*/\nvoid main() {{ gl_FragColor = vec4(0.0); }}"
    if ok:
        assert ISFParser().parse_content(text)[1].name == "J"
    else:
        with pytest.raises(ISFParseError, match="Malformed JSON"):
            ISFParser().parse_content(text)


def test_isf_spec__img_pixel_macro_stub() -> None:
    """The parser returns the body untranslated: macros are still there."""
    glsl, _ = ISFParser().parse_content(shader("void main() { gl_FragColor = IMG_PIXEL(src, vec2(0.0)); }",
                                               '{"INPUTS": [{"NAME": "src", "TYPE": "image"}]}'))
    assert "IMG_PIXEL(src" in glsl


def test_isf_spec__alpha_channel_default() -> None:
    glsl, _ = ISFParser().parse_content(solid("0.1, 0.2, 0.3, 0.25"))
    assert "gl_FragColor = vec4(0.1, 0.2, 0.3, 0.25);" in glsl


def test_isf_spec__imported_images_metadata() -> None:
    header = '{"NAME": "Imp", "IMPORTED": {"pic": {"PATH": "pic.png"}}}'
    glsl, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = IMG_THIS_PIXEL(pic); }", header))
    assert meta.name == "Imp" and "IMG_THIS_PIXEL(pic)" in glsl


def test_isf_spec__passes_metadata() -> None:
    header = '{"NAME": "P", "PASSES": [{"TARGET": "acc", "PERSISTENT": true, "WIDTH": 16, "HEIGHT": "$HEIGHT/2"}, {}]}'
    _, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = vec4(1.0); }", header))
    assert meta.name == "P" and len(meta.passes) == 2
    assert (meta.passes[0].target, meta.passes[0].persistent, meta.passes[0].width) == ("acc", True, 16)
    assert meta.passes[0].height == "$HEIGHT/2"


def test_isf_spec__missing_main_function() -> None:
    """Parsing does not compile: a body without main() parses (compiling it would fail)."""
    glsl, _ = ISFParser().parse_content(shader("void helper() { gl_FragColor = vec4(1.0); }"))
    assert "main" not in glsl.replace("helper", "")


def test_isf_spec__isf_vsn_metadata() -> None:
    _, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = vec4(1.0); }",
                                               '{"NAME": "V", "ISFVSN": "2.0"}'))
    assert meta.name == "V" and meta.isf_version == "2.0"


def test_isf_spec__custom_vertex_shader_metadata() -> None:
    vs = "void main() { isf_vertShaderInit(); }"
    _, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = vec4(1.0); }",
                                               f'{{"NAME": "VS", "VERTEX_SHADER": "{vs}"}}'))
    assert meta.vertex_shader == vs


# -- test_pure_python -------------------------------------------------------------------------------

def test_pure_python__parse_simple_shader() -> None:
    glsl, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0); }",
                                                  '{"NAME": "Simple", "INPUTS": []}'))
    assert "gl_FragColor = vec4(0.0, 0.0, 1.0, 1.0);" in glsl
    assert meta.name == "Simple" and meta.inputs == []


def test_pure_python__parse_shader_with_metadata() -> None:
    header = ('{"NAME": "Meta", "DESCRIPTION": "two inputs", "INPUTS": ['
              '{"NAME": "tint", "TYPE": "color", "DEFAULT": [0, 1, 0, 1]},'
              '{"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.5, "MAX": 3.0}]}')
    glsl, meta = ISFParser().parse_content(shader("void main() { gl_FragColor = tint * gain; }", header))
    assert (meta.name, meta.description) == ("Meta", "two inputs")
    assert [(i.name, i.type) for i in meta.inputs] == [("tint", "color"), ("gain", "float")]
    assert (meta.inputs[1].min, meta.inputs[1].max) == (0.5, 3.0)
    assert "/*" not in glsl and "*/" not in glsl and "gl_FragColor = tint * gain;" in glsl


def test_pure_python__parse_invalid_json() -> None:
    with pytest.raises(ISFParseError):
        ISFParser().parse_content('/*{"NAME": "Bad", "INPUTS": [{"NAME": "a",]}*/\nvoid main() {}')


def test_pure_python__validate_inputs() -> None:
    meta = ISFMetadata(inputs=[ISFInput(name="tint", type="color", default=[1, 0, 0, 1]),
                               ISFInput(name="gain", type="float", default=1.0, min=0.5, max=3.0)])
    got = ISFParser().validate_inputs(meta, {"tint": [0.0, 0.0, 1.0, 1.0], "gain": 2.5})
    assert isinstance(got["tint"], ISFColor) and isinstance(got["gain"], ISFFloat)
    assert got["gain"].value == 2.5
    with pytest.raises(ShaderCompilationError):
        ISFParser().validate_inputs(meta, {"gain": 3.5})


def test_pure_python__isf_color() -> None:
    c = ISFColor(0.25, 0.5, 0.75, 1.0)
    assert (c.r, c.g, c.b, c.a) == (0.25, 0.5, 0.75, 1.0)
    clamped = ISFColor(1.5, -0.5, 0.5, 1.0)
    assert (clamped.r, clamped.g, clamped.b) == (1.0, 0.0, 0.5)
    assert ISFColor.from_tuple([0.1, 0.2, 0.3, 0.4]).a == 0.4
    assert ISFColor.from_tuple([0.1, 0.2, 0.3]).a == 1.0


def test_pure_python__isf_point2d() -> None:
    p = ISFPoint2D(0.25, 0.75)
    assert (p.x, p.y) == (0.25, 0.75)
    q = ISFPoint2D.from_tuple((0.4, 0.6))
    assert (q.x, q.y) == (0.4, 0.6)
    with pytest.raises(ValueError):
        ISFPoint2D.from_tuple([1.0, 2.0, 3.0])


def test_pure_python__isf_numeric_types() -> None:
    assert ISFFloat(2.75).value == 2.75 and float(ISFFloat(2.75)) == 2.75 and int(ISFFloat(2.75)) == 2
    assert ISFInt(9).value == 9 and int(ISFInt(9)) == 9 and float(ISFInt(9)) == 9.0
    assert ISFBool(False).value is False and bool(ISFBool(False)) is False


def test_pure_python__coerce_to_isf_value() -> None:
    for value, cls in (([0.0, 1.0, 0.0], ISFColor), ((0.2, 0.8), ISFPoint2D), (1.5, ISFFloat),
                       (3, ISFInt), (False, ISFBool)):
        assert isinstance(coerce_to_isf_value(value), cls), value
    for value, kind, cls in (([0.0, 1.0, 0.0], "color", ISFColor), ([0.2, 0.8], "point2D", ISFPoint2D),
                             (1.5, "float", ISFFloat), (3, "long", ISFInt), (False, "bool", ISFBool)):
        assert isinstance(coerce_to_isf_value(value, kind), cls), (value, kind)


def test_pure_python__isf_error_with_context() -> None:
    err = ISFError("went wrong", {"file": "a.fs", "line": 3})
    assert "went wrong" in str(err) and "file: a.fs" in str(err) and "line: 3" in str(err)
    assert isinstance(err, oi.ISFError)


def test_pure_python__parse_error() -> None:
    err = ISFParseError("cannot parse", "{bad", {"line": 2})
    assert all(part in str(err) for part in ("cannot parse", "{bad", "line: 2"))


def test_pure_python__validation_error() -> None:
    err = ValidationError("out of range", "gain", 4.0)
    assert all(part in str(err) for part in ("out of range", "field: gain", "value: 4.0"))


# -- test_time_offset -------------------------------------------------------------------------------

#: a colour per second of TIME (red, green, blue, then white), modulated by position
STEPS = shader("""
void main() {
    vec3 c = TIME < 1.0 ? vec3(1, 0, 0) : TIME < 2.0 ? vec3(0, 1, 0) : TIME < 3.0 ? vec3(0, 0, 1) : vec3(1);
    vec2 uv = gl_FragCoord.xy / RENDERSIZE;
    gl_FragColor = vec4(c * (0.6 + 0.4 * sin(uv.x * 6.0 + TIME)), 1.0);
}""")


@gl
def test_time_offset__time_offset_basic(render_shader: Any) -> None:
    r = render_shader(STEPS)
    frames = [frame(r, 16, 16, time_offset=t) for t in (0.5, 1.5, 2.5, 3.5)]
    for a, b in zip(frames, frames[1:], strict=False):
        assert a.shape == (16, 16, 4) and not np.array_equal(a, b)


@gl
def test_time_offset__time_offset_default(render_shader: Any) -> None:
    r = render_shader(STEPS)
    assert np.array_equal(frame(r, 8, 8), frame(r, 8, 8, time_offset=0.0))


@gl
def test_time_offset__time_offset_buffer(render_shader: Any) -> None:
    r = render_shader(STEPS)
    early, late = r.render(12, 8, time_offset=0.0), r.render(12, 8, time_offset=2.5)
    assert np.asarray(early).shape == (8, 12, 4)
    assert not np.array_equal(np.asarray(early), np.asarray(late))


@gl
def test_time_offset__time_offset_negative(render_shader: Any) -> None:
    r = render_shader(STEPS)
    assert not np.array_equal(frame(r, 8, 8, time_offset=-2.0), frame(r, 8, 8, time_offset=0.0))


@gl
def test_time_offset__time_offset_large(render_shader: Any) -> None:
    arr = frame(render_shader(STEPS), 8, 8, time_offset=250.0)
    assert arr.shape == (8, 8, 4) and arr[..., :3].any()


@gl
def test_time_offset__color_matches_expected_at_timecodes(render_shader: Any) -> None:
    r = render_shader(solid("TIME < 1.0 ? vec3(1, 0, 0) : TIME < 2.0 ? vec3(0, 1, 0) : "
                            "TIME < 3.0 ? vec3(0, 0, 1) : vec3(1), 1.0"))
    for t, rgba in ((0.0, (255, 0, 0, 255)), (1.0, (0, 255, 0, 255)), (2.0, (0, 0, 255, 255)),
                    (3.0, (255, 255, 255, 255))):
        assert_rgba(frame(r, time_offset=t), rgba)


# -- completeness -----------------------------------------------------------------------------------

def test_every_upstream_case_has_a_counterpart() -> None:
    """Every upstream test has exactly one counterpart here, and nothing else is named so."""
    expected = {f"test_{module}__{case}" for module, cases in UPSTREAM.items() for case in cases}
    assert sum(len(c) for c in UPSTREAM.values()) == len(expected) == 48
    present = {name for name, obj in globals().items()
               if callable(obj) and name.startswith("test_") and "__" in name}
    assert sorted(expected - present) == [] and sorted(present - expected) == []
