"""The QuickBooks Online plugin registered under the ``ar_sync.connectors`` entry-point group.

``connect`` runs Intuit's authorization-code flow with ``state``: the user approves one company,
and the redirect to the loopback listener carries ``code``, ``state`` and ``realmId``. One
connection (one keyring entry) holds one realm's tokens.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from ar_sync.connector import ConnectOptions, CredentialVault, GenerateSpec
from ar_sync.domain import Org, make_org_id
from ar_sync.errors import AuthError, SourceError
from ar_sync.oauth import client_credentials, new_state, run_authorization
from ar_sync.sandbox_options import sandbox_companies
from ar_sync_quickbooks.client import (
    QuickBooksClient,
    QuickBooksEndpoints,
    new_auth_client,
    token_document,
    translate_oauth,
)
from ar_sync_quickbooks.connector import QuickBooksConnector
from ar_sync_quickbooks.mapping import PLATFORM

DEFAULT_REDIRECT_PORT = 8765  # Intuit needs the exact redirect URI registered, port included
SAMPLE_COMPANY = Path(__file__).parent / "sandbox" / "samples" / "small_company.json"


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
        endpoints = QuickBooksEndpoints.for_api_url(options.sandbox_url)
        client_id, client_secret = client_credentials(
            options.client_id,
            options.client_secret,
            sandbox=sandbox,
            platform=PLATFORM,
            display_name=self.display_name,
        )
        state = new_state()
        auth = new_auth_client(endpoints, client_id=client_id, client_secret=client_secret)

        def authorization_url(redirect_uri: str) -> str:
            auth.redirect_uri = redirect_uri  # intuit-oauth repeats it in the code exchange
            return auth.get_authorization_url([Scopes.ACCOUNTING], state_token=state)

        try:
            redirect, _ = run_authorization(
                options,
                default_port=DEFAULT_REDIRECT_PORT,
                state=state,
                ledger="QuickBooks",
                authorization_url=authorization_url,
                echo=echo,
            )
            realm_id = redirect.get("realmId")
            if not realm_id:
                raise AuthError("QuickBooks' authorization redirect carried no realmId (company)")
            auth.get_bearer_token(redirect["code"], realm_id=realm_id)
        except AuthClientError as exc:
            raise translate_oauth(exc, "the authorization code") from None
        except OSError as exc:
            raise SourceError(
                f"cannot reach QuickBooks' token service: {type(exc).__name__}"
            ) from None
        finally:
            auth.close()
        connection_id = f"{PLATFORM}:{uuid.uuid4()}"
        vault.save(
            connection_id,
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "realm_id": realm_id,
                "token": token_document(auth, now=time.time()),
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
            api_url=options.sandbox_url,
        )
        connector = self.open(placeholder, vault)
        try:
            return [connector.fetch_org()]
        finally:
            connector.close()

    def open(self, org: Org, vault: CredentialVault) -> QuickBooksConnector:
        client = QuickBooksClient(
            endpoints=QuickBooksEndpoints.for_api_url(org.api_url),
            vault=vault,
            connection_id=org.connection_id,
            realm_id=org.tenant_id,
        )
        return QuickBooksConnector(org, client)

    def start_sandbox(
        self,
        *,
        company_files: list[Path] | None = None,
        generate: GenerateSpec | None = None,
        port: int = 0,
    ) -> Any:
        from ar_sync_quickbooks.sandbox import QuickBooksSandbox, generate_company, load_company

        companies = sandbox_companies(
            company_files,
            generate,
            load=load_company,
            generate_company=generate_company,
            sample=SAMPLE_COMPANY,
        )
        sandbox = QuickBooksSandbox(companies, port=port)
        sandbox.start()
        return sandbox


plugin = QuickBooksPlugin()
