"""The aging ar-sync computes from its synced store equals, per customer and to the cent, the
ledger's own aged-receivables report, which the sandbox computes independently from its books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ar_sync.orgs import open_connector
from ar_sync.settings import load_settings
from ar_sync.store import Store
from tests.conformance.support import aging, connect, customer_totals, stored_org, sync_ok, total


def _ledger_report(org_id: str, as_of: date) -> dict[str, Decimal]:
    """The ledger's aged-receivables balance per customer the store knows (nonzero only), read
    by the connector's own ``reported_balances`` (the report ``ar-sync demo`` reconciles to)."""
    settings = load_settings(None)
    org = stored_org(org_id)
    store = Store(settings.db_url)
    try:
        customer_ids = [c.customer_id for c in store.load_customers(org_id)]
    finally:
        store.close()
    assert customer_ids
    connector = open_connector(org, settings)
    try:
        balances = connector.reported_balances(customer_ids, as_of=as_of)
    finally:
        connector.close()
    assert set(balances) == set(customer_ids)
    return {cid: amount for cid, amount in balances.items() if amount != 0}


def _reconciles(cli, ledger) -> dict:
    org = aging(cli)
    theirs = _ledger_report(ledger.org_id, date.fromisoformat(org["as_of"]))
    assert customer_totals(org) == theirs
    assert total(org) == sum(theirs.values(), Decimal("0.00"))
    return org


@pytest.mark.parametrize(
    "company",
    [
        {"customers": 30, "invoices": 200, "seed": 7},
        {"customers": 9, "invoices": 60, "seed": 3},
    ],
    ids=["c30-i200-s7", "c9-i60-s3"],
)
def test_aging_equals_the_ledgers_aged_receivables_report(cli, start_ledger, company):
    ledger = start_ledger(**company)
    connect(cli, ledger)
    sync_ok(cli)
    org = _reconciles(cli, ledger)
    assert len(org["customers"]) >= 2 and total(org) > 0


def test_it_still_reconciles_after_incremental_changes(cli, connected):
    sync_ok(cli)
    driver = connected.driver
    invoices = driver.open_invoices(connected.state())
    base = driver.base_currency(connected.state())
    foreign = next(i for i in invoices if i.currency != base)
    untouched = next(i for i in invoices if i.untouched and i.invoice_id != foreign.invoice_id)
    part = next(
        i for i in invoices if i.invoice_id not in (foreign.invoice_id, untouched.invoice_id)
    )
    connected.control.pay(foreign.invoice_id)
    driver.remove_invoice(connected.control, untouched.invoice_id)
    connected.control.pay(part.invoice_id, "1.00")
    sync_ok(cli)
    _reconciles(cli, connected)
