"""Xero's OAuth: the authorization URL (PKCE and ``state``), the code exchange, the refresh
and the token document.

xero-python has no authorization-URL builder or code exchange, so both live here. Refreshing
is the SDK's (within 60 s of expiry, through the client's token getter and saver);
``RoutedOAuth2Token`` points it at our token URL. The token document we store is the token
endpoint's JSON plus ``expires_at`` (epoch seconds) and ``scope`` as a list
(``normalise_token``), the shape the SDK's token getter expects; ``sdk_token`` is that document
cut to the SDK's keys.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from xero_python.api_client.oauth2 import OAuth2Token

from ar_sync.errors import AuthError, SourceError
from ar_sync.connect.oauth import Pkce
from ar_sync.redact import register_secret

if TYPE_CHECKING:
    from ar_sync_xero.client import XeroEndpoints

TOKEN_KEYS = ("access_token", "refresh_token", "id_token", "scope", "expires_in", "expires_at",
              "token_type")

# Granular scopes (apps created from March 2026 must use them; older apps migrate by 2027).
# Granular scopes (developer.xero.com/faq/granular-scopes): the aged report reconciles customers,
# the trial balance the whole org (``reported_total``), settings the chart of accounts.
DEFAULT_SCOPES = (
    "offline_access openid profile email accounting.invoices accounting.payments.read "
    "accounting.contacts accounting.attachments accounting.reports.aged.read "
    "accounting.reports.trialbalance.read accounting.settings.read"
)


def scopes() -> str:
    """The scopes to request; ``AR_SYNC_XERO_SCOPES`` overrides (e.g. for broad-scope apps)."""
    return os.environ.get("AR_SYNC_XERO_SCOPES", DEFAULT_SCOPES)


def authorization_url(
    endpoints: XeroEndpoints, *, client_id: str, redirect_uri: str, state: str, pkce: Pkce
) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes(),
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoints.authorize_url}?{query}"


def exchange_code(
    endpoints: XeroEndpoints,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    pkce: Pkce,
    now: float | None = None,
) -> dict[str, Any]:
    """Trade an authorization code for tokens (client credentials in a Basic header)."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier,
        }
    ).encode()
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    request = urllib.request.Request(
        endpoints.token_url,
        data=form,
        method="POST",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            token = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = _oauth_error(exc)
        if exc.code in (400, 401):
            raise AuthError(f"Xero refused the authorization code ({detail})") from None
        raise SourceError(f"Xero's token endpoint answered {exc.code} ({detail})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SourceError(f"cannot reach Xero's token endpoint: {getattr(exc, 'reason', exc)}") from None
    for key in ("access_token", "refresh_token", "id_token"):
        register_secret(token.get(key))
    if not token.get("access_token") or not token.get("refresh_token"):
        raise AuthError("Xero's token response had no refresh token; is offline_access granted?")
    return normalise_token(token, now=time.time() if now is None else now)


def normalise_token(token: dict[str, Any], *, now: float) -> dict[str, Any]:
    """The token in the SDK's shape: ``scope`` a list, ``expires_at`` epoch seconds."""
    scope = token.get("scope") or scopes()
    expires_in = int(token.get("expires_in") or 1800)
    return {
        "access_token": token["access_token"],
        "refresh_token": token["refresh_token"],
        "id_token": token.get("id_token"),
        "token_type": token.get("token_type") or "Bearer",
        "scope": scope.split() if isinstance(scope, str) else list(scope),
        "expires_in": expires_in,
        "expires_at": now + expires_in,
    }


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    """The OAuth ``error`` code of a failed token call (never the body, which may echo input)."""
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        return f"HTTP {exc.code}"
    return str(body.get("error") or f"HTTP {exc.code}")


def sdk_token(token: dict[str, Any]) -> dict[str, Any]:
    """A stored (or freshly refreshed) token document cut to the keys the SDK reads and writes."""
    return {key: token.get(key) for key in TOKEN_KEYS}


class RoutedOAuth2Token(OAuth2Token):
    """The SDK's token, refreshing at our token URL (the SDK's is a class-wide constant)."""

    def __init__(self, *, client_id: str, client_secret: str, token_url: str) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret)
        self.token_url = token_url

    def call_refresh_token_api(self, token_api: Any) -> dict[str, Any]:
        token_api.refresh_token_url = self.token_url
        return super().call_refresh_token_api(token_api)
