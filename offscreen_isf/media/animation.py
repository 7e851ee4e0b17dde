"""Animated GIF and WebP previews (Pillow): every frame of a run in one looping file.

Frames arrive top row first (any dtype; float frames are clamped and quantised to 8 bits)
and are held in memory until :meth:`AnimationWriter.close` encodes and atomically writes
the file, so :func:`check_animation` refuses runs over :data:`MAX_ANIMATION_BYTES` before
anything is drawn (a video or an image sequence has no such limit).  GIF stores 256 colours
per frame and no alpha; WebP keeps alpha (lossless at ``quality`` 100).  Frame durations
are whole milliseconds (GIF: hundredths of a second), the nearest to 1 / fps.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError, UsageError
from .formats import EncodeSettings
from .output import atomic_write_bytes, to_pil

if TYPE_CHECKING:
    import PIL.Image

__all__ = ["ANIMATION_SUFFIXES", "AnimationWriter", "check_animation", "MAX_ANIMATION_BYTES"]

#: suffix -> Pillow format
ANIMATION_SUFFIXES = {".gif": "GIF", ".webp": "WEBP"}
#: the most RGBA bytes (width x height x 4 x frames) an animation may hold before encoding
MAX_ANIMATION_BYTES = 2 * 1024 ** 3


def check_animation(path: str, size: tuple[int, int], frames: int) -> None:
    """UsageError when ``frames`` frames of ``size`` would not fit :data:`MAX_ANIMATION_BYTES`."""
    need = size[0] * size[1] * 4 * frames
    if need > MAX_ANIMATION_BYTES:
        raise UsageError(f"-o {path}: an animated preview holds every frame in memory ({frames} frames of "
                         f"{size[0]}x{size[1]} need {need / 1024 ** 3:.1f} GiB, at most "
                         f"{MAX_ANIMATION_BYTES / 1024 ** 3:.0f}); use a smaller --size, fewer frames, "
                         "a video (.mp4/.webm) or an image sequence (f_%05d.png)")


@dataclass
class AnimationWriter:
    """Collect (H, W, 4) frames in call order; ``close()`` writes ``path``, ``abort()``
    drops them.  Same interface as :class:`~offscreen_isf.media.video.VideoWriter`."""

    path: Path
    size: tuple[int, int]
    fps: float
    settings: EncodeSettings = field(default_factory=EncodeSettings)
    _images: list[PIL.Image.Image] = field(default_factory=list, init=False, repr=False)

    def open(self) -> AnimationWriter:
        if self.path.suffix.lower() not in ANIMATION_SUFFIXES:
            raise UsageError(f"unknown animation suffix {self.path.suffix!r}: use .gif or .webp")
        return self

    @property
    def frames(self) -> int:
        return len(self._images)

    def write(self, frame: np.ndarray) -> None:
        """Append one frame (top row first)."""
        if frame.shape != (self.size[1], self.size[0], 4):
            raise InputError(f"animation frame must be {self.size[1]}x{self.size[0]}x4, got {frame.shape}")
        image = to_pil(frame)
        # GIF: one palette per frame, made now so only 1 byte per pixel is kept
        self._images.append(image.convert("RGB").quantize(256) if self._format == "GIF" else image)

    @property
    def _format(self) -> str:
        return ANIMATION_SUFFIXES[self.path.suffix.lower()]

    def close(self) -> Path:
        """Encode every frame and move the file into place."""
        if not self._images:
            raise InputError(f"{self.path}: an animation needs at least one frame")
        first, *rest = self._images
        duration = max(1, round(1000.0 / self.fps))
        buffer = io.BytesIO()
        extra: dict[str, object] = {}
        if self._format == "WEBP":
            lossless = self.settings.quality == 100
            extra = {"quality": self.settings.quality, "lossless": lossless, "exact": lossless}
        first.save(buffer, format=self._format, save_all=True, append_images=rest, duration=duration,
                   loop=0, **extra)
        self._images = []
        return atomic_write_bytes(self.path, buffer.getvalue())

    def abort(self) -> None:
        """Drop the collected frames.  Idempotent."""
        self._images = []
