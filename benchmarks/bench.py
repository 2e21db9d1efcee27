"""``make bench``: start-up time of the ``ar-sync`` command, full and no-change syncs of large
Xero and QuickBooks sandboxes, at 20,000 open invoices and at scale (100,000 and 50,000) under
the ledgers' real rate limits, a 12-month backfill of the 20,000-invoice company, how fast a
sandbox generates and serves a large company, aging speed, planning, and (section ``day``,
``benchmarks/day.py``) a simulated day of ``ar-sync serve`` for ``--day-orgs`` orgs (default
1,000, half Xero tenants and half QuickBooks realms in two sandboxes with the real limits):
wall time, API calls by ledger and endpoint, 429s, the scheduler's peak memory, runs by kind
and outcome, and per org its busiest minute window and its day's calls against its ledger's
limits.

Prints figures only, each next to its target where one is set; nothing here passes or fails
(tests check what is generated and served, never how fast: a busy machine is not a bug). Each
sandbox and each sync run in their own processes (the real ``ar-sync`` commands), so the peak
memory and CPU reported are the sync's alone. API calls exclude the OAuth endpoints (token
refresh, discovery document), which are listed apart.

The sandboxes are served by ``ar-sync sandbox serve`` with their default limits, which are the
real ones (Xero: 60 calls a minute, 5 in flight, 5,000 a day per tenant; QuickBooks: 500 a
minute, 10 in flight per realm). The *floor* of a full sync is the fewest calls it can make (one
page per 1,000 open records of each stream, plus the single calls) divided by the minute rate:
``calls / rate``, the issue's floor, on which the target (at most 1.1x) is judged. A sandbox's
minute window is fixed and opens with the first call, so a sync may burst through one window's
worth at the start and end under that floor; next to it is printed the least wall time the
sandbox's limiter allows the calls the sync made: ``(ceil(calls / limit) - 1)`` whole windows,
plus the time the sandbox spent serving the calls of the last window (each call's
``microseconds`` in its call log), which explains a ratio under 1.0 (and, when the calls fit in
one window, is simply the serving time: what is left over it is the client's).

    python benchmarks/bench.py [--invoices 20000] [--customers 2000] [--scale 100000 --scale
        50000] [--age-items 1000000] [--platform xero --platform quickbooks] [--startup-runs 5]
        [--plan-invoices 100000] [--day-orgs 1000]
        [--skip startup|sync|scale|backfill|sandbox|aging|plan|day ...]

A full run takes about a quarter of an hour (most of it the scale syncs paced at 60 calls a
minute); ``--skip scale`` leaves them out, ``--scale 50000`` runs only that size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ar_sync.aging.age import AgingItem, ItemKind, age
from ar_sync.aging.measures import add_months

AR_SYNC = [sys.executable, "-m", "ar_sync"]


def _control(url: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/_sandbox/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def _start_sandbox(platform: str, customers: int, invoices: int, env: dict[str, str],
                   history_months: int = 0) -> tuple[subprocess.Popen, str]:
    history = f",history_months={history_months}" if history_months else ""
    process = subprocess.Popen(
        [*AR_SYNC, "sandbox", "serve", "--platform", platform, "--port", "0",
         "--generate", f"customers={customers},invoices={invoices},seed=7{history}"],
        env=env, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return process, match.group(1)
    raise SystemExit("the sandbox did not start")


@dataclass(frozen=True)
class Measured:
    """One finished process: wall seconds, peak RSS in MB, CPU seconds (user + system)."""

    seconds: float
    peak_mb: float
    cpu_seconds: float


def _measured(args: list[str], env: dict[str, str]) -> Measured:
    """Run an ar-sync command to its end and measure that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen([*AR_SYNC, *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ar-sync {' '.join(args)} failed")
    # Linux reports kilobytes
    return Measured(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run an ar-sync command; (wall seconds, that process's peak RSS in MB)."""
    run = _measured(args, env)
    return run.seconds, run.peak_mb


def _pages(counts: dict[str, int], single: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """One call for each name in ``single``; one page per 1,000 records (at least one) else."""
    pages = {name: 1 if name in single else max(1, math.ceil(count / 1000))
             for name, count in counts.items()}
    return sum(pages.values()), pages


class _Api:
    """Plain HTTP reads of a sandbox's API with a token from its control endpoint (counts for
    the lower bound, a page for the speed figure); a 429 waits its ``Retry-After``."""

    def __init__(self, url: str, platform: str) -> None:
        self.url, self.platform = url, platform
        self.company = _control(url, "tenants")["tenants"][0]["id"]
        grant = {"client_id": "ar-sync-bench", "client_secret": "bench-secret"}
        if platform == "quickbooks":
            grant["realmId"] = self.company
        self.token = _control(url, "tokens", "POST", grant)["access_token"]

    def get(self, path: str, query: dict[str, str], extra_headers: dict[str, str] | None = None,
            ) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   **(extra_headers or {})}
        if self.platform == "xero":
            address = f"{self.url}/api.xro/2.0/{path}"
            headers["xero-tenant-id"] = self.company
        else:
            address = f"{self.url}/v3/company/{self.company}/{path}"
        request = urllib.request.Request(f"{address}?{urllib.parse.urlencode(query)}",
                                         headers=headers)
        while True:
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                time.sleep(int(error.headers.get("Retry-After") or 1))

    def count(self, collection: str, where: str | None = None, **extra: str) -> int:
        """How many records a list or query matches (Xero: ``pagination.itemCount``;
        QuickBooks: ``COUNT(*)``)."""
        if self.platform == "xero":
            query = {"page": "1", "pageSize": "1", **({"where": where} if where else {}), **extra}
            return self.get(collection, query)["pagination"]["itemCount"]
        text = f"SELECT COUNT(*) FROM {collection}" + (f" WHERE {where}" if where else "")
        return self.get("query", {"query": text})["QueryResponse"]["totalCount"]

    def count_since(self, collection: str, since: date, where: str | None = None) -> int:
        """Records changed since midnight UTC of ``since`` (Xero ``If-Modified-Since``;
        QuickBooks ``MetaData.LastUpdatedTime >=``), what a history read from ``since`` pages
        through (midnight UTC is at or before the org's midnight east of UTC, so this count is
        at most the connector's: a lower bound)."""
        if self.platform == "xero":
            query = {"page": "1", "pageSize": "1", **({"where": where} if where else {})}
            modified = {"If-Modified-Since": f"{since.isoformat()}T00:00:00"}
            return self.get(collection, query, modified)["pagination"]["itemCount"]
        return self.count(collection, f"MetaData.LastUpdatedTime >= '{since.isoformat()}"
                                      "T00:00:00Z'")


def _xero_lower_bound(api: _Api) -> tuple[int, dict[str, int]]:
    """Fewest calls a first Xero sync can make: one page per 1,000 open records per
    collection (the connector's full-pull filters), at least one call per collection, plus the
    Organisation read."""
    counts = {
        "Organisation": 1,
        "Contacts": api.count("Contacts", includeArchived="true"),
        "Invoices": api.count("Invoices", 'Type=="ACCREC" AND AmountDue>0',
                              Statuses="AUTHORISED"),
        "CreditNotes": api.count("CreditNotes", 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"'),
        "Overpayments": api.count("Overpayments",
                                  'Type=="RECEIVE-OVERPAYMENT" AND Status=="AUTHORISED"'),
        "Prepayments": api.count("Prepayments",
                                 'Type=="RECEIVE-PREPAYMENT" AND Status=="AUTHORISED"'),
    }
    return _pages(counts, single=SINGLE_CALLS)


def _quickbooks_lower_bound(api: _Api) -> tuple[int, dict[str, int]]:
    """Fewest calls a first QuickBooks sync can make: CompanyInfo and Preferences, then one
    query page per 1,000 records: every customer, invoices and credit memos with a balance and
    every payment (QuickBooks cannot filter on ``UnappliedAmt``)."""
    counts = {
        "CompanyInfo": 1,
        "Preferences": 1,
        "Customer": api.count("Customer", "Active IN (true, false)"),
        "Invoice": api.count("Invoice", "Balance > '0'"),
        "CreditMemo": api.count("CreditMemo", "Balance > '0'"),
        "Payment": api.count("Payment"),
    }
    return _pages(counts, single=SINGLE_CALLS)


LOWER_BOUNDS: dict[str, Callable[[_Api], tuple[int, dict[str, int]]]] = {
    "xero": _xero_lower_bound, "quickbooks": _quickbooks_lower_bound,
}
SINGLE_CALLS = ("Organisation", "CompanyInfo", "Preferences")  # one call each, not streams
OAUTH_ENDPOINTS = ("connect/token", "oauth2/", "openid_configuration")


def _limits(platform: str):
    """The limits ``ar-sync sandbox serve`` enforces: each sandbox's defaults, Xero's and
    QuickBooks' real numbers."""
    if platform == "xero":
        from ar_sync_xero.sandbox.limits import SandboxLimits as XeroLimits

        return XeroLimits()
    from ar_sync_quickbooks.sandbox.limits import SandboxLimits as QuickBooksLimits

    return QuickBooksLimits()


def _limits_text(platform: str) -> str:
    limits = _limits(platform)
    day = f", {limits.per_day:,} a day" if hasattr(limits, "per_day") else ""
    scope = "tenant" if platform == "xero" else "realm"
    return (f"{limits.per_minute} calls a minute, {limits.concurrent} in flight{day} per "
            f"{scope}")


def _split(by_endpoint: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(API calls, OAuth calls) by endpoint name."""
    oauth = {k: v for k, v in by_endpoint.items() if any(e in k for e in OAUTH_ENDPOINTS)}
    return {k: v for k, v in by_endpoint.items() if k not in oauth}, oauth


def _listed(calls: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"


@dataclass(frozen=True)
class LimiterBound:
    """The least wall time (seconds) a sandbox's fixed windows allow ``calls`` API calls: the
    windows before the last (each ``window`` seconds, the next opening when one ends) plus
    ``serving`` seconds, the sandbox's own time for the calls in the last window; ``served``
    is its time for every call."""

    calls: int
    windows: int
    window: float
    serving: float
    served: float

    @property
    def seconds(self) -> float:
        return (self.windows - 1) * self.window + self.serving


def _limiter_bound(log: list[dict], per_window: int, window: float) -> LimiterBound:
    """``LimiterBound`` from a sandbox's call log (in call order): API calls only (OAuth ones
    are not limited), and only those answered (a 429 uses no quota)."""
    api = [entry for entry in log if entry["status"] != 429
           and not any(name in str(entry["path"]) for name in OAUTH_ENDPOINTS)]
    windows = max(1, math.ceil(len(api) / per_window))
    last = api[(windows - 1) * per_window:]
    return LimiterBound(calls=len(api), windows=windows, window=window,
                        serving=sum(entry.get("microseconds", 0) / 1e6 for entry in last),
                        served=sum(entry.get("microseconds", 0) / 1e6 for entry in api))


def bench_sync(platform: str, customers: int, invoices: int, *, daily: bool = True) -> None:
    """A full sync of a generated company, a second one with nothing changed and (``daily``)
    the daily re-read of the open documents, against a sandbox enforcing the real limits."""
    home = tempfile.mkdtemp(prefix="ar-sync-bench-")
    # Open documents only: the figures and their lower bounds count open records; a first
    # sync that also reads AR_SYNC_HISTORY_MONTHS of paid history is a backfill's figure.
    env = dict(os.environ, AR_SYNC_HOME=home, AR_SYNC_HISTORY_MONTHS="0")
    env.pop("AR_SYNC_DB", None)
    limits = _limits(platform)
    sandbox, url = _start_sandbox(platform, customers, invoices, env)
    try:
        subprocess.run([*AR_SYNC, "connect", platform, "--sandbox", url], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # The syncs run before this process asks for the lower bound: a forked child's peak
        # RSS counts the parent's memory until it execs.
        _control(url, "calls", "DELETE")
        full = _measured(["sync"], env)
        full_calls = _control(url, "calls")
        api, oauth = _split(full_calls["by_endpoint"])
        if sum(api.values()) > limits.per_minute // 2:
            # A later sync starts in a fresh minute window, as one an hour later would.
            time.sleep(limits.window_seconds + 1)
        _control(url, "calls", "DELETE")
        again = _measured(["sync"], env)
        again_calls = _control(url, "calls")
        if daily:  # the daily re-read of the open documents, forced by its setting (0: now)
            _control(url, "calls", "DELETE")
            daily_run = _measured(["sync"], dict(env, AR_SYNC_OPEN_SET_HOURS="0"))
            daily_calls = _control(url, "calls")
        bound, pages = LOWER_BOUNDS[platform](_Api(url, platform))
        again_api, again_oauth = _split(again_calls["by_endpoint"])
        streams = len(pages) - sum(1 for name in pages if name in SINGLE_CALLS)
        floor = bound * limits.window_seconds / limits.per_minute
        print(f"{platform}: full sync of {invoices:,} open invoices, {customers:,} customers "
              f"(sandbox limits: {_limits_text(platform)}):")
        print(f"  API calls        {sum(api.values())} (lower bound {bound}: "
              + ", ".join(f"{k} {v}" for k, v in pages.items()) + ")")
        print(f"  over the bound   {sum(api.values()) - bound} calls (target: at most one page "
              f"per stream, {streams})")
        print(f"  by endpoint      {_listed(api)}")
        print(f"  OAuth calls      {_listed(oauth)}")
        print(f"  429s met         {full_calls['rate_limited']} (target: 0)")
        least = _limiter_bound(full_calls["log"], limits.per_minute, limits.window_seconds)
        print(f"  wall seconds     {full.seconds:.2f}; floor {floor:.1f} s ({bound} calls at "
              f"{limits.per_minute} a minute): {full.seconds / floor:.2f}x the floor "
              "(target: at most 1.1x)")
        windows = f"{least.windows} fixed {least.window:.0f} s window" + (
            "s" if least.windows > 1 else "")
        print(f"  limiter's least  {least.seconds:.1f} s ({least.calls} calls in {windows}, the "
              "first opening at the first call: "
              f"{least.windows - 1} x {least.window:.0f} s + {least.serving:.1f} s the sandbox "
              f"spent serving the last window's calls): {full.seconds / least.seconds:.2f}x it; "
              f"the sandbox served all {least.calls} in {least.served:.1f} s")
        print(f"  on the CPU       {full.cpu_seconds:.1f} s of the sync's {full.seconds:.1f} s "
              f"({full.cpu_seconds / full.seconds:.0%}; the rest waiting for the sandbox, the "
              "limits, or other processes on a busy machine)")
        print(f"  peak memory      {full.peak_mb:.0f} MB (the sync process; target: at most "
              "150 MB)")
        print(f"  CPU per invoice  {full.cpu_seconds / invoices * 1000:.3f} ms (user+sys "
              f"{full.cpu_seconds:.1f} s of the sync process / {invoices:,}; target: at most "
              "0.15 ms)")
        print(f"{platform}: second sync of {invoices:,}, nothing changed:")
        print(f"  API calls        {sum(again_api.values())} ({_listed(again_api)}); "
              f"OAuth: {_listed(again_oauth)}")
        print(f"  wall seconds     {again.seconds:.2f} (target: at most 2 s at 100,000)")
        if daily:
            daily_api, _ = _split(daily_calls["by_endpoint"])
            extra = {k: v - again_api.get(k, 0) for k, v in daily_api.items()
                     if v - again_api.get(k, 0)}
            print(f"{platform}: the daily re-read of the open documents "
                  "(AR_SYNC_OPEN_SET_HOURS):")
            print(f"  API calls        {sum(daily_api.values())}, {sum(extra.values())} more "
                  f"than a sync with nothing changed ({_listed(extra)})")
            print(f"  wall seconds     {daily_run.seconds:.2f}")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def _best_of(runs: int, fn) -> float:
    """The fastest of ``runs`` timed calls of ``fn()``, in seconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return min(timings)


def _full_pull_page(platform: str, page: int) -> tuple[str, dict[str, str]]:
    """The connector's full-pull request for 1,000-invoice page ``page`` (path, query)."""
    if platform == "xero":
        return "Invoices", {"where": 'Type=="ACCREC" AND AmountDue>0', "Statuses": "AUTHORISED",
                            "order": "UpdatedDateUTC ASC", "page": str(page), "pageSize": "1000"}
    return "query", {"query": "SELECT * FROM Invoice WHERE Balance > '0' ORDERBY "
                     f"MetaData.LastUpdatedTime STARTPOSITION {(page - 1) * 1000 + 1} "
                     "MAXRESULTS 1000"}


def bench_sandbox(invoices: int) -> None:
    """Generating a company of ``invoices`` open invoices on each ledger (target: under 10 s for
    20,000); then, on each, 1,000-invoice pages of the connector's full pull: the first (it
    builds the sandbox's index of the filter), a later one (a bisection and a slice, its rows
    serialised for the first time on Xero; QuickBooks writes each record's JSON as it loads) and
    that one again (target: under 1 s each)."""
    from datetime import date as _date

    from ar_sync_quickbooks.sandbox import QuickBooksSandbox
    from ar_sync_quickbooks.sandbox import generate_company as generate_quickbooks
    from ar_sync_xero.sandbox import XeroSandbox
    from ar_sync_xero.sandbox import generate_company as generate_xero

    today = _date(2026, 11, 23)
    size = {"customers": max(1, invoices // 50), "invoices": invoices, "paid": invoices // 2}
    servers = {"xero": XeroSandbox, "quickbooks": QuickBooksSandbox}
    for platform, generate in (("xero", generate_xero), ("quickbooks", generate_quickbooks)):
        start = time.perf_counter()
        company = generate(**size, seed=3, today=today)
        seconds = time.perf_counter() - start
        print(f"{platform} sandbox: generating {invoices:,} open invoices (and {size['paid']:,} "
              f"paid)  {seconds:.2f} s (target: under 10 s for 20,000)")
        with servers[platform]([company]) as sandbox:
            api = _Api(sandbox.url, platform)
            later = min(7, math.ceil(invoices / 1000))
            first = _best_of(1, lambda: api.get(*_full_pull_page(platform, 1)))
            fresh = _best_of(1, lambda: api.get(*_full_pull_page(platform, later)))
            cached = _best_of(3, lambda: api.get(*_full_pull_page(platform, later)))
        del company
        print(f"{platform} sandbox: a 1,000-invoice page  {first:.3f} s first, page {later} "
              f"{fresh:.3f} s, again {cached:.3f} s (target: under 1 s)")


def bench_aging(count: int) -> None:
    rng = random.Random(3)
    as_of = date(2026, 11, 23)
    items = []
    for n in range(count):
        due = as_of + timedelta(days=rng.randint(-400, 60))
        amount = Decimal(rng.randint(100, 500_000)).scaleb(-2)
        items.append(AgingItem(customer_id=f"c{n % 5000}", document_id=f"d{n}", number=f"INV-{n}",
                               kind=ItemKind.INVOICE, issue_date=due - timedelta(days=30),
                               due_date=due, currency="NZD", amount=amount, base_amount=amount))
    start = time.perf_counter()
    report = age(items, as_of=as_of, base_currency="NZD")
    seconds = time.perf_counter() - start
    print(f"aging {count:,} items across {len(report.customers):,} customers: {seconds:.2f} s "
          f"({count / seconds:,.0f} items/s); total {report.total}")


SECTIONS = ("startup", "sync", "scale", "backfill", "sandbox", "aging", "plan", "day")

# What a user types, each with its target: (arguments, target in seconds).
STARTUP_COMMANDS = ((["--help"], 0.5), (["version"], 0.5), (["orgs"], 1.0))


HISTORY_COLLECTIONS = {  # what each connector's history pass reads, with its filter
    "xero": {"Invoices": 'Type=="ACCREC"', "CreditNotes": 'Type=="ACCRECCREDIT"',
             "Overpayments": 'Type=="RECEIVE-OVERPAYMENT"',
             "Prepayments": 'Type=="RECEIVE-PREPAYMENT"'},
    "quickbooks": {"Invoice": None, "CreditMemo": None, "Payment": None},
}


def bench_backfill(platform: str, customers: int, invoices: int, months: int) -> None:
    """``ar-sync backfill --since`` the 1st of the month ``months`` before today, on a company
    of ``invoices`` open invoices generated with ``months`` of history, after a first sync that
    read only the open documents: API calls against the lower bound (one page per 1,000
    documents changed since that date per history stream, counted through the sandbox's own
    API), the backfill's own counting calls apart, wall time and peak memory."""
    home = tempfile.mkdtemp(prefix="ar-sync-bench-backfill-")
    env = dict(os.environ, AR_SYNC_HOME=home, AR_SYNC_HISTORY_MONTHS="0")
    env.pop("AR_SYNC_DB", None)
    limits = _limits(platform)
    sandbox, url = _start_sandbox(platform, customers, invoices, env, history_months=months)
    try:
        subprocess.run([*AR_SYNC, "connect", platform, "--sandbox", url], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*AR_SYNC, "sync"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        org_id = json.loads(subprocess.run([*AR_SYNC, "orgs", "--format", "json"], env=env,
                                           check=True, capture_output=True, text=True).stdout
                            )[0]["org_id"]
        since = add_months(date.today(), -months).replace(day=1)
        time.sleep(limits.window_seconds + 1)  # a fresh minute window, as on another day
        _control(url, "calls", "DELETE")
        run = _measured(["backfill", "--org", org_id, "--since", since.isoformat()], env)
        calls = _control(url, "calls")
        api_calls, _ = _split(calls["by_endpoint"])
        reader = _Api(url, platform)
        counts = {name: reader.count_since(name, since, where)
                  for name, where in HISTORY_COLLECTIONS[platform].items()}
        bound, pages = _pages(counts, single=())
        streams = len(counts)
        print(f"{platform}: backfill since {since.isoformat()} ({months} months) of a company of "
              f"{invoices:,} open invoices, {customers:,} customers (sandbox limits: "
              f"{_limits_text(platform)}):")
        print(f"  API calls        {sum(api_calls.values())} (lower bound {bound} pages: "
              + ", ".join(f"{k} {v} for {counts[k]:,}" for k, v in pages.items())
              + f"; plus {streams} counting calls for the progress bar's ETA)")
        print(f"  over the bound   {sum(api_calls.values()) - bound - streams} calls (target: "
              f"at most one page per stream, {streams})")
        print(f"  429s met         {calls['rate_limited']} (target: 0)")
        print(f"  wall seconds     {run.seconds:.2f}")
        print(f"  peak memory      {run.peak_mb:.0f} MB (the backfill process; target: at most "
              "150 MB)")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def bench_startup(runs: int) -> None:
    """Median wall time of ``ar-sync --help``, ``ar-sync version`` and ``ar-sync orgs`` over
    ``runs`` runs each, through the installed ``ar-sync`` script, in a new AR_SYNC_HOME (no
    orgs). The first ``orgs`` creates the store (a migration), so it is timed apart."""
    script = shutil.which("ar-sync", path=os.path.dirname(sys.executable))
    command = [script] if script else AR_SYNC
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, AR_SYNC_HOME=home)
        env.pop("AR_SYNC_DB", None)

        def run(args: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run([*command, *args], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            return time.perf_counter() - start

        first_orgs = run(["orgs"])
        print(f"start-up (median of {runs} runs, {os.path.basename(command[0])}):")
        for args, target in STARTUP_COMMANDS:
            median = statistics.median(run(args) for _ in range(runs))
            print(f"  ar-sync {' '.join(args):<10} {median:.2f} s (target: under {target:g} s)")
        print(f"  ar-sync orgs, first run (creates the store)  {first_orgs:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--age-items", type=int, default=1_000_000)
    parser.add_argument("--sandbox-invoices", type=int, default=20_000)
    parser.add_argument("--plan-invoices", type=int, default=100_000)
    parser.add_argument("--platform", action="append", choices=sorted(LOWER_BOUNDS),
                        help="repeatable; default: every platform")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--scale", type=int, action="append",
                        help="open invoices of a sync at scale (repeatable; default: 100000 and "
                             "50000), with a customer per 50 invoices")
    parser.add_argument("--day-orgs", type=int, default=1000,
                        help="orgs in the simulated day of `ar-sync serve` (section day)")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS,
                        help="leave a section out (repeatable)")
    args = parser.parse_args()
    platforms = args.platform or ["xero", "quickbooks"]
    print(f"ar-sync benchmarks ({sys.version.split()[0]}, {os.cpu_count()} cores)")
    if "startup" not in args.skip:
        bench_startup(args.startup_runs)
    if "sync" not in args.skip:
        for platform in platforms:
            bench_sync(platform, args.customers, args.invoices)
    if "scale" not in args.skip:
        for invoices in args.scale or [100_000, 50_000]:
            for platform in platforms:
                bench_sync(platform, max(1, invoices // 50), invoices, daily=False)
    if "backfill" not in args.skip:
        for platform in platforms:
            bench_backfill(platform, args.customers, args.invoices, months=12)
    if "sandbox" not in args.skip:
        bench_sandbox(args.sandbox_invoices)
    if "aging" not in args.skip:
        bench_aging(args.age_items)
        bench_aging_columns(args.age_items, 100_000)
    if "plan" not in args.skip:
        bench_plan(args.plan_invoices)
    if "day" not in args.skip:
        from day import bench_day  # benchmarks/day.py

        bench_day(args.day_orgs)


def bench_plan(invoices: int) -> None:
    """Collections planning (``ar_sync.collect``) on a store of ``invoices`` open invoices, a
    customer per 50, with the default policy: the pure planner on the loaded book (best of 3)
    and the whole ``ar-sync plan --format json`` command (wall time and peak memory). The
    issue sets no target; ours: planning is never the slow part of a day's run (the writes
    it asks for take minutes at the ledgers' limits): the planner under 2 s, the command
    under 5 s and 200 MB."""
    from ar_sync.collect.books import load_book, org_holidays
    from ar_sync.collect.planner import plan
    from ar_sync.collect.policy import Policy
    from ar_sync.settings import default_db_url
    from ar_sync.store import Store

    home = tempfile.mkdtemp(prefix="ar-sync-bench-plan-")
    env = dict(os.environ, AR_SYNC_HOME=home)
    env.pop("AR_SYNC_DB", None)
    org, people = _filled_store(Path(home), invoices, credits=False)
    policy = Policy()
    as_of = datetime.now(UTC).date()
    with Store(default_db_url(Path(home))) as store, store.reading() as tx:
        started = time.perf_counter()
        book = load_book(tx, org, as_of)  # type: ignore[arg-type]
        loaded = time.perf_counter() - started
    holidays = org_holidays(org, policy, as_of)  # type: ignore[arg-type]
    result = plan(book, {}, (), (), policy, as_of, holidays=holidays)
    seconds = _best_of(3, lambda: plan(book, {}, (), (), policy, as_of, holidays=holidays))
    listed = sum(len(a.invoices) for a in result.actions)
    print(f"planning {invoices:,} open invoices of {people:,} customers (default policy): "
          f"{len(result.actions):,} actions listing {listed:,} invoices, "
          f"{len(result.skipped):,} skipped")
    print(f"  plan() on the loaded book  {seconds:.2f} s, best of 3 (target: under 2 s); "
          f"loading the book {loaded:.2f} s")
    command, peak_mb = _command_peak(["plan", "--format", "json"], env)
    print(f"  ar-sync plan --format json {command:.2f} s (target: under 5 s), peak "
          f"{peak_mb:.0f} MB (target: under 200 MB)")
    shutil.rmtree(home, ignore_errors=True)


def bench_aging_columns(count: int, store_items: int) -> None:
    """Aging from columns (``ar_sync.aging.columns``): ``age_columns`` on ``count`` items (the
    same draws as ``bench_aging``, so its total is the one printed there; target 0.2 s), then
    ``ar-sync aging`` as JSON and as tables on a store of ``store_items`` open documents (a
    customer per 50, as the syncs at scale; 10% credits, 10% in USD): wall time and peak memory
    of the whole command (targets 1.5 s JSON, 3 s tables, 150 MB). The peak is the command's
    own (``VmHWM`` read as it exits): a child's ``ru_maxrss`` would count this process too."""
    import numpy as np

    from ar_sync.aging.columns import AgingColumns, age_columns, day_number

    rng = random.Random(3)  # bench_aging's draws, straight into columns
    as_of = date(2026, 11, 23)
    due, cents = [], []
    for _ in range(count):
        due.append(day_number(as_of) + rng.randint(-400, 60))
        cents.append(rng.randint(100, 500_000))
    ids = [f"c{n}" for n in range(min(count, 5000))]  # bench_aging's customers: c{n % 5000}
    rank = np.argsort(np.argsort(ids))  # each id's place among the sorted ids
    due_day = np.array(due, dtype=np.int64)
    base = np.array(cents, dtype=np.int64)
    columns = AgingColumns(
        base_currency="NZD", customer_ids=tuple(sorted(ids)),
        groups=tuple((int(rank[n]), "NZD") for n in range(len(ids))),
        group=rank[np.arange(count) % len(ids)].astype(np.int64) if ids else base,
        issue_day=due_day - 30, due_day=due_day, amount=base * 100, base_amount=base,
    )
    report = age_columns(columns, as_of=as_of)
    seconds = _best_of(3, lambda: age_columns(columns, as_of=as_of))
    owed = int(base[due_day - 30 <= day_number(as_of)].sum())  # issued by as_of
    print(f"aging {count:,} items from columns across {len(report.customers):,} customers: "
          f"{seconds:.3f} s, best of 3 (target: under 0.2 s); total {report.total} (the "
          f"items issued by then: {Decimal(owed).scaleb(-2)}; age() above on the same items)")

    home = tempfile.mkdtemp(prefix="ar-sync-bench-aging-")
    env = dict(os.environ, AR_SYNC_HOME=home)
    env.pop("AR_SYNC_DB", None)
    org, people = _filled_store(Path(home), store_items)

    def measure(label: str) -> None:
        print(f"ar-sync aging on a store of {store_items:,} open documents, {people:,} "
              f"customers, {label}:")
        for fmt, target in (("json", 1.5), ("table", 3.0)):
            seconds, peak_mb = _command_peak(["aging", "--format", fmt], env)
            print(f"  --format {fmt:<6} {seconds:.2f} s (target: under {target:g} s), peak "
                  f"{peak_mb:.0f} MB (target: under 150 MB)")

    measure("no snapshot kept (every document aged)")
    from ar_sync.jobs import snapshot_org
    from ar_sync.settings import default_db_url
    from ar_sync.store import Store

    with Store(default_db_url(Path(home))) as store:  # what the sync job keeps after a sync
        snapshot_org(store, org.org_id, now=datetime.now(UTC))
    measure("the day's snapshot kept by the last sync (what `aging` reads after a sync)")
    shutil.rmtree(home, ignore_errors=True)


def _filled_store(home: Path, store_items: int, *, credits: bool = True) -> tuple[object, int]:
    """A SQLite store in ``home`` with one org (NZD, UTC) and ``store_items`` open documents: a
    customer per 50 (each with an email address), 10% credit notes (none without
    ``credits``), 10% in USD, issued over the last 400 days and due 30 days later; one finished
    sync run. Returns the org and the number of customers."""
    from ar_sync.domain import Credit, CreditKind, Customer, DocumentStatus, Invoice, Org
    from ar_sync.settings import default_db_url
    from ar_sync.store import Store
    from ar_sync.store.orgs import save_org
    from ar_sync.store.records import upsert_records
    from ar_sync.store.runs import finish_sync_run, start_sync_run

    now = datetime.now(UTC)
    org = Org(org_id="xero:bench", platform="xero", tenant_id="bench", name="Bench Ltd",
              base_currency="NZD", timezone="UTC", connection_id="bench")
    rng = random.Random(5)
    people = max(1, store_items // 50)
    records: list = [Customer(org_id=org.org_id, customer_id=f"C{n:06d}", name=f"Customer {n}",
                              email=f"accounts{n}@example.com")
                     for n in range(people)]
    for n in range(store_items):
        customer = f"C{n % people:06d}"
        day = now.date() - timedelta(days=rng.randint(0, 400))
        amount = Decimal(rng.randint(100, 900_000)).scaleb(-2)
        fx = ({"currency": "USD", "fx_rate": Decimal("0.6123")} if n % 10 == 1
              else {"currency": "NZD"})
        common = {"org_id": org.org_id, "customer_id": customer, "status": DocumentStatus.OPEN,
                  "total": amount, "updated_at": now, **fx}
        if credits and n % 10 == 0:
            records.append(Credit(credit_id=f"CN{n}", kind=CreditKind.CREDIT_NOTE,
                                  number=f"CN-{n}", date=day, remaining=amount, **common))
        else:
            records.append(Invoice(invoice_id=f"I{n}", number=f"INV-{n}", issue_date=day,
                                   due_date=day + timedelta(days=30), amount_due=amount,
                                   **common))
    with Store(default_db_url(home)) as store:
        with store.transaction() as tx:
            save_org(tx, org, now=now)
            upsert_records(tx, records)
            run = start_sync_run(tx, org.org_id, now)
            finish_sync_run(tx, run, finished_at=now, status="ok", counts={}, error=None)
    return org, people


# Runs ``ar-sync ARGS`` and reports the process's own peak memory (``VmHWM``) as it exits: a
# child's ``ru_maxrss`` would count this process too.
_PEAK_WRAPPER = (
    "import atexit, sys\n"
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak-kb ' + line.split()[1] + '\\n')\n"
    "atexit.register(peak)\n"
    "sys.argv = ['ar-sync', *sys.argv[1:]]\n"
    "from ar_sync.cli import main\n"
    "main()\n"
)


def _command_peak(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MB of the whole ``ar-sync ARGS`` command."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peaks = re.findall(r"peak-kb (\d+)", done.stderr)
    if done.returncode != 0 or not peaks:
        raise SystemExit(f"ar-sync {' '.join(args)} failed: {done.stderr[-500:]}")
    return seconds, int(peaks[-1]) / 1024


if __name__ == "__main__":
    main()
