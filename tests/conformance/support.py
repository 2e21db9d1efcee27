"""Platform-neutral helpers: the sandbox's control endpoints, and reading what the CLI prints."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ar_sync.connect.orgs import vault_for
from ar_sync.domain import Org, make_org_id
from ar_sync.sandbox.plugin import GenerateSpec, SandboxHandle
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import list_orgs
from tests.conformance.platforms import ALL_PLATFORMS, SKIPPED, PlatformDriver
from tests.conftest import SandboxControl

# The small company: one page of everything on every ledger, a few foreign-currency customers.
SMALL = {"customers": 30, "invoices": 200, "seed": 7}

# A fixture's params, one per platform (the test id shows its name); a platform that cannot run
# here is a skipped parameter with the reason.
PLATFORM_PARAMS = [
    pytest.param(name, marks=pytest.mark.skip(reason=SKIPPED[name])) if name in SKIPPED else name
    for name in ALL_PLATFORMS
]


class ControlError(AssertionError):
    """A control endpoint refused a request (the sandbox's ``{"error"}`` is the message)."""


class Control(SandboxControl):
    """``/_sandbox/`` over HTTP; JSON numbers are read as ``Decimal`` so money stays exact."""

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            error.close()
            raise ControlError(f"{method} /_sandbox/{path}: {error.code} {detail}") from None
        return json.loads(raw, parse_float=Decimal) if raw else None

    def state(self) -> dict[str, Any]:
        return self.request("GET", "state")

    def tenants(self) -> list[dict[str, str]]:
        return self.request("GET", "tenants")["tenants"]

    def pay(self, invoice_id: str, amount: str | None = None) -> Any:
        """Pay an invoice (in full when ``amount`` is None); amounts are decimal strings."""
        return super().pay(invoice_id, amount)


@dataclass
class Ledger:
    """A running sandbox on a generated company, and the driver that knows its platform."""

    driver: PlatformDriver
    handle: SandboxHandle
    control: Control
    spec: GenerateSpec

    @property
    def url(self) -> str:
        return self.handle.url

    @property
    def platform(self) -> str:
        return self.driver.platform

    def state(self) -> dict[str, Any]:
        return self.control.state()

    def tenant(self) -> dict[str, str]:
        """The generated company's tenant: ``{"id", "name"}``."""
        (tenant,) = self.control.tenants()
        return tenant

    @property
    def org_id(self) -> str:
        return make_org_id(self.platform, self.tenant()["id"])


# ------------------------------------------------------------------------------ the CLI


def connect(cli: Callable[..., Any], ledger: Ledger) -> Any:
    result = cli("connect", ledger.platform, "--sandbox", ledger.url)
    assert result.code == 0, result.err
    return result


def flat(text: str) -> str:
    """Output with rich's hard wrapping undone (it wraps at 80 columns when not a terminal)."""
    return " ".join(text.split())


SUMMARY = re.compile(
    r"(?P<name>.+?): (?P<invoices>\d+) invoices, (?P<credits>\d+) credits, "
    r"(?P<customers>\d+) customers written in (?P<pages>\d+) pages, (?P<calls>\d+) API calls, "
    r"(?P<seconds>\d+\.\d)s(?:; (?P<retries>\d+) retries after waiting (?P<waited>\d+\.\d)s)?"
    r"(?:; (?P<skipped>\d+) records skipped \(see the log\))?$"
)


@dataclass(frozen=True)
class Summary:
    """``ar-sync sync``'s summary line for one org."""

    name: str
    invoices: int
    credits: int
    customers: int
    pages: int
    calls: int
    retries: int
    waited: Decimal
    skipped: int


def summary(out: str) -> Summary:
    """The one org's summary line of ``ar-sync sync``'s stdout."""
    match = SUMMARY.fullmatch(flat(out))
    assert match, f"not a one-org sync summary: {out!r}"
    number = {
        k: int(v or 0)
        for k, v in match.groupdict().items()
        if k not in ("name", "seconds", "waited")
    }
    return Summary(name=match["name"], waited=Decimal(match["waited"] or "0"), **number)


def sync_ok(cli: Callable[..., Any]) -> Summary:
    result = cli("sync")
    assert result.code == 0, (result.out, result.err)
    assert "Traceback" not in result.err
    return summary(result.out)


def aging(cli: Callable[..., Any], *args: str) -> dict[str, Any]:
    """The one org's part of ``ar-sync aging --format json``."""
    result = cli("aging", "--format", "json", *args)
    assert result.code == 0, result.err
    (org,) = result.json()["orgs"]
    return org


def customer_totals(org: dict[str, Any]) -> dict[str, Decimal]:
    return {c["customer_id"]: Decimal(c["total"]) for c in org["customers"]}


def total(org: dict[str, Any]) -> Decimal:
    return Decimal(org["totals"]["total"])


def one_line_error(result: Any) -> str:
    """The single ``error: ...`` line of a command that failed with exit status 2."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "Traceback" not in result.out
    lines = [line for line in result.err.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.err
    # Only the progress display's own lines may stand beside it (it draws on stderr): progress
    # and retry notices.
    assert all(
        line == errors[0] or "records," in line or ": retrying " in line for line in lines
    ), result.err
    return errors[0]


@contextmanager
def home(path: Path) -> Iterator[None]:
    """Point AR_SYNC_HOME at ``path`` for a while (a twin run beside the test's own home)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AR_SYNC_HOME", str(path))
        yield


def cli_in(cli: Callable[..., Any], path: Path) -> Callable[..., Any]:
    """``cli`` running with AR_SYNC_HOME = ``path``."""

    def run(*args: str) -> Any:
        with home(path):
            return cli(*args)

    return run


# ------------------------------------------------------------------------ what is stored


def stored_org(org_id: str) -> Org:
    settings = load_settings(None)
    store = Store(settings.db_url)
    try:
        with store.reading() as tx:
            (org,) = [org for org in list_orgs(tx) if org.org_id == org_id]
        return org
    finally:
        store.close()


def stored_secret(org_id: str) -> dict[str, Any]:
    """The connection's vault entry: ``{"client_id", "client_secret", "token": {...}}``."""
    settings = load_settings(None)
    org = stored_org(org_id)
    secret = vault_for(org, settings).load(org.connection_id)
    assert secret is not None
    return secret


def post_form(url: str, form: dict[str, str], *, user: str, password: str) -> tuple[int, Any]:
    """POST an OAuth form with HTTP Basic client credentials; returns (status, JSON body)."""
    import base64
    from urllib.parse import urlencode

    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=urlencode(form).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": f"Basic {basic}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        error.close()
        try:
            return error.code, json.loads(body or b"null")
        except ValueError:
            return error.code, body.decode("utf-8", "replace")
