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
seconds. A grant covers every tenant of the sandbox at the time it is made.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit.oauth import AuthFailure, OAuthFailure
from ar_sync_xero.sandbox.responses import Reply, json_reply, oauth_error, unauthorized

CODE_TTL = 300.0
REFRESH_TTL = 60 * 86_400.0
DEFAULT_SCOPE = (
    "offline_access openid profile email accounting.transactions accounting.contacts "
    "accounting.attachments accounting.reports.read accounting.settings.read"
)


@dataclass
class Grant:
    """One user's consent for one client: the tenants it covers and whether it still holds."""

    client_id: str
    client_secret: str | None  # None for a PKCE public client
    scope: str
    connections: dict[str, str]  # tenant id -> connection id
    auth_event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    revoked: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    expires_at: float
    used: bool = False


@dataclass
class _RefreshToken:
    grant: Grant
    issued_at: float
    superseded_at: float | None = None


@dataclass
class _AccessToken:
    grant: Grant
    expires_at: float


class IdentityStore:
    """Codes, grants and tokens; thread-safe. ``clock`` returns Unix seconds."""

    def __init__(
        self,
        tenant_names: Callable[[], Mapping[str, str]],
        *,
        access_token_ttl: float,
        refresh_grace: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tenant_names = tenant_names
        self.access_token_ttl = access_token_ttl
        self.refresh_grace = refresh_grace
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._access: dict[str, _AccessToken] = {}

    # ---- authorize

    def authorize(self, params: Mapping[str, str]) -> str:
        """The redirect URL carrying a new code; raises ``OAuthFailure`` for bad parameters."""
        if params.get("response_type") != "code":
            raise OAuthFailure("unsupported_response_type", "response_type must be code")
        client_id, redirect_uri, scope = (
            params.get(k, "").strip() for k in ("client_id", "redirect_uri", "scope")
        )
        if not client_id:
            raise OAuthFailure("invalid_request", "client_id is required")
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc:
            raise OAuthFailure("invalid_request", "redirect_uri must be an absolute http(s) URL")
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
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(
                client_id, redirect_uri, scope, challenge, self._clock() + CODE_TTL
            )
        answer = {"code": code, "scope": scope}
        if "state" in params:
            answer["state"] = params["state"]
        return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}"

    # ---- token endpoint

    def exchange_code(
        self, form: Mapping[str, str], client: tuple[str, str | None]
    ) -> dict[str, object]:
        """``grant_type=authorization_code``."""
        client_id, client_secret = client
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None or code.used or code.expires_at <= self._clock():
                raise OAuthFailure("invalid_grant")
            if code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
                raise OAuthFailure("invalid_grant")
            if code.challenge is None and not client_secret:
                raise OAuthFailure("invalid_client")
            if (
                code.challenge is not None
                and _s256(form.get("code_verifier", "")) != code.challenge
            ):
                raise OAuthFailure(
                    "invalid_grant", "code_verifier does not match the code_challenge"
                )
            code.used = True
            return self._issue(
                Grant(client_id, client_secret or None, code.scope, self._connections())
            )

    def refresh(self, form: Mapping[str, str], client: tuple[str, str | None]) -> dict[str, object]:
        """``grant_type=refresh_token`` (rotation with a grace period, see the module docstring)."""
        client_id, client_secret = client
        with self._lock:
            now = self._clock()
            token = self._refresh.get(form.get("refresh_token", ""))
            if token is None or token.grant.revoked:
                raise OAuthFailure("invalid_grant")
            grant = token.grant
            if grant.client_id != client_id:
                raise OAuthFailure("invalid_grant")
            if grant.client_secret is not None and grant.client_secret != client_secret:
                raise OAuthFailure("invalid_client")
            stale = (
                token.superseded_at is not None and now - token.superseded_at > self.refresh_grace
            )
            if stale or (token.superseded_at is None and now - token.issued_at > REFRESH_TTL):
                raise OAuthFailure("invalid_grant")
            if token.superseded_at is None:
                token.superseded_at = now
            return self._issue(grant)

    def issue(
        self, client_id: str, client_secret: str, scope: str = DEFAULT_SCOPE
    ) -> dict[str, object]:
        """A token set as a completed authorization would give; for tests and demos."""
        with self._lock:
            return self._issue(Grant(client_id, client_secret, scope, self._connections()))

    def revoke(self, token: str, client: tuple[str, str | None]) -> None:
        """Revoke the grant of a refresh (or access) token; unknown tokens are ignored (RFC 7009)"""
        with self._lock:
            found = self._refresh.get(token) or self._access.get(token)
            if found is None:
                return
            if found.grant.client_id != client[0]:
                raise OAuthFailure("invalid_client")
            found.grant.revoked = True

    # ---- API side

    def authenticate(self, authorization: str | None) -> Grant:
        """The grant of a ``Bearer`` access token; raises ``AuthFailure``."""
        scheme, _, value = (authorization or "").partition(" ")
        with self._lock:
            token = self._access.get(value.strip()) if scheme.lower() == "bearer" else None
            if token is None or token.grant.revoked:
                raise AuthFailure("AuthenticationUnsuccessful")
            if token.expires_at <= self._clock():
                moment = datetime.fromtimestamp(token.expires_at, UTC)
                raise AuthFailure(f"TokenExpired: token expired at {moment:%m/%d/%Y %H:%M:%S}")
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

    def connections(self, grant: Grant) -> list[dict[str, object]]:
        """The grant's tenants in the shape of ``GET /connections``."""
        names = self._tenant_names()
        stamp = grant.created.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"  # Xero writes 7 digits
        with self._lock:
            connections = list(grant.connections.items())
        return [
            {
                "id": connection_id,
                "authEventId": grant.auth_event_id,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": names.get(tenant_id, ""),
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
            }
            for tenant_id, connection_id in connections
        ]

    def disconnect(self, grant: Grant, connection_id: str) -> bool:
        with self._lock:
            for tenant_id, known in list(grant.connections.items()):
                if known == connection_id.lower():
                    del grant.connections[tenant_id]
                    return True
            return False

    # ---- internals

    def _connections(self) -> dict[str, str]:
        return {tenant_id: str(uuid.uuid4()) for tenant_id in self._tenant_names()}

    def _issue(self, grant: Grant) -> dict[str, object]:
        now = self._clock()
        access, refresh = secrets.token_urlsafe(64), secrets.token_urlsafe(48)
        self._access[access] = _AccessToken(grant, now + self.access_token_ttl)
        self._refresh[refresh] = _RefreshToken(grant, now)
        return {
            "id_token": _id_token(grant, now),
            "access_token": access,
            "expires_in": int(self.access_token_ttl),
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": grant.scope,
        }


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
    location = store.authorize(request.args.to_dict())
    return Reply(302, b"", content_type=None, headers={"Location": location})


