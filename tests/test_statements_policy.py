"""Whether statements are emailed is the policy's ``[statements] email``: `ar-sync policy init`
writes it (off), `ar-sync policy check` names its line and key when it is wrong and says in
its summary whether statements are emailed, and the scheduled statements job follows the
policy of the org's timetable (`schedule set --policy`), as the reminders job does. (Manual
runs following it, and the old config.toml switch refused, are in
tests/conformance/test_statements.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from ar_sync.collect.policy import Policy, Statements
from ar_sync.collect.policy_file import load_policy
from ar_sync.scheduler import Fired, Runtime, Scheduler
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.runs_log import JobKind, Outcome, list_runs
from tests.conftest import CliResult
from tests.mailserver import MailServer
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"


def test_policy_init_writes_statements_email_off(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("policy", "init").code == 0
    text = (tmp_path / "ar-sync-policy.toml").read_text(encoding="utf-8")
    assert text.endswith(
        "[statements]\n"
        "email = false  # true: also email each statement over SMTP to a customer with an "
        "address\n"
    )
    assert load_policy(tmp_path / "ar-sync-policy.toml").statements == Statements(email=False)


def test_policy_check_says_statements_are_emailed(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "mailing"\n[statements]\nemail = true\n', encoding="utf-8")
    assert load_policy(path) == Policy(name="mailing", statements=Statements(email=True))
    checked = cli("policy", "check", str(path))
    assert (checked.code, checked.err) == (0, "")
    assert checked.out.replace("\n", "").endswith(
        "cap 5 per 30 days; interest none; templates built-in; statements emailed)")


def test_policy_check_names_the_line_of_a_bad_statements_key(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[limits]\ncap_per_30_days = 4\n\n[statements]\nemail = "sometimes"\nattach = '
                    "false\n", encoding="utf-8")
    checked = cli("policy", "check", str(path))
    assert (checked.code, checked.out) == (2, "")
    assert checked.err == (
        f"error: {path} line 5: statements.email: expected a valid boolean, unable to interpret "
        'input, got "sometimes"\n'
        f"{path} line 6: statements.attach: unknown key (known here: email)\n"
    )


def test_the_scheduled_statements_job_emails_as_the_orgs_policy_says(
    cli: Callable[..., CliResult], connected: Any, ar_home: Path, today: date
) -> None:
    policy = ar_home / "emailing-policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("[statements]\nemail = true\n", encoding="utf-8")
    assert cli("schedule", "set", ORG, "--sync", "off", "--remind", "off", "--statements",
               "0 8 * * *", "--policy", str(policy)).code == 0
    at = datetime.combine(today, time(8, 0), UTC)  # the test company's zone is UTC
    mail = MailServer().start()
    try:
        mail.write_config(ar_home, imap=True)
        with Store(load_settings(None).db_url) as store:
            scheduler = Scheduler(Runtime(store=store, settings=load_settings(None),
                                          now=lambda: at, paced=False))
            try:
                scheduler.refresh(at)
                fired = scheduler.run_due(at)
            finally:
                scheduler.close()
            with store.reading() as tx:
                (run,) = list_runs(tx, org_ids=[ORG])
        received = sorted((str(m["To"]), m["Subject"] is not None,
                           [a.get_filename() for a in m.iter_attachments()])
                          for m in mail.messages)
    finally:
        mail.stop()
    assert fired == [Fired(JobKind.STATEMENTS, ORG, at, Outcome.OK)]
    # Aroha Cafe, Bay Plumbing and Coastal Freight owe something (Eden Florist is in credit).
    statement = [f"statement-{today.isoformat()}.pdf"]
    assert received == [("accounts@aroha.example", True, statement),
                        ("ap@coastal.example", True, statement),
                        ("office@bay.example", True, statement)]
    assert (run.kind, run.outcome, run.counts["statements"], run.counts["actions"],
            run.counts["errors"]) == ("statements", "ok", 3, 3, 0)
