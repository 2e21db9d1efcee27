"""Rehearsal: a collections policy run day by day against a sandbox copy of an org's books.

``rehearse`` copies the org's synced books (customers, open invoices, open credits) and its
journal out of the user's store into a sandbox of the org's ledger on 127.0.0.1 and a scratch
store of its own (a SQLite file under ``workdir``), then for each day ``d`` = today + 1 ...
today + ``days``:

1. the invoices the forecast says are paid on ``d`` are paid in the sandbox (its control
   endpoint ``POST /_sandbox/invoices/{id}/payments``, dated ``d``, the whole balance);
2. the scratch store syncs from the sandbox (the real sync job, over the ledger's SDK);
3. the day is planned with ``as_of = d`` (``ar_sync.collect.books.plan_org``), each action
   rendered (``ar_sync.collect.templates.render``), put in the outbox and performed
   (``ar_sync.push``): notes land in the sandbox ledger, emails at a mail catcher on loopback
   (``ar_sync.sandbox.mail``), tasks in the scratch journal.

Nothing touches the user's store (read once, in one transaction) or the real ledger.

**Time.** The sandbox stamps every change with its own wall clock and a sync's watermark is
taken from the ``now`` it is given, so syncs get the real ``now``; everything the policy sees
is simulated: the plan's ``as_of`` is ``d`` and its ``now`` (the outbox, the journal's ``at``
and ``day``) is ``d`` at the start of the policy's send window in the org's timezone
(``simulated_now``).

**Payments** (``forecast_payments``, pure): each open invoice is paid on its due date plus its
customer's average days late (``CustomerMeasures.average_days_late`` at today; a customer with
no record pays at the org's average over the customers that have one, 0 when none does) plus a
seeded jitter of up to a third of that lateness (at least 2 days) either way. An invoice already
later than that on today is taken to need about as long again: it is paid on a day drawn from
the next ``days_overdue`` days. Reminders do not change the forecast: the rehearsal shows what
a policy would send against the payments the record predicts.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ar_sync.domain import (
    STAGE_ORDER,
    CustomerMeasures,
    Invoice,
    Org,
    OrgPlan,
    SkipReason,
    Stage,
)
from ar_sync.errors import ConfigError, FatalSourceError
from ar_sync.sync.pacing import UNPACED

ZERO = Decimal("0.00")
MIN_JITTER_DAYS = 2
SENDER = "rehearsal@ar-sync.invalid"  # the catcher keeps every email; none is delivered


# ---------------------------------------------------------------------------- payments (pure)


@dataclass(frozen=True, slots=True, kw_only=True)
class Forecast:
    """An open invoice's predicted payment: the whole balance on ``day``; ``amount_base`` in
    the org's base currency at the invoice's rate."""

    invoice_id: str
    customer_id: str
    day: date
    amount_base: Decimal


def org_average_days_late(measures: Iterable[CustomerMeasures]) -> Decimal:
    """The mean of the customers' average days late, over those with a record (0: none)."""
    known = [m.average_days_late for m in measures if m.average_days_late is not None]
    if not known:
        return Decimal(0)
    return sum(known, Decimal(0)) / len(known)


