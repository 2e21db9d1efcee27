"""``ar-sync report``: the HTML page's figures, and the page opened in a real headless Chromium.

The company is ``tests.test_measures_commands``'s Totara Measures Ltd (all of it in 2025, so the
figures never move), synced and backfilled from 2025-01-01, with a journal of collections
written as the push and the journal commands write it. The report covers 2025-01-01 to
2025-05-31:

- Aging at 2025-05-31: INV-005's 500.00 (due 04-14, 47 days) in 31-60; nothing else open.
- Month ends (current, 1-30, 31-60): Jan 1,800.00 current (INV-001, INV-004 not yet due);
  Feb 500.00 current (INV-002) and -100.00 in 1-30 (CN-001, dated 02-20, unapplied); Mar 800.00
  current (INV-003 300.00, INV-005 500.00); Apr 500.00 in 1-30; May 500.00 in 31-60.
- DSO and collections per month: ``test_measures_commands.test_dso_per_month_counted_back``.
- Top overdue: Bay Plumbing 500.00 (1 invoice paid in 12 months, -5.0 days, last 02-14).
- Journal in the period: a friendly reminder (ledger note and email) 04-15 and a reminder (ledger
  note) 04-21, a call by hand 05-12 and a statement 05-01, all to Bay; a firm reminder on 06-02
  is after the period. Promises: Aroha 300.00 by 04-30 made 04-20 with 300.00 overdue (paid
  04-30, nothing overdue at 05-31: kept); Bay 200.00 by 05-20 made 05-12 with 500.00 overdue
  (still 500.00: broken); Bay 500.00 by 06-10 made 05-28 (open at 05-31).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ar_sync.domain import Channel, JournalEntry, JournalKind, Stage
from ar_sync.journal import ManualChannel, manual_contact_entry, promise_entry
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import append_entries
from tests.test_measures_commands import AROHA, BAY, ORG_ID, SINCE, _company

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (.ci/run installs it)
CHROMEDRIVER = Path("/usr/bin/chromedriver")  # Debian's chromium-driver
PERIOD = ("--from", "2025-01-01", "--to", "2025-05-31")


def _journal() -> list[JournalEntry]:
    at = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)

    def contact(day: date, stage: Stage, *channels: Channel) -> JournalEntry:
        return JournalEntry(org_id=ORG_ID, customer_id=BAY, kind=JournalKind.CONTACT, at=at,
                            day=day, stage=stage, channels=channels, text=f"{stage} reminder")

    def promise(customer: str, amount: str, by: date, balance: str, day: date) -> JournalEntry:
        return promise_entry(org_id=ORG_ID, customer_id=customer, amount=Decimal(amount),
                             currency="NZD", by=by, balance=Decimal(balance), at=at, day=day)

    return [
        contact(date(2025, 4, 15), Stage.FRIENDLY, Channel.LEDGER_NOTE, Channel.EMAIL),
        promise(AROHA, "300.00", date(2025, 4, 30), "300.00", date(2025, 4, 20)),
        contact(date(2025, 4, 21), Stage.REMINDER, Channel.LEDGER_NOTE),
        JournalEntry(org_id=ORG_ID, customer_id=BAY, kind=JournalKind.STATEMENT, at=at,
                     day=date(2025, 5, 1), text="Statement to 30 April: NZD 500.00"),
        manual_contact_entry(org_id=ORG_ID, customer_id=BAY, channel=ManualChannel.CALL,
                             note="Spoke to Bay's accounts", at=at, day=date(2025, 5, 12)),
        promise(BAY, "200.00", date(2025, 5, 20), "500.00", date(2025, 5, 12)),
        promise(BAY, "500.00", date(2025, 6, 10), "500.00", date(2025, 5, 28)),
        contact(date(2025, 6, 2), Stage.FIRM, Channel.LEDGER_NOTE, Channel.EMAIL),
    ]


@pytest.fixture
def totara(cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           ar_home: Path) -> Iterator[str]:
    """The company served by a Xero sandbox, connected, synced, backfilled from 2025-01-01 and
    journaled (``_journal``) in a SQLite store; the org id."""
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    path = tmp_path / "totara.json"
    path.write_text(json.dumps(_company()), encoding="utf-8")
    sandbox = XeroSandbox([load_company(path)], port=0)
    sandbox.start()
    try:
        assert cli("connect", "xero", "--sandbox", sandbox.url).code == 0
        assert cli("sync").code == 0
        backfill = cli("backfill", "--org", ORG_ID, "--since", SINCE.isoformat())
        assert backfill.code == 0, backfill.err
    finally:
        sandbox.stop()  # the report reads the store only: no ledger call
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        append_entries(tx, _journal())
    yield ORG_ID


class _Tables(HTMLParser):
    """Every ``<table class=NAME>`` of a page as NAME -> rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _write(cli: Callable[..., Any], out: Path, *args: str) -> str:
    result = cli("report", *args, "--out", str(out))
    assert result.code == 0, result.err
    size = out.stat().st_size
    assert result.out == f"{out} ({size / 1000:.1f} KB)\n"
    assert size < 150_000  # small enough to e-mail
    return out.read_text(encoding="utf-8")


