"""What a person reads, rendered exactly: aging tables, the orgs listing and amounts, at 80 and 120
columns (the renderers lay themselves out for the console they are printed on), and the aging
CSV as a spreadsheet or ``csv.DictReader`` reads it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ar_sync.domain import Basis, OrgAging, OrgRow, Scheme
from ar_sync.money import format_amount
from ar_sync.views.aging import render_csv, render_org_summary, render_table
from ar_sync.views.orgs import render_org_rows
from tests.test_report import console_text, item, jp_org, nz_org, nzd_org


def northern() -> OrgAging:
    items = [
        item("b", "i1", date(2026, 11, 30), "184250.00"),  # current
        item("b", "i2", date(2026, 11, 3), "9870.45"),  # 1-30
        item("b", "i3", date(2026, 7, 1), "120000.00"),  # 91+
        item("k", "i4", date(2026, 10, 20), "3199.79"),  # 31-60
        item("k", "cn", date(2026, 11, 20), "-250.00"),  # 1-30, a credit
        item("z", "i5", date(2026, 9, 20), "56000.10"),  # 61-90
    ]
    return nzd_org(
        "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d",
        "Northern Lights Trading Ltd",
        items,
        {"b": "Bay of Islands Plumbing Ltd", "k": "Kauri Cafe", "z": "Zed"},
    )


def printed(renderables: object, width: int) -> list[str]:
    """What a terminal ``width`` columns wide shows, trailing blanks dropped."""
    return [line.rstrip() for line in console_text(renderables, width).splitlines()]


CUSTOMERS_80 = """\
          Northern Lights Trading Ltd · xero · NZD · as of 2026-11-23
Customer               current     1-30    31-60     61-90        91+      Total
────────────────────────────────────────────────────────────────────────────────
Bay of Islands      184,250.00 9,870.45     0.00      0.00 120,000.00 314,120.45
Plumbing Ltd
Kauri Cafe                0.00  -250.00 3,199.79      0.00       0.00   2,949.79
Zed                       0.00     0.00     0.00 56,000.10       0.00  56,000.10

TOTAL               184,250.00 9,620.45 3,199.79 56,000.10 120,000.00 373,070.34
                   Aged by due date, in days; amounts in NZD
""".splitlines()

CUSTOMERS_120 = """\
                 Northern Lights Trading Ltd · xero · NZD · as of 2026-11-23
Customer                        current      1-30     31-60      61-90         91+       Total
──────────────────────────────────────────────────────────────────────────────────────────────
Bay of Islands Plumbing Ltd  184,250.00  9,870.45      0.00       0.00  120,000.00  314,120.45
Kauri Cafe                         0.00   -250.00  3,199.79       0.00        0.00    2,949.79
Zed                                0.00      0.00      0.00  56,000.10        0.00   56,000.10

TOTAL                        184,250.00  9,620.45  3,199.79  56,000.10  120,000.00  373,070.34
                          Aged by due date, in days; amounts in NZD
""".splitlines()


@pytest.mark.parametrize(("width", "expected"), [(80, CUSTOMERS_80), (120, CUSTOMERS_120)])
def test_customer_table_gives_names_the_room_the_amounts_leave(width, expected) -> None:
    # At 80 columns one space between amounts keeps the longest name to two lines; at 120 every
    # name is on one line and the columns are two spaces apart. Amounts are never cut.
    tables = render_table([northern()], basis=Basis.DUE, scheme=Scheme.DAYS)
    assert printed(tables, width) == expected


SUMMARY_80 = """\
                   Aged receivables by org · as of 2026-11-23
Org                    current     1-30    31-60     61-90        91+      Total
────────────────────────────────────────────────────────────────────────────────
Northern Lights     184,250.00 9,620.45 3,199.79 56,000.10 120,000.00 373,070.34
Trading Ltd
xero · NZD
Tokyo KK                     0   50,000        0         0          0     50,000
quickbooks · JPY
         Aged by due date, in days; each row in its org's base currency
""".splitlines()

SUMMARY_120 = """\
                          Aged receivables by org · as of 2026-11-23
Org                             current      1-30     31-60      61-90         91+       Total
──────────────────────────────────────────────────────────────────────────────────────────────
Northern Lights Trading Ltd  184,250.00  9,620.45  3,199.79  56,000.10  120,000.00  373,070.34
xero · NZD
Tokyo KK                              0    50,000         0          0           0      50,000
quickbooks · JPY
                Aged by due date, in days; each row in its org's base currency
""".splitlines()


@pytest.mark.parametrize(("width", "expected"), [(80, SUMMARY_80), (120, SUMMARY_120)])
def test_org_summary_keeps_org_names_to_two_lines(width, expected) -> None:
    summary = render_org_summary([northern(), jp_org()], basis=Basis.DUE, scheme=Scheme.DAYS)
    assert printed(summary, width) == expected


ORGS = [
    OrgRow(
        org_id="xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d",
        name="Pohutukawa Coast Landscaping and Garden Supplies Limited",
        platform="xero",
        base_currency="NZD",
        timezone="Pacific/Auckland",
        sandbox=False,
        last_sync=datetime(2026, 11, 23, 4, 5, tzinfo=UTC),
        open_ar=Decimal("3199.79"),
    ),
    OrgRow(
        org_id="quickbooks:9130357766900792",
        name="Maple & Pine LLC",
        platform="quickbooks",
        base_currency="USD",
        timezone="America/New_York",
        sandbox=True,
        last_sync=None,
        open_ar=None,
    ),
]

ORGS_80 = """\
                                 Connected orgs
