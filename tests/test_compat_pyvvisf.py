"""``offscreen_isf.compat.pyvvisf``: pyvvisf code runs with only its import line changed.

* The bug report's four reproduction snippets and three test cases
  (``shared/seed/000_e35bf31e5fa339d8.txt``) are kept verbatim below with ``import pyvvisf``;
  only the ``...`` placeholders are filled in (marked ``# filled in``).  Each runs in a child
  process after :func:`port` rewrote its import line, so a crash is a failed assertion.
* pyvvisf 0.9's documented examples, the same way.
* Then the deliberate differences: right pixels and orientation, errors instead of black
  frames, nothing leaked.

Every render's pixels are checked against the shader's formula (``expect_*`` in PRELUDE).
"""

from __future__ import annotations

import re

import pytest

from .conftest import run_child

NEW_IMPORT = "from offscreen_isf.compat import pyvvisf"


def port(code: str) -> str:
    """Change only the import lines, as a user would."""
    ported, n1 = re.subn(r"(?m)^(\s*)import pyvvisf$", r"\1" + NEW_IMPORT, code)
    ported, n2 = re.subn(r"(?m)^(\s*)from pyvvisf import ", r"\1from offscreen_isf.compat.pyvvisf import ",
                         ported)
    assert n1 + n2 >= 1, "no pyvvisf import to change"
    return ported


def run(code: str, *, check_ok: bool = True) -> str:
    """Run PRELUDE + ``code`` in a child on this run's backend; returns stdout."""
    proc = run_child(PRELUDE + code + "\nprint('OK')\n")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    if check_ok:
        assert proc.stdout.strip().endswith("OK"), proc.stdout
    return proc.stdout


# Helpers available to every child (they do not use pyvvisf).
PRELUDE = r'''
import numpy as np

GRADIENT = """/*{
    "DESCRIPTION": "x, y and TIME as colours",
    "INPUTS": []
}*/
void main() {
    gl_FragColor = vec4(isf_FragNormCoord.x, isf_FragNormCoord.y, fract(TIME / 8.0), 1.0);
}"""


def expect_gray(img, w=64, h=64):
    a = np.asarray(img)
    assert a.shape == (h, w, 4) and a.dtype == np.uint8, (a.shape, a.dtype)
    assert (np.abs(a[..., :3].astype(int) - 128) <= 1).all(), np.unique(a.reshape(-1, 4), axis=0)
    assert (a[..., 3] == 255).all()


def expect_gradient(img, t=0.0, w=64, h=64):
    """red = x, green = y (high at the TOP: frames are top row first), blue = TIME/8."""
    a = np.asarray(img)
    assert a.shape == (h, w, 4) and a.dtype == np.uint8, (a.shape, a.dtype)
    exp = np.empty((h, w, 4))
    exp[..., 0] = ((np.arange(w) + 0.5) / w * 255)[None, :]
    exp[..., 1] = ((np.arange(h) + 0.5) / h * 255)[::-1, None]
    exp[..., 2] = ((t / 8.0) % 1.0) * 255
    exp[..., 3] = 255
    err = np.abs(a.astype(float) - exp).max()
    assert err <= 1.01, f"max error {err} at t={t}"


def expect_color(img, rgba, w, h):
    a = np.asarray(img)
    assert a.shape == (h, w, 4), a.shape
    want = np.round(np.array(rgba, float) * 255)
    assert (np.abs(a.astype(float) - want) <= 1).all(), (np.unique(a.reshape(-1, 4), axis=0), want)


def live_gl_objects():
    from offscreen_isf.compat import pyvvisf as _p
    return sum(_p.get_gl_info()["live_objects"].values())
'''

# -- the bug report, verbatim except the filled-in "..." -------------------------------------

