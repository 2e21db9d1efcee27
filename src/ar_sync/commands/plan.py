"""``ar-sync plan``: the day's collection actions and why everyone else gets nothing.

Reads the store and the policy; writes nothing (no journal row, no outbox row, no ledger call).
Module level stays light (``tests/test_startup.py``): stores and renderers load inside.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ar_sync.cli import (
    ORG_OPTION,
    ListFormat,
    _as_of_option,
    _each_org,
    _parse_date,
    _selected_orgs,
    app,
    state,
    stdout,
)
from ar_sync.clock import utc_now


@app.command("plan")
def plan_command(
    org: Annotated[str | None, ORG_OPTION] = None,
    as_of: Annotated[str | None, _as_of_option("Plan")] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="The policy file (TOML; `ar-sync policy init` writes one). "
                     "Default: the built-in default policy.", show_default=False),
    ] = None,
    output: Annotated[ListFormat, typer.Option("--format", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """Show the day's collection actions per org: who is contacted, at which stage and by
    which channels, listing every overdue invoice; and for each customer with an overdue
    balance who gets nothing, why (not_overdue, below_minimum, hold, promise, payment_plan,
    cap, quiet_day, outside_window, stage_already_sent, excluded, no_contact_address).

    Changes nothing: `ar-sync remind --apply` performs the actions. For today the send window
    is checked against the org's local time; a past or future --as-of ignores it."""
    from ar_sync.collect.books import plan_org
    from ar_sync.collect.policy import Policy
    from ar_sync.views.plan import render_tables, write_json

    if policy is not None:
        from ar_sync.collect.policy_file import load_policy

        chosen_policy = load_policy(policy)
    else:
        chosen_policy = Policy()
    chosen_date = _parse_date(as_of, "--as-of")
    now = utc_now()
    plans = _each_org(
        org, "planned",
        lambda org_id: plan_org(state.store(), org_id, chosen_policy, as_of=chosen_date, now=now),
    )
    if output is ListFormat.json:
        write_json(plans, sys.stdout, as_of=chosen_date, policy_name=chosen_policy.name)
        return
    names = {o.org_id: o.name for o in _selected_orgs(org)}
    for table in render_tables(plans, names):
        stdout.print(table)
