"""The timetable of each org and the scheduler that keeps it (APScheduler 3.x).

**Timetable (pure).** An org's ``Timetable`` holds three cron strings in the org's timezone,
each None when that job is off: ``sync`` (default ``"0 */4 * * *"``: every 4 hours on the
hour), ``remind`` (default ``"30 9 * * mon-fri"``) and ``statements`` (default
``first-business-day``: 08:00 on the month's first weekday that is not a public holiday of the
org's country, ``FirstBusinessDayTrigger``; a cron cannot say it). Cron strings become
``apscheduler.triggers.cron.CronTrigger.from_crontab`` triggers in the org's zone, so a 09:30
reminder fires at 09:30 local on both sides of a DST change. A numeric day of week is refused:
APScheduler 3.x counts 0 as Monday where cron counts it as Sunday
(https://github.com/agronholm/apscheduler/issues/286); names (``mon-fri``) mean the same to both.

**Jobs.** One APScheduler job per org and kind, id ``{kind}:{org_id}`` (``sync:xero:...``),
function ``ar_sync.scheduler:scheduled_job`` with the JSON-able args ``[kind, org_id]``,
``coalesce=True`` (runs missed while nothing ran collapse into one), ``max_instances=1`` and
``misfire_grace_time=MISFIRE_GRACE_SECONDS``. They live in APScheduler's ``SQLAlchemyJobStore``
in our own database (table ``apscheduler_jobs``, created by migration 0004), so a restarted
``serve`` knows what it missed. A job runs under ``record_run`` (``ar_sync.store.runs_log``):
a reminder or statements job syncs first; each takes the org's run lock (a busy org is recorded
``skipped``); a failing job is recorded ``failed`` and runs again at its next time.

**Why ``run_due`` and not ``BlockingScheduler``.** APScheduler 3.x reads the wall clock inside
``BaseScheduler._process_jobs`` and in the executors' misfire check, so its own loop cannot be
driven by a simulated clock. ``Scheduler.run_due(now)`` is that loop's step over APScheduler's
own job store, jobs and triggers, with ``now`` given: the due jobs' run times (coalesced), the
misfire grace, the next run time written back, then the runs, each org's in order (sync, remind,
statements) on a thread pool that runs different orgs at once. ``serve`` calls it with the real
clock; the tests call it with a simulated one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from ar_sync.errors import ArSyncError, ConfigError
from ar_sync.store.runs_log import (
    JobKind,
    Outcome,
    RunLog,
    Trigger,
    push_counts,
    record_run,
    start_run,
    sync_counts,
)

if TYPE_CHECKING:
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from ar_sync.domain import Org
    from ar_sync.settings import Settings
    from ar_sync.store import Store
    from ar_sync.views.runs import NextRun

log = logging.getLogger("ar_sync.scheduler")

DEFAULT_SYNC = "0 */4 * * *"
DEFAULT_REMIND = "30 9 * * mon-fri"
FIRST_BUSINESS_DAY = "first-business-day"
STATEMENTS_AT = time(8, 0)  # when, in the org's timezone, first-business-day statements go
OFF = "off"
KIND_ORDER = (JobKind.SYNC, JobKind.REMIND, JobKind.STATEMENTS)  # an org's due jobs, in order
MISFIRE_GRACE_SECONDS = 3600  # a run found due later than this after its time is skipped
WORKERS = 4  # orgs run at once
_SATURDAY = 5


# --- timetable (pure) --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Timetable:
    """One org's timetable: a cron string per job (None: off), in ``timezone``; ``country``
    (ISO 3166, or None: weekends only) decides the first business day; ``policy`` is the policy
    file reminders and statements use (None: the built-in one)."""

    org_id: str
    timezone: str
    country: str | None
    sync: str | None = DEFAULT_SYNC
    remind: str | None = DEFAULT_REMIND
    statements: str | None = FIRST_BUSINESS_DAY
    policy: str | None = None

    def cron(self, kind: JobKind) -> str | None:
        return {JobKind.SYNC: self.sync, JobKind.REMIND: self.remind,
                JobKind.STATEMENTS: self.statements}[kind]


def check_cron(expr: str, option: str, *, statements: bool = False) -> str | None:
    """``expr`` as stored: None for ``off``, ``first-business-day`` (``statements`` only), or a
    5-field cron string APScheduler accepts; ``ConfigError`` naming ``option`` otherwise."""
    text = " ".join(expr.split())
    if text.lower() == OFF:
        return None
    if statements and text.lower() == FIRST_BUSINESS_DAY:
        return FIRST_BUSINESS_DAY
    fields = text.split(" ")
    if len(fields) != 5:
        raise ConfigError(
            f"{option}: {expr!r} is not a cron string (minute hour day month day-of-week, "
            f"e.g. {DEFAULT_REMIND!r}), nor {OFF!r}"
            + (f" or {FIRST_BUSINESS_DAY!r}" if statements else "")
        )
    if any(ch.isdigit() for ch in fields[4]):
        raise ConfigError(
            f"{option}: {expr!r}: give the day of week by name (mon-fri, sun): APScheduler "
            "counts 0 as Monday where cron counts it as Sunday"
        )
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone=UTC)
    except ValueError as exc:
        raise ConfigError(f"{option}: {expr!r}: {exc}") from None
    return text


def first_business_day(year: int, month: int, holidays: Iterable[date]) -> date:
    """The first day of ``month`` that is neither a Saturday, a Sunday nor in ``holidays``."""
    closed = set(holidays)
    day = date(year, month, 1)
    while day.weekday() >= _SATURDAY or day in closed:
        day += timedelta(days=1)
    return day


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class FirstBusinessDayTrigger(BaseTrigger):
    """Fires at ``STATEMENTS_AT`` in ``timezone`` on each month's first business day
    (``first_business_day`` with ``country``'s public holidays from ``collect.calendar``).
    Picklable: APScheduler's job store keeps it as the job's trigger."""

    def __init__(self, timezone: str, country: str | None) -> None:
        self.timezone = timezone
        self.country = country

    def _fire_in(self, year: int, month: int) -> datetime:
        from ar_sync.collect.calendar import public_holidays

        holidays = public_holidays(self.country, None, [year]) if self.country else frozenset()
        day = first_business_day(year, month, holidays)
        return datetime.combine(day, STATEMENTS_AT, tzinfo=ZoneInfo(self.timezone))

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first fire time after ``previous_fire_time`` when given (even one before
        ``now``: missed runs are listed, as ``CronTrigger`` does), else at or after ``now``."""
        start = now if previous_fire_time is None else (
            previous_fire_time + timedelta(microseconds=1)
        )
        month = start.astimezone(ZoneInfo(self.timezone)).date().replace(day=1)
        while True:
            fire = self._fire_in(month.year, month.month)
            if fire >= start:
                return fire
            month = _next_month(month)

    def __str__(self) -> str:
        return f"first business day at {STATEMENTS_AT:%H:%M}"

    def __repr__(self) -> str:
        return f"<FirstBusinessDayTrigger (timezone={self.timezone!r}, country={self.country!r})>"


def trigger_for(timetable: Timetable, kind: JobKind) -> BaseTrigger | None:
    """The APScheduler trigger of ``kind`` for ``timetable`` (None: the job is off)."""
    cron = timetable.cron(kind)
    if cron is None:
        return None
    if cron == FIRST_BUSINESS_DAY:
        return FirstBusinessDayTrigger(timetable.timezone, timetable.country)
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timetable.timezone))


