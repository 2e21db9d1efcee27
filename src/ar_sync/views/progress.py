"""What a user sees while syncing: a rich progress line per org, then a summary.

Retries are not silent: each one is printed as a line of its own (``Kauri Ltd: retrying GET
Invoices in 8 s: read timed out after 60 s (attempt 3 of 8)``), so it stays in the scrollback and
in a captured stderr, and the org's live line says it is waiting until the next page arrives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ar_sync.connector import Page
from ar_sync.domain import Org
from ar_sync.sync.retry import RetryNotice

if TYPE_CHECKING:  # a view draws the engine's results; it does not run it
    from ar_sync.jobs import BackfillEstimate
    from ar_sync.sync.engine import SyncResult


def print_line(console: Console, text: str) -> None:
    """Print ``text`` as one plain line (no markup, no highlighting) that rich never hard-wraps:
    an id, a URL or a path in it stays whole for copying; the terminal may still fold it."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


class SyncProgressDisplay:
    """A ``SyncProgress`` drawing one live line per org on ``console`` (stderr).

    ``eta``: a backfill's display, whose line also shows the time left, from the pages done
    against the pages expected (``expect``) at the pace so far.
    """

    def __init__(self, console: Console, *, eta: bool = False) -> None:
        self.console = console
        self.results: list[SyncResult] = []
        columns: list[ProgressColumn] = [
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("[cyan]{task.fields[records]}[/] records, {task.fields[pages]} pages"),
            TimeElapsedColumn(),
        ]
        if eta:
            columns += [TextColumn("ETA"), TimeRemainingColumn()]
        self._progress = Progress(*columns, console=console, transient=False)
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> SyncProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def _task(self, org: Org) -> TaskID:
        if org.org_id not in self._tasks:
            self._tasks[org.org_id] = self._progress.add_task(
                escape(org.name), total=None, records=0, pages=0
            )
        return self._tasks[org.org_id]

    def expect(self, org: Org, pages: int) -> None:
        """``org``'s run should take about ``pages`` pages (the ETA's denominator)."""
        self._progress.update(self._task(org), total=max(1, pages), completed=0)

    def stream_started(self, org: Org, stream: str) -> None:
        self._progress.update(self._task(org), description=f"{escape(org.name)}: {stream}")

    def page_committed(self, org: Org, stream: str, page: Page, totals: dict[str, int]) -> None:
        records = sum(totals.get(kind, 0) for kind in ("customers", "invoices", "credits"))
        self._progress.update(
            self._task(org),
            description=f"{escape(org.name)}: {stream}",  # a retry's note is over
            records=records,
            pages=totals.get("pages", 0),
            completed=totals.get("pages", 0),
        )

    def retrying(self, org: Org, notice: RetryNotice) -> None:
        """A ledger call of ``org`` failed and is retried after ``notice.wait`` seconds."""
        self._progress.update(
            self._task(org),
            description=f"{escape(org.name)}: [yellow]retrying {escape(notice.endpoint)}[/]",
        )
        print_line(self.console, f"{org.name}: {notice.describe()}")

    def done(self, result: SyncResult) -> None:
        self.results.append(result)
        task = self._task(result.org)
        self._progress.update(task, description=f"{escape(result.org.name)}: done", total=1,
                              completed=1)

    def failed(self, org: Org, message: str) -> None:
        self._progress.update(self._task(org), description=f"{escape(org.name)}: [red]failed[/]")
        self.console.print(f"[red]{escape(org.name)}:[/] {escape(message)}", soft_wrap=True)


def with_retry_time(error: BaseException, *, now: datetime, timezone: str) -> str:
    """``error``'s message and, when the ledger said how long to wait (``retry_after``, seconds:
    a daily limit's ``Retry-After``), from when calls are allowed again, rounded up to the
    minute, in the org's ``timezone`` (IANA name) and in UTC: ``...; calls are allowed again
    from 2026-12-02 13:01 NZDT (2026-12-02 00:01 UTC)``. ``now`` is an aware instant."""
    retry_after = getattr(error, "retry_after", None)
    if not retry_after or retry_after <= 0:
        return str(error)
    at = now + timedelta(seconds=retry_after)
    at = at.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if (at.second, at.microsecond) != (0, 0) else timedelta(0)
    )
    utc = at.astimezone(ZoneInfo("UTC"))
    try:
        local = at.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local = utc
    return (
        f"{error}; calls are allowed again from {local:%Y-%m-%d %H:%M} {local.tzname()} "
        f"({utc:%Y-%m-%d %H:%M} UTC)"
    )


def sync_summary(results: list[SyncResult]) -> list[str]:
    """One plain line per synced org, e.g. ``Acme: 120 invoices, 3 credits, 14 customers ...``."""
    lines = []
    for result in results:
        counts = result.counts
        seconds = (
            (result.finished_at - result.started_at).total_seconds() if result.finished_at else 0.0
        )
        line = (
            f"{result.org.name}: {counts.get('invoices', 0)} invoices, "
            f"{counts.get('credits', 0)} credits, {counts.get('customers', 0)} customers "
            f"written in {counts.get('pages', 0)} pages, {result.calls} API calls, {seconds:.1f}s"
        )
        if result.retries:
            line += f"; {result.retries} retries after waiting {result.waited_seconds:.1f}s"
        if counts.get("skipped"):
            line += f"; {counts['skipped']} records skipped (see the log)"
        lines.append(line)
    return lines


def estimate_lines(estimate: BackfillEstimate) -> list[str]:
    """What ``backfill --estimate`` prints: a line per stream (documents, calls), the total, the
    time the per-minute limit makes it take, and the share of the day's allowance (or that the
    ledger has no daily cap), and over how many days a backfill spreads."""
    allowance = estimate.allowance
    lines = [f"{estimate.org.name}: backfill from {estimate.since.isoformat()}"]
    for stream, documents, calls in estimate.streams:
        lines.append(f"  {stream}: {documents:,} documents, {calls:,} calls")
    lines.append(
        f"  {estimate.calls:,} calls in all; at {allowance.per_minute} calls a minute about "
        f"{estimate.minutes:,} minutes"
    )
    if allowance.per_day is None:
        lines.append("  the ledger has no daily call cap: the backfill runs in one go")
    else:
        share = estimate.calls * 100 / allowance.per_day
        line = f"  {share:.1f}% of the day's {allowance.per_day:,} calls"
        if estimate.days > 1:
            line += (
                f"; over one day's budget: it spreads over {estimate.days} days (each run stops "
                "at the day's budget, a tenth of the allowance kept for syncs; run the same "
                "command again the next day to go on)"
            )
        lines.append(line)
    lines.append(f"  (this estimate made {estimate.counting_calls} counting calls)")
    return lines


def backfill_line(result: SyncResult, since: str) -> str:
    """The backfill's summary line, saying when a stopped one must be run again."""
    line = sync_summary([result])[0]
    if result.counts.get("history_stopped"):
        return (
            f"{line}; stopped at the day's call budget: run `ar-sync backfill --org "
            f"{result.org.org_id} --since {since}` again tomorrow to go on from the last page"
        )
    return f"{line}; history complete from {since}"
