"""``ar-sync aging --as-of PAST_DATE`` through the CLI, on a store filled by real syncs of a
sandbox company generated with two years of history, on each ledger (SQLite and PostgreSQL).

With ``AR_SYNC_HISTORY_MONTHS=12`` the first ``ar-sync sync`` reads the open documents, then its
history pass reads every stream from S (the 1st of the month a year before the org's today)
with every status and records ``history = {"since": S}``. Our aging at six past month ends must
then equal the sandbox's own aged-receivables report at that date, computed from its books
independently of our code (Xero ``Reports/AgedReceivablesByContact?date=`` and the Trial Balance; QuickBooks
``reports/AgedReceivables?report_date=``), to the cent: the grand total and every customer's
balance, read through the connector's ``reported_total`` and ``reported_balances`` (the calls
``ar-sync reconcile`` makes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from ar_sync.aging.measures import add_months, month_end
from ar_sync.connect.orgs import open_connector
from ar_sync.sandbox.plugin import GenerateSpec, load_sandbox
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.history import history_since
from ar_sync.store.orgs import get_org
from ar_sync.store.records import load_receivables
from ar_sync.store.tables import aging_snapshots
from tests.conftest import SandboxControl, today_utc
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)

TODAY = today_utc()


def _month_ends(since: date) -> list[date]:
    """Six month ends inside a history from ``since``, the first the end of its first month."""
    return [add_months(month_end(since), k) for k in (0, 2, 4, 6, 8, 10)]


def _start(platform: str) -> Any:
    """A sandbox serving a company generated with 24 months of history (Xero's with its rate
    limits raised: the check below makes a report call per customer and month end)."""
    if platform == "xero":
        from ar_sync_xero.sandbox import SandboxLimits, XeroSandbox, generate_company

        company = generate_company(customers=8, invoices=60, seed=1, today=TODAY,
                                   history_months=24)
        sandbox = XeroSandbox([company], port=0,
                              limits=SandboxLimits(per_minute=100_000, per_day=100_000))
        sandbox.start()
        return sandbox
    spec = GenerateSpec(today=TODAY, customers=8, invoices=60, seed=1, history_months=24)
    return load_sandbox(platform).start(generate=spec)


@pytest.fixture(params=["xero", "quickbooks"])
def history(
    request: pytest.FixtureRequest, cli: Callable[..., Any], store_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, str, Any, date]]:
    """(store url, org id, sandbox handle, S): a generated company connected and synced with
    its history from S, the 1st of the month 12 months before the org's today (the org's
    calendar: a day either side of UTC's)."""
    platform = request.param
    monkeypatch.setenv("AR_SYNC_DB", store_url)
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "12")
    handle = _start(platform)
    try:
        assert cli("connect", platform, "--sandbox", handle.url).code == 0
        (org_id,) = [org["org_id"] for org in cli("orgs", "--format", "json").json()]
        synced = cli("sync")  # the open documents, then the history pass from S
        assert synced.code == 0, synced.err
        with Store(store_url) as store, store.reading() as tx:
            since = history_since(tx, org_id)
        org_today = {TODAY + timedelta(days=d) for d in (-1, 0, 1)}
        assert since in {add_months(day, -12).replace(day=1) for day in org_today}
        yield store_url, org_id, handle, since
    finally:
        handle.stop()


def _ledger(store_url: str, org_id: str, customer_ids: list[str], day: date) -> tuple[
    Decimal, dict[str, Decimal]
]:
    """The ledger's own total and per-customer balances at ``day``."""
    with Store(store_url) as store:
        with store.reading() as tx:
            org = get_org(tx, org_id)
        connector = open_connector(org, load_settings(), store=store)
        try:
            total = connector.reported_total(as_of=day).amount
            return total, connector.reported_balances(customer_ids, as_of=day)
        finally:
            connector.close()


def test_aging_at_past_month_ends_equals_the_ledgers_own_report(cli, history) -> None:
    store_url, org_id, _, since = history
    totals = set()
    for day in _month_ends(since):
        shown = cli("aging", "--org", org_id, "--as-of", day.isoformat(), "--format", "json")
        assert shown.code == 0, shown.err
        (org,) = shown.json()["orgs"]
        assert org["as_of"] == day.isoformat()
        ours = {c["customer_id"]: Decimal(c["total"]) for c in org["customers"]}
        theirs_total, theirs = _ledger(store_url, org_id, sorted(ours), day)
        assert ours == theirs, day
        assert Decimal(org["totals"]["total"]) == theirs_total, day
        totals.add(theirs_total)
    assert len(totals) == 6  # six different books, not one figure six times


