"""Per-rule rendering tests (the rules of docs/semantics.md).  Every oracle is computed in numpy from the
rule, never by rendering.  Runs on the backend of this pytest process."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import offscreen_isf as oi

from .conftest import needs_corpus, run_child

pytestmark = pytest.mark.gl


def isf(header: dict, body: str) -> str:
    return "/*" + json.dumps(header) + "*/\n" + textwrap.dedent(body)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def shared_ctx():
    with oi.Context() as ctx:
        yield ctx


def u8(x: np.ndarray) -> np.ndarray:
    """What an RGBA8 write stores for float x (round to nearest, clamped)."""
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def assert_u8(img: np.ndarray, expected) -> None:
    """An RGBA8 result equals the rounded write of the float oracle, within 1 LSB: GL lets
    the float->unorm8 conversion round either way at (near-)ties (NVIDIA stores 0.5 as 127,
    Mesa as 128)."""
    assert img.dtype == np.uint8
    want = u8(np.asarray(expected, np.float64)).astype(np.int16)
    diff = np.abs(img.astype(np.int16) - want)
    assert diff.max(initial=0) <= 1, f"max diff {diff.max()}:\n{img}\nexpected\n{want}"


def test_pixel_centres_and_norm_coord(shared_ctx) -> None:
    """gl_FragCoord at i+0.5; isf_FragNormCoord = (i+0.5)/W, (0,0) bottom-left."""
    src = isf({"ISFVSN": "2"}, """
    void main() { gl_FragColor = vec4(isf_FragNormCoord, fract(gl_FragCoord.x), gl_FragCoord.y / 16.0); }""")
    w, h = 8, 6
    with oi.Renderer(src, (w, h), context=shared_ctx) as r:
        img = r.render()
    x = (np.arange(w) + 0.5) / w
    y_top_first = ((np.arange(h) + 0.5) / h)[::-1]
    assert_u8(img[..., 0], np.broadcast_to(x, (h, w)))
    assert_u8(img[..., 1], np.broadcast_to(y_top_first[:, None], (h, w)))
    assert_u8(img[..., 2], np.full((h, w), 0.5))
    assert_u8(img[..., 3], np.broadcast_to(((np.arange(h) + 0.5) / 16)[::-1, None], (h, w)))


def test_uint8_output_is_rounded_write(shared_ctx) -> None:
    src = isf({}, "void main() { gl_FragColor = vec4(isf_FragNormCoord.x, 0.0, 0.0, 1.0); }")
    with oi.Renderer(src, (10, 1), context=shared_ctx) as r:
        img = r.render()
    assert img.dtype == np.uint8 and img.shape == (1, 10, 4)
    np.testing.assert_array_equal(img[0, :, 0], u8((np.arange(10) + 0.5) / 10))


PASS_THROUGH = isf({"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]},
                   "void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }")


def test_image_input_orientation_and_identity(shared_ctx) -> None:
    """An image (top row first) passes through IMG_THIS_PIXEL unchanged: upright in, upright out."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    with oi.Renderer(PASS_THROUGH, (9, 7), context=shared_ctx) as r:
        r.set_inputs(inputImage=image)
        np.testing.assert_array_equal(r.render(), image)
        r.set_inputs(inputImage=Image.fromarray(image, "RGBA"))
        np.testing.assert_array_equal(r.render(), image)


@pytest.mark.parametrize("shape", [(5, 4), (5, 4, 1), (5, 4, 3)])
def test_image_shapes(shared_ctx, shape) -> None:
    rng = np.random.default_rng(2)
    arr = rng.integers(0, 256, shape, dtype=np.uint8)
    expected = np.empty((5, 4, 4), np.uint8)
    flat = arr.reshape(5, 4, -1)
    expected[..., :3] = flat if flat.shape[2] == 3 else flat[..., :1]
    expected[..., 3] = 255
    with oi.Renderer(PASS_THROUGH, (4, 5), context=shared_ctx) as r:
        r.set_inputs(inputImage=arr)
        np.testing.assert_array_equal(r.render(), expected)


