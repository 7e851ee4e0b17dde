"""Bad input raises a documented ISFError subclass whose message says what to do."""

from __future__ import annotations

import threading

import pytest

import offscreen_isf as oi
from offscreen_isf import backends
from offscreen_isf.gl.testpattern import TestPattern

from .conftest import run_child


def test_unknown_backend_name() -> None:
    with pytest.raises(oi.BackendError) as info:
        oi.Context("vulkan")
    assert "unknown backend 'vulkan'" in str(info.value)
    assert "egl, osmesa, cgl" in info.value.fix


def test_unknown_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFSCREEN_ISF_BACKEND", "glx")
    with pytest.raises(oi.BackendError, match=r"unknown backend 'glx' \(from \$OFFSCREEN_ISF_BACKEND\)"):
        backends.resolve()


def test_explicit_name_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFSCREEN_ISF_BACKEND", "osmesa")
    assert backends.resolve("EGL") == "egl"
    assert backends.resolve() == "osmesa"


def test_unavailable_backend_says_why() -> None:
    with pytest.raises(oi.BackendError) as info:
        oi.Context("cgl")
    assert "macOS" in str(info.value) and info.value.fix


@pytest.mark.gl
def test_second_backend_in_one_process_is_refused(ctx: oi.Context) -> None:
    other = "egl" if ctx.backend == "osmesa" else "osmesa"
    with pytest.raises(oi.BackendError) as info:
        oi.Context(other)
    assert "one platform per process" in str(info.value)
    assert "child process" in info.value.fix


@pytest.mark.gl
@pytest.mark.parametrize("backend_name", ["egl", "osmesa"])
def test_pyopengl_bound_elsewhere_first(backend_name: str) -> None:
    other = {"egl": "osmesa", "osmesa": "egl"}[backend_name]
    proc = run_child(f"""
import os
os.environ["PYOPENGL_PLATFORM"] = "{other}"
import OpenGL.GL                     # the user's code bound PyOpenGL first
del os.environ["PYOPENGL_PLATFORM"]
import offscreen_isf as oi
try:
    oi.Context("{backend_name}")
except oi.BackendError as exc:
    print("REFUSED", exc)
""", backend=backend_name)
    assert proc.returncode == 0, proc.stderr
    assert "REFUSED PyOpenGL is already bound to" in proc.stdout
    assert f"OFFSCREEN_ISF_BACKEND={backend_name}" in proc.stdout


def test_conflicting_pyopengl_platform_variable() -> None:
    proc = run_child("""
import offscreen_isf as oi
try:
    oi.Context("osmesa")
except oi.BackendError as exc:
    print("REFUSED", exc)
""", backend="osmesa", env={"PYOPENGL_PLATFORM": "glx"})
    assert proc.returncode == 0, proc.stderr
    assert "REFUSED PYOPENGL_PLATFORM=glx conflicts with backend 'osmesa'" in proc.stdout


@pytest.mark.gl
def test_impossible_gl_version(backend: str) -> None:
    with pytest.raises(oi.BackendError) as info:
        oi.Context(backend, gl_version=(9, 9)).open()
    assert "9.9" in str(info.value) and "supports" in info.value.fix
    with pytest.raises(oi.ResourceLimitError, match="GLSL 330"):
        oi.Context(backend, gl_version=(2, 1))


@pytest.mark.gl
def test_failed_open_leaves_context_new(backend: str) -> None:
    c = oi.Context(backend, gl_version=(9, 9))
    with pytest.raises(oi.BackendError):
        c.open()
    assert c.state is oi.State.NEW
    c.close()


@pytest.mark.gl
@pytest.mark.parametrize("size", [(0, 8), (8, 0), (-1, 8), (8, -5), (2.5, 8), (True, 8)])
def test_bad_sizes(ctx: oi.Context, size: tuple) -> None:
    with pytest.raises(oi.ResourceLimitError) as info:
        TestPattern(ctx).render(*size)
    assert "width" in str(info.value) or "height" in str(info.value)


@pytest.mark.gl
def test_size_above_max_texture_size(ctx: oi.Context) -> None:
    too_big = ctx.max_texture_size + 1
    assert ctx.max_texture_size >= 4096
    with pytest.raises(oi.ResourceLimitError, match=f"{too_big} is outside 1..{ctx.max_texture_size}"):
        TestPattern(ctx).render(too_big, 4)


@pytest.mark.gl
def test_wrong_thread(ctx: oi.Context) -> None:
    ctx.make_current()
    errors: list[BaseException] = []

    def other() -> None:
        for op in (lambda: ctx.gl, ctx.make_current, ctx.release, ctx.close, ctx.reinitialize):
            try:
                op()
            except oi.ThreadError as exc:
                errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 5
    assert all("release() on that thread first" in str(e) for e in errors)
    assert ctx.state is oi.State.CURRENT  # nothing changed


@pytest.mark.gl
def test_use_after_close(ctx: oi.Context) -> None:
    scene = TestPattern(ctx)
    scene.render(4, 4)
    ctx.close()
    with pytest.raises(oi.LifecycleError, match="state CLOSED.*reinitialize"):
        scene.render(4, 4)
    with pytest.raises(oi.LifecycleError):
        ctx.gl  # noqa: B018 - the property access itself must raise
    with pytest.raises(oi.LifecycleError):
        ctx.make_current()
    assert ctx.pool.cleanup() == 0


@pytest.mark.gl
def test_lost_context_only_allows_close_or_reinitialize(ctx: oi.Context) -> None:
    scene = TestPattern(ctx)
    scene.render(4, 4)
    ctx.mark_lost("simulated GL_CONTEXT_LOST")
    with pytest.raises(oi.ContextLostError, match="reinitialize"):
        scene.render(4, 4)
    ctx.reinitialize()
    assert scene.render(4, 4).shape == (4, 4, 4)
