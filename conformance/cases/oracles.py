"""The oracle of every own case, derived in numpy from the rule it tests (docs/semantics.md).

Each function returns a :class:`~conformance.cases.Case`: how to render ``<name>.fs`` and
the expected frames.  Expected images are float RGBA in 0..1 (top row first, NaN = not
checked); the runner compares RGBA8 output with their rounded write (:func:`u8`).  Test
images are generated here from fixed seeds (our own data, not the shared corpus).
"""

from __future__ import annotations

import numpy as np

from ..oracle import norm_coord, pixel_centres, sample_linear, solid, target_extent, target_size, texel, this_pixel, u8
from . import Case, Frame, case


def picture(width: int, height: int, seed: int, alpha: bool = False) -> np.ndarray:
    """A random uint8 RGBA test picture, top row first (opaque unless ``alpha``)."""
    img = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    if not alpha:
        img[..., 3] = 255
    return img


def f(img: np.ndarray) -> np.ndarray:
    """uint8 picture -> float 0..1."""
    return np.asarray(img, np.float64) / 255.0


def columns(height: int, *rgba: list[float]) -> np.ndarray:
    """An image whose column i is the colour ``rgba[i]`` (height rows)."""
    return np.stack([solid(1, height, c)[:, 0] for c in rgba], axis=1)


# -- inputs (docs/semantics.md, "Inputs") --------------------------------------------------
@case
def case_inputs_float_default_clamp() -> Case:
    return Case("inputs_float_default_clamp", "inputs", "float: DEFAULT clamped to [MIN,MAX]",
                (2, 1), [Frame(solid(2, 1, [0.5, 0.25, 0, 1]))])


@case
def case_inputs_float_default_midpoint() -> Case:
    return Case("inputs_float_default_midpoint", "inputs",
                "float: missing DEFAULT = (MIN+MAX)/2, default range 0..1",
                (2, 1), [Frame(solid(2, 1, [0.4, 0.5, 0, 1]))])


@case
def case_inputs_float_range_rules() -> Case:
    return Case("inputs_float_range_rules", "inputs",
                "float: no MIN/MAX = 0..1; only one of MIN/MAX drops both",
                (2, 1), [Frame(solid(2, 1, [1.0, 0.1, 0, 1]))])


@case
def case_inputs_float_set_clamped() -> Case:
    return Case("inputs_float_set_clamped", "inputs", "host float values clamp to [MIN,MAX]", (2, 1), [
        Frame(solid(2, 1, [0.5, 0, 0, 1])),
        Frame(solid(2, 1, [0.7, 0, 0, 1]), inputs={"f": 5.0}),
        Frame(solid(2, 1, [0.1, 0, 0, 1]), inputs={"f": -1.0}),
        Frame(solid(2, 1, [0.3, 0, 0, 1]), inputs={"f": 0.3})])


@case
def case_inputs_bool_defaults() -> Case:
    return Case("inputs_bool_defaults", "inputs",
                "bool: bool DEFAULT, number > 0 is true, missing DEFAULT is true",
                (2, 1), [Frame(columns(1, [1, 0, 1, 0], [1, 0, 1, 1]))])


@case
def case_inputs_bool_set() -> Case:
    red, green = [1, 0, 0, 1], [0, 1, 0, 1]
    return Case("inputs_bool_set", "inputs", "host bool values", (2, 2), [
        Frame(solid(2, 2, red)), Frame(solid(2, 2, green), inputs={"flag": False}),
        Frame(solid(2, 2, green)), Frame(solid(2, 2, red), inputs={"flag": True})])


@case
def case_inputs_long_defaults() -> Case:
    return Case("inputs_long_defaults", "inputs",
                "long: DEFAULT truncated to int, missing 0, not checked against VALUES",
                (2, 1), [Frame(solid(2, 1, [0.2, 0.0, 0.2, 0.5]))])


@case
def case_inputs_long_set() -> Case:
    return Case("inputs_long_set", "inputs", "host long values are int uniforms", (2, 1), [
        Frame(solid(2, 1, [0.25, 0, 0, 1])),
        Frame(solid(2, 1, [0.6, 0, 0, 1]), inputs={"n": 7}),
        Frame(solid(2, 1, [0.1, 1, 0, 1]), inputs={"n": -3})])


@case
def case_inputs_color_defaults() -> Case:
    return Case("inputs_color_defaults", "inputs", "color: DEFAULT RGBA; missing (0,0,0,0)",
                (2, 1), [Frame(columns(1, [0.2, 0.4, 0.6, 0.8], [0, 0, 0, 0]))])


@case
def case_inputs_color_set_clamped() -> Case:
    return Case("inputs_color_set_clamped", "inputs", "color: MIN 0, MAX 1 per channel", (2, 1), [
        Frame(solid(2, 1, [0, 0, 0, 1])),
        Frame(solid(2, 1, [1, 0.5, 0, 1]), inputs={"c": (1.5, 0.5, -1.0, 1.0)}),
        Frame(solid(2, 1, [0.1, 0.2, 0.3, 0.4]), inputs={"c": [0.1, 0.2, 0.3, 0.4]})])


