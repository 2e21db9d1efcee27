"""Xero's own ``/_sandbox/`` endpoints (not Xero's API): steer the books of a tenant.

The endpoints every sandbox has (``tenants``, ``tokens``, ``state``, ``writes``, ``faults``,
``calls``) are ``ar_sync.sandbox.control``; ``?tenant=<id>`` picks a tenant (default: the first
loaded). ``POST /_sandbox/tokens`` takes ``{"client_id", "client_secret", "scope"?}``; the write
log's entries are ``{time, tenant, method, path, kind, target_id, details | file_name + size |
recipients, idempotency_key, replay}``. Errors are ``{"error": "..."}`` with 400 (bad input or
a change Xero refuses), 404 (unknown tenant or record) or 405.

=====================================  =========================================================
``POST /_sandbox/contacts``            create a contact (Xero shape) -> 201 ``{"Contact"}``
``POST /_sandbox/invoices``            create an invoice (Xero shape) -> 201 ``{"Invoice"}``
``POST /_sandbox/invoices/{id}``       merge Xero-shaped fields -> ``{"Invoice"}``
``POST /_sandbox/invoices/{id}/void``  -> ``{"Invoice"}``
``POST .../invoices/{id}/payments``    ``{"amount"?: "10.00", "date"?: "YYYY-MM-DD"}`` ->
                                       201 ``{"Payment", "Invoice"}``
=====================================  =========================================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from ar_sync.sandbox.control import Missing, books_handler, json_body, parse_amount, parse_day
from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.models import Invoice
from ar_sync_xero.sandbox.shapes import Variant
from ar_sync_xero.sandbox.state import TenantState

if TYPE_CHECKING:
    from ar_sync.sandbox.pipeline import SandboxApp


def _invoice_reply(
    state: TenantState, invoice: Invoice, status: int = 200, **extra: object
) -> Reply:
    (fragment,) = state.fragments("Invoices", [invoice], Variant.FULL)
    return json_reply({**extra, "Invoice": fragment}, status)


def _known_invoice(state: TenantState, invoice_id: str) -> Invoice:
    invoice = state.find("Invoices", invoice_id)
    if not isinstance(invoice, Invoice):
        raise Missing(f"unknown invoice {invoice_id!r}")
    return invoice


@books_handler
def pay_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    body = json_body(request)
    amount = _amount(body["amount"]) if body.get("amount") is not None else None
    day = _day(body["date"]) if body.get("date") is not None else None
    payment, updated = state.record_payment(invoice.id, amount, day, wire.utc_now())
    row = state.find("Payments", payment.PaymentID)
    (payment_json,) = state.fragments("Payments", [row], Variant.FULL)
    return _invoice_reply(state, updated, 201, Payment=payment_json)


@books_handler
def void_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    return _invoice_reply(state, state.void_invoice(invoice.id, wire.utc_now()))


@books_handler
def patch_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    return _invoice_reply(
        state, state.patch_invoice(invoice.id, json_body(request), wire.utc_now())
    )


@books_handler
def create_invoice(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    return _invoice_reply(state, state.create_invoice(json_body(request), wire.utc_now()), 201)


@books_handler
def create_contact(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    contact = state.create_contact(json_body(request), wire.utc_now())
    (fragment,) = state.fragments("Contacts", [contact], Variant.FULL)
    return json_reply({"Contact": fragment}, 201)


def _amount(value: object) -> Decimal:
    """An amount of either sign with at most 2 decimal places."""
    return parse_amount(value)


def _day(value: object) -> date:
    """A Xero date (``/Date(ms)/`` or ISO); ``BadInput`` if not."""
    return parse_day(value, wire.parse_date)


ROUTES = [
    ("POST", "contacts", create_contact),
    ("POST", "invoices", create_invoice),
    ("POST", "invoices/{invoice_id}", patch_invoice),
    ("POST", "invoices/{invoice_id}/void", void_invoice),
    ("POST", "invoices/{invoice_id}/payments", pay_invoice),
]
