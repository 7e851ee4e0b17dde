"""Reserved names (offscreen_isf/isf/names.py): the parser refuses every name the GLSL
translation claims, with a ParseError naming the header entry; Document.output_is_float."""

from __future__ import annotations

import json

import pytest

from offscreen_isf.errors import ParseError
from offscreen_isf.isf import names
from offscreen_isf.isf.document import load
from offscreen_isf.isf.translate import tokenize, translate


def _shader(header: dict[str, object]) -> str:
    return "/*" + json.dumps(header) + "*/\nvoid main() { gl_FragColor = vec4(0.0); }\n"


@pytest.mark.parametrize("name", ["isf_FlipY", "isf_FragNormCoord", "isf_main", "ISF_THIS_PIXEL",
                                  "VVSAMPLER_2DBYNORM", "vv_FragNormCoord",
                                  "_img_imgSize", "_a_flip", "_x_imgRect", "float", "uniform",
                                  "TIME", "gl_Anything", "isf_n_sample", "main", "highp",
                                  "IMG_PIXEL"])
@pytest.mark.parametrize("where", ["INPUTS", "TARGET", "IMPORTED", "PERSISTENT_BUFFERS"])
def test_reserved_names_are_refused_for_every_header_entry(name: str, where: str) -> None:
    header: dict[str, object] = {
        "INPUTS": {"INPUTS": [{"NAME": name, "TYPE": "float"}]},
        "TARGET": {"PASSES": [{"TARGET": name}, {}]},
        "IMPORTED": {"IMPORTED": {name: {"PATH": "x.png"}}},
        "PERSISTENT_BUFFERS": {"PERSISTENT_BUFFERS": [name]},
    }[where]
    with pytest.raises(ParseError) as info:
        load(_shader(header))
    msg = str(info.value)
    assert f'"{name}" is reserved' in msg
    assert where.split("_")[0] in msg or where == "TARGET" and "PASSES[0]" in msg
    assert info.value.line == 1


def test_translation_emits_no_unlisted_isf_identifier() -> None:
    """Every isf_/ISF_/VV identifier in a full translation (flip helpers, IMG_* helpers, custom
    vertex shader) is in GENERATED_NAMES: the parser and the translation agree."""
    src = ('/*{"INPUTS":[{"NAME":"img","TYPE":"image"}],"PASSES":[{"TARGET":"t"},{}]}*/\n'
           "void main() { gl_FragColor = IMG_THIS_PIXEL(img) + IMG_PIXEL(t, gl_FragCoord.xy, 1.0)"
           " + IMG_NORM_PIXEL(img, isf_FragNormCoord) + IMG_THIS_NORM_PIXEL(t)"
           " + IMG_NORM_PIXEL(t, vec2(0.5), 0.5) + vec4(dFdy(1.0)); }\n")
    doc = load(src, vertex_source="void main() { vv_vertShaderInit(); }\n")
    t = translate(doc)
    idents = {tok.text for stage in (t.fragment, t.vertex) for tok in tokenize(stage)
              if tok.kind == "ident"}
    generated = {i for i in idents if i.lower().startswith(("isf_", "vvsampler"))}
    assert generated, "the test shader must exercise the generated code"
    assert generated <= names.GENERATED_NAMES, generated - names.GENERATED_NAMES
    aux = {u.name for u in t.uniforms if u.role.startswith("image_")}
    assert aux and all(names.is_image_aux_name(a) for a in aux)
    builtin = [u.name for u in t.uniforms if u.role == "builtin"]
    assert builtin == list(names.GENERATED_UNIFORMS)


@pytest.mark.parametrize("name", ["img", "isf_custom", "imgSize", "_imgSize", "flip_", "length",
                                  "smoothness", "TIMEX", "samples"])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert names.reserved_reason(name) is None
    doc = load(_shader({"INPUTS": [{"NAME": name, "TYPE": "float"}]}))
    assert doc.inputs[0].name == name


@pytest.mark.parametrize("passes, expected", [
    (None, False),
    ([{"TARGET": "a", "FLOAT": True}, {}], False),
    ([{"TARGET": "a", "FLOAT": True}], True),
    ([{"TARGET": "a"}], False),
    ([{"TARGET": "a", "PERSISTENT": True}, {"TARGET": "a", "FLOAT": True}], True),
])
def test_output_is_float(passes: object, expected: bool) -> None:
    header = {} if passes is None else {"PASSES": passes}
    assert load(_shader(header)).output_is_float is expected


def test_every_rewritten_identifier_is_reserved() -> None:
    """The identifiers the translation rewrites in a body (renames, IMG_* macros) are all in
    RENAMED_NAMES, so a new rename cannot silently become a usable input name."""
    from offscreen_isf.isf import translate as tr

    rewritten = set(tr._RENAMES["fragment"]) | set(tr._RENAMES["vertex"]) | set(tr.IMG_MACROS)
    assert rewritten <= names.RENAMED_NAMES, rewritten - names.RENAMED_NAMES
    # each is refused as a header name, or renamed with the header entry (function names)
    assert names.RENAMED_NAMES <= names.RESERVED_NAMES | names.RENAMED_HEADER_NAMES
    assert not names.RESERVED_NAMES & names.RENAMED_HEADER_NAMES


@pytest.mark.parametrize("name", ["texture2D", "texture", "half", "sample", "filter", "default",
                                  "smooth", "input", "switch", "clamp", "dFdy", "uint"])
@pytest.mark.parametrize("where", ["INPUTS", "TARGET", "IMPORTED", "PERSISTENT_BUFFERS"])
def test_reserved_glsl_words_are_renamed_not_refused(name: str, where: str) -> None:
    """A word the compiled GLSL reserves but the author's GLSL did not names a header entry:
    the public name stays, the GLSL identifier (and its per-image uniforms) is renamed."""
    header: dict[str, object] = {
        "INPUTS": {"INPUTS": [{"NAME": name, "TYPE": "image"}]},
        "TARGET": {"PASSES": [{"TARGET": name}, {}]},
        "IMPORTED": {"IMPORTED": {name: {"PATH": "x.png"}}},
        "PERSISTENT_BUFFERS": {"PERSISTENT_BUFFERS": [name]},
    }[where]
    doc = load(_shader(header))
    assert name in doc.image_names()
    t = translate(doc)
    by_key = {u.key: u.name for u in t.uniforms}
    assert by_key[name] == names.glsl_identifier(name) == names.RENAME_PREFIX + name
    assert by_key[f"_{name}_imgSize"] == f"_{names.RENAME_PREFIX}{name}_imgSize"
    assert f"uniform sampler2D {names.RENAME_PREFIX}{name};" in t.fragment
