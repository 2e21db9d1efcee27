"""Statements from the books (pure) and their PDF, read back with pypdf to the cent."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader

from ar_sync.collect.policy import Interest, InterestScheme
from ar_sync.domain import (
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    Org,
    RateQuote,
)
from ar_sync.statements.data import build_statements, email_text, note_text
from ar_sync.statements.pdf import render_statement

ORG = Org(org_id="xero:t-1", platform="xero", tenant_id="t-1", name="Kauri Ltd",
          base_currency="GBP", timezone="Europe/London", connection_id="c-1")
AS_OF = date(2026, 11, 30)
STAMP = datetime(2026, 11, 29, tzinfo=UTC)
NAME = "Ōtaki Café Ελλάς Жук"  # Latin with accents, Greek and Cyrillic


def invoice(invoice_id: str, customer: str, number: str, issued: date, due: date, total: str,
            due_amount: str, currency: str = "GBP", status: DocumentStatus = DocumentStatus.OPEN,
            ) -> Invoice:
    return Invoice(org_id=ORG.org_id, invoice_id=invoice_id, customer_id=customer,
                   number=number, status=status, issue_date=issued, due_date=due,
                   currency=currency, fx_rate=Decimal("1.25") if currency != "GBP" else Decimal(1),
                   fx_quote=RateQuote.DOCUMENT_PER_BASE, total=Decimal(total),
                   amount_due=Decimal(due_amount), updated_at=STAMP)


def credit(credit_id: str, customer: str, kind: CreditKind, day: date, remaining: str,
           currency: str = "GBP") -> Credit:
    return Credit(org_id=ORG.org_id, credit_id=credit_id, kind=kind, customer_id=customer,
                  number=credit_id.upper(), status=DocumentStatus.OPEN, date=day,
                  currency=currency, total=Decimal(remaining), remaining=Decimal(remaining),
                  updated_at=STAMP)


CUSTOMERS = [
    Customer(org_id=ORG.org_id, customer_id="C-1", name=NAME, email="kia.ora@otaki.example"),
    Customer(org_id=ORG.org_id, customer_id="C-2", name="Settled Ltd"),
    Customer(org_id=ORG.org_id, customer_id="C-3", name="In Credit Ltd"),
]
INVOICES = [
    # 1,234.50 less 234.50 paid, due 2026-08-01: 121 days overdue.
    invoice("I-1", "C-1", "INV-101", date(2026, 7, 2), date(2026, 8, 1), "1234.50", "1000.00"),
    # 2,500.00 untouched, due 2026-11-10: 20 days overdue.
    invoice("I-2", "C-1", "INV-102", date(2026, 10, 11), date(2026, 11, 10), "2500.00",
            "2500.00"),
    # EUR 99.99, due 2026-12-15: not yet due.
    invoice("I-3", "C-1", "INV-103", date(2026, 11, 15), date(2026, 12, 15), "99.99", "99.99",
            currency="EUR"),
    # Dated after the statement: not yet owed, left out.
    invoice("I-4", "C-1", "INV-104", date(2026, 12, 1), date(2026, 12, 31), "10.00", "10.00"),
    # Paid: not open.
    invoice("I-5", "C-1", "INV-099", date(2026, 6, 1), date(2026, 7, 1), "50.00", "0.00",
            status=DocumentStatus.PAID),
    # Settled Ltd owes 40.00, and has a 40.00 credit note: nothing due, no statement.
    invoice("I-6", "C-2", "INV-200", date(2026, 11, 1), date(2026, 11, 20), "40.00", "40.00"),
]
CREDITS = [
    credit("cn-1", "C-1", CreditKind.CREDIT_NOTE, date(2026, 10, 20), "150.25"),  # 41 days
    credit("pp-1", "C-1", CreditKind.PREPAYMENT, date(2026, 11, 1), "500.00"),  # not counted
    credit("cn-2", "C-2", CreditKind.CREDIT_NOTE, date(2026, 11, 2), "40.00"),
    credit("op-1", "C-3", CreditKind.OVERPAYMENT, date(2026, 11, 2), "75.00"),
]
UK = Interest(scheme=InterestScheme.UK_STATUTORY, base_rate=Decimal("4.75"))
INSTRUCTIONS = "Pay by bank transfer to 12-3456-7890123-00, reference your name."


def statements(interest: Interest = UK):
    return build_statements(ORG, CUSTOMERS, INVOICES, CREDITS, as_of=AS_OF, interest=interest,
                            payment_instructions=INSTRUCTIONS)


def text_lines(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def test_one_statement_per_customer_owing_something_with_every_figure():
    # Settled Ltd's credit note cancels its invoice and In Credit Ltd only has a credit:
    # neither owes anything, so neither gets a statement.
    (statement,) = statements()
    assert (statement.customer_id, statement.customer_name) == ("C-1", NAME)
    assert [(i.number, i.original, i.paid_or_credited, i.balance, i.days_overdue)
            for i in statement.items] == [
        ("INV-101", Decimal("1234.50"), Decimal("234.50"), Decimal("1000.00"), 121),
        ("INV-102", Decimal("2500.00"), Decimal("0.00"), Decimal("2500.00"), 20),
        ("INV-103", Decimal("99.99"), Decimal("0.00"), Decimal("99.99"), 0),
    ]
    assert [(c.number, c.remaining) for c in statement.credits] == [("CN-1", Decimal("150.25"))]
    assert statement.totals == {"EUR": Decimal("99.99"), "GBP": Decimal("3349.75")}
    # UK statutory: 8 + 4.75 = 12.75% a year, by the day; GBP 70 on a debt of 1,000 to 9,999.99.
    # 1000.00 * 12.75% * 121 / 365 = 42.27; 2500.00 * 12.75% * 20 / 365 = 17.47.
    assert [(q.number, q.interest, q.fee) for q in statement.interest] == [
        ("INV-101", Decimal("42.27"), Decimal("70.00")),
        ("INV-102", Decimal("17.47"), Decimal("70.00")),
    ]
    assert note_text(statement) == (
        "Statement of account at 2026-11-30 attached: EUR 99.99 and GBP 3,349.75 due "
        "(3 open invoices)."
    )
    subject, body = email_text(statement)
    assert subject == "Statement of account from Kauri Ltd at 2026-11-30"
    assert body.startswith(f"Dear {NAME},\n") and INSTRUCTIONS in body


def test_the_pdf_prints_every_figure_to_the_cent_and_the_names_in_their_scripts():
    (statement,) = statements()
    lines = text_lines(render_statement(statement))
    for expected in [
        "Statement of account",
        "Statement date: 2026-11-30",
        "Kauri Ltd",
        NAME,
        "kia.ora@otaki.example",
        "INV-101 2026-07-02 2026-08-01 GBP 1,234.50 234.50 1,000.00 121",
        "INV-102 2026-10-11 2026-11-10 GBP 2,500.00 0.00 2,500.00 20",
        "INV-103 2026-11-15 2026-12-15 EUR 99.99 0.00 99.99 0",
        "CN-1 2026-10-20 credit note GBP 150.25",
        "Cur. Current 1-30 31-60 61-90 91+ Total due",
        "EUR 99.99 0.00 0.00 0.00 0.00 99.99",
        # 2,500.00 in 1-30; the credit note (41 days) -150.25 in 31-60; 1,000.00 in 91+.
        "GBP 0.00 2,500.00 -150.25 0.00 1,000.00 3,349.75",
        "EUR 99.99",
        "GBP 3,349.75",
        "INV-101 GBP 121 1,000.00 42.27 70.00",
        "INV-102 GBP 20 2,500.00 17.47 70.00",
        INSTRUCTIONS,
    ]:
        assert expected in lines, expected
    assert not any("INV-104" in line or "INV-099" in line or "PP-1" in line for line in lines)


def test_rendering_again_gives_the_same_bytes_dated_the_statement_date():
    (statement,) = statements()
    first = render_statement(statement)
    assert render_statement(statement) == first
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata.creation_date == datetime(2026, 11, 30, tzinfo=UTC)
    assert reader.metadata.title == f"Statement of account: {NAME}"


def test_no_interest_section_without_a_scheme():
    (statement,) = statements(Interest())
    assert statement.interest == ()
    lines = text_lines(render_statement(statement))
    assert "Late-payment interest" not in lines
    assert "GBP 3,349.75" in lines