REPORT_SNIPPETS = {
    # Reported problem 1: segfault on the second reinitialize_glfw_context().  (complete in the report)
    "issue1_reinitialize_segfault": '''
import pyvvisf

# Create scene and shader
scene = pyvvisf.CreateISFSceneRef()
shader_content = \'\'\'/*{
    "DESCRIPTION": "Test shader",
    "CREDIT": "Test",
    "CATEGORIES": ["Test"],
    "INPUTS": []
}*/
void main() {
    gl_FragColor = vec4(0.5, 0.5, 0.5, 1.0);
}\'\'\'
doc = pyvvisf.CreateISFDocRefWith(shader_content)
scene.use_doc(doc)

# First render (works fine)
pyvvisf.reinitialize_glfw_context()
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(0.0), "TIME")
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(64.0), "RENDERSIZE.x")
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(64.0), "RENDERSIZE.y")
size = pyvvisf.Size(64, 64)
buffer1 = scene.create_and_render_a_buffer(size)  # Works

# Second render (crashes with SIGSEGV)
pyvvisf.reinitialize_glfw_context()  # This triggers the crash
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(1.0), "TIME")
buffer2 = scene.create_and_render_a_buffer(size)  # Never reached - segfault occurs
''', "issue1_check": '''
expect_gray(buffer1); expect_gray(buffer2)
expect_gray(buffer1.to_pil_image())
assert buffer1.to_pil_image().size == (64, 64)
''',
    # Reported problem 2: GLBufferPool.cleanup() left resources.
    "issue2_pool_cleanup": '''
import pyvvisf

# Create buffer pool
buffer_pool = pyvvisf.GLBufferPool()

# Use buffer pool for rendering
scene = pyvvisf.CreateISFSceneRef()
# ... render operations ...
scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))                     # filled in
buffers = [scene.create_and_render_a_buffer(pyvvisf.Size(w, h), t)       # filled in
           for (w, h, t) in [(64, 64, 0.0), (32, 16, 2.0), (64, 64, 4.0)]]  # filled in

# Cleanup (may not clean up completely)
buffer_pool.cleanup()
''', "issue2_check": '''
for buf, (w, h, t) in zip(buffers, [(64, 64, 0.0), (32, 16, 2.0), (64, 64, 4.0)]):
    expect_gradient(buf, t, w, h)
info = pyvvisf.get_gl_info()
assert info["pool"]["idle"] == 0 and info["pool"]["idle_objects"] == 0, info["pool"]
assert info["live_objects"]["framebuffer"] == 0, info["live_objects"]
# a second cleanup has nothing left to free; the scene still renders
assert buffer_pool.cleanup() == 0
expect_gradient(scene.create_and_render_a_buffer(pyvvisf.Size(64, 64), 1.0), 1.0)
# the one 64x64 target (texture + framebuffer), plus its readback staging target on GPUs
# that flip rows with a blit (offscreen_isf.gl.readback.best_flip_mode)
assert buffer_pool.cleanup() in (2, 4)
''',
    # Reported problem 3: cleanup_glfw_context() did not exist.
    "issue3_cleanup_exists": '''
import pyvvisf

# Initialize context
pyvvisf.initialize_glfw_context()

# Use context for rendering
# ... rendering operations ...
scene = pyvvisf.CreateISFSceneRef()                                       # filled in
scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))                      # filled in
buffer = scene.create_and_render_a_buffer(pyvvisf.Size(64, 64), 3.0)      # filled in

# Try to cleanup (method doesn't exist)
pyvvisf.cleanup_glfw_context()  # AttributeError: module 'pyvvisf' has no attribute 'cleanup_glfw_context'
''', "issue3_check": '''
assert live_gl_objects() == 0
assert not pyvvisf.get_gl_info()["glfw_initialized"]
expect_gradient(buffer, 3.0)               # CPU pixels outlive the context
pyvvisf.cleanup_glfw_context()             # repeated: harmless
''',
    # Reported problem 4: batch rendering with cleanup + reinitialize crashed on iterations 2-5.
    "issue4_batch": '''
import pyvvisf

scene = pyvvisf.CreateISFSceneRef()
# ... setup shader ...
scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))   # filled in
buffer_pool = pyvvisf.GLBufferPool()                   # filled in
size = pyvvisf.Size(64, 64)                            # filled in

for i in range(5):
    # This pattern causes instability
    buffer_pool.cleanup()
    pyvvisf.reinitialize_glfw_context()

    scene.set_value_for_input_named(pyvvisf.ISFFloatVal(float(i)), "TIME")
    buffer = scene.create_and_render_a_buffer(size)
    # May crash on iterations 2-5
''', "issue4_check": '''
assert i == 4
expect_gradient(buffer, 4.0)
''',
}

