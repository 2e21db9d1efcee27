"""The real CLI's ``orgs`` and ``aging`` output against the Xero sandbox: the org id a user types
for ``--org`` is printed whole, and amounts read the same in both commands."""

from __future__ import annotations

from datetime import datetime

from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"


def test_orgs_prints_the_whole_id_that_org_takes(cli, connected):
    # Captured output is not a terminal: rich lays it out for 80 columns, as when piped.
    before = cli("orgs")
    assert before.code == 0, before.err
    assert [line.rstrip() for line in before.out.splitlines()] == [
        "Connected orgs",
        "Org and id                                 Ledger   Last sync     Open AR",
        "─────────────────────────────────────────────────────────────────────────",
        "Kauri Test Traders                         xero     never      not synced",
        f"{ORG}  sandbox",
    ]
    assert cli("sync").code == 0
    synced = datetime.fromisoformat(cli("orgs", "--format", "json").json()[0]["last_sync"])
    after = cli("orgs")
    assert [line.rstrip() for line in after.out.splitlines()][3:] == [
        f"Kauri Test Traders                         xero     {synced:%Y-%m-%d}  3,219.79",
        f"{ORG}  sandbox  {synced:%H:%M} UTC        NZD",
    ]
    # The id as printed is what --org takes.
    typed = after.out.splitlines()[4].split()[0]
    aged = cli("aging", "--org", typed, "--format", "json")
    assert aged.code == 0, aged.err
    assert [org["org_id"] for org in aged.json()["orgs"]] == [ORG]
    # The aging table writes the total as the listing does.
    table = cli("aging", "--org", typed).out
    assert next(line for line in table.splitlines() if line.startswith("TOTAL")).split()[-1] == (
        "3,219.79"
    )
