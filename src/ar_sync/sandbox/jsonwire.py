"""Exact-decimal JSON: money leaves a sandbox as JSON numbers written from ``Decimal``.

``dumps`` writes ``Decimal("115.00")`` as ``115.00`` and refuses ``float`` (a float has already
lost the cents). ``RawJSON`` is text that is JSON already (a cached record), copied verbatim.
Read JSON back with ``json.loads(text, parse_float=Decimal)``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring_ascii


class RawJSON:
    """Text that is already JSON (a cached record); ``dumps`` copies it verbatim."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: object) -> str:
    """Encode dicts, lists, str, bool, None, int, ``Decimal`` and ``RawJSON`` as compact JSON.

    ``Decimal`` keeps its exponent (``Decimal("115.00")`` -> ``115.00``); floats are refused.
    """
    parts: list[str] = []
    _encode(value, parts.append)
    return "".join(parts)


def _encode(value: object, out: Callable[[str], object]) -> None:
    if isinstance(value, str):
        out(encode_basestring_ascii(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, Decimal):
        out(decimal_text(value))
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, dict):
        out("{")
        first = True
        for key, item in value.items():
            if not first:
                out(",")
            first = False
            out(encode_basestring_ascii(key))
            out(":")
            _encode(item, out)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode(item, out)
        out("]")
    elif isinstance(value, RawJSON):
        out(value.text)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as sandbox JSON")


def decimal_text(value: Decimal) -> str:
    """Plain decimal text without an exponent; negative zero is written as zero."""
    if value == 0:
        value = value.copy_abs()
    return format(value, "f")
