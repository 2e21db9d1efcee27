"""Rendering aging reports: exact JSON, exact CSV, and a rich table a person can read."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rich.console import Console

from ar_sync.aging.age import AgingItem, ItemKind, age
from ar_sync.domain import Basis, OrgAging, Scheme
from ar_sync.views.aging import common_as_of, render_csv, render_json, render_table

AS_OF = date(2026, 11, 23)


def item(customer_id: str, document_id: str, due: date, amount: str) -> AgingItem:
    """An invoice issued 30 days before it is due, or a credit (negative) dated ``due``."""
    invoice = Decimal(amount) > 0
    return AgingItem(
        customer_id=customer_id,
        document_id=document_id,
        number=document_id,
        kind=ItemKind.INVOICE if invoice else ItemKind.CREDIT,
        issue_date=due - timedelta(days=30) if invoice else due,
        due_date=due,
        currency="NZD",
        amount=Decimal(amount),
        base_amount=Decimal(amount),
    )


def nzd_org(
    org_id: str, name: str, items: list[AgingItem], customer_names: dict[str, str]
) -> OrgAging:
    """A Xero org in NZD with ``items`` aged at ``AS_OF`` (days, due date)."""
    return OrgAging(
        org_id=org_id,
        name=name,
        platform="xero",
        base_currency="NZD",
        report=age(items, as_of=AS_OF, base_currency="NZD"),
        customer_names=customer_names,
    )


def nz_org() -> OrgAging:
    items = [
        item("c-2", "i1", date(2026, 11, 30), "1000.00"),  # current
        item("c-2", "i2", date(2026, 11, 3), "250.50"),  # 1-30
        item("c-2", "cn", date(2026, 11, 10), "-50.00"),  # 1-30, a credit
        item("c-1", "i3", date(2026, 10, 23), "400.00"),  # 31-60
        item("c-1", "i4", date(2026, 8, 1), "1234.56"),  # 91+
        item("c-3", "i5", date(2026, 9, 23), "600.00"),  # 61-90
    ]
    # Sorted by name, case-insensitively: acme (c-2), "Bolt, Nuts & Co" (c-3), Zed (c-1).
    names = {"c-1": "Zed Ltd", "c-2": "acme", "c-3": "Bolt, Nuts & Co"}
    return nzd_org("xero:t1", "Kiwi Plumbing Ltd", items, names)


def jp_org(as_of: date = AS_OF) -> OrgAging:
    yen = AgingItem(
        customer_id="k1",
        document_id="j1",
        number="j1",
        kind=ItemKind.INVOICE,
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 1),
        currency="JPY",
        amount=Decimal("50000"),
        base_amount=Decimal("50000"),
    )
    return OrgAging(
        org_id="quickbooks:9",
        name="Tokyo KK",
        platform="quickbooks",
        base_currency="JPY",
        report=age([yen], as_of=as_of, base_currency="JPY"),
        customer_names={},  # unknown names are shown as the id
    )


def test_json_exact() -> None:
    text = render_json([nz_org(), jp_org()], as_of=AS_OF, basis=Basis.DUE, scheme=Scheme.DAYS)
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "as_of": "2026-11-23",
        "basis": "due",
        "scheme": "days",
        "buckets": ["current", "1-30", "31-60", "61-90", "91+"],
        "orgs": [
            {
                "org_id": "xero:t1",
                "name": "Kiwi Plumbing Ltd",
                "platform": "xero",
                "base_currency": "NZD",
                "as_of": "2026-11-23",
                "customers": [
                    {
                        "customer_id": "c-2",
                        "name": "acme",
                        "buckets": {
                            "current": "1000.00",
                            "1-30": "200.50",
                            "31-60": "0.00",
                            "61-90": "0.00",
                            "91+": "0.00",
                        },
                        "total": "1200.50",
                    },
                    {
                        "customer_id": "c-3",
                        "name": "Bolt, Nuts & Co",
                        "buckets": {
                            "current": "0.00",
                            "1-30": "0.00",
                            "31-60": "0.00",
                            "61-90": "600.00",
                            "91+": "0.00",
                        },
                        "total": "600.00",
                    },
                    {
                        "customer_id": "c-1",
                        "name": "Zed Ltd",
                        "buckets": {
                            "current": "0.00",
                            "1-30": "0.00",
                            "31-60": "400.00",
                            "61-90": "0.00",
                            "91+": "1234.56",
                        },
                        "total": "1634.56",
                    },
                ],
                "totals": {
                    "current": "1000.00",
                    "1-30": "200.50",
                    "31-60": "400.00",
                    "61-90": "600.00",
                    "91+": "1234.56",
                    "total": "3435.06",
                },
            },
            {
                "org_id": "quickbooks:9",
                "name": "Tokyo KK",
                "platform": "quickbooks",
                "base_currency": "JPY",
                "as_of": "2026-11-23",
                "customers": [
                    {
                        "customer_id": "k1",
                        "name": "k1",
                        "buckets": {
                            "current": "0",
                            "1-30": "50000",
                            "31-60": "0",
                            "61-90": "0",
                            "91+": "0",
                        },
                        "total": "50000",
                    }
                ],
                "totals": {
                    "current": "0",
                    "1-30": "50000",
                    "31-60": "0",
                    "61-90": "0",
                    "91+": "0",
                    "total": "50000",
                },
            },
        ],
    }
    # Key order is part of the format: it is what a person reads first.
    assert list(json.loads(text)) == ["as_of", "basis", "scheme", "buckets", "orgs"]


def test_json_top_level_as_of_null_when_orgs_differ() -> None:
    orgs = [nz_org(), jp_org(as_of=date(2026, 11, 22))]
    assert common_as_of(orgs) is None
    assert common_as_of([nz_org(), jp_org()]) == AS_OF
    doc = json.loads(
        render_json(orgs, as_of=common_as_of(orgs), basis=Basis.DUE, scheme=Scheme.DAYS)
    )
    assert doc["as_of"] is None
    assert [o["as_of"] for o in doc["orgs"]] == ["2026-11-23", "2026-11-22"]


def test_renderers_refuse_a_report_aged_another_way() -> None:
    with pytest.raises(ValueError, match="xero:t1 was aged by due/days, not due/months"):
        render_json([nz_org()], as_of=AS_OF, basis=Basis.DUE, scheme=Scheme.MONTHS)


def test_csv_exact() -> None:
    text = render_csv([nz_org(), jp_org()], as_of=AS_OF, basis=Basis.DUE, scheme=Scheme.DAYS)
    assert text == (
        "row,org_id,org_name,platform,base_currency,as_of,customer_id,customer_name,"
        "current,1-30,31-60,61-90,91+,total\n"
        "customer,xero:t1,Kiwi Plumbing Ltd,xero,NZD,2026-11-23,c-2,acme,"
        "1000.00,200.50,0.00,0.00,0.00,1200.50\n"
        'customer,xero:t1,Kiwi Plumbing Ltd,xero,NZD,2026-11-23,c-3,"Bolt, Nuts & Co",'
        "0.00,0.00,0.00,600.00,0.00,600.00\n"
        "customer,xero:t1,Kiwi Plumbing Ltd,xero,NZD,2026-11-23,c-1,Zed Ltd,"
        "0.00,0.00,400.00,0.00,1234.56,1634.56\n"
        "total,xero:t1,Kiwi Plumbing Ltd,xero,NZD,2026-11-23,,,"
        "1000.00,200.50,400.00,600.00,1234.56,3435.06\n"
        "customer,quickbooks:9,Tokyo KK,quickbooks,JPY,2026-11-23,k1,k1,0,50000,0,0,0,50000\n"
        "total,quickbooks:9,Tokyo KK,quickbooks,JPY,2026-11-23,,,0,50000,0,0,0,50000\n"
    )


def test_csv_months_scheme_header_and_an_org_without_customers() -> None:
    empty = OrgAging(
        org_id="xero:t2",
        name="Empty Ltd",
        platform="xero",
        base_currency="NZD",
        report=age([], as_of=AS_OF, scheme=Scheme.MONTHS, basis=Basis.INVOICE, base_currency="NZD"),
        customer_names={},
    )
    text = render_csv([empty], as_of=AS_OF, basis=Basis.INVOICE, scheme=Scheme.MONTHS)
    assert text == (
        "row,org_id,org_name,platform,base_currency,as_of,customer_id,customer_name,"
        "<1 month,1 month,2 months,3 months,older,total\n"
        "total,xero:t2,Empty Ltd,xero,NZD,2026-11-23,,,0.00,0.00,0.00,0.00,0.00,0.00\n"
    )


def console_text(renderables: object, width: int) -> str:
    """What ``renderables`` (one, or a list) print on a terminal ``width`` columns wide."""
    console = Console(file=io.StringIO(), width=width, color_system=None)
    for renderable in renderables if isinstance(renderables, list) else [renderables]:
        console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def render(orgs: list[OrgAging], width: int = 100) -> str:
    tables = render_table(orgs, as_of=AS_OF, basis=Basis.DUE, scheme=Scheme.DAYS)
    return console_text(list(tables), width)


def test_table_renders_with_exact_totals() -> None:
    out = render([nz_org(), jp_org()])
    lines = out.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert "Kiwi Plumbing Ltd · xero · NZD · as of 2026-11-23" in out
    assert "Tokyo KK · quickbooks · JPY · as of 2026-11-23" in out
    header = next(line for line in lines if "Customer" in line)
    assert header.split() == ["Customer", "current", "1-30", "31-60", "61-90", "91+", "Total"]
    totals = [line.split() for line in lines if line.strip().startswith("TOTAL")]
    assert totals == [
        ["TOTAL", "1,000.00", "200.50", "400.00", "600.00", "1,234.56", "3,435.06"],
        ["TOTAL", "0", "50,000", "0", "0", "0", "50,000"],
    ]
    # Customers in name order, amounts right-aligned under their column.
    rows = [line for line in lines if line.split()[:1] in (["acme"], ["Bolt,"], ["Zed"])]
    assert [r.split()[0] for r in rows] == ["acme", "Bolt,", "Zed"]
    acme = rows[0]
    assert acme.split()[1:] == ["1,000.00", "200.50", "0.00", "0.00", "0.00", "1,200.50"]
    assert acme.rstrip().endswith("1,200.50")
    assert header.rstrip().endswith("Total")
    assert len(acme.rstrip()) == len(header.rstrip())


def big_org(amount: str) -> OrgAging:
    items = [item(f"c{n}", f"i{n}", date(2026, 12 - n, 1), amount) for n in range(5)]
    long_name = "A Customer With A Really Quite Remarkably Long Trading Name Ltd"
    return nzd_org("xero:t3", "Big Co", items, {"c0": long_name})


def test_table_keeps_separators_and_folds_long_names_within_100_columns() -> None:
    out = render([big_org("1234567.99")])
    lines = out.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert "A Customer With" in out and "Ltd" in out  # folded, not cut
    totals = next(line for line in lines if line.startswith("TOTAL")).split()
    assert totals == ["TOTAL", *["1,234,567.99"] * 5, "6,172,839.95"]


def test_table_drops_separators_rather_than_cut_amounts() -> None:
    # Six columns of 10-digit amounts with separators would leave no room for names in 80.
    out = render([big_org("1234567.99")], width=80)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in out
    totals = next(line for line in lines if line.startswith("TOTAL")).split()
    assert totals == ["TOTAL", *["1234567.99"] * 5, "6172839.95"]


def test_net_credit_is_negative_and_negative_zero_is_shown_as_zero() -> None:
    credit_only = item("c9", "cn9", date(2026, 11, 10), "-50.00")
    # A tiny foreign credit can convert to -0.00; nobody should see "-0.00".
    negative_zero = AgingItem(
        customer_id="c8",
        document_id="cn8",
        number="cn8",
        kind=ItemKind.CREDIT,
        issue_date=AS_OF,
        due_date=AS_OF,
        currency="EUR",
        amount=Decimal("-0.001"),
        base_amount=Decimal("-0.00"),
    )
    org = nzd_org(
        "xero:t4", "Credits Ltd", [credit_only, negative_zero], {"c9": "Nine", "c8": "Eight"}
    )
    doc = json.loads(render_json([org], as_of=AS_OF, basis=Basis.DUE, scheme=Scheme.DAYS))
    customers = {c["name"]: c for c in doc["orgs"][0]["customers"]}
    assert customers["Nine"]["buckets"]["1-30"] == "-50.00"
    assert customers["Eight"]["buckets"]["current"] == "0.00"
    assert customers["Eight"]["total"] == "0.00"
    assert doc["orgs"][0]["totals"]["total"] == "-50.00"
    out = render([org])
    assert "-0.00" not in out
    totals = next(line for line in out.splitlines() if line.startswith("TOTAL")).split()
    assert totals == ["TOTAL", "0.00", "-50.00", "0.00", "0.00", "0.00", "-50.00"]
