"""connect -> sync -> aging over real HTTP: the real xero-python SDK against the Xero sandbox."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import timedelta
from decimal import Decimal

from tests.xero.company import (
    BUCKETS,
    EXPECTED,
    EXPECTED_TOTALS,
    INVOICE_IDS,
    ORG_ID,
)

ORG = f"xero:{ORG_ID}"


def _aging_by_name(payload: dict) -> dict[str, dict[str, str]]:
    (org,) = payload["orgs"]
    return {c["name"]: {**c["buckets"], "total": c["total"]} for c in org["customers"]}


def test_connect_sync_aging_gives_the_hand_checked_figures(cli, connected, today):
    orgs = cli("orgs", "--format", "json")
    assert orgs.code == 0
    (org,) = orgs.json()
    assert (org["org_id"], org["name"], org["platform"], org["base_currency"], org["timezone"]) == (
        ORG, "Kauri Test Traders", "xero", "NZD", "Etc/UTC"
    )
    assert org["last_sync"] is None

    synced = cli("sync")
    assert synced.code == 0, synced.err
    # The first sync reads only what is open: 9 open invoices, 4 unapplied credits (Eden's
    # prepayment among them, stored though not aged), all contacts.
    assert "Kauri Test Traders: 9 invoices, 4 credits, 5 customers" in synced.out

    aging = cli("aging", "--format", "json")
    assert aging.code == 0, aging.err
    payload = aging.json()
    assert payload["as_of"] == today.isoformat()
    assert (payload["basis"], payload["scheme"], payload["buckets"]) == ("due", "days", list(BUCKETS))
    assert _aging_by_name(payload) == EXPECTED
    (org_payload,) = payload["orgs"]
    assert org_payload["totals"] == EXPECTED_TOTALS
    assert org_payload["as_of"] == today.isoformat()

    listed = cli("orgs", "--format", "json").json()[0]
    assert listed["open_ar"] == "3219.79"
    assert listed["last_sync"] is not None


def test_aging_csv_and_table_show_the_same_totals(cli, connected):
    assert cli("sync").code == 0
    rows = list(csv.DictReader(io.StringIO(cli("aging", "--format", "csv").out)))
    (total,) = [row for row in rows if row["row"] == "total"]
    assert [total[b] for b in BUCKETS] + [total["total"]] == [
        "115.50", "1140.00", "1055.00", "500.00", "409.29", "3219.79"
    ]
    customers = [row for row in rows if row["row"] == "customer"]
    assert len(customers) + 1 == len(rows)
    # The customer rows are the data: a spreadsheet's sum of them is the total row.
    assert [str(sum(Decimal(row[b]) for row in customers)) for b in (*BUCKETS, "total")] == [
        "115.50", "1140.00", "1055.00", "500.00", "409.29", "3219.79"
    ]
    table = cli("aging").out
    assert "Kauri Test Traders" in table
    assert "3,219.79" in table and "Coastal Freight" in table


def test_months_scheme_and_invoice_basis(cli, connected, today):
    assert cli("sync").code == 0
    by_invoice = cli("aging", "--basis", "invoice", "--format", "json").json()
    assert by_invoice["buckets"] == ["0-30", "31-60", "61-90", "91+"]
    assert by_invoice["orgs"][0]["totals"]["total"] == "3219.79"
    months = cli("aging", "--scheme", "months", "--format", "json").json()
    assert months["buckets"] == ["current", "<1 month", "1 month", "2 months", "3 months", "older"]
    assert months["orgs"][0]["totals"]["total"] == "3219.79"
    # Not yet due (INV-001, due in 10 days) less the overpayment dated today, plus INV-007 due
    # today: 100.00 - 30.00 + 45.50.
    assert months["orgs"][0]["totals"]["current"] == "115.50"


def test_second_sync_after_a_payment_makes_one_invoices_call_and_drops_it(cli, connected):
    assert cli("sync").code == 0
    control = connected.control
    control.pay(INVOICE_IDS["INV-005"])  # Bay Plumbing's 500.00, 61-90
    control.reset_calls()

    assert cli("sync").code == 0
    calls = control.calls()["by_endpoint"]
    assert calls.get("GET Invoices") == 1
    payload = cli("aging", "--format", "json").json()
    bay = _aging_by_name(payload)["Bay Plumbing"]
    assert bay["61-90"] == "0.00" and bay["total"] == "1320.50"
    assert payload["orgs"][0]["totals"]["total"] == "2719.79"  # 3219.79 - 500.00


def test_a_part_payment_reduces_the_balance(cli, connected):
    assert cli("sync").code == 0
    connected.control.pay(INVOICE_IDS["INV-006"], "120.00")
    assert cli("sync").code == 0
    bay = _aging_by_name(cli("aging", "--format", "json").json())["Bay Plumbing"]
    assert bay["91+"] == "180.00"


def test_a_future_as_of_projects_and_a_past_one_is_refused(cli, connected, today):
    assert cli("sync").code == 0
    later = (today + timedelta(days=31)).isoformat()
    projected = cli("aging", "--as-of", later, "--format", "json").json()
    # 31 days on, INV-001 (due in 10 days) is 21 days overdue; INV-007 31 days.
    assert projected["as_of"] == later
    assert projected["orgs"][0]["totals"]["total"] == "3219.79"
    refused = cli("aging", "--as-of", (today - timedelta(days=1)).isoformat())
    assert refused.code == 2
    # No history is kept in this suite (AR_SYNC_HISTORY_MONTHS=0): it says how to get some.
    assert refused.err.strip().startswith("error: no history for Kauri Test Traders: set "
                                          "AR_SYNC_HISTORY_MONTHS (e.g. 12)")
    assert "ar-sync backfill --org xero:" in refused.err
    assert len(refused.err.strip().splitlines()) == 1


def test_synced_rows_are_exact_in_the_store(cli, connected, ar_home):
    assert cli("sync").code == 0
    db = sqlite3.connect(ar_home / "ar-sync.sqlite")
    rows = {number: Decimal(str(due)) for number, due in
            db.execute("select number, amount_due from invoices")}
    # The first sync reads open receivables only; the ACCPAY bill is never a receivable.
    assert rows == {
        "INV-001": Decimal("100"), "INV-002": Decimal("200"), "INV-003": Decimal("80"),
        "INV-004": Decimal("1000"), "INV-005": Decimal("500"), "INV-006": Decimal("300"),
        "INV-007": Decimal("45.5"), "INV-008": Decimal("915"), "INV-009": Decimal("100"),
    }
    # CN-001, CN-002, the overpayment and Eden's unapplied prepayment (kept, though not aged).
    assert db.execute("select count(*) from credits").fetchone() == (4,)