def test_float_image_input_and_path(shared_ctx, tmp_path) -> None:
    arr = np.linspace(0, 1, 4 * 3 * 4, dtype=np.float32).reshape(3, 4, 4)
    with oi.Renderer(PASS_THROUGH, (4, 3), context=shared_ctx) as r:
        r.set_inputs(inputImage=arr)
        assert_u8(r.render(), arr)
        png = tmp_path / "in.png"
        Image.fromarray(u8(arr), "RGBA").save(png)
        r.set_inputs(inputImage=str(png))
        np.testing.assert_array_equal(r.render(), u8(arr))


@pytest.mark.parametrize("kind", ["image", "audio", "audioFFT"])
def test_unset_input_reads_opaque_black(shared_ctx, kind: str) -> None:
    """An unset image-like input reads (0, 0, 0, 1), GL's value for a unit with nothing complete
    bound (what the reference shows), with IMG_SIZE (1, 1); setting None again unsets it."""
    src = isf({"INPUTS": [{"NAME": "inputImage", "TYPE": kind}]},
              "void main() { gl_FragColor = IMG_THIS_NORM_PIXEL(inputImage) - vec4(0.0, 0.0, 0.0, IMG_SIZE(inputImage).x / 255.0); }")
    expected = np.broadcast_to([0, 0, 0, 254], (2, 3, 4))
    with oi.Renderer(src, (3, 2), context=shared_ctx) as r:
        np.testing.assert_array_equal(r.render(), expected)
        if kind == "image":
            r.set_inputs(inputImage=np.full((2, 3, 4), 255, np.uint8))
            assert (r.render()[..., :3] == 255).all()
            r.set_inputs(inputImage=None)
            np.testing.assert_array_equal(r.render(), expected)


def test_img_pixel_norm_pixel_size_on_a_different_sized_image(shared_ctx) -> None:
    """IMG_PIXEL divides by the *image's* size; IMG_NORM_PIXEL uses 0..1; IMG_SIZE in pixels."""
    image = np.zeros((2, 4, 4), np.uint8)          # 4x2 image, top row first
    image[0] = [[10, 0, 0, 255], [20, 0, 0, 255], [30, 0, 0, 255], [40, 0, 0, 255]]
    image[1] = [[50, 0, 0, 255], [60, 0, 0, 255], [70, 0, 0, 255], [80, 0, 0, 255]]
    src = isf({"INPUTS": [{"NAME": "img", "TYPE": "image"}]}, """
    void main() {
        float a = IMG_PIXEL(img, vec2(2.5, 0.5)).r;          // texel (2, bottom row)
        float b = IMG_NORM_PIXEL(img, vec2(0.125, 0.75)).r;  // texel (0, top row)
        vec2 s = IMG_SIZE(img);
        gl_FragColor = vec4(a, b, s.x / 255.0, s.y / 255.0);
    }""")
    with oi.Renderer(src, (16, 16), context=shared_ctx) as r:
        r.set_inputs(img=image)
        img = r.render()
    np.testing.assert_array_equal(img[0, 0], [70, 10, 4, 2])
    assert (img == img[0, 0]).all()


