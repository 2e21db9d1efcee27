"""Incremental syncs: a payment, a part payment, a void/delete, each moves the aging by exactly
the document's base-currency balance and nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conformance.platforms import OpenInvoice
from tests.conformance.support import aging, customer_totals, sync_ok, total


def _pick(ledger, *, foreign: bool = False, untouched: bool = False) -> OpenInvoice:
    """The first open invoice already owed in the books in (or not in) the base currency."""
    state = ledger.state()
    base = ledger.driver.base_currency(state)
    for invoice in ledger.driver.owed_invoices(state):
        if (invoice.currency != base) == foreign and (invoice.untouched or not untouched):
            return invoice
    pytest.fail(
        f"the generated company has no {'foreign' if foreign else 'base'}-currency "
        f"{'untouched ' if untouched else ''}open invoice"
    )


def _assert_only_customer_dropped(before, after, customer_id: str, by: Decimal) -> None:
    """``after`` is ``before`` less ``by`` for one customer (gone when it reaches zero)."""
    expected = dict(customer_totals(before))
    expected[customer_id] -= by
    if expected[customer_id] == 0:
        del expected[customer_id]
    assert customer_totals(after) == expected
    assert total(after) == total(before) - by
    bucket_sum = sum(map(Decimal, after["totals"].values())) - total(after)
    assert bucket_sum == total(after)


@pytest.mark.parametrize("foreign", [False, True], ids=["base-currency", "foreign-currency"])
def test_a_payment_in_full_takes_exactly_the_invoice_out(cli, connected, foreign):
    sync_ok(cli)
    before = aging(cli)
    invoice = _pick(connected, foreign=foreign)
    assert customer_totals(before)[invoice.customer_id] != 0
    connected.control.pay(invoice.invoice_id)
    connected.control.reset_calls()

    done = sync_ok(cli)
    assert (done.invoices, done.credits, done.customers) == connected.driver.payment_changes
    after = aging(cli)
    _assert_only_customer_dropped(before, after, invoice.customer_id, invoice.base_balance)
    assert customer_totals(after) == connected.driver.expected_aging(connected.state())
    assert invoice.invoice_id not in {
        i.invoice_id for i in connected.driver.open_invoices(connected.state())
    }
    # One changed document costs no more calls than a sync with nothing changed.
    assert connected.control.calls()["by_endpoint"] == connected.driver.incremental_minimum()


def test_a_part_payment_reduces_the_balance_by_the_amount_paid(cli, connected):
    sync_ok(cli)
    before = aging(cli)
    invoice = _pick(connected)
    assert invoice.balance > Decimal("10.00")
    connected.control.pay(invoice.invoice_id, "10.00")

    done = sync_ok(cli)
    assert (done.invoices, done.credits, done.customers) == connected.driver.payment_changes
    after = aging(cli)
    _assert_only_customer_dropped(before, after, invoice.customer_id, Decimal("10.00"))
    assert customer_totals(after) == connected.driver.expected_aging(connected.state())


def test_a_removed_invoice_leaves_the_aging(cli, connected):
    """Xero voids the invoice; QuickBooks deletes it. Either way it must leave the aging."""
    sync_ok(cli)
    before = aging(cli)
    invoice = _pick(connected, untouched=True)
    connected.driver.remove_invoice(connected.control, invoice.invoice_id)

    done = sync_ok(cli)
    assert done.invoices + done.customers <= 1  # a void is an update; a delete writes nothing
    after = aging(cli)
    _assert_only_customer_dropped(before, after, invoice.customer_id, invoice.base_balance)
    assert customer_totals(after) == connected.driver.expected_aging(connected.state())


def test_several_changes_between_syncs_all_arrive(cli, connected):
    sync_ok(cli)
    before = aging(cli)
    paid = _pick(connected)
    connected.control.pay(paid.invoice_id)
    removed = _pick(connected, untouched=True)
    assert removed.invoice_id != paid.invoice_id
    connected.driver.remove_invoice(connected.control, removed.invoice_id)
    part = _pick(connected)
    assert part.invoice_id not in (paid.invoice_id, removed.invoice_id)
    connected.control.pay(part.invoice_id, "0.01")

    sync_ok(cli)
    after = aging(cli)
    assert total(after) == (
        total(before) - paid.base_balance - removed.base_balance - Decimal("0.01")
    )
    assert customer_totals(after) == connected.driver.expected_aging(connected.state())
