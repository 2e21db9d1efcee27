"""The jobs the CLI, the demo and a scheduler share (``ar_sync.jobs``), seen through the real CLI
against the Xero sandbox: a sync ends with the org's aging for the day kept as a snapshot, and
connecting an org again leaves no tokens of the connection it replaced."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from ar_sync.domain import Basis, Scheme
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import list_orgs
from ar_sync.store.snapshots import SnapshotSummary, list_snapshots, load_snapshot
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"


def _sandbox_vault(ar_home: Path) -> dict[str, str]:
    """The sandbox orgs' token file: connection id -> its entry."""
    entries: dict[str, str] = json.loads((ar_home / "sandbox-keyring.cfg").read_text())["ar-sync"]
    return entries


def test_a_sync_keeps_the_day_s_aging_as_a_snapshot(cli, connected, today) -> None:
    assert cli("sync").code == 0
    assert cli("sync").code == 0  # the same day again: that day's snapshot is replaced
    aged = cli("aging", "--format", "json").json()["orgs"][0]
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        kept = list_snapshots(tx, ORG)
        report = load_snapshot(tx, ORG, today, Basis.DUE, Scheme.DAYS)
    assert kept == [SnapshotSummary(today, Basis.DUE, Scheme.DAYS, Decimal("3219.79"))]
    assert report is not None
    assert {c.customer_id: c.total for c in report.customers} == {
        c["customer_id"]: Decimal(c["total"]) for c in aged["customers"]
    }


def test_connecting_again_deletes_the_tokens_of_the_replaced_connection(
    cli, connected, ar_home
) -> None:
    (first,) = _sandbox_vault(ar_home)
    assert cli("connect", "xero", "--sandbox", connected.url).code == 0
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        (org,) = list_orgs(tx)
    assert org.connection_id != first
    assert list(_sandbox_vault(ar_home)) == [org.connection_id]
    assert cli("sync").code == 0  # with the new connection's tokens
