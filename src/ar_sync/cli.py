"""The ``ar-sync`` command line (typer + rich).

Every error ar-sync expects is an ``ArSyncError``: it is printed as one line on stderr and the
command exits with status 2. Anything else is a bug: one line on stderr pointing at the log file
(which holds the traceback, secrets masked) and exit status 1. The clock is read here and passed
down; nothing below reads it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ar_sync import __version__
from ar_sync.aging import Basis, Scheme
from ar_sync.clock import local_date, utc_now
from ar_sync.connector import ConnectOptions, available_platforms, load_plugin
from ar_sync.errors import ArSyncError, ConfigError
from ar_sync.logs import configure_logging
from ar_sync.oauth import client_credentials
from ar_sync.org_listing import org_rows, render_org_rows
from ar_sync.orgs import open_connector, select_orgs, vault_for
from ar_sync.progress import SyncProgressDisplay, sync_summary
from ar_sync.report import common_as_of, render_csv, render_json, render_table
from ar_sync.sandbox_options import parse_generate
from ar_sync.settings import Settings, load_settings
from ar_sync.snapshots import aging_for, check_as_of
from ar_sync.store import Store
from ar_sync.sync import sync_org

log = logging.getLogger(__name__)

app = typer.Typer(
    name="ar-sync",
    help="Chase unpaid invoices on top of Xero and QuickBooks Online: connect, sync, age.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sandbox_app = typer.Typer(
    help="Local emulators of the ledgers, for trying ar-sync and rehearsing policies.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

# Plain lines are never hard-wrapped: scripts read one line per org. Tables still fit the width.
stdout = Console(soft_wrap=True)
stderr = Console(stderr=True)


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
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


state = _State()


@app.callback()
def main_options(
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
    state.settings = load_settings(db)
    configure_logging(state.settings.log_file, verbose=verbose)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: not a date (expected YYYY-MM-DD): {value!r}") from None


# -- connect / orgs ---------------------------------------------------------------------------


@app.command()
def connect(
    platform: Annotated[str, typer.Argument(help="The ledger: " + ", ".join(available_platforms()))],
    sandbox: Annotated[
        str | None,
        typer.Option(
            help="URL of a running sandbox (see `ar-sync sandbox serve`); the flow then completes "
            "unattended and its tokens stay in AR_SYNC_HOME.",
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
            help="OAuth client secret (or AR_SYNC_<PLATFORM>_CLIENT_SECRET).", show_default=False
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port of the loopback redirect listener (must match the app's "
                     "registered redirect URI).", show_default=False),
    ] = None,
    browser: Annotated[
        bool, typer.Option(help="Open the authorization page in a browser.")
    ] = True,
) -> None:
    """Authorize ar-sync to read a ledger; every organisation granted becomes an org."""
    plugin = load_plugin(platform)
    # The app's credentials first: a missing client id is the more useful error to meet.
    client_id, client_secret = client_credentials(
        client_id,
        client_secret,
        sandbox=sandbox is not None,
        platform=plugin.platform,
        display_name=plugin.display_name,
    )
    vault = vault_for(None, state.settings, sandbox=sandbox is not None)
    options = ConnectOptions(
        client_id=client_id,
        client_secret=client_secret,
        sandbox_url=sandbox,
        redirect_port=port,
        open_browser=browser,
    )
    orgs = plugin.connect(options, vault, echo=stderr.print)
    store = state.store()
    replaced = {org.org_id: org.connection_id for org in store.list_orgs()}
    for org in orgs:
        store.save_org(org)
        stdout.print(
            f"Connected {plugin.display_name} org [bold]{escape(org.name)}[/] ({org.org_id}), "
            f"base currency {org.base_currency}, timezone {org.timezone}"
        )
    still_used = {org.connection_id for org in store.list_orgs()}
    for org_id, connection_id in replaced.items():
        if connection_id not in still_used:
            vault_for(store.get_org(org_id), state.settings).delete(connection_id)


@app.command()
def orgs(
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List connected orgs: platform, name, last sync and open receivables."""
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
    everything: Annotated[bool, typer.Option("--all", help="Sync every connected org.")] = False,
) -> None:
    """Pull what changed in each org's ledger into the store (resumable; safe to interrupt)."""
    store = state.store()
    selected = select_orgs(store.list_orgs(), org, everything=everything, default_all=False)
    failures = 0
    with SyncProgressDisplay(stderr) as display:
        for chosen in selected:
            connector = open_connector(chosen, state.settings)
            try:
                result = sync_org(store, connector, now=utc_now, progress=display)
            except ArSyncError as exc:
                if len(selected) == 1:
                    raise
                failures += 1
                display.failed(chosen, str(exc))
                continue
            finally:
                connector.close()
            display.done(result)
    for line in sync_summary(display.results):
        stdout.print(line, markup=False, highlight=False)
    if failures:
        raise ConfigError(f"{failures} of {len(selected)} orgs failed to sync (see above)")


