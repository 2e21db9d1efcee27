"""``XeroSandbox``: the sandbox as a real HTTP server on loopback, in a background thread.

::

    with XeroSandbox([load_company(path)]) as sandbox:
        api = AccountingApi(api_client, base_url=sandbox.api_url)
        ...

From the command line: ``ar-sync sandbox serve --platform xero``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ar_sync_xero.sandbox.app import SandboxApp
from ar_sync_xero.sandbox.company import Company
from ar_sync_xero.sandbox.identity import DEFAULT_SCOPE
from ar_sync_xero.sandbox.limits import SandboxLimits


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the sandbox keeps its own call log); errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class XeroSandbox:
    """A local Xero: identity, Accounting API and control endpoints on one origin.

    ``companies`` become tenants in order. Times are seconds: ``access_token_ttl`` (Xero: 1800),
    ``refresh_grace`` (how long a rotated refresh token still works; Xero: 1800) and
    ``idempotency_ttl`` (how long an ``Idempotency-Key`` is remembered; Xero: 360).
    ``port=0`` picks a free port; read it back from ``url`` after ``start()``.
    """

    def __init__(
        self,
        companies: Iterable[Company],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: SandboxLimits | None = None,
        access_token_ttl: float = 1800,
        refresh_grace: float = 1800,
        idempotency_ttl: float = 360,
    ) -> None:
        self.app = SandboxApp(
            companies,
            limits=limits or SandboxLimits(),
            access_token_ttl=access_token_ttl,
            refresh_grace=refresh_grace,
            idempotency_ttl=idempotency_ttl,
        )
        if not self.app.states:
            raise ValueError("a sandbox needs at least one company")
        self.host, self.port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def tenant_ids(self) -> list[str]:
        """Tenant (organisation) ids in load order."""
        return list(self.app.states)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``; the base URL of ``IdentityApi``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return f"http://{self.host}:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        """The base URL of ``AccountingApi``."""
        return f"{self.url}/api.xro/2.0"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        """Where ``TokenApi.refresh_token_url`` should point."""
        return f"{self.url}/connect/token"

    @property
    def revocation_url(self) -> str:
        return f"{self.url}/connect/revocation"

    def issue_tokens(
        self, client_id: str, client_secret: str, scope: str = DEFAULT_SCOPE
    ) -> dict[str, object]:
        """A token set for a new grant over every tenant, as a completed consent would give."""
        return self.app.identity.issue(client_id, client_secret, scope)

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval makes stop() take milliseconds instead of half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="xero-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
