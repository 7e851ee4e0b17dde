"""Implicit int->uint conversions made explicit: what lets GLSL 4.00 code compile as GLSL 3.30.

Pure Python (no GL), on tokens (:mod:`offscreen_isf.isf.lexer`), never on regexes.  GLSL 4.00
converts an ``int`` to ``uint`` implicitly where an expression needs one (``uint c = 0;``,
``tIndex == 2`` with ``tIndex`` a uint); GLSL 3.30 refuses them, and so may a strict
compiler at a later version.  :func:`uint_repairs` finds the places where the 4.00 rules convert and writes the
conversion out (docs/semantics.md, "GLSL translation"):

* a non-negative int **literal** gets the ``u`` suffix (``0`` -> ``0u``, ``0xff`` -> ``0xffu``)
  where it is the value of a ``uint`` (initialiser, ``=`` or compound assignment, ``return``
  in a ``uint`` function, argument at a ``uint`` parameter of a user function, either branch
  of a ``?:`` in those places), or an operand of an arithmetic, bitwise or comparison operator
  whose other operand is ``uint``-typed: a variable, call, component, element or
  parenthesised expression of uint / uvec type;
* a single ``int`` **value** (variable, vector component or element, ``int`` function call) in
  one of those value places is wrapped in ``uint(...)``.

Shift operands are left alone (GLSL 3.30 shifts take any integer on either side).  The type
inference is deliberately small and conservative: a name's type comes from its declarations
(variables, comma lists, parameters; a function's own declarations plus the globals'), and
a name declared with different types there, defined as a macro, or unknown, has no type, so
nothing is repaired next to it.  Every repair is one the 4.00 rules make implicitly: a
translation compiled at 4.00 means the same with or without it.  Anything not repaired
(``uint x = i + 1`` with ``i`` an int) is left for the renderer's 4.00 retry.  Repairs change
tokens in place and never add lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from .dialect import Edits
from .lexer import TRIVIA, Token

__all__ = ["UintRepairs", "uint_repairs", "UINT_TYPES"]

#: the unsigned types: a literal meeting one of these in an operation is converted to uint
UINT_TYPES: Final = frozenset(("uint", "uvec2", "uvec3", "uvec4"))
#: type of an int literal without suffix (it takes the type its neighbour asks for)
_LIT: Final = "int-literal"
_UNKNOWN: Final = "?"
_INTEGERS: Final = UINT_TYPES | frozenset(("int", "ivec2", "ivec3", "ivec4", _LIT))
_VECTORS: Final[Mapping[str, str]] = {"uvec": "uint", "ivec": "int", "bvec": "bool", "dvec": "double",
                                      "vec": "float"}
_SCALARS: Final = frozenset(("float", "int", "uint", "bool", "double", "void"))
_SWIZZLE_SETS: Final = ("xyzw", "rgba", "stpq")
#: the GLSL type words a constructor call ``T(...)`` makes a value of
_TYPE_WORDS: Final = _SCALARS | frozenset(f"{p}vec{n}" for p in _VECTORS for n in (2, 3, 4)) | frozenset(
    f"mat{a}" + (f"x{b}" if b else "") for a in (2, 3, 4) for b in (0, 2, 3, 4))

#: words that may stand before a name without being its type (statements, qualifiers)
_NOT_TYPES: Final = frozenset("""
return else case default do if while for switch break continue discard const uniform in out
inout varying attribute flat smooth noperspective centroid invariant highp mediump lowp
precision struct layout true false
""".split())
_PARAM_QUALIFIERS: Final = frozenset("const in highp mediump lowp precise".split())
#: GLSL built-in functions (a user overload of one cannot be resolved without the built-ins)
_BUILTIN_FUNCTIONS: Final = frozenset("""
radians degrees sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh pow exp log exp2
log2 sqrt inversesqrt abs sign floor trunc round roundEven ceil fract mod modf min max clamp mix
step smoothstep isnan isinf floatBitsToInt floatBitsToUint intBitsToFloat uintBitsToFloat fma
frexp ldexp packUnorm2x16 packSnorm2x16 packUnorm4x8 packSnorm4x8 unpackUnorm2x16
unpackSnorm2x16 unpackUnorm4x8 unpackSnorm4x8 packHalf2x16 unpackHalf2x16 packDouble2x32
unpackDouble2x32 length distance dot cross normalize faceforward reflect refract matrixCompMult
outerProduct transpose determinant inverse lessThan lessThanEqual greaterThan greaterThanEqual
equal notEqual any all not uaddCarry usubBorrow umulExtended imulExtended bitfieldExtract
bitfieldInsert bitfieldReverse bitCount findLSB findMSB textureSize textureQueryLod texture
textureProj textureLod textureOffset texelFetch texelFetchOffset textureProjOffset
textureLodOffset textureProjLod textureProjLodOffset textureGrad textureGradOffset
textureProjGrad textureProjGradOffset textureGather textureGatherOffset textureGatherOffsets
texture1D texture2D texture3D textureCube texture2DRect shadow2D texture2DProj texture2DLod
textureCubeLod dFdx dFdy fwidth interpolateAtCentroid interpolateAtSample interpolateAtOffset
noise1 noise2 noise3 noise4 emit EmitVertex EndPrimitive barrier
""".split())

#: binary operator -> precedence (higher binds tighter)
_PRECEDENCE: Final[Mapping[str, int]] = {
    "*": 12, "/": 12, "%": 12, "+": 11, "-": 11, "<<": 10, ">>": 10, "<": 9, ">": 9, "<=": 9,
    ">=": 9, "==": 8, "!=": 8, "&": 7, "^": 6, "|": 5, "&&": 4, "^^": 3, "||": 2}
#: binary operators whose int operand GLSL 4.00 converts to the uint type of the other
_CONVERTING: Final = frozenset("* / % + - < > <= >= == != & ^ |".split())
_SHIFTS: Final = frozenset(("<<", ">>"))
#: operators whose result has the (uint) type of their operands
_ARITHMETIC: Final = frozenset("* / % + - & ^ |".split())
_ASSIGNMENTS: Final = frozenset("= += -= *= /= %= &= |= ^= <<= >>=".split())
#: compound assignments that convert their right side to the left side's type
_CONVERTING_ASSIGNMENTS: Final = frozenset("+= -= *= /= %= &= |= ^=".split())
#: operators spelled with more than one character (longest first: maximal munch)
_MULTI: Final = ("<<=", ">>=", "++", "--", "<=", ">=", "==", "!=", "&&", "||", "^^", "+=",
                 "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>")
#: tokens after which an operand (or a whole expression) starts
_OPENERS: Final = frozenset("( [ , ? : ; { } return".split()) | _ASSIGNMENTS
#: tokens that end an operand
_CLOSERS: Final = frozenset(") ] , ; ? : }".split())


@dataclass(frozen=True)
class _Item:
    """A code token (operators of several characters merged): ``first``..``last`` token indices."""

    text: str
    kind: str
    first: int
    last: int


@dataclass
class UintRepairs:
    """Token-level repairs (indices into the lexed token list): ``replace``: number token ->
    suffixed literal; ``before`` / ``after``: text to insert before / after a token (the
    ``uint(`` and ``)`` of a wrapped value)."""

    replace: dict[int, str] = field(default_factory=dict)
    before: dict[int, str] = field(default_factory=dict)
    after: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.replace or self.before or self.after)

    def apply(self, edits: Edits) -> None:
        """Add these repairs to the dialect ``edits`` of the same tokens (text before token
        ``i`` goes after token ``i - 1``: a wrapped value always has a token before it)."""
        edits.replace.update(self.replace)
        for i, text in self.before.items():
            edits.after[i - 1] = edits.after.get(i - 1, "") + text
        for i, text in self.after.items():
            edits.after[i] = edits.after.get(i, "") + text


def uint_repairs(toks: Sequence[Token], external: Mapping[str, str] | None = None) -> UintRepairs:
    """The implicit int->uint conversions of one shader body, written out.

    ``toks``: the body's tokens; ``external``: names declared outside the body (the generated
    uniforms) -> their GLSL type.  Preprocessor lines are not code.  A body without ``uint`` /
    ``uvec*`` or with unbalanced brackets gets no repairs."""
    items, macros = _code_items(toks)
    if not any(it.text in UINT_TYPES for it in items):
        return UintRepairs()
    match = _brackets(items)
    if match is None:
        return UintRepairs()
    shader = _Shader(items, match, macros, external or {})
    out = UintRepairs()
    for k in sorted(shader.suffixes):
        out.replace[items[k].first] = items[k].text + "u"
    for lo, hi in sorted(shader.wraps):
        out.before[items[lo].first] = out.before.get(items[lo].first, "") + "uint("
        out.after[items[hi].last] = out.after.get(items[hi].last, "") + ")"
    return out


# -- code items ------------------------------------------------------------------------------------

def _code_items(toks: Sequence[Token]) -> tuple[list[_Item], set[str]]:
    """The code tokens outside preprocessor lines, multi-character operators merged, and the
    names ``#define`` defines (their type is unknowable)."""
    items: list[_Item] = []
    macros: set[str] = set()
    directive = continued = False
    at_start = True
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "nl":
            at_start, directive, continued = True, continued, False
        elif t.kind not in TRIVIA:
            if at_start and not directive:
                directive = t.text == "#"
                if directive:
                    macros.update(_defined_name(toks, i))
            at_start = False
            continued = directive and t.text == "\\"
            if not directive:
                i = _append_item(toks, i, items)
                continue
        i += 1
    return items, macros


