"""The journal store on SQLite and PostgreSQL: what is appended is what is read back, in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ar_sync.domain import Channel, JournaledInvoice, JournalEntry, JournalKind, Stage
from ar_sync.store import Store
from ar_sync.store.journal import append_entries, load_journal
from ar_sync.store.orgs import save_org
from tests.store.records import ORG, T0, make_org

AT = datetime(2026, 3, 2, 21, 15, 7, 123456, tzinfo=UTC)


def contact(customer_id: str, day: date, **changes: object) -> JournalEntry:
    fields: dict[str, object] = {
        "org_id": ORG,
        "customer_id": customer_id,
        "kind": JournalKind.CONTACT,
        "at": AT,
        "day": day,
        "stage": Stage.FIRM,
        "channels": (Channel.LEDGER_NOTE, Channel.EMAIL),
        "invoices": (
            JournaledInvoice(invoice_id="I1", number="INV-001", due_date=date(2026, 2, 16),
                             amount_due=Decimal("1234.50"), currency="NZD"),
            JournaledInvoice(invoice_id="I2", number="INV-002", due_date=date(2026, 1, 31),
                             amount_due=Decimal("0.1000"), currency="KWD"),
        ),
        "text": "Firm reminder: NZD 1,234.50 overdue — Māori café",
        "key": "remind:xero:tenant-1:C1:firm:2026-03-03",
    }
    fields.update(changes)
    return JournalEntry(**fields)  # type: ignore[arg-type]


def promise(customer_id: str, day: date) -> JournalEntry:
    return JournalEntry(
        org_id=ORG, customer_id=customer_id, kind=JournalKind.PROMISE, at=AT, day=day,
        text="Promise to pay", detail={
            "reason": "promise", "amount": Decimal("500.00"), "currency": "NZD",
            "by": date(2026, 3, 31), "balance": Decimal("1234.50"), "note": "",
            "nested": [{"fee": Decimal("40")}, None, 3, True],
        },
    )


@pytest.fixture
def journal_store(store: Store) -> Store:
    with store.transaction() as tx:
        save_org(tx, make_org(), now=T0)
    return store


def test_entries_read_back_equal_with_their_ids_in_order(journal_store: Store) -> None:
    entries = [contact("C1", date(2026, 3, 3)), promise("C2", date(2026, 3, 3)),
               contact("C1", date(2026, 3, 4), stage=None, channels=(), invoices=(), key=None)]
    with journal_store.transaction() as tx:
        ids = append_entries(tx, entries)
    assert ids == sorted(ids) and len(set(ids)) == 3
    with journal_store.reading() as tx:
        loaded = load_journal(tx, ORG)
    assert loaded == tuple(replace(e, entry_id=i) for e, i in zip(entries, ids, strict=True))
    detail = loaded[1].detail
    assert detail["amount"] == Decimal("500.00") and str(detail["amount"]) == "500.00"
    assert detail["by"] == date(2026, 3, 31)
    assert detail["nested"] == [{"fee": Decimal("40")}, None, 3, True]
    assert str(loaded[0].invoices[1].amount_due) == "0.1000"
    assert loaded[0].at == AT


def test_filters_by_customer_day_and_kind(journal_store: Store) -> None:
    with journal_store.transaction() as tx:
        first = append_entries(
            tx, [contact("C1", date(2026, 3, 1)), promise("C2", date(2026, 3, 2))]
        )
    with journal_store.transaction() as tx:  # a later transaction: ids keep growing
        later = append_entries(tx, [contact("C2", date(2026, 3, 5))])
    assert later[0] > first[1]
    with journal_store.reading() as tx:
        by_customer = load_journal(tx, ORG, customer_id="C2")
        since = load_journal(tx, ORG, since=date(2026, 3, 2))
        contacts = load_journal(tx, ORG, kinds={JournalKind.CONTACT})
        nothing = load_journal(tx, ORG, kinds=())
        other_org = load_journal(tx, "xero:other")
    assert [(e.customer_id, e.day.day) for e in by_customer] == [("C2", 2), ("C2", 5)]
    assert [e.entry_id for e in since] == [first[1], later[0]]
    assert [e.entry_id for e in contacts] == [first[0], later[0]]
    assert nothing == () and other_org == ()


def test_refuses_a_stored_entry_and_a_detail_that_is_not_json(journal_store: Store) -> None:
    with journal_store.transaction() as tx:
        with pytest.raises(ValueError, match="stored already"):
            append_entries(tx, [contact("C1", date(2026, 3, 3), entry_id=7)])
        with pytest.raises(TypeError, match="cannot hold"):
            append_entries(tx, [contact("C1", date(2026, 3, 3), detail={"x": object()})])
    with journal_store.reading() as tx:
        assert load_journal(tx, ORG) == ()
