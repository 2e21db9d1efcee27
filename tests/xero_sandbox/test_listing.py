"""GET lists through the SDK: the full pull, If-Modified-Since, paging, where, order, shapes."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

OPEN_BY_UPDATE = [
    "INV-0005",
    "INV-0006",
    "INV-0004",
    "INV-0007",
    "INV-0011",
    "INV-0001",
    "INV-0003",
]
CHANGED_SINCE_9_NOV = ["INV-0001", "INV-0003", "INV-0009", "INV-0008", "INV-0012"]
TUI = "11111111-1111-4111-8111-000000000002"


def _numbers(invoices) -> list[str]:
    return [i.invoice_number for i in invoices.invoices]


def test_recommended_full_pull(xero) -> None:
    result = xero.api.get_invoices(
        xero.tenant,
        where='Type=="ACCREC" AND AmountDue>0',
        statuses=["AUTHORISED"],
        page=1,
        page_size=1000,
        order="UpdatedDateUTC ASC",
    )
    assert _numbers(result) == OPEN_BY_UPDATE
    pagination = result.pagination
    assert (
        pagination.page,
        pagination.page_size,
        pagination.page_count,
        pagination.item_count,
    ) == (1, 1000, 1, 7)
    by_number = {i.invoice_number: i for i in result.invoices}
    part_paid = by_number["INV-0003"]
    assert (part_paid.total, part_paid.amount_paid, part_paid.amount_due) == (
        Decimal("575.00"),
        Decimal("200.00"),
        Decimal("375.00"),
    )
    (payment,) = part_paid.payments
    assert (payment.amount, payment.date) == (Decimal("200.00"), date(2026, 11, 10))
    assert part_paid.line_items[0].line_amount == Decimal("500.00")
    (credit,) = by_number["INV-0004"].credit_notes
    assert (credit.credit_note_number, credit.applied_amount) == ("CN-0001", Decimal("150.00"))
    (overpayment,) = by_number["INV-0011"].overpayments
    assert overpayment.applied_amount == Decimal("60.00")
    foreign = by_number["INV-0007"]
    assert (foreign.currency_code.value, foreign.currency_rate, foreign.amount_due) == (
        "AUD",
        Decimal("0.9150"),
        Decimal("1000.00"),
    )
    assert by_number["INV-0005"].due_date == date(2026, 8, 14)
    assert by_number["INV-0004"].updated_date_utc.isoformat() == "2026-10-10T04:30:00+00:00"


def test_if_modified_since_returns_records_changed_strictly_after(
    xero, http, sandbox, bearer
) -> None:
    changed = xero.api.get_invoices(xero.tenant, if_modified_since=datetime(2026, 11, 9))
    assert _numbers(changed) == CHANGED_SINCE_9_NOV
    for header in (
        "2026-11-10T01:00:00",
        "2026-11-10T14:00:00+13:00",
        "2026-11-10T01:00:00Z",
        "Tue, 10 Nov 2026 01:00:00 GMT",
    ):
        response = http(
            "GET", f"{sandbox.api_url}/Invoices", headers={**bearer, "If-Modified-Since": header}
        )
        numbers = [i["InvoiceNumber"] for i in json.loads(response.data)["Invoices"]]
        assert numbers == ["INV-0009", "INV-0008", "INV-0012"], (
            header
        )  # INV-0003 is equal, not after
    bad = http(
        "GET",
        f"{sandbox.api_url}/Invoices",
        headers={**bearer, "If-Modified-Since": "last tuesday"},
    )
    assert bad.status == 400


def test_paging_and_page_size_clamping(xero) -> None:
    pages = [xero.api.get_invoices(xero.tenant, page=n, page_size=5) for n in (1, 2, 3, 4)]
    assert [len(p.invoices) for p in pages] == [5, 5, 4, 0]
    assert {(p.pagination.page_count, p.pagination.item_count) for p in pages} == {(3, 14)}
    assert len({i.invoice_id for p in pages for i in p.invoices}) == 14
    assert xero.api.get_invoices(xero.tenant, page=1, page_size=5000).pagination.page_size == 1000
    assert xero.api.get_invoices(xero.tenant, page=1, page_size=0).pagination.page_size == 1
    assert xero.api.get_invoices(xero.tenant, page=1).pagination.page_size == 100
    # Filtering by Statuses pages even without ``page`` (Xero's rule).
    assert xero.api.get_invoices(xero.tenant, statuses=["PAID"]).pagination.item_count == 2
    assert xero.api.get_invoices(xero.tenant).pagination is None


def test_unknown_where_is_a_validation_exception(xero) -> None:
    with pytest.raises(AccountingBadRequestException) as refused:
        xero.api.get_invoices(xero.tenant, where='Colour=="red"')
    error = refused.value
    assert error.status == 400
    assert error.reason == "No property or field 'Colour' exists in type 'Invoice'"
    assert error.error_data == {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {
                "ValidationErrors": [
                    {"Message": "No property or field 'Colour' exists in type 'Invoice'"}
                ]
            }
        ],
    }
    with pytest.raises(AccountingBadRequestException) as syntax:
        xero.api.get_invoices(xero.tenant, where='Type=="ACCREC" AND')
    assert (
        syntax.value.reason
        == "Syntax error at position 18: field name expected, found 'end of text'"
    )
    with pytest.raises(AccountingBadRequestException) as types:
        xero.api.get_invoices(xero.tenant, where='Status>"A"')
    assert (
        types.value.reason == "Operator '>' incompatible with operand types 'String' and 'String'"
    )


@pytest.mark.parametrize(
    ("where", "numbers"),
    [
        (
            f'Status="AUTHORISED" && Contact.ContactID==guid("{TUI}")',
            ["INV-0004", "INV-0003"],
        ),
        (
            'Date >= DateTime(2026, 11, 01) AND Type == "ACCREC"',
            ["INV-0011", "INV-0001", "INV-0009", "INV-0008"],
        ),
        ('DueDate < DateTime(2026,09,21) AND Status != "PAID"', ["INV-0005", "INV-0006"]),
        ('Contact.Name == "harbour cafe" AND AmountPaid > 0', ["INV-0002", "INV-0012"]),
        (
            'InvoiceNumber == "INV-0007" OR Reference.Contains("fit-out")',
            ["INV-0004", "INV-0007", "INV-0003"],
        ),
        ("AmountDue <= 92.00 AND AmountDue > 0", ["INV-0006"]),
        ('InvoiceID == guid("22222222-2222-4222-8222-000000000013")', ["PP-5521"]),
    ],
)
def test_where_expressions(xero, where: str, numbers: list[str]) -> None:
    assert _numbers(xero.api.get_invoices(xero.tenant, where=where)) == numbers


def test_list_parameters_and_order(xero) -> None:
    api, tenant = xero.api, xero.tenant
    assert _numbers(api.get_invoices(tenant, statuses=["DRAFT", "SUBMITTED"])) == [
        "INV-0009",
        "INV-0008",
    ]
    assert _numbers(api.get_invoices(tenant, invoice_numbers=["INV-0012", "INV-0002"])) == [
        "INV-0002",
        "INV-0012",
    ]
    assert _numbers(api.get_invoices(tenant, contact_i_ds=[TUI])) == ["INV-0004", "INV-0003"]
    assert _numbers(api.get_invoices(tenant, i_ds=["22222222-2222-4222-8222-000000000001"])) == [
        "INV-0001"
    ]
    assert _numbers(api.get_invoices(tenant, search_term="timber")) == []
    assert _numbers(api.get_invoices(tenant, search_term="FIT-OUT")) == ["INV-0004", "INV-0003"]
    by_date = api.get_invoices(tenant, where='Type=="ACCREC"', order="Date DESC, InvoiceNumber ASC")
    assert _numbers(by_date)[:3] == ["INV-0008", "INV-0009", "INV-0001"]
    with pytest.raises(AccountingBadRequestException) as refused:
        api.get_invoices(tenant, order="Colour ASC")
    assert refused.value.reason == "No property or field 'Colour' exists in type 'Invoice'"


def test_summary_and_unpaged_shapes(http, sandbox, bearer) -> None:
    def invoices(query: str) -> dict:
        return json.loads(http("GET", f"{sandbox.api_url}/Invoices?{query}", headers=bearer).data)

    paged = invoices("page=1&IDs=22222222-2222-4222-8222-000000000003")
    summary = invoices("summaryOnly=true&IDs=22222222-2222-4222-8222-000000000003")
    unpaged = invoices("IDs=22222222-2222-4222-8222-000000000003")
    (full,), (short,), (bare,) = paged["Invoices"], summary["Invoices"], unpaged["Invoices"]
    assert {"LineItems", "Payments", "HasAttachments", "CreditNotes"} <= set(full)
    assert set(full) - set(short) == {"LineItems", "Payments", "HasAttachments"}
    assert set(full) - set(bare) == {
        "LineItems",
        "Payments",
        "HasAttachments",
        "CreditNotes",
        "Overpayments",
        "Prepayments",
    }
    assert "pagination" in summary and "pagination" not in unpaged
    assert (
        full["Date"] == "/Date(1790812800000+0000)/"
        and full["UpdatedDateUTC"] == "/Date(1794272400000+0000)/"
    )


def test_names_and_booleans_are_case_insensitive(http, sandbox, bearer) -> None:
    response = http(
        "GET",
        f"{sandbox.api_url}/invoices?PAGE=1&pagesize=2&SUMMARYONLY=TRUE&statuses=paid",
        headers=bearer,
    )
    body = json.loads(response.data)
    assert body["pagination"] == {"page": 1, "pageSize": 2, "pageCount": 1, "itemCount": 2}
    assert [i["InvoiceNumber"] for i in body["Invoices"]] == ["INV-0002", "INV-0012"]
    assert (
        json.loads(
            http("GET", f"{sandbox.api_url}/Invoices?summaryOnly=maybe", headers=bearer).data
        )["Elements"][0]["ValidationErrors"][0]["Message"]
        == "'maybe' is not a valid value for summaryOnly; use true or false"
    )


def test_money_is_exact_decimal_text(http, sandbox, bearer) -> None:
    text = http("GET", f"{sandbox.api_url}/Invoices/INV-0003", headers=bearer).data.decode()
    assert (
        '"Total":575.00' in text
        and '"AmountDue":375.00' in text
        and '"CurrencyRate":1.000000' in text
    )


def test_single_invoice_by_id_or_number_and_404(xero) -> None:
    (by_id,) = xero.api.get_invoice(xero.tenant, "22222222-2222-4222-8222-000000000007").invoices
    (by_number,) = xero.api.get_invoice(xero.tenant, "INV-0007").invoices
    assert by_id.invoice_id == by_number.invoice_id == "22222222-2222-4222-8222-000000000007"
    with pytest.raises(NotFoundException):
        xero.api.get_invoice(xero.tenant, "22222222-2222-4222-8222-000000000099")


def test_credits_payments_and_contacts(xero) -> None:
    api, tenant = xero.api, xero.tenant
    (note,) = api.get_credit_notes(tenant, where='Type=="ACCRECCREDIT"', page=1).credit_notes
    assert (note.credit_note_number, note.remaining_credit, note.allocations[0].amount) == (
        "CN-0001",
        Decimal("80.00"),
        Decimal("150.00"),
    )
    assert note.allocations[0].date == date(2026, 10, 10)
    (overpayment,) = api.get_overpayments(tenant, where='Status=="AUTHORISED"').overpayments
    assert (overpayment.type, overpayment.remaining_credit) == (
        "RECEIVE-OVERPAYMENT",
        Decimal("40.00"),
    )
    (prepayment,) = api.get_prepayments(
        tenant, where=f'Contact.ContactID==guid("{TUI}")'
    ).prepayments
    assert (prepayment.type, prepayment.total, prepayment.sub_total) == (
        "RECEIVE-PREPAYMENT",
        Decimal("500.00"),
        Decimal("434.78"),
    )
    payments = api.get_payments(
        tenant, where="Date >= DateTime(2026, 11, 01)", order="Date ASC"
    ).payments
    assert [(p.invoice.invoice_number, p.amount, p.payment_type) for p in payments] == [
        ("INV-0003", Decimal("200.00"), "ACCRECPAYMENT"),
        ("INV-0012", Decimal("69.00"), "ACCRECPAYMENT"),
    ]
    aliased = api.get_payments(
        tenant, where=f'Type=="ACCRECPAYMENT" AND Contact.ContactID==guid("{TUI}")'
    )
    assert [p.amount for p in aliased.payments] == [Decimal("200.00")]
    contacts = api.get_contacts(tenant, page=1, where='Name.StartsWith("k")').contacts
    assert [(c.name, c.is_customer, c.is_supplier) for c in contacts] == [
        ("Kea Design Studio", True, False)
    ]
    (supplier,) = api.get_contacts(
        tenant, where='EmailAddress=="billing@pacificpaper.example.nz"'
    ).contacts
    assert (supplier.is_customer, supplier.is_supplier) == (False, True)
    (moana,) = api.get_contacts(tenant, page=1, search_term="moana").contacts
    assert moana.contact_persons[0].email_address == "tama@moanasurf.example.nz"
    assert api.get_organisations(tenant).organisations[0].base_currency.value == "NZD"
