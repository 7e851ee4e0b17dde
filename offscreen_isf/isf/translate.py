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
* ``IMG_THIS_PIXEL(img)`` → ``ISF_THIS_PIXEL(…)``: ``texture(img, isf_FragNormCoord *
  round(floor(RENDERSIZE) / imgSize))``, the reference host's rounded-corner mapping (1:1 when
  the ratio rounds to 1 and the texture is the pass's size: then a ``texelFetch``).
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
* Dialect repairs (:mod:`offscreen_isf.isf.dialect`): a user ``#version`` line is blanked;
  the generated one says ``glsl_version`` (by default what the shader needs: 330, or the
  user's desktop ``#version`` above it; the renderer retries a failed 330 compile at 400).
  ``#if __VERSION__ <= 120`` guards keep working since ``__VERSION__`` is at least 330.
  ``#extension`` lines are hoisted after ``#version`` or dropped; reserved words used as
  names become ``isf_n_<word>`` (header entries: :class:`UniformDecl` ``key`` keeps the
  public name); declarations without initialiser get a zero one.
* Implicit int->uint conversions GLSL 4.00 makes are written out where they can be seen
  (:mod:`offscreen_isf.isf.uintfix`: ``uint c = 0;`` -> ``0u``, ``uint k = iv.y;`` ->
  ``uint(iv.y)``), so such shaders compile as 3.30 too.
* Every rewrite keeps the number of lines, so user line *k* of the body is generated line
  ``body_start + k - 1``; the line map records it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import CompileError
from .dialect import Edits, analyse
from .document import Document, ISFWarning
from .lexer import Token, skip_trivia, split_call, tokenize
from .names import GENERATED_UNIFORMS, IMAGE_AUX, glsl_identifier
from .uintfix import uint_repairs

__all__ = ["Token", "tokenize", "split_call", "Translation", "UniformDecl", "translate",
           "map_compile_log", "parse_glsl_version", "GLSL_VERSION", "GLSL_VERSIONS", "HELPERS",
           "IMG_MACROS", "FLIP_SWITCH", "FLIP_SWITCH_ON", "needed_glsl_version"]

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
    # GLES extension spellings (their #extension lines are dropped: docs/semantics.md,
    # "GLSL translation")
    "texture2DLodEXT": "textureLod",
    "texture2DProjLodEXT": "textureProjLod",
    "textureCubeLodEXT": "textureLod",
    "texture2DGradEXT": "textureGrad",
    "texture2DProjGradEXT": "textureProjGrad",
    "textureCubeGradEXT": "textureGrad",
    "shadow2DEXT": "texture",
    "shadow2DProjEXT": "textureProj",
    "gl_FragDepthEXT": "gl_FragDepth",
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
#: how deep IMG_* calls may nest inside each other's arguments (CompileError past it: the
#: rewrite recurses once per level, and no real shader comes near this)
MAX_MACRO_NESTING = 64

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
    # IMG_THIS_PIXEL(img) with the reference host's rounded-corner mapping
    # (docs/semantics.md, "Image helpers"): the coordinate is isf_FragNormCoord scaled by
    # k = round(floor(RENDERSIZE) / imgSize), per axis.  When k is 1 and the texture is
    # exactly the viewport (texels = truncated RENDERSIZE) that lands on texel centres, where
    # bilinear filtering returns the texel itself: one texelFetch gives the same value
    # without the filtering cost (the condition is the same for every fragment of a pass).
    ("ISF_THIS_PIXEL", False): (
        "vec4 ISF_THIS_PIXEL(sampler2D isf_s, vec4 isf_rect, vec2 isf_size, bool isf_flip) {\n"
        "\tvec2 isf_k = floor(floor(RENDERSIZE) / isf_size + 0.5);\n"
        "\tif (isf_k == vec2(1.0) && textureSize(isf_s, 0) == ivec2(RENDERSIZE))\n"
        "\t\treturn texelFetch(isf_s, ivec2(isf_FragCoord.xy), 0);\n"
        "\treturn texture(isf_s, isf_FragNormCoord * isf_k);\n"
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
    image_size, image_flip.  ``owner`` is the input/import/target name it belongs to.

    ``name`` is the GLSL identifier; :attr:`key` the name the renderer sets it by, which
    differs only where the translation renamed a reserved word (``sample`` ->
    ``isf_n_sample``, see docs/semantics.md, "GLSL translation")."""

    name: str
    glsl_type: str
    role: str
    owner: str | None = None
    public: str | None = None   # the key when it differs from ``name``

    @property
    def key(self) -> str:
        """The uniform's name in the public API (input / image names as the header wrote them)."""
        return self.public or self.name


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
    #: directives hoisted right after ``#version`` (fragment, vertex), with their origins
    hoisted: tuple[tuple[tuple[Origin, str], ...], tuple[tuple[Origin, str], ...]] = ((), ())
    #: the lowest #version the shader asks for (:func:`needed_glsl_version`)
    needed_version: int = GLSL_VERSION


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

    @property
    def needed_version(self) -> int:
        """The lowest ``#version`` the shader asks for (:func:`needed_glsl_version`)."""
        return self._parts.needed_version if self._parts is not None else self.glsl_version

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
                 images: frozenset[str], cubes: frozenset[str] = frozenset(),
                 header_names: Mapping[str, str] | None = None,
                 declared: Mapping[str, str] | None = None) -> None:
        self.text = text
        self.cubes = cubes   # the samplerCube names among ``images``
        self.toks = tokenize(text)
        self.stage = stage
        self.file = file
        self.line_offset = line_offset
        self.images = images
        self.renames = _RENAMES[stage]
        self.helpers: set[tuple[str, bool]] = set()
        self.depth = 0   # IMG_* calls being rewritten inside each other's arguments
        self.lines = text.split("\n")
        if self.toks and self.toks[-1].text.startswith("/*") and (
                len(self.toks[-1].text) < 4 or not self.toks[-1].text.endswith("*/")):
            raise self.fail(self.toks[-1], "unterminated /* comment (it runs to the end of the file)")
        #: dialect repairs: directives, reserved words renamed, zero initialisers
        self.edits: Edits = analyse(self.toks, header_names or {}, file, line_offset)
        #: implicit int->uint conversions written out; ``declared``: the generated uniforms
        uint_repairs(self.toks, declared).apply(self.edits)
        #: GLSL identifier -> header name, for messages
        self.public = {glsl: name for name, glsl in (header_names or {}).items()}

    def fail(self, tok: Token, msg: str) -> CompileError:
        line = tok.line + self.line_offset
        src = self.lines[tok.line - 1].strip() if tok.line - 1 < len(self.lines) else ""
        src = src if len(src) <= 200 else src[:200] + " ..."   # a message, not the file
        return CompileError(f"{self.file}:{line}: {msg}\n    {src}", path=self.file, line=line,
                            stage=self.stage)

    def run(self) -> str:
        """The rewritten body (same line count; ``#version`` / ``#extension`` lines blank)."""
        return self.rewrite_range(0, len(self.toks))

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
        edits = self.edits
        if i in edits.drop:
            return "", i + 1
        tail = edits.after.get(i, "")   # a zero initialiser after a declarator
        if i in edits.replace:
            return edits.replace[i] + tail, i + 1
        if t.kind != "ident":
            return t.text + tail, i + 1
        if t.text in IMG_MACROS:
            return self.macro(i, hi)
        return self.renames.get(t.text, t.text) + tail, i + 1

    def macro(self, i: int, hi: int) -> tuple[str, int]:
        toks = self.toks
        name_tok = toks[i]
        name = name_tok.text
        counts, helper, implicit, frag_only = IMG_MACROS[name]
        j = skip_trivia(toks, i + 1)
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
        self.depth += 1
        try:
            if self.depth > MAX_MACRO_NESTING:   # rewriting recurses once per level
                raise self.fail(name_tok, f"{name}: IMG_* calls nested more than "
                                          f"{MAX_MACRO_NESTING} deep inside each other's arguments")
            texts = [self.rewrite_range(lo, ahi).strip(" \t") for lo, ahi in args]
        finally:
            self.depth -= 1
        for k, a in enumerate(texts):
            if not _strip_comments(a).strip():
                raise self.fail(name_tok, f"{name}: argument {k + 1} is empty")
        img = _strip_comments(texts[0]).strip()
        if img not in self.images:
            known = ", ".join(sorted(self.public.get(n, n) for n in self.images)) or "none declared"
            img = self.public.get(img, img)
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
    return [_renamed(u) for u in out]


def _renamed(u: UniformDecl) -> UniformDecl:
    """``u`` declared under its owner's GLSL identifier (``sample`` -> ``isf_n_sample``,
    ``_sample_imgSize`` -> ``_isf_n_sample_imgSize``); the public name stays its key."""
    if u.owner is None or glsl_identifier(u.owner) == u.owner:
        return u
    glsl = glsl_identifier(u.owner)
    name = glsl if u.name == u.owner else u.name.replace(f"_{u.owner}_", f"_{glsl}_", 1)
    return UniformDecl(name, u.glsl_type, u.role, u.owner, u.name)


def _declarations(uniforms: Iterable[UniformDecl], varying: str) -> list[str]:
    lines: list[str] = []
    for u in uniforms:
        lines.append(f"uniform {u.glsl_type} {u.name};")
        if u.name == "RENDERSIZE":  # the varying follows RENDERSIZE
            lines.append(f"{varying} vec2 isf_FragNormCoord;")
    return lines


def _assemble(prelude: list[str], helpers: Iterable[tuple[str, bool]], body: str,
              body_file: str | None, body_line0: int, main: str,
              hoisted: Sequence[tuple[Origin, str]] = ()) -> tuple[str, list[Origin]]:
    """Join prelude + helpers + body + generated ``main``; map body line k to
    (body_file, body_line0 + k).  ``hoisted`` directives go right after the ``#version``
    line (``prelude[0]``), mapped to where the user wrote them."""
    head = [prelude[0], *(text for _, text in hoisted), *prelude[1:]]
    for key in sorted(helpers):
        head.extend(HELPERS[key].rstrip("\n").split("\n"))
    head.append("")
    body_lines = body.split("\n")
    tail = ["", *main.rstrip("\n").split("\n")]
    lines = head + body_lines + tail
    origins: list[Origin] = [None, *(origin for origin, _ in hoisted)]
    origins += [None] * (len(head) - len(origins))
    origins += [(body_file, body_line0 + k) if body_file is not None else None
                for k in range(1, len(body_lines) + 1)]
    origins += [None] * len(tail)
    return "\n".join(lines), origins


def translate(doc: Document, *, glsl_version: int | None = None, flip_y: bool = False) -> Translation:
    """Translate ``doc`` to the final fragment + vertex sources with line maps.

    ``glsl_version`` (one of :data:`GLSL_VERSIONS`) is the ``#version`` they declare; None
    chooses by what the shader needs (:func:`needed_glsl_version`); ``flip_y`` compiles the
    upside-down drawing machinery in (``isf_FlipY``; see the module notes).  Raises
    :class:`CompileError` (message ``file:line: …`` in the .fs/.vs) for IMG_* misuse and
    unterminated comments; emits :class:`ISFWarning` for dropped GLES-only extensions.
    """
    names = {n: glsl_identifier(n) for n in doc.image_names()}
    names.update((i.name, glsl_identifier(i.name)) for i in doc.inputs)
    renamed = {n: g for n, g in names.items() if n != g}
    images = frozenset(names[n] for n in doc.image_names())
    cubes = frozenset(glsl_identifier(n) for n in doc.cube_names())
    fs_name = doc.name
    uniforms = tuple(_uniforms(doc))
    declared = {n: u.glsl_type for u in uniforms for n in (u.name, u.key)}
    fr = _Rewriter(_normalize_newlines(doc.fragment_source), "fragment", fs_name,
                   doc.body_line_offset, images, cubes, renamed, declared)
    fs_text = fr.run()
    if doc.vertex_source is not None:
        vs_file: str | None = str(doc.vertex_path) if doc.vertex_path is not None else "<vertex>"
        vs_src = _normalize_newlines(doc.vertex_source).removeprefix("\ufeff")
        vr = _Rewriter(vs_src, "vertex", str(vs_file), 0, images, cubes, renamed, declared)
    else:
        vs_file, vs_src = None, ""
        vr = _Rewriter(_DEFAULT_VERTEX_BODY, "vertex", "<default vertex shader>", 0, images,
                       cubes, renamed, declared)
    vs_text = vr.run()
    for msg in fr.edits.warnings + vr.edits.warnings:
        warnings.warn(msg, ISFWarning, stacklevel=2)
    hoisted = tuple(tuple(((r.file, line + r.line_offset), text) for line, text in r.edits.hoisted)
                    for r in (fr, vr))
    parts = _Parts(uniforms, fs_text, frozenset(fr.helpers), fs_name,
                   doc.body_line_offset, vs_text, frozenset(vr.helpers), vs_file,
                   (hoisted[0], hoisted[1] if vs_file is not None else ()),
                   needed_glsl_version(fr.edits, vr.edits))
    sources = {fs_name: _normalize_newlines(doc.source).split("\n")}
    if vs_file is not None:
        sources[vs_file] = vs_src.split("\n")
    return _finish(parts, sources, parts.needed_version if glsl_version is None else glsl_version,
                   flip_y)


def needed_glsl_version(*edits: Edits) -> int:
    """The ``#version`` a shader needs (docs/semantics.md, "GLSL translation"): the highest
    desktop ``#version`` its files declare where that is above :data:`GLSL_VERSION` (``#version
    410`` asks for 4.10 features), else :data:`GLSL_VERSION`.  ES and 1.x versions (``100``,
    ``300 es``, ``120``) compile as 3.30.  Implicit int->uint conversions GLSL 4.00 allows are
    written out where the translation's small type inference sees them
    (:mod:`offscreen_isf.isf.uintfix`); for the rest the renderer retries a failed 3.30
    compile at 4.00 (:meth:`~offscreen_isf.gl.program.Program.from_translation`)."""
    declared = [number for number, profile in (e.version for e in edits if e.version)
                if profile != "es" and number in GLSL_VERSIONS]
    return max([GLSL_VERSION, *declared])


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
                               parts.fragment_file, parts.fragment_line0, _FRAGMENT_MAIN,
                               parts.hoisted[0])
    vert_prelude = [*head, "layout(location = 0) in vec2 isf_position;",
                    switch, *_declarations(parts.uniforms, "out"),
                    *_VERTEX_GLOBALS.rstrip("\n").split("\n"),
                    *_VERTEX_INIT.rstrip("\n").split("\n")]
    vertex, vmap = _assemble(vert_prelude, parts.vertex_helpers, parts.vertex_body,
                             parts.vertex_file, 0, _VERTEX_MAIN, parts.hoisted[1])
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
    by the original source line (indented); unrecognised log lines are kept.  A message located
    in generated code names the user's line nearest to it: the last line of the body for code
    after it (an unclosed ``{`` is reported at the end of the file), the first for code before
    it, with a note saying so; a log never points into generated code.
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
        origin, note = _nearest_origin(translation, st, gline)
        if origin is not None:
            file, line = origin
            src_lines = translation.sources.get(file, [])
            quote = src_lines[line - 1] if 1 <= line <= len(src_lines) else ""
            out.append(f"{file}:{line}: {msg}{note}")
        else:   # a translation without any user line (not made from a file)
            out.append(f"<generated {st} shader>:{gline}: {msg}")
            quote = gen_lines[gline - 1] if 1 <= gline <= len(gen_lines) else ""
        if quote.strip():
            out.append("    " + quote.strip())
    return "\n".join(out)


def _nearest_origin(translation: Translation, stage: str, gline: int) -> tuple[Origin, str]:
    """The user line of generated line ``gline``, or the nearest one with a note saying where
    the driver located the message (after / before the body)."""
    origin = translation.origin(stage, gline)
    if origin is not None:
        return origin, ""
    m = translation.fragment_map if stage == "fragment" else translation.vertex_map
    after = next((o for o in m[gline:] if o is not None), None)
    if after is not None:
        return after, " (reported in code generated before this line)"
    before = [o for o in m[:max(gline - 1, 0)] if o is not None]
    written = [o for o in before if _quote(translation, o).strip()]   # the last non-blank line
    if not before:
        return None, ""
    return (written or before)[-1], " (reported at the end of the shader)"


def _quote(translation: Translation, origin: tuple[str, int]) -> str:
    """The user's source line at ``origin`` ('' when unknown)."""
    lines = translation.sources.get(origin[0], [])
    return lines[origin[1] - 1] if 1 <= origin[1] <= len(lines) else ""
