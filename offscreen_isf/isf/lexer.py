"""GLSL lexer: tokens and balanced argument lists (pure Python, never regexes on GLSL).

Shared by the ISF translation (:mod:`offscreen_isf.isf.translate`) and its dialect repairs
(:mod:`offscreen_isf.isf.dialect`).  Works on text whose newlines are ``\\n``; every token
records the 1-based line it starts on, so rewrites can keep line numbers exact.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Token", "tokenize", "split_call", "skip_trivia", "TRIVIA"]

#: token kinds that carry no code (skipped when looking for the previous/next real token)
TRIVIA = frozenset(("ws", "nl", "comment"))

# ---------------------------------------------------------------------------------------------
# lexer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A GLSL token.  ``kind``: ws, nl, comment, string, ident, number, punct.

    ``start`` is the offset in the lexed text, ``line`` the 1-based line it starts on.
    """

    kind: str
    text: str
    start: int
    line: int


_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS = _IDENT_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\f\v")


def tokenize(src: str) -> list[Token]:
    """Split GLSL text into tokens; never fails (unterminated comments/strings run to the end
    of the text / line).  Newlines must be ``\\n`` (see :func:`_normalize_newlines`)."""
    toks: list[Token] = []
    i, n, line = 0, len(src), 1
    while i < n:
        ch = src[i]
        start = i
        if ch == "\n":
            toks.append(Token("nl", ch, i, line))
            line += 1
            i += 1
            continue
        if ch in _SPACE or ch == "\r":
            while i < n and (src[i] in _SPACE or src[i] == "\r"):
                i += 1
            toks.append(Token("ws", src[start:i], start, line))
            continue
        if ch == "/" and i + 1 < n and src[i + 1] == "/":
            end = src.find("\n", i)
            i = n if end < 0 else end
            toks.append(Token("comment", src[start:i], start, line))
            continue
        if ch == "/" and i + 1 < n and src[i + 1] == "*":
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
            text = src[start:i]
            toks.append(Token("comment", text, start, line))
            line += text.count("\n")
            continue
        if ch == '"':
            i += 1
            while i < n and src[i] not in '"\n':
                i += 2 if src[i] == "\\" and i + 1 < n and src[i + 1] != "\n" else 1
            if i < n and src[i] == '"':
                i += 1
            toks.append(Token("string", src[start:i], start, line))
            continue
        if ch in _IDENT_START:
            while i < n and src[i] in _IDENT_CHARS:
                i += 1
            toks.append(Token("ident", src[start:i], start, line))
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and src[i + 1] in _DIGITS):
            # pp-number: digits, letters, '.', and a sign right after an exponent letter
            i += 1
            while i < n:
                c = src[i]
                if c in _IDENT_CHARS or c == ".":
                    i += 1
                elif c in "+-" and src[i - 1] in "eE" and not src[start:i].lower().startswith("0x"):
                    i += 1
                else:
                    break
            toks.append(Token("number", src[start:i], start, line))
            continue
        toks.append(Token("punct", ch, start, line))
        i += 1
    return toks


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(")]}")


def skip_trivia(toks: list[Token], i: int) -> int:
    while i < len(toks) and toks[i].kind in ("ws", "nl", "comment"):
        i += 1
    return i


def split_call(toks: list[Token], open_index: int) -> tuple[list[tuple[int, int]], int]:
    """Split the argument list whose ``(`` is ``toks[open_index]``.

    Returns ``([(lo, hi), ...], close_index)``: token index ranges of the top-level arguments
    (commas inside nested ``()``, ``[]``, ``{}`` don't split) and the index of the matching
    ``)``.  Raises ValueError if the brackets don't balance.  ``f()`` has zero arguments.
    """
    assert toks[open_index].text == "("
    stack: list[str] = [")"]
    args: list[tuple[int, int]] = []
    lo = open_index + 1
    i = lo
    while i < len(toks):
        t = toks[i]
        if t.kind == "punct":
            if t.text in _OPEN:
                stack.append(_OPEN[t.text])
            elif t.text in _CLOSE:
                if t.text != stack[-1]:
                    raise ValueError(f"mismatched {t.text!r}")
                stack.pop()
                if not stack:
                    if args or any(x.kind not in ("ws", "nl", "comment") for x in toks[lo:i]):
                        args.append((lo, i))
                    return args, i
            elif t.text == "," and len(stack) == 1:
                args.append((lo, i))
                lo = i + 1
        i += 1
    raise ValueError("missing ')'")
