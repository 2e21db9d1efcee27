"""``make bench`` section ``day``: a simulated day of ``ar-sync serve`` for many orgs at once.

Half the orgs are Xero tenants served by one Xero sandbox process, half QuickBooks realms
served by one QuickBooks sandbox process, each sandbox with its real rate limits (Xero: 60 a
minute, 5 in flight and 5,000 a day per tenant, 10,000 a minute per app; QuickBooks: 500 a
minute and 10 in flight per realm). Each org is a small firm generated with its own seed
(``CUSTOMERS`` customers, ``INVOICES`` open invoices), in one of ``ZONES`` by turns.

The orgs are registered in one ``AR_SYNC_HOME`` by the real connect flow (``jobs.connect``:
OAuth against the sandbox, tokens in the vault; a Xero connection grants every tenant at once,
a QuickBooks one a realm, chosen with the sandbox's ``/_sandbox/consent``), each with the
default timetable (``ar-sync schedule set``'s row). A mail catcher on loopback takes the
reminder emails of the default policy.

Then a child process (its peak memory is its own) runs the scheduler over the simulated UTC
day ``DAY``: ``Scheduler.run_due`` at each due time, paced (the real pacer and retries), the
simulated clock moved from one due time to the next without sleeping. The sandboxes' windows
are wall-clock, so a day compressed into minutes is stricter than a real one: an org's calls
of several hours can meet in one of the sandbox's minute windows.

Printed, each next to its target where there is one: wall time (registration apart), API
calls by ledger and endpoint (OAuth apart), 429s, the scheduler's peak memory and CPU, runs
by kind and outcome, and per org its most calls in one of the ledger's minute windows (fixed
windows, replayed from the sandbox's call log as its limiter counts them) and its calls in the
day, against that ledger's limits.

Wall time: this is the first day of reminders for every org (nothing was sent before), so a
Xero org's reminder run writes ~90 notes, over a minute and a half at 60 a minute, and each
zone's 09:30 wave lasts at least that (with a Xero org in each of the six zones, 12 orgs or
more: about 9 minutes whatever the number of orgs). The scheduler process (one interpreter)
spends ~0.9 s of CPU per org on its day of 6 syncs and a reminder run, a third of the wall
time at 1,000 orgs; the rest is the waves' pacing. 1,000 orgs took 43 minutes for the day
plus 5 of set-up here (2 cores, 2026-12-02); ``--orgs 60`` about 10 minutes.

    python benchmarks/day.py [--orgs 1000] [--workers 48] [--keep FILE.json]
    python benchmarks/day.py report FILE.json    # print a kept run again
    benchmarks/bench.py --skip ... --day-orgs N  # the same, as bench section ``day``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
PYTHON = sys.executable
PLATFORMS = ("xero", "quickbooks")
ZONES = (  # (IANA zone, Xero's Organisation.Timezone for it, country)
    ("Pacific/Auckland", "NEWZEALANDSTANDARDTIME", "NZ"),
    ("Australia/Sydney", "AUSEASTERNSTANDARDTIME", "AU"),
    ("Europe/London", "GMTSTANDARDTIME", "GB"),
    ("Europe/Berlin", "WEUROPESTANDARDTIME", "DE"),
    ("America/New_York", "EASTERNSTANDARDTIME", "US"),
    ("America/Los_Angeles", "PACIFICSTANDARDTIME", "US"),
)
# Tuesday 8 December 2026 (UTC): 09:30 local falls inside it on a weekday in every zone (in
# Auckland and Sydney on Wednesday the 9th), no zone's country has a public holiday on the 8th
# or the 9th, and it is no zone's first business day of a month, so no statements fire: an
# ordinary weekday (1,000 orgs' statements, a PDF per customer, would make the section far
# too slow).
DAY = date(2026, 12, 8)
CUSTOMERS = 30
INVOICES = 100
SEED_BASE = 1000  # org n (0-based, per ledger) is generated with seed SEED_BASE + n
# Seconds an access token lives in both sandboxes (real: QuickBooks 3,600, Xero 1,800). A real
# day's syncs are four hours apart, so each one starts with a refresh; compressed into ~45
# minutes of wall clock the day would see almost none at the real lifetimes. At 600 s (refreshed
# with under 300 s left) a client refreshes at most syncs, and the 500 QuickBooks connections,
# connected within minutes of each other, rotate their tokens in waves, as on a real day.
ACCESS_TOKEN_TTL = 600
# The scheduler's thread pool here (``ar-sync serve`` has ``ar_sync.scheduler.WORKERS``, 4):
# a run mostly waits for its org's pacer (a Xero org's first reminders, ~90 notes at 60 a
# minute, take over a minute and a half), and ``run_due`` ends a step only when its runs end.
# With 4 workers a zone's 09:30 wave of a few hundred orgs would take hours of wall time.
DAY_WORKERS = 48


# --- the sandboxes (a child process each) --------------------------------------------------------


def zone_of(index: int) -> tuple[str, str, str]:
    return ZONES[index % len(ZONES)]


def xero_companies(count: int, today: date) -> list[Any]:
    """``count`` generated Xero companies, each named and placed in its zone."""
    from ar_sync_xero.sandbox.generate import generate_company

    companies = []
    for n in range(count):
        company = generate_company(customers=CUSTOMERS, invoices=INVOICES, seed=SEED_BASE + n,
                                   today=today)
        _, xero_zone, country = zone_of(n)
        organisation = replace(company.organisation, Name=f"Day Xero {n:04d}",
                               Timezone=xero_zone, CountryCode=country)
        companies.append(replace(company, organisation=organisation))
    return companies


def quickbooks_companies(count: int, today: date) -> list[Any]:
    """``count`` generated QuickBooks companies, each with its own realm id, name and zone."""
    from ar_sync_quickbooks.sandbox.company import build_company, company_document
    from ar_sync_quickbooks.sandbox.generate import generate_company

    companies = []
    for n in range(count):
        company = generate_company(customers=CUSTOMERS, invoices=INVOICES, paid=INVOICES // 2,
                                   seed=SEED_BASE + n, today=today)
        document = company_document(company)
        zone, _, _ = zone_of(n)
        info = dict(document["CompanyInfo"])  # type: ignore[call-overload]
        info.update(CompanyName=f"Day QuickBooks {n:04d}", DefaultTimeZone=zone)
        document.update(realmId=f"91303577{n:08d}", CompanyInfo=info)
        companies.append(build_company(document))
    return companies


def serve(platform: str, count: int, today: date) -> None:
    """Serve ``count`` generated companies of ``platform`` with the real limits until stdin
    closes; prints ``listening on URL``."""
    if platform == "xero":
        from ar_sync_xero.sandbox.server import XeroSandbox

        sandbox = XeroSandbox(xero_companies(count, today), port=0,
                              access_token_ttl=ACCESS_TOKEN_TTL).start()
    else:
        from ar_sync_quickbooks.sandbox import QuickBooksSandbox

        sandbox = QuickBooksSandbox(quickbooks_companies(count, today), port=0,
                                    access_token_ttl=ACCESS_TOKEN_TTL).start()
    print(f"listening on {sandbox.url}", flush=True)
    sys.stdin.read()  # the bench closes our stdin when it is done
    sandbox.stop()


def _start_sandbox(platform: str, count: int, env: dict[str, str]) -> tuple[Any, str]:
    process = subprocess.Popen(
        [PYTHON, str(HERE), "serve", platform, str(count)], env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return process, match.group(1)
    raise SystemExit(f"the {platform} sandbox did not start")


# --- registration (a child process) ---------------------------------------------------------------


def register(urls: dict[str, str], counts: dict[str, int]) -> None:
    """Connect every company of each sandbox (the real connect flow) and give each org the
    default timetable; prints ``registered N``."""
    from bench import _control

    from ar_sync.clock import utc_now
    from ar_sync.connector import ConnectOptions
    from ar_sync.jobs import connect
    from ar_sync.scheduler import DEFAULT_REMIND, DEFAULT_SYNC, FIRST_BUSINESS_DAY
    from ar_sync.settings import load_settings
    from ar_sync.store import Store
    from ar_sync.store.schedules import save_schedule

    settings = load_settings(None)
    orgs = []
    with Store(settings.db_url) as store:
        for platform, url in urls.items():
            options = ConnectOptions(sandbox_url=url)
            if platform == "xero":  # one consent grants every tenant
                orgs += connect(store, settings, platform, options, now=utc_now, echo=_quiet)
                continue
            for tenant in _control(url, "tenants")["tenants"][: counts[platform]]:
                _control(url, "consent", "POST", {"realmId": tenant["id"]})
                orgs += connect(store, settings, platform, options, now=utc_now, echo=_quiet)
        with store.transaction() as tx:
            for org in orgs:
                save_schedule(tx, {"org_id": org.org_id, "sync_cron": DEFAULT_SYNC,
                                   "remind_cron": DEFAULT_REMIND,
                                   "statements_cron": FIRST_BUSINESS_DAY, "policy": None,
                                   "updated_at": utc_now()})
    print(f"registered {len(orgs)}", flush=True)


def _quiet(text: str) -> None:
    """The connect flow's messages (the authorization address): not the bench's output."""


# --- the day (a child process) --------------------------------------------------------------------


class SimulatedClock:
    """The instant the scheduler and its jobs see; moved only by ``run_day``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def run_day(start: datetime, end: datetime, workers: int | None) -> dict[str, Any]:
    """Step the scheduler from ``start`` to ``end`` (UTC) over every stored timetable, paced;
    returns each run's kind, org and outcome, the steps, and this process's CPU and peak
    memory."""
    import resource

    from ar_sync.scheduler import WORKERS, Runtime, Scheduler
    from ar_sync.settings import load_settings
    from ar_sync.store import Store
    from ar_sync.store.runs_log import Outcome, list_runs

    settings = load_settings(None)
    clock = SimulatedClock(start)
    fired = []
    steps = 0
    begun = time.perf_counter()
    with Store(settings.db_url) as store:
        scheduler = Scheduler(Runtime(store=store, settings=settings, now=clock, paced=True),
                              workers=workers or WORKERS)
        try:
            scheduler.refresh(start)
            while (due := scheduler.next_run_time()) is not None and due < end:
                clock.at = due
                fired += scheduler.run_due(due)
                steps += 1
        finally:
            scheduler.close()
        with store.reading() as tx:  # why a run did not end ok (one line each, no secrets)
            errors = Counter(f"{run.kind.value} {run.outcome.value}: {run.error}"
                             for run in list_runs(tx) if run.outcome is not Outcome.OK)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": time.perf_counter() - begun,
        "steps": steps,
        "workers": workers or WORKERS,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mb": _peak_kb() / 1024,
        "errors": dict(errors),
        "runs": [[f.kind.value, f.org_id, f.outcome.value, f.scheduled_for.isoformat()]
                 for f in fired],
    }


