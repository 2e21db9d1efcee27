"""``ar-sync rehearse``: a collections policy run day by day on a sandbox copy of an org's books
(``ar_sync.collect.rehearse``); nothing reaches the real ledger or the user's store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

import typer

from ar_sync.cli import ORG_OPTION, ListFormat, _selected_orgs, app, state, stderr, stdout
from ar_sync.clock import utc_now
from ar_sync.errors import ConfigError


@app.command()
def rehearse(
    org: Annotated[str | None, ORG_OPTION] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="The policy file (default: the default policy, as "
                     "`ar-sync policy init` writes it).", show_default=False),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days to simulate.")] = 90,
    seed: Annotated[int, typer.Option(help="Seed of the payment forecast's jitter.")] = 1,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """Rehearse a policy before it touches real books: the org's synced books are copied into
    a local sandbox of its ledger, then each day from tomorrow for --days days payments
    arrive as each customer's record predicts (average days late; a customer without one pays
    at the org's average; seeded jitter), the copy is synced, planned and reminded: notes land
    in the sandbox ledger, emails at a local mail catcher, tasks in a scratch journal.

    Prints a line per day (what was paid, what was sent by stage and channel, to whom), then
    per stage the contacts, invoices and amount chased, and what was collected."""
    from ar_sync.collect.policy import Policy
    from ar_sync.collect.policy_file import load_policy
    from ar_sync.collect.rehearse import rehearse as run
    from ar_sync.views.progress import print_line
    from ar_sync.views.rehearse import day_line, rehearsal_json, stage_table

    chosen = _selected_orgs(org)
    if len(chosen) != 1:
        names = ", ".join(o.name for o in chosen)
        raise ConfigError(f"--org: rehearse one org at a time; name one of: {names}")
    (target,) = chosen
    rules = load_policy(policy) if policy is not None else Policy()
    table = output is ListFormat.table
    with _Progress(days) as progress:
        result = run(
            state.store(), state.settings, target.org_id, rules, days=days, seed=seed,
            now=utc_now, policy_dir=policy.parent if policy is not None else None,
            on_day=lambda day: (
                progress.advance(),
                table and print_line(stdout, day_line(day, target.base_currency)),
            ),
        )
    if table:
        stdout.print(stage_table(result))
    else:
        stdout.print(rehearsal_json(result), markup=False, highlight=False, soft_wrap=True)


class _Progress:
    """A transient progress bar on stderr when it is a terminal (nothing otherwise)."""

    def __init__(self, days: int) -> None:
        self.days = days
        self._bar = None
        self._task = None

    def __enter__(self) -> Self:
        if stderr.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(  # type: ignore[assignment]
                "rehearsing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=stderr, transient=True,
            )
            self._bar.start()  # type: ignore[attr-defined]
            self._task = self._bar.add_task("days", total=self.days)  # type: ignore[attr-defined]
        return self

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]