@case
def case_inputs_point2d_defaults() -> Case:
    return Case("inputs_point2d_defaults", "inputs",
                "point2D: DEFAULT as written (pixel units), missing (0,0)",
                (2, 1), [Frame(solid(2, 1, [0.3, 0.4, 0.5, 0.5]))])


@case
def case_inputs_point2d_set() -> Case:
    return Case("inputs_point2d_set", "inputs", "host point2D values", (2, 1), [
        Frame(solid(2, 1, [0, 0, 0, 1])), Frame(solid(2, 1, [0.1, 0.2, 0, 1]), inputs={"pt": (1.0, 2.0)})])


@case
def case_inputs_image_unset() -> Case:
    return Case("inputs_image_unset", "inputs",
                "unset image reads opaque black (0,0,0,1), IMG_SIZE (1,1)",
                (2, 1), [Frame(columns(1, [0, 0, 0, 1], [0.25, 0.25, 1, 1]))])


@case
def case_inputs_image_replace() -> Case:
    a, b = picture(3, 2, 11), picture(5, 4, 12)
    a[..., 2] = 0
    b[..., 2] = 0

    def want(img: np.ndarray) -> np.ndarray:
        c = f(texel(img, 0, 0)).copy()
        c[2] = img.shape[1] / 255.0
        return solid(2, 2, c)
    return Case("inputs_image_replace", "inputs", "an image set between frames is used from that frame", (2, 2), [
        Frame(want(a), inputs={"inputImage": a}), Frame(want(b), inputs={"inputImage": b}),
        Frame(want(b)), Frame(want(a), inputs={"inputImage": a})])


# -- IMG_* functions (docs/semantics.md, "Image helpers") ----------------------------------
@case
def case_img_this_pixel_identity() -> Case:
    img = picture(8, 6, 21, alpha=True)
    return Case("img_this_pixel_identity", "img", "IMG_THIS_PIXEL at render size = identity",
                (8, 6), [Frame(f(img), inputs={"inputImage": img})], tolerance_lsb=0)


@case
def case_img_this_norm_pixel_identity() -> Case:
    img = picture(8, 6, 22, alpha=True)
    return Case("img_this_norm_pixel_identity", "img", "IMG_THIS_NORM_PIXEL at render size = identity",
                (8, 6), [Frame(f(img), inputs={"inputImage": img})], tolerance_lsb=0)


@case
def case_img_pixel_divides_by_image_size() -> Case:
    img = picture(4, 2, 23)
    want = [f(texel(img, 2, 0))[0], f(texel(img, 0, 1))[0], f(texel(img, 3, 1))[1], 1.0]
    return Case("img_pixel_divides_by_image_size", "img", "IMG_PIXEL divides by the image's size",
                (6, 6), [Frame(solid(6, 6, want), inputs={"img": img})])


@case
def case_img_norm_pixel_corners() -> Case:
    img = picture(5, 4, 24)
    h, w = 4, 5
    want = columns(1, f(img[h - 1, 0]), f(img[0, w - 1]), f(img[0, 0]), f(img[h - 1, w - 1]))
    return Case("img_norm_pixel_corners", "img",
                "IMG_NORM_PIXEL (0,0) = picture's bottom-left, (1,1) = top-right",
                (4, 1), [Frame(want, inputs={"img": img})])


@case
def case_img_size_values() -> Case:
    img = picture(5, 3, 25)
    return Case("img_size_values", "img", "IMG_SIZE of an image input and of a target", (3, 2),
                [Frame(solid(3, 2, np.array([5, 3, 7, 2]) / 255.0), inputs={"img": img})])


@case
def case_img_nested_arguments() -> Case:
    img = picture(4, 3, 26)
    want = np.zeros((3, 4, 4))
    for row in range(3):
        y = 2 - row
        for x in range(4):
            a = f(texel(img, x, min(y, 1)))
            b = f(texel(img, 4, 0))            # IMG_NORM_PIXEL (1, 0): bottom-right texel
            want[row, x] = [a[0], a[1], b[2], 1.0]
    return Case("img_nested_arguments", "img", "IMG_* arguments with nested parentheses",
                (4, 3), [Frame(want, inputs={"img": img})])


@case
def case_img_nested_img_in_img() -> Case:
    lut = np.array([[[200, 10, 50, 255], [30, 240, 90, 255]]], np.uint8)   # 2x1
    idx = np.zeros((2, 4, 4), np.uint8)
    idx[..., 3] = 255
    idx[:, 1::2, 0] = 255            # odd columns point at u=1 (right lut texel), even at u=0
    want = np.where((np.arange(4) % 2 == 1)[None, :, None], f(lut[0, 1]), f(lut[0, 0]))
    want = np.broadcast_to(want, (2, 4, 4))
    return Case("img_nested_img_in_img", "img", "an IMG_* call as the coordinate of another", (4, 2),
                [Frame(want, inputs={"lut": lut, "idx": idx})])


@case
def case_img_comment_macros() -> Case:
    img = picture(3, 3, 27)
    return Case("img_comment_macros", "img", "IMG_* in comments are not rewritten", (3, 3),
                [Frame(f(img), inputs={"img": img})], tolerance_lsb=0)


