"""Implicit int->uint conversions written out by the translation (offscreen_isf.isf.uintfix).

Pure-Python tests of the repair on shader text (each pattern, and what must stay as written),
then GL tests: the own shaders in tests/dialects/uint_*.fs compile as GLSL 3.30 with no 4.00
retry and render their expected pixels, and -- where the shared corpus sits beside the
repository -- the two corpus shaders that rely on the conversions render at 3.30, repaired,
exactly what their unrepaired sources render at 4.00.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
import offscreen_isf.gl.program as program_module
import offscreen_isf.isf.translate as translate_module
from offscreen_isf.errors import CompileError
from offscreen_isf.isf.document import load
from offscreen_isf.isf.lexer import tokenize
from offscreen_isf.isf.translate import parse_glsl_version, translate
from offscreen_isf.isf.uintfix import UintRepairs, uint_repairs

CASES = Path(__file__).parent / "dialects"
UINT_CASES = sorted(p.name for p in CASES.glob("uint_*.fs")) + ["version_uint_implicit.fs"]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "isf-corpus" / "ISF-Files" / "ISF"
CORPUS_CASES = ["Random Characters.fs", "Tiny Date Time Overlay.fs"]


def repaired(src: str, external: dict[str, str] | None = None) -> str:
    """``src`` with the repairs applied (what the translation emits for those tokens)."""
    toks = tokenize(src)
    fix = uint_repairs(toks, external)
    return "".join(fix.before.get(i, "") + fix.replace.get(i, t.text) + fix.after.get(i, "")
                   for i, t in enumerate(toks))


def body(code: str) -> str:
    """``code`` inside a uint-using function (so the pass has something to look at)."""
    return f"void f(uint u, int i, uvec2 v, ivec2 iv) {{\n{code}\n}}"


# -- the patterns -------------------------------------------------------------------------------

@pytest.mark.parametrize("code, want", [
    ("uint x = 0;", "uint x = 0u;"),                                   # initialiser
    ("uint a = 1, b, c = 0x1F;", "uint a = 1u, b, c = 0x1Fu;"),          # comma list, hex
    ("uint o = 017;", "uint o = 017u;"),                               # octal
    ("uint c = 0; c = 48;", "uint c = 0u; c = 48u;"),                  # assignment
    ("u += 1; u -= 2; u *= 3; u %= 4; u &= 5; u |= 6; u ^= 7;",
     "u += 1u; u -= 2u; u *= 3u; u %= 4u; u &= 5u; u |= 6u; u ^= 7u;"),  # compound
    ("if (u == 2 || u == 5) {}", "if (u == 2u || u == 5u) {}"),        # comparisons
    ("bool b = u < 10 && 3 >= u && u != 0;", "bool b = u < 10u && 3u >= u && u != 0u;"),
    ("uint s = u >> (8*u) & 0xff;", "uint s = u >> (8u*u) & 0xffu;"),  # inside a shift operand
    ("uint t = (u >> (7-u)) & 1;", "uint t = (u >> (7u-u)) & 1u;"),    # (7 - uint)
    ("uint w = u + 2 * u - 3;", "uint w = u + 2u * u - 3u;"),           # chains
    ("uvec2 d = v * 2 + uvec2(1, 2);", "uvec2 d = v * 2u + uvec2(1, 2);"),   # uvec operand
    ("bool e = v.x == 0 && v.y > 1;", "bool e = v.x == 0u && v.y > 1u;"),  # uvec components
    ("uint g = uint(i) + 1;", "uint g = uint(i) + 1u;"),               # uint constructor call
    ("uint h = c ? 1 : 2;", "uint h = c ? 1u : 2u;"),                  # ternary branches
    ("uint j = iv[1]; u = i;", "uint j = uint(iv[1]); u = uint(i);"),  # lone int values
    ("uint k = iv.y;", "uint k = uint(iv.y);"),
])
def test_literals_meeting_a_uint_get_the_suffix(code: str, want: str) -> None:
    assert repaired(body(code)) == body(want)


def test_return_and_arguments_of_uint_functions() -> None:
    src = ("uint three() { return 3; }\nint four() { return 4; }\n"
           "uint twice(uint a, int b) { return a * 2; }\n"
           "void main() { uint x = twice(5, 6) + three(); int y = four() + 1; }")
    want = ("uint three() { return 3u; }\nint four() { return 4; }\n"
            "uint twice(uint a, int b) { return a * 2u; }\n"
            "void main() { uint x = twice(5u, 6) + three(); int y = four() + 1; }")
    assert repaired(src) == want


def test_overloads_and_builtins_decide_nothing_alone() -> None:
    """A call that may resolve to an int parameter, or to a built-in, is left as written."""
    src = ("uint f(uint a) { return a; }\nint f(int a) { return a; }\n"
           "uint g(uint a, uint b) { return a; }\n"
           "void main() { uint x = 0u; f(3); g(1, 2); max(x, 1); }")
    out = repaired(src)
    assert "f(3);" in out and "g(1u, 2u);" in out and "max(x, 1)" in out


@pytest.mark.parametrize("code", [
    "float a = float(u) * 2.0 + 1.5;",          # floats
    "int n = -1; int m = i + 1;",               # ints stay ints
    "uint z = -1;",                             # a negative literal is not repaired
    "uint q = u * -2;",                          # nor one after a unary minus
    "uint r = u >> 8; uint l = u << 2; u <<= 1; u >>= 3;",   # shift counts need no conversion
    "int p = 1 << u;",                          # an int shifted by a uint stays an int
    "uvec2 c = uvec2(8, 16); uvec4 d = uvec4(0, 1, 2, 3);",   # constructor arguments
    "uint s = 0u; s = 5u;",                     # already suffixed
    "uint t = i + 1;",                          # an int expression: left to the 4.00 retry
    "uint w = u + i * 2;",                      # 2 belongs to the int product
    "int x = v.length() - 1;",                  # .length() is an int
    "float y = float(u) + 1e3 + 2.0;",
])
def test_what_stays_as_written(code: str) -> None:
    assert repaired(body(code)) == body(code)


def test_comments_strings_and_preprocessor_lines_stay() -> None:
    src = ("#define LIMIT 10\n#if 1\n// uint x = 0; x == 2\n#endif\n/* u == 3 */\n"
           "void f(uint u) {\n\tbool b = u == LIMIT; /* u < 4 */ bool c = u < 4;\n}")
    want = src.replace("bool c = u < 4;", "bool c = u < 4u;")
    assert repaired(src) == want


def test_each_function_types_its_own_names() -> None:
    """``i`` is a uint in one function and an int in another: only the uint one changes."""
    src = ("uint up(uint i) { return i < 10 ? i + 1 : 0; }\n"
           "int down(int i) { return i < 10 ? i + 1 : 0; }")
    assert repaired(src) == ("uint up(uint i) { return i < 10u ? i + 1u : 0u; }\n"
                             "int down(int i) { return i < 10 ? i + 1 : 0; }")


def test_names_with_conflicting_declarations_get_no_type() -> None:
    """A global int shadowed by a local uint, a name declared twice with different types
    in one function, a macro, a uniform of the same name: not repaired next to them."""
    shadowed = "int g = 1;\nvoid f() { uint g = 0u; bool b = g == 2; }"
    assert repaired(shadowed) == shadowed
    twice = "void f() { for (uint k = 0u; k < 3u; k++) {} for (int k = 0; k < 3; k++) {} }"
    assert repaired(twice) == twice
    macro = "#define n 3\nvoid f(uint n) { bool b = n == 2; }"
    assert repaired(macro) == macro
    uniform = "void f() { bool b = count < 5; uint count = 0u; }"   # the int uniform, then a local
    assert repaired(uniform, {"count": "int"}) == uniform
    assert repaired(uniform) == uniform.replace("count < 5", "count < 5u")   # the control


def test_unbalanced_or_uint_free_bodies_are_untouched() -> None:
    assert not uint_repairs(tokenize("void f(uint u) { if (u == 2) { }"))
    assert not uint_repairs(tokenize("void f(int u) { bool b = u == 2; }"))


def test_the_repair_never_fails_on_damaged_code() -> None:
    """Any one code token removed from a real shader: the pass still returns (no exception)."""
    toks = tokenize((CASES / "uint_implicit_literals.fs").read_text())
    for k, t in enumerate(toks):
        if t.kind not in ("ws", "nl", "comment"):
            uint_repairs(toks[:k] + toks[k + 1:])


def test_translation_keeps_lines_and_the_line_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Repairs change tokens in place: same lines, same line map, only the repaired lines differ."""
    path = CASES / "uint_implicit_literals.fs"
    fixed = translate(load(path))
    unrepaired(monkeypatch)
    original = translate(load(path))
    assert fixed.fragment_map == original.fragment_map
    pairs = list(zip(fixed.fragment.split("\n"), original.fragment.split("\n"), strict=True))
    changed = [origin for (a, b), origin in zip(pairs, fixed.fragment_map, strict=True) if a != b]
    assert None not in changed   # generated code is never touched
    assert {o[1] for o in changed if o is not None} == {4, 7, 8, 9, 10, 11, 13, 18, 26, 27, 28, 29, 30, 32, 34, 37, 38, 39, 42, 43}
    line = next(a for g, (a, _) in enumerate(pairs) if fixed.fragment_map[g] == (str(path), 28))
    assert line.startswith("\tuint line = bits >> (8u*row) & uint(0xff);")


