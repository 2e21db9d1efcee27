"""Xero's error bodies, as the sandbox sends them (replies are ``ar_sync.sandbox.reply.Reply``).

- 400: the ``ValidationException`` envelope the SDK parses into ``AccountingBadRequestException``;
- 401/403/404/405/429/5xx: Xero's problem-details JSON ``{"Type", "Title", "Status", "Detail"}``;
- OAuth endpoints: ``{"error": "invalid_grant"}`` and friends (``ar_sync.sandbox.identity``);
- ``/_sandbox/`` endpoints: ``{"error"}`` (``ar_sync.sandbox.control``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync_xero.sandbox import wire

# X-Rate-Limit-Problem values: "minute" and "day" per developer.xero.com/documentation/guides/
# oauth2/limits (notes/xero-api.md §5); "appminute" and "concurrent" UNCONFIRMED.
_RATE_LIMIT_DETAILS = {
    "minute": "You've exceeded the per minute rate limit",
    "day": "You've exceeded the daily rate limit",
    "appminute": "You've exceeded the app per minute rate limit",
    "concurrent": "You've exceeded the concurrent request limit",
}


def validation_error(message: str) -> Reply:
    """Xero's 400 body for a request it refuses."""
    return json_reply(
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": message}]}],
        },
        400,
    )


def high_volume_error(message: str) -> Reply:
    """Xero's 400 for an unoptimised request on a very large organisation. Type and message as
    XeroAPI/xero-python#148 quotes them; ErrorNumber 51 as XeroAPI/Xero-NetStandard#604 reports
    it; UNCONFIRMED: whether the body carries ``Elements`` (here it does not)."""
    return json_reply(
        {"ErrorNumber": 51, "Type": "HighVolumeException", "Message": message}, 400
    )


def problem(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
) -> Reply:
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail}
    return Reply(status, wire.dumps(body).encode(), headers=dict(headers or {}))


def unauthorized(detail: str) -> Reply:
    """401 for a missing, unknown, expired or revoked access token."""
    challenge = (
        'Bearer error="invalid_token"' if detail != "AuthenticationUnsuccessful" else "Bearer"
    )
    return problem(401, "Unauthorized", detail, {"WWW-Authenticate": challenge})


def forbidden() -> Reply:
    """403 for a tenant the grant does not cover (or no ``xero-tenant-id`` at all)."""
    return problem(403, "Forbidden", "AuthorizationUnsuccessful")


def not_found() -> Reply:
    return problem(404, "Not Found", "The resource you're looking for cannot be found")


def method_not_allowed(allowed: list[str]) -> Reply:
    return problem(
        405,
        "Method Not Allowed",
        "The requested method is not supported by this resource",
        {"Allow": ", ".join(allowed)},
    )


def rate_limited(limit: str, retry_after: int | None) -> Reply:
    """429 naming the limit in ``X-Rate-Limit-Problem``; ``Retry-After`` except for concurrency."""
    headers = {"X-Rate-Limit-Problem": limit}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    detail = _RATE_LIMIT_DETAILS.get(limit, f"You've exceeded the {limit} rate limit")
    return problem(429, "Too Many Requests", detail, headers)


def server_error(status: int) -> Reply:
    if status == 503:
        return problem(503, "Service Unavailable", "The Xero API is temporarily unavailable")
    return problem(
        status,
        "An error occurred",
        "An error occurred in Xero. Check the API Status page http://status.developer.xero.com "
        "for current service status.",
    )
