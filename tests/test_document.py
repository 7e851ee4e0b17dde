"""ISF document loading (docs/semantics.md, "Files and the header", "Inputs", "Passes and
targets", "Imported images and paths", "ISF v1 files")."""

from __future__ import annotations

import json
import os
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offscreen_isf.errors import InputError, ParseError
from offscreen_isf.isf.document import ISFWarning, extract_header, load

BODY = "void main() {\n\tgl_FragColor = vec4(1.0);\n}\n"


def isf(header: dict | str, body: str = BODY, prefix: str = "") -> str:
    text = header if isinstance(header, str) else json.dumps(header, indent=1)
    return f"{prefix}/*{text}\n*/\n{body}"


def quiet_load(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        return load(*args, **kwargs)


# -- header extraction (docs/semantics.md, "Files and the header") -------------------------------

def test_header_found_anywhere_and_body_after_its_line() -> None:
    """First '/*' anywhere; body starts after the line holding '*/' (rest dropped)."""
    text = '// leading comment\n\n/*{"DESCRIPTION": "x"}*/ dropped text\nvoid main(){}\n'
    doc = load(text)
    assert doc.description == "x"
    assert doc.fragment_source == "void main(){}\n"
    assert doc.body_line_offset == 3 and doc.header_line == 3


def test_body_line_offset_counts_crlf_once() -> None:
    """Line mapping: body line k is .fs line k + offset (\\r\\n is one line end)."""
    text = '/*{\r\n"ISFVSN": "2"\r\n}\r\n*/\r\nvoid main(){}\r\n'
    doc = load(text)
    assert doc.body_line_offset == 4 and doc.fragment_source.startswith("void main")


@pytest.mark.parametrize("text, fragment", [
    ("void main(){}\n", "no JSON header"),
    ("*/ x /*{}*/\nvoid main(){}\n", "before"),
    ("/*{}\nvoid main(){}\n", "never closed"),
])
def test_header_missing_or_malformed(text: str, fragment: str) -> None:
    """Missing comment or '*/' before '/*' ⇒ error (as VVISF-GL)."""
    with pytest.raises(ParseError, match=fragment):
        load(text.encode())  # bytes: always text (a str without '/*' would be a path)


def test_json_error_line_and_column_in_fs_file() -> None:
    """A JSON error reports 1-based line/column in the .fs file."""
    text = '// one\n/*{\n  "INPUTS": [\n    {"NAME": "a" "TYPE": "float"}\n  ]\n}*/\nvoid main(){}\n'
    with pytest.raises(ParseError) as ei:
        load(text)
    assert (ei.value.line, ei.value.column) == (4, 18)
    assert "4:18" in str(ei.value)


def test_lenient_fallback_warns() -> None:
    """Comments and trailing commas are accepted with a warning."""
    header = ('{\n // a comment\n "DESCRIPTION": "has // not a comment",\n'
              ' "INPUTS": [{"NAME": "a", "TYPE": "float",},], // trailing\n}')
    # (no /* */ inside: by the VVISF-GL rule the first '*/' ends the header)
    with pytest.warns(ISFWarning, match="not strict JSON"):
        doc = load(isf(header))
    assert doc.description == "has // not a comment"
    assert [i.name for i in doc.inputs] == ["a"]


def test_lenient_failure_points_at_real_error() -> None:
    header = '{\n // c\n "INPUTS": [ {"NAME": "a",, "TYPE": "float"} ]\n}'
    with pytest.raises(ParseError) as ei:
        load(isf(header))
    assert ei.value.line == 3


def test_nan_is_not_json() -> None:
    with pytest.raises(ParseError, match="NaN"):
        load(isf('{"INPUTS": [{"NAME": "a", "TYPE": "float", "DEFAULT": NaN}]}'))


def test_header_must_be_object() -> None:
    with pytest.raises(ParseError, match="JSON object"):
        load(isf("[1, 2]"))


# -- metadata (docs/semantics.md, "Files and the header") ------------------------------------------

def test_metadata() -> None:
    """ISFVSN, VSN, DESCRIPTION, CREDIT, CATEGORIES (non-strings dropped)."""
    doc = quiet_load(isf({"ISFVSN": "2", "VSN": 3, "DESCRIPTION": "d", "CREDIT": "c",
                          "CATEGORIES": ["A", 4, "B"]}))
    assert (doc.vsn, doc.file_vsn, doc.description, doc.credit) == ("2", "3", "d", "c")
    assert doc.categories == ["A", "B"] and not doc.is_v1
    assert load(isf({})).is_v1


def test_wrong_case_key_warns() -> None:
    """Keys are case-sensitive; lowercase "persistent" is ignored (Auto Color Tone.fs)."""
    with pytest.warns(ISFWarning, match="PERSISTENT"):
        doc = load(isf({"PASSES": [{"TARGET": "a", "persistent": True}]}))
    assert doc.targets["a"].persistent is False


# -- inputs (docs/semantics.md, "Inputs") ----------------------------------------------------------

def test_inputs_parsed_in_order_and_unknown_type_skipped() -> None:
    """Declaration order kept; unknown TYPE skipped with a warning."""
    with pytest.warns(ISFWarning, match='unknown TYPE "text"'):
        doc = load(isf({"INPUTS": [{"NAME": "a", "TYPE": "float"}, {"NAME": "c", "TYPE": "text"},
                                   {"NAME": "b", "TYPE": "color"}]}))
    assert [(i.name, i.type) for i in doc.inputs] == [("a", "float"), ("b", "color")]
    assert doc.input("b").default == (0.0, 0.0, 0.0, 0.0)
    with pytest.raises(InputError, match="a, b"):
        doc.input("zzz")


def test_wrong_type_message_with_line() -> None:
    """A precise message naming the input; strict mode makes it an error at its line."""
    header = ('{\n "INPUTS": [\n  {"NAME": "x", "TYPE": "float"},\n  {"NAME": "y", "TYPE": "float"},\n'
              '  {"NAME": "z", "TYPE": "float"},\n  {"NAME": "amount", "TYPE": "float", "DEFAULT": "abc"}\n ]\n}')
    with pytest.warns(ISFWarning, match=r'INPUTS\[3\] "amount": DEFAULT must be a number, got "abc"'):
        load(isf(header))
    with pytest.raises(ParseError) as ei:
        load(isf(header), strict=True)
    assert ei.value.message == 'INPUTS[3] "amount": DEFAULT must be a number, got "abc"'
    amount_line = next(k for k, ln in enumerate(isf(header).split("\n"), 1) if '"amount"' in ln)
    assert ei.value.line == amount_line == 6  # the line of "amount" in the .fs file


@pytest.mark.parametrize("inputs, fragment", [
    ([{"NAME": "a", "TYPE": "float"}, {"NAME": "a", "TYPE": "bool"}], "duplicate name"),
    ([{"NAME": "my value", "TYPE": "float"}], "not a valid GLSL identifier"),
    ([{"NAME": "TIME", "TYPE": "float"}], "reserved"),
    ([{"NAME": "gl_Foo", "TYPE": "float"}], "reserved"),
])
def test_bad_input_names(inputs: list, fragment: str) -> None:
    """NAME becomes a GLSL identifier; duplicates are errors."""
    with pytest.raises(ParseError, match=fragment):
        load(isf({"INPUTS": inputs}))


# -- classification (docs/semantics.md, "Files and the header") ----------------------------------

@pytest.mark.parametrize("inputs, kind", [
    ([], "generator"),
    ([{"NAME": "inputImage", "TYPE": "image"}], "filter"),
    ([{"NAME": "inputImage", "TYPE": "float"}], "generator"),
    ([{"NAME": "startImage", "TYPE": "image"}, {"NAME": "endImage", "TYPE": "image"},
      {"NAME": "progress", "TYPE": "float"}], "transition"),
    ([{"NAME": "inputImage", "TYPE": "image"}, {"NAME": "startImage", "TYPE": "image"},
      {"NAME": "endImage", "TYPE": "image"}, {"NAME": "progress", "TYPE": "float"}], "transition"),
    ([{"NAME": "startImage", "TYPE": "image"}, {"NAME": "endImage", "TYPE": "image"},
      {"NAME": "progress", "TYPE": "long"}], "generator"),
])
def test_classification(inputs: list, kind: str) -> None:
    """Filter / transition (wins, VVISF-GL) / generator."""
    assert load(isf({"INPUTS": inputs})).kind == kind


# -- passes (docs/semantics.md, "Passes and targets") ----------------------------------------------

def test_missing_passes_is_one_unnamed_pass() -> None:
    """Missing or empty PASSES ⇒ one unnamed pass."""
    for header in ({}, {"PASSES": []}):
        doc = load(isf(header))
        assert len(doc.passes) == 1 and doc.passes[0].target is None and not doc.targets


@pytest.mark.parametrize("raw, want", [
    (True, True), (False, False), (1, True), (0, False), (2.5, True), (-1, False),
    ("true", True), ("yes", True), ("false", False), ("TRUE", False), ("no", False), (None, False),
])
def test_flag_forms(raw, want) -> None:
    """PERSISTENT / FLOAT in bool / number / string forms (VVISF-GL rules)."""
    doc = load(isf({"PASSES": [{"TARGET": "buf", "PERSISTENT": raw, "FLOAT": raw}, {}]}))
    t = doc.targets["buf"]
    assert (t.persistent, t.float) == (want, want)
    assert doc.passes[0].persistent == want


def test_sizes_compiled() -> None:
    """WIDTH/HEIGHT strings and numbers become size expressions; missing ⇒ $WIDTH."""
    doc = load(isf({"INPUTS": [{"NAME": "q", "TYPE": "float", "DEFAULT": 0.5}],
                    "PASSES": [{"TARGET": "a", "WIDTH": "floor($WIDTH*$q)", "HEIGHT": 16},
                               {"TARGET": "b"}, {}]}))
    env = doc.size_variables(1000, 500)
    assert doc.targets["a"].width.size(env) == 500
    assert doc.targets["a"].height.size(env) == 16
    assert doc.targets["b"].width.size(env) == 1000 and doc.targets["b"].height.size(env) == 500
    assert doc.passes[2].target is None
    assert doc.targets["a"].width.size(doc.size_variables(1000, 500, {"q": 0.1})) == 100


def test_size_expression_error_located_in_file() -> None:
    """Size-expression syntax errors carry the .fs line and column."""
    text = '/*{\n"PASSES": [\n  {"TARGET": "a", "WIDTH": "$WIDTH / * 2"}\n]\n}*/\nvoid main(){}\n'
    with pytest.raises(ParseError) as ei:
        load(text)
    line_text = text.split("\n")[2]
    assert ei.value.line == 3
    assert line_text[ei.value.column - 1] == "*"


def test_size_expression_unknown_variable() -> None:
    """Only $WIDTH, $HEIGHT and event/bool/long/float inputs are variables."""
    with pytest.raises(ParseError, match=r"unknown variable \$c"):
        load(isf({"INPUTS": [{"NAME": "c", "TYPE": "color"}],
                  "PASSES": [{"TARGET": "a", "WIDTH": "$c"}]}))


def test_target_reuse_rules() -> None:
    """A persistent name may be reused (same buffer); a temp name may not."""
    doc = load(isf({"PASSES": [{"TARGET": "acc", "PERSISTENT": True},
                               {"TARGET": "acc", "FLOAT": True, "WIDTH": 8}, {}]}))
    assert list(doc.targets) == ["acc"] and doc.targets["acc"].float
    assert doc.targets["acc"].width.size({"WIDTH": 100}) == 8
    with pytest.raises(ParseError, match="duplicate TARGET"):
        load(isf({"PASSES": [{"TARGET": "t"}, {"TARGET": "t"}]}))
    with pytest.raises(ParseError, match="duplicate name"):
        load(isf({"INPUTS": [{"NAME": "t", "TYPE": "float"}], "PASSES": [{"TARGET": "t"}]}))


def test_passes_must_be_array() -> None:
    with pytest.raises(ParseError, match="PASSES must be an array"):
        load(isf({"PASSES": {"TARGET": "a"}}))


# -- v1 (docs/semantics.md, "ISF v1 files") --------------------------------------------------------

def test_v1_persistent_buffers_array_and_dict() -> None:
    """PERSISTENT_BUFFERS creates persistent targets used by PASSES."""
    doc = load(isf({"PERSISTENT_BUFFERS": ["accum"], "PASSES": [{"TARGET": "accum"}, {}]}))
    assert doc.targets["accum"].persistent and doc.passes[0].persistent
    doc = load(isf({"PERSISTENT_BUFFERS": {"acc": {"WIDTH": 4, "HEIGHT": "$HEIGHT/2",
                                                   "FLOAT": True}},
                    "PASSES": [{"TARGET": "acc"}]}))
    t = doc.targets["acc"]
    assert t.persistent and t.float and t.width.size({"WIDTH": 9, "HEIGHT": 9}) == 4
    assert t.height.size({"WIDTH": 9, "HEIGHT": 10}) == 5
    with pytest.raises(ParseError):
        load(isf({"PERSISTENT_BUFFERS": [3]}))


# -- IMPORTED (docs/semantics.md, "Imported images and paths") -------------------------------------

def test_imported_dict_and_array(tmp_path: Path) -> None:
    """Dict form (explicit NAME overrides the key) and VVISF-GL's array form."""
    (tmp_path / "img").mkdir()
    fs = tmp_path / "s.fs"
    fs.write_text(isf({"IMPORTED": {"k": {"PATH": "img/a.png"},
                                    "other": {"NAME": "renamed", "PATH": "./b.png"}}}))
    doc = load(fs)
    assert [(i.name, i.path) for i in doc.imported] == [("k", "img/a.png"), ("renamed", "./b.png")]
    assert doc.imported[0].resolved == (tmp_path / "img" / "a.png").resolve()
    fs.write_text(isf({"IMPORTED": [{"NAME": "n", "PATH": "x.png"}]}))
    assert load(fs).imported[0].name == "n"


@pytest.mark.parametrize("path", ["../secret.png", "/etc/passwd", "img/../../x.png"])
def test_imported_cannot_escape_folder(tmp_path: Path, path: str) -> None:
    """IMPORTED paths are confined to the shader's folder."""
    sub = tmp_path / "shaders"
    sub.mkdir()
    fs = sub / "s.fs"
    fs.write_text(isf({"IMPORTED": {"k": {"PATH": path}}}))
    with pytest.raises(ParseError, match="escapes"):
        load(fs)


def test_imported_symlink_escape(tmp_path: Path) -> None:
    sub = tmp_path / "shaders"
    sub.mkdir()
    (tmp_path / "outside.png").write_bytes(b"x")
    os.symlink(tmp_path / "outside.png", sub / "link.png")
    fs = sub / "s.fs"
    fs.write_text(isf({"IMPORTED": {"k": {"PATH": "link.png"}}}))
    with pytest.raises(ParseError, match="escapes"):
        load(fs)


@pytest.mark.parametrize("imported, fragment", [
    ({"k": {}}, "PATH"), ({"k": {"PATH": 3}}, "PATH"), ({"k": "a.png"}, "object"),
    ({"k": {"TYPE": "cube", "PATH": ["a", "b"]}}, "cube"), (5, "object or an array"),
])
def test_imported_errors(imported, fragment: str) -> None:
    with pytest.raises(ParseError, match=fragment):
        load(isf({"IMPORTED": imported}))


# -- files (docs/semantics.md, "Files and the header") ---------------------------------------------

def test_vertex_sibling_base_name_rule(tmp_path: Path) -> None:
    """Path minus its last extension + .vs, then .vert."""
    fs = tmp_path / "Game of Life.fs.fs"
    fs.write_text(isf({}))
    (tmp_path / "Game of Life.fs.vs").write_text("void main(){isf_vertShaderInit();}\n")
    (tmp_path / "Game of Life.vs").write_text("WRONG")
    doc = load(fs)
    assert doc.vertex_path == tmp_path / "Game of Life.fs.vs" and "WRONG" not in doc.vertex_source
    fs2 = tmp_path / "b.fs"
    fs2.write_text(isf({}))
    (tmp_path / "b.vert").write_text("// vert\n")
    assert load(fs2).vertex_source == "// vert\n"
    fs3 = tmp_path / "c.fs"
    fs3.write_text(isf({}))
    assert load(fs3).vertex_source is None


def test_load_path_or_text(tmp_path: Path) -> None:
    """load(): str with '/*' and a newline is text; PathLike is a path; bytes are text."""
    fs = tmp_path / "x.fs"
    fs.write_text(isf({"DESCRIPTION": "file"}))
    assert load(str(fs)).path == fs and load(fs).description == "file"
    assert load(isf({"DESCRIPTION": "text"})).path is None
    assert load(isf({"DESCRIPTION": "b"}).encode()).description == "b"
    with pytest.raises(ParseError, match="not found"):
        load(tmp_path / "missing.fs")
    with pytest.raises(ParseError, match="UTF-8"):
        load(b"/*{}*/\n\xff\xfe")


# -- fuzz ------------------------------------------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("ISF_FUZZ_EXAMPLES", "2000"))

VALID = {
    "ISFVSN": "2", "DESCRIPTION": "d", "CATEGORIES": ["a"],
    "INPUTS": [{"NAME": "inputImage", "TYPE": "image"},
               {"NAME": "amt", "TYPE": "float", "MIN": 0, "MAX": 2, "DEFAULT": 1},
               {"NAME": "mode", "TYPE": "long", "VALUES": [0, 1], "LABELS": ["a", "b"]},
               {"NAME": "pt", "TYPE": "point2D", "DEFAULT": [0, 0]},
               {"NAME": "col", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]}],
    "PASSES": [{"TARGET": "buf", "PERSISTENT": True, "WIDTH": "$WIDTH/2", "HEIGHT": "max($amt,1)"},
               {}],
    "IMPORTED": {"tex": {"PATH": "a.png"}},
}
VALID_TEXT = json.dumps(VALID, indent=1)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 40, 2 ** 40) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["$WIDTH", "image", "float", "../x", "1/0", "("]),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.sampled_from(["NAME", "TYPE", "DEFAULT", "MIN", "MAX", "VALUES", "LABELS", "TARGET",
                         "PERSISTENT", "FLOAT", "WIDTH", "HEIGHT", "PATH", "x"]), c, max_size=5),
    max_leaves=12)

