"""Xero's JSON wire format: exact-decimal JSON, ``/Date(ms+0000)/`` dates, response envelopes.

Money leaves the sandbox as JSON numbers with the exact decimal text of a ``Decimal``
(``115.00``), never through ``float``; the SDK parses them back with ``parse_float=Decimal``.
Every date and date-time field is ``/Date(<Unix milliseconds>+0000)/``: a calendar date is
midnight UTC of that day, which is how the SDK turns it back into the same ``date``.
``dumps``, ``RawJSON`` and ``decimal_text`` come from ``ar_sync.sandbox.jsonwire``, ``utc_now``
from ``ar_sync.sandbox.clock``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

from ar_sync.sandbox.clock import utc_now
from ar_sync.sandbox.jsonwire import RawJSON, decimal_text, dumps

__all__ = [
    "EPOCH",
    "RawJSON",
    "decimal_text",
    "dumps",
    "envelope",
    "iso_day",
    "ms_date",
    "ms_datetime",
    "parse_date",
    "parse_datetime",
    "parse_http_instant",
    "utc_now",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_MS_DATE_RE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def ms_datetime(instant: datetime) -> str:
    """``/Date(ms+0000)/`` for an aware instant (naive values are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return f"/Date({(instant - EPOCH) // _MS}+0000)/"


def ms_date(day: date) -> str:
    """``/Date(ms+0000)/`` for midnight UTC of ``day``."""
    return ms_datetime(datetime.combine(day, time(), tzinfo=UTC))


def iso_day(day: date) -> str:
    """``2018-05-13T00:00:00``, the text Xero puts in ``DateString`` and report cells."""
    return f"{day.isoformat()}T00:00:00"


def parse_datetime(value: object) -> datetime:
    """Read ``/Date(ms[+hhmm])/`` or ISO-8601 (naive means UTC) as an aware UTC instant.

    Raises ``ValueError("not a date-time: ...")``.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        if match := _MS_DATE_RE.match(value):
            return EPOCH + int(match.group(1)) * _MS
        if match := _ISO_RE.match(value):
            parsed = _from_iso(match)
            if parsed is not None:
                return parsed
    raise ValueError(f"not a date-time: {value!r}")


def parse_date(value: object) -> date:
    """Read ``/Date(ms[+hhmm])/`` (the UTC day of that instant, as the SDK does) or ISO.

    An ISO date-time gives its own calendar day. Raises ``ValueError("not a date: ...")``.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        if match := _MS_DATE_RE.match(value):
            return (EPOCH + int(match.group(1)) * _MS).date()
        if (match := _ISO_RE.match(value)) and _from_iso(match) is not None:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError(f"not a date: {value!r}")


def _from_iso(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        return None
    if offset in (None, "Z"):
        return parsed.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (parsed - sign * shift).replace(tzinfo=UTC)


def parse_http_instant(text: str) -> datetime:
    """An ``If-Modified-Since`` value: ISO-8601 with or without offset (naive = UTC) or RFC 1123.

    Raises ``ValueError``.
    """
    text = text.strip()
    try:
        return parse_datetime(text)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not a date-time: {text!r}") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def envelope(
    key: str,
    items: Iterable[object],
    *,
    provider: str,
    now: datetime,
    pagination: dict[str, int] | None = None,
) -> str:
    """The JSON document Xero wraps around every collection: ``Id``, ``Status``, ... ``key``."""
    body: dict[str, object] = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": provider,
        "DateTimeUTC": ms_datetime(now),
    }
    if pagination is not None:
        body["pagination"] = pagination
    body[key] = list(items)
    return dumps(body)
