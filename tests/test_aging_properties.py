"""Hypothesis properties of aging: totals balance, items only grow older, order does not matter."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ar_sync.aging.age import (
    AgingItem,
    ItemKind,
    age,
    bucket_for,
    bucket_names,
    receivables,
)
from ar_sync.domain import Basis, Credit, CreditKind, DocumentStatus, Invoice, RateQuote, Scheme
from ar_sync.money import quantize, to_base

BASE = "NZD"
CURRENCIES = ("NZD", "AUD", "JPY", "KWD")
dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
schemes = st.sampled_from(list(Scheme))
bases = st.sampled_from(list(Basis))
rates = st.decimals(min_value=Decimal("0.0050"), max_value=Decimal("200"), places=4)


@st.composite
def aging_items(draw: st.DrawFn) -> AgingItem:
    currency = draw(st.sampled_from(CURRENCIES))
    minor = int(quantize(Decimal(1), currency).as_tuple().exponent)
    cents = draw(st.integers(min_value=-10**9, max_value=10**9).filter(bool))
    amount = Decimal(cents).scaleb(minor)
    rate = Decimal(1) if currency == BASE else draw(rates)
    quote = draw(st.sampled_from(list(RateQuote)))
    issued = draw(dates)
    due = issued + timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    return AgingItem(
        customer_id=draw(st.sampled_from(["c1", "c2", "c3", "c4"])),
        document_id=draw(st.uuids()).hex,
        number="N",
        kind=ItemKind.INVOICE if amount > 0 else ItemKind.CREDIT,
        issue_date=issued,
        due_date=due if amount > 0 else issued,
        currency=currency,
        amount=amount,
        base_amount=to_base(amount, rate=rate, quote=quote, base_currency=BASE),
    )


item_lists = st.lists(aging_items(), max_size=30)


@given(items=item_lists, as_of=dates, scheme=schemes, basis=bases)
def test_bucket_totals_equal_the_open_balance(
    items: list[AgingItem], as_of: date, scheme: Scheme, basis: Basis
) -> None:
    report = age(items, as_of=as_of, scheme=scheme, basis=basis, base_currency=BASE)
    balance = sum((i.base_amount for i in items if i.issue_date <= as_of), Decimal(0))
    assert report.total == balance
    assert sum(report.totals.values(), Decimal(0)) == balance
    assert tuple(report.totals) == bucket_names(scheme, basis)
    for name in report.bucket_names:
        assert report.totals[name] == sum((c.buckets[name] for c in report.customers), Decimal(0))


@given(items=item_lists, as_of=dates, scheme=schemes, basis=bases)
def test_items_issued_after_the_as_of_date_change_nothing(
    items: list[AgingItem], as_of: date, scheme: Scheme, basis: Basis
) -> None:
    issued = [i for i in items if i.issue_date <= as_of]
    kwargs = {"as_of": as_of, "scheme": scheme, "basis": basis, "base_currency": BASE}
    assert age(items, **kwargs) == age(issued, **kwargs)


@given(items=item_lists, as_of=dates, scheme=schemes, basis=bases)
def test_each_customer_total_is_the_sum_of_its_items(
    items: list[AgingItem], as_of: date, scheme: Scheme, basis: Basis
) -> None:
    report = age(items, as_of=as_of, scheme=scheme, basis=basis, base_currency=BASE)
    base_sums: dict[str, Decimal] = defaultdict(Decimal)
    currency_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for i in items:
        if i.issue_date > as_of:
            continue  # not yet owed at as_of
        base_sums[i.customer_id] += i.base_amount
        currency_sums[i.customer_id, i.currency] += i.amount
    assert [c.customer_id for c in report.customers] == sorted(base_sums)
    for customer in report.customers:
        assert customer.total == base_sums[customer.customer_id]
        assert sum(customer.buckets.values(), Decimal(0)) == customer.total
        assert tuple(customer.buckets) == report.bucket_names
        for currency, buckets in customer.by_currency.items():
            expected = currency_sums[customer.customer_id, currency]
            assert sum(buckets.values(), Decimal(0)) == expected


@given(
    anchor=dates,
    as_of=dates,
    later_by=st.integers(min_value=0, max_value=800),
    scheme=schemes,
    basis=bases,
)
def test_items_only_move_to_older_buckets(
    anchor: date, as_of: date, later_by: int, scheme: Scheme, basis: Basis
) -> None:
    names = bucket_names(scheme, basis)
    before = bucket_for(anchor, as_of=as_of, scheme=scheme, basis=basis)
    after = bucket_for(anchor, as_of=as_of + timedelta(days=later_by), scheme=scheme, basis=basis)
    assert names.index(before) <= names.index(after)


@given(data=st.data(), items=item_lists, as_of=dates, scheme=schemes, basis=bases)
def test_result_does_not_depend_on_input_order(
    data: st.DataObject, items: list[AgingItem], as_of: date, scheme: Scheme, basis: Basis
) -> None:
    shuffled = data.draw(st.permutations(items))
    one = age(items, as_of=as_of, scheme=scheme, basis=basis, base_currency=BASE)
    two = age(shuffled, as_of=as_of, scheme=scheme, basis=basis, base_currency=BASE)
    assert one == two
    assert [list(c.by_currency) for c in one.customers] == [
        list(c.by_currency) for c in two.customers
    ]


@given(
    status=st.sampled_from(list(DocumentStatus)),
    due_cents=st.integers(min_value=-10**6, max_value=10**6),
    credit_status=st.sampled_from(list(DocumentStatus)),
    kind=st.sampled_from(list(CreditKind)),
    remaining_cents=st.integers(min_value=-10**6, max_value=10**6),
    rate=rates,
    quote=st.sampled_from(list(RateQuote)),
)
def test_receivables_are_open_positive_balances_and_credits_mirror_invoices(
    status: DocumentStatus,
    due_cents: int,
    credit_status: DocumentStatus,
    kind: CreditKind,
    remaining_cents: int,
    rate: Decimal,
    quote: RateQuote,
) -> None:
    amount_due = Decimal(due_cents).scaleb(-2)
    remaining = Decimal(remaining_cents).scaleb(-2)
    common = {"org_id": "o", "customer_id": "c", "number": "1", "currency": "AUD"}
    updated = datetime(2026, 1, 1, tzinfo=timezone.utc)
    inv = Invoice(
        **common,
        invoice_id="i",
        status=status,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        fx_rate=rate,
        fx_quote=quote,
        total=abs(amount_due),
        amount_due=amount_due,
        updated_at=updated,
    )
    cr = Credit(
        **common,
        credit_id="k",
        kind=kind,
        status=credit_status,
        date=date(2026, 1, 1),
        fx_rate=rate,
        fx_quote=quote,
        total=abs(remaining),
        remaining=remaining,
        updated_at=updated,
    )
    items = receivables([inv], [cr], base_currency=BASE)
    inv_items = [i for i in items if i.kind is ItemKind.INVOICE]
    cr_items = [i for i in items if i.kind is ItemKind.CREDIT]
    assert len(inv_items) == int(status is DocumentStatus.OPEN and amount_due > 0)
    # An unapplied prepayment is not a receivable (Xero keeps it out until it is applied).
    assert len(cr_items) == int(
        credit_status is DocumentStatus.OPEN and remaining > 0 and kind is not CreditKind.PREPAYMENT
    )
    for it in cr_items:
        assert it.amount == -remaining
        # half-up is symmetric: a credit converts to minus what an equal invoice would.
        assert it.base_amount == -to_base(remaining, rate=rate, quote=quote, base_currency=BASE)
