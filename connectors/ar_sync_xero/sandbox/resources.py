"""The listable collections of the Accounting API and what each lets a query filter on.

A *row* is what a collection lists: the record itself, except for Payments, whose row also
carries the paid document (its contact and number are filterable and shown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from ar_sync_xero.sandbox.models import Contact, Credit, CreditNote, Invoice, Payment
from ar_sync_xero.sandbox.wire import EPOCH
from ar_sync_xero.sandbox.where import Field, Predicate

FilterBuilder = Callable[[list[str]], Predicate]


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A payment and the invoice or credit note it pays or refunds."""

    payment: Payment
    target: Invoice | CreditNote


@dataclass(frozen=True)
class Resource:
    """One listable collection.

    ``filters`` maps a lower-case comma-list query parameter (``statuses``) to a predicate
    builder; ``paging_triggers`` are the parameters that switch paging on (Xero pages an
    invoice list filtered by ``Statuses`` even without ``page``); ``archived`` marks rows left
    out unless ``includeArchived=true``. ``optimised_where`` / ``optimised_order`` are the
    lower-case fields Xero calls optimised (None: no rule known); on a collection above the
    high-volume threshold a ``where`` or ``order`` on any other field is refused.
    """

    key: str
    type_name: str
    row_id: Callable[[object], str]
    updated: Callable[[object], datetime]
    fields: Mapping[str, Field]
    filters: Mapping[str, FilterBuilder] = field(default_factory=dict)
    paging_triggers: frozenset[str] = frozenset({"page"})
    summary: bool = False
    archived: Callable[[object], bool] | None = None
    optimised_where: frozenset[str] | None = None
    optimised_order: frozenset[str] | None = None


def _in(get: Callable[[object], object], *, fold: bool = True) -> FilterBuilder:
    """Rows whose value is one of a comma list (compared case-insensitively when ``fold``)."""

    def build(values: list[str]) -> Predicate:
        wanted = {v.casefold() if fold else v for v in values}
        return lambda row: (
            (value := get(row)) is not None
            and ((str(value).casefold() if fold else value) in wanted)
        )

    return build


def _search(*getters: Callable[[object], object]) -> FilterBuilder:
    """``searchTerm``: a case-insensitive substring of any of the fields."""

    def build(values: list[str]) -> Predicate:
        term = ",".join(values).casefold()
        return lambda row: any(term in str(get(row) or "").casefold() for get in getters)

    return build


def _document_fields(id_name: str, get_id: Callable[[object], object]) -> dict[str, Field]:
    return {
        id_name.lower(): Field("guid", get_id),
        "type": Field("enum", lambda d: d.Type),
        "status": Field("enum", lambda d: d.Status),
        "contact.contactid": Field("guid", lambda d: d.Contact.ContactID),
        "contact.name": Field("text", lambda d: d.Contact.Name),
        "date": Field("date", lambda d: d.Date),
        "reference": Field("text", lambda d: d.Reference),
        "subtotal": Field("number", lambda d: d.SubTotal),
        "totaltax": Field("number", lambda d: d.TotalTax),
        "total": Field("number", lambda d: d.Total),
        "currencycode": Field("enum", lambda d: d.CurrencyCode),
        "updateddateutc": Field("datetime", lambda d: d.UpdatedDateUTC),
    }


