"""Writing frames: PNG files (8-bit, or 16-bit per channel for float frames)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["write_png", "to_pil"]


def to_pil(frame: np.ndarray):  # -> PIL.Image.Image
    """An RGBA PIL image of a top-row-first frame (float frames are clamped and quantised)."""
    from PIL import Image  # noqa: PLC0415

    if frame.dtype != np.uint8:
        frame = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(frame, "RGBA")


def write_png(path: str | os.PathLike[str], frame: np.ndarray) -> Path:
    """Write ``frame`` ((H, W, 4), top row first) to ``path`` atomically.

    uint8 frames become 8-bit RGBA PNGs; float32 frames 16-bit RGBA PNGs (values clamped
    to 0..1).  The file appears complete or not at all (written beside it, then renamed).
    """
    if frame.ndim != 3 or frame.shape[2] != 4:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if frame.dtype == np.uint8:
                to_pil(frame).save(fh, format="PNG")
            else:
                import png  # noqa: PLC0415 - pypng: 16-bit RGBA, which Pillow cannot write

                rows = (np.clip(frame, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
                png.Writer(frame.shape[1], frame.shape[0], greyscale=False, alpha=True,
                           bitdepth=16).write(fh, rows.reshape(frame.shape[0], -1))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
