"""Hypothesis stateful model of the context lifecycle, run in a child process.

``python -m tests.lifecycle_machine N`` runs N random sequences of lifecycle operations
on the backend named by ``OFFSCREEN_ISF_BACKEND`` and prints a JSON summary.  The model
below is the specification, written independently of ``offscreen_isf.gl.lifecycle``: each
rule states when the operation is legal and what state follows.  Every illegal step must
raise ``LifecycleError`` (``ThreadError`` for the wrong thread); every legal draw must
produce the exact test pattern.  A segfault shows up as the child's exit status.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import offscreen_isf as oi
from offscreen_isf.errors import LifecycleError, ThreadError
from offscreen_isf.gl.testpattern import TestPattern, expected

STATS: Counter[str] = Counter()
SIZES = st.tuples(st.integers(1, 12), st.integers(1, 12))


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ctx = oi.Context()
        self.pattern = TestPattern(self.ctx)
        self.model = "NEW"
        self.targets: list = []
        STATS["sequences"] += 1

    def step(self, legal: bool, fn, next_state: str | None = None, error=LifecycleError):
        STATS["steps"] += 1
        if legal:
            result = fn()
            if next_state is not None:
                self.model = next_state
            return result
        try:
            fn()
        except error:
            STATS["illegal_rejected"] += 1
            return None
        raise AssertionError(f"illegal step was accepted in model state {self.model}")

    @initialize(open_first=st.sampled_from([True, True, True, False]))
    def start(self, open_first: bool) -> None:
        # Most sequences start open so that legal GL work is explored, not just refusals.
        if open_first:
            self.open()

    @rule()
    def open(self) -> None:
        self.step(self.model == "NEW", self.ctx.open, "OPEN")

    @rule()
    def make_current(self) -> None:
        self.step(self.model in ("OPEN", "CURRENT"), self.ctx.make_current, "CURRENT")

    @rule()
    def release(self) -> None:
        nxt = "LOST" if self.model == "LOST" else "OPEN"
        self.step(self.model in ("OPEN", "CURRENT", "LOST"), self.ctx.release, nxt)

    @rule()
    def close(self) -> None:
        self.step(True, self.ctx.close, "CLOSED")
        self.targets.clear()
        assert set(self.ctx.live_objects().values()) == {0}, self.ctx.live_objects()

    @rule()
    def reinitialize(self) -> None:
        self.step(self.model != "NEW", self.ctx.reinitialize, "OPEN")
        if self.model == "OPEN":
            self.targets.clear()  # stale now; releasing them is a no-op
            assert self.ctx.pool.stats()["idle"] == 0
            STATS["reinitialized"] += 1

    @rule()
    def lose(self) -> None:
        self.step(self.model in ("OPEN", "CURRENT", "LOST"), lambda: self.ctx.mark_lost("model"), "LOST")
        self.targets.clear()

    @rule(size=SIZES)
    def pool_acquire(self, size) -> None:
        target = self.step(self.model == "CURRENT", lambda: self.ctx.pool.acquire(*size))
        if target is not None:
            assert (target.width, target.height) == size
            self.targets.append(target)

    @precondition(lambda self: self.targets)
    @rule()
    def pool_release(self) -> None:
        self.step(self.model in ("OPEN", "CURRENT"), lambda: self.ctx.pool.release(self.targets.pop()))

    @rule()
    def pool_cleanup(self) -> None:
        idle = self.ctx.pool.stats()["idle"]
        freed = self.step(True, self.ctx.pool.cleanup)
        if self.model in ("OPEN", "CURRENT"):
            assert freed == 2 * idle and self.ctx.pool.stats()["idle"] == 0

    @rule(size=SIZES)
    def draw(self, size) -> None:
        img = self.step(self.model in ("OPEN", "CURRENT"), lambda: self.pattern.render(*size))
        if img is not None:
            assert (img == expected(*size)).all(), "wrong pixels"
            STATS["draws_checked"] += 1

    def _in_thread(self, fn) -> BaseException | None:
        box: list[BaseException] = []

        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - handed back to the main thread
                box.append(exc)

        t = threading.Thread(target=run)
        t.start()
        t.join()
        return box[0] if box else None

    @rule(size=SIZES)
    def draw_from_other_thread(self, size) -> None:
        def work() -> None:
            self.ctx.make_current()
            try:
                assert (self.pattern.render(*size) == expected(*size)).all()
            finally:
                self.ctx.release()

        STATS["steps"] += 1
        err = self._in_thread(work)
        if self.model == "OPEN":  # hand-over: legal, and the context comes back released
            assert err is None, repr(err)
            STATS["draws_checked"] += 1
        elif self.model == "CURRENT":
            assert isinstance(err, ThreadError), repr(err)
            STATS["illegal_rejected"] += 1
        else:
            assert isinstance(err, LifecycleError), repr(err)
            STATS["illegal_rejected"] += 1

    @rule()
    def gl_from_other_thread(self) -> None:
        STATS["steps"] += 1
        err = self._in_thread(lambda: self.ctx.gl)
        expected_type = ThreadError if self.model == "CURRENT" else LifecycleError
        assert isinstance(err, expected_type), repr(err)
        STATS["illegal_rejected"] += 1

    @invariant()
    def state_matches_model(self) -> None:
        assert self.ctx.state.value == self.model, (self.ctx.state, self.model)

    def teardown(self) -> None:
        if self.ctx.state.value == "CURRENT":
            self.ctx.release()
        self.ctx.close()
        assert set(self.ctx.live_objects().values()) == {0}


def main(count: int) -> int:
    run_state_machine_as_test(LifecycleMachine, settings=settings(
        max_examples=count, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    print(json.dumps(dict(STATS)))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
