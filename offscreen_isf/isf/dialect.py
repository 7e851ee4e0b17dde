"""GLSL dialect repair: what makes a GLSL 1.10 / GLSL ES / WebGL body compile as desktop core GLSL.

Pure Python (no GL), on tokens (:mod:`offscreen_isf.isf.lexer`), never on regexes.  The
translation (:mod:`offscreen_isf.isf.translate`) asks :func:`analyse` for a set of
:class:`Edits` to one shader body and applies them in its single rewriting pass.  Every edit
keeps the line count and the line of every remaining token (docs/semantics.md, "GLSL
translation"):

* **Directives.**  ``#version`` lines are blanked (the translation emits its own and records
  the user's number).  ``#extension`` lines are blanked where they stand; the ones desktop
  core GLSL still needs are *hoisted* right after the generated ``#version`` line (GLSL
  wants them before any declaration) with their line map entry pointing at the user's line;
  GLES-only ones whose feature core GLSL already has are dropped (:data:`EXTENSIONS`).
* **Reserved words.**  Words the compiled GLSL reserves but the author's GLSL did not
  (``sample``, ``filter``, ``smooth``, ``texture`` as a variable...) are renamed to
  ``isf_n_<word>`` wherever they name something: header entries always, body words when the
  body uses them as a name (:func:`body_renames`).
* **Undefined values.**  Local and global declarations without initialiser get one of zeros
  (``vec3 c;`` -> ``vec3 c = vec3(0);``), so that reading them gives the same bytes on every
  backend whatever was rendered before (:func:`zero_initialisers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from .lexer import TRIVIA, Token
from .names import FUNCTION_NAMES, GLSL_KEYWORDS, RENAME_PREFIX

__all__ = ["EXTENSIONS", "BODY_RENAMABLE", "Edits", "analyse", "body_renames",
           "zero_initialisers"]

#: GLES / WebGL extension -> (what the translation does, why).  ``drop``: desktop core GLSL 3.30
#: has the feature (built-in functions renamed by the translation where they differ); the
#: directive is removed silently.  ``drop-warn``: a GLES-only feature desktop GL lacks; the
#: directive is removed with an ISFWarning (a shader that really uses it fails to compile, at
#: the line that uses it).  Every other extension is hoisted and left to the driver.
EXTENSIONS: Final[Mapping[str, tuple[str, str]]] = {
    "GL_OES_standard_derivatives": ("drop", "dFdx/dFdy/fwidth are core"),
    "GL_EXT_shader_texture_lod": ("drop", "textureLod/textureGrad are core (…LodEXT renamed)"),
    "GL_ARB_shader_texture_lod": ("drop", "textureLod/textureGrad are core"),
    "GL_OES_texture_3D": ("drop", "sampler3D and texture() are core"),
    "GL_EXT_frag_depth": ("drop", "gl_FragDepth is core (gl_FragDepthEXT renamed)"),
    "GL_OES_fragment_precision_high": ("drop", "desktop GLSL is always high precision"),
    "GL_EXT_shadow_samplers": ("drop", "shadow samplers are core (shadow2DEXT renamed)"),
    "GL_ARB_texture_rectangle": ("drop", "sampler2DRect is core"),
    "GL_EXT_gpu_shader4": ("drop", "its GLSL 1.30 features are core"),
    "GL_OES_element_index_uint": ("drop", "not a shading language feature"),
    "GL_EXT_draw_buffers": ("drop-warn", "gl_FragData[n] has no meaning with one colour output"),
    "GL_OES_EGL_image_external": ("drop-warn", "samplerExternalOES does not exist on desktop GL"),
    "GL_OES_EGL_image_external_essl3": ("drop-warn",
                                        "samplerExternalOES does not exist on desktop GL"),
    "GL_EXT_shader_framebuffer_fetch": ("drop-warn",
                                        "gl_LastFragData does not exist on desktop GL"),
    "GL_ARM_shader_framebuffer_fetch": ("drop-warn",
                                        "gl_LastFragColorARM does not exist on desktop GL"),
}

#: Words of :data:`~offscreen_isf.isf.names.GLSL_KEYWORDS` that shaders written for GLSL 1.x
#: use as names and that later GLSL reserves without making them type names a body could
#: mean (``uint``, ``layout`` and the sampler/image types stay keywords): renamed in a body
#: that uses one as a name.  ``switch``/``case``/``default`` are handled apart (they are
#: statements in the compiled GLSL, see :func:`_keyword_use`).
BODY_RENAMABLE: Final[frozenset[str]] = frozenset("""
sample smooth flat noperspective patch subroutine precise input output filter half active common
partition buffer shared resource coherent volatile restrict readonly writeonly fixed long short
unsigned superp class union enum typedef template this packed goto inline noinline public static
extern external interface sizeof cast namespace using asm row_major texture
""".split())
_STATEMENT_WORDS: Final = frozenset(("switch", "case", "default"))

_SCALARS: Final = "float int uint bool double".split()
#: GLSL types a local declaration may start with, whose zero is ``T(0)``
_ZEROABLE_TYPES: Final[frozenset[str]] = frozenset(
    _SCALARS
    + [f"{p}vec{n}" for p in ("", "i", "u", "b", "d") for n in (2, 3, 4)]
    + [f"{p}mat{n}" for p in ("", "d") for n in (2, 3, 4)]
    + [f"{p}mat{a}x{b}" for p in ("", "d") for a in (2, 3, 4) for b in (2, 3, 4)])
_PRECISIONS: Final = frozenset(("lowp", "mediump", "highp"))
#: tokens after which a statement (and so a declaration) may start
_STATEMENT_START: Final = frozenset((";", "{", "}", ":"))
#: a '{' opens a block of statements when the previous real token is one of these
_BLOCK_OPENERS: Final = frozenset((")", "else", "do", ";", "{", "}", ":"))
_MAX_ARRAY: Final = 256   # larger arrays stay as written (their zero would be a huge constructor)


@dataclass
class Edits:
    """Token-level edits to one body (indices into its token list).

    ``drop``: tokens to omit (their newlines are never dropped); ``replace``: token -> new
    text; ``after``: text to emit right after a token; ``hoisted``: (1-based body line, text)
    of directives to place right after ``#version``; ``version``: the user's ``#version``
    number and profile (``None`` without one); ``warnings``: messages for ISFWarning."""

    drop: set[int] = field(default_factory=set)
    replace: dict[int, str] = field(default_factory=dict)
    after: dict[int, str] = field(default_factory=dict)
    hoisted: list[tuple[int, str]] = field(default_factory=list)
    version: tuple[int, str] | None = None
    warnings: list[str] = field(default_factory=list)


def analyse(toks: Sequence[Token], header_names: Mapping[str, str], file: str,
            line_offset: int) -> Edits:
    """All dialect edits of one body.  ``header_names`` maps header entries the compiled GLSL
    reserves to their GLSL identifiers (``{"sample": "isf_n_sample"}``); ``file`` and
    ``line_offset`` (body line k is file line k + line_offset) word the warnings."""
    edits = Edits()
    directive_lines = _directives(toks, edits, file, line_offset)
    code = [i for i, t in enumerate(toks) if t.kind not in TRIVIA and t.line not in directive_lines]
    renames = {**body_renames(toks, code), **header_names}
    for k, i in enumerate(code):
        word = toks[i].text
        if toks[i].kind == "ident" and word in renames and not _keyword_use(toks, code, k):
            edits.replace[i] = renames[word]
    edits.after.update(zero_initialisers(toks, code, frozenset(renames)))
    return edits


# -- directives --------------------------------------------------------------------------------

def _directives(toks: Sequence[Token], edits: Edits, file: str, line_offset: int) -> set[int]:
    """Blank ``#version`` / ``#extension`` lines into ``edits``; returns the body lines that
    hold a preprocessor directive (their tokens are not code)."""
    lines: set[int] = set()
    depth = 0          # #if nesting, so a hoisted 'require' inside a conditional is softened
    at_start = True
    for i, t in enumerate(toks):
        if t.kind == "nl":
            at_start = True
            continue
        if t.kind in TRIVIA:
            continue
        if at_start and t.text == "#":
            lines.add(t.line)
            words = _directive_words(toks, i)
            name = words[0] if words else ""
            depth += 1 if name in ("if", "ifdef", "ifndef") else -1 if name == "endif" else 0
            if name == "version":
                edits.drop.update(_line_tokens(toks, i))
                number = words[1] if len(words) > 1 and words[1].isdigit() else "0"
                edits.version = (int(number), words[2] if len(words) > 2 else "")
            elif name == "extension" and len(words) > 1:
                edits.drop.update(_line_tokens(toks, i))
                _extension(words, t.line, depth > 0, edits, f"{file}:{t.line + line_offset}")
        at_start = False
    return lines


def _directive_words(toks: Sequence[Token], i: int) -> list[str]:
    """The words of the directive whose '#' is ``toks[i]`` (to the end of its line)."""
    out: list[str] = []
    for t in toks[i + 1:]:
        if t.kind == "nl":
            break
        if t.kind not in TRIVIA and t.text != ":":
            out.append(t.text)
    return out


def _line_tokens(toks: Sequence[Token], i: int) -> list[int]:
    """Indices of the directive's tokens from ``i`` to its newline, comments excepted (a
    comment may span lines: it stays, and so does the line count)."""
    out: list[int] = []
    for j in range(i, len(toks)):
        if toks[j].kind == "nl":
            break
        if toks[j].kind != "comment":
            out.append(j)
    return out


def _extension(words: list[str], line: int, conditional: bool, edits: Edits, where: str) -> None:
    name = words[1]
    behaviour = words[2] if len(words) > 2 else "enable"
    action, why = EXTENSIONS.get(name, ("hoist", ""))
    if action == "drop-warn":
        edits.warnings.append(f"{where}: #extension {name} dropped: {why}")
    elif action == "hoist":
        if conditional and behaviour == "require":
            behaviour = "enable"   # moved out of its #if: must not fail where the #if was false
        edits.hoisted.append((line, f"#extension {name} : {behaviour}"))


# -- reserved words ------------------------------------------------------------------------------

def body_renames(toks: Sequence[Token], code: Sequence[int]) -> dict[str, str]:
    """Reserved words the body uses as names -> their new names.  A word of
    :data:`BODY_RENAMABLE` counts as a name when some use of it is not followed by a name
    (keywords such as ``smooth``/``sample`` qualify a declaration: ``flat in vec2 v``), and
    ``texture`` only when some use is not a call; ``switch``/``case``/``default`` when a type
    precedes one (``float default = 1.0;``)."""
    out: dict[str, str] = {}
    for k, i in enumerate(code):
        word = toks[i].text
        if toks[i].kind != "ident" or word in out:
            continue
        nxt = toks[code[k + 1]] if k + 1 < len(code) else None
        prev = toks[code[k - 1]].text if k > 0 else ""
        if word in BODY_RENAMABLE:
            named = nxt is None or nxt.kind != "ident"
            if word in FUNCTION_NAMES and nxt is not None and nxt.text == "(":
                named = False
            if named:
                out[word] = RENAME_PREFIX + word
        elif word in _STATEMENT_WORDS and prev in _ZEROABLE_TYPES:
            out[word] = RENAME_PREFIX + word
    return out


def _keyword_use(toks: Sequence[Token], code: Sequence[int], k: int) -> bool:
    """Whether code token ``k`` (a renamed word) is used as the keyword / built-in function
    rather than as the name: a call of a function name, ``default:`` / ``case X:`` /
    ``switch (...) {`` at the start of a statement."""
    word = toks[code[k]].text
    nxt = toks[code[k + 1]].text if k + 1 < len(code) else ""
    prev = toks[code[k - 1]].text if k > 0 else ";"
    if word in FUNCTION_NAMES:
        return nxt == "("
    if word not in _STATEMENT_WORDS or prev not in _STATEMENT_START | {")", "else"}:
        return False
    if word == "default":
        return nxt == ":"
    if word == "case":
        return nxt not in ("=", ";", ",", ".", "[", ")") and not _assigns(toks, code, k + 1)
    return nxt == "(" and _after_parens(toks, code, k + 1) == "{"


def _assigns(toks: Sequence[Token], code: Sequence[int], k: int) -> bool:
    """Whether code tokens from ``k`` spell an assignment operator or ++/-- (``+=``, ``<<=``)."""
    texts = [toks[i].text for i in code[k:k + 3]]
    if texts[:2] in (["+", "+"], ["-", "-"]):
        return True
    for n in (1, 2):
        if len(texts) > n and texts[n] == "=" and all(c in "+-*/%&|^<>" for c in texts[:n]):
            return True
    return False


def _after_parens(toks: Sequence[Token], code: Sequence[int], k: int) -> str:
    """The text of the code token after the parenthesis group that opens at code token ``k``."""
    depth = 0
    for j in range(k, len(code)):
        text = toks[code[j]].text
        depth += 1 if text == "(" else -1 if text == ")" else 0
        if depth == 0:
            return toks[code[j + 1]].text if j + 1 < len(code) else ""
    return ""


# -- undefined values ---------------------------------------------------------------------------

def zero_initialisers(toks: Sequence[Token], code: Sequence[int],
                      renamed: frozenset[str] = frozenset()) -> dict[int, str]:
    """Token index -> `` = <zero>`` for every declarator without initialiser in a declaration
    statement of a known type (basic types, the body's structs, their arrays of constant
    size).  Function parameters, struct members, ``uniform``/``in``/``out``/``const``
    declarations (they start with a qualifier) and ``for (...)`` headers are not declaration
    statements and stay as written.  ``renamed``: keywords the body uses as names."""
    structs = _structs(toks, code)
    out: dict[int, str] = {}
    blocks: list[bool] = []    # per open '{': does it hold statements (function bodies, blocks)?
    k = 0
    while k < len(code):
        text = toks[code[k]].text
        prev = toks[code[k - 1]].text if k > 0 else ";"
        if text == "{":
            blocks.append(prev in _BLOCK_OPENERS and (not blocks or blocks[-1]) or prev == ")")
        elif text == "}" and blocks:
            blocks.pop()
        elif prev in _STATEMENT_START and (not blocks or blocks[-1]):
            k = _declaration(toks, code, k, structs, out, renamed)
            continue
        k += 1
    return out


def _declaration(toks: Sequence[Token], code: Sequence[int], k: int,
                 structs: Mapping[str, list[tuple[str, int]]], out: dict[int, str],
                 renamed: frozenset[str]) -> int:
    """Zero-initialise the declaration statement at code token ``k`` if it is one; returns the
    code index to continue from (``k + 1`` when it is not a declaration)."""
    start = k
    if toks[code[k]].text in _PRECISIONS:
        k += 1
    if k >= len(code) or not (toks[code[k]].text in _ZEROABLE_TYPES or toks[code[k]].text in structs):
        return start + 1
    type_name = toks[code[k]].text
    pending: dict[int, str] = {}
    k += 1
    while k < len(code):
        name = toks[code[k]]
        if name.kind != "ident" or name.text in GLSL_KEYWORDS - renamed:
            return start + 1
        k += 1
        size: int | None = None
        if k < len(code) and toks[code[k]].text == "[":
            if k + 2 >= len(code) or toks[code[k + 2]].text != "]":
                return start + 1      # unsized or computed size: not ours to guess
            size = _int_literal(toks[code[k + 1]].text)
            k += 3
        last = code[k - 1]
        if k >= len(code) or toks[code[k]].text not in (",", ";", "="):
            return start + 1          # a function prototype / definition or not a declaration
        if toks[code[k]].text == "=":
            k = _skip_initialiser(toks, code, k + 1)
        else:
            zero = _zero(type_name, size, structs, 0)
            if zero is not None:
                pending[last] = f" = {zero}"
        if k >= len(code) or toks[code[k]].text == ";":
            out.update(pending)
            return k + 1
        k += 1                        # the ','
    return start + 1


def _skip_initialiser(toks: Sequence[Token], code: Sequence[int], k: int) -> int:
    """The code index of the ',' or ';' that ends the initialiser starting at ``k``."""
    depth = 0
    while k < len(code):
        text = toks[code[k]].text
        if text in "([{":
            depth += 1
        elif text in ")]}":
            depth -= 1
        elif depth == 0 and text in (",", ";"):
            return k
        k += 1
    return k


def _int_literal(text: str) -> int | None:
    try:
        value = int(text.rstrip("uU"), 0)
    except ValueError:
        return None
    return value if 0 < value <= _MAX_ARRAY else None


def _zero(type_name: str, size: int | None, structs: Mapping[str, list[tuple[str, int]]],
          depth: int) -> str | None:
    """The GLSL zero of ``type_name`` (an array of ``size`` when not None); None when unknown."""
    if depth > 8:
        return None
    if type_name in _ZEROABLE_TYPES:
        one: str | None = f"{type_name}(0)"
    elif type_name in structs:
        members = [_zero(t, n or None, structs, depth + 1) for t, n in structs[type_name]]
        one = None if None in members else f"{type_name}({', '.join(m for m in members if m)})"
    else:
        one = None
    if one is None or size is None:
        return one
    return f"{type_name}[{size}]({', '.join([one] * size)})"


def _structs(toks: Sequence[Token], code: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
    """``struct NAME { T a; U b[2], c; };`` in the body -> {NAME: [(T, 0), (U, 2), (U, 0)]}
    (array size 0 = not an array).  A struct whose members cannot be read is left out."""
    out: dict[str, list[tuple[str, int]]] = {}
    for k, i in enumerate(code[:-2]):
        if toks[i].text != "struct" or toks[code[k + 2]].text != "{":
            continue
        members: list[tuple[str, int]] | None = []
        j = k + 3
        while members is not None and j < len(code) and toks[code[j]].text != "}":
            j = _member(toks, code, j, members)
            if j < 0:
                members = None
        if members is not None:
            out[toks[code[k + 1]].text] = members
    return out


def _member(toks: Sequence[Token], code: Sequence[int], j: int,
            members: list[tuple[str, int]]) -> int:
    """Read one member declaration at code index ``j`` into ``members``; returns the index after
    its ';', or -1 when it is not of the simple ``[precision] TYPE name[N], name;`` form."""
    if j < len(code) and toks[code[j]].text in _PRECISIONS:
        j += 1
    if j + 2 >= len(code):
        return -1
    type_name = toks[code[j]].text
    j += 1                            # at the first member name
    while j + 1 < len(code) and toks[code[j]].kind == "ident":
        j += 1
        size = 0
        if toks[code[j]].text == "[":
            if j + 2 >= len(code) or toks[code[j + 2]].text != "]":
                return -1
            size = _int_literal(toks[code[j + 1]].text) or -1
            j += 3
        if size < 0 or j >= len(code):
            return -1
        members.append((type_name, size))
        if toks[code[j]].text == ";":
            return j + 1
        if toks[code[j]].text != ",":
            return -1
        j += 1
    return -1
