"""Aging from columns (``ar_sync.aging.columns``) equals the reference ``age`` to the cent.

The items come from the Hypothesis strategy of ``test_aging_properties`` (several currencies,
JPY and KWD among them, both rate quotes, credits, any as-of date) and from the worked example
of ``test_aging``; the columns are made by ``columns_from_items``. The store path
(``columns_from_rows`` on synced generated companies) is checked in
``tests/conformance/test_aging_columns.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given

from ar_sync.aging.age import AgingItem, ItemKind, age
from ar_sync.aging.columns import age_columns, columns_from_items
from ar_sync.domain import Basis, Scheme
from tests.test_aging import AS_OF, item, worked_items
from tests.test_aging_properties import BASE, bases, dates, item_lists, schemes


def both(items: list[AgingItem], **kwargs: object) -> tuple[object, object]:
    reference = age(items, base_currency=BASE, **kwargs)  # type: ignore[arg-type]
    columns = columns_from_items(items, base_currency=BASE)
    return reference, age_columns(columns, **kwargs)  # type: ignore[arg-type]


@given(items=item_lists, as_of=dates, scheme=schemes, basis=bases)
def test_columns_age_exactly_as_age_does(
    items: list[AgingItem], as_of: date, scheme: Scheme, basis: Basis
) -> None:
    reference, columns = both(items, as_of=as_of, scheme=scheme, basis=basis)
    assert columns == reference
    # Equal digits too, not only equal values: "0.00", never "0" or "0E-2" written differently.
    assert repr(columns) == repr(reference)


def test_the_worked_example_from_columns_in_every_scheme_and_basis() -> None:
    for scheme in Scheme:
        for basis in Basis:
            reference, columns = both(worked_items(), as_of=AS_OF, scheme=scheme, basis=basis)
            assert columns == reference
    report = age_columns(columns_from_items(worked_items(), base_currency="NZD"), as_of=AS_OF)
    assert [(c.customer_id, str(c.total)) for c in report.customers] == [
        ("acme", "1385.04"), ("bolt", "1000.00"), ("cask", "0.00")  # cask nets to zero: listed
    ]
    assert str(report.total) == "2385.04"


def test_bucket_edges_from_columns() -> None:
    """Each boundary day of every scheme and basis, one item per day from 130 days overdue
    to 40 days ahead, issued 30 days before its due date."""
    items = [
        item("c", f"d{n}", due=AS_OF - timedelta(days=n), issued=AS_OF - timedelta(days=n + 30),
             amount="1.00")
        for n in range(-40, 131)
    ]
    for scheme in Scheme:
        for basis in Basis:
            reference, columns = both(items, as_of=AS_OF, scheme=scheme, basis=basis)
            assert columns == reference


def test_dates_centuries_apart_age_as_with_age() -> None:
    """Anchors from 1900 to 2199 (a typo in a ledger), with the usual ones between."""
    items = [
        item("c", "old", due=date(1900, 1, 31), issued=date(1900, 1, 1), amount="5.00"),
        item("c", "new", due=date(2199, 12, 31), issued=AS_OF, amount="7.00"),
        item("d", "now", due=AS_OF, amount="-2.50", kind=ItemKind.CREDIT),
    ]
    for scheme in Scheme:
        for basis in Basis:
            reference, columns = both(items, as_of=AS_OF, scheme=scheme, basis=basis)
            assert columns == reference


def test_sums_past_int64_stay_exact() -> None:
    """1,000 invoices of 9,999,999,999,999.99 (Xero's largest) and a 0.0001 credit: the sums
    (past 2**63 in 10^-4 units) are exact."""
    big = [item("c", f"i{n}", due=date(2026, 11, 1), amount="9999999999999.99")
           for n in range(1000)]
    tiny = item("c", "cn", due=date(2026, 11, 1), amount="-0.0001", kind=ItemKind.CREDIT,
                base="0.00")
    reference, columns = both([*big, tiny], as_of=AS_OF)
    assert columns == reference
    assert columns.total == Decimal("9999999999999990.00")  # type: ignore[attr-defined]
    assert columns.customers[0].by_currency["NZD"]["1-30"] == Decimal(  # type: ignore[attr-defined]
        "9999999999999990.00"
    )


def test_no_items_is_every_bucket_at_zero() -> None:
    reference, columns = both([], as_of=AS_OF, scheme=Scheme.MONTHS, basis=Basis.DUE)
    assert columns == reference
    assert repr(columns) == repr(reference)
