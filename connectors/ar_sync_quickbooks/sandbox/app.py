"""The sandbox's WSGI application: OAuth, the Accounting API and control paths on one origin.

An Accounting API call (``/v3/...``) goes through, in order:

1. routing (an unknown path or method: 400 "Unsupported Operation"), then the fault book
   counts the call;
2. the bearer token (gateway 401) and the realm in the path, which the grant must cover (403);
3. an injected 429 storm, then the real per-realm limits (429, XML body, ``Retry-After``);
4. an injected slow response or server error;
5. for writes with ``requestid`` (at most 50 characters): the idempotency cache (a repeat
   within ``idempotency_ttl`` seconds replays the first answer; per realm, whatever the body,
   as QBO documents it), then the handler;
6. an injected malformed body.

OAuth calls take steps 1, 3 (storm only), 4 and 6. Every response carries an ``intuit_tid``
header. Every call but ``/_sandbox/`` ones is logged (endpoint names like ``"POST query"``,
``"GET invoice/{id}"``, ``"POST oauth2/v1/tokens/bearer"``); every write and replay goes to
the write log with its ``requestid``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit.faults import FaultBook, Triggered
from ar_sync.sandbox_kit.idempotency import IdempotencyCache
from ar_sync.sandbox_kit.recorder import Recorder
from ar_sync.sandbox_kit.reply import JSON, Reply, json_reply, to_response
from ar_sync.sandbox_kit.routing import NoRoute, Route, Router
from ar_sync_quickbooks.sandbox import api, control, identity, wire
from ar_sync_quickbooks.sandbox.books import RealmBooks
from ar_sync_quickbooks.sandbox.company import Company
from ar_sync_quickbooks.sandbox.identity import AuthFailure, IdentityStore, OAuthFailure
from ar_sync_quickbooks.sandbox.limits import RateLimiter, SandboxLimits
from ar_sync_quickbooks.sandbox.responses import (
    control_error,
    fault,
    forbidden,
    gateway_unauthorized,
    server_error,
    throttled,
)

MAX_REQUEST_ID = 50
FAULT_PROBLEMS = ("minute", "concurrent")


class SandboxApp:
    """The WSGI callable; its parts are public so control handlers and tests can reach them."""

    def __init__(
        self,
        companies: Iterable[Company],
        *,
        limits: SandboxLimits,
        access_token_ttl: float,
        idempotency_ttl: float,
    ) -> None:
        self.books: dict[str, RealmBooks] = {}
        for company in companies:
            if company.realm_id in self.books:
                raise ValueError(f"two companies have realmId {company.realm_id}")
            self.books[company.realm_id] = RealmBooks(company)
        self.identity = IdentityStore(lambda: list(self.books), access_token_ttl=access_token_ttl)
        self.limiter = RateLimiter(limits)
        self.idempotency: IdempotencyCache[Reply] = IdempotencyCache(idempotency_ttl)
        self.faults = FaultBook(FAULT_PROBLEMS)
        self.recorder = Recorder(scope_field="realm")
        self.api_routes = Router("/v3", api.ROUTES)
        self.control_routes = Router("/_sandbox", control.ROUTES)
        self.identity_routes = Router("", identity.ROUTES)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if self.control_routes.owns(request.path):
            reply = self._serve_control(request)
        else:
            reply = self._serve_logged(request)
        tid = f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"
        return to_response(reply.with_headers({"intuit_tid": tid}))(environ, start_response)

    @property
    def first_books(self) -> RealmBooks:
        return next(iter(self.books.values()))

    # ------------------------------------------------------------------ QBO's paths

    def _serve_logged(self, request: Request) -> Reply:
        path = request.path
        if path.rstrip("/") == identity.DISCOVERY_PATH:
            path = identity.DISCOVERY_PATH
        is_api = self.api_routes.owns(path)
        router = self.api_routes if is_api else self.identity_routes
        realm: str | None = None
        statement: str | None = None
        try:
            route, params = router.match(request.method, path)
        except NoRoute:
            endpoint = f"{request.method} {path.lstrip('/')}"
            if is_api:
                time_text = wire.response_time(wire.utc_now(), self.first_books.tz)
                reply = json_reply(api.unsupported(request, time_text), 400)
            else:
                reply = control_error(f"no such endpoint: {request.method} {request.path}", 404)
        else:
            endpoint = api.endpoint_name(route.method, route.template) if is_api else route.name
            statement = _statement(request) if route.template.endswith("query") else None
            # A fault's ``path`` also matches a query's statement ("FROM Invoice"), so one
            # entity's reads can be hit although every query shares one path.
            triggered = self.faults.take(f"{request.path} {statement or ''}")
            if is_api:
                realm = params.pop("realm")
                reply = self._serve_api(request, route, endpoint, realm, params, triggered)
            elif triggered.storm:
                reply = throttled(triggered.storm.retry_after, wire.utc_now(), self.first_books.tz)
            else:
                reply = self._with_faults(triggered, lambda: self._identity_call(route, request))
        self.recorder.call(
            endpoint,
            {
                "time": wire.utc_now().isoformat(),
                "endpoint": endpoint,
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": reply.status,
                "realm": realm,
                "requestid": request.args.get("requestid"),
                "statement": statement,
            },
        )
        return reply

    def _identity_call(self, route: Route, request: Request) -> Reply:
        try:
            return route.handler(self.identity, request)  # type: ignore[return-value]
        except OAuthFailure as failure:
            return identity.failure_reply(failure)
        except AuthFailure as failure:
            return gateway_unauthorized(failure.detail, int(time.time() * 1000))

    def _serve_api(
        self,
        request: Request,
        route: Route,
        endpoint: str,
        realm: str,
        params: dict[str, str],
        triggered: Triggered,
    ) -> Reply:
        now = wire.utc_now()
        try:
            grant = self.identity.authenticate(request.headers.get("Authorization"))
        except AuthFailure as failure:
            return gateway_unauthorized(failure.detail, int(now.timestamp() * 1000))
        books = self.books.get(realm)
        tz = (books or self.first_books).tz
        if books is None or grant.realm_id != realm:
            return forbidden(now, tz)
        if triggered.storm:
            return throttled(triggered.storm.retry_after, now, tz)
        decision = self.limiter.acquire(realm)
        if decision.problem:
            return throttled(decision.retry_after, now, tz)
        try:
            call = api.ApiCall(request=request, books=books, params=params, now=now)
            return self._with_faults(
                triggered, lambda: self._write_once(request, route, endpoint, call)
            )
        finally:
            self.limiter.release(realm)

    def _write_once(
        self, request: Request, route: Route, endpoint: str, call: api.ApiCall
    ) -> Reply:
        """Run the handler, through the idempotency cache when a write carries ``requestid``."""
        request_id = request.args.get("requestid") or None
        if endpoint not in api.WRITE_ENDPOINTS or request_id is None:
            reply = route.handler(call)  # type: ignore[assignment]
            self._log_writes(reply, call, request_id, replayed=False)  # type: ignore[arg-type]
            return reply  # type: ignore[return-value]
        if len(request_id) > MAX_REQUEST_ID:
            return fault(
                "2010",
                "Request has invalid or unsupported property",
                f"requestid must be at most {MAX_REQUEST_ID} characters; got {len(request_id)}",
                now=call.now,
                tz=call.books.tz,
            )
        reply, replayed = self.idempotency.run(
            call.books.realm_id,
            request_id,
            "",
            lambda: route.handler(call),  # type: ignore[arg-type, return-value]
        )
        self._log_writes(reply, call, request_id, replayed=replayed)
        return reply

    def _log_writes(
        self, reply: Reply, call: api.ApiCall, request_id: str | None, *, replayed: bool
    ) -> None:
        for write in reply.writes:
            self.recorder.write(
                {
                    "time": call.now.isoformat(),
                    "realm": call.books.realm_id,
                    "method": call.request.method,
                    "path": call.request.path,
                    "query": call.request.query_string.decode("latin-1"),
                    **write,
                    "requestid": request_id,
                    "replay": replayed,
                }
            )

    def _with_faults(self, triggered: Triggered, run: Callable[[], Reply]) -> Reply:
        """Apply the slow, server-error and malformed faults around ``run``."""
        if triggered.slow:
            triggered.stall()  # ends early when the server stops
        if triggered.server_error:
            return server_error(triggered.server_error.status, wire.utc_now(), self.first_books.tz)
        reply = run()
        if triggered.malformed:
            body = reply.body or b'{"QueryResponse":{"'
            return Reply(
                200, body[: max(1, len(body) // 2)], content_type=JSON, headers=reply.headers
            )
        return reply

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

    def books_for(self, request: Request) -> RealmBooks | None:
        """The realm named by ``?realm=``, or the first realm; None if unknown."""
        wanted = request.args.get("realm", "").strip()
        if not wanted:
            return self.first_books
        return self.books.get(wanted)

    def now(self) -> datetime:
        return wire.utc_now()


def _statement(request: Request) -> str:
    """A query call's statement: ``?query=`` (GET) or the ``application/text`` body (POST)."""
    if request.method == "GET":
        return request.args.get("query", "")
    return request.get_data().decode("utf-8", "replace")