def handle_token(store: IdentityStore, request: Request) -> Reply:
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        body = store.exchange_code(request.form, client_credentials(request))
    elif grant_type == "refresh_token":
        body = store.refresh(request.form, client_credentials(request))
    else:
        raise OAuthFailure("unsupported_grant_type")
    return json_reply(body).with_headers({"Cache-Control": "no-store", "Pragma": "no-cache"})


def handle_revocation(store: IdentityStore, request: Request) -> Reply:
    store.revoke(request.form.get("token", ""), client_credentials(request))
    return Reply(200, b"", content_type=None)


def _grant_of(store: IdentityStore, request: Request) -> Grant:
    return store.authenticate(request.headers.get("Authorization"))


def handle_connections(store: IdentityStore, request: Request) -> Reply:
    return json_reply(store.connections(_grant_of(store, request)))


def handle_disconnect(store: IdentityStore, request: Request, connection_id: str) -> Reply:
    if not store.disconnect(_grant_of(store, request), connection_id):
        return json_reply(
            {"Title": "Not Found", "Status": 404, "Detail": "Connection not found"}, 404
        )
    return Reply(204, b"", content_type=None)


def failure_reply(error: OAuthFailure | AuthFailure) -> Reply:
    """The response for an identity failure raised by the store or a handler."""
    if isinstance(error, AuthFailure):
        return unauthorized(error.detail)
    return oauth_error(error.error, error.description, error.status)
