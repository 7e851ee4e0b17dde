"""Writing frames: PNG files (8-bit, or 16-bit per channel for float frames), RGBA TIFF
(8-bit or 32-bit float), atomic writes, and the cheap completeness checks `--resume` uses."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    import PIL.Image

__all__ = ["write_png", "to_pil", "write_tiff", "write_frame", "to_uint8", "png_is_complete",
           "tiff_is_complete", "frame_is_complete"]


def to_pil(frame: np.ndarray) -> PIL.Image.Image:
    """An RGBA PIL image of a top-row-first frame (float frames are clamped and quantised)."""
    from PIL import Image  # noqa: PLC0415

    if frame.dtype != np.uint8:
        frame = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(frame, "RGBA")


def write_png(path: str | os.PathLike[str], frame: np.ndarray, *, compress_level: int = 6) -> Path:
    """Write ``frame`` ((H, W, 4), top row first) to ``path`` atomically.

    uint8 frames become 8-bit RGBA PNGs; float32 frames 16-bit RGBA PNGs (values clamped
    to 0..1).  The file appears complete or not at all (written beside it, then renamed).
    ``compress_level``: zlib level 0-9 (6, Pillow's default; 1 encodes several times faster).
    """
    if frame.ndim != 3 or frame.shape[2] != 4:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")

    def write(fh: BinaryIO) -> None:
        if frame.dtype == np.uint8:
            to_pil(frame).save(fh, format="PNG", compress_level=compress_level)
        else:
            import png  # noqa: PLC0415 - pypng: 16-bit RGBA, which Pillow cannot write

            rows = (np.clip(frame, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
            png.Writer(frame.shape[1], frame.shape[0], greyscale=False, alpha=True, bitdepth=16,
                       compression=compress_level).write(fh, rows.reshape(frame.shape[0], -1))
    return _atomic_write(Path(path), write)


# -- batch outputs ---------------------------------------------------------------------------

#: the last 12 bytes of every complete PNG: a zero-length IEND chunk and its CRC
PNG_TRAILER = b"\x00\x00\x00\x00IEND\xaeB`\x82"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIFF_SUFFIXES = (".tif", ".tiff")


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """``frame`` as uint8 RGBA (float frames clamped to 0..1 and rounded); no copy for uint8."""
    if frame.dtype == np.uint8:
        return frame
    quantised: np.ndarray = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return quantised


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: mode of finished files: what open() would give (mkstemp makes them 0600)
FILE_MODE = 0o666 & ~_umask()


def _atomic_write(out: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Run ``write(fh)`` on a temporary file beside ``out``, then rename it to ``out``.

    The temporary file is named ``.<name>.<random>.tmp`` (so ``--resume`` can sweep leftovers
    of a killed run) and removed on any failure; the result gets the usual file mode.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def write_tiff(path: str | os.PathLike[str], frame: np.ndarray) -> Path:
    """Write ``frame`` ((H, W, 4), top row first) as an RGBA TIFF atomically.

    float32 frames are stored unclamped as 32-bit float samples (SAMPLEFORMAT IEEE float),
    uint8 frames as 8-bit samples.  Uses ``tifffile`` (extra ``[tiff]``): Pillow's float
    TIFF mode ``F`` holds a single channel only.
    """
    if frame.ndim != 3 or frame.shape[2] != 4:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")
    try:
        import tifffile  # noqa: PLC0415
    except ImportError:
        raise InputError("TIFF output needs tifffile: pip install 'offscreen-isf[tiff]'") from None
    data = np.ascontiguousarray(frame if frame.dtype == np.uint8 else frame.astype(np.float32))
    def write(fh: BinaryIO) -> None:
        buffer = io.BytesIO()       # tifffile wants a named file or a seekable buffer
        tifffile.imwrite(buffer, data, photometric="rgb", extrasamples=["unassalpha"], compression=None)
        fh.write(buffer.getbuffer())
    return _atomic_write(Path(path), write)


def write_frame(path: str | os.PathLike[str], frame: np.ndarray, *, compress_level: int = 6) -> Path:
    """Write one frame by the path's suffix: ``.tif``/``.tiff`` via :func:`write_tiff`,
    anything else as PNG via :func:`write_png` (8-bit, or 16-bit for float frames)."""
    if Path(path).suffix.lower() in TIFF_SUFFIXES:
        return write_tiff(path, frame)
    return write_png(path, frame, compress_level=compress_level)


def png_is_complete(path: str | os.PathLike[str], size: tuple[int, int], bitdepth: int = 8) -> bool:
    """True when ``path`` is a whole RGBA PNG of ``size`` (width, height) and ``bitdepth``.

    Reads only the header (signature + IHDR) and the last 12 bytes (the IEND chunk), so it
    is cheap enough to run on every frame of a long sequence.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(26)
            fh.seek(0, os.SEEK_END)
            if fh.tell() < 8 + 25 + 12:
                return False
            fh.seek(-12, os.SEEK_END)
            tail = fh.read(12)
    except OSError:
        return False
    if head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR" or tail != PNG_TRAILER:
        return False
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return (width, height) == tuple(size) and head[24] == bitdepth and head[25] == 6   # 6 = RGBA


def tiff_is_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    """True when ``path`` is a readable RGBA TIFF of ``size`` (width, height) and ``dtype``."""
    try:
        import tifffile  # noqa: PLC0415

        with tifffile.TiffFile(path) as tf:
            page = tf.pages[0]
            ok = tuple(page.shape) == (size[1], size[0], 4) and page.dtype == np.dtype(dtype)
            if ok:
                page.asarray()      # every strip present
            return bool(ok)
    except (ImportError, OSError, ValueError, IndexError, KeyError):
        return False


def frame_is_complete(path: str | os.PathLike[str], size: tuple[int, int], dtype: str) -> bool:
    """True when the frame file at ``path`` is complete for ``size`` and the frames' ``dtype``
    (``"uint8"`` or ``"float32"``), judged by its format (see :func:`png_is_complete`)."""
    if Path(path).suffix.lower() in TIFF_SUFFIXES:
        return tiff_is_complete(path, size, dtype)
    return png_is_complete(path, size, 8 if dtype == "uint8" else 16)
