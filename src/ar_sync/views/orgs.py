"""The ``orgs`` listing: each connected org with its last sync and open receivables.

The table shows each org's id in full under its name: the id is what ``--org`` takes, so it is
never cut or split, at any width (see ``OrgTable``). Pure: the rows (``OrgRow``) come from
``ar_sync.jobs.org_rows``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ar_sync.domain import OrgRow
from ar_sync.money import format_amount
from ar_sync.views.tables import new_table


def render_org_rows(rows: list[OrgRow], output: str) -> OrgTable | str:
    """An ``OrgTable`` to print, or JSON text when ``output == "json"`` (``open_ar`` a plain
    decimal string in the org's base currency, ``last_sync`` ISO 8601 in UTC, or null)."""
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
    return OrgTable(rows=tuple(rows))


TITLE = "Connected orgs"
HEADERS = ("Org and id", "Ledger", "Last sync", "Open AR")


_Pair = tuple[str, str]
_Parts = tuple[_Pair, _Pair, _Pair]


def _parts(row: OrgRow) -> _Parts:
    """An org's ledger, last sync and open AR, each as a pair of short texts: platform and
    ``sandbox`` (or nothing), date and time (UTC), amount (thousands separated, as ``aging``
    writes it) and currency."""
    ledger = (row.platform, "sandbox" if row.sandbox else "")
    last = (
        (f"{row.last_sync:%Y-%m-%d}", f"{row.last_sync:%H:%M} UTC")
        if row.last_sync
        else ("never", "")
    )
    amount = (
        (format_amount(row.open_ar, row.base_currency, grouped=True), row.base_currency)
        if row.open_ar is not None
        else ("not synced", "")
    )
    return ledger, last, amount


@dataclass(frozen=True, slots=True)
class OrgTable:
    """The orgs as a rich renderable, laid out when printed for the console's width
    (``options.max_width``): a table whose first column holds each org's name (bold; a long name
    wraps) over its id, which is never wrapped or cut; the other cells hold two short lines
    (platform over ``sandbox``, date over time, amount over currency), each column as wide as
    its widest line, two spaces apart, or one if the ids need it. When even that cannot hold the
    longest id (under about 75 columns with a Xero org), each org is a few lines of its own
    instead: its name, then its id (on one line, whatever the width), ledger, last sync and
    open AR, one a line."""

    rows: tuple[OrgRow, ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        parts = [_parts(row) for row in self.rows]
        widths = [
            max([cell_len(header)] + [cell_len(line) for row in parts for line in row[index]])
            for index, header in enumerate(HEADERS[1:])
        ]
        ids = max([cell_len(HEADERS[0])] + [cell_len(row.org_id) for row in self.rows])
        names = max([0] + [cell_len(row.name) for row in self.rows])
        for gap in (2, 1):
            room = options.max_width - sum(widths) - gap * len(widths)
            if room >= ids:
                yield self._table(parts, gap, min(room, max(ids, names)), widths)
                return
        yield from self._blocks(parts)

    def _table(
        self,
        parts: list[_Parts],
        gap: int,
        org_width: int,
        widths: list[int],
    ) -> Table:
        table = new_table(TITLE, gap=gap)
        table.add_column(HEADERS[0], width=org_width)  # names wrap; ids fit by construction
        for header, width in zip(HEADERS[1:], widths, strict=True):
            justify = "right" if header == "Open AR" else "left"
            table.add_column(header, width=width, no_wrap=True, justify=justify)
        for row, cells in zip(self.rows, parts, strict=True):
            org = Text(row.name, style="bold")
            org.append(f"\n{row.org_id}", style="")
            table.add_row(org, *("\n".join(cell).rstrip() for cell in cells))
        return table

    def _blocks(self, parts: list[_Parts]) -> RenderResult:
        yield Text(TITLE, style="table.title")
        for row, (ledger, last, amount) in zip(self.rows, parts, strict=True):
            yield Text(row.name, style="bold")
            # One line however narrow: a terminal may fold it, but rich never splits the id.
            yield Text(f"  id         {row.org_id}", no_wrap=True, overflow="ignore")
            platform, sandbox = ledger
            for label, value in (
                ("ledger", f"{platform} ({sandbox})" if sandbox else platform),
                ("last sync", " ".join(last).strip()),
                ("open AR", " ".join(amount).strip()),
            ):
                yield Text(f"  {label:<11}{value}")
