"""Watermark paging: read what changed since a timestamp, page by page, resumably.

A stream is read in one of two modes:

- ``full``: the first sync, reading only what is still open (open invoices, unapplied credits).
  Its ``full_started_at`` is fixed when the first attempt starts, so a resumed full pull keeps it.
- ``incremental``: every later sync, reading everything changed since ``watermark`` whatever its
  status, so documents that were paid, voided or deleted leave the aging.

When a full pull finishes, the stream turns incremental with ``watermark = full_started_at``: whatever
changed while the full pull ran is read again by the next sync. A full pull that an earlier sync
began and this one finished goes on at once with that incremental read, so a document paid
between the interruption and the resume is not left open by the sync that completes.

Pages are requested by *keyset*, not only by page number. The ledger sorts by last-update time,
and a record updated mid-sync jumps to the end of that order, shifting every later record one
place forward: plain page numbers would then skip a record. So after each full page the next
request asks for records changed since that page's newest timestamp (less ``step_overlap``), and
falls back to the next page number only when a page holds no newer timestamp (many records
stamped in the same second). Rows read twice are harmless: the store upserts.

Watermarks never pass the sync's start time, and a sync starts reading ``start_overlap`` before the
stored watermark, so records stamped just before it (or visible to the ledger's index late) are
read again rather than lost.

**One page ahead.** The next request depends only on the rows of the current page (its keyset),
so it is sent on a worker thread as soon as a page arrives, while the caller maps and commits
the page just yielded: a sync's wall time tends to the larger of the ledger's time and ours,
not their sum. Pages are still yielded in order, one at a time, each with the state to commit
alongside it, so an interrupted sync resumes from the last committed page as before. A failed
fetch (after the client's own retries) is raised where that page would have been yielded, after
the pages before it. Closing the generator early waits for the one request in flight (bounded by
the client's timeouts and retry policy) and drops its rows. ``fetch`` must therefore be safe to
call from another thread while the caller uses the same client (the clients serialise their
calls).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from ar_sync.errors import FatalSourceError

Row = TypeVar("Row")

FULL = "full"
INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class StreamCursor:
    """A stream's stored position. ``watermark`` is UTC; None before anything was read."""

    mode: str
    watermark: datetime | None = None
    full_started_at: datetime | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "full_started_at": self.full_started_at.isoformat() if self.full_started_at else None,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None, *, started_at: datetime) -> StreamCursor:
        """The stored cursor, or a fresh full pull starting at ``started_at``."""
        if not state:
            return cls(mode=FULL, full_started_at=started_at)

        def instant(key: str) -> datetime | None:
            value = state.get(key)
            return datetime.fromisoformat(value).astimezone(UTC) if value else None

        mode = state.get("mode")
        if mode not in (FULL, INCREMENTAL):
            raise FatalSourceError(f"stored sync state has an unknown mode {mode!r}")
        return cls(
            mode=mode,
            watermark=instant("watermark"),
            full_started_at=instant("full_started_at") or started_at,
        )


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What to ask the ledger for: rows changed after ``since`` (None: all), page ``page``."""

    mode: str
    since: datetime | None
    page: int


@dataclass(frozen=True, slots=True)
class FetchedPage(Generic[Row]):
    """A page's rows, the state to commit with them and the ``mode`` they were requested in."""

    rows: list[Row]
    state: dict[str, Any]
    mode: str = FULL


class _Ahead(Generic[Row]):
    """One ``fetch(request)`` running on a daemon worker thread; ``rows()`` waits for it and
    returns its rows or raises what it raised."""

    def __init__(self, fetch: Callable[[PageRequest], list[Row]], request: PageRequest) -> None:
        self.request = request
        self._rows: list[Row] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fetch,), name="ar-sync-next-page", daemon=True
        )
        self._thread.start()

    def _run(self, fetch: Callable[[PageRequest], list[Row]]) -> None:
        try:
            self._rows = fetch(self.request)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc

    def rows(self) -> list[Row]:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        rows, self._rows = self._rows, None  # handed over: the page is not kept here too
        assert rows is not None
        return rows

    def wait(self) -> None:
        """Let the request finish; its rows and any failure are dropped."""
        self._thread.join()
        self._rows = self._error = None