@case
def case_img_three_argument_bias() -> Case:
    img = picture(5, 4, 28)
    want = f(img).copy()
    want[..., 3] = 1.0
    return Case("img_three_argument_bias", "img", "three-argument (bias) forms", (5, 4),
                [Frame(want, inputs={"img": img})])


@case
def case_img_this_pixel_larger_image() -> Case:
    img = picture(12, 10, 29, alpha=True)
    return Case("img_this_pixel_larger_image", "img",
                "IMG_THIS_PIXEL on an image over twice the pass: the ratio rounds to 0, one texel",
                (5, 4), [Frame(this_pixel(img, (5, 4)), inputs={"inputImage": img})], tolerance_lsb=0)


@case
def case_img_this_pixel_rounded_corners() -> Case:
    frames = []
    for k, (iw, ih) in enumerate(((10, 6), (20, 12), (4, 4), (7, 5), (25, 13))):
        img = picture(iw, ih, 60 + k, alpha=True)
        frames.append(Frame(this_pixel(img, (10, 6)), time=0.5 * k, inputs={"inputImage": img}))
    return Case("img_this_pixel_rounded_corners", "img",
                "IMG_THIS_PIXEL = sample at isf_FragNormCoord * round(RENDERSIZE / imgSize): "
                "ratio 1, 1/2, 2.5 x 1.5, 1.43 x 1.2, 0.4", (10, 6), frames, tolerance_lsb=2)


@case
def case_img_this_pixel_fractional_pass() -> Case:
    w, h = 250, 130
    img = picture(40, 20, 66, alpha=True)
    rs = (target_extent(w / 3), target_extent(h / 3))
    tw, th = target_size(rs[0]), target_size(rs[1])
    want = solid(w, h, [0, 0, 1, 0.5])
    want[h - th:, :tw] = u8(this_pixel(img, rs)) / 255.0
    return Case("img_this_pixel_fractional_pass", "img",
                "IMG_THIS_PIXEL in a fractional pass: floor(RENDERSIZE), truncated viewport",
                (w, h), [Frame(want, inputs={"inputImage": img})], tolerance_lsb=2)


@case
def case_img_this_pixel_smaller_target() -> Case:
    w, h = 8, 4
    want = np.zeros((h, w, 4))
    for row in range(h):
        y = h - 1 - row
        for x in range(w):
            want[row, x] = [(min(x, 3) + 0.5) / 8, (min(y, 1) + 0.5) / 8, 0, 1]
    return Case("img_this_pixel_smaller_target", "img",
                "IMG_THIS_PIXEL of a half-size target: 1:1, clamped beyond its edge",
                (w, h), [Frame(want)])


@case
def case_img_pixel_outside_clamps() -> Case:
    img = picture(4, 3, 30)
    return Case("img_pixel_outside_clamps", "img", "GL_CLAMP_TO_EDGE", (2, 1),
                [Frame(columns(1, f(texel(img, 0, 2)), f(texel(img, 3, 0))), inputs={"img": img})])


@case
def case_img_linear_between_texels() -> Case:
    img = np.array([[[0, 0, 0, 255], [200, 0, 0, 255]]], np.uint8)
    a = sample_linear(img, 0.5, 0.5)[0]
    b = sample_linear(img, 0.375, 0.5)[0]
    c = sample_linear(img, 1.25 / 2, 0.5)[0]
    return Case("img_linear_between_texels", "img", "GL_LINEAR filtering", (2, 1),
                [Frame(solid(2, 1, [a, b, c, 1]), inputs={"img": img})])


@case
def case_img_multiple_calls_one_line() -> Case:
    a, b = picture(4, 3, 31), picture(4, 3, 32)
    want = f(a) * 0.5 + f(b) * 0.25
    want[..., 3] = 0.5 + 0.25 + 4 / 16
    return Case("img_multiple_calls_one_line", "img", "several IMG_* calls on one line", (4, 3),
                [Frame(want, inputs={"a": a, "b": b})])


# -- coordinates (docs/semantics.md, "Coordinates and orientation") ------------------------
@case
def case_coords_frag_norm_coord() -> Case:
    x, y = norm_coord(8, 6)
    return Case("coords_frag_norm_coord", "coords", "isf_FragNormCoord", (8, 6),
                [Frame(np.stack([x, y, 0 * x, 0 * x + 1], axis=-1))])


@case
def case_coords_frag_coord_centres() -> Case:
    x, y = pixel_centres(7, 5)
    return Case("coords_frag_coord_centres", "coords", "pixel centres at i + 0.5", (7, 5),
                [Frame(np.stack([0 * x + 0.5, 0 * x + 0.5, x / 16, y / 16], axis=-1))])


@case
def case_coords_rendersize() -> Case:
    return Case("coords_rendersize", "coords", "RENDERSIZE = output size", (7, 3),
                [Frame(solid(7, 3, [7 / 255, 3 / 255, 0, 1]))])


@case
def case_coords_orientation_top_row_first() -> Case:
    want = np.zeros((4, 4, 4))
    want[:2] = [1, 0, 0, 1]
    want[2:] = [0, 1, 0, 1]
    want[:, 0, 2] = 1
    return Case("coords_orientation_top_row_first", "coords", "output rows top first", (4, 4),
                [Frame(want)], tolerance_lsb=0)


