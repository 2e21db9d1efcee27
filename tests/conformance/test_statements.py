"""``ar-sync statements --apply`` on every ledger: one PDF per customer owing something,
attached to the customer once, with one note, one email carrying the same PDF (the policy's
``[statements] email = true``) and one ``statement`` journal row; running again the same month
sends nothing. Then the kill test: killed (SIGKILL) around the attachment and run again, every
statement is attached once."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ar_sync.connector import CUSTOMER_ATTACHMENT, CUSTOMER_NOTE, write_marker
from ar_sync.domain import JournalKind
from ar_sync.push.mail import message_id
from ar_sync.push.outbox import Outboxed, step_key
from tests.conformance.push_helpers import (
    SENDER_DOMAIN,
    TINY,
    journal_kinds,
    landed_writes,
    mail,  # noqa: F401  (fixture)
    stored_actions,
)
from tests.conformance.support import Ledger, connect, flat, sync_ok
from tests.mailserver import MailServer

INSTRUCTIONS = "Pay by bank transfer to 12-3456-7890123-00, reference your name."


@pytest.fixture
def tiny(start_ledger):
    return start_ledger(**TINY)


def prepare(cli, ledger: Ledger, mail: MailServer, home: Path) -> Path:
    """Connect and sync; config.toml with the mail server and the payment instructions; the
    policy file that asks for statements by email (its path)."""
    connect(cli, ledger)
    sync_ok(cli)
    path = mail.write_config(home, imap=True)
    with path.open("a", encoding="utf-8") as config:
        config.write(f'\n[statements]\npayment_instructions = "{INSTRUCTIONS}"\n')
    policy = home / "emailing-policy.toml"
    policy.write_text("[statements]\nemail = true\n", encoding="utf-8")
    ledger.control.reset_calls()
    return policy


def statements() -> list[Outboxed]:
    return [a for a in stored_actions() if a.key.startswith("statement:")]


def expected_writes(ledger: Ledger, actions: list[Outboxed]) -> Counter[tuple[str, str, str]]:
    """One attachment and one note on the customer per statement, each under its step's key."""
    return Counter(
        (kind, a.customer_id, ledger.driver.wire_key(step_key(a.key, step)))
        for a in actions
        for kind, step in ((CUSTOMER_ATTACHMENT, "attachment"), (CUSTOMER_NOTE, "customer_note"))
    )


def statement_rows(org_id: str) -> Counter[str]:
    from ar_sync.settings import load_settings
    from ar_sync.store import Store
    from ar_sync.store.journal import load_journal

    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        entries = load_journal(tx, org_id, kinds={JournalKind.STATEMENT})
    return Counter(str(entry.key) for entry in entries)


def job_runs(org_id: str) -> list[Any]:
    """The org's recorded runs, oldest first."""
    from ar_sync.settings import load_settings
    from ar_sync.store import Store
    from ar_sync.store.runs_log import list_runs

    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        return sorted(list_runs(tx, org_ids=[org_id]), key=lambda r: r.id)


def owing_customers(ledger: Ledger) -> set[str]:
    """Customers with an owed invoice whose balance, less unapplied credits, is above zero
    in base currency (each of them owes something in some currency)."""
    state = ledger.control.state()
    owed = {i.customer_id for i in ledger.driver.owed_invoices(state)}
    return {c for c, total in ledger.driver.expected_aging(state).items() if total > 0} & owed


def test_statements_apply_attaches_notes_emails_and_journals_each_once(
    cli, tiny, mail, ar_home: Path, tmp_path: Path
):
    policy = str(prepare(cli, tiny, mail, ar_home))
    out = tmp_path / "statements"

    dry = cli("statements", "--out", str(out))
    assert dry.code == 0, dry.err
    files = sorted(out.iterdir())
    assert sorted(Path(line) for line in dry.out.splitlines()[:-1]) == files
    assert statements() == [] and tiny.driver.written(tiny.control) == []
    rendered = {path.read_bytes(): path for path in files}

    first = cli("statements", "--out", str(out), "--apply", "--policy", policy)
    assert first.code == 0, first.err
    actions = statements()
    owing = owing_customers(tiny)
    assert owing <= {a.customer_id for a in actions} and len(owing) >= 2
    assert len(actions) == len(files)
    assert {a.status for a in actions} == {"done"}
    assert landed_writes(tiny) == expected_writes(tiny, actions)

    # The ledger holds the very PDF the dry run wrote to --out (rendering is deterministic),
    # named with the date and the step's marker.
    day = actions[0].day.isoformat()
    assert dry.out.splitlines()[-1].endswith(f": {len(actions)} statements at {day}")
    by_name = {
        w.text: w.size for w in tiny.driver.written(tiny.control) if w.kind == CUSTOMER_ATTACHMENT
    }
    pdfs = {a.key: rendered[base64.b64decode(a.data["pdf"])] for a in actions}
    assert sorted(pdfs.values()) == files
    for action in actions:
        marker = write_marker(step_key(action.key, "attachment"))
        assert by_name[f"statement-{day} {marker}.pdf"] == pdfs[action.key].stat().st_size

    # Our email carries the same PDF to each customer with an address.
    emailed = [a for a in actions if a.data["email"]]
    assert emailed, "the tiny company has customers with an address"
    assert Counter((str(m["To"]), str(m["Message-ID"])) for m in mail.messages) == Counter(
        (a.data["email"], message_id(step_key(a.key, "statement_email"), SENDER_DOMAIN))
        for a in emailed
    )
    for message in mail.messages:
        (action,) = [a for a in emailed if message_id(step_key(a.key, "statement_email"),
                                                      SENDER_DOMAIN) == message["Message-ID"]]
        (attached,) = list(message.iter_attachments())
        assert attached.get_filename() == f"statement-{day}.pdf"
        assert attached.get_content() == pdfs[action.key].read_bytes()
        assert INSTRUCTIONS in message.get_body(("plain",)).get_content()

    assert statement_rows(tiny.org_id) == {a.key: 1 for a in actions}
    assert JournalKind.FAILURE.value not in journal_kinds(tiny.org_id)
    assert flat(first.out).endswith(
        f"{len(actions)} statements at {day}; {len(actions)} attached, {len(emailed)} emailed, "
        "0 failed, 0 already sent this month"
    )

    # The same month again: every statement is stored already; nothing new lands.
    writes, mails = landed_writes(tiny), len(mail.messages)
    again = cli("statements", "--apply", "--policy", policy)
    assert again.code == 0, again.err
    assert flat(again.out).endswith(
        f"{len(actions)} statements at {day}; 0 attached, 0 emailed, 0 failed, "
        f"{len(actions)} already sent this month"
    )
    assert landed_writes(tiny) == writes and len(mail.messages) == mails
    assert statement_rows(tiny.org_id) == {a.key: 1 for a in actions}

    # Each --apply is a run of its own in `ar-sync runs` (the dry run is none).
    assert [(r.kind.value, r.trigger.value, r.outcome.value, r.counts["statements"])
            for r in job_runs(tiny.org_id) if r.kind.value != "sync"] == [
        ("statements", "manual", "ok", len(actions)), ("statements", "manual", "ok", 0)]


