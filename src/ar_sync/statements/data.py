"""A customer's open-item statement at a date, from the synced books (pure).

``build_statements`` turns an org's open invoices and unapplied credits (the domain records the
store loads) into one ``Statement`` per customer who owes something in some currency at
``as_of``; nothing here reads the store or the clock.

What a statement holds, and the rules:

- The org's name and the customer's name and email address. The store keeps no postal address
  for either (neither ledger's address is synced), so the org is named only and the customer
  is reached by email.
- ``items``: every open invoice (``status == open``, ``amount_due > 0``) issued on or before
  ``as_of``, earliest due first: number, date, due date, original amount (``total``), paid or
  credited (``total - amount_due``), balance (``amount_due``), days overdue
  (``max((as_of - due_date).days, 0)``: 0 on the due date and before), all in the invoice's
  currency.
- ``credits``: every unapplied credit the aging counts (credit notes, overpayments, unapplied
  payments; not a Xero prepayment: ``ar_sync.aging.age.receivables`` says why), dated on or
  before ``as_of``, with what remains to apply (positive).
- ``aging``: per currency, the customer's aging row (``current``, ``1-30``, ``31-60``,
  ``61-90``, ``91+`` days past due, ``ar_sync.aging.age``, credits negative in the bucket of
  their own date) and its total: the total due in that currency.
- ``interest``: per invoice the late-payment interest and fixed sum the policy quotes
  (``ar_sync.collect.interest.quote``, in the invoice's currency, to its minor unit); empty
  under no scheme.
- ``payment_instructions``: the text of ``[statements] payment_instructions`` in config.toml.

A customer is given a statement when its total due is above zero in at least one currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ar_sync.aging.age import RECEIVABLE_CREDIT_KINDS, age, receivables
from ar_sync.collect.interest import annual_rate, quote
from ar_sync.collect.policy import Interest, InterestScheme
from ar_sync.domain import (
    Basis,
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    JournaledInvoice,
    Org,
    Scheme,
)
from ar_sync.money import format_amount, zero_in

frozen = dataclass(frozen=True, slots=True, kw_only=True)


@frozen
class StatementItem:
    """One open invoice; amounts in ``currency``."""

    invoice_id: str
    number: str
    issue_date: date
    due_date: date
    currency: str
    original: Decimal
    paid_or_credited: Decimal
    balance: Decimal
    days_overdue: int


@frozen
class StatementCredit:
    """One unapplied credit; ``remaining`` (positive, in ``currency``) reduces what is due."""

    credit_id: str
    number: str
    kind: CreditKind
    date: date
    currency: str
    remaining: Decimal


@frozen
class CurrencyAging:
    """The customer's aging row in one currency: every bucket (zeros included) and the total
    due (their sum)."""

    currency: str
    buckets: Mapping[str, Decimal]
    total: Decimal


@frozen
class QuotedInterest:
    """The late-payment interest and fixed sum quoted on one overdue invoice (``currency``)."""

    number: str
    currency: str
    days_overdue: int
    balance: Decimal
    interest: Decimal
    fee: Decimal


@frozen
class Statement:
    """One customer's open-item statement at ``statement_date`` (the module docstring)."""

    org_id: str
    org_name: str
    customer_id: str
    customer_name: str
    customer_email: str | None
    statement_date: date
    items: tuple[StatementItem, ...]
    credits: tuple[StatementCredit, ...]
    bucket_names: tuple[str, ...]
    aging: tuple[CurrencyAging, ...]
    interest_scheme: InterestScheme
    interest_rate: Decimal  # percent a year; 0 under no scheme
    interest: tuple[QuotedInterest, ...]
    payment_instructions: str

    @property
    def totals(self) -> dict[str, Decimal]:
        """Total due per currency (the aging rows' totals), alphabetical."""
        return {row.currency: row.total for row in self.aging}

    def invoices_journaled(self) -> tuple[JournaledInvoice, ...]:
        """The items as a journal row lists them."""
        return tuple(
            JournaledInvoice(invoice_id=i.invoice_id, number=i.number, due_date=i.due_date,
                             amount_due=i.balance, currency=i.currency)
            for i in self.items
        )


def days_overdue(due_date: date, as_of: date) -> int:
    """``max((as_of - due_date).days, 0)``: 0 on the due date and before it."""
    return max((as_of - due_date).days, 0)


def _item(invoice: Invoice, as_of: date) -> StatementItem:
    return StatementItem(
        invoice_id=invoice.invoice_id, number=invoice.number, issue_date=invoice.issue_date,
        due_date=invoice.due_date, currency=invoice.currency, original=invoice.total,
        paid_or_credited=invoice.total - invoice.amount_due, balance=invoice.amount_due,
        days_overdue=days_overdue(invoice.due_date, as_of),
    )


def _is_open_invoice(invoice: Invoice, as_of: date) -> bool:
    return (invoice.status is DocumentStatus.OPEN and invoice.amount_due > 0
            and invoice.issue_date <= as_of)


