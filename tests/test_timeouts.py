"""Timeouts and the retry policy's bounds: settings from the environment, the total time a call
may take, the notice every retry gives (on a fake clock), and a stall that never delays a
sandbox's shutdown."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from ar_sync_xero.sandbox.plugin import SAMPLE_COMPANY
from ar_sync_xero.sandbox import XeroSandbox, load_company

from ar_sync.errors import ConfigError, RetriableSourceError
from ar_sync.sync.retry import RetryNotice, RetryPolicy, backoff, call_with_retries
from ar_sync.timeouts import Timeouts, timed_out, timeouts_from_env
from tests.clocks import FakeClock
from tests.conftest import SandboxControl


def test_timeouts_default_to_ten_and_sixty_seconds():
    assert timeouts_from_env({}) == Timeouts(connect=10.0, read=60.0)
    assert timeouts_from_env({"AR_SYNC_READ_TIMEOUT": " "}).pair() == (10.0, 60.0)


def test_timeouts_come_from_the_environment():
    environ = {"AR_SYNC_CONNECT_TIMEOUT": "2.5", "AR_SYNC_READ_TIMEOUT": "90"}
    assert timeouts_from_env(environ).pair() == (2.5, 90.0)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "3601"])
def test_a_timeout_that_is_not_a_positive_number_is_refused_naming_the_variable(value):
    with pytest.raises(ConfigError) as refused:
        timeouts_from_env({"AR_SYNC_READ_TIMEOUT": value})
    assert str(refused.value) == (
        f"AR_SYNC_READ_TIMEOUT: expected seconds, a number above 0 and at most 3600, "
        f"got {value!r}"
    )


def test_a_bad_timeout_setting_is_one_line_exit_2(cli, monkeypatch):
    monkeypatch.setenv("AR_SYNC_CONNECT_TIMEOUT", "ten")
    result = cli("orgs")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: AR_SYNC_CONNECT_TIMEOUT: expected seconds, a number above 0 and at most 3600, "
        "got 'ten'\n"
    )


def test_a_timeout_says_which_call_which_timeout_and_where_to_set_it():
    read = timed_out("Xero", "GET Invoices", "read", Timeouts(connect=10, read=60))
    assert str(read) == (
        "Xero did not answer GET Invoices within 60 s (read timeout; AR_SYNC_READ_TIMEOUT)"
    )
    assert read.reason == "read timed out after 60 s"
    connect = timed_out("QuickBooks", "POST query", "connect", Timeouts(connect=2.5, read=60))
    assert str(connect) == (
        "cannot connect to QuickBooks for POST query within 2.5 s (connect timeout; "
        "AR_SYNC_CONNECT_TIMEOUT)"
    )
    assert connect.reason == "connect timed out after 2.5 s"


def test_every_retry_is_announced_before_its_wait():
    clock = FakeClock()
    notices: list[RetryNotice] = []
    outcomes: list[object] = [
        RetriableSourceError("Xero rate limit (minute) on GET Invoices", retry_after=7,
                             reason="rate limited (minute)"),
        timed_out("Xero", "GET Invoices", "read", Timeouts()),
        "page",
    ]

    def flaky() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            if "did not answer" in str(outcome):
                clock.now += 60  # the read timeout elapsed before the error
            raise outcome
        return outcome

    result = call_with_retries(
        flaky,
        policy=RetryPolicy(backoff_initial=8, backoff_max=8),
        endpoint="GET Invoices",
        on_retry=notices.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert result == "page"
    # The server's Retry-After first, then backoff (capped at 8 s here, so without jitter).
    assert [n.describe() for n in notices] == [
        "retrying GET Invoices in 7 s: rate limited (minute) (attempt 2 of 8)",
        "retrying GET Invoices in 8 s: read timed out after 60 s (attempt 3 of 8)",
    ]
    assert clock.sleeps == [7, 8]


def test_a_hung_ledger_is_given_up_once_the_total_time_is_spent():
    """Each attempt times out after 60 s and the server asks for 10 s between tries: with 200 s
    in all, a third attempt ends at 200 s and a fourth would start after it, so it is not made."""
    clock = FakeClock()
    attempts = 0

    def hung() -> None:
        nonlocal attempts
        attempts += 1
        clock.now += 60
        raise RetriableSourceError("timed out", retry_after=10)

    with pytest.raises(RetriableSourceError, match="timed out"):
        call_with_retries(
            hung,
            policy=RetryPolicy(attempts=8, max_total=200),
            sleep=clock.sleep,
            clock=clock,
        )
    assert attempts == 3
    assert clock.sleeps == [10, 10]
    assert clock.now == 200


def test_the_default_policy_bounds_a_call_at_ten_minutes_plus_one_attempt():
    clock = FakeClock()

    def hung() -> None:
        clock.now += 70  # connect (10 s) and read (60 s) timeouts, the worst attempt
        raise RetriableSourceError("timed out", retry_after=30)

    with pytest.raises(RetriableSourceError):
        call_with_retries(hung, policy=RetryPolicy(), sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [30] * 6  # 7 attempts: 7 x 70 s + 6 x 30 s = 670 s
    assert clock.now == 670 <= RetryPolicy().max_total + 70


def test_backoff_doubles_from_one_second_plus_jitter_up_to_a_minute():
    policy = RetryPolicy()
    assert [backoff(policy, n, 0.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(policy, 1, 0.5) == 1.5
    assert backoff(policy, 2000, 0.5) == 60  # no overflow after many attempts


def test_a_stalled_call_does_not_hold_up_the_sandboxs_shutdown():
    """A ``slow`` fault far longer than any timeout: stopping the sandbox ends the stall, so
    the stalled request is answered (the shutdown does not wait two minutes for it)."""
    sandbox = XeroSandbox([load_company(SAMPLE_COMPANY)], port=0).start()
    control = SandboxControl(sandbox.url)
    control.fault(kind="slow", path="Organisation", count=1, seconds=120)
    answered: list[int] = []

    def stalled_call() -> None:
        try:
            with urllib.request.urlopen(f"{sandbox.api_url}/Organisation", timeout=300) as reply:
                answered.append(reply.status)
        except urllib.error.HTTPError as error:  # no token: the sandbox's 401, once released
            answered.append(error.code)
            error.close()

    caller = threading.Thread(target=stalled_call)
    caller.start()
    try:
        while not control.request("GET", "faults")["faults"][0]["fired"]:
            threading.Event().wait(0.02)  # until the call is inside the stall
    finally:
        sandbox.stop()
    caller.join(timeout=60)  # far less than the stall: only a released stall ends in time
    assert not caller.is_alive()
    assert answered == [401]