INVOICES = Resource(
    key="Invoices",
    type_name="Invoice",
    row_id=lambda i: i.InvoiceID,
    updated=lambda i: i.UpdatedDateUTC,
    fields={
        **_document_fields("InvoiceID", lambda i: i.InvoiceID),
        "invoicenumber": Field("text", lambda i: i.InvoiceNumber),
        "duedate": Field("date", lambda i: i.DueDate),
        "amountdue": Field("number", lambda i: i.AmountDue),
        "amountpaid": Field("number", lambda i: i.AmountPaid),
        "amountcredited": Field("number", lambda i: i.AmountCredited),
        "fullypaidondate": Field("date", lambda i: i.FullyPaidOnDate),
        "senttocontact": Field("bool", lambda i: i.SentToContact),
    },
    filters={
        "ids": _in(lambda i: i.InvoiceID),
        "invoicenumbers": _in(lambda i: i.InvoiceNumber),
        "contactids": _in(lambda i: i.Contact.ContactID),
        "statuses": _in(lambda i: i.Status),
        "searchterm": _search(lambda i: i.InvoiceNumber, lambda i: i.Reference),
    },
    paging_triggers=frozenset({"page", "statuses"}),
    summary=True,
    # https://developer.xero.com/documentation/api/accounting/invoices ("optimised" filters)
    optimised_where=frozenset(
        {"status", "contact.contactid", "contact.name", "contact.contactnumber", "reference",
         "invoicenumber", "invoiceid", "type", "amountpaid", "date", "amountdue", "duedate"}
    ),
    optimised_order=frozenset({"invoiceid", "updateddateutc", "date"}),
)


def _credits(key: str, type_name: str, id_name: str, **extra: Field) -> Resource:
    get_id: Callable[[Credit], str] = lambda c: c.id
    filters: dict[str, FilterBuilder] = {"references": _in(lambda c: c.Reference)}
    if key == "Prepayments":
        filters["invoicenumbers"] = _in(lambda c: c.InvoiceNumber)
    return Resource(
        key=key,
        type_name=type_name,
        row_id=get_id,  # type: ignore[arg-type]
        updated=lambda c: c.UpdatedDateUTC,
        fields={
            **_document_fields(id_name, get_id),  # type: ignore[arg-type]
            "remainingcredit": Field("number", lambda c: c.RemainingCredit),
            **extra,
        },
        filters=filters,
    )


CREDIT_NOTES = _credits(
    "CreditNotes",
    "CreditNote",
    "CreditNoteID",
    creditnotenumber=Field("text", lambda c: c.CreditNoteNumber),
)
OVERPAYMENTS = _credits("Overpayments", "Overpayment", "OverpaymentID")
PREPAYMENTS = _credits("Prepayments", "Prepayment", "PrepaymentID")

_payment_contact = Field("guid", lambda r: r.target.Contact.ContactID)
_payment_type = Field("enum", lambda r: r.payment.PaymentType)
PAYMENTS = Resource(
    key="Payments",
    type_name="Payment",
    row_id=lambda r: r.payment.PaymentID,
    updated=lambda r: r.payment.UpdatedDateUTC,
    fields={
        "paymentid": Field("guid", lambda r: r.payment.PaymentID),
        "paymenttype": _payment_type,
        "type": _payment_type,  # sandbox alias, so one filter works on every credit resource
        "status": Field("enum", lambda r: r.payment.Status),
        "date": Field("date", lambda r: r.payment.Date),
        "amount": Field("number", lambda r: r.payment.Amount),
        "reference": Field("text", lambda r: r.payment.Reference),
        "isreconciled": Field("bool", lambda r: r.payment.IsReconciled),
        "updateddateutc": Field("datetime", lambda r: r.payment.UpdatedDateUTC),
        "invoice.invoiceid": Field(
            "guid", lambda r: r.payment.Invoice and r.payment.Invoice.InvoiceID
        ),
        "invoice.invoicenumber": Field("text", lambda r: r.payment.Invoice and r.target.number),
        "invoice.contact.contactid": _payment_contact,
        "contact.contactid": _payment_contact,  # sandbox alias, as for "type"
        "creditnote.creditnoteid": Field(
            "guid", lambda r: r.payment.CreditNote and r.payment.CreditNote.CreditNoteID
        ),
    },
)


def _contact_archived(contact: object) -> bool:
    # Left out unless includeArchived=true: "Contacts with a status of ARCHIVED will be included
    # in the response" (GET /Contacts, ../shared/specs/xero/xero_accounting.yaml). Also with
    # IDs= (UNCONFIRMED); a single GET Contacts/{id} is not a list and shows it.
    assert isinstance(contact, Contact)
    return contact.ContactStatus == "ARCHIVED"


