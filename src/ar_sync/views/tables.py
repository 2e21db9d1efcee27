"""The table look every view shares, and tables of amounts that fit the console's width.

``new_table`` is the look (a rule under the header, no outer edges); ``AmountTable`` is a rich
renderable of labelled rows of amounts, laid out when printed for the width of the console it is
printed on (a terminal's, ``COLUMNS``, or 80 when piped): amounts are never cut and carry
thousands separators while the labels keep room to be read. Pure: nothing here queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ar_sync.money import format_amount

frozen = dataclass(frozen=True, slots=True, kw_only=True)

_NAME_MIN_WIDTH = 10  # a name column narrower than this is hard to read
_GAPS = (2, 1)  # spaces between table columns: two when there is room, one to give names room


def new_table(title: str | None, caption: str | None = None, *, gap: int = 2) -> Table:
    """The look every table shares (aging tables, the orgs listing): a rule under the header, no
    outer edges, ``gap`` spaces (1 or 2) between columns."""
    return Table(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        padding=(0, gap - 1),  # collapsed padding and the box's blank divider: ``gap`` spaces
    )


@frozen
class AmountRow:
    """A table row: its label (``\\n`` starts a further line), its amounts in ``currency``, and
    whether it is the table's total row (set apart by a blank line, bold)."""

    label: Text
    amounts: tuple[Decimal, ...]
    currency: str
    total: bool = False


@frozen
class AmountTable:
    """A rich renderable: a label column (customers, orgs), then right-aligned amount columns, the
    last one bold. Laid out when printed, for the console's width (``options.max_width``):

    - amounts never wrap and are never cut (on a console wide enough for the figures alone);
      each column is as wide as its widest entry;
    - amounts carry thousands separators, unless with them the label column would be narrower
      than 10 characters: then that table drops them (and if it is still too narrow, the labels
      get what is left);
    - columns are two spaces apart, or one when that lets the labels take fewer lines;
    - the label column takes what is left, no more than its longest line; longer labels wrap
      at spaces (a word longer than the column is folded).
    """

    title: str
    caption: str
    label_header: str
    headers: tuple[str, ...]
    rows: tuple[AmountRow, ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        grouped, gap, label_width = self._layout(console, options.max_width)
        yield self._table(grouped, gap, label_width)

    def _layout(self, console: Console, width: int) -> tuple[bool, int, int]:
        """``(grouped, gap, label_width)`` for a table at most ``width`` characters wide.

        Of the layouts leaving the labels at least 10 characters, the first by: thousands
        separators; fewest label lines; the wider gap."""
        longest = max(
            [cell_len(self.label_header)]
            + [cell_len(line) for row in self.rows for line in row.label.plain.split("\n")]
        )
        candidates = []
        for grouped in (True, False):
            widths = self._widths(grouped)
            for gap in _GAPS:
                room = width - sum(widths) - gap * len(widths)
                if room < _NAME_MIN_WIDTH:
                    continue
                label_width = min(room, longest)
                lines = sum(
                    len(row.label.wrap(console, label_width, overflow="fold")) for row in self.rows
                )
                candidates.append(((not grouped, lines, -gap), grouped, gap, label_width))
        if candidates:
            _, grouped, gap, label_width = min(candidates)
            return grouped, gap, label_width
        # Narrower still: the labels get what is left, the figures stay whole while they fit.
        return False, 1, max(1, width - sum(self._widths(False)) - len(self.headers))

    def _cells(self, row: AmountRow, grouped: bool) -> list[str]:
        return [format_amount(amount, row.currency, grouped=grouped) for amount in row.amounts]

    def _widths(self, grouped: bool) -> list[int]:
        cells = [self._cells(row, grouped) for row in self.rows]
        return [
            max([cell_len(header), *(cell_len(row[index]) for row in cells)])
            for index, header in enumerate(self.headers)
        ]

    def _table(self, grouped: bool, gap: int, label_width: int) -> Table:
        table = new_table(self.title, self.caption, gap=gap)
        table.add_column(self.label_header, width=label_width, overflow="fold")
        for header, width in zip(self.headers, self._widths(grouped), strict=True):
            table.add_column(header, justify="right", no_wrap=True, width=width)
        last = len(self.headers) - 1
        for row in self.rows:
            if row.total:
                table.add_section()
            cells = [
                _styled(text, amount, bold=row.total or index == last)
                for index, (text, amount) in enumerate(
                    zip(self._cells(row, grouped), row.amounts, strict=True)
                )
            ]
            table.add_row(row.label, *cells)
        return table


def _styled(text: str, amount: Decimal, *, bold: bool) -> Text:
    """An amount's cell: zeros dim, negatives red."""
    style = "bold" if bold else ""
    if amount < 0:
        style += " red"
    elif amount == 0:
        style += " dim"
    return Text(text, style=style.strip())
