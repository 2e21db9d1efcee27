"""``ar-sync statements``: open-item statements as PDFs and, with --apply, into the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ar_sync.cli import (
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


def _line(text: str, *, err: bool = False) -> None:
    (stderr if err else stdout).print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def statements(
    org: Annotated[str | None, ORG_OPTION] = None,
    customer: Annotated[
        str | None,
        typer.Option(help="Only this customer (its id or exact name).", show_default=False),
    ] = None,
    as_of: Annotated[str | None, _as_of_option("Statement")] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Policy file whose late-payment interest the statements quote and "
                     "whose [statements] email = true also emails them (default: no interest "
                     "quoted, no email).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory to write the PDFs into (made if need be).",
                     show_default=False),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Attach each statement to the customer in the ledger, "
                     "add a note, journal it and (when the --policy says so) email it. "
                     "Once per customer per calendar month."),
    ] = False,
) -> None:
    """One open-item statement per customer with a balance, as a PDF.

    The statement lists every open invoice (paid or credited so far, balance, days overdue),
    unapplied credits, the aging row and the total due per currency, the late-payment
    interest the --policy quotes, and [statements] payment_instructions from config.toml.
    Whether --apply also emails each is the policy's [statements] email. With --apply each
    is sent at most once per customer per calendar month: running again sends nothing new."""
    from contextlib import ExitStack

    from ar_sync.statements.job import statements_org
    from ar_sync.store.runs_log import push_counts, record_run

    if out is None and not apply:
        raise ConfigError("give --out DIR to write the statements, or --apply to send them")
    day = _parse_date(as_of, "--as-of")
    if customer is not None:  # the one org that has the customer (several: --org)
        from ar_sync.commands.journal import find_customer

        selected = [find_customer(org, customer)[0]]
    else:
        selected = _selected_orgs(org)
    for chosen in selected:
        with ExitStack() as stack:  # only a run that sends is a run (`ar-sync runs`)
            run = stack.enter_context(record_run(state.store(), chosen.org_id, "statements",
                                                 "manual", utc_now)) if apply else None
            result = statements_org(
                state.store(), state.settings, chosen.org_id, policy, as_of=day, now=utc_now,
                apply=apply, out_dir=None if out is None else str(out), customer=customer,
                echo=lambda text, name=chosen.name: _line(f"{name}: {text}", err=True),
            )
            if run is not None:
                run.add(statements=result.attached, **push_counts(result.push))
        for path in result.files:
            _line(str(path))
        summary = f"{result.org.name}: {result.rendered} statements at {result.as_of.isoformat()}"
        if apply:
            summary += (f"; {result.attached} attached, {result.emailed} emailed, "
                        f"{result.failed} failed, {result.skipped} already sent this month")
        _line(summary)
