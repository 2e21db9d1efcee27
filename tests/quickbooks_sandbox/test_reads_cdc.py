"""Reads by id, company settings, unknown paths, and change data capture (with tombstones,
the 1000-object cap and the 30-day limit) through python-quickbooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from ar_sync_quickbooks.sandbox.company import parse_company
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import (
    ObjectNotFoundException,
    QuickbooksException,
    UnsupportedException,
    ValidationException,
)
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment
from quickbooks.objects.preferences import Preferences

from tests.quickbooks_sandbox.conftest import connect_client


def test_reads_by_id(qb) -> None:
    invoice = Invoice.get(105, qb=qb)
    assert (invoice.CurrencyRef.value, invoice.ExchangeRate) == ("EUR", Decimal("1.0834"))
    assert invoice.HomeBalance == Decimal("1300.08") and invoice.Balance == Decimal("1200.00")
    assert Invoice.get(102, qb=qb).LinkedTxn[0].TxnType == "Payment"
    assert Customer.get(4, qb=qb).CurrencyRef.value == "EUR"
    assert Payment.get(203, qb=qb).UnappliedAmt == Decimal("25.00")
    assert CreditMemo.get(301, qb=qb).RemainingCredit == Decimal("40.00")
    info = CompanyInfo.get(qb.company_id, qb=qb)
    assert info.CompanyName == "Redwood Landscaping Co." and info.Country == "US"
    prefs = Preferences.get(qb=qb)
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"


def test_unknown_ids_and_paths(qb, connected) -> None:
    with pytest.raises(ObjectNotFoundException) as missing:
        Invoice.get(9999, qb=qb)
    assert missing.value.error_code == 610
    answer = requests.get(connected.url("invoice/9999"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["Message"] == "Object Not Found"
    with pytest.raises(ValidationException) as invalid:
        Invoice.get("1.5", qb=qb)
    assert invalid.value.error_code == 2030
    answer = requests.get(connected.url("customer/1/5"), headers=connected.bearer, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["code"] == "500"
    with pytest.raises(UnsupportedException):
        qb.get(connected.url("estimate/1"))


def _since(days: float) -> str:
    moment = datetime.now(UTC) - timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_cdc_groups_changes_and_tombstones(qb, control) -> None:
    control("POST", "invoices/104/payments", {"amount": "5.00"}, expect=201)
    control("DELETE", "invoices/106", expect=204)
    since = _since(1)
    answer = change_data_capture([Invoice, Payment, Customer], since, qb=qb)
    invoices = list(answer.Invoice)
    assert [i.Id for i in invoices] == ["104", "106"]
    assert invoices[0].Balance == Decimal("70.50")
    assert getattr(invoices[1], "status", None) == "Deleted"
    assert [p.TotalAmt for p in answer.Payment] == [Decimal("5.00")]
    assert {c.Id for c in answer.Customer} == {"2", "3"}  # both balances changed
    raw = qb.change_data_capture("Invoice,CreditMemo", since)
    groups = raw["CDCResponse"][0]["QueryResponse"]
    assert groups[1] == {} and groups[0]["startPosition"] == 1 and groups[0]["maxResults"] == 2
    tombstone = groups[0]["Invoice"][1]
    assert set(tombstone) == {"status", "domain", "Id", "MetaData"}
    assert set(tombstone["MetaData"]) == {"LastUpdatedTime"}


def test_cdc_with_a_date_and_lower_case_entities(qb) -> None:
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    raw = qb.change_data_capture("invoice", day)
    assert raw["CDCResponse"][0]["QueryResponse"] == [{}]


def test_cdc_caps_at_1000_objects(make_sandbox) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    day = now.date().isoformat()

    def stamp(minutes: int) -> str:
        return (now - timedelta(minutes=minutes)).isoformat()

    document = {
        "CompanyInfo": {"CompanyName": "Busy Books"},
        "Customer": [{"Id": "1", "DisplayName": "Busy Customer"}],
        "Invoice": [
            {
                "Id": str(10 + n),
                "TxnDate": day,
                "CustomerRef": {"value": "1"},
                "TotalAmt": Decimal("10.00"),
                "MetaData": {"CreateTime": stamp(2000 - n), "LastUpdatedTime": stamp(1200 - n)},
            }
            for n in range(1100)
        ],
        "Payment": [
            {
                "Id": "5000",
                "TxnDate": day,
                "CustomerRef": {"value": "1"},
                "TotalAmt": Decimal("1.00"),
                "MetaData": {"CreateTime": stamp(5), "LastUpdatedTime": stamp(5)},
            }
        ],
    }
    connected = connect_client(make_sandbox([parse_company(document)]))
    raw = connected.qb.change_data_capture("Invoice,Payment", _since(1))
    invoices, payments = raw["CDCResponse"][0]["QueryResponse"]
    assert len(invoices["Invoice"]) == invoices["maxResults"] == 1000 and payments == {}
    ids = [int(i["Id"]) for i in invoices["Invoice"]]
    assert ids == list(range(10, 1010))  # oldest change first; the newest 100 are cut off
    raw = connected.qb.change_data_capture("Payment,Invoice", _since(1))
    payments, invoices = raw["CDCResponse"][0]["QueryResponse"]
    assert len(payments["Payment"]) == 1 and len(invoices["Invoice"]) == 999


def test_cdc_refuses_a_window_older_than_30_days(qb) -> None:
    since = _since(31)
    with pytest.raises(UnsupportedException) as refused:
        qb.change_data_capture("Invoice", since)
    assert "older than fixed days is not supported" in refused.value.detail
    with pytest.raises(ValidationException):
        qb.change_data_capture("Nonsense", _since(1))


def test_an_inactive_customer_is_hidden_from_queries_but_not_from_cdc(qb) -> None:
    created = qb.create_object("Customer", json.dumps({"DisplayName": "Closed Shop Ltd"}))
    customer = created["Customer"]
    body = {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True}
    qb.update_object("Customer", json.dumps({**body, "Active": False}))
    assert Customer.count(qb=qb) == 4  # the sample's four; the inactive one is hidden
    assert Customer.count("Active = false", qb=qb) == 1
    (changed,) = change_data_capture([Customer], _since(1), qb=qb).Customer
    assert (changed.Id, changed.DisplayName, changed.Active) == (
        customer["Id"], "Closed Shop Ltd", False
    )


def test_a_customer_who_owes_cannot_be_made_inactive(qb) -> None:
    kathy = Customer.get(3, qb=qb)  # owes 35.50
    body = {"Id": "3", "SyncToken": kathy.SyncToken, "sparse": True, "Active": False}
    with pytest.raises(QuickbooksException) as refused:
        qb.update_object("Customer", json.dumps(body))
    assert (refused.value.error_code, refused.value.message) == (
        6000, "Delete List Has Balance Error"
    )
    assert refused.value.detail.endswith("because it has a non-zero balance")
    assert Customer.get(3, qb=qb).Active is True
