"""Throttling: injected 429 storms, the per-minute window and the concurrency limit."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from ar_sync_quickbooks.sandbox import SandboxLimits
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer

from tests.quickbooks_sandbox.conftest import connect_client

THROTTLE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"


def test_injected_storm_gives_the_xml_429(connected, control) -> None:
    control("POST", "faults", {"kind": "rate_limit", "path": "query", "count": 2, "retry_after": 7})
    answer = requests.post(
        connected.url("query"),
        data="SELECT * FROM Customer",
        headers={**connected.bearer, "Content-Type": "application/text"},
        timeout=10,
    )
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert '<Fault type="SERVICE">' in answer.text and '<Error code="3001">' in answer.text
    assert THROTTLE in answer.text
    with pytest.raises(QuickbooksException) as throttled:
        Customer.count(qb=connected.qb)
    assert THROTTLE in str(throttled.value.message)
    assert Customer.count(qb=connected.qb) == 4
    assert control("GET", "calls")["rate_limited"] == 2


def test_per_minute_window(make_sandbox) -> None:
    sandbox = make_sandbox(limits=SandboxLimits(per_minute=3, window_seconds=1.5))
    connected = connect_client(sandbox)
    for _ in range(3):
        Customer.count(qb=connected.qb)
    answer = requests.get(connected.url("customer/1"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 429 and 1 <= int(answer.headers["Retry-After"]) <= 2
    time.sleep(1.6)
    assert Customer.count(qb=connected.qb) == 4
    calls = requests.get(f"{sandbox.url}/_sandbox/calls", timeout=10).json()
    assert calls["by_endpoint"]["POST query"] == 4 and calls["rate_limited"] == 1


def test_eleven_parallel_calls_one_is_refused(connected, control) -> None:
    control("POST", "faults", {"kind": "slow", "path": "customer/", "seconds": 1.0, "count": -1})
    start = threading.Barrier(11)
    outcomes: list[int] = []

    def call() -> None:
        start.wait()
        answer = requests.get(connected.url("customer/1"), headers=connected.bearer, timeout=20)
        outcomes.append(answer.status_code)

    threads = [threading.Thread(target=call) for _ in range(11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200] * 10 + [429]


def test_server_error_and_malformed_faults(connected, control) -> None:
    control("POST", "faults", {"kind": "server_error", "path": "customer/", "count": 1})
    control("POST", "faults", {"kind": "server_error", "path": "invoice/", "status": 503})
    control("POST", "faults", {"kind": "malformed", "path": "payment/"})
    answer = requests.get(connected.url("customer/1"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 500 and answer.json()["Fault"]["type"] == "SystemFault"
    answer = requests.get(connected.url("invoice/101"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 503 and "text/html" in answer.headers["Content-Type"]
    answer = requests.get(connected.url("payment/201"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert len(control("GET", "faults")["faults"]) == 3
    control("DELETE", "faults")
    assert control("GET", "faults")["faults"] == []