@case
def case_coords_image_upright() -> Case:
    img = picture(3, 3, 33)
    return Case("coords_image_upright", "coords", "images are upright in shader space", (2, 1),
                [Frame(columns(1, f(img[2, 0]), f(img[0, 2])), inputs={"img": img})])


@case
def case_coords_passindex() -> Case:
    return Case("coords_passindex", "coords", "PASSINDEX 0, 1, 2", (3, 2),
                [Frame(solid(3, 2, [0, 0.25, 0.5, 1]))])


@case
def case_coords_rendersize_per_pass() -> Case:
    return Case("coords_rendersize_per_pass", "coords", "RENDERSIZE of a sized pass", (6, 2),
                [Frame(solid(6, 2, [3 / 255, 5 / 255, 0.5 / 3, 6 / 255]))])


# -- passes (docs/semantics.md, "Passes and targets") --------------------------------------
@case
def case_passes_read_after_write() -> Case:
    return Case("passes_read_after_write", "passes", "read-after-write in a frame", (3, 2),
                [Frame(solid(3, 2, [0.25, 0.5, 0.75, 1]), time=t) for t in (0.0, 0.5)])


@case
def case_passes_temp_fresh_each_frame() -> Case:
    return Case("passes_temp_fresh_each_frame", "passes",
                "temporary targets are fresh and cleared every frame", (3, 2),
                [Frame(solid(3, 2, [0.25, 0, 0, 0.5]), time=t) for t in (0.0, 0.5, 1.0)])


@case
def case_passes_temp_discard_cleared() -> Case:
    full = solid(4, 2, [1, 0.5, 0.25, 1])
    half = full.copy()
    half[:, :2] = 0
    return Case("passes_temp_discard_cleared", "passes",
                "each pass cleared to (0,0,0,0): discarded pixels of a temporary are 0",
                (4, 2), [Frame(full), Frame(half, time=0.5), Frame(half, time=1.0)])


@case
def case_passes_output_cleared_discard() -> Case:
    want = solid(3, 3, [0.5, 1, 0, 1])
    want[0] = 0
    return Case("passes_output_cleared_discard", "passes", "the output pass is cleared first",
                (3, 3), [Frame(want), Frame(want, time=1.0)])


@case
def case_passes_persistent_feedback_u8() -> Case:
    frames = []
    r = a = 0
    for n in range(4):
        r = min(255, round(255 * (r / 255 + 0.2)))      # stored as RGBA8 every frame
        a = min(255, round(255 * (a / 255 + 0.25)))
        frames.append(Frame(solid(3, 2, [r / 255, 0, 0, a / 255]), time=n * 0.5))
    return Case("passes_persistent_feedback_u8", "passes",
                "persistent RGBA8 self-feedback; last pass's target is the output",
                (3, 2), frames)


@case
def case_passes_persistent_feedback_float() -> Case:
    frames = [Frame(solid(3, 2, [0.1 * n, 2.5 * n, 0.001 * n, -0.5 * n]), time=float(n)) for n in range(1, 5)]
    return Case("passes_persistent_feedback_float", "passes",
                "persistent FLOAT self-feedback (values > 1, < 1/255, < 0)",
                (3, 2), frames, dtype="float32", atol=1e-5, default_dtype="float32")


@case
def case_passes_persistent_starts_transparent() -> Case:
    return Case("passes_persistent_starts_transparent", "passes",
                "a new persistent buffer is (0,0,0,0)", (3, 2),
                [Frame(solid(3, 2, [0, 0, 0, 0])), Frame(solid(3, 2, [0.6, 0.4, 0.2, 0.8]), time=0.5)])


@case
def case_passes_persistent_resize_stretch() -> Case:
    # frame 0: buffer 2x1 = (0.2, 0.8); frame 1: resized to 4x1, old contents stretched
    # (linear filter at the new texel centres), stored RGBA8, then read 1:1.
    old = np.array([[[u8(0.2), 0, 0, 255], [u8(0.8), 0, 0, 255]]], np.uint8)
    stretched = [u8(sample_linear(old, (i + 0.5) / 4, 0.5)[0]) / 255 for i in range(4)]
    first = np.stack([sample_linear(old, (i + 0.5) / 4, 0.5) for i in range(4)])[None]
    second = np.array([[[v, 0, 0, 1] for v in stretched]])
    return Case("passes_persistent_resize_stretch", "passes",
                "resized persistent buffer keeps contents, stretched", (4, 1),
                [Frame(first), Frame(second, time=0.5, inputs={"w": 4.0})])


@case
def case_passes_persistent_discard_clears() -> Case:
    first = solid(4, 2, [0.25, 0, 0, 0.5])
    second = solid(4, 2, [0.5, 0, 0, 1.0])
    second[:, :2] = 0
    third = solid(4, 2, [0.75, 0, 0, 1.0])
    third[:, :2] = 0
    return Case("passes_persistent_discard_clears", "passes",
                "persistent passes also draw into a fresh cleared texture",
                (4, 2), [Frame(first), Frame(second, time=0.5), Frame(third, time=1.0)])


@case
def case_passes_unnamed_nonlast_discarded() -> Case:
    want = solid(4, 2, [0, 1, 0, 1])
    want[:, 2:] = 0
    return Case("passes_unnamed_nonlast_discarded", "passes",
                "an unnamed non-last pass is not visible; output cleared", (4, 2), [Frame(want)])