def test_img_this_pixel_collapses_on_a_much_larger_image(shared_ctx) -> None:
    """IMG_THIS_PIXEL samples at isf_FragNormCoord * round(RENDERSIZE / imgSize): an image
    over twice the pass size gives a factor 0, so every pixel reads the bottom-left texel."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (10, 12, 4), dtype=np.uint8)
    with oi.Renderer(PASS_THROUGH, (5, 4), context=shared_ctx) as r:
        r.set_inputs(inputImage=image)
        img = r.render()
    np.testing.assert_array_equal(img, np.broadcast_to(image[-1, 0], img.shape))


INPUT_TYPES_SRC = isf({"INPUTS": [
    {"NAME": "f", "TYPE": "float", "MIN": 0.0, "MAX": 0.5, "DEFAULT": 0.9},
    {"NAME": "fmid", "TYPE": "float", "MIN": 0.2, "MAX": 0.6},
    {"NAME": "n", "TYPE": "long", "VALUES": [0, 1, 2], "LABELS": ["a", "b", "c"], "DEFAULT": 2},
    {"NAME": "flag", "TYPE": "bool"},
    {"NAME": "c", "TYPE": "color", "DEFAULT": [0.2, 0.4, 0.6, 0.8]},
    {"NAME": "pt", "TYPE": "point2D", "DEFAULT": [3.0, 4.0]},
]}, """
void main() {
    gl_FragColor = vec4(f, fmid, float(n) / 10.0, flag ? 1.0 : 0.0);
    if (gl_FragCoord.x > 1.0) gl_FragColor = c;
    if (gl_FragCoord.x > 2.0) gl_FragColor = vec4(pt / 10.0, 0.0, 1.0);
}""")


def test_input_defaults(shared_ctx) -> None:
    """float DEFAULT clamped to [MIN,MAX], missing -> midpoint; bool missing -> true."""
    with oi.Renderer(INPUT_TYPES_SRC, (3, 1), context=shared_ctx) as r:
        img = r.render()[0]
    assert_u8(img, [[0.5, 0.4, 0.2, 1.0], [0.2, 0.4, 0.6, 0.8], [0.3, 0.4, 0.0, 1.0]])


def test_input_values_are_clamped_and_validated(shared_ctx) -> None:
    with oi.Renderer(INPUT_TYPES_SRC, (3, 1), context=shared_ctx) as r:
        r.set_inputs(f=-3.0, fmid=0.25, n=1, flag=False, c=(1.5, 0.5, -1.0, 1.0), pt=(1.0, 2.0))
        img = r.render()[0]
        assert_u8(img, [[0.0, 0.25, 0.1, 0.0], [1.0, 0.5, 0.0, 1.0], [0.1, 0.2, 0.0, 1.0]])
        with pytest.raises(oi.InputError, match='no input "nope".*f, fmid, n, flag, c, pt'):
            r.set_inputs(nope=1)
        with pytest.raises(oi.InputError):
            r.set_inputs(f="abc")
        with pytest.raises(oi.InputError):
            r.set_inputs(c=(1.0,))


def test_timedelta_frameindex_date_and_event_reset(shared_ctx) -> None:
    src = isf({"INPUTS": [{"NAME": "hit", "TYPE": "event"}]}, """
    void main() { gl_FragColor = vec4(TIME / 10.0, TIMEDELTA / 10.0, float(FRAMEINDEX) / 10.0, hit ? 1.0 : 0.0);
                  if (gl_FragCoord.x > 1.0) gl_FragColor = DATE / vec4(4000.0, 20.0, 40.0, 86400.0); }""")
    date = (2024, 1, 2, 43200)
    with oi.Renderer(src, (2, 1), context=shared_ctx) as r:
        r.set_inputs(hit=True)
        f0 = r.render(1.0, date)[0]
        f1 = r.render(1.5, date)[0]
        f2 = r.render(3.5, date)[0]
    assert_u8(f0[0], [0.1, 0.0, 0.0, 1.0])    # TIMEDELTA 0 on the first frame; event on
    assert_u8(f1[0], [0.15, 0.05, 0.1, 0.0])  # event reset after one frame
    assert_u8(f2[0], [0.35, 0.2, 0.2, 0.0])
    assert_u8(f0[1], [2024 / 4000, 1 / 20, 2 / 40, 0.5])


MULTIPASS = isf({"PASSES": [{"TARGET": "a"}, {"TARGET": "b"}, {}]}, """
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(0.25, 0.0, 0.0, 1.0);
    else if (PASSINDEX == 1) gl_FragColor = IMG_THIS_PIXEL(a) + IMG_THIS_PIXEL(b) + vec4(0.0, 0.5, 0.0, 0.0);
    else gl_FragColor = IMG_THIS_PIXEL(b) + vec4(0.0, 0.0, 0.75, 0.0);
}""")


def test_read_after_write_within_a_frame(shared_ctx) -> None:
    """A later pass reads what an earlier pass wrote this frame;
    a temporary target read before it is written this frame is (0,0,0,0)."""
    with oi.Renderer(MULTIPASS, (3, 2), context=shared_ctx) as r:
        for _ in range(2):   # temporary targets do not carry over
            img = r.render()
            assert_u8(img, np.broadcast_to([0.25, 0.5, 0.75, 1.0], (2, 3, 4)))


FEEDBACK = isf({"PASSES": [{"TARGET": "acc", "PERSISTENT": True, "FLOAT": True}]}, """
void main() { gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.1, 2.5, 0.001, 0.0); }""")


def test_persistent_feedback_accumulates_across_frames_in_float(shared_ctx) -> None:
    """Self-feedback; the last pass with TARGET is the output; FLOAT keeps values
    above 1 and below 1/255; a new persistent buffer starts at (0,0,0,0)."""
    with oi.Renderer(FEEDBACK, (4, 3), context=shared_ctx) as r:
        for n in range(1, 5):
            img = r.render(float(n))
            assert img.dtype == np.float32
            np.testing.assert_allclose(img[1, 2], [0.1 * n, 2.5 * n, 0.001 * n, 0.0], rtol=1e-5)


def test_persistent_survives_reinitialize(shared_ctx) -> None:
    with oi.Renderer(FEEDBACK, (4, 3), context=shared_ctx) as r:
        r.render()
        r.render()
        shared_ctx.reinitialize()
        img = r.render()
        np.testing.assert_allclose(img[0, 0, :3], [0.3, 7.5, 0.003], rtol=1e-5)


def test_persistent_resize_keeps_contents_stretched(shared_ctx) -> None:
    src = isf({"INPUTS": [{"NAME": "w", "TYPE": "float", "MIN": 1, "MAX": 100, "DEFAULT": 2}],
               "PASSES": [{"TARGET": "buf", "PERSISTENT": True, "WIDTH": "$w", "HEIGHT": "1"}, {}]}, """
    void main() {
        if (PASSINDEX == 0) {
            // first frame: left texel 0.2, right texel 0.8; later frames: keep what is there
            gl_FragColor = FRAMEINDEX == 0 ? vec4(gl_FragCoord.x < 1.0 ? 0.2 : 0.8, 0.0, 0.0, 1.0)
                                           : IMG_THIS_PIXEL(buf);
        } else {
            gl_FragColor = IMG_NORM_PIXEL(buf, vec2(isf_FragNormCoord.x, 0.5));
        }
    }""")
    with oi.Renderer(src, (4, 1), context=shared_ctx) as r:
        r.render()
        r.set_inputs(w=4)
        img = r.render()
    # 2 texels stretched to 4 with linear filtering: sample positions (i+0.5)/4*2-0.5.
    pos = np.clip((np.arange(4) + 0.5) / 4 * 2 - 0.5, 0, 1)
    stretched = 0.2 + (0.8 - 0.2) * pos
    # then sampled again at output size 4 from the 4-wide buffer: exact texels
    np.testing.assert_allclose(img[0, :, 0], u8(stretched), atol=1)


def test_pass_size_expressions_and_rendersize(shared_ctx) -> None:
    src = isf({"PASSES": [{"TARGET": "small", "WIDTH": "floor($WIDTH/3)", "HEIGHT": "$HEIGHT/4"}, {}]}, """
    void main() {
        if (PASSINDEX == 0) gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0);
        else gl_FragColor = vec4(IMG_SIZE(small).x / 255.0, fract(IMG_SIZE(small).y), RENDERSIZE / 255.0);
    }""")
    with oi.Renderer(src, (10, 5), context=shared_ctx) as r:
        img = r.render()
    # IMG_SIZE keeps the unrounded 1.25 (fract 0.25 -> 64); the texture is round(1.25) = 1 row
    np.testing.assert_array_equal(img[0, 0], [3, 64, 10, 5])


def test_imported_image(tmp_path) -> None:
    rng = np.random.default_rng(4)
    pic = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    Image.fromarray(pic, "RGBA").save(tmp_path / "pic.png")
    shader = write(tmp_path, "imp.fs", isf({"IMPORTED": {"pic": {"PATH": "pic.png"}}},
                                           "void main() { gl_FragColor = IMG_THIS_PIXEL(pic); }"))
    np.testing.assert_array_equal(oi.render(shader, (5, 3)), pic)


def test_custom_vertex_shader(tmp_path) -> None:
    """A sibling .vs runs after isf_vertShaderInit(): here it shifts the quad right by half."""
    fs = write(tmp_path, "shift.fs", isf({}, "void main() { gl_FragColor = vec4(1.0); }"))
    write(tmp_path, "shift.vs", "void main() { isf_vertShaderInit(); gl_Position.x += 1.0; }\n")
    img = oi.render(fs, (4, 2))
    np.testing.assert_array_equal(img[:, :2], 0)
    np.testing.assert_array_equal(img[:, 2:], 255)


def test_audio_texture_layout(shared_ctx) -> None:
    """One row per channel (channel 0 at the bottom), one column per sample,
    value 0.5 + s/2; MAX resamples by averaging consecutive samples."""
    src = isf({"INPUTS": [{"NAME": "snd", "TYPE": "audio", "MAX": 4}]}, """
    void main() { gl_FragColor = IMG_NORM_PIXEL(snd, isf_FragNormCoord); }""")
    samples = np.array([[-1, -0.5, 0, 0.5, 1, 1, -1, 0], [0.2] * 8], np.float32)
    with oi.Renderer(src, (4, 2), context=shared_ctx) as r:
        r.set_inputs(snd=samples)
        img = r.render()
    averaged = samples.reshape(2, 4, 2).mean(axis=2)
    assert_u8(img[::-1, :, 0], 0.5 + averaged / 2)   # bottom row = channel 0
    assert (img[..., 3] == 255).all()


@needs_corpus
def test_determinism_across_processes(tmp_path, backend) -> None:

    code = f"""
