"""The planner: who is contacted today, at which stage, and why everyone else is not (pure).

``plan(book, history, journal, holds, policy, as_of)`` reads no clock and does no I/O. For each
customer with an open invoice, in this order (the first that applies decides):

1. **What is chased**: invoices with ``days_overdue >= 1`` (``days_overdue = (as_of -
   due_date).days``), and, when the courtesy stage is enabled, those due within its window
   (``courtesy.days <= days_overdue <= 0``). Nothing chased: the customer is not listed, unless
   the courtesy stage is enabled (then ``not_overdue``: the plan accounts for every customer
   with an open invoice, since any of them could get a courtesy note).
2. ``excluded``: ``limits.exclude`` names the customer's id or name (case-insensitive).
3. ``not_overdue``: nothing chased (courtesy enabled).
4. ``below_minimum``: the chased invoices' base amounts less the customer's unapplied credits
   (base) are ``<= 0`` or under ``limits.minimum_overdue``.
5. Holds, active on ``as_of`` (``since <= as_of`` and ``until`` None or ``>= as_of``):
   a dispute -> ``hold``, a payment plan -> ``payment_plan``, a promise -> ``promise``. A
   promise whose ``until`` has passed is *kept* when the customer's overdue balance in its
   currency is at most ``balance - amount`` (it is then ignored) and *broken* otherwise: the
   customer's stage is then the enabled stage after the highest stage sent for their chased
   invoices (days do not matter), or, nothing sent, the stage their invoices are due for.
6. The stage. The customer's segment (``collect.segments``) moves every stage but courtesy
   ``offset_days`` later; an invoice is *due* for the highest enabled stage whose
   ``days + offset`` is ``<= days_overdue``. An invoice *needs* a contact when no stage at or
   above its due stage was sent for its cycle (``(invoice_id, due_date)``: a new due date is a
   new cycle). The action's stage is the highest due stage among the invoices that need one; so
   with an empty journal it is the stage of the most overdue invoice, and once a stage is sent
   listing every invoice, planning again yields nothing until one is due for a higher stage.
   No invoice due for any stage (a segment's offset): ``not_overdue``; none needing one:
   ``stage_already_sent``.
7. ``cap``: a contact (``CONTACT_KINDS``) on ``as_of`` already, or ``cap_per_30_days`` of them
   on days in ``(as_of - 30, as_of]``.
8. Channels needing an address (``email``, ``ledger_email``) are dropped for a customer with
   no email address; if nothing but ``ledger_note`` is left: ``no_contact_address``.
9. ``quiet_day`` (a weekend, public holiday or quiet date: ``collect.calendar``), then
   ``outside_window`` when ``local_time`` is given and outside the send window (None: a past or
   future day, whose hour is not known).

An action lists every overdue invoice of the customer (all currencies; a courtesy action also
those coming due), sorted by due date then number, each with the interest and fee quoted
(``collect.interest.quote``); ``total_due`` sums their base amounts. The tone is the stage's,
shifted one step by the segment. Actions and skips are sorted by customer name
(case-insensitive), then id. Journal entries dated after ``as_of`` are ignored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from datetime import date, time
from decimal import Decimal

from ar_sync.collect.calendar import in_window, quiet_reason
from ar_sync.collect.contacts import ContactIndex, index_journal, stage_rank
from ar_sync.collect.interest import quote
from ar_sync.collect.policy import Policy, StageRule
from ar_sync.collect.segments import segment_of, shift_tone
from ar_sync.domain import (
    Action,
    Channel,
    CollectionBook,
    CustomerMeasures,
    Hold,
    HoldReason,
    JournalEntry,
    OpenInvoice,
    OrgPlan,
    PlannedInvoice,
    Segment,
    Skip,
    SkipReason,
    Stage,
)
from ar_sync.journal import overdue_balance
from ar_sync.money import ZERO, format_amount, quantize

ADDRESS_CHANNELS = frozenset({Channel.EMAIL, Channel.LEDGER_EMAIL})


class _Skipped(Exception):
    """Raised inside ``_customer_action`` to skip a customer with a reason."""

    def __init__(self, reason: SkipReason, detail: str) -> None:
        self.reason, self.detail = reason, detail


def action_key(org_id: str, customer_id: str, stage: Stage, as_of: date) -> str:
    """The action's deterministic idempotency key (the contract's)."""
    return f"remind:{org_id}:{customer_id}:{stage.value}:{as_of.isoformat()}"


def plan(
    book: CollectionBook,
    history: Mapping[str, CustomerMeasures],
    journal: Sequence[JournalEntry],
    holds: Sequence[Hold],
    policy: Policy,
    as_of: date,
    *,
    local_time: time | None = None,
    holidays: Container[date] = frozenset(),
) -> OrgPlan:
    """One org's ``OrgPlan`` for ``as_of`` (see the module doc for the rules, in order).

    ``history``: customer_id -> measures (absent: no history, see ``collect.segments``);
    ``journal``: the org's entries (any order); ``holds``: ``journal.holds_for_planning``'s;
    ``holidays``: the org's public holidays; ``local_time``: the org's time now, or None."""
    contacts = index_journal(journal, as_of)
    holds_by_customer: dict[str, list[Hold]] = defaultdict(list)
    for hold in holds:
        holds_by_customer[hold.customer_id].append(hold)
    invoices_by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
    for invoice in book.invoices:
        invoices_by_customer[invoice.customer_id].append(invoice)
    excluded = {name.casefold() for name in policy.limits.exclude}
    day_context = _DayContext(
        quiet=quiet_reason(as_of, policy.limits, holidays),
        late=_window_detail(local_time, policy),
    )

    actions: list[Action] = []
    skipped: list[Skip] = []
    for customer_id, invoices in invoices_by_customer.items():
        name = book.names.get(customer_id, customer_id)
        chased = _chased(invoices, policy, as_of)
        if not chased and not _courtesy(policy):
            continue
        try:
            if customer_id.casefold() in excluded or name.casefold() in excluded:
                raise _Skipped(SkipReason.EXCLUDED, "excluded by the policy (limits.exclude)")
            actions.append(
                _customer_action(
                    book, customer_id, name, invoices, chased, history.get(customer_id),
                    contacts, holds_by_customer.get(customer_id, ()), policy, as_of,
                    day_context,
                )
            )
        except _Skipped as skip:
            skipped.append(
                Skip(customer_id=customer_id, customer=name, reason=skip.reason,
                     detail=skip.detail)
            )
    return OrgPlan(
        org_id=book.org_id,
        as_of=as_of,
        actions=tuple(sorted(actions, key=lambda a: (a.customer.casefold(), a.customer_id))),
        skipped=tuple(sorted(skipped, key=lambda s: (s.customer.casefold(), s.customer_id))),
    )


class _DayContext:
    """What holds for every customer on the day: why it is quiet, why the hour is wrong."""

    __slots__ = ("quiet", "late")

    def __init__(self, *, quiet: str | None, late: str | None) -> None:
        self.quiet, self.late = quiet, late


def _window_detail(local_time: time | None, policy: Policy) -> str | None:
    window = policy.limits.send_window
    if local_time is None or in_window(local_time, window):
        return None
    return (
        f"local time {local_time.strftime('%H:%M')} is outside the send window "
        f"{window.start.strftime('%H:%M')}-{window.end.strftime('%H:%M')}"
    )


def _courtesy(policy: Policy) -> StageRule | None:
    rule = policy.stages[Stage.COURTESY]
    return rule if rule.enabled else None


def _days_overdue(invoice: OpenInvoice, as_of: date) -> int:
    return (as_of - invoice.due_date).days


def _chased(invoices: Sequence[OpenInvoice], policy: Policy, as_of: date) -> list[OpenInvoice]:
    """The invoices a contact would list: overdue ones, and those in the courtesy window."""
    courtesy = _courtesy(policy)
    first = courtesy.days if courtesy is not None and courtesy.days < 1 else 1
    return [i for i in invoices if _days_overdue(i, as_of) >= first]


def _threshold(stage: Stage, rule: StageRule, offset: int) -> int:
    """Days overdue at which ``stage`` is reached for a segment moving stages by ``offset``."""
    return rule.days if stage is Stage.COURTESY else rule.days + offset


def _due_stage(days_overdue: int, ladder: Sequence[tuple[Stage, int]]) -> Stage | None:
    """The highest stage of ``ladder`` ((stage, threshold), ladder order) reached."""
    reached = None
    for stage, threshold in ladder:
        if threshold <= days_overdue:
            reached = stage
    return reached


def _net_balance(
    invoices: Sequence[OpenInvoice], credit: Decimal, currency: str
) -> Decimal:
    return quantize(sum((i.amount_due_base for i in invoices), ZERO) - credit, currency)


def _customer_action(
    book: CollectionBook,
    customer_id: str,
    name: str,
    invoices: Sequence[OpenInvoice],
    chased: Sequence[OpenInvoice],
    measures: CustomerMeasures | None,
    contacts: ContactIndex,
    holds: Sequence[Hold],
    policy: Policy,
    as_of: date,
    day: _DayContext,
) -> Action:
    """The customer's action, or ``_Skipped`` with why not (rules 3 to 9 of the module doc)."""
    base = book.base_currency
    if not chased:
        raise _Skipped(SkipReason.NOT_OVERDUE, "nothing overdue or coming due")
    credit = book.credits_base.get(customer_id, ZERO)
    net = _net_balance(chased, credit, base)
    minimum = policy.limits.minimum_overdue
    if net <= 0 or net < minimum:
        raise _Skipped(
            SkipReason.BELOW_MINIMUM,
            f"net overdue {format_amount(net, base)} {base} (after credits of "
            f"{format_amount(credit, base)}) is below the minimum {format_amount(minimum, base)}",
        )
    broken = _check_holds(holds, chased, base, as_of)

    balance = _net_balance(invoices, credit, base)
    segment = segment_of(measures, balance, policy.segments, as_of)
    offset = policy.segments.rule(segment).offset_days
    ladder = [(s, _threshold(s, r, offset)) for s, r in policy.enabled_stages()]
    stage = (
        _broken_promise_stage(chased, contacts, ladder, broken, as_of)
        if broken is not None
        else _ladder_stage(chased, contacts, ladder, segment, offset, as_of)
    )

    if contacts.contacted_on(customer_id, as_of):
        raise _Skipped(SkipReason.CAP, f"already contacted on {as_of.isoformat()}")
    count = contacts.contacts_in_window(customer_id, as_of)
    cap = policy.limits.cap_per_30_days
    if count >= cap:
        raise _Skipped(
            SkipReason.CAP, f"{count} contacts in the 30 days to {as_of.isoformat()} (cap {cap})"
        )

    rule = policy.stages[stage]
    email = book.emails.get(customer_id) or None
    channels = tuple(c for c in rule.channels if email is not None or c not in ADDRESS_CHANNELS)
    if set(channels) <= {Channel.LEDGER_NOTE}:
        raise _Skipped(
            SkipReason.NO_CONTACT_ADDRESS,
            f"no email address for the {stage.value} stage's "
            + ", ".join(c.value for c in rule.channels if c in ADDRESS_CHANNELS),
        )
    if day.quiet is not None:
        raise _Skipped(SkipReason.QUIET_DAY, f"{as_of.isoformat()} is a {day.quiet}")
    if day.late is not None:
        raise _Skipped(SkipReason.OUTSIDE_WINDOW, day.late)

    listed = [
        i for i in chased if _days_overdue(i, as_of) >= 1 or stage is Stage.COURTESY
    ]
    listed.sort(key=lambda i: (i.due_date, i.number, i.invoice_id))
    return Action(
        org_id=book.org_id,
        customer_id=customer_id,
        customer=name,
        email=email,
        segment=segment,
        stage=stage,
        tone=shift_tone(rule.tone, policy.segments.rule(segment).tone),
        channels=channels,
        invoices=tuple(_planned(i, policy, as_of) for i in listed),
        total_due=quantize(sum((i.amount_due_base for i in listed), ZERO), base),
        base_currency=base,
        as_of=as_of,
        key=action_key(book.org_id, customer_id, stage, as_of),
    )


