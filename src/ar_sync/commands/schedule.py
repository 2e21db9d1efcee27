"""``ar-sync schedule set|list|remove``, ``ar-sync serve`` and ``ar-sync runs``.

The timetable lives in the store (``schedules``); ``serve`` reads it on every wake, so a
``schedule set`` while it runs takes effect within its poll interval. Cron strings are in each
org's timezone (``ar_sync.scheduler``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ar_sync.cli import (
    HELP_STYLE,
    ORG_OPTION,
    OutputFormat,
    _selected_orgs,
    _stop_on_signals,
    app,
    state,
    stdout,
)
from ar_sync.clock import utc_now

schedule_app = typer.Typer(
    help="Each org's timetable: when `ar-sync serve` syncs, reminds and sends statements.",
    **HELP_STYLE,
)
app.add_typer(schedule_app, name="schedule")

ORG_ARGUMENT = typer.Argument(help="Org id, tenant id or name.", show_default=False)


def _say(line: str) -> None:
    stdout.print(line, markup=False, highlight=False, soft_wrap=True)


def _one_org(query: str):  # noqa: ANN202 (an Org)
    from ar_sync.connect.orgs import select_orgs
    from ar_sync.store.orgs import list_orgs

    with state.store().reading() as tx:
        stored = list_orgs(tx)
    return select_orgs(stored, query, everything=False, default_all=False)[0]


@schedule_app.command("set")
def schedule_set(
    org: Annotated[str, ORG_ARGUMENT],
    sync: Annotated[
        str | None,
        typer.Option("--sync", metavar="CRON", show_default=False,
                     help='When to sync, a cron string in the org\'s time (default "0 */4 * * *":'
                     ' every 4 hours), or "off".'),
    ] = None,
    remind: Annotated[
        str | None,
        typer.Option("--remind", metavar="CRON", show_default=False,
                     help='When to send the day\'s reminders (default "30 9 * * mon-fri"), or '
                     '"off". Days of week by name.'),
    ] = None,
    statements: Annotated[
        str | None,
        typer.Option("--statements", metavar="CRON|first-business-day", show_default=False,
                     help="When to attach (and email) statements (default first-business-day: "
                     "08:00 on the month's first weekday that is not a public holiday), or "
                     '"off".'),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Policy file the reminders and statements follow (default: the "
                     "built-in one).", show_default=False),
    ] = None,
) -> None:
    """Set an org's timetable; options left out keep their current (or default) value."""
    from pathlib import Path

    from ar_sync.errors import ConfigError
    from ar_sync.scheduler import (
        DEFAULT_REMIND,
        DEFAULT_SYNC,
        FIRST_BUSINESS_DAY,
        check_cron,
    )
    from ar_sync.store.schedules import load_schedules, save_schedule

    chosen = _one_org(org)
    with state.store().reading() as tx:
        old = next(iter(load_schedules(tx, chosen.org_id)), None)
    row = old or {"org_id": chosen.org_id, "sync_cron": DEFAULT_SYNC,
                  "remind_cron": DEFAULT_REMIND, "statements_cron": FIRST_BUSINESS_DAY,
                  "policy": None}
    if sync is not None:
        row["sync_cron"] = check_cron(sync, "--sync")
    if remind is not None:
        row["remind_cron"] = check_cron(remind, "--remind")
    if statements is not None:
        row["statements_cron"] = check_cron(statements, "--statements", statements=True)
    if policy is not None:
        path = Path(policy).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(f"--policy: {policy} is not a file")
        from ar_sync.collect.policy_file import load_policy

        load_policy(path)  # refused now, not at 09:30 tomorrow
        row["policy"] = str(path)
    row["updated_at"] = utc_now()
    with state.store().transaction() as tx:
        save_schedule(tx, row)
    _say(f"{chosen.name}: sync {row['sync_cron'] or 'off'}; remind {row['remind_cron'] or 'off'};"
         f" statements {row['statements_cron'] or 'off'} ({chosen.timezone})")


@schedule_app.command("list")
def schedule_list(org: Annotated[str | None, ORG_OPTION] = None) -> None:
    """Every timetable with each job's next run, in the org's time and yours."""
    from ar_sync.scheduler import next_runs, timetable_of
    from ar_sync.store.schedules import load_schedules
    from ar_sync.views.runs import schedule_tables

    now = utc_now()
    orgs = {chosen.org_id: chosen for chosen in _selected_orgs(org)}
    with state.store().reading() as tx:
        stored = [row for row in load_schedules(tx) if row["org_id"] in orgs]
    if not stored:
        _say("no org has a timetable: `ar-sync schedule set ORG` adds one")
        return
    rows = [
        run
        for row in stored
        for run in next_runs(orgs[row["org_id"]], timetable_of(orgs[row["org_id"]], row), now)
    ]
    for table in schedule_tables(rows, now.astimezone().tzinfo):
        stdout.print(table)


@schedule_app.command("remove")
def schedule_remove(org: Annotated[str, ORG_ARGUMENT]) -> None:
    """Forget an org's timetable: `ar-sync serve` stops running its jobs."""
    from ar_sync.errors import ConfigError
    from ar_sync.store.schedules import delete_schedule

    chosen = _one_org(org)
    with state.store().transaction() as tx:
        removed = delete_schedule(tx, chosen.org_id)
    if not removed:
        raise ConfigError(f"{chosen.name} has no timetable")
    _say(f"{chosen.name}: timetable removed")


@app.command()
def serve(
    workers: Annotated[int, typer.Option(min=1, max=64, help="Orgs run at once.")] = 4,
) -> None:
    """Run every org's timetable in the foreground until Ctrl-C or SIGTERM (the running jobs
    finish first). Every run is recorded: `ar-sync runs`."""
    from ar_sync.scheduler import Runtime
    from ar_sync.scheduler import serve as keep

    stop, previous = _stop_on_signals()
    import signal

    try:
        _say(f"ar-sync serve: keeping the timetables in {state.store().display_url}; "
             "Ctrl-C to stop")
        runtime = Runtime(store=state.store(), settings=state.settings, now=utc_now)
        keep(runtime, stop, workers=workers, echo=_say)
        _say("stopped: every running job finished")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@app.command()
def runs(
    org: Annotated[str | None, ORG_OPTION] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Every sync, remind and statements run, manual or scheduled: start, duration, outcome
    and counts (documents synced, actions sent, statements attached, calls, errors)."""
    from ar_sync.store.runs_log import list_runs
    from ar_sync.views.runs import runs_csv, runs_json, runs_table

    orgs = {chosen.org_id: chosen.name for chosen in _selected_orgs(org)}
    with state.store().reading() as tx:
        found = list_runs(tx, org_ids=list(orgs), limit=limit)
    if output is OutputFormat.json:
        sys.stdout.write(runs_json(found, orgs))
    elif output is OutputFormat.csv:
        sys.stdout.write(runs_csv(found, orgs))
    else:
        stdout.print(runs_table(found, orgs))
