"""``--codec h264_nvenc|hevc_nvenc|auto`` against a fake ffmpeg (and a real NVENC when present).

The fake ffmpeg prints an encoder list for ``-encoders`` and otherwise logs its arguments,
reads the raw frames from stdin and writes a stub file; whether a GPU is "present" is set
in the child process by replacing ``offscreen_isf.media.video.nvidia_gpu_present``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from offscreen_isf.errors import UsageError
from offscreen_isf.media import video
from offscreen_isf.media.video import VideoWriter, resolve_codec

from .conftest import REPO

SHADER = """/*{"ISFVSN": "2"}*/
void main() { gl_FragColor = vec4(isf_FragNormCoord, 0.5, 1.0); }
"""

FAKE = """#!{python}
import json, os, sys
args = sys.argv[1:]
if "-encoders" in args:
    print("Encoders:\\n V..... = Video\\n ------")
    for name in os.environ["FAKE_ENCODERS"].split(","):
        print(f" V....D {{name}}  fake {{name}}")
    sys.exit(0)
with open(os.environ["FAKE_FFMPEG_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
data = sys.stdin.buffer.read()
with open(args[-1], "wb") as out:
    out.write(len(data).to_bytes(8, "little"))
"""


@pytest.fixture
def fake_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ffmpeg as IMAGEIO_FFMPEG_EXE; returns the log of its encoding runs."""
    exe = tmp_path / "ffmpeg"
    exe.write_text(FAKE.format(python=sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "ffmpeg.log"
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(exe))
    monkeypatch.setenv("FAKE_FFMPEG_LOG", str(log))
    monkeypatch.setenv("FAKE_ENCODERS", "libx264,ffv1,prores_ks,libvpx-vp9,h264_nvenc,hevc_nvenc")
    pytest.importorskip("imageio_ffmpeg")
    return log


def run_cli(tmp_path: Path, gpu: bool, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process with the GPU check answering ``gpu``."""
    shader = tmp_path / "s.fs"
    shader.write_text(SHADER)
    code = ("import sys; import offscreen_isf.media.video as v; "
            f"v.nvidia_gpu_present = lambda: {gpu}; "
            "from offscreen_isf.farm.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, "render", str(shader), "--size", "16x8",
                           "--frames", "0-2", *args], capture_output=True, text=True, cwd=REPO,
                          check=False, timeout=300, env=dict(os.environ))


def encodes(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize(("suffix", "codec", "gpu", "expected", "notice"), [
    (".mp4", "auto", True, "h264_nvenc", None),
    (".mkv", "auto", True, "hevc_nvenc", None),
    (".mp4", "auto", False, None, "no NVIDIA GPU is present; encoding with libx264"),
    (".mov", "auto", True, None, "no NVENC encoder for .mov; encoding with prores_ks"),
    (".mp4", "hevc_nvenc", True, "hevc_nvenc", None),
    (".mp4", "libx264", False, "libx264", None),
])
def test_resolve_codec(fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, codec: str,
                       gpu: bool, expected: str | None, notice: str | None) -> None:
    monkeypatch.setattr(video, "nvidia_gpu_present", lambda: gpu)
    got, said = resolve_codec(f"out{suffix}", codec)
    assert got == expected
    assert (said is None) == (notice is None) and (notice is None or notice in str(said))


def test_auto_without_nvenc_in_ffmpeg(fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_ENCODERS", "libx264")
    monkeypatch.setattr(video, "nvidia_gpu_present", lambda: True)
    got, said = resolve_codec("out.mp4", "auto")
    assert got is None and said is not None and "has no h264_nvenc" in said
    with pytest.raises(UsageError, match="--codec h264_nvenc: the ffmpeg in use .* has no h264_nvenc"):
        resolve_codec("out.mp4", "h264_nvenc")


def test_nvenc_command_line() -> None:
    mp4 = VideoWriter(Path("a.mp4"), (16, 8), 30.0, codec="h264_nvenc").command(Path("t"))
    assert mp4[mp4.index("-c:v") + 1] == "h264_nvenc" and mp4[mp4.index("-pix_fmt", mp4.index("-c:v")) + 1] == "yuv420p"
    assert "-cq" in mp4 and "-crf" not in mp4 and "+faststart" in mp4 and mp4[-2] == "mp4"
    mkv = VideoWriter(Path("a.mkv"), (16, 8), 30.0, codec="hevc_nvenc").command(Path("t"))
    assert mkv[mkv.index("-pix_fmt", mkv.index("-c:v")) + 1] == "yuv420p" and "+faststart" not in mkv and mkv[-2] == "matroska"
    # the CPU default is unchanged
    x264 = VideoWriter(Path("a.mp4"), (16, 8), 30.0).command(Path("t"))
    assert "libx264" in x264 and "-crf" in x264 and "-cq" not in x264


def test_explicit_nvenc_without_gpu_is_exit_2(fake_ffmpeg: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    proc = run_cli(tmp_path, False, "-o", str(out), "--codec", "h264_nvenc")
    assert proc.returncode == 2, proc.stderr
    assert "--codec h264_nvenc: no NVIDIA GPU is present" in proc.stderr
    assert not out.exists() and encodes(fake_ffmpeg) == []


@pytest.mark.gl
def test_auto_falls_back_with_one_line_notice(fake_ffmpeg: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    proc = run_cli(tmp_path, False, "-o", str(out), "--codec", "auto", "-q")
    assert proc.returncode == 0, proc.stderr
    notices = [line for line in proc.stderr.splitlines() if "--codec auto" in line]
    assert notices == ["offscreen-isf: --codec auto: no NVIDIA GPU is present; encoding with libx264 on the CPU"]
    [args] = encodes(fake_ffmpeg)
    assert args[args.index("-c:v") + 1] == "libx264"
    assert int.from_bytes(out.read_bytes(), "little") == 3 * 16 * 8 * 4   # three RGBA frames piped


@pytest.mark.gl
def test_auto_uses_nvenc_when_usable(fake_ffmpeg: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    proc = run_cli(tmp_path, True, "-o", str(out), "--codec", "auto", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "--codec auto" not in proc.stderr
    [args] = encodes(fake_ffmpeg)
    assert args[args.index("-c:v") + 1] == "h264_nvenc" and "-cq" in args


@pytest.mark.gl
def test_real_nvenc(tmp_path: Path) -> None:
    """On a machine with an NVIDIA GPU and an ffmpeg that has NVENC: a real encode."""
    pytest.importorskip("imageio_ffmpeg")
    if not video.nvidia_gpu_present() or "h264_nvenc" not in video.ffmpeg_encoders():
        pytest.skip("needs an NVIDIA GPU and an ffmpeg with h264_nvenc")
    out = tmp_path / "a.mp4"
    proc = run_cli(tmp_path, True, "-o", str(out), "--codec", "h264_nvenc", "--size", "256x144", "-q")
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0
