"""``reports/AgedReceivables`` (A/R Aging Summary) and ``reports/AgedReceivableDetail``,
computed from the books as they stood on the report date ``D`` (never from ar-sync code).

Open items at ``D`` (documents dated after ``D`` are left out):

- **invoices**: ``TotalAmt - Deposit - payment lines linking it from payments dated <= D``;
  listed when positive, aged from ``DueDate``;
- **unapplied credit memos**: ``-(TotalAmt - payment lines spending it dated <= D)``, aged from
  their ``TxnDate`` as if due that day;
- **unapplied payments**: ``-UnappliedAmt`` (all of a payment's lines share its date), aged from
  their ``TxnDate``, plus what its lines apply to invoices dated after ``D``: a payment's
  unapplied rest applied later to a newer invoice (a line added to the payment) is applied no
  earlier than that invoice's date (UNCONFIRMED: QBO keeps no date of the edit).

With no payment dated after ``D`` nor linking an invoice dated after it, these are exactly
``Balance``, ``RemainingCredit`` and ``UnappliedAmt``. Every amount is converted to home
currency and rounded half-up to cents (``cents(amount * ExchangeRate)``) before it is added;
totals are sums of rounded amounts.

Ageing: ``days = D - due``; ``<= 0`` is Current, then ``aging_period``-day buckets (default
30) for ``num_periods`` periods (default 4): 1 - 30, 31 - 60, 61 - 90, and the last bucket
"91 and over". ``aging_method=Current`` ages as of today (company time zone) instead of
``report_date``. ``customer`` (comma-separated ids) filters. Customers without open items are
left out; inactive customers with open items are in (UNCONFIRMED: their items are receivables
all the same). Money cells are strings with 2 decimals; an empty bucket is ``""``; the GrandTotal
row writes every bucket (``"0.00"`` when empty). Shapes follow Intuit's documented examples
(notes §7); there is no recording of these two reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ar_sync_quickbooks.sandbox import ledger, wire
from ar_sync_quickbooks.sandbox.wire import ZERO


class ReportError(ValueError):
    """A bad report parameter; the message names it."""


@dataclass(frozen=True)
class OpenItem:
    """One open document at the report date, in home currency (negative for credits)."""

    customer_id: str
    customer_name: str
    txn_type: str  # Invoice, Credit Memo, Payment
    txn_id: str
    doc_number: str
    txn_date: date
    due_date: date
    amount: Decimal  # the document's total, home currency, rounded
    open_balance: Decimal  # what is open at the report date, home currency, rounded


@dataclass(frozen=True)
class Aging:
    """Report parameters, validated."""

    report_date: date
    as_of: date  # the day ageing is counted to
    customers: frozenset[str] | None
    num_periods: int = 4
    aging_period: int = 30
    past_due: int | None = None

    def titles(self) -> list[str]:
        titles = ["Current"]
        for index in range(self.num_periods - 1):
            low, high = index * self.aging_period + 1, (index + 1) * self.aging_period
            titles.append(f"{low} - {high}")
        titles.append(f"{(self.num_periods - 1) * self.aging_period + 1} and over")
        return titles

    def bucket(self, due: date) -> int:
        days = (self.as_of - due).days
        if days <= 0:
            return 0
        return min(self.num_periods, (days - 1) // self.aging_period + 1)


def parse_aging(params: Mapping[str, str], today: date) -> Aging:
    """Parameters: report_date, aging_method, customer, num_periods, aging_period, past_due."""
    text = params.get("report_date", "").strip()
    try:
        report_date = date.fromisoformat(text) if text else today
    except ValueError:
        raise ReportError(f"report_date: not a date (YYYY-MM-DD): {text!r}") from None
    method = params.get("aging_method", "Report_Date").strip() or "Report_Date"
    if method not in ("Report_Date", "Current"):
        raise ReportError(f"aging_method: must be Report_Date or Current, got {method!r}")
    customers = None
    if params.get("customer", "").strip():
        customers = frozenset(p.strip() for p in params["customer"].split(",") if p.strip())

    def whole(name: str, default: int | None, low: int) -> int | None:
        raw = params.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < low:
            raise ReportError(f"{name}: must be a whole number >= {low}, got {raw!r}")
        return int(raw)

    return Aging(
        report_date=report_date,
        as_of=today if method == "Current" else report_date,
        customers=customers,
        num_periods=whole("num_periods", 4, 1) or 4,
        aging_period=whole("aging_period", 30, 1) or 30,
        past_due=whole("past_due", None, 0),
    )


def open_items(
    records: Mapping[str, Sequence[Mapping[str, object]]], aging: Aging
) -> list[OpenItem]:
    """Every open item at the report date (see the module docstring), oldest due first."""
    day = aging.report_date
    names = {str(c["Id"]): str(c["DisplayName"]) for c in records["Customer"]}
    payments = [p for p in records["Payment"] if wire.parse_day(p["TxnDate"]) <= day]
    invoice_days = {str(i["Id"]): wire.parse_day(i["TxnDate"]) for i in records["Invoice"]}
    applied = ledger.applications(payments)
    items = []

    def add(
        record: Mapping[str, object], kind: str, due: date, amount: Decimal, open_: Decimal
    ) -> None:
        customer = str(record["CustomerRef"]["value"])  # type: ignore[index]
        if aging.customers is not None and customer not in aging.customers:
            return
        rate: Decimal = record.get("ExchangeRate") or Decimal(1)  # type: ignore[assignment]
        items.append(
            OpenItem(
                customer,
                names.get(customer, ""),
                kind,
                str(record["Id"]),
                str(record.get("DocNumber") or record.get("PaymentRefNum") or ""),
                wire.parse_day(record["TxnDate"]),
                due,
                ledger.home(amount, rate),
                ledger.home(open_, rate),
            )
        )

    for invoice in records["Invoice"]:
        if wire.parse_day(invoice["TxnDate"]) > day:
            continue
        total: Decimal = invoice["TotalAmt"]  # type: ignore[assignment]
        paid = sum((a for _, a in applied.get(("Invoice", str(invoice["Id"])), [])), ZERO)
        open_ = total - (invoice.get("Deposit") or ZERO) - paid  # type: ignore[operator]
        if open_ > 0:
            add(invoice, "Invoice", wire.parse_day(invoice["DueDate"]), total, open_)
    for memo in records["CreditMemo"]:
        if wire.parse_day(memo["TxnDate"]) > day:
            continue
        total = memo["TotalAmt"]  # type: ignore[assignment]
        spent = sum((a for _, a in applied.get(("CreditMemo", str(memo["Id"])), [])), ZERO)
        if total - spent > 0:
            add(memo, "Credit Memo", wire.parse_day(memo["TxnDate"]), -total, -(total - spent))
    for payment in payments:
        left = ledger.unapplied(payment) + _applied_after(payment, invoice_days, day)
        if left > 0:
            add(payment, "Payment", wire.parse_day(payment["TxnDate"]), -payment["TotalAmt"], -left)  # type: ignore[operator]
    if aging.past_due is not None:
        items = [i for i in items if (aging.as_of - i.due_date).days >= aging.past_due]
    items.sort(key=lambda i: (i.due_date, i.txn_date, int(i.txn_id)))
    return items


def _applied_after(
    payment: Mapping[str, object], invoice_days: Mapping[str, date], day: date
) -> Decimal:
    """What ``payment``'s lines apply to invoices dated after ``day`` (module docstring)."""
    return sum(
        (
            amount
            for kind, txn_id, amount in ledger.payment_links(payment)
            if kind == "Invoice" and invoice_days.get(txn_id, day) > day
        ),
        ZERO,
    )


