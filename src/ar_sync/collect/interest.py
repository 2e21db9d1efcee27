"""Late-payment interest and fixed compensation quoted in reminders (never written to a ledger).

``quote`` prices one invoice: simple interest by the day on the amount still due, from the due
date to ``as_of`` (days overdue = ``as_of - due_date``), over a 365-day year, plus a scheme's
fixed sum, both rounded half-up to the invoice currency's minor unit (``ar_sync.money``).

=============  ======================================  ===========================================
scheme         annual rate                             fixed compensation per invoice
=============  ======================================  ===========================================
none           0                                       0
simple         ``annual_rate``                         0
uk_statutory   8 + ``base_rate`` (Bank of England)     GBP 40 under 1,000; 70 under 10,000; else 100
eu_directive   8 + ``reference_rate`` (ECB)            EUR 40
=============  ======================================  ===========================================

Sources: UK, "Late commercial payments: charging interest and debt recovery"
(www.gov.uk/late-commercial-payments-interest-debt-recovery; the same guide at
www.mygov.scot/late-commercial-payments/claim-debt-recovery-costs-on-late-payments: "Up to
£999.99 debt - £40", "£1,000 to £9,999.99 debt - £70", "£10,000 or more debt - £100"), the
Late Payment of Commercial Debts (Interest) Act 1998 as amended (8% over the base rate; the
reference rate is the base rate on the 30 June or 31 December before the debt became late:
the file's ``base_rate`` is that reference, set by the user). EU, Directive 2011/7/EU Art. 6(1)
("a fixed sum of 40 [euros]", quoted in eur-lex CELEX 62017CC0287) and Art. 2(6) (reference
rate plus at least eight percentage points); the EUR 40 is due for each late payment, i.e.
per invoice (CJEU C-78/22, ALD Automotive, 4 May 2023).

Currencies: interest is quoted in the invoice's own currency under every scheme. The fixed
sum is in the scheme's currency (GBP, EUR) and quoted only when the invoice is in that
currency; an invoice in another currency gets no fixed sum (zero), because converting it
needs a rate and a date the statutes leave to the parties (UNCONFIRMED how firms handle it).
The UK bands compare the invoice's amount still due, in GBP, with 1,000 and 10,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ar_sync.collect.policy import Interest, InterestScheme
from ar_sync.money import ZERO, quantize, zero_in

STATUTORY_MARGIN = Decimal(8)  # percentage points over the base/reference rate (UK and EU)
DAYS_PER_YEAR = Decimal(365)
UK_CURRENCY = "GBP"
EU_CURRENCY = "EUR"
EU_FIXED_SUM = Decimal(40)
# (debt under, fixed sum) in GBP; a debt of at least the last bound gets UK_TOP_SUM.
UK_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal(1_000), Decimal(40)),
    (Decimal(10_000), Decimal(70)),
)
UK_TOP_SUM = Decimal(100)


def annual_rate(interest: Interest) -> Decimal:
    """The yearly rate in percent the scheme charges (``Decimal("13.25")`` for 13.25%)."""
    if interest.scheme is InterestScheme.SIMPLE:
        return interest.annual_rate
    if interest.scheme is InterestScheme.UK_STATUTORY:
        return STATUTORY_MARGIN + interest.base_rate
    if interest.scheme is InterestScheme.EU_DIRECTIVE:
        return STATUTORY_MARGIN + interest.reference_rate
    return ZERO


def fixed_sum(amount: Decimal, currency: str, interest: Interest) -> Decimal:
    """The scheme's fixed compensation for one late invoice of ``amount`` in ``currency``
    (unrounded); zero when the scheme has none or the currency is not the scheme's."""
    if interest.scheme is InterestScheme.UK_STATUTORY and currency.upper() == UK_CURRENCY:
        for bound, charge in UK_BANDS:
            if amount < bound:
                return charge
        return UK_TOP_SUM
    if interest.scheme is InterestScheme.EU_DIRECTIVE and currency.upper() == EU_CURRENCY:
        return EU_FIXED_SUM
    return ZERO


def quote(
    amount: Decimal, currency: str, due_date: date, as_of: date, interest: Interest
) -> tuple[Decimal, Decimal]:
    """``(interest, fixed fee)`` on ``amount`` (still due, in ``currency``) overdue since
    ``due_date`` at ``as_of``, both in ``currency`` rounded half-up to its minor unit.

    Zero (``0.00``) for both when the invoice is not overdue (``as_of <= due_date``), nothing
    is due (``amount <= 0``) or the scheme is ``none``.
    """
    days = (as_of - due_date).days
    if days <= 0 or amount <= 0 or interest.scheme is InterestScheme.NONE:
        zero = zero_in(currency)
        return zero, zero
    accrued = amount * annual_rate(interest) * days / (100 * DAYS_PER_YEAR)
    return quantize(accrued, currency), quantize(fixed_sum(amount, currency, interest), currency)
