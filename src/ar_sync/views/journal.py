"""Rendering of the journal (``ar-sync journal``) and of open tasks (``ar-sync tasks``) as
tables, CSV and JSON. Pure: returns text or renderables.

Entries are listed oldest first (by entry id), tasks by id. Amounts are written as the
``Decimal``'s own text (``"1234.50"``); dates ISO; ``at`` ISO 8601 in UTC
(``2026-03-02T21:15:07Z``). Customers are named as stored, their id when the store has no name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from rich.table import Table

from ar_sync.domain import JournalEntry
from ar_sync.journal import Task, channel_label
from ar_sync.views.tables import new_table

NAME_MIN_WIDTH = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgJournal:
    """What one org shows: its journal entries (or open tasks) and its customers' names."""

    org_id: str
    name: str
    names: Mapping[str, str]  # customer_id -> name
    entries: Sequence[JournalEntry] = ()
    tasks: Sequence[Task] = ()

    def customer(self, customer_id: str) -> str:
        return self.names.get(customer_id, customer_id)


def plain(value: Any) -> Any:
    """A detail value as JSON writes it: Decimals as their text, dates ISO, nested kept."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def instant(moment: datetime) -> str:
    """``2026-03-02T21:15:07Z`` (whole seconds, UTC)."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _entry_json(org: OrgJournal, entry: JournalEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "customer_id": entry.customer_id,
        "customer": org.customer(entry.customer_id),
        "kind": entry.kind.value,
        "day": entry.day.isoformat(),
        "at": instant(entry.at),
        "stage": None if entry.stage is None else entry.stage.value,
        "channels": [channel.value for channel in entry.channels],
        "invoices": [
            {"invoice_id": i.invoice_id, "number": i.number, "due_date": i.due_date.isoformat(),
             "amount_due": format(i.amount_due, "f"), "currency": i.currency}
            for i in entry.invoices
        ],
        "text": entry.text,
        "key": entry.key,
        "detail": plain(dict(entry.detail)),
    }


def journal_json(orgs: Sequence[OrgJournal]) -> str:
    """``{"orgs": [{"org_id", "name", "entries": [{"entry_id", "customer_id", "customer",
    "kind", "day", "at", "stage", "channels", "invoices": [{"invoice_id", "number",
    "due_date", "amount_due", "currency"}], "text", "key", "detail"}]}]}``, 2-space indent."""
    doc = {"orgs": [
        {"org_id": org.org_id, "name": org.name,
         "entries": [_entry_json(org, entry) for entry in org.entries]}
        for org in orgs
    ]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


JOURNAL_COLUMNS = ("org_id", "org_name", "entry_id", "day", "at", "customer_id", "customer",
                   "kind", "stage", "channel", "invoices", "text", "key")


def journal_csv(orgs: Sequence[OrgJournal]) -> str:
    """A header (``JOURNAL_COLUMNS``), then a row per entry. ``channel`` is how a contact was
    made (a manual contact's channel, else the channels joined with ``", "``), ``invoices`` the
    listed invoices' numbers joined with ``" "``; absent values are empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    for org in orgs:
        for e in org.entries:
            writer.writerow([
                org.org_id, org.name, e.entry_id, e.day.isoformat(), instant(e.at),
                e.customer_id, org.customer(e.customer_id), e.kind.value,
                "" if e.stage is None else e.stage.value, channel_label(e),
                " ".join(i.number for i in e.invoices), e.text, e.key or "",
            ])
    return out.getvalue()


def journal_tables(orgs: Sequence[OrgJournal]) -> list[Table]:
    """One table per org: entry id, day, customer, kind, stage, channel, text."""
    tables = []
    for org in orgs:
        table = new_table(f"{org.name} · journal", gap=1)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("Day", no_wrap=True)
        table.add_column("Customer", overflow="fold", min_width=NAME_MIN_WIDTH)
        table.add_column("Kind", no_wrap=True)
        table.add_column("Stage", no_wrap=True)
        table.add_column("Channel", overflow="fold")
        table.add_column("Text", overflow="fold", ratio=1)
        for e in org.entries:
            table.add_row(str(e.entry_id), e.day.isoformat(), org.customer(e.customer_id),
                          e.kind.value, "" if e.stage is None else e.stage.value,
                          channel_label(e), e.text)
        tables.append(table)
    return tables


# --- tasks -------------------------------------------------------------------------------------


def _task_json(org: OrgJournal, task: Task) -> dict[str, Any]:
    return {"task_id": task.task_id, "customer_id": task.customer_id,
            "customer": org.customer(task.customer_id), "kind": task.kind.value,
            "opened": task.opened.isoformat(),
            "stage": None if task.stage is None else task.stage.value, "text": task.text}


def tasks_json(orgs: Sequence[OrgJournal]) -> str:
    """``{"orgs": [{"org_id", "name", "tasks": [{"task_id", "customer_id", "customer", "kind",
    "opened", "stage", "text"}]}]}``, 2-space indent."""
    doc = {"orgs": [
        {"org_id": org.org_id, "name": org.name,
         "tasks": [_task_json(org, task) for task in org.tasks]}
        for org in orgs
    ]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


TASK_COLUMNS = ("org_id", "org_name", "task_id", "opened", "customer_id", "customer", "kind",
                "stage", "text")


def tasks_csv(orgs: Sequence[OrgJournal]) -> str:
    """A header (``TASK_COLUMNS``), then a row per open task."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TASK_COLUMNS)
    for org in orgs:
        for task in org.tasks:
            values = _task_json(org, task)
            writer.writerow([org.org_id, org.name,
                             *("" if values[c] is None else values[c] for c in TASK_COLUMNS[2:])])
    return out.getvalue()


def tasks_tables(orgs: Sequence[OrgJournal]) -> list[Table]:
    """One table per org: the open tasks, with the id ``ar-sync tasks done`` takes."""
    tables = []
    for org in orgs:
        table = new_table(f"{org.name} · open tasks",
                          "Close one with: ar-sync tasks done ID --note TEXT", gap=1)
        table.add_column("ID", justify="right", no_wrap=True)
        table.add_column("Opened", no_wrap=True)
        table.add_column("Customer", overflow="fold", min_width=NAME_MIN_WIDTH)
        table.add_column("Kind", no_wrap=True)
        table.add_column("Text", overflow="fold", ratio=1)
        for task in org.tasks:
            table.add_row(str(task.task_id), task.opened.isoformat(),
                          org.customer(task.customer_id), task.kind.value, task.text)
        tables.append(table)
    return tables
