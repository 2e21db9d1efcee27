"""Records as the JSON objects Xero's Accounting API returns (key order as Xero writes it).

Three variants of a list row, as Xero serves them:

- ``FULL``: a paged list or a single record: line items, payments and applied credits;
- ``SUMMARY``: ``summaryOnly=true``: no ``Payments``, ``LineItems`` or ``HasAttachments``
  (Xero also drops ``CISDeduction``, which the sandbox never emits);
- ``UNPAGED``: a list requested without paging: no line items, payments or applied credits.

The 16.1.0 OpenAPI document has no ``RoundingAmount`` or ``EnteredTotal`` on Invoice (the SDK
does); following the spec, they are never emitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.models import (
    Account,
    Allocation,
    Contact,
    ContactRef,
    Credit,
    CreditNote,
    Invoice,
    LineItem,
    Organisation,
    Overpayment,
    Payment,
    Prepayment,
)

Json = dict[str, object]


class Variant(Enum):
    FULL = "full"
    SUMMARY = "summary"
    UNPAGED = "unpaged"


@dataclass(frozen=True, slots=True)
class Applied:
    """One allocation of ``credit`` to an invoice, as the invoice shows it."""

    credit: Credit
    allocation: Allocation


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A line of a document's history; ``changes`` is Xero's kind ("Note", "Created" ...)."""

    changes: str
    details: str
    at: datetime
    user: str = "System Generated"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A stored file; ``data`` is the raw bytes that were uploaded."""

    attachment_id: str
    file_name: str
    mime_type: str
    data: bytes


def _present(**values: object) -> Json:
    """The given keys, without those whose value is None (Xero leaves unset fields out)."""
    return {key: value for key, value in values.items() if value is not None}


def _ms(day: date | None) -> str | None:
    return None if day is None else wire.ms_date(day)


def contact_ref(ref: ContactRef) -> Json:
    return {"ContactID": ref.ContactID, "Name": ref.Name or ""}


def line_item(line: LineItem) -> Json:
    return _present(
        LineItemID=line.LineItemID,
        Description=line.Description,
        Quantity=line.Quantity,
        UnitAmount=line.UnitAmount,
        ItemCode=line.ItemCode,
        AccountCode=line.AccountCode,
        TaxType=line.TaxType,
        TaxAmount=line.TaxAmount,
        LineAmount=line.LineAmount,
        DiscountRate=line.DiscountRate,
        Tracking=[],
    )


def embedded_payment(payment: Payment) -> Json:
    """A payment inside an invoice or credit note."""
    return {
        "PaymentID": payment.PaymentID,
        "Date": wire.ms_date(payment.Date),
        "Amount": payment.Amount,
        "Reference": payment.Reference,
        "CurrencyRate": payment.CurrencyRate,
        "HasAccount": False,
        "HasValidationErrors": False,
    }


def invoice(
    record: Invoice, payments: Sequence[Payment], applied: Sequence[Applied], variant: Variant
) -> Json:
    """An invoice; ``payments`` are its AUTHORISED and DELETED payments, ``applied`` its credits."""
    body: Json = {
        "Type": record.Type,
        "InvoiceID": record.InvoiceID,
        "InvoiceNumber": record.number,
        "Reference": record.Reference or "",
    }
    if variant is Variant.FULL:
        body["Payments"] = [embedded_payment(p) for p in payments if p.Status == "AUTHORISED"]
    if variant is not Variant.UNPAGED:
        for kind, id_key in (
            (CreditNote, "CreditNoteID"),
            (Prepayment, "PrepaymentID"),
            (Overpayment, "OverpaymentID"),
        ):
            body[f"{kind.__name__}s"] = [
                _applied_credit(a, id_key) for a in applied if isinstance(a.credit, kind)
            ]
    body.update(
        AmountDue=record.AmountDue,
        AmountPaid=record.AmountPaid,
        AmountCredited=record.AmountCredited,
        SentToContact=record.SentToContact,
        CurrencyRate=record.CurrencyRate,
        HasErrors=False,
        IsDiscounted=False,
    )
    if variant is Variant.FULL:
        body["HasAttachments"] = False
    body.update(
        _present(
            Contact=contact_ref(record.Contact),
            DateString=wire.iso_day(record.Date),
            Date=wire.ms_date(record.Date),
            DueDateString=wire.iso_day(record.DueDate),
            DueDate=wire.ms_date(record.DueDate),
            ExpectedPaymentDate=_ms(record.ExpectedPaymentDate),
            PlannedPaymentDate=_ms(record.PlannedPaymentDate),
            BrandingThemeID=record.BrandingThemeID,
            Url=record.Url,
            Status=record.Status,
            LineAmountTypes=record.LineAmountTypes,
        )
    )
    if variant is Variant.FULL:
        body["LineItems"] = [line_item(line) for line in record.LineItems]
    body.update(
        _present(
            SubTotal=record.SubTotal,
            TotalTax=record.TotalTax,
            Total=record.Total,
            UpdatedDateUTC=wire.ms_datetime(record.UpdatedDateUTC),  # type: ignore[arg-type]
            CurrencyCode=record.CurrencyCode,
            FullyPaidOnDate=_ms(record.FullyPaidOnDate),
        )
    )
    return body


def _applied_credit(applied: Applied, id_key: str) -> Json:
    credit, allocation = applied.credit, applied.allocation
    body: Json = {id_key: credit.id}
    if isinstance(credit, CreditNote):
        body["CreditNoteNumber"] = credit.number
    body.update(
        AppliedAmount=allocation.Amount,
        Date=_ms(allocation.Date),
        Total=credit.Total,
    )
    return body


def credit(record: Credit, refunds: Sequence[Payment], variant: Variant) -> Json:
    """A credit note, overpayment or prepayment with its allocations and remaining credit."""
    body: Json = {}
    if isinstance(record, CreditNote):
        body.update(CreditNoteID=record.id, CreditNoteNumber=record.number)
    elif isinstance(record, Overpayment):
        body["OverpaymentID"] = record.id
    else:
        body["PrepaymentID"] = record.id
        if getattr(record, "InvoiceNumber", None):
            body["InvoiceNumber"] = record.InvoiceNumber  # type: ignore[attr-defined]
    body.update(Type=record.Type, Reference=record.Reference or "")
    if variant is Variant.FULL:
        body["Payments"] = [embedded_payment(p) for p in refunds if p.Status == "AUTHORISED"]
    body.update(
        _present(
            RemainingCredit=record.RemainingCredit,
            Allocations=[
                allocation(a, with_id=isinstance(record, CreditNote))
                for a in record.Allocations
                if not a.IsDeleted
            ],
            CurrencyRate=record.CurrencyRate,
            HasAttachments=False if variant is Variant.FULL else None,
            Contact=contact_ref(record.Contact),
            DateString=wire.iso_day(record.Date),
            Date=wire.ms_date(record.Date),
            DueDate=_ms(getattr(record, "DueDate", None)),
            Status=record.Status,
            LineAmountTypes=record.LineAmountTypes,
            LineItems=[line_item(line) for line in record.LineItems]
            if variant is Variant.FULL
            else None,
            SubTotal=record.SubTotal,
            TotalTax=record.TotalTax,
            Total=record.Total,
            UpdatedDateUTC=wire.ms_datetime(record.UpdatedDateUTC),  # type: ignore[arg-type]
            CurrencyCode=record.CurrencyCode,
            FullyPaidOnDate=_ms(record.FullyPaidOnDate),
            SentToContact=getattr(record, "SentToContact", None),
        )
    )
    return body


def allocation(record: Allocation, *, with_id: bool) -> Json:
    """An allocation inside its credit. ``with_id``: credit notes show their ``AllocationID``
    (https://developer.xero.com/documentation/api/accounting/creditnotes lists it;
    XeroAPI/xero-mcp-server#194 reads it from GET CreditNotes); overpayments and prepayments do
    not: the 200 examples of GET /Overpayments/{OverpaymentID} and GET
    /Prepayments/{PrepaymentID} in ../shared/specs/xero/xero_accounting.yaml have none."""
    body: Json = {"AllocationID": record.AllocationID} if with_id else {}
    return body | {
        "Amount": record.Amount,
        "Date": _ms(record.Date),
        "Invoice": {
            "InvoiceID": record.Invoice.InvoiceID,
            "InvoiceNumber": record.Invoice.InvoiceNumber or "",
        },
    }


def payment(record: Payment, target: Invoice | CreditNote) -> Json:
    """A row of ``GET /Payments``; the paid document appears in summary."""
    summary = {
        "Type": target.Type,
        ("InvoiceID" if isinstance(target, Invoice) else "CreditNoteID"): target.id,
        ("InvoiceNumber" if isinstance(target, Invoice) else "CreditNoteNumber"): target.number,
        "Contact": contact_ref(target.Contact),
        "CurrencyCode": target.CurrencyCode,
    }
    return {
        "PaymentID": record.PaymentID,
        "Date": wire.ms_date(record.Date),
        "BankAmount": record.BankAmount,
        "Amount": record.Amount,
        "Reference": record.Reference,
        "CurrencyRate": record.CurrencyRate,
        "PaymentType": record.PaymentType,
        "Status": record.Status,
        "UpdatedDateUTC": wire.ms_datetime(record.UpdatedDateUTC),  # type: ignore[arg-type]
        "HasAccount": False,
        "IsReconciled": record.IsReconciled,
        ("Invoice" if isinstance(target, Invoice) else "CreditNote"): summary,
        "HasValidationErrors": False,
    }


def contact(
    record: Contact,
    *,
    is_customer: bool,
    is_supplier: bool,
    has_attachments: bool,
    variant: Variant,
) -> Json:
    """A contact. Persons, terms and groups only when paged; summaries drop more (Xero's rule)."""
    full, summary = variant is Variant.FULL, variant is Variant.SUMMARY
    return _present(
        ContactID=record.ContactID,
        ContactNumber=record.ContactNumber,
        AccountNumber=record.AccountNumber,
        ContactStatus=record.ContactStatus,
        Name=record.Name,
        FirstName=record.FirstName,
        LastName=record.LastName,
        CompanyNumber=record.CompanyNumber,
        EmailAddress=record.EmailAddress or "",
        TaxNumber=record.TaxNumber,
        ContactPersons=[_present(**vars_of(p)) for p in record.ContactPersons] if full else None,
        Addresses=None if summary else [_present(**vars_of(a)) for a in record.Addresses],
        Phones=[_present(**vars_of(p)) for p in record.Phones],
        UpdatedDateUTC=wire.ms_datetime(record.UpdatedDateUTC),  # type: ignore[arg-type]
        ContactGroups=[] if full else None,
        IsSupplier=None if summary else is_supplier,
        IsCustomer=None if summary else is_customer,
        DefaultCurrency=record.DefaultCurrency,
        PaymentTerms=_payment_terms(record) if full else None,
        Website=record.Website,
        HasAttachments=has_attachments if full else None,
        HasValidationErrors=False,
    )


def _payment_terms(record: Contact) -> Json | None:
    terms = record.PaymentTerms
    if terms is None:
        return None
    return _present(
        Bills=None if terms.Bills is None else vars_of(terms.Bills),
        Sales=None if terms.Sales is None else vars_of(terms.Sales),
    )


def vars_of(record: object) -> Json:
    """A slotted dataclass's fields as a dict."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}  # type: ignore[attr-defined]


def account(record: Account) -> Json:
    """An account of the chart, keys in the spec's Account order (unset ones left out)."""
    return _present(
        AccountID=record.AccountID,
        Code=record.Code,
        Name=record.Name,
        Status=record.Status,
        Type=record.Type,
        TaxType=record.TaxType,
        Description=record.Description,
        Class=record.Class,
        SystemAccount=record.SystemAccount,
        EnablePaymentsToAccount=record.EnablePaymentsToAccount,
        ShowInExpenseClaims=record.ShowInExpenseClaims,
        BankAccountNumber=record.BankAccountNumber,
        BankAccountType=record.BankAccountType,
        CurrencyCode=record.CurrencyCode,
        ReportingCode=record.ReportingCode,
        ReportingCodeName=record.ReportingCodeName,
        HasAttachments=False,
        UpdatedDateUTC=None
        if record.UpdatedDateUTC is None
        else wire.ms_datetime(record.UpdatedDateUTC),
        AddToWatchlist=False,
    )


def organisation(record: Organisation) -> Json:
    return _present(
        OrganisationID=record.OrganisationID,
        Name=record.Name,
        LegalName=record.LegalName,
        PaysTax=record.PaysTax,
        Version=record.Version,
        OrganisationType=record.OrganisationType,
        BaseCurrency=record.BaseCurrency,
        CountryCode=record.CountryCode,
        IsDemoCompany=record.IsDemoCompany,
        OrganisationStatus=record.OrganisationStatus,
        FinancialYearEndDay=record.FinancialYearEndDay,
        FinancialYearEndMonth=record.FinancialYearEndMonth,
        CreatedDateUTC=None
        if record.CreatedDateUTC is None
        else wire.ms_datetime(record.CreatedDateUTC),
        Timezone=record.Timezone,
        OrganisationEntityType=record.OrganisationType,
        ShortCode=record.ShortCode,
        Edition="BUSINESS",
        Class="PREMIUM",
        Addresses=[],
        Phones=[],
        ExternalLinks=[],
        PaymentTerms={},
    )


def history_entry(entry: HistoryEntry, *, created: bool = False) -> Json:
    """A history line; a new note is echoed without ``Changes`` and ``User``, as Xero does."""
    body: Json = {} if created else {"Changes": entry.changes}
    body.update(
        DateUTCString=entry.at.strftime("%Y-%m-%d %H:%M:%S"),
        DateUTC=wire.ms_datetime(entry.at),
    )
    if not created:
        body["User"] = entry.user
    body["Details"] = entry.details
    if created:
        body["ValidationErrors"] = []
    return body


def attachment(record: Attachment, url: str) -> Json:
    return {
        "AttachmentID": record.attachment_id,
        "FileName": record.file_name,
        "Url": url,
        "MimeType": record.mime_type,
        "ContentLength": len(record.data),
    }
