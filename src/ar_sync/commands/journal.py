"""ar-sync hold, promise, release, log, tasks, journal and evidence.

Each command that journals something (a hold, promise, release or manual contact) writes the
journal row and, in the same transaction, a note for the ledger into the outbox
(``ar_sync.push.outbox.enqueue_note``, key ``journal:<entry id>``); after the commit the org's
outbox is performed (``ar_sync.push.run.perform_pending``, under the org's run lock as
``remind --apply`` does), so the note lands on the customer in the ledger. When the ledger
cannot be reached (or a sync or remind holds the lock) the journal row stays, the note stays
pending in the outbox and a line on stderr says so; the next ``ar-sync remind --apply`` (or any of
these commands) sends it.

``day`` is the org's calendar day (``clock.local_date``) and ``at`` the UTC instant, both read
here from the clock, once per command.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ar_sync.cli import (
    HELP_STYLE,
    OutputFormat,
    _parse_date,
    _selected_orgs,
    app,
    state,
    stderr,
    stdout,
)
from ar_sync.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sqlalchemy import Connection

    from ar_sync.domain import Customer, JournalEntry, Org
    from ar_sync.journal import HoldRecord
    from ar_sync.store import Store
    from ar_sync.views.journal import OrgJournal


class HoldChoice(StrEnum):
    dispute = "dispute"
    payment_plan = "payment-plan"


class ContactChannel(StrEnum):
    call = "call"
    visit = "visit"
    letter = "letter"
    email = "email"


CUSTOMER_ARGUMENT = typer.Argument(help="Customer id or exact name.", show_default=False)
ONE_ORG_OPTION = typer.Option(
    help="Org id, tenant id or name (default: the org that has this customer).",
    show_default=False,
)


def _say(line: str) -> None:
    stdout.print(line, markup=False, highlight=False, soft_wrap=True)


# -- finding the org and the customer -----------------------------------------------------------


def find_customer(org_query: str | None, customer_query: str) -> tuple[Org, Customer]:
    """The org and customer named. Without ``--org`` every org is searched; a name found in
    several orgs asks for ``--org``. Unknown or ambiguous: ``ConfigError`` (one line)."""
    from ar_sync.connect.orgs import match_customer
    from ar_sync.store.records import load_customers

    found: list[tuple[Org, Customer]] = []
    refused: list[ConfigError] = []
    with state.store().reading() as tx:
        for org in _selected_orgs(org_query):
            try:
                found.append((org, match_customer(load_customers(tx, org.org_id),
                                                  customer_query)))
            except ConfigError as exc:
                refused.append(exc)
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(f"{org.name} ({org.org_id})" for org, _ in found)
        raise ConfigError(f"customer {customer_query!r} is in several orgs ({names}); "
                          "choose one with --org")
    ambiguous = [exc for exc in refused if "several" in str(exc)]
    raise ambiguous[0] if ambiguous else refused[0]


def _moment(org: Org) -> tuple[datetime, date]:
    """Now (UTC) and the org's calendar day."""
    from ar_sync.clock import local_date, utc_now

    now = utc_now()
    return now, local_date(now, org.timezone)


# -- journaling with its ledger note --------------------------------------------------------------


def _journal(org: Org, entry: JournalEntry, now: datetime) -> int:
    """Append ``entry`` and enqueue its ledger note in one transaction, then mirror it; the
    entry's id."""
    from ar_sync.push.outbox import enqueue_note
    from ar_sync.store.journal import append_entries

    store = state.store()
    with store.transaction() as tx:
        (entry_id,) = append_entries(tx, [entry])
        enqueue_note(tx, org_id=org.org_id, customer_id=entry.customer_id, invoice_ids=(),
                     text=entry.text, key=mirror_key(entry_id), now=now)
    _mirror(store, org, entry_id)
    return entry_id


def mirror_key(entry_id: int) -> str:
    """The outbox key of a journal entry's ledger note."""
    return f"journal:{entry_id}"


