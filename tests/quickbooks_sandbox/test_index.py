"""The indexed query path (``ORDERBY MetaData.LastUpdatedTime``: one sorted view per WHERE,
bisected by the time bound) and CDC answer exactly as a scan of the whole entity does, on a
generated company, before and after payments, voids, edits, deletions and new records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from ar_sync_quickbooks.sandbox import cdc, generate_company, query, wire
from ar_sync_quickbooks.sandbox.books import RealmBooks
from ar_sync_quickbooks.sandbox.entities import ENTITIES as SHAPES
from ar_sync_quickbooks.sandbox.entities import ordered

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
UPDATED = "MetaData.LastUpdatedTime"

# Each WHERE (what the connector and others send), with {bound} replaced by a time condition.
WHERES = [
    "Balance > '0'",
    "",
    "Active IN (true, false)",
    "CustomerRef = '3'",
    "Balance > '0' AND TxnDate >= '2026-06-01'",
]
ENTITIES = ("Invoice", "CreditMemo", "Payment", "Customer")


@pytest.fixture(scope="module")
def company():
    return generate_company(customers=12, invoices=150, paid=50, seed=13, today=TODAY)


def _literals(books: RealmBooks) -> list[str]:
    """Time literals: exact stamps of records (ties and the bound's edge), and before/after all."""
    stamps = sorted(
        {str(r["MetaData"]["LastUpdatedTime"]) for r in books.records["Invoice"].values()}
    )
    first = wire.parse_instant(stamps[0], books.tz) - timedelta(days=1)
    return [first.isoformat(), *stamps[:: max(1, len(stamps) // 6)], stamps[-1]]


def _statements(entity: str, books: RealmBooks, *, newest_first: bool = False) -> list[str]:
    """Queries of ``entity`` over each WHERE, time bound and start. ``newest_first``: the bounds
    from the latest to none, so the first calls read the few rows past the bound directly and
    the last one builds the filter's view."""
    statements = []
    for where in WHERES:
        try:
            query.parse(f"SELECT * FROM {entity} WHERE {where}" if where else
                        f"SELECT * FROM {entity}")
        except query.QueryError:
            continue  # not filterable on this entity
        bounds = [""] + [f"{UPDATED} {op} '{t}'" for t in _literals(books) for op in (">=", ">")]
        for bound in bounds[:: -1 if newest_first else 1]:
            conditions = " AND ".join(c for c in (where, bound) if c)
            head = f"SELECT * FROM {entity}" + (f" WHERE {conditions}" if conditions else "")
            for start in (1, 31, 61, 400):
                statements.append(f"{head} ORDERBY {UPDATED} STARTPOSITION {start} MAXRESULTS 30")
            statements.append(head.replace("*", "COUNT(*)", 1) + f" ORDERBY {UPDATED}")
    return statements


def _assert_same_answers(books: RealmBooks, *, newest_first: bool = False) -> int:
    compared = 0
    for entity in ENTITIES:
        scanned = sorted(books.records[entity].values(), key=lambda r: int(str(r["Id"])))
        for text in _statements(entity, books, newest_first=newest_first):
            parsed = query.parse(text)
            indexed = query.run_indexed(parsed, lambda e=entity: books.by_update(e), books.tz)
            assert indexed == query.run(parsed, scanned, books.tz), text
            compared += 1
    return compared


def _scanned_cdc(books: RealmBooks, entity: str, since: datetime) -> list[str]:
    changed = [
        (wire.parse_instant(str(r["MetaData"]["LastUpdatedTime"]), books.tz), int(str(r["Id"])))
        for r in books.records[entity].values()
    ]
    return [str(number) for stamp, number in sorted(changed) if stamp >= since]


def _assert_same_cdc(books: RealmBooks) -> None:
    for literal in _literals(books):
        since = wire.parse_instant(literal, books.tz)
        answer = cdc.changes(books, ["Invoice", "Payment"], since, "now")
        groups = answer["CDCResponse"][0]["QueryResponse"]
        for entity, group in zip(["Invoice", "Payment"], groups, strict=True):
            ids = [str(r["Id"]) for r in group.get(entity, []) if "status" not in r]
            assert ids == _scanned_cdc(books, entity, since)[: len(ids)], (entity, literal)


@pytest.mark.parametrize("newest_first", [False, True])
def test_indexed_queries_and_cdc_equal_a_full_scan(company, newest_first) -> None:
    books = RealmBooks(company)
    assert _assert_same_answers(books, newest_first=newest_first) > 1000
    _assert_same_cdc(books)


def test_writes_move_rows_in_every_view(company) -> None:
    books = RealmBooks(company)
    _assert_same_answers(books)  # builds every view before the writes
    open_ids = [
        str(r["Id"]) for r in books.rows("Invoice") if Decimal(str(r["Balance"])) > 0
    ]
    moment = NOW

    def later() -> datetime:
        nonlocal moment
        moment += timedelta(minutes=1)
        return moment

    books.pay_invoice(open_ids[0], None, None, later())  # paid in full: leaves Balance > '0'
    books.pay_invoice(open_ids[1], Decimal("1.00"), None, later())  # part paid: moves to the end
    books.void("Invoice", {"Id": open_ids[2]}, later())
    books.merge_invoice(open_ids[3], {"PrivateNote": "moved by the index test"}, later())
    victim = books.records["Invoice"][open_ids[4]]
    books.delete("Invoice", {"Id": open_ids[4], "SyncToken": victim["SyncToken"]}, later())
    customer = books.records["Customer"]["3"]
    books.update("Customer", {"Id": "3", "SyncToken": customer["SyncToken"], "sparse": True,
                              "CompanyName": "Index Test Ltd"}, later())
    created = books.create(
        "Invoice",
        {"CustomerRef": {"value": "3"}, "TxnDate": "2026-11-20",
         "Line": [{"Amount": Decimal("99.50"), "DetailType": "SalesItemLineDetail",
                   "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]},
        later(),
    )
    _assert_same_answers(books)
    _assert_same_cdc(books)

    full = query.parse(f"SELECT * FROM Invoice WHERE Balance > '0' ORDERBY {UPDATED} "
                       "STARTPOSITION 1 MAXRESULTS 1000")
    page, total = query.run_indexed(full, lambda: books.by_update("Invoice"), books.tz)
    ids = [str(r["Id"]) for r in page]
    assert not {open_ids[0], open_ids[2], open_ids[4]} & set(ids)
    assert ids[-3:] == [open_ids[1], open_ids[3], str(created["Id"])]
    assert total == len(open_ids) - 3 + 1


def test_served_json_follows_every_write(company) -> None:
    # Each record's JSON is written once (as the books load) and kept until a write replaces
    # the record: a paid invoice is served with its new balance, every record as written now.
    books = RealmBooks(company)
    invoice_id = next(
        str(r["Id"]) for r in books.rows("Invoice") if Decimal(str(r["Balance"])) > 0
    )

    def served() -> dict:
        (text,) = books.wire_json("Invoice", [books.find("Invoice", invoice_id)])
        return json.loads(text.text, parse_float=Decimal)

    before = served()
    books.pay_invoice(invoice_id, Decimal("1.00"), None, NOW + timedelta(minutes=1))
    after = served()
    assert after["Balance"] == before["Balance"] - Decimal("1.00")
    assert int(after["SyncToken"]) == int(before["SyncToken"]) + 1
    assert after["MetaData"]["LastUpdatedTime"] == wire.stamp(
        NOW + timedelta(minutes=1), books.tz
    )
    for entity in ENTITIES:
        rows = books.rows(entity)
        assert [fragment.text for fragment in books.wire_json(entity, rows)] == [
            wire.dumps(ordered(SHAPES[entity], row)) for row in rows
        ]
