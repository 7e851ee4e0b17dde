"""Writing frames: PNG files (8-bit, or 16-bit per channel for float frames), RGBA TIFF
(8-bit or 32-bit float), atomic writes, and the completeness checks ``--resume`` uses.

Every format by suffix (EXR, JPEG, WebP, animations ...) is in :mod:`.formats`."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import InputError, OutputError, missing_extra
from ..isf.files import open_regular
from .pngenc import PNG_SIGNATURE, encode_png

try:
    import fcntl
except ImportError:   # not POSIX: temporaries are not locked
    fcntl = None  # type: ignore[assignment]

#: a temporary file younger than this is taken as in flight (its writer may not hold its lock yet)
_FRESH_SECONDS = 5.0

if TYPE_CHECKING:
    import PIL.Image

__all__ = ["write_png", "to_pil", "write_tiff", "encode_tiff", "to_uint8", "png_is_complete",
           "tiff_is_complete", "atomic_write_bytes", "DEFAULT_PNG_LEVEL"]


def to_pil(frame: np.ndarray) -> PIL.Image.Image:
    """An RGBA PIL image of a top-row-first frame (float frames are clamped and quantised)."""
    from PIL import Image  # noqa: PLC0415

    if frame.dtype != np.uint8:
        frame = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(frame, "RGBA")


#: zlib level of PNG frames unless asked otherwise (``--png-compression``): the fast end,
#: where encoding, not drawing, bounds a farm's frames per second
DEFAULT_PNG_LEVEL = 1


def write_png(path: str | os.PathLike[str], frame: np.ndarray, *,
              compress_level: int = DEFAULT_PNG_LEVEL) -> Path:
    """Write ``frame`` ((H, W, 4), top row first) to ``path`` atomically.

    uint8 frames become 8-bit RGBA PNGs; float32 frames 16-bit RGBA PNGs (values clamped
    to 0..1).  The file appears complete or not at all (written beside it, then renamed).
    ``compress_level``: zlib level 0-9 (see :mod:`.pngenc`).
    """
    return atomic_write_bytes(path, encode_png(frame, compress_level))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`_atomic_write`)."""
    def write(fh: BinaryIO) -> None:
        fh.write(data)
    return _atomic_write(Path(path), write)


# -- batch outputs ---------------------------------------------------------------------------

#: the last 12 bytes of every complete PNG: a zero-length IEND chunk and its CRC
PNG_TRAILER = b"\x00\x00\x00\x00IEND\xaeB`\x82"
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


def _lock(fd: int) -> None:
    """An exclusive advisory lock on an in-flight temporary file (POSIX; none elsewhere)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def in_flight(path: str | os.PathLike[str]) -> bool:
    """True when another writer still holds ``path`` (a temporary file of :func:`_atomic_write`)
    locked, or it was created in the last few seconds (before its writer could lock it)."""
    try:
        with open(path, "rb") as fh:
            if time.time() - os.fstat(fh.fileno()).st_mtime < _FRESH_SECONDS:
                return True
            if fcntl is None:
                return False
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return False
    except OSError:
        return True   # unreadable: not ours to delete


def _atomic_write(out: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Run ``write(fh)`` on a temporary file beside ``out``, then rename it to ``out``.

    The temporary file is named ``.<name>.<random>.tmp`` (so ``--resume`` can sweep leftovers
    of a killed run) and removed on any failure; the result gets the usual file mode.
    """
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}", path=str(out)) from None
    if not stat.S_ISREG(mode):   # a folder, FIFO, device or symlink is never replaced
        raise OutputError(f"{out} exists and is not a regular file (a folder, link, FIFO or device); "
                          "refusing to replace it: choose another output path", path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # locked until renamed: a sweep by another run (--resume) leaves it alone
            _lock(fh.fileno())
            write(fh)
            fh.flush()
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
    return atomic_write_bytes(path, encode_tiff(frame))


def encode_tiff(frame: np.ndarray) -> bytes:
    """The bytes of an RGBA TIFF of ``frame`` (see :func:`write_tiff`)."""
    if frame.ndim != 3 or frame.shape[2] != 4:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")
    try:
        import tifffile  # noqa: PLC0415
    except ImportError:
        raise missing_extra("TIFF output", "tiff", ("tifffile",)) from None
    data = np.ascontiguousarray(frame if frame.dtype == np.uint8 else frame.astype(np.float32))
    buffer = io.BytesIO()       # tifffile wants a named file or a seekable buffer
    tifffile.imwrite(buffer, data, photometric="rgb", extrasamples=["unassalpha"], compression=None)
    return buffer.getvalue()


def png_is_complete(path: str | os.PathLike[str], size: tuple[int, int], bitdepth: int = 8) -> bool:
    """True when ``path`` is a whole, intact RGBA PNG of ``size`` (width, height) and ``bitdepth``.

    Every chunk's CRC is checked, and the image data is decompressed and must hold exactly
    one filtered row per line: a zeroed or bit-flipped IDAT, or a header followed by IEND,
    is not complete.  Only a regular file is read, and only up to the size such a PNG can have.
    """
    width, height = size
    raw_size = height * (1 + width * 4 * bitdepth // 8)
    try:
        with open_regular(path, "frame", OutputError) as fh:
            data = fh.read(raw_size + raw_size // 100 + 65536 + 1)   # stored blocks + chunk overhead
    except OutputError:
        return False
    if not data.startswith(PNG_SIGNATURE) or not data.endswith(PNG_TRAILER):
        return False
    chunks = _png_chunks(data)
    if chunks is None or not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        return False
    ihdr = chunks[0][1]
    if len(ihdr) != 13 or (int.from_bytes(ihdr[0:4], "big"), int.from_bytes(ihdr[4:8], "big")) != (width, height):
        return False
    if ihdr[8] != bitdepth or ihdr[9] != 6 or ihdr[12] != 0:   # RGBA, not interlaced
        return False
    inflater = zlib.decompressobj()
    try:
        pixels = inflater.decompress(b"".join(d for kind, d in chunks if kind == b"IDAT"), raw_size + 1)
    except zlib.error:
        return False
    return len(pixels) == raw_size and inflater.eof and not inflater.unconsumed_tail


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """(type, data) of every chunk after the signature; None when a length or CRC is wrong."""
    chunks: list[tuple[bytes, bytes]] = []
    at = len(PNG_SIGNATURE)
    while at < len(data):
        if at + 12 > len(data):
            return None
        length = int.from_bytes(data[at:at + 4], "big")
        end = at + 12 + length
        if end > len(data):
            return None
        kind, body = data[at + 4:at + 8], data[at + 8:end - 4]
        if zlib.crc32(kind + body) != int.from_bytes(data[end - 4:end], "big"):
            return None
        chunks.append((kind, body))
        at = end
    return chunks


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