def _mirror(store: Store, org: Org, entry_id: int) -> None:
    """Perform the org's pending outbox (this entry's note among it) as `remind --apply` does:
    under the org's run lock, with the configured mailer (a reminder left pending by a crash
    goes out too). A ledger that cannot be reached, a run in progress or a refusal leaves the
    note pending or failed: one line on stderr; the journal row stays."""
    from ar_sync.clock import utc_now
    from ar_sync.connect.orgs import vault_for
    from ar_sync.connector import load_plugin
    from ar_sync.errors import ArSyncError
    from ar_sync.push.job import open_mailer
    from ar_sync.push.run import perform_pending
    from ar_sync.store.locks import run_lock

    key = mirror_key(entry_id)
    settings = state.settings
    try:
        mailer = open_mailer(settings, store=store)
        writer = load_plugin(org.platform).open_writer(
            org, vault_for(org, settings, store=store), timeouts=settings.timeouts
        )
        try:
            with run_lock(store, org.org_id, now=utc_now, label=f"{org.name} ({org.org_id})"):
                result = perform_pending(store, org, writer, mailer, now=utc_now)
        finally:
            writer.close()
    except ArSyncError as exc:
        stderr.print(f"{org.name}: the ledger note of journal entry {entry_id} is kept in the "
                     f"outbox ({key}) and sent by the next `ar-sync remind --apply`: {exc}",
                     markup=False, highlight=False, soft_wrap=True)
        return
    states = {step_state for action_key, _, step_state in result.steps if action_key == key}
    if states and states != {"done"}:
        stderr.print(f"{org.name}: the ledger did not take the note of journal entry "
                     f"{entry_id} ({', '.join(sorted(states))}); `ar-sync journal` shows why",
                     markup=False, highlight=False, soft_wrap=True)


def _load(tx: Connection, org: Org, customer_id: str | None = None) -> tuple[JournalEntry, ...]:
    from ar_sync.store.journal import load_journal

    return load_journal(tx, org.org_id, customer_id=customer_id)


def _not_before(day: date | None, today: date, option: str, org: Org) -> None:
    if day is not None and day < today:
        raise ConfigError(f"{option}: {day.isoformat()} is before today ({today.isoformat()} "
                          f"in {org.name})")


# -- hold / promise / release / log ------------------------------------------------------------


@app.command()
def hold(
    customer: Annotated[str, CUSTOMER_ARGUMENT],
    reason: Annotated[HoldChoice, typer.Option(help="Why chasing pauses.")],
    until: Annotated[
        str | None,
        typer.Option(help="Last day of the pause, YYYY-MM-DD (default: until released).",
                     show_default=False),
    ] = None,
    note: Annotated[str, typer.Option(help="What the customer said, for the record.")] = "",
    org: Annotated[str | None, ONE_ORG_OPTION] = None,
) -> None:
    """Pause chasing a customer: a dispute or a payment plan, journaled and noted in the
    ledger. `ar-sync release` ends it early."""
    from ar_sync.domain import HoldReason
    from ar_sync.journal import hold_entry

    chosen_until = _parse_date(until, "--until")
    chosen_org, found = find_customer(org, customer)
    now, today = _moment(chosen_org)
    _not_before(chosen_until, today, "--until", chosen_org)
    entry = hold_entry(org_id=chosen_org.org_id, customer_id=found.customer_id,
                       reason=HoldReason(reason.value), until=chosen_until, note=note,
                       at=now, day=today)
    entry_id = _journal(chosen_org, entry, now)
    _say(f"{found.name}: {entry.text} (journal entry {entry_id})")


@app.command()
def promise(
    customer: Annotated[str, CUSTOMER_ARGUMENT],
    amount: Annotated[str, typer.Option(help="Amount promised, e.g. 500.00.",
                                        show_default=False)],
    by: Annotated[str, typer.Option(help="The day it is promised by, YYYY-MM-DD.",
                                    show_default=False)],
    note: Annotated[str, typer.Option(help="What the customer said, for the record.")] = "",
    org: Annotated[str | None, ONE_ORG_OPTION] = None,
) -> None:
    """Record a promise to pay: chasing pauses through --by. Afterwards the promise is kept
    when the customer's overdue balance has fallen by the amount; else the reminders resume
    at the next stage. The amount is in the customer's currency (the org's base currency when
    their overdue invoices are in several)."""
    from ar_sync.journal import promise_entry

    promised_by = _parse_date(by, "--by")
    assert promised_by is not None
    chosen_org, found = find_customer(org, customer)
    now, today = _moment(chosen_org)
    _not_before(promised_by, today, "--by", chosen_org)
    with state.store().reading() as tx:
        balance, currency = customer_overdue(tx, chosen_org, found.customer_id, today)
    promised = promised_amount(amount, currency)
    entry = promise_entry(org_id=chosen_org.org_id, customer_id=found.customer_id,
                          amount=promised, currency=currency, by=promised_by, balance=balance,
                          note=note, at=now, day=today)
    entry_id = _journal(chosen_org, entry, now)
    _say(f"{found.name}: {entry.text} (journal entry {entry_id})")