def run_times(trigger: BaseTrigger, next_run_time: datetime, now: datetime) -> list[datetime]:
    """Every fire time from ``next_run_time`` up to ``now`` inclusive (what is due)."""
    due = []
    at: datetime | None = next_run_time
    while at is not None and at <= now:
        due.append(at)
        following = trigger.get_next_fire_time(at, now)
        at = following if following is not None and following > at else None
    return due


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time of ``trigger`` in ``[start, end)``, in the trigger's timezone."""
    found = []
    at = trigger.get_next_fire_time(None, start)
    while at is not None and at < end:
        found.append(at)
        at = trigger.get_next_fire_time(at, at + timedelta(microseconds=1))
    return found


def job_id(kind: JobKind | str, org_id: str) -> str:
    return f"{JobKind(kind).value}:{org_id}"


def timetable_of(org: Org, row: dict[str, Any]) -> Timetable:
    """An org's stored ``schedules`` row as its ``Timetable``."""
    from ar_sync.collect.calendar import country_of_timezone

    return Timetable(
        org_id=org.org_id, timezone=org.timezone, country=country_of_timezone(org.timezone),
        sync=row["sync_cron"], remind=row["remind_cron"], statements=row["statements_cron"],
        policy=row["policy"],
    )


def next_runs(org: Org, timetable: Timetable, now: datetime) -> list[NextRun]:
    """Each of ``org``'s jobs (in ``KIND_ORDER``) with its cron and next fire time after
    ``now`` (None: off), for ``ar-sync schedule list`` and the demo."""
    from ar_sync.views.runs import NextRun

    rows = []
    for kind in KIND_ORDER:
        trigger = trigger_for(timetable, kind)
        rows.append(NextRun(
            org_id=org.org_id, org_name=org.name, timezone=org.timezone, kind=kind.value,
            cron=timetable.cron(kind) or "off",
            next_at=None if trigger is None else trigger.get_next_fire_time(None, now),
        ))
    return rows


