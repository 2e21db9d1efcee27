"""Shared fixtures: an isolated AR_SYNC_HOME, the CLI run in-process, and sandboxes: a Xero one
on the test company, or any ledger's sample company (``sandbox``; the sandbox test folders
define a ``sandbox`` of their own).

Nothing here mocks ar-sync: tests drive the real CLI against real sandboxes over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ar_sync.cli import main
from tests.postgres import postgres_url  # noqa: F401  (session fixture, re-exported)
from tests.xero.company import build_company, dump_company


@pytest.fixture
def ar_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh AR_SYNC_HOME (SQLite store, logs, sandbox keyring) for one test."""
    home = tmp_path / "ar-home"
    monkeypatch.setenv("AR_SYNC_HOME", str(home))
    monkeypatch.delenv("AR_SYNC_DB", raising=False)
    # Syncs read open documents only, as the suite's figures assume; the history tests
    # (tests/test_history_sync.py, tests/conformance/test_history.py) set their window.
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")
    for name in ("AR_SYNC_XERO_CLIENT_ID", "AR_SYNC_XERO_CLIENT_SECRET",
                 "AR_SYNC_QUICKBOOKS_CLIENT_ID", "AR_SYNC_QUICKBOOKS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return home


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(ar_home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``ar-sync ARGS`` in-process; returns exit code and captured stdout/stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code=code, out=captured.out, err=captured.err)

    return run


def today_utc() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
def today() -> date:
    """Today in UTC: the test company's org timezone, so its aging is fixed relative to it."""
    return today_utc()


@pytest.fixture
def company_file(tmp_path: Path, today: date) -> Path:
    """The hand-checked test company (``tests/xero/company.py``) as a file."""
    path = tmp_path / "kauri.json"
    path.write_text(dump_company(build_company(today)), encoding="utf-8")
    return path


class SandboxControl:
    """The sandbox's ``/_sandbox/`` control endpoints, over HTTP as a user would call them."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def calls(self) -> dict[str, Any]:
        return self.request("GET", "calls")

    def reset_calls(self) -> None:
        self.request("DELETE", "calls")

    def fault(self, **spec: Any) -> None:
        self.request("POST", "faults", spec)

    def clear_faults(self) -> None:
        self.request("DELETE", "faults")

    def pay(self, invoice_id: str, amount: str | None = None) -> Any:
        body = {"amount": amount} if amount is not None else {}
        return self.request("POST", f"invoices/{invoice_id}/payments", body)


@pytest.fixture
def xero_sandbox(company_file: Path) -> Iterator[Any]:
    """A running Xero sandbox serving the test company; ``.control`` drives it."""
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    sandbox = XeroSandbox([load_company(company_file)], port=0)
    sandbox.start()
    sandbox.control = SandboxControl(sandbox.url)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def sandbox() -> Iterator[Callable[[str], Any]]:
    """``sandbox(platform)``: the platform's sample company served on loopback."""
    from ar_sync.sandbox.plugin import load_sandbox

    handles: list[Any] = []

    def start(platform: str) -> Any:
        handle = load_sandbox(platform).start()
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def connected(cli: Callable[..., CliResult], xero_sandbox: Any) -> Any:
    """The test company connected through ``ar-sync connect xero --sandbox``."""
    result = cli("connect", "xero", "--sandbox", xero_sandbox.url)
    assert result.code == 0, result.err
    return xero_sandbox


def pytest_configure(config: pytest.Config) -> None:
    # Sandbox URLs are http://127.0.0.1; oauthlib-based SDKs insist on https otherwise.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
