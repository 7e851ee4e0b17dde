"""One test per test of pyvvisf 0.2.0's own suite, through ``offscreen_isf.compat.pyvvisf``.

pyvvisf 0.2.0 (the VVISF-GL bindings) had 42 tests in nine modules.  Each has a counterpart
here named ``test_<module>__<case>`` (the upstream names without their ``test_`` prefixes),
written for this project: same behaviour, our shaders and sizes (kept small; where the
upstream case is about a size, that size is used on one axis).  Where upstream accepted a
silent failure we assert the error we raise instead (docs/migrating-from-pyvvisf.md,
"Deliberate differences", 2).  GL cases are marked ``gl`` and run on the backend of
``$OFFSCREEN_ISF_BACKEND``.  :func:`test_every_upstream_case_has_a_counterpart` fails when
one goes missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.compat import pyvvisf

from .conftest import run_child

gl = pytest.mark.gl

#: pyvvisf 0.2.0's test modules and their test functions
UPSTREAM: dict[str, tuple[str, ...]] = {
    "pyvvisf": (
        "import_pyvvisf", "platform_info", "gl_info", "vvisf_availability", "isf_val_types",
        "isf_scene_creation", "isf_doc_creation", "gl_buffer_creation", "isf_val_type_strings"),
    "renderer": ("render_frame_basic", "render_frame_with_inputs"),
    "renderer_crash": ("render_without_glfw_init",),
    "safe_rendering": ("basic_rendering_safe", "multiple_scenes_safe", "rapid_rendering_safe",
                       "memory_pressure_safe"),
    "enhanced_error_handling": (
        "invalid_dimensions_negative_width", "invalid_dimensions_negative_height",
        "invalid_dimensions_zero_width", "invalid_dimensions_zero_height", "excessive_dimensions",
        "scene_without_document", "valid_small_dimensions", "valid_large_dimensions",
        "original_bug_dimensions_still_work", "error_recovery_after_failed_render"),
    "direct_reproduction": ("direct_reproduction_scenario", "stress_test_multiple_renders",
                            "various_problematic_dimensions"),
    "segfault_reproduction": (
        "default_dimensions_should_work", "custom_dimensions_640x480_segfault_bug",
        "various_custom_dimensions", "with_shader_inputs_custom_dimensions",
        "batch_rendering_custom_dimensions", "minimal_reproduction_case"),
    "batch_rendering_fix": ("batch_rendering_basic", "texture_validation", "context_state_management"),
    "auto_coercion": ("auto_coercion_basic_types", "auto_coercion_error_handling",
                      "auto_coercion_with_set_inputs", "auto_coercion_mixed_types"),
}


def fill(rgba: str, inputs: str = "[]") -> str:
    """An ISF file whose every pixel is ``vec4(rgba)``."""
    return f'/*{{"DESCRIPTION": "fill", "INPUTS": {inputs}}}*/\nvoid main() {{ gl_FragColor = vec4({rgba}); }}\n'


def scene_for(text: str) -> Any:
    scene = pyvvisf.CreateISFSceneRef()
    scene.use_doc(pyvvisf.CreateISFDocRefWith(text))
    return scene


def rendered(scene: Any, width: int, height: int) -> np.ndarray:
    """Render ``width`` x ``height`` and check the buffer and its PIL image agree on the size."""
    buf = scene.create_and_render_a_buffer(pyvvisf.Size(width, height))
    assert (buf.size.width, buf.size.height) == (width, height)
    image = buf.to_pil_image()
    assert image.size == (width, height) and image.mode == "RGBA"
    return np.asarray(image)


def assert_rgba(arr: np.ndarray, rgba: tuple[int, int, int, int], atol: int = 2) -> None:
    got = arr.reshape(-1, 4).astype(int)
    assert np.all(np.abs(got - np.array(rgba)) <= atol), (rgba, np.unique(got, axis=0)[:4])


@pytest.fixture
def context() -> Iterator[None]:
    assert pyvvisf.initialize_glfw_context() is True
    yield


# -- test_pyvvisf -----------------------------------------------------------------------------------

def test_pyvvisf__import_pyvvisf() -> None:
    assert pyvvisf.__name__ == "offscreen_isf.compat.pyvvisf" and "0.2" in pyvvisf.PYVVISF_APIS


def test_pyvvisf__platform_info() -> None:
    info = pyvvisf.get_platform_info()
    assert isinstance(info, str) and info.strip()


def test_pyvvisf__gl_info() -> None:
    info = pyvvisf.get_gl_info()
    assert isinstance(info, dict) and isinstance(info["glfw_initialized"], bool)


def test_pyvvisf__vvisf_availability() -> None:
    assert pyvvisf.is_vvisf_available() is True


def test_pyvvisf__isf_val_types() -> None:
    assert pyvvisf.ISFBoolVal(False).get_bool_val() is False
    assert pyvvisf.ISFLongVal(-3).get_long_val() == -3
    assert pyvvisf.ISFFloatVal(0.5).get_double_val() == 0.5
    assert pyvvisf.ISFColorVal(0.0, 0.5, 1.0, 1.0).get_color_val_by_channel(1) == 0.5
    assert pyvvisf.ISFPoint2DVal(3.0, 4.0).get_point_val_by_index(1) == 4.0
    with pytest.raises(oi.InputError):
        pyvvisf.ISFLongVal(1.5)


@gl
def test_pyvvisf__isf_scene_creation(context: None) -> None:
    scene = pyvvisf.CreateISFSceneRef()
    assert scene.doc() is None


def test_pyvvisf__isf_doc_creation() -> None:
    doc = pyvvisf.CreateISFDocRefWith('/*{"DESCRIPTION": "a red fill", "CREDIT": "me"}*/\n'
                                      "void main() { gl_FragColor = vec4(1, 0, 0, 1); }")
    assert isinstance(doc.name(), str) and doc.description() == "a red fill" and doc.credit() == "me"


@gl
def test_pyvvisf__gl_buffer_creation(context: None) -> None:
    size = pyvvisf.Size(12, 34)
    assert (size.width, size.height) == (12, 34) and tuple(size) == (12, 34)
    empty = pyvvisf.CreateGLBufferRef()
    with pytest.raises(oi.ISFError):
        empty.to_pil_image()        # an empty buffer has no pixels (never a blank image)


def test_pyvvisf__isf_val_type_strings() -> None:
    assert pyvvisf.isf_val_type_to_string(pyvvisf.ISFValType_Color).strip()
    assert pyvvisf.isf_val_type_to_string(pyvvisf.ISFValType_Bool) != \
        pyvvisf.isf_val_type_to_string(pyvvisf.ISFValType_Float)
    assert pyvvisf.isf_file_type_to_string(pyvvisf.ISFFileType_Filter).strip()


# -- test_renderer ----------------------------------------------------------------------------------

@gl
def test_renderer__render_frame_basic(context: None) -> None:
    assert_rgba(rendered(scene_for(fill("0.0, 1.0, 1.0, 1.0")), 10, 6), (0, 255, 255, 255))


@gl
def test_renderer__render_frame_with_inputs(context: None) -> None:
    inputs = ('[{"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]},'
              '{"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 2.0}]')
    scene = scene_for(fill("tint.rgb * gain, 1.0", inputs))
    scene.set_value_for_input_named(pyvvisf.ISFColorVal(1.0, 0.5, 0.0, 1.0), "tint")
    scene.set_value_for_input_named(pyvvisf.ISFFloatVal(0.4), "gain")
    assert_rgba(rendered(scene, 8, 8), (102, 51, 0, 255))


# -- test_renderer_crash ----------------------------------------------------------------------------

@gl
def test_renderer_crash__render_without_glfw_init() -> None:
    """A fresh process renders without ever calling initialize_glfw_context()."""
    out = run_child("""
        from offscreen_isf.compat import pyvvisf
        assert pyvvisf.get_gl_info()["glfw_initialized"] is False
        scene = pyvvisf.CreateISFSceneRef()
        scene.use_doc(pyvvisf.CreateISFDocRefWith('/*{}*/\\nvoid main() { gl_FragColor = vec4(0, 0, 1, 1); }'))
        buf = scene.create_and_render_a_buffer(pyvvisf.Size(5, 3))
        print("pixel", tuple(int(v) for v in buf.array[2, 4]), int(buf.size.width), int(buf.size.height))
    """, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pixel (0, 0, 255, 255) 5 3" in out.stdout


# -- test_safe_rendering ----------------------------------------------------------------------------

@gl
def test_safe_rendering__basic_rendering_safe() -> None:
    assert_rgba(rendered(scene_for(fill("1.0, 0.0, 1.0, 1.0")), 7, 5), (255, 0, 255, 255))


@gl
def test_safe_rendering__multiple_scenes_safe() -> None:
    scenes = [scene_for(fill(f"{k * 0.25}, 0.0, 0.0, 1.0")) for k in range(3)]
    reds = [int(rendered(s, 4, 4)[0, 0, 0]) for s in scenes]
    assert [abs(r - k * 64) <= 2 for k, r in enumerate(reds)] == [True] * 3, reds


@gl
def test_safe_rendering__rapid_rendering_safe() -> None:
    scene = scene_for(fill("0.0, 0.0, 1.0, 1.0"))
    frames = [rendered(scene, 6, 6) for _ in range(5)]
    assert all(np.array_equal(frames[0], f) for f in frames[1:])


@gl
def test_safe_rendering__memory_pressure_safe() -> None:
    scene = scene_for(fill("0.5, 0.5, 0.5, 1.0"))
    frames = [rendered(scene, 256, 16) for _ in range(3)]
    assert all(f.shape == (16, 256, 4) for f in frames)


# -- test_enhanced_error_handling -------------------------------------------------------------------

def _size_error(width: int, height: int) -> str:
    with pytest.raises(pyvvisf.RenderingError) as info:
        scene_for(fill("1.0")).create_and_render_a_buffer(pyvvisf.Size(width, height))
    assert isinstance(info.value, oi.ResourceLimitError)
    return str(info.value)


@gl
def test_enhanced_error_handling__invalid_dimensions_negative_width() -> None:
    assert _size_error(-8, 8).startswith("Invalid size")


@gl
def test_enhanced_error_handling__invalid_dimensions_negative_height() -> None:
    assert _size_error(8, -8).startswith("Invalid size")


@gl
def test_enhanced_error_handling__invalid_dimensions_zero_width() -> None:
    assert _size_error(0, 8).startswith("Invalid size")


@gl
def test_enhanced_error_handling__invalid_dimensions_zero_height() -> None:
    assert _size_error(8, 0).startswith("Invalid size")


@gl
def test_enhanced_error_handling__excessive_dimensions() -> None:
    assert _size_error(30000, 30000).startswith("Size too large")


@gl
def test_enhanced_error_handling__scene_without_document() -> None:
    with pytest.raises(oi.ISFError, match=re.compile("doc", re.IGNORECASE)):
        pyvvisf.CreateISFSceneRef().create_and_render_a_buffer(pyvvisf.Size(8, 8))


@gl
def test_enhanced_error_handling__valid_small_dimensions() -> None:
    assert_rgba(rendered(scene_for(fill("0.0, 1.0, 0.0, 1.0")), 1, 1), (0, 255, 0, 255))


@gl
def test_enhanced_error_handling__valid_large_dimensions() -> None:
    arr = rendered(scene_for(fill("1.0, 1.0, 0.0, 1.0")), 4096, 4)
    assert_rgba(arr[:, ::512], (255, 255, 0, 255))


@gl
def test_enhanced_error_handling__original_bug_dimensions_still_work() -> None:
    assert rendered(scene_for(fill("1.0")), 640, 480).shape == (480, 640, 4)


@gl
def test_enhanced_error_handling__error_recovery_after_failed_render() -> None:
    scene = scene_for(fill("0.0, 0.0, 0.0, 1.0"))
    with pytest.raises(oi.ResourceLimitError):
        scene.create_and_render_a_buffer(pyvvisf.Size(-1, -1))
    assert_rgba(rendered(scene, 9, 7), (0, 0, 0, 255))


# -- test_direct_reproduction -----------------------------------------------------------------------

@gl
def test_direct_reproduction__direct_reproduction_scenario(context: None, tmp_path: Path) -> None:
    """The bug report's steps: document, scene, 640x480 render, save as PNG."""
    from PIL import Image

    out = tmp_path / "frame.png"
    rendered_scene = scene_for(fill("1.0"))
    rendered_scene.create_and_render_a_buffer(pyvvisf.Size(640, 480)).to_pil_image().save(out)
    with Image.open(out) as img:
        assert img.size == (640, 480) and img.getpixel((639, 479)) == (255, 255, 255, 255)


