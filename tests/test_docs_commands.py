"""Every command and snippet in README.md and docs/*.md runs as written.

The ```sh / ```bash and ```python blocks, and indented command lines (four spaces, starting
with a known command), are extracted and run in a temporary folder holding small stand-in
files (``shader.fs``, ``fx.fs``, ``photo.png`` ...: :func:`_stand_ins`), with the checkout's
``offscreen-isf`` first on PATH.  A command passes when it exits 0 (or with the code its
line's comment documents, e.g. ``validate`` exiting 1 for a failing shader).  Only the
commands in :data:`SKIPS` are not run, each with its reason (a GPU, a cluster, the network,
root, or a long-running developer target); ``python -m tests.test_docs_commands`` prints
the counts.  Runs in child processes with a deadline, in a reader's environment: no backend
variable set, so on the default backend whichever pytest pass runs it (once: not marked
``gl``, so not repeated by the EGL pass).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
#: first words of an indented line that make it a documented command
COMMANDS = ("offscreen-isf", "pip", "python", "make", "dask", "apt-get", "dnf", "srun", "sbatch",
            "docker", "export", "OFFSCREEN_ISF_", "PYOPENGL_PLATFORM", "CUDA_VISIBLE_DEVICES")

#: (pattern searched in the command, reason it is not run here)
SKIPS: tuple[tuple[str, str], ...] = (
    (r"git\+https://|pip install offscreen-isf|pip install 'offscreen-isf\[", "network: installs from a remote"),
    (r"\bpip install\b", "network: installs packages from the index"),
    (r"^make (test|fuzz|bench|conformance|install|demo|release-check)\b|^make$",
     "a developer target that installs packages (network) and runs for minutes"),
    (r"apt-get|dnf |sudo ", "root: installs system packages"),
    (r"--scheduler|dask (scheduler|worker)|offscreen-isf workers|srun|sbatch|deadlinecommand|cuerun|qsub",
     "a cluster: needs a Dask scheduler or a farm queue"),
    (r"nvidia|docker |CUDA_VISIBLE_DEVICES=[0-9]|OFFSCREEN_ISF_DEVICE=[0-9]|--device [0-9]",
     "a GPU: needs an NVIDIA device"),
    (r"\.\./shared/", "the VVISF-GL corpus, present only in the project's own workspace"),
    (r"pip download|Client\(\"tcp://", "network: downloads, or connects to a remote scheduler"),
    (r"SLURM_|\bFIRST\b|\$A-\$B|#SBATCH", "a cluster: a farm job template (its variables come from the scheduler)"),
    (r"/tmp/pv\b|/tmp/up09", "network: runs on pyvvisf's sdist, downloaded first"),
    (r"^import pyvvisf|^from pyvvisf import", "network: the 'before' side needs pyvvisf itself, installed from the index"),
    (r"scripts/gpu-check\.sh", "a GPU: the lent-GPU proof run"),
    (r"device=\"cuda\"", "a GPU: CUDA frames need an NVIDIA device and the cuda extra"),
)


@dataclass(frozen=True)
class Snippet:
    """One documented command (``lang`` "sh") or Python block (``lang`` "python")."""

    path: str
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def _fenced(path: Path) -> list[Snippet]:
    out, lines, rel = [], path.read_text().splitlines(), str(path.relative_to(REPO))
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start, body = m.group(1), i + 1, []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if lang in ("sh", "bash", "shell"):
            out += _commands(rel, start, body)
        elif lang == "python":
            out.append(Snippet(rel, start + 1, "python", "\n".join(body)))
    return out


def _commands(rel: str, start: int, body: list[str]) -> list[Snippet]:
    """One snippet per command line (continuation lines joined; ``# ...`` comments off)."""
    if any(re.match(r"\s*(for|while|if)\b", line) for line in body):   # a loop: one script
        return [Snippet(rel, start + 1, "sh", "\n".join(body))]
    out, pending, first = [], "", 0
    for n, raw in enumerate(body, start + 1):
        line = re.sub(r"(^|\s)#\s.*$|(^|\s)#$", "", raw).rstrip()
        if not line.strip() and not pending:
            continue
        if not pending:
            first = n
        pending += line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.endswith(("|", "&&")):   # a pipeline continues on the next line
            pending += " "
            continue
        out.append(Snippet(rel, first, "sh", pending))
        pending = ""
    return out


def _indented(path: Path) -> list[Snippet]:
    """Indented code lines (four spaces after a blank line, outside fences) that start with a
    known command."""
    out, rel, fenced, prev_blank, in_block = [], str(path.relative_to(REPO)), False, True, False
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        if raw.strip().startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        in_block = raw.startswith("    ") and (prev_blank or in_block) and bool(raw.strip())
        if in_block and raw.strip().startswith(COMMANDS):
            out += _commands(rel, n - 1, [raw])
        prev_blank = not raw.strip()
    return out


def snippets() -> list[Snippet]:
    """Every documented command and Python block, in file order."""
    found = [s for p in DOCS for s in _fenced(p) + _indented(p)]
    return sorted(found, key=lambda s: (s.path, s.line))


def skip_reason(s: Snippet) -> str | None:
    for pattern, reason in SKIPS:
        if re.search(pattern, s.text, re.MULTILINE):
            return reason
    return None


# -- the stand-in files -----------------------------------------------------------------------

GENERATOR = """/*{"ISFVSN": "2", "DESCRIPTION": "stand-in generator", "INPUTS": [
  {"NAME": "level", "TYPE": "float", "MIN": 0, "MAX": 1, "DEFAULT": 0.5},
  {"NAME": "tint", "TYPE": "color", "DEFAULT": [1, 1, 1, 1]},
  {"NAME": "inputImage", "TYPE": "image"},
  {"NAME": "src", "TYPE": "image"},
  {"NAME": "sound", "TYPE": "audio"}]}*/
void main() { gl_FragColor = vec4(isf_FragNormCoord * level, 0.5, 1.0) * tint
                             + 0.1 * IMG_NORM_PIXEL(inputImage, isf_FragNormCoord); }
"""
FEEDBACK = """/*{"ISFVSN": "2", "INPUTS": [
  {"NAME": "level", "TYPE": "float", "DEFAULT": 0.5},
  {"NAME": "inputImage", "TYPE": "image"}],
  "PASSES": [{"TARGET": "acc", "PERSISTENT": true}, {}]}*/
void main() {
  if (PASSINDEX == 0) gl_FragColor = mix(IMG_THIS_PIXEL(acc), vec4(level), 0.1);
  else gl_FragColor = IMG_THIS_PIXEL(acc);
}
"""

VISUALIZER = """/*{"ISFVSN": "2", "DESCRIPTION": "stand-in audio visualizer", "INPUTS": [
  {"NAME": "snd", "TYPE": "audio", "MAX": 64}]}*/
void main() {
  float level = abs(IMG_NORM_PIXEL(snd, vec2(isf_FragNormCoord.x, 0.5)).r - 0.5) * 2.0;
  gl_FragColor = vec4(vec3(step(isf_FragNormCoord.y, level)), 1.0);
}
"""


def _stand_ins(root: Path) -> None:
    """Small files under the names the docs use."""
    from PIL import Image

    for name in ("shader.fs", "fx.fs", "effect.fs", "generator.fs", "a.fs", "b.fs", "my.fs"):
        (root / name).write_text(GENERATOR)
    for name in ("feedback.fs", "filter.fs"):
        (root / name).write_text(FEEDBACK)
    (root / "shaders").mkdir()
    (root / "shaders" / "one.fs").write_text(GENERATOR)
    (root / "shaders" / "two.fs").write_text(FEEDBACK)
    (root / "uploads").mkdir()
    image = Image.fromarray(np.linspace(0, 255, 32 * 24 * 3).astype(np.uint8).reshape(24, 32, 3))
    for name in ("photo.png", "image.png", "uploads/photo.png", "in.png"):
        image.save(root / name)
    (root / "frames").mkdir()
    for n in range(4):
        image.save(root / "frames" / f"in_{n:05d}.png")
    with wave.open(str(root / "track.wav"), "wb") as fh:
        fh.setnchannels(1)
        fh.setsampwidth(2)
        fh.setframerate(8000)
        fh.writeframes((np.sin(np.arange(8000) / 10) * 20000).astype("<i2").tobytes())
    (root / "visualizer.fs").write_text(VISUALIZER)
    (root / "out").mkdir()
    import imageio_ffmpeg  # the video extra's ffmpeg: the docs' ffmpeg commands use it too

    (root / "bin").mkdir()
    (root / "bin" / "ffmpeg").symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    subprocess.run([str(root / "bin" / "ffmpeg"), "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=32x24:rate=30", "-frames:v", "10", "-pix_fmt", "yuv420p",
                    str(root / "clip.mp4")], check=True, timeout=60)
    subprocess.run([str(root / "bin" / "ffmpeg"), "-loglevel", "error", "-i", str(root / "track.wav"),
                    str(root / "track.mp3")], check=True, timeout=60)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    _stand_ins(root)
    return root


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A reader's shell: this test process's own PyOpenGL binding (set when it chose its
    # backend) is not something the docs ask anyone to export; snippets that name a backend
    # explicitly would otherwise conflict with it.
    env.pop("PYOPENGL_PLATFORM", None)
    env.pop("OFFSCREEN_ISF_BACKEND", None)     # nor this: the docs' commands use the default backend
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), "bin", env.get("PATH", "")])
    env["PYTHONPATH"] = str(REPO)
    return env


