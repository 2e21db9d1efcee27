"""``XeroSandbox``: the sandbox as a real HTTP server on loopback, in a background thread.

::

    with XeroSandbox([load_company(path)]) as sandbox:
        api = AccountingApi(api_client, base_url=sandbox.api_url)
        ...

From the command line: ``ar-sync sandbox serve --platform xero``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ar_sync.sandbox.pipeline import SandboxApp, open_books
from ar_sync.sandbox.server import SandboxServer
from ar_sync_xero.sandbox.company import Company
from ar_sync_xero.sandbox.identity import DEFAULT_SCOPE, IdentityStore
from ar_sync_xero.sandbox.limits import SandboxLimits
from ar_sync_xero.sandbox.rules import XeroRules


class XeroSandbox(SandboxServer):
    """A local Xero: identity, Accounting API and control endpoints on one origin.

    ``companies`` become tenants in order. Times are seconds: ``access_token_ttl`` (Xero: 1800),
    ``refresh_grace`` (how long a rotated refresh token still works; Xero: 1800) and
    ``idempotency_ttl`` (how long an ``Idempotency-Key`` is remembered; Xero: 360).
    ``port=0`` picks a free port; read it back from ``url`` after ``start()``. ``url``
    (``http://127.0.0.1:PORT``) is the base URL of ``IdentityApi``; ``start``/``stop`` and the
    context manager come from ``SandboxServer``.
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
        limits = limits or SandboxLimits()
        rules = XeroRules(limits)
        books = open_books(rules, companies)
        self.tokens = IdentityStore(
            {tenant_id: state.name for tenant_id, state in books.items()},
            access_token_ttl=access_token_ttl,
            refresh_grace=refresh_grace,
        )
        app = SandboxApp(
            rules,
            books,
            identity=self.tokens,
            policy=limits.policy(),
            idempotency_ttl=idempotency_ttl,
        )
        super().__init__(app, host=host, port=port)

    @property
    def tenant_ids(self) -> list[str]:
        """Tenant (organisation) ids in load order."""
        return self.company_ids

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
        return self.tokens.grant_tokens(client_id, client_secret, scope)
