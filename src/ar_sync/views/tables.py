"""The table look every view shares, and tables of amounts that fit the console's width.

``new_table`` is the look (a rule under the header, no outer edges); ``AmountTable`` is a rich
renderable of labelled rows of amounts, laid out when printed for the width of the console it is
printed on (a terminal's, ``COLUMNS``, or 80 when piped): amounts are never cut and carry
thousands separators while the labels keep room to be read. Pure: nothing here queries.

An ``AmountTable``'s rows are drawn line by line here, as rich's ``Table`` would draw them (the
same characters; the same styles on every visible one): rich lays a table out cell by cell,
seconds at 2,000 customers, while every column here has a known width. Only the title, header
and rule go through a (row-less) rich ``Table``, and a table too wide for its console is left
to rich whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich import box
from rich._wrap import divide_line
from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from ar_sync.money import format_amount

frozen = dataclass(frozen=True, slots=True, kw_only=True)

_NAME_MIN_WIDTH = 10  # a name column narrower than this is hard to read
_GAPS = (2, 1)  # spaces between table columns: two when there is room, one to give names room
_TRAILING_BLANKS = re.compile(r"\s+$")


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
        layout = _Layout(self, console)
        grouped, gap, label_width = layout.choose(options.max_width)
        widths = layout.widths(grouped)
        table_width = label_width + sum(widths) + gap * len(widths)
        if table_width > options.max_width:  # figures wider than the console: rich squeezes
            yield self._table(grouped, gap, label_width)
            return
        yield self._header_table(widths, gap, label_width)  # the title, header and rule
        yield from self._body(console, layout, grouped, gap, label_width)
        if self.caption:  # as rich's Table writes its caption
            options = options.update(width=table_width, highlight=False, height=None)
            caption = console.render_str(self.caption, style="table.caption", highlight=False)
            yield from console.render(caption, options.update(justify="center"))

    def _layout(self, console: Console, width: int) -> tuple[bool, int, int]:
        """``(grouped, gap, label_width)`` for a table at most ``width`` characters wide (see
        ``_Layout.choose``)."""
        return _Layout(self, console).choose(width)

    def _header_table(
        self, widths: list[int], gap: int, label_width: int, *, caption: str | None = None
    ) -> Table:
        """The table's columns, titled, without rows (nor a caption unless given)."""
        table = new_table(self.title, caption, gap=gap)
        table.add_column(self.label_header, width=label_width, overflow="fold")
        for header, width in zip(self.headers, widths, strict=True):
            table.add_column(header, justify="right", no_wrap=True, width=width)
        return table

    def _body(
        self, console: Console, layout: _Layout, grouped: bool, gap: int, label_width: int
    ) -> Iterator[Segment]:
        """The rows, as rich's ``Table`` draws them under its header: each label wrapped to
        ``label_width`` (the amounts on its first line), and a blank line before a total row
        that has rows above it."""
        widths = layout.widths(grouped)
        table_width = label_width + sum(widths) + gap * len(widths)
        newline = Segment.line()
        below = Segment(" " * (table_width - label_width))  # a label's further lines
        styles: dict[str, Any] = {}
        last = len(widths) - 1
        for index, (row, cells, lines) in enumerate(
            zip(self.rows, layout.cells(grouped), layout.label_lines(label_width), strict=True)
        ):
            if row.total and index:
                yield Segment(" " * table_width)
                yield newline
            for number, line in enumerate(lines):
                yield from line
                if number:
                    yield below
                else:
                    for column, (text, width, amount) in enumerate(
                        zip(cells, widths, row.amounts, strict=True)
                    ):
                        yield Segment(" " * (gap + width - len(text)))  # gap, then aligned
                        name = _style(amount, bold=row.total or column == last)
                        if name not in styles:
                            styles[name] = console.get_style(name) if name else None
                        yield Segment(text, styles[name])
                yield newline

    def _table(self, grouped: bool, gap: int, label_width: int) -> Table:
        """The whole table as a rich ``Table`` (for a console too narrow for its figures)."""
        layout = _Layout(self, None)
        table = self._header_table(layout.widths(grouped), gap, label_width,
                                   caption=self.caption)
        last = len(self.headers) - 1
        for row, texts in zip(self.rows, layout.cells(grouped), strict=True):
            if row.total:
                table.add_section()
            cells = [
                Text(text, style=_style(amount, bold=row.total or index == last))
                for index, (text, amount) in enumerate(zip(texts, row.amounts, strict=True))
            ]
            table.add_row(row.label, *cells)
        return table