import hashlib, offscreen_isf as oi
shader = {str(Path(__file__).resolve().parents[2] / "shared/isf-corpus/ISF-Files/ISF/Bad TV.fs")!r}
with oi.Renderer(shader, (64, 36)) as r:
    r.set_inputs(inputImage={str(Path(__file__).resolve().parents[2] / "shared/isf-references/vvisf-gl-256x144/test-images/k0.png")!r})
    print(hashlib.sha256(b"".join(r.render(t, (2024, 1, 1, 0)).tobytes() for t in (0.0, 0.5, 1.0))).hexdigest())
"""
    a, b = run_child(code), run_child(code)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout.strip() == b.stdout.strip() and len(a.stdout.strip()) == 64


def test_compile_error_points_at_the_fs_line(tmp_path, shared_ctx) -> None:
    fs = write(tmp_path, "broken.fs", isf({}, """
    void main() {
        float x = 1.0;
        gl_FragColor = vec4(y, 0.0, 0.0, 1.0);
    }"""))
    with pytest.raises(oi.CompileError) as info:
        oi.Renderer(fs, (4, 4), context=shared_ctx).render()
    assert "broken.fs:5" in str(info.value)


def test_every_row_flip_mode_agrees(shared_ctx) -> None:
    """Rows come back top-first by drawing the last pass upside down (default) or, for an
    upright one, by Mesa's pack-invert, a GPU blit or a CPU copy: all give the same pixels."""
    from offscreen_isf.gl.readback import FLIP_MODES

    # gl_FragCoord terms only: exact in both orientations (varyings are not: see below)
    src = isf({"PASSES": [{"TARGET": "f", "FLOAT": True}]},
              "void main() { gl_FragColor = vec4(gl_FragCoord.xy / 8.0, gl_FragCoord.x / 7.0 + "
              "gl_FragCoord.y / 3.0, 1.5); }")
    modes = [m for m in FLIP_MODES if m != "none"
             and (m != "mesa_invert" or "GL_MESA_pack_invert" in shared_ctx.extensions)]
    results = {}
    with oi.Renderer(src, (7, 6), context=shared_ctx, draw_flipped=True) as r:
        assert r.row_flip in FLIP_MODES and r.draw_flipped
        results["drawn upside down"] = r.render()
        assert r.readback.final_flip == "none"
        with pytest.raises(AttributeError):
            r.draw_flipped = False       # compiled into the program: fixed at construction
    with oi.Renderer(src, (7, 6), context=shared_ctx) as r:
        assert not r.draw_flipped and "ISF_FLIP_Y 0" in r.translation.fragment
        for mode in modes:
            r.row_flip = mode
            results[mode] = r.render()
            assert r.readback.final_flip == mode
            out = np.empty_like(results[mode])
            assert r.render(out=out) is out
            np.testing.assert_array_equal(out, results[mode])
    cpu = results["cpu"]
    assert cpu.dtype == np.float32 and cpu[0, 0, 1] > cpu[-1, 0, 1]   # top row first
    assert len(results) == len(modes) + 1
    for mode, got in results.items():
        np.testing.assert_array_equal(got, cpu, err_msg=mode)


