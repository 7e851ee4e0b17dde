"""Safe evaluator for PASSES ``WIDTH`` / ``HEIGHT`` size expressions
(docs/semantics.md, "Passes and targets").

A size expression is a string such as ``"max(floor($WIDTH*0.02), 1.0)"``.  It is tokenized and
parsed by hand into a small tree **once** (:func:`compile_size_expr`), then evaluated per frame
with a dict of variables (:meth:`SizeExpr.evaluate`).  Nothing here calls ``eval``, ``exec`` or
``ast``: shader text is untrusted.

Grammar (precedence low → high)::

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/' | '%') unary)*
    unary   := ('-' | '+') unary | power
    power   := primary ('^' unary)?            # exprtk-style power operator, right-assoc
    primary := NUMBER | VARIABLE | FUNC '(' args ')' | '(' expr ')'
    VARIABLE:= '$' IDENT | IDENT               # VVISF-GL strips every '$', so bare names work too

Functions: ``floor ceil round min max abs sqrt pow`` (case-insensitive, as exprtk).
``min``/``max`` take one or more arguments, ``pow`` two, the rest one.

Arithmetic follows IEEE-754 double semantics like exprtk (VVISF-GL's evaluator), never a Python
exception: ``x/0`` is ±inf, ``0/0`` and ``x%0`` are NaN, ``sqrt(-1)`` is NaN, ``%`` is C
``fmod`` (sign of the dividend), ``round`` rounds half away from zero.

Sizes are kept unrounded (docs/semantics.md, "Passes and targets"): :func:`target_extent`
turns an evaluated value into a target's extent in pixels, a float >= 1 (NaN ⇒ 1 as VVISF-GL,
−inf and anything below 1 ⇒ 1, +inf or anything above ``limit`` ⇒ :class:`ResourceLimitError`
naming the expression).  An :class:`Extent` says what each consumer sees: ``RENDERSIZE`` and
``_NAME_imgSize`` the float extent, the texture ``max(1, round(extent))`` texels
(:func:`target_size`), the viewport the extent truncated.  :meth:`SizeExpr.evaluate` itself
returns the raw float (may be NaN/inf).

Errors while compiling are :class:`ParseError` whose ``column`` is the 1-based position in the
expression string.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import ParseError, ResourceLimitError

__all__ = ["SizeExpr", "Extent", "compile_size_expr", "target_size", "target_extent",
           "round_half_away", "FUNCTIONS", "MAX_DEPTH"]

#: Deepest nesting of parentheses / unary operators accepted (guards the recursive descent).
MAX_DEPTH = 64
#: Longest expression accepted, in characters.
MAX_LENGTH = 4096


def round_half_away(x: float) -> float:
    """Round half away from zero (C ``round``, exprtk ``round``), unlike Python's banker's round."""
    if not math.isfinite(x):
        return x
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _div(a: float, b: float) -> float:
    # IEEE division: exprtk never raises, it yields inf / nan.
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0.0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


def _pow(a: float, b: float) -> float:
    try:
        r = math.pow(a, b)
    except OverflowError:
        # overflow: sign follows C pow (negative base only with odd integral exponent)
        neg = a < 0 and float(b).is_integer() and int(b) % 2 == 1
        return -math.inf if neg else math.inf
    except ValueError:  # negative base with fractional exponent, 0**negative
        if a == 0.0:
            return math.inf
        return math.nan
    return r


def _sqrt(a: float) -> float:
    return math.sqrt(a) if a >= 0 else math.nan


def _floor(a: float) -> float:
    return float(math.floor(a)) if math.isfinite(a) else a


def _ceil(a: float) -> float:
    return float(math.ceil(a)) if math.isfinite(a) else a


def _min(*a: float) -> float:
    return math.nan if any(math.isnan(x) for x in a) else min(a)


def _max(*a: float) -> float:
    return math.nan if any(math.isnan(x) for x in a) else max(a)


def _mul(a: float, b: float) -> float:
    # Python float * never raises (0*inf = nan, overflow -> inf).
    return a * b


#: name -> (min arity, max arity or None for variadic, implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., float]]] = {
    "floor": (1, 1, _floor),
    "ceil": (1, 1, _ceil),
    "round": (1, 1, round_half_away),
    "abs": (1, 1, abs),
    "sqrt": (1, 1, _sqrt),
    "pow": (2, 2, _pow),
    "min": (1, None, _min),
    "max": (1, None, _max),
}

_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": _mul,
    "/": _div,
    "%": _mod,
    "^": _pow,
}


# ---------------------------------------------------------------------------------------------
# tree
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    name: str
    column: int


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


Node = Num | Var | Neg | BinOp | Call


def _eval(node: Node, env: Mapping[str, float], source: str) -> float:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Var):
        try:
            return float(env[node.name])
        except KeyError:
            raise ParseError(f"size expression {source!r}: unknown variable ${node.name} "
                             f"(known: {', '.join('$' + k for k in sorted(env)) or 'none'})",
                             column=node.column) from None
    if isinstance(node, Neg):
        return -_eval(node.operand, env, source)
    if isinstance(node, BinOp):
        return _BINARY[node.op](_eval(node.left, env, source), _eval(node.right, env, source))
    args = [_eval(a, env, source) for a in node.args]
    return float(FUNCTIONS[node.func][2](*args))


def _variables(node: Node, out: set[str]) -> None:
    if isinstance(node, Var):
        out.add(node.name)
    elif isinstance(node, Neg):
        _variables(node.operand, out)
    elif isinstance(node, BinOp):
        _variables(node.left, out)
        _variables(node.right, out)
    elif isinstance(node, Call):
        for a in node.args:
            _variables(a, out)


@dataclass(frozen=True)
class SizeExpr:
    """A compiled size expression.  ``source`` is the text as written in the header."""

    source: str
    tree: Node

    @property
    def variables(self) -> frozenset[str]:
        """Variable names referenced (without ``$``), e.g. ``{"WIDTH", "trailCount"}``."""
        out: set[str] = set()
        _variables(self.tree, out)
        return frozenset(out)

    @property
    def is_constant(self) -> bool:
        return not self.variables

    def evaluate(self, variables: Mapping[str, float]) -> float:
        """Evaluate with ``variables`` (``WIDTH``, ``HEIGHT`` in pixels, numeric inputs; bools as 0/1).

        Returns the raw IEEE double (may be NaN or ±inf); use :func:`target_size` for pixels.
        Raises :class:`ParseError` if a referenced variable is missing from ``variables``.
        """
        return _eval(self.tree, variables, self.source)

    def size(self, variables: Mapping[str, float], limit: int | None = None) -> int:
        """``target_size(self.evaluate(variables), limit)``: integer pixels, >= 1."""
        return target_size(self.evaluate(variables), limit=limit, source=self.source)

    def __str__(self) -> str:
        return self.source


def target_extent(value: float, limit: int | None = None, source: str | None = None) -> float:
    """Extent in pixels of a target from an evaluated expression: ``max(1, value)``, unrounded.

    NaN ⇒ 1 (as VVISF-GL); −inf and values below 1 ⇒ 1 (a pass always covers at least one
    pixel); +inf, or a texture (``round(value)``) above ``limit`` ⇒ ResourceLimitError.
    """
    what = f"size expression {source!r}" if source is not None else "size"
    if math.isnan(value) or value < 1.0:
        return 1.0
    if value == math.inf:
        raise ResourceLimitError(f"{what} evaluated to +inf; a target size must be finite "
                                 "(check for a division by zero in WIDTH/HEIGHT)")
    if limit is not None and round_half_away(value) > limit:
        raise ResourceLimitError(f"{what} evaluated to {value:g} pixels, above the limit of "
                                 f"{limit}; lower the output size or the inputs it depends on")
    return float(value)


def target_size(value: float, limit: int | None = None, source: str | None = None) -> int:
    """Texture size of a target from an evaluated expression: ``max(1, round(value))``.

    Rounding is half away from zero; the rules for NaN, ±inf and ``limit`` are
    :func:`target_extent`'s.
    """
    return int(round_half_away(target_extent(value, limit, source)))


class Extent(NamedTuple):
    """A target's size in pixels as evaluated, unrounded (both >= 1): what ``RENDERSIZE`` (in
    its pass) and ``_NAME_imgSize`` (where it is sampled) see (docs/semantics.md, "Passes and
    targets")."""

    width: float
    height: float

    @property
    def texture(self) -> tuple[int, int]:
        """Texels allocated: each side rounded, halves away from zero."""
        return int(round_half_away(self.width)), int(round_half_away(self.height))

    @property
    def viewport(self) -> tuple[int, int]:
        """Pixels drawn, from the bottom-left corner: each side truncated."""
        return int(self.width), int(self.height)


# ---------------------------------------------------------------------------------------------
# tokenizer + recursive descent parser
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tok:
    kind: str  # 'num' | 'var' | 'name' | 'op' | 'end'
    text: str
    pos: int   # 0-based offset in the source
    value: float = 0.0


_OPS = frozenset("+-*/%^(),")


#: digits of a number (str.isdigit also accepts '²' and other digits float() refuses)
_ASCII_DIGITS = frozenset("0123456789")


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if ch in _ASCII_DIGITS or (ch == "." and i + 1 < n and src[i + 1] in _ASCII_DIGITS):
            j = i
            while j < n and src[j] in _ASCII_DIGITS:
                j += 1
            if j < n and src[j] == ".":
                j += 1
                while j < n and src[j] in _ASCII_DIGITS:
                    j += 1
            if j < n and src[j] in "eE":
                k = j + 1
                if k < n and src[k] in "+-":
                    k += 1
                if k < n and src[k] in _ASCII_DIGITS:
                    while k < n and src[k] in _ASCII_DIGITS:
                        k += 1
                    j = k
            text = src[i:j]
            toks.append(_Tok("num", text, i, float(text)))
            i = j
            continue
        if ch == "$" or ch.isalpha() or ch == "_":
            j = i + 1 if ch == "$" else i
            if j >= n or not (src[j].isalpha() or src[j] == "_"):
                raise ParseError(f"size expression {src!r}: '$' must be followed by a name",
                                 column=i + 1)
            k = j
            while k < n and (src[k].isalnum() or src[k] == "_"):
                k += 1
            toks.append(_Tok("var" if ch == "$" else "name", src[j:k], i))
            i = k
            continue
        if ch in _OPS:
            toks.append(_Tok("op", ch, i))
            i += 1
            continue
        raise ParseError(f"size expression {src!r}: unexpected character {ch!r}", column=i + 1)
    toks.append(_Tok("end", "", n))
    return toks


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0
        self.depth = 0

    # helpers --------------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def error(self, msg: str, tok: _Tok | None = None) -> ParseError:
        t = tok or self.tok
        return ParseError(f"size expression {self.src!r}: {msg}", column=t.pos + 1)

    def expect(self, text: str) -> None:
        if self.tok.kind != "op" or self.tok.text != text:
            got = "end of expression" if self.tok.kind == "end" else repr(self.tok.text)
            raise self.error(f"expected {text!r}, got {got}")
        self.i += 1

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels")

    # grammar --------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty expression")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.text!r}")
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.tok.text
            self.i += 1
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/%":
            op = self.tok.text
            self.i += 1
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.tok.text
            self.i += 1
            self.enter()
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if op == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.tok.kind == "op" and self.tok.text == "^":
            self.i += 1
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return BinOp("^", base, exponent)
        return base

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return Num(t.value)
        if t.kind == "var":
            self.i += 1
            return Var(t.text, t.pos + 1)
        if t.kind == "name":
            self.i += 1
            nxt = self.tok
            if nxt.kind == "op" and nxt.text == "(":
                return self.call(t)
            return Var(t.text, t.pos + 1)
        if t.kind == "op" and t.text == "(":
            self.i += 1
            self.enter()
            node = self.expr()
            self.depth -= 1
            self.expect(")")
            return node
        got = "end of expression" if t.kind == "end" else repr(t.text)
        raise self.error(f"expected a number, variable, function or '(', got {got}")

    def call(self, name_tok: _Tok) -> Node:
        fname = name_tok.text.lower()
        if fname not in FUNCTIONS:
            raise self.error(f"unknown function {name_tok.text!r} "
                             f"(allowed: {' '.join(FUNCTIONS)})", name_tok)
        self.expect("(")
        self.enter()
        args: list[Node] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            args.append(self.expr())
            while self.tok.kind == "op" and self.tok.text == ",":
                self.i += 1
                args.append(self.expr())
        self.depth -= 1
        self.expect(")")
        lo, hi, _ = FUNCTIONS[fname]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo}..{hi}")
            raise self.error(f"{fname}() takes {want} argument(s), got {len(args)}", name_tok)
        return Call(fname, tuple(args))


