"""Headless GL backends and their selection.

Selection order: an explicit name > ``OFFSCREEN_ISF_BACKEND`` > ``PYOPENGL_PLATFORM``
(``egl``, ``osmesa`` or ``darwin``: the convention pyrender and MuJoCo users bring) > the
platform default chain (macOS: ``cgl``; Linux and others: ``egl`` if libEGL is present and an
EGL display initialises, else ``osmesa``, with a :class:`BackendFallbackWarning` naming why).

PyOpenGL binds its platform once per process, at the first import of ``OpenGL.platform``
(driven by ``PYOPENGL_PLATFORM``).  :func:`load` therefore sets that variable *before*
anything imports OpenGL, and raises :class:`BackendError` when OpenGL was already bound to
another platform: one backend per process.  Use a child process for a second backend.

:func:`available` reports every backend; it probes each in a child process, so it is
safe to call from a process already bound to one backend (and a probe that crashes is
reported, not fatal).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import warnings
from typing import TYPE_CHECKING

from offscreen_isf.errors import BackendError

from .base import BackendContext, BackendInfo, BackendStatus

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["NAMES", "BackendFallbackWarning", "available", "resolve", "load", "bound", "BackendContext", "BackendInfo",
           "BackendStatus"]

#: Every backend: name -> (module, PYOPENGL_PLATFORM value, PyOpenGL platform class name).
BACKENDS: dict[str, tuple[str, str, str]] = {
    "egl": ("egl", "egl", "EGLPlatform"),
    "osmesa": ("osmesa", "osmesa", "OSMesaPlatform"),
    "cgl": ("cgl", "darwin", "DarwinPlatform"),
}
NAMES = tuple(BACKENDS)

#: Platform default chains (sys.platform prefix -> backends in order of preference).
DEFAULT_CHAIN: dict[str, tuple[str, ...]] = {"darwin": ("cgl",), "linux": ("egl", "osmesa")}
FALLBACK_CHAIN = ("egl", "osmesa")

ENV_BACKEND = "OFFSCREEN_ISF_BACKEND"
ENV_PLATFORM = "PYOPENGL_PLATFORM"
#: PYOPENGL_PLATFORM value -> backend name
PLATFORM_BACKENDS = {value: name for name, (_, value, _) in BACKENDS.items()}


class BackendFallbackWarning(RuntimeWarning):
    """The platform default skipped a backend whose library loads but cannot render here."""

_lock = threading.Lock()
_bound: str | None = None


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{BACKENDS[name][0]}")


def _check_name(name: str, source: str) -> str:
    key = name.strip().lower()
    if key not in BACKENDS:
        raise BackendError(f"unknown backend {name!r} (from {source})",
                           fix=f"choose one of: {', '.join(NAMES)}")
    return key


def _from_platform_variable() -> str | None:
    """The backend ``$PYOPENGL_PLATFORM`` names, None when unset; an unknown value is an error
    (PyOpenGL would bind it and every backend would then refuse)."""
    value = os.environ.get(ENV_PLATFORM, "").strip().lower()
    if not value:
        return None
    if value not in PLATFORM_BACKENDS:
        raise BackendError(f"{ENV_PLATFORM}={value!r} names no headless backend",
                           fix=f"set {ENV_PLATFORM} to one of {', '.join(PLATFORM_BACKENDS)}, or unset it")
    return PLATFORM_BACKENDS[value]


def resolve(name: str | None = None) -> str:
    """The backend name to use: explicit > $OFFSCREEN_ISF_BACKEND > $PYOPENGL_PLATFORM >
    platform chain.

    The platform chain picks the first backend whose system library is present and, for
    ``egl``, whose display initialises (:func:`egl.display_probe`, ctypes only: PyOpenGL is
    not bound); skipping one emits a :class:`BackendFallbackWarning` with the reason and fix.
    Raises :class:`BackendError` if none is usable.
    """
    if name:
        return _check_name(name, "argument")
    env = os.environ.get(ENV_BACKEND, "")
    if env:
        return _check_name(env, f"${ENV_BACKEND}")
    from_platform = _from_platform_variable()
    if from_platform is not None:
        return from_platform
    if _bound is not None:  # this process already chose; stay consistent
        return _bound
    chain = next((c for p, c in DEFAULT_CHAIN.items() if sys.platform.startswith(p)), FALLBACK_CHAIN)
    reasons: list[tuple[str, str, str]] = []
    for candidate in chain:
        module = _module(candidate)
        reason = module.probe()
        fix = module.FIX
        if reason is None and hasattr(module, "display_probe"):
            reason, fix = module.display_probe() or (None, fix)
        if reason is None:
            if reasons:
                skipped = "; ".join(f"{n}: {r} (fix: {f})" for n, r, f in reasons)
                warnings.warn(f"using backend {candidate!r}: {skipped}", BackendFallbackWarning,
                              stacklevel=2)
            return candidate
        reasons.append((candidate, reason, fix))
    raise BackendError("no headless GL backend is usable here ("
                       + "; ".join(f"{n}: {r}" for n, r, _ in reasons) + ")", fix=reasons[0][2])


def bound() -> str | None:
    """The backend this process has bound PyOpenGL to, or None."""
    return _bound


def _bind_pyopengl(name: str) -> None:
    """Make PyOpenGL use ``name``'s platform, or raise if it is already bound elsewhere."""
    _, env_value, class_name = BACKENDS[name]
    platform_module = sys.modules.get("OpenGL.platform")
    if platform_module is not None:
        current = type(getattr(platform_module, "PLATFORM", None)).__name__
        if current != class_name:
            raise BackendError(
                f"PyOpenGL is already bound to {current} in this process, backend {name!r} needs "
                f"{class_name}",
                fix=f"select the backend before anything imports OpenGL (set {ENV_BACKEND}={name} "
                f"or PYOPENGL_PLATFORM={env_value} at process start), or use one process per backend")
        return
    preset = os.environ.get(ENV_PLATFORM, "").strip().lower()
    if preset and preset != env_value:
        raise BackendError(f"PYOPENGL_PLATFORM={preset} conflicts with backend {name!r}",
                           fix=f"unset PYOPENGL_PLATFORM or set it to {env_value}")
    os.environ["PYOPENGL_PLATFORM"] = env_value


