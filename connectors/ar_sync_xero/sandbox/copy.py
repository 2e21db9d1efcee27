"""An org's synced books as a Xero sandbox company document (``ar-sync rehearse``).

``company_from_records`` writes the records ar-sync stored for a Xero org in the company-file
shape ``company.py`` loads (Xero's own JSON shapes), with the same ``OrganisationID``,
``ContactID``, ``InvoiceID``, numbers, dates, currencies and rates, so the sandbox's tenant is
the org and every open balance is the one stored. What the store does not keep is made up as
``ar_sync.sandbox.books_copy`` says (one line per invoice, one payment for what was paid down).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ar_sync.domain import Credit, CreditKind, Customer, Invoice, Org
from ar_sync.sandbox.books_copy import (
    country_of_timezone,
    made_up_guid,
    paid_down,
    paid_down_on,
)
from ar_sync_xero.timezones import xero_to_iana

# (company-file collection, id field, Type) of each customer credit kind Xero has.
_CREDITS = {
    CreditKind.CREDIT_NOTE: ("CreditNotes", "CreditNoteID", "ACCRECCREDIT"),
    CreditKind.OVERPAYMENT: ("Overpayments", "OverpaymentID", "RECEIVE-OVERPAYMENT"),
    CreditKind.PREPAYMENT: ("Prepayments", "PrepaymentID", "RECEIVE-PREPAYMENT"),
}


def xero_timezone(iana: str) -> str:
    """The Xero ``Timezone`` value standing for an IANA zone (the first in the SDK's order);
    ``UTC`` when Xero has none for it."""
    for value, zone in xero_to_iana().items():
        if zone == iana:
            return value
    return "UTC"


def company_from_records(
    org: Org,
    customers: Sequence[Customer],
    invoices: Sequence[Invoice],
    credits: Sequence[Credit],
) -> dict[str, Any]:
    """A company document of ``org``'s books: every customer, each open invoice (its
    ``payments`` give the made-up payment's date) and each open credit. Amounts stay
    ``Decimal``; dates are ISO strings."""
    document: dict[str, Any] = {
        "Organisation": {
            "OrganisationID": org.tenant_id,
            "Name": org.name,
            "BaseCurrency": org.base_currency,
            # The sandbox's own display only: the planner takes the country from the policy
            # or the org's timezone (ar_sync.collect.books).
            "CountryCode": country_of_timezone(org.timezone, "NZ"),
            "Timezone": xero_timezone(org.timezone),
        },
        "Contacts": [_contact(customer) for customer in customers],
        "Invoices": [_invoice(org, invoice) for invoice in invoices],
        "Payments": [
            _payment(org, invoice) for invoice in invoices if paid_down(invoice) > 0
        ],
    }
    for kind, (collection, id_field, kind_type) in _CREDITS.items():
        document[collection] = [
            _credit(org, credit, id_field, kind_type) for credit in credits if credit.kind == kind
        ]
    return document


def _contact(customer: Customer) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "ContactID": customer.customer_id,
        "Name": customer.name,
        "ContactStatus": "ACTIVE" if customer.is_active else "ARCHIVED",
    }
    if customer.email:
        contact["EmailAddress"] = customer.email
    return contact


def _currency(org: Org, currency: str, rate: Decimal) -> dict[str, Any]:
    if currency == org.base_currency:
        return {"CurrencyCode": currency}
    return {"CurrencyCode": currency, "CurrencyRate": rate}  # document units per base unit


def _invoice(org: Org, invoice: Invoice) -> dict[str, Any]:
    return {
        "InvoiceID": invoice.invoice_id,
        "Type": "ACCREC",
        "InvoiceNumber": invoice.number or None,
        "Contact": {"ContactID": invoice.customer_id},
        "Date": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {
                "Description": "Balance as synced",
                "Quantity": Decimal(1),
                "UnitAmount": invoice.total,
                "AccountCode": "200",
                "TaxType": "ZERORATEDOUTPUT",
            }
        ],
        **_currency(org, invoice.currency, invoice.fx_rate),
    }


def _payment(org: Org, invoice: Invoice) -> dict[str, Any]:
    payment: dict[str, Any] = {
        "PaymentID": made_up_guid("payment", invoice.invoice_id),
        "Date": paid_down_on(invoice).isoformat(),
        "Amount": paid_down(invoice),
        "Reference": "Paid before the copy",
        "Invoice": {"InvoiceID": invoice.invoice_id},
    }
    if invoice.currency != org.base_currency:
        payment["CurrencyRate"] = invoice.fx_rate
    return payment


def _credit(org: Org, credit: Credit, id_field: str, kind_type: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        id_field: credit.credit_id,
        "Type": kind_type,
        "Contact": {"ContactID": credit.customer_id},
        "Date": credit.date.isoformat(),
        "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "Total": credit.remaining,
        **_currency(org, credit.currency, credit.fx_rate),
    }
    if credit.kind == CreditKind.CREDIT_NOTE:
        document["CreditNoteNumber"] = credit.number or None
        document["LineItems"] = [
            {
                "Description": "Credit as synced",
                "Quantity": Decimal(1),
                "UnitAmount": credit.remaining,
                "AccountCode": "200",
                "TaxType": "ZERORATEDOUTPUT",
            }
        ]
        del document["Total"]
    else:
        document["Reference"] = credit.number or None
    return document
