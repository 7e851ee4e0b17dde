"""Adversarial I/O cases (typed failures, nothing read forever, confinement, nothing lost).

Run as a script: ``python -m tests.adversarial_io [-k SUBSTRING]``.  Each case runs in a fresh
child interpreter with a deadline and ends in one outcome:

* ``typed``    the expected ``ISFError`` (or the expected success)
* ``untyped``  an exception that is not an ``ISFError``
* ``silent``   no error where one was due
* ``hang``     the deadline passed
* ``unbounded`` the child's peak RSS passed its cap
* ``escape`` / ``loss``  a case-specific check failed

The counts per class are the numbers a hardening note reports.  Not collected by pytest
(tests/test_hardening_io.py holds the tests); this is the rerunnable survey.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEADLINE = 40.0

PRELUDE = r'''
import os, sys, resource, tempfile, json, wave, struct, stat
import numpy as np
import offscreen_isf as oi
from offscreen_isf.errors import ISFError
T = tempfile.mkdtemp()
GEN = "/*{\"INPUTS\":[{\"NAME\":\"f\",\"TYPE\":\"float\"}]}*/\nvoid main(){gl_FragColor=vec4(f);}\n"
IMG = "/*{\"INPUTS\":[{\"NAME\":\"inputImage\",\"TYPE\":\"image\"}]}*/\nvoid main(){gl_FragColor=IMG_THIS_PIXEL(inputImage);}\n"
AUD = "/*{\"INPUTS\":[{\"NAME\":\"snd\",\"TYPE\":\"audio\"}]}*/\nvoid main(){gl_FragColor=IMG_NORM_PIXEL(snd, isf_FragNormCoord);}\n"
def W(name, text, mode="w"):
    p = os.path.join(T, name)
    with open(p, mode) as fh: fh.write(text)
    return p
def wav(name, channels=1, frames=8, width=2):
    p = os.path.join(T, name)
    with wave.open(p, "wb") as w:
        w.setnchannels(channels); w.setsampwidth(width); w.setframerate(8000)
        w.writeframes(b"\0" * (channels * width * frames))
    return p
def outcome(expect_error, fn):
    try:
        fn()
    except ISFError as exc:
        print("OUTCOME", "typed" if expect_error else "untyped", type(exc).__name__, str(exc)[:160])
        return
    except BaseException as exc:
        print("OUTCOME untyped", type(exc).__name__, str(exc)[:160]); return
    print("OUTCOME", "silent" if expect_error else "typed", "no error")
'''

# (class, name, expect_error, code).  Code calls outcome(...) or prints OUTCOME itself.
CASES: list[tuple[str, str, bool, str]] = []


def case(cls: str, name: str, expect_error: bool, code: str) -> None:
    CASES.append((cls, name, expect_error, textwrap.dedent(code)))


R = "oi.Renderer(W('g.fs', GEN), size=(8, 8))"
RI = "oi.Renderer(W('i.fs', IMG), size=(8, 8))"
RA = "oi.Renderer(W('a.fs', AUD), size=(8, 8))"

# -- class 3: every failure typed ----------------------------------------------------------------
for label, t in [("huge int", "10**400"), ("inf", "float('inf')"), ("nan 0-d", "np.array(float('nan'))"),
                 ("inf 0-d", "np.array(np.inf)"), ("neg huge", "-10**400")]:
    case("typed", f"time {label}", True, f"r={R}\noutcome(True, lambda: r.render({t}))")
case("typed", "time np.float32", False, f"r={R}\noutcome(False, lambda: r.render(np.float32(0.5)))")
case("typed", "time 0-d array ok", False, f"r={R}\noutcome(False, lambda: r.render(np.array(0.5)))")
case("typed", "value np.float32", False, f"r={R}\noutcome(False, lambda: r.set_inputs(f=np.float32(0.5)))")
case("typed", "value huge int", True, f"r={R}\noutcome(True, lambda: r.set_inputs(f=10**400))")
case("typed", "value nan 0-d", True, f"r={R}\noutcome(True, lambda: r.set_inputs(f=np.array(np.nan)))")
for label, d in [("huge year", "(10**400, 1, 1, 0)"), ("inf secs", "(2020, 1, 1, float('inf'))"),
                 ("nan", "(float('nan'), 1, 1, 0)"), ("string", "'2020'")]:
    case("typed", f"date {label}", True, f"r={R}\noutcome(True, lambda: r.render(0.0, {d}))")
for label, b in [("huge int", "10**400"), ("inf text", "'inf'"), ("nan text", "'nan'"),
                 ("1e400 text", "'1e400'"), ("huge text", "'9'*500 + 'G'")]:
    case("typed", f"memory_budget {label}", True,
         f"outcome(True, lambda: oi.Renderer(W('g.fs', GEN), size=(8, 8), memory_budget={b}))")
case("typed", "out= list", True, f"r={R}\noutcome(True, lambda: r.render(0.0, out=[0]*256))")
case("typed", "out= read-only", True, f"""r={R}
a = np.frombuffer(bytes(8*8*4), np.uint8).reshape(8, 8, 4)
outcome(True, lambda: r.render(0.0, out=a))""")
case("typed", "context= string", True, "outcome(True, lambda: oi.Renderer(W('g.fs', GEN), size=(8, 8), context='egl'))")
case("typed", "PIL mode La", False, f"""from PIL import Image
r={RI}
outcome(False, lambda: r.set_inputs(inputImage=Image.new('La', (4, 4))))""")
case("typed", "PIL mode I;16", False, f"""from PIL import Image
r={RI}
outcome(False, lambda: r.set_inputs(inputImage=Image.new('I;16', (4, 4))))""")
case("typed", "decompression bomb", True, f"""from PIL import Image
Image.new('L', (20000, 20000)).save(os.path.join(T, 'bomb.png'))
r={RI}
outcome(True, lambda: r.set_inputs(inputImage=os.path.join(T, 'bomb.png')))""")
case("typed", "20000x20000 input array budget", True, """r=oi.Renderer(W('i.fs', IMG), size=(8, 8), memory_budget='64M')
a = np.zeros((20000, 20000), np.uint8)
outcome(True, lambda: r.set_inputs(inputImage=a))""")
case("typed", "20000x20000 png header", True, """import zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
p = os.path.join(T, 'big.png')
open(p, 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 20000, 20000, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b'')) + chunk(b'IEND', b''))
from PIL import Image
Image.MAX_IMAGE_PIXELS = None
r=oi.Renderer(W('i.fs', IMG), size=(8, 8), memory_budget='64M')
outcome(True, lambda: r.set_inputs(inputImage=p))""")
for label, setup in [("directory", "p=os.path.join(T,'d.wav'); os.mkdir(p)"),
                     ("unreadable", "p=wav('u.wav'); os.chmod(p, 0)"),
                     ("truncated", "p=wav('t.wav', frames=100); open(p,'r+b').truncate(50)"),
                     ("zero-frame", "p=wav('z.wav', frames=0)"),
                     ("absurd channels", "p=wav('c.wav'); b=bytearray(open(p,'rb').read()); b[22:24]=struct.pack('<H',65535); open(p,'wb').write(bytes(b))"),
                     ("24-bit", "p=wav('b.wav', width=3)"),
                     ("garbage", "p=W('g.wav', 'RIFFxxxxWAVEjunk')")]:
    # 24-bit PCM is a supported format; root reads a mode-000 file, so only others must fail
    due = {"24-bit": "False", "unreadable": "os.getuid() != 0"}.get(label, "True")
    case("typed", f"wav {label}", True, f"{setup}\nr={RA}\noutcome({due}, lambda: r.set_inputs(snd=p))")
for label, p in [("NUL image", "'a\\0b.png'"), ("long name image", "'x'*5000 + '.png'")]:
    case("typed", f"path {label}", True, f"r={RI}\noutcome(True, lambda: r.set_inputs(inputImage={p}))")
for label, p in [("NUL wav", "'a\\0b.wav'"), ("long name wav", "'x'*5000 + '.wav'")]:
    case("typed", f"path {label}", True, f"r={RA}\noutcome(True, lambda: r.set_inputs(snd={p}))")
for label, p in [("NUL shader", "'a\\0b.fs'"), ("long name shader", "'x'*5000 + '.fs'")]:
    case("typed", f"path {label}", True, f"outcome(True, lambda: oi.load({p}))")
case("typed", "NUL input_root", True, "outcome(True, lambda: oi.Renderer(W('g.fs', GEN), size=(8,8), input_root='a\\0b'))")
case("typed", "500 nested IMG_PIXEL", True, """body = 'IMG_PIXEL(inputImage, ' * 500 + 'vec2(0.0)' + ')' * 500
src = IMG.replace('IMG_THIS_PIXEL(inputImage)', body)
outcome(True, lambda: oi.Renderer(oi.load(src), size=(8, 8)))""")
case("typed", "500 nested IMG_NORM_PIXEL parse", True, """body = 'IMG_NORM_PIXEL(inputImage, ' * 500 + 'vec2(0.0)' + ')' * 500
src = IMG.replace('IMG_THIS_PIXEL(inputImage)', body)
from offscreen_isf.isf.translate import translate
outcome(True, lambda: translate(oi.load(src)))""")
case("typed", "audio MAX 2**31-1 under budget", True, """src = AUD.replace('"audio"', '"audio","MAX":2147483647')
r = oi.Renderer(oi.load(src), size=(8, 8), memory_budget='256M')
outcome(True, lambda: (r.set_inputs(snd=np.zeros(16, np.float32)), r.render(0.0)))""")
case("typed", "audioFFT MAX 2**31-1 under budget", True, """src = AUD.replace('"audio"', '"audioFFT","MAX":2147483647')
r = oi.Renderer(oi.load(src), size=(8, 8), memory_budget='256M')
outcome(True, lambda: (r.set_inputs(snd=np.zeros(16, np.float32)), r.render(0.0)))""")

# -- class 4: nothing read forever ---------------------------------------------------------------
for what, setup, call in [
        ("shader", "", "oi.load(p)"),
        ("image", f"r={RI}", "r.set_inputs(inputImage=p)"),
        ("audio", f"r={RA}", "r.set_inputs(snd=p)")]:
    case("hang", f"FIFO {what}", True, f"p=os.path.join(T,'f'); os.mkfifo(p)\n{setup}\noutcome(True, lambda: {call})")
    case("hang", f"/dev/zero {what}", True, f"p='/dev/zero'\n{setup}\noutcome(True, lambda: {call})")
case("hang", "FIFO .vs companion", True, "p=W('s.fs', GEN); os.mkfifo(os.path.join(T,'s.vs'))\noutcome(True, lambda: oi.load(p))")
case("hang", "FIFO image isolated", True, """p=os.path.join(T,'f'); os.mkfifo(p)
r = oi.open_renderer(W('i.fs', IMG), size=(8, 8), isolate=True, timeout=10)
outcome(True, lambda: r.set_inputs(inputImage=p))
r.release()""")

# -- class 5: confinement ------------------------------------------------------------------------
case("escape", ".vs symlink outside", True, """os.makedirs(os.path.join(T,'s'))
secret = W('secret.txt', 'TOPSECRET-LINE')
p = os.path.join(T, 's', 'x.fs'); open(p,'w').write(GEN)
os.symlink(secret, os.path.join(T, 's', 'x.vs'))
try:
    oi.Renderer(p, size=(8, 8)).render(0.0)
    print('OUTCOME escape loaded')