def test_a_date_before_the_history_is_refused_with_the_earliest_date(cli, history) -> None:
    _, org_id, _, since = history
    before = since - timedelta(days=1)
    refused = cli("aging", "--org", org_id, "--as-of", before.isoformat())
    assert refused.code == 2
    name = cli("orgs", "--format", "json").json()[0]["name"]
    assert refused.err.strip() == (
        f"error: no history before {since.isoformat()} for {name}; "
        f"run `ar-sync backfill --org {org_id} --since DATE`"
    )
    assert cli("aging", "--org", org_id, "--as-of", since.isoformat()).code == 0


def _snapshot_row(store_url: str, org_id: str, day: date) -> Any:
    with Store(store_url) as store, store.reading() as tx:
        return tx.execute(
            select(aging_snapshots.c.id, aging_snapshots.c.created_at, aging_snapshots.c.total)
            .where(aging_snapshots.c.org_id == org_id, aging_snapshots.c.as_of == day)
        ).one_or_none()


def test_a_month_end_aging_is_stored_reused_and_made_again_after_a_sync(cli, history) -> None:
    store_url, org_id, handle, since = history
    day = _month_ends(since)[1]
    mid_month = day - timedelta(days=10)
    first = cli("aging", "--org", org_id, "--as-of", day.isoformat(), "--format", "json")
    assert first.code == 0, first.err
    made = _snapshot_row(store_url, org_id, day)
    assert str(made.total) == first.json()["orgs"][0]["totals"]["total"]

    again = cli("aging", "--org", org_id, "--as-of", day.isoformat(), "--format", "json")
    assert again.json() == first.json(), (first.out, again.out)
    assert _snapshot_row(store_url, org_id, day) == made  # reused: not computed again
    assert cli("aging", "--org", org_id, "--as-of", mid_month.isoformat()).code == 0
    assert _snapshot_row(store_url, org_id, mid_month) is None  # only month ends are kept

    # A payment today: the sync writes it; the past is the same, but computed again.
    open_invoice = _an_open_invoice(store_url, org_id)
    SandboxControl(handle.url).pay(open_invoice)
    synced = cli("sync")
    assert synced.code == 0, synced.err
    after = cli("aging", "--org", org_id, "--as-of", day.isoformat(), "--format", "json")
    assert after.out == first.out
    remade = _snapshot_row(store_url, org_id, day)
    assert remade.created_at > made.created_at and remade.total == made.total


def _an_open_invoice(store_url: str, org_id: str) -> str:
    """The id of an invoice open today, from the store."""
    with Store(store_url) as store, store.reading() as tx:
        invoices, _ = load_receivables(tx, org_id)
    return invoices[0].invoice_id


def test_a_past_date_without_history_says_how_to_get_it(cli, connected, monkeypatch) -> None:
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "0")  # open documents only
    assert cli("sync").code == 0
    refused = cli("aging", "--as-of", (TODAY - timedelta(days=2)).isoformat())
    assert refused.code == 2
    assert refused.err.strip() == (
        "error: no history for Kauri Test Traders: set AR_SYNC_HISTORY_MONTHS (e.g. 12) and run "
        "`ar-sync sync --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001`, or run "
        "`ar-sync backfill --org xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001 --since DATE`"
    )
    assert cli("aging").code == 0  # today is still aged from the synced books


def test_reconcile_at_past_month_ends_compares_with_the_ledgers_reports_then(cli, history) -> None:
    """`ar-sync reconcile --as-of PAST` ages from the history and asks the ledger's own reports
    for that date: every customer checked one by one (--sample covers them all) is equal."""
    _, org_id, _, since = history
    (listed,) = cli("orgs", "--format", "json").json()
    for day in _month_ends(since)[::2]:
        shown = cli("aging", "--org", org_id, "--as-of", day.isoformat(), "--format", "json")
        (org,) = shown.json()["orgs"]
        count = len(org["customers"])
        total = Decimal(org["totals"]["total"])
        checked = cli("reconcile", "--org", org_id, "--as-of", day.isoformat(), "--sample", "100")
        assert checked.code == 0, (day, checked.out, checked.err)
        first = checked.out.splitlines()[0]
        assert first.startswith(
            f"Reconciled {listed['name']} ({listed['platform']}): aging total {total:,.2f} "
        ), first
        assert first.endswith(f"; {count} of {count} customers checked one by one: OK"), first
    refused = cli("reconcile", "--org", org_id, "--as-of", (since - timedelta(days=1)).isoformat())
    assert refused.code == 2
    assert refused.err.strip().startswith(f"error: no history before {since.isoformat()} for ")