def payment_day(*, due_date: date, days_late: Decimal, today: date, rng: random.Random) -> date:
    """When an invoice due ``due_date`` is paid, for a customer ``days_late`` late on average
    (see the module docstring); always after ``today``."""
    late = int(days_late.to_integral_value())
    spread = max(MIN_JITTER_DAYS, abs(late) // 3)
    expected = due_date + timedelta(days=late + rng.randint(-spread, spread))
    if expected > today:
        return expected
    overdue = max(1, (today - due_date).days)
    return today + timedelta(days=rng.randint(1, overdue))


def forecast_payments(
    invoices: Sequence[tuple[Invoice, Decimal]],
    days_late: Mapping[str, Decimal],
    org_average: Decimal,
    *,
    today: date,
    seed: int,
) -> tuple[Forecast, ...]:
    """Each ``(invoice, balance in base currency)``'s predicted payment, by day then invoice
    id. ``days_late``: customer_id -> average days late (absent: ``org_average``). Each
    invoice's jitter comes from its own seeded generator, so one forecast never depends on
    the others."""
    found = []
    for invoice, amount_base in invoices:
        rng = random.Random(f"{seed}:{invoice.invoice_id}")
        late = days_late.get(invoice.customer_id, org_average)
        day = payment_day(due_date=invoice.due_date, days_late=late, today=today, rng=rng)
        found.append(Forecast(invoice_id=invoice.invoice_id, customer_id=invoice.customer_id,
                              day=day, amount_base=amount_base))
    return tuple(sorted(found, key=lambda f: (f.day, f.invoice_id)))


def simulated_now(day: date, timezone: str, start: Any) -> datetime:
    """The UTC instant the rehearsal acts on ``day``: ``start`` (a time of day, the send
    window's opening) in the org's ``timezone``."""
    return datetime.combine(day, start, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# ---------------------------------------------------------------------------- the report


@dataclass
class StageTotals:
    """One stage over the whole rehearsal: contacts, invoices they listed, and the amount
    chased (each contact's ``total_due``, base currency)."""

    contacts: int = 0
    invoices: int = 0
    amount: Decimal = ZERO


@dataclass
class DayReport:
    """One simulated day: what was paid, and what the plan sent (by stage and channel, and to
    whom); ``quiet`` when the policy keeps the day quiet; ``failed``: writes refused."""

    day: date
    quiet: bool = False
    paid_invoices: int = 0
    collected: Decimal = ZERO
    by_stage: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    customers: list[str] = field(default_factory=list)
    failed: int = 0

    @property
    def contacts(self) -> int:
        return sum(self.by_stage.values())


@dataclass
class Rehearsal:
    """A whole rehearsal of ``org`` from ``start`` (the day after the user's today) for
    ``len(days)`` days; amounts in ``base_currency``."""

    org_id: str
    org_name: str
    platform: str
    base_currency: str
    policy: str
    seed: int
    start: date
    open_invoices: int
    open_amount: Decimal
    days: list[DayReport] = field(default_factory=list)
    stages: dict[Stage, StageTotals] = field(
        default_factory=lambda: {stage: StageTotals() for stage in STAGE_ORDER}
    )
    notes: int = 0  # ledger writes landed in the sandbox (invoice and customer notes)
    emails: int = 0  # emails the catcher received
    tasks: int = 0  # call tasks, letters and hand-overs journaled

    @property
    def collected(self) -> Decimal:
        return sum((d.collected for d in self.days), ZERO)

    @property
    def paid_invoices(self) -> int:
        return sum(d.paid_invoices for d in self.days)

    @property
    def contacts(self) -> int:
        return sum(d.contacts for d in self.days)


def record_plan(report: DayReport, rehearsal: Rehearsal, plan: OrgPlan) -> None:
    """Count ``plan``'s actions into the day and the stage totals (pure but for the two)."""
    for action in plan.actions:
        report.by_stage[action.stage.value] += 1
        for channel in action.channels:
            report.by_channel[channel.value] += 1
        report.customers.append(action.customer)
        totals = rehearsal.stages[action.stage]
        totals.contacts += 1
        totals.invoices += len(action.invoices)
        totals.amount += action.total_due
    report.quiet = not plan.actions and any(
        skip.reason == SkipReason.QUIET_DAY for skip in plan.skipped
    )


# ---------------------------------------------------------------------------- the run


@dataclass(frozen=True, slots=True)
class Scratch:
    """A rehearsal's scratch run while it is still up: the org as the scratch store keeps it,
    the sandbox's base URL (``/_sandbox/writes``: every note written), the scratch store
    (journal, outbox) and the mail catcher (every email sent)."""

    org: Org
    sandbox_url: str
    store: Any
    catcher: Any


@dataclass(frozen=True, slots=True)
class _Books:
    """What the rehearsal reads of the user's store, once."""

    org: Org
    document: dict[str, Any]
    forecasts: tuple[Forecast, ...]
    journal: tuple[Any, ...]
    open_amount: Decimal
    open_invoices: int


def _read_books(store: Any, org: Org, *, today: date, seed: int) -> _Books:
    from ar_sync.aging.history import org_customer_measures
    from ar_sync.money import to_base
    from ar_sync.sandbox.plugin import load_sandbox
    from ar_sync.store.journal import load_journal
    from ar_sync.store.records import load_credits, load_customers, load_invoices

    org_id = org.org_id
    with store.reading() as tx:
        customers = load_customers(tx, org_id)
        invoices = load_invoices(tx, org_id, with_allocations=True, open_only=True)
        credits = load_credits(tx, org_id, open_only=True)
        journal = load_journal(tx, org_id)
        try:
            measures: tuple[CustomerMeasures, ...] = org_customer_measures(
                tx, org, as_of=today
            ).customers
        except ConfigError:  # no stored history: every customer pays at the default
            measures = ()
    document = load_sandbox(org.platform).company_from_records(org, customers, invoices, credits)
    lateness = {m.customer_id: m.average_days_late for m in measures
                if m.average_days_late is not None}
    owed = [
        (invoice, to_base(invoice.amount_due, rate=invoice.fx_rate, quote=invoice.fx_quote,
                          base_currency=org.base_currency))
        for invoice in invoices
    ]
    forecasts = forecast_payments(owed, lateness, org_average_days_late(measures),
                                  today=today, seed=seed)
    return _Books(org=org, document=document, forecasts=forecasts, journal=tuple(journal),
                  open_amount=sum((amount for _, amount in owed), ZERO),
                  open_invoices=len(owed))


def _pay(url: str, invoice_id: str, day: date) -> None:
    """Pay an invoice's whole balance in the sandbox, dated ``day``."""
    request = urllib.request.Request(
        f"{url}/_sandbox/invoices/{invoice_id}/payments",
        data=json.dumps({"date": day.isoformat()}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")
        error.close()
        raise FatalSourceError(
            f"the rehearsal sandbox refused to pay invoice {invoice_id}: {error.code} {detail}"
        ) from None


def _scratch_parent() -> str | None:
    """Where the scratch home goes: memory (``/dev/shm``) when the system has it, since a
    throwaway store needs no durable commits (each outbox step commits twice); else the
    system's temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _scratch_settings(settings: Any, home: Path) -> Any:
    """The user's settings pointed at a scratch home: its own SQLite store and sandbox token
    file, no vault key (nothing of the user's is read or written through them)."""
    from ar_sync.settings import default_db_url

    return replace(settings, home=home, db_url=default_db_url(home), vault=None,
                   vault_key=None, vault_key_file=None, history_months=0)


def rehearse(
    store: Any,
    settings: Any,
    org_id: str,
    policy: Any,
    *,
    days: int,
    seed: int,
    now: Callable[[], datetime],
    policy_dir: Path | None = None,
    workdir: Path | None = None,
    on_day: Callable[[DayReport], None] | None = None,
    on_start: Callable[[Rehearsal], None] | None = None,
    on_end: Callable[[Scratch], None] | None = None,
) -> Rehearsal:
    """Run ``policy`` on ``org_id`` for ``days`` simulated days (the module docstring).

    ``store`` and ``settings`` are the user's (read only); ``workdir`` holds the scratch store
    (None: a temporary folder, removed afterwards); ``now`` is the wall clock (the syncs'),
    ``policy_dir`` the policy file's folder (for its templates). ``on_start`` and ``on_day``
    see the run as it goes (progress); ``on_end`` sees the scratch run before it is taken
    down (the sandbox's write log, the caught emails, the scratch journal)."""
    from ar_sync.clock import local_date
    from ar_sync.store.orgs import get_org

    with store.reading() as tx:
        org = get_org(tx, org_id)
    if org is None:
        raise ConfigError(f"unknown org {org_id!r}: `ar-sync orgs` lists the connected ones")
    today = local_date(now(), org.timezone)
    books = _read_books(store, org, today=today, seed=seed)
    rehearsal = Rehearsal(
        org_id=org.org_id, org_name=org.name, platform=org.platform,
        base_currency=org.base_currency, policy=policy.name, seed=seed,
        start=today + timedelta(days=1), open_invoices=books.open_invoices,
        open_amount=books.open_amount,
    )
    if on_start is not None:
        on_start(rehearsal)
    with ExitStack() as running:
        if workdir is None:
            workdir = Path(running.enter_context(tempfile.TemporaryDirectory(
                prefix="ar-sync-rehearse-", dir=_scratch_parent())))
        scratch = _run_days(running, books, rehearsal, settings, policy, workdir=workdir,
                            days=days, now=now, policy_dir=policy_dir, on_day=on_day)
        if on_end is not None:
            on_end(scratch)
    return rehearsal


def _run_days(
    running: ExitStack,
    books: _Books,
    rehearsal: Rehearsal,
    settings: Any,
    policy: Any,
    *,
    workdir: Path,
    days: int,
    now: Callable[[], datetime],
    policy_dir: Path | None,
    on_day: Callable[[DayReport], None] | None,
) -> Scratch:
    from ar_sync.collect.books import plan_org
    from ar_sync.connect.orgs import vault_for
    from ar_sync.connector import ConnectOptions, load_plugin
    from ar_sync.jobs import connect, sync_org
    from ar_sync.push.job import enqueue_plan
    from ar_sync.push.mail import Mailer, SmtpConfig
    from ar_sync.push.run import perform_pending
    from ar_sync.sandbox.mail import MailCatcher
    from ar_sync.sandbox.plugin import load_sandbox
    from ar_sync.store import Store
    from ar_sync.store.journal import append_entries

    org = books.org
    sandbox = load_sandbox(org.platform).start_copy(books.document, relaxed_limits=True)
    running.callback(sandbox.stop)
    catcher = running.enter_context(MailCatcher())
    mailer = Mailer(SmtpConfig(host=catcher.host, port=catcher.port, security="none",
                               sender=SENDER))
    scratch_settings = _scratch_settings(settings, workdir)
    scratch = Store(scratch_settings.db_url)
    running.callback(scratch.close)
    connected = connect(scratch, scratch_settings, org.platform,
                        ConnectOptions(sandbox_url=sandbox.url), now=now, echo=lambda _: None)
    (copy,) = [o for o in connected if o.org_id == org.org_id]
    if books.journal:
        with scratch.transaction() as tx:
            append_entries(tx, [replace(entry, entry_id=None) for entry in books.journal])
    # The copy's sandbox has its rate limits lifted, so the connector and writer are not paced.
    plugin, vault = load_plugin(copy.platform), vault_for(copy, scratch_settings, store=scratch)
    connector = plugin.open(copy, vault, timeouts=scratch_settings.timeouts, limits=UNPACED)
    running.callback(connector.close)
    writer = plugin.open_writer(copy, vault, timeouts=scratch_settings.timeouts, limits=UNPACED)
    running.callback(writer.close)
    start = policy.limits.send_window.start
    pending = deque(books.forecasts)  # by day
    for offset in range(days):
        day = rehearsal.start + timedelta(days=offset)
        report = DayReport(day=day)
        while pending and pending[0].day <= day:
            paid = pending.popleft()
            _pay(sandbox.url, paid.invoice_id, day)
            report.paid_invoices += 1
            report.collected += paid.amount_base
        sync_org(scratch, scratch_settings, copy.org_id, now=now, connector=connector)
        moment = simulated_now(day, copy.timezone, start)
        plan = plan_org(scratch, copy.org_id, policy, as_of=day, now=moment)
        record_plan(report, rehearsal, plan)
        if plan.actions:
            enqueue_plan(scratch, copy, plan, policy, policy_dir, writer.note_limit, now=moment)
            result = perform_pending(scratch, copy, writer, mailer,
                                     now=lambda at=moment: at)
            report.failed += result.failed + result.unknown
            rehearsal.notes += result.notes
            rehearsal.emails += result.emails
            rehearsal.tasks += result.tasks
        rehearsal.days.append(report)
        if on_day is not None:
            on_day(report)
    return Scratch(org=copy, sandbox_url=sandbox.url, store=scratch, catcher=catcher)
