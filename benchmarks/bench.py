"""``make bench``: start-up time of the ``ar-sync`` command, a full and a no-change sync of a
large Xero and a large QuickBooks sandbox, how fast a sandbox generates and serves a large
company, and aging speed.

Prints figures only, each next to its target where one is set; nothing here passes or fails
(tests check what is generated and served, never how fast: a busy machine is not a bug). Each
sandbox and each sync run in their own processes (the real ``ar-sync`` commands), so the peak
memory reported is the sync's alone. API
calls exclude the OAuth endpoints (token refresh, discovery document), which are listed apart.

    python benchmarks/bench.py [--invoices 20000] [--customers 2000] [--age-items 1000000]
                               [--platform xero --platform quickbooks] [--startup-runs 5]
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
import urllib.request
from datetime import date, timedelta
from decimal import Decimal

from ar_sync.aging.age import AgingItem, ItemKind, age

AR_SYNC = [sys.executable, "-m", "ar_sync"]


def _control(url: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"{url}/_sandbox/{path}", method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def _start_sandbox(platform: str, customers: int, invoices: int,
                   env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [*AR_SYNC, "sandbox", "serve", "--platform", platform, "--port", "0",
         "--generate", f"customers={customers},invoices={invoices},seed=7"],
        env=env, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return process, match.group(1)
    raise SystemExit("the sandbox did not start")


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run an ar-sync command; (wall seconds, that process's peak RSS in MB)."""
    start = time.perf_counter()
    process = subprocess.Popen([*AR_SYNC, *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ar-sync {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def _pages(counts: dict[str, int], single: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """One call for each name in ``single``; one page per 1,000 records (at least one) else."""
    pages = {name: 1 if name in single else max(1, math.ceil(count / 1000))
             for name, count in counts.items()}
    return sum(pages.values()), pages


def _xero_lower_bound(state: dict) -> tuple[int, dict[str, int]]:
    """Fewest calls a first Xero sync can make: one page per 1,000 open records per
    collection, at least one call per collection, plus the Organisation read."""
    open_invoices = sum(1 for inv in state["Invoices"] if inv["Type"] == "ACCREC"
                        and inv["Status"] == "AUTHORISED" and Decimal(str(inv["AmountDue"])) > 0)
    counts = {
        "Organisation": 1,
        "Contacts": len(state["Contacts"]),
        "Invoices": open_invoices,
        "CreditNotes": sum(1 for c in state["CreditNotes"] if c["Type"] == "ACCRECCREDIT"
                           and c["Status"] == "AUTHORISED"),
        "Overpayments": sum(1 for c in state.get("Overpayments", []) if c["Status"] ==
                            "AUTHORISED"),
        "Prepayments": sum(1 for c in state.get("Prepayments", []) if c["Status"] ==
                           "AUTHORISED"),
    }
    return _pages(counts, single=SINGLE_CALLS)


def _quickbooks_lower_bound(state: dict) -> tuple[int, dict[str, int]]:
    """Fewest calls a first QuickBooks sync can make: CompanyInfo and Preferences, then one
    query page per 1,000 records: every customer, invoices and credit memos with a balance and
    every payment (QuickBooks cannot filter on ``UnappliedAmt``)."""
    def positive(rows: list[dict], field: str) -> int:
        return sum(1 for row in rows if Decimal(str(row.get(field) or 0)) > 0)

    counts = {
        "CompanyInfo": 1,
        "Preferences": 1,
        "Customer": len(state.get("Customer", [])),
        "Invoice": positive(state.get("Invoice", []), "Balance"),
        "CreditMemo": positive(state.get("CreditMemo", []), "Balance"),
        "Payment": len(state.get("Payment", [])),
    }
    return _pages(counts, single=SINGLE_CALLS)


LOWER_BOUNDS = {"xero": _xero_lower_bound, "quickbooks": _quickbooks_lower_bound}
SINGLE_CALLS = ("Organisation", "CompanyInfo", "Preferences")  # one call each, not streams
OAUTH_ENDPOINTS = ("connect/token", "oauth2/", "openid_configuration")


def _split(by_endpoint: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(API calls, OAuth calls) by endpoint name."""
    oauth = {k: v for k, v in by_endpoint.items() if any(e in k for e in OAUTH_ENDPOINTS)}
    return {k: v for k, v in by_endpoint.items() if k not in oauth}, oauth


def _listed(calls: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"


def bench_sync(platform: str, customers: int, invoices: int) -> None:
    home = tempfile.mkdtemp(prefix="ar-sync-bench-")
    env = dict(os.environ, AR_SYNC_HOME=home)
    env.pop("AR_SYNC_DB", None)
    sandbox, url = _start_sandbox(platform, customers, invoices, env)
    try:
        subprocess.run([*AR_SYNC, "connect", platform, "--sandbox", url], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # The syncs run before this process loads the company for the lower bound: a forked
        # child's peak RSS counts the parent's memory until it execs.
        _control(url, "calls", "DELETE")
        full_seconds, full_peak = _timed(["sync"], env)
        full_calls = _control(url, "calls")
        _control(url, "calls", "DELETE")
        again_seconds, _ = _timed(["sync"], env)
        again_calls = _control(url, "calls")
        # The daily re-read of the open documents, forced by its setting (0: at every sync).
        _control(url, "calls", "DELETE")
        daily_seconds, _ = _timed(["sync"], dict(env, AR_SYNC_OPEN_SET_HOURS="0"))
        daily_calls = _control(url, "calls")
        bound, pages = LOWER_BOUNDS[platform](_control(url, "state"))
        api, oauth = _split(full_calls["by_endpoint"])
        again_api, again_oauth = _split(again_calls["by_endpoint"])
        daily_api, _ = _split(daily_calls["by_endpoint"])
        streams = len(pages) - sum(1 for name in pages if name in SINGLE_CALLS)
        print(f"{platform}: full sync of {invoices:,} open invoices, {customers:,} customers:")
        print(f"  API calls        {sum(api.values())} (lower bound {bound}: "
              + ", ".join(f"{k} {v}" for k, v in pages.items()) + ")")
        print(f"  over the bound   {sum(api.values()) - bound} calls (target: at most one page "
              f"per stream, {streams})")
        print(f"  by endpoint      {_listed(api)}")
        print(f"  OAuth calls      {_listed(oauth)}")
        print(f"  429s met         {full_calls['rate_limited']}")
        print(f"  wall seconds     {full_seconds:.2f}")
        print(f"  peak memory      {full_peak:.0f} MB (the sync process)")
        print(f"{platform}: second sync, nothing changed:")
        print(f"  API calls        {sum(again_api.values())} ({_listed(again_api)}); "
              f"OAuth: {_listed(again_oauth)}")
        print(f"  wall seconds     {again_seconds:.2f}")
        extra = {k: v - again_api.get(k, 0) for k, v in daily_api.items()
                 if v - again_api.get(k, 0)}
        print(f"{platform}: the daily re-read of the open documents (AR_SYNC_OPEN_SET_HOURS):")
        print(f"  API calls        {sum(daily_api.values())}, {sum(extra.values())} more than a "
              f"sync with nothing changed ({_listed(extra)})")
        print(f"  wall seconds     {daily_seconds:.2f}")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


def _best_of(runs: int, fn) -> float:
    """The fastest of ``runs`` timed calls of ``fn()``, in seconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return min(timings)


def bench_sandbox(invoices: int) -> None:
    """Generating a company of ``invoices`` open invoices on each ledger (target: under 10 s for
    20,000), and one 1,000-invoice Xero page, first and cached (target: under 1 s each)."""
    from datetime import date as _date

    from ar_sync_quickbooks.sandbox import generate_company as generate_quickbooks
    from ar_sync_xero.sandbox import XeroSandbox
    from ar_sync_xero.sandbox import generate_company as generate_xero

    today = _date(2026, 11, 23)
    size = {"customers": max(1, invoices // 50), "invoices": invoices, "paid": invoices // 2}
    generated = {}
    for platform, generate in (("xero", generate_xero), ("quickbooks", generate_quickbooks)):
        start = time.perf_counter()
        generated[platform] = generate(**size, seed=3, today=today)
        seconds = time.perf_counter() - start
        print(f"{platform} sandbox: generating {invoices:,} open invoices (and {size['paid']:,} "
              f"paid)  {seconds:.2f} s (target: under 10 s for 20,000)")
    with XeroSandbox([generated["xero"]]) as sandbox:
        token = sandbox.issue_tokens("bench", "bench-secret")
        page = min(7, math.ceil(invoices / 1000))
        request = urllib.request.Request(
            f"{sandbox.api_url}/Invoices?where=Type%3D%3D%22ACCREC%22+AND+AmountDue%3E0"
            f"&order=UpdatedDateUTC+ASC&Statuses=AUTHORISED&page={page}&pageSize=1000",
            headers={"Authorization": f"Bearer {token['access_token']}",
                     "xero-tenant-id": sandbox.tenant_ids[0], "Accept": "application/json"},
        )

        def fetch() -> None:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()

        first = _best_of(1, fetch)
        cached = _best_of(3, fetch)
    print(f"xero sandbox: a 1,000-invoice page  {first:.3f} s first, {cached:.3f} s cached "
          "(target: under 1 s)")


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


# What a user types, each with its target: (arguments, target in seconds).
STARTUP_COMMANDS = ((["--help"], 0.5), (["version"], 0.5), (["orgs"], 1.0))


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
    parser.add_argument("--platform", action="append", choices=sorted(LOWER_BOUNDS),
                        help="repeatable; default: every platform")
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    print(f"ar-sync benchmarks ({sys.version.split()[0]}, {os.cpu_count()} cores)")
    bench_startup(args.startup_runs)
    for platform in args.platform or ["xero", "quickbooks"]:
        bench_sync(platform, args.customers, args.invoices)
    bench_sandbox(args.sandbox_invoices)
    bench_aging(args.age_items)


if __name__ == "__main__":
    main()
