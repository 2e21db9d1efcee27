"""Rendering of aging reports: JSON, CSV and rich tables. Pure: returns text or renderables.

Every renderer takes a sequence of ``OrgAging`` (one org's ``AgingReport`` with the names to show)
and the ``basis`` / ``scheme`` the reports were aged with. Amounts are in each org's base currency,
written with that currency's minor unit (``"1234.50"``; ``"1234"`` for JPY). Customers are listed
by name, case-insensitively, then by id; a customer without a known name is shown by its id.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ar_sync.aging import AgingReport, Basis, CustomerAging, Scheme, bucket_names
from ar_sync.money import format_amount

frozen = dataclass(frozen=True, slots=True, kw_only=True)

TOTAL_LABEL = "TOTAL"
_NAME_MIN_WIDTH = 10  # a customer name column narrower than this is hard to read


@frozen
class OrgAging:
    """One org's aging report with what a reader needs to recognise it.

    ``customer_names`` maps customer_id to display name; ids missing from it are shown as the id.
    """

    org_id: str
    name: str
    platform: str
    base_currency: str
    report: AgingReport
    customer_names: Mapping[str, str]


def common_as_of(orgs: Sequence[OrgAging]) -> date | None:
    """The as-of date shared by every org's report, or ``None`` if they differ (or no orgs)."""
    dates = {org.report.as_of for org in orgs}
    return dates.pop() if len(dates) == 1 else None


def _check(orgs: Sequence[OrgAging], basis: Basis, scheme: Scheme) -> tuple[str, ...]:
    """The bucket names; raises ``ValueError`` if a report was aged another way."""
    for org in orgs:
        if Basis(org.report.basis) is not basis or Scheme(org.report.scheme) is not scheme:
            raise ValueError(
                f"org {org.org_id} was aged by {org.report.basis}/{org.report.scheme}, "
                f"not {basis}/{scheme}"
            )
        if org.report.base_currency != org.base_currency:
            raise ValueError(
                f"org {org.org_id}: report is in {org.report.base_currency}, "
                f"org base currency is {org.base_currency}"
            )
    return bucket_names(scheme, basis)


def _name(org: OrgAging, customer: CustomerAging) -> str:
    return org.customer_names.get(customer.customer_id, customer.customer_id)


def _sorted_customers(org: OrgAging) -> list[CustomerAging]:
    return sorted(
        org.report.customers, key=lambda c: (_name(org, c).casefold(), c.customer_id)
    )


def _amount(amount: Decimal, currency: str) -> str:
    # "+ 0" turns a negative zero into zero, so nobody sees "-0.00".
    return format_amount(amount + 0, currency)


def render_json(
    orgs: Sequence[OrgAging], *, as_of: date | None, basis: Basis, scheme: Scheme
) -> str:
    """The reports as one JSON document (2-space indent, trailing newline)::

        {"as_of": "YYYY-MM-DD" | null, "basis": "due", "scheme": "days", "buckets": [...],
         "orgs": [{"org_id", "name", "platform", "base_currency", "as_of",
                   "customers": [{"customer_id", "name", "buckets": {bucket: "0.00"}, "total"}],
                   "totals": {bucket: "0.00", ..., "total": "0.00"}}]}

    The top-level ``as_of`` is the given value (pass ``None`` when the orgs' dates differ; see
    ``common_as_of``); each org carries its own report's date. Amounts are decimal strings.
    """
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    doc = {
        "as_of": as_of.isoformat() if as_of is not None else None,
        "basis": str(basis),
        "scheme": str(scheme),
        "buckets": list(names),
        "orgs": [
            {
                "org_id": org.org_id,
                "name": org.name,
                "platform": org.platform,
                "base_currency": org.base_currency,
                "as_of": org.report.as_of.isoformat(),
                "customers": [
                    {
                        "customer_id": customer.customer_id,
                        "name": _name(org, customer),
                        "buckets": {
                            name: _amount(customer.buckets[name], org.base_currency)
                            for name in names
                        },
                        "total": _amount(customer.total, org.base_currency),
                    }
                    for customer in _sorted_customers(org)
                ],
                "totals": {
                    **{
                        name: _amount(org.report.totals[name], org.base_currency)
                        for name in names
                    },
                    "total": _amount(org.report.total, org.base_currency),
                },
            }
            for org in orgs
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_csv(
    orgs: Sequence[OrgAging], *, as_of: date | None = None, basis: Basis, scheme: Scheme
) -> str:
    """The reports as CSV: one row per customer, then a ``TOTAL`` row per org; ``\\n`` line ends.

    Header: ``org_id,org_name,platform,base_currency,as_of,customer_id,customer_name,<bucket...>,
    total``. ``as_of`` is each org's own report date (the ``as_of`` argument is accepted for a
    signature shared with the other renderers and not written). The ``TOTAL`` row has an empty
    customer_id and ``TOTAL`` as customer_name. Quoting is the ``csv`` module's minimal quoting.
    """
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "org_id",
            "org_name",
            "platform",
            "base_currency",
            "as_of",
            "customer_id",
            "customer_name",
            *names,
            "total",
        ]
    )
    for org in orgs:
        head = [org.org_id, org.name, org.platform, org.base_currency, org.report.as_of.isoformat()]
        cur = org.base_currency
        for customer in _sorted_customers(org):
            writer.writerow(
                [
                    *head,
                    customer.customer_id,
                    _name(org, customer),
                    *(_amount(customer.buckets[name], cur) for name in names),
                    _amount(customer.total, cur),
                ]
            )
        writer.writerow(
            [
                *head,
                "",
                TOTAL_LABEL,
                *(_amount(org.report.totals[name], cur) for name in names),
                _amount(org.report.total, cur),
            ]
        )
    return out.getvalue()


