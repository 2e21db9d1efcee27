"""The Xero plugin registered under the ``ar_sync.connectors`` entry-point group as
``ar_sync_xero.plugin:plugin``: ``connect`` (OAuth), ``open`` (a connector for reads),
``open_writer`` (a writer) and ``sandbox`` (the local emulator).

``connect`` runs Xero's authorization-code flow with PKCE and ``state``; the redirect arrives on
the loopback listener (``http://localhost:8765/callback`` registered on the app), or, with
``--redirect-uri``, as the address pasted back from the browser. Xero has one environment, so
``--environment`` is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ar_sync.connector import ConnectOptions, CredentialVault
from ar_sync.domain import Org, make_org_id
from ar_sync.errors import ConfigError
from ar_sync.connect.oauth import (
    Pkce,
    check_redirect_uri,
    client_credentials,
    new_state,
    run_authorization,
)
from ar_sync.sync.pacing import RateLimits
from ar_sync.sync.retry import RetryPolicy
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts
from ar_sync_xero import auth
from ar_sync_xero.client import XERO_LIMITS, XeroClient, XeroEndpoints
from ar_sync_xero.connector import XeroConnector
from ar_sync_xero.mapping import PLATFORM
from ar_sync_xero.writer import WRITE_RETRY, XeroWriter

if TYPE_CHECKING:
    from ar_sync.sandbox.plugin import SandboxPlugin

DEFAULT_REDIRECT_PORT = 8765  # Xero needs the exact redirect URI registered, port included
# Xero's own starter registers http://localhost:5000/callback (XeroAPI/xero-python-oauth2-starter
# README.md); other http hosts are refused with "Invalid redirect_uri"
# (foxbytehq/laravel-xero-oauth2#47). UNCONFIRMED in Xero's documentation.
NEEDS_HTTPS = "Xero needs an https redirect URI (http only for http://localhost)"


def check_connect_options(options: ConnectOptions) -> None:
    """Refuse, before any network call, what Xero has no use for or would refuse."""
    if options.environment is not None:
        raise ConfigError(
            "--environment: Xero has one environment (try a Xero demo company for tests); the "
            "option is for QuickBooks' development keys"
        )
    if options.redirect_uri is not None:
        check_redirect_uri(
            options.redirect_uri, ledger="Xero", allow_http_localhost=True, why_https=NEEDS_HTTPS
        )
class XeroPlugin:
    platform = PLATFORM
    display_name = "Xero"

    def connect(
        self,
        options: ConnectOptions,
        vault: CredentialVault,
        *,
        echo: Callable[[str], Any] = print,
    ) -> list[Org]:
        """Authorize, keep the tokens in ``vault`` and return every organisation granted."""
        sandbox = options.sandbox_url is not None
        check_connect_options(options)
        endpoints = XeroEndpoints.for_api_url(options.sandbox_url)
        client_id, client_secret = client_credentials(
            options.client_id,
            options.client_secret,
            sandbox=sandbox,
            platform=PLATFORM,
            display_name=self.display_name,
        )
        pkce, state = Pkce.new(), new_state()
        redirect, redirect_uri = run_authorization(
            options,
            default_port=DEFAULT_REDIRECT_PORT,
            state=state,
            ledger="Xero",
            authorization_url=lambda uri: auth.authorization_url(
                endpoints, client_id=client_id, redirect_uri=uri, state=state, pkce=pkce
            ),
            echo=echo,
        )
        token = auth.exchange_code(
            endpoints,
            client_id=client_id,
            client_secret=client_secret,
            code=redirect["code"],
            redirect_uri=redirect_uri,
            pkce=pkce,
        )
        connection_id = f"{PLATFORM}:{uuid.uuid4()}"
        vault.save(
            connection_id,
            {"client_id": client_id, "client_secret": client_secret, "token": token},
        )
        client = XeroClient(
            endpoints=endpoints,
            vault=vault,
            connection_id=connection_id,
            timeouts=options.timeouts,
        )
        connections = client.call("GET connections", client.identity.get_connections)
        orgs = []
        for connection in connections or ():
            if str(getattr(connection.tenant_type, "value", connection.tenant_type)) != (
                "ORGANISATION"
            ):
                continue
            tenant_id = str(connection.tenant_id)
            placeholder = Org(
                org_id=make_org_id(PLATFORM, tenant_id),
                platform=PLATFORM,
                tenant_id=tenant_id,
                name=connection.tenant_name or tenant_id,
                base_currency="USD",
                timezone="UTC",
                connection_id=connection_id,
                api_url=options.sandbox_url,
            )
            orgs.append(XeroConnector(placeholder, client).fetch_org())
        if not orgs:
            raise ConfigError("the Xero grant covers no organisation; nothing to connect")
        return orgs

    def open(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> XeroConnector:
        return XeroConnector(org, _client(org, vault, timeouts, limits=limits))

    def open_writer(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> XeroWriter:
        return XeroWriter(org, _client(org, vault, timeouts, retry=WRITE_RETRY, limits=limits))

    @property
    def sandbox(self) -> SandboxPlugin:
        """The local emulator (``ar_sync_xero.sandbox``), imported when first asked for."""
        from ar_sync_xero.sandbox.plugin import plugin as sandbox

        return sandbox


def _client(
    org: Org, vault: CredentialVault, timeouts: Timeouts, retry: RetryPolicy = RetryPolicy(),
    limits: RateLimits | None = None,
) -> XeroClient:
    """The SDK client of a stored org's grant."""
    return XeroClient(
        endpoints=XeroEndpoints.for_api_url(org.api_url),
        vault=vault,
        connection_id=org.connection_id,
        timeouts=timeouts,
        retry=retry,
        limits=limits or XERO_LIMITS,
    )


plugin = XeroPlugin()
