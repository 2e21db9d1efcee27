"""Xero wire JSON (money as Decimal) -> ar-sync domain records, on the spec's examples; the
organisation (one call a sync) still goes through the SDK's model."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from ar_sync_xero import mapping
from ar_sync_xero.connector import parse_xero_instant
from ar_sync_xero.timezones import iana_timezone
from xero_python.accounting import AccountingApi
from xero_python.api_client.deserializer import deserialize

from ar_sync.domain import (
    Allocation,
    AllocationSource,
    CreditKind,
    DocumentStatus,
    RateQuote,
)
from ar_sync.errors import DataError

FINDER = AccountingApi().get_model_finder()
ORG = "xero:t1"


def model(name: str, text: str):
    """An SDK model, as ``GET Organisation`` returns it."""
    return deserialize(name, json.loads(text, parse_float=Decimal), FINDER)


def wire(text: str):
    """One record of a list page as the connector maps it: parsed JSON, money as Decimal."""
    return json.loads(text, parse_float=Decimal)


INVOICE = """{
  "InvoiceID": "243216c5-369e-4056-ac67-05388f86dc81", "Type": "ACCREC", "Status": "AUTHORISED",
  "InvoiceNumber": "INV-0010", "Contact": {"ContactID": "c1", "Name": "City Agency"},
  "Date": "/Date(1518652800000+0000)/", "DueDate": "/Date(1521072000000+0000)/",
  "CurrencyCode": "AUD", "CurrencyRate": 0.9150, "Total": 115.00, "AmountDue": 69.00,
  "AmountPaid": 46.00, "UpdatedDateUTC": "/Date(1518685950940+0000)/",
  "Payments": [{"PaymentID": "p1", "Date": "/Date(1518739200000+0000)/", "Amount": 46.00}]
}"""


def test_an_authorised_invoice_with_a_payment():
    invoice = mapping.invoice_from_xero(wire(INVOICE), org_id=ORG,
                                        base_currency="NZD")
    assert invoice is not None
    assert (invoice.invoice_id, invoice.customer_id, invoice.number) == (
        "243216c5-369e-4056-ac67-05388f86dc81", "c1", "INV-0010"
    )
    assert invoice.status is DocumentStatus.OPEN
    assert (invoice.issue_date, invoice.due_date) == (date(2018, 2, 15), date(2018, 3, 15))
    assert (invoice.currency, invoice.fx_rate, invoice.fx_quote) == (
        "AUD", Decimal("0.9150"), RateQuote.DOCUMENT_PER_BASE
    )
    assert (invoice.total, invoice.amount_due) == (Decimal("115.00"), Decimal("69.00"))
    assert invoice.updated_at == datetime(2018, 2, 15, 9, 12, 30, 940000, tzinfo=UTC)
    assert invoice.payments == (
        Allocation(org_id=ORG, allocation_id="p1", invoice_id=invoice.invoice_id,
                   source=AllocationSource.PAYMENT, source_id="p1", amount=Decimal("46.00"),
                   date=date(2018, 2, 16)),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [("DRAFT", DocumentStatus.DRAFT), ("SUBMITTED", DocumentStatus.SUBMITTED),
     ("PAID", DocumentStatus.PAID), ("VOIDED", DocumentStatus.VOIDED),
     ("DELETED", DocumentStatus.DELETED)],
)
def test_statuses(status, expected):
    text = INVOICE.replace('"AUTHORISED"', f'"{status}"')
    invoice = mapping.invoice_from_xero(wire(text), org_id=ORG, base_currency="NZD")
    assert invoice is not None and invoice.status is expected


def test_bills_are_not_receivables_and_base_currency_defaults():
    bill = INVOICE.replace('"ACCREC"', '"ACCPAY"')
    assert mapping.invoice_from_xero(wire(bill), org_id=ORG,
                                     base_currency="NZD") is None
    local = INVOICE.replace('"CurrencyCode": "AUD", "CurrencyRate": 0.9150,', "")
    invoice = mapping.invoice_from_xero(wire(local), org_id=ORG, base_currency="NZD")
    assert (invoice.currency, invoice.fx_rate) == ("NZD", Decimal(1))


def test_a_record_without_a_contact_is_a_data_error():
    text = INVOICE.replace('"Contact": {"ContactID": "c1", "Name": "City Agency"},', "")
    with pytest.raises(DataError, match="missing Contact"):
        mapping.invoice_from_xero(wire(text), org_id=ORG, base_currency="NZD")


CREDIT_NOTE = """{
      "CreditNoteID": "cn1", "CreditNoteNumber": "CN-1", "Type": "ACCRECCREDIT",
      "Status": "AUTHORISED", "Contact": {"ContactID": "c1"}, "Date": "/Date(1518652800000+0000)/",
      "Total": 100.00, "RemainingCredit": 25.00, "UpdatedDateUTC": "/Date(1518685950940+0000)/",
      "Allocations": [{"AllocationID": "a1", "Amount": 75.00, "Date": "/Date(1518652800000+0000)/",
                       "Invoice": {"InvoiceID": "i9"}},
                      {"AllocationID": "a2", "Amount": 5.00, "Date": "/Date(1518652800000+0000)/",
                       "Invoice": {"InvoiceID": "i8"}, "IsDeleted": true}]}"""


def test_credit_note_overpayment_prepayment():
    note = wire(CREDIT_NOTE)
    credit = mapping.credit_note_from_xero(note, org_id=ORG, base_currency="NZD")
    assert (credit.kind, credit.number, credit.total, credit.remaining) == (
        CreditKind.CREDIT_NOTE, "CN-1", Decimal("100.00"), Decimal("25.00")
    )
    assert [(a.allocation_id, a.invoice_id, a.source, a.amount) for a in credit.allocations] == [
        ("a1", "i9", AllocationSource.CREDIT_NOTE, Decimal("75.00"))
    ]
    supplier = wire(CREDIT_NOTE.replace("ACCRECCREDIT", "ACCPAYCREDIT"))
    assert mapping.credit_note_from_xero(supplier, org_id=ORG, base_currency="NZD") is None

    over = wire("""{"OverpaymentID": "o1", "Type": "RECEIVE-OVERPAYMENT",
      "Status": "AUTHORISED", "Contact": {"ContactID": "c2"}, "Date": "/Date(1518652800000+0000)/",
      "Total": 30.00, "RemainingCredit": 30.00, "Reference": "Paid twice",
      "UpdatedDateUTC": "/Date(1518685950940+0000)/"}""")
    credit = mapping.overpayment_from_xero(over, org_id=ORG, base_currency="NZD")
    assert (credit.kind, credit.number, credit.customer_id) == (CreditKind.OVERPAYMENT,
                                                                "Paid twice", "c2")
    spend = wire("""{"OverpaymentID": "o2", "Type": "SPEND-OVERPAYMENT",
      "Status": "AUTHORISED", "Contact": {"ContactID": "c2"}, "Date": "/Date(1518652800000+0000)/",
      "UpdatedDateUTC": "/Date(1518685950940+0000)/"}""")
    assert mapping.overpayment_from_xero(spend, org_id=ORG, base_currency="NZD") is None

    pre = wire("""{"PrepaymentID": "pp1", "Type": "RECEIVE-PREPAYMENT",
      "Status": "PAID", "Contact": {"ContactID": "c3"}, "Date": "/Date(1518652800000+0000)/",
      "Total": 20.00, "RemainingCredit": 0.00, "UpdatedDateUTC": "/Date(1518685950940+0000)/"}""")
    credit = mapping.prepayment_from_xero(pre, org_id=ORG, base_currency="NZD")
    assert (credit.kind, credit.status, credit.remaining) == (
        CreditKind.PREPAYMENT, DocumentStatus.PAID, Decimal("0.00")
    )


def test_organisation_and_contact():
    organisation = model("Organisation", """{"OrganisationID": "t1", "Name": "Kauri Ltd",
        "BaseCurrency": "NZD", "Timezone": "NEWZEALANDSTANDARDTIME"}""")
    org = mapping.org_from_xero(organisation, tenant_id="t1", connection_id="xero:k",
                                api_url=None)
    assert (org.org_id, org.name, org.base_currency, org.timezone) == (
        "xero:t1", "Kauri Ltd", "NZD", "Pacific/Auckland"
    )
    contact = wire("""{"ContactID": "c1", "Name": "City Agency",
        "EmailAddress": "a@city.example", "ContactStatus": "ARCHIVED",
        "UpdatedDateUTC": "/Date(1518685950940+0000)/"}""")
    customer = mapping.customer_from_xero(contact, org_id=ORG)
    assert (customer.customer_id, customer.name, customer.email, customer.is_active) == (
        "c1", "City Agency", "a@city.example", False
    )


@pytest.mark.parametrize(
    ("xero", "iana"),
    [("NEWZEALANDSTANDARDTIME", "Pacific/Auckland"), ("AUSEASTERNSTANDARDTIME",
     "Australia/Sydney"), ("GMTSTANDARDTIME", "Europe/London"), ("UTC", "Etc/UTC"),
     ("CENTRALSTANDARDTIME(MEXICO)", "America/Mexico_City"), ("UTC02", "Etc/GMT+2"),
     ("UTC+12", "Etc/GMT-12"), ("NOSUCHTIME", None), (None, None)],
)
def test_timezones(xero, iana):
    assert iana_timezone(xero) == iana


def test_every_timezone_the_sdk_knows_maps_to_a_real_zone():
    from zoneinfo import ZoneInfo

    from xero_python.accounting.models import TimeZone

    for zone in TimeZone:
        ZoneInfo(iana_timezone(zone.value))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/Date(1518685950940+0000)/", datetime(2018, 2, 15, 9, 12, 30, 940000, tzinfo=UTC)),
     ("/Date(1518685950940)/", datetime(2018, 2, 15, 9, 12, 30, 940000, tzinfo=UTC)),
     ("2018-02-15T09:12:30", datetime(2018, 2, 15, 9, 12, 30, tzinfo=UTC))],
)
def test_instants(text, expected):
    assert parse_xero_instant(text) == expected


def _overpayment(allocations: str):
    return wire("""{"OverpaymentID": "o1", "Type": "RECEIVE-OVERPAYMENT",
      "Status": "AUTHORISED", "Contact": {"ContactID": "c2"}, "Date": "/Date(1518652800000+0000)/",
      "Total": 100.00, "RemainingCredit": 30.00, "UpdatedDateUTC": "/Date(1518685950940+0000)/",
      "Allocations": [%s]}""" % allocations)


SAME_DAY = '{"Amount": 25.00, "Date": "/Date(1518652800000+0000)/", "Invoice": {"InvoiceID": "i9"}}'
OTHER = '{"Amount": 20.00, "Date": "/Date(1518652800000+0000)/", "Invoice": {"InvoiceID": "i8"}}'


def test_allocations_without_an_id_stay_apart_and_keep_their_ids():
    def ids(allocations: str) -> list[str]:
        credit = mapping.overpayment_from_xero(_overpayment(allocations), org_id=ORG,
                                               base_currency="NZD")
        return [a.allocation_id for a in credit.allocations]

    twice = ids(f"{SAME_DAY}, {SAME_DAY}")
    assert twice == ["o1:i9:2018-02-15:25:0", "o1:i9:2018-02-15:25:1"]
    # Another allocation listed before them (or removed again) changes none of their ids.
    assert ids(f"{OTHER}, {SAME_DAY}, {SAME_DAY}") == ["o1:i8:2018-02-15:20:0", *twice]
    # Xero's own id wins when it sends one.
    with_id = SAME_DAY.replace('{"Amount"', '{"AllocationID": "a7", "Amount"')
    assert ids(f"{with_id}, {SAME_DAY}") == ["a7", "o1:i9:2018-02-15:25:1"]


# --------------------------------------------------------------- the spec's own list examples

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "xero" / "xero_accounting.yaml"
MAPPERS = {
    "Invoices": ("Invoice", mapping.invoice_from_xero),
    "CreditNotes": ("CreditNote", mapping.credit_note_from_xero),
    "Overpayments": ("Overpayment", mapping.overpayment_from_xero),
    "Prepayments": ("Prepayment", mapping.prepayment_from_xero),
    "Contacts": ("Contact", mapping.customer_from_xero),
}


@pytest.fixture(scope="module")
def spec_pages() -> dict[str, list[dict]]:
    """Each collection's ``GET`` 200 example, as the wire sends it (money read as Decimal)."""
    if not SPEC.is_file():
        pytest.skip("xero_accounting.yaml not found in ../shared/specs/xero")
    import yaml

    with SPEC.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    pages = {}
    for collection in MAPPERS:
        example = document["paths"][f"/{collection}"]["get"]["responses"]["200"]["content"][
            "application/json"]["example"]
        pages[collection] = json.loads(json.dumps(example, default=str), parse_float=Decimal)[
            collection]
    return pages


