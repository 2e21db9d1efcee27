"""The sandbox's answers compared with real QBO answers recorded by minimul/qbo_api (MIT) in
``../shared/fixtures/quickbooks/recorded_json``: same envelope keys, and for the same entity
the same keys with the same JSON types, recursively (list items by position).

Differences are allowed only where listed below with a reason: ``MISSING`` are keys the
recording has that the sandbox's company lacks; ``EXTRA`` are keys the sandbox writes that the
recording lacks. Paths use ``[]`` for list items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

# Keys the recordings have that the sandbox's sample company does not: each with its reason.
MISSING = {
    "BillAddr.Lat": "QBO geocodes addresses; the sandbox does not",
    "BillAddr.Long": "QBO geocodes addresses; the sandbox does not",
    "ShipAddr": "the sample customers and invoices give no shipping address",
    "BillAddr": "only one sample customer has a billing address; invoices copy none",
    "DefaultTaxCodeRef": "the sandbox has no sales tax (no TaxCode entity)",
    "Line[].SalesItemLineDetail.TaxCodeRef": "the sandbox has no sales tax",
    "Line[].SalesItemLineDetail.UnitPrice": "the compared sample line gives no unit price",
    "Line[].SalesItemLineDetail.Qty": "the compared sample line gives no quantity",
    "CustomField": "the sample company defines no custom fields",
    "GivenName": "the compared sample customer is a company without a contact name",
    "FamilyName": "the compared sample customer is a company without a contact name",
    "PrimaryPhone": "the compared sample customer has no phone number",
    "TxnStatus": "an Estimate field (the recorded CDC answer is about Estimates)",
    "ExpirationDate": "an Estimate field (the recorded CDC answer is about Estimates)",
    "BillEmail": "an Estimate field here; sample invoices have it only when emailed",
    "LinkedTxn[]": "the recorded Estimate links an Invoice; the compared invoice has no links",
    "LinkedTxn[].TxnId": "see LinkedTxn[]",
    "LinkedTxn[].TxnType": "see LinkedTxn[]",
}
# Keys the sandbox writes that the recordings lack: each with its reason.
EXTRA = {
    "ExchangeRate": "the sample company has multicurrency on; the recorded one had it off",
    "Line[].Description": "the sample's lines carry a description (QBO writes it when given)",
    "time": "every fault the sandbox sends carries time; the recorded 2030 answer has none",
    "LinkedTxn[]": "the compared sandbox invoice is linked to its payment",
    "LinkedTxn[].TxnId": "see LinkedTxn[]",
    "LinkedTxn[].TxnType": "see LinkedTxn[]",
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _allowed(where: str, allowances: dict[str, str]) -> bool:
    """``where`` (``QueryResponse.Customer[].BillAddr.Lat``) ends with an allowed path."""
    return any(where == key or where.endswith("." + key) for key in allowances)


def differences(recorded: Any, ours: Any, path: str = "") -> list[str]:
    """Where ``ours`` differs in keys or JSON types from ``recorded`` (allowances applied)."""
    found = []
    if _kind(recorded) != _kind(ours):
        return [f"{path or '(root)'}: {_kind(recorded)} recorded, {_kind(ours)} here"]
    if isinstance(recorded, dict):
        for key in recorded.keys() - ours.keys():
            where = f"{path}.{key}".lstrip(".")
            if not _allowed(where, MISSING):
                found.append(f"{where}: recorded, missing here")
        for key in ours.keys() - recorded.keys():
            where = f"{path}.{key}".lstrip(".")
            if not _allowed(where, EXTRA):
                found.append(f"{where}: here, not recorded")
        for key in recorded.keys() & ours.keys():
            found += differences(recorded[key], ours[key], f"{path}.{key}".lstrip("."))
    elif isinstance(recorded, list):
        for index in range(min(len(recorded), len(ours))):
            found += differences(recorded[index], ours[index], f"{path}[]")
        if recorded and not ours and not _allowed(f"{path}[]", MISSING):
            found.append(f"{path}: recorded items, none here")
        if ours and not recorded and not _allowed(f"{path}[]", EXTRA):
            found.append(f"{path}: items here, none recorded")
    return found


@pytest.fixture
def recorded(recorded_dir: Path):
    def load(name: str) -> Any:
        return json.loads((recorded_dir / name).read_text(encoding="utf-8"))

    return load


def _get(connected, path: str, **params: str) -> Any:
    answer = requests.get(connected.url(path), params=params, headers=connected.bearer, timeout=10)
    return answer.status_code, answer.json()


def _post(connected, path: str, body: Any, **params: str) -> Any:
    answer = requests.post(
        connected.url(path),
        params=params,
        data=json.dumps(body),
        headers={**connected.bearer, "Content-Type": "application/json"},
        timeout=10,
    )
    return answer.status_code, answer.json()


def test_customer_query_page(connected, recorded) -> None:
    status, ours = _get(
        connected, "query", query="SELECT * FROM Customer MAXRESULTS 1000 STARTPOSITION 1"
    )
    record = recorded("customer_query_page.response.json")
    assert status == 200 and ours.keys() == record.keys()
    assert ours["QueryResponse"].keys() == record["QueryResponse"].keys()
    amy_recorded = record["QueryResponse"]["Customer"][0]
    amy = ours["QueryResponse"]["Customer"][0]
    assert differences(amy_recorded, amy) == []
    last = recorded("query_last_page_partial.response.json")
    status, page = _get(
        connected, "query", query="SELECT * FROM Customer MAXRESULTS 3 STARTPOSITION 4"
    )
    assert page["QueryResponse"].keys() - {"Customer"} == last["QueryResponse"].keys() - {"Vendor"}
    assert page["QueryResponse"]["maxResults"] == 1


def test_count_and_escaped_quote(connected, recorded) -> None:
    _, ours = _get(connected, "query", query="SELECT COUNT(*) FROM Customer")
    assert differences(recorded("customer_count_query.response.json"), ours) == []
    _, ours = _get(
        connected,
        "query",
        query="SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'",
    )
    record = recorded("customer_query_escaped_quote.response.json")
    assert differences(record, ours) == []


def test_reads(connected, recorded) -> None:
    status, ours = _get(connected, "customer/2", minorversion="75")
    assert status == 200 and differences(recorded("customer_read.response.json"), ours) == []
    status, ours = _get(connected, "invoice/106")
    assert differences(recorded("invoice_read.response.json"), ours) == []


def test_void_and_delete(connected, recorded) -> None:
    status, ours = _post(connected, "invoice", {"Id": "106", "SyncToken": "0"}, operation="void")
    assert status == 200 and differences(recorded("invoice_void.response.json"), ours) == []
    status, ours = _post(connected, "invoice", {"Id": "104", "SyncToken": "0"}, operation="delete")
    assert differences(recorded("invoice_delete.response.json"), ours) == []


def test_cdc(connected, recorded, control) -> None:
    control("POST", "invoices/104/payments", {"amount": "1.00"}, expect=201)
    from datetime import UTC, datetime, timedelta

    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    _, ours = _get(connected, "cdc", entities="Invoice", changedSince=since)
    record = recorded("cdc_estimate.response.json")
    group = record["CDCResponse"][0]["QueryResponse"][0]
    group["Invoice"] = group.pop("Estimate")
    # The envelope is compared with the recorded Estimate answer; the entity itself with the
    # recorded Invoice (a CDC answer holds the same full entities as a read).
    envelope = {**record, "CDCResponse": [{"QueryResponse": [{**group, "Invoice": []}]}]}
    (our_group,) = ours["CDCResponse"][0]["QueryResponse"]
    assert (
        differences(
            envelope, {**ours, "CDCResponse": [{"QueryResponse": [{**our_group, "Invoice": []}]}]}
        )
        == []
    )
    invoice = recorded("invoice_read.response.json")["Invoice"]
    assert differences(invoice, our_group["Invoice"][0]) == []


def test_faults(connected, recorded) -> None:
    status, ours = _get(connected, "query", query="SELECT * FROM Custmoer")
    assert status == 400 and ours == {
        **recorded("error_4001_invalid_query.response.json"),
        "time": ours["time"],
    }
    status, ours = _get(connected, "customer/1.5")
    assert (
        status == 400 and differences(recorded("error_2030_invalid_id.response.json"), ours) == []
    )
    assert (
        ours["Fault"]["Error"][0]
        == recorded("error_2030_invalid_id.response.json")["Fault"]["Error"][0]
    )
    status, ours = _get(connected, "customer/999")
    batch = recorded("batch_mixed_incl_5010_stale.response.json")["BatchItemResponse"]
    assert status == 400 and ours["Fault"] == batch[1]["Fault"]  # 610, verbatim
    stale = _post(
        connected, "invoice", {"Id": "101", "SyncToken": "7", "sparse": True, "PrivateNote": "x"}
    )
    assert stale[0] == 400 and differences(batch[2]["Fault"], stale[1]["Fault"]) == []
    status, ours = _get(connected, "customer/1/5")
    assert (
        differences(recorded("error_500_unsupported_operation_http400.response.json"), ours) == []
    )


def test_gateway_401(connected, recorded) -> None:
    answer = requests.get(
        connected.url("customer/1"), headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert answer.status_code == 401
    assert (
        differences(recorded("error_401_gateway_lowercase_fault.response.json"), answer.json())
        == []
    )


def test_requestid_create(connected, recorded) -> None:
    status, ours = _post(connected, "customer", {"DisplayName": "Doe5, Jane"}, requestid="a90bfae9")
    record = recorded("customer_create_with_requestid.response.json")
    assert status == 200 and differences(record, ours) == []


def test_upload_and_attachable_read(connected, recorded, recorded_dir) -> None:
    raw = (recorded_dir / "upload_attachment_for_invoice.request.multipart.txt").read_bytes()
    boundary = raw.split(b"\r\n", 1)[0][2:].decode()
    headers = {**connected.bearer, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    answer = requests.post(
        connected.url("upload"),
        data=raw.replace(b'"value":"75"', b'"value":"101"'),
        headers=headers,
        timeout=10,
    )
    ours = answer.json()
    assert differences(recorded("upload_attachment_for_invoice.response.json"), ours) == []
    attachable_id = ours["AttachableResponse"][0]["Attachable"]["Id"]
    _, read = _get(connected, f"attachable/{attachable_id}")
    assert differences(recorded("attachable_read.response.json"), read) == []
    error = (recorded_dir / "upload_error_in_attachableresponse.request.multipart.txt").read_bytes()
    boundary = error.split(b"\r\n", 1)[0][2:].decode()
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    answer = requests.post(connected.url("upload"), data=error, headers=headers, timeout=10)
    record = recorded("upload_error_in_attachableresponse.response.json")
    assert answer.status_code == 200 and differences(record, answer.json()) == []
    assert (
        answer.json()["AttachableResponse"][0]["Fault"]["Error"][0]["Detail"]
        == (record["AttachableResponse"][0]["Fault"]["Error"][0]["Detail"])
    )
    _, stub = _post(connected, "attachable", {"Id": attachable_id}, operation="delete")
    assert differences(recorded("attachable_delete.response.json"), stub) == []
