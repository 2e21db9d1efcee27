"""``ar-sync demo``: the main job end to end on generated Xero and QuickBooks sandboxes, side by
side, then a reconciliation of each.

The reconciliation is the demo's proof: for every customer, the total of our aging (computed from
the synced store) must equal the closing balance of the ledger's own aged-receivables report,
which the sandbox computes independently from its own books.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Console
from rich.markup import escape

from ar_sync.aging import Basis, Scheme
from ar_sync.clock import local_date, utc_now
from ar_sync.connector import ConnectOptions, Connector, GenerateSpec, load_plugin
from ar_sync.domain import Org
from ar_sync.money import format_amount
from ar_sync.orgs import open_connector, vault_for
from ar_sync.progress import SyncProgressDisplay, sync_summary
from ar_sync.report import OrgAging, render_org_summary, render_table
from ar_sync.settings import Settings
from ar_sync.snapshots import aging_for
from ar_sync.store import Store
from ar_sync.sync import sync_org

DEMO_PLATFORMS = ("xero", "quickbooks")


@dataclass(frozen=True, slots=True)
class Reconciliation:
    org: Org
    ours: Decimal
    theirs: Decimal
    customers: int
    mismatches: tuple[tuple[str, Decimal, Decimal], ...]  # (customer, ours, ledger's)

    @property
    def matches(self) -> bool:
        return not self.mismatches and self.ours == self.theirs


def reconcile(connector: Connector, aging: OrgAging, customer_ids: list[str]) -> Reconciliation:
    """Compare each customer's aging total with the ledger's own report at the same date."""
    theirs = connector.reported_balances(customer_ids, as_of=aging.report.as_of)
    ours = {customer.customer_id: customer.total for customer in aging.report.customers}
    mismatches = tuple(
        (aging.customer_names.get(cid, cid), ours.get(cid, Decimal(0)), theirs.get(cid, Decimal(0)))
        for cid in sorted(set(ours) | set(theirs))
        if ours.get(cid, Decimal(0)) != theirs.get(cid, Decimal(0))
    )
    return Reconciliation(
        org=connector.org,
        ours=aging.report.total,
        theirs=sum(theirs.values(), Decimal(0)),
        customers=len(customer_ids),
        mismatches=mismatches,
    )


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
    reconciliations. Returns True when every org reconciles to the cent."""
    now = utc_now()
    spec = GenerateSpec(customers=customers, invoices=invoices, seed=seed,
                        today=local_date(now, "UTC"))
    with ExitStack() as running:
        orgs: list[Org] = []
        for platform in DEMO_PLATFORMS:
            plugin = load_plugin(platform)
            sandbox = plugin.start_sandbox(generate=spec)
            running.callback(sandbox.stop)
            err.print(f"Started a generated {plugin.display_name} sandbox at {sandbox.url}")
            for org in plugin.connect(
                ConnectOptions(sandbox_url=sandbox.url),
                vault_for(None, settings, sandbox=True),
                echo=err.print,
            ):
                store.save_org(org)
                orgs.append(org)
                err.print(f"Connected [bold]{escape(org.name)}[/] ({org.org_id})")
        connectors = []
        for org in orgs:
            connector = open_connector(org, settings)
            running.callback(connector.close)
            connectors.append(connector)
        with SyncProgressDisplay(err) as display:
            for connector in connectors:
                display.done(sync_org(store, connector, now=utc_now, progress=display))
        for line in sync_summary(display.results):
            out.print(line, markup=False, highlight=False)
        agings = [
            aging_for(store, result.org, as_of=local_date(utc_now(), result.org.timezone),
                      basis=Basis.DUE, scheme=Scheme.DAYS)
            for result in display.results
        ]
        if detail:
            for table in render_table(agings, basis=Basis.DUE, scheme=Scheme.DAYS):
                out.print(table)
        out.print(render_org_summary(agings, basis=Basis.DUE, scheme=Scheme.DAYS))
        ok = True
        for result, connector, aging in zip(display.results, connectors, agings, strict=True):
            customer_ids = [c.customer_id for c in store.load_customers(result.org.org_id)]
            outcome = reconcile(connector, aging, customer_ids)
            out.print(_reconciliation_line(outcome), markup=False, highlight=False)
            for name, ours, theirs in outcome.mismatches:
                out.print(f"  {name}: ours {ours}, ledger {theirs}", markup=False)
            ok = ok and outcome.matches
    return ok


def _reconciliation_line(outcome: Reconciliation) -> str:
    currency = outcome.org.base_currency
    ours = format_amount(outcome.ours, currency)
    theirs = format_amount(outcome.theirs, currency)
    if outcome.matches:
        return (
            f"Reconciled {outcome.org.name} ({outcome.org.platform}): aging total {ours} "
            f"{currency} equals the ledger's own aged-receivables report, {theirs} {currency}, "
            f"across {outcome.customers} customers: OK"
        )
    return (
        f"MISMATCH {outcome.org.name} ({outcome.org.platform}): aging total {ours} {currency}, "
        f"ledger's report {theirs} {currency}; {len(outcome.mismatches)} customers differ"
    )
