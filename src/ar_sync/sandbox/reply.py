"""``Reply``: one response as plain data, and how it becomes a werkzeug ``Response``.

A reply is plain data so that the idempotency cache can keep it and replay it byte for byte.
``writes`` carries what the request changed (dicts with ``kind``, ``target_id`` and
kind-specific fields) for the write log; it is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from werkzeug.wrappers import Response

from ar_sync.sandbox import jsonwire

JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """Status, body and headers of one response, plus the writes it made (for the write log)."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    writes: tuple[dict[str, object], ...] = ()

    def with_headers(self, extra: Mapping[str, str]) -> Reply:
        return replace(self, headers={**self.headers, **extra})


def json_reply(
    body: str | object, status: int = 200, *, writes: tuple[dict[str, object], ...] = ()
) -> Reply:
    """A JSON reply; ``body`` is JSON text already, or a value for ``jsonwire.dumps``."""
    text = body if isinstance(body, str) else jsonwire.dumps(body)
    return Reply(status, text.encode(), writes=writes)


def empty(status: int) -> Reply:
    """An answer without a body or ``Content-Type`` (a revocation's 200, a deletion's 204)."""
    return Reply(status, b"", content_type=None)


def to_response(reply: Reply) -> Response:
    """The werkzeug response for ``reply`` (no ``Content-Type`` when ``content_type`` is None)."""
    response = Response(reply.body, status=reply.status)
    if reply.content_type:
        response.content_type = reply.content_type
    else:
        del response.headers["Content-Type"]
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response
