"""A fake monotonic clock for the pacing, retry and timeout tests (no test sleeps for real)."""

from __future__ import annotations


class FakeClock:
    """Monotonic seconds, from ``start``, that only move when something sleeps or a test says so.

    Call it for the time; pass ``clock.sleep`` where real code would sleep: the wait is recorded
    in ``sleeps`` and the time moves on by it.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