class _Layout:
    """An ``AmountTable``'s cells and label lines, each worked out once per grouping and width."""

    def __init__(self, table: AmountTable, console: Console | None) -> None:
        self.table, self.console = table, console
        self._cells: dict[bool, list[list[str]]] = {}
        self._lines: dict[int, list[list[Segment]]] = {}

    def cells(self, grouped: bool) -> list[list[str]]:
        """Every row's amounts as written (ASCII: a character is a cell)."""
        if grouped not in self._cells:
            self._cells[grouped] = [
                [format_amount(amount, row.currency, grouped=grouped) for amount in row.amounts]
                for row in self.table.rows
            ]
        return self._cells[grouped]

    def widths(self, grouped: bool) -> list[int]:
        """Each amount column's width: its widest entry, header included."""
        widths = [cell_len(header) for header in self.table.headers]
        for cells in self.cells(grouped):
            widths = [max(width, len(cell)) for width, cell in zip(widths, cells)]
        return widths

    def label_lines(self, width: int) -> list[list[Segment]]:
        """Every row's label wrapped to ``width`` (as rich wraps a cell), each line its
        segments, padded to ``width``."""
        if width not in self._lines:
            assert self.console is not None
            self._lines[width] = [_label_lines(row.label, self.console, width)
                                  for row in self.table.rows]
        return self._lines[width]

    def choose(self, width: int) -> tuple[bool, int, int]:
        """``(grouped, gap, label_width)`` for a table at most ``width`` characters wide.

        Of the layouts leaving the labels at least 10 characters, the first by: thousands
        separators; fewest label lines; the wider gap."""
        longest = max(
            [cell_len(self.table.label_header)]
            + [cell_len(line) for row in self.table.rows for line in row.label.plain.split("\n")]
        )
        candidates = []
        for grouped in (True, False):
            widths = self.widths(grouped)
            for gap in _GAPS:
                room = width - sum(widths) - gap * len(widths)
                if room < _NAME_MIN_WIDTH:
                    continue
                label_width = min(room, longest)
                lines = sum(len(lines) for lines in self.label_lines(label_width))
                candidates.append(((not grouped, lines, -gap), grouped, gap, label_width))
        if candidates:
            _, grouped, gap, label_width = min(candidates)
            return grouped, gap, label_width
        # Narrower still: the labels get what is left, the figures stay whole while they fit.
        return False, 1, max(1, width - sum(self.widths(False)) - len(self.table.headers))


def _label_lines(label: Text, console: Console, width: int) -> list[list[Segment]]:
    """``label`` as rich draws it in a table cell ``width`` cells wide (wrapped at spaces, a
    longer word folded, each line left-justified and padded): a list of lines of segments.

    A label of one style and no tabs is wrapped here (``_wrap_plain``); any other by rich."""
    if label.spans or "\t" in label.plain or label.justify or label.overflow or label.no_wrap:
        wrapped = label.wrap(console, width, justify="left", overflow="fold")
        return [list(line.render(console, end="")) for line in wrapped]
    style = console.get_style(label.style) if label.style else None
    return [[Segment(line, style)] for line in _wrap_plain(label.plain, width)]


def _wrap_plain(text: str, width: int) -> list[str]:
    """``Text(text).wrap(console, width, justify="left", overflow="fold")``'s lines as strings,
    for a ``text`` without tabs: each line is split where rich's ``divide_line`` says, the
    blanks past ``width`` at its end dropped, then cut or padded to ``width`` cells."""
    out = []
    for line in text.split("\n"):
        if cell_len(line) <= width:  # fits: no break (each word ends within the line)
            pieces = [line]
        else:
            offsets = [0, *divide_line(line, width, fold=True), len(line)]
            pieces = [line[start:end] for start, end in zip(offsets, offsets[1:])]
        for piece in pieces:
            if len(piece) > width and (blanks := _TRAILING_BLANKS.search(piece)):
                piece = piece[: len(piece) - min(len(blanks.group(0)), len(piece) - width)]
            size = cell_len(piece)
            if size > width:
                piece = set_cell_size(piece, width)
            elif size < width:
                piece += " " * (width - size)
            out.append(piece)
    return out


def _style(amount: Decimal, *, bold: bool) -> str:
    """An amount cell's style: zeros dim, negatives red, ``bold`` for a total."""
    style = "bold" if bold else ""
    if amount < 0:
        style += " red"
    elif amount == 0:
        style += " dim"
    return style.strip()
