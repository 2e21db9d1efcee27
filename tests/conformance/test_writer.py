"""The write side (``LedgerWriter``) against every sandbox, over real HTTP with the real SDK.

Each write is checked three ways: what the writer returns, what the sandbox's write log
recorded (``driver.written``: kind, target, the key as sent, replayed or not, the text), and
what the ledger's own read endpoints give back (``find_marker``, the books' email status).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest

from ar_sync.connector import (
    CUSTOMER_ATTACHMENT,
    CUSTOMER_NOTE,
    INVOICE_EMAIL,
    INVOICE_NOTE,
    MARKED_KINDS,
    LedgerWriter,
    load_plugin,
    write_marker,
)
from ar_sync.errors import ConfigError, FatalSourceError
from ar_sync.connect.orgs import vault_for
from ar_sync.settings import load_settings
from tests.conformance.platforms import Written
from tests.conformance.support import Ledger, stored_org

INVOICE_KEY = "org:inv:stage1:2026-11"
NOTE_KEY = "org:cust:statement-note:2026-11"
FILE_KEY = "org:cust:statement-pdf:2026-11"
PDF = b"%PDF-1.4\n% statement for November\n%%EOF\n" + bytes(range(256))


@pytest.fixture
def writer(connected: Ledger) -> Iterator[LedgerWriter]:
    """The connected org's writer, opened through its plugin as the outbox will open it."""
    org = stored_org(connected.org_id)
    opened = load_plugin(connected.platform).open_writer(org, vault_for(org, load_settings(None)))
    assert isinstance(opened, LedgerWriter)
    yield opened
    opened.close()


def test_markers_are_short_and_fixed_by_the_key():
    assert write_marker(INVOICE_KEY) == "[ar-sync 4620f14d]"
    assert write_marker(NOTE_KEY) == "[ar-sync ce2699a4]"
    assert write_marker(FILE_KEY) == "[ar-sync 5172617f]"
    with pytest.raises(ValueError):
        write_marker("")


def test_notes_and_a_file_land_once_each_and_are_found_by_their_markers(connected, writer):
    driver, control = connected.driver, connected.control
    invoice = driver.open_invoices(connected.state())[0]
    customer = invoice.customer_id

    on_invoice = writer.add_invoice_note(invoice.invoice_id, "Reminder 1 sent", key=INVOICE_KEY)
    on_customer = writer.add_customer_note(customer, "Statement sent", key=NOTE_KEY)
    attached = writer.attach_to_customer(customer, "statement-2026-11.pdf", PDF, key=FILE_KEY)

    assert [(w.kind, w.target, w.marker) for w in (on_invoice, on_customer, attached)] == [
        (INVOICE_NOTE, invoice.invoice_id, "[ar-sync 4620f14d]"),
        (CUSTOMER_NOTE, customer, "[ar-sync ce2699a4]"),
        (CUSTOMER_ATTACHMENT, customer, "[ar-sync 5172617f]"),
    ]
    assert all(w.at is None or w.at.tzinfo is UTC for w in (on_invoice, on_customer, attached))
    assert driver.written(control) == [
        Written(
            INVOICE_NOTE,
            invoice.invoice_id,
            driver.wire_key(INVOICE_KEY),
            False,
            "Reminder 1 sent [ar-sync 4620f14d]",
        ),
        Written(
            CUSTOMER_NOTE,
            customer,
            driver.wire_key(NOTE_KEY),
            False,
            "Statement sent [ar-sync ce2699a4]",
        ),
        Written(
            CUSTOMER_ATTACHMENT,
            customer,
            driver.wire_key(FILE_KEY),
            False,
            "statement-2026-11 [ar-sync 5172617f].pdf",
            len(PDF),
        ),
    ]
    # Read back through the ledger's own read endpoints: the same writes, ids and times.
    assert writer.find_marker(INVOICE_NOTE, invoice.invoice_id, on_invoice.marker) == on_invoice
    assert writer.find_marker(CUSTOMER_NOTE, customer, on_customer.marker) == on_customer
    assert writer.find_marker(CUSTOMER_ATTACHMENT, customer, attached.marker) == attached


def test_find_marker_says_none_for_a_write_that_never_landed(connected, writer):
    invoice = connected.driver.open_invoices(connected.state())[0]
    writer.add_invoice_note(invoice.invoice_id, "Reminder 1 sent", key=INVOICE_KEY)
    never = write_marker("never sent")
    targets = {
        INVOICE_NOTE: invoice.invoice_id,
        CUSTOMER_NOTE: invoice.customer_id,
        CUSTOMER_ATTACHMENT: invoice.customer_id,
    }
    assert [writer.find_marker(kind, targets[kind], never) for kind in MARKED_KINDS] == [
        None,
        None,
        None,
    ]
    # A note's marker is no attachment's, and one customer's note is not another's.
    landed = write_marker(INVOICE_KEY)
    assert writer.find_marker(CUSTOMER_NOTE, invoice.customer_id, landed) is None
    with pytest.raises(ValueError):
        writer.find_marker(INVOICE_EMAIL, invoice.invoice_id, landed)


