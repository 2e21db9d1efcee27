"""The QuickBooks Online writer: Attachable notes on invoices and customers, files on customers,
invoice emails.

Notes are Attachable notes rather than the invoice's ``PrivateNote``, which is the form's
statement memo and may print on customer statements (UNCONFIRMED; ../shared/notes/
quickbooks-api.md §4.1); an Attachable note stays in the company. Every write sends
``requestid`` (the notes §4.6: QuickBooks answers a repeated one with the first answer instead
of writing twice), derived from the caller's key as a UUID (``request_id``: at most 50
characters, and Intuit's advice is a UUID). How long QuickBooks remembers a ``requestid`` is
undocumented, so retries stop within a few minutes (``WRITE_RETRY``) and ``find_marker`` reads
the ledger to settle an older unknown outcome:

=====================  ==============================  =======================================
write                  call                            read back (``find_marker``)
=====================  ==============================  =======================================
invoice note           ``POST attachable`` (Note)      ``query Attachable`` by entity
customer note          ``POST attachable`` (Note)      reference (Intuit's Attachable page,
customer attachment    ``POST upload`` (multipart)     "Query an attachable": ``select Id
                                                       from attachable where AttachableRef.
                                                       EntityRef.Type = 'purchase' and
                                                       AttachableRef.EntityRef.value =
                                                       '611'``; abossenbroek/qbo-mcp
                                                       qbo-api-docs/entities/attachable.md)
invoice email          ``POST invoice/{id}/send``      none (no marker can ride along)
=====================  ==============================  =======================================

A note holds at most ``NOTE_LIMIT`` characters with its marker (``Note``: "max 2000 chars",
the same Attachable page); a longer text is refused. An attachment's marker is in its file
name. An email goes to the invoice's ``BillEmail``; QuickBooks refuses one without an address.
Refusals are ``FatalSourceError`` naming the write and carrying QuickBooks' own detail.
"""

from __future__ import annotations

import mimetypes
import uuid
from datetime import datetime
from typing import Any

from ar_sync.clock import as_utc
from ar_sync.connector import (
    CUSTOMER_ATTACHMENT,
    CUSTOMER_NOTE,
    INVOICE_EMAIL,
    INVOICE_NOTE,
    LedgerWrite,
    WriterBase,
    check_attachment,
    check_marked_kind,
    marked_file_name,
    marked_note,
    naming_refusal,
    write_marker,
)
from ar_sync.sync.retry import RetryPolicy
from ar_sync_quickbooks.client import QuickBooksClient

NOTE_LIMIT = 2000  # Attachable.Note, marker included (see the module docstring)
# The upload request may be at most 100 MB (Intuit's Attachable page, business rules) and
# python-quickbooks sends the file base64-encoded (4 bytes for 3), with a little around it.
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024 * 3 // 4 - 64 * 1024
PAGE_SIZE = 1000  # QuickBooks' MAXRESULTS ceiling
# A fixed namespace: the same key gives the same requestid on every machine and every run.
REQUEST_ID_NAMESPACE = uuid.UUID("4f0c2f5e-8a0b-5d1e-9b7a-6172d73796e3")
# As Xero's writer: no retry wait begins after 240 s (QuickBooks' requestid memory is unknown).
WRITE_RETRY = RetryPolicy(max_total=240.0)
_ENTITY = {INVOICE_NOTE: "Invoice", CUSTOMER_NOTE: "Customer", CUSTOMER_ATTACHMENT: "Customer"}


def request_id(key: str) -> str:
    """The ``requestid`` for ``key``: a UUID (36 characters) derived from it, the same for the
    same key."""
    write_marker(key)  # refuses an empty key
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, key))


def parse_instant(value: Any) -> datetime | None:
    """A QuickBooks timestamp (``2015-11-17T11:05:15-08:00``) as UTC; None when absent."""
    if not value:
        return None
    return as_utc(datetime.fromisoformat(str(value)))


def _created(kind: str, target: str, marker: str, attachable: dict[str, Any]) -> LedgerWrite:
    return LedgerWrite(
        kind=kind,
        target=target,
        marker=marker,
        ledger_id=str(attachable["Id"]) if attachable.get("Id") is not None else None,
        at=parse_instant((attachable.get("MetaData") or {}).get("CreateTime")),
    )


