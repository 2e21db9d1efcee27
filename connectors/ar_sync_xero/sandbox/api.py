"""The Accounting API endpoints under ``/api.xro/2.0`` (authentication and limits are the
pipeline's: ``ar_sync.sandbox.pipeline``, ``rules.py``).

Each handler takes an ``ApiCall`` and returns a ``Reply``. Unknown record ids give 404;
requests Xero would refuse give its 400 ``ValidationException``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from urllib.parse import quote

from werkzeug.wrappers import Request

from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync_xero.sandbox import listing, reports, shapes, trial_balance, wire
from ar_sync_xero.sandbox.listing import HighVolumeError, QueryError
from ar_sync_xero.sandbox.resources import ACCOUNTS, RESOURCES, contacts_with_roles
from ar_sync_xero.sandbox.responses import high_volume_error, not_found, validation_error
from ar_sync_xero.sandbox.shapes import Variant
from ar_sync_xero.sandbox.state import Refused, TenantState
from ar_sync_xero.sandbox.where import WhereError

# "Details ... Max Length 250 characters" (developer.xero.com/documentation/api/history-and-notes);
# the newer accounting/historyandnotes page says 2,500 (../shared/notes/xero-api.md §4). Which one
# Xero enforces is UNCONFIRMED: the sandbox refuses past the smaller, so nothing that passes here
# can fail there. The refusal's text is UNCONFIRMED.
MAX_NOTE_LENGTH = 250
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # the conservative one of Xero's documented limits


@dataclass(frozen=True)
class ApiCall:
    """One authenticated call to one tenant. ``query`` names are lower-cased."""

    request: Request
    state: TenantState
    params: dict[str, str]
    query: dict[str, str]
    now: datetime
    provider: str
    high_volume: int | None = None  # SandboxLimits.high_volume (listing.py)

    def envelope(
        self, key: str, items: list[object], pagination: dict[str, int] | None = None
    ) -> Reply:
        return json_reply(
            wire.envelope(key, items, provider=self.provider, now=self.now, pagination=pagination)
        )

    def json_body(self) -> object:
        """The request body as JSON (decimals exact); raises ``Refused`` when it is not JSON."""
        try:
            return json.loads(self.request.get_data() or b"null", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise Refused("The request body is not valid JSON") from None


def get_organisation(call: ApiCall) -> Reply:
    return call.envelope("Organisations", [shapes.organisation(call.state.organisation)])


def list_records(key: str, call: ApiCall) -> Reply:
    """``GET /Invoices`` and the other collections: filters, order, paging (see listing.py)."""
    state = call.state
    with state.lock:  # one version of the books per response (and no stale fragment cached)
        resource = RESOURCES[key]
        if key == "Contacts":
            resource = contacts_with_roles(*state.contact_roles())
        page = listing.select(
            resource,
            state.rows(key),
            call.query,
            call.request.headers.get("If-Modified-Since"),
            high_volume=call.high_volume,
            table=state.table(key),
            stable_fields=frozenset(RESOURCES[key].fields),  # not IsCustomer: it follows invoices
        )
        fragments = state.fragments(key, page.rows, page.variant)
    return call.envelope(key, fragments, page.pagination)


def get_record(key: str, call: ApiCall) -> Reply:
    with call.state.lock:
        row = call.state.find(key, call.params["id"])
        fragments = None if row is None else call.state.fragments(key, [row], Variant.FULL)
    return not_found() if fragments is None else call.envelope(key, fragments)


def _record_id(key: str, call: ApiCall) -> str | None:
    row = call.state.find(key, call.params["id"])
    return None if row is None else RESOURCES[key].row_id(row)


def get_history(key: str, call: ApiCall) -> Reply:
    record_id = _record_id(key, call)
    if record_id is None:
        return not_found()
    entries = call.state.history(key, record_id)
    return call.envelope("HistoryRecords", [shapes.history_entry(e) for e in entries])


def add_history(key: str, call: ApiCall) -> Reply:
    """``PUT``/``POST .../History``: body ``{"HistoryRecords": [{"Details": "..."}]}``."""
    record_id = _record_id(key, call)
    if record_id is None:
        return not_found()
    body = call.json_body()
    records = body.get("HistoryRecords") if isinstance(body, dict) else None
    if not isinstance(records, list) or not records:
        raise Refused("HistoryRecords must hold at least one history record")
    notes = []
    for record in records:
        details = record.get("Details") if isinstance(record, dict) else None
        if not isinstance(details, str) or not details.strip():
            raise Refused("Details is required for each history record")
        if len(details) > MAX_NOTE_LENGTH:
            raise Refused(
                f"Details must be {MAX_NOTE_LENGTH} characters or less; got {len(details)}"
            )
        notes.append(details)
    entries = call.state.add_notes(key, record_id, notes, call.now)
    kind = "invoice_history" if key == "Invoices" else "contact_history"
    writes = tuple({"kind": kind, "target_id": record_id, "details": note} for note in notes)
    reply = call.envelope(
        "HistoryRecords", [shapes.history_entry(e, created=True) for e in entries]
    )
    return Reply(reply.status, reply.body, writes=writes)


def _attachment_url(call: ApiCall, contact_id: str, file_name: str) -> str:
    return (
        f"{call.request.host_url}api.xro/2.0/Contacts/{contact_id}/Attachments/{quote(file_name)}"
    )


def put_attachment(call: ApiCall) -> Reply:
    """``PUT``/``POST /Contacts/{id}/Attachments/{FileName}`` with the raw file as the body."""
    contact_id = _record_id("Contacts", call)
    if contact_id is None:
        return not_found()
    data, file_name = call.request.get_data(), call.params["file_name"]
    if not data:
        raise Refused("The attachment is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Refused(f"The attachment is larger than {MAX_ATTACHMENT_BYTES} bytes")
    stored = call.state.put_attachment(contact_id, file_name, data, call.now)
    write = {
        "kind": "contact_attachment",
        "target_id": contact_id,
        "file_name": file_name,
        "size": len(data),
    }
    reply = call.envelope(
        "Attachments", [shapes.attachment(stored, _attachment_url(call, contact_id, file_name))]
    )
    return Reply(reply.status, reply.body, writes=(write,))


def list_attachments(call: ApiCall) -> Reply:
    contact_id = _record_id("Contacts", call)
    if contact_id is None:
        return not_found()
    files = call.state.attachments(contact_id)
    return call.envelope(
        "Attachments",
        [shapes.attachment(f, _attachment_url(call, contact_id, f.file_name)) for f in files],
    )


def get_attachment(call: ApiCall) -> Reply:
    contact_id = _record_id("Contacts", call)
    stored = {f.file_name: f for f in call.state.attachments(contact_id)} if contact_id else {}
    found = stored.get(call.params["file_name"])
    if found is None:
        return not_found()
    return Reply(200, found.data, content_type=found.mime_type)


def email_invoice(call: ApiCall) -> Reply:
    """``POST /Invoices/{id}/Email`` -> 204 (Xero's rules in ``TenantState.email_invoice``)."""
    invoice_id = _record_id("Invoices", call)
    if invoice_id is None:
        return not_found()
    if call.request.get_data() and not isinstance(call.json_body(), dict):
        raise Refused("The request body must be a JSON object")
    recipients = call.state.email_invoice(invoice_id, call.now)
    write = {"kind": "invoice_email", "target_id": invoice_id, "recipients": recipients}
    return Reply(204, b"", content_type=None, writes=(write,))


def aged_receivables(call: ApiCall) -> Reply:
    """``GET /Reports/AgedReceivablesByContact?contactId=&date=&fromDate=&toDate=``."""
    contact_text = call.query.get("contactid", "").strip()
    if not contact_text:
        raise Refused("contactId is a required parameter")
    contact = call.state.find("Contacts", contact_text)
    if contact is None:
        return not_found()
    dates = {name: _query_date(call, name) for name in ("date", "fromdate", "todate")}
    report = reports.aged_receivables_report(
        call.state.snapshot(),
        contact,  # type: ignore[arg-type]
        report_date=dates["date"] or call.state.today(call.now),
        from_date=dates["fromdate"],
        to_date=dates["todate"],
        now=call.now,
    )
    return call.envelope("Reports", [report])


def list_accounts(call: ApiCall) -> Reply:
    """``GET /Accounts?where=&order=``: the chart of accounts (never paged)."""
    page = listing.select(
        ACCOUNTS,
        call.state.accounts,
        call.query,
        call.request.headers.get("If-Modified-Since"),
    )
    return call.envelope("Accounts", [shapes.account(a) for a in page.rows])


def trial_balance_report(call: ApiCall) -> Reply:
    """``GET /Reports/TrialBalance?date=&paymentsOnly=`` (see trial_balance.py)."""
    report_date = _query_date(call, "date") or call.state.today(call.now)
    payments_only = listing.parse_bool(call.query.get("paymentsonly", "false"), "paymentsOnly")
    report = trial_balance.trial_balance_report(
        call.state.snapshot(), report_date=report_date, payments_only=payments_only, now=call.now
    )
    return call.envelope("Reports", [report])


def _query_date(call: ApiCall, name: str) -> date | None:
    text = call.query.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(f"'{text}' is not a valid {name} (YYYY-MM-DD)") from None


def refusal_reply(error: Refused | QueryError | WhereError) -> Reply:
    if isinstance(error, HighVolumeError):
        return high_volume_error(str(error))
    return validation_error(str(error))


_COLLECTIONS = ("Invoices", "Contacts", "CreditNotes", "Overpayments", "Prepayments", "Payments")
ROUTES = [
    ("GET", "Organisation", get_organisation),
    *(("GET", key, partial(list_records, key)) for key in _COLLECTIONS),
    *(("GET", f"{key}/{{id}}", partial(get_record, key)) for key in _COLLECTIONS),
    *(
        (method, f"{key}/{{id}}/History", partial(handler, key))
        for key in ("Invoices", "Contacts")
        for method, handler in (("GET", get_history), ("PUT", add_history), ("POST", add_history))
    ),
    ("GET", "Contacts/{id}/Attachments", list_attachments),
    ("GET", "Contacts/{id}/Attachments/{file_name}", get_attachment),
    ("PUT", "Contacts/{id}/Attachments/{file_name}", put_attachment),
    ("POST", "Contacts/{id}/Attachments/{file_name}", put_attachment),
    ("POST", "Invoices/{id}/Email", email_invoice),
    ("GET", "Reports/AgedReceivablesByContact", aged_receivables),
    ("GET", "Reports/TrialBalance", trial_balance_report),
    ("GET", "Accounts", list_accounts),
]
