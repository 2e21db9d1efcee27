"""History on every ledger: a first sync keeps the window's paid and voided documents, a
backfill reaches further back, resumably, and the aging at past month-ends made from the store
equals the ledger's own aged-receivables figures at those dates, to the cent.

The company: a generated one with two years of settled history (``history_months=24``) beside
its open documents, dated from today; the sync keeps 12 months (``AR_SYNC_HISTORY_MONTHS``).
The expected documents are read from the sandbox's books (``GET /_sandbox/state``); the
expected figures are the sandbox's own reports (Xero's Trial Balance receivables line,
QuickBooks' AgedReceivables), which it computes from its books independently of our code.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ar_sync.aging.age import age
from ar_sync.aging.measures import add_months, history, month_ends, receivables_at
from ar_sync.connect.orgs import open_connector
from ar_sync.domain import DocumentStatus
from ar_sync.sandbox.plugin import GenerateSpec
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.records import load_credits, load_invoices
from ar_sync.store.runs import get_stream_states
from ar_sync.sync.history import calls_for, since_instant, window_start
from tests.conformance.platforms import PlatformDriver, _statement
from tests.conformance.support import Control, Ledger, connect, one_line_error, sync_ok

HISTORY = {"customers": 40, "invoices": 200, "seed": 5, "history_months": 24}


@pytest.fixture
def start_history(
    driver: PlatformDriver, today: date, monkeypatch: pytest.MonkeyPatch, ar_home: Path
) -> Iterator[Callable[[], Ledger]]:
    """``start_history(**sizes)``: a sandbox on the two-year company (``HISTORY`` updated with
    ``sizes``), with syncs keeping 12 months."""
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "12")
    handles: list[Any] = []

    def start(**sizes: int) -> Ledger:
        spec = GenerateSpec(today=today, **{**HISTORY, **sizes})
        handle = driver.start_sandbox(spec)
        handles.append(handle)
        return Ledger(driver=driver, handle=handle, control=Control(handle.url), spec=spec)

    yield start
    for handle in reversed(handles):
        handle.stop()


# ------------------------------------------------------------------ the sandbox's books


def _xero_instant(value: Any) -> datetime:
    from ar_sync_xero.connector import parse_xero_instant

    return parse_xero_instant(value)


# stream -> (collection, Type) of the Xero documents a history pass reads
_XERO = {
    "invoices": ("Invoices", "ACCREC"),
    "credit_notes": ("CreditNotes", "ACCRECCREDIT"),
    "overpayments": ("Overpayments", "RECEIVE-OVERPAYMENT"),
    "prepayments": ("Prepayments", "RECEIVE-PREPAYMENT"),
}
_QUICKBOOKS = {"invoices": "Invoice", "credit_memos": "CreditMemo", "payments": "Payment"}


def changed_since(ledger: Ledger, state: dict[str, Any], moment: datetime) -> dict[str, list]:
    """stream -> the ledger's documents a history read from ``moment`` returns (Xero: updated
    strictly after it, If-Modified-Since; QuickBooks: ``LastUpdatedTime >=`` it)."""
    if ledger.platform == "xero":
        return {
            stream: [
                row for row in state.get(collection, ())
                if row["Type"] == kind and _xero_instant(row["UpdatedDateUTC"]) > moment
            ]
            for stream, (collection, kind) in _XERO.items()
        }
    from ar_sync_quickbooks.mapping import last_updated

    return {
        stream: [row for row in state.get(entity, ()) if last_updated(row) >= moment]
        for stream, entity in _QUICKBOOKS.items()
    }


def settled_invoices(ledger: Ledger, rows: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(paid, voided) invoice ids among ``rows`` (a history read's invoices)."""
    if ledger.platform == "xero":
        paid = {r["InvoiceID"] for r in rows if r["Status"] == "PAID"}
        return paid, {r["InvoiceID"] for r in rows if r["Status"] == "VOIDED"}
    voided = {
        r["Id"] for r in rows
        if Decimal(str(r["TotalAmt"])) == 0 and str(r.get("PrivateNote", "")).startswith("Voided")
    }
    paid = {r["Id"] for r in rows if Decimal(str(r["Balance"])) == 0} - voided
    return paid, voided


