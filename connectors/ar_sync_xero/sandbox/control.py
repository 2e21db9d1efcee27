"""The sandbox's own endpoints under ``/_sandbox/`` (not Xero's): inspect and steer the books.

All bodies are JSON; ``?tenant=<id>`` picks a tenant (default: the first loaded). Errors are
``{"error": "..."}`` with 400 (bad input), 404 (unknown tenant or record) or 405.

=====================================  =========================================================
``GET /_sandbox/tenants``              ``{"tenants": [{"id", "name"}]}``
``POST /_sandbox/tokens``              ``{"client_id", "client_secret", "scope"?}`` -> a token set
                                       as ``/connect/token`` returns it (skips the browser step)
``GET /_sandbox/state``                the books in company-file shape (``load_company`` reads it)
``GET /_sandbox/writes``               ``{"writes": [{time, tenant, method, path, kind,
                                       target_id, details | file_name + size | recipients,
                                       idempotency_key, replay}]}``
``POST /_sandbox/contacts``            create a contact (Xero shape) -> 201 ``{"Contact"}``
``POST /_sandbox/invoices``            create an invoice (Xero shape) -> 201 ``{"Invoice"}``
``POST /_sandbox/invoices/{id}``       merge Xero-shaped fields -> ``{"Invoice"}``
``POST /_sandbox/invoices/{id}/void``  -> ``{"Invoice"}``
``POST .../invoices/{id}/payments``    ``{"amount"?: "10.00", "date"?: "YYYY-MM-DD"}`` ->
                                       201 ``{"Payment", "Invoice"}``
``POST /_sandbox/faults``              arm a fault (see faults.py) -> 201 ``{"fault"}``;
                                       ``expire_tokens``/``revoke`` act at once ->
                                       200 ``{"applied"}``
``GET /_sandbox/faults``               ``{"faults": [...]}`` with their counters
``DELETE /_sandbox/faults``            disarm all -> 204
``GET /_sandbox/calls``                ``{"total", "by_endpoint", "rate_limited", "log"}``
``DELETE /_sandbox/calls``             reset the call log -> 204
=====================================  =========================================================
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
from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.company import company_document
from ar_sync_xero.sandbox.identity import DEFAULT_SCOPE
from ar_sync_xero.sandbox.models import Invoice
from ar_sync_xero.sandbox.responses import Reply, control_error, json_reply
from ar_sync_xero.sandbox.shapes import Variant
from ar_sync_xero.sandbox.state import Refused, TenantState

if TYPE_CHECKING:
    from ar_sync_xero.sandbox.app import SandboxApp

Handler = Callable[..., Reply]


def _tenant_handler(handler: Callable[..., Reply]) -> Handler:
    """Resolve ``?tenant=`` and turn bad input and refused changes into 400s."""

    @wraps(handler)
    def run(app: SandboxApp, request: Request, **params: str) -> Reply:
        state = app.state_for(request)
        if state is None:
            return control_error(f"unknown tenant {request.args.get('tenant')!r}", 404)
        try:
            with state.lock:  # the change and the reply that shows it are one step
                return handler(app, state, request, **params)
        except Missing as missing:
            return control_error(str(missing), 404)
        except (BadInput, Refused) as error:
            return control_error(str(error))

    return run


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


def tenants(app: SandboxApp, request: Request) -> Reply:
    return json_reply(
        {"tenants": [{"id": tid, "name": s.organisation.Name} for tid, s in app.states.items()]}
    )


def tokens(app: SandboxApp, request: Request) -> Reply:
    try:
        body = json_body(request)
    except BadInput as error:
        return control_error(str(error))
    client_id, secret = body.get("client_id"), body.get("client_secret")
    scope = body.get("scope", DEFAULT_SCOPE)
    if not all(isinstance(v, str) and v for v in (client_id, secret, scope)):
        return control_error(
            "client_id, client_secret (and scope, if given) must be non-empty strings"
        )
    return json_reply(app.identity.issue(client_id, secret, scope))  # type: ignore[arg-type]


@_tenant_handler
def state_dump(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    return json_reply(company_document(state.snapshot()))


@_tenant_handler
def writes(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    return json_reply({"writes": app.recorder.writes(state.tenant_id)})


@_tenant_handler
def pay_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    body = json_body(request)
    amount = _amount(body["amount"]) if body.get("amount") is not None else None
    day = _day(body["date"]) if body.get("date") is not None else None
    payment, updated = state.record_payment(invoice.id, amount, day, app.now())
    row = state.find("Payments", payment.PaymentID)
    (payment_json,) = state.fragments("Payments", [row], Variant.FULL)
    return _invoice_reply(state, updated, 201, Payment=payment_json)


@_tenant_handler
def void_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    return _invoice_reply(state, state.void_invoice(invoice.id, app.now()))


@_tenant_handler
def patch_invoice(app: SandboxApp, state: TenantState, request: Request, invoice_id: str) -> Reply:
    invoice = _known_invoice(state, invoice_id)
    return _invoice_reply(state, state.patch_invoice(invoice.id, json_body(request), app.now()))


@_tenant_handler
def create_invoice(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    return _invoice_reply(state, state.create_invoice(json_body(request), app.now()), 201)


@_tenant_handler
def create_contact(app: SandboxApp, state: TenantState, request: Request) -> Reply:
    contact = state.create_contact(json_body(request), app.now())
    (fragment,) = state.fragments("Contacts", [contact], Variant.FULL)
    return json_reply({"Contact": fragment}, 201)


def _amount(value: object) -> Decimal:
    """An amount of either sign with at most 2 decimal places."""
    return parse_amount(value)


def _day(value: object) -> date:
    """A Xero date (``/Date(ms)/`` or ISO); ``BadInput`` if not."""
    return parse_day(value, wire.parse_date)


ROUTES = [
    ("GET", "tenants", tenants),
    ("POST", "tokens", tokens),
    ("GET", "state", state_dump),
    ("GET", "writes", writes),
    ("POST", "contacts", create_contact),
    ("POST", "invoices", create_invoice),
    ("POST", "invoices/{invoice_id}", patch_invoice),
    ("POST", "invoices/{invoice_id}/void", void_invoice),
    ("POST", "invoices/{invoice_id}/payments", pay_invoice),
    *kit.ROUTES,
]
