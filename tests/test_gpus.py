"""One Dask worker per GPU, pinned to it: ``--gpus`` and ``offscreen-isf workers``.

No GPU here: the pinning is shown by what each worker process sees (its environment and the
manifest's ``cuda_visible_devices`` per chunk).  On llvmpipe a worker pinned to "GPU 1" renders
on the software EGL device, so the frames must still equal a single-process run byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from offscreen_isf.errors import BackendError, UsageError
from offscreen_isf.farm import gpus

from .conftest import REPO

COUNTER = """/*{ "ISFVSN": "2" }*/
void main() { gl_FragColor = vec4(fract(float(FRAMEINDEX) / 7.0), isf_FragNormCoord, 1.0); }
"""


#: what this pytest process's backend pinning puts in the environment (a reader's shell has none)
PINNED = ("CUDA_VISIBLE_DEVICES", "PYOPENGL_PLATFORM", "OFFSCREEN_ISF_BACKEND")


def cli(*args: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in PINNED} | extra
    return subprocess.run([sys.executable, "-m", "offscreen_isf", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, check=False, timeout=timeout)


@pytest.mark.parametrize(("value", "visible", "listed", "expected"), [
    ("0,2", None, None, ["0", "2"]),
    (" 3 ", None, None, ["3"]),
    ("all", None, ["0", "1", "2"], ["0", "1", "2"]),
    ("all", "2,0", ["0", "1", "2"], ["2", "0"]),          # this process's own CUDA_VISIBLE_DEVICES rules
    ("all", "2,7", ["0", "1", "2"], ["2"]),               # ids EGL does not list are dropped
    ("all", "GPU-8f1c", ["0", "1"], ["0", "1"]),          # UUIDs: every listed GPU
])
def test_gpu_ids(monkeypatch: pytest.MonkeyPatch, value: str, visible: str | None, listed: list[str] | None,
                 expected: list[str]) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    if visible is not None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    assert gpus.gpu_ids(value, listed) == expected


@pytest.mark.parametrize("value", ["", "0,,1", "gpu0", "-1", "0,1,0", "1.5"])
def test_gpu_ids_refuses_malformed_lists(value: str) -> None:
    with pytest.raises(UsageError, match="--gpus"):
        gpus.gpu_ids(value)


def test_all_without_nvidia_gpus_is_a_backend_error_with_a_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    with pytest.raises(BackendError, match="no NVIDIA GPU") as info:
        gpus.gpu_ids("all", [])
    assert "offscreen-isf backends" in (info.value.fix or "")


def test_listed_cuda_ids_reads_the_backends_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = [{"name": "egl", "ok": True, "devices": [
        {"index": 0, "description": "EGL device (CUDA 1)", "cuda_id": 1, "software": False},
        {"index": 1, "description": "EGL device (CUDA 0)", "cuda_id": 0, "software": False},
        {"index": 2, "description": "EGL device (software)", "cuda_id": None, "software": True}]},
        {"name": "osmesa", "ok": True}]
    seen: dict[str, Any] = {}

    def fake_run(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        seen.update(argv=argv, env=kw["env"])
        return subprocess.CompletedProcess(argv, 0, json.dumps(listing), "")

    monkeypatch.setattr(gpus.subprocess, "run", fake_run)
    assert gpus.listed_cuda_ids() == ["1", "0"]
    assert seen["argv"][-2:] == ["backends", "--json"]
    assert seen["env"]["OFFSCREEN_ISF_BACKEND"] == seen["env"]["PYOPENGL_PLATFORM"] == "egl"


def test_the_real_listing_answers() -> None:
    """The child process answers: CUDA ids on an NVIDIA machine, none where EGL has only
    llvmpipe (the software device carries no CUDA id)."""
    from offscreen_isf.media.video import nvidia_gpu_present

    ids = gpus.listed_cuda_ids()
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    assert bool(ids) == nvidia_gpu_present()


def test_worker_env_pins_one_gpu() -> None:
    assert gpus.worker_env("3") == {"CUDA_VISIBLE_DEVICES": "3", "OFFSCREEN_ISF_DEVICE": "0",
                                    "OFFSCREEN_ISF_BACKEND": "egl", "PYOPENGL_PLATFORM": "egl"}


def test_backends_json_lists_egl_devices() -> None:
    res = cli("backends", "--json")
    egl = next(s for s in json.loads(res.stdout) if s["name"] == "egl")
    if not egl["ok"]:
        pytest.skip(f"EGL unusable here: {egl.get('reason')}")
    assert egl["devices"] and egl["devices"][0]["index"] == 0
    assert {"description", "cuda_id", "software"} <= set(egl["devices"][0])


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--gpus", "all"], 4, "EGL lists no NVIDIA GPU"),
    (["--gpus", "0,0"], 2, "lists a GPU twice"),
    (["--gpus", "0", "--workers", "2"], 2, "not both"),
    (["--gpus", "0", "--scheduler", "tcp://127.0.0.1:1"], 2, "offscreen-isf workers ADDRESS"),
    (["--gpus", "0", "--backend", "osmesa"], 2, "EGL on NVIDIA GPUs"),
    (["--gpus", "0", "--device", "0"], 2, "--device picks one GPU"),
])
def test_gpus_usage(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    pytest.importorskip("distributed")
    from offscreen_isf.media.video import nvidia_gpu_present

    if args == ["--gpus", "all"] and nvidia_gpu_present():
        pytest.skip("this machine has an NVIDIA GPU: --gpus all is not an error here")
    shader = tmp_path / "c.fs"
    shader.write_text(COUNTER)
    res = cli("render", str(shader), "--frames", "0-3", "--size", "16x8", "-o", str(tmp_path / "f_%03d.png"),
              *args)
    assert res.returncode == code, res.stderr
    assert res.stderr.startswith("error: ") and message in res.stderr


def test_one_pinned_worker_per_gpu_renders_the_same_frames(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    shader = tmp_path / "c.fs"
    shader.write_text(COUNTER)
    one = cli("render", str(shader), "--frames", "0-7", "--size", "16x8", "--backend", "egl",
              "-o", str(tmp_path / "one" / "f_%03d.png"), "-q")
    assert one.returncode == 0, one.stderr
    # an osmesa pin inherited from the caller's shell must not reach the GPU workers
    res = cli("render", str(shader), "--frames", "0-7", "--size", "16x8", "--gpus", "0,1", "--chunk-size", "2",
              "-o", str(tmp_path / "two" / "f_%03d.png"), "--json", PYOPENGL_PLATFORM="osmesa")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["workers"] == 2
    pinned = {c["cuda_visible_devices"] for c in summary["chunks"]}
    assert pinned <= {"0", "1"} and len(summary["chunks"]) == 4
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert {c["cuda_visible_devices"] for c in manifest["chunks"]} == pinned
    for n in range(8):
        name = f"f_{n:03d}.png"
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


def test_workers_command_starts_one_pinned_worker_per_gpu() -> None:
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                                       silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    env = {k: v for k, v in os.environ.items() if k not in PINNED} | {"PYOPENGL_PLATFORM": "osmesa"}
    proc = subprocess.Popen([sys.executable, "-m", "offscreen_isf", "workers", cluster.scheduler_address,
                             "--gpus", "0,1"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    said: list[str] = []
    stderr = proc.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: said.extend(iter(stderr.readline, "")), daemon=True)
    reader.start()
    try:
        client.wait_for_workers(2, timeout=120)
        deadline = time.monotonic() + 60     # the workers register before the command says so
        while not any("connected to" in line for line in said) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any("2 GPU worker(s) (gpu0, gpu1) connected to" in line for line in said), said[-20:]
        names = sorted(w["name"] for w in client.scheduler_info()["workers"].values())
        assert names == ["gpu0", "gpu1"]

        def pins() -> tuple[str | None, ...]:
            return tuple(os.environ.get(v) for v in ("CUDA_VISIBLE_DEVICES", "OFFSCREEN_ISF_DEVICE",
                                                    "OFFSCREEN_ISF_BACKEND", "PYOPENGL_PLATFORM"))

        assert sorted(client.run(pins).values()) == [("0", "0", "egl", "egl"), ("1", "0", "egl", "egl")]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        assert proc.returncode == 130, "".join(said[-20:])
        assert "error: interrupted" in "".join(said)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        client.close()
        cluster.close()