except ISFError as exc:
    print('OUTCOME', 'escape' if 'TOPSECRET' in str(exc) or 'TOPSECRET' in str(getattr(exc, 'log', '')) else 'typed', type(exc).__name__)
""")

BATCH = r'''
from offscreen_isf.farm.cli import main as cli
def run(*a):
    try: return cli(list(a))
    except SystemExit as e: return e.code
'''
for label, extra in [("plain", ""), ("isolated", ", '--isolate'")]:
    case("escape", f"--root sequence symlink frame {label}", True, BATCH + f"""root = os.path.join(T, 'root'); os.makedirs(os.path.join(root, 'seq'))
from PIL import Image
Image.new('RGB', (4, 4), 'red').save(os.path.join(T, 'outside.png'))
Image.new('RGB', (4, 4)).save(os.path.join(root, 'seq', 'f0001.png'))
os.symlink(os.path.join(T, 'outside.png'), os.path.join(root, 'seq', 'f0002.png'))
sh = W('i.fs', IMG)
rc = run('render', sh, '--root', root, '--image', 'inputImage=' + os.path.join(root, 'seq'), '--frames', '0-1', '--size', '8x8', '-o', os.path.join(T, 'o', 'f%04d.png'){extra})
print('OUTCOME', 'escape' if rc == 0 else 'typed', rc)
""")
    case("escape", f"--root sequence outside {label}", True, BATCH + f"""root = os.path.join(T, 'root'); os.makedirs(root)
