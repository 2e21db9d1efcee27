"""The Accounting API under ``/v3/company/{realm}/`` (authentication, limits and idempotency
are the pipeline's: ``ar_sync.sandbox.pipeline``, ``rules.py``). Each handler takes an
``ApiCall`` and returns a ``Reply``.

===========================================  ================================================
``GET|POST query``                           ``?query=`` or an ``application/text`` body
``GET customer|invoice|payment|creditmemo|   one record: ``{"<Entity>": {...}, "time"}``;
attachable/{id}``                            unknown id -> 610, non-numeric id -> 2030
``GET companyinfo/{realmId}``,               the company's settings
``GET preferences``
``GET cdc?entities=&changedSince=``          see ``cdc.py``
``POST customer|invoice|payment|creditmemo``  create (no ``Id``), full or sparse update
                                             (``Id`` + ``SyncToken``; stale -> 5010);
                                             ``?operation=delete`` -> ``{"<Entity>":
                                             {"domain", "status": "Deleted", "Id"}}``;
                                             ``?operation=void`` (Invoice) and
                                             ``?operation=update&include=void`` (Payment)
``POST attachable``                          a note (or metadata) Attachable
``POST upload``                              multipart file upload -> ``AttachableResponse``
                                             (faults inside it, HTTP 200)
``POST invoice/{id}/send?sendTo=``           -> the Invoice, ``EmailStatus: EmailSent``
``GET reports/AgedReceivables``,             see ``reports.py``
``GET reports/AgedReceivableDetail``
===========================================  ================================================

Any other path or method under ``/v3`` gets the recorded 400 "Unsupported Operation" (code
500). Every JSON answer carries ``time`` (milliseconds, company offset).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from werkzeug.wrappers import Request

from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync_quickbooks.sandbox import cdc, multipart, query, reports, wire
from ar_sync_quickbooks.sandbox.books import RealmBooks, Refused, not_found
from ar_sync_quickbooks.sandbox.entities import ENTITIES, ordered
from ar_sync_quickbooks.sandbox.responses import fault, fault_body

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the whole request, per notes §4.3
WRITABLE = ("Customer", "Invoice", "Payment", "CreditMemo")


@dataclass(frozen=True)
class ApiCall:
    """One authenticated call to one realm; ``query`` keeps the parameters' spelling."""

    request: Request
    books: RealmBooks
    params: dict[str, str]
    now: datetime

    @property
    def time(self) -> str:
        return wire.response_time(self.now, self.books.tz)

    def arg(self, name: str) -> str | None:
        """A query parameter by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.request.args.items() if k.lower() == wanted), None)

    def reply(self, body: dict[str, object], status: int = 200, **write: object) -> Reply:
        """``body`` plus ``time``; ``write`` (when given) goes to the write log."""
        writes = (dict(write),) if write else ()
        return json_reply({**body, "time": self.time}, status, writes=writes)

    def refusal(self, refused: Refused) -> Reply:
        return fault(
            refused.code,
            refused.message,
            refused.detail,
            status=refused.status,
            element=refused.element,
            now=self.now,
            tz=self.books.tz,
        )

    def json_body(self) -> dict[str, object]:
        try:
            body = json.loads(self.request.get_data() or b"null", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise Refused(
                "2010",
                "Request has invalid or unsupported property",
                "The request body is not valid JSON",
            ) from None
        if not isinstance(body, dict):
            raise Refused(
                "2010", "Request has invalid or unsupported property", "The body must be an object"
            )
        return body


def unsupported(request: Request, time: str) -> dict[str, object]:
    """The recorded "Unsupported Operation" fault body for a path the API does not have."""
    return fault_body(
        "500",
        "Unsupported Operation",
        f"Operation Could not find resource for relative : {request.path} of full path: "
        f"{request.base_url} is not supported.",
        time=time,
    )


# --------------------------------------------------------------------------- reads


def run_query(call: ApiCall) -> Reply:
    if call.request.method == "GET":
        text = call.arg("query") or ""
    else:
        text = call.request.get_data().decode("utf-8", "replace")
    try:
        parsed = query.parse(text)
        with call.books.lock:
            books, entity = call.books, parsed.entity
            # A page of ORDERBY MetaData.LastUpdatedTime (every sync query) bisects an index.
            page, total = query.run_indexed(
                parsed, lambda: books.by_update(entity), books.tz
            ) or query.run(parsed, books.rows(entity), books.tz)
            # Each row's JSON is written once and kept until a write replaces the row.
            rows = [] if parsed.count else books.wire_json(entity, page)
            body = query.response(parsed, rows, total, call.time)
            text_body = wire.dumps(body)
    except query.QueryError as error:
        return fault("4001", "Invalid query", str(error), now=call.now, tz=call.books.tz)
    return json_reply(text_body)


def read(entity: str, call: ApiCall) -> Reply:
    raw = call.params["id"]
    if not raw.isdigit():
        return fault(
            "2030",
            "Invalid ID",
            f"Id should be a valid number. Supplied value:{raw}",
            element="Id",
            now=call.now,
            tz=call.books.tz,
        )
    with call.books.lock:
        record = call.books.find(entity, raw)
        if record is None:
            return call.refusal(not_found(entity, raw))
        return call.reply({entity: ordered(ENTITIES[entity], record)})


def company_info(call: ApiCall) -> Reply:
    if call.params["id"] != call.books.realm_id:
        return call.refusal(not_found("CompanyInfo", call.params["id"]))
    return call.reply({"CompanyInfo": call.books.info})


def preferences(call: ApiCall) -> Reply:
    return call.reply({"Preferences": call.books.preferences})


def change_data_capture(call: ApiCall) -> Reply:
    try:
        entities = cdc.parse_entities(call.arg("entities") or "")
        since = cdc.parse_since(call.arg("changedSince"), call.books, call.now)
    except cdc.CdcError as error:
        return fault(error.code, error.message, error.detail, now=call.now, tz=call.books.tz)
    with call.books.lock:
        body = cdc.changes(call.books, entities, since, call.time)
        return json_reply(wire.dumps(body))


def aged_report(detail: bool, call: ApiCall) -> Reply:
    params = {k: v for k, v in call.request.args.items()}
    try:
        aging = reports.parse_aging(params, call.books.today(call.now))
    except reports.ReportError as error:
        return fault("2010", "Invalid parameter", str(error), now=call.now, tz=call.books.tz)
    with call.books.lock:
        records = {e: call.books.rows(e) for e in ("Customer", "Invoice", "Payment", "CreditMemo")}
        items = reports.open_items(records, aging)
    build = reports.aged_receivable_detail if detail else reports.aged_receivables
    report = build(items, aging, call.books.home, wire.stamp(call.now, call.books.tz))
    return json_reply(report)


# --------------------------------------------------------------------------- writes


def write(entity: str, call: ApiCall) -> Reply:
    """``POST /<entity>``: create, update, delete or void by ``operation`` and the body."""
    operation = (call.arg("operation") or "").lower()
    include = (call.arg("include") or "").lower()
    try:
        body = call.json_body()
        books, now = call.books, call.now
        if operation == "delete":
            stub = books.delete(entity, body, now)
            return call.reply({entity: stub}, kind=f"{entity.lower()}_delete", target_id=stub["Id"])
        if operation == "void" or (operation == "update" and include == "void"):
            if (entity, operation) not in (("Invoice", "void"), ("Payment", "update")):
                raise Refused(
                    "500", "Unsupported Operation", f"Operation void is not supported for {entity}."
                )
            record = books.void(entity, body, now)
            return call.reply(
                {entity: ordered(ENTITIES[entity], record)},
                kind=f"{entity.lower()}_void",
                target_id=record["Id"],
            )
        if operation not in ("", "create", "update"):
            raise Refused(
                "500", "Unsupported Operation", f"Operation {operation} is not supported."
            )
        if "Id" in body:
            record = books.update(entity, body, now)
            kind = f"{entity.lower()}_update"
            details = {"fields": sorted(k for k in body if k not in ("Id", "SyncToken", "sparse"))}
        else:
            record = books.create(entity, body, now)
            kind = f"{entity.lower()}_create"
            details = {}
        if entity == "Attachable":
            kind = "attachable_note" if "Id" not in body else kind
            details = {"note": record.get("Note"), "refs": _refs(record)}
        return call.reply(
            {entity: ordered(ENTITIES[entity], record)},
            kind=kind,
            target_id=record["Id"],
            **details,
        )
    except Refused as refused:
        return call.refusal(refused)


def send_invoice(call: ApiCall) -> Reply:
    raw = call.params["id"]
    try:
        invoice, address = call.books.send(raw, call.arg("sendTo") or None, call.now)
    except Refused as refused:
        return call.refusal(refused)
    return call.reply(
        {"Invoice": ordered(ENTITIES["Invoice"], invoice)},
        kind="invoice_email",
        target_id=raw,
        recipients=[address],
    )


def upload(call: ApiCall) -> Reply:
    """``POST /upload``: errors come back inside ``AttachableResponse[0].Fault`` with 200."""

    def inner_fault(code: str, message: str, detail: str) -> Reply:
        body = {"AttachableResponse": [fault_body(code, message, detail, element="")]}
        return call.reply(body)

    data = call.request.get_data()
    if len(data) > MAX_UPLOAD_BYTES:
        return inner_fault(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: The request is larger than {MAX_UPLOAD_BYTES} bytes",
        )
    try:
        parts = multipart.parse(
            data, multipart.boundary_of(call.request.headers.get("Content-Type", ""))
        )
        metadata_part, content_part = parts.get("file_metadata_01"), parts.get("file_content_01")
        if content_part is None:
            raise multipart.MultipartError("part file_content_01 is missing")
        metadata = {}
        if metadata_part is not None:
            metadata = json.loads(metadata_part.data.decode("utf-8"), parse_float=Decimal)
            if not isinstance(metadata, dict):
                raise multipart.MultipartError("file_metadata_01 must be a JSON object")
    except (multipart.MultipartError, ValueError, UnicodeDecodeError) as error:
        return inner_fault("2010", "Request has invalid or unsupported property", str(error))
    metadata.setdefault("FileName", content_part.filename)
    download = f"{call.request.host_url.rstrip('/')}/_sandbox/attachments"
    try:
        record = call.books.attach_file(
            metadata,
            content_part.data,
            content_part.content_type or "application/octet-stream",
            call.now,
            download,
        )
    except Refused as refused:
        return inner_fault(refused.code, refused.message, refused.detail)
    return call.reply(
        {"AttachableResponse": [{"Attachable": ordered(ENTITIES["Attachable"], record)}]},
        kind="attachable_upload",
        target_id=record["Id"],
        file_name=record.get("FileName"),
        content_type=record.get("ContentType"),
        size=record.get("Size"),
        refs=_refs(record),
    )


def _refs(record: dict[str, object]) -> list[dict[str, object]]:
    return [
        dict(item.get("EntityRef") or {})  # type: ignore[union-attr]
        for item in record.get("AttachableRef") or []  # type: ignore[union-attr]
    ]


# --------------------------------------------------------------------------- routes

Handler = Callable[[ApiCall], Reply]
_C = "company/{realm}/"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", _C + "query", run_query),
    ("POST", _C + "query", run_query),
    ("GET", _C + "cdc", change_data_capture),
    ("GET", _C + "companyinfo/{id}", company_info),
    ("GET", _C + "preferences", preferences),
    ("GET", _C + "reports/AgedReceivables", partial(aged_report, False)),
    ("GET", _C + "reports/AgedReceivableDetail", partial(aged_report, True)),
    ("POST", _C + "upload", upload),
    ("POST", _C + "invoice/{id}/send", send_invoice),
    *(("GET", _C + f"{e.lower()}/{{id}}", partial(read, e)) for e in (*WRITABLE, "Attachable")),
    *(("POST", _C + e.lower(), partial(write, e)) for e in (*WRITABLE, "Attachable")),
]

WRITE_ENDPOINTS = frozenset(
    {
        "POST upload",
        "POST invoice/{id}/send",
        *(f"POST {e.lower()}" for e in (*WRITABLE, "Attachable")),
    }
)


def endpoint_name(method: str, template: str) -> str:
    """The call-log name: ``"GET invoice/{id}"``, ``"POST query"`` (no ``company/{realm}/``)."""
    return f"{method} {template.removeprefix(_C)}"