def _peak_kb() -> int:
    """This process's own peak resident memory (``VmHWM``), in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# --- the bench (the parent) -----------------------------------------------------------------------


def _child(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([PYTHON, str(HERE), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"day.py {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def bench_day(orgs: int, workers: int = DAY_WORKERS, keep: Path | None = None) -> None:
    """The section: see the module docstring."""
    from bench import _control

    from ar_sync.demo import write_smtp_config
    from ar_sync.sandbox.mail import MailCatcher

    counts = {"xero": orgs - orgs // 2, "quickbooks": orgs // 2}
    home = tempfile.mkdtemp(prefix="ar-sync-bench-day-")
    env = dict(os.environ, AR_SYNC_HOME=home)
    env.pop("AR_SYNC_DB", None)
    sandboxes: dict[str, Any] = {}
    try:
        with MailCatcher() as mail:
            write_smtp_config(Path(home), mail)
            started = time.perf_counter()
            urls = {}
            for platform in PLATFORMS:
                if counts[platform]:
                    sandboxes[platform], urls[platform] = _start_sandbox(
                        platform, counts[platform], env)
            served = time.perf_counter() - started
            started = time.perf_counter()
            _child(["register", json.dumps(urls), json.dumps(counts)], env)
            registered = time.perf_counter() - started
            # Not reset: the limiters' windows opened during registration go on into the day,
            # so the replay needs those calls too; the day's are the ones after ``before``.
            before = {platform: _control(url, "calls") for platform, url in urls.items()}
            start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
            started = time.perf_counter()
            day = json.loads(_child(["run", start.isoformat(),
                                     (start + timedelta(days=1)).isoformat(),
                                     str(workers)], env))
            wall = time.perf_counter() - started
            calls = {platform: _day_calls(before[platform], _control(url, "calls"))
                     for platform, url in urls.items()}
            emails = len(mail.messages)
        raw = {"orgs": orgs, "counts": counts, "day": day, "calls": calls, "emails": emails,
               "wall": wall, "served": served, "registered": registered}
        if keep is not None:
            keep.write_text(json.dumps(raw), encoding="utf-8")
        report(raw)
    finally:
        for process in sandboxes.values():
            process.communicate(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


SCOPE = {"xero": "tenant", "quickbooks": "realm"}  # the call log's company field
FIRST_CALLS = {"GET Organisation", "GET companyinfo/{id}"}  # each ledger's sync opens with it


def minute_peaks(times: list[float], window: float) -> int:
    """The most calls in one of a ledger's fixed windows of ``window`` seconds over the call
    times ``times`` (seconds, ascending), replayed as the sandbox's limiter counts them: a
    window opens with the first call after the last one ended."""
    from ar_sync.sandbox.limits import FixedWindow

    counting, most = FixedWindow(window), 0
    for at in times:
        counting.roll(at)
        counting.take(at)
        most = max(most, counting.count)
    return most


def org_calls(log: list[dict[str, Any]], platform: str, first: int = 0
              ) -> dict[str, dict[str, Any]]:
    """Per company of a sandbox's call log (API calls only): the answered calls' times in
    seconds (ascending; every call, for the windows' phase), those of the day (``day``: from
    entry ``first`` on) and the 429s met in the day."""
    from bench import OAUTH_ENDPOINTS

    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"times": [], "refused": 0,
                                                            "day": 0})
    for index, entry in enumerate(log):
        company = entry.get(SCOPE[platform])
        if not company or any(name in str(entry["path"]) for name in OAUTH_ENDPOINTS):
            continue
        if entry["status"] == 429:
            found[company]["refused"] += index >= first
        else:
            found[company]["day"] += index >= first
            # admitted when the sandbox began serving it: logged time less its serving time
            logged = datetime.fromisoformat(entry["time"]).timestamp()
            found[company]["times"].append(logged - entry.get("microseconds", 0) / 1e6)
    for calls in found.values():
        calls["times"].sort()
    return found


def _day_calls(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """A sandbox's call figures for the day: ``after`` less ``before`` (both ``/_sandbox/calls``
    answers), with the whole log kept and ``first`` the index of the day's first call in it."""
    return {
        "by_endpoint": {name: count - before["by_endpoint"].get(name, 0)
                        for name, count in after["by_endpoint"].items()
                        if count - before["by_endpoint"].get(name, 0)},
        "rate_limited": after["rate_limited"] - before["rate_limited"],
        "log": after["log"],
        "first": len(before["log"]),
    }