Org and id                                    Ledger      Last sync      Open AR
────────────────────────────────────────────────────────────────────────────────
Pohutukawa Coast Landscaping and Garden       xero        2026-11-23    3,199.79
Supplies Limited                                          04:05 UTC          NZD
xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d
Maple & Pine LLC                              quickbooks  never       not synced
quickbooks:9130357766900792                   sandbox
""".splitlines()

ORGS_120 = """\
                                       Connected orgs
Org and id                                                Ledger      Last sync      Open AR
────────────────────────────────────────────────────────────────────────────────────────────
Pohutukawa Coast Landscaping and Garden Supplies Limited  xero        2026-11-23    3,199.79
xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d                             04:05 UTC          NZD
Maple & Pine LLC                                          quickbooks  never       not synced
quickbooks:9130357766900792                               sandbox
""".splitlines()

ORGS_60 = """\
Connected orgs
Pohutukawa Coast Landscaping and Garden Supplies Limited
  id         xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d
  ledger     xero
  last sync  2026-11-23 04:05 UTC
  open AR    3,199.79 NZD
Maple & Pine LLC
  id         quickbooks:9130357766900792
  ledger     quickbooks (sandbox)
  last sync  never
  open AR    not synced
""".splitlines()


@pytest.mark.parametrize(("width", "expected"), [(80, ORGS_80), (120, ORGS_120), (60, ORGS_60)])
def test_orgs_listing_shows_every_id_whole_under_its_name(width, expected) -> None:
    # Too narrow for the table (60 columns), each org becomes a few lines of its own.
    assert printed(render_org_rows(ORGS, "table"), width) == expected


def test_orgs_listing_and_aging_write_an_amount_alike() -> None:
    kiwi = nz_org()  # its aging total is 3435.06
    row = OrgRow(org_id=kiwi.org_id, name=kiwi.name, platform="xero", base_currency="NZD",
                 timezone="Pacific/Auckland", sandbox=False, last_sync=None,
                 open_ar=kiwi.report.total)
    listing = printed(render_org_rows([row], "table"), 80)
    aging = printed(render_table([kiwi], basis=Basis.DUE, scheme=Scheme.DAYS), 80)
    assert listing[3].split()[-1] == "3,435.06"
    assert next(line for line in aging if line.startswith("TOTAL")).split()[-1] == "3,435.06"


@pytest.mark.parametrize(
    ("amount", "currency", "plain", "grouped"),
    [
        ("3199.79", "NZD", "3199.79", "3,199.79"),
        ("1234567.5", "NZD", "1234567.50", "1,234,567.50"),
        ("-1234.565", "NZD", "-1234.57", "-1,234.57"),  # half-up, away from zero
        ("-0.004", "NZD", "0.00", "0.00"),  # a negative zero is shown as zero
        ("50000", "JPY", "50000", "50,000"),  # no minor unit
        ("1234.5", "KWD", "1234.500", "1,234.500"),  # three decimals
        ("999.99", "USD", "999.99", "999.99"),
    ],
)
def test_format_amount(amount, currency, plain, grouped) -> None:
    assert format_amount(Decimal(amount), currency) == plain
    assert format_amount(Decimal(amount), currency, grouped=True) == grouped


def test_csv_customer_rows_sum_to_the_total_row_of_each_org() -> None:
    text = render_csv([northern(), nz_org(), jp_org()], basis=Basis.DUE, scheme=Scheme.DAYS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:1] == ["row"]
    assert [(row["row"], row["org_id"], row["customer_name"]) for row in rows] == [
        ("customer", "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d", "Bay of Islands Plumbing Ltd"),
        ("customer", "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d", "Kauri Cafe"),
        ("customer", "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d", "Zed"),
        ("total", "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d", ""),
        ("customer", "xero:t1", "acme"),
        ("customer", "xero:t1", "Bolt, Nuts & Co"),
        ("customer", "xero:t1", "Zed Ltd"),
        ("total", "xero:t1", ""),
        ("customer", "quickbooks:9", "k1"),
        ("total", "quickbooks:9", ""),
    ]
    columns = ["current", "1-30", "31-60", "61-90", "91+", "total"]
    totals = {row["org_id"]: [row[c] for c in columns] for row in rows if row["row"] == "total"}
    assert totals == {
        "xero:bdd640fb-0667-4ad1-9c80-317fa3b1799d": [
            "184250.00", "9620.45", "3199.79", "56000.10", "120000.00", "373070.34"
        ],
        "xero:t1": ["1000.00", "200.50", "400.00", "600.00", "1234.56", "3435.06"],
        "quickbooks:9": ["0", "50000", "0", "0", "0", "50000"],
    }
    # Filtered on row = customer, a column's sum per org is that org's total row, to the cent.
    for org_id, expected in totals.items():
        customers = [row for row in rows if row["row"] == "customer" and row["org_id"] == org_id]
        assert [str(sum(Decimal(row[c]) for row in customers)) for c in columns] == expected
