"""``ar-sync demo``: both ledgers' sandboxes side by side, one aging table, two reconciliations."""

from __future__ import annotations

import re
from pathlib import Path


def test_demo_shows_both_platforms_and_reconciles_each(cli, tmp_path):
    out = tmp_path / "demo-output"
    result = cli("demo", "--customers", "6", "--invoices", "30", "--seed", "3", "--out", str(out))
    assert result.code == 0, result.out + result.err
    # Each org's id is whole on its line, however wide the name makes it (rich wraps at 80
    # columns when not a terminal; these lines are longer).
    connected = re.findall(r"^Connected (.+) \(((?:xero|quickbooks):[^)\s]+)\)$", result.err,
                           re.MULTILINE)
    assert [org_id.split(":")[0] for _, org_id in connected] == ["xero", "quickbooks"]
    assert len(f"Connected {connected[0][0]} ({connected[0][1]})") > 80
    reconciled = re.findall(
        r"Reconciled (.+?) \((xero|quickbooks)\): aging total (-?[\d,]+\.\d\d) (\w{3}) equals "
        r"the ledger's own figure, (-?[\d,]+\.\d\d) \w{3} \([^)]+\); (\d+) of (\d+) customers "
        r"checked one by one: OK",
        result.out.replace("\n", " "),
    )
    assert [platform for _, platform, *_ in reconciled] == ["xero", "quickbooks"]
    for _, _, ours, _, theirs, checked, customers in reconciled:
        assert ours == theirs
        assert int(checked) == min(5, int(customers))  # the largest balances, one by one
    assert "Aged receivables by org" in result.out
    summary = result.out[result.out.index("Aged receivables by org"):]
    flat = " ".join(summary.split())
    for _, platform, total, currency, *_ in reconciled:
        assert total in summary  # each org's total, grouped alike, in the one table
        assert f"{platform} · {currency}" in flat or f"{platform} · {currency}" in summary
    # Then the day's collections with the default policy: per org what was sent, every note
    # found in the sandbox's own write log, every email caught by the loopback SMTP server.
    sent = re.findall(
        r"^(.+): sent (\d+) contacts \((\d+) notes, (\d+) emails, (\d+) tasks\); 0 failed; "
        r"0 unknown\n  (\d+) notes landed in the sandbox ledger \(http://127\.0\.0\.1:\d+/"
        r"_sandbox/writes\)$",
        result.out, re.MULTILINE,
    )
    assert [name for name, *_ in sent] == [name for name, _ in connected]
    for _, contacts, notes, _, _, landed in sent:
        assert int(contacts) > 0 and notes == landed
    caught = re.search(r"^(\d+) emails caught by the local SMTP server at 127\.0\.0\.1:\d+$",
                       result.out, re.MULTILINE)
    assert caught is not None
    assert int(caught.group(1)) == sum(int(emails) for _, _, _, emails, _, _ in sent)
    # It ends with what a person looks at afterwards: one statement, the report, the timetable.
    statement = re.search(r"^Statement of (.+): (/\S+\.pdf)$", result.out, re.MULTILINE)
    assert statement is not None
    assert Path(statement.group(2)).parent == out.resolve()
    assert Path(statement.group(2)).read_bytes().startswith(b"%PDF-")
    report = re.search(r"^Report: (/\S+) \((\d+\.\d) KB, opens with no network",
                       result.out, re.MULTILINE)
    assert report is not None and report.group(1) == str((out / "report.html").resolve())
    assert report.group(2) == f"{(out / 'report.html').stat().st_size / 1024:.1f}"
    for name, _ in connected:  # each org's timetable: three jobs with their next run
        assert re.search(rf"^{re.escape(name)} \(\S+\)$", result.out, re.MULTILINE)
    assert len(re.findall(r"^(sync|remind|statements) +\S", result.out, re.MULTILINE)) == 6
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["report.html", Path(statement.group(2)).name]
    )
