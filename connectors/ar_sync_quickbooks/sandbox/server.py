"""``QuickBooksSandbox``: the sandbox as a real HTTP server on loopback, in a background thread.

::

    with QuickBooksSandbox([load_company(path)]) as sandbox:
        auth = AuthClient(cid, secret, redirect, environment=sandbox.discovery_url)
        qb = QuickBooks(auth_client=auth, refresh_token=..., company_id=sandbox.realm_ids[0],
                        minorversion=75)
        qb.api_url_v3 = qb.sandbox_api_url_v3 = sandbox.api_url
"""

from __future__ import annotations

from collections.abc import Iterable

from ar_sync.sandbox.pipeline import SandboxApp, open_books
from ar_sync.sandbox.server import SandboxServer
from ar_sync_quickbooks.sandbox.company import Company
from ar_sync_quickbooks.sandbox.identity import DISCOVERY_PATH, IdentityStore
from ar_sync_quickbooks.sandbox.limits import SandboxLimits
from ar_sync_quickbooks.sandbox.rules import QuickBooksRules


class QuickBooksSandbox(SandboxServer):
    """A local QuickBooks Online: OAuth, Accounting API and control endpoints on one origin.

    ``companies`` become realms in load order. Times are seconds: ``access_token_ttl`` (QBO:
    3600) and ``idempotency_ttl`` (how long a ``requestid`` is remembered: UNCONFIRMED for QBO,
    default one day). ``port=0`` picks a free port; read it back from ``url`` after ``start()``.
    ``url``, ``start``/``stop`` and the context manager come from ``SandboxServer``.
    """

    def __init__(
        self,
        companies: Iterable[Company],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: SandboxLimits | None = None,
        access_token_ttl: float = 3600,
        idempotency_ttl: float = 86400,
    ) -> None:
        limits = limits or SandboxLimits()
        rules = QuickBooksRules()
        books = open_books(rules, companies)
        self.tokens = IdentityStore(
            {realm_id: realm.name for realm_id, realm in books.items()},
            access_token_ttl=access_token_ttl,
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
    def realm_ids(self) -> list[str]:
        """Realm (company) ids in load order."""
        return self.company_ids

    @property
    def api_url(self) -> str:
        """What ``QuickBooks.api_url_v3`` / ``sandbox_api_url_v3`` should be."""
        return f"{self.url}/v3"

    @property
    def discovery_url(self) -> str:
        """What ``AuthClient(environment=...)`` should be."""
        return f"{self.url}{DISCOVERY_PATH}"

    def issue_tokens(
        self, client_id: str, client_secret: str, realm_id: str | None = None
    ) -> dict[str, object]:
        """A token set for a new grant (the first realm by default), as the token endpoint
        returns it, plus ``"realmId"``."""
        return self.tokens.grant_tokens(client_id, client_secret, realm_id)
