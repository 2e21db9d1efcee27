"""Builders for hand-made collection books and journal entries (planner tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from ar_sync.domain import (
    Action,
    Channel,
    CollectionBook,
    JournaledInvoice,
    JournalEntry,
    JournalKind,
    OpenInvoice,
    Stage,
)

ORG = "xero:test-org"


def invoice(
    invoice_id: str, customer_id: str, amount: str, due: date, *, currency: str = "NZD",
    base: str | None = None, number: str | None = None, issued: date | None = None,
) -> OpenInvoice:
    return OpenInvoice(
        invoice_id=invoice_id,
        customer_id=customer_id,
        number=number or invoice_id,
        issue_date=issued or date(2025, 12, 1),
        due_date=due,
        currency=currency,
        amount_due=Decimal(amount),
        amount_due_base=Decimal(base if base is not None else amount),
    )


def book(
    invoices: Iterable[OpenInvoice],
    names: Mapping[str, str],
    *,
    emails: Mapping[str, str] | None = None,
    credits: Mapping[str, str] | None = None,
    as_of: date = date(2026, 3, 10),
) -> CollectionBook:
    return CollectionBook(
        org_id=ORG,
        org_name="Kauri Test Traders",
        base_currency="NZD",
        timezone="Pacific/Auckland",
        as_of=as_of,
        invoices=tuple(invoices),
        credits_base={k: Decimal(v) for k, v in (credits or {}).items()},
        names=dict(names),
        emails=dict(emails if emails is not None else {k: f"{k}@example.test" for k in names}),
    )


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


def contact(
    customer_id: str, day: date, stage: Stage | None,
    invoices: Iterable[tuple[str, date]] = (), *, kind: JournalKind = JournalKind.CONTACT,
    org_id: str = ORG,
) -> JournalEntry:
    """A journaled contact listing ``invoices`` ((invoice_id, due_date) pairs)."""
    return JournalEntry(
        org_id=org_id,
        customer_id=customer_id,
        kind=kind,
        at=at(day),
        day=day,
        stage=stage,
        channels=(Channel.LEDGER_NOTE,),
        invoices=tuple(
            JournaledInvoice(invoice_id=i, number=i, due_date=d, amount_due=Decimal(1),
                             currency="NZD")
            for i, d in invoices
        ),
    )


def journaled(action: Action) -> JournalEntry:
    """The CONTACT entry the push writes once an action is performed."""
    return JournalEntry(
        org_id=action.org_id,
        customer_id=action.customer_id,
        kind=JournalKind.CONTACT,
        at=at(action.as_of),
        day=action.as_of,
        stage=action.stage,
        channels=action.channels,
        invoices=tuple(
            JournaledInvoice(invoice_id=i.invoice_id, number=i.number, due_date=i.due_date,
                             amount_due=i.amount_due, currency=i.currency)
            for i in action.invoices
        ),
        key=action.key,
    )
