"""The query language subset the sandbox answers (``/query``), parsed and run as pure functions.

Grammar (keywords case-insensitive, the entity name case-sensitive as in QBO)::

    SELECT * | COUNT(*) FROM <Customer|Invoice|Payment|CreditMemo|Attachable>
      [WHERE <prop> <op> <value> [AND ...]]
      [ORDERBY | ORDER BY <prop> [ASC|DESC] [, ...]]
      [STARTPOSITION n] [MAXRESULTS n]            (these two in either order)

- ``op`` is ``=``, ``<``, ``>``, ``<=``, ``>=``, ``IN (v, ...)`` or ``LIKE`` (``%`` only).
- Values are quoted (``'...'`` with ``\\'`` for a quote); numbers and ``true``/``false`` may be
  bare. ``WHERE`` takes only the entity's filterable properties and ``ORDERBY`` only its
  sortable ones (``queryable.py``, one sourced table), dotted (``MetaData.LastUpdatedTime``),
  matched case-insensitively (``Metadata.`` works). Refs (``CustomerRef``) compare by their id;
  a path through a list (``AttachableRef.EntityRef.value``) matches when any element does.
  Timestamps compare as instants: a value's offset is honoured, no offset means the company
  time zone, a bare date means its midnight.
- A Customer query that does not constrain ``Active`` itself reads active customers only, as
  if it said ``Active = true`` ("SELECT * FROM Customer retrieves all active customers":
  developer.intuit.com/hub/blog/2017/02/08/deep-dive-sql-queries; singer-io/tap-quickbooks
  adds ``Active IN (true, false)`` to every name-list query, incremental ones included).
- ``STARTPOSITION`` is 1-based (default 1); ``MAXRESULTS`` defaults to 100, at most 1000.
- Rows come by ``ORDERBY`` (missing values last), then ``Id`` ascending.

Anything else raises ``QueryError`` (the API answers 400 with code 4001). The detail texts:
an unknown entity gives QBO's recorded ``QueryValidationError: invalid context declaration:
<name>``; a ``WHERE`` on a property that is not filterable gives ``QueryValidationError:
property '<name>' is not queryable`` (ruckus/quickbooks-ruby#258, #403); the others
(``QueryParserError: Encountered ...``, ``property '<name>' is not sortable``, ``value N is
too large. Max allowed value is 1000``) follow QBO's style but are UNCONFIRMED.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, tzinfo
from decimal import Decimal, InvalidOperation

from ar_sync.sandbox.index import OrderedRows
from ar_sync_quickbooks.sandbox import queryable, wire
from ar_sync_quickbooks.sandbox.entities import QUERY_ENTITIES

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 1000
_OPERATORS = ("<=", ">=", "=", "<", ">")
_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<number>-?\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query QBO would refuse with 4001; the message is the fault's ``Detail``."""


@dataclass(frozen=True)
class Token:
    kind: str  # string, op, punct, word, number, end
    text: str
    column: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


