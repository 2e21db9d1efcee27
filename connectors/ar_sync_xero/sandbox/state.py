"""One tenant's live books: the records, their indexes, and every change made to them.

``TenantState`` starts from a ``Company`` and is changed only through its methods (API writes:
history notes, attachments, invoice emails; control writes: payments, voids, edits, new
invoices). Every public method holds the tenant's lock, so concurrent requests see whole
changes. Reads are cached: each collection's rows in the default order (``UpdatedDateUTC``,
then id) with one sorted view per list filter (``ar_sync.sandbox.index``: a page is a bisection
and a slice, the same cost at any size), and each row's serialised JSON per variant; a change
moves exactly the rows it touches in every view and drops exactly the JSON it touches, so paging
through 100,000 invoices costs one serialisation per invoice and no scan per page.

Changes that Xero journals bump the record's ``UpdatedDateUTC`` to a stamp that is never
earlier than any stamp already in the books, so an ``If-Modified-Since`` sync always sees them.
"""

from __future__ import annotations

import mimetypes
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import ValidationError

from ar_sync.sandbox.company_file import describe_validation_error
from ar_sync.sandbox.errors import RecordError
from ar_sync.sandbox.index import OrderedRows
from ar_sync_xero.sandbox import shapes, wire
from ar_sync_xero.sandbox.company import (
    Company,
    complete_document,
    complete_payment,
    file_json,
    midnight,
    payments_by_target,
    settle_invoice,
)
from ar_sync_xero.sandbox.models import (
    CONTACT,
    INVOICE,
    Contact,
    Credit,
    CreditNote,
    Invoice,
    Payment,
    without_wire_only,
)
from ar_sync_xero.sandbox.resources import RESOURCES, PaymentRow
from ar_sync_xero.sandbox.shapes import Applied, Attachment, HistoryEntry, Variant
from ar_sync_xero.timezones import today_in

# Xero's daily invoice-email limit for a paying organisation; over it, a 400 (developer.xero.com
# /documentation/api/accounting/invoices, "Emailing an invoice").
EMAILS_PER_DAY = 1000
_CREDIT_KEYS = ("CreditNotes", "Overpayments", "Prepayments")
_EMAILABLE = ("SUBMITTED", "AUTHORISED", "PAID")  # ACCREC only: the same "Emailing an invoice"
_SETTLEMENT_FIELDS = frozenset(
    {
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "FullyPaidOnDate",
        "Payments",
        "CreditNotes",
        "Overpayments",
        "Prepayments",
    }
)
# Changes on a part-paid invoice that create no journal and so keep UpdatedDateUTC [X-RR].
_UNJOURNALED_FIELDS = frozenset({"DueDate", "SentToContact"})
_TOTAL_INPUTS = frozenset({"LineItems", "SubTotal", "TotalTax", "Total", "LineAmountTypes"})
_MS = timedelta(milliseconds=1)


class Refused(ValueError):
    """A write that breaks one of Xero's rules; the message is what the API reports."""


