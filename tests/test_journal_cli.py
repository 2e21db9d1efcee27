"""hold, promise, release, log, tasks and journal through the CLI, against the Xero sandbox's
test company (``tests/xero/company.py``), each journaled row checked whole and its ledger note
checked in the sandbox's write log."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ar_sync.domain import JournalKind, Stage
from ar_sync.journal import TaskKind, task_entry
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import append_entries
from tests.xero.company import BAY, COASTAL, ORG_ID

ORG = f"xero:{ORG_ID}"


@pytest.fixture
def synced(cli: Any, connected: Any) -> Any:
    result = cli("sync")
    assert result.code == 0, result.err
    return connected


def notes(sandbox: Any) -> list[tuple[str, str, str]]:
    """The sandbox's write log: (kind, target, text without its marker)."""
    return [(w["kind"], w["target_id"], (w.get("details") or "").rsplit(" [ar-sync", 1)[0])
            for w in sandbox.control.request("GET", "writes")["writes"]]


def entries(cli: Any, *args: str) -> list[dict[str, Any]]:
    result = cli("journal", *args, "--format", "json")
    assert result.code == 0, result.err
    (org,) = result.json()["orgs"]
    return org["entries"]


def without_instants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in ("at", "entry_id")} for row in rows]


def test_hold_is_journaled_and_noted_on_the_customer_in_the_ledger(cli, synced, today):
    until = today + timedelta(days=20)
    result = cli("hold", "Bay Plumbing", "--reason", "dispute", "--until", until.isoformat(),
                 "--note", "INV-005 was for the wrong site")
    assert result.code == 0, result.err
    text = f"Collections on hold (dispute) until {until}: INV-005 was for the wrong site"
    assert result.out == f"Bay Plumbing: {text} (journal entry 1)\n"
    assert result.err == ""

    rows = entries(cli)
    assert without_instants(rows)[0] == {
        "customer_id": BAY, "customer": "Bay Plumbing", "kind": "hold",
        "day": today.isoformat(), "stage": None, "channels": [], "invoices": [],
        "text": text, "key": None,
        "detail": {"reason": "dispute", "until": until.isoformat(),
                   "note": "INV-005 was for the wrong site"},
    }
    # The mirror: one customer note in Xero, then its result row in the journal.
    assert notes(synced) == [("contact_history", BAY, text)]
    assert [(r["kind"], r["key"], r["detail"]["step"]) for r in rows[1:]] == [
        ("result", "journal:1/customer_note", "customer_note")
    ]


def test_promise_records_the_overdue_balance_in_the_customers_currency(cli, synced, today):
    by = today + timedelta(days=7)
    bay = cli("promise", BAY, "--amount", "500", "--by", by.isoformat())
    coastal = cli("promise", "coastal freight", "--amount", "100.50", "--by", by.isoformat(),
                  "--note", "half now")
    assert (bay.code, coastal.code) == (0, 0), bay.err + coastal.err
    bay_text = f"Promise to pay NZD 500.00 by {by} (overdue balance NZD 1,800.00)"
    coastal_text = (f"Promise to pay AUD 100.50 by {by} (overdue balance AUD 1,015.00): "
                    "half now")
    assert bay.out == f"Bay Plumbing: {bay_text} (journal entry 1)\n"
    promises = [r for r in entries(cli) if r["kind"] == "promise"]
    assert [(r["customer_id"], r["text"], r["detail"]) for r in promises] == [
        (BAY, bay_text, {"reason": "promise", "amount": "500", "currency": "NZD",
                         "by": by.isoformat(), "balance": "1800.00", "note": ""}),
        (COASTAL, coastal_text, {"reason": "promise", "amount": "100.50", "currency": "AUD",
                                 "by": by.isoformat(), "balance": "1015.00",
                                 "note": "half now"}),
    ]
    assert notes(synced) == [("contact_history", BAY, bay_text),
                             ("contact_history", COASTAL, coastal_text)]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--amount", "0"), "error: --amount: must be above zero, got 0\n"),
        (("--amount", "12.345"), "error: --amount: NZD has 2 decimal places, got 12.345\n"),
        (("--amount", "lots"), "error: --amount: not an amount: 'lots'\n"),
    ],
)
def test_promise_refuses_a_bad_amount(cli, synced, today, args, error):
    result = cli("promise", "Bay Plumbing", *args, "--by", (today + timedelta(days=1)).isoformat())
    assert (result.code, result.err) == (2, error)
    assert entries(cli) == [] and notes(synced) == []