# --- the jobs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """What a job needs that is not JSON: the open store, the settings and the clock.
    ``paced`` False opens the connectors and writers without pacing (only for sandboxes whose
    rate limits are lifted: simulations and the demo)."""

    store: Store
    settings: Settings
    now: Callable[[], datetime]
    paced: bool = True


def _sync(runtime: Runtime, org_id: str, run: RunLog) -> None:
    """The org's sync (``jobs.sync_org``), its documents and calls added to ``run``."""
    from ar_sync.jobs import sync_org

    connector = None
    if not runtime.paced:
        from ar_sync.connect.orgs import vault_for
        from ar_sync.connector import load_plugin
        from ar_sync.store.orgs import require_org
        from ar_sync.sync.pacing import UNPACED

        with runtime.store.reading() as tx:
            org = require_org(tx, org_id)
        connector = load_plugin(org.platform).open(
            org, vault_for(org, runtime.settings, store=runtime.store),
            timeouts=runtime.settings.timeouts, limits=UNPACED,
        )
    try:
        result = sync_org(runtime.store, runtime.settings, org_id, now=runtime.now,
                          connector=connector)
    finally:
        if connector is not None:
            connector.close()
    run.add(**sync_counts(result))
    if result.error:
        raise ArSyncError(result.error)


def _remind(runtime: Runtime, org_id: str, policy: str | None, run: RunLog) -> None:
    from ar_sync.push.job import remind_org

    result = remind_org(runtime.store, runtime.settings, org_id, policy, as_of=None,
                        now=runtime.now, apply=True, paced=runtime.paced)
    run.add(**push_counts(result.push))


def _statements(runtime: Runtime, org_id: str, policy: str | None, run: RunLog) -> None:
    from ar_sync.statements.job import statements_org  # Q1's job, imported when it runs

    result = statements_org(runtime.store, runtime.settings, org_id, policy, as_of=None,
                            now=runtime.now, apply=True, paced=runtime.paced)
    run.add(statements=result.attached, actions=result.emailed, errors=result.failed)