CONTACTS = Resource(
    key="Contacts",
    type_name="Contact",
    row_id=lambda c: c.ContactID,
    updated=lambda c: c.UpdatedDateUTC,
    fields={
        "contactid": Field("guid", lambda c: c.ContactID),
        "name": Field("text", lambda c: c.Name),
        "firstname": Field("text", lambda c: c.FirstName),
        "lastname": Field("text", lambda c: c.LastName),
        "emailaddress": Field("text", lambda c: c.EmailAddress),
        "accountnumber": Field("text", lambda c: c.AccountNumber),
        "contactnumber": Field("text", lambda c: c.ContactNumber),
        "contactstatus": Field("enum", lambda c: c.ContactStatus),
        "updateddateutc": Field("datetime", lambda c: c.UpdatedDateUTC),
    },
    filters={
        # IDs: "a comma separated list of ContactIDs" (GET /Contacts in the spec)
        "ids": _in(lambda c: c.ContactID),
        "searchterm": _search(
            lambda c: c.Name,
            lambda c: c.FirstName,
            lambda c: c.LastName,
            lambda c: c.ContactNumber,
            lambda c: c.CompanyNumber,
            lambda c: c.EmailAddress,
        ),
    },
    summary=True,
    archived=_contact_archived,
    # https://developer.xero.com/documentation/api/accounting/contacts ("optimised" filters)
    optimised_where=frozenset({"name", "emailaddress", "accountnumber"}),
    optimised_order=frozenset({"contactid", "updateddateutc", "name"}),
)


def contacts_with_roles(customers: set[str], suppliers: set[str]) -> Resource:
    """``CONTACTS`` with ``IsCustomer`` and ``IsSupplier`` filterable, given who is which.

    Xero lets a ``where`` test them ("Filter by an any element", GET /Contacts in the spec;
    XeroAPI/Xero-NetStandard#604 filters on both) but does not optimise them, so an
    organisation over the high-volume threshold gets a ``HighVolumeException`` (same issue).
    """
    return replace(
        CONTACTS,
        fields={
            **CONTACTS.fields,
            "iscustomer": Field("bool", lambda c: c.ContactID in customers),
            "issupplier": Field("bool", lambda c: c.ContactID in suppliers),
        },
    )


# GET /Accounts: where and order on "any element" (spec), no paging, archived ones listed too.
ACCOUNTS = Resource(
    key="Accounts",
    type_name="Account",
    row_id=lambda a: a.AccountID,
    updated=lambda a: a.UpdatedDateUTC or EPOCH,
    fields={
        "accountid": Field("guid", lambda a: a.AccountID),
        "code": Field("text", lambda a: a.Code),
        "name": Field("text", lambda a: a.Name),
        "type": Field("enum", lambda a: a.Type),
        "status": Field("enum", lambda a: a.Status),
        "class": Field("enum", lambda a: a.Class),
        "systemaccount": Field("enum", lambda a: a.SystemAccount),
        "taxtype": Field("text", lambda a: a.TaxType),
        "reportingcode": Field("text", lambda a: a.ReportingCode),
        "currencycode": Field("enum", lambda a: a.CurrencyCode),
        "bankaccountnumber": Field("text", lambda a: a.BankAccountNumber),
        "enablepaymentstoaccount": Field("bool", lambda a: a.EnablePaymentsToAccount),
        "showinexpenseclaims": Field("bool", lambda a: a.ShowInExpenseClaims),
        "updateddateutc": Field("datetime", lambda a: a.UpdatedDateUTC),
    },
    paging_triggers=frozenset(),  # GET /Accounts has no page parameter (spec)
)

RESOURCES = {
    r.key: r for r in (INVOICES, CREDIT_NOTES, OVERPAYMENTS, PREPAYMENTS, PAYMENTS, CONTACTS)
}
