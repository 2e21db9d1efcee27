"""``ar-sync remind`` (plan and, with --apply, push the day's reminders) and ``ar-sync smtp``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ar_sync.cli import (
    HELP_STYLE,
    ORG_OPTION,
    _as_of_option,
    _parse_date,
    _selected_orgs,
    app,
    state,
    stderr,
    stdout,
)
from ar_sync.clock import utc_now
from ar_sync.errors import ConfigError

smtp_app = typer.Typer(help="Our own email: the SMTP password ([smtp] in config.toml).",
                       **HELP_STYLE)
app.add_typer(smtp_app, name="smtp")


def _line(text: str, *, err: bool = False) -> None:
    (stderr if err else stdout).print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def remind(
    org: Annotated[str | None, ORG_OPTION] = None,
    as_of: Annotated[str | None, _as_of_option("Plan")] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Policy file (TOML; `ar-sync policy init` writes one). Default: the "
                     "built-in ladder.", show_default=False),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Send: write the notes into the ledger, send the emails, "
                     "open the tasks, and journal each. Without it nothing is sent."),
    ] = False,
) -> None:
    """Plan the day's reminders; with --apply, send them, each exactly once.

    Every action is stored before any call and carries a fixed key, so running again (after a
    crash, or the same day) never sends anything twice."""
    from contextlib import ExitStack

    from ar_sync.push.job import remind_org
    from ar_sync.store.runs_log import push_counts, record_run

    day = _parse_date(as_of, "--as-of")
    selected = _selected_orgs(org)
    results = []
    for chosen in selected:
        with ExitStack() as stack:  # only a run that sends is a run (`ar-sync runs`)
            run = stack.enter_context(record_run(state.store(), chosen.org_id, "remind",
                                                 "manual", utc_now)) if apply else None
            results.append(
                remind_org(
                    state.store(), state.settings, chosen.org_id, policy, as_of=day,
                    now=utc_now, apply=apply,
                    echo=lambda text, name=chosen.name: _line(f"{name}: {text}", err=True),
                )
            )
            if run is not None:
                run.add(**push_counts(results[-1].push))
    if not apply:
        from ar_sync.views.plan import render_tables

        names = {result.org.org_id: result.org.name for result in results}
        for table in render_tables([result.plan for result in results], names):
            stdout.print(table)
        _line("dry run: nothing sent; add --apply")
        return
    for result in results:
        _line(f"{result.org.name}: {result.push.summary()}")
    unknown = sum(result.push.unknown for result in results)
    if unknown:
        _line(f"{unknown} writes have an unknown outcome: `ar-sync journal` shows what to check",
              err=True)


@smtp_app.command("password")
def smtp_password(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Store the SMTP password in the vault (the keyring, or the database vault): never in
    config.toml."""
    from ar_sync.push.mail import config_file, load_smtp_config, save_smtp_password

    path = config_file(state.settings.home)
    config = load_smtp_config(path)
    if config is None:
        raise ConfigError(f"{path} has no [smtp] table: add host, port, security and sender first")
    if config.username is None:
        raise ConfigError(f"{path}: smtp.username is not set: without it no password is used")
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"SMTP password for {config.username}", hide_input=True)
    if not password:
        raise ConfigError("no password given")
    save_smtp_password(state.settings, config, password, store=state.store())
    _line(f"Stored the SMTP password for {config.username} at {config.host}.")
