"""Retrying ledger calls with tenacity, honouring the server's ``Retry-After``.

Only ``RetriableSourceError`` is retried. The wait is the server's ``retry_after`` when it gave one,
otherwise exponential backoff with jitter. A ``retry_after`` longer than ``max_wait`` (a daily limit,
say) is not waited out inside a sync: the error is raised at once so the user sees when to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ar_sync.errors import RetriableSourceError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: attempts in all, and the longest single wait (seconds) worth taking."""

    attempts: int = 8
    max_wait: float = 300.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


def _retry_after(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after if isinstance(exc, RetriableSourceError) else None


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    on_wait: Callable[[float, BaseException], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds, it raises something not retriable, or ``policy`` runs out.

    ``on_wait(seconds, error)`` is told of every wait before it is taken.
    """
    backoff = wait_exponential_jitter(initial=policy.backoff_initial, max=policy.backoff_max)

    def wait(state: RetryCallState) -> float:
        hinted = _retry_after(state)
        return hinted if hinted is not None else backoff(state)

    def stop(state: RetryCallState) -> bool:
        hinted = _retry_after(state)
        too_long = hinted is not None and hinted > policy.max_wait
        return too_long or stop_after_attempt(policy.attempts)(state)

    def before_sleep(state: RetryCallState) -> None:
        seconds = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        log.info("retrying in %.1fs after: %s", seconds, error)
        if on_wait is not None and error is not None:
            on_wait(seconds, error)

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
