"""The aging ar-sync computes from its synced store equals, per customer and to the cent, the
ledger's own aged-receivables report, which the sandbox computes independently from its books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ar_sync.connect.orgs import open_connector
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.records import load_customers
from tests.conformance.support import aging, connect, customer_totals, stored_org, sync_ok, total


def _ledger_report(org_id: str, as_of: date) -> dict[str, Decimal]:
    """The ledger's aged-receivables balance per customer the store knows (nonzero only), read
    by the connector's own ``reported_balances`` (the report ``ar-sync demo`` reconciles to)."""
    settings = load_settings(None)
    org = stored_org(org_id)
    store = Store(settings.db_url)
    try:
        with store.reading() as tx:
            customer_ids = [c.customer_id for c in load_customers(tx, org_id)]
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


def _reconcile_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith(("Reconciled ", "MISMATCH "))]
    return line


def test_reconcile_compares_the_org_total_in_one_report_and_the_largest_customers(cli, connected):
    sync_ok(cli)
    org = aging(cli)
    ours = total(org)
    currency = org["base_currency"]
    largest = sorted(org["customers"], key=lambda c: (-abs(Decimal(c["total"])), c["customer_id"]))
    connected.control.reset_calls()

    result = cli("reconcile", "--sample", "0")
    assert result.code == 0, result.out + result.err
    line = _reconcile_line(result.out)
    assert line.startswith(f"Reconciled {org['name']} ({connected.platform}): aging total "
                           f"{ours:,} {currency} equals the ledger's own figure, {ours:,} "
                           f"{currency} (")
    assert line.endswith(f"); 0 of {len(org['customers'])} customers checked one by one: OK")
    org_total_calls = connected.control.calls()["total"]

    connected.control.reset_calls()
    result = cli("reconcile", "--sample", "2", "--customer", largest[5]["name"])
    assert result.code == 0, result.out + result.err
    assert _reconcile_line(result.out).endswith(
        f"; 3 of {len(org['customers'])} customers checked one by one: OK"
    )
    # The org's total costs the same calls whatever its size; customers add at most one each.
    assert connected.control.calls()["total"] <= org_total_calls + 3


def test_reconcile_names_what_differs_when_the_ledger_moved_since_the_sync(cli, connected):
    sync_ok(cli)
    org = aging(cli)
    currency = org["base_currency"]
    invoice = next(
        i for i in connected.driver.owed_invoices(connected.state())
        if i.currency == currency and i.balance > Decimal("1.00")
    )
    name = next(c["name"] for c in org["customers"] if c["customer_id"] == invoice.customer_id)
    ours = customer_totals(org)[invoice.customer_id]
    connected.control.pay(invoice.invoice_id, "1.00")  # not synced: the ledger moved on

    result = cli("reconcile", "--sample", "0", "--customer", invoice.customer_id)
    assert result.code == 1, result.out + result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"MISMATCH {org['name']} ({connected.platform}): aging total "
                               f"{total(org):,} {currency}, the ledger's own figure "
                               f"{total(org) - Decimal('1.00'):,} {currency} (")
    assert f"difference 1.00 {currency}; 1 of {len(org['customers'])} customers checked one by " \
           "one, 1 differ" in lines[0]
    assert f"  {name}: ours {ours:,} {currency}, ledger {ours - Decimal('1.00'):,} {currency}, " \
           f"difference 1.00 {currency}" in lines


def test_reconcile_refuses_an_unknown_customer(cli, connected):
    sync_ok(cli)
    result = cli("reconcile", "--customer", "Nobody Ltd")
    assert result.code == 2
    assert result.err.strip() == (
        "error: unknown customer 'Nobody Ltd': give its id or its exact name"
    )
