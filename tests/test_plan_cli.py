"""``ar-sync plan`` on the Xero test company (``tests/xero/company.py``): exact stages, invoices
and skip reasons, JSON and table, and nothing written anywhere."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.xero.company import AROHA, BAY, COASTAL, INVOICE_IDS, ORG_ID

ORG = f"xero:{ORG_ID}"


@pytest.fixture
def synced(cli: Any, connected: Any) -> Any:
    result = cli("sync")
    assert result.code == 0, result.err
    return connected


def next_weekday(today: date) -> date:
    """The first Monday-to-Friday day after ``today`` (the company's timezone is UTC: no
    public holidays are looked up for it)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def planned(number: str, due: date, as_of: date, amount: str, currency: str = "NZD"
            ) -> dict[str, Any]:
    return {"invoice_id": INVOICE_IDS[number], "number": number, "due_date": due.isoformat(),
            "days_overdue": (as_of - due).days, "amount_due": amount, "currency": currency,
            "interest": "0.00"}


def test_plan_json_gives_each_customer_the_stage_of_their_most_overdue_invoice(
    cli: Any, synced: Any, today: date
) -> None:
    as_of = next_weekday(today)
    synced.control.reset_calls()
    result = cli("plan", "--as-of", as_of.isoformat(), "--format", "json")
    assert result.code == 0, result.err
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    assert result.json() == {
        "as_of": as_of.isoformat(),
        "policy": "default",
        "orgs": [{
            "org_id": ORG,
            "as_of": as_of.isoformat(),
            "actions": [
                {   # INV-003 is 31 days and more overdue: the final notice; INV-001 is not due
                    "customer_id": AROHA, "customer": "Aroha Cafe", "segment": "standard",
                    "stage": "final", "channels": ["email", "letter", "ledger_note"],
                    "invoices": [planned("INV-003", ago(31), as_of, "80.00"),
                                 planned("INV-002", ago(30), as_of, "200.00")],
                    "total_due": "280.00",
                },
                {   # 91 days and more: escalation, listing every overdue invoice
                    "customer_id": BAY, "customer": "Bay Plumbing", "segment": "standard",
                    "stage": "escalation", "channels": ["handover", "ledger_note"],
                    "invoices": [planned("INV-006", ago(91), as_of, "300.00"),
                                 planned("INV-005", ago(61), as_of, "500.00"),
                                 planned("INV-004", ago(60), as_of, "1000.00"),
                                 planned("INV-007", ago(0), as_of, "45.50")],
                    "total_due": "1845.50",
                },
                {   # AUD invoices: amounts in AUD, the total in NZD at each invoice's rate
                    "customer_id": COASTAL, "customer": "Coastal Freight",
                    "segment": "standard", "stage": "escalation",
                    "channels": ["handover", "ledger_note"],
                    "invoices": [planned("INV-009", ago(95), as_of, "100.00", "AUD"),
                                 planned("INV-008", ago(5), as_of, "915.00", "AUD")],
                    "total_due": "1109.29",
                },
            ],
            "skipped": [],  # Eden Florist owes nothing (a credit only): not listed
        }],
    }
    # plan changes nothing: no ledger call, no write, no journal row
    assert synced.control.calls()["total"] == 0
    assert synced.control.request("GET", "writes")["writes"] == []
    journal = cli("journal", "--format", "json")
    assert journal.code == 0, journal.err
    assert [org["entries"] for org in journal.json()["orgs"]] == [[]]


def test_plan_with_a_policy_file_reports_why_customers_get_nothing(
    cli: Any, synced: Any, today: date, tmp_path: Path
) -> None:
    as_of = next_weekday(today)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'name = "strict"\n'
        "[limits]\n"
        'exclude = ["coastal freight"]\n'
        "minimum_overdue = 1000\n",
        encoding="utf-8",
    )
    result = cli("plan", "--as-of", as_of.isoformat(), "--policy", str(policy),
                 "--format", "json")
    assert result.code == 0, result.err
    (org,) = result.json()["orgs"]
    assert result.json()["policy"] == "strict"
    assert [(a["customer"], a["stage"], a["total_due"]) for a in org["actions"]] == [
        ("Bay Plumbing", "escalation", "1845.50"),  # less its 25.00 credit: over 1,000
    ]
    assert org["skipped"] == [  # Aroha: 280.00 overdue less the 30.00 overpayment
        {"customer_id": AROHA, "customer": "Aroha Cafe", "reason": "below_minimum",
         "detail": "net overdue 250.00 NZD (after credits of 30.00) is below the minimum "
                   "1000.00"},
        {"customer_id": COASTAL, "customer": "Coastal Freight", "reason": "excluded",
         "detail": "excluded by the policy (limits.exclude)"},
    ]


def test_plan_table_lists_actions_then_skips_by_reason(
    cli: Any, synced: Any, today: date, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # what a pipe gets: one line per action
    policy = tmp_path / "policy.toml"
    policy.write_text('[limits]\nexclude = ["Coastal Freight"]\n', encoding="utf-8")
    as_of = next_weekday(today)
    result = cli("plan", "--as-of", as_of.isoformat(), "--policy", str(policy))
    assert result.code == 0, result.err
    lines = [line.rstrip() for line in result.out.splitlines() if line.strip()]
    assert lines[0].strip() == f"Kauri Test Traders: plan for {as_of.isoformat()}"
    assert lines[1].split() == ["Customer", "Segment", "Stage", "Channels", "Invoices",
                                "Total", "due", "NZD"]
    body = [line.split() for line in lines[3:5]]
    assert body == [
        ["Aroha", "Cafe", "standard", "final", "email", "letter", "note", "2", "280.00"],
        ["Bay", "Plumbing", "standard", "escalation", "handover", "note", "4", "1,845.50"],
    ]
    assert lines[5].strip() == "2 contacts"
    assert lines[-1].split() == ["excluded", "1"]


def test_plan_refuses_a_broken_policy_file_in_one_line(
    cli: Any, synced: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[limits]\ncap_per_30_days = 0\n", encoding="utf-8")
    result = cli("plan", "--policy", str(policy))
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert "cap_per_30_days" in result.err and "line 2" in result.err