def promised_amount(text: str, currency: str) -> Decimal:
    """``--amount`` as a Decimal: above zero, with at most ``currency``'s minor digits."""
    from ar_sync.money import minor_unit_exponent, parse_amount

    try:
        value = parse_amount(text.strip())
    except ValueError:
        raise ConfigError(f"--amount: not an amount: {text!r}") from None
    if value <= 0:
        raise ConfigError(f"--amount: must be above zero, got {text}")
    if value != value.quantize(minor_unit_exponent(currency)):
        places = -minor_unit_exponent(currency).as_tuple().exponent
        raise ConfigError(f"--amount: {currency} has {places} decimal places, got {text}")
    return value


def customer_overdue(
    tx: Connection, org: Org, customer_id: str, as_of: date
) -> tuple[Decimal, str]:
    """The customer's overdue balance on ``as_of`` and its currency: ``journal.overdue_balance``
    over their open invoices as the planner reads them (``collect.books.load_book``), so a
    promise is judged on the same figure it recorded."""
    from ar_sync.collect.books import load_book
    from ar_sync.journal import overdue_balance

    book = load_book(tx, org, as_of)
    mine = [i for i in book.invoices if i.customer_id == customer_id]
    return overdue_balance(mine, base_currency=org.base_currency, as_of=as_of)


@app.command()
def release(
    customer: Annotated[str, CUSTOMER_ARGUMENT],
    note: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    org: Annotated[str | None, ONE_ORG_OPTION] = None,
) -> None:
    """End every hold and promise of a customer (chasing resumes at the next plan)."""
    from ar_sync.journal import awaiting_release, release_entry

    chosen_org, found = find_customer(org, customer)
    now, today = _moment(chosen_org)
    with state.store().reading() as tx:
        active: tuple[HoldRecord, ...] = awaiting_release(
            _load(tx, chosen_org, found.customer_id), today
        )
    if not active:
        raise ConfigError(f"{found.name} has no hold or promise to release")
    entry = release_entry(org_id=chosen_org.org_id, customer_id=found.customer_id,
                          released=active, note=note, at=now, day=today)
    entry_id = _journal(chosen_org, entry, now)
    _say(f"{found.name}: {entry.text} (journal entry {entry_id})")


@app.command("log")
def log_contact(
    customer: Annotated[str, CUSTOMER_ARGUMENT],
    channel: Annotated[ContactChannel, typer.Option(help="How the contact was made.")],
    note: Annotated[str, typer.Option(help="What was said or sent.", show_default=False)],
    org: Annotated[str | None, ONE_ORG_OPTION] = None,
) -> None:
    """Record a contact made by hand (a call, a visit, a letter, an email). It counts toward
    the customer's contact cap and is noted in the ledger."""
    from ar_sync.journal import ManualChannel, manual_contact_entry

    if not note.strip():
        raise ConfigError("--note: say what was said or sent")
    chosen_org, found = find_customer(org, customer)
    now, today = _moment(chosen_org)
    entry = manual_contact_entry(org_id=chosen_org.org_id, customer_id=found.customer_id,
                                 channel=ManualChannel(channel.value), note=note, at=now,
                                 day=today)
    entry_id = _journal(chosen_org, entry, now)
    _say(f"{found.name}: {entry.text} (journal entry {entry_id})")


# -- tasks ----------------------------------------------------------------------------------------

tasks_app = typer.Typer(
    help="Open tasks for a person: calls, letters to post, hand-overs. Lists them when given no "
    "command.",
    **{**HELP_STYLE, "no_args_is_help": False},
)
app.add_typer(tasks_app, name="tasks")


def _org_views(
    org_query: str | None, customer_id: str | None = None, *, tasks: bool
) -> list[OrgJournal]:
    from ar_sync.journal import open_tasks
    from ar_sync.store.receivables import customer_names
    from ar_sync.views.journal import OrgJournal

    views = []
    with state.store().reading() as tx:
        for org in _selected_orgs(org_query):
            entries = _load(tx, org, customer_id)
            views.append(OrgJournal(
                org_id=org.org_id, name=org.name, names=customer_names(tx, org.org_id),
                entries=() if tasks else entries, tasks=open_tasks(entries) if tasks else (),
            ))
    return views


