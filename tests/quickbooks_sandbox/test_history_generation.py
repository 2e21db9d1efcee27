"""A generated QuickBooks company with two years of history, and its aged reports at past dates.

The company: ``generate_company(customers=40, invoices=400, paid=200, seed=1, today=2026-12-02,
history_months=24)``. The expected open amounts at a date ``D`` are worked out here from the
company file's raw records by the rules of ``reports.py``'s docstring: an invoice dated on or
before ``D`` owes its total less the payment lines linking it from payments dated on or before
``D``; a credit memo dated on or before ``D`` is minus its total less the lines spending it from
payments dated on or before ``D``; a payment dated on or before ``D`` is minus what it has not
applied to invoices dated on or before ``D`` nor taken from credit memos; each converted
``amount * ExchangeRate`` and rounded half-up to the cent.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from ar_sync_quickbooks.sandbox import generate_company
from ar_sync_quickbooks.sandbox.company import Company, company_document

from ar_sync.errors import ConfigError
from ar_sync.sandbox.options import parse_generate
from ar_sync.sandbox.plugin import load_sandbox
from tests.quickbooks_sandbox.conftest import connect_client

TODAY = date(2026, 12, 2)
MONTH_ENDS = [
    date(2025, 3, 31),
    date(2025, 6, 30),
    date(2025, 9, 30),
    date(2025, 12, 31),
    date(2026, 3, 31),
    date(2026, 9, 30),
]
ZERO = Decimal("0.00")


@pytest.fixture(scope="module")
def company() -> Company:
    return generate_company(
        customers=40, invoices=400, paid=200, seed=1, today=TODAY, history_months=24
    )


def _day(text: object) -> date:
    return date.fromisoformat(str(text))


def _home(amount: Decimal, record: dict) -> Decimal:
    rate = record.get("ExchangeRate") or Decimal(1)
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _links(payment: dict) -> list[tuple[str, str, Decimal]]:
    return [
        (link["TxnType"], link["TxnId"], line["Amount"])
        for line in payment["Line"]
        for link in line.get("LinkedTxn", [])
    ]


def _open_at(company: Company, day: date) -> tuple[Decimal, set[str]]:
    """The A/R total at the end of ``day`` (module docstring) and the invoices open then."""
    invoice_days = {i["Id"]: _day(i["TxnDate"]) for i in company.invoices}
    taken: defaultdict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    total, open_ids = ZERO, set()
    for payment in company.payments:
        if _day(payment["TxnDate"]) > day:
            continue
        left = payment["TotalAmt"]
        for kind, txn_id, amount in _links(payment):
            taken[(kind, txn_id)] += amount
            if kind == "CreditMemo":
                left += amount
            elif invoice_days[txn_id] <= day:
                left -= amount
        if left > 0:
            total -= _home(left, payment)
    for invoice in company.invoices:
        owed = invoice["TotalAmt"] - taken[("Invoice", invoice["Id"])]
        if _day(invoice["TxnDate"]) <= day and owed > 0:
            total += _home(owed, invoice)
            open_ids.add(invoice["Id"])
    for memo in company.credit_memos:
        left = memo["TotalAmt"] - taken[("CreditMemo", memo["Id"])]
        if _day(memo["TxnDate"]) <= day and left > 0:
            total -= _home(left, memo)
    return total, open_ids


def _applied_days(company: Company) -> dict[str, list[date]]:
    """Invoice id -> the dates its payments (credit memo applications included) took effect."""
    invoice_days = {i["Id"]: _day(i["TxnDate"]) for i in company.invoices}
    days: defaultdict[str, list[date]] = defaultdict(list)
    for payment in company.payments:
        for kind, txn_id, _ in _links(payment):
            if kind == "Invoice":
                days[txn_id].append(max(_day(payment["TxnDate"]), invoice_days[txn_id]))
    return days


def test_no_history_is_the_company_as_before() -> None:
    def dumped(**extra: int) -> str:
        made = generate_company(customers=12, invoices=60, paid=30, seed=3, today=TODAY, **extra)
        return json.dumps(company_document(made), sort_keys=True, default=str)

    assert dumped(history_months=0) == dumped()
    assert dumped(history_months=3) != dumped()


def test_two_years_of_documents_every_month_and_no_stamp_in_the_future(company) -> None:
    months = Counter(i["TxnDate"][:7] for i in company.invoices)
    wanted = [f"{2024 + (11 + k) // 12}-{(11 + k) % 12 + 1:02d}" for k in range(24)]
    assert wanted[0] == "2024-12" and wanted[-1] == "2026-11"
    assert min(months[m] for m in wanted) == 10
    assert len(company.invoices) == 1049
    # Every date <= today. A record whose last activity is two days or more before today (all
    # of the history) is stamped on that day in Los Angeles, so before today began anywhere.
    # (Records of today are stamped in its first minutes counted from the earlier midnight.)
    midnight = datetime(2026, 12, 2, tzinfo=company.timezone)
    applied = _applied_days(company)
    checked = 0
    for invoice in company.invoices:
        stamp = datetime.fromisoformat(invoice["MetaData"]["LastUpdatedTime"])
        assert _day(invoice["TxnDate"]) <= TODAY
        last = max([_day(invoice["TxnDate"]), *applied.get(invoice["Id"], [])])
        if last <= TODAY - timedelta(days=2):
            assert stamp < midnight and stamp.astimezone(midnight.tzinfo).date() >= last
            checked += 1
    for payment in company.payments:
        stamp = datetime.fromisoformat(payment["MetaData"]["LastUpdatedTime"])
        assert _day(payment["TxnDate"]) < TODAY
        assert stamp.astimezone(midnight.tzinfo).date() >= _day(payment["TxnDate"])
    assert checked == 1044


def test_each_behaviour_is_there(company) -> None:
    applied = _applied_days(company)
    memos = {m["Id"]: m for m in company.credit_memos}
    invoices = {i["Id"]: i for i in company.invoices}
    settled = [i for i in company.invoices if i["TotalAmt"] > 0 and i["Balance"] == 0]
    late = [i for i in settled if max(applied[i["Id"]]) > _day(i["DueDate"])]
    part_paid = [
        i for i in settled
        if sum(1 for p in company.payments for k, t, _ in _links(p) if (k, t) == ("Invoice", i["Id"]))
        >= 2
    ]
    memo_applied_later = [
        p for p in company.payments
        if p["TotalAmt"] == 0 and any(
            k == "CreditMemo" and _day(memos[t]["TxnDate"]) < _day(p["TxnDate"])
            for k, t, _ in _links(p)
        )
    ]
    # A payment with more than its first invoice took, the rest applied to a newer invoice.
    applied_later = [
        p for p in company.payments
        if any(k == "Invoice" and _day(invoices[t]["TxnDate"]) > _day(p["TxnDate"])
               for k, t, _ in _links(p))
    ]
    voided = [i for i in company.invoices if i["TotalAmt"] == 0]
    assert (len(settled), len(late), len(part_paid)) == (619, 333, 105)
    assert (len(memo_applied_later), len(applied_later), len(voided)) == (33, 20, 30)
    currencies = Counter(
        (i.get("CurrencyRef") or {}).get("value", "USD") for i in settled
    )
    assert currencies == {"USD": 520, "CAD": 38, "EUR": 32, "GBP": 29}
    # Customers differ: some always on time, some late on most invoices, some new.
    by_customer: defaultdict[str, list[bool]] = defaultdict(list)
    for invoice in settled:
        by_customer[invoice["CustomerRef"]["value"]].append(invoice in late)
    always_on_time = [c for c, lates in by_customer.items() if not any(lates)]
    mostly_late = [c for c, lates in by_customer.items() if sum(lates) * 2 > len(lates)]
    first_bill: dict[str, date] = {}
    for invoice in company.invoices:
        customer, day = invoice["CustomerRef"]["value"], _day(invoice["TxnDate"])
        first_bill[customer] = min(first_bill.get(customer, day), day)
    new = [c for c, day in first_bill.items() if (TODAY - day).days < 90]
    assert (len(always_on_time), len(mostly_late), len(new)) == (4, 17, 4)


def _detail_ids(report: dict) -> set[str]:
    return {
        row["ColData"][2]["id"]
        for section in report["Rows"]["Row"]
        for row in section.get("Rows", {}).get("Row", [])
        if row["ColData"][2]["value"] == "Invoice"
    }


def test_aged_receivables_at_past_month_ends(company, make_sandbox) -> None:
    connected = connect_client(make_sandbox([company]))
    applied = _applied_days(company)
    voided = {i["Id"] for i in company.invoices if i["TotalAmt"] == 0}
    late = next(
        i for i in company.invoices
        if i["TotalAmt"] > 0 and _day(i["TxnDate"]) <= MONTH_ENDS[0]
        and MONTH_ENDS[0] < max(applied[i["Id"]]) <= MONTH_ENDS[1]
        and max(applied[i["Id"]]) > _day(i["DueDate"])
    )
    listed: dict[date, set[str]] = {}
    for day in MONTH_ENDS:
        expected, open_ids = _open_at(company, day)
        summary = connected.qb.get_report("AgedReceivables", {"report_date": day.isoformat()})
        grand = summary["Rows"]["Row"][-1]["Summary"]["ColData"]
        assert Decimal(grand[-1]["value"]) == expected, day
        detail = connected.qb.get_report(
            "AgedReceivableDetail", {"report_date": day.isoformat()}
        )
        listed[day] = _detail_ids(detail)
        assert listed[day] == open_ids and not listed[day] & voided, day
    assert late["Id"] in listed[MONTH_ENDS[0]] and late["Id"] not in listed[MONTH_ENDS[1]]


def test_generate_option_serves_the_same_history(company) -> None:
    """``sandbox serve --generate ...,history_months=24`` (parsed as the CLI parses it) serves
    this very company: paid invoices default to half the open ones, 200."""
    spec = parse_generate("customers=40,invoices=400,seed=1,history_months=24", today=TODAY)
    assert spec.history_months == 24
    handle = load_sandbox("quickbooks").start(generate=spec)
    try:
        connected = connect_client(handle)
        day = MONTH_ENDS[2]
        report = connected.qb.get_report("AgedReceivables", {"report_date": day.isoformat()})
        grand = report["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"]
        assert Decimal(grand) == _open_at(company, day)[0]
    finally:
        handle.stop()
    with pytest.raises(ConfigError) as refused:
        parse_generate("history_months=-1", today=TODAY)
    assert str(refused.value) == (
        "--generate: history_months: Input should be greater than or equal to 0"
    )
