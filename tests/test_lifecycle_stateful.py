"""Random lifecycle sequences (hypothesis stateful) in a child process per backend."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import REPO, run_child

SEQUENCES = int(os.environ.get("OFFSCREEN_ISF_LIFECYCLE_SEQUENCES", "500"))


@pytest.mark.gl
def test_random_lifecycle_sequences_never_crash() -> None:
    proc = run_child(f"import runpy, sys; sys.argv = ['m', '{SEQUENCES}']; "
                     "runpy.run_module('tests.lifecycle_machine', run_name='__main__')")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["sequences"] >= SEQUENCES
    # The run explored both sides: legal GL work with checked pixels, and refusals.
    assert stats["draws_checked"] >= SEQUENCES // 2
    assert stats["illegal_rejected"] >= SEQUENCES
    assert stats["reinitialized"] >= SEQUENCES // 2
    print(f"\n{REPO.name}: lifecycle sequences {stats}")
