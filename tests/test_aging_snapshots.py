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
from ar_sync.store.tables import aging_snapshots
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