@case
def case_passes_last_target_is_output() -> Case:
    x, _ = norm_coord(5, 2)
    want = np.stack([x, 0 * x + 0.5, 0 * x, 0 * x + 1], axis=-1)
    return Case("passes_last_target_is_output", "passes", "last pass's TARGET is the output",
                (5, 2), [Frame(want), Frame(want, time=1.0)])


@case
def case_passes_sized_target_sampling() -> Case:
    w, sw = 8, 2
    small = np.array([[[u8((i + 0.5) / sw), u8(1 - (i + 0.5) / sw), 0, 255] for i in range(sw)]], np.uint8)
    want = np.stack([sample_linear(small, (i + 0.5) / w, 0.5) for i in range(w)])[None]
    return Case("passes_sized_target_sampling", "passes",
                "a smaller RGBA8 target stretched with linear filtering", (w, 1), [Frame(want)])


# -- FLOAT (docs/semantics.md, "Persistent and float buffers") -----------------------------
@case
def case_float_unclamped() -> Case:
    return Case("float_unclamped", "float", "FLOAT = RGBA32F unclamped; RGBA8 clamps", (2, 1),
                [Frame(columns(1, [2.5 / 4 + 0.5, -1 / 4 + 0.5, 0.625, 0.75], [0.75, 0.5, 0.625, 0.75]))])


@case
def case_float_precision() -> Case:
    return Case("float_precision", "float", "FLOAT keeps sub-1/255 values, RGBA8 rounds", (2, 1),
                [Frame(solid(2, 1, [0.2, 0.6, 0.0, 1]))])


@case
def case_float_last_pass_output() -> Case:
    x, _ = norm_coord(4, 2)
    want = np.stack([0 * x + 2.5, 0 * x - 1, x, 0 * x + 0.001], axis=-1)
    return Case("float_last_pass_output", "float", "last pass FLOAT: float32 output", (4, 2),
                [Frame(want)], dtype="float32", atol=1e-6, default_dtype="float32")


# -- size expressions (docs/semantics.md, "Passes and targets") ----------------------------
@case
def case_size_expr_constants() -> Case:
    w, h = 10, 5
    want = [target_size(np.floor(w / 3)), target_size(h / 2), 3, 5]
    return Case("size_expr_constants", "size", "WIDTH/HEIGHT expressions, numbers, numeric strings",
                (w, h), [Frame(solid(w, h, np.array(want) / 255))])


@case
def case_size_expr_input_vars() -> Case:
    def want(scale: float, count: int, wide: bool) -> np.ndarray:
        tw, th = target_size(scale * 4 + wide), target_size(count * 2)
        return solid(4, 2, np.array([tw, th, tw, th]) / 255)
    return Case("size_expr_input_vars", "size", "size expressions with $input variables", (4, 2), [
        Frame(want(2, 3, True)),
        Frame(want(1.25, 1, False), time=0.5, inputs={"scale": 1.25, "count": 1, "wide": False}),
        Frame(want(1.25, 1, True), time=1.0, inputs={"wide": True})])


@case
def case_size_expr_functions() -> Case:
    w, h = 16, 4
    a = [target_size(max(np.floor(w * 0.02), 1.0)), target_size(np.sqrt(w * 4))]
    b = [target_size(2 ** 3 - abs(-1)), target_size(np.ceil(h / 3))]
    c = [target_size(w % 5), target_size(min(2, h))]
    want = np.zeros((h, w, 4))
    want[:, 0] = np.array(a + b) / 255
    want[:, 1:] = np.array(c + [0, 1]) / 255
    want[:, 1:, 3] = 1 / 255
    return Case("size_expr_functions", "size", "size-expression functions and operators", (w, h),
                [Frame(want)])


@case
def case_size_rounding() -> Case:
    w, h = 10, 3
    a = (target_size(w / 4), target_size(0.2))
    b = (target_size(h * 0.49), target_size(h * 1.5))
    want = np.zeros((h, w, 4))
    sizes = [target_extent(w / 4), target_extent(0.2), target_extent(h * 0.49), target_extent(h * 1.5)]
    want[:, 0] = np.array(sizes) / 255      # IMG_SIZE: the extent, unrounded
    want[:, 1:] = np.array(sizes) / 255     # each pass's RENDERSIZE: the same
    assert (a, b) == ((3, 1), (1, 5))       # the textures (sampled inside their viewports)
    return Case("size_rounding", "size",
                "target texture = max(1, round(expr)) (halves away from 0); RENDERSIZE and "
                "IMG_SIZE keep max(1, expr)", (w, h), [Frame(want)])


def _fractional_texels(tex: tuple[int, int], view: tuple[int, int], inside: list[float]) -> np.ndarray:
    """A target's texels, top row first: ``inside`` within the viewport, (0,0,0,0) beyond it."""
    out = np.zeros((tex[1], tex[0], 4))
    out[tex[1] - view[1]:, :view[0]] = inside
    return out


