"""``make bench``: figures for a full and a no-change sync of a large Xero sandbox, and aging speed.

Prints figures only; nothing here passes or fails. The sandbox and each sync run in their own
processes (the real ``ar-sync`` commands), so the peak memory reported is the sync's alone.

    python benchmarks/bench.py [--invoices 20000] [--customers 2000] [--age-items 1000000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ar_sync.aging import AgingItem, ItemKind, age

AR_SYNC = [sys.executable, "-m", "ar_sync"]


def _control(url: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"{url}/_sandbox/{path}", method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def _start_sandbox(customers: int, invoices: int, env: dict[str, str]) -> tuple[subprocess.Popen,
                                                                                 str]:
    process = subprocess.Popen(
        [*AR_SYNC, "sandbox", "serve", "--platform", "xero", "--port", "0",
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


def _lower_bound(state: dict) -> tuple[int, dict[str, int]]:
    """Fewest calls a first sync can make: one page per 1,000 open records per collection,
    at least one call per collection, plus the Organisation read."""
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
    pages = {name: 1 if name == "Organisation" else max(1, math.ceil(count / 1000))
             for name, count in counts.items()}
    return sum(pages.values()), pages


def bench_sync(customers: int, invoices: int) -> None:
    home = tempfile.mkdtemp(prefix="ar-sync-bench-")
    env = dict(os.environ, AR_SYNC_HOME=home)
    env.pop("AR_SYNC_DB", None)
    sandbox, url = _start_sandbox(customers, invoices, env)
    try:
        subprocess.run([*AR_SYNC, "connect", "xero", "--sandbox", url], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # The syncs run before this process loads the company for the lower bound: a forked
        # child's peak RSS counts the parent's memory until it execs.
        _control(url, "calls", "DELETE")
        full_seconds, full_peak = _timed(["sync"], env)
        full_calls = _control(url, "calls")
        _control(url, "calls", "DELETE")
        again_seconds, _ = _timed(["sync"], env)
        again_calls = _control(url, "calls")
        bound, pages = _lower_bound(_control(url, "state"))
        by_endpoint = {k: v for k, v in full_calls["by_endpoint"].items()
                       if "connect/token" not in k}
        print(f"full sync of {invoices:,} open invoices, {customers:,} customers:")
        print(f"  API calls        {sum(by_endpoint.values())} (lower bound {bound}: "
              + ", ".join(f"{k} {v}" for k, v in pages.items()) + ")")
        print("  by endpoint      " + ", ".join(f"{k} {v}" for k, v in sorted(by_endpoint.items())))
        print(f"  429s met         {full_calls['rate_limited']}")
        print(f"  wall seconds     {full_seconds:.2f}")
        print(f"  peak memory      {full_peak:.0f} MB (the sync process)")
        print("second sync, nothing changed:")
        print(f"  API calls        {again_calls['total']} ("
              + ", ".join(f"{k} {v}" for k, v in sorted(again_calls["by_endpoint"].items())) + ")")
        print(f"  wall seconds     {again_seconds:.2f}")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--age-items", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"ar-sync benchmarks ({sys.version.split()[0]}, {os.cpu_count()} cores)")
    bench_sync(args.customers, args.invoices)
    bench_aging(args.age_items)


if __name__ == "__main__":
    main()
