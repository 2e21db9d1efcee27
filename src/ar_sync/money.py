"""Decimal helpers. Amounts stay unrounded inside; they are quantized only at the edges.

A currency's minor unit (2 for NZD, 0 for JPY, 3 for KWD) comes from CLDR through Babel.
Rounding is always half-up, the way ledgers round invoice totals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision

from ar_sync.domain import RateQuote
from ar_sync.errors import DataError

ZERO = Decimal(0)
# The most decimal places the store keeps (``store/types.py`` takes its scales from here): an
# amount or rate with more is a record ar-sync cannot hold, never one to round silently.
AMOUNT_PLACES = 4
RATE_PLACES = 10


@lru_cache(maxsize=512)
def minor_unit_exponent(currency: str) -> Decimal:
    """The quantum of ``currency``: ``Decimal("0.01")`` for NZD, ``Decimal("1")`` for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency.upper()))


@lru_cache(maxsize=512)
def zero_in(currency: str) -> Decimal:
    """Zero with ``currency``'s minor unit: ``Decimal("0.00")`` for NZD, ``Decimal("0")`` for
    JPY (what ``quantize(ZERO, currency)`` gives, without rounding anything)."""
    return minor_unit_exponent(currency) * 0


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


def format_amount(amount: Decimal, currency: str, *, grouped: bool = False) -> str:
    """``amount`` as a decimal string with ``currency``'s minor unit, rounded half-up: ``"-12.30"``,
    ``"50000"`` (JPY). With ``grouped``, thousands are separated by commas for people to read
    (``"1,234.50"``); files meant for programs (CSV, JSON) stay plain. A negative zero (a tiny
    credit rounded away) is written as zero: nobody should see ``"-0.00"``."""
    rounded = quantize(amount, currency) + 0  # "+ 0" turns -0.00 into 0.00, keeping the exponent
    return format(rounded, ",") if grouped else str(rounded)


def check_storable(
    value: Decimal, field: str, *, record_id: str | None = None, places: int = AMOUNT_PLACES
) -> Decimal:
    """``value`` as the store can hold it: finite, with at most ``places`` decimal places
    (``AMOUNT_PLACES`` for amounts, ``RATE_PLACES`` for exchange rates).

    Trailing zeros past ``places`` are dropped (``1.500000`` -> ``1.5000``, the same number);
    any other digit there raises ``DataError`` naming ``field`` and the value, so a connector's
    per-record mapping skips the record instead of the store refusing the whole page.
    """
    if not value.is_finite():
        raise DataError(f"{field} is not an amount: {value}", record_id=record_id)
    text = str(value)  # plain notation unless it has an "E"; as_tuple() is 5x slower
    if "E" not in text and (text.find(".") < 0 or len(text) - text.find(".") - 1 <= places):
        return value
    sign, digits, exponent = value.as_tuple()
    extra = -int(exponent) - places  # digits written past the last place the store keeps
    if extra <= 0:
        return value
    kept, dropped = digits[: max(len(digits) - extra, 0)], digits[-extra:]
    if any(dropped):
        raise DataError(
            f"{field} {value} has more decimal places than ar-sync stores (at most {places})",
            record_id=record_id,
        )
    return Decimal((sign, kept or (0,), -places))
