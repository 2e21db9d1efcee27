"""Pacing (sliding window, concurrency) and retries (Retry-After first) on a fake clock."""

from __future__ import annotations

import threading

import pytest

from ar_sync.errors import FatalSourceError, RetriableSourceError
from ar_sync.sync.pacing import RateLimits, RequestPacer
from ar_sync.sync.retry import RetryPolicy, call_with_retries
from tests.clocks import FakeClock


def test_sixty_one_calls_wait_for_the_window_to_slide():
    clock = FakeClock(start=1000.0)
    pacer = RequestPacer(RateLimits(per_window=60, window_seconds=60, concurrent=5),
                         clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(61):
        with pacer.slot():
            starts.append(clock.now)
            clock.now += 0.25  # each call takes a quarter of a second
    assert starts[59] == 1000.0 + 59 * 0.25
    assert starts[60] == 1060.0  # the 61st waits until the first call is a minute old
    assert pacer.waited_seconds == pytest.approx(60 - 60 * 0.25)
    # No 60-second window holds more than 60 call starts.
    assert all(
        sum(1 for s in starts if begin <= s < begin + 60) <= 60 for begin in starts
    )


def test_a_spent_budget_waits_only_until_our_oldest_call_leaves_the_window():
    # The ledger's minute window was shared (``connect`` made calls just before the sync): it
    # says 0 remaining after our 50th call at 12.25 s. The next call waits until our first
    # call is a minute old (60 s), not a whole minute from now (72.25 s).
    clock = FakeClock(start=0.0)
    pacer = RequestPacer(RateLimits(per_window=59, window_seconds=60, concurrent=5),
                         clock=clock, sleep=clock.sleep)
    for _ in range(50):
        with pacer.slot():
            clock.now += 0.25
    pacer.exhausted()
    with pacer.slot():
        assert clock.now == 60.0
    assert clock.sleeps == [60.0 - 12.5]
    # Our window now holds 50 calls (the 2nd to the 51st): 9 more go without waiting.
    for _ in range(9):
        with pacer.slot():
            pass
    assert clock.sleeps == [47.5]


def test_a_spent_budget_with_retry_after_waits_that_long():
    clock = FakeClock(start=1000.0)
    pacer = RequestPacer(RateLimits(per_window=60, window_seconds=60, concurrent=5),
                         clock=clock, sleep=clock.sleep)
    with pacer.slot():
        clock.now += 1.0
    pacer.exhausted(retry_after=7.0)
    with pacer.slot():
        assert clock.now == 1008.0
    assert clock.sleeps == [7.0]


def test_a_spent_budget_with_none_of_our_calls_in_the_window_waits_for_nothing():
    clock = FakeClock(start=1000.0)
    pacer = RequestPacer(RateLimits(per_window=60, window_seconds=60, concurrent=5),
                         clock=clock, sleep=clock.sleep)
    with pacer.slot():
        pass
    clock.now += 61.0
    pacer.exhausted()
    with pacer.slot():
        assert clock.now == 1061.0
    assert clock.sleeps == []


def test_no_more_than_the_concurrent_limit_in_flight():
    pacer = RequestPacer(RateLimits(per_window=1000, window_seconds=1, concurrent=2))
    in_flight, peak, lock = 0, 0, threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal in_flight, peak
        with pacer.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            release.wait(0.2)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_retry_after_is_honoured_then_success():
    waits: list[float] = []
    outcomes = [RetriableSourceError("429", retry_after=7), RetriableSourceError("429",
                retry_after=3), "page"]

    def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = call_with_retries(flaky, policy=RetryPolicy(), sleep=waits.append)
    assert result == "page"
    assert waits == [7, 3]


def test_a_wait_longer_than_the_policy_allows_is_not_taken():
    waits: list[float] = []

    def daily_limit() -> None:
        raise RetriableSourceError("Xero rate limit (day)", retry_after=40_000)

    with pytest.raises(RetriableSourceError, match="day"):
        call_with_retries(daily_limit, policy=RetryPolicy(max_wait=300), sleep=waits.append)
    assert waits == []


def test_attempts_run_out_and_fatal_errors_are_not_retried():
    calls = 0

    def always_503() -> None:
        nonlocal calls
        calls += 1
        raise RetriableSourceError("503")

    with pytest.raises(RetriableSourceError):
        call_with_retries(always_503, policy=RetryPolicy(attempts=3), sleep=lambda s: None)
    assert calls == 3

    def refused() -> None:
        nonlocal calls
        calls += 1
        raise FatalSourceError("400")

    calls = 0
    with pytest.raises(FatalSourceError):
        call_with_retries(refused, policy=RetryPolicy(), sleep=lambda s: None)
    assert calls == 1
