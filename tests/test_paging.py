"""Watermark paging against a fake ledger that sorts and filters like Xero does."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ar_sync.errors import FatalSourceError
from ar_sync.sync.paging import FULL, INCREMENTAL, PageRequest, watermark_pages

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
STARTED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@dataclass
class Row:
    id: str
    updated: datetime
    open: bool = True


class FakeLedger:
    """Rows ordered by (updated, id); ``since`` is exclusive and to the second, like
    If-Modified-Since; full-mode requests see only open rows. ``hook`` runs after each fetch."""

    def __init__(self, rows: list[Row], page_size: int) -> None:
        self.rows = {row.id: row for row in rows}
        self.page_size = page_size
        self.requests: list[PageRequest] = []
        self.hook = None

    def fetch(self, request: PageRequest) -> list[Row]:
        self.requests.append(request)
        rows = sorted(self.rows.values(), key=lambda r: (r.updated, r.id))
        if request.mode == FULL:
            rows = [row for row in rows if row.open]
        if request.since is not None:
            rows = [row for row in rows if row.updated.replace(microsecond=0) > request.since]
        start = (request.page - 1) * self.page_size
        page = [Row(row.id, row.updated, row.open) for row in rows[start : start + self.page_size]]
        if self.hook:
            self.hook(self, len(self.requests))
        return page


def _key(row: Row) -> tuple[str, datetime]:
    return row.id, row.updated


def _rows(count: int, *, step: timedelta = timedelta(minutes=1)) -> list[Row]:
    return [Row(f"r{n:05d}", T0 + n * step) for n in range(count)]


def _read(ledger: FakeLedger, state=None, page_size: int = 10):
    pages = list(
        watermark_pages(ledger.fetch, row_key=_key, state=state, started_at=STARTED,
                        page_size=page_size)
    )
    seen = [row.id for page in pages for row in page.rows]
    return pages, seen


def test_a_full_pull_reads_every_open_row_and_turns_incremental_at_its_start():
    rows = _rows(25)
    rows[3].open = False
    ledger = FakeLedger(rows, page_size=10)
    pages, seen = _read(ledger)
    assert set(seen) == {row.id for row in rows if row.open}
    assert pages[-1].state == {
        "mode": INCREMENTAL,
        "watermark": STARTED.isoformat(),
        "full_started_at": None,
    }
    # Mid-pull states stay in full mode, remembering when the pull began.
    assert pages[0].state["mode"] == FULL
    assert pages[0].state["full_started_at"] == STARTED.isoformat()


def test_keyset_paging_does_not_skip_a_row_when_an_earlier_one_changes_mid_sync():
    rows = _rows(30)
    ledger = FakeLedger(rows, page_size=10)

    def touch_a_read_row(ledger: FakeLedger, request_number: int) -> None:
        if request_number == 1:  # after page one: r00002 is edited and jumps to the end
            ledger.rows["r00002"].updated = STARTED - timedelta(minutes=1)

    ledger.hook = touch_a_read_row
    _, seen = _read(ledger)
    assert set(seen) == {row.id for row in rows}


def test_many_rows_in_one_second_fall_back_to_page_numbers():
    same = T0.replace(microsecond=0)
    rows = [Row(f"r{n:05d}", same) for n in range(25)] + [Row("late", T0 + timedelta(hours=1))]
    ledger = FakeLedger(rows, page_size=10)
    _, seen = _read(ledger)
    assert set(seen) == {row.id for row in rows}
    assert [(r.since is not None, r.page) for r in ledger.requests] == [
        (False, 1), (True, 1), (True, 2), (True, 3)
    ]


def test_a_ledger_that_ignores_paging_is_stopped():
    class Stuck(FakeLedger):
        def fetch(self, request: PageRequest) -> list[Row]:
            self.requests.append(request)
            return [Row(f"r{n}", T0) for n in range(10)]

    with pytest.raises(FatalSourceError, match="same page again for page 2"):
        _read(Stuck([], page_size=10))


def test_an_interrupted_pull_resumes_from_its_last_committed_page():
    rows = _rows(25)
    ledger = FakeLedger(rows, page_size=10)
    generator = watermark_pages(ledger.fetch, row_key=_key, state=None, started_at=STARTED,
                                page_size=10)
    first = next(generator)
    second = next(generator)
    generator.close()  # the process dies here; ``second.state`` was committed with its rows
    committed = {row.id for row in first.rows + second.rows}

    resumed = FakeLedger(rows, page_size=10)
    pages, seen = _read(resumed, state=second.state)
    watermark = datetime.fromisoformat(second.state["watermark"])
    assert resumed.requests[0].since == (watermark - timedelta(minutes=2)).replace(microsecond=0)
    assert committed | set(seen) == {row.id for row in rows}
    assert len(seen) < 25  # not a restart
    assert pages[-1].state["mode"] == INCREMENTAL
    assert pages[-1].state["watermark"] == STARTED.isoformat()


def test_incremental_watermark_never_passes_the_sync_start():
    rows = _rows(5) + [Row("future", STARTED + timedelta(minutes=5))]
    ledger = FakeLedger(rows, page_size=10)
    state = {"mode": INCREMENTAL, "watermark": T0.isoformat(), "full_started_at": None}
    pages, seen = _read(ledger, state=state)
    assert "future" in seen
    assert pages[-1].state["watermark"] == STARTED.isoformat()


def test_incremental_sync_reads_closed_rows_too():
    rows = _rows(5)
    rows[1].open = False
    ledger = FakeLedger(rows, page_size=10)
    state = {"mode": INCREMENTAL, "watermark": (T0 - timedelta(days=1)).isoformat(),
             "full_started_at": None}
    _, seen = _read(ledger, state=state)
    assert "r00001" in seen


def test_a_full_pull_resumed_by_a_later_sync_catches_up_on_documents_closed_meanwhile():
    ledger = FakeLedger(_rows(25), page_size=10)
    first_started = STARTED - timedelta(hours=1)
    interrupted = watermark_pages(ledger.fetch, row_key=_key, state=None,
                                  started_at=first_started, page_size=10)
    committed = next(interrupted).state  # one page committed, then the sync died
    interrupted.close()
    resumed_from = len(ledger.requests)  # the page fetched ahead died with the sync
    # Between the two syncs r00002 (already read as open) is paid.
    ledger.rows["r00002"] = Row("r00002", STARTED - timedelta(minutes=30), open=False)
    pages, seen = _read(ledger, state=committed)
    assert seen[-1] == "r00002"  # read again after the open rows, now closed
    assert [r.mode for r in ledger.requests[resumed_from:]] == [FULL, FULL, INCREMENTAL]
    assert ledger.requests[-1].since == first_started - timedelta(minutes=2)
    assert pages[-1].state["mode"] == INCREMENTAL


def test_the_next_page_is_fetched_while_the_caller_still_holds_this_one():
    ledger = FakeLedger(_rows(25), page_size=10)
    second_asked = threading.Event()
    ledger.hook = lambda led, n: second_asked.set() if n == 2 else None
    pages = watermark_pages(ledger.fetch, row_key=_key, state=None, started_at=STARTED,
                            page_size=10)
    first = next(pages)
    # Page 1 is not yet committed (the caller has not come back), yet page 2 is on its way.
    assert second_asked.wait(timeout=30)
    assert [r.id for r in first.rows] == [f"r{n:05d}" for n in range(10)]
    rest = list(pages)
    assert [len(p.rows) for p in rest] == [10, 7]  # each keyset page re-reads one row
    assert [p.mode for p in [first, *rest]] == [FULL, FULL, FULL]
    assert len(ledger.requests) == 3  # nothing fetched twice, nothing after the short page


def test_a_failed_fetch_ahead_surfaces_at_its_own_page_after_the_pages_before_it():
    ledger = FakeLedger(_rows(35), page_size=10)

    def failing(request: PageRequest) -> list[Row]:
        if len(ledger.requests) == 2:  # the third request
            ledger.requests.append(request)
            raise FatalSourceError("the ledger said no")
        return ledger.fetch(request)

    pages = watermark_pages(failing, row_key=_key, state=None, started_at=STARTED,
                            page_size=10)
    got = [next(pages), next(pages)]
    assert [p.rows[0].id for p in got] == ["r00000", "r00009"]
    with pytest.raises(FatalSourceError, match="the ledger said no"):
        next(pages)
    assert len(ledger.requests) == 3
