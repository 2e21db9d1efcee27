"""Rendering of aging reports: JSON, CSV and rich tables. Pure: returns text or renderables.

Every renderer takes a sequence of ``OrgAging`` (one org's ``AgingReport`` with the names to show)
and the ``basis`` / ``scheme`` the reports were aged with. Amounts are in each org's base currency,
written with that currency's minor unit: plain in files (``"1234.50"``; ``"1234"`` for JPY),
with thousands separators in tables (``"1,234.50"``, ``money.format_amount(grouped=True)``).
Customers are listed by name, case-insensitively, then by id; a customer without a known name is
shown by its id.

Tables are laid out when printed, for the width of the console they are printed on (a terminal's,
``COLUMNS``, or 80 when piped): see ``ar_sync.views.tables.AmountTable``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from rich.text import Text

from ar_sync.aging.age import bucket_names
from ar_sync.domain import Basis, CustomerAging, OrgAging, Scheme
from ar_sync.money import format_amount
from ar_sync.views.tables import AmountRow, AmountTable

TOTAL_LABEL = "TOTAL"  # the label of a table's total row
ROW_CUSTOMER, ROW_TOTAL = "customer", "total"  # the CSV's ``row`` column


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
    # The document is json.dumps(doc, indent=2, ensure_ascii=False) exactly; its customers, the
    # bulk of it, are written from a template with C-encoded strings, since json's indented
    # output goes through its pure-Python encoder (seconds at 10,000 customers).
    placeholders = [f"\0customers {i}\0" for i in range(len(orgs))]
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
                "customers": placeholder,
                "totals": {
                    **{
                        name: format_amount(org.report.totals[name], org.base_currency)
                        for name in names
                    },
                    "total": format_amount(org.report.total, org.base_currency),
                },
            }
            for org, placeholder in zip(orgs, placeholders)
        ],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    for org, placeholder in zip(orgs, placeholders):
        text = text.replace(_string(placeholder), _customers_json(org, names), 1)
    return text + "\n"


_string = json.JSONEncoder(ensure_ascii=False).encode  # one JSON string, C-encoded


def _customers_json(org: OrgAging, names: Sequence[str]) -> str:
    """An org's ``customers`` list as ``json.dumps(..., indent=2)`` writes it at its depth (the
    list opens at the 6-space indent of the org's keys)."""
    customers = _sorted_customers(org)
    if not customers:
        return "[]"
    cur = org.base_currency
    keys = [_string(name) for name in names]
    blocks = []
    for customer in customers:
        buckets = ",\n".join(
            f"            {key}: {_string(format_amount(customer.buckets[name], cur))}"
            for key, name in zip(keys, names)
        )
        blocks.append(
            "        {\n"
            f'          "customer_id": {_string(customer.customer_id)},\n'
            f'          "name": {_string(_name(org, customer))},\n'
            + ('          "buckets": {\n' + buckets + "\n          },\n" if keys else
               '          "buckets": {},\n')
            + f'          "total": {_string(format_amount(customer.total, cur))}\n'
            "        }"
        )
    return "[\n" + ",\n".join(blocks) + "\n      ]"


def render_csv(
    orgs: Sequence[OrgAging], *, as_of: date | None = None, basis: Basis, scheme: Scheme
) -> str:
    """The reports as CSV, ``\\n`` line ends, the ``csv`` module's minimal quoting.

    Header: ``row,org_id,org_name,platform,base_currency,as_of,customer_id,customer_name,
    <bucket...>,total``. Each org has a row per customer (``row`` is ``customer``), then one row of
    its totals (``row`` is ``total``, customer_id and customer_name empty), as in the JSON's
    ``customers`` and ``totals``. Summing a column over every row would count each org twice:
    filter on ``row`` (``customer`` rows are the data; ``total`` rows are what they add up to).
    ``as_of`` is each org's own report date (the ``as_of`` argument is accepted for a signature
    shared with the other renderers and not written).
    """
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "row",
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
                    ROW_CUSTOMER,
                    *head,
                    customer.customer_id,
                    _name(org, customer),
                    *(format_amount(customer.buckets[name], cur) for name in names),
                    format_amount(customer.total, cur),
                ]
            )
        writer.writerow(
            [
                ROW_TOTAL,
                *head,
                "",
                "",
                *(format_amount(org.report.totals[name], cur) for name in names),
                format_amount(org.report.total, cur),
            ]
        )
    return out.getvalue()


def _aged_how(basis: Basis, scheme: Scheme) -> str:
    """``"Aged by due date, in days"``: the first half of a table's caption."""
    aged_by = "due date" if basis is Basis.DUE else "invoice date"
    unit = "days" if scheme is Scheme.DAYS else "calendar months"
    return f"Aged by {aged_by}, in {unit}"


def _amounts(
    buckets: Mapping[str, Decimal], total: Decimal, names: Sequence[str]
) -> tuple[Decimal, ...]:
    """The bucket amounts in ``names`` order, then the total."""
    return (*(buckets[name] for name in names), total)


def render_table(
    orgs: Sequence[OrgAging], *, as_of: date | None = None, basis: Basis, scheme: Scheme
) -> list[AmountTable]:
    """One table per org (see ``AmountTable``): a row per customer, a column per bucket and a
    Total column, then a bold ``TOTAL`` row.

    The title names the org, platform, base currency and the report's as-of date; the caption
    says how it was aged. Rows are customers by name (case-insensitive), then ``TOTAL``. ``as_of``
    is accepted for a signature shared with the other renderers; each title uses its own
    report's date.
    """
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    tables = []
    for org in orgs:
        cur = org.base_currency
        rows = [
            AmountRow(
                label=Text(_name(org, customer)),
                amounts=_amounts(customer.buckets, customer.total, names),
                currency=cur,
            )
            for customer in _sorted_customers(org)
        ]
        rows.append(
            AmountRow(
                label=Text(TOTAL_LABEL, style="bold"),
                amounts=_amounts(org.report.totals, org.report.total, names),
                currency=cur,
                total=True,
            )
        )
        tables.append(
            AmountTable(
                title=f"{org.name} · {org.platform} · {cur} · as of {org.report.as_of}",
                caption=f"{_aged_how(basis, scheme)}; amounts in {cur}",
                label_header="Customer",
                headers=(*names, "Total"),
                rows=tuple(rows),
            )
        )
    return tables


def render_org_summary(orgs: Sequence[OrgAging], *, basis: Basis, scheme: Scheme) -> AmountTable:
    """One table for several orgs (see ``AmountTable``): a row per org, its totals per bucket in
    its own base currency, for a side-by-side view across ledgers. Each row's label is the org's
    name, then a line with its ledger and currency (``xero · NZD``). Rows keep the order given."""
    basis, scheme = Basis(basis), Scheme(scheme)
    names = _check(orgs, basis, scheme)
    dates = common_as_of(orgs)
    rows = []
    for org in orgs:
        label = Text(org.name)
        label.append(f"\n{org.platform} · {org.base_currency}", style="dim")
        rows.append(
            AmountRow(
                label=label,
                amounts=_amounts(org.report.totals, org.report.total, names),
                currency=org.base_currency,
            )
        )
    return AmountTable(
        title="Aged receivables by org" + (f" · as of {dates.isoformat()}" if dates else ""),
        caption=f"{_aged_how(basis, scheme)}; each row in its org's base currency",
        label_header="Org",
        headers=(*names, "Total"),
        rows=tuple(rows),
    )
