"""Size expressions (docs/semantics.md, "Passes and targets"): safe evaluator, target sizes
are max(1, round(expr))."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offscreen_isf.errors import ParseError, ResourceLimitError
from offscreen_isf.isf.sizeexpr import MAX_DEPTH, compile_size_expr, round_half_away, target_size

ENV = {"WIDTH": 1920.0, "HEIGHT": 1080.0, "trailCount": 7.0, "buffQuality": 0.5}


@pytest.mark.parametrize("expr, expected", [
    ("$WIDTH", 1920.0),
    ("$WIDTH/3.0", 640.0),
    ("max(floor($WIDTH*0.02),1.0)", 38.0),
    ("floor($WIDTH*min((0.5),1.0))", 960.0),
    ("max($HEIGHT / 243.0, 1.0)", max(1080 / 243.0, 1.0)),
    ("$trailCount", 7.0),
    ("floor($HEIGHT*$buffQuality)", 540.0),
    ("1", 1.0), ("1.0", 1.0), (".5e1", 5.0), ("512", 512.0),
    ("2+3*4", 14.0), ("(2+3)*4", 20.0), ("-2*-3", 6.0), ("--2", 2.0), ("+2", 2.0),
    ("10 % 4", 2.0), ("-7 % 3", -1.0),  # fmod: sign of the dividend
    ("7 - 2 - 1", 4.0), ("8 / 2 / 2", 2.0),  # left associative
    ("ceil(1.2)", 2.0), ("abs(-3)", 3.0), ("sqrt(16)", 4.0), ("pow(2, 10)", 1024.0),
    ("round(2.5)", 3.0), ("round(-2.5)", -3.0),  # half away from zero, not banker's
    ("min(3, 1, 2)", 1.0), ("MAX(1, 2)", 2.0),  # variadic; function names case-insensitive
    ("WIDTH / 2", 960.0),  # VVISF-GL strips '$', so bare names are variables too
])
def test_known_values(expr: str, expected: float) -> None:
    """Corpus expressions and the documented operators and functions evaluate right."""
    assert compile_size_expr(expr).evaluate(ENV) == pytest.approx(expected)


def test_numbers_are_constant_expressions() -> None:
    """WIDTH/HEIGHT may be a JSON number."""
    e = compile_size_expr(256)
    assert e.is_constant and e.evaluate({}) == 256.0
    assert compile_size_expr(2.5).evaluate({}) == 2.5


def test_variables_reported() -> None:
    """Variables are $WIDTH, $HEIGHT and inputs; the compiled tree lists them."""
    assert compile_size_expr("max($WIDTH, $trailCount) + HEIGHT").variables == {
        "WIDTH", "trailCount", "HEIGHT"}


@pytest.mark.parametrize("expr, column", [
    ("", 1), ("1+", 3), ("(1", 3), ("1 2", 3), ("$", 1), ("$ W", 1), ("2 # 3", 3),
    ("foo(1)", 1), ("max()", 1), ("pow(1)", 1), ("floor(1, 2)", 1), ("1)", 2), ("*2", 1),
    ("__import__('os')", 12), ("a.b", 2), ("[1]", 1),
])
def test_syntax_errors_have_column(expr: str, column: int) -> None:
    """Errors carry the position; only ParseError escapes."""
    with pytest.raises(ParseError) as ei:
        compile_size_expr(expr)
    assert ei.value.column == column


def test_rejects_non_string_non_number() -> None:
    for bad in (True, None, [1], {"a": 1}):
        with pytest.raises(ParseError):
            compile_size_expr(bad)  # type: ignore[arg-type]


def test_unknown_variable_at_evaluation() -> None:
    e = compile_size_expr("$nope * 2")
    with pytest.raises(ParseError, match=r"\$nope"):
        e.evaluate(ENV)


def test_depth_limits_are_parse_errors() -> None:
    """No RecursionError: deep nesting and long chains are ParseErrors."""
    with pytest.raises(ParseError, match="nested"):
        compile_size_expr("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(ParseError, match="nested"):
        compile_size_expr("-" * 1000 + "1")
    with pytest.raises(ParseError):
        compile_size_expr("+".join(["1"] * 1500))


def test_ieee_semantics_never_raise() -> None:
    """Like exprtk: division by zero gives inf/nan instead of raising."""
    assert compile_size_expr("1/0").evaluate({}) == math.inf
    assert compile_size_expr("-1/0").evaluate({}) == -math.inf
    assert math.isnan(compile_size_expr("0/0").evaluate({}))
    assert math.isnan(compile_size_expr("5 % 0").evaluate({}))
    assert math.isnan(compile_size_expr("sqrt(-1)").evaluate({}))
    assert compile_size_expr("pow(10, 400)").evaluate({}) == math.inf


def test_target_size_rules() -> None:
    """Size = max(1, round(expr)); NaN ⇒ 1 (VVISF-GL); +inf ⇒ ResourceLimitError."""
    assert target_size(640.4) == 640
    assert target_size(640.5) == 641
    assert target_size(0.2) == 1
    assert target_size(-50) == 1
    assert target_size(math.nan) == 1
    assert target_size(-math.inf) == 1
    with pytest.raises(ResourceLimitError, match="inf"):
        target_size(math.inf, source="$WIDTH/0")
    with pytest.raises(ResourceLimitError, match="limit"):
        target_size(20000, limit=16384)
    assert compile_size_expr("$WIDTH/3.0").size({"WIDTH": 1000, "HEIGHT": 1}) == 333
    with pytest.raises(ResourceLimitError):
        compile_size_expr("$WIDTH/0").size({"WIDTH": 1000})


# ---------------------------------------------------------------------------------------------
# property tests: random trees rendered to text, evaluated by an independent oracle
# ---------------------------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("ISF_HYPOTHESIS_EXAMPLES", "300"))
VARS = {"WIDTH": 640.0, "HEIGHT": 360.0, "amount": 0.25}


def _oracle_binop(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
        return a / b
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


numbers = st.one_of(st.integers(0, 5000).map(float),
                    st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 3)))
leaf = st.one_of(numbers.map(lambda v: ("num", v)),
                 st.sampled_from(sorted(VARS)).map(lambda n: ("var", n)))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from("+-*/%"), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("fn1"), st.sampled_from(["floor", "ceil", "abs", "round"]), children),
        st.tuples(st.just("fnN"), st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3)),
    )


trees = st.recursive(leaf, _extend, max_leaves=12)


def _render(t: tuple, ws: str) -> str:
    kind = t[0]
    if kind == "num":
        return repr(t[1])
    if kind == "var":
        return "$" + t[1]
    if kind == "bin":
        return f"({_render(t[2], ws)}{ws}{t[1]}{ws}{_render(t[3], ws)})"
    if kind == "neg":
        return f"-({_render(t[1], ws)})"
    if kind == "fn1":
        return f"{t[1]}({ws}{_render(t[2], ws)}{ws})"
    return f"{t[1]}(" + f",{ws}".join(_render(c, ws) for c in t[2]) + ")"


def _value(t: tuple) -> float:
    kind = t[0]
    if kind == "num":
        return t[1]
    if kind == "var":
        return VARS[t[1]]
    if kind == "bin":
        return _oracle_binop(t[1], _value(t[2]), _value(t[3]))
    if kind == "neg":
        return -_value(t[1])
    if kind == "fn1":
        v = _value(t[2])
        if not math.isfinite(v):
            return abs(v) if t[1] == "abs" else v
        # float(): math.floor returns an int, which would lose the sign of -0.0 (1/-0.0 = -inf)
        return {"floor": lambda x: float(math.floor(x)), "ceil": lambda x: float(math.ceil(x)),
                "abs": abs,
                "round": lambda x: math.copysign(math.floor(abs(x) + 0.5), x)}[t[1]](v)
    vals = [_value(c) for c in t[2]]
    if any(math.isnan(v) for v in vals):
        return math.nan
    return min(vals) if t[1] == "min" else max(vals)


@settings(max_examples=EXAMPLES, deadline=None)
@given(trees, st.sampled_from(["", " ", "\t", "  "]))
def test_random_trees_match_oracle(tree: tuple, ws: str) -> None:
    """Property: parse(render(tree)) evaluates like the tree itself (precedence is explicit
    through parentheses, so this checks tokenizer, parser and evaluator together)."""
    text = _render(tree, ws)
    got = compile_size_expr(text).evaluate(VARS)
    want = _value(tree)
    if math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 50))
def test_precedence_without_parentheses(a: int, b: int, c: int) -> None:
    """Property: * / % bind tighter than + -, unary minus tighter than both."""
    assert compile_size_expr(f"{a} + {b} * {c}").evaluate({}) == a + b * c
    assert compile_size_expr(f"{a} - {b} - {c}").evaluate({}) == a - b - c
    assert compile_size_expr(f"-{c} * {b}").evaluate({}) == -c * b
    assert compile_size_expr(f"{a} * {b} % {c}").evaluate({}) == math.fmod(a * b, c)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(st.text(alphabet="0123456789.+-*/%()$, eEWIDTHmaxflorcepswquntb_\t", max_size=40))
def test_arbitrary_text_only_parse_errors(text: str) -> None:
    """Property: any text either compiles or raises ParseError (no other exception), and a
    compiled expression evaluates without raising (given its variables)."""
    try:
        e = compile_size_expr(text)
    except ParseError as exc:
        assert exc.column is not None and 1 <= exc.column <= len(text) + 1
        return
    env = {name: 3.0 for name in e.variables}
    v = e.evaluate(env)
    assert isinstance(v, float)
    assert round_half_away(v) == round_half_away(v) or math.isnan(v)