def history_calls(ledger: Ledger, stream: str) -> tuple[int, int]:
    """(list calls, counting calls) the call log holds for one document stream."""
    calls = ledger.control.calls()
    entries = ledger.driver.stream_log(calls, stream)
    if ledger.platform == "xero":
        counting = [e for e in entries if "pagesize=1&" in (str(e.get("query")) + "&").lower()]
    else:
        counting = [e for e in entries if "COUNT(*)" in _statement(e).upper()]
    return len(entries) - len(counting), len(counting)


# -------------------------------------------------------------------------------- the store


def stored(org_id: str) -> tuple[list, list, dict[str, dict[str, Any]]]:
    """The org's invoices and credits with their allocations, and its stream states."""
    store = Store(load_settings(None).db_url)
    try:
        with store.reading() as tx:
            return (
                load_invoices(tx, org_id, with_allocations=True),
                load_credits(tx, org_id, with_allocations=True),
                get_stream_states(tx, org_id),
            )
    finally:
        store.close()


def past_agings_match(ledger: Ledger, days: list[date]) -> None:
    """Our aging at each of ``days``, made from the store's records by the history measures,
    equals the ledger's own figure for the org, and (QuickBooks, whose report gives them all
    in one call) for each customer."""
    invoices, credits, _ = stored(ledger.org_id)
    settings = load_settings(None)
    store = Store(settings.db_url)
    try:
        with store.reading() as tx:
            from ar_sync.store.orgs import get_org

            org = get_org(tx, ledger.org_id)
        assert org is not None
        h = history(invoices, credits, base_currency=org.base_currency)
        connector = open_connector(org, settings, store=store)
        try:
            for day in days:
                report = age(receivables_at(h, day), as_of=day, base_currency=org.base_currency)
                assert report.total == connector.reported_total(as_of=day).amount, day
                if ledger.platform == "quickbooks":
                    ours = {c.customer_id: c.total for c in report.customers if c.total}
                    theirs = connector.reported_balances(sorted(ours), as_of=day)
                    assert ours == theirs, day
        finally:
            connector.close()
    finally:
        store.close()


def six_month_ends(first: date, today: date) -> list[date]:
    """Every other month end from ``first``'s month to last month's: six of a year."""
    return list(month_ends(first, add_months(today, -1))[::2][:6])


# --------------------------------------------------------------------------------- the tests


def test_a_first_sync_keeps_the_window_and_past_agings_equal_the_ledgers_reports(
    cli, start_history
):
    ledger = start_history()
    connect(cli, ledger)
    state = ledger.state()
    today = ledger.driver.local_today(state)
    since = window_start(today, 12)
    sync_ok(cli)

    invoices, _, states = stored(ledger.org_id)
    assert states["history"] == {"since": since.isoformat()}
    assert not [key for key in states if key.startswith("history:") or key == "history-pass"]
    moment = since_instant(since, ledger.driver.timezone(state))
    paid, voided = settled_invoices(ledger, changed_since(ledger, state, moment)["invoices"])
    assert len(paid) > 100 and len(voided) > 2  # the window has plenty of both
    assert {i.invoice_id for i in invoices if i.status is DocumentStatus.PAID} == paid
    assert {i.invoice_id for i in invoices if i.status is DocumentStatus.VOIDED} == voided

    # A later payment: the invoice stays in the store, as paid.
    invoice = ledger.driver.owed_invoices(state)[0]
    ledger.control.pay(invoice.invoice_id)
    sync_ok(cli)
    invoices, _, states = stored(ledger.org_id)
    (kept,) = [i for i in invoices if i.invoice_id == invoice.invoice_id]
    assert (kept.status, kept.amount_due) == (DocumentStatus.PAID, Decimal(0))
    assert states["history"] == {"since": since.isoformat()}  # no second history pass


