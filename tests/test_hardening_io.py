"""Hardening of everything read from users: every failure typed, nothing read forever,
nothing allocated from a number a user typed, confinement of companions, nothing lost on
``--resume``.  GL cases run on the process's backend (both in ``make test``); cases that
could block (FIFOs) run in a child interpreter with a deadline.
"""

from __future__ import annotations

import os
import struct
import wave
import zlib
from pathlib import Path

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.contract import check_time, finite_real
from offscreen_isf.errors import CompileError, InputError, ParseError, ResourceLimitError, UsageError
from offscreen_isf.gl.limits import parse_bytes
from offscreen_isf.isf.translate import translate
from offscreen_isf.media.audio import read_wav, waveform_texture
from offscreen_isf.media.images import load_image, to_rgba
from offscreen_isf.media.output import in_flight, png_is_complete, write_png

from .conftest import run_child

GEN = '/*{"INPUTS":[{"NAME":"f","TYPE":"float"}]}*/\nvoid main(){gl_FragColor=vec4(f);}\n'
IMG = ('/*{"INPUTS":[{"NAME":"inputImage","TYPE":"image"}]}*/\n'
       "void main(){gl_FragColor=IMG_THIS_PIXEL(inputImage);}\n")
AUD = ('/*{"INPUTS":[{"NAME":"snd","TYPE":"audio","MAX":2147483647}]}*/\n'
       "void main(){gl_FragColor=IMG_NORM_PIXEL(snd, isf_FragNormCoord);}\n")


def _wav(path: Path, channels: int = 1, frames: int = 8, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(8000)
        w.writeframes(b"\0" * (channels * width * frames))
    return path


# -- numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [10 ** 400, -10 ** 400, float("inf"), float("nan"), np.array(np.nan),
                                 np.array(np.inf), True, "1", np.array([1.0])])
def test_time_refuses_non_finite_and_huge(bad: object) -> None:
    with pytest.raises(InputError):
        check_time(bad)


@pytest.mark.parametrize("good", [np.float32(0.5), np.array(0.5), np.int64(3), 2, 0.25])
def test_numpy_scalars_and_0d_arrays_are_times(good: object) -> None:
    assert check_time(good) == pytest.approx(float(np.asarray(good)))
    assert finite_real(good) is not None


@pytest.mark.parametrize("text", ["inf", "nan", "1e400", "9" * 500 + "G", 10 ** 400, "-5"])
def test_memory_budget_text_typed(text: object) -> None:
    with pytest.raises(ResourceLimitError):
        parse_bytes(text)  # type: ignore[arg-type]


def test_render_time_date_value_typed(tmp_path: Path) -> None:
    with oi.Renderer(GEN, size=(4, 4)) as r:
        for t in (10 ** 400, np.array(np.nan)):
            with pytest.raises(InputError):
                r.render(t)
        for d in ((10 ** 400, 1, 1, 0), (2020, 1, 1, float("inf")), (float("nan"), 1, 1, 0), "2020"):
            with pytest.raises(InputError):
                r.render(0.0, d)  # type: ignore[arg-type]
        for v in (10 ** 400, np.array(np.nan), np.array(np.inf)):
            with pytest.raises(InputError):
                r.set_inputs(f=v)
        r.set_inputs(f=np.float32(0.5))
        assert r.render(np.float32(0.5))[0, 0, 0] in (127, 128)
        with pytest.raises(InputError):
            r.render(0.0, out=[0] * 64)  # type: ignore[arg-type]
        frozen = np.frombuffer(bytes(4 * 4 * 4), np.uint8).reshape(4, 4, 4)
        with pytest.raises(InputError, match="read-only"):
            r.render(0.0, out=frozen)
        assert not frozen.any()


def test_context_must_be_a_context() -> None:
    with pytest.raises(InputError, match="context must be a Context"):
        oi.Renderer(GEN, size=(4, 4), context="egl")  # type: ignore[arg-type]


# -- images ------------------------------------------------------------------------------------

def test_pil_la_mode_converts() -> None:
    from PIL import Image

    out = to_rgba(Image.new("La", (2, 2), (100, 128)))
    assert out.shape == (2, 2, 4) and tuple(out[0, 0]) == (199, 199, 199, 128)


def _png_header_only(path: Path, w: int, h: int) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    return path


def test_huge_image_refused_from_header_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    big = _png_header_only(tmp_path / "big.png", 20000, 20000)
    with pytest.raises(ResourceLimitError):           # Pillow's bomb check, typed
        load_image(big)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(ResourceLimitError, match="memory budget"):
        load_image(big, max_bytes=64 << 20)
    with oi.Renderer(IMG, size=(4, 4), memory_budget="64M") as r:
        with pytest.raises(ResourceLimitError, match="inputImage"):
            r.set_inputs(inputImage=str(big))


@pytest.mark.parametrize("name", ["a\0b.png", "x" * 5000 + ".png", "y" * 300 + ".png"])
def test_bad_image_path_names_typed(name: str) -> None:
    with pytest.raises(InputError):
        load_image(name)


