"""The entities the sandbox serves: names, URL segments, property order, queryable properties.

Entities are kept as QBO JSON objects (dicts, amounts as ``Decimal``). ``ORDER`` is the key
order QBO writes (taken from the recorded responses and the XSD sequences); keys an entity holds
that are not listed follow in their own order. ``QUERYABLE`` maps each property a query may
filter or sort on (canonical dotted name) to its type:

- ``id``: compared and sorted as a number (``Id = '5'``);
- ``str``: exact text for ``=``/``IN``/``<``/``>``; ``LIKE`` is case-insensitive (UNCONFIRMED);
- ``money``: ``Decimal``; ``date``: ``YYYY-MM-DD``; ``datetime``: instants (offsets honoured);
- ``bool``: ``true``/``false``; ``ref``: a ``{"value", "name"}`` compared by ``value`` (as a number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ENTITY_NAMES = ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable")
QUERY_ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo")

_COMMON_QUERYABLE = {
    "Id": "id",
    "MetaData.CreateTime": "datetime",
    "MetaData.LastUpdatedTime": "datetime",
}
_TXN_QUERYABLE = {
    **_COMMON_QUERYABLE,
    "TxnDate": "date",
    "TotalAmt": "money",
    "CustomerRef": "ref",
    "CurrencyRef": "ref",
    "PrivateNote": "str",
}


@dataclass(frozen=True)
class Entity:
    name: str
    order: tuple[str, ...]
    queryable: Mapping[str, str]
    allowed: frozenset[str]  # every property a company file or a write may give

    @property
    def path(self) -> str:
        """The URL segment: ``invoice``, ``creditmemo``."""
        return self.name.lower()


def _entity(name: str, order: tuple[str, ...], queryable: dict[str, str], extra: tuple = ()):
    return Entity(name, order, queryable, frozenset(order + extra + _KNOWN_ELSEWHERE))


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
    {
        **_COMMON_QUERYABLE,
        "DisplayName": "str",
        "CompanyName": "str",
        "GivenName": "str",
        "FamilyName": "str",
        "FullyQualifiedName": "str",
        "PrimaryEmailAddr": "str",
        "Active": "bool",
        "Job": "bool",
        "Balance": "money",
        "BalanceWithJobs": "money",
        "CurrencyRef": "ref",
    },
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
    {
        **_TXN_QUERYABLE,
        "DocNumber": "str",
        "DueDate": "date",
        "Balance": "money",
        "HomeBalance": "money",
        "EmailStatus": "str",
        "PrintStatus": "str",
    },
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
    {**_TXN_QUERYABLE, "DocNumber": "str", "Balance": "money", "RemainingCredit": "money"},
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
    {**_TXN_QUERYABLE, "PaymentRefNum": "str", "UnappliedAmt": "money"},
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
    {**_COMMON_QUERYABLE, "FileName": "str", "Note": "str"},
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
