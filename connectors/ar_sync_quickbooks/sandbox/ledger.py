"""Pure arithmetic of the books: totals, what payments apply, balances, home-currency amounts.

All amounts are ``Decimal`` in the document's own currency unless named ``home``.

- An invoice's or credit memo's ``TotalAmt`` is its sales lines, less its ``DiscountLineDetail``
  lines (their amounts are positive and come off), plus ``TxnTaxDetail.TotalTax``
  ("the total of all the charges, allowances, and taxes": Intuit's Invoice reference, quoted
  at docs.breadwinner.com/quickbooks/payment for TotalAmt). The ``SubTotalLineDetail`` line
  repeats the sales lines' sum before the discount (UNCONFIRMED: no recording with a discount).
- A Payment line links documents through ``LinkedTxn[{TxnId, TxnType}]``: ``Invoice`` lines pay
  invoices, ``CreditMemo`` lines spend credit memos (a zero-total Payment linking both applies a
  credit memo to an invoice, as QBO does).
- ``Invoice.Balance = TotalAmt - Deposit - sum(Invoice lines of payments linking it)``.
- ``CreditMemo.RemainingCredit = Balance = TotalAmt - sum(CreditMemo lines linking it)``.
- ``Payment.UnappliedAmt = TotalAmt - sum(Invoice lines) + sum(CreditMemo lines)``.
- ``Customer.Balance = sum(Invoice.Balance) - sum(RemainingCredit) - sum(UnappliedAmt)`` over
  the customer's own documents (its currency); ``BalanceWithJobs`` adds the ``BalanceWithJobs``
  of its jobs (sub-customers, ``ParentRef``): "Cumulative open balance amount for the Customer
  (or Job) and all its sub-jobs" [Intuit's Customer reference].
- A job's ``FullyQualifiedName`` is ``Parent:Job:Sub-job`` (the topmost parent first, at most
  5 levels) and its ``Level`` its depth, 0 for a top-level customer [Customer reference].
- Home currency: ``HomeTotalAmt``/``HomeBalance = cents(amount * ExchangeRate)``, where
  ``ExchangeRate`` is home units per one foreign unit; only foreign-currency documents have them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from ar_sync_quickbooks.sandbox.wire import ZERO, cents

SUBTOTAL = "SubTotalLineDetail"
DISCOUNT = "DiscountLineDetail"
LINK_TYPES = ("Invoice", "CreditMemo")
VOIDED = "Voided"
NOTE_LIMIT = 4000  # PrivateNote's documented maximum (notes §1.3)


def subtotal(lines: Iterable[Mapping[str, object]]) -> Decimal:
    """The sales lines' sum: every line but the sub-total and the discounts."""
    return sum(
        (
            line.get("Amount", ZERO)  # type: ignore[misc]
            for line in lines
            if line.get("DetailType") not in (SUBTOTAL, DISCOUNT)
        ),
        ZERO,
    )


def document_total(lines: Iterable[Mapping[str, object]], tax: Decimal = ZERO) -> Decimal:
    """``TotalAmt``: the sales lines less the discount lines, plus the tax (module docstring)."""
    lines = list(lines)
    discounts = [line.get("Amount", ZERO) for line in lines if line.get("DetailType") == DISCOUNT]
    return subtotal(lines) - sum(discounts, ZERO) + tax  # type: ignore[arg-type]


def total_tax(record: Mapping[str, object]) -> Decimal:
    """``TxnTaxDetail.TotalTax`` (0 when absent)."""
    detail = record.get("TxnTaxDetail")
    tax = detail.get("TotalTax") if isinstance(detail, Mapping) else None
    return tax if isinstance(tax, Decimal) else ZERO


def payment_links(payment: Mapping[str, object]) -> list[tuple[str, str, Decimal]]:
    """``(TxnType, TxnId, Amount)`` for each link of each line of a payment."""
    links = []
    for line in payment.get("Line") or []:  # type: ignore[union-attr]
        for link in line.get("LinkedTxn") or []:
            links.append((link["TxnType"], link["TxnId"], line.get("Amount", ZERO)))
    return links


def applications(
    payments: Iterable[Mapping[str, object]],
) -> dict[tuple[str, str], list[tuple[str, Decimal]]]:
    """``{(TxnType, TxnId): [(payment Id, amount), ...]}`` over every payment."""
    applied: defaultdict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
    for payment in payments:
        for txn_type, txn_id, amount in payment_links(payment):
            applied[(txn_type, txn_id)].append((str(payment["Id"]), amount))
    return dict(applied)


def unapplied(payment: Mapping[str, object]) -> Decimal:
    """What the payment has not applied (see the module docstring)."""
    remaining: Decimal = payment.get("TotalAmt", ZERO)  # type: ignore[assignment]
    for txn_type, _, amount in payment_links(payment):
        remaining += -amount if txn_type == "Invoice" else amount
    return remaining


