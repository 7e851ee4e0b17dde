"""Audio inputs (``audio`` waveform, ``audioFFT`` spectrum) laid out as textures
(docs/semantics.md, "Image helpers").

Layout, as the VVISF-GL ISF Editor feeds them: one texture **row per channel** (channel 0
is GL row 0, i.e. the bottom row: ``IMG_NORM_PIXEL(audio, vec2(x, 0.0))`` reads channel 0),
one **column per sample** (or FFT bin), RGBA float32 with r = g = b = value and a = 1.

* ``audio``: value = 0.5 + sample / 2 (samples in [-1, 1] map to 0..1).  Width is the
  input's ``MAX`` when given (columns are averages of consecutive samples, as VVISF-GL's
  editor resamples), else the number of samples.
* ``audioFFT``: magnitude spectrum per channel (real FFT of the samples, bin 0 = DC at
  x = 0, last bin ~ Nyquist), normalised to 0..1 by the spectrum's min/max.  Width is
  ``MAX`` when given (bins averaged / resampled), else 512.

Input: a float array shaped (channels, samples) or (samples,), values in [-1, 1]; or a WAV
file path (PCM 8/16/32-bit, read with the standard library).
"""

from __future__ import annotations

import os
import struct
import wave
from typing import Any

import numpy as np

from ..errors import InputError
from ..isf.files import open_regular

__all__ = ["read_wav", "wav_header", "MAX_CHANNELS", "audio_samples", "waveform_texture", "fft_texture", "DEFAULT_FFT_BINS"]

DEFAULT_FFT_BINS = 512
_PCM = {1: (np.uint8, 128.0, 128.0), 2: (np.int16, 0.0, 32768.0), 4: (np.int32, 0.0, 2.0 ** 31)}


#: most channels a WAV input may have (one texture row each)
MAX_CHANNELS = 64


def wav_header(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """(channels, sample width in bytes, frames) from a PCM WAV file's header, checked: a
    regular file, 1..:data:`MAX_CHANNELS` channels, 8/16/32-bit samples, at least one frame,
    and no more frames than the file holds.  :class:`InputError` otherwise."""
    return _read(path, header_only=True)[0]


def _read(path: str | os.PathLike[str], header_only: bool) -> tuple[tuple[int, int, int], bytes]:
    try:
        with open_regular(path, "audio", InputError) as fh:
            size = os.fstat(fh.fileno()).st_size
            with wave.open(fh, "rb") as w:
                head = (w.getnchannels(), w.getsampwidth(), w.getnframes())
                _check_header(path, head, size)
                raw = b"" if header_only else w.readframes(head[2])
    except (wave.Error, EOFError, struct.error) as exc:
        raise InputError(f"audio: {path} is not a PCM WAV file ({exc})") from None
    except OSError as exc:
        raise InputError(f"audio: cannot read {path}: {exc.strerror or exc}") from None
    channels, width, frames = head
    if not header_only and len(raw) != channels * width * frames:
        raise InputError(f"audio: {path} is truncated: its header promises {frames} frames, "
                         f"the file holds {len(raw) // (channels * width)}")
    return head, raw


def _check_header(path: str | os.PathLike[str], head: tuple[int, int, int], size: int) -> None:
    channels, width, frames = head
    if not 1 <= channels <= MAX_CHANNELS:
        raise InputError(f"audio: {path} declares {channels} channels; 1 to {MAX_CHANNELS} are read")
    if width not in _PCM:
        raise InputError(f"audio: {path}: {8 * width}-bit samples are not supported (8/16/32-bit PCM)")
    if frames < 1:
        raise InputError(f"audio: {path} holds no samples")
    if frames * channels * width > size:
        raise InputError(f"audio: {path} is truncated: its header promises {frames} frames, "
                         f"more than its {size} bytes hold")


def read_wav(path: str | os.PathLike[str]) -> np.ndarray:
    """Samples of a PCM WAV file as float32 (channels, samples) in [-1, 1].

    Only a regular file is opened; a malformed, truncated, empty or unreadable file is an
    :class:`InputError` (see :func:`wav_header` for the checks)."""
    (channels, width, _frames), raw = _read(path, header_only=False)
    dtype, offset, scale = _PCM[width]
    data = (np.frombuffer(raw, dtype).astype(np.float32) - offset) / scale
    return np.ascontiguousarray(data.reshape(-1, channels).T)


def audio_samples(value: Any, what: str = "audio") -> np.ndarray:
    """Normalise a WAV path or array to float32 (channels, samples)."""
    if isinstance(value, (str, os.PathLike)):
        return read_wav(value)
    arr = np.asarray(value)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{what}: expected (channels, samples) or (samples,), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
        raise InputError(f"{what}: samples must be finite numbers")
    return arr.astype(np.float32)


def _resample_columns(data: np.ndarray, width: int) -> np.ndarray:
    """(rows, n) -> (rows, width): averages of consecutive columns (or repeats if n < width).

    Column i averages source columns [floor(i n / width), max(that + 1, ceil((i + 1) n / width))):
    computed from running sums, so the cost is one pass over ``data`` plus one over ``width``
    (a per-column loop would take minutes for a header's MAX in the millions)."""
    n = data.shape[1]
    if n == width:
        return data
    edges = np.linspace(0, n, width + 1)
    a = np.floor(edges[:-1]).astype(np.int64)
    b = np.maximum(a + 1, np.ceil(edges[1:]).astype(np.int64))
    sums = np.zeros((data.shape[0], n + 1), np.float64)
    np.cumsum(data, axis=1, dtype=np.float64, out=sums[:, 1:])
    return ((sums[:, b] - sums[:, a]) / (b - a)).astype(np.float32)


def _texture(values: np.ndarray) -> np.ndarray:
    """(channels, width) values -> (channels, width, 4) float32 RGBA, row 0 = channel 0."""
    tex = np.empty(values.shape + (4,), np.float32)
    tex[..., :3] = values[..., None]
    tex[..., 3] = 1.0
    return tex


def waveform_texture(value: Any, max_samples: int | None = None) -> np.ndarray:
    """The ``audio`` texture: (channels, width, 4) float32, **row 0 = GL bottom row**."""
    samples = audio_samples(value)
    width = max_samples or samples.shape[1]
    return _texture(0.5 + _resample_columns(samples, width) / 2.0)


def fft_texture(value: Any, bins: int | None = None) -> np.ndarray:
    """The ``audioFFT`` texture: (channels, bins, 4) float32, **row 0 = GL bottom row**."""
    samples = audio_samples(value, "audioFFT")
    magnitude = np.abs(np.fft.rfft(samples, axis=1)).astype(np.float32)
    width = bins or DEFAULT_FFT_BINS
    spectrum = _resample_columns(magnitude, width)
    lo, hi = float(spectrum.min()), float(spectrum.max())
    normalised = (spectrum - lo) / (hi - lo) if hi > lo else np.zeros_like(spectrum)
    return _texture(normalised)
