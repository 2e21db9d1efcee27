"""Fixtures for the QuickBooks sandbox tests: real servers on loopback, the real
python-quickbooks and intuit-oauth, used as ar-sync's connector uses them (notes §6, §9):
``AuthClient(environment=<discovery URL>)``, ``QuickBooks(auth_client=..., refresh_token=...,
company_id=..., minorversion=75, use_decimal=True)`` with ``api_url_v3``/``sandbox_api_url_v3``
overridden on the instance.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import requests
from ar_sync_quickbooks.sandbox import Company, QuickBooksSandbox, load_company
from intuitlib.client import AuthClient
from quickbooks import QuickBooks

CLIENT_ID = "ar-sync-sandbox"
CLIENT_SECRET = "ar-sync-sandbox-secret"
REDIRECT_URI = "http://localhost:8765/callback"
SAMPLE = files("ar_sync_quickbooks.sandbox").joinpath("samples/small_company.json")


@dataclass
class Connected:
    """A python-quickbooks client connected to a sandbox through intuit-oauth."""

    sandbox: QuickBooksSandbox
    auth: AuthClient
    qb: QuickBooks
    realm_id: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth.access_token}", "Accept": "application/json"}

    def url(self, path: str) -> str:
        return f"{self.sandbox.api_url}/company/{self.realm_id}/{path}"


def connect_client(
    sandbox: QuickBooksSandbox,
    realm_id: str | None = None,
    *,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
) -> Connected:
    """A fresh grant, redeemed the way the connector does: QuickBooks() refreshes once."""
    tokens = sandbox.issue_tokens(client_id, client_secret, realm_id)
    auth = AuthClient(client_id, client_secret, REDIRECT_URI, environment=sandbox.discovery_url)
    qb = QuickBooks(
        auth_client=auth,
        refresh_token=tokens["refresh_token"],
        company_id=tokens["realmId"],
        minorversion=75,
        use_decimal=True,
    )
    qb.api_url_v3 = qb.sandbox_api_url_v3 = sandbox.api_url
    return Connected(sandbox, auth, qb, str(tokens["realmId"]))


@pytest.fixture(scope="session")
def sample_company() -> Company:
    return load_company(Path(str(SAMPLE)))


@pytest.fixture
def make_sandbox(sample_company: Company) -> Iterator[Callable[..., QuickBooksSandbox]]:
    """Start sandboxes (default: the sample company) and stop them after the test."""
    started: list[QuickBooksSandbox] = []

    def start(companies: list[Company] | None = None, **options: Any) -> QuickBooksSandbox:
        sandbox = QuickBooksSandbox(companies or [sample_company], **options).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., QuickBooksSandbox]) -> QuickBooksSandbox:
    return make_sandbox()


@pytest.fixture
def connected(sandbox: QuickBooksSandbox) -> Connected:
    return connect_client(sandbox)


@pytest.fixture
def qb(connected: Connected) -> QuickBooks:
    return connected.qb


class Control:
    """The ``/_sandbox/`` endpoints over plain HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=30)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        else:
            assert 200 <= response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture
def control(sandbox: QuickBooksSandbox) -> Control:
    return Control(sandbox.url)


def decimal_json(response: requests.Response) -> Any:
    from decimal import Decimal

    return json.loads(response.text, parse_float=Decimal)


def _shared_dir(rootpath: Path, *parts: str) -> Path | None:
    candidates = [rootpath.parent / "shared" / Path(*parts)]
    if os.environ.get("AR_SYNC_SPECS") and parts[0] == "specs":
        candidates.insert(0, Path(os.environ["AR_SYNC_SPECS"]) / Path(*parts[1:]))
    return next((c for c in candidates if c.is_dir()), None)


def _require(found: Path | None, what: str) -> Path:
    if found is None:
        reason = f"{what} not found under ../shared"
        if os.environ.get("AR_SYNC_REQUIRE_SPECS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def qbo_xsd_dir(request: pytest.FixtureRequest) -> Path:
    """Intuit's XSD; skipped when absent unless ``AR_SYNC_REQUIRE_SPECS=1``."""
    return _require(
        _shared_dir(request.config.rootpath, "specs", "quickbooks_xsd"), "specs/quickbooks_xsd"
    )


@pytest.fixture(scope="session")
def recorded_dir(request: pytest.FixtureRequest) -> Path:
    """The recorded real QBO responses; skipped like the specs when absent."""
    return _require(
        _shared_dir(request.config.rootpath, "fixtures", "quickbooks", "recorded_json"),
        "fixtures/quickbooks/recorded_json",
    )
