"""End-to-end fuzzing — parse -> translate -> compile -> render at a small size.

Random ISF documents (headers with random inputs, passes, size expressions, IMPORTED
entries, IMG_* macros nested around and past the 64-level cap; GLSL bodies from a small
grammar plus junk), random input values (hostile ones too: FIFOs, ``/dev/zero``, folders, NUL
and over-long names, truncated, empty, header-bombed or 16-bit grey images and truncated, empty,
non-WAV or 65535-channel WAVs as paths; huge integers, numpy scalars and 0-d arrays holding
inf / NaN / 1e308) and render calls.  Property: the only exceptions are ``oi.ISFError`` subclasses; nothing crashes the
process; no case hangs (per-case watchdog: ``faulthandler.dump_traceback_later(exit=True)``).

The GL part runs in a child interpreter (``run_child``): a driver crash is a failed
assertion that shows the case, not a dead pytest.  Counts: ``ISF_E2E_FUZZ_CASES`` (default
150: ``make test``); ``make fuzz`` runs 10,000 per backend.  The malformed-header fuzz
lives in test_document.py and is not repeated here.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import run_child

CASES = int(os.environ.get("ISF_E2E_FUZZ_CASES", "150"))
CASE_DEADLINE = float(os.environ.get("ISF_FUZZ_CASE_DEADLINE", "20"))   # seconds, per case

# -- strategies ------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)
weird_numbers = st.sampled_from([0, -1, 1, 0.5, 1e9, -1e9, 1e308, 2 ** 53, 3])
#: numbers a caller may pass that plain floats do not cover: numpy scalars, 0-d arrays
#: holding huge, infinite or NaN values, integers past every float
hostile_numbers = st.sampled_from([10 ** 400, -(10 ** 400), np.float32(0.5), np.int64(2 ** 62),
                                   np.array(np.inf), np.array(np.nan), np.array(-np.inf), np.array(1e308),
                                   np.array(10 ** 18), np.array(0.25, np.float32)])
#: hostile input files, by key (made in the child by :func:`make_bad_files`)
BAD_FILES = ["@fifo", "@dev_zero", "@folder", "@nul", "@long", "@png_truncated", "@png_empty", "@png_i16",
             "@png_header_huge", "@wav_truncated", "@wav_empty", "@wav_channels", "@wav_folder",
             "@wav_not_wav", "@missing"]
json_scalar = st.one_of(st.none(), st.booleans(), finite, weird_numbers, st.text(max_size=6))
SIZE_EXPRS = ["$WIDTH", "$HEIGHT", "$WIDTH/2", "$HEIGHT*0.25", "$WIDTH*1000", "1/0", "-5", "0",
              "1e9", "max($WIDTH,3)", "floor($WIDTH/3)+1", "(", "$NOPE", "sqrt(-1)", "pow(2,40)",
              "$f0*4", "$f1+$WIDTH", "$b0*8+1", "$l0", "min(1e30, $HEIGHT)", 7, 1.5, -1, "abs(-$WIDTH)"]
INPUT_TYPES = ["float", "long", "bool", "event", "color", "point2D", "image", "audio", "audioFFT"]
NAMES = ["f0", "f1", "b0", "l0", "c0", "p0", "inputImage", "img1", "TIME", "gl_x", "1bad"]


PREFIX = {"float": "f", "long": "l", "bool": "b", "event": "e", "color": "c", "point2D": "p",
          "image": "img", "audio": "snd", "audioFFT": "fft"}


@st.composite
def input_decl(draw: Any, index: int) -> dict[str, Any]:
    t = draw(st.sampled_from(INPUT_TYPES))
    name = (draw(st.sampled_from(NAMES)) if draw(st.integers(0, 19)) == 0 else
            "inputImage" if t == "image" and index == 0 else f"{PREFIX[t]}{index}")
    d: dict[str, Any] = {"NAME": name, "TYPE": t}
    for key in ("DEFAULT", "MIN", "MAX", "IDENTITY"):
        if draw(st.integers(0, 2)) == 0:
            d[key] = draw(json_scalar | st.lists(finite, max_size=5))
    if t == "long" and draw(st.booleans()):
        d["VALUES"] = draw(st.lists(st.integers(-5, 5), max_size=4))
        d["LABELS"] = draw(st.lists(st.text(max_size=3), max_size=4))
    return d


@st.composite
def pass_decl(draw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if draw(st.integers(0, 3)):
        d["TARGET"] = draw(st.sampled_from(["bufA", "bufB"] * 8 + ["TIME", "x y"]))
    for key in ("PERSISTENT", "FLOAT"):
        if draw(st.booleans()):
            d[key] = draw(st.sampled_from([True, False, 1, 0, "true", "no"]))
    for key in ("WIDTH", "HEIGHT"):
        if draw(st.booleans()):
            d[key] = draw(st.sampled_from(SIZE_EXPRS))
    return d


ATOMS = ["isf_FragNormCoord.x", "isf_FragNormCoord.y", "TIME", "TIMEDELTA", "float(FRAMEINDEX)",
         "float(PASSINDEX)", "RENDERSIZE.x", "DATE.w", "gl_FragCoord.x", "1.0/0.0", "sqrt(-1.0)",
         "log(0.0)", "1e38*1e38", "0.5", "2.0", "-1.0"]
#: atoms for a declared name, by its prefix / kind
NAMED = {"f": "{n}", "l": "float({n})", "b": "float({n})", "e": "float({n})", "c": "{n}.r", "p": "{n}.x",
         "sampler": "IMG_THIS_PIXEL({n}).r|IMG_NORM_PIXEL({n}, isf_FragNormCoord).g|"
                    "IMG_PIXEL({n}, gl_FragCoord.xy).b|IMG_SIZE({n}).x|IMG_THIS_NORM_PIXEL({n}).a"}


def atoms_for(header: dict[str, Any]) -> list[str]:
    """Expression atoms for the names this header declares (plus one undeclared, rarely drawn)."""
    out = list(ATOMS)
    samplers = ["pic"] if "IMPORTED" in header else []
    targets = {q.get("TARGET") for q in header.get("PASSES", []) if isinstance(q, dict)}
    pb = header.get("PERSISTENT_BUFFERS") or []
    samplers += [n for n in ("bufA", "bufB") if n in targets or n in pb]
    for d in header.get("INPUTS", []):
        name, t = d["NAME"], d["TYPE"]
        if t in ("image", "audio", "audioFFT"):
            samplers.append(name)
        elif PREFIX[t] in NAMED:
            out.append(NAMED[PREFIX[t]].format(n=name))
    for n in samplers:
        out.extend(NAMED["sampler"].format(n=n).split("|"))
    return out
OPS = ["+", "-", "*", "/"]
FUNCS = ["sin", "cos", "fract", "abs", "exp", "inversesqrt", "floor"]
JUNK = ["}", "{", ";", "vec3(", "undefined_var", "#define X", "return;", "int x = 1.5;",
        "IMG_PIXEL(", "gl_FragColor", "discard;", "/*", "\\", "@"]


@st.composite
def expr(draw: Any, atoms: list[str], depth: int = 0) -> str:
    kind = draw(st.integers(0, 3 if depth < 3 else 0))
    if kind == 0:
        return draw(st.sampled_from(atoms)) if draw(st.integers(0, 29)) else "undeclared_name"
    if kind == 1:
        return f"({draw(expr(atoms, depth + 1))} {draw(st.sampled_from(OPS))} {draw(expr(atoms, depth + 1))})"
    if kind == 2:
        return f"{draw(st.sampled_from(FUNCS))}({draw(expr(atoms, depth + 1))})"
    return f"mix({draw(expr(atoms, depth + 1))}, {draw(expr(atoms, depth + 1))}, 0.5)"


@st.composite
def body(draw: Any, atoms: list[str]) -> str:
    lines = ["void main() {", "    float acc = 0.0;"]
    if draw(st.booleans()):
        lines.append(f"    for (int i = 0; i < {draw(st.integers(0, 64))}; i++) "
                     f"{{ acc += {draw(expr(atoms))}; }}")
    if draw(st.integers(0, 4)) == 0:
        lines.append(f"    if ({draw(expr(atoms))} > 0.5) discard;")
    lines.append(f"    gl_FragColor = vec4({draw(expr(atoms))}, {draw(expr(atoms))}, acc, 1.0);")
    lines.append("}")
    if draw(st.integers(0, 9)) == 0:   # junk somewhere: compile errors must be CompileErrors
        i = draw(st.integers(0, len(lines)))
        lines.insert(i, draw(st.sampled_from(JUNK)))
    return "\n".join(lines) + "\n"


@st.composite
def document(draw: Any) -> str:
    header: dict[str, Any] = {"ISFVSN": "2"}
    n = draw(st.integers(0, 4))
    header["INPUTS"] = [draw(input_decl(i)) for i in range(n)]
    if draw(st.booleans()):
        header["PASSES"] = [draw(pass_decl()) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.integers(0, 5)) == 0:
        header["IMPORTED"] = {"pic": {"PATH": draw(st.sampled_from(["pic.png", "../pic.png", "/etc/passwd",
                                                                   "nope.png", "", "/dev/zero", "p\0.png",
                                                                   "x" * 5000 + ".png"]))}}
    if draw(st.integers(0, 9)) == 0:
        header["PERSISTENT_BUFFERS"] = draw(st.sampled_from([["bufA"], {"bufB": {"WIDTH": "$WIDTH*1000"}}]))
    text = json.dumps(header)
    if draw(st.integers(0, 19)) == 0:   # a little textual damage too
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["", "}", ",", '"', "/*"])) + text[i + 1:]
    tail = ""
    if draw(st.integers(0, 9)) == 0:     # IMG_* macros nested around the 64-level cap and far past it
        depth = draw(st.sampled_from([2, 63, 64, 65, 500]))
        tail = ("\nvec4 isf_fuzz_nested() { return "
                + "IMG_NORM_PIXEL(inputImage, " * depth + "vec2(0.5)" + ").xy" * (depth - 1) + "); }\n")
    return f"/*{text}*/\n{draw(body(atoms_for(header)))}{tail}"


input_value = st.one_of(finite, weird_numbers, st.booleans(), st.none(), st.text(max_size=4),
                        st.lists(finite, max_size=5), st.sampled_from([float("nan"), float("inf")]),
                        hostile_numbers, st.sampled_from(BAD_FILES))
call = st.tuples(st.sampled_from([f"{p}{i}" for p in PREFIX.values() for i in range(4)] + ["inputImage", "nope"]),
                 input_value)
render_call = st.tuples(st.one_of(finite, st.sampled_from([float("nan"), -1.0, 1e30]), hostile_numbers),
                        st.sampled_from([None, None, "uint8", "float32", "int16"]))
sizes = st.tuples(st.integers(1, 24), st.integers(1, 24))


# -- the property, run in a child process -------------------------------------------------------

def make_bad_files(folder: Path) -> dict[str, str]:
    """Hostile files in ``folder``, by :data:`BAD_FILES` key: each must be refused typed, at once."""
    import struct
    import wave

    from PIL import Image

    os.mkfifo(folder / "fifo.png")
    (folder / "dir.png").mkdir()
    (folder / "dir.wav").mkdir()
    Image.new("RGBA", (8, 8), (1, 2, 3, 4)).save(folder / "ok.png")
    data = (folder / "ok.png").read_bytes()
    (folder / "trunc.png").write_bytes(data[:len(data) // 2])
    (folder / "empty.png").write_bytes(b"")
    Image.new("I;16", (2, 2), 40000).save(folder / "i16.png")      # 16-bit grey
    huge = bytearray(data)
    huge[16:24] = struct.pack(">II", 1 << 30, 1 << 30)       # IHDR claims a gigapixel (CRC now wrong)
    (folder / "huge.png").write_bytes(bytes(huge))
    for name, frames in (("trunc.wav", 100), ("empty.wav", 0), ("chan.wav", 8)):
        with wave.open(str(folder / name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0" * (2 * frames))
    with open(folder / "trunc.wav", "r+b") as fh:
        fh.truncate(60)
    chan = bytearray((folder / "chan.wav").read_bytes())
    chan[22:24] = struct.pack("<H", 65535)
    (folder / "chan.wav").write_bytes(bytes(chan))
    (folder / "not.wav").write_bytes(b"RIFF????WAVEjunk")
    paths = {"@fifo": "fifo.png", "@folder": "dir.png", "@nul": "a\0b.png", "@long": "x" * 300 + ".png",
             "@png_truncated": "trunc.png", "@png_empty": "empty.png", "@png_i16": "i16.png",
             "@png_header_huge": "huge.png", "@wav_truncated": "trunc.wav", "@wav_empty": "empty.wav",
             "@wav_channels": "chan.wav", "@wav_folder": "dir.wav", "@wav_not_wav": "not.wav",
             "@missing": "missing.png"}
    return {"@dev_zero": "/dev/zero", **{k: str(folder / v) for k, v in paths.items()}}


def run_case(ctx: Any, text: str, size: tuple[int, int], calls: list[tuple[str, Any]],
             renders: list[tuple[float, str | None]], stats: dict[str, int],
             bad_files: dict[str, str] | None = None) -> None:
    """One case: every step may raise only ISFError (anything else propagates = failure).
    ``bad_files`` maps the :data:`BAD_FILES` keys among the values to real paths."""
    import numpy as np

    import offscreen_isf as oi
    from offscreen_isf.isf.document import ISFWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        try:
            doc = oi.load(text, base_dir="/nonexistent-isf-fuzz")
        except oi.ISFError:
            stats["parse_errors"] += 1
            return
        try:
            r = oi.Renderer(doc, size, context=ctx, max_size=(2048, 2048), memory_budget="256M")
        except oi.ISFError:
            stats["setup_errors"] += 1
            return
        try:
            for name, value in calls:
                if name.startswith(("inputImage", "img")) and isinstance(value, float):
                    value = np.full((3, 2, 4), min(abs(value), 1.0), np.float32)
                if isinstance(value, str) and bad_files and value in bad_files:
                    value = bad_files[value]
                try:
                    r.set_inputs(**{name: value})
                    stats["inputs_ok"] += 1
                except oi.ISFError:
                    stats["input_errors"] += 1
            for t, dtype in renders:
                try:
                    frame = r.render(t, date=(2024, 2, 29, 3600), dtype=dtype)
                    assert frame.shape == (size[1], size[0], 4)
                    stats["frames"] += 1
                except oi.ISFError as exc:
                    key = type(exc).__name__
                    stats[key] = stats.get(key, 0) + 1
        finally:
            r.release()


def child_main(cases: int, deadline: float, case_file: str) -> None:
    """Entry point of the child interpreter: ``cases`` hypothesis examples on one Context."""
    import faulthandler
    import sys

    import offscreen_isf as oi

    stats = {"cases": 0, "parse_errors": 0, "setup_errors": 0, "inputs_ok": 0, "input_errors": 0,
             "frames": 0}
    import tempfile

    ctx = oi.Context().open()
    bad_files = make_bad_files(Path(tempfile.mkdtemp(prefix="isf-fuzz-")))

    @settings(max_examples=cases, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(document(), sizes, st.lists(call, max_size=4), st.lists(render_call, min_size=1, max_size=2))
    def prop(text: str, size: tuple[int, int], calls: list, renders: list) -> None:
        Path(case_file).write_text(json.dumps({"text": text, "size": size, "calls": repr(calls),
                                               "renders": repr(renders)}))
        faulthandler.dump_traceback_later(deadline, exit=True)   # per-case watchdog: a hang fails
        try:
            run_case(ctx, text, size, calls, renders, stats, bad_files)
        finally:
            faulthandler.cancel_dump_traceback_later()
        stats["cases"] += 1

    prop()
    ctx.close()
    import shutil

    shutil.rmtree(Path(bad_files["@fifo"]).parent)
    assert sum(ctx.live_objects().values()) == 0
    print(json.dumps(stats))
    sys.stdout.flush()


@pytest.mark.gl
def test_fuzz_end_to_end_only_isf_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_file = tmp_path / "case.json"
    proc = run_child(f"from tests.test_fuzz import child_main; "
                     f"child_main({CASES}, {CASE_DEADLINE}, {str(case_file)!r})",
                     timeout=max(120.0, CASES * 2.0))
    last_case = case_file.read_text() if case_file.exists() else "(none)"
    assert proc.returncode == 0, (f"exit {proc.returncode}\nlast case: {last_case}\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["cases"] >= CASES
    # the generator reaches every stage: parse errors, compile/limit errors and real frames
    assert stats["frames"] > 0 and stats["parse_errors"] > 0
    with capsys.disabled():
        print(f"\n[fuzz] {stats}")


# -- no GL: the same generator through parse + translate, in process ----------------------------

@settings(max_examples=CASES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(document())
def test_fuzz_parse_translate_only_isf_errors(text: str) -> None:
    import offscreen_isf as oi
    from offscreen_isf.gl.limits import Limits
    from offscreen_isf.isf.document import ISFWarning
    from offscreen_isf.isf.translate import translate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ISFWarning)
        try:
            doc = oi.load(text, base_dir="/nonexistent-isf-fuzz")
            translate(doc)
            Limits.make((2048, 2048), "256M").frame_sizes(doc, (64, 32), {})
        except oi.ISFError:
            pass
