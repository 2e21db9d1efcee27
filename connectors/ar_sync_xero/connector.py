"""The Xero connector: streams of contacts, invoices and customer credits, read by watermark.

Streams, in sync order: ``contacts``, ``invoices``, ``credit_notes``, ``overpayments``,
``prepayments``. Each is read with ``If-Modified-Since`` (see ``ar_sync.paging``), 1,000 records a
page, ordered by ``UpdatedDateUTC``. The first (full) sync asks only for what is open; later syncs
ask for every status so that paid, voided and deleted documents leave the aging.

Pages are fetched raw and each record is deserialised by the SDK on its own, so one record the SDK
cannot read (an unknown currency, say) becomes a counted ``DataError`` instead of a lost page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from xero_python.api_client.deserializer import deserialize

from ar_sync.connector import CallStats, Page, StreamState
from ar_sync.domain import Org, Record
from ar_sync.errors import DataError, RetriableSourceError
from ar_sync.paging import FULL, PageRequest, watermark_pages
from ar_sync_xero import mapping
from ar_sync_xero.client import XeroClient

PAGE_SIZE = 1000
ORDER = "UpdatedDateUTC ASC"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """How one Xero collection is read and mapped.

    ``collection`` is the JSON key and SDK method suffix; ``full_where`` / ``incremental_where``
    are the ``where`` filters of the two modes; ``statuses`` is sent on full pulls only.
    """

    name: str
    collection: str
    model: str
    id_field: str
    list_method: str
    full_where: str | None
    incremental_where: str | None
    statuses: tuple[str, ...] = ()
    map: Callable[..., Record | None] = mapping.customer_from_xero


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        name="contacts",
        collection="Contacts",
        model="Contact",
        id_field="ContactID",
        list_method="get_contacts",
        full_where=None,
        incremental_where=None,
        map=mapping.customer_from_xero,
    ),
    StreamSpec(
        name="invoices",
        collection="Invoices",
        model="Invoice",
        id_field="InvoiceID",
        list_method="get_invoices",
        full_where='Type=="ACCREC" AND AmountDue>0',
        incremental_where='Type=="ACCREC"',
        statuses=("AUTHORISED",),
        map=mapping.invoice_from_xero,
    ),
    StreamSpec(
        name="credit_notes",
        collection="CreditNotes",
        model="CreditNote",
        id_field="CreditNoteID",
        list_method="get_credit_notes",
        full_where='Type=="ACCRECCREDIT" AND Status=="AUTHORISED"',
        incremental_where='Type=="ACCRECCREDIT"',
        map=mapping.credit_note_from_xero,
    ),
    StreamSpec(
        name="overpayments",
        collection="Overpayments",
        model="Overpayment",
        id_field="OverpaymentID",
        list_method="get_overpayments",
        full_where='Type=="RECEIVE-OVERPAYMENT" AND Status=="AUTHORISED"',
        incremental_where='Type=="RECEIVE-OVERPAYMENT"',
        map=mapping.overpayment_from_xero,
    ),
    StreamSpec(
        name="prepayments",
        collection="Prepayments",
        model="Prepayment",
        id_field="PrepaymentID",
        list_method="get_prepayments",
        full_where='Type=="RECEIVE-PREPAYMENT" AND Status=="AUTHORISED"',
        incremental_where='Type=="RECEIVE-PREPAYMENT"',
        map=mapping.prepayment_from_xero,
    ),
)
_BY_NAME = {spec.name: spec for spec in STREAMS}

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{2,4})?\)/")


def parse_xero_instant(value: Any) -> datetime:
    """``/Date(1518685950940+0000)/`` (epoch milliseconds; the offset is informational) or an
    ISO-8601 string, as an aware UTC datetime."""
    text = str(value)
    match = _MS_DATE.fullmatch(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class XeroConnector:
    """One Xero organisation (tenant), read through a shared ``XeroClient``."""

    def __init__(self, org: Org, client: XeroClient) -> None:
        self.org = org
        self.client = client

    @property
    def stats(self) -> CallStats:
        return self.client.stats

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in STREAMS)

    def fetch_org(self) -> Org:
        organisations = self.client.call(
            "GET Organisation",
            lambda: self.client.accounting.get_organisations(self.org.tenant_id),
            tenant_id=self.org.tenant_id,
        )
        return mapping.org_from_xero(
            organisations.organisations[0],
            tenant_id=self.org.tenant_id,
            connection_id=self.org.connection_id,
            api_url=self.org.api_url,
        )

    def iter_pages(
        self, stream: str, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        spec = _BY_NAME[stream]

        def fetch(request: PageRequest) -> list[dict[str, Any]]:
            return self._fetch_raw(spec, request)

        def row_key(row: dict[str, Any]) -> tuple[str, datetime]:
            return str(row.get(spec.id_field)), parse_xero_instant(row["UpdatedDateUTC"])

        for fetched in watermark_pages(
            fetch, row_key=row_key, state=state, started_at=started_at, page_size=PAGE_SIZE
        ):
            records, skipped = self._map_rows(spec, fetched.rows)
            yield Page(
                stream=stream, records=tuple(records), state=fetched.state, skipped=tuple(skipped)
            )

    def _fetch_raw(self, spec: StreamSpec, request: PageRequest) -> list[dict[str, Any]]:
        """One page as raw JSON objects (money as Decimal)."""
        kwargs: dict[str, Any] = {
            "order": ORDER,
            "page": request.page,
            "page_size": PAGE_SIZE,
            "_preload_content": False,
            "_request_timeout": (10.0, 120.0),
        }
        full = request.mode == FULL
        where = spec.full_where if full else spec.incremental_where
        if where:
            kwargs["where"] = where
        if full and spec.statuses:
            kwargs["statuses"] = list(spec.statuses)
        if request.since is not None:
            # Xero compares to the second in UTC; the SDK sends isoformat() of what it gets.
            kwargs["if_modified_since"] = request.since.astimezone(UTC).replace(
                tzinfo=None, microsecond=0
            )
        method = getattr(self.client.accounting, spec.list_method)
        endpoint = f"GET {spec.collection}"

        def call() -> list[dict[str, Any]]:
            response = method(self.org.tenant_id, **kwargs)
            try:
                body = json.loads(response.data, parse_float=Decimal)
                rows = body[spec.collection]
            except (ValueError, KeyError, TypeError):
                raise RetriableSourceError(
                    f"Xero sent a malformed {spec.collection} page ({request.page})"
                ) from None
            if not isinstance(rows, list):
                raise RetriableSourceError(f"Xero sent a malformed {spec.collection} page")
            return rows

        return self.client.call(endpoint, call, tenant_id=self.org.tenant_id)

    def _map_rows(
        self, spec: StreamSpec, rows: list[dict[str, Any]]
    ) -> tuple[list[Record], list[DataError]]:
        finder = self.client.accounting.get_model_finder()
        records: list[Record] = []
        skipped: list[DataError] = []
        for row in rows:
            record_id = str(row.get(spec.id_field, "?"))
            try:
                model = deserialize(spec.model, row, finder)
                record = spec.map(
                    model, org_id=self.org.org_id, base_currency=self.org.base_currency
                )
            except (DataError, ValueError, TypeError, KeyError) as exc:
                skipped.append(
                    DataError(f"{spec.model} {record_id}: {exc}", record_id=record_id)
                )
                continue
            if record is not None:
                records.append(record)
        return records, skipped

    def reported_balances(self, customer_ids: list[str], *, as_of: date) -> dict[str, Decimal]:
        """Closing balance of Xero's AgedReceivablesByContact report, one call per customer."""
        balances: dict[str, Decimal] = {}
        for customer_id in customer_ids:
            report = self.client.call(
                "GET Reports/AgedReceivablesByContact",
                lambda cid=customer_id: self.client.accounting.get_report_aged_receivables_by_contact(
                    self.org.tenant_id, contact_id=cid, date=as_of
                ),
                tenant_id=self.org.tenant_id,
            )
            balances[customer_id] = closing_balance(report)
        return balances

    def close(self) -> None:
        pass


def closing_balance(report: Any) -> Decimal:
    """The ``Due`` column of the report's Closing Balance summary row (0 when absent)."""
    rows = report.reports[0].rows or []
    header = next((row for row in rows if _text(row.row_type) == "Header"), None)
    due_index = -1
    if header is not None:
        titles = [cell.value for cell in header.cells or []]
        due_index = titles.index("Due") if "Due" in titles else -1
    for section in rows:
        for row in section.rows or []:
            cells = row.cells or []
            if _text(row.row_type) == "SummaryRow" and cells and cells[0].value == "Closing Balance":
                value = cells[due_index].value
                return Decimal(value) if value not in (None, "") else Decimal(0)
    return Decimal(0)


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))