# A document paid after S whose earlier part was paid by a credit last touched before S (a credit
# note applied in October to an invoice paid in full in December) is the hard case: the credit is
# neither open now nor changed since S, so it is never read. Past open amounts are worked back from
# today's balance (amount due now + allocations dated after D, all from documents changed after
# S), so the aging at every D >= S needs only what the window read. The generated Xero company has
# such a credit note.
def test_past_agings_inside_the_first_syncs_window_equal_the_ledgers_reports(cli, start_history):
    ledger = start_history()
    connect(cli, ledger)
    state = ledger.state()
    today = ledger.driver.local_today(state)
    sync_ok(cli)
    past_agings_match(ledger, six_month_ends(window_start(today, 12), today))


def test_a_backfill_reaches_further_back_and_its_estimate_counts_its_calls(
    cli, start_history, monkeypatch
):
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")  # the first sync reads no history
    ledger = start_history()
    connect(cli, ledger)
    sync_ok(cli)
    state = ledger.state()
    today = ledger.driver.local_today(state)
    since = window_start(today, 24)
    moment = since_instant(since, ledger.driver.timezone(state))
    expected = {
        stream: calls_for(len(rows), 1000)
        for stream, rows in changed_since(ledger, state, moment).items()
    }

    ledger.control.reset_calls()
    estimate = cli("backfill", "--org", ledger.org_id, "--since", since.isoformat(), "--estimate")
    assert estimate.code == 0, estimate.err
    lines = [" ".join(line.split()) for line in estimate.out.splitlines()]
    for stream, rows in changed_since(ledger, state, moment).items():
        assert f"{stream}: {len(rows):,} documents, {expected[stream]:,} calls" in lines
    total = sum(expected.values())
    assert any(line.startswith(f"{total:,} calls in all") for line in lines)
    if ledger.platform == "xero":
        assert f"{total * 100 / 5000:.1f}% of the day's 5,000 calls" in lines
    else:
        assert "the ledger has no daily call cap: the backfill runs in one go" in lines
    for stream in expected:  # nothing read: one counting call per stream
        assert history_calls(ledger, stream) == (0, 1)

    ledger.control.reset_calls()
    result = cli("backfill", "--org", ledger.org_id, "--since", since.isoformat())
    assert result.code == 0, result.err
    assert f"history complete from {since.isoformat()}" in " ".join(result.out.split())
    for stream, calls in expected.items():  # the estimate's count, then its pages
        assert history_calls(ledger, stream) == (calls, 1), stream
    invoices, _, states = stored(ledger.org_id)
    assert states["history"] == {"since": since.isoformat()}
    paid, voided = settled_invoices(ledger, changed_since(ledger, state, moment)["invoices"])
    assert {i.invoice_id for i in invoices if i.status is DocumentStatus.PAID} == paid
    assert min(i.issue_date for i in invoices if i.invoice_id in paid) < window_start(today, 12)
    past_agings_match(ledger, six_month_ends(since, add_months(today, -12)))


def test_a_backfill_refuses_a_date_it_cannot_use(cli, start_history):
    ledger = start_history()
    connect(cli, ledger)
    line = one_line_error(cli("backfill", "--org", ledger.org_id, "--since", "2025-01-01"))
    assert line == (f"error: {ledger.tenant()['name']} was never synced: run `ar-sync sync "
                    f"--org {ledger.org_id}` first")
    future = (datetime.now(UTC).date()).replace(year=datetime.now(UTC).year + 1).isoformat()
    line = one_line_error(cli("backfill", "--org", ledger.org_id, "--since", future))
    assert line.startswith(f"error: --since {future} is after ") and "give a past date" in line
    line = one_line_error(cli("backfill", "--org", ledger.org_id, "--since", "last year"))
    assert line == "error: --since: not a date (expected YYYY-MM-DD): 'last year'"


