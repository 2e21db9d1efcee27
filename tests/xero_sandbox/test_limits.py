"""Rate limits (per tenant: concurrent, minute, day; per app) and injected 429 storms."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest
from ar_sync_xero.sandbox import SandboxLimits, generate_company
from xero_python.accounting import HistoryRecord, HistoryRecords
from xero_python.exceptions import RateLimitException

LIMIT_HEADERS = ("X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining")


def test_injected_429_storm(http, sandbox, xero) -> None:
    http.json(
        "POST",
        f"{sandbox.url}/_sandbox/faults",
        body={"kind": "rate_limit", "path": "Invoices", "count": 2, "retry_after": 7},
    )
    for _ in range(2):
        with pytest.raises(RateLimitException) as limited:
            xero.api.get_invoices(xero.tenant, page=1)
        error = limited.value
        assert (error.status, error.rate_limit, error.headers["Retry-After"]) == (
            429,
            "minute",
            "7",
        )
        assert all(name in error.headers for name in LIMIT_HEADERS)
    assert len(xero.api.get_invoices(xero.tenant, page=1).invoices) == 14
    xero.api.get_organisations(xero.tenant)  # other paths were never affected
    assert http.json("GET", f"{sandbox.url}/_sandbox/calls")["rate_limited"] == 2


def test_sdk_default_urllib3_retries_hide_a_short_storm(http, sandbox, connect) -> None:
    """Without ``retries=False``, urllib3 sleeps Retry-After and retries a GET by itself."""
    xero = connect(sandbox, urllib3_retries=True)
    http.json(
        "POST",
        f"{sandbox.url}/_sandbox/faults",
        body={"kind": "rate_limit", "path": "Organisation", "count": 1, "retry_after": 1},
    )
    started = time.perf_counter()
    assert xero.api.get_organisations(xero.tenant).organisations[0].name == "Kiwi Widgets Ltd"
    assert time.perf_counter() - started >= 1.0
    calls = http.json("GET", f"{sandbox.url}/_sandbox/calls")
    assert [c["status"] for c in calls["log"]] == [429, 200]


def test_six_parallel_slow_requests_one_is_refused_as_concurrent(http, sandbox, connect) -> None:
    http.json(
        "POST",
        f"{sandbox.url}/_sandbox/faults",
        body={"kind": "slow", "path": "Organisation", "seconds": 1.0, "count": -1},
    )
    xero = connect(sandbox)
    outcomes: list[object] = []
    start = threading.Barrier(6)

    def call() -> None:
        start.wait()
        try:
            outcomes.append(xero.api.get_organisations(xero.tenant).organisations[0].name)
        except RateLimitException as error:
            outcomes.append(error)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [o for o in outcomes if isinstance(o, RateLimitException)]
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["Kiwi Widgets Ltd"] * 5
    (error,) = refused
    assert error.rate_limit == "concurrent" and "Retry-After" not in error.headers


def test_minute_limit_with_a_short_window(http, make_sandbox, connect) -> None:
    sandbox = make_sandbox(limits=SandboxLimits(per_minute=3, window_seconds=1))
    xero = connect(sandbox)
    headers = {
        "Authorization": f"Bearer {xero.token['access_token']}",
        "xero-tenant-id": xero.tenant,
    }
    remaining = [
        http("GET", f"{sandbox.api_url}/Organisation", headers=headers).headers[
            "X-MinLimit-Remaining"
        ]
        for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    refused = http("GET", f"{sandbox.api_url}/Organisation", headers=headers)
    assert (
        refused.status,
        refused.headers["X-Rate-Limit-Problem"],
        refused.headers["Retry-After"],
    ) == (429, "minute", "1")
    assert json.loads(refused.data)["Detail"] == "You've exceeded the per minute rate limit"
    time.sleep(1.05)
    again = http("GET", f"{sandbox.api_url}/Organisation", headers=headers)
    assert (again.status, again.headers["X-MinLimit-Remaining"]) == (200, "2")


def test_day_limit(make_sandbox, connect) -> None:
    xero = connect(make_sandbox(limits=SandboxLimits(per_day=2)))
    xero.api.get_organisations(xero.tenant)
    xero.api.get_organisations(xero.tenant)
    with pytest.raises(RateLimitException) as limited:
        xero.api.get_organisations(xero.tenant)
    assert limited.value.rate_limit == "day"
    assert 86_000 < int(limited.value.headers["Retry-After"]) <= 86_400
    assert limited.value.headers["X-DayLimit-Remaining"] == "0"


def test_app_limit_spans_tenants(make_sandbox, sample_company, connect) -> None:
    other = generate_company(customers=3, invoices=5, seed=1, today=date(2026, 11, 23))
    sandbox = make_sandbox([sample_company, other], limits=SandboxLimits(app_per_minute=3))
    xero = connect(sandbox)
    first, second = sandbox.tenant_ids
    for tenant in (first, second, first):
        xero.api.get_organisations(tenant)
    with pytest.raises(RateLimitException) as limited:
        xero.api.get_organisations(second)
    assert limited.value.rate_limit == "appminute"


def test_rate_limit_is_checked_before_idempotency(make_sandbox, connect, sample_company) -> None:
    xero = connect(make_sandbox(limits=SandboxLimits(per_minute=1, window_seconds=30)))
    note = HistoryRecords(history_records=[HistoryRecord(details="Reminder 1")])
    invoice_id = sample_company.invoices[0].InvoiceID
    xero.api.create_invoice_history(xero.tenant, invoice_id, note, idempotency_key="reminder-1")
    with pytest.raises(RateLimitException):
        xero.api.create_invoice_history(xero.tenant, invoice_id, note, idempotency_key="reminder-1")


def test_limit_headers_on_errors_too(http, sandbox, bearer) -> None:
    response = http("GET", f"{sandbox.api_url}/Invoices?where=Nope==1", headers=bearer)
    assert response.status == 400
    assert [response.headers[name] for name in LIMIT_HEADERS] == ["59", "4999", "9999"]
