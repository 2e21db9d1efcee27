"""Intuit's OAuth 2.0 endpoints as intuit-oauth uses them, all on the sandbox's own origin.

- ``GET /.well-known/openid_configuration`` (also with a trailing slash): the discovery
  document (``issuer``, ``authorization_endpoint``, ``token_endpoint``, ``revocation_endpoint``,
  ``userinfo_endpoint``, ``jwks_uri``) that ``AuthClient(environment=<this URL>)`` reads.
- ``GET /connect/oauth2?client_id&response_type=code&scope&redirect_uri&state`` approves at
  once: 302 to ``redirect_uri?code=...&state=...&realmId=...`` for the consented realm (the
  first one, or the one set with ``POST /_sandbox/consent``). No client id or no usable
  ``redirect_uri`` -> a 400 HTML error page (nothing to redirect to).
- ``POST /oauth2/v1/tokens/bearer`` (form-encoded, ``Authorization: Basic id:secret``):
  ``authorization_code`` (``code`` single-use, ``CODE_TTL`` seconds, ``redirect_uri`` must
  match) and ``refresh_token``. **Every refresh rotates the refresh token; the previous one
  then fails** with 400 ``{"error": "invalid_grant", "error_description": "Incorrect or invalid
  refresh token"}`` (real QBO rotates about once a day; the sandbox always does, so a client
  that does not persist the newest token fails at once). A refresh token unused for
  ``REFRESH_TTL`` seconds (100 days) expires. The answer is ``{"access_token",
  "refresh_token", "token_type": "bearer", "expires_in", "x_refresh_token_expires_in"}`` and
  no ``id_token`` (intuit-oauth would fetch JWKS to validate one).
- Any client id and secret is accepted (default ``ar-sync-sandbox`` /
  ``ar-sync-sandbox-secret``), but a grant belongs to the pair that obtained it: another id
  gets ``invalid_grant``, a wrong secret 401 ``invalid_client``.
- ``POST /v2/oauth2/tokens/revoke`` (JSON ``{"token"}``, Basic auth) revokes the whole grant
  of a refresh or access token: 200 with an empty body (unknown tokens too, RFC 7009).
- ``GET /v1/openid_connect/userinfo`` (bearer) and ``GET /op/v1/jwks`` exist for completeness.

A grant covers one realm, as a QBO connection does. Access tokens live ``access_token_ttl``
seconds. API calls with a missing, unknown, expired or revoked token get the gateway 401.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit.oauth import AuthFailure, OAuthFailure
from ar_sync.sandbox_kit.reply import Reply, json_reply
from ar_sync_quickbooks.sandbox.responses import oauth_error

DEFAULT_CLIENT_ID = "ar-sync-sandbox"
DEFAULT_CLIENT_SECRET = "ar-sync-sandbox-secret"
CODE_TTL = 600.0
REFRESH_TTL = 8_640_000  # 100 days, as x_refresh_token_expires_in says
DISCOVERY_PATH = "/.well-known/openid_configuration"
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
JWKS_PATH = "/op/v1/jwks"
INVALID_REFRESH = "Incorrect or invalid refresh token"


@dataclass
class Grant:
    """One consent: a client (id and secret) connected to one realm."""

    client_id: str
    client_secret: str
    realm_id: str
    revoked: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    realm_id: str
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    grant: Grant
    expires_at: float
    superseded: bool = False


class IdentityStore:
    """Codes, grants and tokens; thread-safe. ``clock`` returns Unix seconds."""

    def __init__(
        self,
        realm_ids: Callable[[], list[str]],
        *,
        access_token_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._realm_ids = realm_ids
        self.access_token_ttl = access_token_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._consent: str | None = None
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Token] = {}
        self._access: dict[str, _Token] = {}

    # ---- consent and authorize

    def consent(self, realm_id: str) -> None:
        """Choose the realm the next authorizations connect."""
        if realm_id not in self._realm_ids():
            raise KeyError(realm_id)
        with self._lock:
            self._consent = realm_id

    def consented_realm(self) -> str:
        return self._consent or self._realm_ids()[0]

    def authorize(self, params: Mapping[str, str]) -> str:
        """The redirect URL with a new code; raises ``OAuthFailure`` for a bad request."""
        client_id = params.get("client_id", "").strip()
        redirect_uri = params.get("redirect_uri", "").strip()
        if not client_id:
            raise OAuthFailure("invalid_client", "client_id is required")
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise OAuthFailure("invalid_request", "redirect_uri must be an absolute http(s) URL")
        if params.get("response_type", "code") != "code":
            raise OAuthFailure("unsupported_response_type", "response_type must be code")
        code = "AB11" + secrets.token_urlsafe(30)
        realm_id = self.consented_realm()
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, realm_id, self._clock() + CODE_TTL)
        answer = {"code": code}
        if "state" in params:
            answer["state"] = params["state"]
        answer["realmId"] = realm_id
        return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}"

    # ---- token endpoint

    def exchange_code(self, form: Mapping[str, str], client: tuple[str, str]) -> dict[str, object]:
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None or code.used or code.expires_at <= self._clock():
                raise OAuthFailure("invalid_grant")
            if code.client_id != client[0] or code.redirect_uri != form.get("redirect_uri"):
                raise OAuthFailure("invalid_grant")
            code.used = True
            return self._issue(Grant(client[0], client[1], code.realm_id))

    def refresh(self, form: Mapping[str, str], client: tuple[str, str]) -> dict[str, object]:
        with self._lock:
            token = self._refresh.get(form.get("refresh_token", ""))
            if token is None or token.superseded or token.grant.revoked:
                raise OAuthFailure("invalid_grant", INVALID_REFRESH)
            if token.expires_at <= self._clock() or token.grant.client_id != client[0]:
                raise OAuthFailure("invalid_grant", INVALID_REFRESH)
            if token.grant.client_secret != client[1]:
                raise OAuthFailure("invalid_client", status=401)
            token.superseded = True
            return self._issue(token.grant)

    def issue(
        self, client_id: str, client_secret: str, realm_id: str | None = None
    ) -> dict[str, object]:
        """A token set for a new grant (as a completed consent gives), plus ``realmId``."""
        realm = realm_id or self.consented_realm()
        if realm not in self._realm_ids():
            raise KeyError(realm)
        with self._lock:
            return {**self._issue(Grant(client_id, client_secret, realm)), "realmId": realm}

    def revoke(self, token: str, client: tuple[str, str]) -> None:
        with self._lock:
            found = self._refresh.get(token) or self._access.get(token)
            if found is None:
                return
            if found.grant.client_id != client[0] or found.grant.client_secret != client[1]:
                raise OAuthFailure("invalid_client", status=401)
            found.grant.revoked = True

    # ---- API side

    def authenticate(self, authorization: str | None) -> Grant:
        """The grant of a ``Bearer`` access token; raises ``AuthFailure``."""
        scheme, _, value = (authorization or "").partition(" ")
        value = value.strip()
        with self._lock:
            token = self._access.get(value) if scheme.lower() == "bearer" else None
            if token is None:
                raise AuthFailure("Token invalid" if value else "Token is missing")
            if token.grant.revoked:
                raise AuthFailure(f"Token revoked: {value[:50]}")
            if token.expires_at <= self._clock():
                raise AuthFailure(f"Token expired: {value[:50]}")
            return token.grant

    def expire_access_tokens(self) -> None:
        """Every access token expires now; refresh tokens keep working."""
        with self._lock:
            now = self._clock()
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)

    def revoke_all(self) -> None:
        """Every grant is revoked: API calls get 401, refreshes ``invalid_grant``."""
        with self._lock:
            for token in [*self._refresh.values(), *self._access.values()]:
                token.grant.revoked = True

    def _issue(self, grant: Grant) -> dict[str, object]:
        now = self._clock()
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2In0." + secrets.token_urlsafe(96)
        refresh = "AB11" + secrets.token_urlsafe(36)
        self._access[access] = _Token(grant, now + self.access_token_ttl)
        self._refresh[refresh] = _Token(grant, now + REFRESH_TTL)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": int(self.access_token_ttl),
            "x_refresh_token_expires_in": REFRESH_TTL,
        }


# --------------------------------------------------------------------------- HTTP handlers


def discovery(request: Request) -> dict[str, str]:
    base = request.host_url.rstrip("/")
    return {
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": f"{base}{AUTHORIZE_PATH}",
        "token_endpoint": f"{base}{TOKEN_PATH}",
        "userinfo_endpoint": f"{base}{USERINFO_PATH}",
        "revocation_endpoint": f"{base}{REVOKE_PATH}",
        "jwks_uri": f"{base}{JWKS_PATH}",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def basic_client(request: Request) -> tuple[str, str]:
    """``(client_id, client_secret)`` from HTTP Basic; raises 401 ``invalid_client``."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        raise OAuthFailure("invalid_client", status=401)
    return auth.username, auth.password


