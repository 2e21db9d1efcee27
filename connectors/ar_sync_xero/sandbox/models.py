"""The records of a company file, in Xero's own PascalCase shapes, as pydantic models.

Records are frozen stdlib dataclasses (cheap to build: the generator makes 100,000 of them);
pydantic validates them when they come from a file (``COMPANY_FILE.validate_python``).
A file holds what ``GET`` responses hold, so a real response can be pasted in: fields Xero
derives or only echoes (``DateString``, ``HasErrors``, ``IsCustomer``, ``Balances`` ...) are
dropped before validation (``without_wire_only``); any other unknown field is an error, so a
typo does not silently vanish. Enumerations are the SDK's own, because a value the SDK does not know
makes it raise ``ValueError`` on the client. Amounts are ``Decimal`` with at most 2 places
(``UnitAmount``: 4) and at most ``MAX_AMOUNT`` either side of zero (``amount_problem``).
Dates accept ``/Date(ms+0000)/`` or ISO ``YYYY-MM-DD[Thh:mm:ss]``.

Fields that the loader derives (``SubTotal``, ``AmountDue``, ``RemainingCredit`` ...) are
optional here; ``company.py`` fills them in and checks the ones a file gives.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, TypeAdapter
from xero_python.accounting.models.account_type import AccountType
from xero_python.accounting.models.country_code import CountryCode
from xero_python.accounting.models.currency_code import CurrencyCode

from ar_sync_xero.sandbox import wire
from ar_sync_xero.timezones import xero_to_iana

WIRE_ONLY_FIELDS = frozenset(
    {
        "Account",
        "AddToWatchlist",
        "AppliedAmount",
        "Attachments",
        "Balances",
        "BatchPayment",
        "BatchPaymentID",
        "CISDeduction",
        "CISRate",
        "ContactGroups",
        "DateString",
        "DueDateString",
        "HasAccount",
        "HasAttachments",
        "HasErrors",
        "HasValidationErrors",
        "ID",
        "InvoiceAddresses",
        "IsCustomer",
        "IsDiscounted",
        "IsSupplier",
        "RepeatingInvoiceID",
        "StatusAttributeString",
        "TotalDiscount",
        "UpdatedDateUTCString",
        "ValidationErrors",
        "Warnings",
    }
)


_GUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _guid(value: object) -> str:
    """A GUID in Xero's canonical form: hyphenated lower-case hex."""
    if isinstance(value, str) and _GUID_RE.fullmatch(value):
        return value.lower()
    if isinstance(value, UUID):
        return str(value)
    raise ValueError(f"not a GUID: {value!r}")


# Xero keeps Total, LineAmount and every other summary amount to 2 decimal places, and UnitAmount
# to 4 (with ``unitdp=4``; 2 without): developer.xero.com/documentation/api-guides/rounding-in-xero
MONEY_PLACES = 2
UNIT_PLACES = 4
# UNCONFIRMED: Xero documents no largest amount. Its OpenAPI document types every amount as a
# ``number`` of ``format: double`` (../shared/specs/xero/xero_accounting.yaml, ``x-is-money``),
# which holds 15 significant digits exactly: 13 before the point with the 2 places after it.
MAX_AMOUNT = Decimal("9999999999999.99")


def amount_problem(value: Decimal, places: int = MONEY_PLACES) -> str | None:
    """Why ``value`` is not an amount Xero holds with at most ``places`` decimal places and at
    most ``MAX_AMOUNT`` either side of zero, or None if it is one."""
    if not value.is_finite() or value.as_tuple().exponent < -places:  # type: ignore[operator]
        return f"not an amount with at most {places} decimal places: {value}"
    if abs(value) > MAX_AMOUNT:
        return f"not an amount Xero holds (at most {MAX_AMOUNT} either way): {value:f}"
    return None


def _two_places(value: Decimal) -> Decimal:
    problem = amount_problem(value)
    if problem:
        raise ValueError(problem)
    return value.quantize(Decimal("0.01"))


def _unit_places(value: Decimal) -> Decimal:
    problem = amount_problem(value, UNIT_PLACES)
    if problem:
        raise ValueError(problem)
    return value


