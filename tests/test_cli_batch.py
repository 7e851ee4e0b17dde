"""`offscreen-isf render` as a render farm node runs it: ranges, chunks, video, resume, errors.

End-to-end tests drive the CLI in a subprocess (``python -m offscreen_isf.farm.cli``) at small sizes;
GL ones are marked ``gl`` and use the backend of this pytest process (one per process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from offscreen_isf.errors import UsageError
from offscreen_isf.farm.batch import History, frame_pattern, parse_frames, parse_value, plan_frames
from offscreen_isf.media.output import png_is_complete, write_png

from .conftest import REPO

SIZE = "32x18"
W, H = 32, 18

GRADIENT = """/*{ "ISFVSN": "2", "INPUTS": [
  {"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]},
  {"NAME": "centre", "TYPE": "point2D", "DEFAULT": [0, 0]},
  {"NAME": "bang", "TYPE": "event"} ] }*/
void main() { gl_FragColor = vec4(level * tint.r, TIME, bang ? 1.0 : centre.x / 100.0, tint.g); }
"""

# state carried across frames: a persistent float buffer, FRAMEINDEX and TIMEDELTA
FEEDBACK = """/*{ "ISFVSN": "2", "PASSES": [ {"TARGET": "acc", "PERSISTENT": true, "FLOAT": true}, {} ] }*/
void main() {
    if (PASSINDEX == 0) {
        vec4 prev = IMG_THIS_PIXEL(acc);
        float x = isf_FragNormCoord.x;
        gl_FragColor = vec4(prev.rgb * 0.8 + 0.2 * vec3(fract(x * 3.0 + TIME),
                            fract(float(FRAMEINDEX) * 0.13), TIMEDELTA * 10.0), 1.0);
    } else {
        gl_FragColor = IMG_THIS_PIXEL(acc);
    }
}
"""

# no buffers, but FRAMEINDEX and TIMEDELTA
COUNTER = """/*{ "ISFVSN": "2" }*/
void main() { gl_FragColor = vec4(fract(float(FRAMEINDEX) / 7.0), TIMEDELTA * 20.0, TIME, 1.0); }
"""

# slow enough on llvmpipe that a run can be killed mid-way
HEAVY = """/*{ "ISFVSN": "2" }*/
void main() {
    vec2 uv = isf_FragNormCoord;
    float a = 0.0;
    for (int i = 0; i < 3000; ++i) { a += sin(a * 0.5 + uv.x * float(i) * 0.001 + TIME); }
    gl_FragColor = vec4(fract(a), uv, 1.0);
}
"""

PASSTHROUGH = """/*{ "ISFVSN": "2", "INPUTS": [ {"NAME": "inputImage", "TYPE": "image"} ] }*/
void main() { gl_FragColor = IMG_THIS_PIXEL(inputImage); }
"""

AUDIO = """/*{ "ISFVSN": "2", "INPUTS": [ {"NAME": "snd", "TYPE": "audio", "MAX": 4} ] }*/
void main() { gl_FragColor = vec4(IMG_NORM_PIXEL(snd, vec2(0.125, 0.5)).r, 0.0, 0.0, 1.0); }
"""


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", *args], capture_output=True,
                          cwd=REPO, check=False, timeout=timeout)


def ok(proc: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    assert proc.returncode == 0, proc.stderr.decode()
    return proc


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def frames_of(folder: Path, pattern: str = "f_*.png") -> list[Path]:
    return sorted(folder.glob(pattern))


# -- no GL ------------------------------------------------------------------------------------

def test_parse_frames() -> None:
    assert parse_frames("0-29") == (0, 29)
    assert parse_frames("15 - 29") == (15, 29)
    assert parse_frames("30") == (0, 29)
    for bad in ("29-0", "a-b", "-3", "0", "1-2-3", ""):
        with pytest.raises(UsageError):
            parse_frames(bad)


def test_plan_frames_follows_the_chunk_rule() -> None:
    stateless, timedelta = History(False, False, False), History(False, True, True)
    stateful = History(True, False, False)
    assert plan_frames(range(15, 18), stateless) == [(15, True), (16, True), (17, True)]
    assert plan_frames(range(15, 17), timedelta) == [(14, False), (15, True), (16, True)]
    assert plan_frames([0, 1], timedelta) == [(0, True), (1, True)]
    assert plan_frames([3, 4], stateful) == [(0, False), (1, False), (2, False), (3, True), (4, True)]
    assert plan_frames([3, 4], stateful, preroll=1) == [(2, False), (3, True), (4, True)]
    # resume holes: each run of missing frames gets its own pre-roll; overlaps merge
    assert plan_frames([2, 5, 6], timedelta) == [(1, False), (2, True), (4, False), (5, True), (6, True)]
    assert plan_frames([2, 3, 5], History(False, False, True), preroll=2) == [
        (0, False), (1, False), (2, True), (3, True), (4, False), (5, True)]
    assert plan_frames([], stateful) == []


def test_parse_value_is_typed_by_the_declaration() -> None:
    from offscreen_isf import load

    doc = load(GRADIENT)
    assert parse_value(doc.input("tint"), "#ff8000") == [1.0, 128 / 255, 0.0]
    assert parse_value(doc.input("tint"), "1,0.5,0,1") == [1.0, 0.5, 0.0, 1.0]
    assert parse_value(doc.input("centre"), "3,4") == [3.0, 4.0]
    assert parse_value(doc.input("level"), "0.25") == 0.25
    assert parse_value(doc.input("bang"), "on") is True
    from offscreen_isf.errors import InputError

    # CSS names and #rgb/#rgba are colours (Pillow's parser); five hex digits or a non-name are not
    for name, bad in (("tint", "#ff80f"), ("tint", "reddish"), ("level", "x"), ("bang", "maybe")):
        with pytest.raises(InputError):
            parse_value(doc.input(name), bad)


def test_frame_pattern() -> None:
    assert frame_pattern("out/f_#####.png", True) == "out/f_%05d.png"
    assert frame_pattern("out/f.png", True) == "out/f_%04d.png"
    assert frame_pattern("out/f.png", False) == "out/f.png"
    with pytest.raises(UsageError):
        frame_pattern("out/f_%s_%d.png", True)


def test_png_is_complete_checks_header_and_end(tmp_path: Path) -> None:
    p = tmp_path / "a.png"
    write_png(p, np.zeros((3, 5, 4), np.uint8))
    assert png_is_complete(p, (5, 3)) and not png_is_complete(p, (3, 5))
    assert not png_is_complete(p, (5, 3), bitdepth=16)
    data = p.read_bytes()
    p.write_bytes(data[:-5])
    assert not png_is_complete(p, (5, 3))
    assert not png_is_complete(tmp_path / "missing.png", (5, 3))


@pytest.mark.parametrize("args", [
    ["--frames", "5-2"], ["--frames", "abc"], ["--size", "0x3"], ["--size", "big"], ["--fps", "0"],
    ["--frames", "0-3", "--duration", "2"], ["--set", "level"], ["--resume", "-o", "-"],
    ["--preroll", "-1"], ["--date", "yesterday"], ["--frames", "0-3", "-o", "x_%s.png"], ["--bogus"],
])
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    proc = cli("render", write(tmp_path, "g.fs", GRADIENT), "-o", str(tmp_path / "safe.png"), *args)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "error:" in err and "Traceback" not in err


def test_exit_codes_without_gl(tmp_path: Path) -> None:
    missing = cli("render", str(tmp_path / "missing.fs"))
    assert missing.returncode == 3 and b"missing.fs" in missing.stderr and b"Traceback" not in missing.stderr
    broken = cli("render", write(tmp_path, "b.fs", '/*{ "INPUTS": [ }*/\nvoid main() {}\n'))
    assert broken.returncode == 3 and broken.stderr.startswith(b"error: ")
    unknown = cli("render", write(tmp_path, "g.fs", GRADIENT), "--set", "nope=1")
    assert unknown.returncode == 5 and b'no input "nope"' in unknown.stderr
    bad_image = cli("render", str(tmp_path / "g.fs"), "--image", "level=x.png")
    assert bad_image.returncode == 5 and b"not image" in bad_image.stderr
    backend = cli("render", str(tmp_path / "g.fs"), "--backend", "nope")
    assert backend.returncode == 4 and b"unknown backend" in backend.stderr
    assert b"Traceback" not in backend.stderr + bad_image.stderr + unknown.stderr
    debug = cli("render", str(tmp_path / "g.fs"), "--backend", "nope", "--debug")
    assert b"Traceback" in debug.stderr


# -- GL ---------------------------------------------------------------------------------------

@pytest.mark.gl
def test_thirty_frames_make_thirty_valid_pngs(tmp_path: Path, backend: str) -> None:
    proc = ok(cli("render", write(tmp_path, "g.fs", GRADIENT), "-o", str(tmp_path / "seq" / "f_%05d.png"),
                  "--size", SIZE, "--fps", "30", "--frames", "0-29", "--set", "tint=#ff00ff",
                  "--set", "bang=true", "--set", "centre=50,0", "--backend", backend, "--json"))
    summary = json.loads(proc.stdout)
    assert summary["written"] == 30 and summary["skipped"] == 0 and summary["backend"] == backend
    assert b"frame/s" not in proc.stderr and b"it/s" not in proc.stderr    # no bar: not a TTY
    files = frames_of(tmp_path / "seq")
    assert [f.name for f in files] == [f"f_{i:05d}.png" for i in range(30)]
    for i, f in enumerate(files):
        assert png_is_complete(f, (W, H))
        px = pixels(f)
        assert px.shape == (H, W, 4)
        expected = [round(0.5 * 255), round(i / 30 * 255), 255 if i == 0 else round(0.5 * 255), 0]
        assert np.abs(px[0, 0].astype(int) - expected).max() <= 1, (i, px[0, 0], expected)
        assert (px == px[0, 0]).all()


@pytest.mark.gl
@pytest.mark.parametrize("source", [FEEDBACK, COUNTER, GRADIENT], ids=["persistent", "frameindex", "stateless"])
def test_chunks_equal_the_full_run_byte_for_byte(tmp_path: Path, backend: str, source: str) -> None:
    shader = write(tmp_path, "s.fs", source)
    common = ["--size", SIZE, "--fps", "24", "--backend", backend, "-q", "--date", "2024-01-02T03:04:05"]
    if source is GRADIENT:
        common += ["--set", "bang=true"]     # an event fires on frame 0 only, in chunks too
    ok(cli("render", shader, "-o", str(tmp_path / "full" / "f_%05d.png"), "--frames", "0-29", *common))
    for chunk in ("0-14", "15-29"):
        proc = ok(cli("render", shader, "-o", str(tmp_path / "chunks" / "f_%05d.png"), "--frames", chunk,
                      "--json", *common))
        if source is FEEDBACK and chunk == "15-29":
            assert json.loads(proc.stdout)["prerolled"] == 15
    full, chunks = frames_of(tmp_path / "full"), frames_of(tmp_path / "chunks")
    assert len(full) == len(chunks) == 30
    for a, b in zip(full, chunks, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    if source is not GRADIENT:    # the rule matters: without pre-roll frame 15 differs
        ok(cli("render", shader, "-o", str(tmp_path / "nopre" / "f_%05d.png"), "--frames", "15-15",
               "--preroll", "0", *common))
        assert not np.array_equal(pixels(tmp_path / "nopre" / "f_00015.png"), pixels(full[15]))


@pytest.mark.gl
def test_video_output_decodes_with_the_right_frames_and_size(tmp_path: Path, backend: str) -> None:
    import imageio_ffmpeg

    out = tmp_path / "v" / "clip.mp4"
    ok(cli("render", write(tmp_path, "s.fs", FEEDBACK), "-o", str(out), "--size", SIZE,
           "--frames", "0-29", "--fps", "30", "--crf", "20", "--preset", "ultrafast", "--backend", backend, "-q"))
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (W, H)
    assert sum(1 for _ in reader) == 30
    assert [p.name for p in out.parent.iterdir()] == ["clip.mp4"]     # no temporaries left


@pytest.mark.gl
def test_lossless_video_round_trips_as_an_image_input(tmp_path: Path, backend: str) -> None:
    shader = write(tmp_path, "s.fs", FEEDBACK)
    ok(cli("render", shader, "-o", str(tmp_path / "ref" / "f_%03d.png"), "--size", SIZE, "--frames", "5",
           "--backend", backend, "-q"))
    ok(cli("render", shader, "-o", str(tmp_path / "clip.mkv"), "--size", SIZE, "--frames", "5",
           "--backend", backend, "-q"))
    ok(cli("render", write(tmp_path, "p.fs", PASSTHROUGH), "--image", f"inputImage={tmp_path / 'clip.mkv'}",
           "-o", str(tmp_path / "out" / "f_###.png"), "--size", SIZE, "--frames", "2-4", "--backend", backend, "-q"))
    for i in range(2, 5):
        assert np.array_equal(pixels(tmp_path / "out" / f"f_{i:03d}.png"), pixels(tmp_path / "ref" / f"f_{i:03d}.png"))


@pytest.mark.gl
def test_image_sequence_input_follows_the_frame_number(tmp_path: Path, backend: str) -> None:
    colours = [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)]
    for i, c in enumerate(colours):
        Image.new("RGBA", (4, 4), c).save(tmp_path / f"in_{i:05d}.png")
    ok(cli("render", write(tmp_path, "p.fs", PASSTHROUGH), "--image", f"inputImage={tmp_path / 'in_%05d.png'}",
           "-o", str(tmp_path / "o_%02d.png"), "--size", "4x4", "--frames", "3", "--backend", backend, "-q"))
    for i, c in enumerate(colours):
        assert tuple(pixels(tmp_path / f"o_{i:02d}.png")[1, 1]) == c
    missing = cli("render", str(tmp_path / "p.fs"), "--image", f"inputImage={tmp_path / 'in_%05d.png'}",
                  "-o", str(tmp_path / "m_%02d.png"), "--size", "4x4", "--frames", "2-3", "--backend", backend)
    assert missing.returncode == 5 and b"in_00003.png" in missing.stderr
    assert not (tmp_path / "m_03.png").exists()


@pytest.mark.gl
def test_audio_input_is_windowed_at_time(tmp_path: Path, backend: str) -> None:
    rate = 100
    with wave.open(str(tmp_path / "a.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        ramp = np.r_[np.full(rate, -30000), np.full(rate, 30000)].astype("<i2")   # 1 s low, 1 s high
        w.writeframes(ramp.tobytes())
    ok(cli("render", write(tmp_path, "a.fs", AUDIO), "--audio", f"snd={tmp_path / 'a.wav'}", "-o",
           str(tmp_path / "o_%d.png"), "--size", "2x2", "--fps", "2", "--frames", "0-3", "--backend", backend, "-q"))
    reds = [int(pixels(tmp_path / f"o_{i}.png")[0, 0, 0]) for i in range(4)]
    assert reds[0] == reds[1] < 20 and reds[2] == reds[3] > 235, reds


@pytest.mark.gl
def test_raw_rgba_on_stdout(tmp_path: Path, backend: str) -> None:
    shader = write(tmp_path, "g.fs", GRADIENT)
    proc = ok(cli("render", shader, "-o", "-", "--size", "8x4", "--frames", "3", "--backend", backend, "--json"))
    assert len(proc.stdout) == 3 * 8 * 4 * 4
    raw = np.frombuffer(proc.stdout, np.uint8).reshape(3, 4, 8, 4)
    ok(cli("render", shader, "-o", str(tmp_path / "f_%d.png"), "--size", "8x4", "--frames", "3",
           "--backend", backend, "-q"))
    for i in range(3):
        assert np.array_equal(raw[i], pixels(tmp_path / f"f_{i}.png"))
    assert json.loads(proc.stderr.decode())["written"] == 3     # the summary goes to stderr


@pytest.mark.gl
def test_float_output_as_tiff_and_16_bit_png(tmp_path: Path, backend: str) -> None:
    import png
    import tifffile

    deep = write(tmp_path, "deep.fs", '/*{ "ISFVSN": "2", "PASSES": [ {"TARGET": "f", "FLOAT": true} ] }*/\n'
                                      'void main() { gl_FragColor = vec4(TIME * 8.0, TIME, -1.0, 1.0); }\n')
    ok(cli("render", deep, "-o", str(tmp_path / "f.tif"), "--size", "4x2", "--time", "0.25",
           "--backend", backend, "-q"))        # last pass FLOAT: float output without --float
    data = tifffile.imread(tmp_path / "f.tif")
    assert data.dtype == np.float32 and data.shape == (2, 4, 4)
    assert data[0, 0].tolist() == [2.0, 0.25, -1.0, 1.0]              # unclamped
    shader = write(tmp_path, "g.fs", GRADIENT)
    ok(cli("render", shader, "-o", str(tmp_path / "d_%d.png"), "--size", "4x2", "--frames", "2", "--float",
           "--backend", backend, "-q"))
    assert png.Reader(filename=str(tmp_path / "d_1.png")).read()[3]["bitdepth"] == 16
    again = ok(cli("render", shader, "-o", str(tmp_path / "d_%d.png"), "--size", "4x2", "--frames", "2",
                   "--float", "--resume", "--backend", backend, "--json"))
    assert json.loads(again.stdout)["skipped"] == 2


@pytest.mark.gl
def test_duration_and_hash_patterns(tmp_path: Path, backend: str) -> None:
    ok(cli("render", write(tmp_path, "g.fs", GRADIENT), "-o", str(tmp_path / "f_####.png"), "--size", "2x2",
           "--duration", "0.5", "--fps", "10", "--backend", backend, "-q"))
    assert [f.name for f in frames_of(tmp_path)] == [f"f_{i:04d}.png" for i in range(5)]


@pytest.mark.gl
def test_kill_9_then_resume_completes_every_frame(tmp_path: Path, backend: str) -> None:
    shader = write(tmp_path, "h.fs", HEAVY)
    out = tmp_path / "seq"
    args = ["render", shader, "-o", str(out / "f_%04d.png"), "--size", "48x27", "--frames", "0-119",
            "--backend", backend, "-q"]
    proc = subprocess.Popen([sys.executable, "-m", "offscreen_isf.farm.cli", *args], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(frames_of(out)) < 8:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be killed; make HEAVY heavier"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = frames_of(out)
    assert 8 <= len(done) < 120
    assert all(png_is_complete(f, (48, 27)) for f in done)        # atomic: no partial frame files
    victim = done[3]
    victim.write_bytes(victim.read_bytes()[:40])                   # a damaged frame is redone
    resumed = ok(cli(*args, "--resume", "--json"))
    summary = json.loads(resumed.stdout)
    assert summary["skipped"] == len(done) - 1 and summary["written"] == 120 - summary["skipped"]
    final = frames_of(out)
    assert len(final) == 120 and all(png_is_complete(f, (48, 27)) for f in final)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    ref = tmp_path / "ref.png"
    ok(cli("render", shader, "-o", str(ref), "--size", "48x27", "--time", str(3 / 30), "--backend", backend, "-q"))
    assert np.array_equal(pixels(ref), pixels(victim))


@pytest.mark.gl
def test_compile_and_io_errors_are_one_line(tmp_path: Path, backend: str) -> None:
    bad = write(tmp_path, "bad.fs", '/*{ "INPUTS": [] }*/\nvoid main() { gl_FragColor = vec4(nope); }\n')
    proc = cli("render", bad, "-o", str(tmp_path / "x.png"), "--size", "2x2", "--backend", backend)
    err = proc.stderr.decode()
    assert proc.returncode == 3 and err.startswith("error: ") and "bad.fs:2" in err and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = cli("render", write(tmp_path, "g.fs", GRADIENT), "-o", str(blocker / "f_%d.png"), "--frames", "2",
               "--size", "2x2", "--backend", backend)
    err = proc.stderr.decode()
    assert proc.returncode == 6 and err.startswith("error: ") and err.count("\n") == 1, err
