"""OAuth 2.0 bookkeeping shared by the sandboxes: codes, grants, tokens, rotation, revocation.

``TokenBook`` keeps the state and the steps every authorization server takes; a ledger's
subclass gives its wire shapes and its rules (token formats, the token endpoint's body, which
refresh is refused and how), and its own extras (Xero's connections, QuickBooks' consent):

- ``new_code`` / ``redeem_code``: a code is single-use, lives ``code_ttl`` seconds, belongs to
  the client and ``redirect_uri`` that asked for it; ``verify`` (PKCE, say) runs before the code
  is spent, so a failed check leaves it usable;
- ``issue``: a new access and refresh token for a ``Grant`` (the token endpoint's body comes from
  ``token_body``);
- ``refresh``: the ledger's ``refresh_refusal`` decides; a refresh token used for the first time
  is marked superseded (``superseded_at``), and each use issues a fresh pair;
- ``revoke``: the whole grant of a refresh or access token (unknown tokens are ignored, RFC 7009);
- ``authenticate``: the grant of a ``Bearer`` access token, or ``AuthFailure`` saying why
  (``missing``, ``unknown``, ``revoked``, ``expired``), which the ledger words in its own 401;
- ``expire_access_tokens`` / ``revoke_all``: what the ``expire_tokens`` and ``revoke`` faults do.

A grant's ``connections`` maps each company it covers (tenant, realm) to a connection id. The
HTTP helpers below are what both ledgers' identity endpoints have in common. Times are Unix
seconds from ``clock``.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request

from ar_sync.sandbox.reply import Reply, json_reply

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1


class OAuthFailure(Exception):
    """An OAuth error answer: ``{"error": error, "error_description"?: description}`` with
    HTTP ``status`` (400 unless told)."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


