"""History measures: open amounts at past dates, DSO (count-back), collections, days late,
per-customer payment records; hand-computed companies and Hypothesis properties."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ar_sync.aging.age import age, receivables
from ar_sync.aging.measures import (
    History,
    add_months,
    allocations_by_invoice,
    count_back_dso,
    credit_remaining_at,
    customer_measures,
    history,
    month_ends,
    month_measures,
    open_amount_at,
    org_months,
    paid_on,
    receivables_at,
    trend_of,
)
from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    CustomerMeasures,
    DocumentStatus,
    Invoice,
    MonthMeasures,
    RateQuote,
    Trend,
)

D = Decimal
UPDATED = datetime(2026, 4, 1, tzinfo=UTC)
OPEN, PAID, VOIDED = DocumentStatus.OPEN, DocumentStatus.PAID, DocumentStatus.VOIDED


def pay(
    invoice_id: str,
    amount: str,
    on: date,
    *,
    source: AllocationSource = AllocationSource.PAYMENT,
    source_id: str | None = None,
) -> Allocation:
    return Allocation(
        org_id="xero:t1",
        allocation_id=f"{source_id or 'p'}-{invoice_id}-{on}-{amount}",
        invoice_id=invoice_id,
        source=source,
        source_id=source_id or f"pay-{invoice_id}-{on}",
        amount=D(amount),
        date=on,
    )


def inv(
    invoice_id: str,
    customer_id: str,
    *,
    issued: date,
    due: date,
    total: str,
    currency: str = "NZD",
    rate: str = "1",
    quote: RateQuote = RateQuote.DOCUMENT_PER_BASE,
    status: DocumentStatus = OPEN,
    payments: tuple[Allocation, ...] | None = (),
    amount_due: str | None = None,
) -> Invoice:
    return Invoice(
        org_id="xero:t1",
        invoice_id=invoice_id,
        customer_id=customer_id,
        number=f"INV-{invoice_id}",
        status=status,
        issue_date=issued,
        due_date=due,
        currency=currency,
        fx_rate=D(rate),
        fx_quote=quote,
        total=D(total),
        amount_due=D(amount_due if amount_due is not None else total),
        updated_at=UPDATED,
        payments=payments,
    )


def cred(
    credit_id: str,
    customer_id: str,
    *,
    kind: CreditKind,
    on: date,
    total: str,
    remaining: str,
    allocations: tuple[Allocation, ...] = (),
    status: DocumentStatus = OPEN,
    currency: str = "NZD",
    rate: str = "1",
    quote: RateQuote = RateQuote.DOCUMENT_PER_BASE,
) -> Credit:
    return Credit(
        org_id="xero:t1",
        credit_id=credit_id,
        kind=kind,
        customer_id=customer_id,
        number=f"CR-{credit_id}",
        status=status,
        date=on,
        currency=currency,
        fx_rate=D(rate),
        fx_quote=quote,
        total=D(total),
        remaining=D(remaining),
        updated_at=UPDATED,
        allocations=allocations,
    )


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 2, 28), -1, date(2026, 1, 31)),  # a month end stays a month end
        (date(2026, 11, 30), -3, date(2026, 8, 31)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2028, 2, 29), -12, date(2027, 2, 28)),
        (date(2026, 1, 10), -13, date(2024, 12, 10)),
    ],
)
def test_add_months_clamps_and_keeps_month_ends(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_month_ends_cover_every_month_inclusive() -> None:
    assert month_ends(date(2025, 11, 15), date(2026, 2, 1)) == (
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    )
    assert month_ends(date(2026, 2, 1), date(2026, 1, 31)) == ()


# --------------------------------------------------------------------------------------------
# Open amounts at a date
# --------------------------------------------------------------------------------------------

PART_PAID = inv(
    "a",
    "c1",
    issued=date(2026, 1, 10),
    due=date(2026, 2, 9),
    total="100.00",
    payments=(pay("a", "30.00", date(2026, 2, 1)), pay("a", "70.00", date(2026, 3, 5))),
    status=PAID,
    amount_due="0.00",
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 9), D("0")),  # not issued yet
        (date(2026, 1, 10), D("100.00")),  # issued on the day counts
        (date(2026, 2, 1), D("70.00")),  # an allocation dated on the day counts
        (date(2026, 3, 4), D("70.00")),
        (date(2026, 3, 5), D("0.00")),
    ],
)
def test_open_amount_at_takes_off_allocations_on_or_before_the_day(
    day: date, expected: Decimal
) -> None:
    assert open_amount_at(PART_PAID, PART_PAID.payments or (), day) == expected


def test_open_amount_at_ignores_other_invoices_allocations_and_voided_invoices() -> None:
    other = pay("b", "60.00", date(2026, 1, 20))
    joined = (other, *(PART_PAID.payments or ()))
    assert open_amount_at(PART_PAID, joined, date(2026, 2, 1)) == D("70.00")
    voided = inv(
        "v", "c1", issued=date(2026, 1, 1), due=date(2026, 1, 31), total="500.00", status=VOIDED
    )
    deleted = inv(
        "d",
        "c1",
        issued=date(2026, 1, 1),
        due=date(2026, 1, 31),
        total="500.00",
        status=DocumentStatus.DELETED,
    )
    draft = inv(
        "r",
        "c1",
        issued=date(2026, 1, 1),
        due=date(2026, 1, 31),
        total="500.00",
        status=DocumentStatus.DRAFT,
    )
    for document in (voided, deleted, draft):
        assert open_amount_at(document, (), date(2026, 1, 15)) == 0


def test_credit_remaining_at_a_date_and_voided_credits() -> None:
    note = cred(
        "n1",
        "c1",
        kind=CreditKind.CREDIT_NOTE,
        on=date(2026, 2, 15),
        total="50.00",
        remaining="30.00",
        allocations=(
            pay(
                "a", "20.00", date(2026, 3, 1), source=AllocationSource.CREDIT_NOTE, source_id="n1"
            ),
        ),
    )
    assert credit_remaining_at(note, date(2026, 2, 14)) == 0
    assert credit_remaining_at(note, date(2026, 2, 15)) == D("50.00")
    assert credit_remaining_at(note, date(2026, 2, 28)) == D("50.00")
    assert credit_remaining_at(note, date(2026, 3, 1)) == D("30.00")
    voided = cred(
        "n2",
        "c1",
        kind=CreditKind.CREDIT_NOTE,
        on=date(2026, 2, 15),
        total="50.00",
        remaining="0.00",
        status=VOIDED,
    )
    assert credit_remaining_at(voided, date(2026, 3, 1)) == 0


def test_paid_on_is_the_day_the_balance_reached_zero_and_stayed() -> None:
    assert paid_on(PART_PAID, PART_PAID.payments or ()) == date(2026, 3, 5)
    part = inv("p", "c1", issued=date(2026, 1, 1), due=date(2026, 1, 31), total="100.00")
    assert paid_on(part, (pay("p", "99.99", date(2026, 1, 5)),)) is None
    reopened = (
        pay("p", "100.00", date(2026, 1, 5)),
        pay("p", "-100.00", date(2026, 1, 8)),  # a bounced payment reversed
        pay("p", "100.00", date(2026, 2, 3)),
    )
    assert paid_on(part, reopened) == date(2026, 2, 3)
    free = inv("z", "c1", issued=date(2026, 1, 1), due=date(2026, 1, 31), total="0.00")
    assert paid_on(free, ()) is None


def test_allocations_join_invoice_payments_and_credit_allocations_once() -> None:
    xero_payment = pay("x", "10.00", date(2026, 1, 5))
    xero = inv(
        "x",
        "c1",
        issued=date(2026, 1, 1),
        due=date(2026, 1, 31),
        total="100.00",
        payments=(xero_payment,),
    )
    qbo = inv(
        "q",
        "c1",
        issued=date(2026, 1, 1),
        due=date(2026, 1, 31),
        total="100.00",
        payments=None,
        amount_due="60.00",
    )
    applied = pay("q", "40.00", date(2026, 1, 6), source_id="pmt-1")
    note_to_x = pay(
        "x", "5.00", date(2026, 1, 2), source=AllocationSource.CREDIT_NOTE, source_id="cn-1"
    )
    payment = cred(
        "pmt-1",
        "c1",
        kind=CreditKind.PAYMENT,
        on=date(2026, 1, 6),
        total="40.00",
        remaining="0.00",
        status=PAID,
        allocations=(applied, applied),
    )
    voided_payment = cred(
        "pmt-2",
        "c1",
        kind=CreditKind.PAYMENT,
        on=date(2026, 1, 7),
        total="60.00",
        remaining="0.00",
        status=VOIDED,
        allocations=(pay("q", "60.00", date(2026, 1, 7), source_id="pmt-2"),),
    )
    note = cred(
        "cn-1",
        "c1",
        kind=CreditKind.CREDIT_NOTE,
        on=date(2026, 1, 2),
        total="5.00",
        remaining="0.00",
        status=PAID,
        allocations=(note_to_x,),
    )
    found = allocations_by_invoice([xero, qbo], [payment, voided_payment, note])
    assert found == {"x": (note_to_x, xero_payment), "q": (applied,)}
    assert open_amount_at(qbo, found["q"], date(2026, 1, 31)) == D("60.00")


# --------------------------------------------------------------------------------------------
# A small company: NZD base, AUD and JPY invoices, Xero-style and QuickBooks-style payments
# --------------------------------------------------------------------------------------------
#
# c1  A   NZD 1000.00 issued 01-05 due 02-04; paid 400 on 02-10, 600 on 03-10 (34 days late)
# c1  B   AUD  450.00 at 0.9 AUD/NZD = 500.00 NZD, issued 02-12 due 03-14; paid 03-10 (4 early)
# c1  G   JPY 9000 at 90 JPY/NZD = 100.00 NZD, issued 03-15 due 03-25; open
# c1  PP1 prepayment 80.00 on 03-28, unapplied (not a receivable; a payment date)
# c2  C   NZD 2000.00 issued 03-02 due 04-01; open
# c2  D   NZD  300.00 issued 02-20 due 03-06; credit note CN1 100.00 applied 03-20
# c3  E   NZD 5000.00 issued 03-03, voided: nowhere
# c3  F   NZD  200.00 issued 01-20 due 02-28 (QuickBooks style); payment P1 250.00 on 03-25,
#         200.00 applied to F (25 days late), 50.00 unapplied (a credit)


def company() -> tuple[list[Invoice], list[Credit]]:
    d = date
    invoices = [
        inv(
            "A",
            "c1",
            issued=d(2026, 1, 5),
            due=d(2026, 2, 4),
            total="1000.00",
            status=PAID,
            amount_due="0.00",
            payments=(pay("A", "400.00", d(2026, 2, 10)), pay("A", "600.00", d(2026, 3, 10))),
        ),
        inv(
            "B",
            "c1",
            issued=d(2026, 2, 12),
            due=d(2026, 3, 14),
            total="450.00",
            currency="AUD",
            rate="0.9",
            status=PAID,
            amount_due="0.00",
            payments=(pay("B", "450.00", d(2026, 3, 10)),),
        ),
        inv(
            "G",
            "c1",
            issued=d(2026, 3, 15),
            due=d(2026, 3, 25),
            total="9000",
            currency="JPY",
            rate="90",
        ),
        inv("C", "c2", issued=d(2026, 3, 2), due=d(2026, 4, 1), total="2000.00"),
        inv(
            "D", "c2", issued=d(2026, 2, 20), due=d(2026, 3, 6), total="300.00", amount_due="200.00"
        ),
        inv("E", "c3", issued=d(2026, 3, 3), due=d(2026, 4, 2), total="5000.00", status=VOIDED),
        inv(
            "F",
            "c3",
            issued=d(2026, 1, 20),
            due=d(2026, 2, 28),
            total="200.00",
            status=PAID,
            amount_due="0.00",
            payments=None,
        ),
    ]
    credits = [
        cred(
            "PP1",
            "c1",
            kind=CreditKind.PREPAYMENT,
            on=d(2026, 3, 28),
            total="80.00",
            remaining="80.00",
        ),
        cred(
            "CN1",
            "c2",
            kind=CreditKind.CREDIT_NOTE,
            on=d(2026, 3, 20),
            total="100.00",
            remaining="0.00",
            status=PAID,
            allocations=(
                pay(
                    "D",
                    "100.00",
                    d(2026, 3, 20),
                    source=AllocationSource.CREDIT_NOTE,
                    source_id="CN1",
                ),
            ),
        ),
        cred(
            "P1",
            "c3",
            kind=CreditKind.PAYMENT,
            on=d(2026, 3, 25),
            total="250.00",
            remaining="50.00",
            allocations=(pay("F", "200.00", d(2026, 3, 25), source_id="P1"),),
        ),
    ]
    return invoices, credits


def company_history() -> History:
    invoices, credits = company()
    return history(invoices, credits, base_currency="NZD")


def test_aging_at_a_past_month_end_from_receivables_at() -> None:
    h = company_history()
    report = age(receivables_at(h, date(2026, 2, 28)), as_of=date(2026, 2, 28), base_currency="NZD")
    # A: 600.00 left, 24 days overdue; B 500.00, D 300.00, F 200.00 not yet due (F due today).
    assert report.totals == {
        "current": D("1000.00"),
        "1-30": D("600.00"),
        "31-60": D("0.00"),
        "61-90": D("0.00"),
        "91+": D("0.00"),
    }
    assert {c.customer_id: c.total for c in report.customers} == {
        "c1": D("1100.00"),
        "c3": D("200.00"),
        "c2": D("300.00"),
    }
    march = age(receivables_at(h, date(2026, 3, 31)), as_of=date(2026, 3, 31), base_currency="NZD")
    # C 2000.00 current; D 200.00 and G 100.00 (9000 JPY) overdue; P1's unapplied 50.00 credit.
    assert march.total == D("2250.00")
    assert {c.customer_id: c.total for c in march.customers} == {
        "c1": D("100.00"),
        "c2": D("2200.00"),
        "c3": D("-50.00"),
    }


def test_month_measures_of_march_by_hand() -> None:
    assert month_measures(company_history(), date(2026, 3, 15)) == MonthMeasures(
        month_end=date(2026, 3, 31),
        base_currency="NZD",
        receivables=D("2250.00"),  # 2000 + 200 + 100 - 50
        credit_sales=D("2100.00"),  # C 2000 + G 100; E voided
        # 2250 > March's 2100: 31 days, 150 left; February's sales 800 cover it: 28 * 150/800
        # = 5.25; 36.25 -> 36.3
        dso=D("36.3"),
        dso_capped=False,
        overdue=D("300.00"),  # D 200 + G 100; C due 04-01
        overdue_share=D("0.1304"),  # 300 / 2300
        collected=D("1300.00"),  # A 600 + B 450 AUD = 500 + F 200; CN1 is not a collection
        invoices_paid=3,
        average_days_late=D("18.3"),  # (34 - 4 + 25) / 3
    )


def test_org_months_from_an_empty_month_to_march() -> None:
    months = org_months(company_history(), date(2025, 12, 1), date(2026, 3, 31))
    assert [m.month_end for m in months] == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    december, january, february, _ = months
    assert (
        december.receivables,
        december.dso,
        december.overdue_share,
        december.collected,
        december.invoices_paid,
        december.average_days_late,
    ) == (D("0.00"), D("0.0"), None, D("0.00"), 0, None)
    # January: A 1000 + F 200 = January's sales exactly: 31 * 1200/1200 = 31.0
    assert (january.receivables, january.credit_sales, january.dso, january.overdue_share) == (
        D("1200.00"),
        D("1200.00"),
        D("31.0"),
        D("0.0000"),
    )
    # February: 1600 > 800 -> 28 days, 800 left of January's 1200 -> 31 * 2/3 = 20.67; 48.67
    assert (
        february.receivables,
        february.credit_sales,
        february.dso,
        february.overdue,
        february.overdue_share,
        february.collected,
        february.invoices_paid,
    ) == (D("1600.00"), D("800.00"), D("48.7"), D("600.00"), D("0.3750"), D("400.00"), 0)


def test_dso_is_capped_when_the_balance_outruns_the_window() -> None:
    february = month_measures(company_history(), date(2026, 2, 28), window_months=1)
    assert (february.dso, february.dso_capped) == (D("28.0"), True)


def test_count_back_dso_worked_example_and_edges() -> None:
    thirty = 30
    sales = [(thirty, D("100000")), (thirty, D("80000")), (thirty, D("70000"))]
    assert count_back_dso(D("212000"), sales) == (D("73.7"), False)
    assert count_back_dso(D("0"), sales) == (D("0.0"), False)
    assert count_back_dso(D("-5"), sales) == (D("0.0"), False)
    assert count_back_dso(D("100000"), sales) == (D("30.0"), False)  # exactly one month
    assert count_back_dso(D("300000"), sales) == (D("90.0"), True)
    assert count_back_dso(D("10"), [(31, D("0")), (28, D("40"))]) == (D("38.0"), False)


def test_sales_and_collections_are_rounded_per_document() -> None:
    d = date
    invoices = [
        inv(
            name,
            "c1",
            issued=d(2026, 5, 4),
            due=d(2026, 6, 3),
            total="100.00",
            currency="AUD",
            rate="3",
            status=PAID,
            amount_due="0.00",
            payments=(pay(name, "100.00", d(2026, 5, 20)),),
        )
        for name in ("x1", "x2")
    ]
    may = month_measures(history(invoices, [], base_currency="NZD"), d(2026, 5, 31))
    # 100 / 3 = 33.333.. -> 33.33 each; 66.66, not round(66.666..) = 66.67
    assert (may.credit_sales, may.collected) == (D("66.66"), D("66.66"))
    assert (may.invoices_paid, may.average_days_late) == (2, D("-14.0"))


# --------------------------------------------------------------------------------------------
# Per customer
# --------------------------------------------------------------------------------------------


def test_customer_measures_of_the_company_by_hand() -> None:
    c1, c2, c3 = customer_measures(company_history(), date(2026, 3, 31))
    assert c1 == CustomerMeasures(
        customer_id="c1",
        as_of=date(2026, 3, 31),
        base_currency="NZD",
        invoices_paid=2,
        average_days_late=D("15.0"),  # (34 - 4) / 2
        median_days_late=D("15.0"),
        recent_days_late=D("15.0"),
        earlier_days_late=None,
        trend_days=None,
        trend=None,
        last_payment_date=date(2026, 3, 28),  # the unapplied prepayment
        largest_balance=D("1100.00"),  # 02-28: A 600 + B 500
        first_invoice_date=date(2026, 1, 5),
    )
    assert c2 == CustomerMeasures(
        customer_id="c2",
        as_of=date(2026, 3, 31),
        base_currency="NZD",
        invoices_paid=0,
        average_days_late=None,
        median_days_late=None,
        recent_days_late=None,
        earlier_days_late=None,
        trend_days=None,
        trend=None,
        last_payment_date=None,  # a credit note is not a payment
        largest_balance=D("2200.00"),
        first_invoice_date=date(2026, 2, 20),
    )
    assert (
        c3.invoices_paid,
        c3.average_days_late,
        c3.median_days_late,
        c3.last_payment_date,
        c3.largest_balance,
        c3.first_invoice_date,
    ) == (1, D("25.0"), D("25.0"), date(2026, 3, 25), D("200.00"), date(2026, 1, 20))


def test_customer_measures_at_an_earlier_date_see_nothing_later() -> None:
    c1, c3 = customer_measures(company_history(), date(2026, 2, 10))
    assert (
        c1.customer_id,
        c1.invoices_paid,
        c1.last_payment_date,
        c1.largest_balance,
        c1.average_days_late,
    ) == ("c1", 0, date(2026, 2, 10), D("1000.00"), None)
    assert (c3.customer_id, c3.largest_balance, c3.last_payment_date) == ("c3", D("200.00"), None)


def paid_invoice(name: str, due: date, paid: date) -> Invoice:
    return inv(
        name,
        "c9",
        issued=due - timedelta(days=30),
        due=due,
        total="10.00",
        status=PAID,
        amount_due="0.00",
        payments=(pay(name, "10.00", paid),),
    )


def test_customer_trend_compares_last_three_months_with_the_twelve_before() -> None:
    d = date
    invoices = [
        paid_invoice("i5", d(2025, 6, 1), d(2025, 6, 5)),  # before both periods: nowhere
        paid_invoice("i1", d(2025, 10, 1), d(2025, 10, 11)),  # +10, earlier, outside window
        paid_invoice("i2", d(2026, 3, 1), d(2026, 3, 3)),  # +2, earlier
        paid_invoice("i6", d(2026, 8, 31), d(2026, 8, 31)),  # 0, earlier (08-31 is the edge)
        paid_invoice("i3", d(2026, 9, 10), d(2026, 9, 30)),  # +20, recent
        paid_invoice("i4", d(2026, 10, 1), d(2026, 10, 9)),  # +8, recent
    ]
    (c9,) = customer_measures(history(invoices, [], base_currency="NZD"), d(2026, 11, 30))
    assert (c9.invoices_paid, c9.average_days_late, c9.median_days_late) == (
        4,
        D("7.5"),
        D("5.0"),
    )  # 2, 0, 20, 8
    assert (c9.recent_days_late, c9.earlier_days_late, c9.trend_days, c9.trend) == (
        D("14.0"),
        D("4.0"),
        D("10.0"),
        Trend.WORSENING,
    )
    assert c9.last_payment_date == d(2026, 10, 9)
    assert c9.first_invoice_date == d(2025, 5, 2)
    assert c9.largest_balance == D("10.00")  # i4 open at 09-30


@pytest.mark.parametrize(
    ("recent", "earlier", "expected"),
    [
        (D("10.0"), D("5.0"), (D("5.0"), Trend.STEADY)),
        (D("10.0"), D("4.9"), (D("5.1"), Trend.WORSENING)),
        (D("4.9"), D("10.0"), (D("-5.1"), Trend.IMPROVING)),
        (D("-3.0"), D("2.0"), (D("-5.0"), Trend.STEADY)),
        (None, D("2.0"), (None, None)),
        (D("2.0"), None, (None, None)),
    ],
)
def test_trend_threshold_is_five_days_inclusive(
    recent: Decimal | None, earlier: Decimal | None, expected: tuple[object, object]
) -> None:
    assert trend_of(recent, earlier) == expected


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

CURRENCIES = {"NZD": 2, "AUD": 2, "JPY": 0}
days_in = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
rates = st.decimals(min_value=D("0.01"), max_value=D("150"), places=4)


@st.composite
def money(draw: st.DrawFn, currency: str, low: int = 1, high: int = 10**7) -> Decimal:
    return D(draw(st.integers(min_value=low, max_value=high))).scaleb(-CURRENCIES[currency])


@st.composite
def paid_down_invoice(draw: st.DrawFn, name: str) -> tuple[Invoice, tuple[Allocation, ...]]:
    """An invoice and allocations that leave ``amount_due``, dated on or after its issue."""
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    issued = draw(days_in)
    parts = draw(st.lists(money(currency), max_size=4))
    amount_due = draw(money(currency, low=0))
    source = draw(st.sampled_from(list(AllocationSource)))
    allocations = tuple(
        pay(
            name,
            str(part),
            issued + timedelta(days=draw(st.integers(0, 400))),
            source=source,
            source_id=f"s{index}",
        )
        for index, part in enumerate(parts)
    )
    invoice = inv(
        name,
        draw(st.sampled_from(["c1", "c2", "c3"])),
        issued=issued,
        due=issued + timedelta(days=draw(st.integers(0, 60))),
        total=str(amount_due + sum(parts, D(0))),
        currency=currency,
        rate="1" if currency == "NZD" else str(draw(rates)),
        quote=draw(st.sampled_from(list(RateQuote))),
        status=draw(st.sampled_from([OPEN, PAID, VOIDED, DocumentStatus.DRAFT])),
        amount_due=str(amount_due),
        payments=allocations if draw(st.booleans()) else None,
    )
    return invoice, allocations


@st.composite
def random_company(draw: st.DrawFn) -> tuple[list[Invoice], list[Credit]]:
    pairs = [draw(paid_down_invoice(f"i{n}")) for n in range(draw(st.integers(0, 8)))]
    invoices = [invoice for invoice, _ in pairs]
    credits = [
        # QuickBooks style: the allocations live on a payment document
        cred(
            f"pay-{invoice.invoice_id}",
            invoice.customer_id,
            kind=CreditKind.PAYMENT,
            on=invoice.issue_date,
            total=str(sum((a.amount for a in allocations), D(0))),
            remaining="0",
            allocations=allocations,
            status=PAID,
            currency=invoice.currency,
            rate=str(invoice.fx_rate),
            quote=invoice.fx_quote,
        )
        for invoice, allocations in pairs
        if invoice.payments is None
    ]
    for n in range(draw(st.integers(0, 3))):
        currency = draw(st.sampled_from(sorted(CURRENCIES)))
        total = draw(money(currency))
        credits.append(
            cred(
                f"n{n}",
                draw(st.sampled_from(["c1", "c2", "c3"])),
                kind=draw(st.sampled_from(list(CreditKind))),
                on=draw(days_in),
                total=str(total),
                remaining=str(total),
                currency=currency,
                rate="1" if currency == "NZD" else str(draw(rates)),
            )
        )
    return invoices, credits


@given(companies=random_company(), day=days_in, window=st.integers(1, 24))
def test_dso_lies_between_zero_and_the_days_counted_back(
    companies: tuple[list[Invoice], list[Credit]], day: date, window: int
) -> None:
    invoices, credits = companies
    measures = month_measures(
        history(invoices, credits, base_currency="NZD"), day, window_months=window
    )
    end = measures.month_end
    counted = sum(
        calendar.monthrange(m.year, m.month)[1]
        for m in (add_months(end, -k) for k in range(window))
    )
    assert D(0) <= measures.dso <= counted
    if measures.dso_capped:
        assert measures.dso == counted
    if measures.overdue_share is not None:
        assert D(0) <= measures.overdue_share <= 1


@given(pair=paid_down_invoice("i"), later=st.integers(0, 400))
def test_open_amount_at_as_of_is_amount_due_once_every_allocation_is_dated(
    pair: tuple[Invoice, tuple[Allocation, ...]], later: int
) -> None:
    invoice, allocations = pair
    as_of = max([invoice.issue_date, *(a.date for a in allocations)]) + timedelta(days=later)
    credits = (
        []
        if invoice.payments is not None
        else [
            cred(
                "p",
                invoice.customer_id,
                kind=CreditKind.PAYMENT,
                on=invoice.issue_date,
                total="0",
                remaining="0",
                allocations=allocations,
                status=PAID,
            )
        ]
    )
    joined = allocations_by_invoice([invoice], credits).get(invoice.invoice_id, ())
    expected = invoice.amount_due if invoice.status in (OPEN, PAID) else 0
    assert open_amount_at(invoice, joined, as_of) == expected


@given(companies=random_company(), later=st.integers(0, 30))
def test_aging_rebuilt_at_the_latest_date_equals_todays_aging(
    companies: tuple[list[Invoice], list[Credit]], later: int
) -> None:
    invoices, credits = companies
    # Make the statuses agree with the balances, as a ledger's would.
    invoices = [
        replace(i, status=OPEN if i.amount_due > 0 else PAID) if i.status in (OPEN, PAID) else i
        for i in invoices
    ]
    dates = [i.issue_date for i in invoices] + [c.date for c in credits]
    dates += [a.date for i in invoices for a in i.payments or ()]
    dates += [a.date for c in credits for a in c.allocations]
    as_of = max(dates, default=date(2026, 1, 1)) + timedelta(days=later)
    h = history(invoices, credits, base_currency="NZD")
    rebuilt = age(receivables_at(h, as_of), as_of=as_of, base_currency="NZD")
    today = age(
        receivables(invoices, credits, base_currency="NZD"), as_of=as_of, base_currency="NZD"
    )
    assert rebuilt == today
