"""The evidence pack on one customer (``ar-sync evidence``): what a lawyer or a debt agency
asks for, as a PDF summary and two CSV files.

- ``<slug>-evidence.pdf``: the creditor and debtor; the open invoices (number, invoice date, due
  date, amount, paid or credited, balance, days overdue, currency) with a total per currency;
  every contact (date, how, stage, what was said or sent: the journal's text); the promises to
  pay (amount, by, the overdue balance when made, kept / broken / open / released); the holds
  (dispute, payment plan: from, until, released); the statements sent.
- ``<slug>-invoices.csv``: a row per open invoice, the PDF's columns, plain amounts.
- ``<slug>-contacts.csv``: a row per contact (``CONTACT_KINDS``: ar-sync's contacts, those
  logged by hand, statements), oldest first.

``slug`` is the customer's name in lower case, every run of characters other than letters
and digits one ``-`` (``Māori Café Ltd`` -> ``māori-café-ltd``); a name with no letter or
digit uses the customer id. Days overdue = ``(as_of - due_date).days``, 0 when not yet due.
Amounts are each invoice's own currency with its minor unit, grouped in the PDF
(``1,234.50``) and plain in CSV (``1234.50``).

The PDF embeds DejaVu Sans (``views/fonts``, Bitstream Vera licence beside it) so any Latin,
Greek or Cyrillic name prints; its creation date is ``generated_at`` (no clock is read).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ar_sync.domain import (
    CONTACT_KINDS,
    Customer,
    HoldReason,
    Invoice,
    JournalEntry,
    JournalKind,
    Org,
)
from ar_sync.errors import ConfigError
from ar_sync.journal import HoldRecord, channel_label, hold_records, promise_status
from ar_sync.money import ZERO, format_amount
from ar_sync.views.pdf_document import PdfDocument


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Everything the pack shows. ``invoices``: the customer's open invoices; ``entries``:
    their whole journal, oldest first; ``overdue_balance`` (in ``overdue_currency``) judges
    promises whose date has passed."""

    org: Org
    customer: Customer
    as_of: date
    generated_at: datetime
    invoices: Sequence[Invoice]
    entries: Sequence[JournalEntry]
    overdue_balance: Decimal
    overdue_currency: str


def slug(name: str, fallback: str) -> str:
    """A file-name stem for ``name`` (see the module docstring)."""
    found = re.sub(r"[\W_]+", "-", name.lower()).strip("-")
    return found or re.sub(r"[\W_]+", "-", fallback).strip("-") or "customer"


def days_overdue(invoice: Invoice, as_of: date) -> int:
    return max((as_of - invoice.due_date).days, 0)


def _invoices(pack: Evidence) -> list[Invoice]:
    return sorted(pack.invoices, key=lambda i: (i.due_date, i.number, i.invoice_id))


def _contacts(pack: Evidence, kinds: frozenset[JournalKind] = CONTACT_KINDS) -> list[JournalEntry]:
    return [e for e in pack.entries if e.kind in kinds]


INVOICE_COLUMNS = ("number", "invoice_id", "issue_date", "due_date", "currency", "amount",
                   "paid_or_credited", "balance", "days_overdue")
CONTACT_COLUMNS = ("entry_id", "day", "at", "kind", "channel", "stage", "invoices", "content")


def invoices_csv(pack: Evidence) -> str:
    """A header (``INVOICE_COLUMNS``), then a row per open invoice, earliest due first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INVOICE_COLUMNS)
    for i in _invoices(pack):
        writer.writerow([
            i.number, i.invoice_id, i.issue_date.isoformat(), i.due_date.isoformat(),
            i.currency, format_amount(i.total, i.currency),
            format_amount(i.total - i.amount_due, i.currency),
            format_amount(i.amount_due, i.currency), days_overdue(i, pack.as_of),
        ])
    return out.getvalue()


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contacts_csv(pack: Evidence) -> str:
    """A header (``CONTACT_COLUMNS``), then a row per contact, oldest first; ``invoices`` is
    the listed invoices' numbers joined with a space, ``content`` the journal's text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CONTACT_COLUMNS)
    for e in _contacts(pack):
        writer.writerow([
            e.entry_id, e.day.isoformat(), _at(e.at), e.kind.value, channel_label(e),
            "" if e.stage is None else e.stage.value, " ".join(i.number for i in e.invoices),
            e.text,
        ])
    return out.getvalue()


# --- the PDF -----------------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency, grouped=True)


