"""``device="cuda"`` against a fake CUDA runtime (no GPU needed), and on a real one when present.

The fake stands in for ``cuda.bindings.runtime``: it records every call, keeps "device
memory" in numpy arrays keyed by fake addresses, and on ``cudaGraphicsMapResources`` reads
the registered GL texture with ``glGetTexImage`` (the context is current then), so the
control flow, the row order and the bytes are checked against the host path on llvmpipe.
"""

# ruff: noqa: N815 - the fake mirrors the binding's CUDA names

from __future__ import annotations

import enum
import itertools
import sys
import types
from typing import Any

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.errors import BackendError, InputError

pytestmark = pytest.mark.gl

# Rows differ, columns differ, and a hash-free gradient: a flipped or shifted copy shows.
SHADER = """/*{"ISFVSN": "2", "INPUTS": [{"NAME": "k", "TYPE": "float", "DEFAULT": 0.25}]}*/
void main() {
    vec2 p = gl_FragCoord.xy;
    gl_FragColor = vec4(mod(p.x, 7.0) / 7.0, p.y / RENDERSIZE.y, k + 0.001 * TIME, 1.0);
}
"""
FLOAT_SHADER = """/*{"ISFVSN": "2", "PASSES": [{"TARGET": "a", "FLOAT": true}, {"TARGET": "b", "FLOAT": true}]}*/
void main() {
    if (PASSINDEX == 0) gl_FragColor = vec4(gl_FragCoord.xy / RENDERSIZE * 3.7, -1.5, 1.0);
    else gl_FragColor = IMG_NORM_PIXEL(a, isf_FragNormCoord) * vec4(1.0, 1.0, 1.0, 0.3);
}
"""


class Err(enum.Enum):
    cudaSuccess = 0
    cudaErrorInvalidValue = 1


class FakeRuntime(types.ModuleType):
    """The subset of cuda.bindings.runtime that offscreen_isf.gl.cuda calls."""

    cudaError_t = Err
    cudaGraphicsRegisterFlags = types.SimpleNamespace(cudaGraphicsRegisterFlagsReadOnly=1)
    cudaMemcpyKind = types.SimpleNamespace(cudaMemcpyDeviceToDevice=3)
    cudaGLDeviceList = types.SimpleNamespace(cudaGLDeviceListAll=1)

    def __init__(self) -> None:
        super().__init__("cuda.bindings.runtime")
        self.calls: list[str] = []
        self.memory: dict[int, np.ndarray] = {}      # device address -> bytes
        self.resources: dict[int, int] = {}          # resource -> GL texture
        self.mapped: dict[int, np.ndarray] = {}      # resource -> rows as stored (uint8 bytes)
        self._ids = itertools.count(0x1000, 0x1000)
        self.fail: str | None = None

    def _log(self, name: str) -> Err:
        self.calls.append(name)
        return Err.cudaErrorInvalidValue if name == self.fail else Err.cudaSuccess

    def __getattr__(self, name: str) -> Any:
        if name.startswith("cuda"):
            return lambda *args: (self._log(name),)
        raise AttributeError(name)

    def cudaGetDeviceCount(self) -> tuple[Err, int]:
        return self._log("cudaGetDeviceCount"), 1

    def cudaGLGetDevices(self, count: int, which: int) -> tuple[Err, int, list[int]]:
        return self._log("cudaGLGetDevices"), 1, [0]

    def cudaStreamCreate(self) -> tuple[Err, int]:
        return self._log("cudaStreamCreate"), next(self._ids)

    def cudaEventCreate(self) -> tuple[Err, int]:
        return self._log("cudaEventCreate"), next(self._ids)

    def cudaGraphicsGLRegisterImage(self, texture: int, target: int, flags: int) -> tuple[Err, int]:
        handle = next(self._ids)
        self.resources[handle] = int(texture)
        return self._log("cudaGraphicsGLRegisterImage"), handle

    def cudaGraphicsUnregisterResource(self, resource: int) -> tuple[Err]:
        del self.resources[resource]
        return (self._log("cudaGraphicsUnregisterResource"),)

    def cudaMalloc(self, nbytes: int) -> tuple[Err, int]:
        ptr = next(self._ids) << 20
        self.memory[ptr] = np.zeros(nbytes, np.uint8)
        return self._log("cudaMalloc"), ptr

    def cudaFree(self, ptr: int) -> tuple[Err]:
        self.memory.pop(ptr)
        return (self._log("cudaFree"),)

    def cudaGraphicsMapResources(self, count: int, resource: int, stream: int) -> tuple[Err]:
        from OpenGL import GL

        GL.glBindTexture(GL.GL_TEXTURE_2D, self.resources[resource])
        internal = GL.glGetTexLevelParameteriv(GL.GL_TEXTURE_2D, 0, GL.GL_TEXTURE_INTERNAL_FORMAT)
        kind = GL.GL_FLOAT if internal == GL.GL_RGBA32F else GL.GL_UNSIGNED_BYTE
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        data = GL.glGetTexImage(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA, kind, outputType=None)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self.mapped[resource] = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
        return (self._log("cudaGraphicsMapResources"),)

    def cudaGraphicsSubResourceGetMappedArray(self, resource: int, index: int, level: int) -> tuple[Err, int]:
        return self._log("cudaGraphicsSubResourceGetMappedArray"), resource

    def cudaMemcpy2DFromArrayAsync(self, dst: int, dpitch: int, array: int, x: int, y: int,
                                   width: int, height: int, kind: int, stream: int) -> tuple[Err]:
        src = self.mapped[array].reshape(-1, width)   # array rows as stored, row 0 first
        out = self.memory[dst].reshape(-1, dpitch)
        out[y:y + height, :width] = src[:height]
        return (self._log("cudaMemcpy2DFromArrayAsync"),)