def test_the_report_shows_every_figure_of_the_period(cli, totara, tmp_path: Path) -> None:
    page = _write(cli, tmp_path / "report.html", *PERIOD)
    tables = _tables(page)
    assert tables["aging"] == [
        ["current", "1-30", "31-60", "61-90", "91+", "total"],
        ["0.00", "0.00", "500.00", "0.00", "0.00", "500.00"],
    ]
    assert tables["trend"] == [
        ["month end", "current", "1-30", "31-60", "61-90", "91+"],
        ["2025-01-31", "1,800.00", "0.00", "0.00", "0.00", "0.00"],
        ["2025-02-28", "500.00", "-100.00", "0.00", "0.00", "0.00"],
        ["2025-03-31", "800.00", "0.00", "0.00", "0.00", "0.00"],
        ["2025-04-30", "0.00", "500.00", "0.00", "0.00", "0.00"],
        ["2025-05-31", "0.00", "0.00", "500.00", "0.00", "0.00"],
    ]
    assert tables["months"] == [
        ["month end", "receivables", "DSO (days)", "overdue", "collected", "invoices paid",
         "avg days late"],
        ["2025-01-31", "1,800.00", "31.0", "0.00%", "0.00", "0", ""],
        ["2025-02-28", "400.00", "22.4", "0.00%", "1,800.00", "2", "2.5"],
        ["2025-03-31", "800.00", "27.6", "0.00%", "500.00", "1", "10.0"],
        ["2025-04-30", "500.00", "47.2", "100.00%", "300.00", "1", "21.0"],
        ["2025-05-31", "500.00", "78.2", "100.00%", "0.00", "0", ""],
    ]
    assert tables["overdue"] == [
        ["customer", "overdue", "balance", "paid (12 months)", "avg days late", "trend",
         "last payment"],
        ["Bay Plumbing", "500.00", "500.00", "1", "-5.0", "", "2025-02-14"],
    ]
    assert tables["activity"] == [
        ["stage", "call", "email", "ledger_note", "statement", "contacts"],
        ["friendly", "0", "1", "1", "0", "1"],
        ["reminder", "0", "0", "1", "0", "1"],
        ["by hand", "1", "0", "0", "0", "1"],
        ["statement", "0", "0", "0", "1", "1"],
    ]
    assert tables["promises"] == [
        ["promises made in the period", "count"],
        ["open", "1"], ["kept", "1"], ["broken", "1"], ["released", "0"],
    ]
    assert "period 2025-01-01 to 2025-05-31" in page
    # Self-contained: no script, and nothing fetched (no http(s) source, link or import).
    assert "<script" not in page
    assert re.findall(r"""(?:src|href)=["'](?!data:|#)[^"']*""", page) == []
    assert "@import" not in page and "url(http" not in page