def handle_discovery(store: IdentityStore, request: Request) -> Reply:
    return json_reply(discovery(request))


def handle_authorize(store: IdentityStore, request: Request) -> Reply:
    try:
        location = store.authorize(request.args.to_dict())
    except OAuthFailure as failure:
        page = (
            "<!DOCTYPE html><html><head><title>Authorization error</title></head><body>"
            f"<h1>Something went wrong</h1><p>{escape(failure.error)}: "
            f"{escape(failure.description or '')}</p></body></html>"
        )
        return Reply(400, page.encode(), content_type="text/html; charset=utf-8")
    return Reply(302, b"", content_type=None, headers={"Location": location})


def handle_token(store: IdentityStore, request: Request) -> Reply:
    client = basic_client(request)
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        body = store.exchange_code(request.form, client)
    elif grant_type == "refresh_token":
        body = store.refresh(request.form, client)
    else:
        raise OAuthFailure("unsupported_grant_type")
    return json_reply(body).with_headers({"Cache-Control": "no-store", "Pragma": "no-cache"})


def handle_revoke(store: IdentityStore, request: Request) -> Reply:
    client = basic_client(request)
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        body = None
    token = body.get("token") if isinstance(body, dict) else request.form.get("token")
    if not isinstance(token, str) or not token:
        raise OAuthFailure("invalid_request", "token is required")
    store.revoke(token, client)
    return Reply(200, b"", content_type=None)


def handle_userinfo(store: IdentityStore, request: Request) -> Reply:
    grant = store.authenticate(request.headers.get("Authorization"))
    return json_reply(
        {
            "sub": f"sandbox-user-{grant.realm_id}",
            "email": "sandbox.user@example.com",
            "emailVerified": True,
            "givenName": "Sandbox",
            "familyName": "User",
        }
    )


def handle_jwks(store: IdentityStore, request: Request) -> Reply:
    return json_reply({"keys": []})


def failure_reply(failure: OAuthFailure) -> Reply:
    return oauth_error(failure.error, failure.description, failure.status)


ROUTES = [
    ("GET", DISCOVERY_PATH.strip("/"), handle_discovery),
    ("GET", AUTHORIZE_PATH.strip("/"), handle_authorize),
    ("POST", TOKEN_PATH.strip("/"), handle_token),
    ("POST", REVOKE_PATH.strip("/"), handle_revoke),
    ("GET", USERINFO_PATH.strip("/"), handle_userinfo),
    ("GET", JWKS_PATH.strip("/"), handle_jwks),
]