# -- the kill test ---------------------------------------------------------------------------

POINTS = ["enqueued", "attempting@attachment", "called@attachment", "called@statement_email"]


def run_statements(home: Path, policy: Path, crash: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "AR_SYNC_HOME": str(home), "AR_SYNC_HISTORY_MONTHS": "0",
           "OAUTHLIB_INSECURE_TRANSPORT": "1"}
    for name in ("AR_SYNC_DB", "AR_SYNC_CONFIG", "AR_SYNC_CRASH_AT"):
        env.pop(name, None)
    if crash is not None:
        env["AR_SYNC_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, "-m", "ar_sync", "statements", "--apply", "--policy", str(policy)],
        env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("point", POINTS)
def test_killed_around_the_attachment_then_run_again_attaches_each_once(
    cli, tiny, mail, ar_home: Path, point: str
):
    policy = prepare(cli, tiny, mail, ar_home)

    killed = run_statements(ar_home, policy, crash=point)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert statements(), "the statements were stored before the first call"

    again = run_statements(ar_home, policy, crash=None)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr

    actions = statements()
    assert {a.status for a in actions} == {"done"}
    assert {s.state for a in actions for s in a.steps} == {"done"}
    assert landed_writes(tiny) == expected_writes(tiny, actions)
    assert Counter(str(m["Message-ID"]) for m in mail.messages) == Counter(
        message_id(step_key(a.key, "statement_email"), SENDER_DOMAIN)
        for a in actions if a.data["email"]
    )
    assert statement_rows(tiny.org_id) == {a.key: 1 for a in actions}
    assert JournalKind.FAILURE.value not in journal_kinds(tiny.org_id)


def test_statements_need_out_or_apply_and_email_needs_smtp(cli, tiny, mail, ar_home: Path):
    policy = prepare(cli, tiny, mail, ar_home)
    neither = cli("statements")
    assert (neither.code, neither.err.strip()) == (
        2, "error: give --out DIR to write the statements, or --apply to send them")
    config = ar_home / "config.toml"
    config.write_text('[statements]\npayment_instructions = "By transfer."\n', encoding="utf-8")
    refused = cli("statements", "--apply", "--policy", str(policy))
    assert refused.code == 2
    assert flat(refused.err) == (
        f"error: {policy}: statements.email = true but {config} has no [smtp] table (host, "
        "port, security, sender); add one, or set email = false"
    )
    assert statements() == [] and tiny.driver.written(tiny.control) == []


def test_the_old_email_switch_in_config_toml_is_refused_naming_where_it_went(
    cli, tiny, mail, ar_home: Path
):
    prepare(cli, tiny, mail, ar_home)
    config = ar_home / "config.toml"
    with config.open("a", encoding="utf-8") as file:
        file.write("email = true\n")  # inside the [statements] table prepare wrote last
    for args in (("--apply",), ("--out", str(ar_home / "out"))):
        refused = cli("statements", *args)
        assert (refused.code, refused.out) == (2, "")
        assert refused.err == (
            f"error: {config}: statements.email: moved to the policy: remove it here and set "
            "email = true under [statements] in a policy file (`ar-sync policy init` writes "
            "one), given with --policy or `schedule set --policy`\n"
        )
    assert statements() == [] and tiny.driver.written(tiny.control) == []
    assert not (ar_home / "out").exists()


def test_a_policy_without_email_attaches_and_notes_but_sends_no_mail(
    cli, tiny, mail, ar_home: Path
):
    prepare(cli, tiny, mail, ar_home)
    quiet = ar_home / "quiet-policy.toml"
    quiet.write_text("[statements]\nemail = false\n", encoding="utf-8")
    for policy in ((), ("--policy", str(quiet))):  # the default policy emails none either
        applied = cli("statements", "--apply", *policy)
        assert applied.code == 0, applied.err
    actions = statements()
    assert {a.status for a in actions} == {"done"} and len(actions) >= 2
    assert {s.step for a in actions for s in a.steps} == {
        "attachment", "customer_note"}
    assert landed_writes(tiny) == expected_writes(tiny, actions)
    assert mail.messages == []
    day = actions[0].day.isoformat()
    assert flat(applied.out).endswith(
        f"{len(actions)} statements at {day}; 0 attached, 0 emailed, 0 failed, "
        f"{len(actions)} already sent this month"
    )
