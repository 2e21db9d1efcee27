"""Pure aging of receivables.

``receivables`` turns open invoices and unapplied credits (prepayments excepted, as in Xero's
own reports) into ``AgingItem``s (credits negative, every item also converted to the org's base
currency at the document's own rate); ``age`` sums them per customer into buckets at a given
``as_of`` date. Nothing here reads the clock. What it returns (``AgingReport`` of
``CustomerAging``, aged by a ``Basis`` and a ``Scheme``) is in ``ar_sync.domain``, with the other
report types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ar_sync.domain import (
    AgingReport,
    Basis,
    Credit,
    CreditKind,
    CustomerAging,
    DocumentStatus,
    Invoice,
    Scheme,
)
from ar_sync.money import ZERO, quantize, to_base

frozen = dataclass(frozen=True, slots=True, kw_only=True)

# The credit kinds that reduce what a customer owes while unapplied: all but prepayments
# (``receivables`` says why).
RECEIVABLE_CREDIT_KINDS = frozenset(CreditKind) - {CreditKind.PREPAYMENT}


class ItemKind(StrEnum):
    INVOICE = "invoice"
    CREDIT = "credit"


@frozen
class AgingItem:
    """One open receivable. Credits are negative and dated (and due) on their own date.

    ``amount`` is in ``currency``; ``base_amount`` is already converted to the org's base
    currency and rounded half-up to its minor unit.
    """

    customer_id: str
    document_id: str
    number: str
    kind: ItemKind
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    base_amount: Decimal


# --------------------------------------------------------------------------------------------
# Buckets
# --------------------------------------------------------------------------------------------

_DAYS_DUE = ("current", "1-30", "31-60", "61-90", "91+")
_DAYS_INVOICE = ("0-30", "31-60", "61-90", "91+")
_MONTHS_DUE = ("current", "<1 month", "1 month", "2 months", "3 months", "older")
_MONTHS_INVOICE = ("<1 month", "1 month", "2 months", "3 months", "older")


def bucket_names(scheme: Scheme, basis: Basis) -> tuple[str, ...]:
    """The bucket names for ``scheme`` and ``basis``, youngest first.

    - days, due: ``current, 1-30, 31-60, 61-90, 91+`` (``current`` is not yet overdue)
    - days, invoice: ``0-30, 31-60, 61-90, 91+``
    - months, due: ``current, <1 month, 1 month, 2 months, 3 months, older``
    - months, invoice: ``<1 month, 1 month, 2 months, 3 months, older``
    """
    scheme, basis = Scheme(scheme), Basis(basis)
    if scheme is Scheme.DAYS:
        return _DAYS_DUE if basis is Basis.DUE else _DAYS_INVOICE
    return _MONTHS_DUE if basis is Basis.DUE else _MONTHS_INVOICE


def days_between(start: date, as_of: date) -> int:
    """Whole days from ``start`` to ``as_of``: ``(as_of - start).days``; negative if later.

    With ``start`` a due date this is the number of days overdue (0 on the due date itself).
    """
    return (as_of - start).days


def months_between(start: date, as_of: date) -> int:
    """Whole calendar months from ``start``'s month to ``as_of``'s month; the day is ignored.

    ``(as_of.year * 12 + as_of.month) - (start.year * 12 + start.month)``, so 2026-10-31 to
    2026-11-01 is 1 month and 2026-11-01 to 2026-11-30 is 0. Negative if ``start`` is later.
    """
    return (as_of.year * 12 + as_of.month) - (start.year * 12 + start.month)


def anchor_date(item: AgingItem, basis: Basis) -> date:
    """The date an item ages from: its due date (``Basis.DUE``) or its issue date (``INVOICE``)."""
    return item.due_date if Basis(basis) is Basis.DUE else item.issue_date


def bucket_for(
    anchor: date, *, as_of: date, scheme: Scheme = Scheme.DAYS, basis: Basis = Basis.DUE
) -> str:
    """The bucket at ``as_of`` of a document whose ``basis`` date (due or issue) is ``anchor``.

    Days scheme, ``days = (as_of - anchor).days``, every range inclusive at both ends:

    - due basis: ``days <= 0`` -> ``current`` (due today is current); 1..30 -> ``1-30``;
      31..60 -> ``31-60``; 61..90 -> ``61-90``; ``days >= 91`` -> ``91+``.
    - invoice basis: ``days <= 30`` -> ``0-30`` (a future-dated document, negative days, too);
      31..60 -> ``31-60``; 61..90 -> ``61-90``; ``days >= 91`` -> ``91+``.

    Months scheme (Xero's report style), ``m = months_between(anchor, as_of)`` counts calendar
    months, not 30-day spans:

    - due basis: ``as_of <= anchor`` -> ``current``; otherwise m = 0 -> ``<1 month``,
      1 -> ``1 month``, 2 -> ``2 months``, 3 -> ``3 months``, ``m >= 4`` -> ``older``.
    - invoice basis: ``m <= 0`` -> ``<1 month`` (a future-dated document, too); then as above.
    """
    scheme, basis = Scheme(scheme), Basis(basis)
    if scheme is Scheme.DAYS:
        days = days_between(anchor, as_of)
        if basis is Basis.DUE and days <= 0:
            return "current"
        if days <= 30:
            return "1-30" if basis is Basis.DUE else "0-30"
        if days <= 60:
            return "31-60"
        if days <= 90:
            return "61-90"
        return "91+"
    if basis is Basis.DUE and as_of <= anchor:
        return "current"
    months = months_between(anchor, as_of)
    if months <= 0:
        return "<1 month"
    if months == 1:
        return "1 month"
    if months <= 3:
        return f"{months} months"
    return "older"


def bucket_of(
    item: AgingItem, *, as_of: date, scheme: Scheme = Scheme.DAYS, basis: Basis = Basis.DUE
) -> str:
    """The bucket of ``item`` at ``as_of``: ``bucket_for(anchor_date(item, basis), ...)``.

    A credit is dated and due on its own date, so it ages like an invoice issued and due that day.
    """
    return bucket_for(anchor_date(item, basis), as_of=as_of, scheme=scheme, basis=basis)


# --------------------------------------------------------------------------------------------
# Receivables
# --------------------------------------------------------------------------------------------


def receivables(
    invoices: Iterable[Invoice], credits: Iterable[Credit], *, base_currency: str
) -> list[AgingItem]:
    """The open receivables among ``invoices`` and ``credits``, as aging items (invoices first).

    - An invoice is a receivable iff ``status is OPEN and amount_due > 0``; its amount is
      ``amount_due`` (document currency).
    - A credit note, overpayment or unapplied payment (``CreditKind.PAYMENT``) is one iff
      ``status is OPEN and remaining > 0``; it becomes a *negative* item of ``-remaining``,
      issued and due on its ``date``.
    - What remains of a prepayment (``CreditKind.PREPAYMENT``) is not, however much: Xero
      does not count a prepayment in receivables until it is applied to an invoice ("Xero
      doesn't account for a prepayment in your Accounts Receivable until it's applied to an
      invoice", help.xero.com/nz/CustomerStatements-Prepayments), and Xero's aged receivables
      report leaves prepayments out (third-party, poolwerx.freshdesk.com/support/solutions/
      articles/13000108203), so the aging follows both. The applied part already reduces the
      invoice it was applied to (it is in that invoice's ``amount_due``).
    - Drafts, submitted, paid, voided and deleted documents, and zero balances, are not.

    ``base_amount`` is ``money.to_base`` of the (signed) amount at the document's own rate,
    rounded half-up per item to ``base_currency``'s minor unit; half-up is symmetric about zero
    (``-0.005`` -> ``-0.01``), so a credit converts to exactly minus what the same invoice would.
    """
    items: list[AgingItem] = []
    for invoice in invoices:
        if invoice.status is not DocumentStatus.OPEN or invoice.amount_due <= 0:
            continue
        items.append(
            AgingItem(
                customer_id=invoice.customer_id,
                document_id=invoice.invoice_id,
                number=invoice.number,
                kind=ItemKind.INVOICE,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                currency=invoice.currency,
                amount=invoice.amount_due,
                base_amount=to_base(
                    invoice.amount_due,
                    rate=invoice.fx_rate,
                    quote=invoice.fx_quote,
                    base_currency=base_currency,
                ),
            )
        )
    for credit in credits:
        if credit.status is not DocumentStatus.OPEN or credit.remaining <= 0:
            continue
        if credit.kind not in RECEIVABLE_CREDIT_KINDS:  # a prepayment: not until applied
            continue
        amount = -credit.remaining
        items.append(
            AgingItem(
                customer_id=credit.customer_id,
                document_id=credit.credit_id,
                number=credit.number,
                kind=ItemKind.CREDIT,
                issue_date=credit.date,
                due_date=credit.date,
                currency=credit.currency,
                amount=amount,
                base_amount=to_base(
                    amount, rate=credit.fx_rate, quote=credit.fx_quote, base_currency=base_currency
                ),
            )
        )
    return items


# --------------------------------------------------------------------------------------------
# Aging
# --------------------------------------------------------------------------------------------


def _zeros(names: tuple[str, ...], currency: str) -> dict[str, Decimal]:
    zero = quantize(ZERO, currency)
    return {name: zero for name in names}


def age(
    items: Iterable[AgingItem],
    *,
    as_of: date,
    scheme: Scheme = Scheme.DAYS,
    basis: Basis = Basis.DUE,
    base_currency: str,
) -> AgingReport:
    """Age ``items`` at ``as_of``: per customer, per bucket, in ``base_currency``.

    Each item goes to ``bucket_of(item, as_of=..., scheme=..., basis=...)``. A customer's
    ``buckets`` are sums of ``base_amount`` (every bucket present, zeros as ``0.00`` at the base
    currency's minor unit) and ``total`` is their sum; ``by_currency[currency][bucket]`` sums the
    document-currency ``amount`` (every bucket present, quantized to that currency). ``totals``
    and ``total`` sum the customers. A customer is listed if it has any item, even when its items
    net to zero.

    An item issued after ``as_of`` (``issue_date > as_of``: an invoice or credit dated ahead) is
    not yet owed at ``as_of`` and is left out, as the ledgers' own aged reports leave out what is
    dated after their report date (QuickBooks ``AgedReceivables?report_date=``, Xero
    ``AgedReceivablesByContact?date=``).

    ``base_amount`` is expected rounded already (``receivables`` does that); it is quantized per
    item again, which changes nothing for such items, so every figure is a sum of rounded item
    amounts and never a rounded sum. Decimal addition is exact here, so the result does not
    depend on the order of ``items``; customers are sorted by ``customer_id`` and currencies
    in ``by_currency`` alphabetically.
    """
    scheme, basis = Scheme(scheme), Basis(basis)
    names = bucket_names(scheme, basis)
    per_customer: dict[str, dict[str, Decimal]] = {}
    per_currency: dict[str, dict[str, dict[str, Decimal]]] = {}
    for item in items:
        if item.issue_date > as_of:
            continue
        bucket = bucket_of(item, as_of=as_of, scheme=scheme, basis=basis)
        buckets = per_customer.setdefault(item.customer_id, _zeros(names, base_currency))
        buckets[bucket] += quantize(item.base_amount, base_currency)
        currencies = per_currency.setdefault(item.customer_id, {})
        in_currency = currencies.setdefault(item.currency, _zeros(names, item.currency))
        in_currency[bucket] += item.amount

    customers: list[CustomerAging] = []
    totals = _zeros(names, base_currency)
    for customer_id in sorted(per_customer):
        buckets = per_customer[customer_id]
        for name in names:
            totals[name] += buckets[name]
        currencies = per_currency[customer_id]
        customers.append(
            CustomerAging(
                customer_id=customer_id,
                buckets=buckets,
                total=sum(buckets.values(), quantize(ZERO, base_currency)),
                by_currency={
                    currency: {
                        name: quantize(amount, currency)
                        for name, amount in currencies[currency].items()
                    }
                    for currency in sorted(currencies)
                },
            )
        )
    return AgingReport(
        as_of=as_of,
        basis=basis,
        scheme=scheme,
        base_currency=base_currency,
        bucket_names=names,
        customers=tuple(customers),
        totals=totals,
        total=sum(totals.values(), quantize(ZERO, base_currency)),
    )
