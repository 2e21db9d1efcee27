"""The rules of QBO's field values, applied to a company file by its pydantic models
(``models.py``) and to the API's writes.

Each check takes the value and its path (``"Invoice[2] (Id 12).DueDate"``; the models pass an
empty one and place the error themselves) and returns the value normalised (ids as strings,
amounts as ``Decimal``) or raises ``RecordError(path, ...)``. Money fits QBO's 10.5 format
(``entities.amount_problem``); exchange rates are positive with any precision.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ar_sync.sandbox.errors import RecordError
from ar_sync_quickbooks.sandbox.entities import amount_problem
from ar_sync_quickbooks.sandbox.wire import parse_day

_ID_RE = re.compile(r"[1-9]\d{0,19}$")


def record_id(value: object, path: str) -> str:
    """A QBO id: a positive whole number, written as a string (numbers are accepted)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _ID_RE.match(text):
        raise RecordError(path, f"must be a positive whole number as a string, got {value!r}")
    return text


def text(value: object, path: str, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise RecordError(path, f"must be a string, got {kind(value)}")
    if max_length is not None and len(value) > max_length:
        raise RecordError(path, f"must be at most {max_length} characters, got {len(value)}")
    return value


def boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(path, f"must be true or false, got {value!r}")
    return value


def _number(value: object, path: str) -> Decimal:
    """A JSON number, or a string holding one (python-quickbooks writes Decimals as strings,
    and QBO reads them)."""
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            raise RecordError(path, f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RecordError(path, f"must be a number, got {kind(value)}")
    return Decimal(value)


def money(value: object, path: str, *, negative: bool = False) -> Decimal:
    """An amount QBO holds (``entities.amount_problem``), not negative unless ``negative``."""
    amount = _number(value, path)
    problem = amount_problem(amount)
    if problem:
        raise RecordError(path, problem)
    if amount < 0 and not negative:
        raise RecordError(path, f"must not be negative, got {value}")
    return amount


def rate(value: object, path: str) -> Decimal:
    """A positive exchange rate (home-currency units per one foreign unit)."""
    number = _number(value, path)
    if not number.is_finite() or number <= 0:
        raise RecordError(path, f"must be a positive number, got {value}")
    return number


def day(value: object, path: str) -> str:
    """A ``YYYY-MM-DD`` date, returned as text."""
    try:
        parse_day(value)
    except ValueError as error:
        raise RecordError(path, str(error)) from None
    return value  # type: ignore[return-value]


def array(value: object, path: str) -> list[object]:
    if not isinstance(value, list):
        raise RecordError(path, f"must be an array, got {kind(value)}")
    return value


def kind(value: object) -> str:
    """How an error names a JSON value's type: ``null``, ``a string``, ``an array``..."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        str: "a string",
        int: "a number",
        Decimal: "a number",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)
