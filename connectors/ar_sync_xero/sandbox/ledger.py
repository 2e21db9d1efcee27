"""Xero's bookkeeping rules for one document, as pure functions.

- Line totals: ``LineAmount = round(Quantity x UnitAmount x (1 - DiscountRate/100))``;
  ``SubTotal = sum(LineAmount)`` (less the tax when ``LineAmountTypes`` is ``Inclusive``);
  ``TotalTax = sum(TaxAmount)``; ``Total = SubTotal + TotalTax``.
- Invoice settlement: ``AmountPaid`` = AUTHORISED payments, ``AmountCredited`` = live
  allocations, ``AmountDue = Total - AmountPaid - AmountCredited``; an approved invoice is
  ``PAID`` exactly when ``AmountDue`` is zero. VOIDED and DELETED invoices owe nothing.
- Credit settlement: ``RemainingCredit = Total - allocations - refunds``; ``PAID`` at zero.

Rounding is half-up to the cent, as Xero rounds. Rule breaks raise ``RecordError`` naming the
field relative to the record (the caller prefixes the record's own path).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ar_sync.sandbox.errors import RecordError
from ar_sync_xero.sandbox.models import Allocation, Credit, Document, Invoice, LineItem, Payment

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
APPROVED = ("AUTHORISED", "PAID")
UNAPPROVED = ("DRAFT", "SUBMITTED")
_LINE_NAMESPACE = uuid.UUID("5a2f3f7e-0c1b-4c59-9a52-7d0f0b6c3a10")


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to 2 places."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def derived_id(owner_id: str, kind: str, index: int) -> str:
    """A stable id for a child record the file left without one (a line, an allocation)."""
    return str(uuid.uuid5(_LINE_NAMESPACE, f"{owner_id}:{kind}:{index}"))


def complete_lines(owner_id: str, lines: Sequence[LineItem]) -> tuple[LineItem, ...]:
    """Fill in each line's id, ``LineAmount`` or ``UnitAmount`` (one of the two is needed)."""
    completed = []
    for index, line in enumerate(lines):
        where = f"LineItems[{index}]"
        updates: dict[str, object] = {}
        if line.LineItemID is None:
            updates["LineItemID"] = derived_id(owner_id, "line", index)
        if line.LineAmount is None:
            if line.UnitAmount is None:
                raise RecordError(f"{where}.LineAmount", "required when UnitAmount is missing")
            discount = 1 - (line.DiscountRate or 0) / Decimal(100)
            updates["LineAmount"] = cents(line.Quantity * line.UnitAmount * discount)
        elif line.UnitAmount is None:
            if line.Quantity == 0:
                raise RecordError(f"{where}.Quantity", "must not be 0")
            updates["UnitAmount"] = (line.LineAmount / line.Quantity).quantize(Decimal("0.0001"))
        completed.append(replace(line, **updates) if updates else line)
    return tuple(completed)


def complete_totals(doc: Document, owner_id: str) -> dict[str, object]:
    """``LineItems``, ``SubTotal``, ``TotalTax`` and ``Total``, derived and checked.

    Without lines, ``Total`` (or ``SubTotal``) must be given and ``TotalTax`` defaults to 0.
    """
    lines = complete_lines(owner_id, doc.LineItems)
    if lines:
        line_sum = sum((line.LineAmount for line in lines), ZERO)  # type: ignore[misc]
        tax = sum((line.TaxAmount for line in lines), ZERO)
        sub_total = line_sum - tax if doc.LineAmountTypes == "Inclusive" else line_sum
        _check_given("SubTotal", doc.SubTotal, sub_total, "the sum of its line items")
        _check_given("TotalTax", doc.TotalTax, tax, "the sum of its line tax")
    else:
        tax = doc.TotalTax if doc.TotalTax is not None else ZERO
        if doc.SubTotal is not None:
            sub_total = doc.SubTotal
        elif doc.Total is not None:
            sub_total = doc.Total - tax
        else:
            raise RecordError("Total", "required when there are no LineItems")
    total = sub_total + tax
    _check_given("Total", doc.Total, total, "SubTotal + TotalTax")
    return {"LineItems": lines, "SubTotal": sub_total, "TotalTax": tax, "Total": total}


