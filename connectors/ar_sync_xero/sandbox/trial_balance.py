"""``GET /Reports/TrialBalance?date=&paymentsOnly=``: the receivables account, from the books.

Xero's accounts receivable system account (``SystemAccount`` ``DEBTORS``) always equals the sum
of the approved sales invoices still owed (help.xero.com/nz/Q_Accruals_ARAP); credit notes and
overpayments are posted to it (community.xero.com/business/discussion/54943054); a prepayment
is not until it is applied to an invoice (help.xero.com/nz/CustomerStatements-Prepayments): it
goes to the account on its lines (help.xero.com/us/BankAccounts_Details_Prepayment).
So at the report date ``D`` the account's balance is, in base currency:

- the ``Due`` of every customer invoice, credit note and overpayment outstanding at ``D``, as
  ``AgedReceivablesByContact`` computes it from payments and allocations dated on or before
  ``D`` (``reports.receivable_lines``: credits negative, each document converted at its own
  rate and rounded to the cent; UNCONFIRMED: Xero revalues open foreign amounts at the
  report date, which the sandbox, having no rate feed, does not);
- leaving out unapplied prepayments.

The report has the real one's shape (the 200 example of GET /Reports/TrialBalance in
../shared/specs/xero/xero_accounting.yaml): a ``Header`` row ``Account, Debit, Credit, YTD
Debit, YTD Credit``, a ``Section`` per account class, each account's ``Row`` labelled
``Name (Code)`` with the attribute ``account`` = its ``AccountID`` on every cell, and a final
``Section`` holding the ``Total`` ``SummaryRow``. ``YTD`` is the balance at ``D`` (for
balance-sheet accounts it includes earlier years); ``Debit``/``Credit`` is the movement in the
month of ``D`` (help.xero.com/nz/Report_TrialBalance), on the side of its sign (zero on the
balance's side); the other cell is empty. An account with neither is left out (same page).

The sandbox keeps no general ledger, so the receivables account is the only account listed
(UNCONFIRMED as a whole report: Xero's lists every account with a balance). With
``paymentsOnly=true`` (cash basis) there are no receivables, so it is left out (UNCONFIRMED).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.chart import debtors_account
from ar_sync_xero.sandbox.company import Company
from ar_sync_xero.sandbox.ledger import ZERO
from ar_sync_xero.sandbox.models import Account
from ar_sync_xero.sandbox.reports import long_date, receivable_lines

HEADER = ("Account", "Debit", "Credit", "YTD Debit", "YTD Credit")
_SECTIONS = {"REVENUE": "Revenue", "EXPENSE": "Expenses", "ASSET": "Assets",
             "LIABILITY": "Liabilities", "EQUITY": "Equity"}


def receivables_balance(company: Company, day: date) -> Decimal:
    """The receivables account's balance at the end of ``day`` (see the module docstring)."""
    return sum(
        (
            line.due
            for lines in receivable_lines(company, day).values()
            for line in lines
            if line.attribute != "prepaymentID"
        ),
        ZERO,
    )


def trial_balance_report(
    company: Company, *, report_date: date, payments_only: bool, now: datetime
) -> dict[str, object]:
    """The report object (one element of ``Reports``)."""
    rows: list[dict[str, object]] = [
        {"RowType": "Header", "Cells": [{"Value": title} for title in HEADER]}
    ]
    totals = [ZERO, ZERO, ZERO, ZERO]
    account = debtors_account(company.accounts)
    if not payments_only:
        balance = receivables_balance(company, report_date)
        month_start = report_date.replace(day=1)
        movement = balance - receivables_balance(company, month_start - timedelta(days=1))
        if balance or movement:
            cells = [*_sides(movement, balance), *_sides(balance, balance)]
            totals = [t + (c or ZERO) for t, c in zip(totals, cells, strict=True)]
            rows.append(_section(_SECTIONS[account.Class or "ASSET"], [_row(account, cells)]))
    rows.append(
        _section(
            "",
            [{"RowType": "SummaryRow",
              "Cells": [{"Value": "Total"}, *({"Value": _amount(t)} for t in totals)]}],
        )
    )
    return {
        "ReportName": "Trial Balance",
        "ReportType": "TrialBalance",
        "ReportTitles": [
            "Trial Balance",
            company.organisation.Name,
            f"As at {long_date(report_date)}",
        ],
        "ReportDate": long_date(report_date),
        "UpdatedDateUTC": wire.ms_datetime(now),
        "Fields": [],
        "Rows": rows,
    }


def _sides(amount: Decimal, balance: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """``(debit, credit)`` cells of ``amount``: its sign's side, zero on ``balance``'s side."""
    debit = amount > 0 or (amount == 0 and balance >= 0)
    return (amount, None) if debit else (None, -amount)


def _row(account: Account, cells: list[Decimal | None]) -> dict[str, object]:
    attributes = [{"Value": account.AccountID, "Id": "account"}]
    values = [f"{account.Name} ({account.Code})", *(_amount(c) for c in cells)]
    return {"RowType": "Row", "Cells": [{"Value": v, "Attributes": attributes} for v in values]}


def _section(title: str, rows: list[dict[str, object]]) -> dict[str, object]:
    return {"RowType": "Section", "Title": title, "Rows": rows}


def _amount(value: Decimal | None) -> str:
    return "" if value is None else wire.decimal_text(value.quantize(Decimal("0.01")))
