"""Xero's rules for the sandbox pipeline (``ar_sync.sandbox.pipeline``): routes, shapes, keys.

- The Accounting API lives under ``/api.xro/2.0``; identity paths at the root (``identity.py``).
- An unknown path is Xero's 404 problem, a known path with another method its 405 (``Allow``).
- The tenant is the ``xero-tenant-id`` header (any case), which the grant must cover (403).
- 429s name the limit in ``X-Rate-Limit-Problem`` (``responses.rate_limited``); every answer of
  an admitted call reports the quotas left (``limits.py``).
- ``Idempotency-Key`` applies to POST, PUT and PATCH, is at most ``MAX_KEY_LENGTH`` characters,
  and is scoped per app (here: per OAuth client id); a retry within its lifetime is replayed
  when the tenant, method, path and body are the same, and refused when they are not
  (../shared/notes/xero-api.md §5 "Idempotency", developer.xero.com/documentation/guides/
  idempotent-requests/idempotency as quoted there; the 128 in the OpenAPI ``idempotencyKey``).
- The call log adds ``if_modified_since``; the write log names the ``idempotency_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ar_sync.sandbox.identity import AuthFailure
from ar_sync.sandbox.idempotency import body_hash
from ar_sync.sandbox.reply import Reply
from ar_sync.sandbox.routing import Route
from ar_sync.sandbox.rules import Books, Exchange, LedgerRules
from ar_sync_xero.sandbox import api, control, identity
from ar_sync_xero.sandbox.company import Company, company_document
from ar_sync_xero.sandbox.limits import SandboxLimits
from ar_sync_xero.sandbox.listing import QueryError
from ar_sync_xero.sandbox.responses import (
    forbidden,
    method_not_allowed,
    not_found,
    rate_limited,
    server_error,
    unauthorized,
    validation_error,
)
from ar_sync_xero.sandbox.state import Refused, TenantState
from ar_sync_xero.sandbox.where import WhereError

PROVIDER_NAME = "ar-sync Xero sandbox"
MAX_KEY_LENGTH = 128
_WRITE_METHODS = ("POST", "PUT", "PATCH")


class XeroRules(LedgerRules):
    """Xero's half of the sandbox (see the module docstring); ``limits`` as configured."""

    name = "xero-sandbox"
    scope = "tenant"
    api_prefix = "/api.xro/2.0"
    key_field = "idempotency_key"
    fault_problems: ClassVar[tuple[str, ...]] = ("minute", "day", "appminute", "concurrent")
    malformed_stub = b'{"Id":"'
    max_key_length = MAX_KEY_LENGTH
    refusals = (Refused,)
    api_routes = api.ROUTES
    identity_routes = identity.ROUTES
    control_routes = control.ROUTES

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits

    def open_books(self, company: Company) -> Books:
        return TenantState(company)

    def company_document(self, company: Company) -> object:
        return company_document(company)

    def company_key(self, text: str) -> str:
        return text.strip().lower()

    def no_route(self, ex: Exchange, allowed: list[str]) -> Reply:
        return method_not_allowed(allowed) if allowed else not_found()

    def company_of(self, ex: Exchange) -> str | None:
        return self.company_key(ex.request.headers.get("xero-tenant-id") or "")

    def unauthorized(self, failure: AuthFailure, ex: Exchange) -> Reply:
        return unauthorized(identity.unauthorized_detail(failure))

    def forbidden(self, ex: Exchange) -> Reply:
        return forbidden()

    def throttled(
        self, problem: str, retry_after: int | None, ex: Exchange, headers: Mapping[str, str]
    ) -> Reply:
        return rate_limited(problem, retry_after).with_headers(headers)

    def server_error(self, status: int, ex: Exchange) -> Reply:
        return server_error(status)

    def api_call(self, ex: Exchange) -> api.ApiCall:
        return api.ApiCall(
            request=ex.request,
            state=ex.books,  # type: ignore[arg-type]
            params=ex.params,
            query={name.lower(): value for name, value in ex.request.args.items()},
            now=ex.now,
            provider=PROVIDER_NAME,
            high_volume=self.limits.high_volume,
        )

    def run(self, route: Route, call: object) -> Reply:
        try:
            return route.handler(call)  # type: ignore[return-value]
        except (Refused, QueryError, WhereError) as refusal:
            return api.refusal_reply(refusal)

    def idempotency_key(self, ex: Exchange) -> str | None:
        return ex.request.headers.get("Idempotency-Key") or None

    def keyed(self, ex: Exchange) -> bool:
        return ex.request.method in _WRITE_METHODS

    def key_too_long(self, key: str, ex: Exchange) -> Reply:
        return validation_error(f"Idempotency Key: must be {MAX_KEY_LENGTH} characters or less.")

    def key_scope(self, ex: Exchange) -> str:
        assert ex.grant is not None
        return ex.grant.client_id

    def fingerprint(self, ex: Exchange) -> str:
        request = ex.request
        return f"{ex.company} {request.method} {request.path} {body_hash(request.get_data())}"

    def key_reused(self, key: str, ex: Exchange) -> Reply:
        return validation_error(f"Idempotency Key: {key} is used with a different request.")

    def call_details(self, ex: Exchange) -> dict[str, object]:
        return {"if_modified_since": ex.request.headers.get("If-Modified-Since")}
