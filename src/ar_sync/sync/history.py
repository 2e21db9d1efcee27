"""The history pass: which past a sync or a backfill reads, and its bookkeeping (pure).

To age an org at any date ``D >= S`` the store needs every document open at some time since
``S``: those open now (what every sync reads) and those changed since ``S`` (a document paid,
credited or voided after ``S`` was updated after ``S``). So the history pass of a stream is a
watermark read from ``S`` with every status (``Connector.history_pages``), and ``S`` is then
the org's earliest date of complete history.

State keys (``ar_sync.store.runs`` stream states, committed with the pages they describe):

- ``history`` = ``{"since": "YYYY-MM-DD"}``: every stream was read from that date (the
  contract with ``ar_sync.store.history.history_since``); a later, earlier pass lowers it;
- ``history-pass`` = ``{"since": "YYYY-MM-DD", "pending": [stream, ...]}``: a pass under way,
  its streams still to finish, in the connector's order;
- ``history:<stream>`` = that stream's cursor within the pass (``ar_sync.sync.paging``).

Dates are the org's calendar dates; ``since_instant`` turns one into the UTC instant of its
midnight in the org's timezone (the start of that day there, so nothing of it is missed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

HISTORY = "history"  # {"since": "YYYY-MM-DD"}: complete history from that date
HISTORY_PASS = "history-pass"  # {"since": ..., "pending": [stream, ...]}: a pass under way
HISTORY_PREFIX = "history:"  # + stream: that stream's cursor within the pass


def window_start(today: date, months: int) -> date:
    """The first day of the month ``months`` calendar months before ``today``'s:
    (2026-12-02, 12) -> 2025-12-01; (2026-01-31, 1) -> 2025-12-01. ``months`` >= 1."""
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month0 + 1, 1)


def since_instant(day: date, timezone: str) -> datetime:
    """Midnight at the start of ``day`` in ``timezone`` (IANA), as an aware UTC instant."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def stored_since(states: Mapping[str, Mapping[str, Any]], key: str = HISTORY) -> date | None:
    """The ``since`` date kept under ``key`` (``HISTORY`` or ``HISTORY_PASS``), or None."""
    value = (states.get(key) or {}).get("since")
    return date.fromisoformat(value) if value else None


def plan_pass(
    states: Mapping[str, Mapping[str, Any]],
    streams: Sequence[str],
    wanted: date | None,
    *,
    force: bool = False,
) -> dict[str, Any] | None:
    """The history pass this run makes (``HISTORY_PASS``'s value), or None for none.

    ``wanted``: the date the history should reach (None: this run wants none). A pass under
    way from ``wanted`` or earlier is resumed, else a new pass from ``wanted`` starts, when
    ``force`` (a backfill), when no history is stored, or when the stored ``since`` is later
    than ``wanted`` (a longer window); otherwise none.
    """
    if wanted is None:
        return None
    complete = stored_since(states)
    if not force and complete is not None and complete <= wanted:
        return None  # a backfill's pass under way is left to the backfill (its call budget)
    under_way = stored_since(states, HISTORY_PASS)
    if under_way is not None and under_way <= wanted:
        return {"since": under_way.isoformat(),
                "pending": list(states[HISTORY_PASS].get("pending") or ())}
    return {"since": wanted.isoformat(), "pending": list(streams)}


def finished_since(states: Mapping[str, Mapping[str, Any]], pass_since: date) -> date:
    """The ``history`` since after a pass from ``pass_since`` finished: the earlier of the two."""
    complete = stored_since(states)
    return pass_since if complete is None else min(complete, pass_since)


# Calls a backfill leaves for the day's syncs when a ledger caps calls a day (a tenth).
RESERVE_SHARE = 10


def calls_for(documents: int, page_size: int) -> int:
    """List calls that read ``documents`` in pages of ``page_size``: full pages, then the short
    (possibly empty) page that ends the stream: 0 -> 1, 999 -> 1, 1000 -> 2, 1001 -> 2."""
    return documents // page_size + 1


def day_budget(per_day: int | None) -> int | None:
    """Calls one day's backfill may make: the daily cap less ``RESERVE_SHARE`` percent of it,
    kept for the day's syncs (None: no daily cap, no budget)."""
    return None if per_day is None else per_day - per_day * RESERVE_SHARE // 100
