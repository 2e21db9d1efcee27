"""Aging snapshots: stored, replaced and read back equal to what was saved."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ar_sync.domain import AgingReport, Basis, CustomerAging, Scheme
from ar_sync.store import Store
from ar_sync.store.orgs import delete_org, save_org
from ar_sync.store.snapshots import SnapshotSummary, list_snapshots, load_snapshot, save_snapshot
from tests.store.records import ORG, T0, make_org

BUCKETS = ("current", "1-30", "31-60", "61-90", "91+")


def d(text: str) -> Decimal:
    return Decimal(text)


def buckets(*amounts: str) -> dict[str, Decimal]:
    return dict(zip(BUCKETS, (d(a) for a in amounts), strict=True))


def report(as_of: date = date(2025, 3, 31), scale: int = 1) -> AgingReport:
    # C1: NZD documents only. C2: NZD and USD; its base buckets include the USD converted.
    # C3: only EUR documents, and a credit (negative) in the current bucket.
    c1 = CustomerAging(
        customer_id="C1",
        buckets=buckets("115.00", "0.00", f"{250 * scale}.50", "0.00", "0.00"),
        total=d(f"{365 + 250 * (scale - 1)}.50"),
        by_currency={"NZD": buckets("115.00", "0.00", f"{250 * scale}.50", "0.00", "0.00")},
    )
    c2 = CustomerAging(
        customer_id="C2",
        buckets=buckets("0.00", "218.58", "0.00", "0.00", "1000.00"),
        total=d("1218.58"),
        by_currency={
            "NZD": buckets("0.00", "0.00", "0.00", "0.00", "1000.00"),
            "USD": buckets("0.00", "200.00", "0.00", "0.00", "0.00"),
        },
    )
    c3 = CustomerAging(
        customer_id="C3",
        buckets=buckets("-54.64", "0.00", "0.00", "0.00", "10.93"),
        total=d("-43.71"),
        by_currency={"EUR": buckets("-50.00", "0.00", "0.00", "0.00", "10.00")},
    )
    customers = (c1, c2, c3)
    totals = {name: sum((c.buckets[name] for c in customers), Decimal(0)) for name in BUCKETS}
    return AgingReport(
        as_of=as_of,
        basis=Basis.DUE,
        scheme=Scheme.DAYS,
        base_currency="NZD",
        bucket_names=BUCKETS,
        customers=customers,
        totals=totals,
        total=sum(totals.values(), Decimal(0)),
    )


def test_snapshot_round_trip(org_store: Store) -> None:
    saved = report()
    with org_store.transaction() as tx:
        save_snapshot(tx, ORG, saved, created_at=T0)
    with org_store.reading() as tx:
        loaded = load_snapshot(tx, ORG, saved.as_of, Basis.DUE, Scheme.DAYS)
        assert loaded == saved
        assert loaded is not None
        assert loaded.bucket_names == BUCKETS
        assert list(loaded.customers[1].by_currency["USD"]) == list(BUCKETS)
        assert loaded.total == Decimal("1540.37")
        assert str(loaded.customers[2].buckets["current"]) == "-54.64"
        assert load_snapshot(tx, ORG, saved.as_of, Basis.INVOICE, Scheme.DAYS) is None
        assert load_snapshot(tx, ORG, saved.as_of + timedelta(days=1), "due", "days") is None


def test_snapshot_with_partial_currency_maps_and_no_customers(org_store: Store) -> None:
    sparse = AgingReport(
        as_of=date(2025, 4, 30),
        basis=Basis.INVOICE,
        scheme=Scheme.MONTHS,
        base_currency="AUD",
        bucket_names=("Current", "< 1 Month", "1 Month", "Older"),
        customers=(
            CustomerAging(
                customer_id="Z",
                buckets={"Current": d("0"), "< 1 Month": d("9.10"), "1 Month": d("0"),
                         "Older": d("0")},
                total=d("9.10"),
                by_currency={"GBP": {"< 1 Month": d("5")}},
            ),
        ),
        totals={"Current": d("0"), "< 1 Month": d("9.10"), "1 Month": d("0"), "Older": d("0")},
        total=d("9.10"),
    )  # fmt: skip
    empty = AgingReport(
        as_of=date(2025, 4, 30),
        basis=Basis.DUE,
        scheme=Scheme.MONTHS,
        base_currency="AUD",
        bucket_names=("Current", "< 1 Month", "1 Month", "Older"),
        customers=(),
        totals={"Current": d("0"), "< 1 Month": d("0"), "1 Month": d("0"), "Older": d("0")},
        total=d("0"),
    )
    with org_store.transaction() as tx:
        save_snapshot(tx, ORG, sparse, created_at=T0)
        save_snapshot(tx, ORG, empty, created_at=T0)
    with org_store.reading() as tx:
        assert load_snapshot(tx, ORG, date(2025, 4, 30), "invoice", "months") == sparse
        assert load_snapshot(tx, ORG, date(2025, 4, 30), "due", "months") == empty


def test_saving_again_replaces_the_snapshot(org_store: Store) -> None:
    with org_store.transaction() as tx:
        save_snapshot(tx, ORG, report(scale=1), created_at=T0)
    replacement = report(scale=3)
    with org_store.transaction() as tx:
        save_snapshot(tx, ORG, replacement, created_at=T0 + timedelta(hours=1))
    with org_store.reading() as tx:
        assert load_snapshot(tx, ORG, date(2025, 3, 31), Basis.DUE, Scheme.DAYS) == replacement
        assert list_snapshots(tx, ORG) == [
            SnapshotSummary(date(2025, 3, 31), Basis.DUE, Scheme.DAYS, Decimal("2040.37"))
        ]
    with org_store.engine.connect() as conn:
        lines = conn.exec_driver_sql("SELECT COUNT(*) FROM aging_snapshot_lines").scalar_one()
    assert lines == 5 * (1 + 2 + 2)  # C1: NZD; C2: NZD, USD; C3: NZD (base), EUR


def test_list_snapshots_oldest_first(org_store: Store) -> None:
    with org_store.transaction() as tx:
        save_org(tx, make_org(org_id="xero:other", tenant_id="other", name="Other"), now=T0)
    for as_of in (date(2025, 3, 31), date(2025, 1, 31), date(2025, 2, 28)):
        with org_store.transaction() as tx:
            save_snapshot(tx, ORG, report(as_of=as_of), created_at=T0)
    with org_store.transaction() as tx:
        save_snapshot(tx, "xero:other", report(), created_at=T0)
    with org_store.reading() as tx:
        assert list_snapshots(tx, ORG) == [
            (date(2025, 1, 31), Basis.DUE, Scheme.DAYS, Decimal("1540.37")),
            (date(2025, 2, 28), Basis.DUE, Scheme.DAYS, Decimal("1540.37")),
            (date(2025, 3, 31), Basis.DUE, Scheme.DAYS, Decimal("1540.37")),
        ]
        assert list_snapshots(tx, "xero:nobody") == []


def test_deleting_the_org_deletes_its_snapshots(org_store: Store) -> None:
    with org_store.transaction() as tx:
        save_snapshot(tx, ORG, report(), created_at=T0)
    with org_store.transaction() as tx:
        delete_org(tx, ORG)
    with org_store.reading() as tx:
        assert list_snapshots(tx, ORG) == []
    with org_store.engine.connect() as conn:
        lines = conn.exec_driver_sql("SELECT COUNT(*) FROM aging_snapshot_lines").scalar_one()
    assert lines == 0