os.makedirs(os.path.join(T, 'seq'))
from PIL import Image
Image.new('RGB', (4, 4)).save(os.path.join(T, 'seq', 'f0001.png'))
sh = W('i.fs', IMG)
rc = run('render', sh, '--root', root, '--image', 'inputImage=' + os.path.join(T, 'seq', 'f%04d.png'), '--frames', '0-1', '--size', '8x8', '-o', os.path.join(T, 'o', 'f%04d.png'){extra})
print('OUTCOME', 'escape' if rc == 0 else 'typed', rc)
""")

# -- CLI ------------------------------------------------------------------------------------------
for label, args in [("unbalanced quote", "'--image', 'inputImage=\"abc'"),
                    ("duration nan", "'--duration', 'nan'"),
                    ("duration inf", "'--duration', 'inf'"),
                    ("duration huge", "'--duration', '1e400'"),
                    ("frames huge", "'--frames', '0-' + '9'*400"),
                    ("fps nan", "'--fps', 'nan'"),
                    ("memory budget inf", "'--memory-budget', 'inf'"),
                    ("time huge", "'--time', '1e400'"),
                    ("size huge", "'-s', '9'*400 + 'x8'")]:
    case("typed", f"cli {label}", True, BATCH + f"""sh = W('g.fs', GEN)
