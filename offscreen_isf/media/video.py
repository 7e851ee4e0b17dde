"""Video in and out through the ffmpeg binary shipped by ``imageio-ffmpeg`` (extra ``[video]``).

* :class:`VideoWriter` pipes raw RGBA frames (top row first, uint8) into ffmpeg's stdin and
  encodes to a temporary file beside the target, renamed into place only when ffmpeg
  succeeds (a killed or failed run never leaves a half-written video under the final name).
* :class:`VideoFrames` reads a video as RGBA frames by index (sequential decode; asking for
  an earlier frame restarts the decoder), used by ``--image NAME=clip.mp4``.

Container defaults (override with ``codec`` / ``pix_fmt`` / ``crf`` / ``preset`` / ``extra``):

=========  ==============  ================  =================================
suffix     codec           pixel format      quality
=========  ==============  ================  =================================
``.mp4``   libx264         yuv420p           ``-crf 18 -preset medium``
``.mov``   prores_ks 4444  yuva444p10le      ``-profile:v 4`` (keeps alpha)
``.webm``  libvpx-vp9      yuva420p          ``-crf 30 -b:v 0`` (keeps alpha)
``.mkv``   ffv1            bgra              lossless (keeps alpha)
=========  ==============  ================  =================================
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, OutputError, UsageError, missing_extra
from .output import FILE_MODE, to_uint8

__all__ = ["VIDEO_SUFFIXES", "NVENC", "VideoWriter", "VideoFrames", "ffmpeg_exe", "ffmpeg_encoders", "check_video",
           "resolve_codec", "nvidia_gpu_present"]


@dataclass(frozen=True)
class Codec:
    """Defaults for one container: encoder, output pixel format, quality arguments."""

    codec: str
    pix_fmt: str
    args: tuple[str, ...] = ()
    crf_default: int | None = None
    muxer: str = "mp4"


VIDEO_SUFFIXES: dict[str, Codec] = {
    ".mp4": Codec("libx264", "yuv420p", ("-movflags", "+faststart"), 18, "mp4"),
    ".mov": Codec("prores_ks", "yuva444p10le", ("-profile:v", "4"), None, "mov"),
    ".webm": Codec("libvpx-vp9", "yuva420p", ("-b:v", "0"), 30, "webm"),
    ".mkv": Codec("ffv1", "bgra", (), None, "matroska"),
}


#: NVIDIA hardware encoders: output pixel format and constant-quality arguments (NVENC has no
#: -crf; -cq is its counterpart).  8-bit 4:2:0, no alpha.
NVENC: dict[str, Codec] = {
    "h264_nvenc": Codec("h264_nvenc", "yuv420p", ("-rc", "vbr", "-cq", "19", "-b:v", "0")),
    "hevc_nvenc": Codec("hevc_nvenc", "yuv420p", ("-rc", "vbr", "-cq", "21", "-b:v", "0")),
}

#: suffix -> the NVENC encoder ``--codec auto`` picks there (containers whose default keeps
#: alpha or is lossless have none: auto keeps the CPU default for them)
AUTO_NVENC = {".mp4": "h264_nvenc", ".mkv": "hevc_nvenc"}

#: device nodes the NVIDIA driver creates; a GPU hidden by CUDA_VISIBLE_DEVICES="" or "-1" counts as absent
_NVIDIA_NODES = ("/dev/nvidiactl", "/dev/nvidia0")


def nvidia_gpu_present() -> bool:
    """Whether an NVIDIA GPU is usable here (driver device nodes, not hidden by
    ``CUDA_VISIBLE_DEVICES``).  Imports nothing GPU-specific."""
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES", "0").strip() in ("", "-1")
    return not hidden and all(os.path.exists(node) for node in _NVIDIA_NODES)


def resolve_codec(path: str | os.PathLike[str], codec: str | None) -> tuple[str | None, str | None]:
    """``--codec`` for the video at ``path``: (encoder to use or None for the suffix default,
    a one-line notice or None).

    ``auto``: the suffix's NVENC encoder when the ffmpeg in use lists it and an NVIDIA GPU is
    present, else the CPU default with a notice saying why.  ``h264_nvenc`` / ``hevc_nvenc``
    without both: :class:`UsageError`.  Anything else is returned unchanged.
    """
    suffix = Path(path).suffix.lower()
    wanted = AUTO_NVENC.get(suffix) if codec == "auto" else codec
    if wanted not in NVENC:
        if codec != "auto":
            return codec, None
        default = VIDEO_SUFFIXES[suffix].codec if suffix in VIDEO_SUFFIXES else "the default"
        return None, f"--codec auto: no NVENC encoder for {suffix or 'this output'}; encoding with {default}"
    missing = ("no NVIDIA GPU is present" if not nvidia_gpu_present()
               else None if wanted in ffmpeg_encoders() else f"the ffmpeg in use ({ffmpeg_exe()}) has no {wanted}")
    if missing is None:
        return wanted, None
    if codec == "auto":
        default = VIDEO_SUFFIXES[suffix].codec
        return None, f"--codec auto: {missing}; encoding with {default} on the CPU"
    raise UsageError(f"--codec {wanted}: {missing}; use --codec auto (falls back to the CPU) or a CPU encoder")


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary from imageio-ffmpeg (or ``$IMAGEIO_FFMPEG_EXE``)."""
    try:
        import imageio_ffmpeg  # noqa: PLC0415
    except ImportError:
        raise missing_extra("video (a bundled ffmpeg binary)", "video", ("imageio-ffmpeg",)) from None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise InputError(f"no ffmpeg binary: {exc}") from None


