"""The snapshot a sync keeps for the org's today is made again only when it could differ: a sync
that wrote nothing, after a run whose end the snapshot follows, keeps it as it is.

Through the real CLI against the Xero sandbox's hand-checked company (total 3,219.79 today).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ar_sync.domain import Basis, Scheme
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.runs import mark_running_runs_interrupted, start_sync_run
from ar_sync.store.snapshots import list_snapshots
from ar_sync.store.tables import aging_snapshot_lines, aging_snapshots, invoices
from tests.xero.company import INVOICE_IDS, ORG_ID

ORG = f"xero:{ORG_ID}"


def _kept() -> list[tuple[date, Decimal, datetime]]:
    """Each kept snapshot: its day, its total and when it was made."""
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        assert [(s.basis, s.scheme) for s in list_snapshots(tx, ORG)] == [(Basis.DUE, Scheme.DAYS)]
        rows = tx.execute(
            select(aging_snapshots.c.as_of, aging_snapshots.c.total, aging_snapshots.c.created_at)
        )
        return [(r.as_of, r.total, r.created_at) for r in rows]


def test_a_sync_with_nothing_new_keeps_the_day_s_snapshot(cli: Any, connected: Any,
                                                            today: date) -> None:
    assert cli("sync").code == 0
    [(day, total, made)] = _kept()
    assert (day, total) == (today, Decimal("3219.79"))
    assert cli("sync").code == 0  # nothing changed in the ledger
    assert _kept() == [(today, Decimal("3219.79"), made)]  # the same snapshot, not made again

    connected.control.pay(INVOICE_IDS["INV-002"])  # 200.00 left on it, now paid
    assert cli("sync").code == 0
    [(day, total, remade)] = _kept()
    assert (day, total) == (today, Decimal("3019.79"))
    assert remade > made


def test_syncs_with_nothing_new_in_a_row_all_keep_the_day_s_snapshot(cli: Any, connected: Any,
                                                                     today: date) -> None:
    # Each one follows a run that kept the snapshot, not the run that made it.
    assert cli("sync").code == 0
    [(day, total, made)] = _kept()
    for _ in range(3):
        assert cli("sync").code == 0
        assert _kept() == [(today, Decimal("3219.79"), made)]

    connected.control.pay(INVOICE_IDS["INV-002"])  # a change after quiet runs is still seen
    assert cli("sync").code == 0
    [(day, total, remade)] = _kept()
    assert (day, total) == (today, Decimal("3019.79"))
    assert remade > made


def test_a_run_that_died_makes_the_next_sync_take_the_snapshot_again(cli: Any, connected: Any,
                                                                      today: date) -> None:
    assert cli("sync").code == 0
    [(_, _, made)] = _kept()
    # A run that died after the snapshot: its end unknown, what it wrote unknown.
    with Store(load_settings(None).db_url) as store:
        with store.transaction() as tx:
            start_sync_run(tx, ORG, datetime.now(UTC))
            mark_running_runs_interrupted(tx, ORG)
    assert cli("sync").code == 0
    [(day, total, remade)] = _kept()
    assert (day, total) == (today, Decimal("3219.79"))
    assert remade > made


def _drop_snapshots() -> None:
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        tx.execute(aging_snapshot_lines.delete())
        tx.execute(aging_snapshots.delete())


def test_aging_prints_the_kept_snapshot_exactly_as_ageing_the_records(cli: Any,
                                                                      connected: Any) -> None:
    assert cli("sync").code == 0
    kept = {fmt: cli("aging", "--format", fmt).out for fmt in ("json", "csv", "table")}
    assert '"total": "3219.79"' in kept["json"]
    _drop_snapshots()  # now every document is aged again
    assert {fmt: cli("aging", "--format", fmt).out for fmt in kept} == kept


def test_aging_after_a_run_that_died_ages_the_records_not_the_snapshot(cli: Any,
                                                                       connected: Any) -> None:
    assert cli("sync").code == 0
    assert cli("aging", "--format", "json").json()["orgs"][0]["totals"]["total"] == "3219.79"
    # A run that died after the snapshot, having written INV-002 (200.00 due) as paid.
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        start_sync_run(tx, ORG, datetime.now(UTC))
        tx.execute(invoices.update().where(invoices.c.invoice_id == INVOICE_IDS["INV-002"])
                   .values(amount_due=Decimal("0"), status="paid"))
        mark_running_runs_interrupted(tx, ORG)
    assert cli("aging", "--format", "json").json()["orgs"][0]["totals"]["total"] == "3019.79"
