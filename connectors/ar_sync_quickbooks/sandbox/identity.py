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
seconds. API calls with a missing, unknown, expired or revoked token get the gateway 401. The
bookkeeping (codes, grants, rotation, revocation) is ``ar_sync.sandbox.identity.TokenBook``;
this module holds Intuit's rules and shapes.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from html import escape

from werkzeug.wrappers import Request

from ar_sync.sandbox.control import BadInput, Missing
from ar_sync.sandbox.identity import (
    AuthFailure,
    Grant,
    OAuthFailure,
    RefreshToken,
    TokenBook,
    check_redirect_uri,
    redirect,
    token_reply,
)
from ar_sync.sandbox.reply import Reply, empty, json_reply

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


class IdentityStore(TokenBook):
    """Intuit's codes, grants and tokens; thread-safe. ``clock`` returns Unix seconds."""

    code_ttl = CODE_TTL

    def __init__(
        self,
        realm_names: Mapping[str, str],
        *,
        access_token_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(realm_names, access_token_ttl=access_token_ttl, clock=clock)
        self._consent: str | None = None

    def code_value(self) -> str:
        return "AB11" + secrets.token_urlsafe(30)

    def access_value(self) -> str:
        return "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2In0." + secrets.token_urlsafe(96)

    def refresh_value(self) -> str:
        return "AB11" + secrets.token_urlsafe(36)

    # ---- consent and authorize

    def consent(self, realm_id: str) -> None:
        """Choose the realm the next authorizations connect."""
        if realm_id not in self.companies:
            raise KeyError(realm_id)
        with self.lock:
            self._consent = realm_id

    def consented_realm(self) -> str:
        return self._consent or next(iter(self.companies))

    def authorize(self, params: Mapping[str, str]) -> tuple[str, str]:
        """A new code and the realm it connects; raises ``OAuthFailure`` for a bad request."""
        client_id = params.get("client_id", "").strip()
        redirect_uri = params.get("redirect_uri", "").strip()
        if not client_id:
            raise OAuthFailure("invalid_client", "client_id is required")
        check_redirect_uri(redirect_uri)
        if params.get("response_type", "code") != "code":
            raise OAuthFailure("unsupported_response_type", "response_type must be code")
        realm_id = self.consented_realm()
        return self.new_code(client_id, redirect_uri, realm=realm_id), realm_id

    # ---- token endpoint

    def exchange_code(self, form: Mapping[str, str], client: tuple[str, str]) -> dict[str, object]:
        code = self.redeem_code(form.get("code", ""), client[0], form.get("redirect_uri"))
        realm = str(code.details["realm"])
        return self.issue(Grant(client[0], client[1], self.connect(realm)))

    def refresh_refusal(
        self, token: RefreshToken | None, client: tuple[str, str | None], now: float
    ) -> OAuthFailure | None:
        """Strict rotation: a used refresh token fails at once (see the module docstring)."""
        if token is None or token.superseded_at is not None or token.grant.revoked:
            return OAuthFailure("invalid_grant", INVALID_REFRESH)
        if token.issued_at + REFRESH_TTL <= now or token.grant.client_id != client[0]:
            return OAuthFailure("invalid_grant", INVALID_REFRESH)
        if token.grant.client_secret != client[1]:
            return OAuthFailure("invalid_client", status=401)
        return None

    def revoke_refusal(self, grant: Grant, client: tuple[str, str | None]) -> OAuthFailure | None:
        if grant.client_id != client[0] or grant.client_secret != client[1]:
            return OAuthFailure("invalid_client", status=401)
        return None

    def token_body(
        self, grant: Grant, access: str, refresh: str, now: float
    ) -> dict[str, object]:
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": int(self.access_token_ttl),
            "x_refresh_token_expires_in": REFRESH_TTL,
        }

    def grant_tokens(
        self, client_id: str, client_secret: str, realm_id: str | None = None
    ) -> dict[str, object]:
        """A token set for a new grant (as a completed consent gives), plus ``realmId``."""
        realm = realm_id or self.consented_realm()
        if realm not in self.companies:
            raise KeyError(realm)
        tokens = self.issue(Grant(client_id, client_secret, self.connect(realm)))
        return {**tokens, "realmId": realm}

    def control_grant(
        self, client_id: str, client_secret: str, body: Mapping[str, object]
    ) -> dict[str, object]:
        realm = body.get("realmId")
        if realm is not None and not isinstance(realm, str):
            raise BadInput("realmId must be a string")
        try:
            return self.grant_tokens(client_id, client_secret, realm)
        except KeyError:
            raise Missing(f"unknown realm {realm!r}") from None


def unauthorized_detail(failure: AuthFailure) -> str:
    """The ``detail`` of the gateway's 401 for each reason a token is refused."""
    return {
        "missing": "Token is missing",
        "unknown": "Token invalid",
        "revoked": f"Token revoked: {failure.token[:50]}",
        "expired": f"Token expired: {failure.token[:50]}",
    }[failure.reason]


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
    params = request.args.to_dict()
    try:
        code, realm_id = store.authorize(params)
    except OAuthFailure as failure:
        page = (
            "<!DOCTYPE html><html><head><title>Authorization error</title></head><body>"
            f"<h1>Something went wrong</h1><p>{escape(failure.error)}: "
            f"{escape(failure.description or '')}</p></body></html>"
        )
        return Reply(400, page.encode(), content_type="text/html; charset=utf-8")
    answer = {"code": code}
    if "state" in params:
        answer["state"] = params["state"]
    answer["realmId"] = realm_id
    return redirect(params["redirect_uri"].strip(), answer)


def handle_token(store: IdentityStore, request: Request) -> Reply:
    client = basic_client(request)  # before the grant type: Basic auth is checked first
    return token_reply(store, request, lambda: client)


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
    return empty(200)


def handle_userinfo(store: IdentityStore, request: Request) -> Reply:
    grant = store.authenticate(request.headers.get("Authorization"))
    return json_reply(
        {
            "sub": f"sandbox-user-{next(iter(grant.connections))}",
            "email": "sandbox.user@example.com",
            "emailVerified": True,
            "givenName": "Sandbox",
            "familyName": "User",
        }
    )


def handle_jwks(store: IdentityStore, request: Request) -> Reply:
    return json_reply({"keys": []})


ROUTES = [
    ("GET", DISCOVERY_PATH.strip("/"), handle_discovery),
    ("GET", AUTHORIZE_PATH.strip("/"), handle_authorize),
    ("POST", TOKEN_PATH.strip("/"), handle_token),
    ("POST", REVOKE_PATH.strip("/"), handle_revoke),
    ("GET", USERINFO_PATH.strip("/"), handle_userinfo),
    ("GET", JWKS_PATH.strip("/"), handle_jwks),
]