rc = run('render', sh, '-o', os.path.join(T, 'o.png'), {args})
print('OUTCOME', 'typed' if rc in (2, 3, 4, 5, 6) else 'silent' if rc == 0 else 'untyped', rc)
""")
case("unbounded", "cli frames far chunk stateful", True, BATCH + """import resource
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
sh = W('p.fs', '/*{"PASSES":[{"TARGET":"b","PERSISTENT":true},{}]}*/\\nvoid main(){gl_FragColor=vec4(0.5);}\\n')
rc = run('render', sh, '--frames', '999999998-999999999', '--size', '4x4', '-o', os.path.join(T, 'o', 'f%010d.png'))
print('OUTCOME', 'typed' if rc in (0, 2) else 'untyped', rc)
""")

# -- class 6: nothing lost -----------------------------------------------------------------------
for label, corrupt in [("zeroed IDAT", "b=bytearray(open(p,'rb').read()); i=b.index(b'IDAT'); b[i+4:i+20]=bytes(16); open(p,'wb').write(bytes(b))"),
                       ("bit flip", "b=bytearray(open(p,'rb').read()); i=b.index(b'IDAT'); b[i+10]^=1; open(p,'wb').write(bytes(b))"),
                       ("45-byte header+IEND", "b=open(p,'rb').read(); open(p,'wb').write(b[:33] + b[-12:])")]:
    case("loss", f"resume {label}", True, BATCH + f"""sh = W('g.fs', GEN)
