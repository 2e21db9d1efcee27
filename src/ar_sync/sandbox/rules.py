"""What a ledger's sandbox gives the pipeline: its routes, its books and its wire shapes.

The pipeline (``pipeline.py``) is the same for every ledger; a ``LedgerRules`` subclass answers
the questions only the ledger can answer: where its API lives and what its routes are, which
company a call is for, what its 401, 403, 404, 429 and 5xx look like, what an idempotency key
is and what makes two requests the same, what its call and write logs say, and which of its
exceptions are refusals. Each hook gets the ``Exchange`` of the request being served.

``Books`` is what the pipeline and the control endpoints need of one company's live books (the
ledger's own class holds the records and the rules that change them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from werkzeug.wrappers import Request

from ar_sync.sandbox.control import control_error
from ar_sync.sandbox.identity import AuthFailure, Grant, OAuthFailure, oauth_error
from ar_sync.sandbox.reply import Reply
from ar_sync.sandbox.routing import Route

RouteSpec = tuple[str, str, Callable[..., Reply]]  # (method, template, handler)


class Books(Protocol):
    """One company's live books: its id (tenant, realm), name and lock, and its snapshot."""

    lock: threading.RLock

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    def snapshot(self) -> Any:
        """The books as a company, which the ledger's ``company_document`` writes out."""
        ...


@dataclass
class Exchange:
    """One request on its way through the pipeline.

    ``company`` is the tenant or realm id once known (None when the call names none); ``books``
    its books when the call is for a known company; ``fallback`` the first company loaded,
    whose settings (a time zone) shape answers that are for no company in particular.
    ``notes`` hold what the ledger noted for its call log (QuickBooks: a query's statement).
    """

    request: Request
    now: datetime
    path: str
    fallback: Books
    api: bool = False
    route: Route | None = None
    params: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""
    company: str | None = None
    grant: Grant | None = None
    books: Books | None = None
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def shaping_books(self) -> Books:
        """The call's books, else the first company's."""
        return self.books or self.fallback


class LedgerRules:
    """The ledger-specific half of a sandbox (see the module docstring). Class attributes:

    ``name`` the server thread's name; ``scope`` what a company is called (``tenant``,
    ``realm``: the control endpoints' ``?scope=`` and the logs' field); ``api_prefix`` where the
    API lives; ``key_field`` the write log's name for an idempotency key; ``fault_problems`` the
    ``problem`` names a ``rate_limit`` fault may take; ``malformed_stub`` what a ``malformed``
    fault sends for an empty body; ``company_in_path``: the company is named in the API path,
    so it is logged even when the token is refused (a header is read only once it is accepted).
    """

    name: ClassVar[str]
    scope: ClassVar[str]
    api_prefix: ClassVar[str]
    key_field: ClassVar[str]
    fault_problems: ClassVar[tuple[str, ...]]
    malformed_stub: ClassVar[bytes]
    company_in_path: ClassVar[bool] = False
    refusals: ClassVar[tuple[type[Exception], ...]] = ()  # control changes the books refuse
    max_key_length: ClassVar[int]

    api_routes: Iterable[RouteSpec] = ()
    identity_routes: Iterable[RouteSpec] = ()
    control_routes: Iterable[RouteSpec] = ()  # the ledger's own, beside ``control.ROUTES``

    # ---- books

    def open_books(self, company: Any) -> Books:
        """Live books for a loaded or generated company."""
        raise NotImplementedError

    def company_document(self, company: Any) -> object:
        """A company in company-file shape (``GET /_sandbox/state``)."""
        raise NotImplementedError

    def company_key(self, text: str) -> str:
        """A company id as a caller wrote it, in the books' spelling."""
        return text

    # ---- routing

    def route_path(self, path: str) -> str:
        """The path to route (a ledger may fold spellings of one path together)."""
        return path

    def no_route(self, ex: Exchange, allowed: list[str]) -> Reply:
        """No route matched; ``allowed`` lists the methods the path accepts (maybe none)."""
        raise NotImplementedError

    def endpoint_name(self, ex: Exchange) -> str:
        """How the call log counts the matched route."""
        assert ex.route is not None
        return ex.route.name

    def fault_subject(self, ex: Exchange) -> str:
        """What an armed fault's ``path`` is matched against."""
        return ex.request.path

    # ---- who is calling, for which company

    def company_of(self, ex: Exchange) -> str | None:
        """The company an API call names (a path parameter or a header), or None."""
        raise NotImplementedError

    def unauthorized(self, failure: AuthFailure, ex: Exchange) -> Reply:
        raise NotImplementedError

    def forbidden(self, ex: Exchange) -> Reply:
        """A company unknown or not covered by the token's grant."""
        raise NotImplementedError

    def oauth_error(self, failure: OAuthFailure) -> Reply:
        return oauth_error(failure)

    # ---- limits and faults

    def throttled(
        self, problem: str, retry_after: int | None, ex: Exchange, headers: Mapping[str, str]
    ) -> Reply:
        """A 429 naming ``problem``."""
        raise NotImplementedError

    def server_error(self, status: int, ex: Exchange) -> Reply:
        """An injected 5xx."""
        raise NotImplementedError

    # ---- the handler

    def api_call(self, ex: Exchange) -> object:
        """What the ledger's API handlers take."""
        raise NotImplementedError

    def run(self, route: Route, call: object) -> Reply:
        """Run an API handler; the ledger turns its refusals into replies here."""
        return route.handler(call)  # type: ignore[return-value]

    # ---- idempotency

    def idempotency_key(self, ex: Exchange) -> str | None:
        """The key the request carries, or None."""
        raise NotImplementedError

    def keyed(self, ex: Exchange) -> bool:
        """Whether a key on this request makes it idempotent (writes only)."""
        raise NotImplementedError

    def key_too_long(self, key: str, ex: Exchange) -> Reply:
        raise NotImplementedError

    def key_scope(self, ex: Exchange) -> str:
        """Whose keys share one namespace (an app, a realm)."""
        raise NotImplementedError

    def fingerprint(self, ex: Exchange) -> str:
        """What a retry must repeat to be replayed (empty: anything)."""
        return ""

    def key_reused(self, key: str, ex: Exchange) -> Reply:
        """A live key sent with a different request (only when ``fingerprint`` says so)."""
        raise NotImplementedError

    # ---- logs and the last touch

    def call_details(self, ex: Exchange) -> dict[str, object]:
        """The ledger's fields of a call-log entry, beside time, method, path, query, status."""
        return {}

    def write_details(self, ex: Exchange) -> dict[str, object]:
        """The ledger's fields of a write-log entry, beside time, company, method, path."""
        return {}

    def finish(self, reply: Reply) -> Reply:
        """Every answer passes here last (QuickBooks adds its ``intuit_tid``)."""
        return reply

    def control_refusal(self, error: Exception) -> Reply:
        """A control change the books refused (one of ``refusals``): 400 with its message."""
        return control_error(str(error))
