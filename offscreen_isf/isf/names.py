"""Every name the ISF language and its GLSL translation claim: the one place for that fact.

Pure data (no GL, no imports from the package).  Inputs, IMPORTED images and pass TARGETs
all become GLSL uniforms of the generated shaders, so they share one namespace with:

* the ISF built-in uniforms (:data:`BUILTIN_UNIFORMS`, docs/semantics.md "Built-in uniforms");
* every identifier the translation emits or calls itself (:data:`GENERATED_NAMES`, including
  the per-image uniforms ``_NAME_imgRect`` / ``_NAME_imgSize`` / ``_NAME_flip``, a pattern
  checked by :func:`is_image_aux_name`);
* the identifiers the translation rewrites token by token (:data:`RENAMED_NAMES`);
* GLSL 3.30 keywords and reserved words (:data:`GLSL_KEYWORDS`) and the ``gl_`` prefix.

:func:`reserved_reason` answers "may a header entry be called this?" for the parser
(:mod:`offscreen_isf.isf.document`), :func:`glsl_identifier` what it is called in the GLSL
(words the compiled GLSL reserves but the author's did not are renamed, not refused); :mod:`offscreen_isf.isf.translate` takes the names it
emits from here, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["BUILTIN_UNIFORMS", "FLIP_UNIFORM", "GENERATED_UNIFORMS", "IMAGE_AUX",
           "image_aux_names", "is_image_aux_name", "GENERATED_NAMES", "RENAMED_NAMES",
           "GLSL_KEYWORDS", "AUTHOR_KEYWORDS", "FUNCTION_NAMES", "RENAME_PREFIX",
           "RENAMED_HEADER_NAMES", "RESERVED_PREFIXES", "RESERVED_NAMES", "reserved_reason",
           "glsl_identifier"]

#: ISF built-in uniforms -> GLSL type, in declaration order (docs/semantics.md "Built-in
#: uniforms").  Seconds for TIME / TIMEDELTA; DATE = (year, month 1-12, day 1-31, seconds in
#: the day); RENDERSIZE in pixels of the pass being drawn; PASSINDEX / FRAMEINDEX 0-based.
BUILTIN_UNIFORMS: Final[Mapping[str, str]] = {
    "PASSINDEX": "int", "RENDERSIZE": "vec2", "TIME": "float", "TIMEDELTA": "float",
    "DATE": "vec4", "FRAMEINDEX": "int",
}

#: The uniform that selects upside-down drawing (docs/semantics.md "Coordinates and orientation").
FLIP_UNIFORM: Final = "isf_FlipY"

#: Every uniform the translation declares before the per-input ones, in declaration order.
GENERATED_UNIFORMS: Final[Mapping[str, str]] = {**BUILTIN_UNIFORMS, FLIP_UNIFORM: "vec2"}

#: Per-sampler uniforms: (name pattern, GLSL type, role).  ``{}`` is the sampler's name.
IMAGE_AUX: Final[tuple[tuple[str, str, str], ...]] = (
    ("_{}_imgRect", "vec4", "image_rect"),
    ("_{}_imgSize", "vec2", "image_size"),
    ("_{}_flip", "bool", "image_flip"),
)
_AUX_SUFFIXES: Final = tuple(fmt[len("_{}"):] for fmt, _, _ in IMAGE_AUX)


def image_aux_names(sampler: str) -> tuple[str, ...]:
    """The per-image uniforms generated for ``sampler`` (``_s_imgRect``, ``_s_imgSize``, ``_s_flip``)."""
    return tuple(fmt.format(sampler) for fmt, _, _ in IMAGE_AUX)


def is_image_aux_name(name: str) -> bool:
    """True when ``name`` has the shape of a generated per-image uniform (``_X_imgSize`` …).

    A prefix/suffix rule rather than a lookup: whether ``X`` is an image is only known once the
    whole header is read, and such a name is confusing even where it would not clash.
    """
    return any(name.startswith("_") and name.endswith(sfx) and len(name) > len(sfx) + 1
               for sfx in _AUX_SUFFIXES)


#: Identifiers the generated GLSL declares or defines itself (uniforms, varyings, outputs,
#: helper functions, their parameters and locals, the flip switch macro).
GENERATED_NAMES: Final[frozenset[str]] = frozenset({
    *GENERATED_UNIFORMS,
    "isf_FragNormCoord", "isf_FragColor", "isf_position", "isf_vertShaderInit", "isf_main",
    "isf_FragCoord", "isf_FrontFacing", "isf_dFdy", "ISF_FLIP_Y",
    "VVSAMPLER_2DBYPIXEL", "VVSAMPLER_2DBYNORM", "ISF_THIS_PIXEL",
    "isf_s", "isf_rect", "isf_size", "isf_flip", "isf_loc", "isf_bias", "isf_ts", "isf_k",
    "main",
    # GLSL built-in functions the generated code calls: a uniform of that name would hide them
    "texture", "textureProj", "textureLod", "textureProjLod", "textureGrad", "texelFetch",
    "textureSize", "clamp", "dFdy",
})

#: Identifiers the translation rewrites wherever they appear in a shader body (GLSL 1.10
#: names to 3.30 core, ISF v1 names, and the hooks of upside-down drawing): a header entry of
#: that name would be declared under one name and used under another.
RENAMED_NAMES: Final[frozenset[str]] = frozenset({
    "texture2D", "texture2DRect", "texture1D", "texture3D", "textureCube", "shadow2D",
    "texture2DProj", "texture2DRectProj", "texture1DProj", "texture3DProj",
    "texture2DLod", "texture1DLod", "texture3DLod", "textureCubeLod", "texture2DProjLod",
    "texture2DGradARB",
    "vv_FragNormCoord", "vv_vertShaderInit",
    "gl_FragColor", "gl_FragCoord", "gl_FrontFacing", "varying", "attribute", "main", "dFdy",
    "texture2DLodEXT", "texture2DProjLodEXT", "textureCubeLodEXT", "texture2DGradEXT",
    "texture2DProjGradEXT", "textureCubeGradEXT", "shadow2DEXT", "shadow2DProjEXT",
    "gl_FragDepthEXT",
    # the IMG_* macros are expanded by the translation
    "IMG_PIXEL", "IMG_NORM_PIXEL", "IMG_THIS_PIXEL", "IMG_THIS_NORM_PIXEL", "IMG_SIZE",
})

#: GLSL 3.30 keywords and reserved words (the version the translation targets), and the later
#: keywords drivers reserve whatever the version (Mesa refuses ``sample`` in a 330 shader).
GLSL_KEYWORDS: Final[frozenset[str]] = frozenset("""
attribute const uniform varying layout centroid flat smooth noperspective break continue do
for while switch case default if else in out inout float int void bool true false invariant
discard return mat2 mat3 mat4 mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 mat4x3 mat4x4
vec2 vec3 vec4 ivec2 ivec3 ivec4 bvec2 bvec3 bvec4 uint uvec2 uvec3 uvec4 lowp mediump highp
precision sampler1D sampler2D sampler3D samplerCube sampler1DShadow sampler2DShadow
samplerCubeShadow sampler1DArray sampler2DArray sampler1DArrayShadow sampler2DArrayShadow
isampler1D isampler2D isampler3D isamplerCube isampler1DArray isampler2DArray usampler1D
usampler2D usampler3D usamplerCube usampler1DArray usampler2DArray sampler2DRect
sampler2DRectShadow isampler2DRect usampler2DRect samplerBuffer isamplerBuffer usamplerBuffer
sampler2DMS isampler2DMS usampler2DMS sampler2DMSArray isampler2DMSArray usampler2DMSArray
struct
common partition active asm class union enum typedef template this packed goto inline
noinline volatile public static extern external interface long short double half fixed
unsigned superp input output hvec2 hvec3 hvec4 dvec2 dvec3 dvec4 fvec2 fvec3 fvec4
sampler3DRect filter image1D image2D image3D imageCube iimage1D iimage2D iimage3D iimageCube
uimage1D uimage2D uimage3D uimageCube image1DArray image2DArray iimage1DArray iimage2DArray
uimage1DArray uimage2DArray image1DShadow image2DShadow image1DArrayShadow
image2DArrayShadow imageBuffer iimageBuffer uimageBuffer sizeof cast namespace using
row_major
sample patch subroutine precise
""".split())

#: GLSL keywords of the languages ISF files are written in (GLSL 1.10/1.20 and GLSL ES 1.00):
#: no host accepts them as names, so a header entry called one is a shader bug, not a dialect
#: difference.  Every other word of :data:`GLSL_KEYWORDS` is renamed (:func:`glsl_identifier`).
AUTHOR_KEYWORDS: Final[frozenset[str]] = frozenset("""
attribute const uniform varying break continue do for while if else in out inout float int void
bool true false discard return mat2 mat3 mat4 vec2 vec3 vec4 ivec2 ivec3 ivec4 bvec2 bvec3 bvec4
sampler1D sampler2D sampler3D samplerCube sampler1DShadow sampler2DShadow struct invariant
centroid mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 mat4x3 mat4x4 lowp mediump highp
precision
""".split())

#: GLSL built-in functions the generated code calls or the translation maps user calls to: a
#: header entry of that name is renamed, and a body use of the name is renamed too unless it
#: is a call (``texture(...)`` stays the function).  docs/semantics.md, "GLSL translation".
FUNCTION_NAMES: Final[frozenset[str]] = frozenset({
    "texture", "textureProj", "textureLod", "textureProjLod", "textureGrad", "textureProjGrad",
    "texelFetch", "textureSize", "clamp", "dFdy",
    "texture2D", "texture2DRect", "texture1D", "texture3D", "textureCube", "shadow2D",
    "texture2DProj", "texture2DRectProj", "texture1DProj", "texture3DProj", "texture2DLod",
    "texture1DLod", "texture3DLod", "textureCubeLod", "texture2DProjLod", "texture2DGradARB",
    "texture2DLodEXT", "texture2DProjLodEXT", "textureCubeLodEXT", "texture2DGradEXT",
    "texture2DProjGradEXT", "textureCubeGradEXT", "shadow2DEXT", "shadow2DProjEXT",
})

#: Where a renamed name goes: ``sample`` becomes ``isf_n_sample`` (and its per-image uniforms
#: ``_isf_n_sample_imgSize`` ...).  No header entry may start with it, so renames never collide.
RENAME_PREFIX: Final = "isf_n_"

#: Prefixes no header entry may use: GLSL reserves ``gl_``; the renames use RENAME_PREFIX.
RESERVED_PREFIXES: Final[tuple[str, ...]] = ("gl_", RENAME_PREFIX)

#: Names a header entry may take although the compiled GLSL reserves them: the translation
#: renames them (header declaration and body uses together, see :func:`glsl_identifier`).
RENAMED_HEADER_NAMES: Final[frozenset[str]] = (
    (GLSL_KEYWORDS - AUTHOR_KEYWORDS) | FUNCTION_NAMES)

#: Every exact name a header entry may not take: ISF built-ins, generated identifiers, the
#: words the translation rewrites, and the keywords of the authors' GLSL.
RESERVED_NAMES: Final[frozenset[str]] = (
    frozenset(BUILTIN_UNIFORMS) | GENERATED_NAMES | RENAMED_NAMES | AUTHOR_KEYWORDS
) - RENAMED_HEADER_NAMES

_REASONS: Final[tuple[tuple[frozenset[str], str], ...]] = (
    (frozenset(BUILTIN_UNIFORMS), "built-in ISF/GLSL name"),
    (GENERATED_NAMES, "the generated GLSL declares it"),
    (RENAMED_NAMES, "the GLSL translation rewrites it"),
    (AUTHOR_KEYWORDS, "GLSL keyword"),
)


def reserved_reason(name: str) -> str | None:
    """Why ``name`` may not name an input / IMPORTED image / TARGET, or None when it may.

    Names the compiled GLSL reserves but the author's GLSL did not (``sample``, ``filter``,
    ``texture``, ...) are allowed: :func:`glsl_identifier` renames them.  The parser words its
    ParseError as ``"NAME" is reserved (<reason>)``.
    """
    if name.startswith(RESERVED_PREFIXES):
        return ("built-in ISF/GLSL name" if name.startswith("gl_")
                else f"the GLSL translation renames reserved words to {RENAME_PREFIX}*")
    if name in RENAMED_HEADER_NAMES:
        return None
    for names, reason in _REASONS:
        if name in names:
            return reason
    if is_image_aux_name(name):
        return "the generated GLSL declares _NAME_imgRect / _NAME_imgSize / _NAME_flip per image"
    return None


def glsl_identifier(name: str) -> str:
    """The GLSL identifier of header entry ``name``: ``name`` itself, or ``isf_n_<name>`` when
    the compiled GLSL reserves it (:data:`RENAMED_HEADER_NAMES`).  Public APIs keep ``name``."""
    return RENAME_PREFIX + name if name in RENAMED_HEADER_NAMES else name