def _planned(invoice: OpenInvoice, policy: Policy, as_of: date) -> PlannedInvoice:
    interest, fee = quote(
        invoice.amount_due, invoice.currency, invoice.due_date, as_of, policy.interest
    )
    return PlannedInvoice(
        invoice_id=invoice.invoice_id,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        days_overdue=_days_overdue(invoice, as_of),
        amount_due=invoice.amount_due,
        currency=invoice.currency,
        interest=interest,
        fee=fee,
    )


_HOLD_SKIPS = (
    (HoldReason.DISPUTE, SkipReason.HOLD),
    (HoldReason.PAYMENT_PLAN, SkipReason.PAYMENT_PLAN),
    (HoldReason.PROMISE, SkipReason.PROMISE),
)


def _check_holds(
    holds: Sequence[Hold], chased: Sequence[OpenInvoice], base_currency: str, as_of: date
) -> Hold | None:
    """``_Skipped`` for an active hold (dispute first, then payment plan, then promise); else
    the broken promise the customer's stage must follow, if any (a kept one is ignored)."""
    active = [h for h in holds if h.since <= as_of and (h.until is None or h.until >= as_of)]
    for reason, skip in _HOLD_SKIPS:
        for hold in active:
            if hold.reason == reason:
                raise _Skipped(skip, _hold_detail(hold))
    for hold in holds:
        if hold.reason == HoldReason.PROMISE and hold.until is not None and hold.until < as_of:
            if not _promise_kept(hold, chased, base_currency, as_of):
                return hold
    return None


