"""Write-back channels: history notes, contact attachments, invoice email; idempotent replay."""

from __future__ import annotations

import json
import time

import pytest
from xero_python.accounting import HistoryRecord, HistoryRecords, RequestEmpty
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

INV_0001 = "22222222-2222-4222-8222-000000000001"  # Harbour Cafe, AUTHORISED
HARBOUR = "11111111-1111-4111-8111-000000000001"
NOT_EMAILABLE = (
    "Only sales invoices (ACCREC) with a status of SUBMITTED, AUTHORISED or PAID can be emailed; "
    "this one is "
)


def _notes(*texts: str) -> HistoryRecords:
    return HistoryRecords(history_records=[HistoryRecord(details=text) for text in texts])


def _writes(http, sandbox) -> list[dict]:
    return http.json("GET", f"{sandbox.url}/_sandbox/writes")["writes"]


def test_invoice_and_contact_history(http, sandbox, xero) -> None:
    created = xero.api.create_invoice_history(
        xero.tenant, INV_0001, _notes("Reminder 1 sent", "Called, promised")
    )
    assert [r.details for r in created.history_records] == ["Reminder 1 sent", "Called, promised"]
    assert created.history_records[0].date_utc.tzinfo is not None
    history = xero.api.get_invoice_history(xero.tenant, INV_0001).history_records
    assert [(h.changes, h.details) for h in history] == [
        ("Created", "INV-0001 to Harbour Cafe for 230.00."),
        ("Note", "Reminder 1 sent"),
        ("Note", "Called, promised"),
    ]
    xero.api.create_contact_history(xero.tenant, HARBOUR, _notes("Statement sent"))
    assert (
        xero.api.get_contact_history(xero.tenant, HARBOUR).history_records[-1].details
        == "Statement sent"
    )
    # POST behaves like PUT (Xero's history endpoints accept both).
    body = {"HistoryRecords": [{"Details": "Posted note"}]}
    headers = {
        "Authorization": f"Bearer {xero.token['access_token']}",
        "xero-tenant-id": xero.tenant,
    }
    response = http(
        "POST", f"{sandbox.api_url}/Invoices/{INV_0001}/History", headers=headers, body=body
    )
    assert response.status == 200
    writes = _writes(http, sandbox)
    assert [(w["kind"], w["target_id"], w["details"], w["replay"]) for w in writes] == [
        ("invoice_history", INV_0001, "Reminder 1 sent", False),
        ("invoice_history", INV_0001, "Called, promised", False),
        ("contact_history", HARBOUR, "Statement sent", False),
        ("invoice_history", INV_0001, "Posted note", False),
    ]
    assert (
        writes[0]["method"] == "PUT"
        and writes[0]["path"] == f"/api.xro/2.0/Invoices/{INV_0001}/History"
    )


def test_history_limits_and_unknown_ids(xero) -> None:
    # Xero's history page says 250 characters (a newer page 2,500): the sandbox keeps to 250.
    with pytest.raises(AccountingBadRequestException) as too_long:
        xero.api.create_invoice_history(xero.tenant, INV_0001, _notes("x" * 251))
    assert too_long.value.reason == "Details must be 250 characters or less; got 251"
    xero.api.create_invoice_history(xero.tenant, INV_0001, _notes("x" * 250))
    with pytest.raises(NotFoundException):
        xero.api.create_invoice_history(
            xero.tenant, "22222222-2222-4222-8222-000000000099", _notes("x")
        )
    with pytest.raises(NotFoundException):
        xero.api.get_contact_history(xero.tenant, "11111111-1111-4111-8111-000000000099")


def test_same_key_same_request_is_replayed_not_repeated(http, sandbox, xero, bearer) -> None:
    url = f"{sandbox.api_url}/Invoices/{INV_0001}/History"
    headers = {
        **bearer,
        "Idempotency-Key": "org:inv1:stage2:2026-11",
        "Content-Type": "application/json",
    }
    body = {"HistoryRecords": [{"Details": "Reminder 2"}]}
    first, second = (http("PUT", url, headers=headers, body=body) for _ in range(2))
    assert first.status == second.status == 200
    assert first.data == second.data  # the same bytes, envelope Id and DateUTC included
    notes = [h.details for h in xero.api.get_invoice_history(xero.tenant, INV_0001).history_records]
    assert notes.count("Reminder 2") == 1
    assert [(w["idempotency_key"], w["replay"]) for w in _writes(http, sandbox)] == [
        ("org:inv1:stage2:2026-11", False),
        ("org:inv1:stage2:2026-11", True),
    ]
    # The SDK sends the header too.
    for _ in range(2):
        xero.api.create_invoice_history(
            xero.tenant, INV_0001, _notes("Reminder 3"), idempotency_key="sdk-key"
        )
    notes = [h.details for h in xero.api.get_invoice_history(xero.tenant, INV_0001).history_records]
    assert notes.count("Reminder 3") == 1


def test_same_key_different_request_is_refused(xero) -> None:
    xero.api.create_invoice_history(xero.tenant, INV_0001, _notes("A"), idempotency_key="KEY_VALUE")
    with pytest.raises(AccountingBadRequestException) as refused:
        xero.api.create_invoice_history(
            xero.tenant, INV_0001, _notes("B"), idempotency_key="KEY_VALUE"
        )
    assert refused.value.reason == "Idempotency Key: KEY_VALUE is used with a different request."
    with pytest.raises(AccountingBadRequestException) as too_long:
        xero.api.create_invoice_history(
            xero.tenant, INV_0001, _notes("C"), idempotency_key="k" * 129
        )
    assert too_long.value.reason == "Idempotency Key: must be 128 characters or less."


