"""The /_sandbox/ control endpoints: state, payments, voids, edits, new invoices, faults, calls."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from ar_sync_xero.sandbox.company import parse_company
from xero_python.exceptions import HTTPStatusException

INV_0001 = "22222222-2222-4222-8222-000000000001"  # AUTHORISED, 230.00 due
INV_0003 = "22222222-2222-4222-8222-000000000003"  # part-paid
INV_0008 = "22222222-2222-4222-8222-000000000008"  # DRAFT
HARBOUR = "11111111-1111-4111-8111-000000000001"


def _control(sandbox, path: str) -> str:
    return f"{sandbox.url}/_sandbox/{path}"


def _error(response) -> tuple[int, str]:
    return response.status, json.loads(response.data)["error"]


def test_state_dump_reloads_as_the_same_company(http, sandbox, sample_company) -> None:
    text = http("GET", _control(sandbox, "state")).data
    assert parse_company(json.loads(text, parse_float=Decimal)) == sample_company


def test_payment_updates_the_invoice_and_its_stamp(http, sandbox, xero) -> None:
    paid = http.json(
        "POST",
        _control(sandbox, f"invoices/{INV_0001}/payments"),
        body={"amount": "30.00", "date": "2026-11-21"},
    )
    invoice = paid["Invoice"]
    assert (invoice["AmountPaid"], invoice["AmountDue"], invoice["Status"]) == (
        30,
        200,
        "AUTHORISED",
    )
    assert (paid["Payment"]["Amount"], paid["Payment"]["Date"]) == (
        30,
        "/Date(1795219200000+0000)/",
    )
    # The sync sees exactly the changed invoice: its stamp is later than anything in the books.
    changed = xero.api.get_invoices(
        xero.tenant, if_modified_since=datetime(2026, 11, 20, 3, 15), page=1
    )
    assert [i.invoice_number for i in changed.invoices] == ["INV-0001"]
    (synced,) = changed.invoices
    assert [(p.amount, p.date) for p in synced.payments] == [(Decimal("30.00"), date(2026, 11, 21))]
    rest = http.json(
        "POST", _control(sandbox, f"invoices/{INV_0001}/payments"), body={"date": "2026-11-22"}
    )
    assert (
        rest["Invoice"]["Status"],
        rest["Invoice"]["AmountDue"],
        rest["Invoice"]["FullyPaidOnDate"],
    ) == ("PAID", 0, "/Date(1795305600000+0000)/")
    assert rest["Payment"]["Amount"] == 200
    payments = xero.api.get_payments(
        xero.tenant, where=f'Invoice.InvoiceID==guid("{INV_0001}")'
    ).payments
    assert sorted(p.amount for p in payments) == [Decimal("30.00"), Decimal("200.00")]
    # The aged report, as of a day between the two payments, still shows the rest as due.
    (report,) = xero.api.get_report_aged_receivables_by_contact(
        xero.tenant, HARBOUR, date="2026-11-21"
    ).reports
    assert report.rows[-1].rows[0].cells[-1].value == "200.00"


def test_payments_that_xero_would_refuse(http, sandbox) -> None:
    too_much = http(
        "POST", _control(sandbox, f"invoices/{INV_0001}/payments"), body={"amount": "230.01"}
    )
    assert _error(too_much) == (400, "amount must be more than 0 and at most the AmountDue 230.00")
    draft = http("POST", _control(sandbox, f"invoices/{INV_0008}/payments"), body={})
    assert _error(draft) == (400, "only AUTHORISED invoices can be paid; this one is DRAFT")
    cents = http(
        "POST", _control(sandbox, f"invoices/{INV_0001}/payments"), body={"amount": "1.001"}
    )
    assert _error(cents) == (400, "amount: not an amount with at most 2 decimal places: '1.001'")
    unknown = http(
        "POST", _control(sandbox, "invoices/22222222-2222-4222-8222-000000000099/payments"), body={}
    )
    assert _error(unknown) == (404, "unknown invoice '22222222-2222-4222-8222-000000000099'")


def test_void(http, sandbox, xero) -> None:
    voided = http.json("POST", _control(sandbox, f"invoices/{INV_0008}/void"))["Invoice"]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0)
    (listed,) = xero.api.get_invoices(xero.tenant, i_ds=[INV_0008]).invoices
    assert listed.status == "VOIDED"
    refused = http("POST", _control(sandbox, f"invoices/{INV_0003}/void"))
    assert _error(refused) == (400, "remove its payments and credits before voiding an invoice")


def test_edit_an_invoice(http, sandbox, xero) -> None:
    edited = http.json(
        "POST",
        _control(sandbox, f"invoices/{INV_0001}"),
        body={"DueDate": "2026-10-01", "Reference": "Chased"},
    )["Invoice"]
    assert (edited["DueDate"], edited["Reference"], edited["AmountDue"]) == (
        "/Date(1790812800000+0000)/",
        "Chased",
        230,
    )
    changed = xero.api.get_invoices(xero.tenant, if_modified_since=datetime(2026, 11, 20, 3, 15))
    assert [i.invoice_number for i in changed.invoices] == ["INV-0001"]
    pinned = http.json(
        "POST",
        _control(sandbox, f"invoices/{INV_0001}"),
        body={"Reference": "Quiet edit", "UpdatedDateUTC": "2026-11-10T00:00:00"},
    )["Invoice"]
    assert pinned["UpdatedDateUTC"] == "/Date(1794268800000+0000)/"
    wrong_total = http("POST", _control(sandbox, f"invoices/{INV_0001}"), body={"Total": 1})
    assert _error(wrong_total) == (400, "Total: 1.00 does not equal SubTotal + TotalTax (230.00)")
    relined = http.json(
        "POST",
        _control(sandbox, f"invoices/{INV_0001}"),
        body={
            "LineItems": [
                {"Description": "Service", "Quantity": 1, "UnitAmount": 50.00, "TaxAmount": 7.50}
            ]
        },
    )
    assert (relined["Invoice"]["Total"], relined["Invoice"]["AmountDue"]) == (
        Decimal("57.5"),
        Decimal("57.5"),
    )


def test_create_an_invoice(http, sandbox, xero) -> None:
    body = {
        "Type": "ACCREC",
        "InvoiceNumber": "INV-0100",
        "Contact": {"ContactID": HARBOUR},
        "Date": "2026-11-22",
        "DueDate": "2026-12-22",
        "Status": "AUTHORISED",
        "LineItems": [
            {"Description": "Beans", "Quantity": 3, "UnitAmount": 20.00, "TaxAmount": 9.00}
        ],
    }
    response = http("POST", _control(sandbox, "invoices"), body=body)
    assert response.status == 201
    created = json.loads(response.data, parse_float=Decimal)["Invoice"]
    assert (created["Total"], created["AmountDue"], created["Contact"]["Name"]) == (
        Decimal("69.00"),
        Decimal("69.00"),
        "Harbour Cafe",
    )
    (listed,) = xero.api.get_invoices(xero.tenant, invoice_numbers=["INV-0100"]).invoices
    assert listed.invoice_id == created["InvoiceID"]
    unknown = http(
        "POST",
        _control(sandbox, "invoices"),
        body={**body, "Contact": {"ContactID": "11111111-1111-4111-8111-000000000099"}},
    )
    assert _error(unknown) == (
        400,
        "Contact.ContactID: unknown contact '11111111-1111-4111-8111-000000000099'",
    )
    bad_status = http("POST", _control(sandbox, "invoices"), body={**body, "Status": "ARCHIVED"})
    assert _error(bad_status) == (
        400,
        (
            "Status: unknown Status 'ARCHIVED' (expected one of DRAFT, SUBMITTED, "
            "DELETED, AUTHORISED, PAID, VOIDED)"
        ),
    )


def test_server_error_fault_then_recovery(http, sandbox, xero) -> None:
    http.json(
        "POST",
        _control(sandbox, "faults"),
        body={"kind": "server_error", "path": "Organisation", "status": 503},
    )
    with pytest.raises(HTTPStatusException) as failed:
        xero.api.get_organisations(xero.tenant)
    assert failed.value.status == 503
    assert xero.api.get_organisations(xero.tenant).organisations[0].name == "Kiwi Widgets Ltd"


def test_fault_after_and_count(http, sandbox, xero) -> None:
    http.json(
        "POST",
        _control(sandbox, "faults"),
        body={"kind": "server_error", "path": "/Invoices", "after": 2, "count": 2},
    )
    outcomes = []
    for _ in range(5):
        try:
            xero.api.get_invoices(xero.tenant)
            outcomes.append("ok")
        except HTTPStatusException as error:
            outcomes.append(error.status)
    assert outcomes == ["ok", "ok", 500, 500, "ok"]
    (fault,) = http.json("GET", _control(sandbox, "faults"))["faults"]
    assert (fault["seen"], fault["fired"]) == (2, 2)
    assert http("DELETE", _control(sandbox, "faults")).status == 204
    assert http.json("GET", _control(sandbox, "faults")) == {"faults": []}


def test_malformed_body(http, sandbox, xero, bearer) -> None:
    http.json(
        "POST",
        _control(sandbox, "faults"),
        body={"kind": "malformed", "path": "Contacts", "count": 2},
    )
    response = http("GET", f"{sandbox.api_url}/Contacts", headers=bearer)
    assert response.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.data)
    with pytest.raises(ValueError):
        xero.api.get_contacts(xero.tenant)


def test_revoke_fault(http, sandbox, xero) -> None:
    assert http.json("POST", _control(sandbox, "faults"), body={"kind": "revoke"}) == {
        "applied": "revoke"
    }
    with pytest.raises(HTTPStatusException) as refused:
        xero.api.get_organisations(xero.tenant)
    assert refused.value.status == 401
    with pytest.raises(HTTPStatusException) as refresh:
        xero.client.refresh_oauth2_token()
    assert (refresh.value.status, json.loads(refresh.value.body)) == (
        400,
        {"error": "invalid_grant"},
    )


def test_bad_fault_specs(http, sandbox) -> None:
    assert _error(http("POST", _control(sandbox, "faults"), body={"kind": "gremlins"})) == (
        400,
        (
            "kind must be one of rate_limit, server_error, slow, malformed, expire_tokens, revoke, "
            "got 'gremlins'"
        ),
    )
    assert _error(
        http("POST", _control(sandbox, "faults"), body={"kind": "slow", "seconds": -1})
    ) == (400, "seconds: invalid value -1")


def test_call_log(http, sandbox, xero) -> None:
    xero.api.get_invoices(xero.tenant, if_modified_since=datetime(2026, 11, 9), page=1)
    xero.api.get_organisations(xero.tenant)
    xero.client.refresh_oauth2_token()
    calls = http.json("GET", _control(sandbox, "calls"))
    assert calls["total"] == 3 and calls["rate_limited"] == 0
    assert calls["by_endpoint"] == {
        "GET Invoices": 1,
        "GET Organisation": 1,
        "POST connect/token": 1,
    }
    first = calls["log"][0]
    assert {
        k: first[k] for k in ("method", "path", "query", "status", "if_modified_since", "tenant")
    } == {
        "method": "GET",
        "path": "/api.xro/2.0/Invoices",
        "query": "page=1",
        "status": 200,
        "if_modified_since": "2026-11-09T00:00:00",
        "tenant": xero.tenant,
    }
    assert http("DELETE", _control(sandbox, "calls")).status == 204
    assert http.json("GET", _control(sandbox, "calls")) == {
        "total": 0,
        "by_endpoint": {},
        "rate_limited": 0,
        "log": [],
    }


def test_tenants_tokens_and_unknown_paths(http, sandbox, connect) -> None:
    assert http.json("GET", _control(sandbox, "tenants")) == {
        "tenants": [{"id": sandbox.tenant_ids[0], "name": "Kiwi Widgets Ltd"}]
    }
    token = http.json(
        "POST", _control(sandbox, "tokens"), body={"client_id": "demo", "client_secret": "s"}
    )
    xero = connect(sandbox, token, client_id="demo", client_secret="s")
    assert xero.api.get_organisations(xero.tenant).organisations[0].short_code == "!kW1dg"
    assert _error(http("GET", _control(sandbox, "nothing"))) == (
        404,
        "no control endpoint GET /_sandbox/nothing",
    )
