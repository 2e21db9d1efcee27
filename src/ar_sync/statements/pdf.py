"""A statement as a PDF (fpdf2), byte for byte the same each time it is rendered.

Sections, top to bottom: the title and statement date; from (the org) and to (the customer,
with the email address); open items (invoice, date, due, currency, original, paid/credited,
balance, days overdue); unapplied credits; the aging summary per currency (Current, 1-30,
31-60, 61-90, 91+, total due); the total due per currency; the late-payment interest quoted
(only under a policy's interest scheme); payment instructions.

Amounts are each document's own currency with its minor unit and thousands grouped
(``1,234.50``); a credit in the aging row is negative. The fonts are the DejaVu Sans the
evidence pack embeds (``ar_sync.views.pdf_document.FONTS``: Latin, Greek and Cyrillic names
print). The PDF's creation date is the statement date at 00:00 UTC and its file id is a hash
of its content (fpdf2's default), so rendering a statement again (a retry after a crash)
gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from ar_sync.money import format_amount
from ar_sync.statements.data import Statement, money
from ar_sync.views.pdf_document import FONT, PdfDocument

BUCKET_LABELS = {"current": "Current"}
SCHEME_LABELS = {
    "simple": "simple interest",
    "uk_statutory": "statutory interest (Late Payment of Commercial Debts (Interest) Act 1998)",
    "eu_directive": "interest under Directive 2011/7/EU",
}


def _amount(value: Decimal, currency: str) -> str:
    return format_amount(value, currency, grouped=True)


def render_statement(statement: Statement) -> bytes:
    """The statement's PDF (the module docstring says what it holds)."""
    doc = PdfDocument(title=f"Statement of account: {statement.customer_name}", author=statement.org_name,
                      created=datetime.combine(statement.statement_date, time(), tzinfo=UTC))
    pdf, heading, line, table = doc.pdf, doc.heading, doc.line, doc.table

    heading("Statement of account", 16)
    line(f"Statement date: {statement.statement_date.isoformat()}")
    heading("From", 11)
    line(statement.org_name)
    heading("To", 11)
    line(statement.customer_name)
    if statement.customer_email:
        line(statement.customer_email)
    line(f"Customer id: {statement.customer_id}")

    heading("Open items")
    table(
        (22, 22, 22, 14, 28, 28, 28, 26),
        ("Invoice", "Date", "Due", "Cur.", "Original", "Paid/credited", "Balance",
         "Days overdue"),
        [[i.number, i.issue_date.isoformat(), i.due_date.isoformat(), i.currency,
          _amount(i.original, i.currency), _amount(i.paid_or_credited, i.currency),
          _amount(i.balance, i.currency), str(i.days_overdue)]
         for i in statement.items],
        ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )

    heading("Unapplied credits")
    table(
        (40, 26, 40, 14, 40),
        ("Number", "Date", "Kind", "Cur.", "Unapplied"),
        [[c.number, c.date.isoformat(), c.kind.value.replace("_", " "), c.currency,
          _amount(c.remaining, c.currency)]
         for c in statement.credits],
        ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
    )

    heading("Aging summary")
    names = statement.bucket_names
    width = 150 // (len(names) + 1)
    table(
        (16, *(width for _ in names), 174 - 16 - width * len(names)),
        ("Cur.", *(BUCKET_LABELS.get(n, n) for n in names), "Total due"),
        [[row.currency, *(_amount(row.buckets[n], row.currency) for n in names),
          _amount(row.total, row.currency)]
         for row in statement.aging],
        ("LEFT", *("RIGHT" for _ in names), "RIGHT"),
    )

    heading("Total due")
    for currency, total in statement.totals.items():
        pdf.set_font(FONT, "B", 10)
        line(money(total, currency))
    pdf.set_font(FONT, "", 9)

    if statement.interest:
        heading("Late-payment interest")
        label = SCHEME_LABELS.get(statement.interest_scheme.value, "interest")
        line(f"Quoted at {statement.interest_rate}% a year ({label}), by the day from each "
             "due date to the statement date; it is not added to the balances above.")
        table(
            (30, 16, 26, 36, 36, 30),
            ("Invoice", "Cur.", "Days overdue", "Balance", "Interest", "Fixed sum"),
            [[q.number, q.currency, str(q.days_overdue), _amount(q.balance, q.currency),
              _amount(q.interest, q.currency), _amount(q.fee, q.currency)]
             for q in statement.interest],
            ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )

    if statement.payment_instructions:
        heading("How to pay")
        line(statement.payment_instructions)
    return doc.output()
