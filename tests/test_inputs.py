"""ISF input types table and value rules (docs/semantics.md, "Inputs")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offscreen_isf.errors import InputError, ParseError
from offscreen_isf.isf.inputs import (
    IMAGE_LIKE_TYPES,
    INPUT_TYPES,
    SIZE_VARIABLE_TYPES,
    coerce_value,
    input_summary,
    parse_input,
)


def parse(entry: dict, strict: bool = False):
    msgs: list[str] = []
    inp = parse_input(entry, 3, msgs.append, strict)
    return inp, msgs


def test_table_covers_spec_types() -> None:
    """The nine v2 input types, VVISF-GL's cube, and their GLSL uniform types."""
    assert {n: t.glsl for n, t in INPUT_TYPES.items()} == {
        "event": "bool", "bool": "bool", "long": "int", "float": "float", "point2D": "vec2",
        "color": "vec4", "image": "sampler2D", "audio": "sampler2D", "audioFFT": "sampler2D",
        "cube": "samplerCube"}
    assert IMAGE_LIKE_TYPES == {"image", "audio", "audioFFT", "cube"}
    assert SIZE_VARIABLE_TYPES == {"event", "bool", "long", "float"}


# -- float --------------------------------------------------------------------------------------

def test_float_missing_default_is_midpoint() -> None:
    """float: DEFAULT missing ⇒ (MIN+MAX)/2; no MIN/MAX ⇒ 0..1."""
    inp, _ = parse({"NAME": "a", "TYPE": "float", "MIN": 2, "MAX": 6})
    assert (inp.min, inp.max, inp.default) == (2.0, 6.0, 4.0)
    inp, _ = parse({"NAME": "a", "TYPE": "float"})
    assert (inp.min, inp.max, inp.default) == (0.0, 1.0, 0.5)


def test_float_default_clamped() -> None:
    """float: a present DEFAULT is clamped to [MIN, MAX] (VVISF-GL order)."""
    inp, msgs = parse({"NAME": "a", "TYPE": "float", "MIN": 0, "MAX": 1, "DEFAULT": 5})
    assert inp.default == 1.0 and any("clamped" in m for m in msgs)
    inp, _ = parse({"NAME": "a", "TYPE": "float", "MIN": 0, "MAX": 1, "DEFAULT": -3})
    assert inp.default == 0.0
    # MIN > MAX (corpus: Radial Spectrogram.fs): VVISF-GL checks < MIN first
    inp, msgs = parse({"NAME": "a", "TYPE": "float", "MIN": 1, "MAX": 0.05, "DEFAULT": 0.001})
    assert inp.default == 1.0 and any("greater than MAX" in m for m in msgs)
    inp, _ = parse({"NAME": "a", "TYPE": "float", "MIN": 1, "MAX": 0.05, "DEFAULT": 3})
    assert inp.default == 0.05


def test_float_single_bound_dropped() -> None:
    """float: only one of MIN/MAX ⇒ both dropped (then 0..1)."""
    inp, msgs = parse({"NAME": "a", "TYPE": "float", "MIN": 5, "DEFAULT": 0.3})
    assert (inp.min, inp.max, inp.default) == (0.0, 1.0, 0.3)
    assert any("both ignored" in m for m in msgs)


def test_float_wrong_type_warns_or_raises() -> None:
    """A string DEFAULT is ignored like VVISF-GL, with a precise message;
    strict mode raises it as ParseError."""
    inp, msgs = parse({"NAME": "amount", "TYPE": "float", "DEFAULT": "abc"})
    assert inp.default == 0.5
    assert any('INPUTS[3] "amount": DEFAULT must be a number, got "abc"' in m for m in msgs)
    with pytest.raises(ParseError) as ei:
        parse({"NAME": "amount", "TYPE": "float", "DEFAULT": "abc"}, strict=True)
    assert str(ei.value) == 'INPUTS[3] "amount": DEFAULT must be a number, got "abc"'


# -- bool / event / long --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, want", [(True, True), (False, False), (1, True), (0, False),
                                       (0.5, True), (-1, False)])
