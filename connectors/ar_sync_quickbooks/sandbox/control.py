"""The sandbox's own endpoints under ``/_sandbox/`` (not QBO's): inspect and steer the books.

All bodies are JSON; ``?realm=<id>`` picks a company (default: the first loaded). Errors are
``{"error": "..."}`` with 400 (bad input), 404 (unknown realm or record) or 405.

=========================================  ====================================================
``GET /_sandbox/tenants``                  ``{"tenants": [{"id": realmId, "name"}]}``
``POST /_sandbox/tokens``                  ``{"client_id", "client_secret", "realmId"?}`` ->
                                           a token set as the token endpoint returns it, plus
                                           ``realmId`` (skips the browser step)
``POST /_sandbox/consent``                 ``{"realmId"}``: the realm the next authorizations
                                           connect -> ``{"realmId"}``
``GET /_sandbox/state``                    the books in company-file shape (``load_company``
                                           reads it back)
``GET /_sandbox/writes``                   ``{"writes": [{time, realm, method, path, query, kind,
                                           target_id, ..., requestid, replay}]}``
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
``POST /_sandbox/faults``                  arm a fault (``ar_sync.sandbox_kit.faults``; problems
                                           ``minute``/``concurrent``) -> 201 ``{"fault"}``;
                                           ``expire_tokens``/``revoke`` act at once ->
                                           200 ``{"applied"}``
``GET /_sandbox/faults``                   ``{"faults": [...]}`` with their counters
``DELETE /_sandbox/faults``                disarm all -> 204
``GET /_sandbox/calls``                    ``{"total", "by_endpoint", "rate_limited", "log"}``
``DELETE /_sandbox/calls``                 reset the call log -> 204
=========================================  ====================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit import control as kit
from ar_sync.sandbox_kit.control import BadInput, Missing, json_body, parse_amount, parse_day
from ar_sync.sandbox_kit.reply import Reply, json_reply
from ar_sync_quickbooks.sandbox import wire
from ar_sync_quickbooks.sandbox.books import RealmBooks, Refused
from ar_sync_quickbooks.sandbox.company import company_document
from ar_sync_quickbooks.sandbox.entities import ENTITIES, ordered
from ar_sync_quickbooks.sandbox.responses import control_error

if TYPE_CHECKING:
    from ar_sync_quickbooks.sandbox.app import SandboxApp

Handler = Callable[..., Reply]


def _realm_handler(handler: Callable[..., Reply]) -> Handler:
    """Resolve ``?realm=`` and turn bad input and refused changes into 400s."""

    @wraps(handler)
    def run(app: SandboxApp, request: Request, **params: str) -> Reply:
        books = app.books_for(request)
        if books is None:
            return control_error(f"unknown realm {request.args.get('realm')!r}", 404)
        try:
            with books.lock:  # the change and the reply that shows it are one step
                return handler(app, books, request, **params)
        except Missing as missing:
            return control_error(str(missing), 404)
        except BadInput as error:
            return control_error(str(error))
        except Refused as refused:
            status = 404 if refused.code == "610" else 400
            return control_error(f"{refused.code} {refused.message}: {refused.detail}", status)

    return run


def _invoice(record: dict[str, object]) -> dict[str, object]:
    return ordered(ENTITIES["Invoice"], record)


def _known_invoice(books: RealmBooks, invoice_id: str) -> dict[str, object]:
    invoice = books.find("Invoice", invoice_id)
    if invoice is None:
        raise Missing(f"unknown invoice {invoice_id!r}")
    return invoice


def tenants(app: SandboxApp, request: Request) -> Reply:
    return json_reply({"tenants": [{"id": rid, "name": b.name} for rid, b in app.books.items()]})


def tokens(app: SandboxApp, request: Request) -> Reply:
    try:
        body = json_body(request)
    except BadInput as error:
        return control_error(str(error))
    client_id, secret = body.get("client_id"), body.get("client_secret")
    realm = body.get("realmId")
    if not all(isinstance(v, str) and v for v in (client_id, secret)):
        return control_error("client_id and client_secret must be non-empty strings")
    if realm is not None and not isinstance(realm, str):
        return control_error("realmId must be a string")
    try:
        return json_reply(app.identity.issue(client_id, secret, realm))  # type: ignore[arg-type]
    except KeyError:
        return control_error(f"unknown realm {realm!r}", 404)


def consent(app: SandboxApp, request: Request) -> Reply:
    try:
        realm = json_body(request).get("realmId")
    except BadInput as error:
        return control_error(str(error))
    if not isinstance(realm, str):
        return control_error("realmId must be a string")
    try:
        app.identity.consent(realm)
    except KeyError:
        return control_error(f"unknown realm {realm!r}", 404)
    return json_reply({"realmId": realm})


@_realm_handler
def state_dump(app: SandboxApp, books: RealmBooks, request: Request) -> Reply:
    return json_reply(company_document(books.snapshot()))


@_realm_handler
def writes(app: SandboxApp, books: RealmBooks, request: Request) -> Reply:
    return json_reply({"writes": app.recorder.writes(books.realm_id)})


@_realm_handler
def create_invoice(app: SandboxApp, books: RealmBooks, request: Request) -> Reply:
    return json_reply(
        {"Invoice": _invoice(books.create("Invoice", json_body(request), app.now()))}, 201
    )


@_realm_handler
def patch_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    return json_reply(
        {"Invoice": _invoice(books.merge_invoice(invoice_id, json_body(request), app.now()))}
    )


@_realm_handler
def void_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    return json_reply({"Invoice": _invoice(books.void("Invoice", {"Id": invoice_id}, app.now()))})


@_realm_handler
def delete_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    books.delete("Invoice", {"Id": invoice_id}, app.now())
    return Reply(204, b"", content_type=None)


@_realm_handler
def pay_invoice(app: SandboxApp, books: RealmBooks, request: Request, invoice_id: str) -> Reply:
    _known_invoice(books, invoice_id)
    body = json_body(request)
    amount = _amount(body["amount"]) if body.get("amount") is not None else None
    day = _day(body["date"]) if body.get("date") is not None else None
    payment, invoice = books.pay_invoice(invoice_id, amount, day, app.now())
    return json_reply(
        {"Payment": ordered(ENTITIES["Payment"], payment), "Invoice": _invoice(invoice)}, 201
    )


@_realm_handler
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
    ("GET", "tenants", tenants),
    ("POST", "tokens", tokens),
    ("POST", "consent", consent),
    ("GET", "state", state_dump),
    ("GET", "writes", writes),
    ("POST", "invoices", create_invoice),
    ("POST", "invoices/{invoice_id}", patch_invoice),
    ("DELETE", "invoices/{invoice_id}", delete_invoice),
    ("POST", "invoices/{invoice_id}/void", void_invoice),
    ("POST", "invoices/{invoice_id}/payments", pay_invoice),
    ("GET", "attachments/{attachable_id}", attachment),
    *kit.ROUTES,
]