def _positive(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValueError(f"must be greater than 0: {value}")
    return value


def one_of(label: str, values: Iterable[str], *, list_them: bool = True) -> AfterValidator:
    """A validator accepting exactly ``values``; the error names the field's kind and value."""
    allowed = tuple(values)
    expected = f" (expected one of {', '.join(allowed)})" if list_them else ""

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {label} {value!r}{expected}")
        return value

    return AfterValidator(check)


Guid = Annotated[str, BeforeValidator(_guid)]
Money = Annotated[Decimal, AfterValidator(_two_places)]
UnitMoney = Annotated[Decimal, AfterValidator(_unit_places)]
Rate = Annotated[Decimal, AfterValidator(_positive)]
XDate = Annotated[date, BeforeValidator(wire.parse_date)]
XDateTime = Annotated[datetime, BeforeValidator(wire.parse_datetime)]
Currency = Annotated[str, one_of("currency code", [c.value for c in CurrencyCode], list_them=False)]
Country = Annotated[str, one_of("country code", [c.value for c in CountryCode], list_them=False)]
XeroTimezone = Annotated[str, one_of("timezone", xero_to_iana(), list_them=False)]
LineAmountTypesText = Annotated[str, one_of("LineAmountTypes", ["Exclusive", "Inclusive", "NoTax"])]

INVOICE_STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
CREDIT_STATUSES = ("AUTHORISED", "PAID", "VOIDED")
PAYMENT_TYPES = (
    "ACCRECPAYMENT",
    "ACCPAYPAYMENT",
    "ARCREDITPAYMENT",
    "APCREDITPAYMENT",
    "AROVERPAYMENTPAYMENT",
    "ARPREPAYMENTPAYMENT",
    "APPREPAYMENTPAYMENT",
    "APOVERPAYMENTPAYMENT",
)


record = dataclass(frozen=True, slots=True, kw_only=True)


def without_wire_only(data: Any) -> Any:
    """``data`` (decoded JSON) with every ``WIRE_ONLY_FIELDS`` key removed, at any depth."""
    if isinstance(data, dict):
        return {k: without_wire_only(v) for k, v in data.items() if k not in WIRE_ONLY_FIELDS}
    if isinstance(data, list):
        return [without_wire_only(item) for item in data]
    return data


@record
class Record:
    """Base of every file record: immutable; unknown fields are refused."""

    __pydantic_config__ = ConfigDict(extra="forbid")


@record
class Link:
    """A link to another record; everything but the id (and a display name) is ignored."""

    __pydantic_config__ = ConfigDict(extra="ignore")


@record
class ContactRef(Link):
    ContactID: Guid
    Name: str | None = None


@record
class InvoiceRef(Link):
    InvoiceID: Guid
    InvoiceNumber: str | None = None


@record
class CreditNoteRef(Link):
    CreditNoteID: Guid
    CreditNoteNumber: str | None = None


@record
class LineItem(Record):
    """One line. ``LineAmount`` defaults to Quantity x UnitAmount less the discount."""

    LineItemID: Guid | None = None
    Description: str = ""
    Quantity: Decimal = Decimal("1.0000")
    UnitAmount: UnitMoney | None = None
    LineAmount: Money | None = None
    TaxAmount: Money = Decimal("0.00")
    DiscountRate: Decimal | None = None
    AccountCode: str | None = None
    TaxType: str | None = None
    ItemCode: str | None = None


@record
class Payment(Record):
    """A payment on an invoice, or a cash refund of a credit note (``CreditNote`` set)."""

    PaymentID: Guid
    Date: XDate
    Amount: Annotated[Money, AfterValidator(_positive)]
    CurrencyRate: Rate | None = None
    BankAmount: Money | None = None
    Reference: str = ""
    Status: Annotated[str, one_of("Status", ["AUTHORISED", "DELETED"])] = "AUTHORISED"
    PaymentType: Annotated[str, one_of("PaymentType", PAYMENT_TYPES)] | None = None
    IsReconciled: bool = False
    UpdatedDateUTC: XDateTime | None = None
    Invoice: InvoiceRef | None = None
    CreditNote: CreditNoteRef | None = None


@record
class Allocation(Record):
    """Part of a credit applied to an invoice. ``Date`` defaults to the later of both dates."""

    AllocationID: Guid | None = None
    Amount: Annotated[Money, AfterValidator(_positive)]
    Date: XDate | None = None
    Invoice: InvoiceRef
    IsDeleted: bool = False


@record
class Document(Record):
    """What invoices, credit notes, overpayments and prepayments share: parties and totals."""

    Contact: ContactRef
    Date: XDate
    LineAmountTypes: LineAmountTypesText = "Exclusive"
    LineItems: tuple[LineItem, ...] = ()
    SubTotal: Money | None = None
    TotalTax: Money | None = None
    Total: Money | None = None
    CurrencyCode: Currency | None = None
    CurrencyRate: Rate | None = None
    Reference: str | None = None
    UpdatedDateUTC: XDateTime | None = None


@record
class Invoice(Document):
    """A sales invoice (ACCREC) or a bill (ACCPAY).

    ``Payments`` is read from a file and moved to ``Company.payments`` by the loader;
    ``CreditNotes``, ``Prepayments`` and ``Overpayments`` are views of the credits'
    ``Allocations`` and are accepted but ignored.
    """

    InvoiceID: Guid
    Type: Annotated[str, one_of("Type", ["ACCREC", "ACCPAY"])]
    InvoiceNumber: str | None = None
    DueDate: XDate
    Status: Annotated[str, one_of("Status", INVOICE_STATUSES)]
    AmountDue: Money | None = None
    AmountPaid: Money | None = None
    AmountCredited: Money | None = None
    FullyPaidOnDate: XDate | None = None
    SentToContact: bool = False
    ExpectedPaymentDate: XDate | None = None
    PlannedPaymentDate: XDate | None = None
    BrandingThemeID: Guid | None = None
    Url: str | None = None
    Payments: tuple[Payment, ...] = ()
    CreditNotes: tuple[dict[str, Any], ...] = ()
    Prepayments: tuple[dict[str, Any], ...] = ()
    Overpayments: tuple[dict[str, Any], ...] = ()

    @property
    def id(self) -> str:
        return self.InvoiceID

    @property
    def number(self) -> str:
        return self.InvoiceNumber or ""


@record
class Credit(Document):
    """A document that carries credit: ``RemainingCredit`` = Total - allocations - refunds."""

    Status: Annotated[str, one_of("Status", CREDIT_STATUSES)]
    RemainingCredit: Money | None = None
    Allocations: tuple[Allocation, ...] = ()
    Payments: tuple[Payment, ...] = ()
    FullyPaidOnDate: XDate | None = None

    @property
    def id(self) -> str:
        raise NotImplementedError

    @property
    def number(self) -> str:
        return self.Reference or ""

    @property
    def is_receivable(self) -> bool:
        """True for customer credit (it reduces what a customer owes)."""
        raise NotImplementedError


@record
class CreditNote(Credit):
    CreditNoteID: Guid
    CreditNoteNumber: str | None = None
    Type: Annotated[str, one_of("Type", ["ACCRECCREDIT", "ACCPAYCREDIT"])]
    Status: Annotated[str, one_of("Status", INVOICE_STATUSES)]
    DueDate: XDate | None = None
    SentToContact: bool = False

    @property
    def id(self) -> str:
        return self.CreditNoteID

    @property
    def number(self) -> str:
        return self.CreditNoteNumber or ""

    @property
    def is_receivable(self) -> bool:
        return self.Type == "ACCRECCREDIT"


@record
class Overpayment(Credit):
    OverpaymentID: Guid
    Type: Annotated[
        str, one_of("Type", ["RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT", "AROVERPAYMENT"])
    ]

    @property
    def id(self) -> str:
        return self.OverpaymentID

    @property
    def is_receivable(self) -> bool:
        return self.Type != "SPEND-OVERPAYMENT"


@record
class Prepayment(Credit):
    PrepaymentID: Guid
    Type: Annotated[
        str,
        one_of("Type", ["RECEIVE-PREPAYMENT", "SPEND-PREPAYMENT", "ARPREPAYMENT", "APPREPAYMENT"]),
    ]
    InvoiceNumber: str | None = None

    @property
    def id(self) -> str:
        return self.PrepaymentID

    @property
    def is_receivable(self) -> bool:
        return self.Type in ("RECEIVE-PREPAYMENT", "ARPREPAYMENT")


@record
class ContactPerson(Record):
    FirstName: str | None = None
    LastName: str | None = None
    EmailAddress: str | None = None
    IncludeInEmails: bool = False


@record
class Address(Record):
    AddressType: Annotated[str, one_of("AddressType", ["POBOX", "STREET"])]
    AddressLine1: str | None = None
    AddressLine2: str | None = None
    AddressLine3: str | None = None
    AddressLine4: str | None = None
    City: str | None = None
    Region: str | None = None
    PostalCode: str | None = None
    Country: str | None = None
    AttentionTo: str | None = None


@record
class Phone(Record):
    PhoneType: Annotated[str, one_of("PhoneType", ["DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"])]
    PhoneNumber: str | None = None
    PhoneAreaCode: str | None = None
    PhoneCountryCode: str | None = None


@record
class PaymentTerm(Record):
    Day: int
    Type: Annotated[
        str,
        one_of(
            "Type",
            ["DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH"],
        ),
    ]


@record
class PaymentTermSet(Record):
    Sales: PaymentTerm | None = None
    Bills: PaymentTerm | None = None


@record
class Contact(Record):
    """A customer or supplier. ``UpdatedDateUTC`` defaults to its first document's date."""

    ContactID: Guid
    Name: Annotated[str, Field(min_length=1)]
    ContactStatus: Annotated[
        str, one_of("ContactStatus", ["ACTIVE", "ARCHIVED", "GDPRREQUEST"])
    ] = "ACTIVE"
    ContactNumber: str | None = None
    AccountNumber: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    CompanyNumber: str | None = None
    EmailAddress: str | None = None
    TaxNumber: str | None = None
    ContactPersons: Annotated[tuple[ContactPerson, ...], Field(max_length=5)] = ()
    Addresses: tuple[Address, ...] = ()
    Phones: tuple[Phone, ...] = ()
    DefaultCurrency: Currency | None = None
    PaymentTerms: PaymentTermSet | None = None
    Website: str | None = None
    UpdatedDateUTC: XDateTime | None = None

    def email_recipients(self) -> list[str]:
        """Who an invoice email goes to: the contact's address and persons marked to copy."""
        people = [p.EmailAddress for p in self.ContactPersons if p.IncludeInEmails]
        return [address for address in [self.EmailAddress, *people] if address]


SYSTEM_ACCOUNTS = (
    "DEBTORS",
    "CREDITORS",
    "BANKCURRENCYGAIN",
    "GST",
    "GSTONIMPORTS",
    "HISTORICAL",
    "REALISEDCURRENCYGAIN",
    "RETAINEDEARNINGS",
    "ROUNDING",
    "TRACKINGTRANSFERS",
    "UNPAIDEXPCLM",
    "UNREALISEDCURRENCYGAIN",
    "WAGEPAYABLES",
)
ACCOUNT_CLASSES = ("ASSET", "EQUITY", "EXPENSE", "LIABILITY", "REVENUE")


@record
class Account(Record):
    """One account of the chart. ``AccountID`` defaults to an id derived from the organisation
    and ``Code``; ``Class`` to the one its ``Type`` belongs to (``chart.py``)."""

    Code: Annotated[str, Field(min_length=1, max_length=10)]
    Name: Annotated[str, Field(min_length=1, max_length=150)]
    Type: Annotated[str, one_of("Type", [t.value for t in AccountType])]
    AccountID: Guid | None = None
    Status: Annotated[str, one_of("Status", ["ACTIVE", "ARCHIVED"])] = "ACTIVE"
    Class: Annotated[str, one_of("Class", ACCOUNT_CLASSES)] | None = None
    SystemAccount: Annotated[str, one_of("SystemAccount", SYSTEM_ACCOUNTS)] | None = None
    TaxType: str | None = None
    Description: str | None = None
    ReportingCode: str | None = None
    ReportingCodeName: str | None = None
    BankAccountNumber: str | None = None
    BankAccountType: (
        Annotated[str, one_of("BankAccountType", ["BANK", "CREDITCARD", "PAYPAL"])] | None
    ) = None
    CurrencyCode: Currency | None = None
    EnablePaymentsToAccount: bool = False
    ShowInExpenseClaims: bool = False
    UpdatedDateUTC: XDateTime | None = None


@record
class Organisation(Record):
    """The tenant. ``OrganisationID`` is the tenant id the API is called with."""

    OrganisationID: Guid
    Name: Annotated[str, Field(min_length=1)]
    LegalName: str | None = None
    BaseCurrency: Currency
    CountryCode: Country
    Timezone: XeroTimezone
    ShortCode: str | None = None
    Version: (
        Annotated[
            str,
            one_of(
                "Version",
                [
                    "AU",
                    "NZ",
                    "GLOBAL",
                    "UK",
                    "US",
                    "AUONRAMP",
                    "NZONRAMP",
                    "GLOBALONRAMP",
                    "UKONRAMP",
                    "USONRAMP",
                ],
            ),
        ]
        | None
    ) = None
    OrganisationType: Annotated[
        str,
        one_of(
            "OrganisationType",
            [
                "ACCOUNTING_PRACTICE",
                "COMPANY",
                "CHARITY",
                "CLUB_OR_SOCIETY",
                "INDIVIDUAL",
                "NOT_FOR_PROFIT",
                "PARTNERSHIP",
                "SOLE_TRADER",
                "TRUST",
            ],
        ),
    ] = "COMPANY"
    PaysTax: bool = True
    IsDemoCompany: bool = False
    OrganisationStatus: str = "ACTIVE"
    FinancialYearEndDay: Annotated[int, Field(ge=1, le=31)] = 31
    FinancialYearEndMonth: Annotated[int, Field(ge=1, le=12)] = 3
    CreatedDateUTC: XDateTime | None = None


@record
class CompanyFile(Record):
    """A whole company file; only ``Organisation`` is required."""

    Organisation: Organisation
    Contacts: tuple[Contact, ...] = ()
    Invoices: tuple[Invoice, ...] = ()
    CreditNotes: tuple[CreditNote, ...] = ()
    Overpayments: tuple[Overpayment, ...] = ()
    Prepayments: tuple[Prepayment, ...] = ()
    Payments: tuple[Payment, ...] = ()
    Accounts: tuple[Account, ...] = ()  # none: the default chart (``chart.default_chart``)


COMPANY_FILE = TypeAdapter(CompanyFile)
INVOICE = TypeAdapter(Invoice)
CONTACT = TypeAdapter(Contact)
