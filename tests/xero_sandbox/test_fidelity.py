"""Where the sandbox must behave as Xero does rather than as ar-sync would like: archived
contacts, ``IsCustomer`` filters and the high-volume rule, allocation ids, the chart of accounts
and the Trial Balance. Figures are worked out by hand from samples/small_company.json.

Accounts Receivable (610) at 23 November 2026 = 3414.90: the aging of every open document
(230.00 + 375.00 + 1000.00 - 80.00 + 345.00 + 92.00 + 1092.90 + 400.00 - 40.00) with Tui's
500.00 prepayment left out (Xero books prepayments to the account on their lines). At 31 October
2026 it was 3093.90 (INV-0003 575.00 before its part payment, INV-0004 1000.00 after CN-0001,
CN-0001 -80.00, INV-0005 345.00, INV-0006 92.00, INV-0007 1092.90, INV-0012 69.00 before it was
paid), so November moved it by 321.00. At 30 September: 1587.00 (INV-0004 1150.00 before the
credit note, INV-0005, INV-0006), so October moved it by 1506.90.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib.resources import files

import pytest
from ar_sync_xero.sandbox import Company, SandboxLimits
from ar_sync_xero.sandbox.company import parse_company
from xero_python.exceptions import AccountingBadRequestException

SAMPLE = files("ar_sync_xero.sandbox").joinpath("samples/small_company.json")

KEA = "11111111-1111-4111-8111-000000000003"
CUSTOMERS = [
    "Harbour Cafe",
    "Kea Design Studio",
    "Moana Surf School",
    "Sydney Imports Pty Ltd",
    "Tui Construction Ltd",
]


def _sample_with(change) -> Company:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    change(data)
    return parse_company(data)


def _archive_kea(data: dict) -> None:
    (kea,) = [c for c in data["Contacts"] if c["ContactID"] == KEA]
    kea["ContactStatus"] = "ARCHIVED"


def test_archived_contacts_are_left_out_unless_asked_for(make_sandbox, connect) -> None:
    xero = connect(make_sandbox([_sample_with(_archive_kea)]))
    api, tenant = xero.api, xero.tenant
    listed = {c.name for c in api.get_contacts(tenant, page=1).contacts}
    assert "Kea Design Studio" not in listed and len(listed) == 5
    everyone = {
        c.name: c.contact_status
        for c in api.get_contacts(tenant, page=1, include_archived=True).contacts
    }
    assert everyone["Kea Design Studio"] == "ARCHIVED" and len(everyone) == 6
    # Its invoices are still owed, and the contact is still there by id.
    (kea,) = api.get_contact(tenant, KEA).contacts
    assert kea.name == "Kea Design Studio"
    owed = api.get_invoices(tenant, where=f'Contact.ContactID==guid("{KEA}") AND AmountDue>0')
    assert sorted(i.invoice_number for i in owed.invoices) == ["INV-0005", "INV-0006"]


def test_is_customer_and_is_supplier_can_be_filtered(xero) -> None:
    api, tenant = xero.api, xero.tenant
    customers = api.get_contacts(tenant, where="IsCustomer==true", order="Name ASC").contacts
    assert [c.name for c in customers] == CUSTOMERS
    (supplier,) = api.get_contacts(tenant, where="IsSupplier==true AND IsCustomer==false").contacts
    assert supplier.name == "Pacific Paper Supplies"


def test_unoptimised_filters_are_refused_on_a_high_volume_organisation(
    make_sandbox, connect, http
) -> None:
    # The sample's 6 contacts and 14 invoices are "high volume" for a threshold of 5.
    sandbox = make_sandbox(limits=SandboxLimits(high_volume=5))
    xero = connect(sandbox)
    api, tenant = xero.api, xero.tenant
    with pytest.raises(AccountingBadRequestException):
        api.get_contacts(tenant, where="IsCustomer==true")
    headers = {"Authorization": f"Bearer {xero.token['access_token']}", "xero-tenant-id": tenant}
    url = f"{sandbox.api_url}/Contacts?where=IsCustomer%3D%3Dtrue"
    refused = http("GET", url, headers=headers)
    assert (refused.status, json.loads(refused.data)) == (
        400,
        {
            "ErrorNumber": 51,
            "Type": "HighVolumeException",
            "Message": "Your request is not filtering Contacts efficiently, given the extremely "
            "high volume for this organisation. Please check "
            "https://developer.xero.com/documentation/api/efficient-data-retrieval for tips on "
            "making Contact retrieval more efficient.",
        },
    )
    with pytest.raises(AccountingBadRequestException):
        api.get_contacts(tenant, order="EmailAddress ASC")
    with pytest.raises(AccountingBadRequestException):
        api.get_invoices(tenant, where="SubTotal>100")
    # Optimised fields still work, and so does everything the connector asks for.
    (harbour,) = api.get_contacts(tenant, where='Name=="Harbour Cafe"').contacts
    assert harbour.name == "Harbour Cafe"
    everyone = api.get_contacts(tenant, page=1, include_archived=True, order="UpdatedDateUTC ASC")
    assert len(everyone.contacts) == 6
    open_invoices = api.get_invoices(
        tenant,
        where='Type=="ACCREC" AND AmountDue>0',
        statuses=["AUTHORISED"],
        order="UpdatedDateUTC ASC",
        page=1,
    )
    assert len(open_invoices.invoices) == 7


def test_allocation_ids_show_on_credit_notes_but_not_on_overpayments(
    sandbox, http, bearer, xero
) -> None:
    def allocations(collection: str) -> list[dict]:
        page = http("GET", f"{sandbox.api_url}/{collection}?page=1", headers=bearer)
        body = json.loads(page.data)
        return [a for record in body[collection] for a in record.get("Allocations", [])]

    (on_note,) = allocations("CreditNotes")
    assert set(on_note) == {"AllocationID", "Amount", "Date", "Invoice"}
    (on_overpayment,) = allocations("Overpayments")
    assert set(on_overpayment) == {"Amount", "Date", "Invoice"}
    assert on_overpayment["Amount"] == 60
    (overpayment,) = xero.api.get_overpayments(xero.tenant).overpayments
    assert overpayment.allocations[0].allocation_id is None


def test_the_receivables_account_and_the_trial_balance(xero) -> None:
    api, tenant = xero.api, xero.tenant
    (account,) = api.get_accounts(tenant, where='SystemAccount=="DEBTORS"').accounts
    assert (account.code, account.name, account.type.value, account._class, account.status) == (
        "610",
        "Accounts Receivable",
        "CURRENT",
        "ASSET",
        "ACTIVE",
    )
    codes = [a.code for a in api.get_accounts(tenant, order="Code ASC").accounts]
    assert codes == ["090", "200", "610", "800", "820", "835"]

    def receivables(day: date, **options) -> list[tuple[str, list[str]]]:
        (report,) = api.get_report_trial_balance(tenant, date=day, **options).reports
        assert (report.report_name, report.report_titles) == (
            "Trial Balance",
            ["Trial Balance", "Kiwi Widgets Ltd", f"As at {day.day} {day:%B %Y}"],
        )
        flat = []
        for row in report.rows:
            for inner in row.rows or [row]:
                flat.append((inner.row_type.value, [cell.value for cell in inner.cells]))
        for row in report.rows:
            for inner in row.rows or []:
                if inner.row_type.value == "Row":
                    ids = {a.value for c in inner.cells for a in c.attributes if a.id == "account"}
                    assert ids == {account.account_id}
        return flat

    header = ("Header", ["Account", "Debit", "Credit", "YTD Debit", "YTD Credit"])
    assert receivables(date(2026, 11, 23)) == [
        header,
        ("Row", ["Accounts Receivable (610)", "321.00", "", "3414.90", ""]),
        ("SummaryRow", ["Total", "321.00", "0.00", "3414.90", "0.00"]),
    ]
    assert receivables(date(2026, 10, 31)) == [
        header,
        ("Row", ["Accounts Receivable (610)", "1506.90", "", "3093.90", ""]),
        ("SummaryRow", ["Total", "1506.90", "0.00", "3093.90", "0.00"]),
    ]
    # On a cash basis there is nothing receivable; before the first invoice, nothing either.
    empty = [header, ("SummaryRow", ["Total", "0.00", "0.00", "0.00", "0.00"])]
    assert receivables(date(2026, 11, 23), payments_only=True) == empty
    assert receivables(date(2026, 7, 1)) == empty