REPORT_TESTS = {
    "test_context_reinitialization_stability": '''
def test_context_reinitialization_stability():
    """Test that multiple context reinitializations don't cause crashes."""
    import pyvvisf

    scene = pyvvisf.CreateISFSceneRef()
    # ... setup shader ...
    scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))   # filled in
    size = pyvvisf.Size(64, 64)                            # filled in

    for i in range(10):
        pyvvisf.reinitialize_glfw_context()
        # Should not crash
        buffer = scene.create_and_render_a_buffer(size)
        assert buffer is not None
    expect_gradient(buffer, 0.0)                           # filled in: verify
    print("iterations", i + 1)                             # filled in: verify
''',
    "test_batch_rendering_stability": '''
def test_batch_rendering_stability():
    """Test that batch rendering operations are stable."""
    import pyvvisf

    scene = pyvvisf.CreateISFSceneRef()
    # ... setup shader ...
    scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))   # filled in
    buffer_pool = pyvvisf.GLBufferPool()                   # filled in
    size = pyvvisf.Size(64, 64)                            # filled in
    scene.set_value_for_input_named(pyvvisf.ISFFloatVal(2.0), "TIME")   # filled in

    for i in range(20):
        buffer_pool.cleanup()
        pyvvisf.reinitialize_glfw_context()
        buffer = scene.create_and_render_a_buffer(size)
        # Should complete all 20 renders without crashes
    expect_gradient(buffer, 2.0)                           # filled in: verify
    print("iterations", i + 1)                             # filled in: verify
''',
    "test_resource_cleanup": '''
def test_resource_cleanup():
    """Test that all resources are properly cleaned up."""
    import pyvvisf

    # Create resources
    buffer_pool = pyvvisf.GLBufferPool()
    scene = pyvvisf.CreateISFSceneRef()

    # Use resources
    # ... rendering operations ...
    scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))                  # filled in
    for n, t in [(64, 0.0), (32, 1.0), (64, 5.0)]:                         # filled in
        expect_gradient(scene.create_and_render_a_buffer(pyvvisf.Size(n, n), t), t, n, n)  # filled in

    # Cleanup
    buffer_pool.cleanup()
    pyvvisf.cleanup_glfw_context()  # Should exist

    # Verify cleanup
    # Should not have any remaining OpenGL resources
    info = pyvvisf.get_gl_info()                                           # filled in
    assert not info["glfw_initialized"], info                              # filled in
    assert set(info["live_objects"].values()) == {0}, info["live_objects"] # filled in
    print("iterations", 3, "live", sum(info["live_objects"].values()))    # filled in
''',
}


@pytest.mark.gl
@pytest.mark.parametrize("name", ["issue1_reinitialize_segfault", "issue2_pool_cleanup",
                                  "issue3_cleanup_exists", "issue4_batch"])
def test_report_reproduction_snippet(name: str) -> None:
    """Each reproduction snippet runs (import changed), exits 0 and renders the right pixels."""
    check = REPORT_SNIPPETS[name.split("_")[0] + "_check"]
    run(port(REPORT_SNIPPETS[name]) + check)


@pytest.mark.gl
@pytest.mark.parametrize(("name", "iterations"), [("test_context_reinitialization_stability", 10),
                                                  ("test_batch_rendering_stability", 20),
                                                  ("test_resource_cleanup", 3)])
def test_report_test_case(name: str, iterations: int) -> None:
    """The report's three test cases, ported; 2 completes 20 iterations, 3 leaves 0 objects."""
    out = run(port(REPORT_TESTS[name]) + f"\n{name}()\n")
    assert f"iterations {iterations}" in out, out
    if name == "test_resource_cleanup":
        assert "live 0" in out


def test_port_changes_only_the_import_line() -> None:
    for code in list(REPORT_SNIPPETS.values()) + list(REPORT_TESTS.values()):
        if "pyvvisf" not in code or "import pyvvisf" not in code:
            continue
        before, after = code.splitlines(), port(code).splitlines()
        changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
        assert len(before) == len(after) and len(changed) == 1, changed
        assert changed[0][0].strip() == "import pyvvisf" and changed[0][1].strip() == NEW_IMPORT


# -- 0.2: what the report relies on, checked frame by frame ---------------------------------

@pytest.mark.gl
def test_v02_every_render_checked_across_reinitialize_and_cleanup() -> None:
    """Every frame right, through reinitialize, pool cleanup, context cleanup and lazy re-open;
    buffers are CPU copies that later renders and context changes never touch."""
    run(port('''
import pyvvisf
scene = pyvvisf.CreateISFSceneRef()
scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))
pool = pyvvisf.GLBufferPool()
kept = []
for i in range(6):
    scene.set_value_for_input_named(pyvvisf.ISFFloatVal(float(i)), "TIME")
    buf = scene.create_and_render_a_buffer(pyvvisf.Size(64, 64))
    expect_gradient(buf, float(i))
    kept.append(buf)
    [pool.cleanup, pyvvisf.reinitialize_glfw_context, pyvvisf.cleanup_glfw_context][i % 3]()
for i, buf in enumerate(kept):
    expect_gradient(buf, float(i))            # unchanged by later renders
# explicit render_time wins over TIME; RENDERSIZE pseudo-inputs give the default size
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(16.0), "RENDERSIZE.x")
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(8.0), "RENDERSIZE.y")
expect_gradient(scene.create_and_render_a_buffer(render_time=3.0), 3.0, 16, 8)
assert scene.get_value_for_input_named("TIME").get_double_val() == 5.0
a = np.asarray(kept[0]); assert a.flags.c_contiguous and a.shape == (64, 64, 4)
assert kept[0].size.width == 64 and kept[0].to_pil_image().mode == "RGBA"
pyvvisf.cleanup_glfw_context()
assert live_gl_objects() == 0
'''))


