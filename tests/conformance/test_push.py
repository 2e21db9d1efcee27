"""``ar-sync remind --apply`` on every ledger: each write lands once, each email goes once,
each contact is journaled once, and running again the same day sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ar_sync.domain import JournalKind
from tests.conformance.push_helpers import (
    TINY,
    contacts_by_key,
    expected_emails,
    expected_writes,
    journal_kinds,
    landed_writes,
    mail,  # noqa: F401  (fixture)
    marker_of,
    note_texts,
    plan_day,
    prepare,
    sent_emails,
    stored_actions,
)


@pytest.fixture
def tiny(start_ledger):
    return start_ledger(**TINY)


def test_remind_apply_writes_each_note_and_email_once(cli, tiny, mail, ar_home: Path, today):
    policy = prepare(cli, tiny, mail, ar_home, imap=False)
    day = plan_day(today).isoformat()

    dry = cli("remind", "--as-of", day, "--policy", str(policy))
    assert dry.code == 0, dry.err
    assert dry.out.strip().endswith("dry run: nothing sent; add --apply")
    assert stored_actions() == [] and tiny.driver.written(tiny.control) == []

    first = cli("remind", "--apply", "--as-of", day, "--policy", str(policy))
    assert first.code == 0, first.err
    actions = stored_actions()
    assert len(actions) >= 2  # the tiny company has overdue customers at several stages
    assert {a.status for a in actions} == {"done"}

    # The ledger holds one note per listed invoice and one on the customer per action, each
    # with its step's marker; one ledger email per invoice; the SMTP server one email per action.
    assert landed_writes(tiny) == expected_writes(tiny, actions)
    notes = note_texts(tiny)
    for action in actions:
        for step in action.steps:
            if step.step.endswith("note") or step.step.startswith("invoice_note"):
                (text,) = [t for t in notes if t.endswith(marker_of(action, step.step))]
                assert text == f"{action.data['messages']['note']} {marker_of(action, step.step)}"
    assert sent_emails(mail) == expected_emails(actions)
    for message in mail.messages:
        assert message["From"] == "accounts@kauri.example"
        assert message.get_content_type() == "text/plain"

    # One contact per action in the journal; a result row per write; a task row per task.
    assert contacts_by_key(tiny.org_id) == {a.key: 1 for a in actions}
    steps = [s for a in actions for s in a.steps]
    tasks = sum(1 for s in steps if s.step.startswith("task:"))
    kinds = journal_kinds(tiny.org_id)
    assert kinds[JournalKind.RESULT.value] == len(steps) - tasks
    assert kinds[JournalKind.TASK.value] == tasks
    assert JournalKind.FAILURE.value not in kinds
    notes_count = sum(1 for s in steps if "note" in s.step)
    emails_count = sum(1 for s in steps if s.step == "email" or s.step.startswith("ledger_email"))
    assert emails_count > len(actions) and tasks == len(actions)  # ledger's + ours; letters
    assert first.out.strip().splitlines()[-1].endswith(
        f": sent {len(actions)} contacts ({notes_count} notes, {emails_count} emails, "
        f"{tasks} tasks); 0 failed; 0 unknown"
    )
    assert len([line for line in first.err.splitlines() if ": done (" in line]) == len(actions)

    # The same day again: everything is journaled, so nothing is planned or sent.
    writes_before, mails_before = landed_writes(tiny), sent_emails(mail)
    again = cli("remind", "--apply", "--as-of", day, "--policy", str(policy))
    assert again.code == 0, again.err
    assert again.out.strip().splitlines()[-1].endswith(
        ": sent 0 contacts (0 notes, 0 emails, 0 tasks); 0 failed; 0 unknown"
    )
    assert landed_writes(tiny) == writes_before
    assert sent_emails(mail) == mails_before
    assert contacts_by_key(tiny.org_id) == {a.key: 1 for a in actions}


def test_email_without_smtp_config_is_refused_before_anything_is_sent(
    cli, tiny, mail, ar_home: Path, today
):
    policy = prepare(cli, tiny, mail, ar_home, imap=False)
    (ar_home / "config.toml").unlink()
    result = cli("remind", "--apply", "--as-of", plan_day(today).isoformat(),
                 "--policy", str(policy))
    assert result.code == 2
    assert result.err.strip() == (
        f"error: the policy sends email but {ar_home / 'config.toml'} has no [smtp] table "
        "(host, port, security, sender); add one, or take email out of the stages' channels"
    )
    assert stored_actions() == []
    assert tiny.driver.written(tiny.control) == []
    assert mail.messages == []
