"""A sync killed mid-way resumes without loss or duplicates; pacing keeps clear of 429s."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ar_sync.connect.vaults import sandbox_vault
from ar_sync.connector import load_plugin
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import save_org
from ar_sync.sync.engine import sync_org
from ar_sync.sync.pacing import RateLimits
from ar_sync_xero.client import XeroClient, XeroEndpoints
from ar_sync_xero.connector import XeroConnector
from tests.conftest import SandboxControl

OPEN_INVOICES = 2500  # three pages of 1,000


@pytest.fixture
def big_sandbox(today):
    from ar_sync_xero.sandbox import XeroSandbox, generate_company

    company = generate_company(customers=60, invoices=OPEN_INVOICES, paid=100, seed=11,
                               today=today)
    sandbox = XeroSandbox([company], port=0)
    sandbox.start()
    sandbox.control = SandboxControl(sandbox.url)
    yield sandbox
    sandbox.stop()


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def _count_invoices(home: Path) -> int:
    path = home / "ar-sync.sqlite"
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=5)
    try:
        return db.execute("select count(*) from invoices").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not migrated yet
    finally:
        db.close()


def _invoice_calls(control: SandboxControl) -> list[dict]:
    return [entry for entry in control.calls()["log"] if entry["path"].endswith("/Invoices")]


def test_a_sync_killed_mid_way_resumes_without_duplicates(cli, ar_home, big_sandbox):
    control = big_sandbox.control
    assert cli("connect", "xero", "--sandbox", big_sandbox.url).code == 0
    # Let two invoice pages through, then hold the third long enough to kill the process.
    control.fault(kind="slow", path="Invoices", after=2, count=1, seconds=20)
    control.reset_calls()
    env = dict(os.environ, AR_SYNC_HOME=str(ar_home))
    process = subprocess.Popen(
        [sys.executable, "-m", "ar_sync", "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: len(_invoice_calls(control)) == 2)
        time.sleep(1.0)  # page two is committed; the sandbox holds the third request
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    # Two pages of 1,000 were committed; keyset paging re-reads the rows of the last second,
    # so they hold a little under 2,000 distinct invoices, never more.
    committed = _count_invoices(ar_home)
    assert 1900 < committed <= 2000
    db = sqlite3.connect(ar_home / "ar-sync.sqlite")
    assert db.execute("select status from sync_runs").fetchall() == [("running",)]
    db.close()

    control.clear_faults()
    control.reset_calls()
    result = cli("sync")
    assert result.code == 0, result.err

    resumed = _invoice_calls(control)
    assert resumed[0]["if_modified_since"] is not None  # resumed from the watermark
    db = sqlite3.connect(ar_home / "ar-sync.sqlite")
    assert db.execute("select count(*) from invoices").fetchone() == (OPEN_INVOICES,)
    assert db.execute(
        "select count(distinct number) from invoices"
    ).fetchone() == (OPEN_INVOICES,)
    statuses = [row[0] for row in db.execute("select status from sync_runs order by id")]
    assert statuses == ["interrupted", "ok"]


def test_pacing_keeps_a_sync_under_the_rate_limit(ar_home, today, monkeypatch, company_file):
    """Six syncs (36 calls) against a limit of 10 calls per 2-second window: no 429 at all."""
    from ar_sync_xero.sandbox import SandboxLimits, XeroSandbox, load_company

    sandbox = XeroSandbox([load_company(company_file)], port=0,
                          limits=SandboxLimits(per_minute=10, window_seconds=2.0))
    sandbox.start()
    try:
        settings = load_settings(None)
        vault = sandbox_vault(settings.sandbox_keyring_file)
        from ar_sync.connector import ConnectOptions

        (org,) = load_plugin("xero").connect(ConnectOptions(sandbox_url=sandbox.url), vault)
        store = Store(settings.db_url)
        with store.transaction() as tx:
            save_org(tx, org, now=datetime.now(UTC))
        client = XeroClient(
            endpoints=XeroEndpoints.for_sandbox(sandbox.url),
            vault=vault,
            connection_id=org.connection_id,
            limits=RateLimits(per_window=9, window_seconds=2.0, concurrent=5),
        )
        connector = XeroConnector(org, client)
        for _ in range(6):
            sync_org(store, connector, now=lambda: datetime.now(UTC))
        calls = SandboxControl(sandbox.url).calls()
        assert calls["rate_limited"] == 0
        assert client.stats.total == 36
        assert client.pacer(org.tenant_id).waited_seconds > 0
        store.close()
    finally:
        sandbox.stop()
