"""``ar-sync customers`` and ``ar-sync dso`` through the CLI, on a small hand-made Xero company
synced into a real store (SQLite and PostgreSQL), with every figure worked out by hand.

The company (base NZD, timezone UTC; all of it in 2025, so the figures never move):

- Aroha Cafe: INV-001 1,000.00 issued 01-10, due 02-09, paid 02-19 (10 days late); INV-002
  500.00 issued 02-05, due 03-07, paid 200.00 on 03-01 and 300.00 on 03-17 (paid off 10 days
  late); INV-003 300.00 issued 03-10, due 04-09, paid 04-30 (21 days late).
- Bay Plumbing: INV-004 800.00 issued 01-20, due 02-19, paid 02-14 (5 days early); INV-005
  600.00 issued 03-15, due 04-14, credited 100.00 from CN-001 on 03-20, 500.00 still open;
  CN-001 100.00 dated 02-20 (unapplied at the end of February); INV-006 999.00 VOIDED (never
  counted).

Month ends (receivables = open invoices less unapplied credits; DSO counted back over the
months of history, which starts 2025-01-01):

| month  | receivables | sales | DSO                                   | overdue | collected | paid, avg late |
| Jan 31 | 1,800.00    | 1,800 | 31 * 1800/1800 = 31.0                 | 0.0000  | 0.00      | 0, -           |
| Feb 28 | 400.00      | 500   | 28 * 400/500 = 22.4                   | 0.0000  | 1,800.00  | 2, (10-5)/2 = 2.5 |
| Mar 31 | 800.00      | 900   | 31 * 800/900 = 27.6                   | 0.0000  | 500.00    | 1, 10.0        |
| Apr 30 | 500.00      | 0     | 30 + 31 * 500/900 = 47.2              | 1.0000  | 300.00    | 1, 21.0        |
| May 31 | 500.00      | 0     | 31 + 30 + 31 * 500/900 = 78.2         | 1.0000  | 0.00      | 0, -           |

(CN-001's application on 03-20 is not a collection.) Customers at 2025-05-31 (12-month window
after 2024-05-31; recent = paid after 2025-02-28, earlier = the 12 months before):

- Aroha: 3 paid, average (10+10+21)/3 = 13.7, median 10.0; recent (10+21)/2 = 15.5 against
  earlier 10.0: +5.5, worsening (more than 5 days); last payment 04-30; largest month-end
  balance 1,000.00 (Jan 31); first invoice 01-10.
- Bay: 1 paid, -5.0 both; no recent payments, so no trend; last payment 02-14; largest
  balance 800.00 (Jan 31); first invoice 01-20.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)

TENANT = "5a6d3e4f-2222-4c2b-9d7e-00000000b001"
ORG_ID = f"xero:{TENANT}"  # ar-sync's org id: the ledger and its tenant
AROHA = "c1000000-0000-4000-8000-000000000001"
BAY = "c1000000-0000-4000-8000-000000000002"
SINCE = date(2025, 1, 1)


def _company() -> dict[str, Any]:
    minutes = iter(range(1, 60))

    def stamp() -> str:
        return f"2025-05-01T08:{next(minutes):02d}:00"

    def invoice(n: int, contact: tuple[str, str], total: str, issued: str, due: str, *,
                payments: tuple[tuple[str, str], ...] = (), credited: str = "0.00",
                status: str | None = None) -> dict[str, Any]:
        paid = sum((float(amount) for _, amount in payments), 0.0)
        due_amount = float(total) - paid - float(credited)
        document = {
            "InvoiceID": f"a1000000-0000-4000-8000-{n:012d}",
            "InvoiceNumber": f"INV-{n:03d}",
            "Type": "ACCREC",
            "Status": status or ("PAID" if due_amount == 0 else "AUTHORISED"),
            "Contact": {"ContactID": contact[0], "Name": contact[1]},
            "Date": issued, "DueDate": due,
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": f"Services {n}", "Quantity": 1, "UnitAmount": total,
                           "LineAmount": total, "AccountCode": "200"}],
            "SubTotal": total, "TotalTax": "0.00", "Total": total,
            "AmountDue": "0.00" if status == "VOIDED" else f"{due_amount:.2f}",
            "AmountPaid": f"{paid:.2f}", "AmountCredited": credited,
            "CurrencyCode": "NZD", "CurrencyRate": "1.0",
            "UpdatedDateUTC": stamp(),
        }
        if payments:
            document["Payments"] = [
                {"PaymentID": f"d1000000-0000-4000-8000-{n:09d}{k:03d}", "Date": day,
                 "Amount": amount}
                for k, (day, amount) in enumerate(payments)
            ]
        return document

    aroha, bay = (AROHA, "Aroha Cafe"), (BAY, "Bay Plumbing")
    invoices = [
        invoice(1, aroha, "1000.00", "2025-01-10", "2025-02-09",
                payments=(("2025-02-19", "1000.00"),)),
        invoice(2, aroha, "500.00", "2025-02-05", "2025-03-07",
                payments=(("2025-03-01", "200.00"), ("2025-03-17", "300.00"))),
        invoice(3, aroha, "300.00", "2025-03-10", "2025-04-09",
                payments=(("2025-04-30", "300.00"),)),
        invoice(4, bay, "800.00", "2025-01-20", "2025-02-19",
                payments=(("2025-02-14", "800.00"),)),
        invoice(5, bay, "600.00", "2025-03-15", "2025-04-14", credited="100.00"),
        invoice(6, bay, "999.00", "2025-02-01", "2025-03-03", status="VOIDED"),
    ]
    payments = [
        {**payment, "Invoice": {"InvoiceID": document["InvoiceID"],
                                "InvoiceNumber": document["InvoiceNumber"]},
         "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT", "UpdatedDateUTC": stamp()}
        for document in invoices for payment in document.get("Payments", [])
    ]
    credit_note = {
        "CreditNoteID": "e1000000-0000-4000-8000-000000000001", "CreditNoteNumber": "CN-001",
        "Type": "ACCRECCREDIT", "Status": "PAID",
        "Contact": {"ContactID": BAY, "Name": "Bay Plumbing"},
        "Date": "2025-02-20", "LineAmountTypes": "Exclusive",
        "SubTotal": "100.00", "TotalTax": "0.00", "Total": "100.00", "RemainingCredit": "0.00",
        "CurrencyCode": "NZD",
        "Allocations": [{"AllocationID": "f1000000-0000-4000-8000-000000000001",
                         "Amount": "100.00", "Date": "2025-03-20",
                         "Invoice": {"InvoiceID": invoices[4]["InvoiceID"],
                                     "InvoiceNumber": "INV-005"}}],
        "UpdatedDateUTC": stamp(),
    }
    contacts = [
        {"ContactID": cid, "Name": name, "ContactStatus": "ACTIVE", "IsCustomer": True,
         "IsSupplier": False, "EmailAddress": f"ap@{name.split()[0].lower()}.example",
         "UpdatedDateUTC": stamp()}
        for cid, name in (aroha, bay)
    ]
    return {
        "Organisation": {"OrganisationID": TENANT, "Name": "Totara Measures Ltd",
                         "BaseCurrency": "NZD", "CountryCode": "NZ", "Timezone": "UTC",
                         "ShortCode": "!tML01"},
        "Contacts": contacts, "Invoices": invoices, "CreditNotes": [credit_note],
        "Overpayments": [], "Prepayments": [], "Payments": payments,
    }


@pytest.fixture
def measured(
    cli: Callable[..., Any], tmp_path: Path, store_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """The company served by a Xero sandbox, connected, synced (open documents only:
    ``AR_SYNC_HISTORY_MONTHS=0``) and backfilled from 2025-01-01 (``ar-sync backfill``) into a
    database of each kind."""
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    path = tmp_path / "totara.json"
    path.write_text(json.dumps(_company()), encoding="utf-8")
    monkeypatch.setenv("AR_SYNC_DB", store_url)
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")
    sandbox = XeroSandbox([load_company(path)], port=0)
    sandbox.start()
    try:
        assert cli("connect", "xero", "--sandbox", sandbox.url).code == 0
        (org_id,) = [org["org_id"] for org in cli("orgs", "--format", "json").json()]
        assert cli("sync").code == 0  # the open documents and every customer
        backfill = cli("backfill", "--org", org_id, "--since", SINCE.isoformat())
        assert backfill.code == 0, backfill.err
        yield org_id
    finally:
        sandbox.stop()


AROHA_JSON = {
    "customer_id": AROHA, "name": "Aroha Cafe", "invoices_paid": 3,
    "average_days_late": "13.7", "median_days_late": "10.0", "recent_days_late": "15.5",
    "earlier_days_late": "10.0", "trend": "worsening", "trend_days": "+5.5",
    "last_payment_date": "2025-04-30", "largest_balance": "1000.00",
    "first_invoice_date": "2025-01-10",
}
BAY_JSON = {
    "customer_id": BAY, "name": "Bay Plumbing", "invoices_paid": 1,
    "average_days_late": "-5.0", "median_days_late": "-5.0", "recent_days_late": None,
    "earlier_days_late": "-5.0", "trend": None, "trend_days": None,
    "last_payment_date": "2025-02-14", "largest_balance": "800.00",
    "first_invoice_date": "2025-01-20",
}


def test_customers_payment_records_in_json_csv_and_table(cli, measured) -> None:
    shown = cli("customers", "--as-of", "2025-05-31", "--format", "json")
    assert shown.code == 0, shown.err
    assert shown.json() == {"orgs": [{
        "org_id": ORG_ID, "name": "Totara Measures Ltd", "platform": "xero",
        "base_currency": "NZD", "as_of": "2025-05-31", "history_since": "2025-01-01",
        "customers": [AROHA_JSON, BAY_JSON],
    }]}

    csv_out = cli("customers", "--as-of", "2025-05-31", "--format", "csv").out.splitlines()
    assert csv_out == [
        "org_id,org_name,base_currency,as_of,customer_id,customer_name,invoices_paid,"
        "average_days_late,median_days_late,recent_days_late,earlier_days_late,trend,"
        "trend_days,last_payment_date,largest_balance,first_invoice_date",
        f"{ORG_ID},Totara Measures Ltd,NZD,2025-05-31,{AROHA},Aroha Cafe,3,13.7,10.0,15.5,10.0,"
        "worsening,+5.5,2025-04-30,1000.00,2025-01-10",
        f"{ORG_ID},Totara Measures Ltd,NZD,2025-05-31,{BAY},Bay Plumbing,1,-5.0,-5.0,,-5.0,,,"
        "2025-02-14,800.00,2025-01-20",
    ]

    table = cli("customers", "--as-of", "2025-05-31").out
    aroha_line = next(line for line in table.splitlines() if "Aroha Cafe" in line)
    assert aroha_line.split() == ["Aroha", "Cafe", "3", "13.7", "10.0", "worsening", "+5.5",
                                  "2025-04-30", "1,000.00", "2025-01-10"]


def test_dso_per_month_counted_back(cli, measured) -> None:
    shown = cli("dso", "--months", "120", "--format", "json")
    assert shown.code == 0, shown.err
    (org,) = shown.json()["orgs"]
    assert (org["org_id"], org["base_currency"], org["history_since"]) == (
        ORG_ID, "NZD", "2025-01-01")
    months = {m["month_end"]: m for m in org["months"]}
    assert org["months"][0]["month_end"] == "2025-01-31"  # the first full month of history
    expected = [
        ("2025-01-31", "1800.00", "1800.00", "31.0", "0.00", "0.0000", "0.00", 0, None),
        ("2025-02-28", "400.00", "500.00", "22.4", "0.00", "0.0000", "1800.00", 2, "2.5"),
        ("2025-03-31", "800.00", "900.00", "27.6", "0.00", "0.0000", "500.00", 1, "10.0"),
        ("2025-04-30", "500.00", "0.00", "47.2", "500.00", "1.0000", "300.00", 1, "21.0"),
        ("2025-05-31", "500.00", "0.00", "78.2", "500.00", "1.0000", "0.00", 0, None),
    ]
    for end, receivables, sales, dso, overdue, share, collected, paid, late in expected:
        assert months[end] == {
            "month_end": end, "receivables": receivables, "credit_sales": sales, "dso": dso,
            "dso_capped": False, "overdue": overdue, "overdue_share": share,
            "collected": collected, "invoices_paid": paid, "average_days_late": late,
        }

    rows = cli("dso", "--months", "120", "--format", "csv").out.splitlines()
    assert rows[0] == ("org_id,org_name,base_currency,month_end,receivables,credit_sales,dso,"
                       "dso_capped,overdue,overdue_share,collected,invoices_paid,"
                       "average_days_late")
    assert rows[2] == (f"{ORG_ID},Totara Measures Ltd,NZD,2025-02-28,400.00,500.00,22.4,false,"
                       "0.00,0.0000,1800.00,2,2.5")

    table = cli("dso", "--months", "120").out
    february = next(line for line in table.splitlines() if "2025-02-28" in line)
    assert february.split() == ["2025-02-28", "400.00", "22.4", "0.00%", "1,800.00", "2", "2.5"]


def test_an_org_without_history_is_refused_saying_how_to_get_it(
    cli, connected, monkeypatch
) -> None:
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")
    assert cli("sync").code == 0
    for command in (("customers",), ("dso",)):
        refused = cli(*command)
        assert refused.code == 2
        assert refused.err.strip() == (
            "error: no history for Kauri Test Traders: set AR_SYNC_HISTORY_MONTHS (e.g. 12) and run "
            "`ar-sync sync --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001`, or run "
            "`ar-sync backfill --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001 --since DATE`"
        )


def test_an_org_without_history_is_skipped_beside_one_with_it(
    cli, measured, xero_sandbox
) -> None:
    assert cli("connect", "xero", "--sandbox", xero_sandbox.url).code == 0
    assert cli("sync", "--org", "Kauri Test Traders").code == 0
    shown = cli("customers", "--as-of", "2025-05-31", "--format", "json")
    assert shown.code == 0, shown.err
    assert [org["name"] for org in shown.json()["orgs"]] == ["Totara Measures Ltd"]
    assert shown.err.strip() == (
        "skipped: no history for Kauri Test Traders: set AR_SYNC_HISTORY_MONTHS (e.g. 12) and "
        "run `ar-sync sync --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001`, or run "
        "`ar-sync backfill --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001 --since DATE`"
    )
