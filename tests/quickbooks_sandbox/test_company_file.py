"""Company files: what is filled in, and errors that name the file and the record at fault."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from ar_sync_quickbooks.sandbox import CompanyFileError, load_company
from ar_sync_quickbooks.sandbox.company import parse_company, realm_id_for

from tests.quickbooks_sandbox.conftest import SAMPLE


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "company.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _minimal(**extra: object) -> dict[str, object]:
    return {
        "CompanyInfo": {"CompanyName": "Tiny Co"},
        "Customer": [{"Id": "1", "DisplayName": "Only Customer"}],
        "Invoice": [
            {"Id": "10", "TxnDate": "2026-03-01", "CustomerRef": {"value": "1"}, "TotalAmt": 100.0}
        ],
        **extra,
    }


def test_the_sample_company() -> None:
    company = load_company(Path(str(SAMPLE)))
    assert company.realm_id == "9341453104882911" and company.home_currency == "USD"
    assert len(company.customers) == 4 and len(company.invoices) == 6
    invoice = next(i for i in company.invoices if i["Id"] == "105")
    assert invoice["HomeBalance"] == Decimal("1300.08") and invoice["HomeTotalAmt"] == Decimal(
        "1300.08"
    )
    assert company.info["DefaultTimeZone"] == "America/Los_Angeles"


def test_defaults_are_filled_in(tmp_path) -> None:
    company = load_company(_write(tmp_path, _minimal()))
    assert company.realm_id == realm_id_for("Tiny Co") and company.realm_id.isdigit()
    (invoice,) = company.invoices
    assert invoice["Balance"] == invoice["TotalAmt"] == Decimal("100.0")
    assert invoice["DueDate"] == "2026-03-01" and invoice["SyncToken"] == "0"
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert "ExchangeRate" not in invoice  # multicurrency is off
    assert invoice["MetaData"] == {
        "CreateTime": "2026-03-01T09:00:00-08:00",
        "LastUpdatedTime": "2026-03-01T09:00:00-08:00",
    }
    assert [line["DetailType"] for line in invoice["Line"]] == [
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    (customer,) = company.customers
    assert (
        customer["Balance"] == Decimal("100.0")
        and customer["FullyQualifiedName"] == "Only Customer"
    )


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        (
            {
                "Invoice": [
                    {
                        "Id": "10",
                        "TxnDate": "2026-03-01",
                        "CustomerRef": {"value": "7"},
                        "TotalAmt": 1,
                    }
                ]
            },
            "Invoice[0] (Id 10).CustomerRef.value",
            "no Customer with Id '7'",
        ),
        (
            {
                "Invoice": [
                    {
                        "Id": "10",
                        "TxnDate": "2026-13-01",
                        "CustomerRef": {"value": "1"},
                        "TotalAmt": 1,
                    }
                ]
            },
            "Invoice[0] (Id 10).TxnDate",
            "not a date",
        ),
        (
            {
                "Invoice": [
                    {
                        "Id": "10",
                        "TxnDate": "2026-03-01",
                        "CustomerRef": {"value": "1"},
                        "TotalAmt": 1,
                        "Balance": 0.5,
                    }
                ]
            },
            "Invoice[0] (Id 10).Balance",
            "derived from the payments",
        ),
        (
            {
                "Payment": [
                    {
                        "Id": "20",
                        "TxnDate": "2026-03-02",
                        "CustomerRef": {"value": "1"},
                        "TotalAmt": 150,
                        "Line": [
                            {"Amount": 150, "LinkedTxn": [{"TxnId": "10", "TxnType": "Invoice"}]}
                        ],
                    }
                ]
            },
            "Invoice[0] (Id 10).Balance",
            "more than the total",
        ),
        (
            {
                "Payment": [
                    {
                        "Id": "20",
                        "TxnDate": "2026-03-02",
                        "CustomerRef": {"value": "1"},
                        "TotalAmt": 5,
                        "Line": [
                            {"Amount": 5, "LinkedTxn": [{"TxnId": "11", "TxnType": "Invoice"}]}
                        ],
                    }
                ]
            },
            "Payment[0] (Id 20).Line[0].LinkedTxn[0].TxnId",
            "no Invoice with Id '11'",
        ),
        (
            {"Customer": [{"Id": "1", "DisplayName": "A", "CurrencyRef": {"value": "EUR"}}]},
            "Customer[0] (Id 1).CurrencyRef.value",
            "MultiCurrencyEnabled",
        ),
        (
            {"Customer": [{"Id": "1", "DisplayName": "A"}, {"Id": "1", "DisplayName": "B"}]},
            "Customer[1].Id",
            "duplicate Customer Id '1'",
        ),
        (
            {"Customer": [{"Id": "x1", "DisplayName": "A"}]},
            "Customer[0].Id",
            "positive whole number",
        ),
        (
            {"Customer": [{"Id": "1", "Nickname": "A"}]},
            "Customer[0] (Id 1).Nickname",
            "unknown property",
        ),
        (
            {"CompanyInfo": {"CompanyName": "X", "DefaultTimeZone": "Mars/Olympus"}},
            "CompanyInfo.DefaultTimeZone",
            "unknown time zone",
        ),
        ({"Estimate": []}, "Estimate", "unknown section"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, change, where, problem) -> None:
    path = _write(tmp_path, _minimal(**change))
    with pytest.raises(CompanyFileError) as refused:
        load_company(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {where}: "), message
    assert problem in message and "\n" not in message


def test_unreadable_and_malformed_files(tmp_path) -> None:
    with pytest.raises(CompanyFileError, match="cannot read"):
        load_company(tmp_path / "missing.json")
    path = tmp_path / "broken.json"
    path.write_text('{"CompanyInfo": ', encoding="utf-8")
    with pytest.raises(CompanyFileError, match=r"broken.json: line 1 column \d+"):
        load_company(path)
    with pytest.raises(CompanyFileError, match="CompanyInfo: is required"):
        load_company(_write(tmp_path, {"Customer": []}))


def test_foreign_currency_needs_a_rate(tmp_path) -> None:
    document = _minimal(
        Preferences={"CurrencyPrefs": {"MultiCurrencyEnabled": True}},
        Customer=[{"Id": "1", "DisplayName": "Gamma GmbH", "CurrencyRef": {"value": "EUR"}}],
    )
    with pytest.raises(
        CompanyFileError, match=r"Invoice\[0\] \(Id 10\)\.ExchangeRate: is required"
    ):
        load_company(_write(tmp_path, document))
    document["Invoice"][0]["ExchangeRate"] = 1.0834  # type: ignore[index]
    (invoice,) = load_company(_write(tmp_path, document)).invoices
    assert invoice["HomeTotalAmt"] == Decimal("108.34")


def _lines(*amounts: str, discount: str | None = None) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = [
        {
            "Amount": Decimal(amount),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}},
        }
        for amount in amounts
    ]
    if discount is not None:
        lines.append(
            {
                "Amount": Decimal(discount),
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": False},
            }
        )
    return lines


def _load(tmp_path: Path, document: dict[str, object]):
    """The company a file with ``document`` (amounts as exact JSON numbers) loads to."""
    return parse_company(document, source=str(tmp_path / "company.json"))


def test_a_discount_comes_off_the_total_and_tax_goes_on(tmp_path) -> None:
    company = _load(
        tmp_path,
        _minimal(
            Invoice=[
                {"Id": "10", "TxnDate": "2026-03-01", "CustomerRef": {"value": "1"},
                 "Line": _lines("100.00", "50.00", discount="15.00")},
                {"Id": "11", "TxnDate": "2026-03-02", "CustomerRef": {"value": "1"},
                 "Line": _lines("200.00", discount="20.00"),
                 "TxnTaxDetail": {"TotalTax": Decimal("14.40")}},
            ]
        ),
    )
    discounted, taxed = company.invoices
    assert (discounted["TotalAmt"], discounted["Balance"]) == (Decimal("135.00"),) * 2
    assert discounted["Line"][-1] == {
        "Amount": Decimal("150.00"), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}
    }
    assert (taxed["TotalAmt"], taxed["Balance"]) == (Decimal("194.40"),) * 2
    assert taxed["TxnTaxDetail"] == {"TotalTax": Decimal("14.40")}
    (customer,) = company.customers
    assert customer["Balance"] == Decimal("329.40")  # 135.00 + 194.40


def test_jobs_have_full_names_levels_and_parents_balances_with_jobs(tmp_path) -> None:
    document = _minimal(
        Customer=[
            {"Id": "1", "DisplayName": "Freeman Sporting Goods"},
            {"Id": "2", "DisplayName": "55 Twin Lane", "ParentRef": {"value": "1"}},
            {"Id": "3", "DisplayName": "Gate", "ParentRef": {"value": "2"}},
        ],
        Invoice=[
            {"Id": "10", "TxnDate": "2026-03-01", "CustomerRef": {"value": "1"},
             "TotalAmt": Decimal("100.00")},
            {"Id": "11", "TxnDate": "2026-03-01", "CustomerRef": {"value": "2"},
             "TotalAmt": Decimal("85.00")},
            {"Id": "12", "TxnDate": "2026-03-01", "CustomerRef": {"value": "3"},
             "TotalAmt": Decimal("10.00")},
        ],
    )
    company = _load(tmp_path, document)
    shown = {
        c["Id"]: (c["FullyQualifiedName"], c.get("Level"), c["Job"], c["Balance"],
                  c["BalanceWithJobs"])
        for c in company.customers
    }
    assert shown == {
        "1": ("Freeman Sporting Goods", None, False, Decimal("100.00"), Decimal("195.00")),
        "2": ("Freeman Sporting Goods:55 Twin Lane", 1, True, Decimal("85.00"), Decimal("95.00")),
        "3": ("Freeman Sporting Goods:55 Twin Lane:Gate", 2, True, Decimal("10.00"),
              Decimal("10.00")),
    }


def test_a_payment_to_a_job_moves_its_parents_balance_with_jobs(tmp_path, make_sandbox) -> None:
    from quickbooks.objects.customer import Customer

    from tests.quickbooks_sandbox.conftest import connect_client

    document = _minimal(
        Customer=[
            {"Id": "1", "DisplayName": "Shara Barnett"},
            {"Id": "2", "DisplayName": "Barnett Design", "ParentRef": {"value": "1"}},
        ],
        Invoice=[
            {"Id": "10", "TxnDate": "2026-03-01", "CustomerRef": {"value": "2"},
             "TotalAmt": Decimal("274.50")},
        ],
    )
    qb = connect_client(make_sandbox([_load(tmp_path, document)])).qb
    before = Customer.get(1, qb=qb)
    assert (before.Balance, before.BalanceWithJobs) == (Decimal(0), Decimal("274.50"))
    qb.create_object(
        "Payment",
        json.dumps({
            "CustomerRef": {"value": "2"}, "TxnDate": "2026-03-05", "TotalAmt": 74.5,
            "Line": [{"Amount": 74.5, "LinkedTxn": [{"TxnId": "10", "TxnType": "Invoice"}]}],
        }),
    )
    after = Customer.get(1, qb=qb)
    assert (after.Balance, after.BalanceWithJobs) == (Decimal(0), Decimal("200.00"))
    assert int(after.SyncToken) == int(before.SyncToken) + 1
    assert Customer.get(2, qb=qb).FullyQualifiedName == "Shara Barnett:Barnett Design"


@pytest.mark.parametrize(
    ("customers", "where", "problem"),
    [
        (
            [{"Id": "1", "DisplayName": "A"}, {"Id": "2", "DisplayName": "B",
                                               "ParentRef": {"value": "9"}}],
            "Customer[1] (Id 2).ParentRef.value",
            "no Customer with Id '9'",
        ),
        (
            [{"Id": "1", "DisplayName": "A", "ParentRef": {"value": "2"}},
             {"Id": "2", "DisplayName": "B", "ParentRef": {"value": "1"}}],
            "Customer[0] (Id 1).ParentRef.value",
            "cannot be its own job",
        ),
        (
            [{"Id": "1", "DisplayName": "A"},
             {"Id": "2", "DisplayName": "B", "ParentRef": {"value": "1"},
              "FullyQualifiedName": "B"}],
            "Customer[1] (Id 2).FullyQualifiedName",
            "but the jobs give 'A:B'",
        ),
        (
            [{"Id": "1", "DisplayName": "A:B"}],
            "Customer[0] (Id 1).DisplayName",
            "must not contain ':'",
        ),
    ],
)
def test_job_errors_name_the_customer(tmp_path, customers, where, problem) -> None:
    document = _minimal(Customer=customers)
    document["Invoice"][0]["CustomerRef"] = {"value": customers[0]["Id"]}  # type: ignore[index]
    path = _write(tmp_path, document)
    with pytest.raises(CompanyFileError) as refused:
        load_company(path)
    assert str(refused.value).startswith(f"{path}: {where}: ") and problem in str(refused.value)
