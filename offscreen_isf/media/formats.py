"""Still-image output formats by suffix: what each writes, what it keeps, and how ``--resume``
tells a finished file.  A suffix not in :data:`IMAGE_FORMATS` (nor a video or animation
suffix) is refused before anything is drawn.

=================  ==========  ========================================================
suffix             package     what is stored (frames top row first)
=================  ==========  ========================================================
``.png``           (none)      RGBA, 8-bit; float frames 16-bit (clamped to 0..1)
``.tif .tiff``     tifffile    RGBA, 8-bit; float frames 32-bit float, unclamped
``.exr``           OpenEXR     RGBA half (default) or 32-bit float, unclamped, ZIP
                               compressed; 8-bit frames as value / 255
``.jpg .jpeg``     Pillow      RGB, 8-bit (alpha dropped), ``quality`` 1-100
``.webp``          Pillow      RGBA, 8-bit; lossless at ``quality`` 100, else lossy
=================  ==========  ========================================================

No colour transform is applied: values are written as the shader produced them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, UsageError, missing_extra
from .output import (
    DEFAULT_PNG_LEVEL,
    atomic_write_bytes,
    encode_tiff,
    png_is_complete,
    tiff_is_complete,
    to_pil,
)
from .pngenc import encode_png

__all__ = ["EncodeSettings", "ImageFormat", "IMAGE_FORMATS", "image_format", "write_frame",
           "frame_is_complete", "encode_frame", "EXR_TYPES"]

#: ``--exr-type`` -> numpy sample type
EXR_TYPES = {"half": np.float16, "float": np.float32}


@dataclass(frozen=True)
class EncodeSettings:
    """How frames are encoded: PNG zlib level (0-9), JPEG/WebP quality (1-100; WebP 100 is
    lossless) and the EXR sample type (``"half"`` or ``"float"``)."""

    png_level: int = DEFAULT_PNG_LEVEL
    quality: int = 95
    exr_type: str = "half"

    def __post_init__(self) -> None:
        if not 0 <= self.png_level <= 9:
            raise UsageError(f"PNG compression must be 0-9, got {self.png_level}")
        if not 1 <= self.quality <= 100:
            raise UsageError(f"quality must be 1-100, got {self.quality}")
        if self.exr_type not in EXR_TYPES:
            raise UsageError(f"EXR type must be one of {', '.join(EXR_TYPES)}, got {self.exr_type!r}")


@dataclass(frozen=True)
class ImageFormat:
    """One still format: its name, the module it needs (an extra), its encoder and its
    completeness check ``(path, (width, height), frames' dtype) -> bool``."""

    name: str
    module: str | None
    extra: tuple[str, tuple[str, ...]] | None          # (setup.cfg extra, pip packages)
    encode: Callable[[np.ndarray, EncodeSettings], bytes]
    is_complete: Callable[[str | os.PathLike[str], tuple[int, int], str], bool]

    def require(self) -> None:
        """:class:`~offscreen_isf.errors.MissingExtraError` when its package is missing."""
        if self.module is None or self.extra is None:
            return
        try:
            __import__(self.module)
        except ImportError:
            raise missing_extra(f"{self.name} output", *self.extra) from None


def _encode_exr(frame: np.ndarray, settings: EncodeSettings) -> bytes:
    import OpenEXR  # noqa: PLC0415

    values = frame.astype(np.float32) / 255.0 if frame.dtype == np.uint8 else frame
    pixels = np.ascontiguousarray(values, EXR_TYPES[settings.exr_type])
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    buffer = io.BytesIO()
    with OpenEXR.File(header, {"RGBA": pixels}) as exr:
        exr.write(buffer)
    return buffer.getvalue()


def _exr_is_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    """A whole EXR of ``size`` with R, G, B and A (every scanline decoded)."""
    try:
        import OpenEXR  # noqa: PLC0415

        with OpenEXR.File(os.fspath(path)) as exr:
            rgba = exr.channels().get("RGBA")
            return rgba is not None and tuple(rgba.pixels.shape) == (size[1], size[0], 4)
    except (ImportError, OSError, RuntimeError, ValueError, KeyError):
        return False


def _pillow_encoder(fmt: str) -> Callable[[np.ndarray, EncodeSettings], bytes]:
    def encode(frame: np.ndarray, settings: EncodeSettings) -> bytes:
        image = to_pil(frame)
        buffer = io.BytesIO()
        if fmt == "JPEG":
            image.convert("RGB").save(buffer, format="JPEG", quality=settings.quality)
        else:
            # exact: lossless keeps the colour of fully transparent pixels too
            image.save(buffer, format="WEBP", quality=settings.quality, lossless=settings.quality == 100,
                       exact=settings.quality == 100)
        return buffer.getvalue()
    return encode


def _pillow_is_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    """Pillow opens ``path``, its size is ``size`` and every pixel decodes."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(path) as image:
            if image.size != tuple(size):
                return False
            image.load()
            return True
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return False


def _png_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    return png_is_complete(path, size, 8 if dtype == "uint8" else 16)


_PNG = ImageFormat("PNG", None, None, lambda f, s: encode_png(f, s.png_level), _png_complete)
_TIFF = ImageFormat("TIFF", "tifffile", ("tiff", ("tifffile",)), lambda f, s: encode_tiff(f),
                    tiff_is_complete)
_EXR = ImageFormat("OpenEXR", "OpenEXR", ("exr", ("OpenEXR",)), _encode_exr, _exr_is_complete)
_JPEG = ImageFormat("JPEG", None, None, _pillow_encoder("JPEG"), _pillow_is_complete)
_WEBP = ImageFormat("WebP", None, None, _pillow_encoder("WEBP"), _pillow_is_complete)

#: lower-case suffix -> still format
IMAGE_FORMATS: dict[str, ImageFormat] = {
    ".png": _PNG, ".tif": _TIFF, ".tiff": _TIFF, ".exr": _EXR,
    ".jpg": _JPEG, ".jpeg": _JPEG, ".webp": _WEBP,
}


def image_format(path: str | os.PathLike[str]) -> ImageFormat:
    """The format of an image output by its suffix; :class:`UsageError` for any other."""
    suffix = Path(path).suffix.lower()
    fmt = IMAGE_FORMATS.get(suffix)
    if fmt is None:
        known = " ".join(sorted(IMAGE_FORMATS))
        raise UsageError(f"-o {os.fspath(path)}: {'no suffix' if not suffix else repr(suffix)} is not an "
                         f"output format; images: {known}; animations: .gif .webp; videos: "
                         ".mp4 .mov .webm .mkv; or - for raw frames")
    return fmt


def encode_frame(path: str | os.PathLike[str], frame: np.ndarray, settings: EncodeSettings) -> bytes:
    """The file bytes of ``frame`` ((H, W, 4), top row first) in the format of ``path``."""
    if frame.ndim != 3 or frame.shape[2] != 4:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")
    fmt = image_format(path)
    fmt.require()
    return fmt.encode(frame, settings)


def write_frame(path: str | os.PathLike[str], frame: np.ndarray,
                settings: EncodeSettings | None = None) -> Path:
    """Write one frame atomically in the format of its suffix (:data:`IMAGE_FORMATS`)."""
    return atomic_write_bytes(path, encode_frame(path, frame, settings or EncodeSettings()))


def frame_is_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    """True when the frame file at ``path`` is complete for ``size`` (width, height) and the
    frames' ``dtype`` (``"uint8"`` or ``"float32"``), judged by its format."""
    return image_format(path).is_complete(path, size, dtype)
