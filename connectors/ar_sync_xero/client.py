"""xero-python, wired for ar-sync: tokens from the vault, pacing, retries and one error tree.

``XeroClient.call(endpoint, fn, tenant_id=...)`` runs one SDK call:

1. waits for the tenant's pacer (under 60 calls a minute and 5 in flight, so a normal sync never
   meets a 429);
2. on a 401, forces one token refresh and tries again (the SDK itself never refreshes on 401);
3. translates SDK and transport exceptions into ``ar_sync.errors`` at this edge;
4. retries ``RetriableSourceError`` (429, 5xx, timeouts, dropped connections, malformed bodies)
   with tenacity, honouring ``Retry-After``; every retry is told to ``stats.on_retry``.

Every request the SDK sends, the OAuth token refresh included, carries the connect and read
timeouts (``ar_sync.timeouts``): xero-python passes ``timeout=None`` (wait for ever) to urllib3
unless a call names ``_request_timeout``, so the client's REST layer supplies it for every call.

Tokens: the SDK asks the getter before every call and refreshes within 60 s of expiry; the saver
writes the rotated token to the vault before the SDK sends anything with it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import urllib3.exceptions
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.exceptions import (
    AccessTokenExpiredError,
    ApiException,
    HTTPStatusException,
    OAuth2InvalidGrantError,
    RateLimitException,
)
from xero_python.identity import IdentityApi
from xero_python.rest import RESTClientObject

from ar_sync.connect.oauth import reconnect_hint
from ar_sync.connector import CallStats, CredentialVault
from ar_sync.errors import (
    ArSyncError,
    AuthError,
    ConfigError,
    FatalSourceError,
    RetriableSourceError,
)
from ar_sync.sync.pacing import RateLimits, RequestPacer
from ar_sync.sync.retry import RetryPolicy, call_with_retries
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts, timed_out
from ar_sync_xero.auth import RoutedOAuth2Token, sdk_token

T = TypeVar("T")
log = logging.getLogger(__name__)

# Xero allows 60 calls a minute and 5 in flight per tenant. One call of headroom absorbs the
# difference between our clock and Xero's fixed windows.
XERO_LIMITS = RateLimits(per_window=59, window_seconds=60.0, concurrent=5)
RECONNECT_HINT = reconnect_hint("xero")


@dataclass(frozen=True, slots=True)
class XeroEndpoints:
    """Where Xero lives: the real service, or a sandbox at one base URL."""

    authorize_url: str
    token_url: str
    revoke_url: str
    identity_base: str  # IdentityApi base: GET {base}/Connections
    accounting_base: str
    sandbox: bool = False

    @classmethod
    def production(cls) -> XeroEndpoints:
        return cls(
            authorize_url="https://login.xero.com/identity/connect/authorize",
            token_url="https://identity.xero.com/connect/token",
            revoke_url="https://identity.xero.com/connect/revocation",
            identity_base="https://api.xero.com",
            accounting_base="https://api.xero.com/api.xro/2.0",
        )

    @classmethod
    def for_sandbox(cls, url: str) -> XeroEndpoints:
        base = url.rstrip("/")
        return cls(
            authorize_url=f"{base}/identity/connect/authorize",
            token_url=f"{base}/connect/token",
            revoke_url=f"{base}/connect/revocation",
            identity_base=base,
            accounting_base=f"{base}/api.xro/2.0",
            sandbox=True,
        )

    @classmethod
    def for_api_url(cls, api_url: str | None) -> XeroEndpoints:
        return cls.for_sandbox(api_url) if api_url else cls.production()

    @property
    def reconnect_hint(self) -> str:
        """What to run when the grant is gone (a sandbox's base URL is ``identity_base``)."""
        return reconnect_hint("xero", sandbox_url=self.identity_base if self.sandbox else None)


class _TimedRESTClient(RESTClientObject):
    """xero-python's REST layer with a default ``_request_timeout`` on every request.

    Every SDK request (API calls, ``TokenApi.refresh_token``) goes through ``request``; a call
    that names its own ``_request_timeout`` keeps it.
    """

    def __init__(self, configuration: Configuration, timeouts: Timeouts) -> None:
        super().__init__(configuration)
        self.timeouts = timeouts

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("_request_timeout"):
            kwargs["_request_timeout"] = self.timeouts.pair()
        return super().request(method, url, *args, **kwargs)


def _header(exc: ApiException, name: str) -> str | None:
    headers = exc.headers or {}
    value = headers.get(name) if hasattr(headers, "get") else None
    return str(value) if value is not None else None


def _is_invalid_grant(exc: ApiException) -> bool:
    body = exc.body or b""
    return b"invalid_grant" in (body if isinstance(body, bytes) else str(body).encode())


def _validation_message(exc: ApiException) -> str:
    """Xero's own explanation of a 400 (never contains credentials)."""
    try:
        data = json.loads(exc.body or b"{}", parse_float=Decimal)
    except ValueError:
        return str(exc.reason or "Bad Request")
    for element in data.get("Elements") or ():
        for error in element.get("ValidationErrors") or ():
            if error.get("Message"):
                return str(error["Message"])
    return str(data.get("Message") or data.get("Detail") or exc.reason or "Bad Request")


def translate(
    exc: BaseException,
    endpoint: str,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    hint: str = RECONNECT_HINT,
) -> ArSyncError:
    """Map an SDK or transport exception to the error tree. Messages carry no secrets; ``hint``
    says how to connect again when the grant is gone."""
    if isinstance(exc, ArSyncError):
        return exc
    if isinstance(exc, RateLimitException):
        problem = exc.rate_limit or "unknown"
        retry_after = _header(exc, "Retry-After")
        # 5,000 calls a day per tenant (https://developer.xero.com/faq/limits); its 429 names
        # the "day" problem and carries Retry-After (shared/notes/xero-api.md, rate limits).
        daily = "Xero's daily call limit for this organisation is spent"
        return RetriableSourceError(
            f"{daily} (on {endpoint})" if problem == "day" else
            f"Xero rate limit ({problem}) on {endpoint}",
            retry_after=float(retry_after) if retry_after else None,
            reason=f"rate limited ({problem})",
        )
    if isinstance(exc, (OAuth2InvalidGrantError, AccessTokenExpiredError)):
        return AuthError(f"Xero no longer accepts this connection's tokens; {hint}")
    if isinstance(exc, ApiException):
        status = exc.status if isinstance(exc.status, int) else getattr(exc.http_resp, "status", 0)
        if status == 400 and _is_invalid_grant(exc):
            return AuthError(
                f"Xero refused to refresh the access token (invalid_grant); {hint}"
            )
        if status == 401:
            return AuthError(f"Xero rejected the access token on {endpoint}; {hint}")
        if status == 403:
            return AuthError(
                f"Xero refused access on {endpoint} (403): the organisation may have been "
                f"disconnected or a scope is missing; {hint}"
            )
        if status and status >= 500:
            answered = f"{status} {exc.reason or ''}".strip()
            return RetriableSourceError(
                f"Xero answered {answered} on {endpoint}", reason=f"HTTP {answered}"
            )
        if status == 404:
            return FatalSourceError(f"Xero found nothing at {endpoint} (404)")
        return FatalSourceError(f"Xero refused {endpoint} ({status}): {_validation_message(exc)}")
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return timed_out("Xero", endpoint, "connect", timeouts)
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return timed_out("Xero", endpoint, "read", timeouts)
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
        return RetriableSourceError(
            f"cannot reach Xero for {endpoint}: {type(exc).__name__}",
            reason=f"connection failed ({type(exc).__name__})",
        )
    if isinstance(exc, ValueError):
        return RetriableSourceError(
            f"Xero sent a malformed response for {endpoint}", reason="malformed response"
        )
    raise exc


class XeroClient:
    """One OAuth grant's SDK client, shared by every org (tenant) the grant covers."""

    def __init__(
        self,
        *,
        endpoints: XeroEndpoints,
        vault: CredentialVault,
        connection_id: str,
        limits: RateLimits = XERO_LIMITS,
        retry: RetryPolicy = RetryPolicy(),
        stats: CallStats | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        secret = vault.load(connection_id)
        if not secret or not secret.get("token"):
            raise ConfigError(
                f"no stored Xero credentials for this org; {endpoints.reconnect_hint}"
            )
        self.endpoints = endpoints
        self.timeouts = timeouts
        self.stats = stats or CallStats()
        self._vault = vault
        self._connection_id = connection_id
        self._limits = limits
        self._retry = retry
        self._pacers: dict[str, RequestPacer] = {}
        self._call_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        config = Configuration()
        # The first Configuration in a process is a shared default that ignores constructor
        # arguments (see the notes), so the token is set as an attribute afterwards.
        config.oauth2_token = RoutedOAuth2Token(
            client_id=secret["client_id"],
            client_secret=secret["client_secret"],
            token_url=endpoints.token_url,
        )
        self.api_client = ApiClient(
            config,
            pool_threads=1,
            oauth2_token_getter=self._get_token,
            oauth2_token_saver=self._save_token,
        )
        self.api_client.rest_client = _TimedRESTClient(config, timeouts)
        # urllib3's default Retry silently sleeps on 429/503 ``Retry-After`` (up to hours) and
        # retries GET and PUT behind our back; retries, pacing and counting are ours to do.
        self.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        self.accounting = AccountingApi(self.api_client, base_url=endpoints.accounting_base)
        self.identity = IdentityApi(self.api_client, base_url=endpoints.identity_base)

    # -- tokens ---------------------------------------------------------------------------
    def _get_token(self) -> dict[str, Any]:
        secret = self._vault.load(self._connection_id) or {}
        return sdk_token(secret.get("token") or {})

    def _save_token(self, token: dict[str, Any]) -> None:
        """Persist a rotated token at once: losing it would lock the user out."""
        secret = self._vault.load(self._connection_id) or {}
        secret["token"] = sdk_token(token)
        self._vault.save(self._connection_id, secret)
        log.info("saved a refreshed Xero token for connection %s", self._connection_id)

    # -- calls ----------------------------------------------------------------------------
    def pacer(self, tenant_id: str) -> RequestPacer:
        with self._lock:
            if tenant_id not in self._pacers:
                self._pacers[tenant_id] = RequestPacer(self._limits)
            return self._pacers[tenant_id]

    def _call_lock(self, tenant_id: str | None) -> threading.Lock:
        with self._lock:
            return self._call_locks.setdefault(tenant_id or "", threading.Lock())

    def call(self, endpoint: str, fn: Callable[[], T], *, tenant_id: str | None = None) -> T:
        """Run ``fn`` (one SDK call) paced, refreshed on 401, translated and retried.

        Calls for one tenant go one at a time (a sync fetching its next page on a worker
        thread and its own thread may both call): the SDK keeps the last response, whose rate
        limit headers are read, and refreshes tokens, in shared state. Waits between retries
        hold nothing."""
        pacer = self.pacer(tenant_id) if tenant_id else None
        lock = self._call_lock(tenant_id)

        def attempt() -> T:
            with lock:
                return self._attempt(endpoint, fn, pacer)

        return call_with_retries(
            attempt, policy=self._retry, endpoint=endpoint, on_retry=self.stats.retrying
        )

    def _attempt(self, endpoint: str, fn: Callable[[], T], pacer: RequestPacer | None) -> T:
        try:
            try:
                return self._send(endpoint, fn, pacer)
            except HTTPStatusException as exc:
                if exc.status != 401:
                    raise
                log.info("401 on %s: refreshing the access token once", endpoint)
                self.api_client.refresh_oauth2_token()
                return self._send(endpoint, fn, pacer)
        except Exception as exc:  # noqa: BLE001 - everything leaves through the error tree
            raise translate(exc, endpoint, self.timeouts, self.endpoints.reconnect_hint) from None

    def _send(self, endpoint: str, fn: Callable[[], T], pacer: RequestPacer | None) -> T:
        self.stats.count(endpoint)
        if pacer is None:
            return fn()
        with pacer.slot():
            try:
                result = fn()
            except RateLimitException as exc:
                # Xero's Retry-After holds every caller of this tenant, not only this retry.
                retry_after = _header(exc, "Retry-After")
                if retry_after and exc.rate_limit != "day":
                    pacer.exhausted(float(retry_after))
                raise
        remaining = self._last_header("X-MinLimit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            pacer.exhausted()
        return result

    def _last_header(self, name: str) -> str | None:
        response = getattr(self.api_client, "last_response", None)
        if response is None:
            return None
        getheader = getattr(response, "getheader", None)
        return getheader(name) if getheader else None