def test_keys_expire(make_sandbox, connect) -> None:
    xero = connect(make_sandbox(idempotency_ttl=0.5))
    xero.api.create_invoice_history(
        xero.tenant, INV_0001, _notes("Again"), idempotency_key="short-lived"
    )
    time.sleep(0.6)
    xero.api.create_invoice_history(
        xero.tenant, INV_0001, _notes("Again"), idempotency_key="short-lived"
    )
    notes = [h.details for h in xero.api.get_invoice_history(xero.tenant, INV_0001).history_records]
    assert notes.count("Again") == 2


def test_contact_attachment_put_and_overwrite(http, sandbox, xero) -> None:
    created = xero.api.create_contact_attachment_by_file_name(
        xero.tenant,
        HARBOUR,
        "Statement 2026-11.pdf",
        b"%PDF-1.4 first",
        idempotency_key="statement-1",
    )
    (attachment,) = created.attachments
    assert (attachment.file_name, attachment.mime_type, attachment.content_length) == (
        "Statement 2026-11.pdf",
        "application/pdf",
        14,
    )
    assert (
        attachment.url
        == f"{sandbox.api_url}/Contacts/{HARBOUR}/Attachments/Statement%202026-11.pdf"
    )
    replaced = xero.api.update_contact_attachment_by_file_name(
        xero.tenant, HARBOUR, "Statement 2026-11.pdf", b"%PDF-1.4 second version"
    )
    assert replaced.attachments[0].attachment_id == attachment.attachment_id
    (listed,) = xero.api.get_contact_attachments(xero.tenant, HARBOUR).attachments
    assert listed.content_length == 23
    headers = {
        "Authorization": f"Bearer {xero.token['access_token']}",
        "xero-tenant-id": xero.tenant,
    }
    raw = http("GET", attachment.url, headers=headers)
    assert (raw.data, raw.headers["Content-Type"]) == (
        b"%PDF-1.4 second version",
        "application/pdf",
    )
    (contact,) = xero.api.get_contacts(xero.tenant, i_ds=[HARBOUR], page=1).contacts
    assert contact.has_attachments is True
    assert [
        (w["kind"], w["file_name"], w["size"], w["idempotency_key"]) for w in _writes(http, sandbox)
    ] == [
        ("contact_attachment", "Statement 2026-11.pdf", 14, "statement-1"),
        ("contact_attachment", "Statement 2026-11.pdf", 23, None),
    ]


def test_email_invoice(http, sandbox, xero) -> None:
    before = xero.api.get_invoice(xero.tenant, INV_0001).invoices[0]
    assert xero.api.email_invoice(xero.tenant, INV_0001, RequestEmpty()) is None  # 204
    after = xero.api.get_invoice(xero.tenant, INV_0001).invoices[0]
    assert (before.sent_to_contact, after.sent_to_contact) == (False, True)
    assert after.updated_date_utc == before.updated_date_utc  # no journal, no new stamp
    (write,) = _writes(http, sandbox)
    assert (write["kind"], write["target_id"], write["recipients"]) == (
        "invoice_email",
        INV_0001,
        ["accounts@harbourcafe.example.nz"],
    )


@pytest.mark.parametrize(
    ("invoice_id", "reason"),
    [
        (
            "22222222-2222-4222-8222-000000000008",
            f"{NOT_EMAILABLE}ACCREC DRAFT",
        ),
        (
            "22222222-2222-4222-8222-000000000013",
            f"{NOT_EMAILABLE}ACCPAY AUTHORISED",
        ),
        (
            "22222222-2222-4222-8222-000000000005",
            "The contact Kea Design Studio has no email address",
        ),
    ],
)
def test_email_refused(xero, invoice_id: str, reason: str) -> None:
    with pytest.raises(AccountingBadRequestException) as refused:
        xero.api.email_invoice(xero.tenant, invoice_id, RequestEmpty())
    assert refused.value.reason == reason


def test_email_reaches_contact_persons_marked_for_emails(http, sandbox, xero) -> None:
    xero.api.email_invoice(
        xero.tenant, "22222222-2222-4222-8222-000000000009", RequestEmpty()
    )  # SUBMITTED
    (write,) = _writes(http, sandbox)
    assert write["recipients"] == ["office@moanasurf.example.nz", "tama@moanasurf.example.nz"]
    history = xero.api.get_invoice_history(
        xero.tenant, "22222222-2222-4222-8222-000000000009"
    ).history_records
    assert (history[-1].changes, history[-1].details) == (
        "Sent",
        "This invoice was sent to office@moanasurf.example.nz, tama@moanasurf.example.nz",
    )


def test_writes_are_per_tenant(http, sandbox) -> None:
    other = http(
        "GET", f"{sandbox.url}/_sandbox/writes?tenant=00000000-0000-4000-8000-000000000000"
    )
    assert (other.status, json.loads(other.data)) == (
        404,
        {"error": "unknown tenant '00000000-0000-4000-8000-000000000000'"},
    )
