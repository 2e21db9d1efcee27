"""Turning a list request's query parameters into one page of rows, as Xero does.

- Query names arrive lower-cased (Xero's are case-insensitive); booleans are ``true``/``false``
  in any case (the SDK sends ``False``).
- Filters: the resource's comma lists (``Statuses``, ``IDs`` ...), ``where``,
  ``includeArchived``, and ``If-Modified-Since`` (rows whose ``UpdatedDateUTC`` is strictly
  later than the header's instant).
- Order: ``order`` terms, then the row id ascending; by default ``UpdatedDateUTC ASC``.
- Paging starts when ``page`` (or another trigger of the resource, or ``summaryOnly=true``) is
  given: ``page`` is 1-based, ``pageSize`` defaults to 100 and is clamped to 1..1000, and the
  result carries ``pagination {page, pageSize, pageCount, itemCount}``.
- High volume: on a collection of more than ``high_volume`` records (Xero: 100,000), a
  ``where`` or ``order`` on a field the resource does not optimise is refused with Xero's 400
  ``HighVolumeException`` (developer.xero.com Invoices and Contacts pages; the message as
  XeroAPI/xero-python#148 and freakboy3742/pyxero#373 quote it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ar_sync.sandbox.index import OrderedRows
from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.resources import Resource
from ar_sync_xero.sandbox.shapes import Variant
from ar_sync_xero.sandbox.where import Field, Predicate, compile_order, compile_where

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class QueryError(ValueError):
    """A query parameter or header cannot be understood; the message is the API's."""


class HighVolumeError(QueryError):
    """An unoptimised filter or order on a collection over the high-volume threshold."""

    def __init__(self, resource: Resource) -> None:
        plural, singular = resource.key, resource.type_name
        super().__init__(
            f"Your request is not filtering {plural} efficiently, given the extremely high "
            "volume for this organisation. Please check "
            "https://developer.xero.com/documentation/api/efficient-data-retrieval for tips on "
            f"making {singular} retrieval more efficient."
        )


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[object]
    pagination: dict[str, int] | None
    variant: Variant


def parse_bool(text: str, name: str) -> bool:
    """``true``/``false`` in any letter case."""
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise QueryError(f"'{text}' is not a valid value for {name}; use true or false")
    return lowered == "true"


def parse_int(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise QueryError(
            f"'{text}' is not a valid value for {name}; a whole number is needed"
        ) from None


def comma_list(text: str) -> list[str]:
    """``"A, B,,"`` -> ``["A", "B"]``; surrounding double quotes are dropped from each item."""
    return [item.strip().strip('"') for item in text.split(",") if item.strip().strip('"')]


def select(
    resource: Resource,
    rows: Sequence[object],
    query: Mapping[str, str],
    if_modified_since: str | None,
    *,
    high_volume: int | None = None,
    table: OrderedRows[object] | None = None,
    stable_fields: frozenset[str] = frozenset(),
) -> Page:
    """The page of ``rows`` (given in the default order) that the query asks for.

    ``high_volume``: the record count above which unoptimised filters are refused (None: never).
    ``table``: the same rows indexed by ``(UpdatedDateUTC, id)`` (``ar_sync.sandbox.index``);
    a query in the default order whose ``where`` reads only ``stable_fields`` (fields of the
    row itself) is answered from it by bisection, with the same result as the full scan.
    """
    if high_volume is not None and len(rows) > high_volume:
        _refuse_unoptimised(resource, query)
    used: set[str] = set()
    tests = _filters(resource, query, used)
    since = _since(if_modified_since)
    order = query.get("order", "").strip()
    terms = compile_order(order, resource.fields, resource.type_name) if order else []
    selected: Sequence[object]
    if table is not None and used <= stable_fields and _default_order(resource, terms):
        signature, predicate = _signature(resource, query), _all(tests)
        if since is None:
            selected = table.select(signature, predicate)
        else:
            selected = table.select(signature, predicate, low=(since,), after=True)
    else:
        if since is not None:
            updated = resource.updated
            tests.append(lambda row: updated(row) > since)
        predicate = _all(tests)
        selected = [row for row in rows if predicate(row)] if predicate else list(rows)
        if terms:
            _sort(resource, selected, terms)
    summary = resource.summary and parse_bool(query.get("summaryonly", "false"), "summaryOnly")
    if not (summary or any(name in query for name in resource.paging_triggers)):
        return Page(list(selected), None, Variant.UNPAGED)
    page = max(1, parse_int(query.get("page") or "1", "page"))
    size = parse_int(query.get("pagesize") or str(DEFAULT_PAGE_SIZE), "pageSize")
    size = min(MAX_PAGE_SIZE, max(1, size))
    count = len(selected)
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": -(-count // size),
        "itemCount": count,
    }
    variant = Variant.SUMMARY if summary else Variant.FULL
    return Page(selected[(page - 1) * size : page * size], pagination, variant)


