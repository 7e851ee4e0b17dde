"""pyvvisf 0.9's surface through ``offscreen_isf.compat.pyvvisf``: one test per behaviour of
pyvvisf 0.9.0's own test modules (test_isf_spec, test_pure_python, test_isf_renderer_errors),
named after the upstream case.  GL-free cases run in-process; rendering cases run in a child
process on the backend of ``$OFFSCREEN_ISF_BACKEND`` (run once per backend)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from offscreen_isf import errors as oi_errors
from offscreen_isf.compat.pyvvisf.errors import ISFError, ISFParseError, ShaderCompilationError, ValidationError
from offscreen_isf.compat.pyvvisf.parser import ISFInput, ISFMetadata, ISFParser
from offscreen_isf.compat.pyvvisf.types import ISFBool, ISFColor, ISFFloat, ISFInt, ISFPoint2D, coerce_to_isf_value


@pytest.mark.parametrize(("kind", "value", "cls"), [
    ("bool", True, ISFBool), ("long", 42, ISFInt), ("float", 3.14, ISFFloat),
    ("point2D", [0.5, 0.3], ISFPoint2D), ("color", [1.0, 0.0, 0.0, 1.0], ISFColor)])
def test_v09_isf_spec__input_types(kind: str, value: object, cls: type) -> None:
    meta = ISFMetadata(inputs=[ISFInput(name="test", type=kind, default=value)])
    got = ISFParser().validate_inputs(meta, {"test": value})["test"]
    assert isinstance(got, cls)


def test_v09_isf_spec__custom_vertex_shader_metadata() -> None:
    _, meta = ISFParser().parse_content('/*{"NAME": "V", "VERTEX_SHADER": "void main() {}", '
                                        '"FRAGMENT_SHADER": "x"}*/\nvoid main() {}')
    assert (meta.vertex_shader, meta.fragment_shader) == ("void main() {}", "x")


def test_v09_pure_python__validate_inputs() -> None:
    meta = ISFMetadata(inputs=[ISFInput(name="scale", type="float", default=1.0, min=0.1, max=5.0)])
    assert ISFParser().validate_inputs(meta, {"scale": 2.0})["scale"].value == 2.0
    with pytest.raises(ShaderCompilationError, match="above maximum 5.0"):
        ISFParser().validate_inputs(meta, {"scale": 10.0})
    with pytest.raises(ShaderCompilationError, match="Invalid value for input 'scale'"):
        ISFParser().validate_inputs(meta, {"scale": "abc"})


def test_v09_pure_python__isf_numeric_types() -> None:
    assert (float(ISFFloat(3.14)), int(ISFFloat(3.14))) == (3.14, 3)
    assert (int(ISFInt(42)), float(ISFInt(42))) == (42, 42.0)
    assert bool(ISFBool(True)) is True and bool(ISFBool(0)) is False


def test_v09_pure_python__coerce_to_isf_value() -> None:
    assert isinstance(coerce_to_isf_value([1.0, 0.0, 0.0]), ISFColor)
    assert isinstance(coerce_to_isf_value([0.5, 0.3]), ISFPoint2D)
    assert isinstance(coerce_to_isf_value(True), ISFBool) and isinstance(coerce_to_isf_value(42), ISFInt)
    assert coerce_to_isf_value(True, "long") == ISFInt(1)   # bool accepted for long
    with pytest.raises(ValueError, match="Unknown expected type"):
        coerce_to_isf_value(1, "nonsense")
    with pytest.raises(ValueError, match="to color"):
        coerce_to_isf_value(1.0, "color")


def test_v09_pure_python__error_context_and_constructors() -> None:
    err = ISFError("Test error", {"file": "test.fs", "line": 10})
    assert str(err) == "Test error\nContext:\n  file: test.fs\n  line: 10" and err.context["line"] == 10
    parse = ISFParseError("Parse failed", "invalid json", {"line": 5})
    assert "invalid json" in str(parse) and "line: 5" in str(parse) and isinstance(parse, oi_errors.ParseError)
    val = ValidationError("Invalid value", "scale", 10.0)
    assert "field: scale" in str(val) and "value: 10.0" in str(val) and isinstance(val, oi_errors.InputError)


def test_v09_isf_renderer_errors__parse_messages() -> None:
    with pytest.raises(ISFParseError, match="No ISF JSON metadata block found"):
        ISFParser().parse_content("void main() { gl_FragColor = vec4(1.0); }")
    with pytest.raises(ISFParseError, match="Malformed JSON") as info:
        ISFParser().parse_content('/*{\n"INPUTS": [\n{"NAME": "c", "TYPE": "color", "DEFAULT": [1.0\n}]\n}*/\n')
    assert info.value.line == 4 and "line 4:1" in str(info.value), info.value   # ours, after 0.9's prefix
    with pytest.raises(ShaderCompilationError, match="invalid ISF metadata"):
        ISFParser().parse_content('/*{"INPUTS": [{"NAME": "c", "TYPE": "invalid_type"}]}*/\n')
    with pytest.raises(ValidationError, match="Invalid input type"):
        ISFInput(name="x", type="invalid_type")


def test_v09_header_code_on_the_closing_line_is_kept() -> None:
    body, _ = ISFParser().parse_content('/*{\n"NAME": "x"\n}*/ float f() { return 1.0; }\n'
                                        'void main() {}\n')
    lines = body.splitlines()
    assert "float f() { return 1.0; }" in body and "void main() {}" in lines[-1]


def test_install_pyvvisf_alias_maps_the_modules_and_refuses_a_real_one(tmp_path) -> None:
    fake = tmp_path / "pyvvisf"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    code = textwrap.dedent("""
        from offscreen_isf import compat
        from offscreen_isf.errors import UsageError
        try:
            compat.install_pyvvisf_alias()
        except UsageError as e:
            print("REFUSED", "real pyvvisf is installed" in str(e))
    """)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and "REFUSED True" in out.stdout, out.stderr
    ok = ("from offscreen_isf import compat; compat.install_pyvvisf_alias(); compat.install_pyvvisf_alias()\n"
          "import pyvvisf, pyvvisf.parser\nfrom pyvvisf.errors import ISFParseError\n"
          "assert pyvvisf.__name__ == 'offscreen_isf.compat.pyvvisf' and pyvvisf.parser.ISFParser\n"
          "print('OK')")
    out = subprocess.run([sys.executable, "-c", ok], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr


RENDER_CASES = '''
import numpy as np
from offscreen_isf.compat import pyvvisf
C = """/*{"INPUTS": [{"NAME": "color", "TYPE": "color", "DEFAULT": [1.0, 0.0, 0.0, 1.0]},
{"NAME": "count", "TYPE": "long", "DEFAULT": 2}]}*/
void main() { gl_FragColor = color; }"""
def raises(cls, fn, text):
    try:
        fn()
    except cls as e:
        assert text in str(e), e
    else:
        raise AssertionError(f"no {cls.__name__}")
raises(pyvvisf.ShaderCompilationError, lambda: pyvvisf.ISFRenderer(C.replace("= color;", "= color + ;")),
       "Shader compilation failed")
raises(pyvvisf.ShaderCompilationError, lambda: pyvvisf.ISFRenderer(C.replace("= color;", "= nothing;")),
       "Shader compilation failed")
raises(pyvvisf.renderer.ShaderValidationError, lambda: pyvvisf.ISFRenderer("  "), "empty")
with pyvvisf.ISFRenderer(C) as r:
    raises(pyvvisf.RenderingError, lambda: r.set_input("color", 1.0), "Failed to set input")
    raises(pyvvisf.RenderingError, lambda: r.set_inputs({"nope": 1.0}), "not found")
    raises(TypeError, lambda: r.set_inputs("not a dict"), "dictionary")
    r.set_input("count", True)
    r.set_input("color", [0.0, 1.0, 0.0])
    assert (r.render(4, 4).array[..., :3] == [0, 255, 0]).all()
T = """/*{"PASSES": [{"TARGET": "bufferA"}, {"TARGET": "default"}]}*/
void main() { gl_FragColor = PASSINDEX == 0 ? vec4(0.0, 0.0, 1.0, 1.0) : IMG_THIS_PIXEL(bufferA); }"""
with pyvvisf.ISFRenderer(T) as r:
    assert (r.render(4, 4).array[..., :3] == [0, 0, 255]).all()
print("DONE")
'''


@pytest.mark.gl
def test_v09_isf_renderer_errors__renderer_errors_and_default_target() -> None:
    out = subprocess.run([sys.executable, "-c", RENDER_CASES], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "DONE" in out.stdout, out.stderr[-3000:]
