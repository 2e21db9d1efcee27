"""What every ledger's copy of synced books into its sandbox shares (``ar-sync rehearse``).

A ledger's ``copy.py`` turns an org's stored records (``ar_sync.domain``: customers, open
invoices, open credits) into a company document its sandbox loads, keeping every id, number,
date, currency, rate and balance, so a rehearsal plans and writes against the same books the
user sees. What the store does not keep is made up plainly and said here:

- an invoice's lines: one line of its total (tax and items are not stored);
- what already reduced an open invoice (payments, credits applied): one payment of
  ``total - amount_due`` dated on the invoice's latest payment, else its issue date;
- an open credit: a document of its remaining amount, nothing applied;
- the organisation's country: from its timezone (tzdata's ``zone.tab``), else a default.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from ar_sync.domain import Invoice

# A fixed namespace, so the made-up ids of one org's copy are the same on every run.
_NAMESPACE = uuid.UUID("5b0c7d3e-8f1a-4c2b-9d6e-1a2b3c4d5e6f")


def made_up_guid(*parts: str) -> str:
    """A stable GUID for a record the copy makes up (e.g. ``("payment", invoice_id)``)."""
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def country_of_timezone(timezone: str, fallback: str) -> str:
    """The ISO 3166 country of an IANA ``timezone`` (``ar_sync.collect.calendar``), or
    ``fallback`` for a zone no country owns (UTC and the like)."""
    from ar_sync.collect.calendar import country_of_timezone as zone_country

    return zone_country(timezone) or fallback


def paid_down(invoice: Invoice) -> Decimal:
    """What already reduced an open invoice: ``total - amount_due`` (>= 0, its currency)."""
    return max(invoice.total - invoice.amount_due, Decimal(0))


def paid_down_on(invoice: Invoice) -> date:
    """The day the made-up payment of ``paid_down`` is dated: the invoice's latest stored
    payment, else its issue date."""
    days = [allocation.date for allocation in invoice.payments or ()]
    return max([invoice.issue_date, *days])


def customer_currencies(documents: Iterable[tuple[str, str]], home: str) -> dict[str, str]:
    """customer_id -> the currency their documents are in (``(customer_id, currency)``
    pairs); a customer with none is left out (the ledger's home currency applies)."""
    found: dict[str, str] = {}
    for customer_id, currency in documents:
        if currency != home:
            found.setdefault(customer_id, currency)
    return found
