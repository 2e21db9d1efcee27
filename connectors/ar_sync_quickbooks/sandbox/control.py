"""QuickBooks Online's own ``/_sandbox/`` endpoints (not QBO's API): steer a realm's books.

The endpoints every sandbox has (``tenants``, ``tokens``, ``state``, ``writes``, ``faults``,
``calls``) are ``ar_sync.sandbox.control``; ``?realm=<id>`` picks a company (default: the first
loaded). ``GET /_sandbox/tenants`` lists ``{"id": realmId, "name"}``; ``POST /_sandbox/tokens``
takes ``{"client_id", "client_secret", "realmId"?}`` and answers the token set plus
``realmId``; the write log's entries are ``{time, realm, method, path, query, kind, target_id,
..., requestid, replay}``; a ``rate_limit`` fault's ``problem`` is ``minute`` or
``concurrent``. Errors are ``{"error": "..."}`` with 400 (bad input, or ``<code> <message>:
<detail>`` of a change QBO refuses), 404 (unknown realm or record) or 405.

=========================================  ====================================================
``POST /_sandbox/consent``                 ``{"realmId"}``: the realm the next authorizations
                                           connect -> ``{"realmId"}``
``POST /_sandbox/invoices``                create an invoice (QBO Invoice shape) ->
                                           201 ``{"Invoice"}``
``POST /_sandbox/invoices/{id}``           merge fields (no SyncToken needed) ->
                                           ``{"Invoice"}`` (SyncToken and LastUpdatedTime move)
``POST /_sandbox/invoices/{id}/void``      -> ``{"Invoice"}``
``DELETE /_sandbox/invoices/{id}``         delete (a CDC tombstone) -> 204
``POST .../invoices/{id}/payments``        ``{"amount"?: "10.00", "date"?: "YYYY-MM-DD"}`` ->
                                           201 ``{"Payment", "Invoice"}`` (default: the whole
                                           balance, today in the company time zone)
``GET /_sandbox/attachments/{id}``         an uploaded file's bytes (``TempDownloadUri``)
=========================================  ====================================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from ar_sync.sandbox.control import (
    BadInput,
    Missing,
    books_handler,
    guarded,
    json_body,
    parse_amount,
    parse_day,
)
from ar_sync.sandbox.reply import Reply, empty, json_reply
from ar_sync_quickbooks.sandbox import wire
from ar_sync_quickbooks.sandbox.books import RealmBooks
from ar_sync_quickbooks.sandbox.entities import ENTITIES, ordered

if TYPE_CHECKING:
    from ar_sync.sandbox.pipeline import SandboxApp


def _invoice(record: dict[str, object]) -> dict[str, object]:
    return ordered(ENTITIES["Invoice"], record)


def _known_invoice(books: RealmBooks, invoice_id: str) -> dict[str, object]:
    invoice = books.find("Invoice", invoice_id)
    if invoice is None:
        raise Missing(f"unknown invoice {invoice_id!r}")
    return invoice


@guarded
def consent(app: SandboxApp, request: Request) -> Reply:
    realm = json_body(request).get("realmId")
    if not isinstance(realm, str):
        raise BadInput("realmId must be a string")
    try:
        app.identity.consent(realm)  # type: ignore[attr-defined]
    except KeyError:
        raise Missing(f"unknown realm {realm!r}") from None
    return json_reply({"realmId": realm})


@books_handler
def create_invoice(app: SandboxApp, books: RealmBooks, request: Request) -> Reply:
    return json_reply(
        {"Invoice": _invoice(books.create("Invoice", json_body(request), wire.utc_now()))}, 201
    )


@books_handler
def patch_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    return json_reply(
        {"Invoice": _invoice(books.merge_invoice(invoice_id, json_body(request), wire.utc_now()))}
    )


@books_handler
def void_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    voided = books.void("Invoice", {"Id": invoice_id}, wire.utc_now())
    return json_reply({"Invoice": _invoice(voided)})


@books_handler
def delete_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    books.delete("Invoice", {"Id": invoice_id}, wire.utc_now())
    return empty(204)


@books_handler
def pay_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    body = json_body(request)
    amount = _amount(body["amount"]) if body.get("amount") is not None else None
    day = _day(body["date"]) if body.get("date") is not None else None
    payment, invoice = books.pay_invoice(invoice_id, amount, day, wire.utc_now())
    return json_reply(
        {"Payment": ordered(ENTITIES["Payment"], payment), "Invoice": _invoice(invoice)}, 201
    )


@books_handler
def attachment(app: SandboxApp, books: RealmBooks, request: Request, attachable_id: str) -> Reply:
    data = books.files.get(attachable_id)
    record = books.find("Attachable", attachable_id)
    if data is None or record is None:
        raise Missing(f"unknown attachment {attachable_id!r}")
    return Reply(
        200, data, content_type=str(record.get("ContentType") or "application/octet-stream")
    )


def _amount(value: object) -> Decimal:
    """A positive amount with at most 2 decimal places."""
    return parse_amount(value, positive=True)


def _day(value: object) -> date:
    """A ``YYYY-MM-DD`` date; ``BadInput`` if not."""
    return parse_day(value, wire.parse_day)


ROUTES = [
    ("POST", "consent", consent),
    ("POST", "invoices", create_invoice),
    ("POST", "invoices/{invoice_id}", patch_invoice),
    ("DELETE", "invoices/{invoice_id}", delete_invoice),
    ("POST", "invoices/{invoice_id}/void", void_invoice),
    ("POST", "invoices/{invoice_id}/payments", pay_invoice),
    ("GET", "attachments/{attachable_id}", attachment),
]