def endpoint_of(entry: dict[str, Any]) -> str:
    """A call log entry's endpoint as the sandbox counts it (``GET Invoices``, ``PUT
    Invoices/{id}/History``): QuickBooks logs it, Xero's is its path past the API prefix."""
    if entry.get("endpoint"):
        return str(entry["endpoint"])
    path = re.sub(r"/[0-9a-fA-F-]{36}(?=/|$)", "/{id}", str(entry["path"]))
    return f"{entry['method']} {path.removeprefix('/api.xro/2.0/')}"


def report(raw: dict[str, Any]) -> None:
    """Print the section from the figures ``bench_day`` gathered (or ``--keep`` kept)."""
    day, counts = raw["day"], raw["counts"]
    print(f"day: a simulated day ({DAY:%a %d %b %Y} UTC, 24 h stepped in {day['steps']} due "
          f"times) of `ar-sync serve` for {raw['orgs']:,} orgs ({counts['xero']} Xero tenants "
          f"in one sandbox, {counts['quickbooks']} QuickBooks realms in another; each "
          f"{CUSTOMERS} customers, {INVOICES} open invoices; zones "
          + ", ".join(zone.split("/")[1] for zone, _, _ in ZONES)
          + "), default timetables, paced, the sandboxes enforcing the real limits, access "
          f"tokens living {ACCESS_TOKEN_TTL} s:")
    print(f"  wall seconds     {raw['wall']:.1f} for the day ({day['workers']} scheduler "
          f"workers); before it, {raw['served']:.1f} s generating and starting the sandboxes "
          f"and {raw['registered']:.1f} s registering the orgs (the real connect flow)")
    share = day["cpu_seconds"] / day["seconds"]
    print(f"  on the CPU       {day['cpu_seconds']:.1f} s of the scheduler process's "
          f"{day['seconds']:.1f} s ({share:.0%}; "
          + ("its own CPU dominates the wall time: one interpreter, ~"
             f"{day['cpu_seconds'] / raw['orgs']:.1f} s per org-day" if share > 0.6 else
             "waiting dominates: for the pacer (the ledgers' minute limits; each zone's 09:30 "
             "reminders) and the sandboxes")
          + ")")
    print(f"  peak memory      {day['peak_mb']:.0f} MB (the scheduler process)")
    failed = _print_runs(day["runs"], day.get("errors", {}))
    print(f"  emails           {raw['emails']:,} reminder emails caught by the local SMTP server")
    over = sum(_print_ledger(platform, calls, counts[platform])
               for platform, calls in raw["calls"].items())
    print(f"  every org finished inside its limits: {'no' if over else 'yes'} ({over} over; "
          f"target 0); every run ok: {'no' if failed else 'yes'} ({failed} not ok)")