def home(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` in home currency, rounded half-up to cents."""
    return cents(amount * rate)


def is_foreign(record: Mapping[str, object], home_currency: str) -> bool:
    currency = record.get("CurrencyRef") or {}
    return currency.get("value", home_currency) != home_currency  # type: ignore[union-attr]


def settle_invoice(
    invoice: dict[str, object], applied: list[tuple[str, Decimal]], home_currency: str
) -> None:
    """Set ``Balance``, ``LinkedTxn`` (payments) and the home amounts of ``invoice`` in place."""
    total: Decimal = invoice["TotalAmt"]  # type: ignore[assignment]
    deposit: Decimal = invoice.get("Deposit") or ZERO  # type: ignore[assignment]
    invoice["Balance"] = total - deposit - sum((a for _, a in applied), ZERO)
    others = [
        link
        for link in invoice.get("LinkedTxn") or []  # type: ignore[union-attr]
        if link.get("TxnType") != "Payment"
    ]
    payment_ids = list(dict.fromkeys(pid for pid, _ in applied))
    invoice["LinkedTxn"] = others + [{"TxnId": pid, "TxnType": "Payment"} for pid in payment_ids]
    _home_amounts(invoice, home_currency, "Balance")


def settle_credit_memo(
    memo: dict[str, object], applied: list[tuple[str, Decimal]], home_currency: str
) -> None:
    """Set ``RemainingCredit``, ``Balance`` and the home amounts of ``memo`` in place."""
    total: Decimal = memo["TotalAmt"]  # type: ignore[assignment]
    memo["RemainingCredit"] = memo["Balance"] = total - sum((a for _, a in applied), ZERO)
    _home_amounts(memo, home_currency, "Balance")


def settle_payment(payment: dict[str, object]) -> None:
    payment["UnappliedAmt"] = unapplied(payment)


def _home_amounts(record: dict[str, object], home_currency: str, balance_key: str) -> None:
    if is_foreign(record, home_currency):
        rate: Decimal = record["ExchangeRate"]  # type: ignore[assignment]
        record["HomeTotalAmt"] = home(record["TotalAmt"], rate)  # type: ignore[arg-type]
        record["HomeBalance"] = home(record[balance_key], rate)  # type: ignore[arg-type]
    else:
        record.pop("HomeTotalAmt", None)
        record.pop("HomeBalance", None)


def customer_balances(
    invoices: Iterable[Mapping[str, object]],
    credit_memos: Iterable[Mapping[str, object]],
    payments: Iterable[Mapping[str, object]],
) -> dict[str, Decimal]:
    """``{customer Id: open balance}`` (see the module docstring)."""
    balances: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice in invoices:
        balances[_customer(invoice)] += invoice["Balance"]  # type: ignore[operator]
    for memo in credit_memos:
        balances[_customer(memo)] -= memo["RemainingCredit"]  # type: ignore[operator]
    for payment in payments:
        balances[_customer(payment)] -= payment["UnappliedAmt"]  # type: ignore[operator]
    return dict(balances)


def _customer(record: Mapping[str, object]) -> str:
    return str(record["CustomerRef"]["value"])  # type: ignore[index]


def parent_of(customer: Mapping[str, object]) -> str | None:
    """The id in a customer's ``ParentRef``, or None for a top-level customer."""
    ref = customer.get("ParentRef")
    value = ref.get("value") if isinstance(ref, Mapping) else None
    return None if value in (None, "") else str(value)


def ancestry(customer_id: str, parents: Mapping[str, str | None]) -> list[str]:
    """``customer_id`` and its parents up to the top-level customer, nearest first. Stops at a
    parent that is not in ``parents`` or at a loop (``parents``: id -> parent id)."""
    chain = [customer_id]
    while (parent := parents.get(chain[-1])) is not None and parent in parents:
        if parent in chain:
            break
        chain.append(parent)
    return chain


def balances_with_jobs(
    balances: Mapping[str, Decimal], parents: Mapping[str, str | None]
) -> dict[str, Decimal]:
    """``{customer Id: BalanceWithJobs}``: its own balance and every descendant's."""
    totals = {customer_id: ZERO for customer_id in parents}
    for customer_id in parents:
        for holder in ancestry(customer_id, parents):
            totals[holder] += balances.get(customer_id, ZERO)
    return totals


def voided_note(note: object) -> str:
    """The ``PrivateNote`` a void leaves: "Voided", or "Voided - <the note>" when there was one
    (a recorded void of a noteless invoice: ``invoice_void.response.json``; a voided
    bill-payment with memo "RC 93" reads "Voided - RC 93": docs.cloud-elements.com/home/5dd7b4a;
    Intuit's void reference, as withone.ai/knowledge/quickbooks quotes it: "Voided" is
    "prepended to existing text if present"). Cut to 4,000 characters
    (UNCONFIRMED: what QBO does with a note already at the limit)."""
    if not isinstance(note, str) or not note:
        return VOIDED
    return f"{VOIDED} - {note}"[:NOTE_LIMIT]


def zero_amounts(record: dict[str, object]) -> None:
    """Void a transaction in place: every line amount and total becomes 0 (QBO's void)."""
    for line in record.get("Line") or []:  # type: ignore[union-attr]
        line["Amount"] = ZERO
    for key in ("TotalAmt", "Balance", "HomeTotalAmt", "HomeBalance", "UnappliedAmt", "Deposit"):
        if key in record:
            record[key] = ZERO
    if isinstance(record.get("TxnTaxDetail"), dict):
        record["TxnTaxDetail"] = {**record["TxnTaxDetail"], "TotalTax": ZERO}  # type: ignore[dict-item]
    record["PrivateNote"] = voided_note(record.get("PrivateNote"))
