"""Writes through python-quickbooks: sparse and full updates with optimistic locking, delete
and void, payments, Attachable notes and uploads, invoice emails, ``requestid`` replays and
the write log."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.attachable import Attachable
from quickbooks.objects.base import AttachableRef, Ref
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment


def test_sparse_update_and_stale_sync_token(qb, control) -> None:
    before = Invoice.get(101, qb=qb)
    body = {
        "Id": "101",
        "SyncToken": before.SyncToken,
        "sparse": True,
        "PrivateNote": "Called 3 Nov",
    }
    updated = qb.update_object("Invoice", json.dumps(body), request_id="note-101-a")["Invoice"]
    assert updated["SyncToken"] == "1" and updated["PrivateNote"] == "Called 3 Nov"
    assert updated["MetaData"]["LastUpdatedTime"] > before.MetaData.LastUpdatedTime
    assert updated["DueDate"] == "2026-02-04" and Decimal(str(updated["Balance"])) == Decimal(
        "639.00"
    )
    with pytest.raises(QuickbooksException) as stale:
        qb.update_object("Invoice", json.dumps(body))
    error = stale.value
    assert error.error_code == 5010 and error.message == "Stale Object Error"
    assert error.detail.startswith("Stale Object Error : You and ")
    answer = requests.post(
        f"{qb.api_url}/company/{qb.company_id}/invoice",
        data=json.dumps(body),
        headers={
            "Authorization": f"Bearer {qb.session.access_token}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert answer.status_code == 400
    (fault,) = answer.json()["Fault"]["Error"]
    assert (fault["code"], fault["element"], answer.json()["Fault"]["type"]) == (
        "5010",
        "",
        "ValidationFault",
    )
    (write,) = control("GET", "writes")["writes"]
    assert (write["kind"], write["target_id"], write["requestid"], write["replay"]) == (
        "invoice_update",
        "101",
        "note-101-a",
        False,
    )


def test_full_update_of_a_read_object(qb) -> None:
    invoice = Invoice.get(104, qb=qb)
    invoice.DueDate = "2027-02-28"
    invoice.CustomerMemo = None
    saved = invoice.save(qb=qb)
    assert saved.DueDate == "2027-02-28" and saved.SyncToken == "1"
    assert saved.TotalAmt == Decimal("75.50") and saved.Balance == Decimal("75.50")


def test_unknown_property_and_missing_reference(qb) -> None:
    with pytest.raises(ValidationException) as unknown:
        qb.create_object("Invoice", json.dumps({"BadJson": True}))
    assert unknown.value.error_code == 2010
    with pytest.raises(ValidationException) as missing:
        qb.create_object(
            "Invoice", json.dumps({"CustomerRef": {"value": "1"}, "TxnDate": "2026-11-01"})
        )
    assert missing.value.error_code == 2020 and "Line" in missing.value.detail
    with pytest.raises(QuickbooksException) as duplicate:
        qb.create_object("Customer", json.dumps({"DisplayName": "Kookies by Kathy"}))
    assert duplicate.value.error_code == 6240


def test_create_invoice_then_pay_it(qb) -> None:
    created = qb.create_object(
        "Invoice",
        json.dumps(
            {
                "CustomerRef": {"value": "3"},
                "TxnDate": "2026-11-20",
                "DueDate": "2026-12-20",
                "Line": [
                    {
                        "Amount": "120.00",
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                    }
                ],
            }
        ).replace('"120.00"', "120.00"),
    )["Invoice"]
    assert (
        created["TotalAmt"] == 120.00
        and created["Balance"] == 120.00
        and created["SyncToken"] == "0"
    )
    payment = Payment()
    payment.CustomerRef = Ref()
    payment.CustomerRef.value = "3"
    payment.TotalAmt = Decimal("100.00")
    payment.TxnDate = "2026-11-21"
    payment.Line = [
        {"Amount": Decimal("100.00"), "LinkedTxn": [{"TxnId": created["Id"], "TxnType": "Invoice"}]}
    ]
    saved = payment.save(qb=qb)
    assert saved.UnappliedAmt == Decimal("0.00")
    invoice = Invoice.get(created["Id"], qb=qb)
    assert invoice.Balance == Decimal("20.00") and invoice.SyncToken == "1"
    assert [(t.TxnId, t.TxnType) for t in invoice.LinkedTxn] == [(saved.Id, "Payment")]
    assert Customer.get(3, qb=qb).Balance == Decimal("55.50")  # 75.50 + 20.00 - 40.00 credit


def test_apply_a_credit_memo_with_a_zero_payment(qb) -> None:
    body = {
        "CustomerRef": {"value": "3"},
        "TotalAmt": 0,
        "TxnDate": "2026-11-22",
        "Line": [
            {"Amount": 40, "LinkedTxn": [{"TxnId": "104", "TxnType": "Invoice"}]},
            {"Amount": 40, "LinkedTxn": [{"TxnId": "301", "TxnType": "CreditMemo"}]},
        ],
    }
    qb.create_object("Payment", json.dumps(body))
    assert Invoice.get(104, qb=qb).Balance == Decimal("35.50")
    assert CreditMemo.get(301, qb=qb).RemainingCredit == Decimal("0.00")
    with pytest.raises(QuickbooksException) as over:  # more than the balance
        qb.create_object(
            "Payment",
            json.dumps({**body, "TotalAmt": 50, "Line": [body["Line"][0] | {"Amount": 50}]}),
        )
    assert over.value.error_code == 6000


def test_delete_and_void(qb, control) -> None:
    invoice = Invoice.get(106, qb=qb)
    answer = invoice.delete(qb=qb)
    assert answer["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": "106"}
    assert Invoice.count("Id = '106'", qb=qb) == 0
    voided = Invoice.get(102, qb=qb)
    result = voided.void(qb=qb)["Invoice"]
    assert result["PrivateNote"] == "Voided" and result["TotalAmt"] == 0 and result["Balance"] == 0
    assert all(line["Amount"] == 0 for line in result["Line"])
    assert Payment.get(201, qb=qb).UnappliedAmt == Decimal("200.00")  # its payment is now credit
    pay = Payment.get(202, qb=qb)
    pay.void(qb=qb)
    assert Invoice.get(103, qb=qb).Balance == Decimal("150.00")
    kinds = [w["kind"] for w in control("GET", "writes")["writes"]]
    assert kinds == ["invoice_delete", "invoice_void", "payment_void"]
    with pytest.raises(QuickbooksException) as customer_delete:
        qb.delete_object("Customer", json.dumps({"Id": "1"}))
    assert customer_delete.value.error_code == 500


def test_a_void_puts_voided_before_the_note_the_document_had(qb) -> None:
    invoice = Invoice.get(101, qb=qb)
    body = {"Id": "101", "SyncToken": invoice.SyncToken, "sparse": True}
    qb.update_object("Invoice", json.dumps({**body, "PrivateNote": "Promised by the 15th"}))
    result = Invoice.get(101, qb=qb).void(qb=qb)["Invoice"]
    assert (result["PrivateNote"], result["TotalAmt"], result["Balance"]) == (
        "Voided - Promised by the 15th", 0, 0
    )
    payment = Payment.get(203, qb=qb)  # "Sent twice by mistake; not yet applied"
    payment.void(qb=qb)
    assert Payment.get(203, qb=qb).PrivateNote == "Voided - Sent twice by mistake; not yet applied"


def test_attachable_note(qb, control) -> None:
    note = Attachable()
    ref = AttachableRef()
    ref.EntityRef = Ref()
    ref.EntityRef.type, ref.EntityRef.value = "Invoice", "101"
    note.AttachableRef = [ref]
    note.Note = "Promised to pay by Friday"
    saved = note.save(qb=qb)
    assert saved.Id and saved.Note == "Promised to pay by Friday"
    read = Attachable.get(saved.Id, qb=qb)
    assert read.AttachableRef[0].EntityRef.value == "101"
    assert read.AttachableRef[0].IncludeOnSend is False
    (write,) = control("GET", "writes")["writes"]
    assert write["kind"] == "attachable_note" and write["note"] == "Promised to pay by Friday"
    bad = Attachable()
    bad_ref = AttachableRef()
    bad_ref.EntityRef = Ref()
    bad_ref.EntityRef.type, bad_ref.EntityRef.value = "Invoice", "999"
    bad.AttachableRef, bad.Note = [bad_ref], "x"
    with pytest.raises(QuickbooksException) as refused:
        bad.save(qb=qb)
    assert refused.value.error_code == 6000


def test_attachables_are_queried_by_the_entity_they_are_linked_to(qb) -> None:
    for entity, value, note in (
        ("Invoice", "101", "First"),
        ("Customer", "1", "On the customer"),
        ("Invoice", "101", "Second"),
    ):
        body = {"AttachableRef": [{"EntityRef": {"type": entity, "value": value}}], "Note": note}
        qb.create_object("Attachable", json.dumps(body))

    def notes(where: str) -> list[str]:
        answer = qb.query(f"select * from Attachable where {where}")["QueryResponse"]
        return [row["Note"] for row in answer.get("Attachable", [])]

    # Intuit's own sample spells the type in lower case ("Query an attachable").
    assert notes(
        "AttachableRef.EntityRef.Type = 'invoice' and AttachableRef.EntityRef.value = '101'"
    ) == ["First", "Second"]
    assert notes(
        "AttachableRef.EntityRef.Type = 'Customer' and AttachableRef.EntityRef.value = '1'"
    ) == ["On the customer"]
    assert notes("AttachableRef.EntityRef.value = '102'") == []
    with pytest.raises(ValidationException) as refused:
        qb.query("select * from Attachable where AttachableRef.IncludeOnSend = false")
    assert (refused.value.error_code, refused.value.detail) == (
        4001,
        "QueryValidationError: property 'AttachableRef.IncludeOnSend' is not queryable",
    )


def test_upload_a_file_through_python_quickbooks(qb, control) -> None:
    pdf = b"%PDF-1.4\n% statement for Amy\n%%EOF\n" + bytes(range(256))
    attachment = Attachable()
    ref = AttachableRef()
    ref.EntityRef = Ref()
    ref.EntityRef.type, ref.EntityRef.value = "Customer", "1"
    attachment.AttachableRef = [ref]
    attachment.FileName = "statement-2026-11.pdf"
    attachment.ContentType = "application/pdf"
    attachment._FileBytes = pdf
    saved = attachment.save(qb=qb)
    assert saved.Size == len(pdf) and saved.FileName == "statement-2026-11.pdf"
    assert saved.FileAccessUri == f"/v3/company/{qb.company_id}/download/{saved.Id}"
    assert requests.get(saved.TempDownloadUri, timeout=10).content == pdf
    (write,) = control("GET", "writes")["writes"]
    assert (write["kind"], write["size"], write["content_type"]) == (
        "attachable_upload",
        len(pdf),
        "application/pdf",
    )
    attachment = Attachable()
    ref.EntityRef.type, ref.EntityRef.value = "Estimate", "75"
    attachment.AttachableRef, attachment.FileName = [ref], "x.xml"
    attachment.ContentType, attachment._FileBytes = "text/xml", b"<x/>"
    answer = qb.create_object("Attachable", attachment.to_json(), _file_bytes=b"<x/>")
    (item,) = answer["AttachableResponse"]
    assert item["Fault"]["Error"][0]["code"] == "6000"
    assert "Estimate 75" in item["Fault"]["Error"][0]["Detail"]


def test_upload_with_crlf_as_recorded(connected, recorded_dir) -> None:
    raw = (recorded_dir / "upload_attachment_for_invoice.request.multipart.txt").read_bytes()
    boundary = raw.split(b"\r\n", 1)[0][2:].decode()
    body = raw.replace(b'"value":"75"', b'"value":"101"')
    answer = requests.post(
        connected.url("upload"),
        data=body,
        headers={**connected.bearer, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=10,
    )
    attachable = answer.json()["AttachableResponse"][0]["Attachable"]
    assert (attachable["FileName"], attachable["Size"], attachable["ContentType"]) == (
        "no_detail.xml",
        538,
        "text/xml",
    )


def test_send_an_invoice(qb, control) -> None:
    invoice = Invoice.get(101, qb=qb)
    sent = invoice.send(qb=qb, send_to="ap@example.com")["Invoice"]
    assert sent["EmailStatus"] == "EmailSent" and sent["BillEmail"]["Address"] == "ap@example.com"
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    (write,) = control("GET", "writes")["writes"]
    assert (write["kind"], write["recipients"]) == ("invoice_email", ["ap@example.com"])
    with pytest.raises(QuickbooksException):
        Invoice.get(103, qb=qb).send(qb=qb)  # no BillEmail and no sendTo


def test_requestid_replays_the_first_answer(qb, control) -> None:
    body = json.dumps({"DisplayName": "Doe5, Jane"})
    first = qb.create_object("Customer", body, request_id="0a9f6a6e-5c1d-4df8-bd07-7cd3c0e2b1f0")
    again = qb.create_object("Customer", body, request_id="0a9f6a6e-5c1d-4df8-bd07-7cd3c0e2b1f0")
    assert first == again
    assert Customer.count("DisplayName = 'Doe5, Jane'", qb=qb) == 1
    writes = control("GET", "writes")["writes"]
    assert [(w["kind"], w["replay"]) for w in writes] == [
        ("customer_create", False),
        ("customer_create", True),
    ]
    with pytest.raises(ValidationException):
        qb.create_object("Customer", json.dumps({"DisplayName": "Other"}), request_id="x" * 51)