def _history_cursor(home: Path, org_id: str, stream: str) -> bool:
    """Whether the store holds a committed page of ``stream``'s history pass."""
    path = home / "ar-sync.sqlite"
    if not path.exists():
        return False
    db = sqlite3.connect(path, timeout=5)
    try:
        row = db.execute(
            "select count(*) from stream_states where org_id = ? and stream = ?",
            (org_id, f"history:{stream}"),
        ).fetchone()
        return bool(row[0])
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()


def test_a_killed_backfill_resumes_without_repeating_a_finished_page(
    cli, start_history, ar_home, monkeypatch
):
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")
    ledger = start_history(customers=70, invoices=400)
    connect(cli, ledger)
    sync_ok(cli)
    state = ledger.state()
    since = window_start(ledger.driver.local_today(state), 24)
    moment = since_instant(since, ledger.driver.timezone(state))
    invoice_rows = len(changed_since(ledger, state, moment)["invoices"])
    assert invoice_rows > 1000, "the history must take two invoice pages"
    stream = ledger.driver.stream("invoices")

    ledger.control.reset_calls()
    # The counting call and the first page go through; the second page is held long enough to
    # kill the process while it waits.
    ledger.control.fault(kind="slow", path=stream.fault_path, after=2, count=1, seconds=15)
    process = subprocess.Popen(
        [sys.executable, "-m", "ar_sync", "backfill", "--org", ledger.org_id,
         "--since", since.isoformat()],
        env=dict(os.environ, AR_SYNC_HOME=str(ar_home)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _history_cursor(ar_home, ledger.org_id, "invoices"):
            assert process.poll() is None, "the backfill ended before it could be killed"
            assert time.monotonic() < deadline, "the first page never committed"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert history_calls(ledger, "invoices")[1] == 1

    ledger.control.clear_faults()
    ledger.control.reset_calls()
    result = cli("backfill", "--org", ledger.org_id, "--since", since.isoformat())
    assert result.code == 0, result.err
    # The first page is not asked for again: its counting call, then the second page alone.
    assert history_calls(ledger, "invoices") == (1, 1)
    invoices, _, states = stored(ledger.org_id)
    assert states["history"] == {"since": since.isoformat()}
    paid, _ = settled_invoices(ledger, changed_since(ledger, state, moment)["invoices"])
    assert paid <= {i.invoice_id for i in invoices if i.status is DocumentStatus.PAID}


def test_a_backfill_stopped_by_its_call_budget_goes_on_in_the_next_run(
    cli, start_history, monkeypatch
):
    from ar_sync.store.orgs import get_org
    from ar_sync.sync import engine

    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")
    ledger = start_history()
    connect(cli, ledger)
    sync_ok(cli)
    state = ledger.state()
    since = window_start(ledger.driver.local_today(state), 24)
    settings = load_settings(None)
    store = Store(settings.db_url)
    try:
        with store.reading() as tx:
            org = get_org(tx, ledger.org_id)
        assert org is not None
        connector = open_connector(org, settings, store=store)
        try:
            # A budget already spent: the run stops after its first committed page.
            stopped = engine.sync_org(store, connector, now=lambda: datetime.now(UTC),
                                      history_from=since, backfill=True, call_budget=1)
        finally:
            connector.close()
    finally:
        store.close()
    assert (stopped.status, stopped.counts["history_stopped"], stopped.counts["pages"]) == (
        "ok", 1, 1)
    _, _, states = stored(ledger.org_id)
    streams = list(changed_since(ledger, state, since_instant(since, "UTC")))
    assert states["history-pass"] == {"since": since.isoformat(), "pending": streams}
    assert "history" not in states and "history:invoices" in states

    ledger.control.reset_calls()
    result = cli("backfill", "--org", ledger.org_id, "--since", since.isoformat())
    assert result.code == 0, result.err
    # The invoices (one page) were all committed: the next run reads on from that page's
    # cursor, one call, then the other streams.
    assert history_calls(ledger, "invoices") == (1, 1)
    _, _, states = stored(ledger.org_id)
    assert states["history"] == {"since": since.isoformat()}
    assert "history-pass" not in states and "history:invoices" not in states
