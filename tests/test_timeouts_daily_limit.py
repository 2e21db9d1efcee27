"""A limit too long to wait out inside a sync (Xero's daily one) ends the sync at once, and the
one-line error says from when calls are allowed again, in the org's time and in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ar_sync_xero.sandbox.plugin import SAMPLE_COMPANY
from ar_sync_xero.sandbox import XeroSandbox, load_company

from ar_sync.errors import FatalSourceError, RetriableSourceError
from ar_sync.views.progress import with_retry_time
from tests.conftest import SandboxControl

AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_the_time_calls_are_allowed_again_is_rounded_up_to_the_minute():
    now = datetime(2026, 12, 1, 10, 59, 30, tzinfo=UTC)
    error = RetriableSourceError("Xero's daily call limit for this organisation is spent "
                                 "(on GET Invoices)", retry_after=3600)
    assert with_retry_time(error, now=now, timezone="Pacific/Auckland") == (
        "Xero's daily call limit for this organisation is spent (on GET Invoices); calls are "
        "allowed again from 2026-12-02 01:00 NZDT (2026-12-01 12:00 UTC)"
    )
    exact = RetriableSourceError("limit", retry_after=30)
    assert with_retry_time(exact, now=now, timezone="UTC") == (
        "limit; calls are allowed again from 2026-12-01 11:00 UTC (2026-12-01 11:00 UTC)"
    )


def test_an_error_without_a_wait_is_left_as_it_is():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert with_retry_time(FatalSourceError("refused"), now=now, timezone="UTC") == "refused"
    assert with_retry_time(RetriableSourceError("503"), now=now, timezone="UTC") == "503"


@pytest.fixture
def kiwi(cli) -> Iterator[Any]:
    """Xero's sample company (timezone New Zealand), connected."""
    with XeroSandbox([load_company(SAMPLE_COMPANY)], port=0) as sandbox:
        sandbox.control = SandboxControl(sandbox.url)
        assert cli("connect", "xero", "--sandbox", sandbox.url).code == 0
        yield sandbox


def _expected(moment: datetime) -> str:
    at = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local = at.astimezone(AUCKLAND)
    return (
        "error: Xero's daily call limit for this organisation is spent (on GET Invoices); calls "
        f"are allowed again from {local:%Y-%m-%d %H:%M} {local.tzname()} "
        f"({at:%Y-%m-%d %H:%M} UTC)"
    )


def test_the_daily_limit_ends_the_sync_saying_when_calls_are_allowed_again(cli, kiwi):
    kiwi.control.fault(kind="rate_limit", problem="day", retry_after=7200, path="Invoices",
                       count=-1)
    before = datetime.now(UTC) + timedelta(seconds=7200)
    result = cli("sync")
    after = datetime.now(UTC) + timedelta(seconds=7200)
    assert (result.code, result.out) == (2, "")
    (line,) = [line for line in result.err.splitlines() if line.startswith("error: ")]
    # The CLI read the clock between ``before`` and ``after`` (a minute apart at most).
    assert line in {_expected(before), _expected(after)}
    assert kiwi.control.calls()["rate_limited"] == 1  # not waited out, not retried