def scheduled_job(
    kind: str,
    org_id: str,
    *,
    runtime: Runtime | None = None,
    scheduled_for: datetime | None = None,
    policy: str | None = None,
) -> Outcome:
    """One scheduled run of ``kind`` for ``org_id`` (the jobs' APScheduler function; its stored
    args are ``[kind, org_id]``), recorded in ``job_runs``: a reminder or statements job syncs
    first. Never raises an ``Exception``: a busy org is ``skipped``, a failure ``failed``
    (logged), and the scheduler goes on; returns the outcome."""
    from ar_sync.store.locks import OrgBusy

    if runtime is None:
        raise ValueError("a scheduled job runs with the Runtime its scheduler gives it")
    chosen = JobKind(kind)
    try:
        with record_run(runtime.store, org_id, chosen, Trigger.SCHEDULED, runtime.now,
                        scheduled_for=scheduled_for) as run:
            _sync(runtime, org_id, run)
            if chosen is JobKind.REMIND:
                _remind(runtime, org_id, policy, run)
            elif chosen is JobKind.STATEMENTS:
                _statements(runtime, org_id, policy, run)
    except OrgBusy as exc:
        log.info("%s skipped: %s", job_id(chosen, org_id), exc)
        return Outcome.SKIPPED
    except Exception as exc:  # noqa: BLE001 (recorded by record_run; the scheduler goes on)
        log.warning("%s failed: %s", job_id(chosen, org_id), type(exc).__name__)
        return Outcome.FAILED
    return Outcome.OK


# --- the scheduler -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fired:
    """One due run ``run_due`` handled: the job, its fire time, and its outcome."""

    kind: JobKind
    org_id: str
    scheduled_for: datetime
    outcome: Outcome