def complete_currency(doc: Document, base_currency: str) -> dict[str, object]:
    """``CurrencyCode`` (default: the base currency) and ``CurrencyRate``.

    The rate is units of document currency per one unit of base currency; it is 1 for the base
    currency and required for any other, since the sandbox has no rate feed.
    """
    code = doc.CurrencyCode or base_currency
    if code == base_currency:
        if doc.CurrencyRate not in (None, Decimal(1)):
            raise RecordError(
                "CurrencyRate", f"must be 1 in the base currency, got {doc.CurrencyRate}"
            )
        return {"CurrencyCode": code, "CurrencyRate": Decimal("1.000000")}
    if doc.CurrencyRate is None:
        raise RecordError(
            "CurrencyRate", f"required for a document in {code} (base currency {base_currency})"
        )
    return {"CurrencyCode": code, "CurrencyRate": doc.CurrencyRate}


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a document's payments and allocations make of it."""

    paid: Decimal
    credited: Decimal
    outstanding: Decimal  # AmountDue of an invoice, RemainingCredit of a credit
    status: str
    fully_paid_on: date | None


def settle_invoice(
    invoice: Invoice, payments: Sequence[Payment], allocations: Sequence[Allocation]
) -> Settlement:
    """Settle an invoice whose totals are complete; an approved one becomes PAID at zero due."""
    paid = sum((p.Amount for p in payments if p.Status == "AUTHORISED"), ZERO)
    credited = sum((a.Amount for a in live(allocations)), ZERO)
    total = invoice.Total or ZERO
    status = invoice.Status
    if status in ("VOIDED", "DELETED") or status in UNAPPROVED:
        if paid or credited:
            raise RecordError("Status", f"a {status} invoice cannot have payments or credits")
        due = ZERO if status in ("VOIDED", "DELETED") else total
        return Settlement(ZERO, ZERO, due, status, None)
    due = total - paid - credited
    if due < 0:
        raise RecordError(
            "AmountDue", f"payments and credits ({paid + credited}) exceed Total ({total})"
        )
    settled = [*(p for p in payments if p.Status == "AUTHORISED"), *live(allocations)]
    return Settlement(paid, credited, due, *_approved_status(due, settled, invoice.Date))


def settle_credit(
    credit: Credit, allocations: Sequence[Allocation], refunds: Sequence[Payment]
) -> Settlement:
    """Settle a credit note, overpayment or prepayment whose totals are complete."""
    credited = sum((a.Amount for a in live(allocations)), ZERO)
    refunded = sum((p.Amount for p in refunds if p.Status == "AUTHORISED"), ZERO)
    total = credit.Total or ZERO
    if credit.Status not in APPROVED:
        if credited or refunded:
            raise RecordError("Status", f"a {credit.Status} credit cannot be allocated or refunded")
        remaining = ZERO if credit.Status in ("VOIDED", "DELETED") else total
        return Settlement(ZERO, ZERO, remaining, credit.Status, None)
    remaining = total - credited - refunded
    if remaining < 0:
        raise RecordError(
            "RemainingCredit",
            f"allocations and refunds ({credited + refunded}) exceed Total ({total})",
        )
    settled = [*live(allocations), *(p for p in refunds if p.Status == "AUTHORISED")]
    return Settlement(
        refunded, credited, remaining, *_approved_status(remaining, settled, credit.Date)
    )


def live(allocations: Sequence[Allocation]) -> list[Allocation]:
    """The allocations that still count (deleted ones stay on record but apply nothing)."""
    return [a for a in allocations if not a.IsDeleted]


def _approved_status(
    outstanding: Decimal, settled_by: Sequence[Payment | Allocation], issued: date
) -> tuple[str, date | None]:
    """AUTHORISED while something is outstanding, else PAID on the last settling date."""
    if outstanding:
        return "AUTHORISED", None
    return "PAID", max((item.Date for item in settled_by if item.Date), default=issued)


def _check_given(field: str, given: Decimal | None, derived: Decimal, what: str) -> None:
    if given is not None and given != derived:
        raise RecordError(field, f"{given} does not equal {what} ({derived})")
