"""The ``ar-sync`` command line (typer + rich).

A command parses its options, calls a job (``ar_sync.jobs``: the same functions the demo and a
scheduler call) and renders what it returns (``ar_sync.views``). Every error ar-sync expects is
an ``ArSyncError``: it is printed as one line on stderr and the command exits with status 2.
Anything else is a bug: one line on stderr pointing at the log file (which holds the traceback,
secrets masked) and exit status 1. The clock is read here and passed down; nothing below reads
it.

Start-up is kept short (``ar-sync --help`` and ``ar-sync version`` import no store, no SDK):
what a command needs is imported inside it, and only what option signatures and defaults use
is imported here (the ``Basis``/``Scheme`` enums, the reconciliation's default sample). The
installed platforms' names in two help texts are read (``importlib.metadata``, which loads no
plugin) only when typer builds the commands, from their annotations. ``ar-sync version`` alone
is answered before typer builds any command (typer's option coercion imports pydantic).
``tests/test_startup.py`` holds the line.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

try:  # typer 0.2x vendors click; before that it is click's own
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer
    from click.exceptions import UsageError

from ar_sync import __version__
from ar_sync.aging.reconcile import DEFAULT_SAMPLE  # an option's default
from ar_sync.clock import local_date, utc_now
from ar_sync.domain import Basis, Scheme  # option types
from ar_sync.errors import ArSyncError, ConfigError, RetriableSourceError
from ar_sync.logs import configure_logging, loggable_command

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ar_sync.domain import Org
    from ar_sync.settings import Settings
    from ar_sync.store import Store

log = logging.getLogger(__name__)

# Plain (click-style) help: typer's rich panels print a type such as "<bool>" beside every
# option, flags that take no value included; plain help shows a value's placeholder only.
HELP_STYLE = {"rich_markup_mode": None, "no_args_is_help": True}
app = typer.Typer(
    name="ar-sync",
    help="Chase unpaid invoices on top of Xero and QuickBooks Online: connect, sync, age.",
    pretty_exceptions_enable=False,
    add_completion=False,
    **HELP_STYLE,
)
sandbox_app = typer.Typer(
    help="Local emulators of the ledgers, for trying ar-sync and rehearsing policies.",
    **HELP_STYLE,
)
app.add_typer(sandbox_app, name="sandbox")
vault_app = typer.Typer(
    help="The database vault: tokens encrypted in the store under a key you hold (servers).",
    **HELP_STYLE,
)
app.add_typer(vault_app, name="vault")

# Plain lines are never hard-wrapped: scripts read one line per org, and an id, a URL or a path
# in a line must stay whole to be copied (the terminal folds it, rich must not split it). Tables
# still fit the width.
stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


class _State:
    """What the top-level options set up for the command that runs."""

    settings: Settings
    argv: tuple[str, ...] = ()  # the command line, for the log (secret values masked there)
    log_file: Path | None = None  # None: the log file could not be opened
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            from ar_sync.settings import prepare_database_location
            from ar_sync.store import Store

            prepare_database_location(self.settings)  # an unusable directory: one clear line
            self._store = Store(self.settings.db_url)
            log.debug("store %s", self._store.display_url)  # password masked
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


state = _State()


# Commands that read no settings and write no log: they print and exit, and start at once.
NO_SETTINGS = frozenset({"version"})


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: SQLite in AR_SYNC_HOME; also AR_SYNC_DB), e.g. "
            "postgresql://user@host/ar_sync.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also log progress details to stderr.")
    ] = False,
) -> None:
    state.log_file = None
    if ctx.invoked_subcommand in NO_SETTINGS:
        return
    from ar_sync.settings import load_settings

    state.settings = load_settings(db)
    state.log_file = configure_logging(state.settings.log_file, verbose=verbose)
    log.info("ar-sync %s: %s", __version__, loggable_command(state.argv))


def _selected_orgs(query: str | None, *, everything: bool = False) -> list[Org]:
    """The stored orgs ``--org`` (or ``--all``, or nothing: every org) names."""
    from ar_sync.connect.orgs import select_orgs
    from ar_sync.store.orgs import list_orgs
    with state.store().reading() as tx:
        stored = list_orgs(tx)
    return select_orgs(stored, query, everything=everything, default_all=True)


# The --org and --as-of of the commands that read every org by default.
ORG_OPTION = typer.Option(help="Org id, tenant id or name (default: all).", show_default=False)


def _as_of_option(verb: str) -> Any:
    return typer.Option(
        help=f"{verb} at this date, YYYY-MM-DD (default: today in each org's timezone).",
        show_default=False,
    )


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: not a date (expected YYYY-MM-DD): {value!r}") from None


def _each_org(query: str | None, what: str, job: Any) -> list[Any]:
    """``job(org_id)`` for every org ``--org`` selects. An org refused with a ``ConfigError``
    is skipped with a ``skipped:`` line on stderr; it is an error only when every org is
    refused (``no org can be <what>: ...``)."""
    answered, refused = [], []
    for chosen in _selected_orgs(query):
        try:
            answered.append(job(chosen.org_id))
        except ConfigError as exc:
            refused.append(exc)
    if not answered:
        if len(refused) == 1:
            raise refused[0]
        raise ConfigError(f"no org can be {what}: " + " | ".join(str(exc) for exc in refused))
    for exc in refused:
        stderr.print(f"skipped: {exc}", markup=False, highlight=False, soft_wrap=True)
    return answered


def _platform_names() -> str:
    """``quickbooks, xero``: the installed ledger plugins, for help texts. Called from option
    annotations, which typer evaluates when it builds the commands (not at import)."""
    from ar_sync.connector import available_platforms

    return ", ".join(available_platforms())


# -- connect / orgs ---------------------------------------------------------------------------


@app.command()
def connect(
    platform: Annotated[str, typer.Argument(help="The ledger: " + _platform_names())],
    sandbox: Annotated[
        str | None,
        typer.Option(
            help="URL of a running sandbox, as `ar-sync sandbox serve` prints it; the flow then "
            "completes unattended (unless --no-browser) and its tokens stay in AR_SYNC_HOME.",
            show_default=False,
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(help="OAuth client id (or AR_SYNC_<PLATFORM>_CLIENT_ID).", show_default=False),
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            help="OAuth client secret. Prefer AR_SYNC_<PLATFORM>_CLIENT_SECRET or the hidden "
            "prompt: a command line shows in `ps` and shell history.",
            show_default=False,
        ),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(
            help="QuickBooks: production (the default; needs --redirect-uri https://...) or "
            "development (development keys, Intuit's sandbox companies).",
            show_default=False,
        ),
    ] = None,
    redirect_uri: Annotated[
        str | None,
        typer.Option(
            help="A redirect URI registered on the app other than the local listener (e.g. an "
            "https page): after approving, paste the address the browser ends on.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port of the local redirect listener, http://localhost:PORT/callback "
                     "(default 8765; it must match the app's registered redirect URI).",
                     show_default=False),
    ] = None,
    browser: Annotated[
        bool,
        typer.Option(help="Open the authorization page in a browser (--no-browser: print it; "
                     "against a sandbox: wait for someone to open it)."),
    ] = True,
) -> None:
    """Authorize ar-sync to read a ledger; every organisation granted becomes an org."""
    from ar_sync.connect.oauth import check_sandbox_url, client_credentials
    from ar_sync.connector import ConnectOptions, load_plugin
    from ar_sync.jobs import connect as connect_job

    def echo(text: str) -> None:  # never hard-wrapped: addresses must stay copyable
        stderr.print(text, soft_wrap=True, markup=False, highlight=False)

    plugin = load_plugin(platform)
    sandbox = check_sandbox_url(sandbox) if sandbox is not None else None
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(f"--port: expected 0 to 65535 (0: any free port), got {port}")
    if port is not None and redirect_uri is not None:
        raise ConfigError("--port sets the local listener, which --redirect-uri replaces; give one")
    if client_secret is not None:
        echo(
            f"warning: --client-secret on the command line shows in `ps` and shell history; "
            f"prefer AR_SYNC_{plugin.platform.upper()}_CLIENT_SECRET or the prompt"
        )
    # The app's credentials first: a missing client id is the more useful error to meet.
    client_id, client_secret = client_credentials(
        client_id,
        client_secret,
        sandbox=sandbox is not None,
        platform=plugin.platform,
        display_name=plugin.display_name,
        ask_secret=(
            (lambda prompt: typer.prompt(prompt, hide_input=True, err=True))
            if sys.stdin is not None and sys.stdin.isatty()  # None: stdin closed (cron)
            else None
        ),
    )
    options = ConnectOptions(
        client_id=client_id,
        client_secret=client_secret,
        sandbox_url=sandbox,
        redirect_port=port,
        open_browser=browser,
        environment=environment,
        redirect_uri=redirect_uri,
    )
    orgs = connect_job(state.store(), state.settings, plugin.platform, options, now=utc_now,
                       echo=echo)
    for org in orgs:
        stdout.print(
            f"Connected {plugin.display_name} org [bold]{escape(org.name)}[/] ({org.org_id}), "
            f"base currency {org.base_currency}, timezone {org.timezone}"
        )


@app.command()
def orgs(
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List connected orgs: name and id (what --org takes), ledger, last sync, open receivables."""
    from ar_sync.jobs import org_rows
    from ar_sync.views.orgs import render_org_rows
    rows = org_rows(state.store(), now=utc_now())
    if output is ListFormat.json:
        sys.stdout.write(render_org_rows(rows, output.value) + "\n")
    else:
        stdout.print(render_org_rows(rows, output.value))