def _hold_detail(hold: Hold) -> str:
    """``dispute until 2026-04-01: wrong goods``, ``payment plan``, ``promise to pay 50.00 NZD
    by 2026-03-12``."""
    note = f": {hold.note}" if hold.note else ""
    if hold.reason == HoldReason.PROMISE:
        amount = (
            f" {format_amount(hold.amount, hold.currency)} {hold.currency}"
            if hold.amount is not None and hold.currency else ""
        )
        by = f" by {hold.until.isoformat()}" if hold.until else ""
        return f"promise to pay{amount}{by}{note}"
    label = "dispute" if hold.reason == HoldReason.DISPUTE else "payment plan"
    until = f" until {hold.until.isoformat()}" if hold.until else ""
    return f"{label}{until}{note}"


def _promise_kept(
    promise: Hold, chased: Sequence[OpenInvoice], base_currency: str, as_of: date
) -> bool:
    """A promise is kept once the customer's overdue balance is at most ``balance - amount``,
    measured as the promise measured it (``journal.overdue_balance``: in the invoices'
    currency when they are all in one, else in base); if that currency is no longer the
    promise's, the overdue invoices in the promise's currency are summed. A promise without
    those figures is taken as kept: nothing says otherwise."""
    if promise.amount is None or promise.balance is None or promise.currency is None:
        return True
    overdue, currency = overdue_balance(chased, base_currency=base_currency, as_of=as_of)
    if currency != promise.currency:
        overdue = sum(
            (i.amount_due for i in chased
             if i.currency == promise.currency and i.due_date < as_of),
            ZERO,
        )
    return overdue <= promise.balance - promise.amount


