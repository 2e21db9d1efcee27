"""Orgs, upserts, allocation ownership, deletions and what aging reads back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from ar_sync.domain import CreditKind, DocumentStatus
from ar_sync.store import Store
from ar_sync.store.orgs import delete_org, get_org, list_orgs, save_org
from ar_sync.store.records import (
    count_rows,
    delete_records,
    load_credits,
    load_customers,
    load_invoices,
    load_receivables,
    upsert_records,
)
from ar_sync.store.runs import (
    finish_sync_run,
    get_stream_states,
    last_sync_run,
    set_stream_state,
    start_sync_run,
)
from tests.store.records import (
    ORG,
    T0,
    application,
    credit,
    customer,
    invoice,
    make_org,
    payment,
)


def test_orgs_upsert_list_and_get(store: Store) -> None:
    with store.reading() as tx:
        assert list_orgs(tx) == []
        assert get_org(tx, ORG) is None
    for org in (
        make_org(name="zeta Books"),
        make_org(org_id="qbo:9", platform="quickbooks", tenant_id="9", name="Alpha"),
        make_org(name="Kauri Plumbing", api_url="http://127.0.0.1:8001"),
    ):
        with store.transaction() as tx:
            save_org(tx, org, now=T0)
    with store.reading() as tx:
        assert [(o.org_id, o.name) for o in list_orgs(tx)] == [
            ("qbo:9", "Alpha"),
            (ORG, "Kauri Plumbing"),
        ]
        assert get_org(tx, ORG) == make_org(name="Kauri Plumbing", api_url="http://127.0.0.1:8001")


def test_delete_org_cascades_to_everything(org_store: Store) -> None:
    with org_store.transaction() as tx:
        save_org(tx, make_org(org_id="xero:other", tenant_id="other", name="Other"), now=T0)
        upsert_records(
            tx,
            [customer("C1"), invoice("I1", payments=(payment("P1", "I1", "15.00"),)), credit()],
        )
        upsert_records(tx, [customer("C1", org_id="xero:other")])
        set_stream_state(tx, ORG, "invoices", {"since": "2025-03-01"}, now=T0)
        run = start_sync_run(tx, ORG, T0)
        finish_sync_run(tx, run, finished_at=T0, status="ok", counts={}, error=None)

    with org_store.transaction() as tx:
        assert delete_org(tx, ORG) is True
    with org_store.transaction() as tx:
        assert delete_org(tx, ORG) is False
    with org_store.reading() as tx:
        assert get_org(tx, ORG) is None
        assert count_rows(tx, ORG) == {
            "customers": 0,
            "invoices": 0,
            "credits": 0,
            "allocations": 0,
        }
        assert get_stream_states(tx, ORG) == {}
        assert last_sync_run(tx, ORG, status=None) is None
        assert count_rows(tx, "xero:other")["customers"] == 1


def test_upsert_is_idempotent_and_updates_in_place(org_store: Store) -> None:
    records = [
        customer("C1"),
        customer("C2", email=None, is_active=False, updated_at=None),
        invoice("I1", payments=(payment("P1", "I1", "15.00"),)),
        credit("CN1"),
    ]
    for _ in range(2):
        with org_store.transaction() as tx:
            counts = upsert_records(tx, records)
        assert counts == {"customers": 2, "invoices": 1, "credits": 1, "allocations": 1}
    with org_store.reading() as tx:
        assert count_rows(tx, ORG) == {
            "customers": 2,
            "invoices": 1,
            "credits": 1,
            "allocations": 1,
        }
        assert load_customers(tx, ORG) == records[:2]

    changed = invoice(
        "I1",
        status=DocumentStatus.PAID,
        amount_due=Decimal("0.00"),
        updated_at=T0 + timedelta(hours=2),
        payments=(payment("P1", "I1", "15.00"), payment("P2", "I1", "100.00")),
    )
    with org_store.transaction() as tx:
        upsert_records(tx, [changed, customer("C1", name="Renamed Ltd")])
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG, with_allocations=True) == [changed]
        assert load_customers(tx, ORG)[0].name == "Renamed Ltd"
        assert count_rows(tx, ORG)["invoices"] == 1


def test_the_last_version_in_a_batch_wins(org_store: Store) -> None:
    first = invoice("I1", amount_due=Decimal("115.00"))
    second = invoice("I1", amount_due=Decimal("40.00"), payments=(payment("P1", "I1", "75.00"),))
    with org_store.transaction() as tx:
        upsert_records(tx, [first, second])
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG, with_allocations=True) == [second]


def test_reupserted_invoice_loses_removed_payments(org_store: Store) -> None:
    three = (
        payment("P1", "I1", "10.00", day=1),
        payment("P2", "I1", "20.00", day=2),
        payment("P3", "I1", "30.00", day=3),
    )
    applied = application("A1", "CN1", "I1", "5.00")
    with org_store.transaction() as tx:
        upsert_records(
            tx,
            [
                invoice("I1", amount_due=Decimal("50.00"), payments=three),
                credit("CN1", remaining=Decimal("45.00"), allocations=(applied,)),
            ],
        )
    with org_store.reading() as tx:
        assert count_rows(tx, ORG)["allocations"] == 4

    with org_store.transaction() as tx:
        upsert_records(tx, [invoice("I1", amount_due=Decimal("80.00"), payments=(three[1],))])
    with org_store.reading() as tx:
        [loaded] = load_invoices(tx, ORG, with_allocations=True)
        assert loaded.payments == (three[1],)
        # The credit's application onto the invoice is the credit's, not the invoice's: it stays.
        [loaded_credit] = load_credits(tx, ORG, with_allocations=True)
        assert loaded_credit.allocations == (applied,)
        assert count_rows(tx, ORG)["allocations"] == 2


def test_reupserted_credit_replaces_its_own_allocations(org_store: Store) -> None:
    a1 = application("A1", "CN1", "I1", "5.00", day=1)
    a2 = application("A2", "CN1", "I2", "7.50", day=2)
    other = application("A3", "CN2", "I1", "1.00")
    paid = payment("P1", "I1", "9.00")
    with org_store.transaction() as tx:
        upsert_records(
            tx,
            [
                invoice("I1", payments=(paid,)),
                credit("CN1", remaining=Decimal("37.50"), allocations=(a1, a2)),
                credit("CN2", remaining=Decimal("49.00"), allocations=(other,)),
            ],
        )
    with org_store.transaction() as tx:
        upsert_records(tx, [credit("CN1", remaining=Decimal("42.50"), allocations=(a2,))])
    with org_store.reading() as tx:
        by_id = {c.credit_id: c for c in load_credits(tx, ORG, with_allocations=True)}
        assert by_id["CN1"].allocations == (a2,)
        assert by_id["CN1"].remaining == Decimal("42.50")
        assert by_id["CN2"].allocations == (other,)
        assert load_invoices(tx, ORG, with_allocations=True)[0].payments == (paid,)
        assert count_rows(tx, ORG)["allocations"] == 3


def test_mismatched_allocations_are_refused(org_store: Store) -> None:
    wrong_invoice = payment("P1", "I2", "1.00")
    with (
        pytest.raises(ValueError, match="invoice I1: payment P1 must be a payment allocation"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [invoice("I1", payments=(wrong_invoice,))])
    with (
        pytest.raises(ValueError, match="credit CN1: allocation A1 must have source=credit_note"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [credit("CN1", allocations=(application("A1", "CN9", "I1", "1.00"),))])
    with org_store.reading() as tx:
        assert count_rows(tx, ORG)["allocations"] == 0


def test_deletions_take_their_allocations(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(
            tx,
            [
                customer("C1"),
                customer("C2"),
                invoice("I1", payments=(payment("P1", "I1", "15.00"),)),
                invoice("I2", payments=(payment("P2", "I2", "5.00"),)),
                credit("CN1", allocations=(application("A1", "CN1", "I2", "3.00"),)),
                credit("CN2", allocations=(application("A2", "CN2", "I2", "4.00"),)),
            ],
        )
    with org_store.transaction() as tx:
        counts = delete_records(
            tx, ORG, [("customer", "C2"), ("invoice", "I1"), ("credit", "CN1"), ("invoice", "X")]
        )
    assert counts == {"customers": 1, "invoices": 2, "credits": 1}
    with org_store.reading() as tx:
        assert [c.customer_id for c in load_customers(tx, ORG)] == ["C1"]
        [i2] = load_invoices(tx, ORG, with_allocations=True)
        assert (i2.invoice_id, [p.allocation_id for p in i2.payments]) == ("I2", ["P2"])
        [cn2] = load_credits(tx, ORG, with_allocations=True)
        assert (cn2.credit_id, [a.allocation_id for a in cn2.allocations]) == ("CN2", ["A2"])
        assert count_rows(tx, ORG) == {
            "customers": 1,
            "invoices": 1,
            "credits": 1,
            "allocations": 2,
        }


def test_deleting_an_invoice_removes_credit_applications_onto_it(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(
            tx,
            [invoice("I1"), credit("CN1", allocations=(application("A1", "CN1", "I1", "3.00"),))],
        )
        delete_records(tx, ORG, [("invoice", "I1")])
    with org_store.reading() as tx:
        assert load_credits(tx, ORG, with_allocations=True)[0].allocations == ()


def test_unknown_deletion_kind_is_refused(org_store: Store) -> None:
    with (
        pytest.raises(ValueError, match="cannot delete a 'payment'"),
        org_store.transaction() as tx,
    ):
        delete_records(tx, ORG, [("payment", "P1")])


def test_load_receivables_keeps_only_open_positive_balances(org_store: Store) -> None:
    documents = [
        invoice("I1", amount_due=Decimal("115.00")),
        invoice("I2", amount_due=Decimal("0.00")),
        invoice("I3", amount_due=Decimal("0.0001")),
        invoice("I4", amount_due=Decimal("-5.00")),
        invoice("I5", status=DocumentStatus.PAID, amount_due=Decimal("1.00")),
        invoice("I6", status=DocumentStatus.DRAFT),
        invoice("I7", amount_due=Decimal("1000000.00")),
        invoice("I8", amount_due=Decimal("9.99"), payments=(payment("P1", "I8", "105.01"),)),
        credit("CN1", remaining=Decimal("50.00")),
        credit("CN2", remaining=Decimal("0.00")),
        credit("CN3", status=DocumentStatus.VOIDED),
        credit("CN4", kind=CreditKind.PREPAYMENT, remaining=Decimal("0.01")),
    ]
    with org_store.transaction() as tx:
        upsert_records(tx, documents)
    with org_store.reading() as tx:
        invoices, credits = load_receivables(tx, ORG)
    assert [i.invoice_id for i in invoices] == ["I1", "I3", "I7", "I8"]
    assert invoices[3].payments == ()  # aging does not need them
    assert [c.credit_id for c in credits] == ["CN1", "CN4"]
    assert credits[1].remaining == Decimal("0.01")


def test_count_rows(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(
            tx,
            [
                customer("C1"),
                customer("C2"),
                customer("C3"),
                invoice("I1", payments=(payment("P1", "I1", "1.00"), payment("P2", "I1", "2.00"))),
                invoice("I2"),
                credit("CN1", allocations=(application("A1", "CN1", "I2", "3.00"),)),
            ],
        )
    with org_store.reading() as tx:
        assert count_rows(tx, ORG) == {
            "customers": 3,
            "invoices": 2,
            "credits": 1,
            "allocations": 3,
        }
        assert count_rows(tx, "xero:nobody") == {
            "customers": 0,
            "invoices": 0,
            "credits": 0,
            "allocations": 0,
        }


def test_a_page_of_a_thousand_invoices(org_store: Store) -> None:
    page = [
        invoice(
            f"I{n:04d}",
            customer_id=f"C{n % 37}",
            amount_due=Decimal(n) / 100,
            payments=(payment(f"P{n:04d}", f"I{n:04d}", "1.50"),),
        )
        for n in range(1000)
    ]
    for _ in range(2):
        with org_store.transaction() as tx:
            counts = upsert_records(tx, page)
        assert counts == {"customers": 0, "invoices": 1000, "credits": 0, "allocations": 1000}
    with org_store.reading() as tx:
        assert count_rows(tx, ORG)["invoices"] == 1000
        assert count_rows(tx, ORG)["allocations"] == 1000
        loaded = load_invoices(tx, ORG, with_allocations=True)
        open_invoices, _ = load_receivables(tx, ORG)
    assert loaded == page
    assert len(open_invoices) == 999  # I0000 has nothing due
    assert sum((i.amount_due for i in open_invoices), Decimal(0)) == Decimal("4995.00")


def test_payment_documents_own_their_applications_against_invoice_updates(
    org_store: Store,
) -> None:
    """QuickBooks: a Payment (a credit of kind payment) owns its applications; an invoice that
    reports no payments of its own (``payments=None``) leaves them in place when it changes."""
    applied = replace(payment("PMT1:0:I1", "I1", "15.00"), source_id="PMT1")
    paid_by_document = credit(
        "PMT1", kind=CreditKind.PAYMENT, remaining=Decimal("5.00"), allocations=(applied,)
    )
    with org_store.transaction() as tx:
        upsert_records(tx, [invoice("I1", payments=None), paid_by_document])
    with org_store.transaction() as tx:
        upsert_records(tx, [invoice("I1", payments=None, amount_due=Decimal("85.00"))])
    with org_store.reading() as tx:
        loaded = load_invoices(tx, ORG, with_allocations=True)[0]
    assert (loaded.amount_due, loaded.payments) == (Decimal("85.00"), (applied,))
    with org_store.transaction() as tx:
        delete_records(tx, ORG, [("credit", "PMT1")])
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG, with_allocations=True)[0].payments == ()
