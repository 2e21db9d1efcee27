"""The query endpoint through python-quickbooks (POST, application/text) and plain GET."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
import requests
from ar_sync_quickbooks.sandbox import generate_company
from quickbooks.exceptions import ValidationException
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment

from tests.quickbooks_sandbox.conftest import connect_client

TODAY = date(2026, 11, 23)


@pytest.fixture
def big(make_sandbox):
    """A generated company with 23 open invoices (and paid, voided ones) around them."""
    company = generate_company(customers=9, invoices=23, paid=6, seed=5, today=TODAY)
    return connect_client(make_sandbox([company]))


def _page(qb, text):
    return qb.query(text)["QueryResponse"]


def test_paging_with_order_by_and_a_short_last_page(big) -> None:
    qb = big.qb
    total = Invoice.count("Balance > '0'", qb=qb)
    assert total == 23
    seen, start = [], 1
    while True:
        page = Invoice.where(
            "Balance > '0'",
            order_by="DueDate DESC, Id",
            start_position=start,
            max_results=10,
            qb=qb,
        )
        seen += page
        if len(page) < 10:
            break
        start += 10
    assert [len(seen), start] == [23, 21]
    dues = [i.DueDate for i in seen]
    assert dues == sorted(dues, reverse=True)
    assert len({i.Id for i in seen}) == 23
    last = _page(
        qb, "SELECT * FROM Invoice WHERE Balance > '0' ORDER BY Id STARTPOSITION 21 MAXRESULTS 10"
    )
    assert (last["startPosition"], last["maxResults"], len(last["Invoice"])) == (21, 3, 3)
    ids = [int(i["Id"]) for i in last["Invoice"]]
    assert ids == sorted(ids)
    assert (
        _page(qb, "SELECT * FROM Invoice WHERE Balance > '0' STARTPOSITION 24 MAXRESULTS 10") == {}
    )


def test_all_uses_order_by_and_maxresults_in_either_order(big) -> None:
    by_all = Customer.all(order_by="DisplayName", max_results=1000, qb=big.qb)
    assert [c.DisplayName for c in by_all] == sorted(c.DisplayName for c in by_all)
    first = _page(big.qb, "select * from Customer MAXRESULTS 2 STARTPOSITION 1")
    assert first["maxResults"] == 2 and first["startPosition"] == 1
    # Nine customers, one inactive (hidden unless asked for); the default page is 100.
    assert _page(big.qb, "SELECT * FROM Customer")["maxResults"] == 8
    assert _page(big.qb, "SELECT * FROM Customer WHERE Active IN (true, false)")["maxResults"] == 9


def test_count_and_filters(qb) -> None:
    assert Customer.count(qb=qb) == 4
    assert Invoice.count("CustomerRef = '2'", qb=qb) == 2
    assert Invoice.count("Balance = '0'", qb=qb) == 1
    assert Invoice.count("TotalAmt > 200 AND TotalAmt <= '639.00'", qb=qb) == 3
    assert Payment.count("CustomerRef = '2'", qb=qb) == 2
    assert CreditMemo.count("Balance > '0'", qb=qb) == 1
    assert Invoice.count("DueDate < '2026-01-01'", qb=qb) == 1
    assert qb.query("SELECT COUNT(*) FROM Invoice WHERE Id = '999'")["QueryResponse"] == {
        "totalCount": 0
    }


def test_escaped_quotes_like_and_in(qb) -> None:
    (amy,) = Customer.filter(DisplayName="Amy's Bird Sanctuary", qb=qb)
    assert amy.Id == "1" and amy.Balance == Decimal("939.00")
    assert [c.Id for c in Customer.where("DisplayName LIKE '%bird%'", qb=qb)] == ["1"]
    assert [c.Id for c in Customer.where("DisplayName LIKE 'K%'", qb=qb)] == ["3"]
    assert [c.Id for c in Customer.choose(["2", "4"], qb=qb)] == ["2", "4"]
    assert [i.Id for i in Invoice.where("Id IN ('101', '103', '999')", qb=qb)] == ["101", "103"]


def test_timestamps_compare_as_instants(qb) -> None:
    # Invoice 101 was created 2026-01-05T09:00:00-08:00 = 17:00 UTC.
    assert [i.Id for i in Invoice.where("MetaData.CreateTime = '2026-01-05T17:00:00Z'", qb=qb)] == [
        "101"
    ]
    assert "101" in [
        i.Id for i in Invoice.where("Metadata.LastUpdatedTime >= '2026-01-05T09:00:00-0800'", qb=qb)
    ]
    assert "101" not in [
        i.Id for i in Invoice.where("Metadata.LastUpdatedTime > '2026-01-05T09:00:00-08:00'", qb=qb)
    ]
    rows = _page(qb, "SELECT * FROM Invoice ORDERBY Metadata.LastUpdatedTime DESC MAXRESULTS 2")[
        "Invoice"
    ]
    assert [r["Id"] for r in rows] == ["104", "105"]


def test_get_with_query_parameter(connected) -> None:
    answer = requests.get(
        connected.url("query"),
        params={
            "query": "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'",
            "minorversion": "8",
        },
        headers=connected.bearer,
        timeout=10,
    )
    assert answer.status_code == 200 and answer.headers["intuit_tid"]
    body = answer.json()
    assert [c["Id"] for c in body["QueryResponse"]["Customer"]] == ["1"]
    assert set(body) == {"QueryResponse", "time"}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("SELECT * FROM Custmoer", "QueryValidationError: invalid context declaration: Custmoer"),
        ("SELECT * FROM customer", "QueryValidationError: invalid context declaration: customer"),
        ("SELECT * FROM Invoice WHERE Balance > '0' OR Id = '1'", "QueryParserError"),
        ("SELECT * FROM Invoice WHERE Nonsense = '1'", "property 'Nonsense' is not queryable"),
        ("SELECT * FROM Invoice MAXRESULTS 1001", "Max allowed value is 1000"),
        ("SELECT Id FROM Invoice", "QueryParserError"),
        ("SELECT * FROM Invoice WHERE", "QueryParserError"),
        ("DELETE FROM Invoice", "QueryParserError"),
    ],
)
def test_unsupported_queries_get_the_4001_fault(qb, connected, text, detail) -> None:
    with pytest.raises(ValidationException) as refused:
        qb.query(text)
    assert refused.value.error_code == 4001 and detail in refused.value.detail
    answer = requests.get(
        connected.url("query"), params={"query": text}, headers=connected.bearer, timeout=10
    )
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"Fault", "time"} and body["Fault"]["type"] == "ValidationFault"
    assert body["Fault"]["Error"][0]["Message"] == "Invalid query"


def test_only_properties_with_a_value_are_emitted(qb) -> None:
    (row,) = _page(qb, "SELECT * FROM Payment WHERE Id = '203'")["Payment"]
    assert "PaymentRefNum" not in row and row["Line"] == []
    assert all(value is not None for value in row.values())


@pytest.mark.parametrize(
    ("text", "prop"),
    [
        # ruckus/quickbooks-ruby#258: QBO refuses this filter; the connector must not send it.
        ("SELECT * FROM Payment WHERE UnappliedAmt > '0'", "UnappliedAmt"),
        # Finance.xsd marks RemainingCredit neither filterable nor sortable.
        ("SELECT * FROM CreditMemo WHERE RemainingCredit > '0'", "RemainingCredit"),
    ],
)
def test_a_filter_qbo_cannot_run_gets_its_exact_4001(qb, connected, recorded_dir, text, prop):
    answer = requests.get(
        connected.url("query"), params={"query": text}, headers=connected.bearer, timeout=10
    )
    assert answer.status_code == 400
    body = answer.json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00", body["time"])
    assert body == {
        "Fault": {
            "Error": [
                {
                    "Message": "Invalid query",
                    "Detail": f"QueryValidationError: property '{prop}' is not queryable",
                    "code": "4001",
                }
            ],
            "type": "ValidationFault",
        },
        "time": body["time"],
    }
    # The envelope is the recorded one's, key for key.
    real = json.loads((recorded_dir / "error_4001_invalid_query.response.json").read_text())
    assert list(body) == list(real) and list(body["Fault"]["Error"][0]) == list(
        real["Fault"]["Error"][0]
    )
    with pytest.raises(ValidationException) as refused:
        qb.query(text)
    assert refused.value.error_code == 4001


def test_orderby_takes_only_sortable_properties(connected) -> None:
    text = "SELECT * FROM Invoice ORDERBY CustomerRef"
    answer = requests.get(
        connected.url("query"), params={"query": text}, headers=connected.bearer, timeout=10
    )
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0] == {
        "Message": "Invalid query",
        "Detail": "QueryValidationError: property 'CustomerRef' is not sortable",
        "code": "4001",
    }


def test_customer_queries_hide_inactive_customers_unless_asked(big) -> None:
    qb = big.qb
    everyone = _page(qb, "SELECT * FROM Customer WHERE Active IN (true, false) MAXRESULTS 100")
    (hidden,) = [c for c in everyone["Customer"] if c["Active"] is False]
    assert (hidden["Id"], hidden["DisplayName"], hidden["Balance"]) == (
        "3", "Summit Bakery", Decimal("4405.33")
    )
    shown = [c["Id"] for c in _page(qb, "SELECT * FROM Customer")["Customer"]]
    assert len(shown) == 8 and "3" not in shown
    assert Customer.count(qb=qb) == 8
    # The implied Active = true rides along with any other condition, a timestamp too.
    since = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2000-01-01'"
    assert "3" not in [c["Id"] for c in _page(qb, since)["Customer"]]
    inactive = _page(qb, "SELECT * FROM Customer WHERE Active = false")["Customer"]
    assert [c["Id"] for c in inactive] == ["3"]
    # Reading by id and its open invoices hide nothing.
    assert Customer.get(3, qb=qb).Active is False
    assert Invoice.count("CustomerRef = '3' AND Balance > '0'", qb=qb) == 2