class TenantState:
    """The live books of one organisation (see the module docstring)."""

    def __init__(self, company: Company) -> None:
        self.lock = threading.RLock()
        self.organisation = company.organisation
        self.contacts = {c.ContactID: c for c in company.contacts}
        self.invoices = {i.InvoiceID: i for i in company.invoices}
        self.credits: dict[str, dict[str, Credit]] = {
            "CreditNotes": {c.id: c for c in company.credit_notes},
            "Overpayments": {c.id: c for c in company.overpayments},
            "Prepayments": {c.id: c for c in company.prepayments},
        }
        self.payments = {p.PaymentID: p for p in company.payments}
        self.accounts = company.accounts  # the chart never changes: no API writes to it
        self._payments_of = payments_by_target(self.payments.values())
        self._applied: defaultdict[str, list[Applied]] = defaultdict(list)
        for credits in self.credits.values():
            for credit in credits.values():
                for allocation in credit.Allocations:
                    if not allocation.IsDeleted:
                        self._applied[allocation.Invoice.InvoiceID].append(
                            Applied(credit, allocation)
                        )
        self._history: dict[str, list[HistoryEntry]] = {}
        self._attachments: defaultdict[str, dict[str, Attachment]] = defaultdict(dict)
        self._emails: Counter[date] = Counter()
        self._last_stamp = max(
            (r.UpdatedDateUTC for r in self._all_records() if r.UpdatedDateUTC),
            default=wire.EPOCH,
        )
        self._tables: dict[str, OrderedRows[object]] = {}
        self._fragments: defaultdict[tuple[str, Variant], dict[str, wire.RawJSON]] = defaultdict(
            dict
        )
        self._roles: tuple[set[str], set[str]] | None = None

    @property
    def tenant_id(self) -> str:
        return self.organisation.OrganisationID

    @property
    def id(self) -> str:
        """The tenant id (``ar_sync.sandbox.rules.Books``)."""
        return self.organisation.OrganisationID

    @property
    def name(self) -> str:
        return self.organisation.Name

    def today(self, now: datetime) -> date:
        """The organisation's calendar day at ``now``."""
        return today_in(self.organisation.Timezone, now)

    # ------------------------------------------------------------------ reading

    def rows(self, key: str) -> list[object]:
        """A collection's rows in the default order: ``UpdatedDateUTC`` then id, ascending."""
        return self.table(key).all.rows

    def table(self, key: str) -> OrderedRows[object]:
        """A collection indexed by ``(UpdatedDateUTC, id)``, kept current by every write."""
        with self.lock:
            table = self._tables.get(key)
            if table is None:
                resource = RESOURCES[key]
                updated, row_id = resource.updated, resource.row_id
                table = self._tables[key] = OrderedRows(
                    self._raw_rows(key), key=lambda row: (updated(row), row_id(row))
                )
            return table

    def find(self, key: str, row_id: str) -> object | None:
        """The row with ``row_id`` (an invoice may also be found by its number), or None."""
        with self.lock:
            wanted = row_id.lower()
            if key == "Invoices":
                found = self.invoices.get(wanted)
                return found or next(
                    (i for i in self.invoices.values() if i.number == row_id), None
                )
            if key == "Contacts":
                return self.contacts.get(wanted)
            if key == "Payments":
                payment = self.payments.get(wanted)
                return None if payment is None else PaymentRow(payment, self._target(payment))
            return self.credits[key].get(wanted)

    def fragments(self, key: str, rows: Iterable[object], variant: Variant) -> list[wire.RawJSON]:
        """Each row's JSON (cached per variant), ready to drop into an envelope.

        The rows must be current: take them from ``rows``/``find`` under the same hold of
        ``lock``, or a row replaced in between would be cached under its id.
        """
        with self.lock:
            cache = self._fragments[(key, variant)]
            row_id = RESOURCES[key].row_id
            result = []
            for row in rows:
                identity = row_id(row)
                fragment = cache.get(identity)
                if fragment is None:
                    fragment = cache[identity] = wire.RawJSON(
                        wire.dumps(self._render(key, row, variant))
                    )
                result.append(fragment)
            return result

    def history(self, key: str, record_id: str) -> list[HistoryEntry]:
        """The history of an invoice or contact, oldest first."""
        with self.lock:
            return list(self._history_of(key, record_id))

    def attachments(self, contact_id: str) -> list[Attachment]:
        with self.lock:
            return list(self._attachments[contact_id].values())

    def contact_roles(self) -> tuple[set[str], set[str]]:
        """``(customers, suppliers)``: ids of contacts with sales invoices, and with bills.

        Xero sets ``IsCustomer`` "automatically ... when an accounts receivable invoice is
        generated against this contact" (Contact.IsCustomer in the spec); whether a credit note,
        overpayment or prepayment alone sets it is UNCONFIRMED (here it does not).
        """
        with self.lock:
            return self._contact_roles()

    def snapshot(self) -> Company:
        """The books as a ``Company`` (for ``/_sandbox/state``)."""
        with self.lock:
            return Company(
                organisation=self.organisation,
                contacts=tuple(self.contacts.values()),
                invoices=tuple(self.invoices.values()),
                credit_notes=tuple(self.credits["CreditNotes"].values()),  # type: ignore[arg-type]
                overpayments=tuple(self.credits["Overpayments"].values()),  # type: ignore[arg-type]
                prepayments=tuple(self.credits["Prepayments"].values()),  # type: ignore[arg-type]
                payments=tuple(self.payments.values()),
                accounts=self.accounts,
            )

    # ------------------------------------------------------------------ API writes

    def add_notes(
        self, key: str, record_id: str, notes: Iterable[str], now: datetime
    ) -> list[HistoryEntry]:
        """Append notes to an invoice's or contact's history (notes do not move UpdatedDateUTC)."""
        with self.lock:
            entries = [HistoryEntry("Note", text, now) for text in notes]
            self._history_of(key, record_id).extend(entries)
            return entries

    def put_attachment(
        self, contact_id: str, file_name: str, data: bytes, now: datetime
    ) -> Attachment:
        """Store a file on a contact; a file of the same name is replaced (keeping its id)."""
        with self.lock:
            files = self._attachments[contact_id]
            previous = files.get(file_name)
            stored = Attachment(
                attachment_id=previous.attachment_id if previous else str(uuid.uuid4()),
                file_name=file_name,
                mime_type=mimetypes.guess_type(file_name)[0] or "application/octet-stream",
                data=data,
            )
            files[file_name] = stored
            self._history_of("Contacts", contact_id).append(
                HistoryEntry(
                    "Attached a file", f"Attached the file {file_name} through the Xero API", now
                )
            )
            self._drop_fragments("Contacts", [contact_id])
            return stored

    def email_invoice(self, invoice_id: str, now: datetime) -> list[str]:
        """Check Xero's rules for emailing an invoice and record it; returns the recipients."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            if invoice.Type != "ACCREC" or invoice.Status not in _EMAILABLE:
                raise Refused(
                    "Only sales invoices (ACCREC) with a status of SUBMITTED, AUTHORISED or PAID "
                    f"can be emailed; this one is {invoice.Type} {invoice.Status}"
                )
            recipients = self.contacts[invoice.Contact.ContactID].email_recipients()
            if not recipients:  # a 400 like the others: UNCONFIRMED (notes §4)
                raise Refused(f"The contact {invoice.Contact.Name} has no email address")
            day = self.today(now)
            if self._emails[day] >= EMAILS_PER_DAY:
                raise Refused(
                    f"The daily limit of {EMAILS_PER_DAY} invoice emails has been reached"
                )
            self._emails[day] += 1
            # SentToContact changes without a journal, so UpdatedDateUTC stays (Xero's caveat).
            self._store_invoice(replace(invoice, SentToContact=True))
            self._history_of("Invoices", invoice_id).append(
                HistoryEntry("Sent", f"This invoice was sent to {', '.join(recipients)}", now)
            )
            return recipients

    # ------------------------------------------------------------------ control writes

    def record_payment(
        self, invoice_id: str, amount: Decimal | None, day: date | None, now: datetime
    ) -> tuple[Payment, Invoice]:
        """Pay an approved invoice (default: all that is due, today); PAID when nothing is left."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            if invoice.Status != "AUTHORISED":
                raise Refused(f"only AUTHORISED invoices can be paid; this one is {invoice.Status}")
            amount = invoice.AmountDue if amount is None else amount
            if amount is None or amount <= 0 or amount > invoice.AmountDue:  # type: ignore[operator]
                raise Refused(
                    f"amount must be more than 0 and at most the AmountDue {invoice.AmountDue}"
                )
            stamp = self._stamp(now)
            payment = complete_payment(
                Payment(
                    PaymentID=str(uuid.uuid4()),
                    Date=day or self.today(now),
                    Amount=amount,
                    Reference="Sandbox payment",
                    UpdatedDateUTC=stamp,
                ),
                invoice,
            )
            self.payments[payment.PaymentID] = payment
            self._payments_of[invoice_id].append(payment)
            self._moved("Payments", None, PaymentRow(payment, invoice))
            updated = self._settle(replace(invoice, UpdatedDateUTC=stamp))
            self._history_of("Invoices", invoice_id).append(
                HistoryEntry(
                    "Payment",
                    f"Payment received from {invoice.Contact.Name} on "
                    f"{payment.Date:%d %B %Y} for {amount}.",
                    now,
                )
            )
            return payment, updated

    def void_invoice(self, invoice_id: str, now: datetime) -> Invoice:
        """Void an invoice that has no payments or credits (Xero refuses otherwise)."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            if invoice.Status in ("VOIDED", "DELETED"):
                raise Refused(f"the invoice is already {invoice.Status}")
            if invoice.AmountPaid or invoice.AmountCredited:
                raise Refused("remove its payments and credits before voiding an invoice")
            updated = self._settle(
                replace(invoice, Status="VOIDED", UpdatedDateUTC=self._stamp(now))
            )
            self._history_of("Invoices", invoice_id).append(
                HistoryEntry("Voided", "Invoice voided", now)
            )
            return updated

    def patch_invoice(self, invoice_id: str, patch: Mapping[str, object], now: datetime) -> Invoice:
        """Merge Xero-shaped fields into an invoice and re-derive its totals and settlement.

        ``UpdatedDateUTC`` moves to now unless the patch sets it, or unless it changes only
        fields that create no journal on a part-paid invoice (``DueDate``, ``SentToContact``):
        Xero leaves ``UpdatedDateUTC`` alone then, so ``If-Modified-Since`` never sees the change
        (Xero "Requests and Responses" page, If-Modified-Since caveat; notes/xero-api.md [X-RR]).
        """
        with self.lock:
            current = self.invoices[invoice_id]
            dropped = _SETTLEMENT_FIELDS | (
                {"SubTotal", "TotalTax", "Total"} if _TOTAL_INPUTS & patch.keys() else set()
            )
            part_paid = (current.AmountDue or 0) > 0 and (
                (current.AmountPaid or 0) > 0 or (current.AmountCredited or 0) > 0
            )
            unjournaled = part_paid and patch.keys() <= _UNJOURNALED_FIELDS
            keep = set() if unjournaled else {"UpdatedDateUTC"}
            base = file_json(current, exclude=dropped | keep)
            merged = {**base, **patch}  # type: ignore[dict-item]
            updated = self._parse_invoice(merged, now)
            if updated.InvoiceID != current.InvoiceID:
                raise Refused("InvoiceID cannot be changed")
            linked = self._applied[invoice_id] or self._payments_of[invoice_id]
            if linked and any(
                getattr(updated, f) != getattr(current, f)
                for f in ("Type", "Contact", "CurrencyCode")
            ):
                raise Refused(
                    "Type, Contact and CurrencyCode cannot change once payments or credits exist"
                )
            return self._settle(updated)

    def create_invoice(self, fields: Mapping[str, object], now: datetime) -> Invoice:
        """Add an invoice given in Xero's shape (``InvoiceID`` is generated when missing)."""
        with self.lock:
            raw = {"InvoiceID": str(uuid.uuid4()), **fields}
            invoice = self._parse_invoice(raw, now)
            if invoice.InvoiceID in self.invoices:
                raise Refused(f"an invoice with id {invoice.InvoiceID} already exists")
            return self._settle(invoice)

    def create_contact(self, fields: Mapping[str, object], now: datetime) -> Contact:
        """Add a contact given in Xero's shape (``ContactID`` is generated when missing), stamped
        now, as a user adding one in Xero while a sync runs would."""
        with self.lock:
            raw = {"ContactID": str(uuid.uuid4()), **fields}
            try:
                contact = CONTACT.validate_python(without_wire_only(raw))
            except ValidationError as error:
                field, problem = describe_validation_error(error)
                raise Refused(f"{field}: {problem}") from None
            if contact.ContactID in self.contacts:
                raise Refused(f"a contact with id {contact.ContactID} already exists")
            contact = replace(contact, UpdatedDateUTC=self._stamp(now))
            self.contacts[contact.ContactID] = contact
            self._moved("Contacts", None, contact)
            return contact

    # ------------------------------------------------------------------ internals

    def _all_records(self) -> Iterable[Contact | Invoice | Credit | Payment]:
        yield from self.contacts.values()
        yield from self.invoices.values()
        for credits in self.credits.values():
            yield from credits.values()
        yield from self.payments.values()

    def _raw_rows(self, key: str) -> Iterable[object]:
        if key == "Invoices":
            return self.invoices.values()
        if key == "Contacts":
            return self.contacts.values()
        if key == "Payments":
            return (PaymentRow(p, self._target(p)) for p in self.payments.values())
        return self.credits[key].values()

    def _target(self, payment: Payment) -> Invoice | CreditNote:
        if payment.Invoice is not None:
            return self.invoices[payment.Invoice.InvoiceID]
        assert payment.CreditNote is not None
        return self.credits["CreditNotes"][payment.CreditNote.CreditNoteID]  # type: ignore[return-value]

    def _render(self, key: str, row: object, variant: Variant) -> dict[str, object]:
        if key == "Invoices":
            assert isinstance(row, Invoice)
            return shapes.invoice(row, self._payments_of[row.id], self._applied[row.id], variant)
        if key == "Contacts":
            assert isinstance(row, Contact)
            customers, suppliers = self._contact_roles()
            return shapes.contact(
                row,
                is_customer=row.ContactID in customers,
                is_supplier=row.ContactID in suppliers,
                has_attachments=bool(self._attachments.get(row.ContactID)),
                variant=variant,
            )
        if key == "Payments":
            assert isinstance(row, PaymentRow)
            return shapes.payment(row.payment, row.target)
        assert isinstance(row, Credit)
        return shapes.credit(row, self._payments_of[row.id], variant)

    def _contact_roles(self) -> tuple[set[str], set[str]]:
        """Contacts with sales invoices (customers) and with bills (suppliers)."""
        if self._roles is None:
            customers = {i.Contact.ContactID for i in self.invoices.values() if i.Type == "ACCREC"}
            suppliers = {i.Contact.ContactID for i in self.invoices.values() if i.Type == "ACCPAY"}
            self._roles = (customers, suppliers)
        return self._roles

    def _history_of(self, key: str, record_id: str) -> list[HistoryEntry]:
        """The (mutable) history list, started with a "Created" line on first use."""
        history = self._history.get(record_id)
        if history is None:
            if key == "Invoices":
                invoice = self.invoices[record_id]
                first = HistoryEntry(
                    "Created",
                    f"{invoice.number} to {invoice.Contact.Name} for {invoice.Total}.",
                    midnight(invoice.Date),
                )
            else:
                contact = self.contacts[record_id]
                first = HistoryEntry(
                    "Created", f"Contact {contact.Name} created.", contact.UpdatedDateUTC
                )  # type: ignore[arg-type]
            history = self._history[record_id] = [first]
        return history

    def _stamp(self, now: datetime) -> datetime:
        """``now``, or 1 ms after the latest stamp in the books if that is later."""
        self._last_stamp = max(now, self._last_stamp + _MS)
        return self._last_stamp

    def _parse_invoice(self, raw: Mapping[str, object], now: datetime) -> Invoice:
        for linked in ("Payments", "CreditNotes", "Overpayments", "Prepayments"):
            if raw.get(linked):
                raise Refused(f"{linked}: pay with /_sandbox/invoices/{{id}}/payments instead")
        try:
            parsed = INVOICE.validate_python(without_wire_only(dict(raw)))
        except ValidationError as error:
            field, problem = describe_validation_error(error)
            raise Refused(f"{field}: {problem}") from None
        if parsed.UpdatedDateUTC is None:
            parsed = replace(parsed, UpdatedDateUTC=self._stamp(now))
        try:
            return complete_document(parsed, self.organisation, self.contacts)
        except RecordError as error:
            raise Refused(str(error)) from None

    def _settle(self, invoice: Invoice) -> Invoice:
        """Settle and store an invoice; a rule it breaks is refused and nothing changes."""
        allocations = [a.allocation for a in self._applied[invoice.id]]
        try:
            settled = settle_invoice(
                invoice, self._payments_of[invoice.id], allocations, strict=False
            )
        except RecordError as error:
            raise Refused(str(error)) from None
        self._store_invoice(settled)
        return settled

    def _store_invoice(self, invoice: Invoice) -> None:
        """Replace an invoice, move it (and the payment rows that carry it) in every indexed
        view, and drop every cached JSON that shows it."""
        previous = self.invoices.get(invoice.id)
        self.invoices[invoice.id] = invoice
        self._roles = None
        self._moved("Invoices", previous, invoice)
        payments = self._payments_of[invoice.id]
        for payment in payments:
            # A payment row's key is the payment's own; its target is the new invoice.
            row = PaymentRow(payment, invoice)
            self._moved("Payments", row, row)
        payment_ids = [p.PaymentID for p in payments]
        self._drop_fragments("Invoices", [invoice.id])
        self._drop_fragments("Payments", payment_ids)
        for applied in self._applied[invoice.id]:
            for key in _CREDIT_KEYS:
                self._drop_fragments(key, [applied.credit.id])
        self._drop_fragments("Contacts", [invoice.Contact.ContactID])  # IsCustomer/IsSupplier

    def _moved(self, key: str, old: object | None, new: object | None) -> None:
        """Keep a built table current: ``old`` leaves it, ``new`` enters it."""
        table = self._tables.get(key)
        if table is not None:
            table.replace(old, new)

    def _drop_fragments(self, key: str, row_ids: Iterable[str]) -> None:
        ids = list(row_ids)
        for variant in Variant:
            cache = self._fragments.get((key, variant))
            if cache:
                for row_id in ids:
                    cache.pop(row_id, None)

