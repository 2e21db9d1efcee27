"""The ``/_sandbox/`` control endpoints, and the round trip of ``GET /_sandbox/state``."""

from __future__ import annotations

import json
from decimal import Decimal

import requests
from ar_sync_quickbooks.sandbox import load_company
from ar_sync_quickbooks.sandbox.company import company_document
from quickbooks.objects.invoice import Invoice

from tests.quickbooks_sandbox.conftest import CLIENT_ID, CLIENT_SECRET


def test_tenants_and_tokens(sandbox, control, sample_company) -> None:
    assert control("GET", "tenants") == {
        "tenants": [{"id": sample_company.realm_id, "name": "Redwood Landscaping Co."}]
    }
    tokens = control("POST", "tokens", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert tokens["realmId"] == sample_company.realm_id and tokens["token_type"] == "bearer"
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "x_refresh_token_expires_in",
        "realmId",
    }
    control("POST", "tokens", {"client_id": ""}, expect=400)
    control("POST", "tokens", {"client_id": "a", "client_secret": "b", "realmId": "1"}, expect=404)
    control("POST", "consent", {"realmId": "1"}, expect=404)
    control("GET", "state?realm=1", expect=404)
    control("GET", "nothing", expect=404)
    control("PUT", "faults", expect=405)
    control("POST", "faults", {"kind": "earthquake"}, expect=400)


def test_invoice_steering(qb, control) -> None:
    created = control(
        "POST",
        "invoices",
        {
            "CustomerRef": {"value": "2"},
            "TxnDate": "2026-11-01",
            "DueDate": "2026-11-15",
            "Line": [
                {
                    "Amount": 99.95,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                }
            ],
        },
        expect=201,
    )["Invoice"]
    invoice_id = created["Id"]
    assert created["Balance"] == 99.95
    merged = control("POST", f"invoices/{invoice_id}", {"DueDate": "2026-12-01"})["Invoice"]
    assert merged["DueDate"] == "2026-12-01" and merged["SyncToken"] == "1"
    paid = control(
        "POST",
        f"invoices/{invoice_id}/payments",
        {"amount": "9.95", "date": "2026-11-10"},
        expect=201,
    )
    assert paid["Invoice"]["Balance"] == 90.00 and paid["Payment"]["TotalAmt"] == 9.95
    assert paid["Payment"]["TxnDate"] == "2026-11-10"
    rest = control("POST", f"invoices/{invoice_id}/payments", {}, expect=201)
    assert rest["Invoice"]["Balance"] == 0 and rest["Payment"]["TotalAmt"] == 90.00
    control("POST", f"invoices/{invoice_id}/payments", {}, expect=400)  # nothing left to pay
    control("POST", f"invoices/{invoice_id}/payments", {"amount": "1.001"}, expect=400)
    voided = control("POST", "invoices/101/void")["Invoice"]
    assert voided["PrivateNote"] == "Voided" and voided["TotalAmt"] == 0
    control("DELETE", "invoices/106", expect=204)
    control("DELETE", "invoices/106", expect=404)
    control("POST", "invoices/999/void", expect=404)
    assert Invoice.get(101, qb=qb).Balance == Decimal(0)


def test_calls_are_counted_by_endpoint(qb, control) -> None:
    Invoice.get(101, qb=qb)
    Invoice.count(qb=qb)
    qb.change_data_capture("Invoice", "2026-11-20")  # may be refused: still a call
    qb.get_report("AgedReceivables", {})
    calls = control("GET", "calls")
    by = calls["by_endpoint"]
    assert by["GET invoice/{id}"] == 1 and by["POST query"] == 1
    assert by["GET cdc"] == 1 and by["GET reports/AgedReceivables"] == 1
    assert by["POST oauth2/v1/tokens/bearer"] == 1
    assert calls["log"][-1]["realm"] == qb.company_id
    control("DELETE", "calls", expect=204)
    assert control("GET", "calls")["total"] == 0


def test_state_round_trip(qb, control, sandbox, tmp_path) -> None:
    control("POST", "invoices/104/payments", {"amount": "5.50"}, expect=201)
    qb.update_object(
        "Invoice", json.dumps({"Id": "101", "SyncToken": "0", "sparse": True, "PrivateNote": "n"})
    )
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).text
    path = tmp_path / "state.json"
    path.write_text(state, encoding="utf-8")
    company = load_company(path)
    assert json.loads(state, parse_float=Decimal) == _decimal_doc(company)
    invoice = next(i for i in company.invoices if i["Id"] == "104")
    assert invoice["Balance"] == Decimal("70.00") and invoice["SyncToken"] == "1"


def _decimal_doc(company):
    from ar_sync.sandbox.jsonwire import dumps

    return json.loads(dumps(company_document(company)), parse_float=Decimal)