@gl
def test_direct_reproduction__stress_test_multiple_renders(context: None) -> None:
    scene = scene_for(fill("0.5, 0.5, 0.5, 1.0"))
    for _ in range(10):
        assert_rgba(rendered(scene, 64, 48), (128, 128, 128, 255))


@gl
def test_direct_reproduction__various_problematic_dimensions(context: None) -> None:
    scene = scene_for(fill("0.8, 0.2, 0.2, 1.0"))
    for width, height in ((640, 4), (4, 480), (320, 2), (1280, 3), (3, 960), (720, 5), (160, 120)):
        assert rendered(scene, width, height).shape == (height, width, 4)


# -- test_segfault_reproduction ---------------------------------------------------------------------

@gl
def test_segfault_reproduction__default_dimensions_should_work(context: None) -> None:
    assert_rgba(rendered(scene_for(fill("1.0, 0.0, 0.0, 1.0")), 1920, 1080)[::270, ::480], (255, 0, 0, 255))


@gl
def test_segfault_reproduction__custom_dimensions_640x480_segfault_bug(context: None) -> None:
    assert_rgba(rendered(scene_for(fill("1.0, 0.0, 0.0, 1.0")), 640, 480)[::120, ::160], (255, 0, 0, 255))


@gl
def test_segfault_reproduction__various_custom_dimensions(context: None) -> None:
    for width, height in ((100, 3), (3, 240), (800, 2), (2, 768), (1280, 1), (512, 4), (1000, 2)):
        arr = rendered(scene_for(fill("0.0, 1.0, 0.0, 1.0")), width, height)   # a fresh scene each
        assert_rgba(arr, (0, 255, 0, 255))


