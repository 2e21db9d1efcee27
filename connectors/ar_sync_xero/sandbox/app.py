"""The sandbox's WSGI application: one origin serving identity, accounting and control paths.

An Accounting API call goes through, in order:

1. routing (404/405), then the fault book counts the call;
2. the bearer token (401) and the ``xero-tenant-id`` the grant covers (403);
3. an injected 429 storm, then the real rate limits (429, holding a concurrency slot);
4. an injected slow response or server error;
5. idempotency for POST/PUT/PATCH with an ``Idempotency-Key`` (replay or 400), then the handler;
6. an injected malformed body.

Identity calls (``/identity/connect/authorize``, ``/connect/token``, ``/connect/revocation``,
``/connections``) take steps 1, 3 (storm only), 4 and 6. Every call but ``/_sandbox/`` ones is
logged; every write (and replay) goes to the write log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit.reply import to_response
from ar_sync_xero.sandbox import api, control, identity, wire
from ar_sync_xero.sandbox.company import Company
from ar_sync_xero.sandbox.faults import FaultBook, Triggered
from ar_sync_xero.sandbox.idempotency import MAX_KEY_LENGTH, IdempotencyCache, KeyReused
from ar_sync_xero.sandbox.identity import AuthFailure, Grant, IdentityStore, OAuthFailure
from ar_sync_xero.sandbox.limits import RateLimiter, SandboxLimits
from ar_sync_xero.sandbox.listing import QueryError
from ar_sync_xero.sandbox.recorder import Recorder
from ar_sync_xero.sandbox.responses import (
    JSON,
    Reply,
    control_error,
    forbidden,
    method_not_allowed,
    not_found,
    rate_limited,
    server_error,
    unauthorized,
    validation_error,
)
from ar_sync_xero.sandbox.routing import NoRoute, Route, Router
from ar_sync_xero.sandbox.state import Refused, TenantState, tenant_states
from ar_sync_xero.sandbox.where import WhereError

PROVIDER_NAME = "ar-sync Xero sandbox"
_WRITE_METHODS = ("POST", "PUT", "PATCH")


class SandboxApp:
    """The WSGI callable; its parts are public so control handlers and tests can reach them."""

    def __init__(
        self,
        companies: Iterable[Company],
        *,
        limits: SandboxLimits,
        access_token_ttl: float,
        refresh_grace: float,
        idempotency_ttl: float,
    ) -> None:
        self.states: dict[str, TenantState] = tenant_states(companies)
        self.identity = IdentityStore(
            lambda: {tenant_id: s.organisation.Name for tenant_id, s in self.states.items()},
            access_token_ttl=access_token_ttl,
            refresh_grace=refresh_grace,
        )
        self.limiter = RateLimiter(limits)
        self.idempotency: IdempotencyCache[Reply] = IdempotencyCache(idempotency_ttl)
        self.faults = FaultBook()
        self.recorder = Recorder()
        self.api_routes = Router("/api.xro/2.0", api.ROUTES)
        self.control_routes = Router("/_sandbox", control.ROUTES)
        self.identity_routes = Router(
            "",
            [
                ("GET", "identity/connect/authorize", identity.handle_authorize),
                ("POST", "connect/token", identity.handle_token),
                ("POST", "connect/revocation", identity.handle_revocation),
                ("GET", "connections", identity.handle_connections),
                ("DELETE", "connections/{connection_id}", identity.handle_disconnect),
            ],
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if self.control_routes.owns(request.path):
            reply = self._serve_control(request)
        else:
            reply = self._serve_logged(request)
        return to_response(reply)(environ, start_response)

    # ------------------------------------------------------------------ Xero's paths

    def _serve_logged(self, request: Request) -> Reply:
        router = self.api_routes if self.api_routes.owns(request.path) else self.identity_routes
        tenant_id: str | None = None
        try:
            route, params = router.match(request.method, request.path)
        except NoRoute as missing:
            endpoint = f"{request.method} {request.path.lstrip('/')}"
            reply = method_not_allowed(missing.allowed) if missing.allowed else not_found()
        else:
            endpoint = route.name
            triggered = self.faults.take(request.path)
            if router is self.api_routes:
                reply, tenant_id = self._serve_api(request, route, params, triggered)
            elif triggered.storm:
                reply = rate_limited(triggered.storm.problem, _storm_retry_after(triggered))
            else:
                reply = _with_faults(triggered, lambda: self._identity_call(route, request, params))
        self.recorder.call(
            endpoint,
            {
                "time": wire.utc_now().isoformat(),
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": reply.status,
                "if_modified_since": request.headers.get("If-Modified-Since"),
                "tenant": tenant_id,
            },
        )
        return reply

    def _identity_call(self, route: Route, request: Request, params: dict[str, str]) -> Reply:
        try:
            return route.handler(self.identity, request, **params)  # type: ignore[return-value]
        except (OAuthFailure, AuthFailure) as failure:
            return identity.failure_reply(failure)

    def _serve_api(
        self, request: Request, route: Route, params: dict[str, str], triggered: Triggered
    ) -> tuple[Reply, str | None]:
        try:
            grant = self.identity.authenticate(request.headers.get("Authorization"))
        except AuthFailure as failure:
            return unauthorized(failure.detail), None
        tenant_id = (request.headers.get("xero-tenant-id") or "").strip().lower()
        state = self.states.get(tenant_id)
        if state is None or tenant_id not in grant.connections:
            return forbidden(), tenant_id or None
        if triggered.storm:
            storm = rate_limited(triggered.storm.problem, _storm_retry_after(triggered))
            return storm.with_headers(self.limiter.remaining(tenant_id)), tenant_id
        decision = self.limiter.acquire(tenant_id)
        if decision.problem:
            refused = rate_limited(decision.problem, decision.retry_after)
            return refused.with_headers(decision.headers), tenant_id
        try:
            call = api.ApiCall(
                request=request,
                state=state,
                params=params,
                query={name.lower(): value for name, value in request.args.items()},
                now=wire.utc_now(),
                provider=PROVIDER_NAME,
                high_volume=self.limiter.limits.high_volume,
            )
            reply = _with_faults(triggered, lambda: self._write_once(request, grant, route, call))
        finally:
            self.limiter.release(tenant_id)
        return reply.with_headers(decision.headers), tenant_id

    def _write_once(self, request: Request, grant: Grant, route: Route, call: api.ApiCall) -> Reply:
        """Run the handler, through the idempotency cache when the request carries a key."""
        key = request.headers.get("Idempotency-Key", "")
        if request.method not in _WRITE_METHODS or not key:
            reply = _run_handler(route, call)
            self._log_writes(reply, call, key or None, replayed=False)
            return reply
        if len(key) > MAX_KEY_LENGTH:
            return validation_error(
                f"Idempotency Key: must be {MAX_KEY_LENGTH} characters or less."
            )
        body_hash = hashlib.sha256(request.get_data()).hexdigest()
        fingerprint = f"{call.state.tenant_id} {request.method} {request.path} {body_hash}"
        try:
            reply, replayed = self.idempotency.run(
                grant.client_id, key, fingerprint, lambda: _run_handler(route, call)
            )
        except KeyReused:
            return validation_error(f"Idempotency Key: {key} is used with a different request.")
        self._log_writes(reply, call, key, replayed=replayed)
        return reply

    def _log_writes(
        self, reply: Reply, call: api.ApiCall, key: str | None, *, replayed: bool
    ) -> None:
        for write in reply.writes:
            self.recorder.write(
                {
                    "time": call.now.isoformat(),
                    "tenant": call.state.tenant_id,
                    "method": call.request.method,
                    "path": call.request.path,
                    **write,
                    "idempotency_key": key,
                    "replay": replayed,
                }
            )

    # ------------------------------------------------------------------ control paths

    def _serve_control(self, request: Request) -> Reply:
        try:
            route, params = self.control_routes.match(request.method, request.path)
        except NoRoute as missing:
            return control_error(
                f"no control endpoint {request.method} {request.path}",
                405 if missing.allowed else 404,
            )
        return route.handler(self, request, **params)  # type: ignore[return-value]

    def state_for(self, request: Request) -> TenantState | None:
        """The tenant named by ``?tenant=``, or the first tenant; None if unknown."""
        wanted = request.args.get("tenant", "").strip().lower()
        if not wanted:
            return next(iter(self.states.values()))
        return self.states.get(wanted)

    def now(self) -> datetime:
        return wire.utc_now()


def _run_handler(route: Route, call: api.ApiCall) -> Reply:
    try:
        return route.handler(call)  # type: ignore[return-value]
    except (Refused, QueryError, WhereError) as refusal:
        return api.refusal_reply(refusal)


def _storm_retry_after(triggered: Triggered) -> int | None:
    storm = triggered.storm
    assert storm is not None
    return None if storm.problem == "concurrent" else storm.retry_after


def _with_faults(triggered: Triggered, run: Callable[[], Reply]) -> Reply:
    """Apply the slow, server-error and malformed faults around ``run``."""
    if triggered.slow:
        triggered.stall()  # ends early when the server stops
    if triggered.server_error:
        return server_error(triggered.server_error.status)
    reply = run()
    if triggered.malformed:
        body = reply.body or b'{"Id":"'
        return Reply(200, body[: max(1, len(body) // 2)], content_type=JSON, headers=reply.headers)
    return reply
