"""Output formats by suffix: every suffix writes its format or is refused (exit 2) before
anything is drawn; the PNG encoder keeps every sample at every level; --frames steps.

Encoders are tested by decoding what they wrote.  CLI runs go through a subprocess
(``python -m offscreen_isf.farm.cli``); GL ones are marked ``gl`` (one backend per process).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from offscreen_isf.errors import MissingExtraError, UsageError
from offscreen_isf.farm.batch import output_kind, parse_frame_range
from offscreen_isf.media.animation import check_animation
from offscreen_isf.media.formats import EncodeSettings, encode_frame, frame_is_complete, image_format, write_frame
from offscreen_isf.media.output import png_is_complete
from offscreen_isf.media.pngenc import encode_png

from .conftest import REPO

W, H = 24, 10
SHADER = """/*{ "ISFVSN": "2" }*/
void main() { gl_FragColor = vec4(isf_FragNormCoord.x, fract(TIME), float(FRAMEINDEX) / 10.0, 1.0); }
"""
# the last pass renders into a FLOAT target: float frames, unclamped
FLOAT_SHADER = """/*{ "ISFVSN": "2", "PASSES": [ {"TARGET": "big", "FLOAT": true} ] }*/
void main() { gl_FragColor = vec4(isf_FragNormCoord.x * 4.0, -0.5, 0.25, 1.0); }
"""


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", *args], capture_output=True,
                          cwd=REPO, check=False, timeout=timeout)


def shader(tmp_path: Path, text: str = SHADER) -> str:
    p = tmp_path / "s.fs"
    p.write_text(text)
    return str(p)


def frames(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 and a float32 test frame with every byte value and awkward float values."""
    rng = np.random.default_rng(seed)
    f8 = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    f32 = rng.uniform(-0.25, 1.25, (H, W, 4)).astype(np.float32)
    return f8, f32


def decode_png16(data: bytes) -> np.ndarray:
    import png  # pypng: Pillow reads 16-bit RGBA as 8-bit

    width, height, rows, _info = png.Reader(bytes=data).asDirect()
    return np.array(list(rows), np.uint16).reshape(height, width, 4)


# -- PNG encoder ---------------------------------------------------------------------------------

@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_png_8_bit_decodes_to_the_same_samples(level: int, tmp_path: Path) -> None:
    f8, _ = frames(level)
    data = encode_png(f8, level)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), f8)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    assert png_is_complete(path, (W, H), 8)


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_png_16_bit_decodes_to_the_rounded_floats(level: int, tmp_path: Path) -> None:
    _, f32 = frames(level + 10)
    want = (np.clip(f32, 0, 1) * 65535 + 0.5).astype(np.uint16)
    data = encode_png(f32, level)
    assert np.array_equal(decode_png16(data), want)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    assert png_is_complete(path, (W, H), 16) and not png_is_complete(path, (W, H), 8)


def test_png_levels_trade_size_not_pixels() -> None:
    y, x = np.mgrid[0:64, 0:64]
    smooth = np.stack([x * 4, y * 4, (x + y) * 2, np.full_like(x, 255)], -1).astype(np.uint8)
    sizes = [len(encode_png(smooth, level)) for level in (0, 1, 9)]
    assert sizes[0] > sizes[1] >= sizes[2]
    with pytest.raises(ValueError, match="0-9"):
        encode_png(smooth, 10)


# -- every still format --------------------------------------------------------------------------

