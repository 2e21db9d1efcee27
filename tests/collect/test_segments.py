"""Segments from a customer's payment record, first match wins; tone shifts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ar_sync.collect.policy import Segments, ToneShift
from ar_sync.collect.segments import segment_of, shift_tone
from ar_sync.domain import CustomerMeasures, Segment, Tone

AS_OF = date(2026, 3, 10)
RULES = Segments()  # reliable: 6 paid, under 7.0 days late; new: 90 days; large: over 10,000


def record(*, paid: int = 0, late: str | None = None, first: date | None = date(2024, 1, 1)
           ) -> CustomerMeasures:
    return CustomerMeasures(
        customer_id="c1", as_of=AS_OF, base_currency="NZD", invoices_paid=paid,
        average_days_late=Decimal(late) if late is not None else None, median_days_late=None,
        recent_days_late=None, earlier_days_late=None, trend_days=None, trend=None,
        last_payment_date=None, largest_balance=Decimal(0), first_invoice_date=first,
    )


@pytest.mark.parametrize(
    ("measures", "balance", "expected"),
    [
        (record(first=date(2025, 12, 10)), "50000", Segment.NEW),  # 90 days: new, even large
        (record(first=date(2025, 12, 9)), "100", Segment.STANDARD),  # 91 days: no longer new
        (record(paid=6, late="6.9"), "10000.01", Segment.LARGE),  # large before reliable
        (record(paid=6, late="6.9"), "10000.00", Segment.RELIABLE),  # not over the threshold
        (record(paid=6, late="-3.0"), "10", Segment.RELIABLE),  # early payers too
        (record(paid=6, late="7.0"), "10", Segment.STANDARD),  # strictly under 7 days
        (record(paid=5, late="0.0"), "10", Segment.STANDARD),  # too few paid
        (record(paid=0, late=None), "10", Segment.STANDARD),
        (None, "10000.01", Segment.LARGE),  # no history: only the balance can be judged
        (None, "5", Segment.STANDARD),
        (record(first=None), "5", Segment.STANDARD),
    ],
)
def test_segment_of_takes_the_first_matching_segment(
    measures: CustomerMeasures | None, balance: str, expected: Segment
) -> None:
    assert segment_of(measures, Decimal(balance), RULES, AS_OF) is expected


@pytest.mark.parametrize(
    ("tone", "shift", "expected"),
    [
        (Tone.FRIENDLY, ToneShift.SOFTER, Tone.GENTLE),
        (Tone.GENTLE, ToneShift.SOFTER, Tone.GENTLE),  # clamped
        (Tone.FIRM, ToneShift.FIRMER, Tone.FORMAL),
        (Tone.FORMAL, ToneShift.FIRMER, Tone.FORMAL),  # clamped
        (Tone.FIRM, ToneShift.SAME, Tone.FIRM),
    ],
)
def test_shift_tone_moves_one_step_and_stops_at_the_ends(
    tone: Tone, shift: ToneShift, expected: Tone
) -> None:
    assert shift_tone(tone, shift) is expected
