"""The entities the sandbox serves: names, URL segments, property order, known properties.

Entities are kept as QBO JSON objects (dicts, amounts as ``Decimal``). ``ORDER`` is the key
order QBO writes (taken from the recorded responses and the XSD sequences); keys an entity holds
that are not listed follow in their own order. What a query may filter or sort on is in
``queryable.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ENTITY_NAMES = ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable")
QUERY_ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo")


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