# -- sync -------------------------------------------------------------------------------------


@app.command()
def sync(
    org: Annotated[
        str | None, typer.Option(help="Org id, tenant id or name.", show_default=False)
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Sync every connected org (the default without --org).")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Also re-read every open document and customer, not only what changed: heals "
            "changes the ledger does not stamp (Xero: a due date moved on a part-paid invoice). "
            "Open invoices and credits are re-read this way once a day anyway "
            "(AR_SYNC_OPEN_SET_HOURS).",
        ),
    ] = False,
    wait: Annotated[
        float | None,
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="When another run is syncing an org, wait up to SECONDS for it to end "
            "(default: report the org as busy at once and go on with the others).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Pull what changed in each org's ledger into the store (resumable; safe to interrupt).

    Every connected org, or the one --org names. Retries are shown as they happen."""
    from ar_sync.jobs import sync_org
    from ar_sync.store.locks import OrgBusy
    from ar_sync.store.runs_log import record_run, sync_counts
    from ar_sync.views.progress import SyncProgressDisplay, sync_summary, with_retry_time
    selected = _selected_orgs(org, everything=everything)
    failures = 0
    with SyncProgressDisplay(stderr) as display:
        for chosen in selected:
            try:
                with record_run(state.store(), chosen.org_id, "sync", "manual", utc_now) as run:
                    result = sync_org(
                        state.store(), state.settings, chosen.org_id, now=utc_now, full=full,
                        wait=wait, progress=display,
                        on_retry=lambda notice, shown=chosen: display.retrying(shown, notice),
                    )
                    run.add(**sync_counts(result))
            except ArSyncError as exc:
                message = with_retry_time(exc, now=utc_now(), timezone=chosen.timezone)
                if len(selected) == 1:
                    if message == str(exc):
                        raise
                    raise RetriableSourceError(message) from None
                failures += 1
                display.failed(chosen, message)
                if isinstance(exc, OrgBusy):  # no run started: the engine logged nothing
                    log.info("%s (%s): not synced: %s", chosen.name, chosen.org_id, message)
                continue
            display.done(result)
    for line in sync_summary(display.results):
        stdout.print(line, markup=False, highlight=False)
    if failures:
        raise ConfigError(f"{failures} of {len(selected)} orgs failed to sync (see above)")


@app.command()
def backfill(
    org: Annotated[str, typer.Option(help="Org id, tenant id or name.", show_default=False)],
    since: Annotated[
        str,
        typer.Option(help="Read every document changed since this date, YYYY-MM-DD (the org's "
                     "calendar).", show_default=False),
    ],
    estimate: Annotated[
        bool,
        typer.Option("--estimate", help="Read nothing: count the calls it would make, the "
                     "time the minute limit makes them take and the share of the day's "
                     "allowance."),
    ] = False,
    wait: Annotated[
        float | None,
        typer.Option("--wait", min=0, metavar="SECONDS", show_default=False,
                     help="When another run holds the org, wait up to SECONDS for it."),
    ] = None,
) -> None:
    """Read the org's past from --since: paid, credited and voided documents with their
    payments and allocations, so aging and measures can reach back to that date.

    Paged and paced under the ledger's limits, with an ETA; interrupted, the same command goes
    on from the last committed page. Where the ledger caps calls a day (Xero: 5,000), a run
    stops at the day's budget, keeping a tenth for syncs, and says to run it again the next
    day. Every later sync keeps the history current."""
    from ar_sync.jobs import backfill_org, estimate_backfill
    from ar_sync.views.progress import (
        SyncProgressDisplay,
        backfill_line,
        estimate_lines,
        with_retry_time,
    )
    day = _parse_date(since, "--since")
    assert day is not None
    (chosen, *others) = _selected_orgs(org)
    if others:
        raise ConfigError(f"--org {org!r} names several orgs: give its id")
    found = estimate_backfill(state.store(), state.settings, chosen.org_id, since=day,
                              now=utc_now())
    if estimate:
        for line in estimate_lines(found):
            stdout.print(line, markup=False, highlight=False)
        return
    with SyncProgressDisplay(stderr, eta=True) as display:
        display.expect(chosen, found.calls)
        try:
            result = backfill_org(
                state.store(), state.settings, chosen.org_id, since=day, now=utc_now,
                wait=wait, progress=display,
                on_retry=lambda notice: display.retrying(chosen, notice),
            )
        except ArSyncError as exc:
            message = with_retry_time(exc, now=utc_now(), timezone=chosen.timezone)
            if message == str(exc):
                raise
            raise RetriableSourceError(message) from None
        display.done(result)
    stdout.print(backfill_line(result, day.isoformat()), markup=False, highlight=False)


# -- aging ------------------------------------------------------------------------------------


@app.command()
def aging(
    org: Annotated[str | None, ORG_OPTION] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Age at the end of this date, YYYY-MM-DD (default: today in each org's "
            "timezone); a past date needs the org's history.",
            show_default=False,
        ),
    ] = None,
    basis: Annotated[Basis, typer.Option(help="Age from the due date or the invoice date.")] = (
        Basis.DUE
    ),
    scheme: Annotated[
        Scheme, typer.Option(help="Day ranges (0, 1-30 ... 91+) or calendar months.")
    ] = Scheme.DAYS,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="Output format. csv: a row per customer, then a row of each org's totals; the "
            "first column, row, says which (customer or total): filter on it before summing.",
        ),
    ] = OutputFormat.table,
) -> None:
    """Aged receivables per customer, in each org's base currency.

    A past --as-of is aged from the org's stored history (AR_SYNC_HISTORY_MONTHS, or `ar-sync
    backfill`): what each document still owed at the end of that day. An aging at a month end
    is stored and reused until the org's next sync. An org the store cannot age (never
    synced, or --as-of before its history) is skipped with a line on stderr saying why; it is
    an error only when no org can be aged."""
    from ar_sync.jobs import age_org
    from ar_sync.views.aging import common_as_of, render_csv, render_json, render_table
    chosen_date = _parse_date(as_of, "--as-of")
    now = utc_now()
    agings = _each_org(
        org, "aged",
        lambda org_id: age_org(state.store(), org_id, as_of=chosen_date, now=now, basis=basis,
                               scheme=scheme),
    )
    if output is OutputFormat.json:
        sys.stdout.write(
            render_json(agings, as_of=chosen_date or common_as_of(agings), basis=basis,
                        scheme=scheme)
        )
    elif output is OutputFormat.csv:
        sys.stdout.write(render_csv(agings, basis=basis, scheme=scheme))
    else:
        for table in render_table(agings, basis=basis, scheme=scheme):
            stdout.print(table)


# -- reconcile --------------------------------------------------------------------------------


@app.command()
def reconcile(
    org: Annotated[str | None, ORG_OPTION] = None,
    as_of: Annotated[str | None, _as_of_option("Compare")] = None,
    customer: Annotated[
        list[str] | None,
        typer.Option(help="Also compare this customer one by one (id or name; repeatable).",
                     show_default=False),
    ] = None,
    sample: Annotated[
        int,
        typer.Option(min=0, help="Also compare this many of the largest balances one by one."),
    ] = DEFAULT_SAMPLE,
) -> None:
    """Compare our aging with the ledger's own figures: the org's receivables total (one report
    call) and, one by one, the customers named with --customer and the largest balances.

    A past --as-of compares our aging from the stored history (see `aging --as-of`) with the
    ledger's own reports at that date; a date before the history is refused with the earliest
    date that can be compared.

    Exit status 0 when everything compared is equal to the cent, 1 when something differs.
    """
    from ar_sync.jobs import reconcile_org
    from ar_sync.views.reconciliation import reconciliation_lines
    chosen_date = _parse_date(as_of, "--as-of")
    ok = True
    for chosen in _selected_orgs(org):
        outcome = reconcile_org(state.store(), state.settings, chosen.org_id, as_of=chosen_date,
                                now=utc_now(), customers=customer or (), sample=sample)
        for line in reconciliation_lines(outcome):
            stdout.print(line, markup=False, highlight=False)
        ok = ok and outcome.matches
    if not ok:
        raise typer.Exit(1)


# -- history measures -------------------------------------------------------------------------


@app.command()
def customers(
    org: Annotated[str | None, ORG_OPTION] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Measure at the end of this date, YYYY-MM-DD (default: today in "
                     "each org's timezone).", show_default=False),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Each customer's payment record, from the org's stored history: invoices paid in the 12
    months to --as-of, their average and median days late (negative: paid early), the trend
    (the last 3 months' average against the 12 months' before, steady within 5 days), the last
    payment, the largest balance at a month end in those 12 months, the first invoice.

    An org without history (AR_SYNC_HISTORY_MONTHS, or `ar-sync backfill`) is skipped with a
    line on stderr saying how to get it."""
    from ar_sync.jobs import customer_measures_org
    from ar_sync.views.measures import customers_csv, customers_json, customers_tables
    chosen_date = _parse_date(as_of, "--as-of")
    now = utc_now()
    found = _each_org(
        org, "measured",
        lambda org_id: customer_measures_org(state.store(), org_id, as_of=chosen_date, now=now),
    )
    _write_measures(output, found, customers_json, customers_csv, customers_tables)


@app.command()
def dso(
    org: Annotated[str | None, ORG_OPTION] = None,
    months: Annotated[
        int, typer.Option(min=1, help="How many calendar months, up to the last one ended.")
    ] = 12,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Days sales outstanding and collections per month, from the org's stored history: the
    receivables at month end, DSO, the share of receivables overdue, the cash collected, and
    the invoices paid in the month with their average days late.

    DSO is counted back: the month-end balance is matched against that month's credit sales,
    then the month before, and so on; every month wholly covered counts all its days, the last
    one the fraction of its days its sales needed (">=" when the balance outran 12 months'
    sales). Months before the history's first full month are not shown. An org without history
    is skipped with a line on stderr saying how to get it."""
    from ar_sync.jobs import month_measures_org
    from ar_sync.views.measures import months_csv, months_json, months_tables
    now = utc_now()
    found = _each_org(
        org, "measured",
        lambda org_id: month_measures_org(state.store(), org_id, now=now, months=months),
    )
    _write_measures(output, found, months_json, months_csv, months_tables)


def _write_measures(
    output: OutputFormat,
    found: list[Any],
    as_json: Callable[[list[Any]], str],
    as_csv: Callable[[list[Any]], str],
    as_tables: Callable[[list[Any]], Iterable[Any]],
) -> None:
    """Print ``found`` (one entry per org) as JSON or CSV on stdout, or as one table per org."""
    if output is OutputFormat.json:
        sys.stdout.write(as_json(found))
    elif output is OutputFormat.csv:
        sys.stdout.write(as_csv(found))
    else:
        for table in as_tables(found):
            stdout.print(table)


# -- sandbox and demo -------------------------------------------------------------------------


@sandbox_app.command("serve")
def sandbox_serve(
    platform: Annotated[
        str | None,
        typer.Option(help="Which ledger to emulate: " + _platform_names()
                     + " (default: the one the --company files are for, else xero).",
                     show_default=False),
    ] = None,
    company: Annotated[
        list[Path] | None,
        typer.Option(help="Company file in the ledger's own JSON shapes (repeatable: one org "
                     "each).", show_default=False, exists=False),
    ] = None,
    generate: Annotated[
        str | None,
        typer.Option(help="Generate a company instead, e.g. customers=40,invoices=400,seed=1 "
                     "(add history_months=24 for two years of past documents).",
                     show_default=False),
    ] = None,
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1, 1 to 65535 (0: any free port).")
    ] = 0,
) -> None:
    """Serve a ledger emulator on 127.0.0.1 until interrupted (Ctrl-C).

    With neither --company nor --generate it serves a small built-in sample company.
    """
    from ar_sync.sandbox.options import parse_generate, sandbox_platform
    from ar_sync.sandbox.plugin import available_sandboxes, load_sandbox
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port: {port} is not a port number (1 to 65535, or 0 for any free "
                          "one)")
    spec = parse_generate(generate, today=local_date(utc_now(), "UTC")) if generate else None
    if platform is not None:
        load_sandbox(platform)  # an unknown name is refused first, naming the known ones
    sandboxes = available_sandboxes()
    platform = sandbox_platform(platform, list(company or []), sandboxes, default="xero")
    sandbox = sandboxes[platform]
    stop, previous = _stop_on_signals()  # before anything is printed: a caller may signal at once
    try:
        handle = sandbox.start(company_files=list(company or []), generate=spec, port=port)
        stdout.print(f"{sandbox.display_name} sandbox listening on {handle.url}")
        stdout.print(f"Connect to it with: ar-sync connect {platform} --sandbox {handle.url}")
        stdout.print("Press Ctrl-C to stop.")
        try:
            while not stop.wait(0.5):
                pass
        finally:
            handle.stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals() -> tuple[threading.Event, dict[int, Any]]:
    """An event set by SIGINT (Ctrl-C) or SIGTERM, and the handlers it replaced.

    Handlers are installed explicitly: a process started in the background by a shell inherits
    SIGINT as ignored, and Python then never raises KeyboardInterrupt.
    """
    stop = threading.Event()
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return stop, previous


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Customers in the generated company.")] = 25,
    invoices: Annotated[int, typer.Option(help="Open invoices in the generated company.")] = 150,
    seed: Annotated[int, typer.Option(help="Seed of the generated company.")] = 42,
    detail: Annotated[
        bool, typer.Option(help="Also print each org's aging customer by customer.")
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the statement and the HTML report.")
    ] = Path("ar-sync-demo"),
) -> None:
    """The whole job on generated Xero and QuickBooks sandboxes side by side: connect, sync,
    one aging table for both, a reconciliation of each against the ledger's own report, the
    day's reminders (notes into each sandbox, emails to a local mail catcher), then one
    statement, the HTML report (into --out) and the timetable `serve` would run."""
    from ar_sync.demo import run_demo

    ok = run_demo(
        state.store(),
        state.settings,
        customers=customers,
        invoices=invoices,
        seed=seed,
        detail=detail,
        out=stdout,
        err=stderr,
        out_dir=out,
    )
    if not ok:
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print ar-sync's version."""
    sys.stdout.write(__version__ + "\n")  # plain: rich's rendering would cost start-up time


# -- vault ------------------------------------------------------------------------------------


@vault_app.command("keygen")
def vault_keygen(
    path: Annotated[
        Path | None,
        typer.Argument(help="Key file to create (mode 0600). Without it, a key is printed "
                       "(for AR_SYNC_VAULT_KEY or a secrets manager).", show_default=False),
    ] = None,
    add: Annotated[
        bool,
        typer.Option("--add", help="Put a new key first in the existing key file PATH, keeping "
                     "the old ones after it (the first step of a rotation)."),
    ] = False,
) -> None:
    """Make a vault key: tokens are then kept encrypted in the database (no keyring needed)."""
    from ar_sync.connect.vault_keys import (
        KEY_FILE_ENV,
        add_key_to_file,
        create_key_file,
        generate_key,
    )
    if path is None:
        if add:
            raise ConfigError("--add needs the key file: ar-sync vault keygen --add PATH")
        sys.stdout.write(generate_key() + "\n")
        return
    if add:
        count = add_key_to_file(path)
        stdout.print(
            f"Added a new first key to {path} ({count} keys). Next: `ar-sync vault rotate`, "
            "then delete the old key's line.", markup=False, highlight=False,
        )
        return
    create_key_file(path)
    stdout.print(
        f"Created {path} (mode 0600) holding a new vault key. Set {KEY_FILE_ENV}={path} for "
        "every ar-sync run, and keep a copy somewhere safe: without the key the stored tokens "
        "cannot be read.", markup=False, highlight=False,
    )


@vault_app.command("rotate")
def vault_rotate() -> None:
    """Re-encrypt every stored token under the first vault key, so the old keys can go.

    Put the new key first and keep the old one after it (``ar-sync vault keygen --add PATH``,
    or NEW,OLD in AR_SYNC_VAULT_KEY), run this, then remove the old key.
    """
    from ar_sync.connect.orgs import database_vault
    from ar_sync.connect.vault_keys import KEY_ENV, KEY_FILE_ENV
    settings = state.settings
    vault = database_vault(settings, store=state.store())
    count = vault.rotate()
    source = f"{KEY_FILE_ENV} ({settings.vault_key_file})" if settings.vault_key_file else KEY_ENV
    stdout.print(
        f"Re-encrypted {count} vault {'entry' if count == 1 else 'entries'} under the first "
        f"key of {source}; every other key there can now be removed.",
        markup=False, highlight=False,
    )


# -- entry point ------------------------------------------------------------------------------


def usage_error_line(exc: UsageError) -> str:
    """A typer/click usage error as our one line, without ``error: ``: ``--scheme: 'weeks' is
    not one of days, months``; ``no such option: --nope``; ``missing argument 'platform'``."""
    param = getattr(exc, "param", None)
    message = str(getattr(exc, "message", "") or "")
    if param is None or not message:  # a bare usage error, or a missing parameter
        return _sentence(exc.format_message())
    hint = max(getattr(param, "opts", None) or [param.name or "?"], key=len)
    message = message.removeprefix("Value error, ")
    choices = _choices(param)
    value = re.match(r"(?P<value>'[^']*'|\S+) is not (?:one of|a valid)", message)
    if choices and value:
        message = f"{value['value']} is not one of {', '.join(choices)}"
    return f"{hint}: {_sentence(message)}"


def _choices(param: Any) -> list[str]:
    """The values a choice parameter accepts, as typed on the command line (else empty)."""
    found = getattr(getattr(param, "type_descriptor", None), "choices", None)  # typer >= 0.2x
    found = found or getattr(getattr(param, "type", None), "choices", None)  # click's Choice
    return [str(getattr(choice, "value", choice)) for choice in found or ()]


def _sentence(text: str) -> str:
    """``No such option: --nope.`` -> ``no such option: --nope`` (one line, no final stop)."""
    line = " ".join(text.split()).rstrip(".")
    return line[:1].lower() + line[1:] if line[1:2].islower() else line


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 a bug or a failed check, 2 an error).

    ``--help`` is typer's. Usage errors (an unknown option, a bad value) and ``ArSyncError`` from
    a command become one line on stderr, ``error: ...``, and exit status 2: typer runs in
    non-standalone mode so that its usage errors reach here instead of being drawn in a box.
    """
    state.argv = tuple(sys.argv[1:] if argv is None else argv)
    if state.argv == ("version",):  # the same line the command prints, without building them
        version()
        return 0
    try:
        status = app(args=argv, prog_name="ar-sync", standalone_mode=False)
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            sys.stdout.write(exc.ctx.get_help() + "\n")  # a bare command group: its help
            return 2
        return _error_line(usage_error_line(exc))
    except typer.Abort:
        stderr.print("Aborted!")
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ArSyncError as exc:
        log.info("command failed: %s", exc)  # the log file only; stderr gets the line below
        return _error_line(str(exc))
    except Exception:
        log.exception("unexpected error")
        where = state.log_file or "no log file (it could not be opened; run again with -v)"
        stderr.print(f"[bold red]internal error[/]: this is a bug in ar-sync; details in {where}")
        return 1
    finally:
        state.close()
    return status if isinstance(status, int) else 0


def _error_line(message: str) -> int:
    """Print ``error: message`` on stderr as one line; the exit status of an error, 2."""
    stderr.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    return 2


import ar_sync.commands  # noqa: E402, F401  (the collections commands register on ``app``)