def _defined_name(toks: Sequence[Token], i: int) -> list[str]:
    """``[NAME]`` for a ``#define NAME`` line starting at ``toks[i]``, else ``[]``."""
    words = [t.text for t in toks[i + 1:i + 8] if t.kind == "ident"][:2]
    return words[1:] if words[:1] == ["define"] else []


def _append_item(toks: Sequence[Token], i: int, items: list[_Item]) -> int:
    """Append the item starting at token ``i``; return the index of the token after it."""
    t = toks[i]
    if t.kind == "punct":
        for op in _MULTI:
            n = len(op)
            run = toks[i:i + n]
            if (len(run) == n and "".join(x.text for x in run) == op
                    and all(run[m].start == t.start + m for m in range(n))):
                items.append(_Item(op, "punct", i, i + n - 1))
                return i + n
    items.append(_Item(t.text, t.kind, i, i))
    return i + 1


def _brackets(items: Sequence[_Item]) -> dict[int, int] | None:
    """Item index of every bracket -> index of its partner; None if they don't balance."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[int] = []
    match: dict[int, int] = {}
    for k, it in enumerate(items):
        if it.text in pairs:
            stack.append(k)
        elif it.text in (")", "]", "}"):
            if not stack or pairs[items[stack[-1]].text] != it.text:
                return None
            match[k], match[stack[-1]] = stack[-1], k
            stack.pop()
    return None if stack else match


def _int_literal(text: str) -> bool:
    """Whether ``text`` is a decimal, octal or hex int literal without suffix, in uint range."""
    if text[:2] in ("0x", "0X"):
        digits, base = text[2:], 16
    elif text.startswith("0") and len(text) > 1:
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    try:
        return bool(digits) and digits.isalnum() and int(digits, base) <= 0xFFFFFFFF
    except ValueError:
        return False


# -- types ---------------------------------------------------------------------------------------

def _element(t: str) -> str:
    """The type of ``x[i]`` for ``x`` of type ``t``."""
    if t.endswith("[]"):
        return t[:-2]
    prefix = t.rstrip("234")
    if prefix in _VECTORS and t[-1:] in "234":
        return _VECTORS[prefix]
    return "vec" + t[3] if t.startswith("mat") and len(t) >= 4 else _UNKNOWN


def _swizzle(t: str, name: str) -> str:
    """The type of ``x.name`` for ``x`` of vector type ``t`` (unknown for anything else)."""
    prefix, size = t.rstrip("234"), t[-1:]
    if prefix not in _VECTORS or size not in "234" or len(name) > 4:
        return _UNKNOWN
    for letters in _SWIZZLE_SETS:
        if all(c in letters[:int(size)] for c in name):
            return _VECTORS[prefix] if len(name) == 1 else f"{prefix}{len(name)}"
    return _UNKNOWN


def _is_uint(types: frozenset[str]) -> bool:
    return bool(types) and types <= UINT_TYPES


@dataclass(frozen=True)
class _Function:
    """A user function (definition or prototype): return type, parameter types, body items."""

    result: str
    params: tuple[str, ...]
    body: tuple[int, int] | None


class _Declarations:
    """The declarations of one body: functions, and the types each name is declared with."""

    def __init__(self, items: list[_Item], match: dict[int, int], macros: set[str],
                 external: Mapping[str, str]) -> None:
        self.items = items
        self.match = match
        self.macros = macros
        #: function name -> its definitions / prototypes
        self.functions: dict[str, list[_Function]] = {}
        #: scope (None: global, else the function's body '{' index) -> name -> declared types
        self.scopes: dict[int | None, dict[str, set[str]]] = {None: {n: {t} for n, t in external.items()}}
        #: item index -> scope (function header and body items; others are global)
        self.owner: dict[int, int] = {}
        #: item index of a declared name -> its declared type
        self.declared: dict[int, str] = {}
        #: function body '{' item -> the function's return type
        self.results: dict[int, str] = {}
        #: '(' items of function headers (their contents are parameters, not arguments)
        self.headers: set[int] = set()
        #: ',' item -> the innermost bracket around it
        self.enclosing: dict[int, int] = {}
        stack: list[int] = []
        for k, it in enumerate(items):
            if it.text in ("(", "[", "{"):
                stack.append(k)
            elif it.text in (")", "]", "}"):
                stack.pop()
            elif it.text == "," and stack:
                self.enclosing[k] = stack[-1]
        self._collect_functions()
        self._collect_declarations()

    # -- declarations ------------------------------------------------------------------------

    def _text(self, k: int) -> str:
        return self.items[k].text if 0 <= k < len(self.items) else ""

    def _is_name(self, k: int) -> bool:
        it = self.items[k] if 0 <= k < len(self.items) else None
        return it is not None and it.kind == "ident" and it.text not in _NOT_TYPES

    def _declares(self, k: int) -> bool:
        """Whether items ``k``, ``k+1`` are ``TYPE NAME`` followed by a declarator's end."""
        return (self._is_name(k) and self._is_name(k + 1)
                and self._text(k + 2) in ("=", ",", ";", "[", ")", "("))

    def _collect_functions(self) -> None:
        depth = 0
        for k, it in enumerate(self.items):
            depth += 1 if it.text == "{" else -1 if it.text == "}" else 0
            if depth or not self._declares(k) or self._text(k + 2) != "(":
                continue
            close = self.match[k + 2]
            self.headers.add(k + 2)
            body = None
            if self._text(close + 1) == "{":
                body = (close + 1, self.match[close + 1])
                self.results[close + 1] = self.items[k].text
                self.owner.update((j, close + 1) for j in range(k + 2, body[1] + 1))
                self.scopes[close + 1] = {}
            params = tuple(self._param_type(lo, hi) for lo, hi in self._split(k + 3, close))
            self.functions.setdefault(self.items[k + 1].text, []).append(
                _Function(self.items[k].text, () if params == ("void",) else params, body))

    def _param_type(self, lo: int, hi: int) -> str:
        """The type of the parameter at items ``lo``..``hi - 1`` (``out`` ones: unknown)."""
        while lo < hi and self._text(lo) in _PARAM_QUALIFIERS:
            lo += 1
        if lo >= hi or self.items[lo].kind != "ident" or self._text(lo) in _NOT_TYPES:
            return _UNKNOWN
        array = any(self._text(j) == "[" for j in range(lo, hi))
        return self._text(lo) + ("[]" if array else "")

    def _collect_declarations(self) -> None:
        k = 0
        while k < len(self.items) - 2:
            if not self._declares(k):
                k += 1
                continue
            if self._text(k + 2) == "(":   # a function: a definition's parameters are its own
                k = k + 3 if k + 2 in self.owner else self.match[k + 2] + 1
                continue
            type_name, j = self.items[k].text, k + 1
            while True:   # NAME [size] [= init] {, NAME ...}
                array = self._text(j + 1) == "["
                self._declare(j, type_name + ("[]" if array else ""))
                end = self.match[j + 1] + 1 if array else j + 1
                if self._text(end) == "=":
                    end = self._expression_end(end + 1)
                if self._text(end) != "," or not (self._is_name(end + 1) and self._text(end + 2) in
                                                   ("=", ",", ";", "[")):
                    break
                j = end + 1
            k = j + 1

    def _declare(self, k: int, type_name: str) -> None:
        self.declared[k] = type_name
        scope = self.scopes[self.owner.get(k)]
        scope.setdefault(self.items[k].text, set()).add(type_name)

    def _name_types(self, k: int) -> frozenset[str]:
        """Every type the name at item ``k`` may have (empty: unknown)."""
        name = self.items[k].text
        local = self.scopes[self.owner[k]] if k in self.owner else {}
        found = local.get(name, set()) | self.scopes[None].get(name, set())
        return frozenset() if name in self.macros else frozenset(found)

    # -- structure -----------------------------------------------------------------------------

    def _split(self, lo: int, hi: int) -> Iterator[tuple[int, int]]:
        """The comma-separated parts of items ``lo``..``hi - 1`` (none when empty)."""
        start, k = lo, lo
        while k < hi:
            if self._text(k) in ("(", "[", "{"):
                k = self.match[k]
            elif self._text(k) == ",":
                yield start, k
                start = k + 1
            k += 1
        if hi > lo:
            yield start, hi

    def _expression_end(self, k: int) -> int:
        """The index of the ``,`` / ``;`` / closing bracket that ends the expression at ``k``."""
        while k < len(self.items) and self._text(k) not in (",", ";", ")", "]", "}"):
            k = self.match[k] + 1 if self._text(k) in ("(", "[", "{") else k + 1
        return k

    def _ends_operand(self, k: int) -> bool:
        """Whether item ``k`` ends an operand (so an operator after it is binary / postfix)."""
        it = self.items[k] if k >= 0 else None
        if it is None:
            return False
        if it.kind in ("ident", "number"):
            return it.text not in _NOT_TYPES
        return it.text in (")", "]") or (it.text in ("++", "--") and self._ends_operand(k - 1))

    def _binary(self, k: int) -> int | None:
        """The precedence of item ``k`` as a binary operator, None when it is not one."""
        prec = _PRECEDENCE.get(self._text(k))
        return prec if prec is not None and self._ends_operand(k - 1) else None


