"""A PNG encoder over numpy and the standard library's zlib: 8-bit and 16-bit RGBA.

Every row uses the PNG "Up" filter (the byte-wise difference with the row above, computed
for the whole frame in one numpy operation), then one zlib stream goes into one IDAT chunk.
``zlib.compress`` releases the GIL, so encoder threads run in parallel.  Decoding the file
gives back exactly the input samples (tests/test_outputs.py decodes and compares).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from ..errors import InputError

__all__ = ["encode_png", "png_samples", "PNG_SIGNATURE"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_FILTER_NONE, _FILTER_UP = 0, 2
_COLOR_RGBA = 6


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_samples(frame: np.ndarray) -> np.ndarray:
    """The samples a PNG of ``frame`` stores: uint8 frames as they are; float frames clamped
    to 0..1 and rounded to uint16 (0..65535)."""
    if frame.dtype == np.uint8:
        return frame
    quantised: np.ndarray = (np.clip(frame, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    return quantised


def encode_png(frame: np.ndarray, level: int = 6) -> bytes:
    """The bytes of an RGBA PNG of ``frame`` ((H, W, 4), top row first).

    uint8 frames give 8-bit PNGs; float frames 16-bit PNGs (see :func:`png_samples`).
    ``level``: zlib level 0-9 (0 stores the rows unfiltered and uncompressed).
    """
    if frame.ndim != 3 or frame.shape[2] != 4 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise InputError(f"a frame must be (height, width, 4), got {frame.shape}")
    if not 0 <= level <= 9:
        raise InputError(f"PNG compression level must be 0-9, got {level}")
    samples = png_samples(frame)
    height, width = samples.shape[:2]
    depth = 8 * samples.dtype.itemsize
    # PNG stores 16-bit samples big-endian
    rows = np.ascontiguousarray(samples, samples.dtype.newbyteorder(">")).view(np.uint8).reshape(height, -1)
    raw = np.empty((height, rows.shape[1] + 1), np.uint8)
    if level == 0:
        raw[:, 0] = _FILTER_NONE
        raw[:, 1:] = rows
    else:
        raw[:, 0] = _FILTER_UP
        raw[0, 1:] = rows[0]
        np.subtract(rows[1:], rows[:-1], out=raw[1:, 1:])   # uint8 arithmetic wraps mod 256
    ihdr = struct.pack(">IIBBBBB", width, height, depth, _COLOR_RGBA, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw.data, level))
            + _chunk(b"IEND", b""))
