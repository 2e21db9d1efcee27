"""A third ledger's sandbox is its own rules and shapes on top of ``ar_sync.sandbox``.

"Tally", a ledger made up for this test, is written the way a new ledger would be: books, a
``TokenBook`` subclass (its token shape and refusal rule), a ``LedgerRules`` subclass (routes,
error bodies, keys) and a ``SandboxServer`` subclass. Everything else (routing, the bearer
token, the company check, rate limits, idempotency, faults, the call and write logs, the
control endpoints) comes from the kit, over real HTTP.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ar_sync.sandbox.control import BadInput
from ar_sync.sandbox.identity import (
    AuthFailure,
    Grant,
    OAuthFailure,
    RefreshToken,
    TokenBook,
    token_reply,
)
from ar_sync.sandbox.limits import Quota, RatePolicy
from ar_sync.sandbox.pipeline import SandboxApp, open_books
from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync.sandbox.rules import Exchange, LedgerRules
from ar_sync.sandbox.server import SandboxServer

COMPANY = "t-1"


class TallyBooks:
    def __init__(self, company: Mapping[str, Any]) -> None:
        self.lock = threading.RLock()
        self.id, self.name = str(company["id"]), str(company["name"])
        self.notes: list[str] = list(company.get("notes", ()))

    def snapshot(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "notes": list(self.notes)}


class TallyTokens(TokenBook):
    def token_body(self, grant: Grant, access: str, refresh: str, now: float) -> dict[str, object]:
        return {"access": access, "refresh": refresh}

    def refresh_refusal(
        self, token: RefreshToken | None, client: tuple[str, str | None], now: float
    ) -> OAuthFailure | None:
        if token is None or token.superseded_at is not None or token.grant.revoked:
            return OAuthFailure("invalid_grant")
        return None

    def control_grant(
        self, client_id: str, client_secret: str, body: Mapping[str, object]
    ) -> dict[str, object]:
        company = str(body.get("company", COMPANY))
        if company not in self.companies:
            raise BadInput("no such company")
        return self.issue(Grant(client_id, client_secret, self.connect(company)))


def list_notes(call: TallyBooks) -> Reply:
    return json_reply({"notes": call.notes})


def add_note(call: tuple[TallyBooks, bytes]) -> Reply:
    books, body = call
    books.notes.append(body.decode())
    return Reply(201, b"{}", writes=({"kind": "note", "target_id": books.id},))


def token(store: TallyTokens, request: Any) -> Reply:
    return token_reply(store, request, lambda: (request.form["client_id"], None))


def _error(status: int, text: str, headers: Mapping[str, str] | None = None) -> Reply:
    return json_reply({"error": text}, status).with_headers(headers or {})


class TallyRules(LedgerRules):
    name = "tally-sandbox"
    scope = "tenant"
    api_prefix = "/api"
    key_field = "key"
    fault_problems = ("minute", "concurrent")
    malformed_stub = b'{"notes":'
    max_key_length = 8
    api_routes = [("GET", "notes", list_notes), ("POST", "notes", add_note)]
    identity_routes = [("POST", "token", token)]

    def open_books(self, company: Mapping[str, Any]) -> TallyBooks:
        return TallyBooks(company)

    def company_document(self, company: dict[str, Any]) -> object:
        return company

    def no_route(self, ex: Exchange, allowed: list[str]) -> Reply:
        return _error(404, "no such path")

    def company_of(self, ex: Exchange) -> str | None:
        return ex.request.headers.get("Tally-Company")

    def unauthorized(self, failure: AuthFailure, ex: Exchange) -> Reply:
        return _error(401, failure.reason)

    def forbidden(self, ex: Exchange) -> Reply:
        return _error(403, "not your company")

    def throttled(
        self, problem: str, retry_after: int | None, ex: Exchange, headers: Mapping[str, str]
    ) -> Reply:
        after = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return _error(429, problem, {**headers, **after})

    def server_error(self, status: int, ex: Exchange) -> Reply:
        return _error(status, "down")

    def api_call(self, ex: Exchange) -> object:
        if ex.request.method == "POST":
            return ex.books, ex.request.get_data()
        return ex.books

    def idempotency_key(self, ex: Exchange) -> str | None:
        return ex.request.headers.get("Tally-Key")

    def keyed(self, ex: Exchange) -> bool:
        return ex.request.method == "POST"

    def key_too_long(self, key: str, ex: Exchange) -> Reply:
        return _error(400, "key too long")

    def key_scope(self, ex: Exchange) -> str:
        assert ex.books is not None
        return ex.books.id


class TallySandbox(SandboxServer):
    def __init__(self, companies: list[dict[str, Any]], *, per_minute: int = 3) -> None:
        rules = TallyRules()
        books = open_books(rules, companies)
        tokens = TallyTokens({b.id: b.name for b in books.values()}, access_token_ttl=60)
        policy = RatePolicy(
            quotas=(Quota("minute", per_minute, 60, header="X-Left"),), concurrent=2
        )
        app = SandboxApp(rules, books, identity=tokens, policy=policy, idempotency_ttl=60)
        super().__init__(app, host="127.0.0.1", port=0)


def call(
    url: str, method: str = "GET", body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, found, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, found, raw = error.code, dict(error.headers), error.read()
        error.close()
    return status, found, json.loads(raw) if raw else None


@pytest.fixture
def tally() -> Iterator[TallySandbox]:
    companies = [{"id": COMPANY, "name": "Tally One"}, {"id": "t-2", "name": "Tally Two"}]
    with TallySandbox(companies) as sandbox:
        yield sandbox


def _token(sandbox: TallySandbox, company: str = COMPANY) -> str:
    body = json.dumps({"client_id": "app", "client_secret": "s", "company": company}).encode()
    status, _, tokens = call(f"{sandbox.url}/_sandbox/tokens", "POST", body)
    assert status == 200
    return str(tokens["access"])


def test_the_kit_checks_the_token_and_the_company_before_the_ledger_runs(tally) -> None:
    notes = f"{tally.url}/api/notes"
    assert call(notes)[0::2] == (401, {"error": "missing"})
    bearer = f"Bearer {_token(tally)}"
    assert call(notes, Authorization=bearer)[0::2] == (403, {"error": "not your company"})
    assert call(notes, Authorization=bearer, **{"Tally-Company": "t-2"})[0::2] == (
        403,
        {"error": "not your company"},
    )
    status, headers, body = call(notes, Authorization=bearer, **{"Tally-Company": COMPANY})
    assert (status, headers["X-Left"], body) == (200, "2", {"notes": []})
    assert call(f"{tally.url}/api/nothing", Authorization=bearer)[0::2] == (
        404,
        {"error": "no such path"},
    )
    log = call(f"{tally.url}/_sandbox/calls")[2]
    assert [(e["method"], e["path"], e["status"], e["tenant"]) for e in log["log"]] == [
        ("GET", "/api/notes", 401, None),
        ("GET", "/api/notes", 403, None),
        ("GET", "/api/notes", 403, "t-2"),
        ("GET", "/api/notes", 200, COMPANY),
        ("GET", "/api/nothing", 404, None),
    ]
    assert log["by_endpoint"] == {"GET notes": 4, "GET api/nothing": 1}


def test_the_ledgers_quota_refuses_with_its_problem_and_retry_after(tally) -> None:
    headers = {"Authorization": f"Bearer {_token(tally)}", "Tally-Company": COMPANY}
    left = [call(f"{tally.url}/api/notes", **headers)[1]["X-Left"] for _ in range(3)]
    status, found, body = call(f"{tally.url}/api/notes", **headers)
    assert (left, status, body, found["X-Left"]) == (["2", "1", "0"], 429, {"error": "minute"}, "0")
    assert 1 <= int(found["Retry-After"]) <= 60
    assert call(f"{tally.url}/_sandbox/calls")[2]["rate_limited"] == 1


def test_a_keyed_write_is_replayed_and_logged_twice(tally) -> None:
    headers = {"Authorization": f"Bearer {_token(tally)}", "Tally-Company": COMPANY}
    url = f"{tally.url}/api/notes"
    assert call(url, "POST", b"hello", **headers, **{"Tally-Key": "k1"})[0] == 201
    assert call(url, "POST", b"hello", **headers, **{"Tally-Key": "k1"})[0] == 201
    assert call(url, "POST", b"x", **headers, **{"Tally-Key": "k" * 9})[0::2] == (
        400,
        {"error": "key too long"},
    )
    assert call(f"{tally.url}/_sandbox/state")[2] == {
        "id": COMPANY,
        "name": "Tally One",
        "notes": ["hello"],
    }
    writes = call(f"{tally.url}/_sandbox/writes")[2]["writes"]
    assert [(w["tenant"], w["kind"], w["key"], w["replay"]) for w in writes] == [
        (COMPANY, "note", "k1", False),
        (COMPANY, "note", "k1", True),
    ]


def test_a_server_error_fault_comes_before_idempotency(tally) -> None:
    headers = {"Authorization": f"Bearer {_token(tally)}", "Tally-Company": COMPANY}
    fault = json.dumps({"kind": "server_error", "path": "notes", "status": 503}).encode()
    assert call(f"{tally.url}/_sandbox/faults", "POST", fault)[0] == 201
    url = f"{tally.url}/api/notes"
    assert call(url, "POST", b"once", **headers, **{"Tally-Key": "k2"})[0::2] == (
        503,
        {"error": "down"},
    )
    assert call(url, "POST", b"once", **headers, **{"Tally-Key": "k2"})[0] == 201
    assert call(f"{tally.url}/_sandbox/state")[2]["notes"] == ["once"]


def test_identity_and_control_come_from_the_kit(tally) -> None:
    body = json.dumps({"client_id": "app", "client_secret": "s"}).encode()
    refresh = call(f"{tally.url}/_sandbox/tokens", "POST", body)[2]["refresh"]
    form = f"grant_type=refresh_token&refresh_token={refresh}&client_id=app".encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, tokens = call(f"{tally.url}/token", "POST", form, **form_type)
    assert (status, sorted(tokens), headers["Cache-Control"]) == (
        200,
        ["access", "refresh"],
        "no-store",
    )
    assert call(f"{tally.url}/token", "POST", form, **form_type)[0::2] == (  # rotated: spent
        400,
        {"error": "invalid_grant"},
    )
    assert call(f"{tally.url}/_sandbox/tenants")[2] == {
        "tenants": [{"id": COMPANY, "name": "Tally One"}, {"id": "t-2", "name": "Tally Two"}]
    }
    assert call(f"{tally.url}/_sandbox/state?tenant=t-9")[0::2] == (
        404,
        {"error": "unknown tenant 't-9'"},
    )
    bad = json.dumps({"client_id": "app", "client_secret": "s", "company": "t-9"}).encode()
    assert call(f"{tally.url}/_sandbox/tokens", "POST", bad)[0::2] == (
        400,
        {"error": "no such company"},
    )