def test_bool_default_forms(raw, want) -> None:
    """bool: DEFAULT JSON bool or number (>0 ⇒ true)."""
    inp, _ = parse({"NAME": "b", "TYPE": "bool", "DEFAULT": raw})
    assert inp.default is want


def test_bool_missing_default_is_true() -> None:
    """bool: missing DEFAULT ⇒ true (VVISF-GL)."""
    inp, _ = parse({"NAME": "b", "TYPE": "bool"})
    assert inp.default is True and (inp.min, inp.max) == (False, True)


def test_event_has_no_values() -> None:
    inp, _ = parse({"NAME": "e", "TYPE": "event", "DEFAULT": True})
    assert inp.default is False and inp.glsl_type == "bool"


def test_long_values_labels() -> None:
    """long: VALUES+LABELS of equal length form a pop-up; DEFAULT truncates, no clamp."""
    inp, _ = parse({"NAME": "m", "TYPE": "long", "VALUES": [0, 1, 2.7], "LABELS": ["a", "b", "c"],
                    "DEFAULT": 9.9})
    assert inp.values == (0, 1, 2) and inp.labels == ("a", "b", "c") and inp.default == 9
    inp, msgs = parse({"NAME": "m", "TYPE": "long", "VALUES": [0, 1], "LABELS": ["a"]})
    assert inp.values is None and any("equal length" in m for m in msgs)
    with pytest.raises(ParseError, match="VALUES must be an array of numbers"):
        parse({"NAME": "m", "TYPE": "long", "VALUES": [0, "x"], "LABELS": ["a", "b"]})


def test_long_defaults_and_range() -> None:
    """long: no DEFAULT ⇒ 0; MIN/MAX ints, only together."""
    inp, _ = parse({"NAME": "n", "TYPE": "long", "MIN": 1.9, "MAX": 10})
    assert (inp.default, inp.min, inp.max) == (0, 1, 10)
    inp, _ = parse({"NAME": "n", "TYPE": "long", "MAX": 10})
    assert (inp.min, inp.max) == (None, None)
    with pytest.raises(ParseError, match="32-bit"):
        parse({"NAME": "n", "TYPE": "long", "DEFAULT": 2 ** 40})


# -- point2D / color / images ------------------------------------------------------------------

def test_point_and_color() -> None:
    """point2D/color: arrays of 2/4 numbers; defaults (0,0) / (0,0,0,0); color range fixed."""
    p, _ = parse({"NAME": "p", "TYPE": "point2D", "DEFAULT": [3, 4], "MIN": [0, 0], "MAX": [10, 10]})
    assert p.default == (3.0, 4.0) and p.max == (10.0, 10.0)
    p, _ = parse({"NAME": "p", "TYPE": "point2D"})
    assert p.default == (0.0, 0.0) and p.min is None
    c, _ = parse({"NAME": "c", "TYPE": "color", "DEFAULT": [1, 0.5, 0, 1]})
    assert c.default == (1.0, 0.5, 0.0, 1.0) and c.min == (0, 0, 0, 0) and c.max == (1, 1, 1, 1)
    c, msgs = parse({"NAME": "c", "TYPE": "color", "DEFAULT": [1, 0.5, 0]})
    assert c.default == (0.0, 0.0, 0.0, 0.0) and msgs  # wrong length: ignored + warning
    with pytest.raises(ParseError, match="array of 4 numbers"):
        parse({"NAME": "c", "TYPE": "color", "DEFAULT": [1, 0.5, "x", 1]})


def test_audio_max() -> None:
    a, _ = parse({"NAME": "w", "TYPE": "audio", "MAX": 256})
    assert a.max == 256 and a.is_image
    a, _ = parse({"NAME": "w", "TYPE": "audioFFT"})
    assert a.max is None


def test_unknown_type_skipped_with_warning() -> None:
    """Unknown TYPE ⇒ input skipped + warning, even when strict."""
    for strict in (False, True):
        inp, msgs = parse({"NAME": "x", "TYPE": "text"}, strict)
        assert inp is None and any('unknown TYPE "text"' in m for m in msgs)


