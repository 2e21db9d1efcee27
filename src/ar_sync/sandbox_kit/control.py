"""The platform-neutral half of the ``/_sandbox/`` control endpoints.

- ``BadInput`` / ``Missing``: a wrong control request (400) / an unknown record (404);
- ``control_error``: the ``{"error": message}`` reply every control endpoint fails with;
- ``json_body``, ``parse_amount``, ``parse_day``: read a control request's JSON body and its
  ``amount`` (a decimal with at most 2 places) and ``date`` fields, raising ``BadInput``;
- ``ROUTES``: the fault and call-log endpoints, the same on every platform:

=========================  =====================================================================
``POST /_sandbox/faults``  arm a fault (``faults.py``) -> 201 ``{"fault"}``;
                           ``expire_tokens``/``revoke`` act at once -> 200 ``{"applied"}``
``GET /_sandbox/faults``   ``{"faults": [...]}`` with their counters
``DELETE /_sandbox/faults``  disarm all -> 204
``GET /_sandbox/calls``    ``{"total", "by_endpoint", "rate_limited", "log"}``
``DELETE /_sandbox/calls``   reset the call log -> 204
=========================  =====================================================================

The app handed to these handlers needs only ``faults``, ``identity`` and ``recorder``
(``ControlledApp``); a sandbox appends ``ROUTES`` to its own platform routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from werkzeug.wrappers import Request

from ar_sync.sandbox_kit.faults import IMMEDIATE_KINDS
from ar_sync.sandbox_kit.reply import Reply, json_reply


class BadInput(ValueError):
    """The control request is wrong; the message is returned with 400."""


class Missing(BadInput):
    """The request names a record that does not exist; returned with 404."""


class ControlledApp(Protocol):
    """What the shared control handlers use of a sandbox app."""

    faults: Any  # a ``sandbox_kit.faults.FaultBook``
    identity: Any  # has ``expire_access_tokens()`` and ``revoke_all()``
    recorder: Any  # a ``sandbox_kit.recorder.Recorder``


def control_error(message: str, status: int = 400) -> Reply:
    """An error from a ``/_sandbox/`` endpoint: ``{"error": message}``."""
    return json_reply({"error": message}, status)


def no_content() -> Reply:
    """An empty 204 reply."""
    return Reply(204, b"", content_type=None)


def json_body(request: Request) -> dict[str, object]:
    """The request body as a JSON object (an empty body is ``{}``); numbers with a fraction are
    ``Decimal``, never ``float``. Raises ``BadInput`` if it is not JSON or not an object."""
    try:
        body = json.loads(request.get_data() or b"{}", parse_float=Decimal)
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def parse_amount(value: object, *, positive: bool = False) -> Decimal:
    """A finite money amount with at most 2 decimal places (and ``> 0`` when ``positive``).

    Raises ``BadInput("amount: ...")``.
    """
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(f"amount: not an amount: {value!r}") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or (positive and amount <= 0) or exponent < -2:  # type: ignore[operator]
        what = "a positive amount" if positive else "an amount"
        raise BadInput(f"amount: not {what} with at most 2 decimal places: {value!r}")
    return amount


def parse_day(value: object, parse: Callable[[object], date]) -> date:
    """``parse(value)`` (the platform's date reader); its ``ValueError`` becomes
    ``BadInput("date: ...")``."""
    try:
        return parse(value)
    except ValueError as error:
        raise BadInput(f"date: {error}") from None


def arm_fault(app: ControlledApp, request: Request) -> Reply:
    try:
        fault = app.faults.arm(json_body(request))
    except ValueError as error:
        return control_error(str(error))
    if fault.kind not in IMMEDIATE_KINDS:
        return json_reply({"fault": fault.as_json()}, 201)
    if fault.kind == "expire_tokens":
        app.identity.expire_access_tokens()
    else:
        app.identity.revoke_all()
    return json_reply({"applied": fault.kind})


def list_faults(app: ControlledApp, request: Request) -> Reply:
    return json_reply({"faults": app.faults.armed()})


def clear_faults(app: ControlledApp, request: Request) -> Reply:
    app.faults.clear()
    return no_content()


def calls(app: ControlledApp, request: Request) -> Reply:
    return json_reply(app.recorder.calls())


def reset_calls(app: ControlledApp, request: Request) -> Reply:
    app.recorder.reset_calls()
    return no_content()


ROUTES = [
    ("POST", "faults", arm_fault),
    ("GET", "faults", list_faults),
    ("DELETE", "faults", clear_faults),
    ("GET", "calls", calls),
    ("DELETE", "calls", reset_calls),
]
