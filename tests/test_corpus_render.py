"""The whole corpus rendered under every reference set's conditions, compared with VVISF-GL.

Runs ``python -m conformance --corpus`` (public API only) in a child process on this run's
backend, against every set under ``shared/isf-references``.  The bar, per set: >= 97% of
comparable shaders with every frame >= 99% of pixels
within 2/255, and every failing shader explained in ``conformance/known-differences.json``
(reason + evidence), within the relaxed bar that entry gives.
"""

from __future__ import annotations

import json

import pytest

from conformance.corpus import known_for, load_known_differences, reference_sets

from .conftest import run_child

pytestmark = [pytest.mark.gl, pytest.mark.slow]


def test_known_differences_are_documented() -> None:
    for shader, entry in load_known_differences().items():
        assert shader.endswith(".fs") and entry["expect"] == "mismatch"
        assert len(entry["reason"]) > 40 and len(entry["evidence"]) > 40


def test_reference_sets_found() -> None:
    sets = reference_sets()
    if not sets:
        pytest.skip("shared references absent")
    assert all((s / "conditions.json").is_file() for s in sets)
    assert len({s.name for s in sets}) == len(sets)


@pytest.mark.skipif(not reference_sets(), reason="shared references absent")
def test_corpus_matches_reference(tmp_path) -> None:
    proc = run_child(f"import sys; from conformance.__main__ import main; "
                     f"sys.exit(main(['--corpus', '--no-cases', '--images', 'none', '-q', '--out', {str(tmp_path)!r}]))")
    data = json.loads((tmp_path / "summary.json").read_text())
    summary = data["summary"]["corpus"]
    print(f"\n{proc.stdout.strip()}")
    assert set(summary["sets"]) == {s.name for s in reference_sets()}
    for name, per_set in summary["sets"].items():
        failing = {r["shader"]: (r["status"], [f["within"] for f in r["frames"]], r["detail"][:300])
                   for r in data["corpus"] if r["status"] != "pass" and r["reference_set"] == name}
        known = known_for(load_known_differences(), name)
        assert per_set["comparable"] >= 350, name
        assert per_set["pass_rate"] >= 0.97, (name, failing)
        assert set(failing) <= set(known), (name, failing)
        assert all(status == "known" for status, _, _ in failing.values()), (name, failing)
    assert not summary["unexplained"]
    assert not summary["stale_known_differences"], "remove entries that pass now"
    assert proc.returncode == 0, proc.stderr[-3000:]
