"""The QuickBooks Online connector: customers, invoices, credit memos and payments of one realm.

Streams, in sync order: ``customers``, ``invoices``, ``credit_memos``, ``payments``. Each is read

- **first (full)** by query, only what is open, 1,000 rows a page, ordered by
  ``MetaData.LastUpdatedTime`` and paged by keyset (see ``ar_sync.sync.paging``), so a document
  changed mid-sync is not skipped. What "open" means, and where it is decided:

  - invoices: ``WHERE Balance > '0'`` (``Balance`` is filterable: Intuit's Invoice reference);
  - credit memos: ``WHERE Balance > '0'``, then ``RemainingCredit > 0`` here, because QBO
    cannot filter on ``RemainingCredit`` (the XSD does not mark it filterable);
  - payments: every payment is read and those with ``UnappliedAmt > 0`` kept here: QBO answers
    a filter on it with 4001 "property 'UnappliedAmt' is not queryable"
    (ruckus/quickbooks-ruby#258). Fully applied payments are dropped rather than stored: the
    aging needs only unapplied amounts, and a first sync should not write every payment the
    company ever received (later syncs store changed payments whatever their amount);
  - customers: all of them, inactive ones too (``Active IN (true, false)``), since a query
    without it returns only active customers (Intuit: "SELECT * FROM Customer retrieves all
    active customers"; singer-io/tap-quickbooks adds the clause to every customer query) and
    an inactive customer can still owe money;
- **later, by change data capture** (``GET cdc``, every entity of every stream in one call, shared
  by the streams whose watermark is the same) while the watermark is under ``CDC_LOOKBACK`` old.
  CDC sees deletions as tombstones, which remove rows. QuickBooks answers at most 1,000 objects:
  an answer at that cap is split, first into one CDC call per entity, then, for an entity still
  at the cap, into keyset pages of a ``MetaData.LastUpdatedTime >=`` query;
- **later, by query** when the watermark is older than CDC allows (30 days): every row changed
  since the watermark, whatever its balance (customers: active or not), so paid documents leave
  the aging. A query cannot see deletions; those wait for a later CDC window.

- **history** (``history_pages``, ``ar_sync.sync.history``): invoices, credit memos and
  payments by a ``MetaData.LastUpdatedTime >=`` query from the window's start, whatever their
  balance, never by CDC (its 30 days rarely reach back far enough). ``history_count`` asks
  ``SELECT COUNT(*)`` with the same condition: QBO answers ``{"QueryResponse": {"totalCount":
  N}}`` (``../shared/fixtures/quickbooks/recorded_json/customer_count_query.response.json``).

Rows are fetched as raw JSON (amounts as ``Decimal``) and mapped one by one, so one record that
cannot be read becomes a counted ``DataError`` instead of a lost page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ar_sync.connector import CallAllowance, CallStats, LedgerTotal, Page, StreamState
from ar_sync.domain import Org, Record
from ar_sync.errors import DataError
from ar_sync.sync.paging import FULL, INCREMENTAL, PageRequest, StreamCursor, watermark_pages
from ar_sync_quickbooks import mapping
from ar_sync_quickbooks.client import QUICKBOOKS_LIMITS, QuickBooksClient

PAGE_SIZE = 1000  # QuickBooks' MAXRESULTS ceiling
CDC_CAP = 1000  # objects in one CDC answer
CDC_LOOKBACK = timedelta(days=30) - timedelta(hours=1)  # what CDC allows, less clock slack
START_OVERLAP = timedelta(minutes=2)  # re-read before the watermark, as ar_sync.sync.paging does
UPDATED = "MetaData.LastUpdatedTime"


Json = dict[str, Any]


def _positive(field: str) -> Callable[[Json], bool]:
    """A row test: ``row[field] > 0`` (a missing or unreadable amount counts as open, so the
    mapper sees the row and reports it)."""

    def test(row: Json) -> bool:
        value = row.get(field)
        try:
            if value.__class__ is Decimal:  # as parsed: no need to go through its text
                return value > 0
            return Decimal(str(value or 0)) > 0
        except ArithmeticError:
            return True

    return test


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """How one QuickBooks entity is read and mapped.

    ``open_filter`` is the ``WHERE`` of the first, full read and ``open_row`` the test its rows
    must pass here (for what QBO cannot filter); ``always`` joins every query of the stream;
    ``kind`` is the store's record kind a CDC tombstone of this entity deletes.
    """

    name: str
    entity: str
    kind: str
    map: Callable[..., Record]
    open_filter: str | None = None
    open_row: Callable[[Json], bool] | None = None
    always: str | None = None


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        "customers",
        "Customer",
        "customer",
        mapping.customer_from_quickbooks,
        always="Active IN (true, false)",
    ),
    StreamSpec(
        "invoices",
        "Invoice",
        "invoice",
        mapping.invoice_from_quickbooks,
        open_filter="Balance > '0'",
    ),
    StreamSpec(
        "credit_memos",
        "CreditMemo",
        "credit",
        mapping.credit_memo_from_quickbooks,
        open_filter="Balance > '0'",
        open_row=_positive("RemainingCredit"),
    ),
    StreamSpec(
        "payments",
        "Payment",
        "credit",
        mapping.payment_from_quickbooks,
        open_row=_positive("UnappliedAmt"),
    ),
)
_BY_NAME = {spec.name: spec for spec in STREAMS}
ALL_ENTITIES = [spec.entity for spec in STREAMS]


def quote(value: str) -> str:
    """A string literal of QuickBooks' query language (``'`` escaped as ``\\'``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def instant_literal(moment: datetime) -> str:
    """A UTC instant as QuickBooks compares timestamps: ISO-8601 with an explicit offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def select_statement(spec: StreamSpec, request: PageRequest) -> str:
    """The query for one keyset page: open rows on a full read, every changed row otherwise."""
    conditions = [spec.always] if spec.always else []
    if request.mode == FULL and spec.open_filter:
        conditions.append(spec.open_filter)
    if request.since is not None:
        conditions.append(f"{UPDATED} >= {quote(instant_literal(request.since))}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    start = (request.page - 1) * PAGE_SIZE + 1
    return (
        f"SELECT * FROM {spec.entity}{where} ORDERBY {UPDATED} "
        f"STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"
    )


@dataclass(frozen=True, slots=True)
class CdcAnswer:
    """One CDC answer: active rows and tombstoned ids per entity, and whether it hit the cap."""

    rows: dict[str, list[dict[str, Any]]]
    deleted: dict[str, list[str]]
    capped: bool

    @classmethod
    def parse(cls, groups: list[dict[str, Any]], entities: list[str]) -> CdcAnswer:
        rows: dict[str, list[dict[str, Any]]] = {entity: [] for entity in entities}
        deleted: dict[str, list[str]] = {entity: [] for entity in entities}
        count = 0
        for group in groups:
            for entity in entities:
                for row in group.get(entity) or ():
                    count += 1
                    if str(row.get("status", "")).lower() == "deleted":
                        deleted[entity].append(str(row.get("Id")))
                    else:
                        rows[entity].append(row)
        return cls(rows=rows, deleted=deleted, capped=count >= CDC_CAP)


class QuickBooksConnector:
    """One QuickBooks company (realm)."""

    def __init__(self, org: Org, client: QuickBooksClient) -> None:
        self.org = org
        self.client = client
        # changedSince -> the all-entity answer, less the entities already read (at most
        # CDC_CAP objects: a larger answer is split, never kept)
        self._cdc: dict[str, CdcAnswer] = {}

    @property
    def stats(self) -> CallStats:
        return self.client.stats

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in STREAMS)

    @property
    def open_set_streams(self) -> tuple[str, ...]:
        """Invoices and credit memos: UNCONFIRMED that every change moves
        ``MetaData.LastUpdatedTime``; the daily re-read of their open set heals one that does
        not. (Payments are read whole, so they are left to ``sync --full``.)"""
        return ("invoices", "credit_memos")

    @property
    def history_streams(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in STREAMS if spec.name != "customers")

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def allowance(self) -> CallAllowance:
        """500 calls a minute per realm and no daily cap (Intuit's throttles: notes
        quickbooks-api.md §5, 500/min/realm, 10 concurrent; none per day is documented)."""
        return CallAllowance(per_minute=QUICKBOOKS_LIMITS.per_window, per_day=None)

    def history_pages(
        self, stream: str, since: datetime, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        cursor = StreamCursor(mode=INCREMENTAL, watermark=since).to_state()
        yield from self._query_pages(_BY_NAME[stream], state or cursor, started_at=started_at)

    def history_count(self, stream: str, since: datetime) -> int:
        spec = _BY_NAME[stream]
        answer = self.client.query(
            f"SELECT COUNT(*) FROM {spec.entity} WHERE {UPDATED} >= "
            f"{quote(instant_literal(since))}"
        )
        return int(answer.get("totalCount") or 0)

    def fetch_org(self) -> Org:
        realm = self.org.tenant_id
        company = self.client.call(
            "GET companyinfo/{id}", lambda qb: qb.get_single_object("CompanyInfo", realm)
        ).get("CompanyInfo") or {}
        preferences = self.client.call(
            "GET preferences", lambda qb: qb.get(f"{qb.api_url}/company/{realm}/preferences")
        ).get("Preferences")
        return mapping.org_from_quickbooks(
            company,
            preferences,
            realm_id=realm,
            connection_id=self.org.connection_id,
            api_url=self.org.api_url,
        )

    def iter_pages(
        self, stream: str, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        spec = _BY_NAME[stream]
        cursor = StreamCursor.from_state(state, started_at=started_at)
        use_cdc = (
            cursor.mode == INCREMENTAL
            and cursor.watermark is not None
            and started_at - cursor.watermark <= CDC_LOOKBACK
        )
        if use_cdc:
            assert cursor.watermark is not None
            answer = self._changes(spec, cursor.watermark - START_OVERLAP)
            if answer is not None:
                # Each stream takes its entity's part of a shared answer out of it, so the
                # cached answer holds only what streams still to come will read.
                records, skipped = self._map_rows(spec, answer.rows.pop(spec.entity, []))
                deleted = answer.deleted.pop(spec.entity, [])
                yield Page(
                    stream=stream,
                    records=tuple(records),
                    deleted=tuple((spec.kind, record_id) for record_id in deleted),
                    skipped=tuple(skipped),
                    state=StreamCursor(mode=INCREMENTAL, watermark=started_at).to_state(),
                )
                return
        yield from self._query_pages(spec, state, started_at=started_at)

    def _changes(self, spec: StreamSpec, since: datetime) -> CdcAnswer | None:
        """What changed in ``spec``'s entity since ``since`` by CDC, or None when even a CDC call
        for that entity alone reaches the cap (then the caller pages a query instead)."""
        changed_since = instant_literal(since)
        shared = self._cdc.get(changed_since)
        if shared is None:
            groups = self.client.change_data_capture(ALL_ENTITIES, changed_since)
            shared = self._cdc[changed_since] = CdcAnswer.parse(groups, ALL_ENTITIES)
        if not shared.capped:
            return shared
        alone = CdcAnswer.parse(
            self.client.change_data_capture([spec.entity], changed_since), [spec.entity]
        )
        return None if alone.capped else alone

    def _query_pages(
        self, spec: StreamSpec, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        def fetch(request: PageRequest) -> list[dict[str, Any]]:
            answer = self.client.query(select_statement(spec, request))
            rows = answer.get(spec.entity) or []
            return rows if isinstance(rows, list) else []

        def row_key(row: dict[str, Any]) -> tuple[str, datetime]:
            try:
                return str(row.get("Id")), mapping.last_updated(row)
            except DataError:
                return str(row.get("Id")), started_at  # mapped (and reported) below

        for fetched in watermark_pages(
            fetch, row_key=row_key, state=state, started_at=started_at, page_size=PAGE_SIZE
        ):
            rows, page_state = fetched.rows, fetched.state
            if fetched.mode == FULL and spec.open_row is not None:
                # Paging saw every row (page length, keyset); only open ones are stored.
                rows = [row for row in rows if spec.open_row(row)]
            records, skipped = self._map_rows(spec, rows)
            del fetched, rows  # the raw rows go before the page is committed
            yield Page(
                stream=spec.name,
                records=tuple(records),
                state=page_state,
                skipped=tuple(skipped),
            )
            del records, skipped

    def _map_rows(
        self, spec: StreamSpec, rows: list[dict[str, Any]]
    ) -> tuple[list[Record], list[DataError]]:
        records: list[Record] = []
        skipped: list[DataError] = []
        mapper, org_id, base_currency = spec.map, self.org.org_id, self.org.base_currency
        for row in rows:
            try:
                records.append(mapper(row, org_id=org_id, base_currency=base_currency))
            except (DataError, ValueError, TypeError, KeyError, AttributeError) as exc:
                record_id = str(row.get("Id", "?"))
                skipped.append(DataError(f"{spec.entity} {record_id}: {exc}", record_id=record_id))
        return records, skipped

    def reported_balances(self, customer_ids: list[str], *, as_of: date) -> dict[str, Decimal]:
        """Each customer's ``Total`` in QuickBooks' own AgedReceivables report at ``as_of``
        (home currency), from one report call; customers absent from the report owe 0."""
        report = self.client.report(
            "AgedReceivables",
            {"report_date": as_of.isoformat(), "aging_method": "Report_Date"},
        )
        totals = mapping.aged_receivables_totals(report)
        return {customer_id: totals.get(customer_id, Decimal(0)) for customer_id in customer_ids}

    def reported_total(self, *, as_of: date) -> LedgerTotal:
        """The ``Total`` of QuickBooks' own AgedReceivables report at ``as_of``: one call."""
        report = self.client.report(
            "AgedReceivables",
            {"report_date": as_of.isoformat(), "aging_method": "Report_Date"},
        )
        return LedgerTotal(
            amount=sum(mapping.aged_receivables_totals(report).values(), Decimal(0)),
            source="QuickBooks A/R Aging Summary report",
            note=(
                "QuickBooks' report also counts journal entries posted to Accounts Receivable "
                "with a customer, which are not invoices, credit memos or payments and which "
                "ar-sync does not read."  # UNCONFIRMED for QBO; true of QuickBooks Desktop
            ),
        )

    def close(self) -> None:
        self.client.close()
