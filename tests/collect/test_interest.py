"""Late-payment interest and fixed compensation, hand-computed to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ar_sync.collect.interest import quote
from ar_sync.collect.policy import Interest, InterestScheme

DUE = date(2026, 1, 31)
UK = Interest(scheme=InterestScheme.UK_STATUTORY, base_rate=Decimal("5.25"))
EU = Interest(scheme=InterestScheme.EU_DIRECTIVE, reference_rate=Decimal("2.15"))


def test_uk_statutory_interest_is_eight_over_base_by_the_day_with_the_fixed_sum() -> None:
    # 1,000.00 * 13.25% * 30 / 365 = 10.890... -> 10.89; a debt of 1,000 is in the GBP 70 band
    assert quote(Decimal("1000.00"), "GBP", DUE, DUE + timedelta(days=30), UK) == (
        Decimal("10.89"), Decimal("70.00"))


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        (Decimal("999.99"), Decimal("40.00")),
        (Decimal("1000.00"), Decimal("70.00")),
        (Decimal("9999.99"), Decimal("70.00")),
        (Decimal("10000.00"), Decimal("100.00")),
        (Decimal("250000.00"), Decimal("100.00")),
    ],
)
def test_uk_fixed_compensation_bands(amount: Decimal, fee: Decimal) -> None:
    assert quote(amount, "GBP", DUE, DUE + timedelta(days=1), UK)[1] == fee


def test_eu_directive_is_eight_points_over_reference_and_eur_40_per_invoice() -> None:
    # 5,000.00 * 10.15% * 45 / 365 = 62.568... -> 62.57
    assert quote(Decimal("5000.00"), "EUR", DUE, DUE + timedelta(days=45), EU) == (
        Decimal("62.57"), Decimal("40.00"))


def test_simple_rate_rounds_half_up_to_the_currency_minor_unit() -> None:
    simple = Interest(scheme=InterestScheme.SIMPLE, annual_rate=Decimal("10"))
    # 73.00 * 10% * 5 / 365 = 0.1 exactly; 1,234.50 * 10% * 73 / 365 = 24.69
    assert quote(Decimal("73.00"), "NZD", DUE, DUE + timedelta(days=5), simple) == (
        Decimal("0.10"), Decimal("0.00"))
    assert quote(Decimal("1234.50"), "NZD", DUE, DUE + timedelta(days=73), simple) == (
        Decimal("24.69"), Decimal("0.00"))
    # JPY has no minor unit: 100,000 * 10% * 10 / 365 = 273.97... -> 274
    assert quote(Decimal("100000"), "JPY", DUE, DUE + timedelta(days=10), simple) == (
        Decimal("274"), Decimal("0"))


def test_the_fixed_sum_is_quoted_only_in_the_schemes_currency() -> None:
    # 1,000.00 USD under the UK scheme: interest in USD (10.89), no GBP sum converted
    assert quote(Decimal("1000.00"), "USD", DUE, DUE + timedelta(days=30), UK) == (
        Decimal("10.89"), Decimal("0.00"))
    assert quote(Decimal("1000.00"), "GBP", DUE, DUE + timedelta(days=45), EU)[1] == Decimal("0.00")


@pytest.mark.parametrize("days", [-3, 0])
def test_nothing_before_or_on_the_due_date(days: int) -> None:
    assert quote(Decimal("1000.00"), "GBP", DUE, DUE + timedelta(days=days), UK) == (
        Decimal("0.00"), Decimal("0.00"))


def test_no_scheme_quotes_nothing() -> None:
    assert quote(Decimal("1000.00"), "GBP", DUE, DUE + timedelta(days=90), Interest()) == (
        Decimal("0.00"), Decimal("0.00"))