def _cell(amount: Decimal, currency: str, *, grouped: bool, bold: bool = False) -> Text:
    """An amount, with thousands separators if ``grouped``; zeros dim, negatives red."""
    text = _amount(amount, currency)
    if grouped:
        text = format(Decimal(text), ",")
    style = "bold" if bold else ""
    if amount < 0:
        style += " red"
    elif amount == 0:
        style += " dim"
    return Text(text, style=style.strip())


def _org_table(
    org: OrgAging, names: tuple[str, ...], caption: str, *, grouped: bool
) -> Table:
    cur = org.base_currency
    table = _new_table(
        f"{org.name} · {org.platform} · {cur} · as of {org.report.as_of.isoformat()}", caption
    )
    rows = [
        (
            Text(_name(org, customer)),
            [_cell(customer.buckets[name], cur, grouped=grouped) for name in names]
            + [_cell(customer.total, cur, grouped=grouped)],
        )
        for customer in _sorted_customers(org)
    ]
    total_cells = [_cell(org.report.totals[n], cur, grouped=grouped, bold=True) for n in names]
    total_cells.append(_cell(org.report.total, cur, grouped=grouped, bold=True))
    # Amounts keep their full width (rich would otherwise shrink them to "123,4…"); the
    # customer column takes what is left and folds long names onto further lines.
    table.add_column("Customer", overflow="fold", min_width=_NAME_MIN_WIDTH)
    for index, header in enumerate([*names, "Total"]):
        cells = [row_cells[index] for _, row_cells in rows] + [total_cells[index]]
        width = max(len(header), *(len(cell) for cell in cells))
        table.add_column(header, justify="right", no_wrap=True, min_width=width)
    for name_cell, row_cells in rows:
        table.add_row(name_cell, *row_cells)
    table.add_section()
    table.add_row(Text(TOTAL_LABEL, style="bold"), *total_cells)
    return table


def _new_table(title: str, caption: str) -> Table:
    """The look every aging table shares."""
    return Table(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )


def _aged_how(basis: Basis, scheme: Scheme) -> str:
    """``"Aged by due date, in days"``: the first half of a table's caption."""
    aged_by = "due date" if basis is Basis.DUE else "invoice date"
    unit = "days" if scheme is Scheme.DAYS else "calendar months"
    return f"Aged by {aged_by}, in {unit}"


def _min_width(table: Table) -> int:
    console = Console(file=io.StringIO(), width=10_000, color_system=None)
    return console.measure(table).minimum


def render_table(
    orgs: Sequence[OrgAging],
    *,
    as_of: date | None = None,
    basis: Basis,
    scheme: Scheme,
    width: int = 100,
) -> list[Table]:
    """One rich ``Table`` per org: a row per customer, a column per bucket, a bold total row.

    The title names the org, platform, base currency and the report's as-of date; the caption
    says how it was aged. Amounts are right-aligned, never wrap and are never cut; they carry
    thousands separators unless that would make the table wider than ``width`` columns, in
    which case that org's table drops them. Long customer names fold onto further lines. Rows
    are customers by name (case-insensitive), then a ``TOTAL`` row. ``as_of`` is accepted for a
    signature shared with the other renderers; each title uses its own report's date.
    """
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    tables: list[Table] = []
    for org in orgs:
        caption = f"{_aged_how(basis, scheme)}; amounts in {org.base_currency}"
        table = _org_table(org, names, caption, grouped=True)
        if _min_width(table) > width:
            table = _org_table(org, names, caption, grouped=False)
        tables.append(table)
    return tables


def render_org_summary(orgs: Sequence[OrgAging], *, basis: Basis, scheme: Scheme) -> Table:
    """One table for several orgs: a row per org (its totals per bucket, in its own base
    currency; under the org's name, its ledger and currency), for a side-by-side view across
    ledgers. Rows keep the order given; amounts carry thousands separators."""
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    dates = common_as_of(orgs)
    table = _new_table(
        "Aged receivables by org" + (f" · as of {dates.isoformat()}" if dates else ""),
        f"{_aged_how(basis, scheme)}; each row in its org's base currency",
    )
    rows = []
    for org in orgs:
        cur = org.base_currency
        cells = [_cell(org.report.totals[n], cur, grouped=True) for n in names]
        cells.append(_cell(org.report.total, cur, grouped=True, bold=True))
        label = Text(org.name)
        label.append(f"\n{org.platform} · {cur}", style="dim")
        rows.append((label, cells))
    table.add_column("Org", overflow="fold", min_width=_NAME_MIN_WIDTH)
    # Amounts keep their full width, as in the per-org tables; the org name folds instead.
    for index, header in enumerate([*names, "Total"]):
        width = max([len(header), *(len(cells[index]) for _, cells in rows)])
        table.add_column(header, justify="right", no_wrap=True, min_width=width)
    for label, cells in rows:
        table.add_row(label, *cells)
    return table