# Everything a shader can observe of the window's y direction, drawn upright vs upside down.
ORIENTATION_PROBES = {
    "frag coord and IMG_THIS_PIXEL of an earlier pass": isf(
        {"PASSES": [{"TARGET": "a"}, {}]},
        """void main() {
            if (PASSINDEX == 0) gl_FragColor = vec4(gl_FragCoord.xy / RENDERSIZE, 0.25, 1.0);
            else gl_FragColor = IMG_THIS_PIXEL(a) * 0.5 + vec4(0.0, 0.0, gl_FragCoord.y / 64.0, 0.5);
        }"""),
    "derivatives and facing": isf({}, """void main() {
            float q = isf_FragNormCoord.y * isf_FragNormCoord.y * 40.0;
            gl_FragColor = vec4(dFdy(q) + 0.5, dFdx(q) + 0.5, gl_FrontFacing ? 1.0 : 0.0,
                                fwidth(q));
        }"""),
    "images by pixel and by norm": isf(
        {"INPUTS": [{"NAME": "inputImage", "TYPE": "image"}]},
        """void main() {
            gl_FragColor = 0.5 * IMG_PIXEL(inputImage, gl_FragCoord.xy * 0.5)
                         + 0.5 * IMG_NORM_PIXEL(inputImage, vec2(isf_FragNormCoord.x, 1.0 - isf_FragNormCoord.y));
        }"""),
}


