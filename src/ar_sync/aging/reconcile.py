"""Reconciliation: our aging, computed from the synced store, against the ledger's own figures.

Two checks, chosen so a reconciliation costs a handful of calls whatever the org's size:

- **the org**: our aging total against the ledger's own receivables total at the same date
  (``Connector.reported_total``: one report call);
- **customers one by one**, only those the user names, plus a sample of the largest balances
  (``Connector.reported_balances``, which may cost a call per customer: Xero).

Every amount is in the org's base currency, at the end of ``aging.report.as_of``. The verdict
for a person is ``ar_sync.views.reconciliation``; ``ar_sync.jobs.reconcile_org`` runs it for a
stored org.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ar_sync.domain import Org, OrgAging

if TYPE_CHECKING:  # annotations only: the CLI imports this module for DEFAULT_SAMPLE
    from ar_sync.connector import Connector, LedgerTotal

DEFAULT_SAMPLE = 5


@dataclass(frozen=True, slots=True)
class CustomerCheck:
    """One customer's balance, ours and the ledger's."""

    customer_id: str
    name: str
    ours: Decimal
    theirs: Decimal

    @property
    def matches(self) -> bool:
        return self.ours == self.theirs


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What a reconciliation found. ``unchecked`` counts the customers with a balance (ours)
    that were not compared one by one."""

    org: Org
    ours: Decimal
    ledger: LedgerTotal
    checked: tuple[CustomerCheck, ...]
    unchecked: int

    @property
    def mismatches(self) -> tuple[CustomerCheck, ...]:
        return tuple(check for check in self.checked if not check.matches)

    @property
    def difference(self) -> Decimal:
        """Ours less the ledger's, for the whole org."""
        return self.ours - self.ledger.amount

    @property
    def matches(self) -> bool:
        return self.difference == 0 and not self.mismatches


def customers_to_check(
    aging: OrgAging, named: Sequence[str] = (), *, sample: int = DEFAULT_SAMPLE
) -> list[str]:
    """The customer ids to compare one by one: ``named`` first (ids, as given), then the
    ``sample`` largest balances by absolute total (ties by id), without repeats."""
    chosen = list(dict.fromkeys(named))
    by_size = sorted(aging.report.customers, key=lambda c: (-abs(c.total), c.customer_id))
    for customer in by_size:
        if sample <= 0:
            break
        if customer.customer_id not in chosen:
            chosen.append(customer.customer_id)
            sample -= 1
    return chosen


def reconcile(connector: Connector, aging: OrgAging, customer_ids: Sequence[str]) -> Reconciliation:
    """Compare ``aging`` with the ledger: the org's total (one report), and each of
    ``customer_ids`` one by one. Reads the ledger; changes nothing."""
    as_of = aging.report.as_of
    ledger = connector.reported_total(as_of=as_of)
    ours = {customer.customer_id: customer.total for customer in aging.report.customers}
    theirs = connector.reported_balances(list(customer_ids), as_of=as_of) if customer_ids else {}
    checked = tuple(
        CustomerCheck(
            customer_id=cid,
            name=aging.customer_names.get(cid, cid),
            ours=ours.get(cid, Decimal(0)),
            theirs=theirs.get(cid, Decimal(0)),
        )
        for cid in customer_ids
    )
    with_balance = {cid for cid, total in ours.items() if total != 0}
    return Reconciliation(
        org=connector.org,
        ours=aging.report.total,
        ledger=ledger,
        checked=checked,
        unchecked=len(with_balance - set(customer_ids)),
    )