def load(name: str | None = None) -> type[BackendContext]:
    """Resolve, bind PyOpenGL to, and return the context class of a backend.

    The first successful call fixes the backend for the process; a later call for a
    different backend raises :class:`BackendError`.
    """
    global _bound
    with _lock:
        key = resolve(name)
        if _bound is not None and key != _bound:
            raise BackendError(
                f"this process already uses backend {_bound!r}; PyOpenGL binds one platform per "
                f"process, so {key!r} cannot be used here",
                fix=f"use a child process for {key!r} (multiprocessing with the 'spawn' start method)")
        module = _module(key)
        reason = module.probe()
        if reason is not None:
            raise BackendError(f"backend {key!r} is not available: {reason}", fix=module.FIX)
        _bind_pyopengl(key)
        cls: type[BackendContext] = module.Context
        _bound = key
        return cls


def _probe_in_child(name: str, timeout: float) -> BackendStatus:
    env = dict(os.environ)
    env.pop("PYOPENGL_PLATFORM", None)
    env[ENV_BACKEND] = name
    cmd = [sys.executable, "-m", "offscreen_isf.backends._probe", name]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return BackendStatus(name, False, reason=f"probe did not finish in {timeout:.0f} s",
                             fix="check the GPU driver; try OFFSCREEN_ISF_DEVICE=surfaceless")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return BackendStatus(name, False, reason=f"probe exited with status {proc.returncode}: {detail}",
                             fix=_module(name).FIX)
    data = json.loads(lines[-1])
    if not data.pop("ok"):
        return BackendStatus(name, False, reason=data["reason"], fix=data.get("fix", ""))
    return BackendStatus(name, True, info=BackendInfo(**data))


def available(timeout: float = 60.0) -> list[BackendStatus]:
    """One :class:`BackendStatus` per backend: usable (with GL strings) or why not and the fix.

    Each backend whose library is present is tried for real (a context is created) in a
    child process, so this works whatever this process has bound.
    """
    statuses = []
    for name in NAMES:
        module = _module(name)
        reason = module.probe()
        if reason is not None:
            statuses.append(BackendStatus(name, False, reason=reason, fix=module.FIX))
        else:
            statuses.append(_probe_in_child(name, timeout))
    return statuses
