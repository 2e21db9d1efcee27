"""Decimal helpers. Amounts stay unrounded inside; they are quantized only at the edges.

A currency's minor unit (2 for NZD, 0 for JPY, 3 for KWD) comes from CLDR through Babel.
Rounding is always half-up, the way ledgers round invoice totals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision

from ar_sync.domain import RateQuote

ZERO = Decimal(0)


@lru_cache(maxsize=512)
def minor_unit_exponent(currency: str) -> Decimal:
    """The quantum of ``currency``: ``Decimal("0.01")`` for NZD, ``Decimal("1")`` for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency.upper()))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to ``currency``'s minor unit."""
    return amount.quantize(minor_unit_exponent(currency), rounding=ROUND_HALF_UP)


def to_base(
    amount: Decimal, *, rate: Decimal, quote: RateQuote, base_currency: str
) -> Decimal:
    """Convert ``amount`` (document currency) to the base currency, rounded half-up.

    ``quote`` says how ``rate`` is expressed (see ``RateQuote``). A rate of 1 converts nothing.
    Raises ``ValueError`` for a rate that is zero or negative.
    """
    if rate <= 0:
        raise ValueError(f"exchange rate must be positive, got {rate}")
    if quote is RateQuote.DOCUMENT_PER_BASE:
        base = amount / rate
    else:
        base = amount * rate
    return quantize(base, base_currency)


def parse_amount(text: str) -> Decimal:
    """Parse a decimal string such as ``"1234.50"``; raises ``ValueError`` with the text."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    return value


def format_amount(amount: Decimal, currency: str) -> str:
    """``amount`` as a plain decimal string with ``currency``'s minor unit, e.g. ``"-12.30"``."""
    return str(quantize(amount, currency))
