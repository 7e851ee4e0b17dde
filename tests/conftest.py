"""Shared test helpers.

GL tests (marker ``gl``) use the backend named by ``OFFSCREEN_ISF_BACKEND`` (default:
the platform default).  PyOpenGL binds one platform per process, so ``make test`` runs
the GL tests once per backend, in separate pytest processes.  Anything that could crash
runs in a child process (:func:`run_child`) so a segfault is a failed assertion.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "isf-corpus"
#: Skip marker for tests that read the shared ISF corpus (CI has it beside the clone).
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
CHILD_TIMEOUT = float(os.environ.get("OFFSCREEN_ISF_TEST_CHILD_TIMEOUT", "600"))


def backend_name() -> str:
    from offscreen_isf import backends

    return backends.resolve(None)


def run_child(code: str, *, backend: str | None = None, env: dict[str, str] | None = None,
              timeout: float = CHILD_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter on ``backend`` (default: this run's backend)."""
    child_env = dict(os.environ)
    child_env.pop("PYOPENGL_PLATFORM", None)
    child_env["OFFSCREEN_ISF_BACKEND"] = backend or backend_name()
    child_env["PYTHONFAULTHANDLER"] = "1"
    if env:
        child_env.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=child_env, cwd=REPO, check=False)


@pytest.fixture(scope="session")
def backend() -> str:
    return backend_name()


@pytest.fixture
def ctx(backend: str):
    from offscreen_isf import Context

    context = Context(backend).open()
    yield context
    if context.state.value == "CURRENT":
        context.release()
    context.close()
