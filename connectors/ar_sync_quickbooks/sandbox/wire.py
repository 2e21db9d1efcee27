"""QuickBooks Online's JSON wire format: exact decimals, dates, timestamps with offsets.

- Money: JSON numbers written from ``Decimal`` (``ar_sync.sandbox.jsonwire``), never float.
  ``cents`` rounds half-up to 0.01, as QBO's home-currency amounts are.
- Dates (``TxnDate``, ``DueDate``): ``YYYY-MM-DD``.
- Entity timestamps (``MetaData.CreateTime``/``LastUpdatedTime``, ``DeliveryTime``): whole
  seconds with the company time zone's offset, ``2015-10-02T10:43:57-07:00``.
- The response ``time``: milliseconds with that offset, ``2020-09-29T06:03:53.438-07:00``.
- Input timestamps (query values, ``changedSince``): a date (midnight in the company time zone),
  or a date-time with an optional ``Z``/``-07:00``/``-0700`` offset (none = company time zone).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ar_sync.sandbox.clock import utc_now
from ar_sync.sandbox.jsonwire import RawJSON, decimal_text, dumps

__all__ = [
    "ZERO",
    "RawJSON",
    "cents",
    "decimal_text",
    "dumps",
    "parse_day",
    "parse_instant",
    "response_time",
    "stamp",
    "utc_now",
    "zone",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")
_INSTANT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to cents (``Decimal("1.005")`` -> ``1.01``)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The IANA time zone ``name``; raises ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name)") from None


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")  # -0700
    return f"{text[:3]}:{text[3:]}"


def stamp(instant: datetime, tz: tzinfo) -> str:
    """An entity timestamp: whole seconds in ``tz`` with its offset (``...T10:43:57-07:00``)."""
    local = instant.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + _offset(local)


def response_time(instant: datetime, tz: tzinfo) -> str:
    """The ``time`` of a response: milliseconds in ``tz`` with its offset."""
    local = instant.astimezone(tz)
    millis = local.microsecond // 1000
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S')}.{millis:03d}{_offset(local)}"


def parse_day(value: object) -> date:
    """A ``YYYY-MM-DD`` date; raises ``ValueError("not a date (YYYY-MM-DD): ...")``."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")


@lru_cache(maxsize=65536)
def _parse_instant(text: str, tz: tzinfo) -> datetime:
    match = _INSTANT_RE.match(text.strip())
    if match is None:
        raise ValueError(f"not a date or date-time: {text!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        naive = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        raise ValueError(f"not a date or date-time: {text!r}") from None
    if offset is None:
        return naive.replace(tzinfo=tz).astimezone(UTC)
    if offset == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (naive - sign * shift).replace(tzinfo=UTC)


def parse_instant(value: object, tz: tzinfo) -> datetime:
    """An aware UTC instant from a date or date-time (see the module docstring).

    Raises ``ValueError("not a date or date-time: ...")``.
    """
    if not isinstance(value, str):
        raise ValueError(f"not a date or date-time: {value!r}")  # noqa: TRY004 (callers catch ValueError)
    return _parse_instant(value, tz)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The instant ``day`` begins in ``tz``."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