def test_the_same_key_twice_is_one_write(connected, writer):
    driver, control = connected.driver, connected.control
    state = connected.state()
    invoice = driver.open_invoices(state)[0]
    emailable = driver.emailable_invoice(state)

    def twice(write):
        first, second = write(), write()
        assert second == first
        return first

    twice(lambda: writer.add_invoice_note(invoice.invoice_id, "Reminder 2", key="k-note"))
    twice(lambda: writer.add_customer_note(invoice.customer_id, "Called", key="k-customer"))
    twice(lambda: writer.attach_to_customer(invoice.customer_id, "s.pdf", PDF, key="k-file"))
    twice(lambda: writer.email_invoice(emailable, key="k-email"))

    assert [(w.kind, w.key, w.replay) for w in driver.written(control)] == [
        (kind, driver.wire_key(key), replay)
        for kind, key in (
            (INVOICE_NOTE, "k-note"),
            (CUSTOMER_NOTE, "k-customer"),
            (CUSTOMER_ATTACHMENT, "k-file"),
            (INVOICE_EMAIL, "k-email"),
        )
        for replay in (False, True)
    ]


def test_an_answer_lost_after_the_write_is_retried_with_its_key(connected, writer):
    """The note is written, its answer arrives cut in half; the writer retries with the same
    key and gets the first answer back: one note in the ledger."""
    driver, control = connected.driver, connected.control
    invoice = driver.open_invoices(connected.state())[0]
    control.fault(kind="malformed", path=driver.note_fault_path, count=1)

    note = writer.add_invoice_note(invoice.invoice_id, "Reminder 1 sent", key=INVOICE_KEY)

    assert writer.stats.retries == 1
    assert [(w.kind, w.key, w.replay) for w in driver.written(control)] == [
        (INVOICE_NOTE, driver.wire_key(INVOICE_KEY), False),
        (INVOICE_NOTE, driver.wire_key(INVOICE_KEY), True),
    ]
    assert writer.find_marker(INVOICE_NOTE, invoice.invoice_id, note.marker) == note


def test_an_over_long_note_is_refused_before_any_call(connected, writer):
    driver, control = connected.driver, connected.control
    invoice = driver.open_invoices(connected.state())[0]
    marker = write_marker(INVOICE_KEY)
    assert writer.note_limit == driver.note_limit
    room = driver.note_limit - len(marker) - 1  # the text, a space, the marker
    calls_before = control.calls()["total"]

    with pytest.raises(ConfigError) as refused:
        writer.add_invoice_note(invoice.invoice_id, "x" * (room + 1), key=INVOICE_KEY)
    assert str(refused.value) == (
        f"a {driver.ledger_name} note holds at most {driver.note_limit} characters, its marker "
        f"{marker} included: shorten the text to {room} characters (it has {room + 1})"
    )
    assert control.calls()["total"] == calls_before
    assert driver.written(control) == []

    writer.add_invoice_note(invoice.invoice_id, "x" * room, key=INVOICE_KEY)
    (written,) = driver.written(control)
    assert written.text == "x" * room + " " + marker
    assert len(written.text) == driver.note_limit


def test_the_ledger_emails_an_invoice_and_refusals_name_it(connected, writer):
    driver, control = connected.driver, connected.control
    state = connected.state()
    invoice_id = driver.emailable_invoice(state)
    assert not driver.emailed(state, invoice_id)

    sent = writer.email_invoice(invoice_id, key="org:email:stage2:2026-11")

    assert (sent.kind, sent.target, sent.marker, sent.ledger_id) == (
        INVOICE_EMAIL,
        invoice_id,
        None,
        None,
    )
    assert driver.emailed(connected.state(), invoice_id)
    assert driver.written(control) == [
        Written(INVOICE_EMAIL, invoice_id, driver.wire_key("org:email:stage2:2026-11"), False)
    ]

    refusals = driver.email_refusals(control, connected.state())
    assert refusals
    for refused_id, message in refusals:
        with pytest.raises(FatalSourceError) as refused:
            writer.email_invoice(refused_id, key=f"org:email:{refused_id}")
        assert str(refused.value) == message
        assert not driver.emailed(connected.state(), refused_id)
    assert len(driver.written(control)) == 1  # nothing more was sent


def test_a_write_to_an_unknown_customer_is_refused_naming_it(connected, writer):
    driver = connected.driver
    unknown = driver.unknown_customer
    with pytest.raises(FatalSourceError) as note:
        writer.add_customer_note(unknown, "Called", key="k-unknown-note")
    assert str(note.value) == (
        f"cannot add a note to customer {unknown}: "
        f"{driver.unknown_customer_refusals[CUSTOMER_NOTE]}"
    )
    with pytest.raises(FatalSourceError) as attachment:
        writer.attach_to_customer(unknown, "statement.pdf", PDF, key="k-unknown-file")
    assert str(attachment.value) == (
        f"cannot attach statement.pdf to customer {unknown}: "
        f"{driver.unknown_customer_refusals[CUSTOMER_ATTACHMENT]}"
    )
    assert driver.written(connected.control) == []
