"""What the journal says about past contacts, folded for the planner (pure).

- A **cycle** is an ``(invoice_id, due_date)`` pair: a ``CONTACT`` entry with stage ``S``
  listing an invoice means ``S`` was sent for that invoice's cycle; a re-issued due date is a
  new cycle with nothing sent.
- **Contacts** for the cap are the entries whose kind is in ``CONTACT_KINDS`` (ar-sync's own
  contacts, contacts logged by hand, statements), each counted once on its ``day`` (the org's
  calendar day).

``index_journal`` folds an org's entries once (O(entries)) into a ``ContactIndex``; the planner
then asks it per customer. Entries dated after ``as_of`` are left out, so a plan for a past day
reads the journal as it stood then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ar_sync.domain import CONTACT_KINDS, STAGE_ORDER, JournalEntry, JournalKind, Stage

Cycle = tuple[str, date]  # (invoice_id, due_date)

CAP_WINDOW_DAYS = 30  # the rolling cap counts contacts on days in (as_of - 30, as_of]

_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}


def stage_rank(stage: Stage) -> int:
    """A stage's place on the ladder (courtesy 0 ... escalation 6)."""
    return _RANK[stage]


@dataclass(frozen=True, slots=True)
class ContactIndex:
    """An org's journal folded for planning: ``sent`` maps a cycle to the highest stage sent
    for it; ``contact_days`` a customer to the days of their contacts (one per entry, oldest
    first)."""

    sent: Mapping[Cycle, Stage]
    contact_days: Mapping[str, tuple[date, ...]]

    def highest_sent(self, cycle: Cycle) -> Stage | None:
        """The highest stage sent for ``cycle``, or None if none was."""
        return self.sent.get(cycle)

    def highest_sent_any(self, cycles: Iterable[Cycle]) -> Stage | None:
        """The highest stage sent for any of ``cycles``, or None."""
        found = [self.sent[c] for c in cycles if c in self.sent]
        return max(found, key=stage_rank) if found else None

    def contacted_on(self, customer_id: str, day: date) -> bool:
        """Whether the customer had a contact (any ``CONTACT_KINDS`` entry) on ``day``."""
        return day in self.contact_days.get(customer_id, ())

    def contacts_in_window(self, customer_id: str, as_of: date) -> int:
        """How many contacts the customer had on days in ``(as_of - 30 days, as_of]``."""
        start = as_of - timedelta(days=CAP_WINDOW_DAYS)
        return sum(1 for day in self.contact_days.get(customer_id, ()) if start < day <= as_of)


def index_journal(entries: Sequence[JournalEntry], as_of: date) -> ContactIndex:
    """Fold ``entries`` (any order; those with ``day > as_of`` are ignored) into a
    ``ContactIndex``: the highest stage per cycle from ``CONTACT`` entries with a stage, and
    every ``CONTACT_KINDS`` entry's day per customer."""
    sent: dict[Cycle, Stage] = {}
    days: dict[str, list[date]] = defaultdict(list)
    for entry in entries:
        if entry.day > as_of:
            continue
        if entry.kind in CONTACT_KINDS:
            days[entry.customer_id].append(entry.day)
        if entry.kind == JournalKind.CONTACT and entry.stage is not None:
            for listed in entry.invoices:
                cycle = (listed.invoice_id, listed.due_date)
                before = sent.get(cycle)
                if before is None or stage_rank(entry.stage) > stage_rank(before):
                    sent[cycle] = entry.stage
    return ContactIndex(
        sent=sent, contact_days={who: tuple(sorted(d)) for who, d in days.items()}
    )