@functools.lru_cache(maxsize=4)
def _encoders_of(exe: str) -> frozenset[str]:
    try:
        listing = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True,
                                 timeout=60, check=False).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError(f"cannot run ffmpeg ({exe}): {exc}") from None
    # lines look like " V....D libx264   libx264 H.264 ..." below a "------" rule
    body = listing.partition("------")[2]
    return frozenset(parts[1] for line in body.splitlines() if len(parts := line.split()) >= 2)


def ffmpeg_encoders() -> frozenset[str]:
    """The encoder names the ffmpeg in use has (``ffmpeg -encoders``), read once per binary."""
    return _encoders_of(ffmpeg_exe())


def check_video(path: str | os.PathLike[str], codec: str | None = None) -> None:
    """Before drawing: the suffix is a video container, ffmpeg is there (the ``video`` extra)
    and it has the encoder (``codec`` or the suffix's default).  :class:`UsageError` otherwise."""
    spec = VIDEO_SUFFIXES.get(Path(path).suffix.lower())
    if spec is None:
        raise UsageError(f"unknown video suffix {Path(path).suffix!r}: use one of {', '.join(VIDEO_SUFFIXES)}")
    wanted = codec or spec.codec
    if wanted not in ffmpeg_encoders():
        raise UsageError(f"-o {os.fspath(path)}: the ffmpeg in use ({ffmpeg_exe()}) has no {wanted} encoder; "
                         "pick another with --codec, another suffix, or point IMAGEIO_FFMPEG_EXE at an "
                         "ffmpeg that has it")


