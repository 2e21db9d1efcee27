"""The kill test: ``ar-sync remind --apply`` killed (SIGKILL) at every point of a write, then
run again: every note and every email exists exactly once, every action has one contact.

The process is a real subprocess; ``AR_SYNC_CRASH_AT`` (``ar_sync.push.run``'s fault-injection
hook) makes it kill itself at the named point: after the actions are stored and before any
call (``enqueued``), after a step's attempt is committed and before its call
(``attempting@KIND``), after the call and before its record (``called@KIND``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
    plan_day,
    prepare,
    sent_emails,
    stored_actions,
)

POINTS = [
    "enqueued",
    "attempting@invoice_note",
    "called@invoice_note",
    "called@customer_note",
    "attempting@ledger_email",
    "called@ledger_email",
    "attempting@email",
    "called@email",
]


def remind(home: Path, day: str, policy: Path, crash: str | None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AR_SYNC_HOME": str(home),
        "AR_SYNC_HISTORY_MONTHS": "0",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }
    env.pop("AR_SYNC_DB", None)
    env.pop("AR_SYNC_CONFIG", None)
    env.pop("AR_SYNC_CRASH_AT", None)
    if crash is not None:
        env["AR_SYNC_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, "-m", "ar_sync", "remind", "--apply", "--as-of", day,
         "--policy", str(policy)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture
def tiny(start_ledger):
    return start_ledger(**TINY)


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_any_point_then_run_again_sends_everything_once(
    cli, tiny, mail, ar_home: Path, today, point: str
):
    policy = prepare(cli, tiny, mail, ar_home, imap=True)
    day = plan_day(today).isoformat()

    killed = remind(ar_home, day, policy, crash=point)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert stored_actions(), "the actions were stored before the first call"

    again = remind(ar_home, day, policy, crash=None)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr

    actions = stored_actions()
    assert {a.status for a in actions} == {"done"}
    assert {s.state for a in actions for s in a.steps} == {"done"}
    assert landed_writes(tiny) == expected_writes(tiny, actions)
    assert sent_emails(mail) == expected_emails(actions)
    assert contacts_by_key(tiny.org_id) == {a.key: 1 for a in actions}
    assert JournalKind.FAILURE.value not in journal_kinds(tiny.org_id)
    assert again.stdout.strip().endswith("0 failed; 0 unknown")


def test_an_email_killed_after_sending_without_imap_is_unknown_and_never_resent(
    cli, tiny, mail, ar_home: Path, today
):
    policy = prepare(cli, tiny, mail, ar_home, imap=False)
    day = plan_day(today).isoformat()

    killed = remind(ar_home, day, policy, crash="called@email")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (sent,) = mail.messages
    again = remind(ar_home, day, policy, crash=None)
    assert again.returncode == 0, again.stderr

    actions = stored_actions()
    (first,) = [a for a in actions if any(s.state == "unknown" for s in a.steps)]
    (email,) = [s for s in first.steps if s.step == "email"]
    assert (email.state, email.message_id) == ("unknown", sent["Message-ID"])
    assert {s.state for s in first.steps if s.step != "email"} == {"done"}
    # Every other action sent its email; the unknown one was not sent a second time.
    assert sent_emails(mail) == expected_emails(actions)
    assert journal_kinds(tiny.org_id)[JournalKind.FAILURE.value] == 1
    assert contacts_by_key(tiny.org_id) == {a.key: 1 for a in actions}
    assert again.stdout.strip().endswith("0 failed; 1 unknown")
    assert "1 writes have an unknown outcome" in again.stderr
