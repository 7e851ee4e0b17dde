"""Own conformance cases: one ISF file per rule (``<name>.fs``, sometimes ``<name>.vs``)
and its oracle in :mod:`conformance.cases.oracles`.

A :class:`Case` says how to render the file (size, frames with time / date / inputs) and
what every frame must be: an expected float image (NaN = not checked) that the RGBA8 output
must match within :data:`conformance.oracle.U8_TIES_LSB`, or a float32 output within
``atol``.  Oracles are computed from the rule in numpy, never from a rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CASES_DIR = Path(__file__).resolve().parent

#: the date every case renders with unless a frame says otherwise (y, m, d, seconds)
DEFAULT_DATE = (2024, 1, 1, 43200.0)


@dataclass
class Frame:
    """One render call: inputs set before it, its time/date, and the expected image."""

    expected: np.ndarray                   # (H, W, 4) float64, top row first, NaN = unchecked
    time: float = 0.0
    date: tuple[float, float, float, float] = DEFAULT_DATE
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    """A rule, the ISF file that exercises it, and its oracle."""

    name: str                              # file stem in conformance/cases/
    category: str
    rule: str                              # the rule in a few words (docs/semantics.md)
    size: tuple[int, int]                  # output (width, height)
    frames: list[Frame]
    dtype: str = "uint8"                   # "uint8": compare RGBA8; "float32": compare floats
    tolerance_lsb: int = 1                 # uint8: allowed difference (RGBA8 rounding ties)
    atol: float = 1e-5                     # float32: allowed absolute difference
    default_dtype: str | None = None       # if set: render(dtype=None) must return this dtype
    files: dict[str, np.ndarray] = field(default_factory=dict)   # relpath -> uint8 RGBA image
    xfail: str | None = None               # known renderer bug: reason (issue text)

    @property
    def fs(self) -> Path:
        """The case's fragment shader file."""
        return CASES_DIR / f"{self.name}.fs"


_REGISTRY: dict[str, Callable[[], Case]] = {}


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    """Register an oracle function; its name (minus a leading ``case_``) is the file stem."""
    _REGISTRY[fn.__name__.removeprefix("case_")] = fn
    return fn


def all_cases() -> list[Case]:
    """Every registered case, sorted by category then name; checks each has its .fs file
    and every .fs file has an oracle."""
    from . import oracles  # noqa: F401  (registers the cases)

    built = [fn() for fn in _REGISTRY.values()]
    for c, key in zip(built, _REGISTRY, strict=True):
        if c.name != key:
            raise ValueError(f"oracle {key!r} describes case {c.name!r}")
    stems = {p.stem for p in CASES_DIR.glob("*.fs")}
    missing = sorted(set(_REGISTRY) - stems)
    orphans = sorted(stems - set(_REGISTRY))
    if missing or orphans:
        raise ValueError(f"cases without .fs: {missing}; .fs without oracle: {orphans}")
    return sorted(built, key=lambda c: (c.category, c.name))
