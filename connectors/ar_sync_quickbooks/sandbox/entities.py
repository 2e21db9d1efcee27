"""The entities the sandbox serves: names, URL segments, property order, known properties.

Entities are kept as QBO JSON objects (dicts, amounts as ``Decimal``). ``ORDER`` is the key
order QBO writes (taken from the recorded responses and the XSD sequences); keys an entity holds
that are not listed follow in their own order. What a query may filter or sort on is in
``queryable.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# Intuit's reference gives line amounts (Invoice and CreditMemo sales lines, Payment lines) as
# "Decimal, Max 15 digits in 10.5 format": developer.intuit.com/app/developer/qbo/docs/api/
# accounting/all-entities/invoice (and .../payment), Line.Amount. The sandbox holds every amount
# to it (TotalAmt, Balance, TotalTax ... have no documented format of their own: UNCONFIRMED).
AMOUNT_INTEGER_DIGITS = 10
AMOUNT_PLACES = 5
MAX_AMOUNT = Decimal(10) ** AMOUNT_INTEGER_DIGITS - Decimal(1).scaleb(-AMOUNT_PLACES)


def amount_problem(amount: Decimal) -> str | None:
    """Why ``amount`` does not fit QBO's 10.5 format (at most 10 digits before the point and 5
    after), or None if it does."""
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or exponent < -AMOUNT_PLACES:  # type: ignore[operator]
        return f"must be an amount with at most {AMOUNT_PLACES} decimal places, got {amount}"
    if abs(amount) > MAX_AMOUNT:
        return (
            f"must be an amount with at most {AMOUNT_INTEGER_DIGITS} digits before the decimal "
            f"point, got {amount:f}"
        )
    return None


ENTITY_NAMES = ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable")
# Attachable is queried by the entity it is linked to (Intuit's Attachable page, "Query an
# attachable"; abossenbroek/qbo-mcp qbo-api-docs/entities/attachable.md).
QUERY_ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable")


@dataclass(frozen=True)
class Entity:
    name: str
    order: tuple[str, ...]
    allowed: frozenset[str]  # every property a company file or a write may give

    @property
    def path(self) -> str:
        """The URL segment: ``invoice``, ``creditmemo``."""
        return self.name.lower()


def _entity(name: str, order: tuple[str, ...], extra: tuple = ()) -> Entity:
    return Entity(name, order, frozenset(order + extra + _KNOWN_ELSEWHERE))


# Properties QBO knows (the recorded 2010 fault lists Invoice's; the XSD the others) that the
# sandbox keeps as given without using them. python-quickbooks objects send several of them.
_KNOWN_ELSEWHERE = (
    "TxnSource",
    "RecurringInfo",
    "AutoDocNumber",
    "TaxFormNum",
    "FOB",
    "ClassRef",
    "DepositToAccountRef",
    "InvoiceEx",
    "InvoiceLink",
    "PONumber",
    "ShipDate",
    "PaymentMethodRef",
    "TrackingNum",
    "ShipFromAddr",
    "EInvoiceStatus",
    "RecurDataRef",
    "DepartmentRef",
    "SalesRepRef",
    "TaxFormType",
    "LessCIS",
    "TxnStatus",
    "ConvenienceFeeDetail",
    "DiscountRate",
    "FreeFormAddress",
    "PaymentDetailsMessage",
    "TransactionLocationType",
    "RemitToRef",
    "ShipMethodRef",
    "Tag",
    "TxnApprovalInfo",
    "GlobalTaxCalculation",
    "ProjectRef",
    "IsProject",
    "OpenBalanceDate",
    "PrimaryTaxIdentifier",
    "ResaleNum",
    "SecondaryTaxIdentifier",
    "ARAccountRef",
    "BusinessNumber",
    "CustomerTypeRef",
    "DefaultTaxCodeRef",
    "Fax",
    "AlternatePhone",
    "OtherContactInfo",
    "PaymentMethodRef",
    "TaxExemptionReasonId",
    "GSTIN",
    "GSTRegistrationType",
    "Source",
    "CreditCardPayment",
    "TxnId",
    "CustomerMemo",
    "Deposit",
    "BillEmailCc",
    "BillEmailBcc",
    "DeliveryInfo",
    "SalesTermRef",
    "PrintStatus",
    "EmailStatus",
    "CustomField",
    "ExchangeRate",
    "LinkedTxn",
)


CUSTOMER = _entity(
    "Customer",
    (
        "Taxable",
        "BillAddr",
        "ShipAddr",
        "Notes",
        "Job",
        "BillWithParent",
        "ParentRef",
        "Level",
        "SalesTermRef",
        "Balance",
        "BalanceWithJobs",
        "CurrencyRef",
        "PreferredDeliveryMethod",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        "Title",
        "GivenName",
        "MiddleName",
        "FamilyName",
        "Suffix",
        "FullyQualifiedName",
        "CompanyName",
        "DisplayName",
        "PrintOnCheckName",
        "Active",
        "PrimaryPhone",
        "Mobile",
        "PrimaryEmailAddr",
        "WebAddr",
        "DefaultTaxCodeRef",
    ),
)

_SALES_DOC = (
    "AllowIPNPayment",
    "AllowOnlinePayment",
    "AllowOnlineCreditCardPayment",
    "AllowOnlineACHPayment",
    "domain",
    "sparse",
    "status",
    "Id",
    "SyncToken",
    "MetaData",
    "CustomField",
    "DocNumber",
    "TxnDate",
    "CurrencyRef",
    "ExchangeRate",
    "PrivateNote",
    "LinkedTxn",
    "Line",
    "TxnTaxDetail",
    "CustomerRef",
    "CustomerMemo",
    "BillAddr",
    "ShipAddr",
    "SalesTermRef",
    "DueDate",
    "TotalAmt",
    "HomeTotalAmt",
    "ApplyTaxAfterDiscount",
    "PrintStatus",
    "EmailStatus",
    "BillEmail",
    "BillEmailCc",
    "BillEmailBcc",
    "Balance",
    "HomeBalance",
    "RemainingCredit",
    "DeliveryInfo",
    "Deposit",
)

INVOICE = _entity(
    "Invoice",
    tuple(k for k in _SALES_DOC if k != "RemainingCredit"),
    ("GlobalTaxCalculation", "ShipDate", "TrackingNum", "ClassRef", "DepartmentRef", "TxnSource"),
)

CREDIT_MEMO = _entity(
    "CreditMemo",
    tuple(
        k
        for k in _SALES_DOC
        if k
        not in (
            "AllowIPNPayment",
            "AllowOnlinePayment",
            "AllowOnlineCreditCardPayment",
            "AllowOnlineACHPayment",
            "DueDate",
            "Deposit",
            "LinkedTxn",
        )
    ),
    ("GlobalTaxCalculation", "ClassRef", "DepartmentRef"),
)

PAYMENT = _entity(
    "Payment",
    (
        "domain",
        "sparse",
        "status",
        "Id",
        "SyncToken",
        "MetaData",
        "TxnDate",
        "CurrencyRef",
        "ExchangeRate",
        "PrivateNote",
        "Line",
        "CustomerRef",
        "DepositToAccountRef",
        "PaymentMethodRef",
        "PaymentRefNum",
        "TotalAmt",
        "UnappliedAmt",
        "ProcessPayment",
    ),
)

ATTACHABLE = _entity(
    "Attachable",
    (
        "FileName",
        "FileAccessUri",
        "TempDownloadUri",
        "Size",
        "ContentType",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
        "Note",
        "AttachableRef",
        "Category",
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e for e in (CUSTOMER, INVOICE, PAYMENT, CREDIT_MEMO, ATTACHABLE)
}
BY_PATH: dict[str, Entity] = {e.path: e for e in ENTITIES.values()}

CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "British Pound Sterling",
    "CAD": "Canadian Dollar",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "JPY": "Japanese Yen",
    "CHF": "Swiss Franc",
    "MXN": "Mexican Peso",
    "INR": "Indian Rupee",
}


def ordered(entity: Entity, record: Mapping[str, object]) -> dict[str, object]:
    """``record`` with QBO's key order and without properties that have no value (None)."""
    out = {key: record[key] for key in entity.order if record.get(key) is not None}
    for key, value in record.items():
        if key not in out and value is not None and key not in entity.order:
            out[key] = value
    return out
