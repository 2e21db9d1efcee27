"""Column types that behave the same on SQLite and PostgreSQL.

- ``ExactDecimal(scale)``: money and exchange rates. PostgreSQL stores them as unconstrained
  ``NUMERIC`` (arbitrary precision, the written scale kept); SQLite, which has no decimal type
  (SQLAlchemy's ``Numeric`` would go through float there), stores the canonical plain-notation
  text of the ``Decimal``. Reads always return ``Decimal`` equal to -- and written with the same
  digits as -- what was stored. Nothing is quantized here; a value with more than ``scale``
  decimal places, a float, NaN or an infinity is refused on write.
- ``UTCDateTime``: instants. Timezone-aware values only (naive ones are refused on write);
  PostgreSQL keeps them as ``TIMESTAMP WITH TIME ZONE``, SQLite as naive UTC text. Reads always
  return an aware ``datetime`` in UTC.
- ``JSONText``: a JSON document kept as ``TEXT`` on both backends (no JSON operators needed).
- ``as_number(column)``: an ``ExactDecimal`` column as a number in SQL expressions, so that
  ``as_number(col) > 0`` compares numerically on SQLite too (text would compare as text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ar_sync.money import AMOUNT_PLACES as AMOUNT_SCALE  # decimal places an amount may have
from ar_sync.money import RATE_PLACES as RATE_SCALE  # noqa: F401 (tables.py: a rate's places)


def stored_decimal(value: Any, scale: int, *, as_text: bool) -> Any:
    """``value`` as an ``ExactDecimal(scale)`` column stores it: the canonical text
    (``as_text``, SQLite) or the ``Decimal`` itself (PostgreSQL), negative zero as zero; None
    stays None. ``TypeError`` for anything but a ``Decimal`` or ``int`` (a float, a bool);
    ``ValueError`` for NaN, an infinity or more than ``scale`` decimal places.

    Called once per value of a bulk write, so the common case is kept to a few C calls: the
    decimal places are counted on the plain-notation text, which keeps the value's own exponent
    (``1.2300`` has 4), not on ``as_tuple()``. ``str()`` gives that text unless it switches to
    exponent notation (``1E+2``, ``1E-7``), where ``format(value, "f")`` (3x slower) takes over.
    """
    if value is None:
        return None
    if value.__class__ is not Decimal:
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"expected a Decimal, got {type(value).__name__} {value!r}")
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"refusing to store a non-finite amount: {value}")
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 > scale:
        raise ValueError(
            f"{value} has more than {scale} decimal places; quantize it before storing"
        )
    if text[0] == "-" and value.is_zero():
        text, value = text[1:], value.copy_abs()
    return text if as_text else value


class ExactDecimal(types.TypeDecorator[Decimal]):
    """A ``Decimal`` stored exactly: ``NUMERIC`` on PostgreSQL, canonical ``TEXT`` on SQLite.

    ``scale`` is the most decimal places accepted (4 for amounts, 10 for rates); more is refused
    with ``ValueError`` rather than silently rounded.
    """

    impl = types.Numeric
    cache_ok = True

    def __init__(self, scale: int = AMOUNT_SCALE) -> None:
        super().__init__()
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(types.Text())
        return dialect.type_descriptor(types.Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return stored_decimal(value, self.scale, as_text=dialect.name == "sqlite")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, str):
            return Decimal(value)
        # A number that was not written through this type (e.g. an aggregate): go via str.
        return Decimal(str(value))


class UTCDateTime(types.TypeDecorator[datetime]):
    """An aware UTC ``datetime``; naive values are refused with ``ValueError`` on write."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__} {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"refusing naive datetime {value.isoformat()}: instants must be timezone-aware "
                "(use UTC)"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)  # SQLite keeps text; it is UTC by convention
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONText(types.TypeDecorator[Any]):
    """A JSON-able value kept as compact JSON text; ``TypeError`` if it is not JSON-able."""

    impl = types.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)


def _sqlite_date(value: Any) -> Any:
    """A ``date`` as SQLAlchemy's SQLite ``DATE`` stores it (``%(year)04d-%(month)02d-%(day)02d``,
    which is ``date.isoformat()``); anything else through SQLAlchemy's own processor."""
    if value.__class__ is date:
        return value.isoformat()
    return _SQLITE_DATE(value)


def _sqlite_instant(value: Any) -> Any:
    """An aware UTC ``datetime`` as ``UTCDateTime`` stores it on SQLite: SQLAlchemy's ``DATETIME``
    text of the naive UTC time (``%(year)04d-...%(second)02d.%(microsecond)06d``, which is
    ``isoformat(" ", "microseconds")``); anything else (other zones, naive, not a datetime)
    through ``UTCDateTime`` and SQLAlchemy's processor, which convert or refuse it."""
    if value.__class__ is datetime and value.tzinfo is UTC:
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return _SQLITE_INSTANT(value)


def bind_writer(type_: types.TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The one-argument function turning a Python value of a column of ``type_`` into what the
    ``dialect``'s driver is given (None: the value as it is), for bulk writes that bypass
    SQLAlchemy's per-row parameter processing. The result is what ``process_bind_param`` and
    SQLAlchemy's bind processor give, refusals included; the common cases (an exact decimal,
    a UTC instant or a date on SQLite) take a shorter path to the same value."""
    if isinstance(type_, ExactDecimal):
        scale, as_text = type_.scale, dialect.name == "sqlite"
        return lambda value: stored_decimal(value, scale, as_text=as_text)
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_instant
    if dialect.name == "sqlite" and type(type_) is types.Date:
        return _sqlite_date
    return type_.dialect_impl(dialect).bind_processor(dialect)


class as_number(FunctionElement[Any]):
    """An ``ExactDecimal`` column as a number: the column itself on PostgreSQL, a cast on SQLite.

    Only for comparisons (``as_number(col) > 0``); the cast to REAL is exact for the sign and
    magnitude of any amount with at most 15 significant digits.
    """

    name = "as_number"
    inherit_cache = True
    type = types.NullType()


def _sqlite_processor(type_: types.TypeEngine[Any]) -> Callable[[Any], Any]:
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    dialect = SQLiteDialect_pysqlite()
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    return process


_SQLITE_DATE = _sqlite_processor(types.Date())
_SQLITE_INSTANT = _sqlite_processor(UTCDateTime())


@compiles(as_number)
def _as_number_default(element: as_number, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(as_number, "sqlite")
def _as_number_sqlite(element: as_number, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS REAL)"
