"""The one request pipeline of every sandbox: a WSGI app over a ledger's ``LedgerRules``.

An API call (under the ledger's ``api_prefix``) goes through, in order:

1. ``route``: no match -> the ledger's 404/405/400 (not counted by faults);
2. ``faults``: the fault book counts the call (``rules.fault_subject``);
3. ``auth``: the bearer token (the ledger's 401);
4. ``company``: the tenant or realm the call names, which the grant must cover (its 403);
5. ``limits``: an injected 429 storm, then the real limits (its 429; a concurrency slot is held
   until the answer is ready);
6. ``slow`` and ``server_error`` faults (a 5xx happens before idempotency, so a retry with the
   same key really runs);
7. ``idempotency``: a keyed write within the key's lifetime is replayed, not redone; a key too
   long, or reused for another request, is refused;
8. the ledger's handler, then the ``write log`` (each write, and each replay);
9. the ``malformed`` fault: the body cut in half.

Identity calls (authorize, token, revocation...) take steps 1, 2, the storm of 5, 6, the
handler and 9. Every call but ``/_sandbox/`` ones goes to the call log. ``/_sandbox/`` calls go
to the control routes (``control.py`` and the ledger's own). Every answer passes
``rules.finish`` last.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.wrappers import Request

from ar_sync.sandbox import control
from ar_sync.sandbox.clock import utc_now
from ar_sync.sandbox.faults import FaultBook, Triggered
from ar_sync.sandbox.idempotency import IdempotencyCache, KeyReused
from ar_sync.sandbox.identity import AuthFailure, OAuthFailure, TokenBook
from ar_sync.sandbox.limits import RateLimiter, RatePolicy
from ar_sync.sandbox.recorder import Recorder
from ar_sync.sandbox.reply import JSON, Reply, to_response
from ar_sync.sandbox.routing import NoRoute, Route, Router
from ar_sync.sandbox.rules import Books, Exchange, LedgerRules


def open_books(rules: LedgerRules, companies: Iterable[Any]) -> dict[str, Books]:
    """Live books by company id, in load order; ``ValueError`` when two share an id or there
    are none."""
    books: dict[str, Books] = {}
    for company in companies:
        opened = rules.open_books(company)
        if opened.id in books:
            raise ValueError(f"two companies have the {rules.scope} id {opened.id}")
        books[opened.id] = opened
    if not books:
        raise ValueError("a sandbox needs at least one company")
    return books


class SandboxApp:
    """The WSGI callable; its parts are public so control handlers and tests can reach them.

    ``identity`` is the ledger's ``TokenBook``; ``policy`` its rate limits; ``idempotency_ttl``
    how long (seconds) a key is remembered.
    """

    def __init__(
        self,
        rules: LedgerRules,
        books: Mapping[str, Books],
        *,
        identity: TokenBook,
        policy: RatePolicy,
        idempotency_ttl: float,
    ) -> None:
        self.rules = rules
        self.books = dict(books)
        self.identity = identity
        self.limiter = RateLimiter(policy)
        self.idempotency: IdempotencyCache[Reply] = IdempotencyCache(idempotency_ttl)
        self.faults = FaultBook(rules.fault_problems)
        self.recorder = Recorder(scope_field=rules.scope)
        self.api_routes = Router(rules.api_prefix, rules.api_routes)
        self.identity_routes = Router("", rules.identity_routes)
        self.control_routes = Router("/_sandbox", [*rules.control_routes, *control.ROUTES])

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if self.control_routes.owns(request.path):
            reply = self._serve_control(request)
        else:
            reply = self._serve_logged(request)
        return to_response(self.rules.finish(reply))(environ, start_response)

    @property
    def first_books(self) -> Books:
        return next(iter(self.books.values()))

    def books_for(self, request: Request) -> Books | None:
        """The company named by ``?<scope>=`` (tenant, realm), or the first; None if unknown."""
        wanted = request.args.get(self.rules.scope, "").strip()
        if not wanted:
            return self.first_books
        return self.books.get(self.rules.company_key(wanted))

    # ------------------------------------------------------------------ the ledger's paths

    def _serve_logged(self, request: Request) -> Reply:
        started = time.perf_counter()
        path = self.rules.route_path(request.path)
        ex = Exchange(request=request, now=utc_now(), path=path, fallback=self.first_books)
        ex.api = self.api_routes.owns(path)
        router = self.api_routes if ex.api else self.identity_routes
        try:
            ex.route, ex.params = router.match(request.method, path)
        except NoRoute as missing:
            ex.endpoint = f"{request.method} {path.lstrip('/')}"
            reply = self.rules.no_route(ex, missing.allowed)
        else:
            ex.endpoint = self.rules.endpoint_name(ex)
            triggered = self.faults.take(self.rules.fault_subject(ex))
            if ex.api:
                reply = self._serve_api(ex, triggered)
            elif triggered.storm:
                reply = self._storm(triggered, ex, {})
            else:
                reply = self._with_faults(triggered, ex, lambda: self._identity_call(ex))
        self.recorder.call(
            ex.endpoint,
            {
                "time": utc_now().isoformat(),
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": reply.status,
                # how long serving it took (integer: sandbox JSON refuses floats), for the bench
                "microseconds": int((time.perf_counter() - started) * 1e6),
                **self.rules.call_details(ex),
                self.rules.scope: ex.company,
            },
        )
        return reply

    def _identity_call(self, ex: Exchange) -> Reply:
        assert ex.route is not None
        handler = ex.route.handler
        try:
            return handler(self.identity, ex.request, **ex.params)  # type: ignore[return-value]
        except OAuthFailure as failure:
            return self.rules.oauth_error(failure)
        except AuthFailure as failure:
            return self.rules.unauthorized(failure, ex)

    def _serve_api(self, ex: Exchange, triggered: Triggered) -> Reply:
        rules = self.rules
        named = rules.company_of(ex)
        if rules.company_in_path:
            ex.company = named
        try:
            ex.grant = self.identity.authenticate(ex.request.headers.get("Authorization"))
        except AuthFailure as failure:
            return rules.unauthorized(failure, ex)
        ex.company = named or None
        ex.books = self.books.get(named) if named else None
        if ex.books is None or named not in ex.grant.connections:
            return rules.forbidden(ex)
        company = ex.books.id
        if triggered.storm:
            return self._storm(triggered, ex, self.limiter.remaining(company))
        decision = self.limiter.acquire(company)
        if decision.problem:
            return rules.throttled(decision.problem, decision.retry_after, ex, decision.headers)
        try:
            call = rules.api_call(ex)
            reply = self._with_faults(triggered, ex, lambda: self._write_once(ex, call))
        finally:
            self.limiter.release(company)
        return reply.with_headers(decision.headers)

    def _storm(self, triggered: Triggered, ex: Exchange, headers: Mapping[str, str]) -> Reply:
        storm = triggered.storm
        assert storm is not None
        retry_after = self.limiter.storm_retry_after(storm.problem, storm.retry_after)
        return self.rules.throttled(storm.problem, retry_after, ex, headers)

    def _write_once(self, ex: Exchange, call: object) -> Reply:
        """Run the handler, through the idempotency cache when a write carries a key."""
        rules = self.rules
        assert ex.route is not None
        route: Route = ex.route
        key = rules.idempotency_key(ex)
        if key is None or not rules.keyed(ex):
            reply = rules.run(route, call)
            self._log_writes(reply, ex, key, replayed=False)
            return reply
        if len(key) > rules.max_key_length:
            return rules.key_too_long(key, ex)
        try:
            reply, replayed = self.idempotency.run(
                rules.key_scope(ex), key, rules.fingerprint(ex), lambda: rules.run(route, call)
            )
        except KeyReused:
            return rules.key_reused(key, ex)
        self._log_writes(reply, ex, key, replayed=replayed)
        return reply

    def _log_writes(self, reply: Reply, ex: Exchange, key: str | None, *, replayed: bool) -> None:
        for write in reply.writes:
            self.recorder.write(
                {
                    "time": ex.now.isoformat(),
                    self.rules.scope: ex.company,
                    "method": ex.request.method,
                    "path": ex.request.path,
                    **self.rules.write_details(ex),
                    **write,
                    self.rules.key_field: key,
                    "replay": replayed,
                }
            )

    def _with_faults(self, triggered: Triggered, ex: Exchange, run: Callable[[], Reply]) -> Reply:
        """Apply the slow, server-error and malformed faults around ``run``."""
        if triggered.slow:
            triggered.stall()  # ends early when the server stops
        if triggered.server_error:
            return self.rules.server_error(triggered.server_error.status, ex)
        reply = run()
        if triggered.malformed:
            body = reply.body or self.rules.malformed_stub
            return Reply(
                200, body[: max(1, len(body) // 2)], content_type=JSON, headers=reply.headers
            )
        return reply

    # ------------------------------------------------------------------ control paths

    def _serve_control(self, request: Request) -> Reply:
        try:
            route, params = self.control_routes.match(request.method, request.path)
        except NoRoute as missing:
            return control.control_error(
                f"no control endpoint {request.method} {request.path}",
                405 if missing.allowed else 404,
            )
        return route.handler(self, request, **params)  # type: ignore[return-value]