@case
def case_size_fractional_target() -> Case:
    w, h = 250, 130
    t = (target_extent(w / 16), target_extent(h / 12))          # 15.625 x 10.833
    u = (target_extent(w / 3), target_extent(h / 16))           # 83.333 x 8.125
    t_tex, u_tex = (target_size(t[0]), target_size(t[1])), (target_size(u[0]), target_size(u[1]))
    want = solid(w, h, [0, 0, 1, 0.5])
    texels = _fractional_texels(t_tex, (int(t[0]), int(t[1])), u8([t[0] % 1, t[1] % 1, 1, 1]) / 255)
    want[h - 1 - t_tex[1]:h - 1, :t_tex[0]] = texels
    want[h - 1, 0] = [t_tex[0] / 255, t_tex[1] / 255, t[0] % 1, t[1] % 1]
    want[h - 1, 1] = [u_tex[0] / 255, u_tex[1] / 255, u[0] % 1, u[1] % 1]
    want[h - 1, 2] = u8([u[0] % 1, u[1] % 1, 1, 1]) / 255
    want[h - 1, 3:] = [0, 0, w / 255, h / 255]
    return Case("size_fractional_target", "size",
                "fractional target: texture rounded, viewport truncated (the rest cleared), "
                "RENDERSIZE and IMG_SIZE unrounded", (w, h), [Frame(want)])


@case
def case_size_fractional_frag_coords() -> Case:
    w, h = 250, 130
    t = (target_extent(w / 16), target_extent(h / 12))
    tex, view = (target_size(t[0]), target_size(t[1])), (int(t[0]), int(t[1]))
    want = solid(w, h, [0, 0, 1, 0.5])
    x, y = pixel_centres(*view)
    inside = np.stack([x / view[0], y / view[1], x / t[0], y / t[1]], axis=-1)
    texels = np.zeros((tex[1], tex[0], 4))
    texels[tex[1] - view[1]:, :view[0]] = inside
    want[h - tex[1]:, :tex[0]] = texels
    return Case("size_fractional_frag_coords", "size",
                "fractional pass: isf_FragNormCoord spans the truncated viewport, "
                "gl_FragCoord / RENDERSIZE uses the unrounded size", (w, h), [Frame(want)])


# -- time (docs/semantics.md, "Built-in uniforms") -----------------------------------------
@case
def case_time_time_values() -> Case:
    times = [0.0, 0.5, 1.0, 2.0, 3.75]
    return Case("time_time_values", "time", "TIME = the render time", (2, 1),
                [Frame(solid(2, 1, [t / 4, t % 1, 0, 1]), time=t) for t in times])


@case
def case_time_timedelta() -> Case:
    times = [0.3, 0.5, 1.0, 0.25]
    deltas = [0.0, 0.2, 0.5, 0.75]
    return Case("time_timedelta", "time", "TIMEDELTA: 0 first, then |dT|", (2, 1),
                [Frame(solid(2, 1, [d, t / 4, 0, 1]), time=t) for t, d in zip(times, deltas, strict=True)])


@case
def case_time_frameindex() -> Case:
    times = [5.0, 5.0, 1.0, 7.0]
    return Case("time_frameindex", "time", "FRAMEINDEX counts rendered frames from 0", (2, 1),
                [Frame(solid(2, 1, [n / 10, 1.0 if n == 0 else 0.0, 0, 1]), time=t) for n, t in enumerate(times)])


@case
def case_time_date() -> Case:
    dates = [(2024, 1, 1, 43200.0), (1999, 12, 31, 86399.0), (2030, 7, 15, 0.0)]
    scale = np.array([4000.0, 20.0, 40.0, 86400.0])
    return Case("time_date", "time", "DATE = (y, m, d, seconds)", (2, 1),
                [Frame(solid(2, 1, np.array(d) / scale), date=d) for d in dates])


@case
def case_time_same_in_every_pass() -> Case:
    return Case("time_same_in_every_pass", "time", "time uniforms equal in all passes", (2, 2),
                [Frame(solid(2, 2, [1, 1, 1, 1]), time=t) for t in (1.25, 2.5, 2.0)])


# -- events (docs/semantics.md, "Inputs") --------------------------------------------------
@case
def case_events_default_false() -> Case:
    return Case("events_default_false", "events", "event defaults to false", (2, 1),
                [Frame(solid(2, 1, [0, 0, 1, 1])), Frame(solid(2, 1, [0, 0, 1, 1]), time=0.5)])


@case
def case_events_one_frame() -> Case:
    def fr(n: int, fired: bool) -> Frame:
        return Frame(solid(2, 1, [float(fired), n / 10, 0, 1]), time=n * 0.5,
                     inputs={"hit": True} if fired else {})
    return Case("events_one_frame", "events", "event true for one frame, then reset", (2, 1),
                [fr(0, False), fr(1, True), fr(2, False), fr(3, True), fr(4, False)])


@case
def case_events_all_passes() -> Case:
    return Case("events_all_passes", "events", "event reset after the frame, not after a pass",
                (2, 1), [Frame(solid(2, 1, [1, 1, 1, 1]), inputs={"hit": True}),
                         Frame(solid(2, 1, [0, 0, 0, 1]), time=0.5)])