def _money(value: Decimal) -> str:
    return wire.decimal_text(wire.cents(value))


def _header(name: str, aging: Aging, currency: str, time: str, empty: bool) -> dict[str, object]:
    header: dict[str, object] = {
        "Time": time,
        "ReportName": name,
        "StartPeriod": aging.report_date.isoformat(),
        "EndPeriod": aging.report_date.isoformat(),
        "Currency": currency,
    }
    if aging.customers is not None:
        header["Customer"] = ",".join(sorted(aging.customers, key=lambda c: (len(c), c)))
    header["Option"] = [
        {"Name": "report_date", "Value": aging.report_date.isoformat()},
        {"Name": "NoReportData", "Value": "true" if empty else "false"},
    ]
    return header


def aged_receivables(
    items: Sequence[OpenItem], aging: Aging, currency: str, time: str
) -> dict[str, object]:
    """The A/R Aging Summary: one row per customer (by name), then the GrandTotal section."""
    titles = aging.titles()
    per_customer: dict[str, dict[int, Decimal]] = defaultdict(dict)
    names: dict[str, str] = {}
    for item in items:
        bucket = aging.bucket(item.due_date)
        cells = per_customer[item.customer_id]
        cells[bucket] = cells.get(bucket, ZERO) + item.open_balance
        names[item.customer_id] = item.customer_name
    rows: list[dict[str, object]] = []
    grand = [ZERO] * len(titles)
    for customer_id in sorted(per_customer, key=lambda c: (names[c].lower(), int(c))):
        cells = per_customer[customer_id]
        values = [_money(cells[b]) if b in cells else "" for b in range(len(titles))]
        total = sum(cells.values(), ZERO)
        for bucket, amount in cells.items():
            grand[bucket] += amount
        rows.append(
            {
                "ColData": [
                    {"value": names[customer_id], "id": customer_id},
                    *({"value": v} for v in values),
                    {"value": _money(total)},
                ],
                "type": "Data",
            }
        )
    rows.append(
        {
            "Summary": {
                "ColData": [
                    {"value": "TOTAL"},
                    *({"value": _money(a)} for a in grand),
                    {"value": _money(sum(grand, ZERO))},
                ]
            },
            "type": "Section",
            "group": "GrandTotal",
        }
    )
    columns = [{"ColTitle": "", "ColType": "Customer"}]
    columns += [{"ColTitle": t, "ColType": "Money"} for t in titles]
    columns.append({"ColTitle": "Total", "ColType": "Money"})
    return {
        "Header": _header("AgedReceivables", aging, currency, time, not items),
        "Columns": {"Column": columns},
        "Rows": {"Row": rows},
    }


