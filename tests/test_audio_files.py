"""Audio inputs from files: WAV in every common sample format read with numpy (no extra),
flac/mp3/aac and a video's soundtrack through ffmpeg (skipped without imageio-ffmpeg), and
the per-frame window following TIME.  Test audio is generated here (numpy -> WAV; ffmpeg
encodes the compressed ones)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from offscreen_isf.errors import InputError
from offscreen_isf.media.audio import AudioTrack, read_audio, read_wav, wav_header

from .conftest import REPO

RATE = 8000


def tone(frames: int = 800, channels: int = 2) -> np.ndarray:
    """(channels, frames) float64 in [-0.9, 0.9]: a different sine per channel."""
    t = np.arange(frames) / RATE
    return np.stack([0.9 * np.sin(2 * np.pi * (220 + 110 * c) * t) for c in range(channels)])


def write_wav(path: Path, samples: np.ndarray, fmt: str, *, extensible: bool = False,
              rate: int = RATE) -> Path:
    """A WAV of ``samples`` (channels, frames) stored as ``fmt``: u8, s16, s24, s32, f32, f64."""
    channels = samples.shape[0]
    inter = samples.T.reshape(-1)
    if fmt == "u8":
        data, bits, tag = np.round(inter * 127 + 128).astype(np.uint8).tobytes(), 8, 1
    elif fmt == "s24":
        ints = np.round(inter * (2 ** 23 - 1)).astype("<i4")
        data, bits, tag = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes(), 24, 1
    elif fmt in ("s16", "s32"):
        bits = int(fmt[1:])
        data, tag = np.round(inter * (2 ** (bits - 1) - 1)).astype(f"<i{bits // 8}").tobytes(), 1
    else:
        bits = int(fmt[1:])
        data, tag = inter.astype(f"<f{bits // 8}").tobytes(), 3
    align = channels * bits // 8
    fmt_body = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits)
    if extensible:   # cbSize, valid bits, channel mask, sub-format GUID (tag first)
        fmt_body += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes(14)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"            # a chunk before data is skipped
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


TOLERANCE = {"u8": 1 / 64, "s16": 1e-4, "s24": 1e-6, "s32": 1e-6, "f32": 1e-7, "f64": 1e-7}


@pytest.mark.parametrize("fmt", sorted(TOLERANCE))
@pytest.mark.parametrize("extensible", [False, True])
def test_wav_sample_formats_without_ffmpeg(fmt: str, extensible: bool, tmp_path: Path) -> None:
    want = tone()
    path = write_wav(tmp_path / "a.wav", want, fmt, extensible=extensible)
    samples, rate = read_audio(path)
    assert rate == RATE and samples.dtype == np.float32 and samples.shape == want.shape
    assert np.abs(samples - want).max() <= TOLERANCE[fmt] + 1e-6
    assert np.array_equal(read_wav(path), samples)
    assert wav_header(path) == (2, {"u8": 1, "s16": 2, "s24": 3}.get(fmt, 4 if fmt != "f64" else 8), 800)


def test_24_bit_negative_full_scale(tmp_path: Path) -> None:
    samples = np.array([[-1.0, -0.5, 0.0, 0.5, 1.0 - 2 ** -23]])
    path = write_wav(tmp_path / "a.wav", samples, "s24")
    got, _ = read_audio(path)
    assert np.allclose(got[0], [-(2 ** 23 - 1) / 2 ** 23, -0.5, 0.0, 0.5, (2 ** 23 - 2) / 2 ** 23], atol=2e-7)


def test_wav_failures(tmp_path: Path) -> None:
    bad = write_wav(tmp_path / "nan.wav", np.array([[0.0, np.nan]]), "f32")
    with pytest.raises(InputError, match="finite"):
        read_audio(bad)
    odd = write_wav(tmp_path / "odd.wav", tone(8), "s16")
    data = bytearray(odd.read_bytes())
    data[20:22] = struct.pack("<H", 7)          # an unknown format tag
    odd.write_bytes(bytes(data))
    with pytest.raises(InputError, match="format 7"):
        read_audio(odd)
    cut = write_wav(tmp_path / "cut.wav", tone(100), "s24")
    cut.write_bytes(cut.read_bytes()[:-30])
    with pytest.raises(InputError, match="truncated"):
        read_audio(cut)
    with pytest.raises(InputError, match="truncated"):
        wav_header(cut)


def test_window_follows_time() -> None:
    samples = np.arange(20, dtype=np.float32)[None, :] / 20
    track = AudioTrack(samples, rate=10)
    assert np.array_equal(track.window(0.5, 4)[0], samples[0, 5:9])
    assert np.allclose(track.window(1.8, 4)[0], [0.9, 0.95, 0, 0])   # zeros past the end
    assert not track.window(5.0, 4).any() and not track.window(-1.0, 4).any()


# -- through ffmpeg --------------------------------------------------------------------------------

def ffmpeg() -> str:
    pytest.importorskip("imageio_ffmpeg")
    from offscreen_isf.media.video import ffmpeg_exe

    return ffmpeg_exe()


def encode(src: Path, out: Path, *args: str) -> Path:
    proc = subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *args, "-i", str(src)]
                          + ([] if "-i" in args else []) + [str(out)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"this ffmpeg cannot make {out.suffix}: {proc.stderr.strip()[-200:]}")
    return out


@pytest.mark.parametrize("suffix,tol", [(".flac", 1e-4), (".mp3", 0.2), (".m4a", 0.2)])
def test_compressed_audio_through_ffmpeg(suffix: str, tol: float, tmp_path: Path) -> None:
    want = tone(RATE)          # one second
    src = write_wav(tmp_path / "a.wav", want, "s16")
    path = encode(src, tmp_path / f"a{suffix}")
    samples, rate = read_audio(path)
    assert rate == RATE and samples.shape[0] == 2
    # lossy codecs pad and delay: compare a stretch from the middle by correlation
    n = min(samples.shape[1], want.shape[1])
    mid = slice(n // 4, n // 2)
    if suffix == ".flac":
        assert samples.shape[1] == RATE and np.abs(samples - want).max() < tol
    else:
        assert abs(samples.shape[1] - RATE) < RATE // 4
        assert np.corrcoef(samples[0, mid], want[0, mid])[0, 1] > 0.5 or np.abs(samples).max() > 0.5
    assert wav_header(path)[0] == 2


def test_soundtrack_of_a_video(tmp_path: Path) -> None:
    exe = ffmpeg()
    src = write_wav(tmp_path / "a.wav", tone(RATE, channels=1), "s16")
    out = tmp_path / "v.mkv"
    proc = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                           "color=c=red:s=16x16:d=1", "-i", str(src), "-c:v", "ffv1", "-c:a", "flac",
                           "-shortest", str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    samples, rate = read_audio(out)
    assert rate == RATE and samples.shape[0] == 1 and samples.shape[1] > RATE // 2
    silent = tmp_path / "silent.mkv"
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=red:s=16x16:d=0.2", "-c:v", "ffv1", str(silent)], check=True)
    with pytest.raises(InputError, match="no audio stream"):
        read_audio(silent)


def test_not_audio_is_an_input_error(tmp_path: Path) -> None:
    ffmpeg()
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError, match="cannot decode"):
        read_audio(junk)


AUDIO = """/*{ "ISFVSN": "2", "INPUTS": [ {"NAME": "snd", "TYPE": "audio", "MAX": 4} ] }*/
void main() { gl_FragColor = vec4(IMG_NORM_PIXEL(snd, vec2(0.125, 0.5)).r, 0.0, 0.0, 1.0); }
"""


@pytest.mark.gl
@pytest.mark.parametrize("fmt", ["s24", "f32"])
def test_cli_renders_from_a_daw_export(fmt: str, tmp_path: Path, backend: str) -> None:
    from PIL import Image

    # a ramp: sample n = n / 20 - 0.5; frame f (10 fps) starts at sample 10 f (rate 100)
    ramp = (np.arange(100) / 100.0 - 0.5)[None, :]
    wav = write_wav(tmp_path / "a.wav", ramp, fmt, rate=100)
    (tmp_path / "a.fs").write_text(AUDIO)
    proc = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "render", str(tmp_path / "a.fs"),
                           "--audio", f"snd={wav}", "-o", str(tmp_path / "f_%02d.png"), "--frames", "0-3",
                           "--fps", "10", "--size", "4x4", "--backend", backend, "-q"],
                          capture_output=True, cwd=REPO, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    for frame in range(4):
        red = int(np.asarray(Image.open(tmp_path / f"f_{frame:02d}.png"))[0, 0, 0])
        want = 0.5 + (frame * 10 / 100.0 - 0.5) / 2          # the window's first sample, mapped to 0..1
        assert abs(red - want * 255) <= 2, (frame, red, want * 255)
