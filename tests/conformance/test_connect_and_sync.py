"""Connect and a first sync: the org as the ledger describes it, every open document read once."""

from __future__ import annotations

from decimal import Decimal


from tests.conformance.support import (
    aging,
    connect,
    customer_totals,
    flat,
    sync_ok,
    total,
)


def test_connect_stores_the_org_the_ledger_describes(cli, ledger):
    tenant = ledger.tenant()
    state = ledger.state()
    result = connect(cli, ledger)
    line = flat(result.out)
    assert line.startswith("Connected ")
    assert f"org {tenant['name']} ({ledger.org_id}), base currency " in line
    assert "Traceback" not in result.err

    (org,) = cli("orgs", "--format", "json").json()
    assert (org["org_id"], org["name"], org["platform"], org["base_currency"]) == (
        ledger.org_id,
        tenant["name"],
        ledger.platform,
        ledger.driver.base_currency(state),
    )
    assert org["last_sync"] is None
    assert line.endswith(f"base currency {org['base_currency']}, timezone {org['timezone']}")


def test_connecting_twice_keeps_one_org(cli, ledger):
    connect(cli, ledger)
    connect(cli, ledger)
    orgs = cli("orgs", "--format", "json").json()
    assert [org["org_id"] for org in orgs] == [ledger.org_id]
    sync_ok(cli)  # the second grant's tokens are the ones in use


def test_first_sync_reads_every_open_document_and_ages_them(cli, connected):
    driver, state = connected.driver, connected.state()
    expected = driver.first_sync_summary(state)

    done = sync_ok(cli)
    assert (done.name, done.invoices, done.credits, done.customers) == (
        connected.tenant()["name"],
        expected["invoices"],
        expected["credits"],
        expected["customers"],
    )
    assert done.pages == len(driver.streams)  # the small company is one page per stream
    assert (done.retries, done.skipped) == (0, 0)
    calls = connected.control.calls()
    assert done.calls == calls["total"]  # what the CLI reports is what the ledger saw
    assert calls["rate_limited"] == 0

    # Per customer, the aging is the open invoices less the unapplied credits in the books.
    org = aging(cli)
    assert org["org_id"] == connected.org_id
    assert org["base_currency"] == driver.base_currency(state)
    assert customer_totals(org) == driver.expected_aging(state)
    assert total(org) == sum(driver.expected_aging(state).values(), Decimal("0.00"))
    assert total(org) > 0
    # Every bucket row adds up to its total.
    for customer in org["customers"]:
        assert sum(map(Decimal, customer["buckets"].values())) == Decimal(customer["total"])

    (listed,) = cli("orgs", "--format", "json").json()
    assert listed["last_sync"] is not None
    assert Decimal(listed["open_ar"]) == total(org)


def test_a_second_sync_with_no_changes_writes_nothing_and_keeps_the_aging(cli, connected):
    sync_ok(cli)
    before = aging(cli)
    again = sync_ok(cli)
    assert (again.invoices, again.credits, again.customers) == (0, 0, 0)
    assert aging(cli) == before


def test_connect_and_sync_print_one_line_each_when_piped(cli, ledger, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    connected = connect(cli, ledger)
    assert len(connected.out.strip().splitlines()) == 1, connected.out
    done = cli("sync")
    assert done.code == 0
    assert len(done.out.strip().splitlines()) == 1, done.out
