"""QuickBooks Online's OAuth through intuit-oauth: the authorization URL, the code exchange
(with ``realmId``), the refresh and the token document the vault keeps.

intuit-oauth's ``AuthClient`` reads Intuit's discovery document when it is built and sends its
own token calls, both with no timeout; ``new_auth_client`` bounds them by ``timeouts``. Refresh
tokens rotate and the previous one is refused (``invalid_grant``), so whoever refreshes
(``refresh_tokens``) saves the new document before anything uses it (the client does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from ar_sync.errors import ArSyncError, AuthError, RetriableSourceError
from ar_sync.connect.oauth import reconnect_hint
from ar_sync.redact import register_secret
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts, timed_out
from ar_sync_quickbooks.mapping import PLATFORM

if TYPE_CHECKING:
    from ar_sync_quickbooks.client import QuickBooksEndpoints

TOKEN_ENDPOINT_NAME = "POST oauth2/v1/tokens/bearer"
DISCOVERY_ENDPOINT_NAME = "GET .well-known/openid_configuration"  # read once per AuthClient
RECONNECT_HINT = reconnect_hint(PLATFORM)


class _TimedAuthClient(AuthClient):
    """intuit-oauth's client with ``timeouts`` on every request it sends itself (the discovery
    document in the constructor, token calls), which intuit-oauth makes with no timeout."""

    def __init__(self, *args: Any, timeouts: Timeouts, **kwargs: Any) -> None:
        self.timeouts = timeouts  # before super().__init__, which reads the discovery document
        super().__init__(*args, **kwargs)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None and len(args) < 7:  # Session.request's 7th: timeout
            kwargs["timeout"] = self.timeouts.pair()
        return super().request(method, url, *args, **kwargs)


def new_auth_client(
    endpoints: QuickBooksEndpoints,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str = "http://127.0.0.1/callback",
    access_token: str | None = None,
    refresh_token: str | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
) -> AuthClient:
    """An intuit-oauth client reading its endpoints from ``endpoints.discovery``; every request
    it sends is bounded by ``timeouts``."""
    try:
        return _TimedAuthClient(
            client_id,
            client_secret,
            redirect_uri,
            endpoints.discovery,
            access_token=access_token,
            refresh_token=refresh_token,
            timeouts=timeouts,
        )
    except AuthClientError as exc:
        raise RetriableSourceError(
            f"QuickBooks' OAuth discovery document answered HTTP {exc.status_code}"
        ) from None
    except requests.RequestException as exc:
        raise RetriableSourceError(
            f"cannot reach QuickBooks' OAuth discovery document: {type(exc).__name__}"
        ) from None


def token_document(auth: AuthClient, *, now: float) -> dict[str, Any]:
    """What the vault keeps of a token response: both tokens and when each expires (epoch s)."""
    register_secret(auth.access_token)
    register_secret(auth.refresh_token)
    return {
        "access_token": auth.access_token,
        "refresh_token": auth.refresh_token,
        "expires_at": now + float(getattr(auth, "expires_in", None) or 3600),
        "refresh_expires_at": now
        + float(getattr(auth, "x_refresh_token_expires_in", None) or 100 * 86_400),
    }


def oauth_error(exc: AuthClientError) -> str:
    """The OAuth ``error`` code of a failed token call (never the body, which may echo input)."""
    try:
        body = exc.response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error) if error else f"HTTP {exc.status_code}"


def translate_oauth(exc: AuthClientError, what: str, hint: str = RECONNECT_HINT) -> ArSyncError:
    """A failed intuit-oauth call (``what``: "a token refresh", "the authorization code") as an
    error of the tree: 429 and 5xx are worth retrying, anything else means connecting again
    (``hint`` says how)."""
    if exc.status_code == 429 or exc.status_code >= 500:
        return RetriableSourceError(
            f"QuickBooks' token service answered {exc.status_code} to {what}"
        )
    return AuthError(f"QuickBooks refused {what} ({oauth_error(exc)}); {hint}")


def authorization_url(auth: AuthClient, *, redirect_uri: str, state: str) -> str:
    """Where the user approves one company (the accounting scope)."""
    auth.redirect_uri = redirect_uri  # intuit-oauth repeats it in the code exchange
    return auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state)


def exchange_code(auth: AuthClient, *, code: str, realm_id: str, now: float) -> dict[str, Any]:
    """Trade the authorization code for tokens; the token document. ``AuthClientError`` and
    transport errors are the caller's to translate (``translate_oauth``)."""
    auth.get_bearer_token(code, realm_id=realm_id)
    return token_document(auth, now=now)


def refresh_tokens(
    auth: AuthClient,
    refresh_token: str,
    *,
    now: float,
    hint: str = RECONNECT_HINT,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
) -> dict[str, Any]:
    """Trade ``refresh_token`` for new tokens; the new token document, to be saved at once.
    Failures leave as the error tree (``hint`` says how to connect again)."""
    try:
        auth.refresh(refresh_token=refresh_token)
    except AuthClientError as exc:
        raise translate_oauth(exc, "a token refresh", hint) from None
    except requests.Timeout as exc:
        which = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
        raise timed_out("QuickBooks", TOKEN_ENDPOINT_NAME, which, timeouts) from None
    except requests.RequestException as exc:
        raise RetriableSourceError(
            f"cannot reach QuickBooks' token service: {type(exc).__name__}"
        ) from None
    return token_document(auth, now=now)
