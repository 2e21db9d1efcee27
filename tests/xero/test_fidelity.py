"""What real Xero does that the connector must cope with, end to end over real HTTP: archived
contacts that still owe money, allocations without an ``AllocationID``, a contact created while a
sync runs, and the ledger's own receivables figure from one report (``reported_total``: the
Trial Balance's receivables account, which holds no unapplied prepayment; nor does the aging, so
for the hand-checked company both are 3219.79, Eden Florist's 20.00 prepayment in neither).

The hand-checked company (``tests/xero/company.py``, total 3219.79) gets two changes here:

- Fiord Tours, an ARCHIVED contact, still owes INV-014, 432.10 due 10 days ago (1-30).
- Bay Plumbing's 60.00 overpayment dated 2 days ago is allocated twice, 25.00 each time, to
  INV-005 (500.00 due 61 days ago); Xero sends overpayment allocations without an
  ``AllocationID`` and dates both on the later of the two documents' dates, so they are two
  identical same-day allocations. INV-005 owes 450.00 (61-90) and 10.00 of the overpayment is
  unapplied (1-30, negative): Bay is 1820.50 - 50.00 - 10.00 = 1760.50.

Total 3219.79 - 60.00 + 432.10 = 3591.89.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ar_sync.aging.snapshots import aging_for
from ar_sync.connect.orgs import open_connector
from ar_sync.connector import LedgerTotal
from ar_sync.domain import Basis, Scheme
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import get_org
from ar_sync.sync.engine import sync_org
from ar_sync_xero.connector import RECEIVABLES_ACCOUNT_NOTE
from tests.conftest import SandboxControl
from tests.xero.company import BAY, INVOICE_IDS, ORG_ID, build_company, dump_company

ORG = f"xero:{ORG_ID}"
FIORD = "c0000000-0000-4000-8000-000000000006"
FIORD_INVOICE = "a0000000-0000-4000-8000-000000000014"
OVERPAYMENT = "e1000000-0000-4000-8000-000000000002"
INV_005 = INVOICE_IDS["INV-005"]

BAY_AFTER = {"current": "45.50", "1-30": "-10.00", "31-60": "975.00", "61-90": "450.00",
             "91+": "300.00", "total": "1760.50"}
FIORD_AGING = {"current": "0.00", "1-30": "432.10", "31-60": "0.00", "61-90": "0.00",
               "91+": "0.00", "total": "432.10"}
TOTALS = {"current": "115.50", "1-30": "1562.10", "31-60": "1055.00", "61-90": "450.00",
          "91+": "409.29", "total": "3591.89"}


def _fidelity_company(today: date) -> dict[str, Any]:
    company = build_company(today)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    stamp = f"{(today - timedelta(days=3)).isoformat()}T10:00:00"
    company["Contacts"].append({
        "ContactID": FIORD, "Name": "Fiord Tours", "ContactStatus": "ARCHIVED",
        "EmailAddress": "office@fiord.example", "UpdatedDateUTC": stamp,
    })
    (template,) = [i for i in company["Invoices"] if i["InvoiceNumber"] == "INV-003"]
    fiord = copy.deepcopy(template)
    total = Decimal("432.10")
    fiord.update(
        InvoiceID=FIORD_INVOICE, InvoiceNumber="INV-014", Date=day(-40), DueDate=day(-10),
        Contact={"ContactID": FIORD, "Name": "Fiord Tours"}, SubTotal=total, Total=total,
        AmountDue=total, UpdatedDateUTC=stamp,
        LineItems=[{"Description": "Tours", "Quantity": Decimal(1), "UnitAmount": total,
                    "LineAmount": total, "AccountCode": "200"}],
    )
    company["Invoices"].append(fiord)
    (inv_005,) = [i for i in company["Invoices"] if i["InvoiceID"] == INV_005]
    inv_005.update(AmountDue=Decimal("450.00"), AmountCredited=Decimal("50.00"))
    twice = {"Amount": Decimal("25.00"), "Invoice": {"InvoiceID": INV_005}}  # no AllocationID
    company["Overpayments"].append({
        "OverpaymentID": OVERPAYMENT, "Type": "RECEIVE-OVERPAYMENT", "Status": "AUTHORISED",
        "Contact": {"ContactID": BAY, "Name": "Bay Plumbing"}, "Date": day(-2),
        "LineAmountTypes": "NoTax", "SubTotal": Decimal("60.00"), "TotalTax": Decimal("0.00"),
        "Total": Decimal("60.00"), "RemainingCredit": Decimal("10.00"), "CurrencyCode": "NZD",
        "Allocations": [dict(twice), dict(twice)], "UpdatedDateUTC": stamp,
    })
    return company


@pytest.fixture
def fidelity_sandbox(tmp_path: Path, today: date) -> Iterator[Any]:
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    path = tmp_path / "fidelity.json"
    path.write_text(dump_company(_fidelity_company(today)), encoding="utf-8")
    sandbox = XeroSandbox([load_company(path)], port=0).start()
    sandbox.control = SandboxControl(sandbox.url)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _by_name(payload: dict) -> dict[str, dict[str, str]]:
    (org,) = payload["orgs"]
    return {c["name"]: {**c["buckets"], "total": c["total"]} for c in org["customers"]}


def test_an_archived_contact_and_two_identical_allocations_reach_the_aging(
    cli, fidelity_sandbox, ar_home, today
):
    assert cli("connect", "xero", "--sandbox", fidelity_sandbox.url).code == 0
    synced = cli("sync")
    assert synced.code == 0, synced.err
    assert "Kauri Test Traders: 10 invoices, 5 credits, 6 customers" in synced.out
    # The contacts were asked for with includeArchived (Xero hides archived ones otherwise).
    (contacts_call,) = [e for e in fidelity_sandbox.control.calls()["log"]
                        if e["path"].endswith("/Contacts")]
    assert "includeArchived=True" in contacts_call["query"]

    payload = cli("aging", "--format", "json").json()
    aging = _by_name(payload)
    assert aging["Fiord Tours"] == FIORD_AGING
    assert aging["Bay Plumbing"] == BAY_AFTER
    assert payload["orgs"][0]["totals"] == TOTALS

    db = sqlite3.connect(ar_home / "ar-sync.sqlite")
    try:
        rows = db.execute(
            "select allocation_id, amount, date from allocations "
            "where source = 'overpayment' and invoice_id = ? order by allocation_id",
            (INV_005,),
        ).fetchall()
        (archived,) = db.execute(
            "select name, is_active from customers where customer_id = ?", (FIORD,)
        ).fetchall()
    finally:
        db.close()
    when = (today - timedelta(days=2)).isoformat()
    assert [(r[0], Decimal(str(r[1])), r[2]) for r in rows] == [
        (f"{OVERPAYMENT}:{INV_005}:{when}:25:0", Decimal("25.00"), when),
        (f"{OVERPAYMENT}:{INV_005}:{when}:25:1", Decimal("25.00"), when),
    ]
    assert archived == ("Fiord Tours", 0)


class _AddACustomerMidSync:
    """Told when each stream starts (the engine's progress protocol); as the invoices stream
    starts, a user adds a contact and invoices it in Xero, after the contacts were read."""

    def __init__(self, control: SandboxControl, today: date) -> None:
        self.control, self.today, self.contact_id = control, today, None

    def stream_started(self, org: Any, stream: str) -> None:
        if stream != "invoices" or self.contact_id:
            return
        contact = self.control.request(
            "POST", "contacts", {"Name": "Glacier Guides", "EmailAddress": "ap@glacier.example"}
        )["Contact"]
        self.contact_id = contact["ContactID"]
        self.control.request("POST", "invoices", {
            "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": "INV-015",
            "Contact": {"ContactID": self.contact_id},
            "Date": self.today.isoformat(),
            "DueDate": (self.today + timedelta(days=20)).isoformat(),
            "LineItems": [{"Description": "Guiding", "Quantity": 1, "UnitAmount": 275.5}],
        })

    def page_committed(self, *args: Any) -> None:
        pass


def test_a_contact_created_during_a_sync_is_fetched_with_its_first_invoice(connected, today):
    settings = load_settings(None)
    store = Store(settings.db_url)
    with store.reading() as tx:
        org = get_org(tx, ORG)
    connector = open_connector(org, settings)
    hook = _AddACustomerMidSync(connected.control, today)
    try:
        connected.control.reset_calls()
        sync_org(store, connector, now=lambda: datetime.now(UTC), progress=hook)
        with store.reading() as tx:
            aging = aging_for(tx, org, as_of=today, basis=Basis.DUE, scheme=Scheme.DAYS)
        (glacier,) = [c for c in aging.report.customers if c.customer_id == hook.contact_id]
        assert aging.customer_names[hook.contact_id] == "Glacier Guides"
        assert (glacier.total, glacier.buckets["current"]) == (Decimal("275.50"),
                                                              Decimal("275.50"))
        assert aging.report.total == Decimal("3495.29")  # 3219.79 + 275.50
        log = connected.control.calls()["log"]
        by_id = [e for e in log if e["path"].endswith("/Contacts") and "IDs=" in e["query"]]
        assert len(by_id) == 1 and hook.contact_id in by_id[0]["query"]
        assert [e["path"].rsplit("/", 1)[-1] for e in log].count("Contacts") == 2
    finally:
        connector.close()
        store.close()


def test_reported_total_is_the_receivables_account_from_one_report(cli, connected, today):
    assert cli("sync").code == 0
    aging_total = Decimal(cli("aging", "--format", "json").json()["orgs"][0]["totals"]["total"])
    assert aging_total == Decimal("3219.79")
    connected.control.reset_calls()

    settings = load_settings(None)
    store = Store(settings.db_url)
    with store.reading() as tx:
        connector = open_connector(get_org(tx, ORG), settings)
    try:
        reported = connector.reported_total(as_of=today)
        first = connected.control.calls()
        a_year_before = connector.reported_total(as_of=today - timedelta(days=400))
        second = connected.control.calls()
    finally:
        connector.close()
        store.close()
    # Eden Florist's unapplied 20.00 prepayment is neither in Xero's receivables nor in the
    # aging, so the two agree to the cent.
    assert reported.amount == aging_total
    assert reported == LedgerTotal(
        amount=Decimal("3219.79"),
        source="Trial Balance: 610 Accounts Receivable",
        note=RECEIVABLES_ACCOUNT_NOTE,
    )
    assert first["by_endpoint"] == {"GET Accounts": 1, "GET Reports/TrialBalance": 1}
    (report_call,) = [e for e in first["log"] if e["path"].endswith("/TrialBalance")]
    assert report_call["query"] == f"date={today.isoformat()}"
    # The account is found once per connector; before any document was dated it was empty.
    assert second["by_endpoint"] == {"GET Accounts": 1, "GET Reports/TrialBalance": 2}
    assert a_year_before.amount == Decimal("0.00")


def _base(row: dict[str, Any], field: str) -> Decimal:
    """A document's ``field`` in base currency at its own rate, half-up to the cent."""
    rate = Decimal(str(row.get("CurrencyRate") or 1))
    return (Decimal(str(row[field])) / rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_reported_total_of_a_generated_company_equals_its_aging(cli, today):
    """Some generated prepayments are unapplied: they are in neither the ledger's receivables
    nor the aging, which agree to the cent; the receivables are also worked out here from the
    books themselves (open invoices less unapplied credit notes and overpayments)."""
    from ar_sync.sandbox.plugin import GenerateSpec, load_sandbox

    handle = load_sandbox("xero").start(
        generate=GenerateSpec(today=today, customers=30, invoices=200, seed=7)
    )
    control = SandboxControl(handle.url)
    try:
        assert cli("connect", "xero", "--sandbox", handle.url).code == 0
        assert cli("sync").code == 0
        (org,) = cli("aging", "--format", "json").json()["orgs"]
        books = control.request("GET", "state")
        open_invoices = sum(
            (_base(i, "AmountDue") for i in books["Invoices"]
             if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED"),
            Decimal("0.00"),
        )
        unapplied = sum(
            (_base(c, "RemainingCredit") for collection, kind in (
                ("CreditNotes", "ACCRECCREDIT"), ("Overpayments", "RECEIVE-OVERPAYMENT"))
             for c in books[collection] if c["Type"] == kind and c["Status"] == "AUTHORISED"),
            Decimal("0.00"),
        )
        unapplied_prepayments = [
            p for p in books["Prepayments"]
            if p["Status"] == "AUTHORISED" and Decimal(str(p["RemainingCredit"])) > 0
        ]
        assert unapplied_prepayments  # so the exclusion is exercised
        control.reset_calls()

        settings = load_settings(None)
        store = Store(settings.db_url)
        tenant = books["Organisation"]["OrganisationID"]
        with store.reading() as tx:
            connector = open_connector(get_org(tx, f"xero:{tenant}"), settings)
        try:
            reported = connector.reported_total(as_of=date.fromisoformat(org["as_of"]))
        finally:
            connector.close()
            store.close()
        calls = control.calls()["by_endpoint"]
    finally:
        handle.stop()
    assert reported.amount == open_invoices - unapplied == Decimal(org["totals"]["total"])
    assert calls == {"GET Accounts": 1, "GET Reports/TrialBalance": 1}