def _expected_code(s: Snippet) -> int:
    """0, or the exit code the docs state next to the command (``validate`` on a failing
    shader); none is stated today."""
    return 0


ALL = snippets()


@pytest.mark.parametrize("snippet", ALL, ids=[s.id for s in ALL])
def test_documented_command_runs(snippet: Snippet, workdir: Path) -> None:
    reason = skip_reason(snippet)
    if reason is not None:
        pytest.skip(reason)
    if snippet.lang == "python":
        cmd = [sys.executable, "-c", snippet.text]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", snippet.text]
    res = subprocess.run(cmd, cwd=workdir, env=_env(), capture_output=True, text=True, timeout=300,
                         check=False)
    assert res.returncode == _expected_code(snippet), (
        f"{snippet.id} exited {res.returncode}:\n{snippet.text}\n--- stderr ---\n{res.stderr[-3000:]}")


def test_extraction_finds_the_documented_commands() -> None:
    """The extractor sees fenced and indented commands and Python blocks (so a change in the
    docs' formatting cannot make this test vacuous)."""
    texts = [s.text for s in ALL]
    assert any(t.startswith("offscreen-isf render shader.fs") for t in texts)
    assert any(s.lang == "python" and "import offscreen_isf" in s.text for s in ALL)
    assert any(s.path == "README.md" and s.text.startswith("offscreen-isf render fx.fs") for s in ALL)
    assert len(ALL) >= 30


def test_every_skip_has_a_reason_from_the_allowed_kinds() -> None:
    allowed = ("network", "a cluster", "a GPU", "root", "a developer target", "the VVISF-GL corpus")
    for _, reason in SKIPS:
        assert reason.startswith(allowed), reason


if __name__ == "__main__":
    skipped = [(s, skip_reason(s)) for s in ALL if skip_reason(s)]
    for s, reason in skipped:
        print(f"skip {s.id}: {reason}: {s.text[:90]}")
    print(f"documented commands/snippets: {len(ALL)}; run: {len(ALL) - len(skipped)}; "
          f"skipped: {len(skipped)}")