DETAIL_COLUMNS = (
    ("Customer", "cust_name"),
    ("Date", "tx_date"),
    ("Transaction Type", "txn_type"),
    ("Num", "doc_num"),
    ("Due Date", "due_date"),
    ("Amount", "subt_amount"),
    ("Open Balance", "subt_open_bal"),
)


def aged_receivable_detail(
    items: Sequence[OpenItem], aging: Aging, currency: str, time: str
) -> dict[str, object]:
    """The A/R Aging Detail: one section per bucket with data, oldest last, then GrandTotal."""
    titles = aging.titles()
    headings = ["Current"] + [
        f"{t.replace('and over', 'or more')} days past due" for t in titles[1:]
    ]
    blanks = [{"value": ""} for _ in DETAIL_COLUMNS[1:-2]]
    sections: list[dict[str, object]] = []
    grand_amount = grand_open = ZERO
    for bucket, heading in enumerate(headings):
        chosen = [i for i in items if aging.bucket(i.due_date) == bucket]
        if not chosen:
            continue
        data = [
            {
                "ColData": [
                    {"value": i.customer_name, "id": i.customer_id},
                    {"value": i.txn_date.isoformat()},
                    {"value": i.txn_type, "id": i.txn_id},
                    {"value": i.doc_number},
                    {"value": i.due_date.isoformat()},
                    {"value": _money(i.amount)},
                    {"value": _money(i.open_balance)},
                ],
                "type": "Data",
            }
            for i in chosen
        ]
        amount = sum((i.amount for i in chosen), ZERO)
        open_ = sum((i.open_balance for i in chosen), ZERO)
        grand_amount += amount
        grand_open += open_
        sections.append(
            {
                "Header": {"ColData": [{"value": heading}, *blanks, {"value": ""}, {"value": ""}]},
                "Rows": {"Row": data},
                "Summary": {
                    "ColData": [
                        {"value": f"Total for {heading}"},
                        *blanks,
                        {"value": _money(amount)},
                        {"value": _money(open_)},
                    ]
                },
                "type": "Section",
            }
        )
    sections.append(
        {
            "Summary": {
                "ColData": [
                    {"value": "TOTAL"},
                    *blanks,
                    {"value": _money(grand_amount)},
                    {"value": _money(grand_open)},
                ]
            },
            "type": "Section",
            "group": "GrandTotal",
        }
    )
    return {
        "Header": _header("AgedReceivableDetail", aging, currency, time, not items),
        "Columns": {"Column": [{"ColTitle": t, "ColType": k} for t, k in DETAIL_COLUMNS]},
        "Rows": {"Row": sections},
    }