@pytest.mark.gl
def test_v02_value_types_and_images() -> None:
    """ISFColorVal / ISFPoint2DVal / ISFLongVal / ISFBoolVal / ISFFloatVal / image values
    (a GLBuffer, a numpy array) reach the shader; bad names and values raise."""
    run(port('''
import pyvvisf
import offscreen_isf as oi
VALUES = """/*{"INPUTS": [
  {"NAME": "useColor", "TYPE": "bool", "DEFAULT": false},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [0, 0, 0, 1]},
  {"NAME": "amount", "TYPE": "float", "DEFAULT": 0.0, "MIN": 0.0, "MAX": 1.0},
  {"NAME": "steps", "TYPE": "long", "VALUES": [0, 1, 2, 3, 4], "DEFAULT": 0},
  {"NAME": "where", "TYPE": "point2D", "DEFAULT": [0, 0]}
]}*/
void main() {
    gl_FragColor = useColor ? tint : vec4(amount, float(steps) / 4.0, where.x / 64.0, 1.0);
}"""
scene = pyvvisf.CreateISFSceneRef()
scene.use_doc(pyvvisf.CreateISFDocRefWith(VALUES))
size = pyvvisf.Size(8, 4)
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(0.25), "amount")
scene.set_value_for_input_named(pyvvisf.ISFLongVal(2), "steps")
scene.set_value_for_input_named(pyvvisf.ISFPoint2DVal(48.0, 1.0), "where")
expect_color(scene.create_and_render_a_buffer(size), (0.25, 0.5, 0.75, 1), 8, 4)
scene.set_value_for_input_named(pyvvisf.ISFFloatVal(7.0), "amount")       # clamped to MAX
expect_color(scene.create_and_render_a_buffer(size), (1.0, 0.5, 0.75, 1), 8, 4)
scene.set_value_for_input_named(pyvvisf.ISFBoolVal(True), "useColor")
scene.set_value_for_input_named(pyvvisf.ISFColorVal(0.0, 0.2, 1.0, 1.0), "tint")
expect_color(scene.create_and_render_a_buffer(size), (0.0, 0.2, 1.0, 1), 8, 4)
assert scene.get_value_for_input_named("tint").get_color_val_by_channel(1) == 0.2
for bad in [("nope", pyvvisf.ISFFloatVal(1.0)), ("TIMEDELTA", pyvvisf.ISFFloatVal(1.0)),
            ("steps", pyvvisf.ISFColorVal(1, 1, 1, 1))]:
    try:
        scene.set_value_for_input_named(bad[1], bad[0])
    except pyvvisf.ValidationError as exc:
        assert bad[0] != "nope" or "amount" in str(exc), exc   # lists the valid names
    else:
        raise AssertionError(f"{bad} accepted")

# image inputs: a rendered GLBuffer fed to a filter, and a numpy array, top row first
FILTER = """/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage).bgra; }"""
gen = pyvvisf.CreateISFSceneRef(); gen.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))
src = gen.create_and_render_a_buffer(pyvvisf.Size(64, 64), 4.0)
filt = pyvvisf.CreateISFSceneRef(); filt.use_doc(pyvvisf.CreateISFDocRefWith(FILTER))
filt.set_value_for_input_named(pyvvisf.ISFImageVal(src), "inputImage")
out = np.asarray(filt.create_and_render_a_buffer(pyvvisf.Size(64, 64)))
assert (np.abs(out[..., :3].astype(int) - np.asarray(src)[..., 2::-1]) <= 1).all()
img = np.zeros((2, 2, 4), np.uint8); img[0] = (255, 0, 0, 255); img[1] = (0, 0, 255, 255)
filt.set_filter_input_buffer(img)
out = np.asarray(filt.create_and_render_a_buffer(pyvvisf.Size(2, 2)))
assert out[0, 0].tolist() == [0, 0, 255, 255] and out[1, 0].tolist() == [255, 0, 0, 255], out
'''))


