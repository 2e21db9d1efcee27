"""The chart of accounts: a default one for a company file that has none, and completion.

The default holds the accounts the sandbox's documents use, with the codes, names, types and
reporting codes of Xero's standard chart as the ``POST /Setup`` example in
../shared/specs/xero/xero_accounting.yaml shows them (Sales 200, Accounts Receivable 610 with
``SystemAccount`` ``DEBTORS``, Accounts Payable 800 with ``CREDITORS``). A chart must have exactly
one ``DEBTORS`` account: that is where Xero posts what customers owe.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from ar_sync.sandbox.errors import RecordError
from ar_sync_xero.sandbox.models import Account, Organisation

_NAMESPACE = uuid.UUID("0b5e6f1c-3d2a-4f7e-9c1b-6a8d2e4f5a70")

# Account type -> class; the classes of the spec's Account.Class enum.
CLASS_OF_TYPE = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}


def default_chart(organisation: Organisation) -> tuple[Account, ...]:
    """The accounts a company file without ``Accounts`` gets (ids derived from the org)."""
    accounts = (
        Account(Code="090", Name="Business Bank Account", Type="BANK", TaxType="NONE",
                BankAccountNumber="0000000000", BankAccountType="BANK",
                CurrencyCode=organisation.BaseCurrency, EnablePaymentsToAccount=False),
        Account(Code="200", Name="Sales", Type="REVENUE", TaxType="OUTPUT2",
                ReportingCode="REV.TRA.GOO"),
        Account(Code="610", Name="Accounts Receivable", Type="CURRENT", TaxType="NONE",
                SystemAccount="DEBTORS", ReportingCode="ASS.CUR.REC.TRA"),
        Account(Code="800", Name="Accounts Payable", Type="CURRLIAB", TaxType="NONE",
                SystemAccount="CREDITORS", ReportingCode="LIA.CUR.PAY"),
        Account(Code="820", Name="GST", Type="CURRLIAB", TaxType="NONE", SystemAccount="GST"),
        Account(Code="835", Name="Revenue Received in Advance", Type="CURRLIAB",
                TaxType="NONE"),
    )
    return complete_chart(accounts, organisation)


def complete_chart(accounts: Sequence[Account], organisation: Organisation) -> tuple[Account, ...]:
    """Ids and classes filled in; codes unique; exactly one ``DEBTORS`` account."""
    completed = []
    codes: set[str] = set()
    for index, account in enumerate(accounts):
        if account.Code in codes:
            raise RecordError(f"Accounts[{index}].Code", f"duplicate code {account.Code!r}")
        codes.add(account.Code)
        expected = CLASS_OF_TYPE[account.Type]
        if account.Class not in (None, expected):
            raise RecordError(
                f"Accounts[{index}].Class", f"a {account.Type} account is {expected}"
            )
        account_id = account.AccountID or str(
            uuid.uuid5(_NAMESPACE, f"{organisation.OrganisationID}:{account.Code}")
        )
        completed.append(replace(account, AccountID=account_id, Class=expected))
    debtors = [a for a in completed if a.SystemAccount == "DEBTORS"]
    if len(debtors) != 1:
        raise RecordError("Accounts", f"needs exactly one DEBTORS account, has {len(debtors)}")
    return tuple(completed)


def debtors_account(accounts: Sequence[Account]) -> Account:
    """The accounts receivable system account of a complete chart."""
    return next(a for a in accounts if a.SystemAccount == "DEBTORS")