@dataclass
class VideoWriter:
    """Encode (H, W, 4) top-row-first frames into ``path`` at ``fps`` frames per second.

    Frames are written in call order; float frames are clamped to 0..1 and quantised to
    8 bits.  ``close()`` finishes the file (atomic rename); ``abort()`` discards it.
    """

    path: Path
    size: tuple[int, int]
    fps: float
    codec: str | None = None
    pix_fmt: str | None = None
    crf: int | None = None
    preset: str | None = None
    extra: Sequence[str] = ()
    _proc: Any = field(default=None, init=False, repr=False)
    _tmp: Path | None = field(default=None, init=False, repr=False)
    _log: Any = field(default=None, init=False, repr=False)
    frames: int = field(default=0, init=False)

    def command(self, tmp: Path) -> list[str]:
        """The ffmpeg command line writing to ``tmp``."""
        spec = VIDEO_SUFFIXES.get(self.path.suffix.lower())
        if spec is None:
            raise InputError(f"unknown video suffix {self.path.suffix!r}: use one of {', '.join(VIDEO_SUFFIXES)}")
        w, h = self.size
        enc = NVENC.get(self.codec or "", spec)   # NVENC: its own pixel format and quality arguments
        codec, pix_fmt = self.codec or enc.codec, self.pix_fmt or enc.pix_fmt
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-framerate", repr(float(self.fps)),
               "-i", "-", "-an", "-c:v", codec, "-pix_fmt", pix_fmt]
        if (w % 2 or h % 2) and ("420" in pix_fmt or "422" in pix_fmt):
            cmd += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]   # chroma subsampling needs even sizes
        if codec == enc.codec:
            cmd += list(enc.args)
        if enc is not spec and spec.muxer == "mp4":
            cmd += ["-movflags", "+faststart"]
        crf = self.crf if self.crf is not None else (enc.crf_default if codec == enc.codec else None)
        if crf is not None:
            cmd += ["-crf", str(crf)]
        if self.preset:
            cmd += ["-preset", self.preset]
        cmd += list(self.extra)
        return cmd + ["-f", spec.muxer, str(tmp)]

    def open(self) -> VideoWriter:
        """Start ffmpeg (encoding into a temporary file beside ``path``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._log = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(self.command(self._tmp), stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL, stderr=self._log)
        except OSError as exc:
            self.abort()
            raise OutputError(f"cannot start ffmpeg: {exc}") from None
        return self

    def _ffmpeg_said(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 4) frame, top row first."""
        if frame.shape != (self.size[1], self.size[0], 4):
            raise InputError(f"video frame must be {self.size[1]}x{self.size[0]}x4, got {frame.shape}")
        try:
            self._proc.stdin.write(np.ascontiguousarray(to_uint8(frame)).tobytes())
        except (BrokenPipeError, OSError):
            self._proc.wait()
            message = self._ffmpeg_said()
            self.abort()
            raise OutputError(f"ffmpeg stopped encoding {self.path}: {message}") from None
        self.frames += 1

    def close(self) -> Path:
        """Finish encoding and move the video into place; raises :class:`OutputError`."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        code = self._proc.wait()
        if code != 0:
            message = self._ffmpeg_said()
            self.abort()
            raise OutputError(f"ffmpeg failed ({code}) writing {self.path}: {message}")
        assert self._tmp is not None
        os.chmod(self._tmp, FILE_MODE)
        os.replace(self._tmp, self.path)
        self._tmp = None
        self._log.close()
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file.  Idempotent."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


class VideoFrames:
    """Frames of a video file by index, as (H, W, 4) uint8 RGBA top row first.

    Decoding is sequential (exact: no seeking by timestamp); a frame index past the end
    returns the last frame.  ``close()`` stops the decoder.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"video not found: {self.path}")
        ffmpeg_exe()
        self._gen: Generator[Any, None, None] | None = None
        self._next = 0
        self._last: np.ndarray | None = None
        self.size = (0, 0)
        self._ended = False

    def _start(self) -> None:
        import imageio_ffmpeg  # noqa: PLC0415

        self.close()
        self._gen = imageio_ffmpeg.read_frames(str(self.path), pix_fmt="rgba", bits_per_pixel=32)
        try:
            meta = next(self._gen)
        except (RuntimeError, OSError, StopIteration) as exc:
            raise InputError(f"cannot read video {self.path}: {str(exc).strip().splitlines()[-1:]}") from None
        self.size = tuple(meta["size"])
        self._next, self._last, self._ended = 0, None, False

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (0-based); the last frame for indices past the end."""
        if self._gen is None or index < self._next - 1:
            self._start()
        gen = self._gen
        assert gen is not None   # _start() opened the decoder
        while (self._last is None or self._next <= index) and not self._ended:
            try:
                raw = next(gen)
            except StopIteration:
                self._ended = True
                break
            except RuntimeError as exc:
                raise InputError(f"cannot decode video {self.path}: {exc}") from None
            w, h = self.size
            self._last = np.frombuffer(raw, np.uint8).reshape(h, w, 4)
            self._next += 1
        if self._last is None:
            raise InputError(f"video {self.path} has no frames")
        return self._last

    def close(self) -> None:
        """Stop the decoder process.  Idempotent."""
        if self._gen is not None:
            self._gen.close()
            self._gen = None
