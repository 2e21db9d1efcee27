"""The planner on a hand-built book: exact stages, segments, tones, channels and skip reasons."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from ar_sync.collect.calendar import public_holidays
from ar_sync.collect.planner import plan
from ar_sync.collect.policy import Interest, InterestScheme, Limits, Policy, StageRule
from ar_sync.domain import (
    Action,
    Channel,
    CustomerMeasures,
    Hold,
    HoldReason,
    JournalKind,
    OrgPlan,
    PlannedInvoice,
    Segment,
    Stage,
    Tone,
)
from tests.collect.planner_books import ORG, book, contact, invoice

AS_OF = date(2026, 3, 10)  # a Tuesday
D = date.fromisoformat

NAMES = {
    "c01": "Aroha Cafe", "c02": "Bay Plumbing", "c03": "Coastal Freight", "c04": "Dune Supplies",
    "c05": "Eden Florist", "c06": "Fern Studio", "c07": "Gull Marine", "c08": "Harbour Ltd",
    "c09": "Iris Books", "c10": "Jade Garden", "c11": "Kiwi Kitchens", "c12": "Lime Legal",
    "c13": "Moa Motors", "c14": "Nikau Nursery", "c15": "Orca Outfitters", "c16": "Pipi Press",
    "c17": "Quail Quarry",
}
NO_EMAIL = {"c02", "c03"}
INVOICES = [
    invoice("INV-A1", "c01", "40.00", D("2026-03-09")),
    invoice("INV-A2", "c01", "365.00", D("2026-02-20")),
    invoice("INV-B1", "c02", "300.00", D("2026-01-01")),
    invoice("INV-C1", "c03", "75.00", D("2026-03-05")),
    invoice("INV-D1", "c04", "90.00", D("2026-03-20")),
    invoice("INV-E1", "c05", "100.00", D("2026-02-01")),
    invoice("INV-F1", "c06", "120.00", D("2026-02-01")),
    invoice("INV-G1", "c07", "130.00", D("2026-02-01")),
    invoice("INV-H1", "c08", "140.00", D("2026-02-01")),
    invoice("INV-I1", "c09", "200.00", D("2026-02-01")),
    invoice("INV-J1", "c10", "200.00", D("2026-02-08")),
    invoice("INV-K1", "c11", "210.00", D("2026-02-18")),
    invoice("INV-L1", "c12", "220.00", D("2026-02-18")),
    invoice("INV-M1", "c13", "230.00", D("2026-02-28")),
    invoice("INV-N1", "c14", "240.00", D("2026-03-05")),
    invoice("INV-O1", "c15", "20000.00", D("2026-02-26")),
    invoice("INV-P1", "c16", "915.00", D("2026-03-02"), currency="AUD", base="1000.00"),
    invoice("INV-Q1", "c17", "15000.00", D("2026-03-03")),
]
JOURNAL = [
    contact("c06", D("2026-03-06"), Stage.FINAL, [("INV-F1", D("2026-02-01"))]),
    contact("c10", D("2026-02-09"), Stage.FRIENDLY, [("INV-J1", D("2026-02-08"))]),
    # Kiwi: five contacts by hand inside (2026-02-08, 2026-03-10], one on the boundary outside
    *(contact("c11", D(day), None, kind=JournalKind.MANUAL_CONTACT)
      for day in ("2026-02-08", "2026-02-10", "2026-02-15", "2026-02-20", "2026-02-25",
                  "2026-03-02")),
    contact("c12", AS_OF, None, kind=JournalKind.STATEMENT),
    # Pipi's invoice was re-issued with a new due date: the firm reminder was for the old one
    contact("c16", D("2026-02-10"), Stage.FIRM, [("INV-P1", D("2026-01-15"))]),
]
HOLDS = [
    Hold(org_id=ORG, customer_id="c07", reason=HoldReason.DISPUTE, since=D("2026-03-01"),
         note="wrong goods"),
    Hold(org_id=ORG, customer_id="c09", reason=HoldReason.PROMISE, since=D("2026-03-01"),
         until=D("2026-03-12"), amount=Decimal("50"), currency="NZD", balance=Decimal("200")),
    Hold(org_id=ORG, customer_id="c10", reason=HoldReason.PROMISE, since=D("2026-03-01"),
         until=D("2026-03-05"), amount=Decimal("50"), currency="NZD", balance=Decimal("200")),
]


def measures(customer_id: str, *, paid: int, late: str | None, first: date) -> CustomerMeasures:
    return CustomerMeasures(
        customer_id=customer_id, as_of=AS_OF, base_currency="NZD", invoices_paid=paid,
        average_days_late=Decimal(late) if late else None, median_days_late=None,
        recent_days_late=None, earlier_days_late=None, trend_days=None, trend=None,
        last_payment_date=None, largest_balance=Decimal(0), first_invoice_date=first,
    )


HISTORY = {
    "c13": measures("c13", paid=8, late="2.0", first=D("2024-01-10")),
    "c14": measures("c14", paid=6, late="6.9", first=D("2024-01-10")),
    "c17": measures("c17", paid=0, late=None, first=D("2026-01-01")),
}
POLICY = Policy(
    limits=Limits(exclude=("harbour ltd",)),
    interest=Interest(scheme=InterestScheme.SIMPLE, annual_rate=Decimal(10)),
)
THE_BOOK = book(INVOICES, NAMES, emails={k: f"{k}@example.test" for k in NAMES
                                         if k not in NO_EMAIL},
                credits={"c05": "100.00"})


def run(day: date = AS_OF, policy: Policy = POLICY, **kwargs: object) -> OrgPlan:
    return plan(THE_BOOK, HISTORY, JOURNAL, HOLDS, policy, day, **kwargs)  # type: ignore[arg-type]


def summary(result: OrgPlan) -> list[tuple[object, ...]]:
    return [
        (a.customer, a.segment.value, a.stage.value, a.tone.value,
         [c.value for c in a.channels], [i.number for i in a.invoices], str(a.total_due))
        for a in result.actions
    ]


def skips(result: OrgPlan) -> list[tuple[str, str, str]]:
    return [(s.customer, s.reason.value, s.detail) for s in result.skipped]


def test_each_customer_gets_the_stage_or_the_reason_the_rules_give() -> None:
    result = run()
    assert summary(result) == [
        ("Aroha Cafe", "standard", "firm", "firm", ["email", "ledger_note"],
         ["INV-A2", "INV-A1"], "405.00"),
        # no email: the hand-over and the ledger note need none
        ("Bay Plumbing", "standard", "escalation", "formal", ["handover", "ledger_note"],
         ["INV-B1"], "300.00"),
        # a broken promise resumes one step above the friendly reminder sent, though the
        # invoice is 30 days overdue (final by days)
        ("Jade Garden", "standard", "reminder", "friendly", ["email", "ledger_note"],
         ["INV-J1"], "200.00"),
        # reliable: stages come 7 days later and one step softer
        ("Moa Motors", "reliable", "friendly", "gentle", ["email", "ledger_note"],
         ["INV-M1"], "230.00"),
        # large: 2 days earlier (firm at 12) and firmer
        ("Orca Outfitters", "large", "firm", "formal", ["email", "ledger_note"],
         ["INV-O1"], "20000.00"),
        # a new due date is a new cycle: the firm reminder for the old one does not count
        ("Pipi Press", "standard", "reminder", "friendly", ["email", "ledger_note"],
         ["INV-P1"], "1000.00"),
        # new (first invoice 68 days ago) wins over large
        ("Quail Quarry", "new", "reminder", "friendly", ["email", "ledger_note"],
         ["INV-Q1"], "15000.00"),
    ]
    assert skips(result) == [
        ("Coastal Freight", "no_contact_address", "no email address for the friendly stage's email"),
        ("Eden Florist", "below_minimum",
         "net overdue 0.00 NZD (after credits of 100.00) is below the minimum 0.00"),
        ("Fern Studio", "stage_already_sent", "final stage already sent for every overdue invoice"),
        ("Gull Marine", "hold", "dispute: wrong goods"),
        ("Harbour Ltd", "excluded", "excluded by the policy (limits.exclude)"),
        ("Iris Books", "promise", "promise to pay 50.00 NZD by 2026-03-12"),
        ("Kiwi Kitchens", "cap", "5 contacts in the 30 days to 2026-03-10 (cap 5)"),
        ("Lime Legal", "cap", "already contacted on 2026-03-10"),
        ("Nikau Nursery", "not_overdue",
         "most overdue 5 days; the first stage is due at 8 days (reliable +7 days)"),
    ]


def test_an_action_lists_every_overdue_invoice_with_interest_and_a_deterministic_key() -> None:
    aroha = run().actions[0]
    assert aroha == Action(
        org_id=ORG, customer_id="c01", customer="Aroha Cafe", email="c01@example.test",
        segment=Segment.STANDARD, stage=Stage.FIRM, tone=Tone.FIRM,
        channels=(Channel.EMAIL, Channel.LEDGER_NOTE),
        invoices=(
            # 365.00 * 10% * 18 / 365 = 1.80; 40.00 * 10% * 1 / 365 = 0.0109... -> 0.01
            PlannedInvoice(invoice_id="INV-A2", number="INV-A2", issue_date=D("2025-12-01"),
                           due_date=D("2026-02-20"), days_overdue=18,
                           amount_due=Decimal("365.00"), currency="NZD",
                           interest=Decimal("1.80"), fee=Decimal("0.00")),
            PlannedInvoice(invoice_id="INV-A1", number="INV-A1", issue_date=D("2025-12-01"),
                           due_date=D("2026-03-09"), days_overdue=1,
                           amount_due=Decimal("40.00"), currency="NZD",
                           interest=Decimal("0.01"), fee=Decimal("0.00")),
        ),
        total_due=Decimal("405.00"), base_currency="NZD", as_of=AS_OF,
        key="remind:xero:test-org:c01:firm:2026-03-10",
    )


def test_a_weekend_a_public_holiday_and_a_quiet_date_plan_no_contact() -> None:
    saturday = run(D("2026-03-14"))
    assert saturday.actions == ()
    assert [s.detail for s in saturday.skipped if s.reason == "quiet_day"][:1] == [
        "2026-03-14 is a weekend"
    ]
    # four days on, Iris's promise is broken, Kiwi's oldest contacts left the 30 days, Lime
    # was contacted days ago and Nikau is 9 days late: all would be contacted but for the day
    weekdays = POLICY.model_copy(
        update={"limits": POLICY.limits.model_copy(update={"quiet_weekends": False})}
    )
    would = [a.customer for a in run(D("2026-03-14"), weekdays).actions]
    assert would == [
        "Aroha Cafe", "Bay Plumbing", "Iris Books", "Jade Garden", "Kiwi Kitchens", "Lime Legal",
        "Moa Motors", "Nikau Nursery", "Orca Outfitters", "Pipi Press", "Quail Quarry",
    ]
    assert [s.customer for s in saturday.skipped if s.reason == "quiet_day"] == would
    waitangi = D("2026-02-06")  # a Friday
    nz = public_holidays("NZ", None, [2026])
    assert run(waitangi).actions != ()
    held = run(waitangi, holidays=nz)
    assert held.actions == ()
    assert {s.detail for s in held.skipped if s.reason == "quiet_day"} == {
        "2026-02-06 is a public holiday"
    }
    quiet = POLICY.model_copy(
        update={"limits": POLICY.limits.model_copy(update={"quiet_dates": (AS_OF,)})}
    )
    assert run(policy=quiet).actions == ()


def test_outside_the_send_window_nobody_is_contacted_and_the_end_is_excluded() -> None:
    early = run(local_time=time(8, 59))
    assert early.actions == ()
    assert {s.detail for s in early.skipped if s.reason == "outside_window"} == {
        "local time 08:59 is outside the send window 09:00-17:00"
    }
    assert run(local_time=time(17, 0)).actions == ()
    assert len(run(local_time=time(16, 59)).actions) == 7
    assert len(run(local_time=time(9, 0)).actions) == 7


def test_the_minimum_counts_the_overdue_balance_net_of_credits() -> None:
    policy = POLICY.model_copy(
        update={"limits": POLICY.limits.model_copy(update={"minimum_overdue": Decimal(406)})}
    )
    skipped = {s.customer: s for s in run(policy=policy).skipped}
    assert skipped["Aroha Cafe"].detail == (
        "net overdue 405.00 NZD (after credits of 0.00) is below the minimum 406.00"
    )
    assert "Bay Plumbing" in skipped  # 300.00
    assert [a.customer for a in run(policy=policy).actions] == [
        "Orca Outfitters", "Pipi Press", "Quail Quarry",
    ]


def test_courtesy_notes_go_before_the_due_date_and_list_what_is_coming_due() -> None:
    stages = dict(POLICY.stages)
    stages[Stage.COURTESY] = StageRule(days=-3, tone=Tone.GENTLE,
                                       channels=(Channel.EMAIL, Channel.LEDGER_NOTE))
    policy = POLICY.model_copy(update={"stages": stages})
    coming = book(
        [invoice("INV-1", "c01", "10.00", D("2026-03-13")),  # due in 3 days: courtesy
         invoice("INV-2", "c02", "20.00", D("2026-03-14")),  # in 4: not yet
         invoice("INV-3", "c03", "30.00", D("2026-03-10"))],  # due today: courtesy
        {"c01": "Aroha Cafe", "c02": "Bay Plumbing", "c03": "Coastal Freight"},
    )
    result = plan(coming, {}, [], [], policy, AS_OF)
    assert [(a.customer, a.stage.value, a.tone.value, [i.days_overdue for i in a.invoices])
            for a in result.actions] == [
        ("Aroha Cafe", "courtesy", "gentle", [-3]),
        ("Coastal Freight", "courtesy", "gentle", [0]),
    ]
    assert skips(result) == [("Bay Plumbing", "not_overdue", "nothing overdue or coming due")]
    # without the courtesy stage, customers with nothing overdue are not listed at all
    assert plan(coming, {}, [], [], POLICY, AS_OF) == OrgPlan(
        org_id=ORG, as_of=AS_OF, actions=(), skipped=()
    )


def test_planning_again_after_the_actions_are_journaled_yields_nothing() -> None:
    from tests.collect.planner_books import journaled

    first = run()
    again = plan(THE_BOOK, HISTORY, [*JOURNAL, *map(journaled, first.actions)], HOLDS, POLICY,
                 AS_OF)
    assert again.actions == ()
    assert ("Aroha Cafe", "stage_already_sent", "firm stage already sent for every overdue invoice"
            ) in skips(again)
    # and so it is the next day, until an invoice is due for the final notice
    tomorrow = plan(THE_BOOK, HISTORY, [*JOURNAL, *map(journaled, first.actions)], HOLDS,
                    POLICY, D("2026-03-11"))
    assert ("Aroha Cafe", "stage_already_sent", "firm stage already sent for every overdue invoice"
            ) in skips(tomorrow)
