"""Drop-in replacement for ``pyvvisf``: change ``import pyvvisf`` to
``from offscreen_isf.compat import pyvvisf`` and keep the rest of the code.

Both APIs are here, side by side (their names do not clash):

* **0.2** (pybind11 bindings of VVISF-GL): ``CreateISFSceneRef``, ``CreateISFDocRefWith`` /
  ``CreateISFDocRef``, ``scene.use_doc``, ``scene.set_value_for_input_named`` with
  ``ISFFloatVal`` / ``ISFBoolVal`` / ``ISFLongVal`` / ``ISFColorVal`` / ``ISFPoint2DVal`` /
  ``ISFImageVal`` and the pseudo-inputs ``TIME``, ``RENDERSIZE.x``, ``RENDERSIZE.y``, ``Size``,
  ``scene.create_and_render_a_buffer(size)`` -> :class:`GLBuffer` (``np.asarray(buf)``,
  ``buf.to_pil_image()``), ``initialize_glfw_context`` / ``reinitialize_glfw_context`` /
  ``cleanup_glfw_context``, ``GLBufferPool().cleanup()`` / ``.force_cleanup()``.
* **0.9** (pure Python): ``ISFRenderer(shader_content, vertex_shader_content, glsl_version)``,
  ``set_input`` / ``set_inputs``, ``render(width, height, inputs, metadata, time_offset)`` ->
  :class:`RenderResult` (``.array``, ``.to_pil_image()``), ``save_render``, ``cleanup``,
  ``ISFParser``, ``ISFMetadata``, ``ISFColor``, ``ISFPoint2D``, the error classes,
  ``get_supported_glsl_versions``.

The 0.9 modules are here too (``.errors``, ``.types``, ``.parser``, ``.renderer``,
``.result``, ``.glsl_versions``), so ``from pyvvisf.parser import ISFParser`` ports by
changing the prefix; ``offscreen_isf.compat.install_pyvvisf_alias()`` makes ``import pyvvisf``
itself resolve here.

Both render through one shared headless :class:`offscreen_isf.Context` (EGL, OSMesa or CGL,
chosen by ``$OFFSCREEN_ISF_BACKEND`` or the platform default; "glfw" survives only in the
function names).  Frames are top row first.  Every failure raises an
``offscreen_isf.ISFError``; the 0.9 API raises pyvvisf 0.9's classes (``pyvvisf.ISFError``
and its subclasses, themselves offscreen-isf errors).  The differences from
pyvvisf are listed in ``docs/migrating-from-pyvvisf.md``.
"""

from __future__ import annotations

import offscreen_isf as _oi

from .._v02 import (
    PSEUDO_INPUTS,
    CreateGLBufferRef,
    CreateISFDocRef,
    CreateISFDocRefWith,
    CreateISFSceneRef,
    CreateISFSceneRefUsing,
    GLBuffer,
    GLBufferPool,
    GLContextManager,
    ISFAttr,
    ISFBoolVal,
    ISFColorVal,
    ISFDoc,
    ISFEventVal,
    ISFFileType,
    ISFFileType_All,
    ISFFileType_Filter,
    ISFFileType_None,
    ISFFileType_Source,
    ISFFileType_Transition,
    ISFFloatVal,
    ISFImageVal,
    ISFLongVal,
    ISFNullVal,
    ISFPoint2DVal,
    ISFScene,
    ISFVal,
    ISFValType,
    ISFValType_Audio,
    ISFValType_AudioFFT,
    ISFValType_Bool,
    ISFValType_Color,
    ISFValType_Cube,
    ISFValType_Event,
    ISFValType_Float,
    ISFValType_Image,
    ISFValType_Long,
    ISFValType_None,
    ISFValType_Point2D,
    Point,
    Rect,
    Size,
    VVISFError,
    cleanup_glfw_context,
    cleanup_scene_state,
    file_is_probably_isf,
    get_default_isf_files,
    get_gl_info,
    get_platform_info,
    initialize_glfw_context,
    is_vvisf_available,
    isf_file_type_to_string,
    isf_val_type_to_string,
    isf_val_type_uses_image,
    plain_value,
    reinitialize_glfw_context,
    reset_gl_context_state,
    scan_for_isf_files,
    shared_context,
)
from .._v09 import (
    ContextError,
    ISFBool,
    ISFColor,
    ISFError,
    ISFFloat,
    ISFInput,
    ISFInt,
    ISFMetadata,
    ISFParseError,
    ISFParser,
    ISFPass,
    ISFPoint2D,
    ISFRenderer,
    ISFValue,
    RenderingError,
    RenderResult,
    ShaderCompilationError,
    ShaderRenderingError,
    ShaderValidationError,
    ValidationError,
    coerce_to_isf_value,
    get_supported_glsl_versions,
)
from . import errors, glsl_versions, parser, renderer, result, types

#: offscreen-isf's version (this module mirrors pyvvisf's 0.2 and 0.9 APIs)
__version__ = _oi.__version__
#: the pyvvisf API versions this module mirrors
PYVVISF_APIS = ("0.2", "0.9")

__all__ = [
    # 0.2: context
    "initialize_glfw_context", "reinitialize_glfw_context", "cleanup_glfw_context", "get_gl_info",
    "GLContextManager", "get_platform_info", "is_vvisf_available", "reset_gl_context_state",
    "cleanup_scene_state",
    # 0.2: values
    "ISFValType", "ISFFileType", "ISFVal", "ISFNullVal", "ISFEventVal", "ISFBoolVal",
    "ISFLongVal", "ISFFloatVal", "ISFPoint2DVal", "ISFColorVal", "ISFImageVal",
    "isf_val_type_to_string", "isf_val_type_uses_image", "isf_file_type_to_string",
    "ISFValType_None", "ISFValType_Event", "ISFValType_Bool", "ISFValType_Long",
    "ISFValType_Float", "ISFValType_Point2D", "ISFValType_Color", "ISFValType_Cube",
    "ISFValType_Image", "ISFValType_Audio", "ISFValType_AudioFFT", "ISFFileType_None",
    "ISFFileType_Source", "ISFFileType_Filter", "ISFFileType_Transition", "ISFFileType_All",
    # 0.2: geometry, documents, scenes, buffers
    "Point", "Size", "Rect", "ISFAttr", "ISFDoc", "CreateISFDocRef", "CreateISFDocRefWith",
    "ISFScene", "CreateISFSceneRef", "CreateISFSceneRefUsing", "GLBuffer", "CreateGLBufferRef",
    "GLBufferPool", "VVISFError", "file_is_probably_isf", "scan_for_isf_files",
    "get_default_isf_files",
    # 0.9
    "ISFRenderer", "RenderResult", "ISFParser", "ISFMetadata", "ISFInput", "ISFPass",
    "ISFValue", "ISFColor", "ISFPoint2D", "ISFFloat", "ISFInt", "ISFBool",
    "get_supported_glsl_versions", "ISFError", "ISFParseError", "ShaderCompilationError",
    "RenderingError", "ContextError", "ValidationError", "ShaderValidationError",
    "ShaderRenderingError", "coerce_to_isf_value",
    # 0.9's modules: ``from offscreen_isf.compat.pyvvisf.parser import ISFParser``
    "errors", "types", "parser", "renderer", "result", "glsl_versions",
    # offscreen-isf extras
    "shared_context", "plain_value", "PSEUDO_INPUTS", "PYVVISF_APIS", "__version__",
]