def test_malformed_entries() -> None:
    for entry in (3, {"TYPE": "float"}, {"NAME": 1, "TYPE": "float"}, {"NAME": "a"}):
        inp, msgs = parse(entry)  # type: ignore[arg-type]
        assert inp is None and msgs
        with pytest.raises(ParseError):
            parse(entry, strict=True)  # type: ignore[arg-type]


# -- coercion -------------------------------------------------------------------------------------

def test_coerce_scalars() -> None:
    """Value types: bool from numbers (>0), long truncates, float finite."""
    b, _ = parse({"NAME": "b", "TYPE": "bool"})
    assert coerce_value(b, 0) is False and coerce_value(b, 2.5) is True
    assert coerce_value(b, np.bool_(True)) is True
    n, _ = parse({"NAME": "n", "TYPE": "long", "MIN": 0, "MAX": 5})
    assert coerce_value(n, 3.9) == 3 and coerce_value(n, -3.9) == -3
    assert coerce_value(n, 99) == 99 and coerce_value(n, 99, clamp=True) == 5
    f, _ = parse({"NAME": "f", "TYPE": "float", "MIN": 0, "MAX": 1})
    assert coerce_value(f, np.float32(0.25)) == 0.25
    assert coerce_value(f, 7) == 7.0 and coerce_value(f, 7, clamp=True) == 1.0
    for bad in ("0.5", None, math.nan, math.inf, True, [1]):
        with pytest.raises(InputError, match='"f"'):
            coerce_value(f, bad)


def test_coerce_long_labels() -> None:
    n, _ = parse({"NAME": "mode", "TYPE": "long", "VALUES": [10, 20], "LABELS": ["lo", "hi"]})
    assert coerce_value(n, "hi") == 20
    with pytest.raises(InputError, match="lo"):
        coerce_value(n, "mid")
    with pytest.raises(InputError, match="one of"):
        coerce_value(n, 15, clamp=True)


def test_coerce_vectors() -> None:
    p, _ = parse({"NAME": "p", "TYPE": "point2D"})
    assert coerce_value(p, np.array([1, 2])) == (1.0, 2.0)
    with pytest.raises(InputError, match="2 numbers"):
        coerce_value(p, (1, 2, 3))
    c, _ = parse({"NAME": "c", "TYPE": "color"})
    assert coerce_value(c, (1, 0, 0)) == (1.0, 0.0, 0.0, 1.0)
    assert coerce_value(c, (2, -1, 0.5, 1), clamp=True) == (1.0, 0.0, 0.5, 1.0)
    with pytest.raises(InputError):
        coerce_value(c, "red")


def test_coerce_images_pass_through() -> None:
    img, _ = parse({"NAME": "inputImage", "TYPE": "image"})
    arr = np.zeros((2, 2, 4), np.uint8)
    assert coerce_value(img, arr) is arr and coerce_value(img, "x.png") == "x.png"


def test_summary_mentions_range() -> None:
    f, _ = parse({"NAME": "f", "TYPE": "float", "MIN": 0, "MAX": 2})
    assert "range=[0.0, 2.0]" in input_summary(f) and "default=1.0" in input_summary(f)


def test_to_rgba_refills_a_reusable_buffer_without_touching_the_source() -> None:
    """Renderer.set_inputs refills the previous pixel buffer (no allocation per video frame):
    bottom-up copy into ``reuse`` when shape and dtype fit, a new array otherwise."""
    import numpy as np

    from offscreen_isf.media.images import to_rgba

    rng = np.random.default_rng(1)
    first = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    second = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    kept = second.copy()
    buf = to_rgba(first, bottom_up=True)
    again = to_rgba(second, bottom_up=True, reuse=buf)
    assert again is buf
    np.testing.assert_array_equal(again, second[::-1])
    np.testing.assert_array_equal(second, kept)                      # source untouched
    rgb = rng.integers(0, 256, (3, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_rgba(rgb, reuse=buf)[..., :3], rgb)   # 3 -> 4 channels in place
    other = to_rgba(rng.random((2, 5, 4)), bottom_up=True, reuse=buf)      # other shape and dtype
    assert other is not buf and other.dtype == np.float32
    assert to_rgba(buf, reuse=buf) is not buf                        # never into its own source
