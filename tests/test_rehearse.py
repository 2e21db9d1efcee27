"""``ar-sync rehearse`` on a small hand-made Xero company: what it sends, day by day and per
stage, with exact figures, and that neither the user's store nor their ledger is touched.

The company (organisation timezone UTC: no country, so no public holidays; the policy below
keeps weekends open too, so no day is quiet whatever today is):

- Alpha Ltd paid two earlier invoices 60 days late; A-1 (100.00) is 10 days overdue today.
  Forecast: due + 60 +/- 20 days, i.e. at the earliest 30 days from now: unpaid in 14 days.
  Day 1 (11 days overdue): ``reminder`` (the stage of the most overdue invoice; ``friendly``
  is passed over); day 4 (14 days): ``firm``; ``final`` (30) would be day 20.
- Bravo Ltd paid on the due date; B-1 (200.00) was due yesterday. Forecast: due +/- 2 days,
  so tomorrow at the latest (a payment already late is made within the days it is overdue,
  one): paid on day 1 before the plan, never chased.
- Charlie Ltd paid 90 days late; C-1 (500.00) is 40 days overdue. Forecast: due + 90 +/- 30,
  at the earliest 20 days from now. Day 1 (41 days overdue): ``final``; day 5 (45): ``call``;
  ``escalation`` (60) would be day 20.

Default ladder and channels: reminder and firm: email + ledger note; final: email + letter +
ledger note; call: call task + ledger note. Every customer is ``standard`` (fewer than 6
invoices paid, first invoice 200+ days ago, balances far under 10,000).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import load_journal
from tests.conftest import SandboxControl
from tests.xero.company import dump_company

ORG = "5a6d3e4f-2222-4c2b-9d7e-00000000b001"
ALPHA = "c1000000-0000-4000-8000-000000000001"
BRAVO = "c1000000-0000-4000-8000-000000000002"
CHARLIE = "c1000000-0000-4000-8000-000000000003"

POLICY = """\
name = "no quiet days"