@gl
def test_segfault_reproduction__with_shader_inputs_custom_dimensions(context: None) -> None:
    inputs = ('[{"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 0, 0, 1]},'
              '{"NAME": "gain", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 2.0}]')
    scene = scene_for(fill("tint.rgb * gain, 1.0", inputs))
    scene.set_value_for_input_named(pyvvisf.ISFColorVal(0.0, 1.0, 0.0, 1.0), "tint")
    scene.set_value_for_input_named(pyvvisf.ISFFloatVal(0.5), "gain")
    assert_rgba(rendered(scene, 640, 6), (0, 128, 0, 255))


@gl
def test_segfault_reproduction__batch_rendering_custom_dimensions(context: None) -> None:
    scene = scene_for(fill("1.0, 1.0, 0.0, 1.0"))
    assert all(rendered(scene, 640, 4).shape == (4, 640, 4) for _ in range(5))


@gl
def test_segfault_reproduction__minimal_reproduction_case(context: None) -> None:
    text = '/*{\n    "DESCRIPTION": "minimal",\n    "INPUTS": []\n}*/\nvoid main() { gl_FragColor = vec4(1.0); }'
    assert_rgba(rendered(scene_for(text), 640, 480)[::96, ::128], (255, 255, 255, 255))


# -- test_batch_rendering_fix -----------------------------------------------------------------------