o = os.path.join(T, 'o', 'f%04d.png')
assert run('render', sh, '--frames', '0-2', '--size', '8x8', '-o', o) == 0
p = o % 1
{corrupt}
before = open(p,'rb').read()
rc = run('render', sh, '--frames', '0-2', '--size', '8x8', '-o', o, '--resume')
print('OUTCOME', 'loss' if open(p,'rb').read() == before else 'typed', rc)
""")
for label, setup in [("directory", "os.makedirs(out)"), ("fifo", "os.mkfifo(out)"),
                     ("symlink to /dev/null", "os.symlink('/dev/null', out)")]:
    case("loss", f"-o onto {label}", True, BATCH + f"""sh = W('g.fs', GEN)
out = os.path.join(T, 'o.png')
{setup}
rc = run('render', sh, '--size', '8x8', '-o', out)
kept = os.path.isdir(out) if '{label}' == 'directory' else (stat.S_ISFIFO(os.lstat(out).st_mode) if '{label}' == 'fifo' else os.path.islink(out))
print('OUTCOME', 'typed' if rc != 0 and kept else 'loss', rc, kept)
""")

# -- isolation: untrusted replies, restarts, confinement through the worker -----------------------
ISO = r"""
import time
from tests.liar_worker import LiarRenderer, LIES
from tests.fault_worker import FaultyRenderer
from offscreen_isf.errors import RenderCrashed
ENV = {"PYTHONPATH": os.getcwd()}
GRAD = "/*{\"INPUTS\":[{\"NAME\":\"level\",\"TYPE\":\"float\",\"DEFAULT\":0.5}]}*/\nvoid main(){gl_FragColor=vec4(isf_FragNormCoord.x, level, 0.0, 1.0);}\n"
"""
_LIE_CLASS = {"huge_meta": "unbounded", "huge_payload": "unbounded", "deep_json": "unbounded"}
for _lie in ("huge_meta", "huge_payload", "not_utf8", "not_json", "deep_json", "json_list", "no_seq",
             "stale_seq", "neither", "ok_string", "wrong_shape", "shape_string", "wrong_dtype", "short_frame",
             "shm_with_payload", "nowhere", "extra_field", "spoof_crashed", "spoof_timeout", "unknown_error",
             "error_name_list", "error_no_text", "error_field_dict", "error_extra", "error_payload"):
    case(_LIE_CLASS.get(_lie, "typed"), f"iso reply {_lie}", True, ISO + f"""
r = LiarRenderer(GRAD, size=(16, 8), timeout=20, worker_env=ENV)
good = r.render(0.0)
r.lie({_lie!r})
t0 = time.monotonic()
try:
    r.render(0.0)
    print('OUTCOME silent no error')
except RenderCrashed as exc:
    ok = 'malformed reply' in str(exc) and time.monotonic() - t0 < 10 and (r.render(0.0) == good).all()
    print('OUTCOME', 'typed' if ok else 'silent', str(exc)[:120])
except BaseException as exc:
    print('OUTCOME untyped', type(exc).__name__, str(exc)[:120])
r.release()
""")
case("loss", "iso input set before a crash", True, ISO + """
r = FaultyRenderer(GRAD, size=(8, 8), timeout=20, worker_env=ENV)
r.set_inputs(level=0.75); r.inject('exit')
try:
    r.render(0.0)
except RenderCrashed:
    pass
print('OUTCOME', 'typed' if r.render(0.0)[0, 0, 1] == 191 else 'loss')
""")
case("loss", "iso refused set_inputs keeps the view", True, ISO + """
GI = "/*{\\"INPUTS\\":[{\\"NAME\\":\\"level\\",\\"TYPE\\":\\"float\\",\\"DEFAULT\\":0.5},{\\"NAME\\":\\"im\\",\\"TYPE\\":\\"image\\"}]}*/\\nvoid main(){gl_FragColor=vec4(level);}\\n"
r = oi.open_renderer(GI, size=(8, 8), isolate=True, timeout=20, max_size=(64, 64))
r.set_inputs(level=0.25); before = r.render(0.0)
try:
    r.set_inputs(level=0.75, im=np.zeros((128, 128, 4), np.uint8))
except ISFError:
    pass
