"""Output-size cap and frame memory budget, checked before allocating."""

from __future__ import annotations

import json

import pytest

import offscreen_isf as oi
from offscreen_isf.errors import ResourceLimitError
from offscreen_isf.gl.limits import Limits, default_memory_budget, frame_bytes, parse_bytes
from offscreen_isf.isf.document import load


def shader(passes: list[dict], inputs: list[dict] | None = None) -> str:
    header = json.dumps({"INPUTS": inputs or [], "PASSES": passes})
    return f"/*{header}*/\nvoid main() {{ gl_FragColor = vec4(0.5); }}\n"


SCALED = shader([{"TARGET": "big", "WIDTH": "$WIDTH*$s", "HEIGHT": "$HEIGHT"}, {}],
                [{"NAME": "s", "TYPE": "float", "DEFAULT": 1, "MIN": 0, "MAX": 1e12}])


# -- pure arithmetic (no GL) --------------------------------------------------------------------

def test_parse_bytes() -> None:
    assert parse_bytes("512M") == 512 << 20 and parse_bytes("2G") == 2 << 30
    assert parse_bytes("1.5k") == 1536 and parse_bytes(1000) == 1000 and parse_bytes("8GiB") == 8 << 30
    for bad in ("lots", "0", "-1G", ""):
        with pytest.raises(ResourceLimitError):
            parse_bytes(bad)


def test_default_budget_from_env_and_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFSCREEN_ISF_MEMORY_BUDGET", "3G")
    assert default_memory_budget() == 3 << 30
    monkeypatch.delenv("OFFSCREEN_ISF_MEMORY_BUDGET")
    assert 0 < default_memory_budget()
    assert Limits().resolved(8192).max_size == (8192, 8192)
    assert Limits.make((100000, 50)).resolved(16384).max_size == (16384, 50)   # capped by GL


def test_frame_bytes_counts_persistent_twice_float_16_bytes() -> None:
    doc = load(shader([{"TARGET": "p", "PERSISTENT": True, "FLOAT": True, "WIDTH": 10, "HEIGHT": 10},
                       {"TARGET": "t", "WIDTH": 20, "HEIGHT": 5}, {}]))
    total, parts = frame_bytes(doc, (8, 4), {"p": (10, 10), "t": (20, 5)}, [(2, 2, 4)])
    assert total == 2 * 100 * 16 + 100 * 4 + 2 * 32 * 4 + 16
    assert any("persistent" in p for p in parts)


def test_size_expression_over_max_size_before_any_gl() -> None:
    """`$WIDTH*1000` and friends: the message gives the target, its size, the cap, the fix."""
    doc = load(SCALED)
    limits = Limits.make((4096, 4096), "1G")
    assert limits.frame_sizes(doc, (640, 360), {"s": 2}) == {"big": (1280, 360)}
    with pytest.raises(ResourceLimitError) as err:
        limits.frame_sizes(doc, (640, 360), {"s": 1000})
    text = str(err.value)
    assert "640000" in text and "4096" in text and "max_size" in text and "$WIDTH*$s" in text
    with pytest.raises(ResourceLimitError, match="inf"):
        limits.frame_sizes(doc, (640, 360), {"s": float("inf")})


def test_memory_budget_message() -> None:
    doc = load(shader([{"TARGET": "p", "PERSISTENT": True, "FLOAT": True}, {}]))
    with pytest.raises(ResourceLimitError) as err:
        Limits.make(None, "64M").resolved(16384).frame_sizes(doc, (2048, 2048), {})
    text = str(err.value)
    assert "MiB" in text and "64.0 MiB" in text and "memory_budget" in text
    assert "OFFSCREEN_ISF_MEMORY_BUDGET" in text and 'persistent target "p"' in text


# -- with GL: checked before allocating ---------------------------------------------------------

@pytest.mark.gl
def test_renderer_refuses_before_allocating(ctx: oi.Context) -> None:
    with oi.Renderer(SCALED, (64, 32), context=ctx, max_size=(512, 512), memory_budget="64M") as r:
        r.render(0.0)
        before = dict(ctx.live_objects()), ctx.pool.stats()["misses"]
        r.set_inputs(s=1000)               # 64000 px wide: over max_size
        with pytest.raises(ResourceLimitError, match="64000"):
            r.render(0.0)
        r.set_inputs(s=8)                  # 512 px: allowed
        r.render(0.0)
        r.set_inputs(s=1000)
        with pytest.raises(ResourceLimitError):
            r.render(0.0)
        assert ctx.pool.stats()["in_use"] == 0
        r.set_inputs(s=1)
        r.render(0.0)
        assert ctx.live_objects()["framebuffer"] <= before[0]["framebuffer"] + 2


@pytest.mark.gl
def test_renderer_memory_budget_and_output_cap(ctx: oi.Context) -> None:
    doc = shader([{"TARGET": "p", "PERSISTENT": True, "FLOAT": True}, {}])
    with pytest.raises(ResourceLimitError, match="max_size"):
        oi.Renderer(doc, (800, 600), context=ctx, max_size=(640, 640))
    with oi.Renderer(doc, (256, 256), context=ctx, memory_budget=256 * 256 * 16) as r:
        misses = ctx.pool.stats()["misses"]
        with pytest.raises(ResourceLimitError, match="memory budget"):
            r.render(0.0)
        assert ctx.pool.stats()["misses"] == misses          # nothing was allocated
    with oi.Renderer(doc, (256, 256), context=ctx, memory_budget="8M") as r:
        assert r.render(0.0).shape == (256, 256, 4)
    assert ctx.pool.stats()["in_use"] == 0


@pytest.mark.gl
def test_default_max_size_is_gl_max_texture_size(ctx: oi.Context) -> None:
    with oi.Renderer(SCALED, (64, 32), context=ctx) as r:
        assert r.limits.max_size == (ctx.max_texture_size, ctx.max_texture_size)
        r.set_inputs(s=1e6)
        with pytest.raises(ResourceLimitError, match="GL_MAX_TEXTURE_SIZE"):
            r.render(0.0)
