"""GLSL translation of an ISF :class:`~offscreen_isf.isf.document.Document` to ``#version 330`` core.

Pure Python (no GL).  ``translate(doc, glsl_version=330, flip_y=False)`` returns a
:class:`Translation` holding the final fragment and vertex sources (exactly the text to
compile: nobody patches it afterwards) and a line map back to the ``.fs`` / ``.vs`` files; :func:`map_compile_log`
rewrites a driver's compile log (Mesa ``0:42(3): error: …``, NVIDIA ``0(42) : error C…``,
glslang/Apple ``ERROR: 0:42: …``) into ``shader.fs:42: error: …`` plus that source line.

Conventions for the renderer (docs/semantics.md, "GLSL translation")
-------------------------------------------------------------------
* Vertex input: ``layout(location = 0) in vec2 isf_position;`` — clip-space (−1..1) positions
  of the geometry.  ``isf_vertShaderInit()`` sets ``gl_Position = vec4(isf_position, 0, 1)``
  and ``isf_FragNormCoord = (gl_Position.xy + 1) / 2``.  Custom ``.vs`` files that transform
  ``gl_Position`` (``3d Rotate.vs``) assume the four corners of the full quad, as in VVISF-GL:
  draw a quad (4 vertices at ±1) rather than an oversized triangle for parity with them.
* Fragment output: ``layout(location = 0) out vec4 isf_FragColor;`` (user ``gl_FragColor`` is
  renamed to it token by token).
* Uniforms, declared identically in both stages, in this order:

  ============================ ========= ====================================================
  name                         GLSL      value
  ============================ ========= ====================================================
  ``PASSINDEX``                int       index of the pass being drawn (0-based)
  ``RENDERSIZE``               vec2      size in pixels of the pass being drawn
  ``TIME``                     float     seconds
  ``TIMEDELTA``                float     seconds since previous frame (0 on frame 0)
  ``DATE``                     vec4      (year, month 1-12, day 1-31, seconds in day)
  ``FRAMEINDEX``               int       0 on the first frame
  ``isf_FlipY``                vec2      with ``ISF_FLIP_Y`` on: (1, pass height) to draw the
                                         pass upside down, so that glReadPixels returns rows
                                         top first; (0, 0) draws upright
  *input* ``NAME``             per type  event/bool → ``bool`` (upload with glUniform1i),
                                         long → ``int``, float → ``float``,
                                         point2D → ``vec2``, color → ``vec4``,
                                         image/audio/audioFFT → ``sampler2D``,
                                         cube → ``samplerCube`` (+ ``_NAME_imgSize`` only)
  ``_NAME_imgRect``            vec4      per sampler: sub-rect in normalised texture coords,
                                         (0, 0, 1, 1) for a whole GL_TEXTURE_2D
  ``_NAME_imgSize``            vec2      per sampler: image size in pixels
  ``_NAME_flip``               bool      per sampler: true iff the texture holds the image
                                         top-row-first.  Upload images bottom-row-first (GL
                                         convention) and pass false.
  ============================ ========= ====================================================

  Samplers (``sampler2D`` + the three ``_NAME_*`` uniforms) exist for every image-like input
  (INPUTS order), then every IMPORTED image, then persistent targets, then temporary targets.
  ``Translation.uniforms`` lists them all as :class:`UniformDecl`.  Unused uniforms are
  optimised out by drivers: tolerate location −1.
* ``isf_FragNormCoord`` is a ``vec2`` varying (``out`` in the vertex, ``in`` in the fragment
  shader), (0,0) bottom-left, (1,1) top-right.

Rewrites (on tokens, outside comments and strings, never with regexes)
---------------------------------------------------------------------
* ``IMG_PIXEL(img, coord[, bias])`` → ``VVSAMPLER_2DBYPIXEL(img, _img_imgRect, _img_imgSize,
  _img_flip, coord[, bias])``: sample at pixel coords of *img* (divides by the image's size).
* ``IMG_NORM_PIXEL(img, ncoord[, bias])`` → ``VVSAMPLER_2DBYNORM(…)`` (normalised coords).
* ``IMG_THIS_PIXEL(img)`` ≡ ``IMG_PIXEL(img, gl_FragCoord.xy)`` (exact 1:1), emitted as
  ``ISF_THIS_PIXEL(…)``: a clamped ``texelFetch`` (the same texel bilinear filtering returns
  at texel centres), valid because the renderer binds whole textures whose size is imgSize.
* ``IMG_THIS_NORM_PIXEL(img)`` ≡ ``IMG_NORM_PIXEL(img, isf_FragNormCoord)``.
* ``IMG_SIZE(img)`` → ``(_img_imgSize.xy)``.
* On a cube map (``samplerCube``): ``IMG_NORM_PIXEL(cube, dir[, bias])`` and
  ``IMG_PIXEL(cube, dir[, bias])`` → ``texture(cube, dir[, bias])`` (a lookup by direction);
  ``IMG_SIZE`` is the face size; IMG_THIS_* is a :class:`CompileError`.
  Arguments are split with a balanced-bracket lexer (calls nest; commas inside ``()[]{}``
  don't split).  Wrong arity, an unknown image name, or IMG_THIS_* in a vertex shader is a
  :class:`CompileError` naming the ``.fs``/``.vs`` line.  The helper functions are emitted only
  when used.
* ``gl_FragColor`` → ``isf_FragColor``; ``texture2D``/``texture2DRect``/``texture1D``/
  ``texture3D``/``textureCube`` → ``texture``; ``…Proj`` → ``textureProj``; ``…Lod`` →
  ``textureLod``; ``varying`` → ``in`` (fragment) / ``out`` (vertex); ``attribute`` → ``in``
  (vertex); v1 ``vv_FragNormCoord``/``vv_vertShaderInit`` → ``isf_…`` (docs/semantics.md, "ISF v1 files").
* Upside-down drawing: the user's ``main`` → ``isf_main`` (both stages), ``gl_FragCoord`` →
  ``isf_FragCoord``, ``gl_FrontFacing`` → ``isf_FrontFacing``, ``dFdy`` → ``isf_dFdy``.  With
  ``flip_y=False`` (the ``#define ISF_FLIP_Y 0`` line) these are macros for the built-ins (no
  cost).  With ``flip_y=True`` (``#define ISF_FLIP_Y 1``) a generated ``main`` calls ``isf_main`` and negates
  ``gl_Position.y`` after it when ``isf_FlipY.x`` is 1 (vertex), or first derives the image-space
  ``isf_FragCoord`` and ``isf_FrontFacing`` (fragment); ``isf_dFdy`` restores the sign.
* A user ``#version`` line is blanked; the generated one says ``glsl_version`` (330 by default;
  the renderer asks for 400 where the driver has it).  ``#if __VERSION__ <= 120`` guards keep
  working since ``__VERSION__`` is at least 330.
* Every rewrite keeps the number of lines, so user line *k* of the body is generated line
  ``body_start + k - 1``; the line map records it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import CompileError
from .document import Document
from .names import GENERATED_UNIFORMS, IMAGE_AUX

__all__ = ["Token", "tokenize", "split_call", "Translation", "UniformDecl", "translate",
           "map_compile_log", "parse_glsl_version", "GLSL_VERSION", "GLSL_VERSIONS", "HELPERS",
           "IMG_MACROS", "FLIP_SWITCH", "FLIP_SWITCH_ON"]

#: The GLSL version the translation targets by default (core-safe on every backend).
GLSL_VERSION = 330
#: Versions a translation may be emitted for: the generated code is valid GLSL in each.
GLSL_VERSIONS = (330, 400, 410, 420, 430, 440, 450, 460)

_VERSION_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")


def parse_glsl_version(text: str) -> int:
    """The GLSL version in ``text`` as an integer: ``"4.60 NVIDIA"`` -> 460, ``"3.30"`` -> 330,
    ``"4.1 Metal"`` -> 410, ``"#version 330 core"`` -> 330, ``"OpenGL ES GLSL ES 3.20"`` -> 320.

    The first number in the text is the version (a driver's ``GL_SHADING_LANGUAGE_VERSION``
    puts vendor details after it).  Raises ValueError when the text holds no number."""
    m = _VERSION_NUMBER.search(text)
    if m is None:
        raise ValueError(f"no GLSL version number in {text!r}")
    major, minor = m.group(1), m.group(2)
    if minor is None:   # "330" (a #version line) or a bare major "4"
        return int(major) if int(major) >= 100 else int(major) * 100
    return int(major) * 100 + int((minor + "0")[:2])   # "4.6" and "4.60" are both 460

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


def _skip_trivia(toks: list[Token], i: int) -> int:
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


# ---------------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------------

#: identifier renames common to both stages (GLSL 1.10 names → 3.30 core)
_RENAMES_COMMON: dict[str, str] = {
    "texture2D": "texture",
    "texture2DRect": "texture",
    "texture1D": "texture",
    "texture3D": "texture",
    "textureCube": "texture",
    "shadow2D": "texture",
    "texture2DProj": "textureProj",
    "texture2DRectProj": "textureProj",
    "texture1DProj": "textureProj",
    "texture3DProj": "textureProj",
    "texture2DLod": "textureLod",
    "texture1DLod": "textureLod",
    "texture3DLod": "textureLod",
    "textureCubeLod": "textureLod",
    "texture2DProjLod": "textureProjLod",
    "texture2DGradARB": "textureGrad",
    "vv_FragNormCoord": "isf_FragNormCoord",  # ISF v1
}
#: Upside-down drawing (``isf_FlipY``, compiled in only with FLIP_SWITCH_ON, else these are
#: macros for the built-ins): the user's ``main`` becomes ``isf_main`` under a generated
#: ``main`` that flips ``gl_Position.y`` (vertex) or derives the image-space
#: ``isf_FragCoord`` / ``isf_FrontFacing`` (fragment) first; ``dFdy`` gets its sign back.
_RENAMES: dict[str, dict[str, str]] = {
    "fragment": {**_RENAMES_COMMON, "gl_FragColor": "isf_FragColor", "varying": "in",
                 "main": "isf_main", "gl_FragCoord": "isf_FragCoord",
                 "gl_FrontFacing": "isf_FrontFacing", "dFdy": "isf_dFdy"},
    "vertex": {**_RENAMES_COMMON, "varying": "out", "attribute": "in",
               "vv_vertShaderInit": "isf_vertShaderInit", "main": "isf_main"},
}

#: macro -> (allowed argument counts, helper kind or None, implicit coordinate, fragment only)
IMG_MACROS: dict[str, tuple[tuple[int, ...], str | None, str | None, bool]] = {
    "IMG_PIXEL": ((2, 3), "VVSAMPLER_2DBYPIXEL", None, False),
    "IMG_NORM_PIXEL": ((2, 3), "VVSAMPLER_2DBYNORM", None, False),
    "IMG_THIS_PIXEL": ((1,), "ISF_THIS_PIXEL", "", True),   # "" = no coordinate argument
    "IMG_THIS_NORM_PIXEL": ((1,), "VVSAMPLER_2DBYNORM", "isf_FragNormCoord", True),
    "IMG_SIZE": ((1,), None, None, False),
}

#: (helper name, with bias) -> GLSL definition (docs/semantics.md, "Image helpers"):
#: st = loc / size (by pixel) or loc (by norm); uv = st * rect.zw + rect.xy, y mirrored by flip.
#: The renderer only binds whole GL_TEXTURE_2D textures stored bottom row first (rect
#: (0, 0, 1, 1), flip false), for which uv == st
#: exactly -- x * 1 + 0 is exact in float -- so the helpers sample at st and leave rect and
#: flip out: the same texels, and llvmpipe keeps its fast path for a plain
#: texture(sampler, varying).  The uniforms are still
#: declared and set, for shaders that read them.
HELPERS: dict[tuple[str, bool], str] = {
    ("VVSAMPLER_2DBYPIXEL", False): (
        "vec4 VVSAMPLER_2DBYPIXEL(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip, "
        "vec2 isf_loc) {\n"
        "\treturn texture(isf_s, isf_loc / isf_size);\n"
        "}\n"),
    ("VVSAMPLER_2DBYPIXEL", True): (
        "vec4 VVSAMPLER_2DBYPIXEL(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip, "
        "vec2 isf_loc, float isf_bias) {\n"
        "\treturn texture(isf_s, isf_loc / isf_size, isf_bias);\n"
        "}\n"),
    # IMG_THIS_PIXEL(img) = IMG_PIXEL(img, gl_FragCoord.xy): for a whole texture whose size
    # is imgSize -- the only kind the renderer binds (an unwritten or unset image is a 1x1
    # transparent texture, which reads the same either way) -- that samples exact texel
    # centres, where bilinear filtering returns the texel itself (clamp-to-edge outside).
    # One texelFetch gives that value without the filtering cost.
    ("ISF_THIS_PIXEL", False): (
        "vec4 ISF_THIS_PIXEL(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip) {\n"
        "\tivec2 isf_ts = textureSize(isf_s, 0);\n"
        "\treturn texelFetch(isf_s, clamp(ivec2(isf_FragCoord.xy), ivec2(0), isf_ts - 1), 0);\n"
        "}\n"),
    ("VVSAMPLER_2DBYNORM", False): (
        "vec4 VVSAMPLER_2DBYNORM(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip, "
        "vec2 isf_loc) {\n"
        "\treturn texture(isf_s, isf_loc);\n"
        "}\n"),
    ("VVSAMPLER_2DBYNORM", True): (
        "vec4 VVSAMPLER_2DBYNORM(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip, "
        "vec2 isf_loc, float isf_bias) {\n"
        "\treturn texture(isf_s, isf_loc, isf_bias);\n"
        "}\n"),
}

# The uniforms declared before the per-input ones, and the per-sampler ones, come from
# names.py: the parser refuses header entries that would collide with them.  Every other
# identifier the templates here emit is listed in names.GENERATED_NAMES (a test checks it).
_BUILTIN_UNIFORMS: tuple[tuple[str, str], ...] = tuple(GENERATED_UNIFORMS.items())
_IMAGE_AUX: tuple[tuple[str, str, str], ...] = IMAGE_AUX

_DEFAULT_VERTEX_BODY = "void main(void) {\n\tisf_vertShaderInit();\n}\n"
_VERTEX_INIT = (
    "void isf_vertShaderInit(void) {\n"
    "\tgl_Position = vec4(isf_position, 0.0, 1.0);\n"
    "\tisf_FragNormCoord = (gl_Position.xy + 1.0) * 0.5;\n"
    "}\n")

#: Upside-down drawing is compiled in only where asked for (``translate(..., flip_y=True)``
#: emits FLIP_SWITCH_ON in this line's place: same line count, so the line maps hold).  Off,
#: the isf_ names are macros for the built-ins and the shader costs exactly what it did
#: without the feature.
FLIP_SWITCH = "#define ISF_FLIP_Y 0"
FLIP_SWITCH_ON = "#define ISF_FLIP_Y 1"
# On: isf_FlipY = (1, pass height) while a pass is drawn upside down (the last pass, so that
# glReadPixels returns image rows top first with no flip copy), (0, 0) otherwise.  Selects
# and negations only: exact in float.
_FRAGMENT_GLOBALS = (
    "#if ISF_FLIP_Y\n"
    "vec4 isf_FragCoord;      // gl_FragCoord in image space (origin bottom-left of the image)\n"
    "bool isf_FrontFacing;\n"
    "float isf_dFdy(float v) { return isf_FlipY.x != 0.0 ? -dFdy(v) : dFdy(v); }\n"
    "vec2 isf_dFdy(vec2 v) { return isf_FlipY.x != 0.0 ? -dFdy(v) : dFdy(v); }\n"
    "vec3 isf_dFdy(vec3 v) { return isf_FlipY.x != 0.0 ? -dFdy(v) : dFdy(v); }\n"
    "vec4 isf_dFdy(vec4 v) { return isf_FlipY.x != 0.0 ? -dFdy(v) : dFdy(v); }\n"
    "#else\n"
    "#define isf_FragCoord gl_FragCoord\n"
    "#define isf_FrontFacing gl_FrontFacing\n"
    "#define isf_dFdy dFdy\n"
    "#define isf_main main\n"
    "#endif\n")
_FRAGMENT_MAIN = (
    "#if ISF_FLIP_Y\n"
    "void main() {\n"
    "\tisf_FragCoord = vec4(gl_FragCoord.x, isf_FlipY.x != 0.0 ? isf_FlipY.y - gl_FragCoord.y "
    ": gl_FragCoord.y, gl_FragCoord.zw);\n"
    "\tisf_FrontFacing = gl_FrontFacing == (isf_FlipY.x == 0.0);\n"
    "\tisf_main();\n"
    "}\n"
    "#endif\n")
_VERTEX_GLOBALS = (
    "#if !ISF_FLIP_Y\n"
    "#define isf_main main\n"
    "#endif\n")
_VERTEX_MAIN = (
    "#if ISF_FLIP_Y\n"
    "void main() {\n"
    "\tisf_main();\n"
    "\tif (isf_FlipY.x != 0.0) gl_Position.y = -gl_Position.y;\n"
    "}\n"
    "#endif\n")

_STAGES = {"fragment": "fragment", "frag": "fragment", "fs": "fragment",
           "vertex": "vertex", "vert": "vertex", "vs": "vertex"}


# ---------------------------------------------------------------------------------------------
# output objects
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UniformDecl:
    """One generated uniform.  ``role``: builtin, input, imported, target, image_rect,
    image_size, image_flip.  ``owner`` is the input/import/target name it belongs to."""

    name: str
    glsl_type: str
    role: str
    owner: str | None = None


#: where a generated line came from: (file name, 1-based line) or None for generated code
Origin = tuple[str, int] | None


@dataclass(frozen=True)
class _Parts:
    """What a translation is assembled from: the rewritten bodies (the costly part: lexing
    and rewriting), kept so :meth:`Translation.retarget` assembles other options cheaply."""

    uniforms: tuple[UniformDecl, ...]
    fragment_body: str
    fragment_helpers: frozenset[tuple[str, bool]]
    fragment_file: str
    fragment_line0: int
    vertex_body: str
    vertex_helpers: frozenset[tuple[str, bool]]
    vertex_file: str | None   # None: the generated default vertex shader


@dataclass
class Translation:
    """Final GLSL sources, exactly as compiled, and their line maps (index ``g-1`` ↔ generated
    line ``g``).

    ``glsl_version`` is the ``#version`` the sources declare; ``flip_y`` whether the
    upside-down drawing machinery (``isf_FlipY``) is compiled in.  Neither changes the line
    count, so the line maps are the same for every option; :meth:`retarget` gives the sources
    for other options without translating again."""

    fragment: str
    vertex: str
    fragment_map: list[Origin]
    vertex_map: list[Origin]
    uniforms: list[UniformDecl]
    fragment_helpers: frozenset[str]
    vertex_helpers: frozenset[str]
    #: original text lines per file name, for quoting in mapped logs
    sources: dict[str, list[str]] = field(default_factory=dict, repr=False)
    glsl_version: int = GLSL_VERSION
    flip_y: bool = False
    _parts: _Parts | None = field(default=None, repr=False, compare=False)

    def source(self, stage: str) -> str:
        return self.fragment if _stage(stage) == "fragment" else self.vertex

    def origin(self, stage: str, line: int) -> Origin:
        """(file, line) of generated ``line`` (1-based) of ``stage``; None if generated."""
        m = self.fragment_map if _stage(stage) == "fragment" else self.vertex_map
        return m[line - 1] if 1 <= line <= len(m) else None

    def retarget(self, *, glsl_version: int | None = None, flip_y: bool | None = None) -> Translation:
        """The same translation emitted for other options (unchanged ones are kept); returns
        ``self`` when nothing changes."""
        version = self.glsl_version if glsl_version is None else glsl_version
        flip = self.flip_y if flip_y is None else bool(flip_y)
        if (version, flip) == (self.glsl_version, self.flip_y):
            return self
        if self._parts is None:
            raise ValueError("this Translation was not made by translate(): it cannot be retargeted")
        return _finish(self._parts, self.sources, version, flip)


def _stage(stage: str) -> str:
    try:
        return _STAGES[stage.lower()]
    except KeyError:
        raise ValueError(f"stage must be 'fragment' or 'vertex', got {stage!r}") from None


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------------------------
# body rewriting
# ---------------------------------------------------------------------------------------------

class _Rewriter:
    def __init__(self, text: str, stage: str, file: str, line_offset: int,
                 images: frozenset[str], cubes: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.cubes = cubes   # the samplerCube names among ``images``
        self.toks = tokenize(text)
        self.stage = stage
        self.file = file
        self.line_offset = line_offset
        self.images = images
        self.renames = _RENAMES[stage]
        self.helpers: set[tuple[str, bool]] = set()
        self.lines = text.split("\n")

    def fail(self, tok: Token, msg: str) -> CompileError:
        line = tok.line + self.line_offset
        src = self.lines[tok.line - 1].strip() if tok.line - 1 < len(self.lines) else ""
        return CompileError(f"{self.file}:{line}: {msg}\n    {src}", path=self.file, line=line,
                            stage=self.stage)

    def run(self) -> str:
        toks = self.toks
        out: list[str] = []
        i = 0
        # blank user #version lines (a '#' first on its line followed by 'version')
        at_line_start = True
        while i < len(toks):
            t = toks[i]
            if at_line_start and t.kind == "punct" and t.text == "#":
                j = _skip_ws(toks, i + 1)
                if j < len(toks) and toks[j].kind == "ident" and toks[j].text == "version":
                    while i < len(toks) and toks[i].kind != "nl":
                        i += 1  # drop the directive, keep its newline
                    continue
            if t.kind == "nl":
                at_line_start = True
            elif t.kind not in ("ws", "comment"):
                at_line_start = False
            text, i = self.rewrite_at(i, len(toks))
            out.append(text)
        return "".join(out)

    def rewrite_range(self, lo: int, hi: int) -> str:
        out: list[str] = []
        i = lo
        while i < hi:
            text, i = self.rewrite_at(i, hi)
            out.append(text)
        return "".join(out)

    def rewrite_at(self, i: int, hi: int) -> tuple[str, int]:
        """Rewrite the token at ``i`` (a macro call consumes several); return (text, next)."""
        t = self.toks[i]
        if t.kind != "ident":
            return t.text, i + 1
        if t.text in IMG_MACROS:
            return self.macro(i, hi)
        return self.renames.get(t.text, t.text), i + 1

    def macro(self, i: int, hi: int) -> tuple[str, int]:
        toks = self.toks
        name_tok = toks[i]
        name = name_tok.text
        counts, helper, implicit, frag_only = IMG_MACROS[name]
        j = _skip_trivia(toks, i + 1)
        if j >= hi or toks[j].text != "(":
            raise self.fail(name_tok, f"{name} must be called with parentheses, e.g. "
                                      f"{name}(image{', coord' if 2 in counts else ''})")
        if frag_only and self.stage == "vertex":
            raise self.fail(name_tok, f"{name} is not available in a vertex shader "
                                      "(use IMG_PIXEL / IMG_NORM_PIXEL with explicit coordinates)")
        try:
            args, close = split_call(toks, j)
        except ValueError as exc:
            raise self.fail(name_tok, f"unbalanced parentheses in {name}(...): {exc}") from None
        if close >= hi:
            raise self.fail(name_tok, f"unbalanced parentheses in {name}(...)")
        if len(args) not in counts:
            want = " or ".join(map(str, counts))
            raise self.fail(name_tok, f"{name} has wrong number of arguments: got {len(args)}, "
                                      f"expected {want}")
        # trim spaces/tabs around arguments (newlines stay: they keep line numbers)
        texts = [self.rewrite_range(lo, ahi).strip(" \t") for lo, ahi in args]
        for k, a in enumerate(texts):
            if not _strip_comments(a).strip():
                raise self.fail(name_tok, f"{name}: argument {k + 1} is empty")
        img = _strip_comments(texts[0]).strip()
        if img not in self.images:
            known = ", ".join(sorted(self.images)) or "none declared"
            raise self.fail(name_tok, f"{name}: {img!r} is not an image input, IMPORTED image "
                                      f"or pass TARGET (images: {known})")
        # comments / newlines between the name and '(' and around the image name would be
        # lost: re-emit them after the replacement (keeps line numbers and comment text)
        lo0, hi0 = args[0]
        dropped = "".join(tok.text for tok in toks[i + 1:j] + toks[lo0:hi0]
                          if tok.kind in ("comment", "nl"))
        if img in self.cubes:
            repl = self.cube_lookup(name_tok, name, img, texts)
        elif helper is None:  # IMG_SIZE
            repl = f"(_{img}_imgSize.xy)"
        else:
            rest = texts[1:] if implicit is None else ([implicit] if implicit else [])
            self.helpers.add((helper, len(rest) == 2))
            repl = (f"{helper}({img}, _{img}_imgRect, _{img}_imgSize, _{img}_flip"
                    + "".join(", " + a for a in rest) + ")")
        return repl + dropped, close + 1


    def cube_lookup(self, tok: Token, name: str, img: str, texts: list[str]) -> str:
        """IMG_* on a cube map (docs/semantics.md, "Imported images and paths"): a lookup by
        direction, ``texture(cube, dir[, bias])``, for IMG_NORM_PIXEL and IMG_PIXEL alike (a
        direction has no pixel units); IMG_SIZE is the face size."""
        if name == "IMG_SIZE":
            return f"(_{img}_imgSize.xy)"
        if name not in ("IMG_PIXEL", "IMG_NORM_PIXEL"):
            raise self.fail(tok, f"{name}: {img!r} is a cube map, which has no pixel under the "
                                 f"fragment; use IMG_NORM_PIXEL({img}, direction) or "
                                 f"textureCube({img}, direction)")
        return f"texture({img}, " + ", ".join(texts[1:]) + ")"


def _skip_ws(toks: list[Token], i: int) -> int:
    while i < len(toks) and toks[i].kind == "ws":
        i += 1
    return i


def _strip_comments(text: str) -> str:
    return "".join(t.text for t in tokenize(text) if t.kind != "comment")


# ---------------------------------------------------------------------------------------------
# assembly
# ---------------------------------------------------------------------------------------------

def _uniforms(doc: Document) -> list[UniformDecl]:
    out = [UniformDecl(n, t, "builtin") for n, t in _BUILTIN_UNIFORMS]

    cubes = doc.cube_names()

    def image(name: str, role: str) -> None:
        if name in cubes:   # a cube map has a size uniform only (as VVISF-GL declares it)
            out.append(UniformDecl(name, "samplerCube", role, name))
            out.extend(UniformDecl(fmt.format(name), t, r, name) for fmt, t, r in _IMAGE_AUX
                       if r == "image_size")
            return
        out.append(UniformDecl(name, "sampler2D", role, name))
        out.extend(UniformDecl(fmt.format(name), t, r, name) for fmt, t, r in _IMAGE_AUX)

    for inp in doc.inputs:
        if inp.is_image:
            image(inp.name, "input")
        else:
            out.append(UniformDecl(inp.name, inp.glsl_type, "input", inp.name))
    for imp in doc.imported:
        image(imp.name, "imported")
    for t in doc.persistent_targets + doc.temporary_targets:
        image(t.name, "target")
    return out


def _declarations(uniforms: Iterable[UniformDecl], varying: str) -> list[str]:
    lines: list[str] = []
    for u in uniforms:
        lines.append(f"uniform {u.glsl_type} {u.name};")
        if u.name == "RENDERSIZE":  # the varying follows RENDERSIZE
            lines.append(f"{varying} vec2 isf_FragNormCoord;")
    return lines


def _assemble(prelude: list[str], helpers: Iterable[tuple[str, bool]], body: str,
              body_file: str | None, body_line0: int, main: str) -> tuple[str, list[Origin]]:
    """Join prelude + helpers + body + generated ``main``; map body line k to
    (body_file, body_line0 + k)."""
    head = list(prelude)
    for key in sorted(helpers):
        head.extend(HELPERS[key].rstrip("\n").split("\n"))
    head.append("")
    body_lines = body.split("\n")
    tail = ["", *main.rstrip("\n").split("\n")]
    lines = head + body_lines + tail
    origins: list[Origin] = [None] * len(head)
    origins += [(body_file, body_line0 + k) if body_file is not None else None
                for k in range(1, len(body_lines) + 1)]
    origins += [None] * len(tail)
    return "\n".join(lines), origins


def translate(doc: Document, *, glsl_version: int = GLSL_VERSION, flip_y: bool = False) -> Translation:
    """Translate ``doc`` to the final fragment + vertex sources with line maps.

    ``glsl_version`` (one of :data:`GLSL_VERSIONS`) is the ``#version`` they declare;
    ``flip_y`` compiles the upside-down drawing machinery in (``isf_FlipY``; see the module
    notes).  Raises :class:`CompileError` (message ``file:line: …`` in the .fs/.vs) for IMG_*
    misuse.
    """
    images = frozenset(doc.image_names())
    cubes = doc.cube_names()
    fs_name = doc.name
    fr = _Rewriter(_normalize_newlines(doc.fragment_source), "fragment", fs_name,
                   doc.body_line_offset, images, cubes)
    fs_text = fr.run()
    if doc.vertex_source is not None:
        vs_file: str | None = str(doc.vertex_path) if doc.vertex_path is not None else "<vertex>"
        vs_src = _normalize_newlines(doc.vertex_source).removeprefix("\ufeff")
        vr = _Rewriter(vs_src, "vertex", str(vs_file), 0, images, cubes)
    else:
        vs_file, vs_src = None, ""
        vr = _Rewriter(_DEFAULT_VERTEX_BODY, "vertex", "<default vertex shader>", 0, images,
                       cubes)
    vs_text = vr.run()
    parts = _Parts(tuple(_uniforms(doc)), fs_text, frozenset(fr.helpers), fs_name,
                   doc.body_line_offset, vs_text, frozenset(vr.helpers), vs_file)
    sources = {fs_name: _normalize_newlines(doc.source).split("\n")}
    if vs_file is not None:
        sources[vs_file] = vs_src.split("\n")
    return _finish(parts, sources, glsl_version, flip_y)


def _finish(parts: _Parts, sources: dict[str, list[str]], glsl_version: int,
            flip_y: bool) -> Translation:
    """Assemble the final sources of ``parts`` for these options."""
    if glsl_version not in GLSL_VERSIONS:
        raise ValueError(f"glsl_version must be one of {GLSL_VERSIONS}, got {glsl_version!r}")
    head = [f"#version {glsl_version}", "precision highp float;", "precision highp int;"]
    switch = FLIP_SWITCH_ON if flip_y else FLIP_SWITCH
    frag_prelude = [*head, "layout(location = 0) out vec4 isf_FragColor;",
                    switch, *_declarations(parts.uniforms, "in"),
                    *_FRAGMENT_GLOBALS.rstrip("\n").split("\n")]
    fragment, fmap = _assemble(frag_prelude, parts.fragment_helpers, parts.fragment_body,
                               parts.fragment_file, parts.fragment_line0, _FRAGMENT_MAIN)
    vert_prelude = [*head, "layout(location = 0) in vec2 isf_position;",
                    switch, *_declarations(parts.uniforms, "out"),
                    *_VERTEX_GLOBALS.rstrip("\n").split("\n"),
                    *_VERTEX_INIT.rstrip("\n").split("\n")]
    vertex, vmap = _assemble(vert_prelude, parts.vertex_helpers, parts.vertex_body,
                             parts.vertex_file, 0, _VERTEX_MAIN)
    return Translation(fragment, vertex, fmap, vmap, list(parts.uniforms),
                       frozenset(h for h, _ in parts.fragment_helpers),
                       frozenset(h for h, _ in parts.vertex_helpers),
                       sources, glsl_version, bool(flip_y), parts)


# ---------------------------------------------------------------------------------------------
# compile log mapping
# ---------------------------------------------------------------------------------------------

# Driver log formats (parsing a log line with a regex is fine; GLSL itself is never regexed):
#   Mesa:              0:42(3): error: `foo' undeclared
#   NVIDIA:            0(42) : error C1008: undefined variable "foo"
#   glslang / Apple:   ERROR: 0:42: 'foo' : undeclared identifier
_LOG_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(?P<src>\d+):(?P<line>\d+)\((?P<col>\d+)\):\s*(?P<msg>.*)$"), "mesa"),
    (re.compile(r"^\s*(?P<src>\d+)\((?P<line>\d+)\)\s*:\s*(?P<msg>.*)$"), "nvidia"),
    (re.compile(r"^\s*(?P<sev>ERROR|WARNING|INFO):\s*(?P<src>\d+):(?P<line>\d+):\s*(?P<msg>.*)$"),
     "glslang"),
)


def map_compile_log(log: str, translation: Translation, stage: str) -> str:
    """Rewrite a driver compile log so each located line reads ``file:line: message`` followed
    by the original source line (indented).  Lines of generated code are reported as
    ``<generated fragment shader>:N`` with the generated line; unrecognised log lines are kept.
    """
    st = _stage(stage)
    gen_lines = translation.source(st).split("\n")
    out: list[str] = []
    for raw in log.splitlines():
        found = next(((m, fmt) for pat, fmt in _LOG_FORMATS if (m := pat.match(raw))), None)
        if found is None:
            if raw.strip():
                out.append(raw)
            continue
        m, fmt = found
        gline = int(m.group("line"))
        msg = m.group("msg").strip()
        if fmt == "glslang":
            msg = f"{m.group('sev').lower()}: {msg}"
        origin = translation.origin(st, gline)
        if origin is not None:
            file, line = origin
            src_lines = translation.sources.get(file, [])
            quote = src_lines[line - 1] if 1 <= line <= len(src_lines) else ""
            out.append(f"{file}:{line}: {msg}")
        else:
            out.append(f"<generated {st} shader>:{gline}: {msg}")
            quote = gen_lines[gline - 1] if 1 <= gline <= len(gen_lines) else ""
        if quote.strip():
            out.append("    " + quote.strip())
    return "\n".join(out)
