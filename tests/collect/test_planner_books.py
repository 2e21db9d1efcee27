"""``load_book`` and ``plan_org`` on a real store (SQLite and PostgreSQL): what the planner
reads, the org's local time and public holidays, the journal and holds it honours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ar_sync.collect.books import load_book, plan_org
from ar_sync.collect.policy import Policy
from ar_sync.domain import (
    CollectionBook,
    CreditKind,
    DocumentStatus,
    HoldReason,
    OpenInvoice,
    RateQuote,
    Stage,
)
from ar_sync.errors import ConfigError
from ar_sync.journal import hold_entry
from ar_sync.store import Store
from ar_sync.store.journal import append_entries
from ar_sync.store.orgs import save_org
from ar_sync.store.records import upsert_records
from ar_sync.store.runs import finish_sync_run, start_sync_run
from tests.collect.planner_books import contact
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)
from tests.store.records import ORG, T0, credit, customer, invoice, make_org

AS_OF = date(2026, 3, 10)  # a Tuesday
SYNCED = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)
# 10:00 and 08:00 on 2026-03-10 in Auckland (NZDT, UTC+13)
MORNING = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
EARLY = datetime(2026, 3, 9, 19, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    """The org (NZD, Pacific/Auckland) synced on 2026-02-01 with a small book."""
    with Store(store_url) as opened:
        with opened.transaction() as tx:
            save_org(tx, make_org(), now=T0)
            upsert_records(tx, [
                customer("C1", name="Aroha Cafe"),
                customer("C2", name="Bay Plumbing", email=None),
                invoice("I1", number="INV-1", issue_date=date(2026, 1, 2),
                        due_date=date(2026, 2, 1), amount_due=Decimal("100.00")),
                invoice("I2", number="INV-2", issue_date=date(2026, 1, 20),
                        due_date=date(2026, 2, 20), currency="AUD", fx_rate=Decimal("0.9150"),
                        fx_quote=RateQuote.DOCUMENT_PER_BASE, total=Decimal("91.50"),
                        amount_due=Decimal("91.50")),
                invoice("I3", customer_id="C2", number="INV-3", issue_date=date(2026, 1, 1),
                        due_date=date(2026, 3, 1), amount_due=Decimal("50.00")),
                invoice("I4", number="INV-4", status=DocumentStatus.PAID,
                        amount_due=Decimal(0)),
                invoice("I5", number="INV-5", issue_date=date(2026, 3, 11),  # after as_of
                        due_date=date(2026, 3, 1)),
                credit("CN1", date=date(2026, 2, 5), remaining=Decimal("20.00")),
                credit("PP1", kind=CreditKind.PREPAYMENT, date=date(2026, 2, 5),
                       remaining=Decimal("500.00")),  # not a receivable until applied
            ])
            run = start_sync_run(tx, ORG, SYNCED)
            finish_sync_run(tx, run, finished_at=SYNCED, status="ok", counts={}, error=None)
        yield opened


def test_load_book_reads_open_invoices_in_base_credits_names_and_emails(store: Store) -> None:
    with store.reading() as tx:
        book = load_book(tx, make_org(), AS_OF)
    assert book == CollectionBook(
        org_id=ORG, org_name="Kauri Plumbing Ltd", base_currency="NZD",
        timezone="Pacific/Auckland", as_of=AS_OF,
        invoices=(
            OpenInvoice(invoice_id="I1", customer_id="C1", number="INV-1",
                        issue_date=date(2026, 1, 2), due_date=date(2026, 2, 1), currency="NZD",
                        amount_due=Decimal("100.00"), amount_due_base=Decimal("100.00")),
            OpenInvoice(invoice_id="I2", customer_id="C1", number="INV-2",
                        issue_date=date(2026, 1, 20), due_date=date(2026, 2, 20),
                        currency="AUD", amount_due=Decimal("91.50"),
                        amount_due_base=Decimal("100.00")),  # 91.50 / 0.9150
            OpenInvoice(invoice_id="I3", customer_id="C2", number="INV-3",
                        issue_date=date(2026, 1, 1), due_date=date(2026, 3, 1), currency="NZD",
                        amount_due=Decimal("50.00"), amount_due_base=Decimal("50.00")),
        ),
        credits_base={"C1": Decimal("20.00")},
        names={"C1": "Aroha Cafe", "C2": "Bay Plumbing"},
        emails={"C1": "c1@example.test"},
    )


def _summary(store: Store, **kwargs: object) -> tuple[list[tuple[str, str, str]],
                                                      list[tuple[str, str, str]]]:
    result = plan_org(store, ORG, Policy(), **kwargs)  # type: ignore[arg-type]
    return (
        [(a.customer, a.stage.value, str(a.total_due)) for a in result.actions],
        [(s.customer, s.reason.value, s.detail) for s in result.skipped],
    )


def test_plan_org_for_today_checks_the_send_window_in_the_orgs_timezone(store: Store) -> None:
    assert _summary(store, as_of=None, now=MORNING) == (
        # INV-1 is 37 days overdue: the final notice, listing INV-2 (18 days) too
        [("Aroha Cafe", "final", "200.00")],
        [("Bay Plumbing", "no_contact_address", "no email address for the reminder stage's email")],
    )
    actions, skipped = _summary(store, as_of=None, now=EARLY)
    assert actions == []
    assert skipped == [
        ("Aroha Cafe", "outside_window", "local time 08:00 is outside the send window 09:00-17:00"),
        ("Bay Plumbing", "no_contact_address", "no email address for the reminder stage's email"),
    ]
    # another day than today: the hour is not known, the window is not checked
    assert _summary(store, as_of=date(2026, 3, 11), now=EARLY)[0] != []


def test_plan_org_keeps_the_public_holidays_of_the_timezones_country(store: Store) -> None:
    # Waitangi Day, a Friday: quiet in New Zealand (Pacific/Auckland -> NZ)
    actions, skipped = _summary(store, as_of=date(2026, 2, 6), now=MORNING)
    assert actions == []
    assert skipped == [("Aroha Cafe", "quiet_day", "2026-02-06 is a public holiday")]
    # a policy naming another country takes its holidays instead
    policy = Policy().model_copy(
        update={"limits": Policy().limits.model_copy(update={"country": "AU"})}
    )
    result = plan_org(store, ORG, policy, as_of=date(2026, 2, 6), now=MORNING)
    assert [(a.customer, a.stage) for a in result.actions] == [("Aroha Cafe", Stage.FRIENDLY)]


def test_plan_org_honours_the_journal_and_holds(store: Store) -> None:
    with store.transaction() as tx:
        append_entries(tx, [
            contact("C1", date(2026, 3, 9), Stage.FINAL,
                    [("I1", date(2026, 2, 1)), ("I2", date(2026, 2, 20))], org_id=ORG),
            hold_entry(org_id=ORG, customer_id="C2", reason=HoldReason.PAYMENT_PLAN,
                       until=None, note="", at=MORNING, day=date(2026, 3, 2)),
        ])
    assert _summary(store, as_of=AS_OF, now=MORNING) == (
        [],
        [("Aroha Cafe", "stage_already_sent",
          "final stage already sent for every overdue invoice"),
         ("Bay Plumbing", "payment_plan", "payment plan")],
    )


def test_plan_org_refuses_a_day_before_the_latest_sync(store: Store) -> None:
    with pytest.raises(ConfigError, match=r"--as-of 2026-01-31 is before Kauri Plumbing Ltd's "
                                          r"latest sync \(2026-02-01\)"):
        plan_org(store, ORG, Policy(), as_of=date(2026, 1, 31), now=MORNING)