def _ladder_stage(
    chased: Sequence[OpenInvoice],
    contacts: ContactIndex,
    ladder: Sequence[tuple[Stage, int]],
    segment: Segment,
    offset: int,
    as_of: date,
) -> Stage:
    """Rule 6: the highest due stage among the invoices that need a contact."""
    due_any = False
    needed: list[Stage] = []
    for invoice in chased:
        due = _due_stage(_days_overdue(invoice, as_of), ladder)
        if due is None:
            continue
        due_any = True
        sent = contacts.highest_sent((invoice.invoice_id, invoice.due_date))
        if sent is None or stage_rank(sent) < stage_rank(due):
            needed.append(due)
    if not due_any:
        most = max(_days_overdue(i, as_of) for i in chased)
        first = next((t for s, t in ladder if s is not Stage.COURTESY), None)
        shift = f" ({segment.value} {offset:+d} days)" if offset else ""
        raise _Skipped(
            SkipReason.NOT_OVERDUE,
            f"most overdue {most} days; the first stage is due at {first} days{shift}"
            if first is not None else "no stage is enabled",
        )
    if not needed:
        sent = contacts.highest_sent_any((i.invoice_id, i.due_date) for i in chased)
        raise _Skipped(
            SkipReason.STAGE_ALREADY_SENT,
            f"{sent.value if sent else 'every'} stage already sent for every overdue invoice",
        )
    return max(needed, key=stage_rank)


def _broken_promise_stage(
    chased: Sequence[OpenInvoice],
    contacts: ContactIndex,
    ladder: Sequence[tuple[Stage, int]],
    promise: Hold,
    as_of: date,
) -> Stage:
    """The stage after the highest sent for ``chased`` (a broken promise resumes the ladder
    one step up, whatever the days); nothing sent: the highest stage they are due for, or the
    first overdue stage."""
    by = promise.until.isoformat() if promise.until else "?"
    overdue_stages = [s for s, _ in ladder if s is not Stage.COURTESY]
    sent = contacts.highest_sent_any((i.invoice_id, i.due_date) for i in chased)
    if sent is None:
        due = [_due_stage(_days_overdue(i, as_of), ladder) for i in chased]
        found = [s for s in due if s is not None and s is not Stage.COURTESY]
        if found:
            return max(found, key=stage_rank)
        if overdue_stages:
            return overdue_stages[0]
        raise _Skipped(SkipReason.STAGE_ALREADY_SENT, "no overdue stage is enabled")
    later = [s for s in overdue_stages if stage_rank(s) > stage_rank(sent)]
    if not later:
        raise _Skipped(
            SkipReason.STAGE_ALREADY_SENT,
            f"promise to pay by {by} broken; {sent.value}, the last stage, already sent",
        )
    return later[0]
