"""A reconciliation for a person: the verdict first, then what differs and why it may.

Pure: takes the ``Reconciliation`` that ``ar_sync.aging.reconcile`` found and returns plain lines
(the CLI and the demo print them unwrapped, so a long line copies whole).
"""

from __future__ import annotations

from decimal import Decimal

from ar_sync.aging.reconcile import Reconciliation
from ar_sync.money import format_amount


def reconciliation_lines(outcome: Reconciliation) -> list[str]:
    """Plain lines for a person: the verdict first (``Reconciled ...: OK`` or ``MISMATCH ...``),
    then each customer that differs, what was not checked, and why the ledger may differ."""
    currency = outcome.org.base_currency

    def money(amount: Decimal) -> str:
        return f"{format_amount(amount, currency, grouped=True)} {currency}"

    head = f"{outcome.org.name} ({outcome.org.platform})"
    ledger = f"{money(outcome.ledger.amount)} ({outcome.ledger.source})"
    checked = len(outcome.checked)
    customers = f"{checked} of {checked + outcome.unchecked} customers checked one by one"
    if outcome.matches:
        lines = [
            f"Reconciled {head}: aging total {money(outcome.ours)} equals the ledger's own "
            f"figure, {ledger}; {customers}: OK"
        ]
    else:
        lines = [
            f"MISMATCH {head}: aging total {money(outcome.ours)}, the ledger's own figure "
            f"{ledger}, difference {money(outcome.difference)}; {customers}, "
            f"{len(outcome.mismatches)} differ"
        ]
        if outcome.difference and outcome.ledger.note:
            lines.append(f"  {outcome.ledger.note}")
    for check in outcome.mismatches:
        lines.append(
            f"  {check.name}: ours {money(check.ours)}, ledger {money(check.theirs)}, "
            f"difference {money(check.ours - check.theirs)}"
        )
    return lines
