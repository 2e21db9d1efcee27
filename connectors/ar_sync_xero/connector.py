"""The Xero connector: streams of contacts, invoices and customer credits, read by watermark.

Streams, in sync order: ``contacts``, ``invoices``, ``credit_notes``, ``overpayments``,
``prepayments``. Each is read with ``If-Modified-Since`` (see ``ar_sync.sync.paging``), 1,000
records a page, ordered by ``UpdatedDateUTC``. The first (full) sync asks only for what is open;
later syncs ask for every status so that paid, voided and deleted documents leave the aging.

Pages are fetched raw (``json.loads`` with ``parse_float=Decimal``) and each record is mapped
straight from that JSON on its own (``mapping``), so one record that cannot be read (an unknown
currency, say) becomes a counted ``DataError`` instead of a lost page; the SDK's per-record model
deserialiser, half of a sync's CPU, is not used for list pages.

Contacts: every contact is read, archived ones included (``includeArchived=true``: Xero leaves
them out otherwise, and an archived contact can still owe money). Suppliers are read too: Xero's
``IsCustomer`` is not an optimised ``where`` field (developer.xero.com Contacts page), so an
organisation with very many contacts gets a 400 ``HighVolumeException`` for it
(XeroAPI/Xero-NetStandard#604); and a change of ``IsCustomer`` does not move ``UpdatedDateUTC``
(developer.xero.com "Requests and Responses", If-Modified-Since), so a filtered watermark read
would never see a supplier that became a customer later. A contact created while a sync runs,
after the contacts were read, is fetched by ``IDs=`` with the first document that refers to it
(one call per 100 ids), in the same page; otherwise that costs no call.

History (``history_pages``, ``ar_sync.sync.history``): a document stream read as an
incremental one whose watermark is the window's start (``If-Modified-Since``, every status).
``history_count`` asks for one record of the same read (``page=1&pageSize=1``) and takes
``pagination.itemCount`` from the answer (the list responses' ``pagination`` object in Xero's
OpenAPI document, ``../shared/specs/xero/xero_accounting.yaml``, e.g. ``GET /Invoices``).

``reported_total`` reads the Trial Balance's accounts receivable (``DEBTORS``) account: one
report call, plus one ``GET Accounts`` the first time (the account is cached per connector).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ar_sync.clock import as_utc
from ar_sync.connector import CallAllowance, CallStats, LedgerTotal, Page, StreamState
from ar_sync.domain import Credit, Customer, Invoice, Org, Record
from ar_sync.errors import DataError, FatalSourceError, RetriableSourceError
from ar_sync.sync.paging import FULL, INCREMENTAL, PageRequest, StreamCursor, watermark_pages
from ar_sync_xero import mapping
from ar_sync_xero.client import XERO_LIMITS, XeroClient

PAGE_SIZE = 1000
ORDER = "UpdatedDateUTC ASC"
IDS_PER_CALL = 100  # contacts fetched by IDs= in one call (keeps the URL under 4 KB)
# 5,000 calls a day per tenant on the tiers above Starter (1,000 there):
# developer.xero.com/documentation/guides/oauth2/limits (notes xero-api.md, rate limits).
DAY_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """How one Xero collection is read and mapped.

    ``collection`` is the JSON key and SDK method suffix; ``full_where`` / ``incremental_where``
    are the ``where`` filters of the two modes; ``statuses`` is sent on full pulls only;
    ``include_archived`` sends ``includeArchived=true`` (Contacts: archived ones are hidden
    without it).
    """

    name: str
    collection: str
    model: str  # the record's name in messages (the SDK's model name)
    id_field: str
    list_method: str
    full_where: str | None
    incremental_where: str | None
    statuses: tuple[str, ...] = ()
    map: Callable[..., Record | None] = mapping.customer_from_xero
    include_archived: bool = False


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
        include_archived=True,
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


def parse_xero_instant(value: Any) -> datetime:
    """``/Date(1518685950940+0000)/`` (epoch milliseconds; the offset is informational) or an
    ISO-8601 string, as an aware UTC datetime."""
    moment = mapping.ms_instant(value)
    if moment is not None:
        return moment
    return as_utc(datetime.fromisoformat(str(value)))


# What Xero posts to its accounts receivable system account, and so why the account's balance
# can differ from an aging of the documents. Sources: help.xero.com/nz/Q_Accruals_ARAP (the
# system account equals the approved invoices; manual journals go to a secondary account);
# help.xero.com/nz/CustomerStatements-Prepayments (a prepayment is not in receivables until it
# is applied); community.xero.com/business/discussion/54943054 (overpayments go to receivables);
# help.xero.com/us/CurrencyReports (foreign amounts revalued in reports).
RECEIVABLES_ACCOUNT_NOTE = (
    "Xero's receivables account holds approved sales invoices less payments, credit notes and "
    "overpayments. Unapplied prepayments are not in it (Xero books them to the account on their "
    "lines until they are applied), nor in the aging. With foreign currencies it "
    "can also differ by Xero's revaluation of open amounts at the report date (unrealised gains "
    "and losses), where the aging converts each document at its own rate. Manual journals cannot "
    "post to it: adjustments journalled to a second receivables account are not in it."
)


class XeroConnector:
    """One Xero organisation (tenant), read through a shared ``XeroClient``."""

    def __init__(self, org: Org, client: XeroClient) -> None:
        self.org = org
        self.client = client
        # Contacts this connector has read, and the instant (Xero's clock, or the sync's start if
        # earlier) from which a document may name a contact created after they were read.
        self._contacts_seen: set[str] = set()
        self._contacts_cutoff: datetime | None = None
        self._cutoff_lock = threading.Lock()  # the next page's fetch (a worker) also moves it
        self._receivables_account: Any = None  # GET Accounts' DEBTORS account, once read

    @property
    def stats(self) -> CallStats:
        return self.client.stats

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in STREAMS)

    @property
    def open_set_streams(self) -> tuple[str, ...]:
        """The documents: changes on part-paid ones that create no journal (``DueDate``,
        ``SentToContact``) leave ``UpdatedDateUTC`` alone (Xero's "Requests and Responses",
        If-Modified-Since), so only a re-read of the open set (``Statuses=AUTHORISED``) sees them."""
        return tuple(spec.name for spec in STREAMS if spec.name != "contacts")

    @property
    def history_streams(self) -> tuple[str, ...]:
        return self.open_set_streams

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def allowance(self) -> CallAllowance:
        return CallAllowance(per_minute=XERO_LIMITS.per_window, per_day=DAY_LIMIT)

    def history_pages(
        self, stream: str, since: datetime, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        cursor = StreamCursor(mode=INCREMENTAL, watermark=since).to_state()
        yield from self.iter_pages(stream, state or cursor, started_at=started_at)

    def history_count(self, stream: str, since: datetime) -> int:
        body = self._fetch_body(
            _BY_NAME[stream], PageRequest(mode=INCREMENTAL, since=since, page=1), page_size=1
        )
        pagination = body.get("pagination")
        if not isinstance(pagination, dict) or "itemCount" not in pagination:
            raise RetriableSourceError("Xero sent no pagination.itemCount to count the history")
        return int(pagination["itemCount"])

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

        if spec.name == "contacts":
            self._contacts_cutoff = None
        for fetched in watermark_pages(
            fetch, row_key=row_key, state=state, started_at=started_at, page_size=PAGE_SIZE
        ):
            page_state = fetched.state
            records, skipped = self._map_rows(spec, fetched.rows)
            del fetched  # the raw rows go before the page is committed
            if spec.name == "contacts":
                self._contacts_seen.update(
                    r.customer_id for r in records if isinstance(r, Customer)
                )
                with self._cutoff_lock:
                    self._contacts_cutoff = min(self._contacts_cutoff or started_at, started_at)
            else:
                found, missed = self._contacts_created_meanwhile(records)
                records, skipped = [*records, *found], [*skipped, *missed]
            yield Page(
                stream=stream, records=tuple(records), state=page_state, skipped=tuple(skipped)
            )
            del records, skipped

    def _fetch_raw(
        self, spec: StreamSpec, request: PageRequest, *, ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """One page as raw JSON objects (money as Decimal); ``ids``: only those records."""
        body = self._fetch_body(spec, request, ids=ids)
        rows = body[spec.collection]
        if spec.name == "contacts" and ids is None:
            self._note_contacts_answer(body.get("DateTimeUTC"))
        return rows

    def _fetch_body(
        self,
        spec: StreamSpec,
        request: PageRequest,
        *,
        ids: list[str] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> dict[str, Any]:
        """One page's whole JSON answer (money as Decimal), its rows checked to be a list."""
        kwargs: dict[str, Any] = {
            "order": ORDER,
            "page": request.page,
            "page_size": page_size,
            "_preload_content": False,  # the client's REST layer adds the timeouts
        }
        full = request.mode == FULL
        where = spec.full_where if full else spec.incremental_where
        if where:
            kwargs["where"] = where
        if full and spec.statuses:
            kwargs["statuses"] = list(spec.statuses)
        if spec.include_archived:
            kwargs["include_archived"] = True
        if ids is not None:
            kwargs["i_ds"] = ids
        if request.since is not None:
            # Xero compares to the second in UTC; the SDK sends isoformat() of what it gets.
            kwargs["if_modified_since"] = request.since.astimezone(UTC).replace(
                tzinfo=None, microsecond=0
            )
        method = getattr(self.client.accounting, spec.list_method)
        endpoint = f"GET {spec.collection}"

        def call() -> dict[str, Any]:
            response = method(self.org.tenant_id, **kwargs)
            try:
                body = json.loads(response.data, parse_float=Decimal)
                rows = body[spec.collection]
            except (ValueError, KeyError, TypeError):
                raise RetriableSourceError(
                    f"Xero sent a malformed {spec.collection} page ({request.page})"
                ) from None
            if not isinstance(rows, list) or not isinstance(body, dict):
                raise RetriableSourceError(f"Xero sent a malformed {spec.collection} page")
            return body

        return self.client.call(endpoint, call, tenant_id=self.org.tenant_id)

    def _map_rows(
        self, spec: StreamSpec, rows: list[dict[str, Any]]
    ) -> tuple[list[Record], list[DataError]]:
        records: list[Record] = []
        skipped: list[DataError] = []
        org_id, base_currency = self.org.org_id, self.org.base_currency
        for row in rows:
            try:
                if not isinstance(row, dict):
                    raise DataError("not a JSON object")
                record = spec.map(row, org_id=org_id, base_currency=base_currency)
            except (DataError, ValueError, TypeError, KeyError, AttributeError) as exc:
                record_id = str(row.get(spec.id_field, "?") if isinstance(row, dict) else "?")
                skipped.append(
                    DataError(f"{spec.model} {record_id}: {exc}", record_id=record_id)
                )
                continue
            if record is not None:
                records.append(record)
        return records, skipped

    # -- contacts created while a sync runs ------------------------------------------------

    def _note_contacts_answer(self, server_time: Any) -> None:
        """Keep the earliest ``DateTimeUTC`` (Xero's clock) of this contacts read's answers."""
        try:
            answered = parse_xero_instant(server_time)
        except (TypeError, ValueError):
            return
        with self._cutoff_lock:
            cutoff = self._contacts_cutoff
            self._contacts_cutoff = answered if cutoff is None else min(cutoff, answered)

    def _contacts_created_meanwhile(
        self, records: list[Record]
    ) -> tuple[list[Record], list[DataError]]:
        """Contacts named by documents changed since the contacts were read, and not read then.

        Only such a document can name a contact the contacts read did not see (one created
        after it), so a sync with no document changed meanwhile makes no extra call. Needs the
        contacts stream read first by this connector, as the sync engine does; else nothing.
        """
        cutoff = self._contacts_cutoff
        if cutoff is None:
            return [], []
        wanted = sorted(
            {
                record.customer_id
                for record in records
                if isinstance(record, Invoice | Credit)
                and record.updated_at is not None
                and record.updated_at >= cutoff
            }
            - self._contacts_seen
        )
        return self.fetch_contacts(wanted) if wanted else ([], [])

    def fetch_contacts(self, contact_ids: list[str]) -> tuple[list[Record], list[DataError]]:
        """Contacts by id, archived ones included, ``IDS_PER_CALL`` ids a call (paged, so
        Xero includes their contact persons)."""
        spec = _BY_NAME["contacts"]
        records: list[Record] = []
        skipped: list[DataError] = []
        for start in range(0, len(contact_ids), IDS_PER_CALL):
            chunk = contact_ids[start : start + IDS_PER_CALL]
            rows = self._fetch_raw(
                spec, PageRequest(mode=FULL, page=1, since=None), ids=chunk
            )
            found, missed = self._map_rows(spec, rows)
            records += found
            skipped += missed
            self._contacts_seen.update(chunk)
        return records, skipped

    # -- what the ledger itself reports -----------------------------------------------------

    def reported_total(self, *, as_of: date) -> LedgerTotal:
        """The accounts receivable (``DEBTORS``) account's balance in Xero's Trial Balance at
        the end of ``as_of``: one ``Reports/TrialBalance`` call (``GET Accounts`` once before,
        to find the account by its id). ``note`` says why it can differ from the aging."""
        account = self._debtors_account()
        report = self.client.call(
            "GET Reports/TrialBalance",
            lambda: self.client.accounting.get_report_trial_balance(
                self.org.tenant_id, date=as_of
            ),
            tenant_id=self.org.tenant_id,
        )
        amount = mapping.trial_balance_amount(report, str(account.account_id))
        label = f"{account.code} {account.name}" if account.code else str(account.name)
        return LedgerTotal(
            amount=amount, source=f"Trial Balance: {label}", note=RECEIVABLES_ACCOUNT_NOTE
        )

    def _debtors_account(self) -> Any:
        """The chart's accounts receivable system account (``SystemAccount == DEBTORS``)."""
        if self._receivables_account is None:
            accounts = self.client.call(
                "GET Accounts",
                lambda: self.client.accounting.get_accounts(
                    self.org.tenant_id, where='SystemAccount=="DEBTORS"'
                ),
                tenant_id=self.org.tenant_id,
            )
            found = [a for a in accounts.accounts or () if a.system_account == "DEBTORS"]
            if not found:
                raise FatalSourceError(
                    f"{self.org.name} has no accounts receivable (DEBTORS) account in Xero"
                )
            self._receivables_account = found[0]
        return self._receivables_account

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
