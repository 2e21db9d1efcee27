"""QuickBooks Online's error bodies, as the sandbox sends them (sources in brackets; see
``/work/shared/notes/quickbooks-api.md`` and the recorded fixtures it cites).

Data-service faults are ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"?}],
"type"}, "time"}`` with ``code`` a string:

===========  =====  ==================================================================
code         HTTP   when
===========  =====  ==================================================================
``610``      400    an id that does not exist [recorded in a batch; HTTP 400 for a single
                    request per DOC-Errors' ValidationFault rows]
``2030``     400    an id that is not a number [recorded]
``500``      400    a path the API does not have ("Unsupported Operation") [recorded]
``2010``     400    a property the entity does not have [recorded]
``2020``     400    a required property missing [DOC-Errors]
``4001``     400    a query the sandbox cannot parse or does not support [recorded]
``5010``     400    a stale ``SyncToken`` [notes §4.1: the message is recorded (batch);
                    the HTTP 400 of a single request is inferred]
``6000``     400    a business rule (e.g. linking to a missing entity) [recorded, upload]
``6240``     400    duplicate customer ``DisplayName`` [recorded]
``10000``    500    an injected server error ("SystemFault") [DOC-Errors code list]
===========  =====  ==================================================================

Gateway errors are different:

- 401 (missing, unknown, expired or revoked bearer token): the lower-case envelope of
  ``error_401_gateway_lowercase_fault.response.json`` with code ``3200`` and
  ``WWW-Authenticate: Bearer realm="Intuit", error="invalid_token"`` [recorded].
- 403 (a token whose grant does not cover the realm in the URL): ``Fault`` code ``3100``,
  ``message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403``, type
  ``AuthorizationFault`` [UNCONFIRMED: community reports of the real message, no recording].
- 429: the XML throttle body (``code="3001"``, ThrottleExceeded, statusCode=429) that
  ``too_many_requests_error.xml`` records, with ``Retry-After`` in whole seconds
  [Retry-After UNCONFIRMED for real QBO].
- 502/503/504 injected: a short HTML page, as a gateway sends.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from ar_sync.sandbox.reply import Reply, json_reply
from ar_sync_quickbooks.sandbox import wire

XML = "application/xml"
NOT_FOUND_DETAIL = (
    "Object Not Found : Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)
STALE_USER = "Sandbox User"



def fault_body(
    code: str,
    message: str,
    detail: str,
    *,
    element: str | None = None,
    kind: str = "ValidationFault",
    time: str | None = None,
) -> dict[str, object]:
    """The ``{"Fault": ..., "time"}`` document (``element`` only when given, as QBO does)."""
    error: dict[str, object] = {"Message": message, "Detail": detail, "code": code}
    if element is not None:
        error["element"] = element
    body: dict[str, object] = {"Fault": {"Error": [error], "type": kind}}
    if time is not None:
        body["time"] = time
    return body


def fault(
    code: str,
    message: str,
    detail: str,
    *,
    status: int = 400,
    element: str | None = None,
    kind: str = "ValidationFault",
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Reply:
    """A data-service fault reply (``time`` in the company's zone when ``now``/``tz`` given)."""
    time = wire.response_time(now, tz) if now is not None and tz is not None else None
    body = fault_body(code, message, detail, element=element, kind=kind, time=time)
    return json_reply(body, status)


def not_found_fault() -> tuple[str, str, str]:
    """Code, message and detail of 610 Object Not Found."""
    return "610", "Object Not Found", NOT_FOUND_DETAIL


def stale_fault(user: str = STALE_USER) -> tuple[str, str, str]:
    """Code, message and detail of 5010 Stale Object Error (notes §4.1, verbatim)."""
    return (
        "5010",
        "Stale Object Error",
        (
            f"Stale Object Error : You and {user} were working on this at the same time. "
            f"{user} finished before you did, so your work was not saved."
        ),
    )


def gateway_unauthorized(detail: str, now_ms: int) -> Reply:
    """The gateway's 401 (lower-case keys), for a missing, expired or revoked access token."""
    body = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": now_ms,
        "status": None,
        "cdcresponse": [],
    }
    return json_reply(body, 401).with_headers(
        {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
    )


def forbidden(now: datetime, tz: tzinfo) -> Reply:
    """403 for a realm the grant does not cover (see the module docstring)."""
    return fault(
        "3100",
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        "",
        status=403,
        kind="AuthorizationFault",
        now=now,
        tz=tz,
    )


def throttled(retry_after: int | None, now: datetime, tz: tzinfo) -> Reply:
    """429 with QBO's XML throttle body (even though JSON was asked for) and ``Retry-After``."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{wire.response_time(now, tz)}" '
        'xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        "      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
        "      <Detail>The request limit was reached.  Try again later</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Reply(429, xml.encode(), content_type=XML, headers=headers)


def server_error(status: int, now: datetime, tz: tzinfo) -> Reply:
    """An injected 5xx: a JSON SystemFault for 500, a gateway HTML page otherwise."""
    if status == 500:
        return fault(
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving your "
            "data. Please wait a few minutes and try again.",
            status=500,
            kind="SystemFault",
            now=now,
            tz=tz,
        )
    page = f"<html><body><h1>{status} Service Unavailable</h1></body></html>"
    return Reply(status, page.encode(), content_type="text/html; charset=utf-8")