KEYS = ["ISFVSN", "DESCRIPTION", "CREDIT", "CATEGORIES", "INPUTS", "PASSES", "IMPORTED",
        "PERSISTENT_BUFFERS", "VSN"]


@st.composite
def structural_mutation(draw) -> str:
    """Valid structure with one part replaced by an arbitrary JSON value."""
    header = json.loads(VALID_TEXT)
    where = draw(st.sampled_from(["top", "input", "inputkey", "pass", "passkey", "import"]))
    value = draw(json_values)
    if where == "top":
        header[draw(st.sampled_from(KEYS))] = value
    elif where == "input":
        header["INPUTS"][draw(st.integers(0, 4))] = value
    elif where == "inputkey":
        inp = header["INPUTS"][draw(st.integers(0, 4))]
        inp[draw(st.sampled_from(["NAME", "TYPE", "DEFAULT", "MIN", "MAX", "VALUES", "LABELS",
                                  "IDENTITY", "LABEL"]))] = value
    elif where == "pass":
        header["PASSES"][draw(st.integers(0, 1))] = value
    elif where == "passkey":
        header["PASSES"][0][draw(st.sampled_from(["TARGET", "PERSISTENT", "FLOAT", "WIDTH",
                                                  "HEIGHT"]))] = value
    else:
        header["IMPORTED"] = {"tex": value} if draw(st.booleans()) else [value]
    return json.dumps(header, indent=draw(st.sampled_from([None, 1])))


