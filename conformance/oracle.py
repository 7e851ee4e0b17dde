"""Oracle helpers shared by the conformance cases, the runner and the tests.

Everything here is plain numpy: expected images are derived from the ISF rules
(docs/semantics.md), never from a rendering.  Arrays are (height, width, 4), **top row first** (the
public API's output convention); GL's bottom-up row y is ``H - 1 - row``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: RGBA8 writes round to nearest; GL allows either neighbour at (near-)ties (NVIDIA stores
#: 0.5 as 127, Mesa as 128), so an 8-bit result may differ from the oracle by this many LSB.
U8_TIES_LSB = 1
#: corpus mode: a pixel is "within tolerance" when every channel is within this many LSB ...
CORPUS_TOLERANCE = 2
#: ... and a frame passes when at least this share of its pixels is.
CORPUS_PIXEL_SHARE = 0.99


def u8(x: np.ndarray | float | list[float]) -> np.ndarray:
    """What an RGBA8 write stores for float ``x``: clamp to [0, 1], round to nearest."""
    return np.round(np.clip(np.asarray(x, np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)


def solid(width: int, height: int, rgba: list[float] | tuple[float, ...]) -> np.ndarray:
    """A (height, width, 4) float64 image of one colour."""
    return np.broadcast_to(np.asarray(rgba, np.float64), (height, width, 4)).copy()


def unknown(width: int, height: int) -> np.ndarray:
    """An expected image where nothing is checked yet (NaN = don't care)."""
    return np.full((height, width, 4), np.nan)


def pixel_centres(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """gl_FragCoord.x and .y of every output pixel, each (height, width), top row first.

    Fragment i has gl_FragCoord.x = i + 0.5; y counts from the bottom (docs/semantics.md,
    "Coordinates and orientation").
    """
    x = np.arange(width) + 0.5
    y = (np.arange(height) + 0.5)[::-1]
    return np.broadcast_to(x, (height, width)).copy(), np.broadcast_to(y[:, None], (height, width)).copy()


def norm_coord(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """isf_FragNormCoord (docs/semantics.md, "Built-in uniforms"): gl_FragCoord / RENDERSIZE, (0,0) bottom-left."""
    x, y = pixel_centres(width, height)
    return x / width, y / height


def gl_rows(image: np.ndarray) -> np.ndarray:
    """Top-row-first image -> GL texel order (row 0 = bottom)."""
    return np.asarray(image)[::-1]


def texel(image: np.ndarray, x: int, y_from_bottom: int) -> np.ndarray:
    """Texel (x, y) of a top-row-first image, in GL coordinates, clamped to the edge."""
    h, w = image.shape[:2]
    return np.asarray(image)[h - 1 - min(max(y_from_bottom, 0), h - 1), min(max(x, 0), w - 1)]


def sample_linear(image: np.ndarray, u: float, v: float) -> np.ndarray:
    """GL_LINEAR + GL_CLAMP_TO_EDGE lookup at normalised (u, v) (v from the bottom), no
    mipmaps (docs/semantics.md, "Image helpers").  ``image`` is top row first, float or uint8; returns float64 0..1
    for uint8 input."""
    img = np.asarray(image, np.float64)
    if np.asarray(image).dtype == np.uint8:
        img = img / 255.0
    tex = img[::-1]
    h, w = tex.shape[:2]
    fx, fy = u * w - 0.5, v * h - 0.5
    x0, y0 = math.floor(fx), math.floor(fy)
    ax, ay = fx - x0, fy - y0

    def at(x: int, y: int) -> np.ndarray:
        return tex[min(max(y, 0), h - 1), min(max(x, 0), w - 1)]

    return ((1 - ax) * (1 - ay) * at(x0, y0) + ax * (1 - ay) * at(x0 + 1, y0)
            + (1 - ax) * ay * at(x0, y0 + 1) + ax * ay * at(x0 + 1, y0 + 1))


def round_half_away(x: float) -> int:
    """C ``round()``: halves away from zero (Python's round() is half-to-even)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def target_size(value: float) -> int:
    """A pass target's texture is max(1, round(expr)) texels (docs/semantics.md, "Passes and targets")."""
    return max(1, round_half_away(value))


def target_extent(value: float) -> float:
    """A pass target's extent, what RENDERSIZE and _NAME_imgSize see: max(1, expr), unrounded
    (docs/semantics.md, "Passes and targets"); the viewport is it truncated."""
    return max(1.0, float(value))


def this_pixel(image: np.ndarray, rendersize: tuple[float, float]) -> np.ndarray:
    """IMG_THIS_PIXEL(image) over a pass of ``rendersize`` (docs/semantics.md, "Image helpers"):
    the viewport is the size truncated, and each fragment samples (GL_LINEAR) at
    isf_FragNormCoord * round(floor(RENDERSIZE) / image size).  Top row first, float 0..1."""
    vw, vh = int(rendersize[0]), int(rendersize[1])
    ih, iw = np.asarray(image).shape[:2]
    kx, ky = round_half_away(vw / iw), round_half_away(vh / ih)
    u, v = norm_coord(vw, vh)
    out = np.empty((vh, vw, 4))
    for row in range(vh):
        for col in range(vw):
            out[row, col] = sample_linear(image, u[row, col] * kx, v[row, col] * ky)
    return out


@dataclass
class FrameMetrics:
    """How far one rendered frame is from its reference (reference = oracle or VVISF-GL)."""

    max_abs: int            # largest per-channel difference, in 1/255 steps (or float units*255)
    share_off: float        # share of checked pixels with some channel off by more than the tolerance
    psnr: float             # dB over the checked pixels (inf when identical)
    checked: int            # number of pixels compared

    def as_dict(self) -> dict[str, float | int | None]:
        """JSON-friendly (inf PSNR becomes None)."""
        return {"max_abs": self.max_abs, "share_off": round(self.share_off, 6),
                "psnr": None if math.isinf(self.psnr) else round(self.psnr, 2), "checked": self.checked}


def metrics(ours: np.ndarray, reference: np.ndarray, tolerance: float,
            mask: np.ndarray | None = None) -> FrameMetrics:
    """Compare two images in 0..255 units (uint8, or float scaled by 255).

    ``tolerance``: a pixel is off when any channel differs by more than this.  ``mask``
    (H, W, 4) bool: channels to check (default: all).
    """
    a = np.asarray(ours, np.float64)
    b = np.asarray(reference, np.float64)
    diff = np.abs(a - b)
    if mask is None:
        mask = np.ones(diff.shape, bool)
    diff = np.where(mask, diff, 0.0)
    checked_px = mask.any(axis=2)
    checked = int(checked_px.sum())
    if checked == 0:
        return FrameMetrics(0, 0.0, math.inf, 0)
    off = (diff > tolerance + 1e-9).any(axis=2) & checked_px
    mse = float((diff[mask] ** 2).mean())
    psnr = math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)
    return FrameMetrics(int(math.ceil(diff.max() - 1e-9)), float(off.sum() / checked), psnr, checked)


def amplified_difference(ours: np.ndarray, reference: np.ndarray, gain: float = 16.0) -> np.ndarray:
    """|ours - reference| of RGB (max with alpha's difference in every channel), times
    ``gain``, as an opaque uint8 RGBA image for the report."""
    a = np.asarray(ours, np.float64)
    b = np.asarray(reference, np.float64)
    d = np.abs(a - b)
    rgb = np.maximum(d[..., :3], d[..., 3:4])
    out = np.empty(a.shape[:2] + (4,), np.uint8)
    out[..., :3] = np.clip(np.nan_to_num(rgb) * gain, 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out


# ---------------------------------------------------------------------------------------------
# comparison rules of corpus mode
# ---------------------------------------------------------------------------------------------

#: the rules ``python -m conformance --corpus --rule NAME`` knows
RULES = ("strict", "gpu")

#: SSIM window: the standard Gaussian weighting (sigma 1.5 pixels, truncated at 3.5 sigma, an
#: 11x11 window) and stabilising constants K1, K2 for 8-bit data (L = 255)
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03
#: Rec. 601 luma weights: SSIM is taken on luminance, where structure lives
LUMA = (0.299, 0.587, 0.114)

#: gpu rule, (a): mean SSIM of the luminance at least this ...
GPU_SSIM_MIN = 0.85
#: ... (b): at least this share of pixels within ``GPU_TOLERANCE`` LSB in every channel ...
GPU_PIXEL_SHARE = 0.95
GPU_TOLERANCE = 8
#: ... and the mean absolute difference over all channels of all pixels at most this (LSB).
GPU_MEAN_ABS_MAX = 4.0


def _gaussian_kernel(sigma: float = SSIM_SIGMA, truncate: float = SSIM_TRUNCATE) -> np.ndarray:
    """The normalised 1-D Gaussian of the SSIM window (radius ``int(truncate * sigma + 0.5)``)."""
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def _blur(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable convolution of a 2-D float image with ``kernel`` along both axes; the edges are
    mirrored with the edge sample repeated (``d c b a | a b c d``)."""
    r = len(kernel) // 2
    padded = np.pad(image, r, mode="symmetric")
    h, w = image.shape
    rows = np.zeros((padded.shape[0], w))
    for i, weight in enumerate(kernel):
        rows += weight * padded[:, i:i + w]
    out = np.zeros((h, w))
    for i, weight in enumerate(kernel):
        out += weight * rows[i:i + h, :]
    return out


def luma(image: np.ndarray) -> np.ndarray:
    """Rec. 601 luminance of an (H, W, 3|4) image in its own units (0..255 for uint8);
    alpha is ignored (the per-pixel bars check it)."""
    a = np.asarray(image, np.float64)
    return np.asarray(a[..., 0] * LUMA[0] + a[..., 1] * LUMA[1] + a[..., 2] * LUMA[2])


def ssim(ours: np.ndarray, reference: np.ndarray, data_range: float = 255.0) -> float:
    """Mean structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004) of the luminance of
    two (H, W, 3|4) images in 0..``data_range`` units: 1.0 when identical, near 0 for unrelated
    content.

    The standard formulation: local means, variances and covariance under an 11x11 Gaussian
    window (sigma 1.5, population statistics), ``K1 = 0.01``, ``K2 = 0.03``; the map is averaged
    over the pixels whose window lies inside the image (a border of the window radius is left
    out; an image smaller than the window is averaged whole).  Plain numpy so that the
    comparison needs nothing beyond the test dependencies.
    """
    x, y = luma(ours), luma(reference)
    k = _gaussian_kernel()
    mx, my = _blur(x, k), _blur(y, k)
    vx = _blur(x * x, k) - mx * mx
    vy = _blur(y * y, k) - my * my
    cxy = _blur(x * y, k) - mx * my
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    smap = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    r = len(k) // 2
    inner = smap[r:-r, r:-r] if min(smap.shape) > 2 * r else smap
    return float(inner.mean())


@dataclass
class GpuVerdict:
    """One frame judged by the gpu rule (see :func:`gpu_rule`)."""

    passed: bool
    strict: bool            # passed the strict rule (every GPU judgement starts there)
    ssim: float             # mean luminance SSIM
    within_loose: float     # share of pixels within GPU_TOLERANCE in every channel
    mean_abs: float         # mean absolute difference over all channels, LSB

    def as_dict(self) -> dict[str, float | bool]:
        """JSON-friendly."""
        return {"gpu_pass": self.passed, "ssim": round(self.ssim, 5),
                "within_loose": round(self.within_loose, 5), "mean_abs": round(self.mean_abs, 3)}


def gpu_rule(ours: np.ndarray, reference: np.ndarray) -> GpuVerdict:
    """Judge one RGBA8 frame (top row first, 0..255) by the gpu rule.

    A frame passes when it passes the strict rule (>= ``CORPUS_PIXEL_SHARE`` of its pixels
    within ``CORPUS_TOLERANCE`` LSB in every channel), or when all three looser bars hold:

    * (a) structure: mean luminance SSIM >= ``GPU_SSIM_MIN``.  SSIM compares local means,
      contrast and correlation, so a picture drawn upside down, shifted, half missing or at
      another moment scores low even when its colours are close; a few LSB of noise on a
      flat area lowers it only to where the ``K2`` constant caps the effect;
    * (b) per pixel: >= ``GPU_PIXEL_SHARE`` of the pixels within ``GPU_TOLERANCE`` LSB in every
      channel (alpha included, so swapped or missing channels fail here).  A GPU's own
      transcendental functions and rounding move smooth gradients by a few LSB and flip
      isolated pixels on hard edges or in a small hash-noise area; a wrong translation or state
      moves far more than one pixel in twenty;
    * and the mean absolute difference over all channels <= ``GPU_MEAN_ABS_MAX`` LSB, so a
      frame cannot trade a large error on a few pixels for being exact elsewhere.

    What neither bar accepts (a whole frame of chaotic hash noise) is left to the classifier
    (``conformance/classify.py``), which measures whether our own output is just as chaotic
    under a tiny nudge.  The bars were chosen so that the crafted real-bug perturbations in
    ``tests/test_conformance_gpu_rule.py`` fail and the precision-like ones pass.
    """
    strict = metrics(ours, reference, CORPUS_TOLERANCE)
    loose = metrics(ours, reference, GPU_TOLERANCE)
    mean_abs = float(np.abs(np.asarray(ours, np.float64) - np.asarray(reference, np.float64)).mean())
    s = ssim(ours, reference)
    strict_ok = 1.0 - strict.share_off >= CORPUS_PIXEL_SHARE
    loose_ok = (s >= GPU_SSIM_MIN and 1.0 - loose.share_off >= GPU_PIXEL_SHARE
                and mean_abs <= GPU_MEAN_ABS_MAX)
    return GpuVerdict(strict_ok or loose_ok, strict_ok, s, 1.0 - loose.share_off, mean_abs)