def _literal_type(text: str) -> str:
    """The type of a number literal: unsuffixed int literals take their neighbour's type."""
    if _int_literal(text):
        return _LIT
    if text[-1:] in "uU" and _int_literal(text[:-1]):
        return "uint"
    hexadecimal = text[:2] in ("0x", "0X")
    return "float" if not hexadecimal and any(c in text for c in ".eEfF") else _UNKNOWN


class _Expressions(_Declarations):
    """The types of operands: postfix expressions (names, calls, literals, parenthesised
    groups, with ``[i]``, ``.xy``, ``++``) and the operator structure around them."""

    def primary(self, s: int) -> tuple[int, frozenset[str]] | None:
        """(index after it, possible types) of the postfix expression starting at item ``s``;
        None when none starts there.  An empty type set means unknown."""
        it = self.items[s] if 0 <= s < len(self.items) else None
        if it is None:
            return None
        if it.kind == "number":
            return self._postfix(s + 1, frozenset((_literal_type(it.text),)))
        if it.kind == "ident" and it.text not in _NOT_TYPES:
            if self._text(s + 1) == "(":
                close = self.match[s + 1]
                return self._postfix(close + 1, self._call_types(s, close))
            return self._postfix(s + 1, self._name_types(s))
        if it.text == "(":
            close = self.match[s]
            return self._postfix(close + 1, self._group_types(s + 1, close))
        return None

    def _postfix(self, j: int, types: frozenset[str]) -> tuple[int, frozenset[str]]:
        while True:
            text = self._text(j)
            if text == "[":
                types, j = frozenset(_element(t) for t in types), self.match[j] + 1
            elif text == "." and self._is_name(j + 1):
                name = self._text(j + 1)
                if self._text(j + 2) == "(":   # a method: .length()
                    types = frozenset(("int" if name == "length" else _UNKNOWN,))
                    j = self.match[j + 2] + 1
                else:
                    types, j = frozenset(_swizzle(t, name) for t in types), j + 2
            elif text in ("++", "--"):
                j += 1
            else:
                return j, types

    def _call_types(self, s: int, close: int) -> frozenset[str]:
        """The result types of the call whose name is item ``s`` and ``)`` item ``close``."""
        name = self.items[s].text
        if name in _TYPE_WORDS:
            return frozenset((name,))
        return frozenset(f.result for f in self._overloads(name, len(list(self._split(s + 2, close)))))

    def _overloads(self, name: str, count: int) -> list[_Function]:
        """The user functions ``name(...)`` with ``count`` parameters (none for built-ins)."""
        if name in _BUILTIN_FUNCTIONS or name in self.macros:
            return []
        return [f for f in self.functions.get(name, ()) if len(f.params) == count]

    def _group_types(self, lo: int, hi: int) -> frozenset[str]:
        """The types of the parenthesised expression at items ``lo``..``hi - 1``: known when it
        is operands of uint type (or int literals) joined by arithmetic, bitwise and shift
        operators; a shift's right operand may be any integer."""
        found: set[str] = set()
        shifted = False
        start, k = lo, lo
        while k <= hi:
            prec = self._binary(k) if k < hi else 0
            if prec is None:
                if self._text(k) in ("?", ":", ",", "=") or self._text(k) in _ASSIGNMENTS:
                    return frozenset()
                k = self.match[k] + 1 if self._text(k) in ("(", "[") else k + 1
                continue
            if k < hi and self._text(k) not in _ARITHMETIC | _SHIFTS:
                return frozenset()   # comparisons and logic: bool
            while start < k and self._text(start) in ("-", "+", "~"):
                start += 1
            p = self.primary(start)
            if p is None or p[0] != k:
                return frozenset()
            if shifted:
                if not p[1] or not p[1] <= _INTEGERS:
                    return frozenset()
            elif p[1] != {_LIT}:
                if not _is_uint(p[1]):
                    return frozenset()
                found |= p[1]
            shifted = self._text(k) in _SHIFTS
            start, k = k + 1, k + 1
        return frozenset(found)

    def primary_ending(self, e: int) -> tuple[int, frozenset[str]] | None:
        """(first item, types) of the postfix expression that ends at item ``e``."""
        j = e
        while self._text(j) in ("++", "--"):
            j -= 1
        while j >= 0:
            text = self._text(j)
            if text == "]":
                j = self.match[j] - 1
                continue
            if text == ")":
                start = self.match[j] - 1 if self._is_name(self.match[j] - 1) else self.match[j]
            elif self.items[j].kind in ("ident", "number"):
                start = j
            else:
                return None
            if self._text(start - 1) != ".":
                p = self.primary(start)
                return (start, p[1]) if p is not None and p[0] == e + 1 else None
            j = start - 2
        return None


