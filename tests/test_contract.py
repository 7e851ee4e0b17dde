"""The renderer contract (offscreen_isf.contract): RenderSettings, check_time, RendererProtocol.

Pure Python, no GL: the end-to-end checks (an option reaching the isolated worker's and a Dask
worker's Renderer) are in test_isolation.py and test_distributed.py.
"""

from __future__ import annotations

import dataclasses
import pickle
from fractions import Fraction

import numpy as np
import pytest

import offscreen_isf as oi
from offscreen_isf.contract import (
    DEFAULT_TIMEOUT,
    FIELD_NAMES,
    RendererProtocol,
    RenderSettings,
    check_time,
    cli_fields,
)


def test_defaults_and_normalisation() -> None:
    s = RenderSettings()
    assert s.size == (640, 360) and s.backend is None and s.clamp and not s.isolate
    assert s.timeout == DEFAULT_TIMEOUT and s.transport == "shm" and s.allow_paths == ()
    n = RenderSettings(size=[np.int64(3), 4], max_size=32, allow_paths=["a", "b"],
                       isolate=True, worker_env={"B": "2", "A": "1"})
    assert n.size == (3, 4) and type(n.size[0]) is int
    assert n.max_size == (32, 32) and n.allow_paths == ("a", "b")
    assert n.worker_env == (("A", "1"), ("B", "2")) and n.worker_environment() == {"A": "1", "B": "2"}


@pytest.mark.parametrize("options, error, match", [
    (dict(size=(0, 4)), oi.ResourceLimitError, "width must be a positive"),
    (dict(size=(True, 4)), oi.ResourceLimitError, "positive integer"),
    (dict(size=5), oi.ResourceLimitError, r"\(width, height\)"),
    (dict(max_size=(0, 1)), oi.ResourceLimitError, "max_size"),
    (dict(memory_budget=-1), oi.ResourceLimitError, "memory_budget"),
    (dict(clamp="yes"), oi.InputError, "clamp must be True or False"),
    (dict(backend=3), oi.InputError, "backend"),
    (dict(allow_paths="/tmp"), oi.InputError, "list of folders"),
    (dict(isolate=True, timeout=0), oi.InputError, "timeout must be a positive"),
    (dict(isolate=True, timeout=True), oi.InputError, "timeout must be a positive"),
    (dict(isolate=True, transport="udp"), oi.InputError, "transport must be"),
    (dict(isolate=True, worker_env={"A": 1}), oi.InputError, "worker_env"),
    (dict(timeout=3), oi.InputError, "need.*isolate=True"),
    (dict(transport="pipe"), oi.InputError, "need.*isolate=True"),
    (dict(sizes=(3, 3)), oi.InputError, "unknown renderer option.*sizes.*valid: allow_paths"),
])
def test_each_field_is_validated_in_one_place(options: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        RenderSettings.from_options(**options)


def test_from_options_replace_and_round_trips() -> None:
    s = RenderSettings.from_options(size=(16, 9), isolate=True, timeout=None, draw_flipped=True,
                                    memory_budget="512M", input_root="/srv/in")
    assert s.timeout is None and s.resolved_start_timeout is None
    assert RenderSettings.from_options(**s.options()) == s
    assert pickle.loads(pickle.dumps(s)) == s and hash(pickle.loads(pickle.dumps(s))) == hash(s)
    t = s.replace(timeout=5)
    assert t.timeout == 5.0 and t.resolved_start_timeout == DEFAULT_TIMEOUT and s.timeout is None
    with pytest.raises(oi.InputError, match="unknown renderer option"):
        s.replace(colour=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.size = (1, 1)  # type: ignore[misc]
    inner = s.in_process()
    assert not inner.isolate and inner.timeout == DEFAULT_TIMEOUT and inner.draw_flipped
    # explicit "no deadline" is harmless without isolation (it is what an in-process render has)
    assert RenderSettings.from_options(timeout=None) == RenderSettings()


def test_cli_flags_come_from_the_fields() -> None:
    flags = dict(cli_fields())
    assert set(flags) <= set(FIELD_NAMES)
    assert {f.flag for f in flags.values()} >= {"--size", "--backend", "--draw-flipped", "--isolate",
                                                "--timeout", "--max-size", "--memory-budget", "--root",
                                                "--allow-path"}


@pytest.mark.parametrize("good, seconds", [(0, 0.0), (1.5, 1.5), (np.float32(0.5), 0.5),
                                           (np.int64(2), 2.0), (Fraction(1, 4), 0.25)])
def test_check_time_accepts_finite_reals(good: object, seconds: float) -> None:
    assert check_time(good) == seconds and type(check_time(good)) is float


@pytest.mark.parametrize("bad", [True, np.bool_(False), float("nan"), -float("inf"), "0", None, [0.0], 1j])
def test_check_time_refuses_everything_else(bad: object) -> None:
    with pytest.raises(oi.InputError, match="time must be a finite number of seconds"):
        check_time(bad)


def test_protocol_is_runtime_checkable_and_exported() -> None:
    assert oi.RendererProtocol is RendererProtocol and oi.RenderSettings is RenderSettings
    assert not isinstance(object(), RendererProtocol)
    assert {"open_renderer", "RenderSettings", "RendererProtocol", "IsolatedRenderer"} <= set(oi.__all__)