@pytest.mark.gl
def test_v02_errors_raise_never_black() -> None:
    """Compile errors, missing documents, bad sizes raise typed errors (no black frame)."""
    run(port('''
import pyvvisf
scene = pyvvisf.CreateISFSceneRef()
def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return str(e)
    raise AssertionError(f"{fn} did not raise {exc}")
raises(pyvvisf.VVISFError, scene.create_and_render_a_buffer, pyvvisf.Size(8, 8))   # no doc
scene.use_doc(pyvvisf.CreateISFDocRefWith("""/*{"INPUTS": []}*/
void main() { gl_FragColor = vec4(undefined_thing, 1.0); }"""))
msg = raises(pyvvisf.ShaderCompilationError, scene.create_and_render_a_buffer, pyvvisf.Size(8, 8))
assert "undefined_thing" in msg, msg
raises(pyvvisf.ISFParseError, pyvvisf.CreateISFDocRefWith, "void main() {}")
raises(pyvvisf.ISFParseError, pyvvisf.CreateISFDocRefWith, "")
scene.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))
raises(pyvvisf.ISFError, scene.create_and_render_a_buffer, pyvvisf.Size(0, 8))
raises(pyvvisf.ISFError, scene.create_and_render_a_buffer, pyvvisf.Size(100000, 8))
raises(pyvvisf.ISFError, scene.create_and_render_a_buffer)            # no size anywhere
raises(pyvvisf.ISFError, np.asarray, pyvvisf.CreateGLBufferRef())      # empty buffer
expect_gradient(scene.create_and_render_a_buffer(pyvvisf.Size(64, 64)))   # still fine
'''))


@pytest.mark.gl
def test_v02_pool_force_cleanup_and_dropped_scenes() -> None:
    """force_cleanup() frees pooled targets in use too (persistent contents survive);
    a scene dropped without release() gives its objects back at the next call."""
    run(port('''
import gc
import pyvvisf
FEEDBACK = """/*{"INPUTS": [], "PASSES": [{"TARGET": "acc", "PERSISTENT": true}, {}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.25, 0.0, 0.0, 0.25);
    else gl_FragColor = IMG_THIS_PIXEL(acc);
}"""
pool = pyvvisf.GLBufferPool()
scene = pyvvisf.CreateISFSceneRef()
scene.use_doc(pyvvisf.CreateISFDocRefWith(FEEDBACK))
size = pyvvisf.Size(4, 4)
expect_color(scene.create_and_render_a_buffer(size), (0.25, 0, 0, 0.25), 4, 4)
expect_color(scene.create_and_render_a_buffer(size), (0.5, 0, 0, 0.5), 4, 4)
assert pool.stats()["in_use"] == 1
freed = pool.force_cleanup()
assert freed > 0 and pool.stats()["idle"] == 0 and pool.stats()["in_use"] == 0, (freed, pool.stats())
assert live_gl_objects() == 0
expect_color(scene.create_and_render_a_buffer(size), (0.75, 0, 0, 0.75), 4, 4)   # kept

# dropped scenes
before = pyvvisf.get_gl_info()["live_objects"]["program"]
for _ in range(5):
    s = pyvvisf.CreateISFSceneRef()
    s.use_doc(pyvvisf.CreateISFDocRefWith(GRADIENT))
    expect_gradient(s.create_and_render_a_buffer(pyvvisf.Size(8, 8)), 0.0, 8, 8)
    del s
    gc.collect()
pool.cleanup()        # any call releases the dropped scenes' objects
assert pyvvisf.get_gl_info()["live_objects"]["program"] == before, pyvvisf.get_gl_info()
scene.release()
pool.cleanup()
assert live_gl_objects() == 0, pyvvisf.get_gl_info()["live_objects"]
'''))


# -- 0.9: the documented examples, import changed -------------------------------------------

