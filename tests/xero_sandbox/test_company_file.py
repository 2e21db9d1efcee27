"""Company files: the sample's derived figures, round trips, and refused files (exact messages)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ar_sync_xero.sandbox import Company, CompanyFileError, load_company

ORG = {
    "OrganisationID": "0f0e0d0c-0b0a-4909-8807-060504030201",
    "Name": "Acme",
    "BaseCurrency": "NZD",
    "CountryCode": "NZ",
    "Timezone": "NEWZEALANDSTANDARDTIME",
}
CUSTOMER = "aaaaaaaa-0000-4000-8000-000000000001"
OTHER_CUSTOMER = "aaaaaaaa-0000-4000-8000-000000000002"


def _invoice(number: int, **fields: Any) -> dict[str, Any]:
    invoice = {
        "InvoiceID": f"bbbbbbbb-0000-4000-8000-00000000000{number}",
        "Type": "ACCREC",
        "Contact": {"ContactID": CUSTOMER},
        "Date": "2024-11-01",
        "DueDate": "2024-12-01",
        "Status": "AUTHORISED",
        "Total": 115.00,
    }
    invoice.update(fields)
    return invoice


ACME = {
    "Organisation": ORG,
    "Contacts": [
        {"ContactID": CUSTOMER, "Name": "Customer"},
        {"ContactID": OTHER_CUSTOMER, "Name": "Other customer"},
    ],
    "Invoices": [_invoice(n) for n in range(1, 5)],
}


def _write(tmp_path: Path, document: Any, name: str = "acme.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_sample_invoices_are_completed_from_lines_payments_and_credits(
    sample_company: Company,
) -> None:
    by_number = {i.number: i for i in sample_company.invoices}
    figures = {
        number: (
            i.Status,
            i.SubTotal,
            i.TotalTax,
            i.Total,
            i.AmountPaid,
            i.AmountCredited,
            i.AmountDue,
        )
        for number, i in by_number.items()
    }
    d = Decimal
    assert figures == {
        "INV-0001": (
            "AUTHORISED",
            d("200.00"),
            d("30.00"),
            d("230.00"),
            d("0.00"),
            d("0.00"),
            d("230.00"),
        ),
        "INV-0002": (
            "PAID",
            d("100.00"),
            d("15.00"),
            d("115.00"),
            d("115.00"),
            d("0.00"),
            d("0.00"),
        ),
        "INV-0003": (
            "AUTHORISED",
            d("500.00"),
            d("75.00"),
            d("575.00"),
            d("200.00"),
            d("0.00"),
            d("375.00"),
        ),
        "INV-0004": (
            "AUTHORISED",
            d("1000.00"),
            d("150.00"),
            d("1150.00"),
            d("0.00"),
            d("150.00"),
            d("1000.00"),
        ),
        "INV-0005": (
            "AUTHORISED",
            d("300.00"),
            d("45.00"),
            d("345.00"),
            d("0.00"),
            d("0.00"),
            d("345.00"),
        ),
        "INV-0006": (
            "AUTHORISED",
            d("80.00"),
            d("12.00"),
            d("92.00"),
            d("0.00"),
            d("0.00"),
            d("92.00"),
        ),
        "INV-0007": (
            "AUTHORISED",
            d("1000.00"),
            d("0.00"),
            d("1000.00"),
            d("0.00"),
            d("0.00"),
            d("1000.00"),
        ),
        "INV-0008": (
            "DRAFT",
            d("100.00"),
            d("15.00"),
            d("115.00"),
            d("0.00"),
            d("0.00"),
            d("115.00"),
        ),
        "INV-0009": (
            "SUBMITTED",
            d("200.00"),
            d("30.00"),
            d("230.00"),
            d("0.00"),
            d("0.00"),
            d("230.00"),
        ),
        "INV-0010": (
            "VOIDED",
            d("100.00"),
            d("15.00"),
            d("115.00"),
            d("0.00"),
            d("0.00"),
            d("0.00"),
        ),
        "INV-0011": (
            "AUTHORISED",
            d("400.00"),
            d("60.00"),
            d("460.00"),
            d("0.00"),
            d("60.00"),
            d("400.00"),
        ),
        "INV-0012": ("PAID", d("60.00"), d("9.00"), d("69.00"), d("69.00"), d("0.00"), d("0.00")),
        "PP-5521": (
            "AUTHORISED",
            d("250.00"),
            d("37.50"),
            d("287.50"),
            d("0.00"),
            d("0.00"),
            d("287.50"),
        ),
        "INV-0014": ("DELETED", d("50.00"), d("7.50"), d("57.50"), d("0.00"), d("0.00"), d("0.00")),
    }
    assert by_number["INV-0012"].FullyPaidOnDate == date(2026, 11, 20)
    # Defaults: UpdatedDateUTC is the document date at 00:00 UTC unless the file gives one.
    assert by_number["INV-0005"].UpdatedDateUTC == datetime(2026, 7, 15, tzinfo=UTC)
    assert by_number["INV-0003"].UpdatedDateUTC == datetime(2026, 11, 10, 1, tzinfo=UTC)
    # Both date forms: INV-0002 is written with /Date(ms+0000)/.
    assert (by_number["INV-0002"].Date, by_number["INV-0002"].DueDate) == (
        date(2026, 9, 1),
        date(2026, 9, 20),
    )


def test_sample_credits_and_payments(sample_company: Company) -> None:
    remaining = {c.id: (c.Status, c.Total, c.RemainingCredit) for c in sample_company.credits()}
    assert remaining == {
        "33333333-3333-4333-8333-000000000001": ("AUTHORISED", Decimal("230.00"), Decimal("80.00")),
        "44444444-4444-4444-8444-000000000001": ("AUTHORISED", Decimal("100.00"), Decimal("40.00")),
        "55555555-5555-4555-8555-000000000001": (
            "AUTHORISED",
            Decimal("500.00"),
            Decimal("500.00"),
        ),
    }
    # The allocation without a date takes the later of the invoice and credit note dates.
    (allocation,) = sample_company.credit_notes[0].Allocations
    assert (allocation.Date, allocation.Invoice.InvoiceNumber) == (date(2026, 10, 10), "INV-0004")
    # Embedded and top-level payments merge by PaymentID: three payments, not four.
    assert sorted(
        (p.Invoice.InvoiceNumber, p.Amount, p.PaymentType) for p in sample_company.payments
    ) == [
        ("INV-0002", Decimal("115.00"), "ACCRECPAYMENT"),
        ("INV-0003", Decimal("200.00"), "ACCRECPAYMENT"),
        ("INV-0012", Decimal("69.00"), "ACCRECPAYMENT"),
    ]


def test_pasted_api_fields_are_ignored(tmp_path: Path) -> None:
    document = copy.deepcopy(ACME)
    document["Invoices"][0].update(
        DateString="2024-11-01T00:00:00", HasErrors=False, IsDiscounted=False
    )
    document["Contacts"][0].update(
        IsCustomer=True, Balances={"AccountsReceivable": {"Outstanding": 1}}
    )
    company = load_company(_write(tmp_path, document))
    assert company.invoices[0].AmountDue == Decimal("115.00")


def _mutated(change) -> dict[str, Any]:
    document = copy.deepcopy(ACME)
    change(document)
    return document


def _pay_first(document: dict[str, Any]) -> None:
    document["Payments"] = [
        {
            "PaymentID": "cccccccc-0000-4000-8000-000000000001",
            "Date": "2024-11-20",
            "Amount": 115.00,
            "Invoice": {"InvoiceID": document["Invoices"][0]["InvoiceID"]},
        }
    ]


def _credit_other_customer(document: dict[str, Any]) -> None:
    document["CreditNotes"] = [
        {
            "CreditNoteID": "dddddddd-0000-4000-8000-000000000001",
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": OTHER_CUSTOMER},
            "Date": "2024-11-05",
            "Status": "AUTHORISED",
            "Total": 20.00,
            "Allocations": [
                {"Amount": 20.00, "Invoice": {"InvoiceID": document["Invoices"][1]["InvoiceID"]}}
            ],
        }
    ]


REFUSED = [
    (
        "bad date",
        lambda d: d["Invoices"][3].update(DueDate="2024-13-01"),
        "Invoices[3].DueDate: not a date: '2024-13-01'",
    ),
    (
        "wrong type",
        lambda d: d["Invoices"][0].update(Total="abc"),
        "Invoices[0].Total: input should be a valid decimal: 'abc'",
    ),
    (
        "unknown status",
        lambda d: d["Invoices"][0].update(Status="OPEN"),
        (
            "Invoices[0].Status: unknown Status 'OPEN' (expected one of DRAFT, SUBMITTED, DELETED, "
            "AUTHORISED, PAID, VOIDED)"
        ),
    ),
    (
        "unknown type",
        lambda d: d["Invoices"][0].update(Type="ACCRECCREDIT"),
        "Invoices[0].Type: unknown Type 'ACCRECCREDIT' (expected one of ACCREC, ACCPAY)",
    ),
    (
        "unknown currency",
        lambda d: d["Invoices"][1].update(CurrencyCode="XYZ"),
        "Invoices[1].CurrencyCode: unknown currency code 'XYZ'",
    ),
    (
        "unknown contact",
        lambda d: d["Invoices"][2].update(
            Contact={"ContactID": "aaaaaaaa-0000-4000-8000-000000000009"}
        ),
        "Invoices[2].Contact.ContactID: unknown contact 'aaaaaaaa-0000-4000-8000-000000000009'",
    ),
    (
        "missing field",
        lambda d: d["Invoices"][0].pop("DueDate"),
        "Invoices[0].DueDate: required field missing",
    ),
    (
        "missing organisation",
        lambda d: d.pop("Organisation"),
        "Organisation: required field missing",
    ),
    (
        "unknown field",
        lambda d: d["Contacts"][0].update(Nmae="x"),
        "Contacts[0].Nmae: unknown field",
    ),
    (
        "not a guid",
        lambda d: d["Contacts"][0].update(ContactID="C1"),
        "Contacts[0].ContactID: not a GUID: 'C1'",
    ),
    (
        "three decimals",
        lambda d: d["Invoices"][0].update(Total="115.001"),
        "Invoices[0].Total: not an amount with at most 2 decimal places: 115.001",
    ),
    (
        "due does not add up",
        lambda d: d["Invoices"][0].update(AmountDue=100.00),
        "Invoices[0].AmountDue: 100.00 does not match the payments and credits (115.00)",
    ),
    (
        "paid but AUTHORISED",
        _pay_first,
        "Invoices[0].Status: AUTHORISED does not fit AmountDue 0.00 (expected PAID)",
    ),
    (
        "foreign without rate",
        lambda d: d["Invoices"][0].update(CurrencyCode="AUD"),
        "Invoices[0].CurrencyRate: required for a document in AUD (base currency NZD)",
    ),
    (
        "unknown timezone",
        lambda d: d["Organisation"].update(Timezone="Pacific/Auckland"),
        "Organisation.Timezone: unknown timezone 'Pacific/Auckland'",
    ),
    (
        "duplicate id",
        lambda d: d["Invoices"].append(_invoice(1)),
        "Invoices[4]: duplicate id 'bbbbbbbb-0000-4000-8000-000000000001'",
    ),
    (
        "line without amount",
        lambda d: d["Invoices"][0].update(LineItems=[{"Description": "x"}]),
        "Invoices[0].LineItems[0].LineAmount: required when UnitAmount is missing",
    ),
    (
        "credit for another contact",
        _credit_other_customer,
        "CreditNotes[0].Allocations[0].Invoice.InvoiceID: the invoice belongs to another contact",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_malformed_company_files_are_refused_with_the_field_path(
    tmp_path: Path, change, message: str
) -> None:
    path = _write(tmp_path, _mutated(change))
    with pytest.raises(CompanyFileError) as refused:
        load_company(path)
    assert str(refused.value) == f"{path}: {message}"


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "Organisation": {\n    "Name": "Acme",\n  }\n}')
    with pytest.raises(CompanyFileError) as refused:
        load_company(path)
    assert (
        str(refused.value)
        == f"{path}: line 4 column 3: Expecting property name enclosed in double quotes"
    )


def test_a_file_that_is_not_an_object_or_not_there(tmp_path: Path) -> None:
    with pytest.raises(CompanyFileError) as refused:
        load_company(_write(tmp_path, "[]"))
    assert (
        str(refused.value)
        == f"{tmp_path / 'acme.json'}: (document): must be a JSON object, not list"
    )
    with pytest.raises(CompanyFileError) as missing:
        load_company(tmp_path / "nope.json")
    assert str(missing.value) == f"{tmp_path / 'nope.json'}: cannot read: No such file or directory"
