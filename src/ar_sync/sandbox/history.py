"""The plan of a generated company's past: which customer was billed when, and how each bill
ended. Both ledgers' generators render the same plan in their own records.

``plan_history(rng, today=, months=, customers=)`` is pure and seeded through ``rng``. For each
of the ``months`` months before ``today`` (month ``k`` runs from ``months_back(today, k + 1)``
exclusive to ``months_back(today, k)`` inclusive) every customer is billed with probability
one half, ``new`` customers every month but only within the last ``NEW_DAYS`` days. Each
bill is settled by ``last_day = today - 2 days`` or left out of the plan, so the open
receivables of a generated company stay exactly those its generator makes beside the history,
and no record of the history is stamped later than the start of ``today`` in any time zone. Kinds:

- ``paid``: paid in full on ``settled``; on time or late by the customer's ``Behaviour``
  (``late_days`` after the due date, negative for early);
- ``part_paid``: ``share`` of the total paid on ``first``, the rest on ``settled``;
- ``credited``: a credit note for ``share`` of the total dated ``first``, applied to the bill on
  ``applied`` (on or after ``first``), the rest paid on ``settled``;
- ``overpaid``: paid in full plus ``share`` of the total more on ``settled``; the extra is
  applied on ``applied`` to a new bill of the same customer dated that day, whose rest is paid
  on ``closed``;
- ``voided``: voided on ``settled``, nothing paid.

Dates are ``date``s; ``share`` is a ``Decimal`` fraction of the bill's total (0 < share < 1).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

NEW_DAYS = 90
TERMS = (14, 30)  # days from issue to due date
# name: (days after the due date a customer pays, low and high; weight among established ones)
BEHAVIOURS = {"reliable": (-12, 0), "slow": (-3, 30), "chronic": (25, 110)}
_KINDS = (("voided", 4), ("credited", 8), ("overpaid", 5), ("part_paid", 12), ("paid", 71))


@dataclass(frozen=True, slots=True)
class Planned:
    """One past bill and how it ended (see the module docstring)."""

    customer: int  # index of the customer in the generator's list
    kind: str
    issued: date
    due: date
    settled: date
    first: date | None = None
    applied: date | None = None
    closed: date | None = None
    share: Decimal = Decimal(0)

    @property
    def late(self) -> bool:
        """Whether the last money arrived after the due date (never for a voided bill)."""
        return self.kind != "voided" and self.settled > self.due


def behaviour(index: int, customers: int) -> str:
    """``new`` (billed only within the last ``NEW_DAYS`` days), ``chronic``, ``slow`` or
    ``reliable``, by the customer's index: every tenth is new (the last one of a company of
    two to nine customers), every fourth chronic, every fourth slow, the rest reliable."""
    if index % 10 == 9 or (1 < customers < 10 and index == customers - 1):
        return "new"
    return ("reliable", "chronic", "reliable", "slow")[index % 4]


def months_back(today: date, months: int) -> date:
    """``today`` moved back ``months`` calendar months (the day clamped to the month's end)."""
    total = today.year * 12 + today.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = today.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def plan_history(
    rng: random.Random, *, today: date, months: int, customers: int
) -> list[Planned]:
    """The bills of the ``months`` months before ``today``, in date order (see the module
    docstring); empty when ``months`` is 0."""
    last_day = today - timedelta(days=2)
    plan: list[Planned] = []
    for back in range(months):
        start = months_back(today, back + 1) + timedelta(days=1)
        end = min(months_back(today, back), last_day)
        if start > end:
            continue
        for index in range(customers):
            kind_of = behaviour(index, customers)
            first_day = start if kind_of != "new" else max(start, today - timedelta(NEW_DAYS - 1))
            if first_day > end or (kind_of != "new" and rng.random() >= 0.5):
                continue
            issued = first_day + timedelta(days=rng.randint(0, (end - first_day).days))
            planned = _settle(rng, index, kind_of, issued, last_day)
            if planned is not None:
                plan.append(planned)
    plan.sort(key=lambda p: (p.issued, p.customer))
    return plan


def _settle(
    rng: random.Random, index: int, kind_of: str, issued: date, last_day: date
) -> Planned | None:
    due = issued + timedelta(days=rng.choice(TERMS))
    low, high = BEHAVIOURS.get(kind_of, BEHAVIOURS["reliable"])
    settled = max(issued, due + timedelta(days=rng.randint(low, high)))
    kind = rng.choices([k for k, _ in _KINDS], weights=[w for _, w in _KINDS])[0]
    share = Decimal(rng.randint(10, 60)) / 100
    first = applied = closed = None
    if kind == "voided":
        settled = issued + timedelta(days=rng.randint(0, 20))
    elif kind in ("part_paid", "credited"):
        first = issued + timedelta(days=rng.randint(0, max(0, (settled - issued).days)))
        if kind == "credited":
            applied = first + timedelta(days=rng.randint(1, 20))
            settled = max(settled, applied)
    elif kind == "overpaid":
        share = Decimal(rng.randint(5, 20)) / 100
        applied = settled + timedelta(days=rng.randint(5, 40))
        closed = applied + timedelta(days=rng.randint(0, 25))
    if max(d for d in (settled, applied, closed) if d is not None) > last_day:
        return None
    return Planned(index, kind, issued, due, settled, first, applied, closed, share)
