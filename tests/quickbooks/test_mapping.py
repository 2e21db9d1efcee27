"""QuickBooks wire JSON -> domain records, on recorded real responses and documented shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ar_sync_quickbooks import mapping
from ar_sync_quickbooks.connector import STREAMS, quote, select_statement

from ar_sync.domain import (
    Allocation,
    AllocationSource,
    CreditKind,
    DocumentStatus,
    RateQuote,
)
from ar_sync.errors import DataError
from ar_sync.money import to_base
from ar_sync.sync.paging import FULL, INCREMENTAL, PageRequest

ORG = "quickbooks:4620816365"


def test_recorded_open_invoice(recorded) -> None:
    invoice = mapping.invoice_from_quickbooks(
        recorded("invoice_read")["Invoice"], org_id=ORG, base_currency="USD"
    )
    assert invoice.invoice_id == "266"
    assert invoice.number == "1043"
    assert invoice.customer_id == "1"
    assert invoice.status is DocumentStatus.OPEN
    assert (invoice.issue_date, invoice.due_date) == (date(2020, 9, 29), date(2020, 10, 29))
    assert (invoice.total, invoice.amount_due) == (Decimal("100.0"), Decimal("100.0"))
    assert (invoice.currency, invoice.fx_rate) == ("USD", Decimal(1))
    assert invoice.updated_at == datetime(2020, 9, 29, 12, 58, 7, tzinfo=UTC)
    assert invoice.payments is None  # QuickBooks payments are documents of their own


def test_recorded_voided_invoice_is_voided_not_paid(recorded) -> None:
    invoice = mapping.invoice_from_quickbooks(
        recorded("invoice_void")["Invoice"], org_id=ORG, base_currency="USD"
    )
    assert (invoice.status, invoice.amount_due) == (DocumentStatus.VOIDED, Decimal(0))


@pytest.mark.parametrize(
    ("note", "status"),
    [
        ("Voided", DocumentStatus.VOIDED),
        ("Voided - Promised to pay by the 15th", DocumentStatus.VOIDED),  # over an old note
        ("Voided cheque re-issued", DocumentStatus.PAID),  # a person's note, not QBO's mark
        (None, DocumentStatus.PAID),
    ],
)
def test_a_void_is_told_by_quickbooks_note_prefix(recorded, note, status) -> None:
    raw = dict(recorded("invoice_void")["Invoice"])
    if note is None:
        raw.pop("PrivateNote")
    else:
        raw["PrivateNote"] = note
    invoice = mapping.invoice_from_quickbooks(raw, org_id=ORG, base_currency="USD")
    assert (invoice.status, invoice.amount_due) == (status, Decimal(0))


def test_recorded_customer(recorded) -> None:
    customer = mapping.customer_from_quickbooks(recorded("customer_read")["Customer"], org_id=ORG)
    assert (customer.customer_id, customer.name, customer.email, customer.is_active) == (
        "5",
        "Dukes Basketball Camp",
        "Dukes_bball@intuit.com",
        True,
    )
    assert customer.updated_at == datetime(2016, 8, 27, 8, 37, 57, tzinfo=UTC)


def _invoice(**fields):
    base = {
        "Id": "130",
        "DocNumber": "1037",
        "TxnDate": "2026-09-01",
        "DueDate": "2026-10-01",
        "TotalAmt": Decimal("362.07"),
        "Balance": Decimal("362.07"),
        "CustomerRef": {"value": "3", "name": "Cool Cars"},
        "MetaData": {"LastUpdatedTime": "2026-09-01T13:16:17-07:00"},
    }
    return {**base, **fields}


def test_foreign_invoice_converts_home_units_per_foreign_unit() -> None:
    invoice = mapping.invoice_from_quickbooks(
        _invoice(CurrencyRef={"value": "EUR"}, ExchangeRate=Decimal("1.0834"),
                 Balance=Decimal("100.05")),
        org_id=ORG,
        base_currency="USD",
    )
    assert (invoice.currency, invoice.fx_rate, invoice.fx_quote) == (
        "EUR", Decimal("1.0834"), RateQuote.BASE_PER_DOCUMENT)
    # 100.05 EUR x 1.0834 = 108.394170 USD -> 108.39
    assert to_base(invoice.amount_due, rate=invoice.fx_rate, quote=invoice.fx_quote,
                   base_currency="USD") == Decimal("108.39")


def test_paid_invoice_and_missing_due_date() -> None:
    invoice = mapping.invoice_from_quickbooks(
        _invoice(Balance=Decimal(0), DueDate=None), org_id=ORG, base_currency="USD"
    )
    assert invoice.status is DocumentStatus.PAID
    assert invoice.due_date == date(2026, 9, 1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"CustomerRef": None}, "missing CustomerRef"),
        ({"TxnDate": "01/09/2026"}, "TxnDate is not a date: '01/09/2026'"),
        ({"MetaData": {}}, "missing MetaData.LastUpdatedTime"),
        ({"MetaData": {"LastUpdatedTime": "2026-09-01T13:16:17"}},
         "MetaData.LastUpdatedTime is not a timestamp: '2026-09-01T13:16:17'"),
        ({"ExchangeRate": Decimal(0)}, "ExchangeRate must be positive, got 0"),
    ],
)
def test_unreadable_invoice_names_the_field(fields, message) -> None:
    with pytest.raises(DataError) as raised:
        mapping.invoice_from_quickbooks(_invoice(**fields), org_id=ORG, base_currency="USD")
    assert str(raised.value) == message
    assert raised.value.record_id == "130"


def test_payment_owns_its_invoice_applications_and_its_unapplied_part() -> None:
    payment = mapping.payment_from_quickbooks(
        {
            "Id": "201",
            "TxnDate": "2026-11-02",
            "TotalAmt": Decimal("500.00"),
            "UnappliedAmt": Decimal("37.93"),
            "PaymentRefNum": "CHK-88",
            "CustomerRef": {"value": "3"},
            "Line": [
                {"Amount": Decimal("362.07"),
                 "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
                {"Amount": Decimal("100.00"),
                 "LinkedTxn": [{"TxnId": "131", "TxnType": "Invoice"}]},
                {"Amount": Decimal("20.00"),
                 "LinkedTxn": [{"TxnId": "9", "TxnType": "CreditMemo"}]},
            ],
            "MetaData": {"LastUpdatedTime": "2026-11-02T09:00:00-08:00"},
        },
        org_id=ORG,
        base_currency="USD",
    )
    assert (payment.kind, payment.status, payment.remaining, payment.number) == (
        CreditKind.PAYMENT, DocumentStatus.OPEN, Decimal("37.93"), "CHK-88")
    # The memo's 20.00 is the memo's allocation onto the first invoice line (QBO applies a
    # credit memo through a payment linking both), the rest of that line the payment's.
    assert payment.allocations == (
        Allocation(org_id=ORG, allocation_id="201:0:130:9~by-payment", invoice_id="130",
                   source=AllocationSource.CREDIT_NOTE, source_id="9",
                   amount=Decimal("20.00"), date=date(2026, 11, 2)),
        Allocation(org_id=ORG, allocation_id="201:0:130", invoice_id="130",
                   source=AllocationSource.PAYMENT, source_id="201",
                   amount=Decimal("342.07"), date=date(2026, 11, 2)),
        Allocation(org_id=ORG, allocation_id="201:1:131", invoice_id="131",
                   source=AllocationSource.PAYMENT, source_id="201",
                   amount=Decimal("100.00"), date=date(2026, 11, 2)),
    )


def test_fully_applied_payment_and_credit_memo() -> None:
    paid = mapping.payment_from_quickbooks(
        {"Id": "7", "TxnDate": "2026-10-01", "TotalAmt": Decimal(50), "UnappliedAmt": Decimal(0),
         "CustomerRef": {"value": "3"}, "MetaData": {"LastUpdatedTime": "2026-10-01T00:00:00Z"}},
        org_id=ORG, base_currency="USD",
    )
    assert (paid.status, paid.remaining, paid.allocations) == (DocumentStatus.PAID, Decimal(0), ())
    memo = mapping.credit_memo_from_quickbooks(
        {"Id": "9", "DocNumber": "CM-1", "TxnDate": "2026-10-05", "TotalAmt": Decimal("80.00"),
         "RemainingCredit": Decimal("60.00"), "CustomerRef": {"value": "3"},
         "CurrencyRef": {"value": "CAD"}, "ExchangeRate": Decimal("0.7311"),
         "MetaData": {"LastUpdatedTime": "2026-10-05T10:00:00-07:00"}},
        org_id=ORG, base_currency="USD",
    )
    assert (memo.kind, memo.status, memo.remaining, memo.currency, memo.date) == (
        CreditKind.CREDIT_NOTE, DocumentStatus.OPEN, Decimal("60.00"), "CAD", date(2026, 10, 5))


def test_org_from_company_info_and_preferences() -> None:
    org = mapping.org_from_quickbooks(
        {"CompanyName": "Craig's Design and Landscaping Services", "Country": "US",
         "DefaultTimeZone": "America/Los_Angeles"},
        {"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}},
        realm_id="4620816365", connection_id="quickbooks:c1", api_url=None,
    )
    assert (org.org_id, org.name, org.base_currency, org.timezone) == (
        "quickbooks:4620816365", "Craig's Design and Landscaping Services", "USD",
        "America/Los_Angeles")
    fallback = mapping.org_from_quickbooks(
        {"CompanyName": "Maple Ltd", "Country": "CA", "DefaultTimeZone": "Pacific Standard"},
        {"CurrencyPrefs": {"HomeCurrency": {"value": "CAD"}}},
        realm_id="1", connection_id="c", api_url=None,
    )
    assert (fallback.base_currency, fallback.timezone) == ("CAD", "America/Toronto")


def test_aged_receivables_totals_by_column_title() -> None:
    report = {
        "Columns": {"Column": [
            {"ColType": "Customer", "ColTitle": ""},
            {"ColType": "Money", "ColTitle": "Total"},  # moved first: parsed by title
            {"ColType": "Money", "ColTitle": "Current"},
        ]},
        "Rows": {"Row": [
            {"ColData": [{"id": "4", "value": "Jane Litigious"}, {"value": "37.50"},
                         {"value": ""}]},
            {"ColData": [{"id": "5", "value": "Credit Only"}, {"value": "-12.00"},
                         {"value": "-12.00"}]},
            {"group": "GrandTotal", "type": "Section",
             "Summary": {"ColData": [{"value": "TOTAL"}, {"value": "25.50"}, {"value": ""}]}},
        ]},
    }
    assert mapping.aged_receivables_totals(report) == {
        "4": Decimal("37.50"), "5": Decimal("-12.00")}


def test_queries_the_connector_sends() -> None:
    invoices = next(spec for spec in STREAMS if spec.name == "invoices")
    since = datetime(2026, 11, 20, 8, 30, 15, 999, tzinfo=UTC)
    assert select_statement(invoices, PageRequest(mode=FULL, since=None, page=1)) == (
        "SELECT * FROM Invoice WHERE Balance > '0' ORDERBY MetaData.LastUpdatedTime "
        "STARTPOSITION 1 MAXRESULTS 1000"
    )
    assert select_statement(invoices, PageRequest(mode=INCREMENTAL, since=since, page=3)) == (
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-11-20T08:30:15+00:00' "
        "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 2001 MAXRESULTS 1000"
    )
    streams = {spec.name: spec for spec in STREAMS}
    first = PageRequest(mode=FULL, since=None, page=1)
    page = "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"
    assert [select_statement(streams[name], first) for name in (
        "customers", "credit_memos", "payments")] == [
        f"SELECT * FROM Customer WHERE Active IN (true, false) {page}",
        f"SELECT * FROM CreditMemo WHERE Balance > '0' {page}",
        f"SELECT * FROM Payment {page}",
    ]
    assert select_statement(streams["customers"], PageRequest(
        mode=INCREMENTAL, since=since, page=1)) == (
        "SELECT * FROM Customer WHERE Active IN (true, false) AND MetaData.LastUpdatedTime >= "
        f"'2026-11-20T08:30:15+00:00' {page}"
    )
    assert quote("Amy's Bird Sanctuary") == "'Amy\\'s Bird Sanctuary'"
