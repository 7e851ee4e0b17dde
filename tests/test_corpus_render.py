"""The whole corpus rendered under the reference conditions, compared with VVISF-GL.

Runs ``python -m conformance.corpus`` (public API only) in a child process on this run's
backend.  Issue bar: >= 90% of comparable shaders with every frame >= 99% of pixels within
2/255.  Held here to a stricter bar: every shader passes except the documented, deliberate
divergences below.
"""

from __future__ import annotations

import json

import pytest

from .conftest import SHARED, run_child

pytestmark = [pytest.mark.gl, pytest.mark.slow]

#: shader -> why it differs from VVISF-GL on purpose (README "Known divergences").
KNOWN_DIVERGENCES = {
    "ISF-Files/ISF/Auto Levels.fs": "IMG_THIS_PIXEL on smaller targets: exact 1:1 here (DESIGN), "
                                    "VVISF-GL rounds the texture coordinate at the quad corners",
}


@pytest.mark.skipif(not (SHARED / "isf-references").is_dir(), reason="shared references absent")
def test_corpus_matches_reference(tmp_path) -> None:
    out = tmp_path / "corpus.json"
    proc = run_child(f"import sys; from conformance.corpus import main; sys.exit(main(['--json', {str(out)!r}]))")
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    summary = data["summary"]
    print(f"\ncorpus: {summary}")
    failing = {r["shader"]: (r["status"], r["frames"], r["detail"][:300])
               for r in data["results"] if r["status"] != "pass"}
    assert summary["comparable"] >= 350
    assert summary["pass_rate"] >= 0.90
    assert set(failing) <= set(KNOWN_DIVERGENCES), failing
