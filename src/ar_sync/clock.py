"""Instants in UTC and an org's calendar day. The clock itself is read only by the CLI/jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ar_sync.errors import ConfigError


def utc_now() -> datetime:
    """The current instant, UTC. Call this only at the edges (CLI, jobs) and pass it down."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be in UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of ``moment`` in ``timezone`` (an IANA name): the org's "today"."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {timezone!r}") from None
    return moment.astimezone(zone).date()