@gl
def test_batch_rendering_fix__batch_rendering_basic(context: None) -> None:
    """Render, read back, clean the pool between frames: every frame still has its pixels."""
    scene = scene_for(fill("1.0, 0.0, 0.0, 1.0"))
    for _ in range(5):
        assert_rgba(rendered(scene, 10, 10), (255, 0, 0, 255))
        assert isinstance(scene.cleanup(), int)


@gl
def test_batch_rendering_fix__texture_validation(context: None) -> None:
    scene = scene_for(fill("0.0, 1.0, 0.0, 1.0"))
    for side in (5, 10, 20):
        assert_rgba(rendered(scene, side, side), (0, 255, 0, 255))
    scene.cleanup()


@gl
def test_batch_rendering_fix__context_state_management(context: None) -> None:
    for k in range(3):
        scene = scene_for(fill(f"{k * 0.5}, 0.0, 0.0, 1.0"))
        assert abs(int(rendered(scene, 8, 8)[4, 4, 0]) - k * 128) <= 2
        pyvvisf.reset_gl_context_state()
        scene.cleanup()


# -- test_auto_coercion -----------------------------------------------------------------------------

KINDS = ('[{"NAME": "on", "TYPE": "bool", "DEFAULT": false},'
         '{"NAME": "count", "TYPE": "long", "DEFAULT": 0},'
         '{"NAME": "level", "TYPE": "float", "DEFAULT": 0.0},'
         '{"NAME": "where", "TYPE": "point2D", "DEFAULT": [0, 0]},'
         '{"NAME": "tint", "TYPE": "color", "DEFAULT": [0, 0, 0, 1]}]')