V09_EXAMPLES = '''
from pyvvisf import ISFRenderer

# A simple ISF shader (every pixel is the selected color)
test_shader = """
/*{
    "DESCRIPTION": "Every pixel is the selected color.",
    "CREDIT": "pyvvisf example",
    "ISFVSN": "2.0",
    "CATEGORIES": ["Generator"],
    "INPUTS": [
        {"NAME": "color", "TYPE": "color", "DEFAULT": [1.0, 0.0, 0.0, 1.0]}
    ]
}*/
void main() {
    gl_FragColor = color;
}
"""

with ISFRenderer(test_shader) as renderer:
    # Render with the default color (red)
    buffer = renderer.render(512, 512)
    image = buffer.to_pil_image()
    image.save(OUT + "/output_red.png")
    expect_color(buffer.array, (1, 0, 0, 1), 512, 512)

    # Render with a custom color (green)
    renderer.set_input("color", (0.0, 1.0, 0.0, 1.0))
    buffer = renderer.render(512, 512)
    image = buffer.to_pil_image()
    image.save(OUT + "/output_green.png")
    expect_color(buffer.array, (0, 1, 0, 1), 512, 512)

from PIL import Image
expect_color(np.asarray(Image.open(OUT + "/output_red.png")), (1, 0, 0, 1), 512, 512)
expect_color(np.asarray(Image.open(OUT + "/output_green.png")), (0, 1, 0, 1), 512, 512)

# Setting shader inputs with plain Python values
shader_content = """/*{"INPUTS": [
  {"NAME": "scale", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 2.0},
  {"NAME": "color", "TYPE": "color", "DEFAULT": [1.0, 1.0, 1.0, 1.0]},
  {"NAME": "point", "TYPE": "point2D", "DEFAULT": [0.0, 0.0]},
  {"NAME": "flag", "TYPE": "bool", "DEFAULT": true}
]}*/
void main() {
    gl_FragColor = flag ? vec4(color.rgb * scale, 1.0) : vec4(point, 0.0, 1.0);
}"""
renderer = ISFRenderer(shader_content)
renderer.set_input("scale", 1.0)  # float
renderer.set_input("color", [1.0, 0.0, 0.0, 1.0])  # RGBA color as list
renderer.set_input("point", (0.5, 0.5))  # point2D as tuple
renderer.set_input("flag", False)  # boolean
expect_color(renderer.render(8, 8).array, (0.5, 0.5, 0, 1), 8, 8)

# Set multiple inputs at once
renderer.set_inputs({
    "color": [0.0, 1.0, 0.0, 1.0],
    "scale": 0.5,
    "flag": True
})
expect_color(renderer.render(8, 8).array, (0, 0.5, 0, 1), 8, 8)
renderer.cleanup()

# GLSL version support
from pyvvisf import get_supported_glsl_versions, ISFRenderer

# Check which GLSL versions are supported
supported_versions = get_supported_glsl_versions()
print(f"Supported GLSL versions: {supported_versions}")
assert "330" in supported_versions

# Create renderer with specific GLSL version
renderer = ISFRenderer(shader_content, glsl_version='330')
expect_color(renderer.render(4, 4).array, (1, 1, 1, 1), 4, 4)
renderer.cleanup()

# Error handling
from pyvvisf import ISFRenderer, errors

caught = False
try:
    with ISFRenderer("") as renderer:  # Empty shader will fail
        renderer.render()
except errors.ISFError as e:
    print(f"Rendering failed: {e}")
    caught = True
assert caught

# The per-frame pattern of ai-shader-tool: a renderer per frame, PNG each time
import pyvvisf
for i in range(10):
    with pyvvisf.ISFRenderer(GRADIENT) as r:
        result = r.render(64, 64, inputs={}, time_offset=float(i))
        expect_gradient(result.array, float(i))
        result.to_pil_image().save(OUT + f"/frame{i}.png")
assert live_gl_objects() == 0
'''


@pytest.mark.gl
def test_v09_documented_examples(tmp_path) -> None:
    """pyvvisf 0.9's documented examples (docs quick start, inputs, GLSL versions, errors)
    plus ai-shader-tool's per-frame pattern run with the import changed."""
    out = run(f"OUT = {str(tmp_path)!r}\n" + port(V09_EXAMPLES))
    assert "Rendering failed:" in out and "Supported GLSL versions: [" in out
    assert (tmp_path / "frame9.png").is_file()


