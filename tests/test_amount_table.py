"""``AmountTable`` draws its rows line by line itself (rich's ``Table`` takes seconds at 2,000
customers): what it prints must be what rich's ``Table`` prints for the same layout, character for
character, with the same style on every visible character, whatever the labels hold (wrapped and
folded names, wide characters, blanks at either end, several lines, styled parts)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from ar_sync.views.tables import AmountRow, AmountTable

NAMES = [
    "Bay of Islands Plumbing Ltd",
    "A Customer With A Really Quite Remarkably Long Trading Name Ltd",
    "Supercalifragilisticexpialidociousandthensome",
    "東京株式会社 の 取引先",
    "  blanks at both ends  ",
    "two  spaces  between",
    "Zed",
    "",
    "first line\nsecond line of it",
]


def _table(currency: str = "NZD") -> AmountTable:
    amounts = [Decimal("1234567.89"), Decimal("-250.00"), Decimal("0"), Decimal("56000.10")]
    rows = [
        AmountRow(label=Text(name), amounts=tuple(amounts[(n + k) % 4] for k in range(4)),
                  currency=currency)
        for n, name in enumerate(NAMES)
    ]
    summary = Text("Northern Lights Trading Ltd")
    summary.append("\nxero · NZD", style="dim")  # a label with a styled part
    rows.append(AmountRow(label=summary, amounts=tuple(amounts), currency=currency))
    rows.append(AmountRow(label=Text("TOTAL", style="bold"), amounts=tuple(amounts),
                          currency=currency, total=True))
    return AmountTable(title="Northern Lights Trading Ltd · xero · NZD · as of 2026-11-23",
                       caption="Aged by due date, in days; amounts in NZD",
                       label_header="Customer", headers=("current", "1-30", "31-60", "Total"),
                       rows=tuple(rows))


def _shown(renderable: object, width: int) -> list[list[tuple[str, Style | None]]]:
    """Each printed line as (character, style) pairs, on a colour terminal ``width`` wide."""
    console = Console(file=io.StringIO(), width=width, color_system="truecolor",
                      force_terminal=True)
    lines: list[list[tuple[str, Style | None]]] = [[]]
    for segment in console.render(renderable, console.options):
        for character in segment.text:
            if character == "\n":
                lines.append([])
            else:
                lines[-1].append((character, segment.style))
    return lines


def _plain(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("width", [20, 30, 36, 48, 60, 80, 100, 160])  # 20, 30: left to rich
@pytest.mark.parametrize("currency", ["NZD", "JPY"])
def test_rows_print_as_rich_s_table_prints_them(width: int, currency: str) -> None:
    table = _table(currency)
    console = Console(file=io.StringIO(), width=width)
    reference = table._table(*table._layout(console, width))  # rich's Table, same layout
    assert _plain(table, width) == _plain(reference, width)
    ours, theirs = _shown(table, width), _shown(reference, width)
    assert [[c for c, _ in line] for line in ours] == [[c for c, _ in line] for line in theirs]
    for line, expected in zip(ours, theirs, strict=True):
        styled = [(c, str(s or "")) for c, s in line if c != " "]
        assert styled == [(c, str(s or "")) for c, s in expected if c != " "]