def compile_size_expr(source: str | int | float) -> SizeExpr:
    """Compile a WIDTH/HEIGHT value (expression string or JSON number) to a :class:`SizeExpr`.

    Raises :class:`ParseError` (``column`` = 1-based position in ``source``) on bad syntax.
    """
    if isinstance(source, bool) or not isinstance(source, (str, int, float)):
        raise ParseError(f"size expression must be a string or a number, got {source!r}")
    if not isinstance(source, str):
        value = float(source)
        if not math.isfinite(value):
            raise ParseError(f"size must be finite, got {source!r}")
        return SizeExpr(repr(source), Num(value))
    if len(source) > MAX_LENGTH:
        raise ParseError(f"size expression longer than {MAX_LENGTH} characters", column=1)
    tree = _Parser(source).parse()
    if _tree_depth(tree) > MAX_DEPTH * 4:
        # long operator chains build deep trees; keep evaluation recursion bounded
        raise ParseError(f"size expression {source!r}: too complex "
                         f"(tree deeper than {MAX_DEPTH * 4})", column=1)
    return SizeExpr(source, tree)


def _tree_depth(root: Node) -> int:
    """Depth of the tree, computed iteratively (the tree may be deeper than Python's stack)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(node, Neg):
            stack.append((node.operand, d + 1))
        elif isinstance(node, BinOp):
            stack.extend(((node.left, d + 1), (node.right, d + 1)))
        elif isinstance(node, Call):
            stack.extend((a, d + 1) for a in node.args)
    return deepest
