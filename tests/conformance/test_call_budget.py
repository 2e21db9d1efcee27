"""A sync's calls against the fewest it could make: a first sync reads each stream in as few pages
as its page size allows (plus at most one short page per stream), and a sync with nothing
changed makes one call per stream."""

from __future__ import annotations

from tests.conformance.support import connect, sync_ok


def test_first_sync_calls_are_within_one_page_per_stream_of_the_lower_bound(
    cli, driver, start_ledger
):
    page = driver.stream(driver.invoice_stream).page_size
    # Open invoices fill two pages (the second a fifth full); everything else fits one.
    ledger = start_ledger(customers=30, invoices=page + page // 5, seed=11)
    connect(cli, ledger)
    ledger.control.reset_calls()

    done = sync_ok(cli)
    calls = ledger.control.calls()
    bound = driver.first_sync_lower_bound(ledger.state())
    assert bound[driver.stream(driver.invoice_stream).endpoint] >= 2
    by_endpoint = calls["by_endpoint"]
    assert set(by_endpoint) == set(bound), "the sync called something it did not need"
    for endpoint, least in bound.items():
        assert least <= by_endpoint[endpoint] <= least + 1, (endpoint, by_endpoint, bound)
    streams = len(driver.streams)
    assert sum(bound.values()) <= calls["total"] <= sum(bound.values()) + streams
    assert calls["rate_limited"] == 0
    assert done.calls == calls["total"]


def test_a_sync_with_nothing_changed_makes_only_the_incremental_minimum(cli, connected):
    driver = connected.driver
    sync_ok(cli)
    connected.control.reset_calls()

    done = sync_ok(cli)
    calls = connected.control.calls()
    assert calls["by_endpoint"] == driver.incremental_minimum()
    assert done.calls == calls["total"] == sum(driver.incremental_minimum().values())
    assert done.pages == len(driver.streams)
