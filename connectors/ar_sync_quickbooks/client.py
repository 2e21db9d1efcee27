"""python-quickbooks and intuit-oauth, wired for ar-sync: vault tokens, pacing, retries, errors.

``QuickBooksClient.call(endpoint, fn)`` runs ``fn(qb)`` (one python-quickbooks call on one realm):

1. waits for the realm's pacer (under 500 calls a minute and 10 in flight, QuickBooks' limits);
2. refreshes the access token first when it has under ``REFRESH_MARGIN`` seconds left, and once
   more on a 401 (python-quickbooks never refreshes on its own; the refresh itself is
   ``auth.refresh_tokens``); every refresh saves the rotated refresh token to the vault before
   the new access token is used, because QuickBooks rotates refresh tokens and refuses the
   previous one;
3. translates python-quickbooks, intuit-oauth and transport exceptions into ``ar_sync.errors``.
   python-quickbooks' exceptions carry no HTTP status or headers, so the client's
   ``process_request`` (the library's own seam) records the last response's status and headers:
   a 429 is recognised by status, or failing that by its ThrottleExceeded (3001) text;
4. retries ``RetriableSourceError`` (429, 5xx, timeouts, dropped connections, malformed bodies)
   with tenacity, honouring ``Retry-After`` when QuickBooks sends one; every retry is told to
   ``stats.on_retry``.

Timeouts (``ar_sync.timeouts``) bound every request: python-quickbooks' ``process_request`` is
subclassed at the library's own seam (intuit-oauth's ``AuthClient`` likewise, in ``auth.py``);
no library global is touched.

The requests the connector and the writer make are methods here: ``query``, ``read``,
``change_data_capture``, ``report``; ``create``, ``upload`` and ``send_invoice``, which carry a
``requestid``.

Every call is made with ``use_decimal=True`` and ``minorversion=75``; models get ``qb=`` always.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError
from oauthlib.oauth2.rfc6749.errors import InsecureTransportError
from quickbooks import QuickBooks
from quickbooks.exceptions import AuthorizationException, QuickbooksException

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
from ar_sync_quickbooks.auth import (
    DISCOVERY_ENDPOINT_NAME,
    RECONNECT_HINT,
    TOKEN_ENDPOINT_NAME,
    new_auth_client,
    refresh_tokens,
    translate_oauth,
)
from ar_sync_quickbooks.mapping import PLATFORM

T = TypeVar("T")
log = logging.getLogger(__name__)

MINOR_VERSION = 75  # Intuit serves 1-74 as 75 since 2025-08-01
# 500 calls a minute and 10 in flight per app and realm; a little headroom for clock skew.
QUICKBOOKS_LIMITS = RateLimits(per_window=490, window_seconds=60.0, concurrent=10)
REFRESH_MARGIN = 300.0  # seconds of access-token life below which we refresh before a call
THROTTLED = "3001"
PRODUCTION, DEVELOPMENT = "production", "development"  # ``--environment``'s values
# Development keys reach only Intuit's sandbox companies, served from this host
# (https://developer.intuit.com/app/developer/qbo/docs/develop/sandboxes/manage-your-sandboxes,
# "Get the sandbox base URL"); a development org stores it as its ``api_url``.
INTUIT_SANDBOX_API_URL = "https://sandbox-quickbooks.api.intuit.com"


@dataclass(frozen=True, slots=True)
class QuickBooksEndpoints:
    """Where QuickBooks lives: Intuit's production service, Intuit's sandbox companies (the
    development environment), or an ar-sync sandbox at one base URL.

    ``discovery`` is what intuit-oauth's ``AuthClient`` takes as ``environment``:
    ``"production"`` or ``"sandbox"`` (intuit-oauth's names for Intuit's two discovery
    documents, ``intuitlib/config.py`` ``DISCOVERY_URL``) or the URL of a discovery document.
    ``api_base`` is python-quickbooks' ``api_url_v3``. ``api_url`` is what the org stores as
    ``Org.api_url`` (None for production), so later syncs reach the same place; ``environment``
    is Intuit's environment, None for an ar-sync sandbox.
    """

    discovery: str
    api_base: str
    sandbox: bool = False
    api_url: str | None = None
    environment: str | None = PRODUCTION

    @classmethod
    def production(cls) -> QuickBooksEndpoints:
        return cls(discovery="production", api_base=QuickBooks.api_url_v3)

    @classmethod
    def development(cls) -> QuickBooksEndpoints:
        """Intuit's sandbox companies, the only ones development keys can reach."""
        return cls(
            discovery="sandbox",
            api_base=f"{INTUIT_SANDBOX_API_URL}/v3",  # python-quickbooks' sandbox_api_url_v3
            api_url=INTUIT_SANDBOX_API_URL,
            environment=DEVELOPMENT,
        )

    @classmethod
    def for_environment(cls, environment: str) -> QuickBooksEndpoints:
        if environment == PRODUCTION:
            return cls.production()
        if environment == DEVELOPMENT:
            return cls.development()
        raise ConfigError(
            f"--environment: expected {PRODUCTION} or {DEVELOPMENT}, got {environment!r}"
        )

    @classmethod
    def for_sandbox(cls, url: str) -> QuickBooksEndpoints:
        base = url.rstrip("/")
        if urlsplit(base).scheme == "http":
            # requests-oauthlib refuses plain http; a sandbox on loopback is the only such case.
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        return cls(
            discovery=f"{base}/.well-known/openid_configuration",
            api_base=f"{base}/v3",
            sandbox=True,
            api_url=base,
            environment=None,
        )

    @classmethod
    def for_api_url(cls, api_url: str | None) -> QuickBooksEndpoints:
        """The endpoints of a stored org: production without ``api_url``, Intuit's sandbox
        companies at ``INTUIT_SANDBOX_API_URL``, else an ar-sync sandbox."""
        if not api_url:
            return cls.production()
        if api_url.rstrip("/") == INTUIT_SANDBOX_API_URL:
            return cls.development()
        return cls.for_sandbox(api_url)

    @property
    def reconnect_hint(self) -> str:
        """What to run when the grant is gone: the connect command with the same place."""
        return reconnect_hint(
            PLATFORM,
            sandbox_url=self.api_url if self.sandbox else None,
            environment=DEVELOPMENT if self.environment == DEVELOPMENT else None,
        )


