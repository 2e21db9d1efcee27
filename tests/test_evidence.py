"""``ar-sync evidence``: the PDF (read back with pypdf) and CSV pack on one customer, for a
customer whose name is not ASCII, against the Xero sandbox."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from ar_sync.domain import (
    Channel,
    JournaledInvoice,
    JournalEntry,
    JournalKind,
    Stage,
)
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import append_entries
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"
NAME = "Ōtaki Café Ελλάς Жук"
SLUG = "ōtaki-café-ελλάς-жук"


def add_customer(control: Any, today: Any) -> dict[str, str]:
    """The customer and two invoices: INV-101 1,234.50 less a 234.50 payment, due 40 days
    ago; INV-102 99.99 due in 5 days."""
    contact = control.request("POST", "contacts",
                              {"Name": NAME, "EmailAddress": "kia.ora@otaki.example"})["Contact"]
    ids = {"contact": contact["ContactID"]}
    for number, issued, due, amount in (("INV-101", 70, -40, 1234.5), ("INV-102", 2, 5, 99.99)):
        invoice = control.request("POST", "invoices", {
            "Type": "ACCREC", "Status": "AUTHORISED", "InvoiceNumber": number,
            "Contact": {"ContactID": contact["ContactID"]},
            "Date": (today - timedelta(days=issued)).isoformat(),
            "DueDate": (today + timedelta(days=due)).isoformat(),
            "LineItems": [{"Description": "Catering", "Quantity": 1, "UnitAmount": amount}],
        })["Invoice"]
        ids[number] = invoice["InvoiceID"]
    control.request("POST", f"invoices/{ids['INV-101']}/payments",
                    {"amount": "234.50", "date": (today - timedelta(days=10)).isoformat()})
    return ids


def test_the_pack_holds_invoices_contacts_promises_holds_and_statements(
    cli: Any, connected: Any, today: Any, tmp_path: Path
) -> None:
    ids = add_customer(connected.control, today)
    assert cli("sync").code == 0
    customer = ids["contact"]
    by = today + timedelta(days=14)
    assert cli("log", NAME, "--channel", "call",
               "--note", "Spoke to Aroha; disputes 10 cases").code == 0
    assert cli("hold", NAME, "--reason", "dispute", "--note", "10 cases short").code == 0
    assert cli("release", NAME).code == 0
    assert cli("promise", NAME, "--amount", "400.00", "--by", by.isoformat()).code == 0
    at = datetime.now(UTC)
    sent = today - timedelta(days=3)
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        append_entries(tx, [
            JournalEntry(  # a reminder as the push journals it
                org_id=ORG, customer_id=customer, kind=JournalKind.CONTACT, at=at, day=sent,
                stage=Stage.FIRM, channels=(Channel.LEDGER_NOTE, Channel.EMAIL),
                invoices=(JournaledInvoice(invoice_id=ids["INV-101"], number="INV-101",
                                           due_date=today - timedelta(days=40),
                                           amount_due=Decimal("1000.00"), currency="NZD"),),
                text="Dear Ōtaki Café, INV-101 for NZD 1,000.00 is now 37 days overdue.",
                key=f"remind:{ORG}:{customer}:firm:{sent}",
            ),
            JournalEntry(org_id=ORG, customer_id=customer, kind=JournalKind.STATEMENT, at=at,
                         day=sent, text="Statement to 30 November: NZD 1,099.99"),
        ])

    out = tmp_path / "pack"
    result = cli("evidence", NAME, "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [str(out / f"{SLUG}-{name}")
                                       for name in ("evidence.pdf", "invoices.csv",
                                                    "contacts.csv")]

    invoices = list(csv.DictReader(io.StringIO((out / f"{SLUG}-invoices.csv").read_text())))
    assert invoices == [
        {"number": "INV-101", "invoice_id": ids["INV-101"],
         "issue_date": (today - timedelta(days=70)).isoformat(),
         "due_date": (today - timedelta(days=40)).isoformat(), "currency": "NZD",
         "amount": "1234.50", "paid_or_credited": "234.50", "balance": "1000.00",
         "days_overdue": "40"},
        {"number": "INV-102", "invoice_id": ids["INV-102"],
         "issue_date": (today - timedelta(days=2)).isoformat(),
         "due_date": (today + timedelta(days=5)).isoformat(), "currency": "NZD",
         "amount": "99.99", "paid_or_credited": "0.00", "balance": "99.99",
         "days_overdue": "0"},
    ]
    contacts = list(csv.DictReader(io.StringIO((out / f"{SLUG}-contacts.csv").read_text())))
    assert [(c["day"], c["kind"], c["channel"], c["stage"], c["invoices"], c["content"])
            for c in contacts] == [
        (today.isoformat(), "manual_contact", "call", "", "",
         "Contact by call: Spoke to Aroha; disputes 10 cases"),
        (sent.isoformat(), "contact", "ledger_note, email", "firm", "INV-101",
         "Dear Ōtaki Café, INV-101 for NZD 1,000.00 is now 37 days overdue."),
        (sent.isoformat(), "statement", "", "", "", "Statement to 30 November: NZD 1,099.99"),
    ]

    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(out / f"{SLUG}-evidence.pdf").pages
    )
    expected = [
        f"Collection evidence: {NAME}",
        "Creditor: Kauri Test Traders",
        f"Debtor: {NAME} (customer id {customer}, kia.ora@otaki.example)",
        f"INV-101 {today - timedelta(days=70)} {today - timedelta(days=40)} NZD 1,234.50 "
        "234.50 1,000.00 40",
        f"INV-102 {today - timedelta(days=2)} {today + timedelta(days=5)} NZD 99.99 0.00 "
        "99.99 0",
        "Total balance NZD 1,099.99, of which overdue NZD 1,000.00.",
        f"{today} call Contact by call: Spoke to Aroha; disputes 10 cases",
        f"{sent} ledger_note, email firm Dear Ōtaki Café, INV-101 for NZD 1,000.00 is now 37 "
        "days overdue.",
        f"Invoices: INV-101 (NZD 1,000.00, due {today - timedelta(days=40)})",
        f"{today} NZD 400.00 {by} NZD 1,000.00 open",
        f"dispute {today} until released {today} 10 cases short",
        f"{sent} Statement to 30 November: NZD 1,099.99",
    ]
    missing = [line for line in expected if line not in text]
    assert missing == [], text


def test_an_unknown_customer_and_an_unwritable_directory_are_one_line(
    cli: Any, connected: Any, tmp_path: Path
) -> None:
    assert cli("sync").code == 0
    unknown = cli("evidence", "Nobody", "--out", str(tmp_path))
    assert (unknown.code, unknown.err) == (
        2, "error: unknown customer 'Nobody': give its id or its exact name\n")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    refused = cli("evidence", "Bay Plumbing", "--out", str(blocked / "pack"))
    assert refused.code == 2
    assert refused.err.startswith(f"error: --out: cannot write to {blocked / 'pack'}: ")
    assert len(refused.err.splitlines()) == 1
