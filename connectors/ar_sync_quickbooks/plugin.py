"""The QuickBooks Online plugin registered under the ``ar_sync.connectors`` entry-point group as
``ar_sync_quickbooks.plugin:plugin``: ``connect`` (OAuth, with ``auth.py``), ``open`` (a
connector for reads), ``open_writer`` (a writer) and ``sandbox`` (the local emulator).

``connect`` runs Intuit's authorization-code flow with ``state``: the user approves one company,
and the redirect carries ``code``, ``state`` and ``realmId``. One connection (one keyring entry)
holds one realm's tokens.

Intuit's rules for the redirect decide how it arrives (``check_redirect_options``):

- ``--environment development`` (development keys, Intuit's sandbox companies): the loopback
  listener at ``http://localhost:8765/callback``, or ``--redirect-uri``;
- ``--environment production`` (the default against Intuit): ``--redirect-uri https://...``
  only, the address pasted back from the browser, since production keys need https;
- against an ar-sync sandbox: the listener, or ``--redirect-uri`` to rehearse pasting.

The org remembers where it lives (``Org.api_url``: None for production, Intuit's sandbox host
for development, the sandbox's URL), so later syncs reach the same place.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intuitlib.exceptions import AuthClientError

from ar_sync.connect.oauth import (
    check_redirect_uri,
    client_credentials,
    new_state,
    run_authorization,
)
from ar_sync.connector import ConnectOptions, CredentialVault
from ar_sync.domain import Org, make_org_id
from ar_sync.errors import AuthError, ConfigError, SourceError
from ar_sync.sync.pacing import RateLimits
from ar_sync.sync.retry import RetryPolicy
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts
from ar_sync_quickbooks import auth
from ar_sync_quickbooks.client import (
    DEVELOPMENT,
    PRODUCTION,
    QUICKBOOKS_LIMITS,
    QuickBooksClient,
    QuickBooksEndpoints,
)
from ar_sync_quickbooks.connector import QuickBooksConnector
from ar_sync_quickbooks.mapping import PLATFORM
from ar_sync_quickbooks.writer import WRITE_RETRY, QuickBooksWriter

if TYPE_CHECKING:
    from ar_sync.sandbox.plugin import SandboxPlugin

DEFAULT_REDIRECT_PORT = 8765  # Intuit needs the exact redirect URI registered, port included
# Intuit redirects only to https URIs, never to an IP address; http://localhost is accepted for
# sandbox (development) environments only
# (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/set-redirect-uri).
NEEDS_HTTPS = (
    "QuickBooks production keys need an https redirect URI (http only for http://localhost, "
    "with development keys)"
)
CODE_EXCHANGE_HINT = "check the app's client id and secret and run `ar-sync connect` again"


def connect_endpoints(options: ConnectOptions) -> QuickBooksEndpoints:
    """Where ``connect`` goes: the sandbox given, else Intuit's environment (production unless
    ``options.environment`` says development). ``ConfigError`` for an unknown environment."""
    if options.sandbox_url is not None:
        if options.environment is not None:
            QuickBooksEndpoints.for_environment(options.environment)  # still a valid value?
        return QuickBooksEndpoints.for_sandbox(options.sandbox_url)
    return QuickBooksEndpoints.for_environment(options.environment or PRODUCTION)


def check_redirect_options(options: ConnectOptions) -> None:
    """Refuse, before any network call, a redirect Intuit would refuse for the environment.

    Production keys need an https ``--redirect-uri`` (no loopback listener); development keys
    also take ``http://localhost``. Against a sandbox the rules of an explicit
    ``--environment`` apply, so a flow can be rehearsed; without one, anything local goes.
    """
    environment = options.environment or (None if options.sandbox_url else PRODUCTION)
    if options.redirect_uri is not None:
        check_redirect_uri(
            options.redirect_uri,
            ledger="QuickBooks",
            allow_http_localhost=environment != PRODUCTION,
            why_https=NEEDS_HTTPS,
        )
    elif environment == PRODUCTION:
        raise ConfigError(
            "QuickBooks production keys need an https redirect URI, which ar-sync's local "
            "listener cannot offer: register an https page on the app and pass --redirect-uri "
            f"https://..., or connect an Intuit sandbox company with --environment {DEVELOPMENT} "
            f"(register http://localhost:{DEFAULT_REDIRECT_PORT}/callback)"
        )


class QuickBooksPlugin:
    platform = PLATFORM
    display_name = "QuickBooks Online"

    def connect(
        self,
        options: ConnectOptions,
        vault: CredentialVault,
        *,
        echo: Callable[[str], Any] = print,
    ) -> list[Org]:
        """Authorize one company, keep its tokens in ``vault`` and return it as an org."""
        sandbox = options.sandbox_url is not None
        endpoints = connect_endpoints(options)
        check_redirect_options(options)
        client_id, client_secret = client_credentials(
            options.client_id,
            options.client_secret,
            sandbox=sandbox,
            platform=PLATFORM,
            display_name=self.display_name,
        )
        state = new_state()
        auth_client = auth.new_auth_client(
            endpoints, client_id=client_id, client_secret=client_secret, timeouts=options.timeouts
        )
        try:
            redirect, _ = run_authorization(
                options,
                default_port=DEFAULT_REDIRECT_PORT,
                state=state,
                ledger="QuickBooks",
                authorization_url=lambda uri: auth.authorization_url(
                    auth_client, redirect_uri=uri, state=state
                ),
                echo=echo,
            )
            realm_id = redirect.get("realmId")
            if not realm_id:
                raise AuthError("QuickBooks' authorization redirect carried no realmId (company)")
            token = auth.exchange_code(
                auth_client, code=redirect["code"], realm_id=realm_id, now=time.time()
            )
        except AuthClientError as exc:
            raise auth.translate_oauth(
                exc, "the authorization code", CODE_EXCHANGE_HINT
            ) from None
        except OSError as exc:
            raise SourceError(
                f"cannot reach QuickBooks' token service: {type(exc).__name__}"
            ) from None
        finally:
            auth_client.close()
        connection_id = f"{PLATFORM}:{uuid.uuid4()}"
        vault.save(
            connection_id,
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "realm_id": realm_id,
                "token": token,
            },
        )
        placeholder = Org(
            org_id=make_org_id(PLATFORM, realm_id),
            platform=PLATFORM,
            tenant_id=realm_id,
            name=realm_id,
            base_currency="USD",
            timezone="UTC",
            connection_id=connection_id,
            api_url=endpoints.api_url,
        )
        connector = self.open(placeholder, vault, timeouts=options.timeouts)
        try:
            return [connector.fetch_org()]
        finally:
            connector.close()

    def open(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> QuickBooksConnector:
        return QuickBooksConnector(org, _client(org, vault, timeouts, limits=limits))

    def open_writer(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> QuickBooksWriter:
        return QuickBooksWriter(org, _client(org, vault, timeouts, retry=WRITE_RETRY, limits=limits))

    @property
    def sandbox(self) -> SandboxPlugin:
        """The local emulator (``ar_sync_quickbooks.sandbox``), imported when first asked for."""
        from ar_sync_quickbooks.sandbox.plugin import plugin as sandbox

        return sandbox


def _client(
    org: Org, vault: CredentialVault, timeouts: Timeouts, retry: RetryPolicy = RetryPolicy(),
    limits: RateLimits | None = None,
) -> QuickBooksClient:
    """The python-quickbooks client of a stored org (one realm and its grant)."""
    return QuickBooksClient(
        endpoints=QuickBooksEndpoints.for_api_url(org.api_url),
        vault=vault,
        connection_id=org.connection_id,
        realm_id=org.tenant_id,
        timeouts=timeouts,
        retry=retry,
        limits=limits or QUICKBOOKS_LIMITS,
    )


plugin = QuickBooksPlugin()