@pytest.mark.parametrize("name", sorted(ORIENTATION_PROBES))
def test_drawing_the_last_pass_upside_down_is_invisible_to_shaders(shared_ctx, name) -> None:
    """isf_FlipY: gl_FragCoord, dFdy, gl_FrontFacing and texture lookups read as if drawn
    upright, so the flip-free readback gives the upright pixels -- up to the last-bit
    rounding of interpolated varyings (at most 1/255 here)."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (10, 16, 4), dtype=np.uint8)
    frames = {}
    for flipped in (True, False):
        with oi.Renderer(ORIENTATION_PROBES[name], (16, 10), context=shared_ctx,
                         draw_flipped=flipped) as r:
            if "inputImage" in ORIENTATION_PROBES[name]:
                r.set_inputs(inputImage=image)
            frames[flipped] = r.render(0.5)
            assert r.readback.final_flip == ("none" if flipped else r.row_flip)
    assert frames[True].std() > 0
    diff = np.abs(frames[True].astype(int) - frames[False])
    assert diff.max() <= 1 and (diff == 0).mean() > 0.95


def test_flipped_drawing_rounds_varyings_differently_in_the_last_bit(shared_ctx) -> None:
    """Why draw_flipped is opt-in: isf_FragNormCoord is interpolated over other triangles,
    so float outputs differ by an ulp (not more) where upright drawing is exact."""
    src = isf({"PASSES": [{"TARGET": "result", "FLOAT": True}]},
              "void main() { gl_FragColor = vec4(isf_FragNormCoord, 0.0, 1.0); }")
    frames = {}
    for flipped in (True, False):
        with oi.Renderer(src, (64, 36), context=shared_ctx, draw_flipped=flipped) as r:
            frames[flipped] = r.render()
    np.testing.assert_allclose(frames[True], frames[False], rtol=0, atol=2e-7)
    y, x = np.mgrid[35:-1:-1, 0:64]
    np.testing.assert_allclose(frames[False][..., 0], (x + 0.5) / 64, atol=2e-7)   # top row first
    np.testing.assert_allclose(frames[False][..., 1], (y + 0.5) / 36, atol=2e-7)


def test_custom_vertex_shader_is_drawn_upside_down_too(shared_ctx, tmp_path) -> None:
    """A .vs that moves gl_Position (here: shifts the quad up by a quarter) gives the same
    image drawn upside down: the flip is applied after the user's main."""
    fs = write(tmp_path, "shift.fs", isf({}, "void main() { gl_FragColor = vec4(isf_FragNormCoord, gl_FragCoord.y / 8.0, 1.0); }"))
    (tmp_path / "shift.vs").write_text(
        "void main() {\n\tisf_vertShaderInit();\n\tgl_Position.y += 0.5;\n}\n")
    frames = {}
    for flipped in (True, False):
        with oi.Renderer(fs, (6, 8), context=shared_ctx, draw_flipped=flipped) as r:
            frames[flipped] = r.render()
            assert r.readback.final_flip == ("none" if flipped else r.row_flip)
    assert np.abs(frames[True].astype(int) - frames[False]).max() <= 1
    assert (frames[True][-2:] == 0).all() and (frames[True][:-2, :, 3] == 255).all()   # bottom uncovered