@pytest.mark.gl
def test_v09_defects_fixed() -> None:
    """Orientation, writable arrays, per-call inputs, image inputs, no program leak on
    reload, errors after cleanup (pyvvisf 0.9 returned black), save_render with time."""
    run(port('''
import os, tempfile
import pyvvisf
r = pyvvisf.ISFRenderer(GRADIENT)
res = r.render(64, 64, time_offset=2.0)
expect_gradient(res.array, 2.0)                      # isf_FragNormCoord.y high at the top
expect_gradient(np.asarray(res), 2.0)
assert res.array.flags.writeable and res.array.flags.c_contiguous
res.array[0, 0] = 0                                  # writable
assert res.to_pil_image().size == (64, 64)

# per-call inputs do not stick; metadata is accepted
SHADER = """/*{"INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
                         {"NAME": "inputImage", "TYPE": "image"}]}*/
void main() { gl_FragColor = vec4(level, IMG_NORM_PIXEL(inputImage, vec2(0.5, 0.9)).r, 0.0, 1.0); }"""
meta = r.load_shader_content(SHADER)
assert [i.name for i in meta.inputs] == ["level", "inputImage"] and meta.inputs[0].default == 0.5
img = np.zeros((4, 1, 4), np.uint8); img[0] = 255   # top row white (top row first)
r.set_input("inputImage", img)
expect_color(r.render(4, 4, inputs={"level": 1.0}, metadata=meta).array, (1, 1, 0, 1), 4, 4)
expect_color(r.render(4, 4).array, (0.5, 1, 0, 1), 4, 4)
expect_color(r.render(4, 4, inputs={"inputImage": np.zeros((2, 2, 3), np.uint8)}).array, (0.5, 0, 0, 1), 4, 4)
expect_color(r.render(4, 4).array, (0.5, 1, 0, 1), 4, 4)
r.set_input("level", pyvvisf.ISFFloat(0.25))        # 0.9 value classes and 0.2 ISFVals both work
expect_color(r.render(4, 4).array, (0.25, 1, 0, 1), 4, 4)
r.set_input("level", pyvvisf.ISFFloatVal(0.75))
expect_color(r.render(4, 4).array, (0.75, 1, 0, 1), 4, 4)

# reloading frees the old program (0.9 leaked one per call)
programs = pyvvisf.get_gl_info()["live_objects"]["program"]
for _ in range(5):
    r.load_shader_content(GRADIENT)
assert pyvvisf.get_gl_info()["live_objects"]["program"] == programs

# save_render (time_offset is an addition)
path = os.path.join(tempfile.mkdtemp(), "t.png")
r.save_render(path, 32, 16, time_offset=4.0)
from PIL import Image
expect_gradient(np.asarray(Image.open(path)), 4.0, 32, 16)

# bad header at construction; bad input names; cleanup then use raises
try:
    pyvvisf.ISFRenderer("""/*{"INPUTS": [}*/\\nvoid main() {}""")
except pyvvisf.ISFParseError:
    pass
else:
    raise AssertionError("bad header accepted")
try:
    r.set_input("missing", 1.0)
except pyvvisf.RenderingError as e:   # pyvvisf 0.9's class and wording, plus the valid names
    assert "Input 'missing' not found" in str(e) and "(inputs: " in str(e), e
else:
    raise AssertionError("unknown input accepted")
r.cleanup(); r.cleanup()
for call in (lambda: r.render(4, 4), lambda: r.set_input("level", 0.1)):
    try:
        call()
    except pyvvisf.ISFError as e:
        assert "cleaned up" in str(e), e
    else:
        raise AssertionError("used after cleanup")
live = pyvvisf.get_gl_info()["live_objects"]
assert live["program"] == live["framebuffer"] == live["vertex_array"] == 0, live
# (textures of replaced image inputs: see test_failed_compiles_and_image_changes_leak_nothing)
pyvvisf.cleanup_glfw_context()
assert live_gl_objects() == 0
'''))


@pytest.mark.gl
def test_failed_compiles_and_image_changes_leak_nothing() -> None:
    """A shader that does not compile raises ShaderCompilationError (at construction for 0.9,
    at the first render for 0.2) with the driver's message, and keeps no GL object; nor
    does replacing an image input."""
    run(port('''
import pyvvisf
BAD = """/*{}*/\\nvoid main() { gl_FragColor = nope; }"""
for attempt in range(2):
    try:
        pyvvisf.ISFRenderer(BAD)
    except pyvvisf.ShaderCompilationError as e:
        assert "nope" in str(e), e
    else:
        raise AssertionError("bad shader accepted")
    scene = pyvvisf.CreateISFSceneRef()
    scene.use_doc(pyvvisf.CreateISFDocRefWith(BAD))
    try:
        scene.create_and_render_a_buffer(pyvvisf.Size(4, 4))
    except pyvvisf.ShaderCompilationError:
        pass
    else:
        raise AssertionError("bad shader rendered")
    scene.release()
pyvvisf.GLBufferPool().cleanup()
assert live_gl_objects() == 0, pyvvisf.get_gl_info()["live_objects"]
with pyvvisf.ISFRenderer("""/*{"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]}*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }""") as r:
    for v in range(3):
        r.set_input("inputImage", np.full((2, 2, 4), 80 * v, np.uint8))
        expect_color(r.render(2, 2).array, (80 * v / 255,) * 4, 2, 2)
assert live_gl_objects() == 0, pyvvisf.get_gl_info()["live_objects"]
'''))


# -- no GL: parsing, values, names ------------------------------------------------------------