def _is_open_credit(credit: Credit, as_of: date) -> bool:
    return (credit.status is DocumentStatus.OPEN and credit.remaining > 0
            and credit.kind in RECEIVABLE_CREDIT_KINDS and credit.date <= as_of)


def _quoted(items: Sequence[StatementItem], as_of: date,
            interest: Interest) -> tuple[QuotedInterest, ...]:
    if interest.scheme is InterestScheme.NONE:
        return ()
    found = []
    for item in items:
        if item.days_overdue <= 0:
            continue
        accrued, fee = quote(item.balance, item.currency, item.due_date, as_of, interest)
        found.append(QuotedInterest(number=item.number, currency=item.currency,
                                    days_overdue=item.days_overdue, balance=item.balance,
                                    interest=accrued, fee=fee))
    return tuple(found)


def build_statements(
    org: Org,
    customers: Iterable[Customer],
    invoices: Iterable[Invoice],
    credits: Iterable[Credit],
    *,
    as_of: date,
    interest: Interest,
    payment_instructions: str = "",
) -> list[Statement]:
    """One ``Statement`` per customer owing more than zero in some currency at ``as_of``,
    sorted by name (case-insensitive) then id (see the module docstring)."""
    open_invoices = [i for i in invoices if _is_open_invoice(i, as_of)]
    open_credits = [c for c in credits if _is_open_credit(c, as_of)]
    report = age(receivables(open_invoices, open_credits, base_currency=org.base_currency),
                 as_of=as_of, scheme=Scheme.DAYS, basis=Basis.DUE,
                 base_currency=org.base_currency)
    by_customer = {c.customer_id: c for c in customers}
    statements = []
    for line in report.customers:
        rows = tuple(
            CurrencyAging(currency=currency, buckets=dict(buckets),
                          total=sum(buckets.values(), zero_in(currency)))
            for currency, buckets in line.by_currency.items()
        )
        if not any(row.total > 0 for row in rows):
            continue
        customer = by_customer.get(line.customer_id)
        items = tuple(sorted(
            (_item(i, as_of) for i in open_invoices if i.customer_id == line.customer_id),
            key=lambda i: (i.due_date, i.number, i.invoice_id),
        ))
        statements.append(Statement(
            org_id=org.org_id, org_name=org.name, customer_id=line.customer_id,
            customer_name=customer.name if customer else line.customer_id,
            customer_email=customer.email if customer else None, statement_date=as_of,
            items=items,
            credits=tuple(sorted(
                (StatementCredit(credit_id=c.credit_id, number=c.number, kind=c.kind,
                                 date=c.date, currency=c.currency, remaining=c.remaining)
                 for c in open_credits if c.customer_id == line.customer_id),
                key=lambda c: (c.date, c.number, c.credit_id),
            )),
            bucket_names=report.bucket_names, aging=rows,
            interest_scheme=interest.scheme,
            interest_rate=annual_rate(interest),
            interest=_quoted(items, as_of, interest),
            payment_instructions=payment_instructions.strip(),
        ))
    return sorted(statements, key=lambda s: (s.customer_name.casefold(), s.customer_id))


# -- the words around a statement (pure) ------------------------------------------------------


def money(amount: Decimal, currency: str) -> str:
    """``NZD 1,234.50``."""
    return f"{currency} {format_amount(amount, currency, grouped=True)}"


def amounts_due(statement: Statement) -> str:
    """``NZD 1,234.50`` or ``NZD 1,234.50 and AUD 20.00``: every currency whose total due is
    above zero (a statement has at least one; a currency in credit is left out here)."""
    return " and ".join(money(total, cur) for cur, total in statement.totals.items() if total > 0)


def file_name(statement: Statement) -> str:
    """The attachment's name in the ledger: ``statement-2026-11-30.pdf`` (the writer adds the
    key's marker before ``.pdf``)."""
    return f"statement-{statement.statement_date.isoformat()}.pdf"


def note_text(statement: Statement) -> str:
    """The customer note a statement leaves in the ledger (short: every ledger's limit)."""
    count = len(statement.items)
    return (f"Statement of account at {statement.statement_date.isoformat()} attached: "
            f"{amounts_due(statement)} due ({count} open invoice{'s' if count != 1 else ''}).")


def email_text(statement: Statement) -> tuple[str, str]:
    """``(subject, body)`` of the email that carries a statement."""
    subject = (f"Statement of account from {statement.org_name} at "
               f"{statement.statement_date.isoformat()}")
    lines = [
        f"Dear {statement.customer_name},",
        "",
        f"Please find attached your statement of account at "
        f"{statement.statement_date.isoformat()}. The total due is {amounts_due(statement)}.",
    ]
    if statement.payment_instructions:
        lines += ["", statement.payment_instructions]
    lines += ["", "Kind regards,", statement.org_name, ""]
    return subject, "\n".join(lines)
