"""The gpu comparison rule (``conformance.oracle.gpu_rule``): real bugs fail it, precision-like
differences pass it.  Pure numpy, no GL.

The frames are crafted: a colourful smooth picture with sharp stripes (so a one-pixel shift
moves many pixels), drawn at a TIME.  Each bug perturbation must fail; a few LSB of noise, or a
small hash-noise area whose speckle differs, must pass (and fail the strict rule, so the gpu
rule is what lets them through)."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.oracle import (
    CORPUS_PIXEL_SHARE,
    GPU_MEAN_ABS_MAX,
    GPU_PIXEL_SHARE,
    GPU_SSIM_MIN,
    _gaussian_kernel,
    gpu_rule,
    metrics,
    ssim,
)

W, H = 160, 96


def picture(time: float = 0.5) -> np.ndarray:
    """RGBA8, top row first: moving colour gradients plus hard vertical stripes 8 px wide."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    u, v = x / W, y / H
    r = 0.5 + 0.5 * np.sin(6.0 * u + 3.0 * time)
    g = v * (0.6 + 0.4 * np.cos(4.0 * u - 2.0 * time))
    b = 0.5 + 0.5 * np.cos(5.0 * v + 2.0 * time)
    stripes = ((x // 8) % 2 == 0) & (v > 0.55)
    rgb = np.stack([r, g, b], axis=-1)
    rgb[stripes] = [0.05, 0.05, 0.05]
    a = np.ones((H, W, 1))
    return np.round(np.concatenate([rgb, a], axis=-1) * 255).astype(np.uint8)


def strict_passes(ours: np.ndarray, ref: np.ndarray) -> bool:
    return 1.0 - metrics(ours, ref, 2).share_off >= CORPUS_PIXEL_SHARE


REF = picture()
RNG = np.random.default_rng(7)


def _half_black(a: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[: H // 2, :, :3] = 0
    return out


BUGS = {
    "vertically flipped": lambda a: a[::-1].copy(),
    "red and blue swapped": lambda a: a[..., [2, 1, 0, 3]].copy(),
    "top half black": _half_black,
    "shifted one pixel right": lambda a: np.roll(a, 1, axis=1),
    "drawn at another TIME": lambda a: picture(0.75),
}


def _noise(a: np.ndarray) -> np.ndarray:
    return np.clip(a.astype(int) + RNG.integers(-4, 5, a.shape) * [1, 1, 1, 0], 0, 255).astype(np.uint8)


def _speckle(a: np.ndarray) -> np.ndarray:
    """A 12x12 hash-noise patch (about 1% of the frame) whose speckle differs completely, on
    top of a few LSB of noise everywhere (so that the strict rule alone fails)."""
    out = _noise(a)
    out[10:22, 20:32, :3] = RNG.integers(0, 256, (12, 12, 3))
    out[50:62, 100:112, :3] = RNG.integers(0, 256, (12, 12, 3))
    return out


BENIGN = {"noise of a few LSB": _noise, "hash-noise area with other speckle": _speckle}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_real_bugs_fail_the_gpu_rule(name: str) -> None:
    ours = BUGS[name](REF)
    verdict = gpu_rule(ours, REF)
    assert not verdict.passed, (name, verdict)
    assert not verdict.strict


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_precision_like_differences_pass_the_gpu_rule_only(name: str) -> None:
    ours = BENIGN[name](REF)
    assert not strict_passes(ours, REF), "the perturbation must be one the strict rule rejects"
    verdict = gpu_rule(ours, REF)
    assert verdict.passed and not verdict.strict, (name, verdict)
    assert verdict.ssim >= GPU_SSIM_MIN and verdict.within_loose >= GPU_PIXEL_SHARE
    assert verdict.mean_abs <= GPU_MEAN_ABS_MAX


def test_identical_and_strict_frames_pass() -> None:
    v = gpu_rule(REF, REF)
    assert v.passed and v.strict and v.ssim == pytest.approx(1.0) and v.mean_abs == 0.0
    one_lsb = np.clip(REF.astype(int) + 1, 0, 255).astype(np.uint8)
    assert gpu_rule(one_lsb, REF).strict


def test_each_bar_has_teeth() -> None:
    """Every one of the three looser bars rejects something the other two accept."""
    # (a) SSIM: a low-contrast checker shifted by half its period stays within 8 LSB everywhere
    y, x = np.mgrid[0:H, 0:W]
    flat = np.full((H, W, 4), 120, np.uint8)
    flat[..., 3] = 255
    texture = flat.copy()
    texture[..., :3] += (((x // 3 + y // 3) % 2) * 5).astype(np.uint8)[..., None]
    shifted = np.roll(texture, 3, axis=1)
    v = gpu_rule(shifted, texture)
    assert v.within_loose == 1.0 and v.mean_abs <= GPU_MEAN_ABS_MAX and not v.passed
    # (b) pixel share: 6% of pixels wildly off, the rest exact
    bad = REF.copy()
    bad[:, : int(W * 0.06), :3] = 255 - bad[:, : int(W * 0.06), :3]
    assert gpu_rule(bad, REF).within_loose < GPU_PIXEL_SHARE and not gpu_rule(bad, REF).passed
    # mean abs: every pixel off by 6 LSB is within 8 LSB and structurally the same picture
    offset = np.clip(REF.astype(int) + [6, 6, 6, 0], 0, 255).astype(np.uint8)
    v = gpu_rule(offset, REF)
    assert v.within_loose == 1.0 and v.ssim >= GPU_SSIM_MIN and v.mean_abs > GPU_MEAN_ABS_MAX
    assert not v.passed


def test_ssim_is_the_standard_formula() -> None:
    """Known values: 1 for identical images, symmetric, lower for more noise, the window is
    the normalised 11-tap Gaussian of sigma 1.5; a constant offset on a flat image only
    touches the luminance term: (2*m1*m2 + C1) / (m1^2 + m2^2 + C1)."""
    k = _gaussian_kernel()
    assert len(k) == 11 and k.sum() == pytest.approx(1.0) and k[5] == k.max()
    a = _noise(REF)
    assert ssim(a, REF) == pytest.approx(ssim(REF, a))
    more = np.clip(REF.astype(int) + RNG.integers(-30, 31, REF.shape), 0, 255).astype(np.uint8)
    assert ssim(more, REF) < ssim(a, REF) < 1.0
    m1, m2 = 100.0, 110.0
    c1 = (0.01 * 255) ** 2
    one = np.full((32, 32, 4), m1)
    two = np.full((32, 32, 4), m2)
    assert ssim(one, two) == pytest.approx((2 * m1 * m2 + c1) / (m1 * m1 + m2 * m2 + c1))