def test_bad_shader_path_names_typed() -> None:
    for name in ("a\0b.fs", "x" * 5000 + ".fs"):
        with pytest.raises(ParseError):
            oi.load(name)


# -- audio -------------------------------------------------------------------------------------

def test_wav_failures_typed(tmp_path: Path) -> None:
    (tmp_path / "d.wav").mkdir()
    truncated = _wav(tmp_path / "t.wav", frames=100)
    with open(truncated, "r+b") as fh:
        fh.truncate(60)
    absurd = _wav(tmp_path / "c.wav")
    data = bytearray(absurd.read_bytes())
    data[22:24] = struct.pack("<H", 65535)
    absurd.write_bytes(bytes(data))
    cases = {"d.wav": "folder", "t.wav": "truncated", "z.wav": "no samples", "c.wav": "channels",
             "a\0b.wav": "NUL", "x" * 300 + ".wav": "too long", "missing.wav": "not found"}
    _wav(tmp_path / "z.wav", frames=0)
    for name, words in cases.items():
        with pytest.raises(InputError, match=words):
            read_wav(str(tmp_path / name))
    assert read_wav(_wav(tmp_path / "ok.wav", channels=2, frames=5)).shape == (2, 5)


def test_audio_max_checked_against_budget_before_allocation() -> None:
    with oi.Renderer(AUD, size=(4, 4), memory_budget="256M") as r:
        with pytest.raises(ResourceLimitError, match="snd"):
            r.set_inputs(snd=np.zeros(16, np.float32))


def test_resampling_is_linear_in_width() -> None:
    # a per-column Python loop took minutes for a MAX in the millions
    tex = waveform_texture(np.linspace(-1, 1, 64, dtype=np.float32), 1_000_000)
    assert tex.shape == (1, 1_000_000, 4)


# -- GLSL ----------------------------------------------------------------------------------------

def test_500_nested_img_macros_typed() -> None:
    body = "IMG_PIXEL(inputImage, " * 500 + "vec2(0.0)" + ")" * 500
    doc = oi.load(IMG.replace("IMG_THIS_PIXEL(inputImage)", body))
    with pytest.raises(CompileError, match="nested more than"):
        translate(doc)
    ok = "IMG_NORM_PIXEL(inputImage, " * 8 + "vec2(0.0)" + ".xy)" * 8
    translate(oi.load(IMG.replace("IMG_THIS_PIXEL(inputImage)", ok)))


# -- nothing read forever -------------------------------------------------------------------------

def test_fifo_and_devices_refused_without_blocking(tmp_path: Path) -> None:
    proc = run_child(f"""
        import os, offscreen_isf as oi
        from offscreen_isf.media.audio import read_wav
        from offscreen_isf.media.images import load_image
        T = {str(tmp_path)!r}
        fifo = os.path.join(T, "f"); os.mkfifo(fifo)
        shader = os.path.join(T, "s.fs"); open(shader, "w").write({GEN!r})
        os.mkfifo(os.path.join(T, "s.vs"))
        calls = [lambda: oi.load(fifo), lambda: oi.load("/dev/zero"), lambda: load_image(fifo),
                 lambda: load_image("/dev/zero"), lambda: read_wav(fifo), lambda: read_wav("/dev/zero"),
                 lambda: oi.load(shader), lambda: load_image(T)]
        for call in calls:
            try:
                call()
                print("NO ERROR")
            except oi.ISFError as exc:
                print("TYPED", type(exc).__name__, "regular file" in str(exc))
    """, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")[:-1]
    assert lines == ["TYPED ParseError True"] * 2 + ["TYPED InputError True"] * 4 + \
        ["TYPED ParseError True", "TYPED InputError True"], proc.stdout


def test_vs_symlink_leaving_the_folder_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-LINE\n")
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "x.fs").write_text(GEN)
    (folder / "x.vs").symlink_to(secret)
    with pytest.raises(ParseError) as info:
        oi.load(folder / "x.fs")
    assert "outside" in str(info.value) and "TOPSECRET" not in str(info.value)
    inside = folder / "y.fs"
    inside.write_text(GEN)
    (folder / "real.vs").write_text("void main(){isf_vertShaderInit();}\n")
    (folder / "y.vs").symlink_to(folder / "real.vs")
    assert oi.load(inside).vertex_source is not None


def test_audio_playlist_cannot_reach_files_outside_the_root(tmp_path: Path) -> None:
    """An HLS playlist inside the root naming an AAC file outside it: ffmpeg would follow it
    (the file protocol is allowed); the demuxer whitelist refuses the playlist itself."""
    import subprocess

    from offscreen_isf.media.audio import read_audio
    from offscreen_isf.media.video import ffmpeg_exe

    try:
        exe = ffmpeg_exe()
    except oi.ISFError as exc:
        pytest.skip(f"no ffmpeg: {exc}")
    outside, root = tmp_path / "outside", tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    made = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1",
                           "-c:a", "aac", str(outside / "secret.aac")], capture_output=True, check=False)
    assert made.returncode == 0, made.stderr
    playlist = root / "clip.m3u8"
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n../outside/secret.aac\n#EXT-X-ENDLIST\n")
    with pytest.raises(InputError, match="not a single-file audio format"):
        read_audio(playlist)
    concat = root / "clip.ffconcat"
    concat.write_text("ffconcat version 1.0\nfile '../outside/secret.aac'\n")
    with pytest.raises(InputError, match="cannot decode"):
        read_audio(concat)
    samples, rate = read_audio(outside / "secret.aac")     # the same file, named directly, decodes
    assert rate == 44100 and samples.shape[1] > 40000