@case
def case_events_in_size_expr() -> Case:
    return Case("events_in_size_expr", "events", "event is 0/1 in size expressions", (2, 1), [
        Frame(solid(2, 1, [1 / 255, 1 / 255, 0, 1])),
        Frame(solid(2, 1, [3 / 255, 1 / 255, 0, 1]), time=0.5, inputs={"hit": True}),
        Frame(solid(2, 1, [1 / 255, 1 / 255, 0, 1]), time=1.0)])


# -- IMPORTED (docs/semantics.md, "Imported images and paths") -----------------------------
@case
def case_imported_dict_this_pixel() -> Case:
    pic = picture(5, 3, 41, alpha=True)
    return Case("imported_dict_this_pixel", "imported", "IMPORTED dict form, upright", (5, 3),
                [Frame(f(pic))], files={"pic.png": pic}, tolerance_lsb=0)


@case
def case_imported_array_form() -> Case:
    pic = picture(4, 4, 42)
    return Case("imported_array_form", "imported", "IMPORTED array of {NAME, PATH}", (4, 4),
                [Frame(f(pic))], files={"pic.png": pic}, tolerance_lsb=0)


@case
def case_imported_name_override() -> Case:
    pic = picture(3, 2, 43)
    return Case("imported_name_override", "imported", "NAME overrides the dict key", (3, 2),
                [Frame(f(pic))], files={"pic.png": pic}, tolerance_lsb=0)


@case
def case_imported_subdir_size_upright() -> Case:
    pic = picture(3, 2, 44)
    want = columns(1, [3 / 255, 2 / 255, 0, 1], f(pic[1, 0]), f(pic[0, 2]))
    return Case("imported_subdir_size_upright", "imported", "relative PATH, native size, upright",
                (3, 1), [Frame(want)], files={"sub/dir/pic.png": pic})


# -- custom vertex shaders (docs/semantics.md, "GLSL translation") -------------------------
@case
def case_vertex_shift_right() -> Case:
    w, h = 4, 2
    want = np.zeros((h, w, 4))
    x, _ = norm_coord(w, h)
    # the quad moves right by half the width; isf_FragNormCoord is interpolated across the moved
    # quad: at output pixel x it is (x_ndc_moved + 1) / 2 of the *unmoved* vertex = (x+0.5)/W - 0.5
    want[:, 2:] = np.stack([0 * x + 1, x - 0.5, 0 * x, 0 * x + 1], axis=-1)[:, 2:]
    return Case("vertex_shift_right", "vertex", "custom .vs moves gl_Position (clip space)",
                (w, h), [Frame(want)])


@case
def case_vertex_varying_guarded() -> Case:
    x, y = norm_coord(6, 4)
    return Case("vertex_varying_guarded", "vertex", "custom varying, version-guarded", (6, 4),
                [Frame(np.stack([x / 2, y / 2, 0 * x, 0 * x + 1], axis=-1))])


@case
def case_vertex_varying_unguarded() -> Case:
    _, y = norm_coord(3, 6)
    return Case("vertex_varying_unguarded", "vertex", "unguarded 'varying' rewritten in .fs/.vs",
                (3, 6), [Frame(np.stack([y, 1 - y, 0 * y, 0 * y + 1], axis=-1))])


@case
def case_vertex_uniform_scale() -> Case:
    want = np.zeros((8, 8, 4))
    want[2:6, 2:6] = [0, 0, 1, 1]
    quarter = np.zeros((8, 8, 4))
    quarter[3:5, 3:5] = [0, 0, 1, 1]
    return Case("vertex_uniform_scale", "vertex", "inputs visible in the .vs; uncovered = cleared",
                (8, 8), [Frame(want), Frame(quarter, time=0.5, inputs={"scale": 0.25})], tolerance_lsb=0)


@case
def case_vertex_rendersize_in_vs() -> Case:
    want = solid(3, 8, [1, 1, 0, 1])
    want[-2:] = 0            # moved up 2 pixels: the 2 bottom rows are uncovered
    return Case("vertex_rendersize_in_vs", "vertex", "RENDERSIZE in the .vs", (3, 8), [Frame(want)],
                tolerance_lsb=0)


# -- v1 compatibility (docs/semantics.md, "ISF v1 files") ----------------------------------
@case
def case_v1_vv_fragnormcoord() -> Case:
    x, y = norm_coord(6, 4)
    return Case("v1_vv_fragnormcoord", "v1", "vv_FragNormCoord", (6, 4),
                [Frame(np.stack([x, y, 0 * x, 0 * x + 1], axis=-1))])


@case
def case_v1_vertex_init_name() -> Case:
    x, y = norm_coord(5, 3)
    return Case("v1_vertex_init_name", "v1", "vv_vertShaderInit in a .vs", (5, 3),
                [Frame(np.stack([1 - x, 1 - y, 0 * x, 0 * x + 1], axis=-1))])


@case
def case_v1_persistent_buffers_array() -> Case:
    return Case("v1_persistent_buffers_array", "v1", "PERSISTENT_BUFFERS array", (3, 2),
                [Frame(solid(3, 2, [0.25 * n, 0, 0, 0.25 * n]), time=(n - 1) * 0.5) for n in (1, 2, 3)])