def _default_order(resource: Resource, terms: list[tuple[Field, bool]]) -> bool:
    """Whether ``terms`` sort as the default order does (none, or ``UpdatedDateUTC ASC``)."""
    updated = resource.fields.get("updateddateutc")
    return not terms or (len(terms) == 1 and terms[0][0] is updated and not terms[0][1])


def _signature(resource: Resource, query: Mapping[str, str]) -> tuple[object, ...]:
    """What identifies a query's filter (If-Modified-Since, order and paging aside)."""
    archived = bool(resource.archived) and query.get("includearchived", "").strip().lower()
    lists = tuple((name, tuple(comma_list(query.get(name, "")))) for name in resource.filters)
    return archived == "true", lists, query.get("where", "").strip()


def _all(tests: list[Predicate]) -> Predicate | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda row: all(test(row) for test in tests)


def _filters(resource: Resource, query: Mapping[str, str], used: set[str]) -> list[Predicate]:
    """The query's row tests (If-Modified-Since aside); ``used`` receives the ``where``'s
    fields."""
    tests: list[Predicate] = []
    archived = resource.archived
    if archived and not parse_bool(query.get("includearchived", "false"), "includeArchived"):
        tests.append(lambda row: not archived(row))
    for name, build in resource.filters.items():
        if values := comma_list(query.get(name, "")):
            tests.append(build(values))
    if query.get("where", "").strip():
        tests.append(
            compile_where(query["where"], resource.fields, resource.type_name, used=used)
        )
    return tests


def _since(if_modified_since: str | None) -> datetime | None:
    """The ``If-Modified-Since`` instant (rows updated strictly later are listed), or None."""
    if not if_modified_since:
        return None
    try:
        return wire.parse_http_instant(if_modified_since)
    except ValueError:
        raise QueryError(f"'{if_modified_since}' is not a valid If-Modified-Since date") from None


def _refuse_unoptimised(resource: Resource, query: Mapping[str, str]) -> None:
    """``HighVolumeError`` when ``where`` or ``order`` uses a field Xero does not optimise."""
    used: set[str] = set()
    if query.get("where", "").strip():
        compile_where(query["where"], resource.fields, resource.type_name, used=used)
    terms = query.get("order", "").split(",")
    ordered = {words[0].lower() for term in terms if (words := term.split())}
    if (resource.optimised_where is not None and used - resource.optimised_where) or (
        resource.optimised_order is not None and ordered - resource.optimised_order
    ):
        raise HighVolumeError(resource)


def _sort(resource: Resource, rows: list[object], terms: list[tuple[Field, bool]]) -> None:
    """Sort in place by the order terms, ties broken by the row id ascending."""
    rows.sort(key=resource.row_id)
    for field, descending in reversed(terms):
        get = field.get
        rows.sort(
            key=lambda row: ((value := get(row)) is None, value if value is not None else 0),
            reverse=descending,
        )