@st.composite
def textual_mutation(draw) -> str:
    """Valid text with characters deleted, inserted, or the text truncated / deeply nested."""
    text = VALID_TEXT
    kind = draw(st.sampled_from(["delete", "insert", "truncate", "nest", "replace"]))
    i = draw(st.integers(0, len(text)))
    if kind == "delete":
        return text[:i] + text[i + draw(st.integers(1, 20)):]
    if kind == "insert":
        junk = draw(st.text(alphabet='{}[]",:/*\\\n tf0-.eNaI\'/', min_size=1, max_size=8))
        return text[:i] + junk + text[i:]
    if kind == "truncate":
        return text[:i]
    if kind == "nest":
        depth = draw(st.integers(100, 50000))
        return '{"INPUTS": ' + "[" * depth + "]" * draw(st.integers(0, depth))
    return text.replace(draw(st.sampled_from(['"', ":", ",", "{", "[", "}"])),
                        draw(st.sampled_from(["", "'", ";", "//", "/*"])), 1)


@settings(max_examples=FUZZ_EXAMPLES, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(st.one_of(structural_mutation(), textual_mutation()), st.booleans(),
       st.sampled_from(["", "\n", "x */ y\n"]))
def test_fuzz_malformed_headers_only_parse_errors(tmp_path_factory, header: str, strict: bool,
                                                  tail: str) -> None:
    """Every failure on a malformed header is a ParseError — no other exception, no
    hang (5 s deadline per example).  Loaded documents are internally consistent."""
    text = f"/*{header}*/{tail}\n{BODY}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ISFWarning)
            doc = load(text, strict=strict, base_dir="/nonexistent-isf-base")
    except ParseError as exc:
        assert exc.message
        return
    names = [i.name for i in doc.inputs] + [i.name for i in doc.imported] + list(doc.targets)
    assert len(names) == len(set(names))
    assert doc.kind in ("generator", "filter", "transition")
    assert doc.passes and all(p.target is None or p.target in doc.targets for p in doc.passes)
    env = doc.size_variables(64, 32)
    for t in doc.targets.values():
        t.width.evaluate(env)
        t.height.evaluate(env)


def test_extract_header_offsets() -> None:
    """JSON text and body are the exact substrings."""
    h = extract_header('x/*{"a":1}*/\n\nbody')
    assert h.json_text == '{"a":1}' and h.json_start == 3 and h.body == "\nbody"
