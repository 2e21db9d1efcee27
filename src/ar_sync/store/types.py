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
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ar_sync.money import AMOUNT_PLACES as AMOUNT_SCALE  # decimal places an amount may have
from ar_sync.money import RATE_PLACES as RATE_SCALE  # decimal places an exchange rate may have


def canonical_decimal(value: Decimal) -> str:
    """``value`` in plain notation with its own digits: ``Decimal("1E+2")`` -> ``"100"``.

    Negative zero becomes zero (PostgreSQL has no negative zero, and both backends must agree).
    """
    if value.is_zero() and value.is_signed():
        value = value.copy_abs()
    return format(value, "f")


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
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"expected a Decimal, got {type(value).__name__} {value!r}")
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError(f"refusing to store a non-finite amount: {value}")
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > self.scale:
            raise ValueError(
                f"{value} has more than {self.scale} decimal places; quantize it before storing"
            )
        if dialect.name == "sqlite":
            return canonical_decimal(value)
        if value.is_zero() and value.is_signed():
            value = value.copy_abs()
        return value

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


class as_number(FunctionElement[Any]):
    """An ``ExactDecimal`` column as a number: the column itself on PostgreSQL, a cast on SQLite.

    Only for comparisons (``as_number(col) > 0``); the cast to REAL is exact for the sign and
    magnitude of any amount with at most 15 significant digits.
    """

    name = "as_number"
    inherit_cache = True
    type = types.NullType()


@compiles(as_number)
def _as_number_default(element: as_number, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(as_number, "sqlite")
def _as_number_sqlite(element: as_number, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS REAL)"
