"""GLSL 330 translation, IMG_* lexer and compile-log mapping (docs/semantics.md, "GLSL
translation", "Image helpers", "Errors")."""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offscreen_isf.errors import CompileError, ISFError
from offscreen_isf.isf.document import ISFWarning, load
from offscreen_isf.isf.translate import HELPERS, map_compile_log, split_call, tokenize, translate

HEADER = {
    "ISFVSN": "2",
    "INPUTS": [{"NAME": "inputImage", "TYPE": "image"},
               {"NAME": "level", "TYPE": "float"},
               {"NAME": "on", "TYPE": "bool"},
               {"NAME": "count", "TYPE": "long"},
               {"NAME": "where", "TYPE": "point2D"},
               {"NAME": "tint", "TYPE": "color"},
               {"NAME": "hit", "TYPE": "event"},
               {"NAME": "wave", "TYPE": "audio"}],
    "PASSES": [{"TARGET": "tmpBuf"}, {"TARGET": "accum", "PERSISTENT": True}, {}],
}


def shader(body: str, header: dict | None = None) -> str:
    return "/*" + json.dumps(header or HEADER, indent=1) + "\n*/\n" + body


def tr(body: str, header: dict | None = None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        return translate(load(shader(body, header), **kw))


def body_of(t) -> str:
    """The generated lines that map back to the .fs file."""
    lines = t.fragment.split("\n")
    return "\n".join(ln for ln, o in zip(lines, t.fragment_map, strict=True) if o is not None)


def code_tokens(text: str) -> list[str]:
    return [t.text for t in tokenize(text) if t.kind not in ("ws", "nl", "comment")]


# -- lexer -----------------------------------------------------------------------------------------

def test_tokenize_kinds() -> None:
    toks = tokenize('a /* IMG_PIXEL( */ b // c\n"s,)" 1.5e-3 .5 x.y')
    kinds = [(t.kind, t.text) for t in toks if t.kind not in ("ws",)]
    assert kinds == [("ident", "a"), ("comment", "/* IMG_PIXEL( */"), ("ident", "b"),
                     ("comment", "// c"), ("nl", "\n"), ("string", '"s,)"'),
                     ("number", "1.5e-3"), ("number", ".5"), ("ident", "x"), ("punct", "."),
                     ("ident", "y")]
    assert toks[-1].line == 2


def test_split_call_nested() -> None:
    toks = tokenize("f(a(b, c), [d, e], {g, h}, i)")
    args, close = split_call(toks, 1)
    assert ["".join(t.text for t in toks[lo:hi]).strip() for lo, hi in args] == [
        "a(b, c)", "[d, e]", "{g, h}", "i"]
    assert close == len(toks) - 1
    assert split_call(tokenize("f( )"), 1)[0] == []
    with pytest.raises(ValueError):
        split_call(tokenize("f(a, (b]"), 1)
    with pytest.raises(ValueError):
        split_call(tokenize("f(a, (b)"), 1)


@settings(max_examples=int(os.environ.get("ISF_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(st.text(alphabet='ab_1.+-*/"\\\n \t(),IMG_PIXEL', max_size=80))
def test_tokenize_lossless(text: str) -> None:
    """Property: tokens concatenate back to the input; line numbers count newlines."""
    toks = tokenize(text)
    assert "".join(t.text for t in toks) == text
    for t in toks:
        assert t.line == text[:t.start].count("\n") + 1


# -- random nesting of IMG_* calls: independent oracle ---------------------------------------------

IMAGES = ["inputImage", "tmpBuf", "accum", "wave"]
TRIVIA = ["", " ", "\t", "\n", "/* IMG_PIXEL(x, ( */", "// IMG_SIZE(a), )\n", "/*,)]*/",
          "/* multi\nline */"]


def _expected_macro(kind: str, img: str, args: list[str]) -> str:
    pre = f"{img}, _{img}_imgRect, _{img}_imgSize, _{img}_flip"
    if kind == "IMG_SIZE":
        return f"(_{img}_imgSize.xy)"
    if kind == "IMG_THIS_PIXEL":
        return f"ISF_THIS_PIXEL({pre})"   # the rounded-corner mapping (texelFetch when 1:1)
    if kind == "IMG_THIS_NORM_PIXEL":
        return f"VVSAMPLER_2DBYNORM({pre}, isf_FragNormCoord)"
    helper = "VVSAMPLER_2DBYPIXEL" if kind == "IMG_PIXEL" else "VVSAMPLER_2DBYNORM"
    return f"{helper}({pre}, {', '.join(args)})"


@st.composite
def expr(draw, depth: int = 0) -> tuple[str, str]:
    """(source with random comments/whitespace, expected translation without trivia)."""
    def tv() -> str:
        return draw(st.sampled_from(TRIVIA))
    choices = ["leaf", "num"] if depth >= 3 else ["leaf", "num", "call", "paren", "img", "index"]
    kind = draw(st.sampled_from(choices))
    if kind == "leaf":
        name = draw(st.sampled_from(["uv", "isf_FragNormCoord", "gl_FragCoord.xy", "RENDERSIZE"]))
        return name, name.replace("gl_FragCoord", "isf_FragCoord")   # image-space coordinates
    if kind == "num":
        n = draw(st.sampled_from(["1.0", "0.5", "2", ".25e1"]))
        return n, n
    if kind == "paren":
        s, e = draw(expr(depth + 1))
        return f"({tv()}{s}{tv()})", f"({e})"
    if kind == "index":
        s, e = draw(expr(depth + 1))
        return f"arr[{tv()}{s}]", f"arr[{e}]"
    if kind == "call":
        fn = draw(st.sampled_from(["vec2", "mix", "f"]))
        parts = [draw(expr(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
        src = f"{fn}(" + f",{tv()}".join(s for s, _ in parts) + ")"
        return src, f"{fn}(" + ", ".join(e for _, e in parts) + ")"
    macro = draw(st.sampled_from(["IMG_PIXEL", "IMG_NORM_PIXEL", "IMG_THIS_PIXEL",
                                  "IMG_THIS_NORM_PIXEL", "IMG_SIZE"]))
    img = draw(st.sampled_from(IMAGES))
    nargs = {"IMG_PIXEL": [1, 2], "IMG_NORM_PIXEL": [1, 2]}.get(macro, [0])
    parts = [draw(expr(depth + 1)) for _ in range(draw(st.sampled_from(nargs)))]
    src = f"{macro}{tv()}({tv()}{img}" + "".join(f",{tv()}{s}{tv()}" for s, _ in parts) + ")"
    return src, _expected_macro(macro, img, [e for _, e in parts])


@settings(max_examples=int(os.environ.get("ISF_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(st.lists(expr(), min_size=1, max_size=3), st.sampled_from(TRIVIA))
def test_random_nested_macros(exprs: list[tuple[str, str]], trivia: str) -> None:
    """Property: nested IMG_* calls with comments/newlines anywhere are
    rewritten by the balanced-parenthesis lexer; comments (even ones holding IMG_ text) survive
    verbatim; the number of lines is unchanged so the line map stays exact."""
    src_body = "".join(f"v{i} = {s};{trivia}\n" for i, (s, _) in enumerate(exprs))
    want = "".join(f"v{i} = {e};\n" for i, (_, e) in enumerate(exprs))
    t = tr(src_body)
    out = body_of(t)
    assert code_tokens(out) == code_tokens(want)
    assert out.count("\n") == src_body.count("\n")
    src_comments = sorted(x.text for x in tokenize(src_body) if x.kind == "comment")
    assert sorted(x.text for x in tokenize(out) if x.kind == "comment") == src_comments


# -- rewrites ---------------------------------------------------------------------------------------

def test_macros_in_comments_and_strings_untouched() -> None:
    """Corpus files mention IMG_ inside comments; those stay as written."""
    body = ('// gl_FragColor = IMG_PIXEL(inputImage)\n/* texture2D varying IMG_SIZE( */\n'
            'void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }\n')
    out = body_of(tr(body))
    assert "// gl_FragColor = IMG_PIXEL(inputImage)" in out
    assert "/* texture2D varying IMG_SIZE( */" in out
    assert "isf_FragColor = ISF_THIS_PIXEL(inputImage" in out


def test_token_rewrites_fragment() -> None:
    """gl_FragColor, texture2D*, varying rewritten by token (not inside identifiers)."""
    body = ("varying vec2 vc;\nvec4 my_texture2D_fn;\nvoid main() {\n"
            "  gl_FragColor = texture2D(inputImage, vc) + texture2DRect(accum, vc)"
            " + texture2DProj(inputImage, vec3(vc, 1.0));\n  vec2 a = vv_FragNormCoord;\n}\n")
    out = body_of(tr(body))
    assert "in vec2 vc;" in out and "my_texture2D_fn" in out
    assert "isf_FragColor = texture(inputImage, vc) + texture(accum, vc) + textureProj(" in out
    assert "gl_FragColor" not in out and "varying" not in out
    assert "vec2 a = isf_FragNormCoord;" in out  # v1 name


def test_token_rewrites_vertex() -> None:
    """In the vertex shader attribute → in, varying → out; v1 vv_vertShaderInit."""
    vs = ("attribute vec2 extra;\nvarying vec2 vc;\nvoid main() {\n  vv_vertShaderInit();\n"
          "  vc = isf_FragNormCoord;\n}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        t = translate(load(shader("void main(){}\n"), vertex_source=vs))
    assert "in vec2 extra;" in t.vertex and "out vec2 vc;" in t.vertex
    assert "  isf_vertShaderInit();" in t.vertex and "vv_" not in t.vertex
    assert t.vertex.index("void isf_vertShaderInit(void)") < t.vertex.index("void main() {")


def test_version_line_removed_and_guard_kept() -> None:
    """A user #version line is removed; #if __VERSION__ guards stay."""
    body = "#version 120\n#if __VERSION__ <= 120\nvarying vec2 a;\n#else\nin vec2 a;\n#endif\nvoid main(){}\n"
    t = tr(body)
    assert t.fragment.startswith("#version 330\n") and t.fragment.count("#version") == 1
    assert "#if __VERSION__ <= 120" in t.fragment
    assert body_of(t).count("\n") == body.count("\n")


def test_prelude_order_and_uniforms() -> None:
    """Declaration order: version, precision, output, built-ins, inputs, imports, persistent then
    temporary targets; per-image _imgRect/_imgSize/_flip."""
    t = tr("void main() { gl_FragColor = vec4(0.0); }\n")
    lines = t.fragment.split("\n")
    assert lines[0] == "#version 330"
    assert "layout(location = 0) out vec4 isf_FragColor;" in lines
    decl = [ln for ln in lines if ln.startswith("uniform ")]
    names = [ln.rstrip(";").split()[-1] for ln in decl]
    assert names[:6] == ["PASSINDEX", "RENDERSIZE", "TIME", "TIMEDELTA", "DATE", "FRAMEINDEX"]
    assert names.index("inputImage") < names.index("level") < names.index("wave")
    assert names.index("accum") < names.index("tmpBuf")  # persistent before temporary
    for img in ("inputImage", "wave", "accum", "tmpBuf"):
        assert f"uniform sampler2D {img};" in lines
        assert f"uniform vec4 _{img}_imgRect;" in lines
        assert f"uniform vec2 _{img}_imgSize;" in lines
        assert f"uniform bool _{img}_flip;" in lines
    assert "uniform bool on;" in lines and "uniform bool hit;" in lines
    assert "uniform int count;" in lines and "uniform vec2 where;" in lines
    assert "uniform vec4 tint;" in lines and "in vec2 isf_FragNormCoord;" in lines
    assert {(u.name, u.glsl_type) for u in t.uniforms} >= {("level", "float"), ("_wave_flip", "bool")}
    vdecl = [ln for ln in t.vertex.split("\n") if ln.startswith("uniform ")]
    assert vdecl == decl  # identical declarations in both stages
    assert "layout(location = 0) in vec2 isf_position;" in t.vertex
    assert "out vec2 isf_FragNormCoord;" in t.vertex


def test_helpers_only_when_used() -> None:
    """Helper definitions are appended only when used (bias variants separately)."""
    t = tr("void main() { gl_FragColor = vec4(1.0); }\n")
    assert "VVSAMPLER" not in t.fragment and not t.fragment_helpers
    t = tr("void main() { gl_FragColor = IMG_NORM_PIXEL(inputImage, vec2(0.5)); }\n")
    assert t.fragment_helpers == {"VVSAMPLER_2DBYNORM"}
    assert HELPERS[("VVSAMPLER_2DBYNORM", False)].strip() in t.fragment
    assert HELPERS[("VVSAMPLER_2DBYNORM", True)].strip() not in t.fragment
    t = tr("void main() { gl_FragColor = IMG_PIXEL(inputImage, vec2(0.5), 1.0); }\n")
    assert HELPERS[("VVSAMPLER_2DBYPIXEL", True)].strip() in t.fragment
    assert HELPERS[("VVSAMPLER_2DBYPIXEL", False)].strip() not in t.fragment


def test_default_vertex_shader() -> None:
    """Without a .vs the vertex main only calls isf_vertShaderInit()."""
    t = tr("void main(){}\n")
    assert "isf_vertShaderInit();" in t.vertex and all(o is None for o in t.vertex_map)
    assert "gl_Position = vec4(isf_position, 0.0, 1.0);" in t.vertex
    assert "isf_FragNormCoord = (gl_Position.xy + 1.0) * 0.5;" in t.vertex


# -- errors at the right .fs line ---------------------------------------------------------------

def _line_of(text: str, needle: str) -> int:
    return next(k for k, ln in enumerate(text.split("\n"), 1) if needle in ln)


@pytest.mark.parametrize("bad, fragment", [
    ("IMG_PIXEL(inputImage)", "wrong number of arguments: got 1, expected 2 or 3"),
    ("IMG_NORM_PIXEL(inputImage, a, b, c)", "wrong number of arguments: got 4"),
    ("IMG_THIS_PIXEL(inputImage, uv)", "got 2, expected 1"),
    ("IMG_SIZE()", "got 0, expected 1"),
    ("IMG_PIXEL(nosuch, uv)", "'nosuch' is not an image"),
    ("IMG_PIXEL(level, uv)", "'level' is not an image"),
    ("IMG_PIXEL(inputImage, )", "argument 2 is empty"),
    ("IMG_PIXEL(inputImage, vec2(uv)", "unbalanced"),
    ("IMG_SIZE", "must be called with parentheses"),
])
def test_macro_errors_report_fs_line(bad: str, fragment: str) -> None:
    """Wrong arity etc. is a CompileError at the .fs line."""
    body = f"// line 1\nvoid main() {{\n\tvec2 uv = vec2(0.0);\n\tvec4 c = {bad};\n}}\n"
    text = shader(body)
    with pytest.raises(CompileError) as ei:
        translate(load(text))
    assert fragment in str(ei.value)
    assert ei.value.line == _line_of(text, "vec4 c =")  # type: ignore[attr-defined]
    assert f"<string>:{ei.value.line}:" in str(ei.value)  # type: ignore[attr-defined]


def test_this_pixel_in_vertex_shader_is_error() -> None:
    with pytest.raises(CompileError, match="not available in a vertex shader"):
        translate(load(shader("void main(){}\n"),
                       vertex_source="void main() {\n isf_vertShaderInit();\n vec4 c = IMG_THIS_PIXEL(inputImage);\n}\n"))


BROKEN = [  # five deliberately broken shaders; the bad line carries a "// BAD" comment
    "void main() {\n\tgl_FragColor = vec4(undefinedThing); // BAD\n}\n",
    "float f(float x) {\n\treturn 0; // BAD\n}\nvoid main() { gl_FragColor = vec4(f(1.0)); }\n",
    ("\n\n\nvoid main() {\n\tvec4 c = IMG_NORM_PIXEL(inputImage,\n\t\tvec2(0.5,\n\t\t0.5));\n"
     "\tgl_FragColor = c +; // BAD\n}\n"),
    "#version 120\nvoid main() {\n\tint i = 1.5; // BAD\n\tgl_FragColor = vec4(i);\n}\n",
    ("/* IMG_PIXEL( */\nvoid main() {\n\tgl_FragColor = IMG_THIS_PIXEL(inputImage).xyz; // BAD\n}\n"),
]


@pytest.mark.parametrize("fmt", [
    "0:{g}(12): error: something is wrong",           # Mesa
    "0({g}) : error C1008: something is wrong",       # NVIDIA
    "ERROR: 0:{g}: 'x' : something is wrong",          # glslang / Apple / ANGLE
])
@pytest.mark.parametrize("body", BROKEN)
def test_compile_log_mapped_to_fs_line(body: str, fmt: str) -> None:
    """Broken shaders report the right .fs line, for each log format.
    The synthetic log points at the generated line holding the error."""
    text = shader(body)
    t = tr(body)
    marker = "// BAD"
    gen_line = _line_of(t.fragment, marker)
    log = "warning: prologue\n" + fmt.format(g=gen_line) + "\n"
    mapped = map_compile_log(log, t, "fragment")
    want_line = _line_of(text, marker)
    assert f"<string>:{want_line}: " in mapped
    assert "something is wrong" in mapped
    assert text.split("\n")[want_line - 1].strip() in mapped  # quotes the .fs source line
    assert "warning: prologue" in mapped  # unrecognised lines kept


def test_compile_log_generated_lines_and_vertex(tmp_path) -> None:
    """Errors located in generated code name the nearest user line and say so (never a
    generated line); vertex errors map to the .vs file."""
    fs = tmp_path / "s.fs"
    fs.write_text(shader("void main(){}\n"))
    (tmp_path / "s.vs").write_text("// vs line 1\nvoid main() {\n\tisf_vertShaderInit();\n\tbogus;\n}\n")
    t = translate(load(fs))
    first = next(o for o in t.fragment_map if o is not None)
    mapped = map_compile_log("0:2(1): error: precision?", t, "fragment")
    assert mapped.startswith(f"{fs}:{first[1]}: error: precision? (reported in code generated "
                             "before this line)")
    last = [o for o in t.fragment_map if o is not None and t.sources[o[0]][o[1] - 1].strip()][-1]
    mapped = map_compile_log(f"0:{len(t.fragment_map)}(1): error: unexpected end of file", t,
                             "fragment")
    assert mapped.startswith(f"{fs}:{last[1]}: error: unexpected end of file (reported at the "
                             "end of the shader)")
    assert map_compile_log("0:1(1): error: x", t, "vertex").startswith(f"{tmp_path / 's.vs'}:1: ")
    g = _line_of(t.vertex, "bogus;")
    mapped = map_compile_log(f"0:{g}(2): error: `bogus' undeclared", t, "vertex")
    assert mapped.split("\n")[0] == f"{tmp_path / 's.vs'}:4: error: `bogus' undeclared"
    assert mapped.split("\n")[1].strip() == "bogus;"


def test_line_map_is_exact_for_every_body_line() -> None:
    """Every generated body line maps to the .fs line with the same (rewritten) content."""
    body = "\n".join(f"float v{i} = {i}.0; // {i}" for i in range(30)) + "\nvoid main(){}\n"
    text = shader(body)
    t = tr(body)
    src_lines = text.split("\n")
    for g, (line, origin) in enumerate(zip(t.fragment.split("\n"), t.fragment_map, strict=True), 1):
        if origin is not None:
            assert origin[0] == "<string>"
            assert src_lines[origin[1] - 1].replace("void main(", "void isf_main(") == line
            assert t.origin("fs", g) == origin


def test_upside_down_drawing_is_a_compile_switch() -> None:
    """gl_FragCoord/gl_FrontFacing/dFdy/main become isf_ names; with the generated
    ``#define ISF_FLIP_Y 0`` they are macros for the built-ins, so the default program costs
    nothing extra; FLIP_SWITCH_ON (same line count) compiles the wrappers in."""
    from offscreen_isf.isf.translate import FLIP_SWITCH, FLIP_SWITCH_ON

    t = tr("void main() { gl_FragColor = vec4(gl_FragCoord.y, dFdy(isf_FragNormCoord.y), "
           "gl_FrontFacing ? 1.0 : 0.0, 1.0); }\n")
    body = body_of(t)
    assert "isf_FragCoord.y" in body and "isf_dFdy(" in body and "isf_FrontFacing" in body
    assert "void isf_main()" in body and "gl_FragCoord" not in body
    for src in (t.fragment, t.vertex):
        assert src.count(FLIP_SWITCH) == 1 and "#define isf_main main" in src
    assert "#define isf_FragCoord gl_FragCoord" in t.fragment
    on = t.retarget(flip_y=True)
    assert on.flip_y and not t.flip_y
    for stage in ("fragment", "vertex"):
        src = on.source(stage)
        assert src.count(FLIP_SWITCH_ON) == 1 and FLIP_SWITCH not in src
        assert src.count("\n") == t.source(stage).count("\n")       # line maps still hold
    assert on.fragment_map == t.fragment_map and on.vertex_map == t.vertex_map
    assert on.fragment.rstrip().endswith("#endif") and "\tisf_main();" in on.fragment
    assert "gl_Position.y = -gl_Position.y" in t.vertex


@pytest.mark.parametrize("text, want", [
    ("4.60 NVIDIA", 460), ("4.6", 460), ("3.30", 330), ("4.50 (Core Profile) Mesa 23.2.1", 450),
    ("4.1 Metal - 88", 410), ("#version 330 core", 330), ("#version 400", 400), ("330", 330),
    ("OpenGL ES GLSL ES 3.20", 320), ("1.10", 110), ("4", 400),
])
def test_parse_glsl_version(text: str, want: int) -> None:
    from offscreen_isf.isf.translate import parse_glsl_version

    assert parse_glsl_version(text) == want


def test_parse_glsl_version_without_a_number_fails() -> None:
    from offscreen_isf.isf.translate import parse_glsl_version

    with pytest.raises(ValueError, match="no GLSL version"):
        parse_glsl_version("unknown")


def test_translate_emits_final_sources_for_the_options() -> None:
    """translate(doc, glsl_version=, flip_y=) is the exact program text: the #version line
    and the ISF_FLIP_Y switch are emitted, not patched in later; retarget() agrees with a
    fresh translation and keeps the line maps."""
    from offscreen_isf.isf.translate import FLIP_SWITCH, FLIP_SWITCH_ON, GLSL_VERSIONS

    body = "void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage) * level; }\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        doc = load(shader(body))
    base = translate(doc)
    assert (base.glsl_version, base.flip_y) == (330, False)
    for version in (400, 460):
        for flip in (False, True):
            t = translate(doc, glsl_version=version, flip_y=flip)
            again = base.retarget(glsl_version=version, flip_y=flip)
            for stage in ("fragment", "vertex"):
                src = t.source(stage)
                assert src.startswith(f"#version {version}\n") and src.count("#version") == 1
                assert (FLIP_SWITCH_ON if flip else FLIP_SWITCH) in src
                assert src == again.source(stage)
                assert src.split("\n")[1:] != base.source(stage).split("\n")[1:] or not flip
            assert t.fragment_map == base.fragment_map and t.vertex_map == base.vertex_map
    assert base.retarget() is base and base.retarget(glsl_version=330, flip_y=False) is base
    for bad in (120, 300, 401):
        assert bad not in GLSL_VERSIONS
        with pytest.raises(ValueError, match="glsl_version"):
            translate(doc, glsl_version=bad)


_GENERATED_SHAPES = re.compile(r"^(isf_|ISF_|VVSAMPLER)|^_.+_(imgRect|imgSize|flip)$")


def _emitted_identifiers(t) -> set[str]:
    """isf_* / ISF_* / VVSAMPLER* / _NAME_img* identifiers the translation put in its sources
    (on generated lines, and on body lines where the original line does not have them)."""
    found: set[str] = set()
    for stage in ("fragment", "vertex"):
        for g, line in enumerate(t.source(stage).split("\n"), 1):
            idents = {tok.text for tok in tokenize(line) if tok.kind == "ident"}
            origin = t.origin(stage, g)
            if origin is not None:
                file, n = origin
                idents -= {tok.text for tok in tokenize(t.sources[file][n - 1]) if tok.kind == "ident"}
            found |= {i for i in idents if _GENERATED_SHAPES.search(i)}
    return found


def _corpus_like_documents():
    bodies = [
        "void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage) + IMG_PIXEL(tmpBuf, gl_FragCoord.xy)"
        " + IMG_NORM_PIXEL(accum, isf_FragNormCoord, 0.5) + IMG_THIS_NORM_PIXEL(wave)"
        " + IMG_PIXEL(inputImage, vec2(1.0), 1.0) + vec4(IMG_SIZE(inputImage), dFdy(TIME), 1.0);"
        " if (gl_FrontFacing) discard; }\n",
        "varying vec2 uv;\nvoid main() { gl_FragColor = texture2D(inputImage, vv_FragNormCoord); }\n",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        docs = [load(shader(b)) for b in bodies]
        corpus = Path(__file__).resolve().parents[1].parent / "shared" / "isf-corpus"
        for path in sorted(corpus.rglob("*.fs"))[::7]:   # a spread of the corpus, when present
            try:
                docs.append(load(path))
            except ISFError:
                continue
    return docs


def test_every_generated_identifier_is_a_reserved_name() -> None:
    """The translation emits only identifiers that isf/names.py lists (GENERATED_NAMES, or
    the _NAME_imgRect/_NAME_imgSize/_NAME_flip pattern), so the parser's reserved-name check
    covers everything the generated code declares."""
    from offscreen_isf.isf.names import GENERATED_NAMES, is_image_aux_name

    seen: set[str] = set()
    for doc in _corpus_like_documents():
        for flip in (False, True):
            try:
                t = translate(doc, flip_y=flip)
            except CompileError:
                continue
            seen |= _emitted_identifiers(t)
    stray = sorted(i for i in seen if i not in GENERATED_NAMES and not is_image_aux_name(i))
    assert not stray, f"emitted but not in isf/names.py: {stray}"
    # the check saw the generated machinery (not a vacuous pass)
    assert {"isf_FlipY", "isf_FragNormCoord", "VVSAMPLER_2DBYPIXEL", "ISF_THIS_PIXEL",
            "isf_dFdy", "_inputImage_imgSize"} <= seen