class AuthFailure(Exception):
    """A call without a usable access token. ``reason``: ``missing`` (no token), ``unknown``,
    ``revoked`` or ``expired`` (then ``expires_at``, Unix seconds); ``token`` as sent."""

    def __init__(self, reason: str, token: str = "", expires_at: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.token, self.expires_at = reason, token, expires_at


@dataclass
class Grant:
    """One consent of one client: the companies it covers and whether it still holds."""

    client_id: str
    client_secret: str | None  # None: a PKCE public client
    connections: dict[str, str]  # company (tenant, realm) id -> connection id
    scope: str = ""
    auth_event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    revoked: bool = False


@dataclass
class Code:
    """An authorization code; ``details`` are the ledger's (scope, PKCE challenge, realm...)."""

    client_id: str
    redirect_uri: str
    expires_at: float
    details: dict[str, object] = field(default_factory=dict)
    used: bool = False


@dataclass
class RefreshToken:
    grant: Grant
    issued_at: float
    superseded_at: float | None = None  # when it was first used (a newer one exists since)


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float


class TokenBook:
    """Codes, grants and tokens of one sandbox; thread-safe (see the module docstring).

    ``companies`` are the sandbox's company ids and names in load order.
    """

    code_ttl: float = 300.0

    def __init__(
        self,
        companies: Mapping[str, str],
        *,
        access_token_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.companies = dict(companies)
        self.access_token_ttl = access_token_ttl
        self._clock = clock
        self.lock = threading.Lock()
        self._codes: dict[str, Code] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}

    # ---- the ledger's shapes and rules (override)

    def code_value(self) -> str:
        return secrets.token_urlsafe(32)

    def access_value(self) -> str:
        return secrets.token_urlsafe(64)

    def refresh_value(self) -> str:
        return secrets.token_urlsafe(48)

    def token_body(
        self, grant: Grant, access: str, refresh: str, now: float
    ) -> dict[str, object]:
        """The token endpoint's answer for a new pair."""
        raise NotImplementedError

    def refresh_refusal(
        self, token: RefreshToken | None, client: tuple[str, str | None], now: float
    ) -> OAuthFailure | None:
        """Why ``token`` (None: unknown) may not be refreshed by ``client``, or None."""
        raise NotImplementedError

    def revoke_refusal(self, grant: Grant, client: tuple[str, str | None]) -> OAuthFailure | None:
        """Why ``client`` may not revoke ``grant``, or None."""
        return None if grant.client_id == client[0] else OAuthFailure("invalid_client")

    def control_grant(
        self, client_id: str, client_secret: str, body: Mapping[str, object]
    ) -> dict[str, object]:
        """A token set for a new grant as ``POST /_sandbox/tokens`` asks for it (``body`` holds
        the ledger's own fields); raises ``control.BadInput``/``Missing``."""
        raise NotImplementedError

    # ---- codes

    def new_code(self, client_id: str, redirect_uri: str, **details: object) -> str:
        """A new code for ``client_id`` and ``redirect_uri``."""
        code = self.code_value()
        with self.lock:
            self._codes[code] = Code(
                client_id, redirect_uri, self._clock() + self.code_ttl, dict(details)
            )
        return code

    def redeem_code(
        self,
        value: str,
        client_id: str,
        redirect_uri: str | None,
        verify: Callable[[Code], None] | None = None,
    ) -> Code:
        """Spend a code; ``invalid_grant`` when it is unknown, used, expired or another
        client's or redirect's. ``verify`` may raise before it is spent."""
        with self.lock:
            code = self._codes.get(value)
            if code is None or code.used or code.expires_at <= self._clock():
                raise OAuthFailure("invalid_grant")
            if code.client_id != client_id or code.redirect_uri != redirect_uri:
                raise OAuthFailure("invalid_grant")
            if verify is not None:
                verify(code)
            code.used = True
            return code

    # ---- tokens

    def connect(self, *company_ids: str) -> dict[str, str]:
        """New connections to ``company_ids`` (none given: every company)."""
        return {company: str(uuid.uuid4()) for company in company_ids or self.companies}

    def issue(self, grant: Grant) -> dict[str, object]:
        """A new access and refresh token for ``grant``, as the token endpoint returns them."""
        with self.lock:
            return self._issue(grant)

    def refresh(self, form: Mapping[str, str], client: tuple[str, str | None]) -> dict[str, object]:
        """``grant_type=refresh_token``: the ledger's rules, then a new pair."""
        with self.lock:
            now = self._clock()
            token = self._refresh.get(form.get("refresh_token", ""))
            refusal = self.refresh_refusal(token, client, now)
            if refusal is not None:
                raise refusal
            assert token is not None
            if token.superseded_at is None:
                token.superseded_at = now
            return self._issue(token.grant)

    def revoke(self, token: str, client: tuple[str, str | None]) -> None:
        """Revoke the grant of a refresh or access token; unknown tokens are ignored."""
        with self.lock:
            found = self._refresh.get(token) or self._access.get(token)
            if found is None:
                return
            refusal = self.revoke_refusal(found.grant, client)
            if refusal is not None:
                raise refusal
            found.grant.revoked = True

    def authenticate(self, authorization: str | None) -> Grant:
        """The grant of a ``Bearer`` access token; raises ``AuthFailure``."""
        scheme, _, value = (authorization or "").partition(" ")
        value = value.strip()
        with self.lock:
            token = self._access.get(value) if scheme.lower() == "bearer" else None
            if token is None:
                raise AuthFailure("unknown" if value else "missing", value)
            if token.grant.revoked:
                raise AuthFailure("revoked", value)
            if token.expires_at <= self._clock():
                raise AuthFailure("expired", value, token.expires_at)
            return token.grant

    def expire_access_tokens(self) -> None:
        """Every access token expires now; refresh tokens keep working."""
        with self.lock:
            now = self._clock()
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)

    def revoke_all(self) -> None:
        """Every grant is revoked: API calls get 401, refreshes the ledger's refusal."""
        with self.lock:
            for token in [*self._refresh.values(), *self._access.values()]:
                token.grant.revoked = True

    def _issue(self, grant: Grant) -> dict[str, object]:
        now = self._clock()
        access, refresh = self.access_value(), self.refresh_value()
        self._access[access] = AccessToken(grant, now + self.access_token_ttl)
        self._refresh[refresh] = RefreshToken(grant, now)
        return self.token_body(grant, access, refresh, now)


# --------------------------------------------------------------------------- HTTP helpers


def check_redirect_uri(redirect_uri: str) -> None:
    """``invalid_request`` unless ``redirect_uri`` is an absolute http(s) URL."""
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise OAuthFailure("invalid_request", "redirect_uri must be an absolute http(s) URL")


def redirect(redirect_uri: str, answer: Mapping[str, str]) -> Reply:
    """302 to ``redirect_uri`` with ``answer`` added to its query."""
    location = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}"
    return Reply(302, b"", content_type=None, headers={"Location": location})


def token_reply(
    store: TokenBook, request: Request, credentials: Callable[[], tuple[str, str | None]]
) -> Reply:
    """The token endpoint: ``authorization_code`` (the store's ``exchange_code``) or
    ``refresh_token``; ``credentials()`` gives the client's id and secret (or raises)."""
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        body = store.exchange_code(request.form, credentials())  # type: ignore[attr-defined]
    elif grant_type == "refresh_token":
        body = store.refresh(request.form, credentials())
    else:
        raise OAuthFailure("unsupported_grant_type")
    return json_reply(body).with_headers(NO_STORE)


def oauth_error(failure: OAuthFailure) -> Reply:
    """``{"error", "error_description"?}`` with the failure's status (both ledgers' shape)."""
    body = {"error": failure.error}
    if failure.description is not None:
        body["error_description"] = failure.description
    return json_reply(body, failure.status)
