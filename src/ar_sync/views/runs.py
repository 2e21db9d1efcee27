"""``ar-sync runs`` and ``ar-sync schedule list``: job runs and timetables as tables, CSV, JSON.

Instants print as ``2026-03-02T21:15:07Z`` (UTC, ``views.journal.instant``); a duration in
whole seconds (empty while a run is still going); counts as ``COUNT_NAMES`` in that order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.table import Table

from ar_sync.store.runs_log import COUNT_NAMES, JobRun
from ar_sync.views.journal import instant
from ar_sync.views.tables import new_table

RUN_COLUMNS = ("id", "org_id", "org_name", "kind", "trigger", "scheduled_for", "started_at",
               "duration_seconds", "outcome", *COUNT_NAMES, "error")


def _seconds(run: JobRun) -> int | None:
    return None if run.duration is None else round(run.duration)


def _run_json(run: JobRun, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": run.id, "org_id": run.org_id, "org_name": names.get(run.org_id, run.org_id),
        "kind": run.kind.value, "trigger": run.trigger.value,
        "scheduled_for": None if run.scheduled_for is None else instant(run.scheduled_for),
        "started_at": instant(run.started_at),
        "finished_at": None if run.finished_at is None else instant(run.finished_at),
        "duration_seconds": _seconds(run), "outcome": run.outcome.value,
        "counts": {name: run.counts.get(name, 0) for name in COUNT_NAMES}, "error": run.error,
    }


def runs_json(runs: Sequence[JobRun], names: Mapping[str, str]) -> str:
    """``{"runs": [{"id", "org_id", "org_name", "kind", "trigger", "scheduled_for",
    "started_at", "finished_at", "duration_seconds", "outcome", "counts": {documents, actions,
    statements, calls, errors}, "error"}]}``, newest first, 2-space indent."""
    doc = {"runs": [_run_json(run, names) for run in runs]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def runs_csv(runs: Sequence[JobRun], names: Mapping[str, str]) -> str:
    """A header (``RUN_COLUMNS``), then a row per run; absent values are empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RUN_COLUMNS)
    for run in runs:
        row = _run_json(run, names)
        seconds = row["duration_seconds"]
        writer.writerow([
            run.id, run.org_id, row["org_name"], row["kind"], row["trigger"],
            row["scheduled_for"] or "", row["started_at"], "" if seconds is None else seconds,
            row["outcome"], *(row["counts"][name] for name in COUNT_NAMES), run.error or "",
        ])
    return out.getvalue()


def runs_table(runs: Sequence[JobRun], names: Mapping[str, str]) -> Table:
    """One table: started, org, kind, trigger, duration, outcome, the counts, error."""
    table = new_table("runs", gap=1)
    for title in ("#", "Started (UTC)", "Org", "Kind", "Trigger", "Secs", "Outcome"):
        table.add_column(title, no_wrap=True, justify="right" if title in ("#", "Secs") else "left")
    for name in COUNT_NAMES:
        table.add_column(name.capitalize(), justify="right", no_wrap=True)
    table.add_column("Error", overflow="fold", ratio=1)
    for run in runs:
        seconds = _seconds(run)
        table.add_row(
            str(run.id), instant(run.started_at), names.get(run.org_id, run.org_id),
            run.kind.value, run.trigger.value, "" if seconds is None else str(seconds),
            run.outcome.value, *(str(run.counts.get(name, 0)) for name in COUNT_NAMES),
            run.error or "",
        )
    return table


@dataclass(frozen=True, slots=True, kw_only=True)
class NextRun:
    """One job of ``schedule list``: its cron (as given) and next time, in UTC."""

    org_id: str
    org_name: str
    timezone: str
    kind: str
    cron: str
    next_at: datetime | None


def _stamp(moment: datetime | None, zone: Any) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def schedule_tables(rows: Sequence[NextRun], user_zone: Any) -> list[Table]:
    """One table per org (titled with its name and timezone, in the order of ``rows``): job,
    cron, next run in the org's time and in the user's."""
    from zoneinfo import ZoneInfo

    tables: dict[str, Table] = {}
    for row in rows:
        table = tables.get(row.org_id)
        if table is None:
            table = tables[row.org_id] = new_table(f"{row.org_name} ({row.timezone})", gap=1)
            for title in ("Job", "When (org's time)", "Next (org's time)", "Next (yours)"):
                table.add_column(title, no_wrap=True)
        table.add_row(row.kind, row.cron, _stamp(row.next_at, ZoneInfo(row.timezone)),
                      _stamp(row.next_at, user_zone))
    return list(tables.values())