# -- aging ------------------------------------------------------------------------------------


@app.command()
def aging(
    org: Annotated[
        str | None, typer.Option(help="Org id, tenant id or name (default: all).",
                                 show_default=False)
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Age at this date, YYYY-MM-DD (default: today in each org's "
                     "timezone).", show_default=False),
    ] = None,
    basis: Annotated[Basis, typer.Option(help="Age from the due date or the invoice date.")] = (
        Basis.DUE
    ),
    scheme: Annotated[
        Scheme, typer.Option(help="Day ranges (0, 1-30 ... 91+) or calendar months.")
    ] = Scheme.DAYS,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Aged receivables per customer, in each org's base currency."""
    store = state.store()
    chosen_date = _parse_date(as_of, "--as-of")
    now = utc_now()
    agings = []
    for chosen in select_orgs(store.list_orgs(), org, everything=False, default_all=True):
        day = chosen_date or local_date(now, chosen.timezone)
        check_as_of(store, chosen, day)
        agings.append(aging_for(store, chosen, as_of=day, basis=basis, scheme=scheme))
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


# -- sandbox and demo -------------------------------------------------------------------------


@sandbox_app.command("serve")
def sandbox_serve(
    platform: Annotated[str, typer.Option(help="Which ledger to emulate.")] = "xero",
    company: Annotated[
        list[Path] | None,
        typer.Option(help="Company file in the ledger's own JSON shapes (repeatable: one org "
                     "each).", show_default=False, exists=False),
    ] = None,
    generate: Annotated[
        str | None,
        typer.Option(help="Generate a company instead, e.g. customers=40,invoices=400,seed=1.",
                     show_default=False),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
) -> None:
    """Serve a ledger emulator on 127.0.0.1 until interrupted (Ctrl-C).

    With neither --company nor --generate it serves a small built-in sample company.
    """
    spec = parse_generate(generate, today=local_date(utc_now(), "UTC")) if generate else None
    plugin = load_plugin(platform)
    stop = _stop_on_signals()  # before anything is printed: a caller may signal at once
    handle = plugin.start_sandbox(company_files=list(company or []), generate=spec, port=port)
    stdout.print(f"{plugin.display_name} sandbox listening on {handle.url}")
    stdout.print(f"Connect to it with: ar-sync connect {platform} --sandbox {handle.url}")
    stdout.print("Press Ctrl-C to stop.")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop()


def _stop_on_signals() -> threading.Event:
    """An event set by SIGINT (Ctrl-C) or SIGTERM.

    Handlers are installed explicitly: a process started in the background by a shell inherits
    SIGINT as ignored, and Python then never raises KeyboardInterrupt.
    """
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Customers in the generated company.")] = 25,
    invoices: Annotated[int, typer.Option(help="Open invoices in the generated company.")] = 150,
    seed: Annotated[int, typer.Option(help="Seed of the generated company.")] = 42,
    detail: Annotated[
        bool, typer.Option(help="Also print each org's aging customer by customer.")
    ] = False,
) -> None:
    """The whole job on generated Xero and QuickBooks sandboxes side by side: connect, sync,
    one aging table for both, and a reconciliation of each against the ledger's own report."""
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
    )
    if not ok:
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print ar-sync's version."""
    stdout.print(__version__)


# -- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 a bug or a failed check, 2 an error).

    Usage errors and ``--help`` are typer's (standalone mode ends in ``SystemExit``);
    ``ArSyncError`` from a command propagates to here and becomes one line on stderr.
    """
    try:
        app(args=argv, prog_name="ar-sync")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ArSyncError as exc:
        log.info("command failed: %s", exc)  # the log file only; stderr gets the line below
        stderr.print(Text.assemble(("error: ", "bold red"), str(exc)), soft_wrap=True)
        return 2
    except Exception:
        log.exception("unexpected error")
        where = getattr(getattr(state, "settings", None), "log_file", "the log file")
        stderr.print(f"[bold red]internal error[/]: this is a bug in ar-sync; details in {where}")
        return 1
    finally:
        state.close()
    return 0