def test_promise_by_a_past_day_and_unknown_customers_are_one_line(cli, synced, today):
    yesterday = today - timedelta(days=1)
    past = cli("promise", "Bay Plumbing", "--amount", "5", "--by", yesterday.isoformat())
    assert (past.code, past.err) == (
        2, f"error: --by: {yesterday} is before today ({today} in Kauri Test Traders)\n")
    unknown = cli("hold", "Nobody Ltd", "--reason", "dispute")
    assert (unknown.code, unknown.err) == (
        2, "error: unknown customer 'Nobody Ltd': give its id or its exact name\n")
    assert entries(cli) == []


def test_release_ends_every_hold_and_promise_and_refuses_when_nothing_is_active(
    cli, synced, today
):
    by = today + timedelta(days=3)
    assert cli("hold", "Bay Plumbing", "--reason", "payment-plan").code == 0
    assert cli("promise", "Bay Plumbing", "--amount", "250.00", "--by", by.isoformat()).code == 0
    released = cli("release", "Bay Plumbing", "--note", "plan cancelled")
    assert released.code == 0, released.err
    text = ("Collections resumed; ended: payment plan, promise of NZD 250.00 by "
            f"{by}: plan cancelled")
    assert released.out == f"Bay Plumbing: {text} (journal entry 5)\n"
    release = [r for r in entries(cli) if r["kind"] == "release"]
    assert [(r["text"], r["detail"]) for r in release] == [
        (text, {"released": [1, 3], "note": "plan cancelled"})
    ]
    again = cli("release", "Bay Plumbing")
    assert (again.code, again.err) == (2, "error: Bay Plumbing has no hold or promise to release\n")
    assert [n[2] for n in notes(synced)][-1] == text