def test_the_same_run_twice_writes_the_same_charts(cli, totara, tmp_path: Path) -> None:
    first = _write(cli, tmp_path / "a.html", *PERIOD)
    second = _write(cli, tmp_path / "b.html", *PERIOD)
    stamp = re.compile(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub("", first) == stamp.sub("", second)  # stable chart ids, no dated comment


def test_an_org_without_history_still_shows_its_aging(cli, connected, tmp_path: Path) -> None:
    never = cli("report", "--out", str(tmp_path / "never.html"))
    assert (never.code, never.err) == (2, "error: Kauri Test Traders has never been synced; run "
                                       "`ar-sync sync --org "
                                       "xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001`\n")
    assert cli("sync").code == 0  # open documents only (AR_SYNC_HISTORY_MONTHS=0)
    page = _write(cli, tmp_path / "kauri.html")
    tables = _tables(page)
    assert tables["aging"][1][-1] == "3,219.79"
    assert "trend" not in tables and "months" not in tables
    assert ("no history for Kauri Test Traders: the aging trend, DSO, collections and payment "
            "records need it; run `ar-sync backfill --org "
            "xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001 --since DATE`") in page


def test_a_period_that_ends_before_it_starts_is_refused(cli, ar_home: Path,
                                                         tmp_path: Path) -> None:
    refused = cli("report", "--from", "2025-06-01", "--to", "2025-05-31",
                  "--out", str(tmp_path / "r.html"))
    assert (refused.code, refused.err) == (
        2, "error: --from 2025-06-01 is after --to 2025-05-31\n")
    assert not (tmp_path / "r.html").exists()


# --- in a real browser --------------------------------------------------------------------------


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Headless Chromium from Debian's packages through its own chromedriver (Selenium Manager
    never runs: the driver and browser are given), offline, keeping the console log."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("AR_SYNC_REQUIRE_CHROMIUM"):  # .ci/run installs it: missing is a bug
            pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} missing with AR_SYNC_REQUIRE_CHROMIUM set")
        pytest.skip("chromium is not installed: apt-get install chromium chromium-driver "
                    "(.ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1000,1200"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
        })
        yield driver
    finally:
        driver.quit()


def test_the_report_opens_offline_in_chromium_with_every_chart(
    cli, totara, tmp_path: Path, chromium: Any
) -> None:
    out = tmp_path / "report.html"
    _write(cli, out, *PERIOD)
    chromium.get(out.as_uri())
    assert chromium.title == "Receivables report: Totara Measures Ltd"
    assert [entry for entry in chromium.get_log("browser") if entry["level"] == "SEVERE"] == []
    assert chromium.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)") == []

    def count(selector: str) -> int:
        return int(chromium.execute_script(
            "return document.querySelectorAll(arguments[0]).length", selector))

    assert {
        "aging bars": count("#chart-aging-1 g.bar"),  # one per bucket
        "trend bars": count("#chart-trend-1 g.bar"),  # 5 buckets x 5 month ends
        "dso points": count("#chart-dso-1 circle.dot"),  # one per month
        "collected bars": count("#chart-collected-1 g.bar"),  # one per month
        "activity bars": count("#chart-activity-1 g.bar"),  # friendly, reminder, hand, statement
    } == {"aging bars": 5, "trend bars": 25, "dso points": 5, "collected bars": 5,
          "activity bars": 4}
    # Each chart is laid out at the page's width (the SVG scales to its column).
    widths = chromium.execute_script(
        "return [...document.querySelectorAll('figure.chart svg')]"
        ".map(svg => Math.round(svg.getBoundingClientRect().width))")
    assert len(widths) == 5 and min(widths) > 600
