"""The Xero writer: history notes on invoices and contacts, files on contacts, invoice emails.

Every write sends the caller's key as Xero's ``Idempotency-Key`` header (at most 128
characters; a longer key is sent as its SHA-256), which Xero remembers for about 6 minutes:
a repeat within that window replays the first answer, later it is a new write
(developer.xero.com/documentation/guides/idempotent-requests/idempotency, quoted in
../shared/notes/xero-api.md §5). So retries of a write stop well inside the window
(``WRITE_RETRY``), and beyond it ``find_marker`` reads the ledger:

=====================  =====================================  =================================
write                  call                                   read back (``find_marker``)
=====================  =====================================  =================================
invoice note           ``PUT Invoices/{id}/History``          ``GET Invoices/{id}/History``
customer note          ``PUT Contacts/{id}/History``          ``GET Contacts/{id}/History``
customer attachment    ``PUT Contacts/{id}/Attachments/{n}``  ``GET Contacts/{id}/Attachments``
invoice email          ``POST Invoices/{id}/Email`` (204)     none (no marker can ride along)
=====================  =====================================  =================================

Notes: at most ``NOTE_LIMIT`` characters with the marker; a longer text is refused
(``ar_sync.connector.marked_note``). Xero's pages disagree on the limit (the history page of
developer.xero.com/documentation/api/history-and-notes says "Max Length 250 characters", the
newer accounting page 2,500; the notes §4): the writer keeps to the smaller. A note's time is
its ``DateUTC``; Xero gives a note no id. Attachments: the marker goes into the file name;
at most ``MAX_ATTACHMENT_BYTES``. An invoice email is refused (400) for a draft, a bill or a
contact without an email address, and once the organisation's daily email limit is spent;
each refusal is a ``FatalSourceError`` naming the invoice and carrying Xero's reason.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from xero_python.accounting import HistoryRecord, HistoryRecords, RequestEmpty

from ar_sync.clock import as_utc
from ar_sync.connector import (
    CUSTOMER_ATTACHMENT,
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
from ar_sync_xero.client import XeroClient

NOTE_LIMIT = 250  # characters, marker included (see the module docstring)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # the smaller of Xero's documented limits (notes §4)
MAX_KEY_LENGTH = 128  # Idempotency-Key (notes §5)
# A retried write must reach Xero while it still remembers the key (6 minutes): no wait begins
# after 240 s, and one more attempt is bounded by the read timeout (60 s by default).
WRITE_RETRY = RetryPolicy(max_total=240.0)


def idempotency_key(key: str) -> str:
    """The ``Idempotency-Key`` for ``key``: itself when it fits Xero's 128 characters, else its
    SHA-256 in hex (64 characters), so the same key always sends the same header."""
    write_marker(key)  # refuses an empty key
    return key if len(key) <= MAX_KEY_LENGTH else hashlib.sha256(key.encode()).hexdigest()


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


class XeroWriter(WriterBase[XeroClient]):
    """Writes into one Xero organisation (tenant) through a ``XeroClient``."""

    note_limit = NOTE_LIMIT

    def _call(self, endpoint: str, fn: Any) -> Any:
        return self.client.call(endpoint, fn, tenant_id=self.org.tenant_id)

    # -- notes --------------------------------------------------------------------------
    def _note(self, kind: str, target: str, text: str, key: str, what: str) -> LedgerWrite:
        note = marked_note(text, key, limit=NOTE_LIMIT, ledger="Xero")
        records = HistoryRecords(history_records=[HistoryRecord(details=note)])
        api, tenant = self.client.accounting, self.org.tenant_id
        if kind == INVOICE_NOTE:
            endpoint, create = "PUT Invoices/{id}/History", api.create_invoice_history
        else:
            endpoint, create = "PUT Contacts/{id}/History", api.create_contact_history
        with naming_refusal(what):
            answer = self._call(
                endpoint,
                lambda: create(tenant, target, records, idempotency_key=idempotency_key(key)),
            )
        created = (answer.history_records or [None])[0]
        return LedgerWrite(
            kind=kind,
            target=target,
            marker=write_marker(key),
            at=_utc(getattr(created, "date_utc", None)),
        )

    # -- attachments --------------------------------------------------------------------
    def attach_to_customer(
        self, customer_id: str, file_name: str, content: bytes, *, key: str
    ) -> LedgerWrite:
        check_attachment(
            customer_id, file_name, content,
            max_bytes=MAX_ATTACHMENT_BYTES, refusal="Xero takes attachments",
        )
        name = marked_file_name(file_name, key)
        tenant = self.org.tenant_id
        with naming_refusal(f"attach {file_name} to customer {customer_id}"):
            answer = self._call(
                "PUT Contacts/{id}/Attachments/{FileName}",
                lambda: self.client.accounting.create_contact_attachment_by_file_name(
                    tenant, customer_id, name, content, idempotency_key=idempotency_key(key)
                ),
            )
        attachment = (answer.attachments or [None])[0]
        return LedgerWrite(
            kind=CUSTOMER_ATTACHMENT,
            target=customer_id,
            marker=write_marker(key),
            ledger_id=_text(getattr(attachment, "attachment_id", None)),
        )

    # -- email --------------------------------------------------------------------------
    def email_invoice(self, invoice_id: str, *, key: str) -> LedgerWrite:
        tenant = self.org.tenant_id
        with naming_refusal(f"email invoice {invoice_id}"):
            self._call(
                "POST Invoices/{id}/Email",
                lambda: self.client.accounting.email_invoice(
                    tenant, invoice_id, RequestEmpty(), idempotency_key=idempotency_key(key)
                ),
            )
        return LedgerWrite(kind=INVOICE_EMAIL, target=invoice_id, marker=None)

    # -- settling -----------------------------------------------------------------------
    def find_marker(self, kind: str, target: str, marker: str) -> LedgerWrite | None:
        check_marked_kind(kind)
        api, tenant = self.client.accounting, self.org.tenant_id
        if kind == CUSTOMER_ATTACHMENT:
            files = self._call(
                "GET Contacts/{id}/Attachments",
                lambda: api.get_contact_attachments(tenant, target),
            )
            for attachment in files.attachments or ():
                if marker in (attachment.file_name or ""):
                    return LedgerWrite(
                        kind=kind,
                        target=target,
                        marker=marker,
                        ledger_id=_text(attachment.attachment_id),
                    )
            return None
        if kind == INVOICE_NOTE:
            endpoint, read = "GET Invoices/{id}/History", api.get_invoice_history
        else:
            endpoint, read = "GET Contacts/{id}/History", api.get_contact_history
        history = self._call(endpoint, lambda: read(tenant, target))
        for record in history.history_records or ():
            if record.changes == "Note" and marker in (record.details or ""):
                return LedgerWrite(
                    kind=kind, target=target, marker=marker, at=_utc(record.date_utc)
                )
        return None

    def close(self) -> None:
        pass


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