print('OUTCOME', 'typed' if r.inputs['level'] == 0.25 and (r.render(0.0) == before).all() else 'loss')
""")
case("hang", "iso restart deadline after idle", True, ISO + """
r = FaultyRenderer(GRAD, size=(8, 8), timeout=1.0, start_timeout=3.0, worker_env=ENV)
good = r.render(0.0); r.inject('hang')
try:
    r.render(0.0)
except oi.RenderTimeout:
    pass
time.sleep(3.5)
outcome(False, lambda: r.render(0.0))
""")
case("escape", "iso IMPORTED swapped for a symlink before a restart", True, ISO + """
from PIL import Image
d = os.path.join(T, 'sh'); os.makedirs(d); os.makedirs(os.path.join(T, 'out'))
Image.new('RGBA', (4, 4), (0, 255, 0, 255)).save(os.path.join(d, 'pic.png'))
Image.new('RGBA', (4, 4), (255, 0, 0, 255)).save(os.path.join(T, 'out', 'secret.png'))
sh = W('sh/s.fs', '/*{"IMPORTED":{"pic":{"PATH":"pic.png"}}}*/\\nvoid main(){gl_FragColor=IMG_NORM_PIXEL(pic,isf_FragNormCoord);}\\n')
r = FaultyRenderer(sh, size=(4, 4), timeout=20, worker_env=ENV)
r.render(0.0)
os.unlink(os.path.join(d, 'pic.png')); os.symlink(os.path.join(T, 'out', 'secret.png'), os.path.join(d, 'pic.png'))
r.inject('exit')
try:
    r.render(0.0)
except RenderCrashed:
    pass
try:
    f = r.render(0.0)
    print('OUTCOME', 'escape' if f[0, 0, 0] == 255 else 'silent', 'read')
except oi.ParseError as exc:
    print('OUTCOME typed', str(exc)[:120])
""")
for _iso in ("", "'--isolate', '--timeout', '30', "):
    case("escape", f"cli --root sequence frame symlink{' isolated' if _iso else ''}", True, BATCH + f"""from PIL import Image
root = os.path.join(T, 'root'); os.makedirs(os.path.join(root, 'seq')); os.makedirs(os.path.join(T, 'out'))
for i in range(3):
    Image.new('RGBA', (4, 4), (0, 255, 0, 255)).save(os.path.join(root, 'seq', 'in_%05d.png' % i))
Image.new('RGBA', (4, 4), (255, 0, 0, 255)).save(os.path.join(T, 'out', 'secret.png'))
os.unlink(os.path.join(root, 'seq', 'in_00001.png'))
os.symlink(os.path.join(T, 'out', 'secret.png'), os.path.join(root, 'seq', 'in_00001.png'))
sh = W('i.fs', IMG)
rc = run('render', sh, {_iso}'--size', '4x4', '--frames', '0-2', '-o', os.path.join(T, 'o_%05d.png'),
         '--image', 'inputImage=' + os.path.join(root, 'seq', 'in_%05d.png'), '--root', root)
print('OUTCOME', 'escape' if os.path.exists(os.path.join(T, 'o_00001.png')) else 'typed' if rc == 5 else 'untyped', rc)
""")


def run_case(code: str) -> tuple[str, str]:
    prog = PRELUDE + code
    try:
        proc = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                              timeout=DEADLINE, cwd=REPO, check=False)
    except subprocess.TimeoutExpired:
        return "hang", f"no result in {DEADLINE:.0f} s"
    for line in proc.stdout.splitlines():
        if line.startswith("OUTCOME "):
            word, _, rest = line[8:].partition(" ")
            return word, rest
    return "untyped", f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] }"


def main(argv: list[str]) -> int:
    sel = argv[argv.index("-k") + 1] if "-k" in argv else ""
    counts: dict[str, dict[str, int]] = {}
    for cls, name, _expect, code in CASES:
        if sel and sel not in name:
            continue
        word, detail = run_case(code)
        counts.setdefault(cls, {}).setdefault(word, 0)
        counts[cls][word] += 1
        print(f"{cls:9} {word:9} {name}: {detail}", flush=True)
    for cls, c in counts.items():
        print(cls, c)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
