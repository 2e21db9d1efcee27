"""The indexed listing (one sorted view per filter, bisected by If-Modified-Since) answers every
page exactly as a scan of the whole collection does, on a generated company, before and after
payments, voids, edits, new invoices, emails and new contacts move rows between views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from ar_sync_xero.sandbox import generate_company
from ar_sync_xero.sandbox.listing import select
from ar_sync_xero.sandbox.resources import RESOURCES, contacts_with_roles
from ar_sync_xero.sandbox.state import TenantState

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)

# (collection, query) as the connector and other clients send them; paged by 37 to cross pages.
QUERIES = [
    ("Invoices", {"where": 'Type=="ACCREC" AND AmountDue>0', "statuses": "AUTHORISED",
                  "order": "UpdatedDateUTC ASC"}),
    ("Invoices", {"where": 'Type=="ACCREC"', "order": "UpdatedDateUTC ASC"}),
    ("Invoices", {"where": 'Type=="ACCREC"'}),
    ("Invoices", {"statuses": "PAID,VOIDED"}),
    ("Invoices", {}),
    ("Contacts", {"includearchived": "true", "order": "UpdatedDateUTC ASC"}),
    ("Contacts", {}),
    ("CreditNotes", {"where": 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"',
                     "order": "UpdatedDateUTC ASC"}),
    ("Overpayments", {"where": 'Type=="RECEIVE-OVERPAYMENT"', "order": "UpdatedDateUTC ASC"}),
    ("Payments", {"where": 'Status=="AUTHORISED"'}),
]


@pytest.fixture(scope="module")
def company():
    return generate_company(customers=12, invoices=160, paid=60, seed=11, today=TODAY)


def _scanned_rows(state: TenantState, key: str) -> list[object]:
    """The collection's current rows sorted afresh, independently of the index."""
    if key == "Payments":
        rows = [state.find("Payments", payment_id) for payment_id in state.payments]
    elif key == "Invoices":
        rows = list(state.invoices.values())
    elif key == "Contacts":
        rows = list(state.contacts.values())
    else:
        rows = list(state.credits[key].values())
    resource = RESOURCES[key]
    return sorted(rows, key=lambda row: (resource.updated(row), resource.row_id(row)))


def _stamps(state: TenantState) -> list[str | None]:
    """If-Modified-Since values: none, before everything, exact stamps of rows (the bound is
    strict), and after everything."""
    stamps = sorted({i.UpdatedDateUTC for i in state.invoices.values()})
    picked = [stamps[0] - timedelta(days=1), *stamps[:: max(1, len(stamps) // 7)], stamps[-1]]
    return [None, *(s.replace(tzinfo=None, microsecond=0).isoformat() for s in picked)]


def _assert_same_pages(state: TenantState, *, newest_first: bool = False) -> int:
    """Every page of every query, indexed and scanned, compared; returns the pages compared.
    ``newest_first``: the If-Modified-Since values from the latest to none, so the first calls
    read the few rows past the bound directly and the last one builds the filter's view."""
    compared = 0
    for key, base in QUERIES:
        resource = RESOURCES[key]
        if key == "Contacts":
            resource = contacts_with_roles(*state.contact_roles())
        scanned = _scanned_rows(state, key)
        for since in _stamps(state)[:: -1 if newest_first else 1]:
            for page in range(1, 4):
                query = {**base, "page": str(page), "pagesize": "37"}
                indexed = select(resource, state.rows(key), query, since, table=state.table(key),
                                 stable_fields=frozenset(RESOURCES[key].fields))
                expected = select(resource, scanned, query, since)
                assert indexed == expected, (key, query, since)
                compared += 1
    return compared


@pytest.mark.parametrize("newest_first", [False, True])
def test_indexed_pages_equal_a_full_scan(company, newest_first) -> None:
    state = TenantState(company)
    pages = _assert_same_pages(state, newest_first=newest_first)
    assert pages == len(QUERIES) * len(_stamps(state)) * 3


def test_a_where_on_is_customer_is_scanned_and_still_right(company) -> None:
    state = TenantState(company)
    resource = contacts_with_roles(*state.contact_roles())
    query = {"where": "IsCustomer==true", "page": "1", "pagesize": "1000"}
    page = select(resource, state.rows("Contacts"), query, None, table=state.table("Contacts"),
                  stable_fields=frozenset(RESOURCES["Contacts"].fields))
    customers, _ = state.contact_roles()
    assert [c.ContactID for c in page.rows] == [
        c.ContactID for c in _scanned_rows(state, "Contacts") if c.ContactID in customers
    ]
    assert page.pagination["itemCount"] == len(customers)


def test_writes_move_rows_in_every_view(company) -> None:
    state = TenantState(company)
    _assert_same_pages(state)  # builds every view before the writes
    open_invoices = [
        i for i in _scanned_rows(state, "Invoices")
        if i.Type == "ACCREC" and i.Status == "AUTHORISED" and i.AmountDue > 0
    ]
    first = open_invoices[0]
    unpaid = [i for i in open_invoices[1:] if not i.AmountPaid and not i.AmountCredited]
    second, third, fourth, fifth = unpaid[:4]
    moment = NOW

    def later() -> datetime:
        nonlocal moment
        moment += timedelta(minutes=1)
        return moment

    state.record_payment(first.id, None, None, later())  # paid in full: leaves the open view
    state.record_payment(second.id, Decimal("1.00"), None, later())  # part paid: moves to the end
    state.void_invoice(third.id, later())
    state.patch_invoice(fourth.id, {"Reference": "moved by the index test"}, later())
    state.email_invoice(fifth.id, later())  # SentToContact, same stamp
    contact = next(iter(state.contacts.values()))
    state.create_invoice(
        {"Type": "ACCREC", "Contact": {"ContactID": contact.ContactID}, "Status": "AUTHORISED",
         "Date": "2026-11-20", "DueDate": "2026-12-20", "LineAmountTypes": "NoTax",
         "LineItems": [{"Description": "New", "Quantity": 1, "UnitAmount": 99.5}]},
        later(),
    )
    state.create_contact({"Name": "Index Test Ltd"}, later())
    _assert_same_pages(state)

    full = {**QUERIES[0][1], "page": "1", "pagesize": "1000"}
    page = select(RESOURCES["Invoices"], state.rows("Invoices"), full, None,
                  table=state.table("Invoices"), stable_fields=frozenset())
    ids = [i.id for i in page.rows]
    assert first.id not in ids and third.id not in ids
    assert ids[-3:] == [second.id, fourth.id, ids[-1]]  # moved to the end, in write order
    assert state.invoices[ids[-1]].Total == Decimal("99.50")
    assert page.pagination["itemCount"] == len(open_invoices) - 2 + 1