def test_parser_and_metadata_without_gl() -> None:
    from offscreen_isf.compat import pyvvisf

    with pytest.warns(UserWarning, match="not strict JSON"):   # lenient, and says so
        glsl, meta = pyvvisf.ISFParser().parse_content("""/*
{
    "DESCRIPTION": "demo", "CREDIT": "me", "ISFVSN": "2", "CATEGORIES": ["Generator"],
    // comments, trailing commas and whitespace around the braces are fine
    "INPUTS": [{"NAME": "level", "TYPE": "float", "DEFAULT": 0.5, "MIN": 0, "MAX": 1},],
    "PASSES": [{"TARGET": "halfSize", "WIDTH": "$WIDTH/2", "HEIGHT": "$HEIGHT/2"}, {}]
}
*/
void main() { gl_FragColor = vec4(level); }
""")
    assert "gl_FragColor" in glsl and "DESCRIPTION" not in glsl
    assert meta.description == "demo" and meta.credit == "me" and meta.categories == ["Generator"]
    assert [(i.name, i.type, i.default, i.min, i.max) for i in meta.inputs] == [("level", "float", 0.5, 0.0, 1.0)]
    assert meta.passes[0].target == "halfSize" and meta.passes[0].width == "$WIDTH/2"
    # pyvvisf 0.9: typed values back, out of MIN..MAX raises (rendering clamps instead)
    assert pyvvisf.ISFParser().validate_inputs(meta, {"level": 0.25}) == {"level": pyvvisf.ISFFloat(0.25)}
    with pytest.raises(pyvvisf.ShaderCompilationError, match="above maximum 1"):
        pyvvisf.ISFParser().validate_inputs(meta, {"level": 3})
    assert pyvvisf.ISFParser().validate_inputs(meta, {"nope": 1}) == {"level": pyvvisf.ISFFloat(0.5)}
    with pytest.raises(pyvvisf.ISFParseError):
        pyvvisf.ISFParser().parse_content("void main() {}")
    with pytest.raises(pyvvisf.ISFParseError):
        pyvvisf.ISFParser().parse_file("/nonexistent/shader.fs")


def test_values_names_and_errors_without_gl() -> None:
    import offscreen_isf.compat.pyvvisf.errors as errors_module
    from offscreen_isf import errors as oi_errors
    from offscreen_isf.compat import pyvvisf
    from offscreen_isf.compat.pyvvisf import errors  # 0.9's `from pyvvisf import errors`

    # 0.9's classes, each also the offscreen-isf class it stands for
    assert errors.ISFError is errors_module.ISFError is pyvvisf.ISFError
    assert issubclass(pyvvisf.ISFError, oi_errors.ISFError) and pyvvisf.VVISFError is oi_errors.ISFError
    assert issubclass(pyvvisf.ShaderCompilationError, oi_errors.CompileError)
    v = pyvvisf.ISFColorVal(0.1, 0.2, 0.3, 0.4)
    assert v.type() is pyvvisf.ISFValType.Color and v.is_color_val() and v.get_color_val_by_channel(2) == 0.3
    assert pyvvisf.ISFFloatVal(2).get_double_val() == 2.0 and pyvvisf.ISFLongVal(3).get_long_val() == 3
    assert pyvvisf.ISFPoint2DVal(1, 2).get_point_val_by_index(1) == 2.0
    assert pyvvisf.ISFBoolVal(1).get_bool_val() is True and pyvvisf.ISFNullVal().is_null_val()
    assert str(pyvvisf.ISFValType_Float) == "Float" and pyvvisf.isf_val_type_uses_image(pyvvisf.ISFValType_Image)
    with pytest.raises(pyvvisf.ValidationError):
        pyvvisf.ISFFloatVal("abc")
    with pytest.raises(pyvvisf.ValidationError):
        pyvvisf.ISFLongVal(1.5)
    assert tuple(pyvvisf.Size(64, 32)) == (64, 32) and pyvvisf.Size(64, 32).width == 64
    assert pyvvisf.ISFColor(2, -1, 0.5).to_tuple() == (1.0, 0.0, 0.5, 1.0)
    assert pyvvisf.plain_value(pyvvisf.ISFPoint2D(1, 2)) == (1.0, 2.0)
    doc = pyvvisf.CreateISFDocRefWith('/*{"DESCRIPTION": "d", "INPUTS": [{"NAME": "inputImage", '
                                      '"TYPE": "image"}]}*/ void main() { gl_FragColor = vec4(1.0); }')
    assert doc.type() is pyvvisf.ISFFileType.Filter and doc.description() == "d"
    assert [a.name() for a in doc.image_inputs()] == ["inputImage"] and doc.render_passes() == [""]
    with pytest.raises(pyvvisf.ValidationError, match="inputImage"):
        doc.input("missing")
    missing = [n for n in pyvvisf.__all__ if not hasattr(pyvvisf, n)]
    assert not missing, missing
