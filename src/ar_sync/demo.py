"""``ar-sync demo``: the main job end to end on generated Xero and QuickBooks sandboxes, side by
side: connect, sync, aging, a reconciliation of each, then the day's collections.

The reconciliation is the demo's proof: the total of our aging (computed from the synced store)
must equal the ledger's own receivables figure, and each of the largest customers' balances the
ledger's own aged-receivables report, both computed by the sandbox independently from its books.

Collections then run as ``ar-sync remind --apply`` does, with the default policy: the day's plan
per org, the notes written into each sandbox ledger (counted from its own write log) and the
emails caught by a mail catcher (a real SMTP server on loopback). When an org's today is a quiet
day or outside the send window, the demo plans its next working day instead and says so. The
sandboxes run with their rate limits lifted so the writes take seconds (``make bench`` and the
conformance tests run against the real limits).

It ends with what a person looks at afterwards, written into ``out_dir``: the statement of the
first org's largest debtor (PDF), the HTML report of both orgs (its size printed: it is meant
to be emailed), and the timetable ``ar-sync serve`` would run for each org by default.
"""

from __future__ import annotations

import json
import urllib.request
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from ar_sync.clock import local_date, utc_now
from ar_sync.connect.orgs import open_connector
from ar_sync.connector import ConnectOptions, load_plugin
from ar_sync.domain import Basis, Org, OrgAging, Scheme
from ar_sync.jobs import age_org, connect, reconcile_org, sync_org
from ar_sync.sandbox.mail import MailCatcher
from ar_sync.sandbox.plugin import GenerateSpec, SandboxHandle, load_sandbox
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
    out_dir: Path,
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
        sandboxes: list[SandboxHandle] = []
        for platform in DEMO_PLATFORMS:
            plugin = load_plugin(platform)
            sandbox = load_sandbox(platform).start(generate=spec, relaxed_limits=True)
            sandboxes.append(sandbox)
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
        owners = {org.org_id: sandbox for org in orgs for sandbox in sandboxes
                  if org.api_url and org.api_url.startswith(sandbox.url)}
        run_collections(store, settings, orgs, owners, out=out)
        write_outputs(store, settings, orgs, agings, out_dir, out=out)
    return ok


def write_outputs(
    store: Store, settings: Settings, orgs: list[Org], agings: list[OrgAging], out_dir: Path, *,
    out: Console,
) -> None:
    """The statement of the first org's largest debtor, the HTML report of every org (both
    into ``out_dir``) and each org's default timetable with its next run times."""
    from ar_sync.collect.calendar import country_of_timezone
    from ar_sync.report_data import gather_report
    from ar_sync.scheduler import Timetable, next_runs
    from ar_sync.statements.job import statements_org
    from ar_sync.views.report import render_report
    from ar_sync.views.runs import schedule_tables

    out_dir.mkdir(parents=True, exist_ok=True)
    first = agings[0]
    largest = max(first.report.customers, key=lambda line: line.total, default=None)
    if largest is not None:
        result = statements_org(store, settings, first.org_id, None, as_of=None, now=utc_now,
                                apply=False, out_dir=str(out_dir),
                                customer=largest.customer_id)
        for path in result.files:
            print_line(out, f"Statement of {first.customer_names.get(largest.customer_id, '')}"
                            f": {path.resolve()}")
    now = utc_now()
    page = render_report([gather_report(store, org.org_id, start=None, end=None, now=now)
                          for org in orgs], generated_at=now)
    report = out_dir / "report.html"
    report.write_text(page, encoding="utf-8")
    print_line(out, f"Report: {report.resolve()} ({len(page.encode()) / 1024:.1f} KB, opens "
                    "with no network; small enough to email)")

    rows = [
        run for org in orgs
        for run in next_runs(org, Timetable(org_id=org.org_id, timezone=org.timezone,
                                            country=country_of_timezone(org.timezone)), now)
    ]
    print_line(out, "What `ar-sync serve` would run (the default timetable; `ar-sync schedule "
                    "set ORG` keeps one):")
    for table in schedule_tables(rows, now.astimezone().tzinfo):
        out.print(table)


