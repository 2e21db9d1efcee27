"""Retrying ledger calls with tenacity, honouring the server's ``Retry-After``.

Only ``RetriableSourceError`` is retried (429, 5xx, timeouts, dropped connections, malformed
bodies). The wait is the server's ``retry_after`` when it gave one, otherwise exponential backoff
with jitter. Retrying stops, and the last error is raised, when any of these holds:

- ``attempts`` calls have been made;
- the server asks for a wait longer than ``max_wait`` (a daily limit, say): it is not waited out
  inside a sync, so the user sees at once when to try again;
- the next wait would end more than ``max_total`` seconds after the first attempt began.

So one call never takes longer than ``max_total`` plus one attempt, and an attempt is bounded by
the clients' connect and read timeouts (``ar_sync.timeouts``): a hung connection cannot hang a
scheduled sync. Before every wait the caller's ``on_retry`` hook is told what is retried, why,
for how long and which attempt comes next (the progress display shows it), and the log gets a line.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from ar_sync.errors import RetriableSourceError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: attempts in all, the longest single wait worth taking, and the longest
    time (seconds, from the first attempt's start) after which no further wait is begun."""

    attempts: int = 8
    max_wait: float = 300.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_total: float = 600.0


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A retry about to happen: ``endpoint`` failed because of ``reason``; attempt ``attempt``
    of at most ``attempts`` starts after ``wait`` seconds."""

    endpoint: str
    wait: float
    reason: str
    attempt: int
    attempts: int

    def describe(self) -> str:
        """``retrying GET Invoices in 8 s: read timed out after 60 s (attempt 3 of 8)``."""
        return (
            f"retrying {self.endpoint} in {format_seconds(self.wait)}: {self.reason} "
            f"(attempt {self.attempt} of {self.attempts})"
        )


def format_seconds(seconds: float) -> str:
    """``8 s`` for whole seconds, ``1.4 s`` otherwise (one decimal)."""
    rounded = round(seconds, 1)
    return f"{rounded:.0f} s" if rounded == int(rounded) else f"{rounded:.1f} s"


def backoff(policy: RetryPolicy, failed_attempts: int, jitter: float) -> float:
    """Seconds to wait after ``failed_attempts`` (1, 2, ...): ``backoff_initial`` doubled per
    attempt plus ``jitter`` (0 to 1 s, so retries of parallel callers spread), at most
    ``backoff_max``."""
    try:
        grown = policy.backoff_initial * 2 ** (failed_attempts - 1)
    except OverflowError:
        grown = policy.backoff_max
    return max(0.0, min(grown + jitter, policy.backoff_max))


def _retry_after(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after if isinstance(exc, RetriableSourceError) else None


def _reason(error: BaseException | None) -> str:
    return str(getattr(error, "reason", None) or error or "unknown error")


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    endpoint: str = "the call",
    on_retry: Callable[[RetryNotice], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``fn`` until it succeeds, it raises something not retriable, or ``policy`` runs out.

    ``endpoint`` names the call in notices and the log; ``on_retry`` is told of every wait
    before it is taken. ``sleep`` and ``clock`` (seconds, monotonic) are for tests.
    """
    started = clock()

    def wait(state: RetryCallState) -> float:
        hinted = _retry_after(state)
        if hinted is not None:
            return hinted
        return backoff(policy, state.attempt_number, random.uniform(0.0, 1.0))

    def stop(state: RetryCallState) -> bool:
        hinted = _retry_after(state)
        if hinted is not None and hinted > policy.max_wait:
            return True
        if state.attempt_number >= policy.attempts:
            return True
        return clock() - started + state.upcoming_sleep > policy.max_total

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        notice = RetryNotice(
            endpoint=endpoint,
            wait=state.next_action.sleep if state.next_action else 0.0,
            reason=_reason(error),
            attempt=state.attempt_number + 1,
            attempts=policy.attempts,
        )
        log.info("%s", notice.describe())
        if on_retry is not None:
            on_retry(notice)

    kwargs = {"sleep": sleep} if sleep is not None else {}
    retrying = Retrying(
        retry=retry_if_exception_type(RetriableSourceError),
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        reraise=True,
        **kwargs,
    )
    return retrying(fn)
