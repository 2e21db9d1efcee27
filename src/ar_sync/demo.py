"""``ar-sync demo``: the main job end to end on a generated sandbox, then a reconciliation.

The reconciliation is the demo's proof: for every customer, the total of our aging (computed from
the synced store) must equal the closing balance of the ledger's own aged-receivables report,
which the sandbox computes independently from its own books.
"""

from __future__ import annotations

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
from ar_sync.report import OrgAging, render_table
from ar_sync.settings import Settings
from ar_sync.snapshots import aging_for
from ar_sync.store import Store
from ar_sync.sync import sync_org

DEMO_PLATFORMS = ("xero",)


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
    out: Console,
    err: Console,
) -> bool:
    """Start the sandboxes, connect, sync, print the aging and the reconciliation.

    Returns True when every org reconciles to the cent.
    """
    now = utc_now()
    spec = GenerateSpec(customers=customers, invoices=invoices, seed=seed,
                        today=local_date(now, "UTC"))
    ok = True
    for platform in DEMO_PLATFORMS:
        plugin = load_plugin(platform)
        sandbox = plugin.start_sandbox(generate=spec)
        try:
            err.print(f"Started a generated {plugin.display_name} sandbox at {sandbox.url}")
            orgs = plugin.connect(
                ConnectOptions(sandbox_url=sandbox.url),
                vault_for(None, settings, sandbox=True),
                echo=err.print,
            )
            for org in orgs:
                store.save_org(org)
                err.print(f"Connected [bold]{escape(org.name)}[/] ({org.org_id})")
            with SyncProgressDisplay(err) as display:
                for org in orgs:
                    connector = open_connector(org, settings)
                    display.done(sync_org(store, connector, now=utc_now, progress=display))
            for line in sync_summary(display.results):
                out.print(line, markup=False, highlight=False)
            for result in display.results:
                org = result.org
                aging = aging_for(store, org, as_of=local_date(utc_now(), org.timezone),
                                  basis=Basis.DUE, scheme=Scheme.DAYS)
                for table in render_table([aging], basis=Basis.DUE, scheme=Scheme.DAYS):
                    out.print(table)
                connector = open_connector(org, settings)
                customer_ids = [c.customer_id for c in store.load_customers(org.org_id)]
                outcome = reconcile(connector, aging, customer_ids)
                out.print(_reconciliation_line(outcome), markup=False, highlight=False)
                for name, ours, theirs in outcome.mismatches:
                    out.print(f"  {name}: ours {ours}, ledger {theirs}", markup=False)
                ok = ok and outcome.matches
        finally:
            sandbox.stop()
    return ok


def _reconciliation_line(outcome: Reconciliation) -> str:
    currency = outcome.org.base_currency
    ours = format_amount(outcome.ours, currency)
    theirs = format_amount(outcome.theirs, currency)
    if outcome.matches:
        return (
            f"Reconciled {outcome.org.name}: aging total {ours} {currency} equals the ledger's "
            f"AgedReceivablesByContact total {theirs} {currency} across {outcome.customers} "
            "contacts: OK"
        )
    return (
        f"MISMATCH {outcome.org.name}: aging total {ours} {currency}, ledger's report "
        f"{theirs} {currency}; {len(outcome.mismatches)} customers differ"
    )