[limits]
quiet_weekends = false
"""


def _company(today: date) -> dict[str, Any]:
    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    count = iter(range(1, 100))

    def invoice(contact: str, number: str, amount: str, *, issued: int, due: int,
                paid: int | None = None) -> dict[str, Any]:
        n = next(count)
        document: dict[str, Any] = {
            "InvoiceID": f"a1000000-0000-4000-8000-{n:012d}",
            "Type": "ACCREC",
            "InvoiceNumber": number,
            "Contact": {"ContactID": contact},
            "Date": day(issued),
            "DueDate": day(due),
            "Status": "PAID" if paid is not None else "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": Decimal(amount),
                           "AccountCode": "200", "TaxType": "NONE"}],
        }
        if paid is not None:
            document["Payments"] = [{"PaymentID": f"b1000000-0000-4000-8000-{n:012d}",
                                     "Date": day(paid), "Amount": Decimal(amount)}]
        return document

    return {
        "Organisation": {"OrganisationID": ORG, "Name": "Rehearsal Test Ltd",
                         "BaseCurrency": "NZD", "CountryCode": "NZ", "Timezone": "UTC"},
        "Contacts": [
            {"ContactID": ALPHA, "Name": "Alpha Ltd", "EmailAddress": "ap@alpha.example"},
            {"ContactID": BRAVO, "Name": "Bravo Ltd", "EmailAddress": "ap@bravo.example"},
            {"ContactID": CHARLIE, "Name": "Charlie Ltd", "EmailAddress": "ap@charlie.example"},
        ],
        "Invoices": [
            invoice(ALPHA, "H-A1", "300.00", issued=-200, due=-170, paid=-110),
            invoice(ALPHA, "H-A2", "400.00", issued=-200, due=-170, paid=-110),
            invoice(ALPHA, "A-1", "100.00", issued=-40, due=-10),
            invoice(BRAVO, "H-B1", "300.00", issued=-200, due=-170, paid=-170),
            invoice(BRAVO, "B-1", "200.00", issued=-31, due=-1),
            invoice(CHARLIE, "H-C1", "300.00", issued=-230, due=-200, paid=-110),
            invoice(CHARLIE, "C-1", "500.00", issued=-70, due=-40),
        ],
    }


@pytest.fixture
def books(
    cli: Callable[..., Any], tmp_path: Path, today: date, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Path]]:
    """The company served by a Xero sandbox, connected and synced with a year of history;
    yields the sandbox and the policy file."""
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", "12")
    path = tmp_path / "rehearsal.json"
    path.write_text(dump_company(_company(today)), encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with XeroSandbox([load_company(path)], port=0) as sandbox:
        assert cli("connect", "xero", "--sandbox", sandbox.url).code == 0
        assert cli("sync").code == 0
        yield sandbox, policy


def _stages(**sent: tuple[int, int, str]) -> list[dict[str, Any]]:
    order = ("courtesy", "friendly", "reminder", "firm", "final", "call", "escalation")
    rows = {s: sent.get(s, (0, 0, "0.00")) for s in order}
    return [{"stage": s, "contacts": c, "invoices": i, "amount": a}
            for s, (c, i, a) in rows.items()]


def test_rehearse_json_per_day_and_per_stage(
    cli: Callable[..., Any], books: tuple[Any, Path], today: date
) -> None:
    sandbox, policy = books
    result = cli("rehearse", "--policy", str(policy), "--days", "14", "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["policy"] == "no quiet days"
    assert (report["from"], report["to"]) == (
        (today + timedelta(days=1)).isoformat(), (today + timedelta(days=14)).isoformat())
    assert report["open"] == {"invoices": 3, "amount": "800.00"}
    assert report["stages"] == _stages(
        reminder=(1, 1, "100.00"), firm=(1, 1, "100.00"), final=(1, 1, "500.00"),
        call=(1, 1, "500.00"),
    )
    assert report["collected"] == {"invoices": 1, "amount": "200.00"}
    # Emails: reminder, firm and final; tasks: the final's letter and the call.
    assert (report["emails"], report["tasks"]) == (3, 2)
    sent = {d["day"]: (d["stages"], d["customers"]) for d in report["days"] if d["contacts"]}
    assert sent == {
        (today + timedelta(days=1)).isoformat(): ({"reminder": 1, "final": 1},
                                                  ["Alpha Ltd", "Charlie Ltd"]),
        (today + timedelta(days=4)).isoformat(): ({"firm": 1}, ["Alpha Ltd"]),
        (today + timedelta(days=5)).isoformat(): ({"call": 1}, ["Charlie Ltd"]),
    }
    paid = {d["day"]: d["paid"] for d in report["days"] if d["paid"]["invoices"]}
    assert paid == {(today + timedelta(days=1)).isoformat(): {"invoices": 1, "amount": "200.00"}}
    assert not any(d["quiet"] or d["failed"] for d in report["days"])
    # Nothing reached the user's ledger, nor their journal.
    assert SandboxControl(sandbox.url).request("GET", "writes") == {"writes": []}
    store = Store(load_settings(None).db_url)
    try:
        with store.reading() as tx:
            assert load_journal(tx, f"xero:{ORG}") == ()
    finally:
        store.close()


def test_rehearse_table(cli: Callable[..., Any], books: tuple[Any, Path], today: date) -> None:
    _sandbox, policy = books
    result = cli("rehearse", "--policy", str(policy), "--days", "5")
    assert result.code == 0, result.err
    lines = [" ".join(line.split()) for line in result.out.splitlines()]

    def day(n: int) -> str:
        moment = today + timedelta(days=n)
        return f"{moment.isoformat()} {moment.strftime('%a')}:"

    assert lines[:5] == [
        (f"{day(1)} paid 1 (200.00); sent 2: reminder 1, final 1 | email 2, ledger_note 2, "
         "letter 1 | Alpha Ltd, Charlie Ltd"),
        f"{day(2)} paid 0 (0.00); nothing to send",
        f"{day(3)} paid 0 (0.00); nothing to send",
        f"{day(4)} paid 0 (0.00); sent 1: firm 1 | email 1, ledger_note 1 | Alpha Ltd",
        f"{day(5)} paid 0 (0.00); sent 1: call 1 | call_task 1, ledger_note 1 | Charlie Ltd",
    ]
    rows = {line.split(" ")[0]: line.split(" ")[1:] for line in lines[5:] if line}
    assert rows["reminder"] == ["1", "1", "100.00"]
    assert rows["firm"] == ["1", "1", "100.00"]
    assert rows["final"] == ["1", "1", "500.00"]
    assert rows["call"] == ["1", "1", "500.00"]
    assert rows["friendly"] == rows["escalation"] == ["0", "0", "0.00"]
    assert rows["total"] == ["4", "4", "1,200.00"]


def test_rehearse_names_one_org(cli: Callable[..., Any]) -> None:
    result = cli("rehearse", "--org", "nothing-like-it", "--days", "3")
    assert result.code == 2
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