class _ObservedQuickBooks(QuickBooks):
    """python-quickbooks with ``timeouts`` and the last response's status and headers kept.

    ``process_request`` is the library's seam for the transport; everything else is unchanged.
    """

    _observed = threading.local()
    timeouts: Timeouts = DEFAULT_TIMEOUTS

    def process_request(
        self, request_type: str, url: str, headers: Any = "", params: Any = "", data: Any = ""
    ) -> requests.Response:
        if self.session is None:
            raise QuickbooksException("No session manager")
        headers.update({"Authorization": "Bearer " + self.session.access_token})
        self._observed.status, self._observed.headers = None, {}
        response = self.session.request(
            request_type, url, headers=headers, params=params, data=data,
            timeout=self.timeouts.pair(),
        )
        self._observed.status, self._observed.headers = response.status_code, response.headers
        return response

    def last_response(self) -> tuple[int | None, Any]:
        return getattr(self._observed, "status", None), getattr(self._observed, "headers", {})


def translate(
    exc: BaseException,
    endpoint: str,
    status: int | None,
    headers: Any,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    hint: str = RECONNECT_HINT,
) -> ArSyncError:
    """Map a python-quickbooks or transport exception to the error tree. No secrets in messages;
    ``hint`` says how to connect again when the grant is gone."""
    if isinstance(exc, ArSyncError):
        return exc
    if isinstance(exc, QuickbooksException):
        code = str(exc.error_code)
        text = f"{exc.message} {exc.detail}"
        if status == 429 or code == THROTTLED or "ThrottleExceeded" in text:
            retry_after = headers.get("Retry-After") if headers else None
            return RetriableSourceError(
                f"QuickBooks rate limit on {endpoint}",
                retry_after=float(retry_after) if retry_after else None,
                reason="rate limited",
            )
        if isinstance(exc, AuthorizationException) or status == 401:
            return AuthError(
                f"QuickBooks rejected the access token on {endpoint}; {hint}"
            )
        if status == 403:
            return AuthError(
                f"QuickBooks refused access on {endpoint} (403): the company may have been "
                f"disconnected; {hint}"
            )
        if status is not None and status >= 500:
            return RetriableSourceError(
                f"QuickBooks answered {status} on {endpoint}", reason=f"HTTP {status}"
            )
        if status == 200 or "Error reading json response" in str(exc.message):
            return RetriableSourceError(
                f"QuickBooks sent a malformed response for {endpoint}",
                reason="malformed response",
            )
        return FatalSourceError(f"QuickBooks refused {endpoint} ({code}): {_explained(exc)}")
    if isinstance(exc, InsecureTransportError):
        return ConfigError("QuickBooks' API address must use https")
    if isinstance(exc, AuthClientError):
        return translate_oauth(exc, "a token refresh", hint)
    if isinstance(exc, requests.ConnectTimeout):
        return timed_out("QuickBooks", endpoint, "connect", timeouts)
    if isinstance(exc, requests.Timeout):
        return timed_out("QuickBooks", endpoint, "read", timeouts)
    if isinstance(exc, (requests.RequestException, OSError)):
        return RetriableSourceError(
            f"cannot reach QuickBooks for {endpoint}: {type(exc).__name__}",
            reason=f"connection failed ({type(exc).__name__})",
        )
    if isinstance(exc, ValueError):
        return RetriableSourceError(
            f"QuickBooks sent a malformed response for {endpoint}", reason="malformed response"
        )
    raise exc