# -- compiled --------------------------------------------------------------------------------------

pytest_gl = pytest.mark.gl


@pytest.fixture(scope="module")
def context() -> Iterator[oi.Context]:
    ctx = oi.Context().open()
    yield ctx
    ctx.close()


def force_version(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    """Compile every ISF program at ``version`` only: no 4.00 retry (a 3.30-only context)."""
    monkeypatch.setattr(program_module, "program_glsl_version", lambda ctx, wanted=330: version)


def unrepaired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Translate without the repair (the sources as the user wrote them)."""
    monkeypatch.setattr(translate_module, "uint_repairs", lambda toks, declared=None: UintRepairs())


def render(path: Path, context: oi.Context, size: tuple[int, int]) -> tuple[np.ndarray, int]:
    """(pixels at TIME 1.5 on a fixed date, the GLSL version the program was compiled at)."""
    with oi.Renderer(path, size, context=context) as r:
        pixels = np.asarray(r.render(1.5, dt.datetime(2024, 3, 9, 13, 45, 30)))
        return pixels, r.translation.glsl_version


def expected(path: Path) -> list[int]:
    """The RGBA every pixel of an own shader renders (its DESCRIPTION: ``expect R G B A``)."""
    words = json.loads(path.read_text().split("*/", 1)[0].removeprefix("/*"))["DESCRIPTION"].split()
    assert words[0] == "expect", path
    return [int(w) for w in words[1:5]]


@pytest_gl
@pytest.mark.parametrize("name", UINT_CASES)
def test_own_shaders_compile_as_glsl_330(name: str, context: oi.Context,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    force_version(monkeypatch, 330)
    pixels, version = render(CASES / name, context, (6, 4))
    assert version == 330
    diff = np.abs(pixels.astype(int) - np.array(expected(CASES / name)))
    assert diff.max() <= 1, f"{name}: got {pixels[0, 0].tolist()}"


@pytest_gl
@pytest.mark.parametrize("name", UINT_CASES)
def test_unrepaired_own_shaders_need_glsl_400(name: str, context: oi.Context,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: without the repair the driver refuses them at 3.30 (else this driver
    accepts the conversions anyway, and the repair is not what made them compile)."""
    force_version(monkeypatch, 330)
    unrepaired(monkeypatch)
    try:
        render(CASES / name, context, (6, 4))
    except CompileError as exc:
        assert "uint" in str(exc) or "convert" in str(exc), exc
    else:
        pytest.skip(f"{context.info.renderer if context.info else '?'} accepts them at 3.30")


@pytest_gl
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared ISF corpus is not beside the repository")
@pytest.mark.parametrize("name", CORPUS_CASES)
def test_corpus_shaders_render_the_same_repaired_at_330_as_unrepaired_at_400(
        name: str, context: oi.Context, monkeypatch: pytest.MonkeyPatch) -> None:
    if context.info is None or parse_glsl_version(context.info.glsl_version) < 400:
        pytest.skip("the context has no GLSL 4.00 to compare with")
    force_version(monkeypatch, 330)
    fixed, fixed_version = render(CORPUS / name, context, (160, 96))
    force_version(monkeypatch, 400)
    unrepaired(monkeypatch)
    original, original_version = render(CORPUS / name, context, (160, 96))
    assert (fixed_version, original_version) == (330, 400)
    assert len(np.unique(original.reshape(-1, 4), axis=0)) > 1   # characters were drawn
    assert np.array_equal(fixed, original)
