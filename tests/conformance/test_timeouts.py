"""A ledger that stops answering: every call, the OAuth token call included, times out after the
configured read timeout, is retried, and the sync completes; each retry is shown on stderr."""

from __future__ import annotations

import re

import pytest

from tests.conformance.support import aging, customer_totals, summary, sync_ok

READ_TIMEOUT = "3"  # seconds (AR_SYNC_READ_TIMEOUT); every sandbox call answers well within it
STALL = 60  # seconds: far longer than the timeout; the sandbox ends it when it stops


def _retry_lines(err: str, org: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"{org}: retrying ")]


def _retry_pattern(org: str, endpoint: str, reason: str, attempt: int) -> re.Pattern[str]:
    """The notice with its wait left open: backoff has random jitter (1 to 2 s at first)."""
    return re.compile(
        rf"{re.escape(org)}: retrying {re.escape(endpoint)} in \d+(\.\d)? s: {reason} "
        rf"\(attempt {attempt} of 8\)"
    )


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AR_SYNC_READ_TIMEOUT", READ_TIMEOUT)


def test_a_stalled_page_times_out_is_retried_and_the_sync_completes(
    cli, connected, short_read_timeout
):
    driver = connected.driver
    stream = driver.stream(driver.invoice_stream)
    org = connected.tenant()["name"]
    connected.control.fault(kind="slow", path=stream.fault_path, count=1, seconds=STALL)

    result = cli("sync")
    assert result.code == 0, result.err
    assert summary(result.out).retries == 1
    (line,) = _retry_lines(result.err, org)
    assert _retry_pattern(org, stream.endpoint, "read timed out after 3 s", 2).fullmatch(line)
    assert customer_totals(aging(cli)) == driver.expected_aging(connected.state())


def test_a_stalled_token_refresh_times_out_is_retried_and_the_sync_completes(
    cli, connected, short_read_timeout
):
    driver = connected.driver
    org = connected.tenant()["name"]
    connected.control.fault(kind="slow", path=driver.token_path, count=1, seconds=STALL)
    connected.control.fault(kind="expire_tokens")  # the first call meets a 401 and refreshes

    result = cli("sync")
    assert result.code == 0, result.err
    assert summary(result.out).retries == 1
    (line,) = _retry_lines(result.err, org)
    assert re.fullmatch(
        rf"{re.escape(org)}: retrying \S+ \S+ in \d+(\.\d)? s: read timed out after 3 s "
        r"\(attempt 2 of 8\)",
        line,
    )
    # The stalled refresh has not answered (the sandbox logs a call when it answers): the one
    # logged is the retried refresh, which worked.
    assert connected.control.calls()["by_endpoint"][driver.token_endpoint] == 1
    assert customer_totals(aging(cli)) == driver.expected_aging(connected.state())


def test_a_server_error_is_shown_as_a_retry_with_its_status(cli, connected):
    driver = connected.driver
    stream = driver.stream(driver.invoice_stream)
    org = connected.tenant()["name"]
    connected.control.fault(kind="server_error", path=stream.fault_path, count=2, status=503)

    result = cli("sync")
    assert result.code == 0, result.err
    first, second = _retry_lines(result.err, org)
    # Xero's reason carries the status line's text ("HTTP 503 SERVICE UNAVAILABLE").
    assert _retry_pattern(org, stream.endpoint, r"HTTP 503( [A-Z ]+)?", 2).fullmatch(first)
    assert _retry_pattern(org, stream.endpoint, r"HTTP 503( [A-Z ]+)?", 3).fullmatch(second)
    assert sync_ok(cli).retries == 0
    assert customer_totals(aging(cli)) == driver.expected_aging(connected.state())