@case
def case_v1_persistent_buffers_dict() -> Case:
    return Case("v1_persistent_buffers_dict", "v1", "PERSISTENT_BUFFERS dict with WIDTH/HEIGHT",
                (4, 2), [Frame(solid(4, 2, [2 / 255, 1 / 255, 0.125 * n, 1]), time=(n - 1) * 0.5) for n in (1, 2, 3)])


# -- audio (docs/semantics.md, "Image helpers") --------------------------------------------
@case
def case_audio_waveform_max_average() -> Case:
    samples = np.array([[-1, -0.5, 0, 0.5, 1, 1, -1, 0], [0.2] * 8], np.float32)
    averaged = samples.astype(np.float64).reshape(2, 4, 2).mean(axis=2)
    v = (0.5 + averaged / 2)[::-1]            # channel 0 = bottom row = last output row
    want = np.stack([v, v, v, np.ones_like(v)], axis=-1)
    return Case("audio_waveform_max_average", "audio", "audio layout; MAX averages", (4, 2),
                [Frame(want, inputs={"snd": samples})])


@case
def case_audio_waveform_native_width() -> Case:
    samples = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0], np.float32)
    v = 0.5 + samples.astype(np.float64) / 2
    want = np.stack([v, v, 0 * v + 6 / 255, 0 * v + 1 / 255], axis=-1)[None]
    return Case("audio_waveform_native_width", "audio", "audio width = samples without MAX", (6, 1),
                [Frame(want, inputs={"snd": samples})])


@case
def case_audio_waveform_channels_rows() -> Case:
    samples = np.array([[-1, -0.5, 0, 0.5], [0.5, 0.5, 0.5, 0.5], [1, 0, -1, 0]], np.float32)
    v = (0.5 + samples.astype(np.float64) / 2)[::-1]
    want = np.stack([v, v, v, np.ones_like(v)], axis=-1)
    return Case("audio_waveform_channels_rows", "audio", "audio channel k = row k from the bottom",
                (4, 3), [Frame(want, inputs={"snd": samples})])


@case
def case_audio_fft_layout() -> Case:
    n = 16
    t = np.arange(n)
    # pure cosines: channel 0 at bin 3, channel 1 at bin 5, equal amplitude; rfft has n/2+1 = 9
    # bins (= MAX, so no resampling); normalised by min/max: 1 at the peak bin, 0 elsewhere
    samples = np.stack([np.cos(2 * np.pi * 3 * t / n), np.cos(2 * np.pi * 5 * t / n)]).astype(np.float32) * 0.8
    peak = np.zeros((2, 9))
    peak[0, 3] = peak[1, 5] = 1.0
    v = peak[::-1]
    want = np.stack([v, 0 * v + 9 / 255, 0 * v + 2 / 255, 0 * v + 1], axis=-1)
    return Case("audio_fft_layout", "audio", "audioFFT: rows = channels, column = bin, 0..1",
                (9, 2), [Frame(want, inputs={"fft": samples})])


@case
def case_audio_unset() -> Case:
    return Case("audio_unset", "audio", "unset audio reads opaque black (0,0,0,1), size (1,1)", (2, 1),
                [Frame(solid(2, 1, [0.25, 0.25, 0, 0.75]))])


# -- transitions (docs/semantics.md, "Files and the header") -------------------------------
@case
def case_transition_mix() -> Case:
    a, b = picture(5, 3, 51), picture(5, 3, 52)
    frames = [Frame(f(a) + (f(b) - f(a)) * p, time=i * 0.5,
                    inputs={"startImage": a, "endImage": b, "progress": p})
              for i, p in enumerate((0.0, 0.25, 1.0))]
    return Case("transition_mix", "transition", "transition cross-fade by progress", (5, 3), frames)


@case
def case_transition_wipe() -> Case:
    a, b = picture(8, 2, 53), picture(8, 2, 54)
    x, _ = norm_coord(8, 2)

    def wipe(p: float) -> np.ndarray:
        return np.where((x < p)[..., None], f(b), f(a))
    return Case("transition_wipe", "transition", "wipe; progress without DEFAULT = 0.5", (8, 2), [
        Frame(wipe(0.5), inputs={"startImage": a, "endImage": b}),
        Frame(wipe(0.25), time=0.5, inputs={"progress": 0.25})])


# -- output and header parsing -------------------------------------------------------------
@case
def case_output_straight_alpha() -> Case:
    return Case("output_straight_alpha", "output", "no blending, straight alpha", (2, 1),
                [Frame(columns(1, [1, 0.5, 0.25, 0.5], [0.8, 0.6, 0.4, 0.0]))])


@case
def case_output_rgba8_clamps() -> Case:
    return Case("output_rgba8_clamps", "output", "RGBA8 clamps and rounds", (2, 1),
                [Frame(solid(2, 1, [1, 0, 0.2, 1]))])


@case
def case_parse_header_after_text() -> Case:
    return Case("parse_header_after_text", "parse", "header = first /* */ anywhere", (2, 1),
                [Frame(solid(2, 1, [0.75, 0, 0, 1]))])


@case
def case_parse_header_same_line_discarded() -> Case:
    return Case("parse_header_same_line_discarded", "parse", "text after */ on its line discarded",
                (2, 1), [Frame(solid(2, 1, [0, 0.25, 0, 1]))])