class QuickBooksClient:
    """One QuickBooks company (realm) and its OAuth grant, as stored in the vault."""

    def __init__(
        self,
        *,
        endpoints: QuickBooksEndpoints,
        vault: CredentialVault,
        connection_id: str,
        realm_id: str,
        limits: RateLimits = QUICKBOOKS_LIMITS,
        retry: RetryPolicy = RetryPolicy(),
        stats: CallStats | None = None,
        clock: Callable[[], float] = time.time,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        secret = vault.load(connection_id)
        if not secret or not (secret.get("token") or {}).get("refresh_token"):
            raise ConfigError(
                f"no stored QuickBooks credentials for this company; {endpoints.reconnect_hint}"
            )
        self.endpoints = endpoints
        self.realm_id = realm_id
        self.timeouts = timeouts
        self.stats = stats or CallStats()
        self._vault = vault
        self._connection_id = connection_id
        self._retry = retry
        self._clock = clock
        self._pacer = RequestPacer(limits)
        self._lock = threading.RLock()
        self._call_lock = threading.Lock()
        self._auth: AuthClient | None = None
        self._qb: _ObservedQuickBooks | None = None

    # -- tokens ---------------------------------------------------------------------------
    def _secret(self) -> dict[str, Any]:
        secret = self._vault.load(self._connection_id)
        if not secret:
            raise AuthError(
                f"the stored QuickBooks credentials are gone; {self.endpoints.reconnect_hint}"
            )
        return secret

    def _session(self) -> _ObservedQuickBooks:
        """The python-quickbooks client, refreshed first when the access token is nearly spent."""
        with self._lock:
            token = self._secret()["token"]
            if token["expires_at"] - self._clock() < REFRESH_MARGIN:
                self.refresh()
            elif self._qb is None:
                self._build(token)
            assert self._qb is not None
            return self._qb

    def _auth_client(self, token: dict[str, Any]) -> AuthClient:
        if self._auth is None:
            secret = self._secret()
            self.stats.count(DISCOVERY_ENDPOINT_NAME)  # intuit-oauth reads it on construction
            self._auth = new_auth_client(
                self.endpoints,
                client_id=secret["client_id"],
                client_secret=secret["client_secret"],
                timeouts=self.timeouts,
            )
        self._auth.access_token = token["access_token"]
        self._auth.refresh_token = token["refresh_token"]
        return self._auth

    def _build(self, token: dict[str, Any]) -> None:
        auth = self._auth_client(token)
        qb = _ObservedQuickBooks(
            auth_client=auth,
            refresh_token=token["refresh_token"],
            company_id=self.realm_id,
            minorversion=MINOR_VERSION,
            use_decimal=True,
        )
        qb.api_url_v3 = qb.sandbox_api_url_v3 = self.endpoints.api_base
        qb.timeouts = self.timeouts
        self._qb = qb

    def refresh(self) -> None:
        """Trade the refresh token for new tokens and save them before anything uses them."""
        with self._lock:
            secret = self._secret()
            auth = self._auth_client(secret["token"])
            self.stats.count(TOKEN_ENDPOINT_NAME)
            secret["token"] = refresh_tokens(
                auth,
                secret["token"]["refresh_token"],
                now=self._clock(),
                hint=self.endpoints.reconnect_hint,
                timeouts=self.timeouts,
            )
            self._vault.save(self._connection_id, secret)
            log.info("saved a refreshed QuickBooks token for connection %s", self._connection_id)
            self._build(secret["token"])

    # -- calls ----------------------------------------------------------------------------
    def call(self, endpoint: str, fn: Callable[[QuickBooks], T]) -> T:
        """Run ``fn(qb)`` paced, refreshed when due or on a 401, translated and retried.

        Calls go one at a time (a sync fetching its next page on a worker thread and its own
        thread may both call): they share one requests session and one token rotation. Waits
        between retries hold nothing."""

        def attempt() -> T:
            with self._call_lock:
                return self._attempt(endpoint, fn)

        return call_with_retries(
            attempt,
            policy=self._retry,
            endpoint=endpoint,
            on_retry=self.stats.retrying,
        )

    def _attempt(self, endpoint: str, fn: Callable[[QuickBooks], T]) -> T:
        qb: _ObservedQuickBooks | None = None
        try:
            qb = self._session()
            try:
                return self._send(endpoint, fn, qb)
            except AuthorizationException:
                if qb.last_response()[0] != 401:
                    raise
                log.info("401 on %s: refreshing the access token once", endpoint)
                self.refresh()
                qb = self._session()
                return self._send(endpoint, fn, qb)
        except Exception as exc:  # noqa: BLE001 - everything leaves through the error tree
            status, headers = qb.last_response() if qb is not None else (None, {})
            raise translate(
                exc, endpoint, status, headers, self.timeouts, self.endpoints.reconnect_hint
            ) from None

    def _send(self, endpoint: str, fn: Callable[[QuickBooks], T], qb: QuickBooks) -> T:
        self.stats.count(endpoint)
        with self._pacer.slot():
            return fn(qb)

    # -- requests the connector makes -------------------------------------------------------
    def query(self, select: str) -> dict[str, Any]:
        """``POST query`` with a statement of QuickBooks' query language; the ``QueryResponse``."""
        body = self.call("POST query", lambda qb: qb.query(select))
        return _envelope(body, "QueryResponse", "query")

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """``GET <entity>/<id>``; the entity's JSON."""
        body = self.call(
            f"GET {entity.lower()}/{{id}}", lambda qb: qb.get_single_object(entity, entity_id)
        )
        return _envelope(body, entity, f"{entity} {entity_id}")

    def change_data_capture(self, entities: list[str], changed_since: str) -> list[dict[str, Any]]:
        """``GET cdc``: the ``QueryResponse`` list of the answer (one element per entity)."""
        body = self.call(
            "GET cdc", lambda qb: qb.change_data_capture(",".join(entities), changed_since)
        )
        answers = body.get("CDCResponse") if isinstance(body, dict) else None
        if not isinstance(answers, list):
            raise RetriableSourceError("QuickBooks sent a malformed change-data-capture answer")
        groups: list[dict[str, Any]] = []
        for answer in answers:
            groups.extend(answer.get("QueryResponse") or [])
        return groups

    def report(self, name: str, params: dict[str, str]) -> dict[str, Any]:
        """``GET reports/<name>`` with its query parameters; the report JSON."""
        body = self.call(f"GET reports/{name}", lambda qb: qb.get_report(name, params))
        if not isinstance(body, dict) or "Rows" not in body:
            raise RetriableSourceError(f"QuickBooks sent a malformed {name} report")
        return body

    # -- writes (``request_id``: QuickBooks' ``requestid``, at most 50 characters) -------------
    def create(self, entity: str, body: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        """``POST <entity>`` creating one record; the record as QuickBooks returns it."""
        answer = self.call(
            f"POST {entity.lower()}",
            lambda qb: qb.create_object(entity, json.dumps(body), request_id=request_id),
        )
        return _envelope(answer, entity, f"the new {entity}")

    def upload(
        self, metadata: dict[str, Any], content: bytes, *, request_id: str
    ) -> dict[str, Any]:
        """``POST upload``: one file and its Attachable ``metadata`` (which must name its
        ``ContentType``); the Attachable. QuickBooks answers a refused upload with HTTP 200 and
        the fault inside ``AttachableResponse`` (the recorded
        ../shared/fixtures/quickbooks/recorded_json/upload_error_in_attachableresponse), which
        is translated like any other fault."""
        answer = self.call(
            "POST upload",
            lambda qb: qb.create_object(
                "Attachable", json.dumps(metadata), _file_bytes=content, request_id=request_id
            ),
        )
        items = answer.get("AttachableResponse") if isinstance(answer, dict) else None
        item = items[0] if isinstance(items, list) and items else None
        if isinstance(item, dict) and isinstance(item.get("Fault"), dict):
            (error, *_) = item["Fault"].get("Error") or [{}]
            code, detail = error.get("code", "?"), error.get("Detail") or error.get("Message")
            raise FatalSourceError(f"QuickBooks refused POST upload ({code}): {detail}")
        return _envelope(item, "Attachable", "the uploaded file")

    def send_invoice(self, invoice_id: str, *, request_id: str) -> dict[str, Any]:
        """``POST invoice/<id>/send`` (to the invoice's ``BillEmail``); the invoice as sent.
        python-quickbooks' ``Invoice.send`` cannot pass a ``requestid``; its ``post`` can
        (the notes §4.6)."""
        answer = self.call(
            "POST invoice/{id}/send",
            lambda qb: qb.post(
                f"{qb.api_url}/company/{qb.company_id}/invoice/{invoice_id}/send",
                None,
                "application/octet-stream",
                request_id=request_id,
            ),
        )
        return _envelope(answer, "Invoice", f"invoice {invoice_id}")

    def close(self) -> None:
        with self._lock:
            if self._auth is not None:
                self._auth.close()
            if self._qb is not None and self._qb.session is not None:
                self._qb.session.close()
            self._auth = self._qb = None


def _explained(exc: QuickbooksException) -> str:
    """A fault's message, and its detail when that says more (QuickBooks' details name the
    rule broken: "Business Validation Error: ..."; they hold no credentials)."""
    message, detail = str(exc.message or "").strip(), str(exc.detail or "").strip()
    return f"{message}: {detail}" if detail and detail != message else message


def _envelope(body: Any, key: str, what: str) -> dict[str, Any]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise RetriableSourceError(f"QuickBooks sent a malformed answer for {what}")
    return value
