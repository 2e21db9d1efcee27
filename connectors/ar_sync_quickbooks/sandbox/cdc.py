"""Change data capture (``GET /cdc?entities=...&changedSince=...``) as a pure function.

- ``entities``: a comma list, matched case-insensitively (the recorded request says
  ``entities=estimate``); groups come in the requested order. Entities the sandbox does not
  keep raise ``CdcError`` (4001 ``invalid context declaration``, UNCONFIRMED for CDC).
- ``changedSince``: a date (midnight in the company time zone) or a date-time with an offset.
  Older than ``LOOKBACK_DAYS`` (30) before now -> ``CdcError`` with QBO's message
  ``Operation cdc with changedSince date <value> which is older than fixed days is not
  supported.`` (quoted in Wish-Org/QuickBooksSharp#19; sent as code 500 "Unsupported
  Operation" with HTTP 400 like the recorded unsupported-operation fault: code and status
  UNCONFIRMED).
- Each group holds the records with ``MetaData.LastUpdatedTime >= changedSince`` by that time
  (then Id) ascending, then the tombstones of records deleted since, by deletion time:
  ``{"status": "Deleted", "domain": "QBO", "Id", "MetaData": {"LastUpdatedTime"}}``.
- At most ``MAX_OBJECTS`` (1000) objects per answer in total: later ones are cut off (the
  caller shrinks its window). An empty group is ``{}``.
- Inactive customers come back like active ones (with ``Active: false``): CDC "returns the full
  payload for entities that changed" (Intuit's change-data-capture guide), with no implied
  ``Active = true`` as a query has (UNCONFIRMED: no recording of a CDC answer with an inactive
  customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ar_sync_quickbooks.sandbox import wire
from ar_sync_quickbooks.sandbox.books import RealmBooks

LOOKBACK_DAYS = 30
MAX_OBJECTS = 1000
CDC_ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable")


class CdcError(ValueError):
    """A refused CDC request: ``code``, ``message`` and the message text as detail."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.message, self.detail = code, message, detail


def parse_entities(text: str) -> list[str]:
    names = {name.lower(): name for name in CDC_ENTITIES}
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    if not wanted:
        raise CdcError(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter entities is missing in the request",
        )
    out = []
    for part in wanted:
        if part.lower() not in names:
            raise CdcError(
                "4001",
                "Invalid query",
                f"QueryValidationError: invalid context declaration: {part}",
            )
        if names[part.lower()] not in out:
            out.append(names[part.lower()])
    return out


def parse_since(text: str | None, books: RealmBooks, now: datetime) -> datetime:
    if not text:
        raise CdcError(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter changedSince is missing in the request",
        )
    try:
        since = wire.parse_instant(text, books.tz)
    except ValueError:
        raise CdcError(
            "2010", "Invalid value", f"changedSince: not a date or date-time: {text}"
        ) from None
    if since < now - timedelta(days=LOOKBACK_DAYS):
        raise CdcError(
            "500",
            "Unsupported Operation",
            f"Operation cdc with changedSince date {text} which is older than fixed days is not "
            f"supported.",
        )
    return since


def changes(
    books: RealmBooks, entities: Sequence[str], since: datetime, time: str
) -> dict[str, object]:
    """The ``CDCResponse`` document (call with the books' lock held)."""
    groups: list[dict[str, object]] = []
    budget = MAX_OBJECTS
    for entity in entities:
        # By LastUpdatedTime then Id, from the books' index: a bisection, not a scan.
        table = books.by_update(entity).all
        first, last = table.position((0, since), after=False), table.position((1,), after=False)
        objects: list[object] = list(table.rows[first:last])
        deleted = sorted(
            (t for t in books.tombstones if t.entity == entity and t.deleted_at >= since),
            key=lambda t: (t.deleted_at, int(t.id)),
        )
        objects += [t.json(books.tz) for t in deleted]
        objects = objects[:budget]
        budget -= len(objects)
        if objects:
            groups.append({entity: objects, "startPosition": 1, "maxResults": len(objects)})
        else:
            groups.append({})
    return {"CDCResponse": [{"QueryResponse": groups}], "time": time}
