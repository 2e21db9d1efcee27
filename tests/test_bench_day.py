"""The ``day`` bench section's orgs (``benchmarks/day.py``): generated per seed, one per zone by
turns, registered by the real connect flow with the default timetable, and able to sync (their
tokens are in the vault). The day itself is a benchmark, not a test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.schedules import load_schedules

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_day_registers_each_org_in_its_zone_with_the_default_timetable(
    cli: Callable[..., Any], ar_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ar_sync_quickbooks.sandbox import QuickBooksSandbox
    from ar_sync_xero.sandbox.server import XeroSandbox

    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the bench's own modules, as it runs them
    import day

    xero = XeroSandbox(day.xero_companies(2, day.DAY), port=0).start()
    quickbooks = QuickBooksSandbox(day.quickbooks_companies(3, day.DAY), port=0).start()
    try:
        day.register({"xero": xero.url, "quickbooks": quickbooks.url},
                     {"xero": 2, "quickbooks": 3})
        synced = cli("sync")
    finally:
        xero.stop()
        quickbooks.stop()

    assert synced.code == 0, synced.err
    orgs = cli("orgs", "--format", "json").json()
    assert sorted((o["name"], o["platform"], o["timezone"]) for o in orgs) == [
        ("Day QuickBooks 0000", "quickbooks", "Pacific/Auckland"),
        ("Day QuickBooks 0001", "quickbooks", "Australia/Sydney"),
        ("Day QuickBooks 0002", "quickbooks", "Europe/London"),
        ("Day Xero 0000", "xero", "Pacific/Auckland"),
        ("Day Xero 0001", "xero", "Australia/Sydney"),
    ]
    assert all(o["last_sync"] is not None for o in orgs)
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        timetables = {(r["sync_cron"], r["remind_cron"], r["statements_cron"], r["policy"])
                      for r in load_schedules(tx)}
        scheduled = sorted(r["org_id"] for r in load_schedules(tx))
    assert scheduled == sorted(o["org_id"] for o in orgs)
    assert timetables == {("0 */4 * * *", "30 9 * * mon-fri", "first-business-day", None)}