@dataclass(frozen=True)
class Condition:
    prop: str  # canonical dotted name
    op: str  # = < > <= >= IN LIKE
    values: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    entity: str
    count: bool = False
    conditions: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (prop, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


@dataclass
class _Parser:
    tokens: list[Token]
    position: int = 0
    seen: set[str] = field(default_factory=set)

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.tokens[self.position]
        if token.kind != "end":
            self.position += 1
        return token

    def fail(self, token: Token | None = None) -> QueryError:
        token = token or self.peek()
        shown = "<EOF>" if token.kind == "end" else token.text
        return QueryError(
            f'QueryParserError: Encountered " {shown} " at line 1, column {token.column}.'
        )

    def keyword(self, *words: str) -> Token:
        token = self.take()
        if token.kind != "word" or token.upper not in words:
            raise self.fail(token)
        return token

    def expect(self, kind: str, text: str | None = None) -> Token:
        token = self.take()
        if token.kind != kind or (text is not None and token.text != text):
            raise self.fail(token)
        return token


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN_RE.match(stripped, position)
        if match is None or match.end() == position:
            column = position + 1 + (len(stripped[position:]) - len(stripped[position:].lstrip()))
            raise QueryError(
                f'QueryParserError: Encountered " {stripped[column - 1]} " at line 1, '
                f"column {column}."
            )
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    tokens.append(Token("end", "", len(stripped) + 1))
    return tokens


def parse(text: str) -> Query:
    """A ``Query`` from query text; raises ``QueryError``."""
    parser = _Parser(tokenize(text))
    parser.keyword("SELECT")
    count = False
    token = parser.take()
    if token.kind == "punct" and token.text == "*":
        pass
    elif token.kind == "word" and token.upper == "COUNT":
        parser.expect("punct", "(")
        parser.expect("punct", "*")
        parser.expect("punct", ")")
        count = True
    else:
        raise parser.fail(token)
    parser.keyword("FROM")
    entity_token = parser.take()
    if entity_token.kind != "word":
        raise parser.fail(entity_token)
    if entity_token.text not in QUERY_ENTITIES:
        raise QueryError(f"QueryValidationError: invalid context declaration: {entity_token.text}")
    entity = entity_token.text
    conditions: list[Condition] = []
    order: list[tuple[str, bool]] = []
    start, max_results = 1, DEFAULT_MAX_RESULTS
    if parser.peek().upper == "WHERE":
        parser.take()
        conditions.append(_condition(parser, entity))
        while parser.peek().upper == "AND":
            parser.take()
            conditions.append(_condition(parser, entity))
    conditions.extend(implied_conditions(entity, conditions))
    while parser.peek().kind != "end":
        token = parser.take()
        word = token.upper if token.kind == "word" else ""
        if word in parser.seen:
            raise parser.fail(token)
        if word in ("ORDERBY", "ORDER"):
            if word == "ORDER":
                parser.keyword("BY")
            parser.seen.update({"ORDERBY", "ORDER"})
            order = _order(parser, entity)
        elif word in ("STARTPOSITION", "MAXRESULTS"):
            parser.seen.add(word)
            number = parser.take()
            value = _whole_number(number, parser)
            if word == "STARTPOSITION":
                start = value
            else:
                if value > MAX_RESULTS_LIMIT:
                    raise QueryError(
                        f"QueryValidationError: value {value} is too large. "
                        f"Max allowed value is {MAX_RESULTS_LIMIT}"
                    )
                max_results = value
        else:
            raise parser.fail(token)
    return Query(entity, count, tuple(conditions), tuple(order), start, max_results)


def _whole_number(token: Token, parser: _Parser) -> int:
    text = token.text.strip("'") if token.kind == "string" else token.text
    if token.kind not in ("number", "string") or not text.isdigit():
        raise parser.fail(token)
    value = int(text)
    if value < 1:
        raise QueryError(f"QueryValidationError: value {value} must be at least 1")
    return value


def implied_conditions(entity: str, conditions: list[Condition]) -> list[Condition]:
    """What QBO adds to a query by itself: ``Active = true`` on a Customer query that does not
    constrain ``Active`` (see the module docstring)."""
    if entity == "Customer" and not any(c.prop == "Active" for c in conditions):
        return [Condition("Active", "=", ("true",))]
    return []


def _property(token: Token, entity: str, parser: _Parser, *, sort: bool = False) -> str:
    """The canonical name of a filterable (or, with ``sort``, sortable) property."""
    if token.kind != "word":
        raise parser.fail(token)
    found = queryable.lookup(entity, token.text)
    if sort:
        if found is None or not found.sortable:
            raise QueryError(f"QueryValidationError: property '{token.text}' is not sortable")
    elif found is None or not found.filterable:
        raise QueryError(f"QueryValidationError: property '{token.text}' is not queryable")
    return found.name


def _value(parser: _Parser) -> str:
    token = parser.take()
    if token.kind == "string":
        return re.sub(r"\\(.)", r"\1", token.text[1:-1])
    if token.kind == "number" or (token.kind == "word" and token.upper in ("TRUE", "FALSE")):
        return token.text
    raise parser.fail(token)


def _condition(parser: _Parser, entity: str) -> Condition:
    prop = _property(parser.take(), entity, parser)
    token = parser.take()
    if token.kind == "op" and token.text in _OPERATORS:
        return Condition(prop, token.text, (_value(parser),))
    if token.kind == "word" and token.upper == "LIKE":
        return Condition(prop, "LIKE", (_value(parser),))
    if token.kind == "word" and token.upper == "IN":
        parser.expect("punct", "(")
        values = [_value(parser)]
        while parser.peek().kind == "punct" and parser.peek().text == ",":
            parser.take()
            values.append(_value(parser))
        parser.expect("punct", ")")
        return Condition(prop, "IN", tuple(values))
    raise parser.fail(token)


def _order(parser: _Parser, entity: str) -> list[tuple[str, bool]]:
    items = []
    while True:
        prop = _property(parser.take(), entity, parser, sort=True)
        descending = False
        if parser.peek().upper in ("ASC", "DESC"):
            descending = parser.take().upper == "DESC"
        items.append((prop, descending))
        if not (parser.peek().kind == "punct" and parser.peek().text == ","):
            return items
        parser.take()


# --------------------------------------------------------------------------- running


def record_values(record: Mapping[str, object], prop: str, kind: str, tz: tzinfo) -> list[object]:
    """The comparable values of ``prop`` in ``record``: one, or one per element where the path
    crosses a list (``AttachableRef.EntityRef.value``: every reference); none when it has none.
    A name in the path matches the record's key case-insensitively (``EntityRef.Type`` reads
    ``type``, as QBO's documented Attachable query spells it)."""
    values: list[object] = [record]
    for part in prop.split("."):
        found = []
        for value in values:
            for item in value if type(value) is list else [value]:
                if _is_mapping(item):
                    found.append(item[part] if part in item else _folded(item, part))
        values = [value for value in found if value is not None]
    converted = []
    for value in values:
        if _is_mapping(value):
            value = value.get("value", value.get("Address"))  # type: ignore[attr-defined]
        value = None if value is None else _convert(value, kind, tz, record_side=True)
        if value is not None:
            converted.append(value)
    return converted


def _is_mapping(value: object) -> bool:
    """``isinstance(value, Mapping)``, with JSON's dicts answered without the ABC's check (the
    scan's hot path)."""
    return type(value) is dict or isinstance(value, Mapping)


def _folded(item: Mapping[str, object], name: str) -> object:
    wanted = name.lower()
    return next((v for k, v in item.items() if k.lower() == wanted), None)


def record_value(record: Mapping[str, object], prop: str, kind: str, tz: tzinfo) -> object:
    """The comparable value of ``prop`` in ``record`` (the first, if a list holds several;
    None when it has none)."""
    values = record_values(record, prop, kind, tz)
    return values[0] if values else None


def _convert(value: object, kind: str, tz: tzinfo, *, record_side: bool = False) -> object:
    try:
        if kind in ("id", "ref"):
            text = str(value)
            return (0, int(text), "") if text.isdigit() else (1, 0, text)
        if kind == "name":
            return str(value).lower()
        if kind == "money":
            return Decimal(str(value))
        if kind == "date":
            return date.fromisoformat(str(value)[:10])
        if kind == "datetime":
            return wire.parse_instant(str(value), tz)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(value)
        return str(value)
    except (ValueError, InvalidOperation):
        if record_side:
            return None
        raise QueryError(f"QueryValidationError: invalid value '{value}' for a {kind}") from None


def _matches(
    record: Mapping[str, object],
    condition: Condition,
    kind: str,
    values: Sequence[object],
    tz: tzinfo,
) -> bool:
    return any(
        _matches_value(actual, condition, values)
        for actual in record_values(record, condition.prop, kind, tz)
    )


def _matches_value(actual: object, condition: Condition, values: Sequence[object]) -> bool:
    op = condition.op
    if op == "LIKE":
        return bool(values[0].fullmatch(str(actual)))  # type: ignore[attr-defined]
    if op == "IN":
        return actual in values
    expected = values[0]
    try:
        return {
            "=": actual == expected,
            "<": actual < expected,  # type: ignore[operator]
            ">": actual > expected,  # type: ignore[operator]
            "<=": actual <= expected,  # type: ignore[operator]
            ">=": actual >= expected,  # type: ignore[operator]
        }[op]
    except TypeError:
        return False


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(
        ".*".join(re.escape(part) for part in pattern.split("%")), re.IGNORECASE | re.DOTALL
    )


Prepared = list[tuple[Condition, str, list[object]]]  # (condition, kind, comparable values)


def prepare(query: Query, tz: tzinfo) -> Prepared:
    """Each condition with its kind and its values made comparable; raises ``QueryError``."""
    prepared: Prepared = []
    for condition in query.conditions:
        kind = queryable.kind(query.entity, condition.prop)
        if condition.op == "LIKE":
            values: list[object] = [_like(condition.values[0])]
        else:
            values = [_convert(v, kind, tz) for v in condition.values]
        prepared.append((condition, kind, values))
    return prepared


def matcher(prepared: Prepared, tz: tzinfo) -> Callable[[Mapping[str, object]], bool] | None:
    """A row test for every prepared condition (None when there are none)."""
    if not prepared:
        return None
    return lambda row: all(
        _matches(row, condition, kind, values, tz) for condition, kind, values in prepared
    )


def run(
    query: Query, rows: Sequence[Mapping[str, object]], tz: tzinfo
) -> tuple[list[Mapping[str, object]], int]:
    """``(page, total)``: the rows of the requested page and how many rows match in all."""
    test = matcher(prepare(query, tz), tz)
    matched = [row for row in rows if test is None or test(row)]
    if query.order:
        for prop, descending in reversed(query.order):
            kind = queryable.kind(query.entity, prop)
            present = [r for r in matched if record_value(r, prop, kind, tz) is not None]
            missing = [r for r in matched if record_value(r, prop, kind, tz) is None]
            present.sort(key=lambda r: record_value(r, prop, kind, tz), reverse=descending)  # type: ignore[arg-type, return-value]
            matched = present + missing
    first = query.start - 1
    return matched[first : first + query.max_results], len(matched)


UPDATED = "MetaData.LastUpdatedTime"


def paging_key(record: Mapping[str, object], tz: tzinfo) -> tuple[object, ...]:
    """A record's place in ``ORDERBY MetaData.LastUpdatedTime``: by that instant, then Id as a
    number; records without a readable one last (``(1, 0, id)``), as ``run`` sorts them."""
    meta = record.get("MetaData")
    stamp = meta.get("LastUpdatedTime") if type(meta) is dict else None
    if isinstance(stamp, str):  # the usual shape, read directly (what record_value returns)
        updated = _convert(stamp, "datetime", tz, record_side=True)
    else:
        updated = record_value(record, UPDATED, "datetime", tz)
    number = int(str(record["Id"]))
    return (1, 0, number) if updated is None else (0, updated, number)


def run_indexed(
    query: Query, table: Callable[[], OrderedRows[Mapping[str, object]]], tz: tzinfo
) -> tuple[list[Mapping[str, object]], int] | None:
    """``run``'s answer from an index by ``paging_key`` (``table()``, built on first use), or
    None when the query is not one it can answer: ordered by ``MetaData.LastUpdatedTime``
    ascending alone, its other conditions any (they pick a view), at most a lower bound
    (``>=``/``>``) on the time itself bisected. A page then costs the same at any size."""
    if query.order != ((UPDATED, False),):
        return None
    prepared = prepare(query, tz)
    bound = next(
        (item for item in prepared if item[0].prop == UPDATED and item[0].op in (">=", ">")),
        None,
    )
    rest = [item for item in prepared if item is not bound]
    signature, test = tuple(condition for condition, _, _ in rest), matcher(rest, tz)
    if bound is None:
        rows = table().select(signature, test)
    else:  # rows without a readable time ((1, ...) keys) never pass a bound on it
        low, after = (0, bound[2][0]), bound[0].op == ">"
        rows = table().select(signature, test, low=low, after=after, high=(1,))
    first = query.start - 1
    return list(rows[first : first + query.max_results]), len(rows)


def response(query: Query, page: list[object], total: int, time: str) -> dict[str, object]:
    """The ``QueryResponse`` document: rows, ``startPosition`` and ``maxResults`` (the number
    of rows returned), ``{}`` when there are none, ``totalCount`` for ``COUNT(*)``."""
    if query.count:
        return {"QueryResponse": {"totalCount": total}, "time": time}
    if not page:
        return {"QueryResponse": {}, "time": time}
    return {
        "QueryResponse": {
            query.entity: page,
            "startPosition": query.start,
            "maxResults": len(page),
        },
        "time": time,
    }
