"""Image inputs: turn a path, PIL image or numpy array into RGBA pixels for upload.

Convention: every array here is **top row first** (image order, as Pillow and numpy
users expect), shape (height, width, 4), dtype uint8 (0..255) or float32 (nominally
0..1, unclamped).  The renderer flips rows on upload so the shader sees the image upright
(``IMG_NORM_PIXEL(img, vec2(0))`` is the bottom-left pixel as a viewer sees it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ISFError, ResourceLimitError
from ..isf.files import open_regular

__all__ = ["to_rgba", "load_image", "image_size", "to_cube_faces", "CUBE_FACE_NAMES"]

#: the faces of a cube map in the order they are given (GL_TEXTURE_CUBE_MAP_POSITIVE_X + i)
CUBE_FACE_NAMES = ("+X", "-X", "+Y", "-Y", "+Z", "-Z")


#: Pillow modes whose RGBA conversion Pillow lacks, and the mode that gets there
#: (``La`` is gray with premultiplied alpha: Pillow un-premultiplies it on the way to ``LA``)
_CONVERT_VIA = {"La": "LA"}


def _check_decode_size(size: tuple[int, int], what: str, path: Path, max_bytes: int | None) -> None:
    """ResourceLimitError when decoding a ``size`` image to RGBA8 would pass ``max_bytes``:
    checked from the file's header, before any pixel is decoded."""
    w, h = size
    need = 4 * w * h
    if max_bytes is not None and need > max_bytes:
        raise ResourceLimitError(
            f"{what}: {path} is {w}x{h} pixels, {need / (1 << 20):,.1f} MiB as RGBA, over the "
            f"memory budget of {max_bytes / (1 << 20):,.1f} MiB; use a smaller image, or raise "
            "the budget with Renderer(..., memory_budget=BYTES)")


