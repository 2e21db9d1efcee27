"""Company files: reading one, and naming what is wrong with it.

A company file is JSON in a ledger's own response shapes; the ledger's ``parse_company`` turns
the decoded document into a ``Company`` (validating it with its pydantic models, then its
cross-record rules), raising ``RecordError`` for one bad record. ``load_company_file`` does the
reading and decoding every ledger shares, and words every failure as one line:
``CompanyFileError("<path>: <record/field>: <problem>")``.

- unreadable: ``<path>: cannot read: <reason>``;
- not JSON: ``<path>: line L column C: <what>``;
- numbers with a fraction are ``Decimal``, never ``float`` (money stays exact).

Both ledgers validate a company file's shapes with pydantic models (Xero: dataclasses, QuickBooks:
``TypedDict``s over its JSON objects). ``describe_validation_error`` words pydantic's first error
as a field path and a problem (``Invoices[3].DueDate``, ``not a date: '2024-13-01'``), from
``dotted_field`` and ``validator_problem``, which a ledger with its own wording reuses;
``located`` prefixes the field path of the ``RecordError`` raised inside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ar_sync.sandbox.errors import CompanyFileError, RecordError

Company = TypeVar("Company")


def read_company_file(path: Path | str) -> object:
    """The decoded JSON of a company file; raises ``CompanyFileError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise CompanyFileError(f"{path}: cannot read: {reason}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise CompanyFileError(
            f"{path}: line {error.lineno} column {error.colno}: {error.msg}"
        ) from None


def load_company_file(
    path: Path | str, parse: Callable[..., Company]
) -> Company:
    """Read ``path`` and ``parse(document, source=str(path))`` it (the ledger's parser, which
    raises ``CompanyFileError`` naming ``source``)."""
    return parse(read_company_file(path), source=str(path))


def refused(source: str, error: RecordError | ValidationError) -> CompanyFileError:
    """The one-line ``CompanyFileError`` for a record or validation error in ``source``."""
    if isinstance(error, ValidationError):
        field, problem = describe_validation_error(error)
    else:
        field, problem = error.field, error.problem
    return CompanyFileError(f"{source}: {field}: {problem}")


def describe_validation_error(error: ValidationError) -> tuple[str, str]:
    """The first pydantic error as ``("Invoices[3].DueDate", "not a date: '2024-13-01'")``
    (pydantic's own wording for a type it refuses; ``required field missing``, ``unknown
    field``; a validator's message as it is)."""
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    if kind == "missing":
        problem = "required field missing"
    elif kind == "unexpected_keyword_argument":
        problem = "unknown field"
    else:
        problem = validator_problem(first)
    return dotted_field(first["loc"]), problem


def dotted_field(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a field path: ``Invoices[3].DueDate``; ``(document)`` for the
    whole file."""
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return field.lstrip(".") or "(document)"


def validator_problem(error: ErrorDetails) -> str:
    """A validator's own message (a ``ValueError`` raised by the ledger's rule) as it is;
    otherwise pydantic's, lower-cased, with the value: ``input should be ...: 'x'``."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return f"{error['msg'][0].lower()}{error['msg'][1:]}: {error['input']!r}"


@contextmanager
def located(prefix: str) -> Iterator[None]:
    """Prefix the field path of any ``RecordError`` raised inside with ``prefix``."""
    try:
        yield
    except RecordError as error:
        raise RecordError(f"{prefix}.{error.field}", error.problem) from None