class _Shader(_Expressions):
    """One body: where GLSL 4.00 converts an int to uint (:meth:`suffixes`, :meth:`wraps`)."""

    def __init__(self, items: list[_Item], match: dict[int, int], macros: set[str],
                 external: Mapping[str, str]) -> None:
        super().__init__(items, match, macros, external)
        #: items of the int literals to suffix with ``u``
        self.suffixes: set[int] = set()
        #: (first, last) items of the int values to wrap in ``uint(...)``
        self.wraps: set[tuple[int, int]] = set()
        for k, it in enumerate(self.items):
            if it.kind == "number" and _int_literal(it.text) and self._meets_uint(k):
                self.suffixes.add(k)
        for lo, hi in self._uint_values():
            self._value(lo, hi)

    # -- operands ------------------------------------------------------------------------------

    def _meets_uint(self, k: int) -> bool:
        """Whether the literal at item ``k`` is an operand of a converting binary operator
        whose other operand is of uint type (precedence decides which operator it belongs to)."""
        left, right = self._binary(k - 1), self._binary(k + 1)
        if left is not None and (right is None or left >= right):
            s = self._left_operand(k - 2, left)
            ok = self._text(k - 1) in _CONVERTING and s is not None
            return ok and _is_uint(self._group_types(s or 0, k - 1))
        if right is None or self._text(k + 1) not in _CONVERTING:
            return False
        if left is None and self._text(k - 1) not in _OPENERS:
            return False   # after a unary operator (``-1``) or not in an expression
        e = self._right_operand(k + 2, right)
        return e is not None and _is_uint(self._group_types(k + 2, e))

    def _left_operand(self, e: int, prec: int) -> int | None:
        """The first item of the whole left operand, ending at item ``e``, of a binary
        operator of precedence ``prec`` (operators binding tighter belong to it); None when
        that cannot be told."""
        while True:
            found = self.primary_ending(e)
            if found is None:
                return None
            s = found[0]
            while self._text(s - 1) in ("-", "+", "~") and self._binary(s - 1) is None:
                s -= 1
            before = self._binary(s - 1)
            if before is not None and before >= prec:
                e = s - 2
                continue
            return s if s == 0 or before is not None or self._text(s - 1) in _OPENERS else None

    def _right_operand(self, s: int, prec: int) -> int | None:
        """The item after the whole right operand, starting at item ``s``, of a binary operator
        of precedence ``prec``; None when that cannot be told."""
        while True:
            while self._text(s) in ("-", "+", "~"):
                s += 1
            p = self.primary(s)
            if p is None:
                return None
            s = p[0]
            after = self._binary(s)
            if after is not None and after > prec:
                s += 1
                continue
            ends = s >= len(self.items) or self._text(s) in _CLOSERS or after is not None
            return s if ends else None

    # -- values --------------------------------------------------------------------------------

    def _uint_values(self) -> Iterator[tuple[int, int]]:
        """Item ranges ``[lo, hi)`` of expressions whose value GLSL 4.00 converts to uint:
        assigned to a uint, returned by a uint function, passed for a uint parameter."""
        for k, it in enumerate(self.items):
            text = it.text
            if text == "=" or text in _CONVERTING_ASSIGNMENTS:
                types = self._target_types(k - 1)
                ok = types == {"uint"} if text == "=" else _is_uint(types)
            elif text == "return":
                ok = self.results.get(self.owner.get(k, -1)) == "uint"
            elif text in ("(", ","):
                ok = self._uint_parameter(k)
            else:
                continue
            if ok:
                yield k + 1, self._expression_end(k + 1)

    def _target_types(self, e: int) -> frozenset[str]:
        """The types of the assignment target ending at item ``e`` (a declarator: its type)."""
        name = self.match[e] - 1 if self._text(e) == "]" else e
        if name in self.declared:
            return frozenset((self.declared[name],))
        found = self.primary_ending(e)
        return found[1] if found is not None else frozenset()

    def _uint_parameter(self, k: int) -> bool:
        """Whether the argument after item ``k`` (a call's ``(`` or ``,``) is passed for a
        ``uint`` parameter of every user function the call may resolve to."""
        open_ = k if self._text(k) == "(" else self.enclosing.get(k, -1)
        if (self._text(open_) != "(" or open_ in self.headers or not self._is_name(open_ - 1)
                or self._text(open_ - 1) not in self.functions):
            return False   # not a call of a user function (constructors take any number)
        parts = [lo for lo, _ in self._split(open_ + 1, self.match[open_])]
        position = sum(1 for lo in parts if lo <= k)
        if position >= len(parts):   # f(): no argument
            return False
        overloads = self._overloads(self._text(open_ - 1), len(parts))
        return bool(overloads) and all(f.params[position] == "uint" for f in overloads)

    def _value(self, lo: int, hi: int) -> None:
        """Repair the value ``lo``..``hi - 1`` converted to uint: an int literal is suffixed, an
        int scalar wrapped; in ``c ? a : b`` each branch is such a value."""
        q = self._find_top(lo, hi, "?")
        if q is not None:
            c = self._matching_colon(q + 1, hi)
            if c is not None:
                self._value(q + 1, c)
                self._value(c + 1, hi)
            return
        if hi == lo + 1 and self.items[lo].kind == "number" and _int_literal(self.items[lo].text):
            self.suffixes.add(lo)
            return
        p = self.primary(lo)
        if p is not None and p[0] == hi and p[1] == {"int"}:
            self.wraps.add((lo, hi - 1))

    def _find_top(self, lo: int, hi: int, text: str) -> int | None:
        """The first item ``text`` outside brackets in ``lo``..``hi - 1``."""
        k = lo
        while k < hi:
            if self._text(k) == text:
                return k
            k = self.match[k] + 1 if self._text(k) in ("(", "[", "{") else k + 1
        return None

    def _matching_colon(self, lo: int, hi: int) -> int | None:
        """The ``:`` of the ``?`` just before item ``lo`` (nested ``?:`` counted)."""
        depth, k = 0, lo
        while k < hi:
            text = self._text(k)
            if text == ":" and depth == 0:
                return k
            depth += 1 if text == "?" else -1 if text == ":" else 0
            k = self.match[k] + 1 if text in ("(", "[", "{") else k + 1
        return None