def image_size(path: str | os.PathLike[str], *, what: str = "image") -> tuple[int, int]:
    """(width, height) of an image file from its header alone (nothing decoded)."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    p = Path(path)
    try:
        with open_regular(p, what, InputError) as fh, Image.open(fh) as im:
            return int(im.size[0]), int(im.size[1])
    except ISFError:   # already typed (a ResourceLimitError or InputError is a ValueError too)
        raise
    except Image.DecompressionBombError as exc:
        raise ResourceLimitError(f"{what}: {p}: {exc}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{what}: {p} is not a readable image ({exc})") from None


def load_image(path: str | os.PathLike[str], *, what: str = "image",
               max_bytes: int | None = None) -> np.ndarray:
    """Read an image file (PNG, JPEG, TIFF, ... via Pillow) as uint8 RGBA, top row first.

    16-bit and float files are converted to 8 bits by Pillow's RGBA conversion.  Only a
    regular file is opened (a FIFO or device is refused first).  The header's size is checked
    against ``max_bytes`` (RGBA8 bytes) and Pillow's ``MAX_IMAGE_PIXELS`` before decoding:
    :class:`ResourceLimitError` when over.  Every other failure is an :class:`InputError`.
    """
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    p = Path(path)
    try:
        with open_regular(p, what, InputError) as fh, Image.open(fh) as im:
            _check_decode_size(im.size, what, p, max_bytes)
            return to_rgba(im, what=what)
    except ISFError:   # already typed (a ResourceLimitError or InputError is a ValueError too)
        raise
    except Image.DecompressionBombError as exc:
        raise ResourceLimitError(f"{what}: {p}: {exc}; lower the image size, or raise "
                                 "PIL.Image.MAX_IMAGE_PIXELS if it is trusted") from None
    except MemoryError:
        raise ResourceLimitError(f"{what}: {p}: not enough memory to decode it") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InputError(f"{what}: {p} is not a readable image ({exc})") from None


def _pil_rgba(image: Any, what: str) -> np.ndarray:
    """A PIL image as an (H, W, 4) uint8 array, top row first (InputError for a mode Pillow
    cannot convert)."""
    try:
        rgba = image.convert(_CONVERT_VIA[image.mode]) if image.mode in _CONVERT_VIA else image
        return np.asarray(rgba.convert("RGBA"))
    except ValueError as exc:
        raise InputError(f"{what}: cannot convert a PIL image of mode {image.mode!r} to RGBA "
                         f"({exc})") from None


def to_rgba(value: Any, *, what: str = "image", bottom_up: bool = False,
            reuse: np.ndarray | None = None, max_bytes: int | None = None) -> np.ndarray:
    """Normalise an image value to a C-contiguous (H, W, 4) uint8 or float32 array.

    Rows are top first, or bottom first (GL upload order) with ``bottom_up=True``: the
    flip happens in the same copy, never as a second one.

    Accepts a path, a PIL image, or an array shaped (H, W), (H, W, 1), (H, W, 3) or
    (H, W, 4) of uint8 (0..255) or float (0..1; float64 becomes float32).  Gray is
    replicated to RGB; missing alpha is opaque.

    ``reuse``: an array the caller owns (one this function returned before); an array
    value is written into it when shape and dtype match, instead of into a new allocation
    (a fresh 8 MB array page-faults on every frame of a video filter).

    ``max_bytes``: for a path, the most RGBA8 bytes its decode may take (checked from the
    header, before decoding; :class:`ResourceLimitError` when over).
    """
    if isinstance(value, (str, os.PathLike)):
        value = load_image(value, what=what, max_bytes=max_bytes)
        return np.ascontiguousarray(value[::-1]) if bottom_up else value
    if hasattr(value, "convert") and hasattr(value, "mode"):  # a PIL image
        rgba = _pil_rgba(value, what)
        return np.ascontiguousarray(rgba[::-1] if bottom_up else rgba)
    if not isinstance(value, np.ndarray):
        raise InputError(f"{what}: expected a path, a PIL image or a numpy array, got "
                         f"{type(value).__name__}")
    arr = value
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise InputError(f"{what}: array must be (H, W), (H, W, 3) or (H, W, 4), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{what}: array is empty (shape {arr.shape})")
    if arr.dtype == np.uint8:
        opaque: float | int = 255
        out_dtype: type = np.uint8
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise InputError(f"{what}: float array contains NaN or infinity")
        opaque, out_dtype = 1.0, np.float32
    else:
        raise InputError(f"{what}: array dtype must be uint8 or float, got {arr.dtype}")
    if bottom_up:
        arr = arr[::-1]
    h, w = arr.shape[:2]
    if (reuse is not None and reuse.shape == (h, w, 4) and reuse.dtype == out_dtype
            and reuse.flags.c_contiguous and reuse.flags.writeable
            and not np.may_share_memory(reuse, arr)):
        out = reuse
    else:
        out = np.empty((h, w, 4), out_dtype)
    if arr.ndim == 2:
        out[..., :3] = arr[..., None]
        out[..., 3] = opaque
    else:
        out[..., : arr.shape[2]] = arr
        if arr.shape[2] == 3:
            out[..., 3] = opaque
    return out


def to_cube_faces(faces: Any, *, what: str = "cube") -> np.ndarray:
    """Six face images (paths, PIL images or arrays, as :func:`to_rgba` takes them) in the
    order +X, -X, +Y, -Y, +Z, -Z, as one C-contiguous (6, S, S, 4) array, each face **top row
    first** (as the file stores it: a cube face is uploaded unflipped, its top row at t = 0).

    Every face must be square and of the same size (InputError naming the face otherwise).
    uint8 faces stay uint8; if any face is float, all become float32 (uint8 / 255).
    """
    if isinstance(faces, (str, bytes, os.PathLike)) or not hasattr(faces, "__len__"):
        raise InputError(f"{what}: expected a sequence of 6 face images "
                         f"({', '.join(CUBE_FACE_NAMES)}), got {type(faces).__name__}")
    if len(faces) != len(CUBE_FACE_NAMES):
        raise InputError(f"{what}: a cube map needs 6 face images ({', '.join(CUBE_FACE_NAMES)}), "
                         f"got {len(faces)}")
    arrays = [to_rgba(f, what=f"{what} face {n}") for f, n in zip(faces, CUBE_FACE_NAMES, strict=True)]
    size = arrays[0].shape[:2]
    for arr, n in zip(arrays, CUBE_FACE_NAMES, strict=True):
        h, w = arr.shape[:2]
        if h != w:
            raise InputError(f"{what} face {n}: cube faces must be square, got {w}x{h}")
        if (h, w) != size:
            raise InputError(f"{what} face {n}: every face must have the size of face +X "
                             f"({size[1]}x{size[0]}), got {w}x{h}")
    if any(a.dtype != np.uint8 for a in arrays):
        arrays = [a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a for a in arrays]
    return np.ascontiguousarray(np.stack(arrays))