@dataclass
class Scheduler:
    """APScheduler's job store and jobs in our database, stepped by ``run_due(now)``."""

    runtime: Runtime
    workers: int = WORKERS
    _jobstore: SQLAlchemyJobStore = field(init=False)
    _aps: Any = field(init=False)
    _pool: ThreadPoolExecutor = field(init=False)
    _running: dict[str, Future[list[Fired]]] = field(init=False, default_factory=dict)
    _policies: dict[str, str | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        self._aps = BackgroundScheduler(timezone=UTC)  # never started: the jobs' owner only
        self._jobstore = SQLAlchemyJobStore(engine=self.runtime.store.engine)
        self._jobstore.start(self._aps, "default")
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ar-sync job")

    def close(self, *, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, let the running ones finish first."""
        self._pool.shutdown(wait=wait)

    # -- the job store follows the timetables --

    def _job(self, kind: JobKind, org_id: str, trigger: BaseTrigger, next_run: datetime) -> Job:
        from apscheduler.job import Job

        return Job(
            self._aps, id=job_id(kind, org_id), func="ar_sync.scheduler:scheduled_job",
            args=[kind.value, org_id], kwargs={}, trigger=trigger, executor="default",
            name=job_id(kind, org_id), coalesce=True, max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS, next_run_time=next_run,
        )

    def refresh(self, now: datetime) -> None:
        """Make the job store hold exactly the stored timetables' jobs: a new or changed one
        is (re)added with its next time after ``now``; an unchanged one keeps its next time
        (so what was missed while nothing ran is still due); a removed one goes."""
        from ar_sync.store.orgs import get_org
        from ar_sync.store.schedules import load_schedules

        wanted: dict[str, tuple[JobKind, str, BaseTrigger]] = {}
        with self.runtime.store.reading() as tx:
            for row in load_schedules(tx):
                org = get_org(tx, row["org_id"])
                if org is None:
                    continue
                timetable = timetable_of(org, row)
                self._policies[org.org_id] = timetable.policy
                for kind in KIND_ORDER:
                    trigger = trigger_for(timetable, kind)
                    if trigger is not None:
                        wanted[job_id(kind, org.org_id)] = (kind, org.org_id, trigger)
        stored = {job.id: job for job in self._jobstore.get_all_jobs()}
        for name in stored.keys() - wanted.keys():
            self._jobstore.remove_job(name)
        for name, (kind, org_id, trigger) in wanted.items():
            old = stored.get(name)
            if old is not None and repr(old.trigger) == repr(trigger):
                continue
            next_run = trigger.get_next_fire_time(None, now)
            if next_run is None:
                continue
            job = self._job(kind, org_id, trigger, next_run)
            if old is None:
                self._jobstore.add_job(job)
            else:
                self._jobstore.update_job(job)

    def next_run_time(self) -> datetime | None:
        """The earliest time a job is due (UTC), None when there is none."""
        return self._jobstore.get_next_run_time()

    # -- one step --

    def run_due(self, now: datetime, *, wait: bool = True) -> list[Fired]:
        """Run every job due at ``now`` (see the module docstring). With ``wait`` (a
        simulation) returns once they have ended, with what each did; without (``serve``) the
        runs go on in the pool and what is returned covers only the runs skipped here."""
        self.refresh(now)
        by_org: dict[str, list[tuple[JobKind, datetime]]] = {}
        handled: list[Fired] = []
        for job in self._jobstore.get_due_jobs(now):
            kind, org_id = JobKind(job.args[0]), job.args[1]
            times = run_times(job.trigger, job.next_run_time, now)
            if job.coalesce:
                times = times[-1:]
            next_run = job.trigger.get_next_fire_time(times[-1], now) if times else None
            if next_run is None:
                self._jobstore.remove_job(job.id)
            else:
                self._jobstore.update_job(self._job(kind, org_id, job.trigger, next_run))
            for at in times:
                late = (now - at).total_seconds()
                if late > MISFIRE_GRACE_SECONDS:
                    handled.append(self._skip(kind, org_id, at, now,
                                              f"missed: due {late / 60:.0f} minutes earlier"))
                elif org_id in self._running and not self._running[org_id].done():
                    handled.append(self._skip(kind, org_id, at, now,
                                              "the org's previous scheduled run is still going"))
                else:
                    by_org.setdefault(org_id, []).append((kind, at))
        futures = []
        for org_id, runs in by_org.items():
            runs.sort(key=lambda run: (run[1], KIND_ORDER.index(run[0])))
            future = self._pool.submit(self._run_org, org_id, runs)
            self._running[org_id] = future
            futures.append(future)
        if wait:
            for future in futures:
                handled.extend(future.result())
        return handled

    def _run_org(self, org_id: str, runs: list[tuple[JobKind, datetime]]) -> list[Fired]:
        policy = self._policies.get(org_id)
        return [
            Fired(kind, org_id, at, scheduled_job(kind.value, org_id, runtime=self.runtime,
                                                  scheduled_for=at, policy=policy))
            for kind, at in runs
        ]

    def _skip(
        self, kind: JobKind, org_id: str, at: datetime, now: datetime, reason: str
    ) -> Fired:
        """Record a run that did not start (missed, or its org still busy with the last)."""
        from ar_sync.store.runs_log import finish_run

        with self.runtime.store.transaction() as tx:
            run_id = start_run(tx, org_id, kind, Trigger.SCHEDULED, started_at=now,
                               scheduled_for=at)
            finish_run(tx, run_id, finished_at=now, outcome=Outcome.SKIPPED,
                       counts=RunLog(id=run_id).counts, error=reason)
        log.info("%s at %s skipped: %s", job_id(kind, org_id), at.isoformat(), reason)
        return Fired(kind, org_id, at, Outcome.SKIPPED)


def serve(runtime: Runtime, stop: Any, *, poll: float = 30.0, workers: int = WORKERS,
          echo: Callable[[str], Any] = print) -> None:
    """Keep every stored timetable until ``stop`` (a ``threading.Event``) is set, then let the
    running jobs finish. Wakes at the next due time, or every ``poll`` seconds to pick up
    ``ar-sync schedule`` changes."""
    from ar_sync.store.runs_log import mark_interrupted

    with runtime.store.transaction() as tx:
        found = mark_interrupted(tx)
    if found:
        echo(f"{found} runs left running by a process that ended are marked interrupted")
    scheduler = Scheduler(runtime, workers=workers)
    try:
        while not stop.is_set():
            now = runtime.now()
            scheduler.run_due(now, wait=False)
            upcoming = scheduler.next_run_time()
            pause = poll if upcoming is None else (upcoming - runtime.now()).total_seconds()
            stop.wait(min(max(pause, 0.0), poll))
    finally:
        scheduler.close(wait=True)