def test_the_spec_examples_map_to_these_records(spec_pages):
    def mapped(collection):
        mapper = MAPPERS[collection][1]
        return [mapper(row, org_id=ORG, base_currency="NZD") for row in spec_pages[collection]]

    invoices = mapped("Invoices")
    assert [(i.status, i.issue_date, i.due_date, i.total, i.amount_due) for i in invoices] == [
        (DocumentStatus.VOIDED, date(2018, 10, 20), date(2018, 12, 30), Decimal(40), Decimal(0)),
        (DocumentStatus.PAID, date(2018, 10, 20), date(2018, 12, 30), Decimal(46), Decimal(0)),
        (DocumentStatus.OPEN, date(2018, 11, 2), date(2018, 11, 7), Decimal(115), Decimal(115)),
    ]
    assert [len(i.payments) for i in invoices] == [0, 1, 0]
    assert invoices[2].updated_at == datetime(2018, 11, 2, 16, 37, 28, 927000, tzinfo=UTC)
    notes = mapped("CreditNotes")
    assert notes[1] is None  # ACCPAYCREDIT: a supplier's
    assert (notes[0].kind, notes[0].total, notes[0].remaining) == (
        CreditKind.CREDIT_NOTE, Decimal("34.5"), Decimal("32.5"))
    assert [o and (o.kind, o.remaining) for o in mapped("Overpayments")] == [
        None, (CreditKind.OVERPAYMENT, Decimal(20)), None, (CreditKind.OVERPAYMENT, Decimal(20)),
        (CreditKind.OVERPAYMENT, Decimal(20))]
    (prepayment,) = mapped("Prepayments")
    assert (prepayment.kind, prepayment.remaining) == (CreditKind.PREPAYMENT, Decimal(3450))
    assert [c.is_active for c in mapped("Contacts")] == [True, True]


