"""Driver compile errors are reported against the .fs/.vs line (five broken shaders)."""

from __future__ import annotations

from pathlib import Path

import pytest

import offscreen_isf as oi

pytestmark = pytest.mark.gl

HEADER = '/*{\n  "ISFVSN": "2",\n  "INPUTS": [ {"NAME": "level", "TYPE": "float"} ]\n}*/\n'

# name -> (body after the 4-line header, .fs line of the error, text the quoted line shows)
BROKEN = {
    "undeclared_identifier": ("void main() {\n    gl_FragColor = vec4(missing);\n}\n", 6, "vec4(missing)"),
    "type_mismatch": ("void main() {\n    float x = 1.0;\n    int y = x;\n    gl_FragColor = vec4(y);\n}\n",
                      7, "int y = x;"),
    "missing_semicolon": ("void main() {\n    float a = level\n    gl_FragColor = vec4(a);\n}\n", 7,
                          "gl_FragColor = vec4(a);"),
    # (not `return 0;`: GLSL 4.00 drivers such as NVIDIA's convert int to float there)
    "wrong_return_type": ("float f() { return vec2(0.0); }\nvoid main() {\n    gl_FragColor = vec4(f());\n}\n",
                          5, "return vec2(0.0);"),
    "bad_function_call_after_macro": ("void main() {\n    vec4 c = vec4(level);\n\n    gl_FragColor = c + nosuch(1.0);\n}\n",
                                      8, "nosuch(1.0)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_shader_reports_fs_line(name: str, tmp_path: Path, backend: str) -> None:
    body, line, quoted = BROKEN[name]
    fs = tmp_path / f"{name}.fs"
    fs.write_text(HEADER + body)
    with pytest.raises(oi.CompileError) as info:
        with oi.Renderer(fs, (8, 8), backend=backend) as r:
            r.compile()
    message = str(info.value)
    assert f"{name}.fs:{line}:" in message, message
    assert quoted in message, message


def test_vertex_shader_error_reports_vs_line(tmp_path: Path, backend: str) -> None:
    fs = tmp_path / "v.fs"
    fs.write_text(HEADER + "void main() { gl_FragColor = vec4(1.0); }\n")
    (tmp_path / "v.vs").write_text("void main() {\n  isf_vertShaderInit();\n  gl_Position.x += oops;\n}\n")
    with pytest.raises(oi.CompileError) as info:
        with oi.Renderer(fs, (8, 8), backend=backend) as r:
            r.compile()
    assert "v.vs:3:" in str(info.value) and "gl_Position.x += oops;" in str(info.value)
