"""Reminder texts: what a customer and the ledger read, a user's own templates, and template
errors named by file and line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ar_sync_quickbooks.writer import NOTE_LIMIT as QUICKBOOKS_NOTE_LIMIT
from ar_sync_xero.writer import NOTE_LIMIT as XERO_NOTE_LIMIT
from hypothesis import given, settings
from hypothesis import strategies as st

from ar_sync.collect.interest import quote
from ar_sync.collect.policy import Interest, InterestScheme, Policy, Templates
from ar_sync.collect.templates import NOTE_MARGIN, render
from ar_sync.connector import marked_note
from ar_sync.domain import Action, Channel, PlannedInvoice, Segment, Stage, Tone
from ar_sync.errors import ConfigError

AS_OF = date(2026, 3, 5)
UK = Policy(interest=Interest(scheme=InterestScheme.UK_STATUTORY, base_rate=Decimal("5.25")))


def _invoice(number: str, amount: str, currency: str, due: date, policy: Policy) -> PlannedInvoice:
    interest, fee = quote(Decimal(amount), currency, due, AS_OF, policy.interest)
    return PlannedInvoice(
        invoice_id=f"id-{number}", number=number, issue_date=date(2026, 1, 4), due_date=due,
        days_overdue=(AS_OF - due).days, amount_due=Decimal(amount), currency=currency,
        interest=interest, fee=fee,
    )


def _action(stage: Stage, tone: Tone, channels: tuple[Channel, ...],
            invoices: tuple[PlannedInvoice, ...]) -> Action:
    return Action(
        org_id="xero:t1", customer_id="c1", customer="Bay Plumbing", email="ap@bay.example",
        segment=Segment.STANDARD, stage=stage, tone=tone, channels=channels, invoices=invoices,
        total_due=Decimal("1250.50"), base_currency="GBP", as_of=AS_OF,
        key=f"remind:xero:t1:c1:{stage.value}:{AS_OF.isoformat()}",
    )


FINAL = _action(
    Stage.FINAL, Tone.FORMAL, (Channel.EMAIL, Channel.LETTER, Channel.LEDGER_NOTE),
    (_invoice("INV-1", "1000.00", "GBP", date(2026, 2, 3), UK),
     _invoice("INV-2", "250.50", "USD", date(2026, 2, 20), UK)),
)


def test_the_final_notice_email_and_demand_letter() -> None:
    messages = render(FINAL, UK, org_name="Kauri Ltd", note_limit=XERO_NOTE_LIMIT,
                      policy_dir=None)
    assert messages.subject == "Final notice: GBP 1,000.00 + USD 250.50 overdue to Kauri Ltd"
    invoice_lines = (
        "- INV-1 dated 4 January 2026, due 3 February 2026 (30 days overdue): GBP 1,000.00\n"
        "    late-payment interest to 5 March 2026: GBP 10.89\n"
        "    fixed compensation for recovery costs: GBP 70.00\n"
        "- INV-2 dated 4 January 2026, due 20 February 2026 (13 days overdue): USD 250.50\n"
        "    late-payment interest to 5 March 2026: USD 1.18\n"
        "\n"
        "Total overdue: GBP 1,000.00 + USD 250.50\n"
        "With interest and compensation: GBP 1,080.89 + USD 251.68\n"
        "Under the Late Payment of Commercial Debts (Interest) Act 1998 we may claim interest "
        "at 13.25% a year (8% over the Bank of England base rate) and fixed compensation for "
        "each late invoice.\n"
    )
    assert messages.body.startswith("Dear Bay Plumbing,\n\nThis is our final notice")
    assert invoice_lines in messages.body
    assert "Payment in full is required by 12 March 2026." in messages.body
    assert messages.letter is not None
    assert messages.letter.startswith("Kauri Ltd\n5 March 2026\n\nBay Plumbing\n\n"
                                      "FINAL NOTICE BEFORE ACTION\n")
    assert "We supplied the goods or services below and invoiced you for them." in messages.letter
    assert invoice_lines in messages.letter
    assert "We ask you to pay GBP 1,080.89 + USD 251.68 in full by 12 March 2026." in \
        messages.letter
    assert "hand the debt to a collection agency or start court proceedings" in messages.letter
    assert messages.note == (
        "Final notice (final) sent by email, letter to post: INV-1, INV-2; "
        "GBP 1,000.00 + USD 250.50 overdue"
    )
    assert messages.task is None


def test_no_interest_lines_without_a_scheme_and_a_call_task() -> None:
    policy = Policy()
    action = _action(Stage.CALL, Tone.FIRM, (Channel.CALL_TASK, Channel.LEDGER_NOTE),
                     (_invoice("INV-7", "1234.5", "NZD", date(2026, 1, 19), policy),))
    messages = render(action, policy, org_name="Kauri Ltd", note_limit=XERO_NOTE_LIMIT,
                      policy_dir=None)
    assert "interest" not in messages.body and "compensation" not in messages.body
    assert "- INV-7 dated 4 January 2026, due 19 January 2026 (45 days overdue): " \
        "NZD 1,234.50\n\nTotal overdue: NZD 1,234.50\n\n" in messages.body
    assert messages.task == (
        "Call Bay Plumbing (ap@bay.example) about NZD 1,234.50 overdue on 1 invoice, "
        "the oldest 45 days overdue: INV-7."
    )
    assert messages.note == "Call task (call) opened: INV-7; NZD 1,234.50 overdue"
    assert messages.letter is None


def test_a_long_list_of_invoices_is_shortened_to_fit_the_ledger_note() -> None:
    policy = Policy()
    invoices = tuple(_invoice(f"INV-{n:04d}", "10.00", "NZD", date(2026, 2, 1), policy)
                     for n in range(1, 41))
    action = _action(Stage.FIRM, Tone.FIRM, (Channel.EMAIL, Channel.LEDGER_NOTE), invoices)
    note = render(action, policy, org_name="K", note_limit=XERO_NOTE_LIMIT,
                  policy_dir=None).note
    # 230 characters at most: 36 + 16 numbers (8 each, 15 ", ") + 12 + 20 = 226 fit; 17: 236
    assert note == (
        "Firm reminder (firm) sent by email: " + ", ".join(f"INV-{n:04d}" for n in range(1, 17))
        + " and 24 more; NZD 400.00 overdue"
    )
    assert len(note) <= XERO_NOTE_LIMIT - NOTE_MARGIN
    assert len(marked_note(note, action.key, limit=XERO_NOTE_LIMIT, ledger="Xero")) <= 250


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1,
                max_size=40).filter(str.strip),
        min_size=1, max_size=200,
    ),
    currencies=st.lists(st.sampled_from(["NZD", "USD", "GBP", "JPY", "KWD"]), min_size=1,
                        max_size=5),
    limit=st.sampled_from([XERO_NOTE_LIMIT, QUICKBOOKS_NOTE_LIMIT]),
)
def test_the_note_always_fits_the_ledgers_limit(
    numbers: list[str], currencies: list[str], limit: int
) -> None:
    policy = Policy()
    invoices = tuple(
        _invoice(number, "98765432.10", currencies[i % len(currencies)], date(2026, 2, 1), policy)
        for i, number in enumerate(numbers)
    )
    action = _action(Stage.REMINDER, Tone.FRIENDLY, (Channel.EMAIL, Channel.LEDGER_NOTE),
                     invoices)
    note = render(action, policy, org_name="K", note_limit=limit, policy_dir=None).note
    assert 0 < len(note) <= limit - NOTE_MARGIN
    marked_note(note, action.key, limit=limit, ledger="test")  # the writer accepts it


def test_a_users_templates_replace_the_built_in_ones(tmp_path: Path) -> None:
    folder = tmp_path / "words"
    folder.mkdir()
    (folder / "email_formal.txt").write_text(
        "Subject: {{ customer }}, pay {{ total }}\n\nBy {{ deadline }}, please.\n"
        "{% for i in invoices %}{{ i.number }} {{ i.amount }}\n{% endfor %}",
        encoding="utf-8")
    policy = UK.model_copy(update={"templates": Templates(folder="words")})
    messages = render(FINAL, policy, org_name="Kauri Ltd", note_limit=XERO_NOTE_LIMIT,
                      policy_dir=tmp_path)
    assert messages.subject == "Bay Plumbing, pay GBP 1,000.00 + USD 250.50"
    assert messages.body == ("By 12 March 2026, please.\nINV-1 GBP 1,000.00\n"
                             "INV-2 USD 250.50\n")
    assert messages.letter is not None and "FINAL NOTICE BEFORE ACTION" in messages.letter


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("email_formal.txt", "Subject: x\n\nHello\n{{ nope }}\n",
         "email_formal.txt line 4: template error: 'nope' is undefined"),
        ("note.txt", "{% if %}\n",
         "note.txt line 1: template error: Expected an expression, got 'end of statement block'"),
        ("email_formal.txt", "Subject: x\n{{ customer.__class__.__mro__ }}\n",
         "email_formal.txt line 2: template error: access to attribute '__class__' of 'str' "
         "object is unsafe."),
        ("email_formal.txt", "Dear all\n",
         "email_formal.txt line 1: template error: the first line must be 'Subject: ...'"),
    ],
)
def test_a_broken_template_names_its_file_and_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    folder = tmp_path / "words"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    policy = Policy(templates=Templates(folder="words"))
    with pytest.raises(ConfigError) as caught:
        render(FINAL, policy, org_name="K", note_limit=XERO_NOTE_LIMIT, policy_dir=tmp_path)
    assert str(caught.value) == f"{folder.resolve()}/{expected}"


def test_a_missing_templates_folder_is_one_line(tmp_path: Path) -> None:
    policy = Policy(templates=Templates(folder="absent"))
    with pytest.raises(ConfigError, match=r"^templates\.folder: no such folder: .*absent$"):
        render(FINAL, policy, org_name="K", note_limit=XERO_NOTE_LIMIT, policy_dir=tmp_path)