def test_every_field_mapped_reads_as_the_sdk_reads_it(spec_pages):
    """The direct mapping and xero-python's deserialiser agree on the spec's examples."""
    for collection, (name, mapper) in MAPPERS.items():
        for row in spec_pages[collection]:
            record = mapper(row, org_id=ORG, base_currency="NZD")
            if record is None:
                continue
            sdk = deserialize(name, row, FINDER)
            assert record.updated_at == sdk.updated_date_utc
            if collection == "Contacts":
                assert (record.customer_id, record.name) == (sdk.contact_id, sdk.name)
                continue
            assert (record.customer_id, record.currency, record.total) == (
                sdk.contact.contact_id, sdk.currency_code.value, sdk.total)
            if collection == "Invoices":
                assert (record.issue_date, record.due_date, record.amount_due) == (
                    sdk.date, sdk.due_date, sdk.amount_due)
                assert [(p.allocation_id, p.amount, p.date) for p in record.payments] == [
                    (p.payment_id, p.amount, p.date) for p in sdk.payments or ()]
            else:
                assert (record.date, record.remaining) == (sdk.date, sdk.remaining_credit)
                assert [(a.invoice_id, a.amount, a.date) for a in record.allocations] == [
                    (a.invoice.invoice_id, a.amount, a.date) for a in sdk.allocations or ()
                    if not a.is_deleted]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"AUTHORISED"', '"ARCHIVED"'), "unknown Status 'ARCHIVED'"),
        (('"AUD"', '"XYZ"'), "unknown CurrencyCode 'XYZ'"),
        (('"ACCREC"', '"ACCRECX"'), "unknown Type 'ACCRECX'"),
        (('"/Date(1518652800000+0000)/"', '"2018-02-15"'),
         "Date is not a Xero date: '2018-02-15'"),
        (('"Amount": 46.00', '"Amount": "lots"'), "Payments[].Amount is not an amount: 'lots'"),
    ],
    ids=["status", "currency", "type", "iso-date", "amount"],
)
def test_what_the_sdk_refuses_is_a_data_error_naming_the_record(change, message):
    # Each of these the SDK's deserialiser refuses too (strict enums, ms dates, numbers).
    with pytest.raises(DataError) as refused:
        mapping.invoice_from_xero(wire(INVOICE.replace(*change)), org_id=ORG,
                                  base_currency="NZD")
    assert str(refused.value) == message
    assert refused.value.record_id == "243216c5-369e-4056-ac67-05388f86dc81"


def test_whole_number_amounts_are_exact_decimals():
    invoice = mapping.invoice_from_xero(
        wire(INVOICE.replace("115.00", "115").replace("69.00", "69")), org_id=ORG,
        base_currency="NZD")
    assert (invoice.total, invoice.amount_due) == (Decimal(115), Decimal(69))
    assert isinstance(invoice.total, Decimal)