def test_odd_heights_and_persistent_last_passes_are_drawn_upright(shared_ctx) -> None:
    """draw_flipped never applies to a buffer read next frame or to an odd height; and it
    is off by default (exact parity with the reference)."""
    with oi.Renderer(FEEDBACK, (4, 4), context=shared_ctx) as r:
        assert not r.draw_flipped
        r.render()
        assert r.readback.final_flip == r.row_flip
    with oi.Renderer(FEEDBACK, (4, 4), context=shared_ctx, draw_flipped=True) as r:
        r.render()
        assert r.readback.final_flip == r.row_flip         # read next frame: stays upright
    with oi.Renderer(isf({}, "void main() { gl_FragColor = vec4(gl_FragCoord.y / 5.0); }"),
                     (3, 5), context=shared_ctx, draw_flipped=True) as r:
        img = r.render()
        assert r.readback.final_flip == r.row_flip
    assert img[0, 0, 0] > img[-1, 0, 0]


def test_discarded_pixels_are_cleared_each_pass(shared_ctx) -> None:
    """Each pass starts from (0,0,0,0): pixels a shader discards stay transparent black,
    also when the pooled buffer held other pixels before."""
    fill = isf({}, "void main() { gl_FragColor = vec4(1.0); }")
    holes = isf({}, "void main() { if (gl_FragCoord.x < 2.0) discard; gl_FragColor = vec4(0.5, 0.5, 0.5, 1.0); }")
    with oi.Renderer(fill, (4, 2), context=shared_ctx) as r:
        assert (r.render() == 255).all()        # leaves a white 4x2 target in the pool
    with oi.Renderer(holes, (4, 2), context=shared_ctx) as r:
        img = r.render()
    assert (img[:, :2] == 0).all()
    assert_u8(img[:, 2:], np.full((2, 2, 4), [0.5, 0.5, 0.5, 1.0]))


def test_changing_or_unsetting_images_and_failed_compiles_leak_nothing(shared_ctx) -> None:
    rng = np.random.default_rng(5)
    with oi.Renderer(PASS_THROUGH, (4, 3), context=shared_ctx) as r:
        r.set_inputs(inputImage=rng.integers(0, 256, (3, 4, 4), dtype=np.uint8))
        r.render()
        textures = shared_ctx.live_objects()["texture"]
        for _ in range(5):
            image = rng.integers(0, 256, (3, 4, 4), dtype=np.uint8)
            r.set_inputs(inputImage=image)
            np.testing.assert_array_equal(r.render(), image)   # re-uploaded into the same texture
        assert shared_ctx.live_objects()["texture"] == textures
        r.set_inputs(inputImage=None)
        assert (r.render() == [0, 0, 0, 255]).all()   # unset: opaque black
        assert shared_ctx.live_objects()["texture"] == textures - 1
    before = shared_ctx.live_objects()
    bad = isf({}, "void main() { gl_FragColor = vec4(nope); }")
    for _ in range(3):
        with pytest.raises(oi.CompileError), oi.Renderer(bad, (2, 2), context=shared_ctx) as r:
            r.render()
    assert shared_ctx.live_objects() == before


# a persistent first pass and an unnamed last pass: drawn upside down
FEEDBACK_THEN_SHOW = isf({"PASSES": [{"TARGET": "acc", "PERSISTENT": True, "FLOAT": True}, {"FLOAT": True}]}, """
void main() {
    if (PASSINDEX == 0) gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.1, 2.5, 0.001, 0.0);
    else gl_FragColor = IMG_THIS_PIXEL(acc) + vec4(0.0, 0.0, gl_FragCoord.y, 0.0);
}""")