def test_tiff_float_unclamped_and_8_bit_exact(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    f8, f32 = frames(3)
    write_frame(tmp_path / "a.tif", f32)
    write_frame(tmp_path / "b.tiff", f8)
    assert np.array_equal(tifffile.imread(tmp_path / "a.tif"), f32)
    assert np.array_equal(tifffile.imread(tmp_path / "b.tiff"), f8)
    assert frame_is_complete(tmp_path / "a.tif", (W, H), "float32")


@pytest.mark.parametrize("kind,dtype", [("half", np.float16), ("float", np.float32)])
def test_exr_half_and_float(kind: str, dtype: type, tmp_path: Path) -> None:
    openexr = pytest.importorskip("OpenEXR")
    f8, f32 = frames(4)
    write_frame(tmp_path / "a.exr", f32, EncodeSettings(exr_type=kind))
    with openexr.File(str(tmp_path / "a.exr")) as exr:
        pixels = exr.channels()["RGBA"].pixels
    assert pixels.dtype == dtype and np.array_equal(pixels, f32.astype(dtype))   # unclamped, top row first
    write_frame(tmp_path / "b.exr", f8, EncodeSettings(exr_type=kind))
    with openexr.File(str(tmp_path / "b.exr")) as exr:
        assert np.array_equal(exr.channels()["RGBA"].pixels, (f8 / np.float32(255)).astype(dtype))
    assert frame_is_complete(tmp_path / "a.exr", (W, H), "float32")
    assert not frame_is_complete(tmp_path / "a.exr", (W + 1, H), "float32")
    data = (tmp_path / "a.exr").read_bytes()
    (tmp_path / "cut.exr").write_bytes(data[:len(data) // 2])
    assert not frame_is_complete(tmp_path / "cut.exr", (W, H), "float32")


def test_jpeg_is_jpeg_rgb_and_close(tmp_path: Path) -> None:
    y, x = np.mgrid[0:H, 0:W]
    smooth = np.stack([x * 10, y * 20, np.full_like(x, 128), np.full_like(x, 7)], -1).astype(np.uint8)
    write_frame(tmp_path / "a.jpg", smooth, EncodeSettings(quality=95))
    data = (tmp_path / "a.jpg").read_bytes()
    assert data[:3] == b"\xff\xd8\xff"       # JPEG, not PNG bytes under a .jpg name
    with Image.open(tmp_path / "a.jpg") as im:
        assert im.format == "JPEG" and im.mode == "RGB"
        assert np.abs(np.asarray(im).astype(int) - smooth[..., :3]).mean() < 4
    assert frame_is_complete(tmp_path / "a.jpg", (W, H), "uint8")
    (tmp_path / "cut.jpg").write_bytes(data[:40])
    assert not frame_is_complete(tmp_path / "cut.jpg", (W, H), "uint8")


def test_webp_lossless_at_100_keeps_alpha(tmp_path: Path) -> None:
    f8, _ = frames(5)
    write_frame(tmp_path / "a.webp", f8, EncodeSettings(quality=100))
    with Image.open(tmp_path / "a.webp") as im:
        assert im.format == "WEBP" and np.array_equal(np.asarray(im.convert("RGBA")), f8)
    write_frame(tmp_path / "b.webp", f8, EncodeSettings(quality=50))
    assert (tmp_path / "b.webp").stat().st_size < (tmp_path / "a.webp").stat().st_size


@pytest.mark.parametrize("name", ["a.avi", "a.bmp", "a", "a.PNG.txt", "f_%04d.jpgx"])
def test_unknown_suffixes_refused(name: str) -> None:
    with pytest.raises(UsageError, match="not an output format"):
        image_format(name)
    f8, _ = frames()
    with pytest.raises(UsageError):
        encode_frame(name, f8, EncodeSettings())


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "OpenEXR", None)    # import OpenEXR now raises ImportError
    with pytest.raises(MissingExtraError, match="'exr' extra"):
        image_format("a.exr").require()


def test_bad_settings_are_usage_errors() -> None:
    for kwargs in ({"png_level": 10}, {"quality": 0}, {"exr_type": "double"}):
        with pytest.raises(UsageError):
            EncodeSettings(**kwargs)  # type: ignore[arg-type]


# -- kinds, steps, animations ---------------------------------------------------------------------

def test_output_kinds() -> None:
    assert output_kind("a.gif") == output_kind("a.gif", True) == "animation"
    assert output_kind("a.webp") == "images" and output_kind("a.webp", True) == "animation"
    assert output_kind("f_%04d.webp", True) == output_kind("f_####.webp", True) == "images"
    assert output_kind("a.mov") == "video" and output_kind("-") == "raw"


def test_frame_steps() -> None:
    assert parse_frame_range("0-100x2") == (0, 100, 2)
    assert parse_frame_range(" 3 - 9 x 3 ") == (3, 9, 3)
    assert parse_frame_range("0-29") == (0, 29, 1) and parse_frame_range("30") == (0, 29, 1)
    for bad in ("0-10x0", "10x2", "0-10x", "x2", "0-10x2x2"):
        with pytest.raises(UsageError):
            parse_frame_range(bad)


def test_animation_memory_refused_up_front() -> None:
    check_animation("a.gif", (64, 64), 100)
    with pytest.raises(UsageError, match="in memory"):
        check_animation("a.gif", (3840, 2160), 100)


@pytest.mark.parametrize("out", ["x.avi", "x.bmp", "x", "f_%04d.txt"])
def test_cli_refuses_unknown_suffix_before_drawing(out: str, tmp_path: Path) -> None:
    # the shader is broken too: the output is refused first, so no GL is ever opened
    bad = tmp_path / "bad.fs"
    bad.write_text("not a shader")
    proc = cli("render", str(bad), "-o", str(tmp_path / out), "--frames", "0-2", "--size", "8x8")
    assert proc.returncode == 2, proc.stderr.decode()
    assert b"not an output format" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.fs"]


def test_cli_refuses_missing_encoder(tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg")
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / "a.mp4"), "--codec", "no_such_encoder",
               "--frames", "0-1", "--size", "8x8")
    assert proc.returncode == 2 and b"no no_such_encoder encoder" in proc.stderr
    assert not (tmp_path / "a.mp4").exists()


# -- end to end (GL) ------------------------------------------------------------------------------

@pytest.mark.gl
def test_cli_step_writes_every_second_frame(tmp_path: Path, backend: str) -> None:
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / "f_%03d.png"), "--frames", "2-8x3",
               "--size", f"{W}x{H}", "--backend", backend, "-q", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(p.name for p in tmp_path.glob("f_*.png")) == ["f_002.png", "f_005.png", "f_008.png"]
    # frame n is drawn at FRAMEINDEX n whatever the step
    blue = np.asarray(Image.open(tmp_path / "f_005.png"))[0, 0, 2]
    assert abs(int(blue) - round(0.5 * 255)) <= 1


