"""``ar-sync demo``: both ledgers' sandboxes side by side, one aging table, two reconciliations."""

from __future__ import annotations

import re
from decimal import Decimal


def test_demo_shows_both_platforms_and_reconciles_each(cli):
    result = cli("demo", "--customers", "6", "--invoices", "30", "--seed", "3")
    assert result.code == 0, result.out + result.err
    reconciled = re.findall(
        r"Reconciled (.+?) \((xero|quickbooks)\): aging total (-?\d+\.\d\d) (\w{3}) equals the "
        r"ledger's own figure, (-?\d+\.\d\d) \w{3} \([^)]+\); (\d+) of (\d+) customers checked "
        r"one by one: OK",
        result.out.replace("\n", " "),
    )
    assert [platform for _, platform, *_ in reconciled] == ["xero", "quickbooks"]
    for _, _, ours, _, theirs, checked, customers in reconciled:
        assert ours == theirs
        assert int(checked) == min(5, int(customers))  # the largest balances, one by one
    assert "Aged receivables by org" in result.out
    summary = result.out[result.out.index("Aged receivables by org"):]
    flat = " ".join(summary.split())
    for _, platform, total, currency, *_ in reconciled:
        assert format(Decimal(total), ",") in summary  # each org's total in the one table
        assert f"{platform} · {currency}" in flat or f"{platform} · {currency}" in summary