@pytest.mark.parametrize("flip", ["none", "cpu", "gpu_blit", "mesa_invert"])
@pytest.mark.parametrize("shader", ["persistent last pass", "unnamed last pass"])
def test_pipelined_render_frames_match_plain_renders(shared_ctx, flip, shader) -> None:
    """render_frames(pipeline=True) (PBO readback, one frame late) yields the same frames,
    in order, as plain renders -- across a reinitialize() in the middle too."""
    if flip == "mesa_invert" and "GL_MESA_pack_invert" not in shared_ctx.extensions:
        pytest.skip("no GL_MESA_pack_invert")
    source = FEEDBACK if shader == "persistent last pass" else FEEDBACK_THEN_SHOW
    times = [0.0, 0.1, 0.2, 0.3, 0.4]
    with oi.Renderer(source, (5, 4), context=shared_ctx) as r:
        r.row_flip = "cpu"
        plain = [r.render(t) for t in times]
    with oi.Renderer(source, (5, 4), context=shared_ctx, draw_flipped=flip == "none") as r:
        if flip != "none":
            r.row_flip = flip
        got = []
        for t, frame in r.render_frames(times, pipeline=True):
            got.append((t, frame))
            if len(got) == 2:
                shared_ctx.reinitialize()      # the queued frame must survive
        assert shared_ctx.live_objects()["buffer"] == 1   # the renderer's quad; PBOs freed
    assert [t for t, _ in got] == times
    for (_, frame), want in zip(got, plain, strict=True):
        np.testing.assert_allclose(frame, want, rtol=1e-6)


def test_settings_object_or_keyword_options(shared_ctx) -> None:
    """Renderer(..., settings=RenderSettings(...)) and the same options as keywords build
    equal settings and equal pixels; giving both, or isolate=True, is an InputError."""
    src = isf({"INPUTS": [{"NAME": "v", "TYPE": "float", "DEFAULT": 0.25, "MIN": 0, "MAX": 0.5}]},
              "void main() { gl_FragColor = vec4(v, gl_FragCoord.xy / 4.0, 1.0); }")
    settings = oi.RenderSettings(size=(4, 3), clamp=False, draw_flipped=True)
    with oi.Renderer(src, context=shared_ctx, settings=settings) as a, \
            oi.Renderer(src, (4, 3), context=shared_ctx, clamp=False, draw_flipped=True) as b:
        assert a.settings == b.settings == settings
        assert a.size == (4, 3) and a.draw_flipped and not a.clamp
        a.set_inputs(v=0.75)   # clamp=False: kept over MAX
        b.set_inputs(v=0.75)
        assert a.inputs["v"] == 0.75
        np.testing.assert_array_equal(a.render(), b.render())
        assert "#define ISF_FLIP_Y 1" in a.translation.fragment   # final sources, as compiled
    with oi.Renderer(src, (5, 2), context=shared_ctx) as r:
        assert r.settings == oi.RenderSettings(size=(5, 2)) and r.render().shape == (2, 5, 4)
    with pytest.raises(oi.InputError, match="not both"):
        oi.Renderer(src, (4, 3), context=shared_ctx, settings=settings)
    with pytest.raises(oi.InputError, match="not both"):
        oi.Renderer(src, context=shared_ctx, settings=settings, clamp=True)
    with pytest.raises(oi.InputError, match=r"open_renderer\(.*isolate=True"):
        oi.Renderer(src, (4, 3), isolate=True)
    with pytest.raises(oi.InputError, match="unknown renderer option"):
        oi.Renderer(src, (4, 3), context=shared_ctx, colour=True)
    with pytest.raises(oi.InputError, match="time"):
        with oi.Renderer(src, (4, 3), context=shared_ctx) as r:
            r.render(True)   # a bool is not a time


def test_program_uses_the_glsl_version_the_shader_needs(shared_ctx) -> None:
    """The translation is compiled at 3.30 unless the shader needs more: a 3.30 failure that
    4.00 fixes (an implicit int->uint conversion of an int expression, which the translation
    does not write out) compiles at 4.00 where the driver has it; the renderer's translation
    is the one compiled, exactly as it is."""
    from offscreen_isf.isf.translate import parse_glsl_version

    have = parse_glsl_version(shared_ctx.info.glsl_version)
    with oi.Renderer(isf({}, "void main() { gl_FragColor = vec4(1.0); }"), (2, 2), context=shared_ctx) as r:
        r.compile()
        assert r.translation.glsl_version == 330
        assert r.translation.fragment.startswith("#version 330\n")
        assert (r.render() == 255).all()
    if have < 400:
        pytest.skip("the driver has no GLSL 4.00")
    body = "void main() { int i = 1; uint u = i * 1; gl_FragColor = vec4(float(u)); }"
    with oi.Renderer(isf({}, body), (2, 2), context=shared_ctx) as r:
        r.compile()
        assert r.translation.glsl_version == 400
        assert r.translation.fragment.startswith("#version 400\n")
        assert (r.render() == 255).all()