class _Now(Generic[Row]):
    """``_Ahead``'s interface for a fetch made in the caller's thread (``prefetch=False``)."""

    def __init__(self, fetch: Callable[[PageRequest], list[Row]], request: PageRequest) -> None:
        self.request = request
        self._fetch = fetch

    def rows(self) -> list[Row]:
        return self._fetch(self.request)

    def wait(self) -> None:
        pass


def _floor_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def watermark_pages(
    fetch: Callable[[PageRequest], list[Row]],
    *,
    row_key: Callable[[Row], tuple[str, datetime]],
    state: Mapping[str, Any] | None,
    started_at: datetime,
    page_size: int,
    start_overlap: timedelta = timedelta(minutes=2),
    step_overlap: timedelta = timedelta(seconds=1),
    prefetch: bool = True,
) -> Iterator[FetchedPage[Row]]:
    """Yield each page's rows with the stream state to commit alongside them, fetching the
    next page on a worker thread meanwhile (``prefetch``; see the module's docstring).

    ``fetch`` performs one request; ``row_key`` gives a row's id and last-update time (UTC).
    A page shorter than ``page_size`` ends the stream. A page number that brings back exactly the
    rows of the page before raises ``FatalSourceError`` (a ledger ignoring the page parameter
    would otherwise loop forever).
    """
    cursor = StreamCursor.from_state(state, started_at=started_at)
    since = _floor_second(cursor.watermark - start_overlap) if cursor.watermark else None
    page = 1
    watermark = cursor.watermark
    previous_ids: tuple[str, ...] | None = None
    moved_by_page = False
    start = _Ahead if prefetch else _Now
    ahead: _Ahead[Row] | _Now[Row] | None = start(
        fetch, PageRequest(mode=cursor.mode, since=since, page=page)
    )
    try:
        while ahead is not None:
            request = ahead.request
            rows = ahead.rows()
            keys = [row_key(row) for row in rows]
            ids = tuple(key for key, _ in keys)
            if moved_by_page and ids and ids == previous_ids:
                raise FatalSourceError(
                    f"the ledger returned the same page again for page {page}; stopping"
                )
            newest = max((updated for _, updated in keys), default=None)
            del keys
            if newest is not None:
                capped = min(newest, started_at)
                watermark = capped if watermark is None else max(watermark, capped)
            finished = len(rows) < page_size
            if finished and cursor.mode == FULL:
                # Everything open at the start is read; changes since then come next sync.
                next_cursor = StreamCursor(mode=INCREMENTAL, watermark=cursor.full_started_at)
            else:
                next_cursor = StreamCursor(
                    mode=cursor.mode, watermark=watermark, full_started_at=cursor.full_started_at
                )
            if finished and next_cursor.mode == INCREMENTAL and cursor.mode == FULL and (
                cursor.full_started_at is not None and cursor.full_started_at < started_at
            ):
                # A full pull resumed by a later sync: documents paid or voided since it began
                # are no longer "open" and were not re-read, so catch up on them in this sync.
                cursor = next_cursor
                assert next_cursor.watermark is not None
                since = _floor_second(next_cursor.watermark - start_overlap)
                watermark, page, previous_ids, moved_by_page = cursor.watermark, 1, None, False
                ahead = start(fetch, PageRequest(mode=cursor.mode, since=since, page=page))
            elif finished:
                ahead = None
            else:
                assert newest is not None  # a full page has rows
                next_since = _floor_second(newest - step_overlap)
                moved_by_page = since is not None and next_since <= since
                if moved_by_page:
                    page += 1
                else:
                    since, page = next_since, 1
                previous_ids = ids
                ahead = start(fetch, PageRequest(mode=cursor.mode, since=since, page=page))
            # Handed over whole: while the caller maps and commits, this frame keeps no
            # reference to the rows, so they go as soon as the caller is done with them.
            handed, rows = [rows], []
            yield FetchedPage(rows=handed.pop(), state=next_cursor.to_state(), mode=request.mode)
    finally:
        if ahead is not None:
            ahead.wait()
