"""The ``/_sandbox/`` control endpoints every sandbox has, and what a ledger's own ones use.

All bodies are JSON; ``?<scope>=<id>`` (``tenant`` on Xero, ``realm`` on QuickBooks) picks a
company (default: the first loaded). Errors are ``{"error": "..."}`` with 400 (bad input), 404
(unknown company or record) or 405.

=========================  =====================================================================
``GET /_sandbox/tenants``  ``{"tenants": [{"id", "name"}]}``: every company, in load order
``POST /_sandbox/tokens``  ``{"client_id", "client_secret", ...}`` -> a token set as the token
                           endpoint returns it (skips the browser step; the ledger reads the
                           rest of the body: Xero ``scope``, QuickBooks ``realmId``)
``GET /_sandbox/state``    the books in company-file shape (the ledger's loader reads it back)
``GET /_sandbox/writes``   ``{"writes": [...]}``: the company's writes and replays, oldest first
``POST /_sandbox/faults``  arm a fault (``faults.py``) -> 201 ``{"fault"}``;
                           ``expire_tokens``/``revoke`` act at once -> 200 ``{"applied"}``
``GET /_sandbox/faults``   ``{"faults": [...]}`` with their counters
``DELETE /_sandbox/faults``  disarm all -> 204
``GET /_sandbox/calls``    ``{"total", "by_endpoint", "rate_limited", "log"}``
``DELETE /_sandbox/calls``   reset the call log -> 204
=========================  =====================================================================

A ledger adds its own endpoints (``LedgerRules.control_routes``); ``books_handler`` resolves the
company for them, holds its lock, and turns ``BadInput`` (400), ``Missing`` (404) and the books'
refusals (``LedgerRules.control_refusal``) into replies. ``json_body``, ``parse_amount`` and
``parse_day`` read a request's JSON body, ``amount`` and ``date`` fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from ar_sync.sandbox.faults import IMMEDIATE_KINDS
from ar_sync.sandbox.reply import Reply, empty, json_reply

if TYPE_CHECKING:
    from ar_sync.sandbox.pipeline import SandboxApp
    from ar_sync.sandbox.rules import Books

Handler = Callable[..., Reply]


class BadInput(ValueError):
    """The control request is wrong; the message is returned with 400."""


class Missing(BadInput):
    """The request names a record that does not exist; returned with 404."""


def control_error(message: str, status: int = 400) -> Reply:
    """An error from a ``/_sandbox/`` endpoint: ``{"error": message}``."""
    return json_reply({"error": message}, status)


def json_body(request: Request) -> dict[str, object]:
    """The request body as a JSON object (an empty body is ``{}``); numbers with a fraction are
    ``Decimal``, never ``float``. Raises ``BadInput`` if it is not JSON or not an object."""
    try:
        body = json.loads(request.get_data() or b"{}", parse_float=Decimal)
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def parse_amount(value: object, *, positive: bool = False) -> Decimal:
    """A finite money amount with at most 2 decimal places (and ``> 0`` when ``positive``).

    Raises ``BadInput("amount: ...")``.
    """
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(f"amount: not an amount: {value!r}") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or (positive and amount <= 0) or exponent < -2:  # type: ignore[operator]
        what = "a positive amount" if positive else "an amount"
        raise BadInput(f"amount: not {what} with at most 2 decimal places: {value!r}")
    return amount


def parse_day(value: object, parse: Callable[[object], date]) -> date:
    """``parse(value)`` (the ledger's date reader); its ``ValueError`` becomes
    ``BadInput("date: ...")``."""
    try:
        return parse(value)
    except ValueError as error:
        raise BadInput(f"date: {error}") from None


def books_handler(handler: Callable[..., Reply]) -> Handler:
    """A control handler for one company: ``handler(app, books, request, **params)``, run
    holding the books' lock (the change and the reply that shows it are one step)."""

    @wraps(handler)
    def run(app: SandboxApp, request: Request, **params: str) -> Reply:
        books = app.books_for(request)
        if books is None:
            scope = app.rules.scope
            return control_error(f"unknown {scope} {request.args.get(scope)!r}", 404)
        try:
            with books.lock:
                return handler(app, books, request, **params)
        except Missing as missing:
            return control_error(str(missing), 404)
        except BadInput as error:
            return control_error(str(error))
        except app.rules.refusals as refused:
            return app.rules.control_refusal(refused)

    return run


def guarded(handler: Callable[..., Reply]) -> Handler:
    """A control handler for the whole sandbox; ``BadInput`` (400) and ``Missing`` (404)
    become replies."""

    @wraps(handler)
    def run(app: SandboxApp, request: Request, **params: str) -> Reply:
        try:
            return handler(app, request, **params)
        except Missing as missing:
            return control_error(str(missing), 404)
        except BadInput as error:
            return control_error(str(error))

    return run


# --------------------------------------------------------------------------- the common ones


def tenants(app: SandboxApp, request: Request) -> Reply:
    return json_reply({"tenants": [{"id": b.id, "name": b.name} for b in app.books.values()]})


@guarded
def tokens(app: SandboxApp, request: Request) -> Reply:
    body = json_body(request)
    client_id, secret = body.get("client_id"), body.get("client_secret")
    if not all(isinstance(v, str) and v for v in (client_id, secret)):
        raise BadInput("client_id and client_secret must be non-empty strings")
    return json_reply(app.identity.control_grant(client_id, secret, body))  # type: ignore[arg-type]


@books_handler
def state(app: SandboxApp, books: Books, request: Request) -> Reply:
    return json_reply(app.rules.company_document(books.snapshot()))


@books_handler
def writes(app: SandboxApp, books: Books, request: Request) -> Reply:
    return json_reply({"writes": app.recorder.writes(books.id)})


def arm_fault(app: SandboxApp, request: Request) -> Reply:
    try:
        fault = app.faults.arm(json_body(request))
    except ValueError as error:
        return control_error(str(error))
    if fault.kind not in IMMEDIATE_KINDS:
        return json_reply({"fault": fault.as_json()}, 201)
    if fault.kind == "expire_tokens":
        app.identity.expire_access_tokens()
    else:
        app.identity.revoke_all()
    return json_reply({"applied": fault.kind})


def list_faults(app: SandboxApp, request: Request) -> Reply:
    return json_reply({"faults": app.faults.armed()})


def clear_faults(app: SandboxApp, request: Request) -> Reply:
    app.faults.clear()
    return empty(204)


def calls(app: SandboxApp, request: Request) -> Reply:
    return json_reply(app.recorder.calls())


def reset_calls(app: SandboxApp, request: Request) -> Reply:
    app.recorder.reset_calls()
    return empty(204)


ROUTES = [
    ("GET", "tenants", tenants),
    ("POST", "tokens", tokens),
    ("GET", "state", state),
    ("GET", "writes", writes),
    ("POST", "faults", arm_fault),
    ("GET", "faults", list_faults),
    ("DELETE", "faults", clear_faults),
    ("GET", "calls", calls),
    ("DELETE", "calls", reset_calls),
]