def test_log_is_a_manual_contact_noted_in_the_ledger_with_csv_rows(cli, synced, today):
    result = cli("log", "Aroha Cafe", "--channel", "call", "--note", "Spoke to Mere; pays Friday")
    assert result.code == 0, result.err
    out = cli("journal", "--customer", "Aroha Cafe", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert [{k: v for k, v in row.items() if k != "at"} for row in rows] == [
        {"org_id": ORG, "org_name": "Kauri Test Traders", "entry_id": "1", "day": today.isoformat(),
         "customer_id": "c0000000-0000-4000-8000-000000000001", "customer": "Aroha Cafe",
         "kind": "manual_contact", "stage": "", "channel": "call", "invoices": "",
         "text": "Contact by call: Spoke to Mere; pays Friday", "key": ""},
        {"org_id": ORG, "org_name": "Kauri Test Traders", "entry_id": "2", "day": today.isoformat(),
         "customer_id": "c0000000-0000-4000-8000-000000000001", "customer": "Aroha Cafe",
         "kind": "result", "stage": "", "channel": "ledger_note", "invoices": "",
         "text": rows[1]["text"], "key": "journal:1/customer_note"},
    ]
    assert datetime.fromisoformat(rows[0]["at"].replace("Z", "+00:00")).tzinfo == UTC
    bad = cli("log", "Aroha Cafe", "--channel", "fax", "--note", "x")
    assert (bad.code, bad.err) == (2, "error: --channel: 'fax' is not one of call, visit, "
                                      "letter, email\n")


def test_a_ledger_refusing_us_keeps_the_row_and_the_note_pending(cli, synced, today):
    synced.control.fault(kind="revoke")
    result = cli("hold", "Bay Plumbing", "--reason", "dispute")
    assert result.code == 0
    assert result.err.startswith(
        "Kauri Test Traders: the ledger note of journal entry 1 is kept in the outbox "
        "(journal:1) and sent by the next `ar-sync remind --apply`: ")
    assert len(result.err.splitlines()) == 1
    assert [r["kind"] for r in entries(cli)] == ["hold"]
    assert notes(synced) == []
    # Connected again, the next mirror sends the pending note first, then its own.
    assert cli("connect", "xero", "--sandbox", synced.url).code == 0
    assert cli("log", "Bay Plumbing", "--channel", "visit", "--note", "dropped by").code == 0
    assert [n[2] for n in notes(synced)] == [
        "Collections on hold (dispute) until released",
        "Contact by visit: dropped by",
    ]


def test_a_run_in_progress_leaves_the_note_for_later(cli, synced):
    from ar_sync.store.locks import run_lock

    with Store(load_settings(None).db_url) as store, run_lock(
        store, ORG, now=lambda: datetime.now(UTC), label="a sync"
    ):
        held = cli("log", "Eden Florist", "--channel", "email", "--note", "sent a copy")
    assert held.code == 0
    assert held.err.startswith("Kauri Test Traders: the ledger note of journal entry 1 is kept "
                               "in the outbox (journal:1)")
    assert notes(synced) == []
    assert cli("release", "Eden Florist").code == 2  # nothing to release; no mirror either
    assert cli("hold", "Eden Florist", "--reason", "dispute").code == 0
    assert [n[2] for n in notes(synced)] == ["Contact by email: sent a copy",
                                             "Collections on hold (dispute) until released"]


def open_task(kind: TaskKind, customer_id: str, text: str) -> int:
    """A task as the push journals one (``ar_sync.push.run`` calls ``task_entry``)."""
    at = datetime.now(UTC)
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        (entry_id,) = append_entries(tx, [task_entry(
            org_id=ORG, customer_id=customer_id, kind=kind, text=text, at=at, day=at.date(),
            stage=Stage.CALL, key=f"remind:{ORG}:{customer_id}:call:{at.date()}/task:call",
        )])
    return entry_id


def test_tasks_list_and_done(cli, synced, today):
    first = open_task(TaskKind.CALL, BAY, "Call Bay Plumbing about NZD 1,800.00")
    second = open_task(TaskKind.HANDOVER, COASTAL, "Hand Coastal Freight to the agency")
    listed = cli("tasks", "--format", "json")
    assert listed.code == 0, listed.err
    assert listed.json() == {"orgs": [{"org_id": ORG, "name": "Kauri Test Traders", "tasks": [
        {"task_id": first, "customer_id": BAY, "customer": "Bay Plumbing", "kind": "call",
         "opened": today.isoformat(), "stage": "call",
         "text": "Call Bay Plumbing about NZD 1,800.00"},
        {"task_id": second, "customer_id": COASTAL, "customer": "Coastal Freight",
         "kind": "handover", "opened": today.isoformat(), "stage": "call",
         "text": "Hand Coastal Freight to the agency"},
    ]}]}
    done = cli("tasks", "done", str(first), "--note", "Promised to pay Friday")
    assert (done.code, done.out) == (0, f"task {first} done (journal entry {second + 1})\n")
    table = cli("tasks")
    assert table.code == 0 and "Hand Coastal Freight to the agency" in table.out
    assert "Call Bay Plumbing" not in table.out
    csv_rows = list(csv.DictReader(io.StringIO(cli("tasks", "--format", "csv").out)))
    assert [(r["task_id"], r["kind"], r["customer"]) for r in csv_rows] == [
        (str(second), "handover", "Coastal Freight")]
    again = cli("tasks", "done", str(first), "--note", "x")
    assert (again.code, again.err) == (
        2, f"error: no open task {first}: `ar-sync tasks` lists the open ones\n")
    last = entries(cli)[-1]
    assert (last["kind"], last["text"], last["detail"]) == (
        JournalKind.TASK_DONE.value, f"Task {first} (call) done: Promised to pay Friday",
        {"task_id": first, "note": "Promised to pay Friday"})


def test_journal_table_lists_entries(cli, synced):
    assert cli("hold", "Eden Florist", "--reason", "dispute").code == 0
    table = cli("journal")
    assert table.code == 0, table.err
    assert "Kauri Test Traders · journal" in table.out
    assert "Eden Florist" in table.out and "hold" in table.out
