"""``ar-sync rehearse`` output: a line per simulated day, then the totals per stage.

Amounts are in the org's base currency: tables group thousands (``1,234.50``), JSON writes
decimal strings (``"1234.50"``). Stages and channels keep the policy's names (``friendly``,
``ledger_note``); stages are listed in ladder order, channels by name.
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from ar_sync.collect.rehearse import ZERO, DayReport, Rehearsal
from ar_sync.domain import STAGE_ORDER
from ar_sync.money import format_amount
from ar_sync.views.tables import new_table

_RANK = {stage.value: rank for rank, stage in enumerate(STAGE_ORDER)}


def _counts(counter: Any, order: Any = None) -> str:
    keys = sorted(counter, key=order) if order else sorted(counter)
    return ", ".join(f"{key} {counter[key]}" for key in keys if counter[key])


def day_line(day: DayReport, currency: str) -> str:
    """One day as a line: ``2026-12-03 Thu: paid 2 (1,234.50); sent 3: friendly 2, firm 1 |
    email 3, ledger_note 3 | Harbour Cafe, Tui Construction Ltd``; a quiet day says so."""
    head = f"{day.day.isoformat()} {day.day.strftime('%a')}: "
    paid = f"paid {day.paid_invoices} ({format_amount(day.collected, currency, grouped=True)})"
    if day.quiet:
        return f"{head}{paid}; quiet day, nothing sent"
    if not day.contacts:
        return f"{head}{paid}; nothing to send"
    sent = (f"sent {day.contacts}: {_counts(day.by_stage, _RANK.get)} | "
            f"{_counts(day.by_channel)} | {', '.join(day.customers)}")
    failed = f"; {day.failed} writes failed" if day.failed else ""
    return f"{head}{paid}; {sent}{failed}"


def stage_table(rehearsal: Rehearsal) -> Table:
    """Per stage: contacts, invoices they listed and the amount chased; then the totals."""
    cur = rehearsal.base_currency
    last = rehearsal.days[-1].day if rehearsal.days else rehearsal.start
    table = new_table(
        f"{rehearsal.org_name} · {rehearsal.platform} · {cur} · policy {rehearsal.policy} · "
        f"{rehearsal.start} to {last}",
        f"Collected {format_amount(rehearsal.collected, cur, grouped=True)} from "
        f"{rehearsal.paid_invoices} of {rehearsal.open_invoices} open invoices "
        f"({format_amount(rehearsal.open_amount, cur, grouped=True)} open at the start); "
        f"{rehearsal.notes} ledger notes, {rehearsal.emails} emails, {rehearsal.tasks} tasks",
    )
    table.add_column("Stage")
    for header in ("Contacts", "Invoices", "Chased"):
        table.add_column(header, justify="right", no_wrap=True)
    for stage, totals in rehearsal.stages.items():
        table.add_row(stage.value, str(totals.contacts), str(totals.invoices),
                      format_amount(totals.amount, cur, grouped=True))
    table.add_section()
    table.add_row(
        "total", str(rehearsal.contacts),
        str(sum(t.invoices for t in rehearsal.stages.values())),
        format_amount(sum((t.amount for t in rehearsal.stages.values()), ZERO), cur,
                      grouped=True),
    )
    return table


def rehearsal_json(rehearsal: Rehearsal) -> str:
    """``{"org_id", "name", "platform", "base_currency", "policy", "seed", "from", "to",
    "open": {"invoices", "amount"}, "days": [{"day", "quiet", "paid": {"invoices",
    "amount"}, "contacts", "stages": {..}, "channels": {..}, "customers": [..], "failed"}],
    "stages": [{"stage", "contacts", "invoices", "amount"}], "collected": {"invoices",
    "amount"}, "notes", "emails", "tasks"}``."""
    cur = rehearsal.base_currency
    last = rehearsal.days[-1].day if rehearsal.days else rehearsal.start
    document = {
        "org_id": rehearsal.org_id,
        "name": rehearsal.org_name,
        "platform": rehearsal.platform,
        "base_currency": cur,
        "policy": rehearsal.policy,
        "seed": rehearsal.seed,
        "from": rehearsal.start.isoformat(),
        "to": last.isoformat(),
        "open": {"invoices": rehearsal.open_invoices,
                 "amount": format_amount(rehearsal.open_amount, cur)},
        "days": [
            {
                "day": day.day.isoformat(),
                "quiet": day.quiet,
                "paid": {"invoices": day.paid_invoices,
                         "amount": format_amount(day.collected, cur)},
                "contacts": day.contacts,
                "stages": {k: day.by_stage[k] for k in sorted(day.by_stage, key=_RANK.get)},
                "channels": {k: day.by_channel[k] for k in sorted(day.by_channel)},
                "customers": day.customers,
                "failed": day.failed,
            }
            for day in rehearsal.days
        ],
        "stages": [
            {"stage": stage.value, "contacts": t.contacts, "invoices": t.invoices,
             "amount": format_amount(t.amount, cur)}
            for stage, t in rehearsal.stages.items()
        ],
        "collected": {"invoices": rehearsal.paid_invoices,
                      "amount": format_amount(rehearsal.collected, cur)},
        "notes": rehearsal.notes,
        "emails": rehearsal.emails,
        "tasks": rehearsal.tasks,
    }
    return json.dumps(document, indent=2)
