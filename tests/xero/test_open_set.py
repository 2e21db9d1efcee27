"""The open-set re-read heals what a watermark cannot see.

Xero leaves ``UpdatedDateUTC`` alone when a change creates no journal on a part-paid invoice (its
``DueDate``, say), so an ``If-Modified-Since`` sync never reads it. The engine re-reads the open
set once a day (by the sync's own clock) and on ``ar-sync sync --full``.

The hand-checked company (``tests/xero/company.py``): INV-002, Aroha Cafe, 250.00 less a 50.00
payment, due 30 days ago (1-30). Moving its due date 10 days ahead makes its 200.00 current.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ar_sync.aging.snapshots import aging_for
from ar_sync.connect.orgs import open_connector
from ar_sync.domain import Basis, Scheme
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import get_org
from ar_sync.sync.engine import sync_org
from tests.xero.company import INVOICE_IDS, ORG_ID

ORG = f"xero:{ORG_ID}"
INV_002 = INVOICE_IDS["INV-002"]
# Aroha Cafe: INV-001 100.00 current; INV-002 200.00 in 1-30; INV-003 80.00 in 31-60; an unapplied
# 30.00 overpayment dated today (current, negative).
AROHA_BEFORE = {"current": "70.00", "1-30": "200.00", "31-60": "80.00", "61-90": "0.00",
                "91+": "0.00", "total": "350.00"}
AROHA_AFTER = {"current": "270.00", "1-30": "0.00", "31-60": "80.00", "61-90": "0.00",
               "91+": "0.00", "total": "350.00"}


def _move_due_date(sandbox, today: date) -> dict:
    """Move INV-002's due date 10 days ahead through the sandbox, as a user would in Xero."""
    before = sandbox.control.request("GET", "state")
    (stamp,) = [i["UpdatedDateUTC"] for i in before["Invoices"] if i["InvoiceID"] == INV_002]
    changed = sandbox.control.request(
        "POST", f"invoices/{INV_002}", {"DueDate": (today + timedelta(days=10)).isoformat()}
    )["Invoice"]
    assert changed["UpdatedDateUTC"] == stamp  # what makes the change invisible to a watermark
    return changed


def _aroha(aging) -> dict[str, str]:
    (customer,) = [c for c in aging.report.customers if aging.customer_names[c.customer_id]
                   == "Aroha Cafe"]
    row = {bucket: f"{amount:.2f}" for bucket, amount in customer.buckets.items()}
    return {**row, "total": f"{customer.total:.2f}"}


def test_a_due_date_moved_on_a_part_paid_invoice_reaches_the_aging_after_the_daily_read(
    connected, today
):
    settings = load_settings(None)
    store = Store(settings.db_url)
    with store.reading() as tx:
        org = get_org(tx, ORG)
    connector = open_connector(org, settings)
    start = datetime.now(UTC)
    try:

        def sync_at(moment: datetime):
            return sync_org(store, connector, now=lambda: moment)

        def aroha() -> dict[str, str]:
            with store.reading() as tx:
                aging = aging_for(tx, org, as_of=today, basis=Basis.DUE, scheme=Scheme.DAYS)
            return _aroha(aging)

        first = sync_at(start)
        assert "open_set_streams" not in first.counts  # the first sync reads the open set anyway
        assert aroha() == AROHA_BEFORE
        _move_due_date(connected, today)

        an_hour_later = sync_at(start + timedelta(hours=1))
        assert "open_set_streams" not in an_hour_later.counts
        assert aroha() == AROHA_BEFORE  # the watermark cannot see it

        calls_before = connected.control.calls()["by_endpoint"]
        a_day_later = sync_at(start + timedelta(hours=24))
        assert a_day_later.counts["open_set_streams"] == 4  # invoices and the three credit kinds
        assert aroha() == AROHA_AFTER
        calls = connected.control.calls()["by_endpoint"]
        spent = {name: calls.get(name, 0) - calls_before.get(name, 0) for name in calls}
        # One incremental and one open-set page per document stream; contacts only incremental.
        assert {name: n for name, n in spent.items() if n} == {
            "GET Organisation": 1,
            "GET Contacts": 1,
            "GET Invoices": 2,
            "GET CreditNotes": 2,
            "GET Overpayments": 2,
            "GET Prepayments": 2,
        }

        # The next re-read is a day after this one, not after the first sync.
        assert "open_set_streams" not in sync_at(start + timedelta(hours=30)).counts
        assert sync_at(start + timedelta(hours=48)).counts["open_set_streams"] == 4
    finally:
        connector.close()
        store.close()


def test_sync_full_re_reads_every_open_set_at_once(cli, connected, today):
    assert cli("sync").code == 0
    _move_due_date(connected, today)
    assert cli("sync").code == 0

    def aroha() -> dict[str, str]:
        (org,) = cli("aging", "--format", "json").json()["orgs"]
        (customer,) = [c for c in org["customers"] if c["name"] == "Aroha Cafe"]
        return {**customer["buckets"], "total": customer["total"]}

    assert aroha() == AROHA_BEFORE
    connected.control.reset_calls()
    full = cli("sync", "--full")
    assert full.code == 0, full.err
    assert aroha() == AROHA_AFTER
    by_endpoint = connected.control.calls()["by_endpoint"]
    # Every stream twice: its incremental page, then its open set (contacts included).
    assert {name: n for name, n in by_endpoint.items() if n} == {
        "GET Organisation": 1,
        "GET Contacts": 2,
        "GET Invoices": 2,
        "GET CreditNotes": 2,
        "GET Overpayments": 2,
        "GET Prepayments": 2,
    }
    assert Decimal(aroha()["total"]) == Decimal("350.00")


def test_the_re_read_interval_is_a_setting(cli, connected, today, monkeypatch):
    assert cli("sync").code == 0
    _move_due_date(connected, today)

    monkeypatch.setenv("AR_SYNC_OPEN_SET_HOURS", "never")
    connected.control.reset_calls()
    assert cli("sync").code == 0
    assert connected.control.calls()["by_endpoint"]["GET Invoices"] == 1

    monkeypatch.setenv("AR_SYNC_OPEN_SET_HOURS", "0")  # at every sync
    for _ in range(2):
        connected.control.reset_calls()
        assert cli("sync").code == 0
        assert connected.control.calls()["by_endpoint"]["GET Invoices"] == 2
    (org,) = cli("aging", "--format", "json").json()["orgs"]
    (aroha,) = [c for c in org["customers"] if c["name"] == "Aroha Cafe"]
    assert {**aroha["buckets"], "total": aroha["total"]} == AROHA_AFTER

    monkeypatch.setenv("AR_SYNC_OPEN_SET_HOURS", "daily")
    bad = cli("sync")
    assert bad.code == 2
    assert bad.err.strip() == (
        "error: AR_SYNC_OPEN_SET_HOURS: expected hours between re-reads of the open documents "
        "(a number from 0 to 8784, or never), got 'daily'"
    )
