"""``ar-sync demo``: the main job end to end on generated Xero and QuickBooks sandboxes, side by
side, then a reconciliation of each.

The reconciliation is the demo's proof: the total of our aging (computed from the synced store)
must equal the ledger's own receivables figure, and each of the largest customers' balances the
ledger's own aged-receivables report, both computed by the sandbox independently from its books.
"""

from __future__ import annotations

from contextlib import ExitStack

from rich.console import Console
from rich.markup import escape

from ar_sync.clock import local_date, utc_now
from ar_sync.connect.orgs import open_connector
from ar_sync.connector import ConnectOptions, load_plugin
from ar_sync.domain import Basis, Org, Scheme
from ar_sync.jobs import age_org, connect, reconcile_org, sync_org
from ar_sync.sandbox.plugin import GenerateSpec, load_sandbox
from ar_sync.settings import Settings
from ar_sync.store import Store
from ar_sync.views.aging import render_org_summary, render_table
from ar_sync.views.progress import SyncProgressDisplay, print_line, sync_summary
from ar_sync.views.reconciliation import reconciliation_lines

DEMO_PLATFORMS = ("xero", "quickbooks")


def run_demo(
    store: Store,
    settings: Settings,
    *,
    customers: int,
    invoices: int,
    seed: int,
    detail: bool,
    out: Console,
    err: Console,
) -> bool:
    """Start one generated sandbox per platform side by side, connect, sync each, then print one
    aging table for every org (and, with ``detail``, each org's customers) and the
    reconciliations. Returns True when every org reconciles to the cent.

    Each step is the job the CLI runs (``ar_sync.jobs``); each org's connector is opened once
    and serves both its sync and its reconciliation."""
    now = utc_now()
    spec = GenerateSpec(customers=customers, invoices=invoices, seed=seed,
                        today=local_date(now, "UTC"))
    with ExitStack() as running:
        orgs: list[Org] = []
        for platform in DEMO_PLATFORMS:
            plugin = load_plugin(platform)
            sandbox = load_sandbox(platform).start(generate=spec)
            running.callback(sandbox.stop)
            # Lines holding an id or a URL are never hard-wrapped: they must copy whole.
            print_line(err, f"Started a generated {plugin.display_name} sandbox at {sandbox.url}")
            options = ConnectOptions(sandbox_url=sandbox.url)
            for org in connect(store, settings, platform, options, now=utc_now,
                               echo=lambda text: print_line(err, text)):
                orgs.append(org)
                err.print(f"Connected [bold]{escape(org.name)}[/] ({org.org_id})", soft_wrap=True)
        connectors = []
        for org in orgs:
            connector = open_connector(org, settings, store=store)
            running.callback(connector.close)
            connectors.append(connector)
        with SyncProgressDisplay(err) as display:
            for org, connector in zip(orgs, connectors, strict=True):
                display.done(sync_org(store, settings, org.org_id, now=utc_now, progress=display,
                                      connector=connector))
        for line in sync_summary(display.results):
            print_line(out, line)
        agings = [
            age_org(store, result.org.org_id, now=utc_now(), basis=Basis.DUE, scheme=Scheme.DAYS)
            for result in display.results
        ]
        if detail:
            for table in render_table(agings, basis=Basis.DUE, scheme=Scheme.DAYS):
                out.print(table)
        out.print(render_org_summary(agings, basis=Basis.DUE, scheme=Scheme.DAYS))
        ok = True
        for connector, aging in zip(connectors, agings, strict=True):
            outcome = reconcile_org(store, settings, aging.org_id, as_of=aging.report.as_of,
                                    connector=connector)
            for line in reconciliation_lines(outcome):
                print_line(out, line)
            ok = ok and outcome.matches
    return ok
