"""Static evidence for the mismatch classifier (:mod:`conformance.classify`): what the GLSL
lexer can see in a shader's source that makes its pixels depend on the machine.

Pure Python on :func:`offscreen_isf.isf.lexer.tokenize` tokens of the whole ``.fs`` file (so
line numbers are the file's own; the JSON header is a comment and never matched).  Every
finding names its 1-based line.  Two families:

* **hash idioms** (:func:`hash_idioms`): ``fract(...)`` of an expression holding ``sin``/``cos``
  or a literal of magnitude >= :data:`BIG_CONSTANT`, and ``sin``/``cos`` of an argument
  multiplied by such a literal.  Their output is chaotic in the last bits of a transcendental
  function, which differ between GPUs and llvmpipe; noted as support, never a verdict alone.
* **undefined behaviour** (:func:`undefined_behaviour`): locals declared without an
  initialiser whose first use reads them (a write to one component counts as a write) (the translation zero-initialises them, a reference
  implementation need not: docs/semantics.md, "GLSL translation"), ``pow`` with a base that
  can be negative, ``sqrt``/``log``/``log2``/``inversesqrt`` of an argument that can be
  negative (results undefined by GLSL), and, marked ``weak``, ``atan(y, x)`` with both
  arguments computed (undefined when both are 0) and ``normalize`` of a difference (undefined
  for a zero vector).  "Can be negative" means what the tokens show: a minus sign or a
  ``sin``/``cos``/``tan`` call in the argument, not inside a call that cannot return a
  negative value (``abs``, ``max``, ``clamp``, ``length``, ``exp``, ...).  A bare variable is
  not judged (the lexer cannot see its range).  Float ``mod`` with negative operands is defined
  in GLSL and not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offscreen_isf.isf.dialect import zero_initialisers
from offscreen_isf.isf.lexer import TRIVIA, Token, split_call, tokenize

__all__ = ["Finding", "BIG_CONSTANT", "hash_idioms", "undefined_behaviour", "float_literal"]

#: literals of at least this magnitude multiplying a sin/cos, or inside a fract, mark a hash
BIG_CONSTANT = 1000.0
#: calls whose result is never negative: an argument that is one of them whole is safe
_NON_NEGATIVE = frozenset(("abs", "max", "clamp", "length", "distance", "exp", "exp2", "sqrt",
                           "fract", "smoothstep", "step"))
_SIGNED_CALLS = frozenset(("sin", "cos", "tan"))
#: function -> what is undefined; the argument checked is the first
_NEGATIVE_ARGUMENT = {"pow": "pow() with a base that can be negative",
                      "sqrt": "sqrt() of a value that can be negative",
                      "inversesqrt": "inversesqrt() of a value that can be negative",
                      "log": "log() of a value that can be negative",
                      "log2": "log2() of a value that can be negative"}


@dataclass(frozen=True)
class Finding:
    """One piece of static evidence: ``kind`` (``hash``, ``uninitialised``, ``negative-argument``,
    ``atan-zero``, ``normalize-zero``), the 1-based file ``line``, a ``message``, and ``weak``
    (True when the construct is undefined only for inputs that rarely occur)."""

    kind: str
    line: int
    message: str
    weak: bool = False

    def text(self) -> str:
        """``line N: message`` (``(weak)`` appended for weak findings)."""
        return f"line {self.line}: {self.message}" + (" (weak)" if self.weak else "")


def float_literal(text: str) -> float | None:
    """The value of a GLSL floating-point literal (``1.5``, ``.5``, ``2e3``, ``1.0f``), None
    for integer literals (``3``, ``0x1e``, ``7u``) and anything else."""
    body = text.rstrip("fFlL")
    if body.lower().startswith("0x") or not any(c in body for c in ".eE"):
        return None
    try:
        return float(body)
    except ValueError:
        return None


def _code(toks: Sequence[Token]) -> list[int]:
    return [i for i, t in enumerate(toks) if t.kind not in TRIVIA]


def _calls(toks: list[Token], code: list[int], names: frozenset[str] | set[str]
           ) -> list[tuple[str, int, list[list[Token]]]]:
    """Every call ``name(...)`` of ``names``: (name, line, arguments as code-token lists)."""
    out = []
    for k, i in enumerate(code[:-1]):
        if toks[i].kind == "ident" and toks[i].text in names and toks[code[k + 1]].text == "(":
            prev = toks[code[k - 1]].text if k > 0 else ""
            if prev == ".":
                continue                      # a member called like a function: not ours
            try:
                spans, _ = split_call(toks, code[k + 1])
            except ValueError:
                continue
            args = [[t for t in toks[lo:hi] if t.kind not in TRIVIA] for lo, hi in spans]
            out.append((toks[i].text, toks[i].line, args))
    return out


def _big_literal(arg: list[Token]) -> float | None:
    vals = [abs(v) for t in arg if t.kind == "number"
            for v in [float_literal(t.text) if float_literal(t.text) is not None else _int(t.text)]
            if v is not None]
    big = [v for v in vals if v >= BIG_CONSTANT]
    return max(big) if big else None


def _int(text: str) -> float | None:
    try:
        return float(int(text.rstrip("uU"), 0))
    except ValueError:
        return None


def hash_idioms(source: str) -> list[Finding]:
    """Hash-noise idioms in ``source`` (a whole .fs file), one finding per call."""
    toks = tokenize(source.replace("\r\n", "\n").replace("\r", "\n"))
    code = _code(toks)
    found: list[Finding] = []
    for name, line, args in _calls(toks, code, frozenset(("fract", "sin", "cos"))):
        if len(args) != 1:
            continue
        arg = args[0]
        big = _big_literal(arg)
        trig = any(t.kind == "ident" and t.text in ("sin", "cos") for t in arg)
        if name == "fract" and (trig or big is not None):
            what = "sin/cos" if trig else f"a multiplier of {big:g}"
            found.append(Finding("hash", line, f"fract() of {what}: hash-noise idiom, chaotic in "
                                              "the last bits of its argument"))
        elif name != "fract" and big is not None:
            found.append(Finding("hash", line, f"{name}() of an argument scaled by {big:g}: "
                                              "large arguments lose precision differently per GPU"))
    return found


def _can_be_negative(arg: list[Token]) -> bool:
    """Does the argument visibly allow a negative value (see the module docstring)?"""
    if not arg:
        return False
    if arg[0].kind == "ident" and arg[0].text in _NON_NEGATIVE and len(arg) > 1 and arg[1].text == "(":
        depth = 0
        for j, t in enumerate(arg[1:], 1):
            depth += {"(": 1, ")": -1}.get(t.text, 0)
            if depth == 0:
                if j == len(arg) - 1:
                    return False              # the whole argument is one non-negative call
                break
    return any(t.text == "-" or (t.kind == "ident" and t.text in _SIGNED_CALLS) for t in arg)


def _computed(arg: list[Token]) -> bool:
    return not (len(arg) == 1 and arg[0].kind == "number" and (float_literal(arg[0].text) or _int(arg[0].text)))


def _written(toks: list[Token], code: list[int], j: int) -> bool:
    """Is the use of a name at code index ``j`` an assignment to it: ``name = ...``, or to a
    component or element (``name.x = ...``, ``name[i] = ...``, taken as a write: which
    components stay unset is beyond what the tokens show reliably)?"""
    k = j + 1
    if k + 1 < len(code) and toks[code[k]].text == "." and toks[code[k + 1]].kind == "ident":
        k += 2
    elif k < len(code) and toks[code[k]].text == "[":
        depth = 0
        while k < len(code):
            depth += {"[": 1, "]": -1}.get(toks[code[k]].text, 0)
            k += 1
            if depth == 0:
                break
    nxt = [toks[code[x]].text for x in (k, k + 1) if x < len(code)]
    return nxt[:1] == ["="] and nxt[1:2] != ["="]


def _uninitialised_reads(toks: list[Token], code: list[int]) -> list[Finding]:
    """Locals declared without an initialiser whose first use in their block is not an
    assignment (:func:`_written`)."""
    found = []
    pos = {i: k for k, i in enumerate(code)}
    for last in sorted(zero_initialisers(toks, code)):
        k = pos[last]
        if toks[last].text == "]":           # name[N]: step back to the name
            while k > 0 and toks[code[k]].text != "[":
                k -= 1
            k -= 1
        name = toks[code[k]].text
        depth = 0
        j = k + 1
        while j < len(code):
            t = toks[code[j]]
            depth += {"{": 1, "}": -1}.get(t.text, 0)
            if depth < 0:
                break                         # the declaring block ended unused
            prev = toks[code[j - 1]].text
            if t.kind == "ident" and t.text == name and prev != ".":
                if not _written(toks, code, j):
                    found.append(Finding("uninitialised", t.line,
                                         f"{name!r} (declared on line {toks[code[k]].line} without "
                                         "an initialiser) is read before it is assigned"))
                break
            j += 1
    return found


def undefined_behaviour(source: str) -> list[Finding]:
    """Undefined-behaviour constructs in ``source`` (a whole .fs file), sorted by line."""
    toks = tokenize(source.replace("\r\n", "\n").replace("\r", "\n"))
    code = _code(toks)
    found = _uninitialised_reads(toks, code)
    for name, line, args in _calls(toks, code, set(_NEGATIVE_ARGUMENT) | {"atan", "normalize"}):
        if name in _NEGATIVE_ARGUMENT and args and _can_be_negative(args[0]):
            # a signed trig call or a leading minus is negative for half its inputs; a
            # difference such as 1.0 - t only outside the range its author had in mind
            strong = args[0][0].text == "-" or any(t.text in _SIGNED_CALLS for t in args[0])
            found.append(Finding("negative-argument", line, _NEGATIVE_ARGUMENT[name], weak=not strong))
        elif name == "atan" and len(args) == 2 and all(_computed(a) for a in args):
            found.append(Finding("atan-zero", line, "atan(y, x) with both arguments computed "
                                                    "(undefined where both are 0)", weak=True))
        elif name == "normalize" and args and any(t.text == "-" for t in args[0]):
            found.append(Finding("normalize-zero", line, "normalize() of a difference "
                                                         "(undefined for a zero vector)", weak=True))
    return sorted(found, key=lambda f: (f.line, f.kind))
