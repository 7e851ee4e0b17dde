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

Input: a float array shaped (channels, samples) or (samples,), values in [-1, 1]; or an
audio file path: a WAV file (PCM 8/16/24/32-bit or 32/64-bit float, plain or
WAVE_FORMAT_EXTENSIBLE) is read with numpy; any other file ffmpeg can decode (flac, mp3,
aac, ogg, a video's first soundtrack ...) through the ``video`` extra's ffmpeg.
"""

from __future__ import annotations

import os
import struct
import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError, ResourceLimitError
from ..isf.files import open_regular, regular_file

__all__ = ["read_wav", "read_audio", "wav_header", "MAX_CHANNELS", "audio_samples", "waveform_texture",
           "fft_texture", "DEFAULT_FFT_BINS", "AudioTrack", "MAX_DECODED_BYTES"]

DEFAULT_FFT_BINS = 512
#: most channels an audio input may have (one texture row each)
MAX_CHANNELS = 64
#: most bytes of float32 samples ffmpeg may decode from one file (about 50 minutes of
#: 48 kHz stereo); a longer file is a ResourceLimitError
MAX_DECODED_BYTES = 1024 ** 3

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
#: (format, bits) -> how samples become floats in [-1, 1]
_SAMPLES = {(_PCM, 8), (_PCM, 16), (_PCM, 24), (_PCM, 32), (_FLOAT, 32), (_FLOAT, 64)}
_UNKNOWN_SIZE = 0xFFFFFFFF   # a streamed WAV (ffmpeg on a pipe) does not know its data size


@dataclass(frozen=True)
class _Wav:
    """Where a WAV's samples are and how they are stored."""

    channels: int
    rate: int
    fmt: int          # _PCM or _FLOAT
    bits: int
    offset: int       # of the first sample in the file's bytes
    frames: int


def _fmt_chunk(body: bytes, path: Any) -> tuple[int, int, int, int]:
    """(format, channels, rate, bits) of a ``fmt `` chunk; extensible formats resolved."""
    if len(body) < 16:
        raise InputError(f"audio: {path} is not a WAV file (short fmt chunk)")
    fmt, channels, rate, _rate_bytes, _align, bits = struct.unpack("<HHIIHH", body[:16])
    if fmt == _EXTENSIBLE and len(body) >= 26:
        fmt = struct.unpack("<H", body[24:26])[0]   # the sub-format GUID starts with the tag
    return fmt, channels, rate, bits


def _parse_wav(data: bytes, path: Any, streamed: bool = False) -> _Wav:
    """The layout of the WAV file ``data``; InputError for anything else.  ``streamed``: the
    data chunk may claim an unknown size and simply run to the end."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InputError(f"audio: {path} is not a WAV file (no RIFF/WAVE header)")
    at, fmt = 12, None
    while at + 8 <= len(data):
        kind, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        if kind == b"fmt ":
            fmt = _fmt_chunk(data[at + 8:at + 8 + size], path)
        elif kind == b"data":
            if fmt is None:
                raise InputError(f"audio: {path} is not a WAV file (data before fmt)")
            return _layout(fmt, at + 8, size, len(data), path, streamed)
        at += 8 + size + (size & 1)
    raise InputError(f"audio: {path} is not a WAV file ({'no data chunk' if fmt else 'no fmt chunk'})")


def _layout(fmt: tuple[int, int, int, int], offset: int, size: int, total: int, path: Any,
            streamed: bool) -> _Wav:
    tag, channels, rate, bits = fmt
    if not 1 <= channels <= MAX_CHANNELS:
        raise InputError(f"audio: {path} declares {channels} channels; 1 to {MAX_CHANNELS} are read")
    if (tag, bits) not in _SAMPLES:
        raise InputError(f"audio: {path}: WAV format {tag} with {bits}-bit samples is not supported "
                         "(PCM 8/16/24/32-bit, float 32/64-bit)")
    if rate < 1:
        raise InputError(f"audio: {path} declares a sample rate of {rate}")
    held = total - offset
    if streamed and (size == _UNKNOWN_SIZE or size > held):
        size = held
    frame_bytes = channels * bits // 8
    if size > held:
        raise InputError(f"audio: {path} is truncated: its header promises {size // frame_bytes} frames, "
                         f"the file holds {held // frame_bytes}")
    if size < frame_bytes:
        raise InputError(f"audio: {path} holds no samples")
    return _Wav(channels, rate, tag, bits, offset, size // frame_bytes)


def _samples(data: bytes, wav: _Wav) -> np.ndarray:
    """float32 (channels, frames) of the WAV's samples."""
    count = wav.frames * wav.channels
    raw = np.frombuffer(data, np.uint8, count * wav.bits // 8, wav.offset)
    if wav.fmt == _FLOAT:
        values = raw.view("<f4" if wav.bits == 32 else "<f8").astype(np.float32)
        if not np.isfinite(values).all():
            raise InputError("audio: float samples must be finite (NaN or infinity found)")
    elif wav.bits == 8:
        values = (raw.astype(np.float32) - 128.0) / 128.0
    elif wav.bits == 24:
        wide = np.zeros((count, 4), np.uint8)   # the 3 bytes in the top of an int32: the sign extends
        wide[:, 1:] = raw.reshape(count, 3)
        values = (wide.view("<i4")[:, 0] >> 8).astype(np.float32) / 2.0 ** 23
    else:
        values = raw.view("<i2" if wav.bits == 16 else "<i4").astype(np.float32) / 2.0 ** (wav.bits - 1)
    return np.ascontiguousarray(values.reshape(wav.frames, wav.channels).T)


def _read_file(path: str | os.PathLike[str]) -> bytes:
    try:
        with open_regular(path, "audio", InputError) as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"audio: cannot read {path}: {exc.strerror or exc}") from None


def _is_wav(path: str | os.PathLike[str]) -> bool:
    with open_regular(path, "audio", InputError) as fh:
        head = fh.read(12)
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


#: ffmpeg demuxers an audio input may be read with: single-file audio containers only.
#: Playlists and scripts (hls, concat, ...) open further files named inside them, which
#: would reach past ``input_root``; ffmpeg refuses every demuxer not listed here.
AUDIO_DEMUXERS = ("wav", "w64", "aiff", "caf", "au", "flac", "mp3", "aac", "ogg", "wv", "ape", "tta",
                  "mov", "matroska", "avi", "mpegts", "asf")      # the last five: video soundtracks


def _decode_with_ffmpeg(path: str | os.PathLike[str]) -> bytes:
    """A float32 WAV (bytes) of the first audio stream of ``path``, decoded by ffmpeg."""
    from .video import ffmpeg_exe  # noqa: PLC0415

    exe = ffmpeg_exe()
    # "file:" and the protocol whitelist: the path is always a local file, never a URL;
    # the demuxer whitelist: that one file only (no playlist following other paths)
    cmd = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file",
           "-format_whitelist", ",".join(AUDIO_DEMUXERS), "-i", "file:" + os.path.abspath(os.fspath(path)), "-map", "0:a:0", "-vn",
           "-c:a", "pcm_f32le", "-f", "wav", "-"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        data = proc.stdout.read(MAX_DECODED_BYTES + 1)
        if len(data) > MAX_DECODED_BYTES:
            raise ResourceLimitError(f"audio: {path} decodes to more than {MAX_DECODED_BYTES >> 20} MiB "
                                     "of samples; cut the part you need (ffmpeg -ss START -t SECONDS)")
        said = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if proc.returncode != 0:
        reason = said[-1] if said else f"ffmpeg exit code {proc.returncode}"
        if any("matches no streams" in line for line in said):
            reason = "it has no audio stream"
        elif any("not on whitelist" in line for line in said):
            reason = ("it is not a single-file audio format (playlists and scripts that open other files "
                      "are refused; formats read: " + ", ".join(AUDIO_DEMUXERS) + ")")
        raise InputError(f"audio: cannot decode {path}: {reason}")
    return data


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """(samples float32 (channels, frames) in [-1, 1], sample rate in Hz) of an audio file.

    A WAV file is read with numpy (no extra needed); anything else is decoded by ffmpeg (the
    ``video`` extra): flac, mp3, aac, ogg, or the first soundtrack of a video.  Only a
    regular file is opened; failures are :class:`InputError` (a missing extra:
    :class:`~offscreen_isf.errors.MissingExtraError`).
    """
    if _is_wav(path):
        data, streamed = _read_file(path), False
    else:
        data, streamed = _decode_with_ffmpeg(path), True
    wav = _parse_wav(data, path, streamed)
    return _samples(data, wav), wav.rate


def wav_header(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """(channels, bytes per sample, frames) of an audio file, checked as :func:`read_audio`
    reads it: a WAV file from its header (the file must hold every frame it promises), any
    other file by decoding it."""
    regular_file(path, "audio", InputError)
    if not _is_wav(path):
        samples, _rate = read_audio(path)
        return samples.shape[0], 4, samples.shape[1]
    with open_regular(path, "audio", InputError) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(1 << 16)   # fmt comes first; its chunk walk stops at data
    wav = _parse_wav(head, path, streamed=True)
    frame_bytes = wav.channels * wav.bits // 8
    promised = struct.unpack("<I", head[wav.offset - 4:wav.offset])[0] // frame_bytes
    if wav.offset + promised * frame_bytes > size:
        raise InputError(f"audio: {path} is truncated: its header promises {promised} frames, "
                         f"the file holds {(size - wav.offset) // frame_bytes}")
    return wav.channels, wav.bits // 8, promised


def read_wav(path: str | os.PathLike[str]) -> np.ndarray:
    """Samples of a WAV file as float32 (channels, samples) in [-1, 1] (PCM 8/16/24/32-bit,
    float 32/64-bit).  Only a regular file is opened; a malformed, truncated, empty or
    unreadable file is an :class:`InputError`."""
    data = _read_file(path)
    return _samples(data, _parse_wav(data, path))


@dataclass(frozen=True)
class AudioTrack:
    """A decoded track and its rate: the per-frame window an audio input sees at TIME."""

    samples: np.ndarray     # float32 (channels, frames)
    rate: int               # Hz

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AudioTrack:
        samples, rate = read_audio(path)
        return cls(samples, rate)

    def window(self, time: float, width: int) -> np.ndarray:
        """(channels, width) samples starting at ``time`` seconds (sample round(time * rate));
        zeros past either end of the track."""
        start = int(round(time * self.rate))
        out = np.zeros((self.samples.shape[0], width), np.float32)
        if 0 <= start < self.samples.shape[1]:
            chunk = self.samples[:, start:start + width]
            out[:, :chunk.shape[1]] = chunk
        return out


def audio_samples(value: Any, what: str = "audio") -> np.ndarray:
    """Normalise an audio file path (see :func:`read_audio`) or array to float32 (channels, samples)."""
    if isinstance(value, (str, os.PathLike)):
        return read_audio(value)[0]
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
