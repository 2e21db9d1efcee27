"""A customer's segment from their own payment record, and how a segment shifts a tone (pure).

First match wins (``Segments`` in the policy):

1. ``new``: the first invoice was issued ``new_within_days`` days or fewer before ``as_of``
   (``0 <= (as_of - first_invoice_date).days <= new_within_days``);
2. ``large``: the customer's balance (open invoices less unapplied credits, base currency) is
   over ``large_balance`` (strictly);
3. ``reliable``: at least ``reliable_min_paid`` invoices paid in the 12 months to ``as_of`` and
   their average days late strictly under ``reliable_max_days_late``;
4. ``standard`` otherwise.

Without measures (the org has no stored history: ``AR_SYNC_HISTORY_MONTHS=0``, or a customer
the history does not know) only the balance can be judged: ``large`` if it is over the
threshold, else ``standard``. The oldest *open* invoice is not taken as the first invoice: a
customer who has paid for years with one recent invoice open would read as new.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ar_sync.collect.policy import Segments, ToneShift
from ar_sync.domain import CustomerMeasures, Segment, Tone

_TONES = tuple(Tone)  # softest first


def segment_of(
    measures: CustomerMeasures | None, balance_base: Decimal, segments: Segments, as_of: date
) -> Segment:
    """The segment of a customer with ``measures`` (None: no history) owing ``balance_base``
    (base currency, net of unapplied credits) at ``as_of``; see the module doc."""
    if measures is not None and measures.first_invoice_date is not None:
        age = (as_of - measures.first_invoice_date).days
        if 0 <= age <= segments.new_within_days:
            return Segment.NEW
    if balance_base > segments.large_balance:
        return Segment.LARGE
    if (
        measures is not None
        and measures.invoices_paid >= segments.reliable_min_paid
        and measures.average_days_late is not None
        and measures.average_days_late < segments.reliable_max_days_late
    ):
        return Segment.RELIABLE
    return Segment.STANDARD


def shift_tone(tone: Tone, shift: ToneShift) -> Tone:
    """``tone`` moved one step softer or firmer along ``Tone`` (clamped at either end)."""
    step = {ToneShift.SOFTER: -1, ToneShift.SAME: 0, ToneShift.FIRMER: 1}[ToneShift(shift)]
    index = min(max(_TONES.index(tone) + step, 0), len(_TONES) - 1)
    return _TONES[index]
