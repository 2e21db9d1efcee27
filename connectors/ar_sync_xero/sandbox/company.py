"""A company: one Xero organisation and its books, loaded from a file or built in memory.

``load_company(path)`` reads a company file (Xero's own response shapes, see ``models.py``),
validates every field and every cross-reference, fills in what Xero would derive, and returns
a ``Company`` whose records are complete and consistent:

- every ``Contact.ContactID`` and ``Invoice.InvoiceID`` a record refers to exists, and an
  allocation joins an approved invoice of the same contact, side (AR/AP) and currency;
- payments embedded in invoices (``Invoices[i].Payments``) and credit notes are merged with the
  top-level ``Payments`` by ``PaymentID`` (both copies must agree) and kept only in
  ``Company.payments``;
- omitted derived fields get Xero's values (``SubTotal``/``TotalTax``/``Total`` from the lines,
  ``AmountPaid``/``AmountCredited``/``AmountDue`` from payments and allocations,
  ``RemainingCredit``, ``FullyPaidOnDate``, ``UpdatedDateUTC`` = the document date at 00:00 UTC);
  derived fields a file does give must match;
- every amount, given or derived, is one Xero holds: at most 2 decimal places (``UnitAmount``
  4) and at most ``models.MAX_AMOUNT`` either side of zero.

A refused file raises ``CompanyFileError("<path>: <field path>: <problem>")``.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from ar_sync.sandbox.company_file import load_company_file, located, refused
from ar_sync.sandbox.errors import CompanyFileError, RecordError
from ar_sync_xero.sandbox import chart, ledger, wire
from ar_sync_xero.sandbox.models import (
    COMPANY_FILE,
    MONEY_PLACES,
    UNIT_PLACES,
    Account,
    Allocation,
    CompanyFile,
    Contact,
    ContactRef,
    Credit,
    CreditNote,
    CreditNoteRef,
    Document,
    Invoice,
    InvoiceRef,
    Organisation,
    Overpayment,
    Payment,
    Prepayment,
    amount_problem,
    without_wire_only,
)

CREDIT_KEYS = ("CreditNotes", "Overpayments", "Prepayments")
D = TypeVar("D", bound=Document)
C = TypeVar("C", bound=Credit)

_PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


@dataclass(frozen=True, slots=True)
class Company:
    """One organisation's books, complete and consistent (see the module docstring)."""

    organisation: Organisation
    contacts: tuple[Contact, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    overpayments: tuple[Overpayment, ...] = ()
    prepayments: tuple[Prepayment, ...] = ()
    payments: tuple[Payment, ...] = ()
    accounts: tuple[Account, ...] = ()  # the chart (``chart.py``); empty only if built by hand

    @property
    def tenant_id(self) -> str:
        """The organisation id, which is the Xero tenant id."""
        return self.organisation.OrganisationID

    def credits(self) -> Iterator[Credit]:
        """Every credit note, overpayment and prepayment."""
        yield from self.credit_notes
        yield from self.overpayments
        yield from self.prepayments


# --------------------------------------------------------------------------- loading


def load_company(path: Path | str) -> Company:
    """Read, validate and complete a company file; raises ``CompanyFileError``."""
    return load_company_file(path, parse_company)


def parse_company(data: object, *, source: str = "<company>") -> Company:
    """Validate and complete decoded company-file JSON (floats must be ``Decimal``)."""
    if not isinstance(data, dict):
        raise CompanyFileError(
            f"{source}: (document): must be a JSON object, not {type(data).__name__}"
        )
    try:
        return build_company(COMPANY_FILE.validate_python(without_wire_only(data)))
    except (ValidationError, RecordError) as error:
        raise refused(source, error) from None


# --------------------------------------------------------------------------- assembling


def build_company(file: CompanyFile) -> Company:
    """Cross-check and complete a validated file; raises ``RecordError`` with full paths."""
    org = complete_organisation(file.Organisation)
    accounts = (
        chart.complete_chart(file.Accounts, org) if file.Accounts else chart.default_chart(org)
    )
    contacts = _unique(file.Contacts, "Contacts", lambda c: c.ContactID)
    invoices = _documents(file.Invoices, "Invoices", org, contacts)
    credits = {key: _documents(getattr(file, key), key, org, contacts) for key in CREDIT_KEYS}
    _refuse_refunds_of_overpayments_and_prepayments(credits)
    payments = _payments(file, invoices, credits["CreditNotes"])
    credits = {key: _allocated(docs, key, invoices) for key, docs in credits.items()}
    paid = payments_by_target(payments.values())
    credited = allocations_by_invoice(credits.values())
    invoices = _each_located(
        invoices, "Invoices", lambda i: settle_invoice(i, paid[i.id], credited[i.id], strict=True)
    )
    credits = {
        key: _each_located(docs, key, lambda c: settle_credit(c, paid[c.id], strict=True))
        for key, docs in credits.items()
    }
    documents = [*invoices.values(), *(c for docs in credits.values() for c in docs.values())]
    return Company(
        organisation=org,
        contacts=tuple(_dated_contacts(contacts.values(), documents)),
        invoices=tuple(invoices.values()),
        credit_notes=tuple(credits["CreditNotes"].values()),
        overpayments=tuple(credits["Overpayments"].values()),
        prepayments=tuple(credits["Prepayments"].values()),
        payments=tuple(payments.values()),
        accounts=accounts,
    )


def complete_organisation(org: Organisation) -> Organisation:
    """Default ``LegalName``, ``ShortCode`` (``!`` + 5 characters) and ``Version``."""
    short = base64.b32encode(bytes.fromhex(org.OrganisationID.replace("-", ""))[:4]).decode()
    version = {"AU": "AU", "NZ": "NZ", "GB": "UK", "US": "US"}.get(org.CountryCode, "GLOBAL")
    return replace(
        org,
        LegalName=org.LegalName or org.Name,
        ShortCode=org.ShortCode or f"!{short[:5].lower()}",
        Version=org.Version or version,
    )


def complete_document(doc: D, org: Organisation, contacts: Mapping[str, Contact]) -> D:
    """Resolve the contact, the currency and the totals of one document."""
    contact = contacts.get(doc.Contact.ContactID)
    if contact is None:
        raise RecordError("Contact.ContactID", f"unknown contact {doc.Contact.ContactID!r}")
    own_id = doc.id
    totals = ledger.complete_totals(doc, own_id)
    check_derived_amounts(totals)
    updates: dict[str, object] = {
        "Contact": ContactRef(ContactID=contact.ContactID, Name=contact.Name),
        **ledger.complete_currency(doc, org.BaseCurrency),
        **totals,
    }
    if doc.UpdatedDateUTC is None:
        updates["UpdatedDateUTC"] = midnight(doc.Date)
    return replace(doc, **updates)


def check_derived_amounts(totals: Mapping[str, object]) -> None:
    """The amounts ``ledger.complete_totals`` derived (each line's ``LineAmount`` or
    ``UnitAmount``, ``SubTotal``, ``TotalTax``, ``Total``) must be amounts Xero holds too, as
    the given ones are (``models.amount_problem``); UNCONFIRMED that Xero refuses a document
    whose lines add up to more than ``models.MAX_AMOUNT``."""
    for index, line in enumerate(totals["LineItems"]):  # type: ignore[call-overload]
        for field, places in (("LineAmount", MONEY_PLACES), ("UnitAmount", UNIT_PLACES)):
            value = getattr(line, field)
            if value is not None and (problem := amount_problem(value, places)):
                raise RecordError(f"LineItems[{index}].{field}", problem)
    for field in ("SubTotal", "TotalTax", "Total"):
        if problem := amount_problem(totals[field]):  # type: ignore[arg-type]
            raise RecordError(field, problem)


def complete_payment(payment: Payment, target: Invoice | CreditNote) -> Payment:
    """Link a payment to its document and default its type, rate, bank amount and stamp."""
    if target.Status not in ledger.APPROVED:
        raise RecordError("Status", f"cannot pay a {target.Status} document")
    kind = _PAYMENT_TYPES[target.Type]
    if payment.PaymentType not in (None, kind):
        raise RecordError("PaymentType", f"{payment.PaymentType} does not fit a {target.Type}")
    is_invoice = isinstance(target, Invoice)
    return replace(
        payment,
        Invoice=InvoiceRef(InvoiceID=target.id, InvoiceNumber=target.number)
        if is_invoice
        else None,
        CreditNote=None
        if is_invoice
        else CreditNoteRef(CreditNoteID=target.id, CreditNoteNumber=target.number),
        PaymentType=kind,
        CurrencyRate=payment.CurrencyRate or target.CurrencyRate,
        BankAmount=payment.BankAmount if payment.BankAmount is not None else payment.Amount,
        UpdatedDateUTC=payment.UpdatedDateUTC or midnight(payment.Date),
    )


def complete_allocation(
    allocation: Allocation, index: int, credit: Credit, invoice: Invoice
) -> Allocation:
    """Check that ``credit`` may pay ``invoice`` and default the allocation's id and date.

    Xero dates an allocation on the later of the invoice date and the credit's date.
    """
    side = "ACCREC" if credit.is_receivable else "ACCPAY"
    if invoice.Type != side:
        raise RecordError(
            "Invoice.InvoiceID", f"a {side} credit cannot pay an {invoice.Type} invoice"
        )
    if invoice.Contact.ContactID != credit.Contact.ContactID:
        raise RecordError("Invoice.InvoiceID", "the invoice belongs to another contact")
    if invoice.CurrencyCode != credit.CurrencyCode:
        raise RecordError(
            "Invoice.InvoiceID",
            f"the invoice is in {invoice.CurrencyCode}, the credit in {credit.CurrencyCode}",
        )
    if invoice.Status not in ledger.APPROVED:
        raise RecordError("Invoice.InvoiceID", f"cannot allocate to a {invoice.Status} invoice")
    return replace(
        allocation,
        AllocationID=allocation.AllocationID or ledger.derived_id(credit.id, "allocation", index),
        Date=allocation.Date or max(invoice.Date, credit.Date),
        Invoice=InvoiceRef(InvoiceID=invoice.id, InvoiceNumber=invoice.number),
    )


def settle_invoice(
    invoice: Invoice,
    payments: Sequence[Payment],
    allocations: Sequence[Allocation],
    *,
    strict: bool,
) -> Invoice:
    """Apply ``ledger.settle_invoice``; ``strict`` (files) checks given amounts and status."""
    settled = ledger.settle_invoice(invoice, payments, allocations)
    if strict:
        _check_settled("AmountPaid", invoice.AmountPaid, settled.paid)
        _check_settled("AmountCredited", invoice.AmountCredited, settled.credited)
        _check_settled("AmountDue", invoice.AmountDue, settled.outstanding)
        _check_status(invoice.Status, settled.status, "AmountDue", settled.outstanding)
    return replace(
        invoice,
        AmountPaid=settled.paid,
        AmountCredited=settled.credited,
        AmountDue=settled.outstanding,
        Status=settled.status,
        FullyPaidOnDate=(invoice.FullyPaidOnDate if strict else None) or settled.fully_paid_on,
        Payments=(),
        CreditNotes=(),
        Overpayments=(),
        Prepayments=(),
    )


def settle_credit(credit: C, refunds: Sequence[Payment], *, strict: bool) -> C:
    """Apply ``ledger.settle_credit`` to a credit whose allocations are complete."""
    settled = ledger.settle_credit(credit, credit.Allocations, refunds)
    if strict:
        _check_settled("RemainingCredit", credit.RemainingCredit, settled.outstanding)
        _check_status(credit.Status, settled.status, "RemainingCredit", settled.outstanding)
    return replace(
        credit,
        RemainingCredit=settled.outstanding,
        Status=settled.status,
        FullyPaidOnDate=(credit.FullyPaidOnDate if strict else None) or settled.fully_paid_on,
        Payments=(),
    )


def payments_by_target(payments: Iterable[Payment]) -> defaultdict[str, list[Payment]]:
    """Payments grouped by the id of the invoice or credit note they pay or refund."""
    grouped: defaultdict[str, list[Payment]] = defaultdict(list)
    for payment in payments:
        grouped[payment_target_id(payment)].append(payment)
    return grouped


def payment_target_id(payment: Payment) -> str:
    """The id of the document a complete payment belongs to."""
    link = payment.Invoice or payment.CreditNote
    assert link is not None, "complete payments always have a target"
    return link.InvoiceID if isinstance(link, InvoiceRef) else link.CreditNoteID


def allocations_by_invoice(
    credit_maps: Iterable[Mapping[str, Credit]],
) -> defaultdict[str, list[Allocation]]:
    """Every allocation of every credit, grouped by the invoice it pays."""
    grouped: defaultdict[str, list[Allocation]] = defaultdict(list)
    for credits in credit_maps:
        for credit in credits.values():
            for allocation in credit.Allocations:
                grouped[allocation.Invoice.InvoiceID].append(allocation)
    return grouped


def midnight(day: date) -> datetime:
    """00:00 UTC of ``day``, the default ``UpdatedDateUTC`` of a document."""
    return datetime.combine(day, time(), tzinfo=UTC)


# --------------------------------------------------------------------------- dumping


def company_document(company: Company) -> dict[str, object]:
    """The company in file shape (``/Date(ms+0000)/`` dates), which ``load_company`` reads back."""
    skip_on_invoice = {"Payments", "CreditNotes", "Overpayments", "Prepayments"}
    return {
        "Organisation": file_json(company.organisation),
        "Contacts": [file_json(c) for c in company.contacts],
        "Invoices": [file_json(i, exclude=skip_on_invoice) for i in company.invoices],
        "CreditNotes": [file_json(c, exclude={"Payments"}) for c in company.credit_notes],
        "Overpayments": [file_json(o, exclude={"Payments"}) for o in company.overpayments],
        "Prepayments": [file_json(p, exclude={"Payments"}) for p in company.prepayments],
        "Payments": [file_json(p) for p in company.payments],
        "Accounts": [file_json(a) for a in company.accounts],
    }


def file_json(value: object, exclude: frozenset[str] | set[str] = frozenset()) -> object:
    """A record as plain JSON values: fields that are None are left out, dates are ms-format."""
    if is_dataclass(value):
        return {
            f.name: file_json(item)
            for f in fields(value)
            if f.name not in exclude and (item := getattr(value, f.name)) is not None
        }
    if isinstance(value, datetime):
        return wire.ms_datetime(value)
    if isinstance(value, date):
        return wire.ms_date(value)
    if isinstance(value, tuple | list):
        return [file_json(item) for item in value]
    return value


# --------------------------------------------------------------------------- helpers


def _unique(records: Sequence, key: str, id_of) -> dict:
    by_id: dict = {}
    for index, record in enumerate(records):
        record_id = id_of(record)
        if record_id in by_id:
            raise RecordError(f"{key}[{index}]", f"duplicate id {record_id!r}")
        by_id[record_id] = record
    return by_id


def _each_located(records: dict[str, D], key: str, change: Callable[[D], D]) -> dict[str, D]:
    """``change`` applied to each record, errors located at ``key[index]``."""
    changed = {}
    for index, (record_id, record) in enumerate(records.items()):
        with located(f"{key}[{index}]"):
            changed[record_id] = change(record)
    return changed


def _refuse_refunds_of_overpayments_and_prepayments(
    credits: Mapping[str, Mapping[str, Credit]],
) -> None:
    for key in ("Overpayments", "Prepayments"):
        for index, credit in enumerate(credits[key].values()):
            if credit.Payments:
                raise RecordError(
                    f"{key}[{index}].Payments",
                    "refunds of overpayments and prepayments are not supported by the sandbox",
                )


def _documents(
    docs: Sequence[D], key: str, org: Organisation, contacts: Mapping[str, Contact]
) -> dict[str, D]:
    completed = []
    for index, doc in enumerate(docs):
        with located(f"{key}[{index}]"):
            completed.append(complete_document(doc, org, contacts))
    return _unique(completed, key, lambda d: d.id)


def _payments(
    file: CompanyFile, invoices: Mapping[str, Invoice], credit_notes: Mapping[str, CreditNote]
) -> dict[str, Payment]:
    """Top-level and embedded payments, merged by id and completed."""
    found: dict[str, tuple[str, Payment]] = {}

    def add(path: str, payment: Payment, target: Invoice | CreditNote) -> None:
        with located(path):
            completed = complete_payment(payment, target)
        seen = found.get(payment.PaymentID)
        if seen is None:
            found[payment.PaymentID] = (path, completed)
        elif (seen[1].Amount, seen[1].Date, payment_target_id(seen[1])) != (
            completed.Amount,
            completed.Date,
            target.id,
        ):
            raise RecordError(path, f"differs from the payment with the same id at {seen[0]}")

    for index, payment in enumerate(file.Payments):
        path = f"Payments[{index}]"
        add(path, payment, _payment_target(path, payment, invoices, credit_notes))
    for key, documents in (("Invoices", file.Invoices), ("CreditNotes", file.CreditNotes)):
        for index, doc in enumerate(documents):
            target = (invoices if key == "Invoices" else credit_notes)[doc.id]  # type: ignore[index]
            for number, payment in enumerate(doc.Payments):
                path = f"{key}[{index}].Payments[{number}]"
                linked = payment.Invoice or payment.CreditNote
                if linked and _payment_target(path, payment, invoices, credit_notes) is not target:
                    raise RecordError(path, "belongs to another document")
                add(path, payment, target)
    return {payment_id: payment for payment_id, (_, payment) in found.items()}


def _payment_target(
    path: str,
    payment: Payment,
    invoices: Mapping[str, Invoice],
    credit_notes: Mapping[str, CreditNote],
) -> Invoice | CreditNote:
    if (payment.Invoice is None) == (payment.CreditNote is None):
        raise RecordError(path, "needs exactly one of Invoice or CreditNote")
    if payment.Invoice is not None:
        target = invoices.get(payment.Invoice.InvoiceID)
        if target is None:
            raise RecordError(
                f"{path}.Invoice.InvoiceID", f"unknown invoice {payment.Invoice.InvoiceID!r}"
            )
        return target
    assert payment.CreditNote is not None
    note = credit_notes.get(payment.CreditNote.CreditNoteID)
    if note is None:
        raise RecordError(
            f"{path}.CreditNote.CreditNoteID",
            f"unknown credit note {payment.CreditNote.CreditNoteID!r}",
        )
    return note


def _allocated(credits: dict[str, C], key: str, invoices: Mapping[str, Invoice]) -> dict[str, C]:
    completed: dict[str, C] = {}
    for index, (credit_id, credit) in enumerate(credits.items()):
        allocations = []
        for number, allocation in enumerate(credit.Allocations):
            with located(f"{key}[{index}].Allocations[{number}]"):
                invoice = invoices.get(allocation.Invoice.InvoiceID)
                if invoice is None:
                    raise RecordError(
                        "Invoice.InvoiceID", f"unknown invoice {allocation.Invoice.InvoiceID!r}"
                    )
                allocations.append(complete_allocation(allocation, number, credit, invoice))
        completed[credit_id] = replace(credit, Allocations=tuple(allocations))
    return completed


def _dated_contacts(
    contacts: Iterable[Contact], documents: Iterable[Document]
) -> Iterator[Contact]:
    """Contacts without ``UpdatedDateUTC`` get their first document's date at 00:00 UTC."""
    first: dict[str, date] = {}
    for doc in documents:
        contact_id = doc.Contact.ContactID
        first[contact_id] = min(doc.Date, first.get(contact_id, doc.Date))
    for contact in contacts:
        if contact.UpdatedDateUTC is None:
            stamp = midnight(first.get(contact.ContactID, date(2000, 1, 1)))
            contact = replace(contact, UpdatedDateUTC=stamp)
        yield contact


def _check_settled(field: str, given: Decimal | None, derived: Decimal) -> None:
    if given is not None and given != derived:
        raise RecordError(field, f"{given} does not match the payments and credits ({derived})")


def _check_status(given: str, derived: str, field: str, outstanding: Decimal) -> None:
    if given != derived:
        raise RecordError(
            "Status", f"{given} does not fit {field} {outstanding} (expected {derived})"
        )
