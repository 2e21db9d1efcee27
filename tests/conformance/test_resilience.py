"""A sync that is interrupted resumes where it stopped; rate-limit storms and transient errors are
waited out; the result is always the aging an undisturbed sync gives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conformance.support import (
    aging,
    cli_in,
    connect,
    customer_totals,
    one_line_error,
    sync_ok,
)

SLOW = pytest.mark.skipif(
    not os.environ.get("AR_SYNC_CONFORMANCE_SLOW"),
    reason="waits out the connector's full retry policy (about two minutes); "
    "set AR_SYNC_CONFORMANCE_SLOW=1 to run it",
)


def _multi_page_spec(driver) -> dict[str, int]:
    """A company whose open invoices take two pages (the second a fifth full)."""
    page = driver.stream(driver.invoice_stream).page_size
    return {"customers": 30, "invoices": page + page // 5, "seed": 11}


# An interruption the connector must not wait out: a daily limit (Retry-After a day) ends the
# sync at once; a persistent 5xx ends it once the retry policy gives up (slow, opt-in).
INTERRUPTIONS = {
    "daily-limit": {"kind": "rate_limit", "retry_after": 86_400},  # + driver.long_throttle
    "server-error": {"kind": "server_error", "status": 503},
}


def _interruption(driver, name: str) -> dict:
    return {**INTERRUPTIONS[name], **(driver.long_throttle if name == "daily-limit" else {})}


@pytest.mark.parametrize(
    "interruption",
    [
        "daily-limit",
        pytest.param("server-error", marks=[SLOW, pytest.mark.slow]),
    ],
)
def test_an_interrupted_sync_resumes_without_rereading_committed_pages(
    cli, driver, start_ledger, twin_home, interruption
):
    spec = _multi_page_spec(driver)
    stream = driver.invoice_stream
    page_size = driver.stream(stream).page_size

    # The reference: the same company synced without interruption, in another AR_SYNC_HOME.
    twin = start_ledger(**spec)
    twin_cli = cli_in(cli, twin_home)
    connect(twin_cli, twin)
    twin.control.reset_calls()
    sync_ok(twin_cli)
    undisturbed_calls = driver.stream_calls(twin.control.calls(), stream)
    assert undisturbed_calls >= 2, "the company must take more than one page"
    reference = aging(twin_cli)

    ledger = start_ledger(**spec)
    connect(cli, ledger)
    ledger.control.reset_calls()
    # Let the first page of invoices through, then fail every later invoices call.
    ledger.control.fault(
        **_interruption(driver, interruption), path=driver.stream(stream).fault_path, after=1, count=-1
    )
    line = one_line_error(cli("sync"))
    assert len(line) < 300
    failed = ledger.control.calls()
    committed = [e for e in driver.stream_log(failed, stream) if e["status"] == 200]
    assert len(committed) == 1

    ledger.control.clear_faults()
    ledger.control.reset_calls()
    resumed = sync_ok(cli)
    resumed_calls = driver.stream_calls(ledger.control.calls(), stream)
    # The committed page is not asked for again: only what was left, then one incremental
    # read of what changed since the interrupted sync began (paid meanwhile, say).
    assert resumed_calls == undisturbed_calls - len(committed) + 1
    open_invoices = len(driver.open_invoices(ledger.state()))
    # The rest, plus at most a small overlap re-read for safety (upserts make it harmless).
    assert resumed.invoices <= open_invoices - page_size + page_size // 10
    assert aging(cli) == reference


def _stored_invoices(home: Path) -> int:
    """Invoices committed to the SQLite store so far (0 before it exists)."""
    path = home / "ar-sync.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=5)
    try:
        return db.execute("select count(*) from invoices").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not migrated yet
    finally:
        db.close()


def _stored_invoice_ids(home: Path) -> set[str]:
    db = sqlite3.connect(home / "ar-sync.sqlite", timeout=5)
    try:
        return {row[0] for row in db.execute("select invoice_id from invoices")}
    finally:
        db.close()


def test_a_killed_sync_resumes_from_its_last_committed_page(cli, driver, start_ledger, ar_home):
    spec = _multi_page_spec(driver)
    stream = driver.stream(driver.invoice_stream)
    ledger = start_ledger(**spec)
    connect(cli, ledger)
    ledger.control.reset_calls()
    # The second invoices page is held long enough to kill the process while it waits.
    ledger.control.fault(kind="slow", path=stream.fault_path, after=1, count=1, seconds=15)
    process = subprocess.Popen(
        [sys.executable, "-m", "ar_sync", "sync"],
        env=dict(os.environ, AR_SYNC_HOME=str(ar_home)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _stored_invoices(ar_home) == 0:  # the first page commits in one transaction
            assert process.poll() is None, "the sync ended before it could be killed"
            assert time.monotonic() < deadline, "the first page never committed"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    committed = _stored_invoices(ar_home)
    assert committed == stream.page_size

    ledger.control.clear_faults()
    ledger.control.reset_calls()
    resumed = sync_ok(cli)
    # The rest of the full pull, then one read of what changed since the killed sync began.
    assert driver.stream_calls(ledger.control.calls(), stream.name) == 2
    open_invoices = len(driver.open_invoices(ledger.state()))
    assert resumed.invoices <= open_invoices - committed + stream.page_size // 10
    assert customer_totals(aging(cli)) == driver.expected_aging(ledger.state())
    assert _stored_invoices(ar_home) == open_invoices


def test_a_payment_between_interruption_and_resume_is_in_the_resumed_aging(
    cli, driver, start_ledger, ar_home
):
    spec = _multi_page_spec(driver)
    stream = driver.stream(driver.invoice_stream)
    ledger = start_ledger(**spec)
    connect(cli, ledger)
    before = driver.open_invoices(ledger.state())
    ledger.control.fault(**_interruption(driver, "daily-limit"), path=stream.fault_path, after=1, count=-1)
    one_line_error(cli("sync"))
    ledger.control.clear_faults()
    # Pay one invoice the interrupted sync had already committed.
    committed = _stored_invoice_ids(ar_home)
    paid = next(i for i in before if i.invoice_id in committed)
    ledger.control.pay(paid.invoice_id)

    sync_ok(cli)
    assert customer_totals(aging(cli)) == driver.expected_aging(ledger.state())


def test_orgs_shows_no_partial_open_ar_after_an_unfinished_first_sync(cli, driver, start_ledger):
    stream = driver.stream(driver.invoice_stream)
    ledger = start_ledger(**_multi_page_spec(driver))
    connect(cli, ledger)
    ledger.control.fault(**_interruption(driver, "daily-limit"), path=stream.fault_path, after=1, count=-1)
    one_line_error(cli("sync"))
    refused = one_line_error(cli("aging"))
    assert "has never been synced" in refused
    (listed,) = cli("orgs", "--format", "json").json()
    assert listed["last_sync"] is None
    assert listed["open_ar"] is None, listed


def test_a_rate_limit_storm_is_waited_out(cli, connected):
    driver = connected.driver
    stream = driver.stream(driver.invoice_stream)
    connected.control.fault(kind="rate_limit", path=stream.fault_path, count=3, retry_after=1)

    done = sync_ok(cli)
    assert (done.retries, done.waited) == (3, 3)  # "; 3 retries after waiting 3.0s"
    calls = connected.control.calls()
    assert calls["rate_limited"] == 3
    assert [e["status"] for e in driver.stream_log(calls, stream.name)] == [429, 429, 429, 200]
    assert customer_totals(aging(cli)) == driver.expected_aging(connected.state())


def test_transient_server_errors_and_a_malformed_page_are_retried(cli, connected):
    driver = connected.driver
    first, invoices = driver.streams[0], driver.stream(driver.invoice_stream)
    connected.control.fault(kind="server_error", path=first.fault_path, count=1, status=503)
    connected.control.fault(kind="malformed", path=invoices.fault_path, count=1)

    done = sync_ok(cli)
    assert done.retries == 2
    calls = connected.control.calls()
    assert [e["status"] for e in driver.stream_log(calls, first.name)] == [503, 200]
    assert len(driver.stream_log(calls, invoices.name)) == 2
    assert customer_totals(aging(cli)) == driver.expected_aging(connected.state())
