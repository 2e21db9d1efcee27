"""Rendering of the history measures: customers' payment records (``ar-sync customers``) and
an org's months (``ar-sync dso``), as tables, CSV and JSON. Pure: returns text or renderables.

Amounts are in each org's base currency with its minor unit, plain in files (``"1234.50"``) and
grouped in tables (``"1,234.50"``), as the aging views write them (``money.format_amount``).
Days are the measures' ``Decimal`` days to one place, written as they are (``"-7.0"``: paid a
week early); a trend's change is signed (``"+8.0"``). An overdue share is a fraction to four
places in files (``"0.4250"``) and a percentage in tables (``"42.50%"``). Absent figures (no
invoice paid, nothing open) are ``null`` in JSON and empty in CSV and tables. Customers are
listed by name, case-insensitively, then by id; months oldest first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from rich.table import Table

from ar_sync.domain import CustomerMeasures, MonthMeasures, OrgCustomerMeasures, OrgMonthMeasures
from ar_sync.money import format_amount
from ar_sync.views.tables import new_table

PERCENT = Decimal("0.01")
NAME_MIN_WIDTH = 12  # a customer's name column never narrower than this


def _text(value: Decimal | date | str | None) -> str | None:
    """A figure as JSON and CSV write it: ``str`` of a Decimal, ISO date, None kept."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _signed(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "+")


def _name(org: OrgCustomerMeasures, customer: CustomerMeasures) -> str:
    return org.customer_names.get(customer.customer_id, customer.customer_id)


def _sorted_customers(org: OrgCustomerMeasures) -> list[CustomerMeasures]:
    return sorted(org.customers, key=lambda c: (_name(org, c).casefold(), c.customer_id))


def _trend(customer: CustomerMeasures) -> str:
    """``"worsening +8.0"``; empty without a trend."""
    if customer.trend is None:
        return ""
    return f"{customer.trend.value} {_signed(customer.trend_days)}"


# --- customers -------------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    "invoices_paid", "average_days_late", "median_days_late", "recent_days_late",
    "earlier_days_late", "trend", "trend_days", "last_payment_date", "largest_balance",
    "first_invoice_date",
)


def _customer_values(org: OrgCustomerMeasures, c: CustomerMeasures) -> dict[str, Any]:
    """``CUSTOMER_FIELDS`` as JSON writes them (numbers of invoices as integers)."""
    return {
        "invoices_paid": c.invoices_paid,
        "average_days_late": _text(c.average_days_late),
        "median_days_late": _text(c.median_days_late),
        "recent_days_late": _text(c.recent_days_late),
        "earlier_days_late": _text(c.earlier_days_late),
        "trend": c.trend.value if c.trend is not None else None,
        "trend_days": _signed(c.trend_days),
        "last_payment_date": _text(c.last_payment_date),
        "largest_balance": format_amount(c.largest_balance, org.base_currency),
        "first_invoice_date": _text(c.first_invoice_date),
    }


