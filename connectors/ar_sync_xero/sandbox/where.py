"""Xero's ``where`` and ``order`` query parameters, parsed into predicates and sort keys.

Grammar (keywords and field names are case-insensitive)::

    expr       := and (("OR" | "||") and)*
    and        := unary (("AND" | "&&") unary)*
    unary      := ("NOT" | "!") unary | "(" expr ")" | test
    test       := path op literal | path "." method "(" string ")" | path      (bool fields)
    op         := "==" | "=" | "!=" | "<>" | ">" | ">=" | "<" | "<="
    literal    := "string" | number | true | false | null
                | guid("...") | DateTime(y, m, d[, h, min, s])
    method     := Contains | StartsWith | EndsWith

Each resource declares the fields a where may use and their kind; text comparisons ignore case
(Xero's are case-insensitive). Anything else raises ``WhereError`` with a Dynamic-LINQ style
message, which the API returns as a 400 ``ValidationException``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

Kind = Literal["text", "enum", "guid", "number", "date", "datetime", "bool"]
Predicate = Callable[[object], bool]

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!(),.])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_OPS: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
}
_RANGED: frozenset[Kind] = frozenset({"number", "date", "datetime"})
_METHODS = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}
_CLR_TYPE = {
    "text": "String",
    "enum": "String",
    "guid": "Guid",
    "number": "Decimal",
    "date": "DateTime",
    "datetime": "DateTime",
    "bool": "Boolean",
}


class WhereError(ValueError):
    """The where or order text cannot be used; the message is what the API reports."""


@dataclass(frozen=True, slots=True)
class Field:
    """A filterable, sortable field: its kind and how to read it from a row."""

    kind: Kind
    get: Callable[[object], object]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "string" | "number" | "op" | "name" | "end"
    text: str
    at: int


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise WhereError(f"Syntax error at position {position}: unexpected {text[position]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def compile_where(
    text: str, fields: Mapping[str, Field], type_name: str, *, used: set[str] | None = None
) -> Predicate:
    """A predicate over rows for ``text``; raises ``WhereError``. ``used`` (if given) receives
    the lower-case names of the fields the text tests (``"contact.contactid"``)."""
    parser = _Parser(_tokens(text), fields, type_name)
    predicate = parser.expression()
    parser.expect_end()
    if used is not None:
        used.update(parser.used)
    return predicate


def compile_order(
    text: str, fields: Mapping[str, Field], type_name: str
) -> list[tuple[Field, bool]]:
    """``"UpdatedDateUTC ASC, Date DESC"`` as ``[(field, descending), ...]``."""
    terms = []
    for term in text.split(","):
        words = term.split()
        if not words or len(words) > 2:
            raise WhereError(f"Invalid order clause: {term.strip()!r}")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise WhereError(f"Invalid sort direction {words[1]!r}; use ASC or DESC")
        terms.append((_field(fields, words[0], type_name), direction == "DESC"))
    return terms


def _field(fields: Mapping[str, Field], name: str, type_name: str) -> Field:
    found = fields.get(name.lower())
    if found is None:
        raise WhereError(f"No property or field '{name}' exists in type '{type_name}'")
    return found


def _normalise(kind: Kind, value: object) -> object:
    """The value a comparison sees: text case-folded, dates as naive UTC date-times."""
    if value is None:
        return None
    if kind in ("text", "enum", "guid"):
        return str(value).casefold()
    if kind == "date":
        assert isinstance(value, date)
        return datetime(value.year, value.month, value.day)
    if kind == "datetime":
        assert isinstance(value, datetime)
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class _Parser:
    def __init__(self, tokens: list[_Token], fields: Mapping[str, Field], type_name: str) -> None:
        self.tokens, self.index = tokens, 0
        self.fields, self.type_name = fields, type_name
        self.used: set[str] = set()

    def field(self, name: str) -> Field:
        found = _field(self.fields, name, self.type_name)
        self.used.add(name.lower())
        return found

    # ---- token helpers

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def accept(self, *texts: str) -> bool:
        if self.token.kind in ("op", "name") and self.token.text.upper() in texts:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            self.fail(f"'{text}' expected")

    def expect_end(self) -> None:
        if self.token.kind != "end":
            self.fail("end of expression expected")

    def fail(self, problem: str):
        found = self.token.text or "end of text"
        raise WhereError(f"Syntax error at position {self.token.at}: {problem}, found {found!r}")

    # ---- grammar

    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while self.accept("OR", "||"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda row: any(t(row) for t in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while self.accept("AND", "&&"):
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda row: all(t(row) for t in terms))

    def unary(self) -> Predicate:
        if self.accept("NOT", "!"):
            inner = self.unary()
            return lambda row: not inner(row)
        if self.accept("("):
            inner = self.expression()
            self.expect(")")
            return inner
        return self.test()

    def test(self) -> Predicate:
        if self.token.kind != "name":
            self.fail("field name expected")
        parts = [self.advance().text]
        while self.accept("."):
            if self.token.kind != "name":
                self.fail("member name expected")
            parts.append(self.advance().text)
        if parts[-1].lower() in _METHODS and self.token.text == "(":
            return self.method(".".join(parts[:-1]), parts[-1])
        name = ".".join(parts)
        field = self.field(name)
        if self.token.kind == "op" and self.token.text in (
            "==",
            "=",
            "!=",
            "<>",
            ">",
            ">=",
            "<",
            "<=",
        ):
            written = self.advance().text
            op = {"=": "==", "<>": "!="}.get(written, written)
            return self.comparison(field, op, self.literal())
        if field.kind == "bool":
            return lambda row: field.get(row) is True
        self.fail("comparison operator expected")

    def method(self, path: str, method: str) -> Predicate:
        field = self.field(path)
        if field.kind not in ("text", "enum"):
            raise WhereError(
                f"No applicable method '{method}' exists in type '{_CLR_TYPE[field.kind]}'"
            )
        self.expect("(")
        argument = self.advance()
        if argument.kind != "string":
            self.fail("string expected")
        self.expect(")")
        needle = _unquote(argument.text).casefold()
        check = _METHODS[method.lower()]
        return lambda row: (
            (value := field.get(row)) is not None and check(str(value).casefold(), needle)
        )

    def literal(self) -> tuple[str, object]:
        """``(type, value)`` where type is a CLR-style name used in error messages."""
        token = self.advance()
        if token.kind == "string":
            return "String", _unquote(token.text)
        if token.kind == "number":
            return "Decimal", Decimal(token.text)
        word = token.text.lower() if token.kind == "name" else ""
        if word in ("true", "false"):
            return "Boolean", word == "true"
        if word == "null":
            return "null", None
        if word == "guid":
            self.expect("(")
            argument = self.advance()
            self.expect(")")
            value = _unquote(argument.text) if argument.kind == "string" else ""
            if not re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value):
                raise WhereError(f"Invalid GUID: {argument.text}")
            return "Guid", value.lower()
        if word == "datetime":
            return "DateTime", self.datetime_literal()
        self.index -= 1
        self.fail("value expected")

    def datetime_literal(self) -> datetime:
        self.expect("(")
        numbers = []
        while True:
            token = self.advance()
            if token.kind != "number" or not token.text.isdigit():
                self.index -= 1
                self.fail("whole number expected")
            numbers.append(int(token.text))
            if not self.accept(","):
                break
        self.expect(")")
        if len(numbers) not in (3, 6):
            raise WhereError(
                "DateTime needs (year, month, day) or (year, month, day, hour, minute, second)"
            )
        try:
            return datetime(*numbers)
        except ValueError as error:
            raise WhereError(f"Invalid DateTime: {error}") from None

    def comparison(self, field: Field, op: str, literal: tuple[str, object]) -> Predicate:
        literal_type, value = literal
        field_type = _CLR_TYPE[field.kind]
        compatible = {
            "String": ("text", "enum", "guid"),
            "Guid": ("guid",),
            "Decimal": ("number",),
            "DateTime": ("date", "datetime"),
            "Boolean": ("bool",),
            "null": tuple(_CLR_TYPE),
        }[literal_type]
        if field.kind not in compatible or (
            op not in ("==", "!=") and (field.kind not in _RANGED or value is None)
        ):
            raise WhereError(
                f"Operator '{op}' incompatible with operand types "
                f"'{field_type}' and '{literal_type}'"
            )
        if (
            literal_type == "String"
            and field.kind == "guid"
            and not re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", str(value))
        ):
            raise WhereError(f"Invalid GUID: {value}")
        if field.kind in ("text", "enum", "guid") and value is not None:
            value = str(value).casefold()
        compare, kind, get = _OPS[op], field.kind, field.get
        if value is None:
            return lambda row: compare(get(row), None)

        def check(row: object) -> bool:
            actual = _normalise(kind, get(row))
            return actual is not None and compare(actual, value)

        return check


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])
