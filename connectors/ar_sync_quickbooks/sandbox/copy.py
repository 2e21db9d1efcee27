"""An org's synced books as a QuickBooks sandbox company document (``ar-sync rehearse``).

``company_from_records`` writes the records ar-sync stored for a QuickBooks company in the
company-file shape ``company.py`` loads (QBO's own JSON shapes), with the same ``realmId``,
customer, invoice, credit memo and payment ``Id``s, numbers, dates, currencies and rates, so the
sandbox's realm is the org and every open balance is the one stored. What the store does not
keep is made up as ``ar_sync.sandbox.books_copy`` says: one line per document (``company.py``
gives a document with ``TotalAmt`` and no lines one "Services" line) and one payment for what
was paid down, numbered after the highest payment id copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ar_sync.domain import Credit, CreditKind, Customer, Invoice, Org
from ar_sync.sandbox.books_copy import (
    country_of_timezone,
    customer_currencies,
    paid_down,
    paid_down_on,
)


def company_from_records(
    org: Org,
    customers: Sequence[Customer],
    invoices: Sequence[Invoice],
    credits: Sequence[Credit],
) -> dict[str, Any]:
    """A company document of ``org``'s books: every customer (in the currency of their
    documents), each open invoice, each open credit memo and unapplied payment. Amounts stay
    ``Decimal``; dates are ISO strings."""
    home = org.base_currency
    currencies = customer_currencies(
        [(i.customer_id, i.currency) for i in invoices]
        + [(c.customer_id, c.currency) for c in credits],
        home,
    )
    emails = {c.customer_id: c.email for c in customers if c.email}
    payments = [_unapplied(org, c) for c in credits if c.kind == CreditKind.PAYMENT]
    next_id = 1 + max([0, *(int(p["Id"]) for p in payments if str(p["Id"]).isdigit())])
    for invoice in invoices:
        if paid_down(invoice) > 0:
            payments.append(_paid_down(org, invoice, str(next_id)))
            next_id += 1
    return {
        "realmId": org.tenant_id,
        "CompanyInfo": {
            "CompanyName": org.name,
            "Country": country_of_timezone(org.timezone, "US"),
            "DefaultTimeZone": org.timezone,
        },
        "Preferences": {
            "CurrencyPrefs": {"MultiCurrencyEnabled": bool(currencies),
                              "HomeCurrency": {"value": home}},
        },
        "Customer": [_customer(c, currencies.get(c.customer_id, home)) for c in customers],
        "Invoice": [_invoice(org, i, emails.get(i.customer_id)) for i in invoices],
        "CreditMemo": [
            _credit_memo(org, c) for c in credits if c.kind == CreditKind.CREDIT_NOTE
        ],
        "Payment": payments,
    }


def _customer(customer: Customer, currency: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": customer.customer_id,
        "DisplayName": customer.name,
        "Active": customer.is_active,
        "CurrencyRef": {"value": currency},
    }
    if customer.email:
        record["PrimaryEmailAddr"] = {"Address": customer.email}
    return record


def _money(org: Org, currency: str, rate: Decimal) -> dict[str, Any]:
    if currency == org.base_currency:
        return {}
    return {"CurrencyRef": {"value": currency}, "ExchangeRate": rate}  # home per foreign unit


def _invoice(org: Org, invoice: Invoice, email: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": invoice.invoice_id,
        "TxnDate": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "CustomerRef": {"value": invoice.customer_id},
        "TotalAmt": invoice.total,
        **_money(org, invoice.currency, invoice.fx_rate),
    }
    if invoice.number:
        record["DocNumber"] = invoice.number
    if email:  # where QBO's invoice/{id}/send goes
        record["BillEmail"] = {"Address": email}
    return record


def _credit_memo(org: Org, credit: Credit) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": credit.credit_id,
        "TxnDate": credit.date.isoformat(),
        "CustomerRef": {"value": credit.customer_id},
        "TotalAmt": credit.remaining,
        **_money(org, credit.currency, credit.fx_rate),
    }
    if credit.number:
        record["DocNumber"] = credit.number
    return record


def _unapplied(org: Org, credit: Credit) -> dict[str, Any]:
    """A received payment's unapplied part, as a payment of that amount with no lines."""
    return {
        "Id": credit.credit_id,
        "TxnDate": credit.date.isoformat(),
        "CustomerRef": {"value": credit.customer_id},
        "TotalAmt": credit.remaining,
        **_money(org, credit.currency, credit.fx_rate),
    }


def _paid_down(org: Org, invoice: Invoice, payment_id: str) -> dict[str, Any]:
    amount = paid_down(invoice)
    return {
        "Id": payment_id,
        "TxnDate": paid_down_on(invoice).isoformat(),
        "CustomerRef": {"value": invoice.customer_id},
        "TotalAmt": amount,
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice.invoice_id,
                                                    "TxnType": "Invoice"}]}],
        **_money(org, invoice.currency, invoice.fx_rate),
    }