@gl
def test_auto_coercion__auto_coercion_basic_types() -> None:
    with pyvvisf.ISFRenderer(fill("float(on), float(count) / 4.0, level, 1.0", KINDS)) as r:
        for name, value in (("on", 1), ("on", 0.0), ("on", True), ("count", 2.9), ("count", 2),
                            ("level", 1), ("level", 0.5), ("where", (10.0, 20.0)), ("where", [1.0, 2.0]),
                            ("tint", (0.0, 1.0, 0.0)), ("tint", (1.0, 0.0, 0.0, 0.5))):
            r.set_input(name, value)
        assert_rgba(r.render(4, 4).array, (255, 128, 128, 255))


def test_auto_coercion__auto_coercion_error_handling() -> None:
    with pyvvisf.ISFRenderer(fill("level, 0.0, 0.0, 1.0", KINDS)) as r:
        with pytest.raises(pyvvisf.ShaderRenderingError, match="Cannot convert str to float"):
            r.set_input("level", "high")
        with pytest.raises(pyvvisf.ShaderRenderingError, match="Cannot convert tuple to Color"):
            r.set_input("tint", (0.5, 0.5))
        with pytest.raises(pyvvisf.ShaderRenderingError, match="values must be numbers"):
            r.set_input("tint", ("r", "g", "b"))
        assert pyvvisf.ShaderRenderingError is pyvvisf.RenderingError


@gl
def test_auto_coercion__auto_coercion_with_set_inputs() -> None:
    with pyvvisf.ISFRenderer(fill("float(on), level, 0.0, 1.0", KINDS)) as r:
        r.set_inputs({"on": True, "level": 0.5, "tint": (1.0, 0.0, 0.0)})
        current = r.get_current_inputs()
        assert set(current) == {"on", "count", "level", "where", "tint"}
        assert current["on"] is True and current["level"] == 0.5
        assert tuple(current["tint"]) == (1.0, 0.0, 0.0, 1.0)
        current["level"] = 0.0                       # a copy: changes nothing
        assert_rgba(r.render(4, 4).array, (255, 128, 0, 255))


@gl
def test_auto_coercion__auto_coercion_mixed_types() -> None:
    with pyvvisf.ISFRenderer(fill("tint.rgb * level, 1.0", KINDS)) as r:
        r.set_input("level", 0.5)
        r.set_input("tint", pyvvisf.ISFColorVal(0.0, 1.0, 0.0, 1.0))
        assert_rgba(r.render(4, 4).array, (0, 128, 0, 255))


# -- completeness -----------------------------------------------------------------------------------

def test_every_upstream_case_has_a_counterpart() -> None:
    """Every upstream test has exactly one counterpart here, and nothing else is named so."""
    expected = {f"test_{module}__{case}" for module, cases in UPSTREAM.items() for case in cases}
    assert sum(len(c) for c in UPSTREAM.values()) == len(expected) == 42
    present = {name for name, obj in globals().items()
               if callable(obj) and name.startswith("test_") and "__" in name}
    assert sorted(expected - present) == [] and sorted(present - expected) == []
