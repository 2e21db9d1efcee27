"""The log file tells what each run did: the command, each org's sync start and mode, every page
committed, and the outcome with the counts the summary printed (or the one-line reason it
failed), with no token in it. Driven through the real CLI against the Xero sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ar_sync import __version__
from tests.conformance.support import one_line_error
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"
NAME = "Kauri Test Traders"
SUMMARY = re.compile(
    rf"^{NAME}: (?P<invoices>\d+) invoices, (?P<credits>\d+) credits, (?P<customers>\d+) "
    r"customers written in (?P<pages>\d+) pages, (?P<calls>\d+) API calls, (?P<seconds>[\d.]+)s$"
)
# What the first sync of the test company writes, page by page (tests/xero/company.py): its 5
# contacts (the supplier Dune among them), the 9 open invoices with Aroha's payment on INV-002,
# CN-001 and CN-002 with CN-002's allocation to INV-004, Aroha's overpayment, Eden's prepayment.
FIRST_SYNC_PAGES = [
    f"{NAME}: contacts page committed: 5 customers, 0 invoices, 0 credits, 0 allocations "
    "written, 0 deleted, 0 skipped",
    f"{NAME}: invoices page committed: 0 customers, 9 invoices, 0 credits, 1 allocations "
    "written, 0 deleted, 0 skipped",
    f"{NAME}: credit_notes page committed: 0 customers, 0 invoices, 2 credits, 1 allocations "
    "written, 0 deleted, 0 skipped",
    f"{NAME}: overpayments page committed: 0 customers, 0 invoices, 1 credits, 0 allocations "
    "written, 0 deleted, 0 skipped",
    f"{NAME}: prepayments page committed: 0 customers, 0 invoices, 1 credits, 0 allocations "
    "written, 0 deleted, 0 skipped",
]


def _log(ar_home: Path) -> list[tuple[str, str, str]]:
    """The log file as (level, logger, message) lines, timestamps dropped."""
    text = (ar_home / "logs" / "ar-sync.log").read_text(encoding="utf-8")
    found = re.findall(r"^\S+ \S+ (\w+) ([\w.]+): (.*)$", text, flags=re.MULTILINE)
    assert len(found) == len(text.splitlines()), text  # one record per line, no traceback
    return found


def _summary(out: str) -> dict[str, str]:
    (line,) = out.strip().splitlines()
    match = SUMMARY.match(line)
    assert match, line
    return match.groupdict()


def _token(ar_home: Path) -> dict[str, str]:
    (entry,) = json.loads((ar_home / "sandbox-keyring.cfg").read_text())["ar-sync"].values()
    return json.loads(entry)["token"]


def test_a_sync_logs_its_command_start_pages_and_the_summary_counts(cli, ar_home, connected):
    result = cli("sync")
    assert result.code == 0, result.err
    shown = _summary(result.out)
    assert {k: v for k, v in shown.items() if k != "seconds"} == {
        "invoices": "9", "credits": "4", "customers": "5", "pages": "5", "calls": "6",
    }

    log = _log(ar_home)
    assert ("INFO", "ar_sync.cli", f"ar-sync {__version__}: sync") in log
    run = [entry for entry in log if entry[1] == "ar_sync.sync"]
    assert run == [
        ("INFO", "ar_sync.sync", f"{NAME} ({ORG}): sync run 1 started, mode full (first sync)"),
        *[("DEBUG", "ar_sync.sync", page) for page in FIRST_SYNC_PAGES],
        ("INFO", "ar_sync.sync",
         f"{NAME} ({ORG}): sync run 1 ok in {shown['seconds']}s: 5 customers, 9 invoices, "
         "4 credits, 2 allocations written in 5 pages, 0 deleted, 0 skipped; 6 API calls, "
         "0 retries after waiting 0.0s"),
    ]

    token = _token(ar_home)
    text = (ar_home / "logs" / "ar-sync.log").read_text(encoding="utf-8")
    for secret in (token["access_token"], token["refresh_token"], "ar-sync-sandbox-secret"):
        assert secret not in text


def test_each_start_line_names_the_mode(cli, ar_home, connected, monkeypatch):
    assert cli("sync").code == 0
    assert cli("sync").code == 0
    assert cli("sync", "--full").code == 0
    monkeypatch.setenv("AR_SYNC_OPEN_SET_HOURS", "0")  # the daily re-read, due at once
    assert cli("sync").code == 0
    starts = [message for _, _, message in _log(ar_home) if " started, mode " in message]
    assert starts == [
        f"{NAME} ({ORG}): sync run 1 started, mode full (first sync)",
        f"{NAME} ({ORG}): sync run 2 started, mode incremental",
        f"{NAME} ({ORG}): sync run 3 started, mode full",
        f"{NAME} ({ORG}): sync run 4 started, mode open-set re-read "
        "(invoices, credit_notes, overpayments, prepayments)",
    ]
    commands = [message for _, logger, message in _log(ar_home) if logger == "ar_sync.cli"
                and message.startswith("ar-sync ")]
    assert commands == [f"ar-sync {__version__}: {args}" for args in (
        f"connect xero --sandbox {connected.url}", "sync", "sync", "sync --full", "sync"
    )]


def test_a_failed_sync_logs_its_one_line_reason(cli, ar_home, connected):
    assert cli("sync").code == 0
    connected.control.fault(kind="revoke")
    line = one_line_error(cli("sync"))
    reason = line.removeprefix("error: ")
    outcomes = [message for _, logger, message in _log(ar_home)
                if logger == "ar_sync.sync" and "sync run 2 " in message]
    assert len(outcomes) == 1, outcomes
    assert re.fullmatch(
        rf"{NAME} \({ORG}\): sync run 2 failed in \d+\.\ds: 0 customers, 0 invoices, 0 credits, "
        r"0 allocations written in 0 pages, 0 deleted, 0 skipped; 1 API calls, 0 retries after "
        r"waiting 0\.0s: " + re.escape(reason),
        outcomes[0],
    ), outcomes[0]
    assert ("INFO", "ar_sync.cli", f"command failed: {reason}") in _log(ar_home)


def test_secret_option_values_never_reach_the_log(cli, ar_home, connected, tmp_path):
    database = f"sqlite:///{tmp_path / 'other.sqlite'}"
    result = cli("--db", database, "connect", "xero", "--sandbox", connected.url,
                 "--client-secret", "not-the-sandbox-secret-42")
    assert result.code == 0, result.err
    text = (ar_home / "logs" / "ar-sync.log").read_text(encoding="utf-8")
    assert "not-the-sandbox-secret-42" not in text
    assert (
        f"INFO ar_sync.cli: ar-sync {__version__}: --db '***' connect xero --sandbox "
        f"{connected.url} --client-secret '***'\n"
    ) in text