def customers_json(orgs: Sequence[OrgCustomerMeasures]) -> str:
    """One JSON document (2-space indent, trailing newline)::

        {"orgs": [{"org_id", "name", "platform", "base_currency", "as_of", "history_since",
                   "customers": [{"customer_id", "name", "invoices_paid": 3,
                                  "average_days_late": "12.5" | null, "median_days_late",
                                  "recent_days_late", "earlier_days_late",
                                  "trend": "worsening" | "steady" | "improving" | null,
                                  "trend_days": "+8.0" | null, "last_payment_date",
                                  "largest_balance": "1234.50", "first_invoice_date"}]}]}
    """
    doc = {
        "orgs": [
            {
                "org_id": org.org_id,
                "name": org.name,
                "platform": org.platform,
                "base_currency": org.base_currency,
                "as_of": org.as_of.isoformat(),
                "history_since": org.history_since.isoformat(),
                "customers": [
                    {"customer_id": c.customer_id, "name": _name(org, c),
                     **_customer_values(org, c)}
                    for c in _sorted_customers(org)
                ],
            }
            for org in orgs
        ]
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def customers_csv(orgs: Sequence[OrgCustomerMeasures]) -> str:
    """CSV, ``\\n`` line ends, a header ``org_id,org_name,base_currency,as_of,customer_id,
    customer_name,<CUSTOMER_FIELDS>``, then a row per customer; absent figures are empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["org_id", "org_name", "base_currency", "as_of", "customer_id",
                     "customer_name", *CUSTOMER_FIELDS])
    for org in orgs:
        for c in _sorted_customers(org):
            values = _customer_values(org, c)
            writer.writerow([org.org_id, org.name, org.base_currency, org.as_of.isoformat(),
                             c.customer_id, _name(org, c),
                             *("" if values[f] is None else values[f] for f in CUSTOMER_FIELDS)])
    return out.getvalue()


def customers_tables(orgs: Sequence[OrgCustomerMeasures]) -> list[Table]:
    """One table per org: a row per customer with invoices paid in the last 12 months, their
    average and median days late, the trend, the last payment, the largest balance and the
    first invoice's date."""
    tables = []
    for org in orgs:
        cur = org.base_currency
        table = new_table(
            f"{org.name} · {org.platform} · {cur} · as of {org.as_of}",
            f"Invoices paid in the 12 months to {org.as_of}; days late: negative = early; "
            f"trend: last 3 months against the 12 before; history since {org.history_since}",
            gap=1,  # eight columns in 80 characters, names still readable
        )
        table.add_column("Customer", overflow="fold", min_width=NAME_MIN_WIDTH)
        for header in ("Paid", "Avg\nlate", "Median\nlate", "Trend", "Last\npayment",
                       "Largest\nbalance", "First\ninvoice"):
            table.add_column(header, justify="right", no_wrap=True)
        for c in _sorted_customers(org):
            table.add_row(
                _name(org, c), str(c.invoices_paid), _text(c.average_days_late) or "",
                _text(c.median_days_late) or "", _trend(c), _text(c.last_payment_date) or "",
                format_amount(c.largest_balance, cur, grouped=True),
                _text(c.first_invoice_date) or "",
            )
        tables.append(table)
    return tables


# --- months ----------------------------------------------------------------------------------

MONTH_FIELDS = (
    "receivables", "credit_sales", "dso", "dso_capped", "overdue", "overdue_share", "collected",
    "invoices_paid", "average_days_late",
)


def _month_values(org: OrgMonthMeasures, m: MonthMeasures) -> dict[str, Any]:
    cur = org.base_currency
    return {
        "receivables": format_amount(m.receivables, cur),
        "credit_sales": format_amount(m.credit_sales, cur),
        "dso": str(m.dso),
        "dso_capped": m.dso_capped,
        "overdue": format_amount(m.overdue, cur),
        "overdue_share": _text(m.overdue_share),
        "collected": format_amount(m.collected, cur),
        "invoices_paid": m.invoices_paid,
        "average_days_late": _text(m.average_days_late),
    }


def months_json(orgs: Sequence[OrgMonthMeasures]) -> str:
    """One JSON document (2-space indent, trailing newline)::

        {"orgs": [{"org_id", "name", "platform", "base_currency", "history_since",
                   "months": [{"month_end": "YYYY-MM-DD", "receivables": "1234.50",
                               "credit_sales", "dso": "41.3", "dso_capped": false, "overdue",
                               "overdue_share": "0.4250" | null, "collected",
                               "invoices_paid": 7, "average_days_late": "3.1" | null}]}]}
    """
    doc = {
        "orgs": [
            {
                "org_id": org.org_id,
                "name": org.name,
                "platform": org.platform,
                "base_currency": org.base_currency,
                "history_since": org.history_since.isoformat(),
                "months": [
                    {"month_end": m.month_end.isoformat(), **_month_values(org, m)}
                    for m in org.months
                ],
            }
            for org in orgs
        ]
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def months_csv(orgs: Sequence[OrgMonthMeasures]) -> str:
    """CSV, ``\\n`` line ends, a header ``org_id,org_name,base_currency,month_end,
    <MONTH_FIELDS>``, then a row per org and month; ``dso_capped`` is ``true``/``false``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["org_id", "org_name", "base_currency", "month_end", *MONTH_FIELDS])
    for org in orgs:
        for m in org.months:
            values = _month_values(org, m)
            values["dso_capped"] = "true" if m.dso_capped else "false"
            writer.writerow([org.org_id, org.name, org.base_currency, m.month_end.isoformat(),
                             *("" if values[f] is None else values[f] for f in MONTH_FIELDS)])
    return out.getvalue()


def months_tables(orgs: Sequence[OrgMonthMeasures]) -> list[Table]:
    """One table per org: a row per month with its receivables at month end, DSO (``>=`` when
    the balance outran every month counted back), the share overdue, what was collected, and
    the invoices paid with their average days late."""
    tables = []
    for org in orgs:
        cur = org.base_currency
        table = new_table(
            f"{org.name} · {org.platform} · {cur}",
            f"DSO by the count-back method; amounts in {cur}; days late: negative = early; "
            f"history since {org.history_since}",
        )
        for header in ("Month end", "Receivables", "DSO", "Overdue", "Collected", "Paid",
                       "Avg late"):
            table.add_column(header, justify="right", no_wrap=True)
        for m in org.months:
            share = (
                "" if m.overdue_share is None
                else f"{(m.overdue_share * 100).quantize(PERCENT)}%"
            )
            table.add_row(
                m.month_end.isoformat(), format_amount(m.receivables, cur, grouped=True),
                (">= " if m.dso_capped else "") + str(m.dso), share,
                format_amount(m.collected, cur, grouped=True), str(m.invoices_paid),
                _text(m.average_days_late) or "",
            )
        tables.append(table)
    return tables