def host_view(fake: FakeRuntime, frame: Any) -> np.ndarray:
    """The fake device memory behind ``frame``'s ``__cuda_array_interface__``."""
    cai = frame.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    return fake.memory[cai["data"][0]].view(dtype).reshape(cai["shape"])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRuntime:
    """The fake runtime importable as cuda.bindings.runtime; the NVIDIA check waived."""
    return install_fake(monkeypatch)


def install_fake(monkeypatch: pytest.MonkeyPatch) -> FakeRuntime:
    """A new :class:`FakeRuntime` importable as cuda.bindings.runtime, the NVIDIA check waived
    (undone by ``monkeypatch``)."""
    from offscreen_isf.gl import cuda

    runtime = FakeRuntime()
    package = types.ModuleType("cuda")
    bindings = types.ModuleType("cuda.bindings")
    bindings.runtime = runtime  # type: ignore[attr-defined]
    package.bindings = bindings  # type: ignore[attr-defined]
    for name, module in (("cuda", package), ("cuda.bindings", bindings), ("cuda.bindings.runtime", runtime)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(cuda, "check_context", lambda ctx: None)
    return runtime


@pytest.mark.parametrize("size", [(64, 48), (33, 17)])
def test_render_cuda_matches_host_bit_for_bit(fake: FakeRuntime, size: tuple[int, int]) -> None:
    with oi.Renderer(SHADER, size=size) as r:
        host = r.render(1.0)
        frame = r.render(1.0, device="cuda")
    assert frame.shape == (size[1], size[0], 4) and frame.dtype == np.uint8
    got = host_view(fake, frame)
    assert np.array_equal(got, host)
    assert got[0, 0, 1] > got[-1, 0, 1]   # top row first: green (gl_FragCoord.y) is largest at the top
    expected = ["cudaGetDeviceCount", "cudaGLGetDevices", "cudaSetDevice", "cudaStreamCreate",
                "cudaGraphicsGLRegisterImage", "cudaEventCreate", "cudaMalloc", "cudaGraphicsMapResources",
                "cudaGraphicsSubResourceGetMappedArray", "cudaMemcpy2DFromArrayAsync",
                "cudaGraphicsUnmapResources", "cudaEventRecord", "cudaEventSynchronize"]
    assert fake.calls[:len(expected)] == expected
    # the context closed: registration undone before the texture went, stream destroyed
    assert "cudaGraphicsUnregisterResource" in fake.calls and fake.calls[-1] == "cudaStreamDestroy"
    assert fake.resources == {}


def test_float_output_and_dtype_conversion(fake: FakeRuntime) -> None:
    with oi.Renderer(FLOAT_SHADER, size=(40, 30)) as r:
        host = r.render()
        frame = r.render(device="cuda")
        host8 = r.render(dtype="uint8")
        frame8 = r.render(dtype="uint8", device="cuda")
    assert frame.dtype == np.float32 and np.array_equal(host_view(fake, frame), host)
    # uint8 from a FLOAT pass goes through the blit's conversion: clamped, within one step
    diff = np.abs(host_view(fake, frame8).astype(int) - host8.astype(int))
    assert diff.max() <= 1


def test_render_frames_cuda_pipelined(fake: FakeRuntime) -> None:
    times = [0.0, 0.5, 1.0, 1.5, 2.0]
    with oi.Renderer(SHADER, size=(32, 24)) as r:
        host = [f for _, f in r.render_frames(times, date=(2020, 1, 1, 0), pipeline=False)]
        fake.calls.clear()
        got = list(r.render_frames(times, date=(2020, 1, 1, 0), device="cuda"))
        assert r.frame_index == 2 * len(times)
    assert [t for t, _ in got] == times
    for (_, frame), expected in zip(got, host, strict=True):
        assert np.array_equal(host_view(fake, frame), expected)
    # pipelined: frame 2's copy is queued before frame 1 is waited for
    waits = [i for i, c in enumerate(fake.calls) if c == "cudaEventSynchronize"]
    copies = [i for i, c in enumerate(fake.calls) if c == "cudaMemcpy2DFromArrayAsync"]
    assert copies[1] < waits[0]
    assert fake.calls.count("cudaGraphicsGLRegisterImage") == 2   # two slots, registered once


def test_frames_own_their_memory(fake: FakeRuntime) -> None:
    with oi.Renderer(SHADER, size=(16, 16)) as r:
        frame = r.render(device="cuda")
        before = len(fake.memory)
        frame.free()
        assert len(fake.memory) == before - 1
        with pytest.raises(InputError, match="freed"):
            frame.__cuda_array_interface__  # noqa: B018
        second = r.render(device="cuda")
        del second
    assert fake.memory == {}


def test_cuda_errors_are_render_errors(fake: FakeRuntime) -> None:
    fake.fail = "cudaMemcpy2DFromArrayAsync"
    with oi.Renderer(SHADER, size=(16, 16)) as r:
        with pytest.raises(oi.RenderError, match="cudaMemcpy2DFromArrayAsync failed"):
            r.render(device="cuda")
        assert r.frame_index == 0   # the undelivered frame was taken back
        failed = fake.calls.index("cudaMemcpy2DFromArrayAsync")
        assert fake.calls[failed + 1] == "cudaGraphicsUnmapResources"   # unmapped even so


def test_release_frees_the_reader_on_a_shared_context(fake: FakeRuntime, ctx: oi.Context) -> None:
    """release() of one renderer on a shared context frees its CUDA reader at once: staging
    textures and framebuffers gone from the driver, registrations undone, stream destroyed;
    the other renderer's reader (and the context) untouched."""
    from offscreen_isf.gl import cuda
    from offscreen_isf.gl.lifecycle import State
    from tests.gl_probe import DriverProbe

    first, second = oi.Renderer(SHADER, (16, 8), context=ctx), oi.Renderer(SHADER, (16, 8), context=ctx)
    try:
        for r in (first, second):
            list(r.render_frames([0.0, 1.0], device="cuda"))   # both slots of each reader made
        readers = [cuda.reader_for(r) for r in (first, second)]
        names = [{(kind, n) for slot in reader.slots if slot is not None
                  for kind, n in (("texture", slot.target.texture), ("framebuffer", slot.target.framebuffer))}
                 for reader in readers]
        resources = [{slot.resource for slot in reader.slots if slot is not None} for reader in readers]
        probe = DriverProbe(ctx)
        before = probe.snapshot(names[0] | names[1])
        assert len(names[0]) == len(names[1]) == 4 and names[0] | names[1] <= before.driver
        fake.calls.clear()
        first.release()
        after = probe.snapshot(names[0] | names[1])
        assert not names[0] & after.driver, "the released renderer's staging objects are still alive"
        assert names[1] <= after.driver
        assert fake.calls.count("cudaGraphicsUnregisterResource") == 2 and "cudaStreamDestroy" in fake.calls
        assert set(fake.resources) == resources[1]     # only the other reader's registrations left
        assert ctx.state in (State.OPEN, State.CURRENT)   # the shared context stays open
        frame = second.render(2.0, device="cuda")       # the other renderer keeps working
        assert host_view(fake, frame).shape == (8, 16, 4)
    finally:
        first.release()
        second.release()
    assert fake.resources == {}


def test_isolated_renderer_refuses_cuda_before_sending(fake: FakeRuntime) -> None:
    """The worker-process renderer takes device= (the signatures match) and refuses "cuda"
    with a typed error naming the fix; nothing reaches the worker."""
    from offscreen_isf.errors import BackendError as Refusal
    from offscreen_isf.farm.isolate import IsolatedRenderer

    with IsolatedRenderer(SHADER, size=(8, 8), timeout=60) as r:
        pid = r.worker_pid
        for call in (lambda: r.render(1.0, device="cuda"),
                     lambda: r.render_frames([0.0, 1.0], device="cuda")):
            with pytest.raises(Refusal, match=r"isolated.*-> use an in-process Renderer \(isolate=False\)"):
                call()
        with pytest.raises(InputError, match="device must be"):
            r.render(device="gpu")
        assert r.frame_index == 0 and r.worker_pid == pid and r.restarts == 0
        assert r.render(0.5).shape == (8, 8, 4) and r.frame_index == 1   # still a working renderer
    assert fake.calls == []   # no CUDA call in this process either


def test_bad_device_and_out() -> None:
    with oi.Renderer(SHADER, size=(8, 8)) as r:
        with pytest.raises(InputError, match="device must be"):
            r.render(device="gpu")  # type: ignore[call-overload]
        with pytest.raises(InputError, match="out="):
            r.render(device="cuda", out=np.empty((8, 8, 4), np.uint8))  # type: ignore[call-overload]
        assert r.frame_index == 0


def test_cuda_on_a_cpu_rasteriser_is_a_backend_error() -> None:
    """Without the fake: llvmpipe/OSMesa get a clear BackendError before CUDA is imported."""
    with oi.Renderer(SHADER, size=(8, 8)) as r:
        vendor = f"{r.context.info.vendor} {r.context.info.renderer}".lower()
        if r.context.backend == "egl" and "nvidia" in vendor:
            pytest.skip("an NVIDIA EGL context: covered by test_real_cuda")
        with pytest.raises(BackendError, match="needs an NVIDIA EGL device; this context is"):
            r.render(device="cuda")
    assert "cuda.bindings.runtime" not in sys.modules or isinstance(sys.modules["cuda.bindings.runtime"],
                                                                     types.ModuleType)


def test_default_path_imports_nothing_cuda() -> None:
    from tests.conftest import run_child

    res = run_child("""
        import sys, offscreen_isf as oi
        with oi.Renderer('/*{}*/\\nvoid main(){gl_FragColor=vec4(1.0);}', size=(4, 4)) as r:
            r.render(); list(r.render_frames([0.0, 1.0]))
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('cuda', 'cupy', 'torch')
                     or m == 'offscreen_isf.gl.cuda'))
    """)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_real_cuda() -> None:
    """On an NVIDIA EGL device with the cuda extra: bit-identical to the host path."""
    pytest.importorskip("cuda.bindings.runtime")
    with oi.Renderer(SHADER, size=(1920, 1080)) as r:
        vendor = f"{r.context.info.vendor} {r.context.info.renderer}".lower()
        if r.context.backend != "egl" or "nvidia" not in vendor:
            pytest.skip("needs an NVIDIA EGL context")
        host = r.render(0.5)
        frame = r.render(0.5, device="cuda")
        cupy = pytest.importorskip("cupy")
        assert np.array_equal(cupy.asnumpy(cupy.asarray(frame)), host)
        taken = cupy.from_dlpack(frame)   # DLPack: the same memory, no copy
        assert taken.data.ptr == frame.ptr and np.array_equal(cupy.asnumpy(taken), host)


def test_backends_lists_each_egl_device() -> None:
    """``offscreen-isf backends``: one line per EGL device, in --device (CUDA) order."""
    import os
    import subprocess

    from tests.conftest import REPO

    env = {k: v for k, v in os.environ.items() if k != "PYOPENGL_PLATFORM"}
    env["OFFSCREEN_ISF_BACKEND"] = "egl"   # the listing needs this process bound to EGL
    proc = subprocess.run([sys.executable, "-m", "offscreen_isf.farm.cli", "backends"], capture_output=True,
                          text=True, cwd=REPO, check=False, timeout=120, env=env)
    if "egl     usable" not in proc.stdout:
        pytest.skip("EGL is not usable here")
    lines = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("--device ")]
    assert lines and lines[0].startswith("--device 0: EGL device")
    assert [int(line.split()[1].rstrip(":")) for line in lines] == list(range(len(lines)))
