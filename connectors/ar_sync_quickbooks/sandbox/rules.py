"""QuickBooks Online's rules for the sandbox pipeline (``ar_sync.sandbox.pipeline``).

- The Accounting API lives under ``/v3/company/{realm}/``; OAuth at Intuit's paths on the same
  origin (``identity.py``), the discovery document also with a trailing slash.
- An unknown path or method under ``/v3`` gets the recorded 400 "Unsupported Operation"
  (``api.unsupported``); elsewhere a ``{"error"}`` 404.
- The realm in the path must be the one the grant covers (403 ``responses.forbidden``); the
  gateway's 401 words why a token is refused (``identity.unauthorized_detail``).
- A fault's ``path`` also matches a query's statement (``FROM Invoice``), so one entity's reads
  can be hit although every query shares one path; the call log keeps the statement.
- 429s carry QBO's XML throttle body (``responses.throttled``); every response an
  ``intuit_tid`` header.
- Writes with ``requestid`` (at most ``MAX_REQUEST_ID`` characters) are idempotent per realm,
  whatever the body: a repeat within ``idempotency_ttl`` seconds replays the first answer
  (../shared/notes/quickbooks-api.md §4.6, from Intuit's 2015 RequestID post; recorded:
  ``customer_create_with_requestid.*``); how long QBO remembers one is UNCONFIRMED
  (``server.py``).
- Endpoint names drop ``company/{realm}/``: ``"POST query"``, ``"GET invoice/{id}"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import ClassVar

from ar_sync.sandbox.control import control_error
from ar_sync.sandbox.identity import AuthFailure
from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync.sandbox.rules import Books, Exchange, LedgerRules
from ar_sync_quickbooks.sandbox import api, control, identity, wire
from ar_sync_quickbooks.sandbox.books import RealmBooks, Refused
from ar_sync_quickbooks.sandbox.company import Company, company_document
from ar_sync_quickbooks.sandbox.responses import (
    fault,
    forbidden,
    gateway_unauthorized,
    server_error,
    throttled,
)

MAX_REQUEST_ID = 50


class QuickBooksRules(LedgerRules):
    """QuickBooks Online's half of the sandbox (see the module docstring)."""

    name = "quickbooks-sandbox"
    scope = "realm"
    api_prefix = "/v3"
    key_field = "requestid"
    fault_problems: ClassVar[tuple[str, ...]] = ("minute", "concurrent")
    malformed_stub = b'{"QueryResponse":{"'
    max_key_length = MAX_REQUEST_ID
    company_in_path = True
    refusals = (Refused,)
    api_routes = api.ROUTES
    identity_routes = identity.ROUTES
    control_routes = control.ROUTES

    def open_books(self, company: Company) -> Books:
        return RealmBooks(company)

    def company_document(self, company: Company) -> object:
        return company_document(company)

    def route_path(self, path: str) -> str:
        if path.rstrip("/") == identity.DISCOVERY_PATH:
            return identity.DISCOVERY_PATH
        return path

    def no_route(self, ex: Exchange, allowed: list[str]) -> Reply:
        if ex.api:
            time_text = wire.response_time(ex.now, _tz(ex))
            return json_reply(api.unsupported(ex.request, time_text), 400)
        return control_error(f"no such endpoint: {ex.request.method} {ex.request.path}", 404)

    def endpoint_name(self, ex: Exchange) -> str:
        assert ex.route is not None
        return api.endpoint_name(ex.route.method, ex.route.template) if ex.api else ex.route.name

    def fault_subject(self, ex: Exchange) -> str:
        assert ex.route is not None
        statement = _statement(ex) if ex.route.template.endswith("query") else None
        ex.notes["statement"] = statement
        return f"{ex.request.path} {statement or ''}"

    def company_of(self, ex: Exchange) -> str | None:
        return ex.params.pop("realm")

    def unauthorized(self, failure: AuthFailure, ex: Exchange) -> Reply:
        detail = identity.unauthorized_detail(failure)
        return gateway_unauthorized(detail, int(ex.now.timestamp() * 1000))

    def forbidden(self, ex: Exchange) -> Reply:
        return forbidden(ex.now, _tz(ex))

    def throttled(
        self, problem: str, retry_after: int | None, ex: Exchange, headers: Mapping[str, str]
    ) -> Reply:
        return throttled(retry_after, ex.now, _tz(ex)).with_headers(headers)

    def server_error(self, status: int, ex: Exchange) -> Reply:
        return server_error(status, ex.now, ex.fallback.tz)  # type: ignore[attr-defined]

    def api_call(self, ex: Exchange) -> api.ApiCall:
        books: RealmBooks = ex.books  # type: ignore[assignment]
        return api.ApiCall(request=ex.request, books=books, params=ex.params, now=ex.now)

    def idempotency_key(self, ex: Exchange) -> str | None:
        return ex.request.args.get("requestid") or None

    def keyed(self, ex: Exchange) -> bool:
        return ex.endpoint in api.WRITE_ENDPOINTS

    def key_too_long(self, key: str, ex: Exchange) -> Reply:
        return fault(
            "2010",
            "Request has invalid or unsupported property",
            f"requestid must be at most {MAX_REQUEST_ID} characters; got {len(key)}",
            now=ex.now,
            tz=_tz(ex),
        )

    def key_scope(self, ex: Exchange) -> str:
        assert ex.books is not None
        return ex.books.id

    def call_details(self, ex: Exchange) -> dict[str, object]:
        return {
            "endpoint": ex.endpoint,
            "requestid": ex.request.args.get("requestid"),
            "statement": ex.notes.get("statement"),
        }

    def write_details(self, ex: Exchange) -> dict[str, object]:
        return {"query": ex.request.query_string.decode("latin-1")}

    def finish(self, reply: Reply) -> Reply:
        tid = f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"
        return reply.with_headers({"intuit_tid": tid})

    def control_refusal(self, error: Exception) -> Reply:
        assert isinstance(error, Refused)
        status = 404 if error.code == "610" else 400
        return control_error(f"{error.code} {error.message}: {error.detail}", status)


def _tz(ex: Exchange) -> object:
    """The time zone answers are written in: the call's company's, else the first's."""
    return ex.shaping_books.tz  # type: ignore[attr-defined]


def _statement(ex: Exchange) -> str:
    """A query call's statement: ``?query=`` (GET) or the ``application/text`` body (POST)."""
    if ex.request.method == "GET":
        return ex.request.args.get("query", "")
    return ex.request.get_data().decode("utf-8", "replace")