def _promise_line(pack: Evidence, record: HoldRecord) -> list[str]:
    hold = record.hold
    assert hold.amount is not None and hold.balance is not None and hold.currency is not None
    known = pack.overdue_balance if hold.currency == pack.overdue_currency else None
    status = promise_status(record, known, pack.as_of).value
    return [hold.since.isoformat(), f"{hold.currency} {_money(hold.amount, hold.currency)}",
            str(hold.until), f"{hold.currency} {_money(hold.balance, hold.currency)}", status,
            hold.note]


def _hold_line(record: HoldRecord) -> list[str]:
    hold = record.hold
    label = "dispute" if hold.reason is HoldReason.DISPUTE else "payment plan"
    return [label, hold.since.isoformat(), "until released" if hold.until is None
            else hold.until.isoformat(),
            "" if record.released is None else record.released.isoformat(), hold.note]


def render_pdf(pack: Evidence) -> bytes:
    """The PDF summary (the module docstring says what it holds)."""
    doc = PdfDocument(title=f"Collection evidence: {pack.customer.name}", author=pack.org.name,
                      created=pack.generated_at)
    heading, line, table = doc.heading, doc.line, doc.table

    heading(f"Collection evidence: {pack.customer.name}", 15)
    line(f"Creditor: {pack.org.name} ({pack.org.org_id})")
    email = f", {pack.customer.email}" if pack.customer.email else ""
    line(f"Debtor: {pack.customer.name} (customer id {pack.customer.customer_id}{email})")
    line(f"As of {pack.as_of.isoformat()}; prepared {_at(pack.generated_at)} by ar-sync from "
         "the ledger's records and the collections journal.")

    heading("Open invoices")
    invoices = _invoices(pack)
    table(
        (22, 22, 22, 14, 28, 28, 28, 20),
        ("Invoice", "Date", "Due", "Cur.", "Amount", "Paid/credited", "Balance",
         "Days overdue"),
        [[i.number, i.issue_date.isoformat(), i.due_date.isoformat(), i.currency,
          _money(i.total, i.currency), _money(i.total - i.amount_due, i.currency),
          _money(i.amount_due, i.currency), str(days_overdue(i, pack.as_of))]
         for i in invoices],
        ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    for currency in sorted({i.currency for i in invoices}):
        mine = [i for i in invoices if i.currency == currency]
        owed = sum((i.amount_due for i in mine), ZERO)
        overdue = sum((i.amount_due for i in mine if i.due_date < pack.as_of), ZERO)
        line(f"Total balance {currency} {_money(owed, currency)}, of which overdue "
             f"{currency} {_money(overdue, currency)}.")

    heading("Contacts")
    table(
        (22, 26, 18, 124),
        ("Date", "Channel", "Stage", "Content"),
        [[e.day.isoformat(), channel_label(e) or e.kind.value,
          "" if e.stage is None else e.stage.value,
          _with_invoices(e)]
         for e in _contacts(pack, frozenset({JournalKind.CONTACT, JournalKind.MANUAL_CONTACT}))],
        ("LEFT", "LEFT", "LEFT", "LEFT"),
    )

    records = hold_records(pack.entries, pack.as_of)
    heading("Promises to pay")
    table(
        (22, 32, 22, 36, 20, 58),
        ("Made", "Amount", "By", "Overdue then", "Status", "Note"),
        [_promise_line(pack, r) for r in records if r.hold.reason is HoldReason.PROMISE],
        ("LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT", "LEFT"),
    )

    heading("Holds")
    table(
        (28, 22, 28, 24, 88),
        ("Reason", "From", "Until", "Released", "Note"),
        [_hold_line(r) for r in records if r.hold.reason is not HoldReason.PROMISE],
        ("LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
    )

    heading("Statements sent")
    table(
        (22, 168),
        ("Date", "Statement"),
        [[e.day.isoformat(), e.text] for e in _contacts(pack, frozenset({JournalKind.STATEMENT}))],
        ("LEFT", "LEFT"),
    )
    return doc.output()


def _with_invoices(entry: JournalEntry) -> str:
    if not entry.invoices:
        return entry.text
    listed = ", ".join(
        f"{i.number} ({i.currency} {_money(i.amount_due, i.currency)}, due {i.due_date})"
        for i in entry.invoices
    )
    return f"{entry.text}\nInvoices: {listed}"


def write_pack(pack: Evidence, out: Path) -> list[Path]:
    """Write the three files into ``out`` (made if missing); their paths. A directory that
    cannot be written is a ``ConfigError`` naming it."""
    stem = slug(pack.customer.name, pack.customer.customer_id)
    files = {
        out / f"{stem}-evidence.pdf": render_pdf(pack),
        out / f"{stem}-invoices.csv": invoices_csv(pack).encode("utf-8"),
        out / f"{stem}-contacts.csv": contacts_csv(pack).encode("utf-8"),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for path, content in files.items():
            path.write_bytes(content)
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    return list(files)