def _refers_to(entity: str, target: str) -> list[dict[str, Any]]:
    return [{"EntityRef": {"type": entity, "value": target}}]


def _quoted(text: str) -> str:
    """A value for a query's ``'...'`` (QuickBooks escapes a quote with a backslash)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QuickBooksWriter(WriterBase[QuickBooksClient]):
    """Writes into one QuickBooks company (realm) through a ``QuickBooksClient``."""

    note_limit = NOTE_LIMIT

    # -- notes --------------------------------------------------------------------------
    def _note(self, kind: str, target: str, text: str, key: str, what: str) -> LedgerWrite:
        note = marked_note(text, key, limit=NOTE_LIMIT, ledger="QuickBooks")
        body = {"AttachableRef": _refers_to(_ENTITY[kind], target), "Note": note}
        with naming_refusal(what):
            created = self.client.create("Attachable", body, request_id=request_id(key))
        return _created(kind, target, write_marker(key), created)

    # -- attachments --------------------------------------------------------------------
    def attach_to_customer(
        self, customer_id: str, file_name: str, content: bytes, *, key: str
    ) -> LedgerWrite:
        check_attachment(
            customer_id, file_name, content,
            max_bytes=MAX_ATTACHMENT_BYTES, refusal="QuickBooks takes uploads",
        )
        metadata = {
            "AttachableRef": _refers_to("Customer", customer_id),
            "FileName": marked_file_name(file_name, key),
            "ContentType": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
        }
        with naming_refusal(f"attach {file_name} to customer {customer_id}"):
            created = self.client.upload(metadata, content, request_id=request_id(key))
        return _created(CUSTOMER_ATTACHMENT, customer_id, write_marker(key), created)

    # -- email --------------------------------------------------------------------------
    def email_invoice(self, invoice_id: str, *, key: str) -> LedgerWrite:
        with naming_refusal(f"email invoice {invoice_id}"):
            invoice = self.client.send_invoice(invoice_id, request_id=request_id(key))
        delivery = invoice.get("DeliveryInfo") or {}
        return LedgerWrite(
            kind=INVOICE_EMAIL,
            target=invoice_id,
            marker=None,
            at=parse_instant(delivery.get("DeliveryTime")),
        )

    # -- settling -----------------------------------------------------------------------
    def invoice_emailed_at(self, invoice_id: str) -> datetime | None:
        """When QuickBooks last emailed the invoice (UTC), from its read-only
        ``DeliveryInfo.DeliveryTime`` (set by ``invoice/{id}/send``: ../shared/notes/
        quickbooks-api.md, Invoice fields; "used to confirm that email has been sent via the
        send operation", app.unpkg.com/quickbooks-api@0.11.1 delivery-info.ts); None when it
        never was. Settles an invoice email a crash left unknown (``ar_sync.push.run``)."""
        invoice = self.client.read("Invoice", invoice_id)
        delivery = invoice.get("DeliveryInfo") or {}
        return parse_instant(delivery.get("DeliveryTime"))

    def find_marker(self, kind: str, target: str, marker: str) -> LedgerWrite | None:
        check_marked_kind(kind)
        for attachable in self._attachables(_ENTITY[kind], target):
            file_name = attachable.get("FileName")
            text = file_name if kind == CUSTOMER_ATTACHMENT else attachable.get("Note")
            is_file = kind == CUSTOMER_ATTACHMENT
            if bool(file_name) == is_file and marker in str(text or ""):
                return _created(kind, target, marker, attachable)
        return None

    def _attachables(self, entity: str, target: str) -> list[dict[str, Any]]:
        """Every Attachable linked to one entity, by pages of ``PAGE_SIZE``."""
        found: list[dict[str, Any]] = []
        while True:
            page = self.client.query(
                "SELECT * FROM Attachable WHERE AttachableRef.EntityRef.Type = "
                f"{_quoted(entity)} AND AttachableRef.EntityRef.value = {_quoted(target)} "
                f"STARTPOSITION {len(found) + 1} MAXRESULTS {PAGE_SIZE}"
            )
            rows = page.get("Attachable") or []
            found.extend(rows)
            if len(rows) < PAGE_SIZE:
                return found

    def close(self) -> None:
        self.client.close()
