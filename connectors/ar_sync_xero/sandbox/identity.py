"""Xero's OAuth 2.0 endpoints: authorize, token, revocation, connections.

- ``GET /identity/connect/authorize`` approves at once (no login page) and redirects to
  ``redirect_uri?code=...&scope=...&state=...``. PKCE is optional; only ``S256`` is accepted.
- ``POST /connect/token``:
  ``authorization_code``: client credentials by HTTP Basic or in the form (a PKCE code may omit
  the secret); ``code`` is single-use and lives ``CODE_TTL`` seconds; ``redirect_uri`` must
  match; ``code_verifier`` must hash (S256) to the challenge.
  ``refresh_token``: every refresh issues a new access and refresh token; the refresh token
  used stays usable for ``refresh_grace`` seconds (each use issues a fresh pair), then gives
  ``invalid_grant``; an unused refresh token dies after ``REFRESH_TTL`` seconds (60 days).
  Tokens belong to the client that got them: another client id gets ``invalid_grant``, a wrong
  secret ``invalid_client``.
- ``POST /connect/revocation`` revokes the whole grant of a refresh token.
- ``GET /connections`` lists the grant's tenants; ``DELETE /connections/{id}`` drops one.

Any non-empty client id and secret is accepted. Access tokens live ``access_token_ttl``
seconds. A grant covers every tenant of the sandbox at the time it is made. The bookkeeping
(codes, grants, rotation, revocation) is ``ar_sync.sandbox.identity.TokenBook``; this module
holds Xero's rules and shapes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from werkzeug.wrappers import Request

from ar_sync.sandbox.control import BadInput
from ar_sync.sandbox.identity import (
    AuthFailure,
    Code,
    Grant,
    OAuthFailure,
    RefreshToken,
    TokenBook,
    check_redirect_uri,
    redirect,
    token_reply,
)
from ar_sync.sandbox.reply import Reply, empty, json_reply

CODE_TTL = 300.0
REFRESH_TTL = 60 * 86_400.0
DEFAULT_SCOPE = (
    "offline_access openid profile email accounting.transactions accounting.contacts "
    "accounting.attachments accounting.reports.read accounting.settings.read"
)


class IdentityStore(TokenBook):
    """Xero's codes, grants and tokens; thread-safe. ``clock`` returns Unix seconds."""

    code_ttl = CODE_TTL

    def __init__(
        self,
        tenant_names: Mapping[str, str],
        *,
        access_token_ttl: float,
        refresh_grace: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(tenant_names, access_token_ttl=access_token_ttl, clock=clock)
        self.refresh_grace = refresh_grace

    # ---- authorize

    def authorize(self, params: Mapping[str, str]) -> str:
        """A new code for a valid request; raises ``OAuthFailure`` for bad parameters."""
        if params.get("response_type") != "code":
            raise OAuthFailure("unsupported_response_type", "response_type must be code")
        client_id, redirect_uri, scope = (
            params.get(k, "").strip() for k in ("client_id", "redirect_uri", "scope")
        )
        if not client_id:
            raise OAuthFailure("invalid_request", "client_id is required")
        check_redirect_uri(redirect_uri)
        if not scope:
            raise OAuthFailure("invalid_scope", "scope is required")
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or None
        if (challenge is None) != (method is None) or method not in (None, "S256"):
            raise OAuthFailure(
                "invalid_request", "PKCE needs code_challenge with code_challenge_method=S256"
            )
        if challenge is not None and not 43 <= len(challenge) <= 128:
            raise OAuthFailure("invalid_request", "code_challenge must be 43 to 128 characters")
        return self.new_code(client_id, redirect_uri, scope=scope, challenge=challenge)

    # ---- token endpoint

    def exchange_code(
        self, form: Mapping[str, str], client: tuple[str, str | None]
    ) -> dict[str, object]:
        """``grant_type=authorization_code``."""
        client_id, client_secret = client

        def verify(code: Code) -> None:
            challenge = code.details["challenge"]
            if challenge is None and not client_secret:
                raise OAuthFailure("invalid_client")
            if challenge is not None and _s256(form.get("code_verifier", "")) != challenge:
                raise OAuthFailure(
                    "invalid_grant", "code_verifier does not match the code_challenge"
                )

        code = self.redeem_code(form.get("code", ""), client_id, form.get("redirect_uri"), verify)
        scope = str(code.details["scope"])
        return self.issue(Grant(client_id, client_secret or None, self.connect(), scope=scope))

    def refresh_refusal(
        self, token: RefreshToken | None, client: tuple[str, str | None], now: float
    ) -> OAuthFailure | None:
        """Rotation with a grace period (see the module docstring)."""
        if token is None or token.grant.revoked:
            return OAuthFailure("invalid_grant")
        grant = token.grant
        if grant.client_id != client[0]:
            return OAuthFailure("invalid_grant")
        if grant.client_secret is not None and grant.client_secret != client[1]:
            return OAuthFailure("invalid_client")
        stale = token.superseded_at is not None and now - token.superseded_at > self.refresh_grace
        if stale or (token.superseded_at is None and now - token.issued_at > REFRESH_TTL):
            return OAuthFailure("invalid_grant")
        return None

    def token_body(
        self, grant: Grant, access: str, refresh: str, now: float
    ) -> dict[str, object]:
        return {
            "id_token": _id_token(grant, now),
            "access_token": access,
            "expires_in": int(self.access_token_ttl),
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": grant.scope,
        }

    def grant_tokens(
        self, client_id: str, client_secret: str, scope: str = DEFAULT_SCOPE
    ) -> dict[str, object]:
        """A token set as a completed authorization over every tenant would give."""
        return self.issue(Grant(client_id, client_secret, self.connect(), scope=scope))

    def control_grant(
        self, client_id: str, client_secret: str, body: Mapping[str, object]
    ) -> dict[str, object]:
        scope = body.get("scope", DEFAULT_SCOPE)
        if not isinstance(scope, str) or not scope:
            raise BadInput("scope, if given, must be a non-empty string")
        return self.grant_tokens(client_id, client_secret, scope)

    # ---- connections

    def connections(self, grant: Grant) -> list[dict[str, object]]:
        """The grant's tenants in the shape of ``GET /connections``."""
        stamp = grant.created.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"  # Xero writes 7 digits
        with self.lock:
            connections = list(grant.connections.items())
        return [
            {
                "id": connection_id,
                "authEventId": grant.auth_event_id,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": self.companies.get(tenant_id, ""),
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
            }
            for tenant_id, connection_id in connections
        ]

    def disconnect(self, grant: Grant, connection_id: str) -> bool:
        with self.lock:
            for tenant_id, known in list(grant.connections.items()):
                if known == connection_id.lower():
                    del grant.connections[tenant_id]
                    return True
            return False


def unauthorized_detail(failure: AuthFailure) -> str:
    """The ``Detail`` of Xero's 401: ``TokenExpired: token expired at ...`` for an expired
    token, ``AuthenticationUnsuccessful`` for any other."""
    if failure.reason == "expired" and failure.expires_at is not None:
        moment = datetime.fromtimestamp(failure.expires_at, UTC)
        return f"TokenExpired: token expired at {moment:%m/%d/%Y %H:%M:%S}"
    return "AuthenticationUnsuccessful"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _id_token(grant: Grant, now: float) -> str:
    """A JWT-shaped OpenID token (unsigned: nothing checks it against a key here)."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {
        "iss": "https://identity.xero.com",
        "aud": grant.client_id,
        "sub": grant.auth_event_id,
        "iat": int(now),
        "exp": int(now) + 300,
        "email": "sandbox.user@example.com",
        "given_name": "Sandbox",
        "family_name": "User",
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(16)}"


# --------------------------------------------------------------------------- HTTP handlers


def client_credentials(request: Request) -> tuple[str, str | None]:
    """``(client_id, client_secret)`` from HTTP Basic or the form; raises ``invalid_client``."""
    if request.authorization and request.authorization.type == "basic":
        client_id, secret = request.authorization.username, request.authorization.password
    else:
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
    if not client_id:
        raise OAuthFailure("invalid_client", status=400)
    return client_id, secret or None


def handle_authorize(store: IdentityStore, request: Request) -> Reply:
    params = request.args.to_dict()
    code = store.authorize(params)
    answer = {"code": code, "scope": params.get("scope", "").strip()}
    if "state" in params:
        answer["state"] = params["state"]
    return redirect(params["redirect_uri"].strip(), answer)


def handle_token(store: IdentityStore, request: Request) -> Reply:
    return token_reply(store, request, lambda: client_credentials(request))


def handle_revocation(store: IdentityStore, request: Request) -> Reply:
    store.revoke(request.form.get("token", ""), client_credentials(request))
    return empty(200)


def _grant_of(store: IdentityStore, request: Request) -> Grant:
    return store.authenticate(request.headers.get("Authorization"))


def handle_connections(store: IdentityStore, request: Request) -> Reply:
    return json_reply(store.connections(_grant_of(store, request)))


def handle_disconnect(store: IdentityStore, request: Request, connection_id: str) -> Reply:
    if not store.disconnect(_grant_of(store, request), connection_id):
        return json_reply(
            {"Title": "Not Found", "Status": 404, "Detail": "Connection not found"}, 404
        )
    return empty(204)


ROUTES = [
    ("GET", "identity/connect/authorize", handle_authorize),
    ("POST", "connect/token", handle_token),
    ("POST", "connect/revocation", handle_revocation),
    ("GET", "connections", handle_connections),
    ("DELETE", "connections/{connection_id}", handle_disconnect),
]
