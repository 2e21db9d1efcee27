"""Fixtures for the Xero sandbox tests: real servers on loopback, the real xero-python SDK.

The SDK is used the way ar-sync's connector uses it (notes §6, §9): a ``Configuration()`` whose
``oauth2_token`` is set after construction (the first Configuration of a process becomes a
shared default), ``AccountingApi``/``IdentityApi`` with the sandbox's base URLs, and an
``OAuth2Token`` subclass that points the refresh call at the sandbox's token endpoint.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import urllib3
from ar_sync_xero.sandbox import Company, XeroSandbox, load_company
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.identity import IdentityApi

CLIENT_ID = "ar-sync-test-client"
CLIENT_SECRET = "ar-sync-test-secret"
SAMPLE = files("ar_sync_xero.sandbox").joinpath("samples/small_company.json")


class SandboxToken(OAuth2Token):
    """The SDK's token, refreshing against the sandbox instead of identity.xero.com."""

    def __init__(self, token_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token_url = token_url

    def call_refresh_token_api(self, token_api):
        token_api.refresh_token_url = self.token_url
        return super().call_refresh_token_api(token_api)


@dataclass
class Xero:
    """One SDK client connected to a sandbox; ``token`` is what the token saver last stored."""

    sandbox: XeroSandbox
    token: dict[str, Any]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    urllib3_retries: bool = False
    saved: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        config = Configuration()
        config.oauth2_token = SandboxToken(
            self.sandbox.token_url, client_id=self.client_id, client_secret=self.client_secret
        )
        self.client = ApiClient(
            config,
            oauth2_token_getter=lambda: self.token,
            oauth2_token_saver=self._save,
        )
        if not self.urllib3_retries:
            # The SDK's PoolManager keeps urllib3's default Retry(3), which silently retries a
            # GET or PUT answered 429/503 with Retry-After after sleeping that long (up to 6 h).
            # ar-sync retries itself, so its clients (and these tests) switch that off.
            self.client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        self.api = AccountingApi(self.client, base_url=self.sandbox.api_url)
        self.identity = IdentityApi(self.client, base_url=self.sandbox.url)

    def _save(self, token: dict[str, Any]) -> None:
        self.token = token
        self.saved.append(token)

    @property
    def tenant(self) -> str:
        return self.sandbox.tenant_ids[0]


@dataclass
class Http:
    """Plain HTTP for what the SDK cannot show (raw bodies, headers, control endpoints)."""

    pool: urllib3.PoolManager = field(default_factory=lambda: urllib3.PoolManager(retries=False))

    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | dict | None = None,
        fields: dict[str, str] | None = None,
        redirect: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        if fields is not None:  # an HTML form post, as OAuth clients send
            return self.pool.request(
                method,
                url,
                headers=headers,
                fields=fields,
                encode_multipart=False,
                redirect=redirect,
            )
        if isinstance(body, dict):
            body = json.dumps(body)
        return self.pool.request(method, url, headers=headers, body=body, redirect=redirect)

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self(method, url, **kwargs)
        assert 200 <= response.status < 300, (response.status, response.data)
        return json.loads(response.data) if response.data else None


@pytest.fixture(scope="session")
def sample_company() -> Company:
    return load_company(Path(str(SAMPLE)))


@pytest.fixture
def make_sandbox(sample_company: Company) -> Iterator[Callable[..., XeroSandbox]]:
    """Start sandboxes (default: the sample company) and stop them after the test."""
    started: list[XeroSandbox] = []

    def start(companies: list[Company] | None = None, **options: Any) -> XeroSandbox:
        sandbox = XeroSandbox(companies or [sample_company], **options).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., XeroSandbox]) -> XeroSandbox:
    return make_sandbox()


@pytest.fixture
def connect() -> Callable[..., Xero]:
    """``connect(sandbox)``: an SDK client holding a fresh grant (or the given token set)."""

    def build(sandbox: XeroSandbox, token: dict[str, Any] | None = None, **options: Any) -> Xero:
        """``options``: ``client_id``, ``client_secret``, ``urllib3_retries``."""
        if token is None:
            token = sandbox.issue_tokens(
                options.get("client_id", CLIENT_ID), options.get("client_secret", CLIENT_SECRET)
            )
        return Xero(sandbox, dict(token), **options)

    return build


@pytest.fixture
def xero(sandbox: XeroSandbox, connect: Callable[..., Xero]) -> Xero:
    return connect(sandbox)


@pytest.fixture(scope="session")
def client_credentials() -> tuple[str, str]:
    """The OAuth client id and secret ``connect`` uses."""
    return CLIENT_ID, CLIENT_SECRET


@pytest.fixture(scope="session")
def http() -> Http:
    return Http()


@pytest.fixture
def bearer(xero: Xero) -> dict[str, str]:
    """Headers for a raw Accounting API call with ``xero``'s grant."""
    return {"Authorization": f"Bearer {xero.token['access_token']}", "xero-tenant-id": xero.tenant}


def _spec_dir(rootpath: Path) -> Path | None:
    candidates = [rootpath.parent / "shared" / "specs" / "xero"]
    if os.environ.get("AR_SYNC_SPECS"):
        candidates.insert(0, Path(os.environ["AR_SYNC_SPECS"]) / "xero")
    return next((c for c in candidates if (c / "xero_accounting.yaml").is_file()), None)


@pytest.fixture(scope="session")
def xero_spec_path(request: pytest.FixtureRequest) -> Path:
    """Xero's OpenAPI document; skipped when absent unless ``AR_SYNC_REQUIRE_SPECS=1``."""
    found = _spec_dir(request.config.rootpath)
    if found is None:
        reason = "xero_accounting.yaml not found in ../shared/specs/xero or $AR_SYNC_SPECS/xero"
        if os.environ.get("AR_SYNC_REQUIRE_SPECS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found / "xero_accounting.yaml"
