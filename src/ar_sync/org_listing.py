"""The ``orgs`` listing: each connected org with its last sync and open receivables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from rich import box
from rich.table import Table

from ar_sync.clock import local_date
from ar_sync.money import format_amount
from ar_sync.snapshots import aging_for
from ar_sync.store import Store


@dataclass(frozen=True, slots=True)
class OrgRow:
    org_id: str
    name: str
    platform: str
    base_currency: str
    timezone: str
    sandbox: bool
    last_sync: datetime | None  # UTC, the end of the latest successful sync
    open_ar: Decimal | None  # base currency, at the org's today; None before a sync finished


def org_rows(store: Store, *, now: datetime) -> list[OrgRow]:
    rows = []
    for org in store.list_orgs():
        last = store.last_sync_run(org.org_id)
        # Before a first sync finishes the store holds part of the books: no figure beats a
        # wrong one (``aging`` refuses such an org too).
        total = (
            aging_for(store, org, as_of=local_date(now, org.timezone)).report.total
            if last
            else None
        )
        rows.append(
            OrgRow(
                org_id=org.org_id,
                name=org.name,
                platform=org.platform,
                base_currency=org.base_currency,
                timezone=org.timezone,
                sandbox=org.api_url is not None,
                last_sync=last.finished_at if last else None,
                open_ar=total,
            )
        )
    return rows


def render_org_rows(rows: list[OrgRow], output: str) -> Table | str:
    """A rich table, or JSON / CSV-free plain JSON text when ``output == "json"``."""
    if output == "json":
        return json.dumps(
            [
                {
                    "org_id": row.org_id,
                    "name": row.name,
                    "platform": row.platform,
                    "base_currency": row.base_currency,
                    "timezone": row.timezone,
                    "sandbox": row.sandbox,
                    "last_sync": row.last_sync.isoformat() if row.last_sync else None,
                    "open_ar": None
                    if row.open_ar is None
                    else format_amount(row.open_ar, row.base_currency),
                }
                for row in rows
            ],
            indent=2,
        )
    table = Table(box=box.SIMPLE_HEAVY, title="Connected orgs")
    for column in ("Name", "Platform", "Org id", "Last sync (UTC)", "Open AR"):
        table.add_column(column, justify="right" if column == "Open AR" else "left")
    for row in rows:
        platform = f"{row.platform} (sandbox)" if row.sandbox else row.platform
        last = row.last_sync.strftime("%Y-%m-%d %H:%M") if row.last_sync else "never"
        amount = (
            "not synced"
            if row.open_ar is None
            else f"{format_amount(row.open_ar, row.base_currency)} {row.base_currency}"
        )
        table.add_row(row.name, platform, row.org_id, last, amount)
    return table