def _print_runs(runs: list[list[str]], errors: dict[str, int]) -> int:
    """Runs by kind and outcome, why any was not ok, and whether statements fired; returns
    how many runs were not ok."""
    outcomes = Counter((kind, outcome) for kind, _, outcome, _ in runs)
    kinds = Counter(kind for kind, _, _, _ in runs)
    failed = sum(n for (_, outcome), n in outcomes.items() if outcome != "ok")
    listed = []
    for kind in ("sync", "remind", "statements"):
        if kinds[kind]:
            each = ", ".join(f"{n:,} {o}" for (k, o), n in sorted(outcomes.items()) if k == kind)
            listed.append(f"{kind} {kinds[kind]:,} ({each})")
    print(f"  runs             {', '.join(listed)} (target: every run ok; {failed} not ok)")
    for error, times in sorted(errors.items()):
        print(f"    not ok: {times} x {error}")
    fired = f"{kinds['statements']} runs" if kinds["statements"] else "none fired"
    print(f"  statements       {fired} ({DAY.isoformat()} is an ordinary weekday, no zone's "
          "first business day of a month)")
    return failed


def _print_ledger(platform: str, calls: dict[str, Any], orgs: int) -> int:
    """One ledger's calls, 429s and per-org figures against its limits; returns how many of
    its orgs went over a limit."""
    from bench import _limits, _limits_text, _listed, _split

    limits = _limits(platform)
    first = calls.get("first", 0)
    api, oauth = _split(calls["by_endpoint"])
    per_org = org_calls(calls["log"], platform, first)
    peaks = {org: minute_peaks(c["times"], limits.window_seconds) for org, c in per_org.items()}
    totals = sorted(c["day"] for c in per_org.values())
    per_day = getattr(limits, "per_day", None)
    over = [org for org, c in per_org.items() if peaks[org] > limits.per_minute
            or (per_day is not None and c["day"] > per_day)]
    refused = sum(1 for c in per_org.values() if c["refused"])
    where = Counter(endpoint_of(entry) for entry in calls["log"][first:]
                    if entry["status"] == 429)
    print(f"  {platform} ({orgs} orgs; {_limits_text(platform)}):")
    print(f"    API calls      {sum(api.values()):,} ({_listed(api)})")
    print(f"    OAuth calls    {_listed(oauth)}")
    print(f"    429s met       {calls['rate_limited']} (target: 0)"
          + (f" by {refused} orgs, on {_listed(dict(where))}" if where else "")
          + ("; each a sync's first call: its org's previous run, hours earlier in the "
             "simulated day, had spent the same wall-clock minute window"
             if where and set(where) <= FIRST_CALLS else ""))
    print(f"    per org        most calls in one minute window "
          f"{max(peaks.values(), default=0)} (limit {limits.per_minute}); calls in the day: "
          f"most {max(totals, default=0):,}, median {totals[len(totals) // 2] if totals else 0:,}"
          + (f" (limit {per_day:,})" if per_day is not None else " (no daily limit)")
          + f"; orgs over a limit: {len(over)}")
    if platform == "xero":
        every = sorted(t for c in per_org.values() for t in c["times"])
        print(f"    whole app      most calls in one minute window "
              f"{minute_peaks(every, limits.window_seconds):,} (limit "
              f"{limits.app_per_minute:,} a minute per app)")
    return len(over)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1000, help="orgs in the day (default 1000)")
    parser.add_argument("--workers", type=int, default=DAY_WORKERS,
                        help=f"the scheduler's thread pool (default {DAY_WORKERS})")
    parser.add_argument("--keep", type=Path, help="also write the raw figures to this JSON file")
    parser.add_argument("role", nargs="*", help=argparse.SUPPRESS)  # the children's
    args = parser.parse_args()
    if not args.role:
        bench_day(args.orgs, args.workers, args.keep)
    elif args.role[0] == "report":
        report(json.loads(Path(args.role[1]).read_text(encoding="utf-8")))
    elif args.role[0] == "serve":
        serve(args.role[1], int(args.role[2]), DAY)
    elif args.role[0] == "register":
        register(json.loads(args.role[1]), json.loads(args.role[2]))
    elif args.role[0] == "run":
        result = run_day(datetime.fromisoformat(args.role[1]),
                         datetime.fromisoformat(args.role[2]), int(args.role[3]) or None)
        sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
