"""Rendering a frame range across a Dask cluster: ``--workers`` / ``render_range``.

GL tests start a LocalCluster of 2 worker processes on 127.0.0.1 (one thread each, with
``OFFSCREEN_ISF_BACKEND`` set to this pytest process's backend) and compare every frame, byte
for byte, with a single-process ``offscreen-isf render``.  Skipped when dask is not installed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from offscreen_isf.media.output import png_is_complete

from .conftest import REPO

SIZE = "32x18"
W, H = 32, 18
DATE = "2024-06-01T12:00:00"

# persistent float buffer + FRAMEINDEX + TIMEDELTA: every chunk pre-rolls from frame 0
from .test_cli_batch import FEEDBACK  # noqa: E402 - the same stateful shader as the CLI chunk tests

# no buffers, but FRAMEINDEX, TIMEDELTA and an event: renderers are reused across chunks
COUNTER = """/*{ "ISFVSN": "2", "INPUTS": [ {"NAME": "bang", "TYPE": "event"} ] }*/
void main() { gl_FragColor = vec4(fract(float(FRAMEINDEX) / 7.0), TIMEDELTA * 20.0, TIME,
                                  bang ? 1.0 : 0.5); }
"""

# stateless and slow on llvmpipe, even at 32x18: a worker can be killed mid-chunk
HEAVY = """/*{ "ISFVSN": "2" }*/
void main() {
    vec2 uv = isf_FragNormCoord;
    float a = 0.0;
    for (int i = 0; i < 30000; ++i) { a += sin(a * 0.5 + uv.x * float(i) * 0.001 + TIME); }
    gl_FragColor = vec4(fract(a), uv, 1.0);
}
"""


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", *args], capture_output=True,
                          cwd=REPO, check=False, timeout=timeout)


def single_run(shader: Path, out: Path, frames: str = "0-59", *extra: str) -> dict[int, bytes]:
    """Frames of a one-process ``offscreen-isf render`` (the reference), by frame number."""
    res = cli("render", str(shader), "--size", SIZE, "--frames", frames, "--date", DATE,
              "-o", str(out / "f_%04d.png"), "-q", *extra)
    assert res.returncode == 0, res.stderr.decode()
    return frames_in(out)


def frames_in(folder: Path) -> dict[int, bytes]:
    return {int(p.stem.split("_")[1]): p.read_bytes() for p in sorted(folder.glob("f_*.png"))}


# -- no GL, no cluster ---------------------------------------------------------------------

def test_split_chunks_and_default_size() -> None:
    from offscreen_isf.farm.distributed import default_chunk_size, split_chunks

    assert split_chunks(range(0, 10), 4) == [(0, 3), (4, 7), (8, 9)]
    assert split_chunks([0, 1, 2, 5, 6, 9], 2) == [(0, 1), (2, 2), (5, 6), (9, 9)]
    assert split_chunks([], 3) == []
    assert default_chunk_size(60, 2, persistent=False, preroll=None) == 8      # 4 chunks per worker
    assert default_chunk_size(60, 2, persistent=True, preroll=None) == 30      # pre-roll: 1 per worker
    assert default_chunk_size(60, 2, persistent=True, preroll=5) == 8
    assert default_chunk_size(3, 16, persistent=False, preroll=None) == 1


def test_missing_dask_names_the_install_command(tmp_path: Path) -> None:
    shader = tmp_path / "c.fs"
    shader.write_text(COUNTER)
    code = ("import sys; sys.modules['distributed'] = None\n"
            "from offscreen_isf.farm.cli import main\n"
            f"sys.exit(main(['render', {str(shader)!r}, '--frames', '0-3', '--workers', '2', "
            f"'-o', {str(tmp_path / 'f_%04d.png')!r}]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         check=False, timeout=120)
    assert res.returncode == 2, res.stderr
    # install commands that work without the project on a package index
    assert "pip install 'dask[distributed]>=2024.1'" in res.stderr
    assert "pip install -e '.[dask]'" in res.stderr


@pytest.mark.parametrize("args", [
    ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
    ["--chunk-size", "4"],
    ["--stream"],
    ["--workers", "0"],
    ["--workers", "2", "--chunk-size", "0"],
    ["--workers", "2", "-o", "clip.mp4"],
])
def test_distributed_usage_errors(tmp_path: Path, args: list[str]) -> None:
    pytest.importorskip("distributed")
    shader = tmp_path / "c.fs"
    shader.write_text(COUNTER)
    res = cli("render", str(shader), "--frames", "0-3", "-o", str(tmp_path / "f_%04d.png"), *args)
    assert res.returncode == 2, res.stderr.decode()
    assert res.stderr.decode().startswith("error: ")


# -- a LocalCluster of 2 worker processes ------------------------------------------------------

@pytest.fixture(scope="module")
def client(backend: str) -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.CRITICAL,
                                       env={"OFFSCREEN_ISF_BACKEND": backend})
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.gl
def test_two_workers_match_a_single_process_run_byte_for_byte(tmp_path: Path, client: Any,
                                                               backend: str) -> None:
    from offscreen_isf.farm import distributed

    for name, source, extra in (("feedback", FEEDBACK, {}), ("counter", COUNTER, {"sets": ["bang=true"]})):
        shader = tmp_path / f"{name}.fs"
        shader.write_text(source)
        want = single_run(shader, tmp_path / f"{name}-single", "0-59",
                          *(["--set", "bang=true"] if extra else []))
        assert len(want) == 60
        for stream in (False, True):
            out = tmp_path / f"{name}-{'stream' if stream else 'shared'}"
            summary = distributed.render_range(shader, (0, 59), out / "f_%04d.png", size=(W, H),
                                               client=client, chunk_size=7, stream=stream,
                                               date=datetime.fromisoformat(DATE),
                                               progress=False, **extra)
            got = frames_in(out)
            assert sorted(got) == list(range(60))
            assert all(got[f] == want[f] for f in range(60)), f"{name} stream={stream}"
            manifest = json.loads((out / "manifest.json").read_text())
            chunks = manifest["chunks"]
            assert [c["frames"] for c in chunks] == [[a, min(a + 6, 59)] for a in range(0, 60, 7)]
            assert {c["backend"] for c in chunks} == {backend}
            assert len({c["worker"] for c in chunks}) == 2          # both workers took chunks
            assert all(c["attempts"] == 1 and c["seconds"] >= 0 and c["host"] for c in chunks)
            assert summary["written"] == 60 and manifest["job"]["written"] == 60
            if name == "feedback":                                  # pre-rolled from frame 0
                assert summary["prerolled"] == sum(c["frames"][0] for c in chunks)
            else:                                                   # TIMEDELTA: frame A-1 only
                assert summary["prerolled"] == len(chunks) - 1
                if stream:                                          # second job: compiled renderers reused
                    assert any(c["reused_renderer"] for c in chunks)


@pytest.mark.gl
def test_cli_workers_flag_matches_the_single_process_run(tmp_path: Path, backend: str) -> None:
    pytest.importorskip("distributed")
    shader = REPO / "offscreen_isf" / "examples" / "demo.fs"     # persistent float buffer
    want = single_run(shader, tmp_path / "single")
    res = cli("render", str(shader), "--size", SIZE, "--frames", "0-59", "--date", DATE, "--backend", backend,
              "-o", str(tmp_path / "dist" / "f_%04d.png"), "--workers", "2", "--json")
    assert res.returncode == 0, res.stderr.decode()
    summary = json.loads(res.stdout)
    assert summary["workers"] == 2 and summary["chunk_size"] == 30 and summary["written"] == 60
    assert frames_in(tmp_path / "dist") == want
    assert (tmp_path / "dist" / "manifest.json").is_file()


@pytest.mark.gl
def test_a_killed_worker_s_chunk_is_retried_and_the_output_is_complete(tmp_path: Path, client: Any) -> None:
    from offscreen_isf.farm import distributed as dist

    shader = tmp_path / "heavy.fs"
    shader.write_text(HEAVY)
    want = single_run(shader, tmp_path / "single")
    out = tmp_path / "dist"
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["summary"] = dist.render_range(shader, (0, 59), out / "f_%04d.png", size=(W, H), client=client,
                                               chunk_size=10, retries=2, progress=False,
                                               date=datetime.fromisoformat(DATE))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    pids = client.run(os.getpid)                 # worker address -> pid
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        processing = client.processing()
        # kill a worker in the middle of a chunk whose start has reached the scheduler
        for _, msg in client.get_events(dist.EVENT_TOPIC):
            key = f"offscreen-isf-{msg['job']}-{msg['chunk']:05d}"
            addr = msg["worker"]
            if msg["chunk"] > 0 and key in processing.get(addr, ()) and pids.get(addr) == msg["pid"]:
                victim = (addr, msg["pid"], msg["chunk"])
                break
        else:
            time.sleep(0.02)
    assert victim is not None, "no chunk was seen running"
    os.kill(victim[1], signal.SIGKILL)
    thread.join(240)
    assert not thread.is_alive()
    assert "error" not in box, box.get("error")
    got = frames_in(out)
    assert sorted(got) == list(range(60))
    assert all(png_is_complete(out / f"f_{f:04d}.png", (W, H)) for f in range(60))
    assert got == want
    assert not list(out.glob(".*.tmp"))
    manifest = json.loads((out / "manifest.json").read_text())
    killed = manifest["chunks"][victim[2]]
    assert killed["attempts"] >= 2 and killed["pid"] != victim[1]


@pytest.mark.gl
def test_cli_scheduler_flag_uses_an_existing_cluster(tmp_path: Path, client: Any) -> None:
    shader = tmp_path / "counter.fs"
    shader.write_text(COUNTER)
    want = single_run(shader, tmp_path / "single", "0-19")
    address = client.scheduler.address                      # tcp://127.0.0.1:PORT
    res = cli("render", str(shader), "--size", SIZE, "--frames", "0-19", "--date", DATE,
              "-o", str(tmp_path / "dist" / "f_%04d.png"), "--scheduler", address, "--stream", "-q")
    assert res.returncode == 0, res.stderr.decode()
    assert frames_in(tmp_path / "dist") == want
    workers = set(client.scheduler_info()["workers"])
    manifest = json.loads((tmp_path / "dist" / "manifest.json").read_text())
    assert manifest["job"]["scheduler"] == address and manifest["job"]["mode"] == "stream"
    assert {c["worker"] for c in manifest["chunks"]} <= workers


# -- one settings object from the command line to the worker's Renderer ------------------------------

RENDER_FLAGS = ["--size", "24x16", "--draw-flipped", "--max-size", "640x480", "--memory-budget", "64M",
                "--allow-path", str(REPO)]


def _cli_options(shader: Path, out: Path, *flags: str) -> Any:
    from offscreen_isf.farm import cli as cli_module

    args = cli_module.build_parser().parse_args(["render", str(shader), "-o", str(out / "f_%04d.png"),
                                                 "--frames", "0-1", "--date", DATE, "-q", *flags])
    return cli_module._render_options(args)


@pytest.mark.gl
def test_cli_options_reach_the_dask_worker_renderer(tmp_path: Path, backend: str) -> None:
    """Every renderer flag given on the command line arrives, in one pickled RenderSettings, in the
    Renderer a Dask worker builds (render_chunk run here, as a worker runs it)."""
    import pickle

    import offscreen_isf as oi
    from offscreen_isf.farm import distributed as dist

    shader = tmp_path / "counter.fs"
    shader.write_text(COUNTER)
    opts = _cli_options(shader, tmp_path, *RENDER_FLAGS, "--root", str(tmp_path), "--backend", backend)
    want = oi.RenderSettings(size=(24, 16), backend=backend, draw_flipped=True, max_size=(640, 480),
                             memory_budget="64M", allow_paths=(str(REPO),), input_root=str(tmp_path))
    assert opts.settings == want
    run = dist._plan_run(opts, stream=False, manifest=False)
    spec = pickle.loads(pickle.dumps(run.spec))          # as a task travels to a worker
    try:
        entry = dist.render_chunk(spec, 0, 0, 1)
        assert "error" not in entry and entry["written"] == 2
        (renderer,) = dist._RENDERERS.values()
        assert isinstance(renderer, oi.Renderer) and renderer.settings == want
    finally:
        dist.close_worker_cache()
    assert sorted(p.name for p in tmp_path.glob("f_*.png")) == ["f_0000.png", "f_0001.png"]


def test_cli_options_reach_the_batch_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-process path hands the same whole settings object to the factory (no GL: the
    factory is replaced by a recorder that stops the run)."""
    import offscreen_isf as oi
    from offscreen_isf.farm import batch

    class StopError(Exception):
        pass

    seen: list[oi.RenderSettings] = []

    def recorder(shader: Any, settings: oi.RenderSettings | None = None, **kw: Any) -> Any:
        assert settings is not None
        seen.append(settings)
        raise StopError

    monkeypatch.setattr(batch, "open_renderer", recorder)
    shader = tmp_path / "counter.fs"
    shader.write_text(COUNTER)
    opts = _cli_options(shader, tmp_path, *RENDER_FLAGS, "--isolate", "--timeout", "7")
    with pytest.raises(StopError):
        batch.run_render(opts)
    assert seen == [oi.RenderSettings(size=(24, 16), draw_flipped=True, max_size=(640, 480),
                                      memory_budget="64M", allow_paths=(str(REPO),), isolate=True, timeout=7)]


def test_cli_refuses_isolation_options_without_isolate(tmp_path: Path) -> None:
    from offscreen_isf.errors import UsageError

    with pytest.raises(UsageError, match="--timeout needs --isolate"):
        _cli_options(tmp_path / "x.fs", tmp_path, "--timeout", "3")