@pytest.mark.gl
@pytest.mark.parametrize("suffix", [".exr", ".tif", ".png"])
def test_cli_float_outputs(suffix: str, tmp_path: Path, backend: str) -> None:
    if suffix == ".exr":
        openexr = pytest.importorskip("OpenEXR")
    if suffix == ".tif":
        pytest.importorskip("tifffile")
    out = tmp_path / f"a{suffix}"
    proc = cli("render", shader(tmp_path, FLOAT_SHADER), "-o", str(out), "--size", f"{W}x{H}",
               "--backend", backend, "-q", "--exr-type", "float")
    assert proc.returncode == 0, proc.stderr.decode()
    if suffix == ".exr":
        with openexr.File(str(out)) as exr:
            px = exr.channels()["RGBA"].pixels
        assert px.dtype == np.float32 and px[0, -1, 0] > 3.0 and px[0, 0, 1] == pytest.approx(-0.5)
    elif suffix == ".tif":
        import tifffile
        px = tifffile.imread(out)
        assert px.dtype == np.float32 and px[0, -1, 0] > 3.0
    else:
        px16 = decode_png16(out.read_bytes())
        assert px16[0, -1, 0] == 65535 and px16[0, 0, 1] == 0 and abs(int(px16[0, 0, 2]) - 16384) <= 1


@pytest.mark.gl
@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_cli_stills(suffix: str, tmp_path: Path, backend: str) -> None:
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / f"f_%02d{suffix}"), "--frames", "0-1",
               "--size", f"{W}x{H}", "--backend", backend, "-q", "--quality", "90")
    assert proc.returncode == 0, proc.stderr.decode()
    for n in (0, 1):
        with Image.open(tmp_path / f"f_{n:02d}{suffix}") as im:
            assert im.format == {".jpg": "JPEG", ".webp": "WEBP"}[suffix] and im.size == (W, H)
    # --resume recognises the finished files
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / f"f_%02d{suffix}"), "--frames", "0-1",
               "--size", f"{W}x{H}", "--backend", backend, "-q", "--resume", "--json")
    assert proc.returncode == 0 and b'"skipped": 2' in proc.stdout


@pytest.mark.gl
@pytest.mark.parametrize("name", ["a.gif", "a.webp"])
def test_cli_animated_previews(name: str, tmp_path: Path, backend: str) -> None:
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / name), "--frames", "0-5", "--fps", "10",
               "--size", f"{W}x{H}", "--backend", backend, "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    with Image.open(tmp_path / name) as im:
        assert im.format == ("GIF" if name.endswith("gif") else "WEBP")
        assert getattr(im, "n_frames", 1) == 6
        im.seek(5)
        im.load()
        assert im.info.get("duration") == 100       # 10 fps
        blue = np.asarray(im.convert("RGBA"))[0, 0, 2]
    assert abs(int(blue) - 128) <= 8          # FRAMEINDEX 5 of 10
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.gl
def test_cli_prores_mov(tmp_path: Path, backend: str) -> None:
    pytest.importorskip("imageio_ffmpeg")
    from offscreen_isf.media.video import ffmpeg_encoders, ffmpeg_exe

    if "prores_ks" not in ffmpeg_encoders():
        pytest.skip("this ffmpeg has no prores_ks")
    proc = cli("render", shader(tmp_path), "-o", str(tmp_path / "a.mov"), "--frames", "0-3",
               "--size", f"{W}x{H}", "--backend", backend, "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(tmp_path / "a.mov")],
                           capture_output=True, text=True, check=False)
    assert "prores" in probe.stderr and "4444" in probe.stderr