DEMO_SENDER = "accounts@demo.invalid"  # the demo's From: a reserved domain (RFC 2606)


def run_collections(
    store: Store, settings: Settings, orgs: list[Org], sandboxes: dict[str, SandboxHandle], *,
    out: Console,
) -> None:
    """The day's collections for every org with the default policy, as ``ar-sync remind
    --apply`` runs them, our email going to a mail catcher on loopback: per org the plan, what
    was sent, and the notes the sandbox's write log holds; then the emails caught."""
    from ar_sync.collect.policy import Policy
    from ar_sync.push.job import remind_org
    from ar_sync.views.plan import render_tables

    with MailCatcher() as mail:
        write_smtp_config(settings.home, mail)
        for org in orgs:
            now = utc_now()
            day, why = demo_day(org, Policy(), now)
            if why:
                print_line(out, f"{org.name}: {why}; planning {day.isoformat()} instead")
            result = remind_org(store, settings, org.org_id, None,
                                as_of=None if why is None else day.isoformat(),
                                now=utc_now, apply=True, paced=False)
            for table in render_tables([result.plan], {org.org_id: org.name}):
                out.print(table)
            print_line(out, f"{org.name}: {result.push.summary()}")
            sandbox = sandboxes.get(org.org_id)
            if sandbox is not None:
                notes = _ledger_notes(sandbox.url)
                print_line(out, f"  {notes} notes landed in the sandbox ledger "
                                f"({sandbox.url}/_sandbox/writes)")
        messages = mail.messages
        print_line(out, f"{len(messages)} emails caught by the local SMTP server at "
                        f"{mail.host}:{mail.port}")
        if messages:
            first = messages[0]
            print_line(out, f"  first: To {first['To']}; Subject: {first['Subject']}")


def demo_day(org: Org, policy: object, now: datetime) -> tuple[date, str | None]:
    """The day the demo plans for ``org``: its today when contacts may go out now, else the
    next day that is not quiet, with the reason (None when it is today)."""
    from ar_sync.collect.books import org_holidays
    from ar_sync.collect.calendar import in_window, is_quiet, quiet_reason

    limits = policy.limits  # type: ignore[attr-defined]
    today = local_date(now, org.timezone)
    holidays = org_holidays(org, policy, today)  # type: ignore[arg-type]
    local = now.astimezone(ZoneInfo(org.timezone)).time().replace(tzinfo=None)
    if not is_quiet(today, limits, holidays):
        if in_window(local, limits.send_window):
            return today, None
        why = f"it is {local:%H:%M} there, outside the send window"
    else:
        why = f"today is {quiet_reason(today, limits, holidays)} there"
    day = today + timedelta(days=1)
    while is_quiet(day, limits, org_holidays(org, policy, day)):  # type: ignore[arg-type]
        day += timedelta(days=1)
    return day, why


def write_smtp_config(home: Path, mail: MailCatcher) -> None:
    """Point ``AR_SYNC_HOME/config.toml``'s ``[smtp]`` at the mail catcher (the demo's home is
    a fresh folder of its own)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[smtp]\nhost = "{mail.host}"\nport = {mail.port}\nsecurity = "none"\n'
        f'sender = "{DEMO_SENDER}"\n',
        encoding="utf-8",
    )


NOTE_WRITES = frozenset({"invoice_history", "contact_history", "attachable_note"})  # both logs


def _ledger_notes(url: str) -> int:
    """How many notes the sandbox's own write log holds (``GET /_sandbox/writes``: Xero
    history records, QuickBooks note Attachables)."""
    with urllib.request.urlopen(f"{url}/_sandbox/writes", timeout=30) as answer:
        writes = json.load(answer)["writes"]
    return sum(1 for write in writes if write.get("kind") in NOTE_WRITES)