# -- nothing lost -----------------------------------------------------------------------------------

def _frame(path: Path) -> Path:
    rng = np.random.default_rng(1)
    return write_png(path, rng.integers(0, 255, (8, 8, 4), dtype=np.uint8))


def test_png_check_catches_corrupt_data(tmp_path: Path) -> None:
    good = _frame(tmp_path / "f.png")
    assert png_is_complete(good, (8, 8))
    data = good.read_bytes()
    idat = data.index(b"IDAT")
    flipped = bytearray(data)
    flipped[idat + 10] ^= 1
    zeroed = bytearray(data)
    zeroed[idat + 4:idat + 20] = bytes(16)
    for name, body in (("flip", bytes(flipped)), ("zero", bytes(zeroed)), ("head", data[:33] + data[-12:])):
        (tmp_path / name).write_bytes(body)
        assert not png_is_complete(tmp_path / name, (8, 8)), name
    assert not png_is_complete(good, (8, 9))


def test_in_flight_temporary_is_kept(tmp_path: Path) -> None:
    import fcntl

    tmp = tmp_path / ".f0001.png.abc.tmp"
    tmp.write_bytes(b"x")
    assert in_flight(tmp)                    # just created
    os.utime(tmp, (1, 1))
    assert not in_flight(tmp)                # old and unlocked: a leftover
    with open(tmp, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        proc = run_child(f"""
            from offscreen_isf.media.output import in_flight
            print(in_flight({str(tmp)!r}))
        """)
    assert proc.stdout.strip() == "True", proc.stderr


def _cli(*args: str) -> int:
    from offscreen_isf.farm.cli import main

    try:
        return main(list(args))
    except SystemExit as exc:   # argparse refuses a flag's value: exit code 2
        return int(exc.code or 0)


def test_resume_redraws_corrupt_frames(tmp_path: Path) -> None:
    shader = tmp_path / "g.fs"
    shader.write_text(GEN)
    pattern = str(tmp_path / "o" / "f%04d.png")
    assert _cli("render", str(shader), "--frames", "0-2", "--size", "8x8", "-o", pattern, "-q") == 0
    p = Path(pattern % 1)
    data = p.read_bytes()
    p.write_bytes(data[:33] + data[-12:])
    assert _cli("render", str(shader), "--frames", "0-2", "--size", "8x8", "-o", pattern, "-q", "--resume") == 0
    assert p.read_bytes() == data


@pytest.mark.parametrize("args", [("--duration", "nan"), ("--duration", "inf"), ("--fps", "nan"),
                                  ("--time", "1e400"), ("--frames", "0-" + "9" * 400),
                                  ("--video-arg", '-x "abc'), ("--memory-budget", "inf")])
def test_cli_numbers_and_quotes_are_usage_errors(tmp_path: Path, args: tuple[str, str]) -> None:
    shader = tmp_path / "g.fs"
    shader.write_text(GEN)
    out = "o.mp4" if args[0] == "--video-arg" else "o.png"
    assert _cli("render", str(shader), "-o", str(tmp_path / out), "-q", *args) in (2, 5)


def test_far_chunk_of_a_stateful_shader_is_refused_not_listed() -> None:
    from offscreen_isf.farm.batch import History, check_run_length, parse_frames

    stateful = History(persistent=True, frameindex=False, timedelta=False)
    first, last = parse_frames("999999998-999999999")
    with pytest.raises(UsageError, match="--preroll"):
        check_run_length(first, last, stateful, None)
    check_run_length(first, last, stateful, 10)      # a bounded preroll is fine
    with pytest.raises(UsageError):
        check_run_length(0, 10 ** 9, History(False, False, False), None)


@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink"])
def test_output_never_replaces_a_non_regular_file(tmp_path: Path, kind: str) -> None:
    from offscreen_isf.errors import OutputError

    out = tmp_path / "o.png"
    {"folder": out.mkdir, "fifo": lambda: os.mkfifo(out), "symlink": lambda: out.symlink_to("/dev/null")}[kind]()
    with pytest.raises(OutputError, match="not a regular file"):
        write_png(out, np.zeros((2, 2, 4), np.uint8))
    assert out.is_symlink() if kind == "symlink" else os.path.lexists(out)


def test_input_root_with_nul_refused() -> None:
    with pytest.raises(InputError, match="NUL"):
        oi.RenderSettings(input_root="a\0b")
