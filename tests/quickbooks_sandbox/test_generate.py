"""The seeded generator: deterministic, exact counts, and every kind of record it promises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ar_sync_quickbooks.sandbox import generate_company
from ar_sync_quickbooks.sandbox.company import company_document, parse_company

TODAY = date(2026, 11, 23)


def test_deterministic_for_a_seed() -> None:
    one = generate_company(customers=20, invoices=60, paid=30, seed=7, today=TODAY)
    two = generate_company(customers=20, invoices=60, paid=30, seed=7, today=TODAY)
    other = generate_company(customers=20, invoices=60, paid=30, seed=8, today=TODAY)
    assert company_document(one) == company_document(two)
    assert company_document(one) != company_document(other)


def test_counts_and_kinds() -> None:
    company = generate_company(customers=21, invoices=60, paid=30, seed=7, today=TODAY)
    assert len(company.customers) == 21
    open_ = [i for i in company.invoices if i["Balance"] > 0]
    voided = [i for i in company.invoices if i.get("PrivateNote", "").startswith("Voided")]
    paid = [i for i in company.invoices if i["Balance"] == 0 and i["TotalAmt"] > 0]
    assert (len(open_), len(paid), len(voided)) == (60, 30, 2)
    assert all(
        i["TotalAmt"] == 0 and all(line["Amount"] == 0 for line in i["Line"]) for i in voided
    )
    # One voided plainly, one over the note it had, as QBO writes each.
    assert [i["PrivateNote"] for i in voided] == [
        "Voided",
        f"Voided - Order {voided[1]['DocNumber']} cancelled by the customer",
    ]
    # Two inactive customers (one per ten), each still owing on open invoices.
    inactive = {c["Id"]: c["Balance"] for c in company.customers if c["Active"] is False}
    assert len(inactive) == 2 and all(balance > 0 for balance in inactive.values())
    assert {i["CustomerRef"]["value"] for i in open_} >= set(inactive)
    assert any(0 < i["Balance"] < i["TotalAmt"] for i in open_)  # part-paid through payments
    assert any(m["RemainingCredit"] > 0 for m in company.credit_memos)
    assert any(p["UnappliedAmt"] > 0 for p in company.payments)
    foreign = [c for c in company.customers if c["CurrencyRef"]["value"] != "USD"]
    assert {c["CurrencyRef"]["value"] for c in foreign} == {"EUR", "GBP", "CAD"}
    rates = [i["ExchangeRate"] for i in company.invoices if i["CurrencyRef"]["value"] != "USD"]
    assert rates and all(r.as_tuple().exponent == -4 and r > 0 for r in rates)
    overdue = sorted((TODAY - date.fromisoformat(i["DueDate"])).days for i in open_)
    assert overdue[0] <= 0 and overdue[-1] > 90
    assert all(date.fromisoformat(i["TxnDate"]) <= TODAY for i in company.invoices)
    assert all(p["TxnDate"] < TODAY.isoformat() for p in company.payments if p["Line"])
    assert all(i["MetaData"]["CreateTime"][-6:] in ("-08:00", "-07:00") for i in company.invoices)
    assert (
        company.info["DefaultTimeZone"] == "America/Los_Angeles" and company.home_currency == "USD"
    )


def test_generated_company_reloads_unchanged() -> None:
    company = generate_company(customers=8, invoices=12, paid=4, seed=3, today=TODAY)
    assert parse_company(company_document(company)) == company
    assert sum(i["Balance"] for i in company.invoices) > Decimal(0)
    assert TODAY - timedelta(days=1) < TODAY


def _stamps(company) -> list[datetime]:  # type: ignore[no-untyped-def]
    return [
        datetime.fromisoformat(record["MetaData"][name])
        for records in (company.customers, company.invoices, company.payments,
                        company.credit_memos)
        for record in records
        for name in ("CreateTime", "LastUpdatedTime")
    ]


def test_no_stamp_after_the_generation_instant_just_after_midnight_utc() -> None:
    # Yesterday's working day in Los Angeles ends at 00:59 UTC today, so a company generated
    # at 00:10 UTC would have records changed after that instant unless ``now`` caps them.
    today = date(2026, 12, 2)
    just_after_midnight = datetime(2026, 12, 2, 0, 10, tzinfo=UTC)
    size = {"customers": 30, "invoices": 300, "paid": 150, "seed": 7, "today": today}
    uncapped = generate_company(**size)
    capped = generate_company(**size, now=just_after_midnight)
    late = [stamp for stamp in _stamps(uncapped) if stamp > just_after_midnight]
    assert len(late) == 3
    assert max(_stamps(capped)) == just_after_midnight
    assert sum(stamp == just_after_midnight for stamp in _stamps(capped)) == 3
    # Later in the day nothing is capped: the company is the one generated without ``now``.
    noon = generate_company(**size, now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    assert company_document(noon) == company_document(uncapped)
