"""The conformance suite's own rule cases (``conformance/cases``), on this run's backend.

All cases run once, in a child process (``python -m conformance``), and each case is one
test item here, so a failure names its rule.  Oracles come from the rules (numpy), never
from a rendering; a mutated oracle must fail (the comparison has teeth).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conformance.cases import all_cases
from conformance.oracle import metrics, sample_linear, target_size, u8

from .conftest import run_child

CASES = all_cases()


def test_case_table_is_complete() -> None:
    """>= 60 cases, each with its own .fs, covering every category of rule."""
    assert len(CASES) >= 60
    need = {"inputs", "img", "coords", "passes", "float", "size", "time", "events", "imported",
            "vertex", "v1", "audio", "transition"}
    assert need <= {c.category for c in CASES}
    for c in CASES:
        assert c.fs.is_file() and c.frames and c.rule
        for fr in c.frames:
            assert fr.expected.shape == (c.size[1], c.size[0], 4), c.name


def test_oracle_helpers() -> None:
    """The helpers follow the rules they cite (no GL)."""
    assert u8([0.0, 1.0, 2.0, -1.0, 0.2]).tolist() == [0, 255, 255, 0, 51]
    assert [target_size(v) for v in (2.5, 0.2, 1.47, 3.5, -4)] == [3, 1, 1, 4, 1]
    img = np.array([[[0, 0, 0, 255], [200, 0, 0, 255]]], np.uint8)
    assert sample_linear(img, 0.5, 0.5)[0] == pytest.approx(100 / 255)
    assert sample_linear(img, 0.0, 0.0)[0] == 0.0        # clamp to edge
    m = metrics(np.full((2, 2, 4), 10, np.uint8), np.full((2, 2, 4), 13, np.uint8), 2)
    assert (m.max_abs, m.share_off) == (3, 1.0)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("conformance")
    proc = run_child(f"import sys; from conformance.__main__ import main; "
                     f"sys.exit(main(['--out', {str(out)!r}, '-q']))")
    summary = out / "summary.json"
    assert summary.is_file(), proc.stderr[-3000:]
    print(proc.stdout.strip())
    return {c["name"]: c for c in json.loads(summary.read_text())["cases"]}


@pytest.mark.gl
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, results: dict[str, dict[str, Any]]) -> None:
    got = results[case.name]
    if case.xfail:
        pytest.xfail(case.xfail)
    assert got["status"] == "pass", f"{case.rule}: {got['detail']}"
    assert len(got["frames"]) == len(case.frames)


@pytest.mark.gl
def test_mutated_oracles_fail(tmp_path: Path) -> None:
    """Flipping an oracle upside down, or moving it by 2/255, makes the case fail."""
    code = """
import json, sys, tempfile
from pathlib import Path
import numpy as np
import offscreen_isf as oi
from conformance.cases import all_cases
from conformance.runner import run_case
cases = {c.name: c for c in all_cases()}
out = {}
with oi.Context() as ctx, tempfile.TemporaryDirectory() as tmp:
    c = cases["coords_frag_norm_coord"]
    for fr in c.frames:
        fr.expected = fr.expected[::-1].copy()
    out["flipped"] = run_case(c, ctx, Path(tmp)).status
    c = cases["inputs_float_default_clamp"]
    for fr in c.frames:
        fr.expected = fr.expected + 2 / 255
    out["shifted"] = run_case(c, ctx, Path(tmp)).status
    c = cases["float_last_pass_output"]
    for fr in c.frames:
        fr.expected = fr.expected + 1e-3
    out["float"] = run_case(c, ctx, Path(tmp)).status
print(json.dumps(out))
"""
    proc = run_child(code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"flipped": "fail", "shifted": "fail", "float": "fail"}
