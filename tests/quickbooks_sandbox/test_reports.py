"""AgedReceivables and AgedReceivableDetail, checked against amounts worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ar_sync_quickbooks.sandbox import generate_company

from tests.quickbooks_sandbox.conftest import connect_client


def _cells(row):
    return [cell["value"] for cell in row["ColData"]]


def test_summary_of_the_sample_company(qb) -> None:
    report = qb.get_report(
        "AgedReceivables", {"report_date": "2026-06-30", "aging_method": "Report_Date"}
    )
    assert report["Header"]["ReportName"] == "AgedReceivables"
    assert report["Header"]["Currency"] == "USD"
    assert [c["ColTitle"] for c in report["Columns"]["Column"]] == [
        "",
        "Current",
        "1 - 30",
        "31 - 60",
        "61 - 90",
        "91 and over",
        "Total",
    ]
    rows = report["Rows"]["Row"]
    by_name = {row["ColData"][0]["value"]: row for row in rows[:-1]}
    # Amy: 101 (639.00, due 2026-02-04: 146 days) and 102 (500 - 200 paid 2026-04-15, due
    # 2026-04-09: 82 days).
    assert _cells(by_name["Amy's Bird Sanctuary"])[1:] == ["", "", "", "300.00", "639.00", "939.00"]
    assert by_name["Amy's Bird Sanctuary"]["ColData"][0]["id"] == "1"
    # Dukes: 106 (220.00, 242 days) and the unapplied payment 203 (-25.00 on 2026-06-02: 28 days).
    assert _cells(by_name["Dukes Basketball Camp"])[1:] == [
        "",
        "-25.00",
        "",
        "",
        "220.00",
        "195.00",
    ]
    # Kookies: the credit memo 301 (-40.00, 10 days); invoice 104 is dated after the report date.
    assert _cells(by_name["Kookies by Kathy"])[1:] == ["", "-40.00", "", "", "", "-40.00"]
    # Lyon: EUR 1200.00 x 1.0834 = 1300.08, due 2026-06-19: 11 days.
    assert _cells(by_name["Lyon Bistro SARL"])[1:] == ["", "1300.08", "", "", "", "1300.08"]
    grand = rows[-1]
    assert (grand["group"], grand["type"]) == ("GrandTotal", "Section")
    assert _cells(grand["Summary"]) == [
        "TOTAL",
        "0.00",
        "1235.08",
        "0.00",
        "300.00",
        "859.00",
        "2394.08",
    ]


def test_customer_filter_and_aging_method_current(qb) -> None:
    report = qb.get_report("AgedReceivables", {"report_date": "2026-06-30", "customer": "4"})
    assert [r["ColData"][0]["value"] for r in report["Rows"]["Row"][:-1]] == ["Lyon Bistro SARL"]
    current = qb.get_report(
        "AgedReceivables", {"report_date": "2026-06-30", "aging_method": "Current"}
    )
    lyon = next(r for r in current["Rows"]["Row"] if r.get("ColData", [{}])[0].get("id") == "4")
    assert _cells(lyon)[5] == "1300.08"  # aged to today (2026-11 or later): 91 and over


def test_detail_report(qb) -> None:
    report = qb.get_report("AgedReceivableDetail", {"report_date": "2026-06-30"})
    assert report["Header"]["ReportName"] == "AgedReceivableDetail"
    assert [c["ColType"] for c in report["Columns"]["Column"]] == [
        "cust_name",
        "tx_date",
        "txn_type",
        "doc_num",
        "due_date",
        "subt_amount",
        "subt_open_bal",
    ]
    sections = report["Rows"]["Row"]
    headings = [s["Header"]["ColData"][0]["value"] for s in sections[:-1]]
    assert headings == ["1 - 30 days past due", "61 - 90 days past due", "91 or more days past due"]
    overdue = sections[2]["Rows"]["Row"]
    assert [(_cells(r)[2], _cells(r)[3], _cells(r)[6]) for r in overdue] == [
        ("Invoice", "1006", "220.00"),
        ("Invoice", "1001", "639.00"),
    ]
    assert _cells(sections[-1]["Summary"])[-1] == "2394.08"


def test_generated_company_total_equals_the_open_items(make_sandbox) -> None:
    today = date.today()
    company = generate_company(customers=5, invoices=6, paid=2, seed=11, today=today)
    connected = connect_client(make_sandbox([company]))
    report = connected.qb.get_report("AgedReceivables", {"report_date": today.isoformat()})

    def home(amount, record):
        rate = record.get("ExchangeRate", Decimal(1))
        return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    expected = sum(home(i["Balance"], i) for i in company.invoices if i["Balance"] > 0)
    expected -= sum(home(m["RemainingCredit"], m) for m in company.credit_memos)
    expected -= sum(home(p["UnappliedAmt"], p) for p in company.payments if p["UnappliedAmt"] > 0)
    assert Decimal(report["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"]) == expected
    buckets = report["Rows"]["Row"][-1]["Summary"]["ColData"][1:6]
    assert all(cell["value"] != "0.00" for cell in buckets[1:])  # one open invoice per bucket
    assert today - timedelta(days=1) < date.today() + timedelta(days=1)