def _write(
    output: OutputFormat,
    views: list[OrgJournal],
    as_json: Callable[[list[OrgJournal]], str],
    as_csv: Callable[[list[OrgJournal]], str],
    as_tables: Callable[[list[OrgJournal]], list[Any]],
) -> None:
    import sys

    if output is OutputFormat.json:
        sys.stdout.write(as_json(views))
    elif output is OutputFormat.csv:
        sys.stdout.write(as_csv(views))
    else:
        for table in as_tables(views):
            stdout.print(table)


@tasks_app.callback(invoke_without_command=True)
def tasks(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option(help="Org id, tenant id or name (default: all).",
                                            show_default=False)] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """The open tasks (calls, letters, hand-overs), oldest first, with the ID `ar-sync tasks
    done` takes."""
    if ctx.invoked_subcommand is not None:
        return
    from ar_sync.views.journal import tasks_csv, tasks_json, tasks_tables

    _write(output, _org_views(org, tasks=True), tasks_json, tasks_csv, tasks_tables)


@tasks_app.command("done")
def task_done(
    task_id: Annotated[int, typer.Argument(help="The task's ID (`ar-sync tasks` lists them).",
                                           show_default=False)],
    note: Annotated[str, typer.Option(help="What came of it.", show_default=False)],
) -> None:
    """Close an open task, with what came of it."""
    from ar_sync.journal import open_tasks, task_done_entry
    from ar_sync.store.journal import append_entries

    if not note.strip():
        raise ConfigError("--note: say what came of it")
    store = state.store()
    with store.reading() as tx:
        found = [(org, task) for org in _selected_orgs(None)
                 for task in open_tasks(_load(tx, org)) if task.task_id == task_id]
    if not found:
        raise ConfigError(f"no open task {task_id}: `ar-sync tasks` lists the open ones")
    org, task = found[0]
    now, today = _moment(org)
    with store.transaction() as tx:
        (entry_id,) = append_entries(tx, [task_done_entry(task=task, note=note, at=now,
                                                          day=today)])
    _say(f"task {task_id} done (journal entry {entry_id})")


# -- journal --------------------------------------------------------------------------------------


@app.command()
def journal(
    org: Annotated[str | None, typer.Option(help="Org id, tenant id or name (default: all).",
                                            show_default=False)] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer (id or exact name).",
                                                 show_default=False)] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Every contact, hold, promise, task, result and failure journaled, oldest first."""
    from ar_sync.views.journal import journal_csv, journal_json, journal_tables

    if customer is not None:
        chosen_org, found = find_customer(org, customer)
        views = _org_views(chosen_org.org_id, found.customer_id, tasks=False)
    else:
        views = _org_views(org, tasks=False)
    _write(output, views, journal_json, journal_csv, journal_tables)


# -- evidence -------------------------------------------------------------------------------------


@app.command()
def evidence(
    customer: Annotated[str, CUSTOMER_ARGUMENT],
    out: Annotated[Path, typer.Option(help="Directory to write the pack into (made if need be).",
                                      show_default=False)],
    org: Annotated[str | None, ONE_ORG_OPTION] = None,
) -> None:
    """The pack a lawyer asks for: open invoices, every contact (date, channel, content),
    promises, holds and statements sent, as <customer>-evidence.pdf, <customer>-invoices.csv
    and <customer>-contacts.csv in --out."""
    from ar_sync.store.records import load_invoices
    from ar_sync.views.evidence import Evidence, write_pack

    chosen_org, found = find_customer(org, customer)
    now, today = _moment(chosen_org)
    with state.store().reading() as tx:
        invoices = tuple(i for i in load_invoices(tx, chosen_org.org_id, open_only=True)
                         if i.customer_id == found.customer_id)
        entries = _load(tx, chosen_org, found.customer_id)
        balance, currency = customer_overdue(tx, chosen_org, found.customer_id, today)
    pack = Evidence(org=chosen_org, customer=found, as_of=today, generated_at=now,
                    invoices=invoices, entries=entries, overdue_balance=balance,
                    overdue_currency=currency)
    for path in write_pack(pack, out):
        _say(str(path))
