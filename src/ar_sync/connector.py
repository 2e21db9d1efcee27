"""How the core talks to a ledger: the Connector protocol, the plugin protocol and the registry.

A ledger plugin is a package registered in the ``ar_sync.connectors`` entry-point group whose
entry point is an object satisfying ``LedgerPlugin``. The core never imports an SDK; it asks the
plugin to connect (OAuth) and to open a ``Connector`` (or a ``LedgerWriter``) for a stored org.
A plugin's local emulator is its ``sandbox`` (``ar_sync.sandbox.plugin``).

Paging contract (``Connector.iter_pages``): the connector yields ``Page`` objects, each carrying
the records it read and the stream's new ``state``. The sync engine commits a page's records and
its state in one transaction, so a sync killed between pages resumes from the last committed
state and re-reads at most one page. ``state`` is the connector's own JSON-able cursor.

Writing back (``LedgerWriter``, opened by ``LedgerPlugin.open_writer``): every write carries an
idempotency key the caller chose (the outbox's, deterministic), sent as the ledger's own
idempotency token, and notes and attachments carry a short marker derived from it
(``write_marker``), so that after a crash between the call and the outbox's record
``find_marker`` can read the ledger and say whether the write landed. ``WriterBase`` and the
``check_*`` helpers are what every ledger's writer shares.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from ar_sync.domain import Org, Record
from ar_sync.errors import ConfigError, DataError, FatalSourceError
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts

if TYPE_CHECKING:
    from ar_sync.sync.pacing import RateLimits
    from ar_sync.sync.retry import RetryNotice

ENTRY_POINT_GROUP = "ar_sync.connectors"

StreamState = Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page of changes from one stream.

    ``records`` are upserted; ``deleted`` are ``(kind, id)`` pairs to remove (kind is
    ``"customer"``, ``"invoice"`` or ``"credit"``); ``skipped`` are records that could not be
    read (reported, never silently dropped); ``state`` replaces the stream's stored state.
    """

    stream: str
    records: tuple[Record, ...]
    state: StreamState
    deleted: tuple[tuple[str, str], ...] = ()
    skipped: tuple[DataError, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerTotal:
    """The org's receivables at a date as the ledger itself reports them, in base currency.

    ``source`` names the report and line it came from, for the user ("Trial Balance: 610
    Accounts Receivable"); ``note`` says what can make it differ from an aging of the documents
    (manual journals to the receivables account, say), or is empty.
    """

    amount: Decimal
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAllowance:
    """The calls a connector may make for one org: ``per_minute`` (what it paces itself to) and
    ``per_day`` (the ledger's daily cap per org; None: the ledger has none)."""

    per_minute: int
    per_day: int | None


@dataclass(slots=True)
class CallStats:
    """What a connector did over the wire, for progress displays and benchmarks.

    ``on_retry``, when set (by a progress display, say), is told of every retry before its wait.
    """

    calls: dict[str, int] = field(default_factory=dict)  # endpoint name -> calls made
    retries: int = 0
    waited_seconds: float = 0.0  # time spent pacing or honouring Retry-After
    on_retry: Callable[[RetryNotice], None] | None = None

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def count(self, endpoint: str) -> None:
        self.calls[endpoint] = self.calls.get(endpoint, 0) + 1

    def retrying(self, notice: RetryNotice) -> None:
        """Count a retry and its wait (seconds), and pass the notice to ``on_retry``."""
        self.retries += 1
        self.waited_seconds += notice.wait
        if self.on_retry is not None:
            self.on_retry(notice)


@runtime_checkable
class Connector(Protocol):
    """An open connection to one org's books."""

    org: Org
    stats: CallStats

    @property
    def streams(self) -> tuple[str, ...]:
        """Stream names in the order a sync should read them (customers before documents)."""
        ...

    @property
    def open_set_streams(self) -> tuple[str, ...]:
        """Streams whose open set (what a first sync reads) the engine re-reads on a schedule,
        because some changes to them escape the watermark (see ``ar_sync.sync.engine``)."""
        ...

    @property
    def history_streams(self) -> tuple[str, ...]:
        """The document streams a history pass reads (customers need none: every sync reads
        them all), in sync order (see ``ar_sync.sync.history``)."""
        ...

    def fetch_org(self) -> Org:
        """Re-read the org's name, base currency and timezone from the ledger."""
        ...

    def history_pages(
        self, stream: str, since: datetime, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        """Yield pages of every document in ``stream`` changed at or after ``since`` (UTC),
        whatever its status: a watermark read from ``since``. ``state`` is a resumed pass's
        cursor (None: from the start); watermarks never pass ``started_at``."""
        ...

    def history_count(self, stream: str, since: datetime) -> int:
        """How many documents ``history_pages`` would read from ``since``: one counting call."""
        ...

    @property
    def page_size(self) -> int:
        """The most records one list call returns (for call estimates)."""
        ...

    @property
    def allowance(self) -> CallAllowance:
        """The org's call limits (for a backfill's estimate and its daily budget)."""
        ...

    def iter_pages(
        self, stream: str, state: StreamState | None, *, started_at: datetime
    ) -> Iterator[Page]:
        """Yield pages of what changed in ``stream`` since ``state`` (None: never synced).

        ``started_at`` (UTC) is when this sync began; watermarks never pass it.
        """
        ...

    def reported_balances(self, customer_ids: list[str], *, as_of: date) -> dict[str, Decimal]:
        """The ledger's own aged-receivables total per customer at ``as_of``, in base currency.

        May cost a call per customer (Xero): reconcile a few named or sampled customers with it,
        and the whole org with ``reported_total``.
        """
        ...

    def reported_total(self, *, as_of: date) -> LedgerTotal:
        """The ledger's own figure for the org's whole receivables at ``as_of`` (end of that day,
        base currency), from as few calls as the ledger allows (one report)."""
        ...

    def close(self) -> None: ...


# ------------------------------------------------------------------------- writing back

INVOICE_NOTE = "invoice_note"  # a note in an invoice's history
CUSTOMER_NOTE = "customer_note"  # a note on a customer (contact)
CUSTOMER_ATTACHMENT = "customer_attachment"  # a file attached to a customer (a statement PDF)
INVOICE_EMAIL = "invoice_email"  # the ledger's own "email this invoice"
MARKED_KINDS = (INVOICE_NOTE, CUSTOMER_NOTE, CUSTOMER_ATTACHMENT)  # what ``find_marker`` finds


def write_marker(key: str) -> str:
    """The marker a write with idempotency ``key`` carries into the ledger: ``[ar-sync
    7f3a9c2e]``, the first 8 hex digits of the key's SHA-256 (one in 4 billion for two keys
    on one target to share it). ``ValueError`` for an empty key (a caller's bug)."""
    if not key:
        raise ValueError("a write needs a non-empty idempotency key")
    return f"[ar-sync {hashlib.sha256(key.encode()).hexdigest()[:8]}]"


def marked_note(text: str, key: str, *, limit: int, ledger: str) -> str:
    """``text`` with the key's marker after it, at most ``limit`` characters in all.

    Longer text is refused, never cut (a cut would lose the marker or the message):
    ``ConfigError`` naming the ledger, the limit and how many characters the text may have.
    """
    marker = write_marker(key)
    note = f"{text.strip()} {marker}" if text.strip() else marker
    if len(note) > limit:
        room = limit - len(marker) - 1
        raise ConfigError(
            f"a {ledger} note holds at most {limit} characters, its marker {marker} included: "
            f"shorten the text to {room} characters (it has {len(text.strip())})"
        )
    return note


def marked_file_name(file_name: str, key: str) -> str:
    """``statement.pdf`` as ``statement [ar-sync 7f3a9c2e].pdf``: the marker before the last
    extension, so the file keeps its type and a later file of the same name does not replace
    it (Xero overwrites an attachment of the same name)."""
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem:
        return f"{file_name} {write_marker(key)}"
    return f"{stem} {write_marker(key)}.{extension}"


@contextmanager
def naming_refusal(what: str) -> Iterator[None]:
    """Prefix a ledger's refusal (``FatalSourceError``) with what was being written, e.g.
    ``cannot email invoice 1042: Xero refused ...``; other errors pass unchanged."""
    try:
        yield
    except FatalSourceError as error:
        raise type(error)(f"cannot {what}: {error}") from None


def check_marked_kind(kind: str) -> None:
    """``ValueError`` (a caller's bug) unless ``kind`` is one of ``MARKED_KINDS``."""
    if kind not in MARKED_KINDS:
        raise ValueError(f"find_marker: {kind!r} is not one of {', '.join(MARKED_KINDS)}")


def check_attachment(
    customer_id: str, file_name: str, content: bytes, *, max_bytes: int, refusal: str
) -> None:
    """Refuse a file before any call: an empty one, or one over ``max_bytes`` bytes
    (``ConfigError``: ``statement.pdf is 12 bytes; {refusal} of at most 10 bytes``, where
    ``refusal`` says what the ledger takes, e.g. ``Xero takes attachments``)."""
    if not content:
        raise ConfigError(f"nothing to attach to customer {customer_id}: {file_name} is empty")
    if len(content) > max_bytes:
        raise ConfigError(
            f"{file_name} is {len(content)} bytes; {refusal} of at most {max_bytes} bytes"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerWrite:
    """A write the ledger holds.

    ``kind`` is one of ``INVOICE_NOTE``, ``CUSTOMER_NOTE``, ``CUSTOMER_ATTACHMENT``,
    ``INVOICE_EMAIL``; ``target`` the ledger id of the invoice or customer written to;
    ``marker`` what the write carries (``write_marker``; None for an email); ``ledger_id`` the
    ledger's own id of what was written, where it gives one (a QuickBooks Attachable, a Xero
    attachment; None for a Xero note or an email); ``at`` when the ledger recorded it, UTC,
    from the ledger's answer (None when it says nothing).
    """

    kind: str
    target: str
    marker: str | None
    ledger_id: str | None = None
    at: datetime | None = None


@runtime_checkable
class LedgerWriter(Protocol):
    """Writes into one org's books, each carrying the caller's idempotency ``key``.

    The key goes to the ledger as its own idempotency token, so a retry with the same key is
    one write while the ledger remembers it (Xero: about 6 minutes; QuickBooks: unconfirmed);
    beyond that, ``find_marker`` says whether an earlier attempt landed. Refusals are
    ``FatalSourceError`` naming the write; a note over ``note_limit`` characters (marker
    included) is ``ConfigError`` before any call.
    """

    org: Org
    stats: CallStats
    note_limit: int  # characters a note may hold, its marker included

    def add_invoice_note(self, invoice_id: str, text: str, *, key: str) -> LedgerWrite:
        """A note on the invoice, visible to the firm (not to the customer)."""
        ...

    def add_customer_note(self, customer_id: str, text: str, *, key: str) -> LedgerWrite:
        """A note on the customer."""
        ...

    def attach_to_customer(
        self, customer_id: str, file_name: str, content: bytes, *, key: str
    ) -> LedgerWrite:
        """Attach a file (a statement PDF) to the customer; its name carries the marker."""
        ...

    def email_invoice(self, invoice_id: str, *, key: str) -> LedgerWrite:
        """Ask the ledger to send its own email of the invoice to the customer."""
        ...

    def find_marker(self, kind: str, target: str, marker: str) -> LedgerWrite | None:
        """The ``kind`` (one of ``MARKED_KINDS``) of write on ``target`` carrying ``marker``, as
        the ledger holds it now, or None when there is none."""
        ...

    def close(self) -> None: ...


class WriterClient(Protocol):
    """What ``WriterBase`` needs of a ledger's client: its call counts."""

    stats: CallStats


ClientT = TypeVar("ClientT", bound=WriterClient)


class WriterBase(Generic[ClientT]):
    """The part of a ``LedgerWriter`` every ledger's shares: ``org``, the ``client`` whose
    ``stats`` are the writer's, and both note writes as one ``_note`` the ledger implements."""

    note_limit: int

    def __init__(self, org: Org, client: ClientT) -> None:
        self.org = org
        self.client = client

    @property
    def stats(self) -> CallStats:
        return self.client.stats

    def add_invoice_note(self, invoice_id: str, text: str, *, key: str) -> LedgerWrite:
        return self._note(
            INVOICE_NOTE, invoice_id, text, key, f"add a note to invoice {invoice_id}"
        )

    def add_customer_note(self, customer_id: str, text: str, *, key: str) -> LedgerWrite:
        return self._note(
            CUSTOMER_NOTE, customer_id, text, key, f"add a note to customer {customer_id}"
        )

    def _note(self, kind: str, target: str, text: str, key: str, what: str) -> LedgerWrite:
        """Write a note of ``kind`` (``INVOICE_NOTE`` or ``CUSTOMER_NOTE``) on ``target``;
        ``what`` names the write in a refusal (``naming_refusal``)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectOptions:
    """What ``ar-sync connect`` was given. ``sandbox_url`` makes the flow unattended."""

    client_id: str | None = None
    client_secret: str | None = None
    sandbox_url: str | None = None
    redirect_port: int | None = None  # loopback listener port; None: the plugin's default
    open_browser: bool = True
    # The ledger's environment for apps with separate keys (QuickBooks: "production" or
    # "development", whose keys only reach Intuit's sandbox companies); None: the default.
    environment: str | None = None
    # A redirect URI registered on the app that is not a loopback listener (an https page that
    # shows the final URL for the user to paste back); None: the loopback listener.
    redirect_uri: str | None = None
    timeouts: Timeouts = DEFAULT_TIMEOUTS  # on every ledger and OAuth call the flow makes


class CredentialVault(Protocol):
    """Where a plugin keeps a connection's secrets (see ``ar_sync.connect.vaults``)."""

    def load(self, connection_id: str) -> dict[str, Any] | None: ...

    def save(self, connection_id: str, secret: dict[str, Any]) -> None: ...


class LedgerPlugin(Protocol):
    """What a ledger package registers under the ``ar_sync.connectors`` entry-point group."""

    platform: str
    display_name: str
    # A ledger that ships a local emulator also has ``sandbox``, an
    # ``ar_sync.sandbox.plugin.SandboxPlugin`` (imported only when asked for).

    def connect(
        self, options: ConnectOptions, vault: CredentialVault, *, echo: Any = print
    ) -> list[Org]:
        """Run the OAuth flow, store the tokens in ``vault`` and return every org granted."""
        ...

    def open(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> Connector:
        """A connector for an org stored earlier, its calls bounded by ``timeouts`` and paced
        to ``limits`` (None: the ledger's own; a rehearsal's sandbox copy has none)."""
        ...

    def open_writer(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: RateLimits | None = None,
    ) -> LedgerWriter:
        """A writer for an org stored earlier, its calls bounded by ``timeouts`` and paced to
        ``limits`` (None: the ledger's own)."""
        ...


@cache
def _plugin_entry_points() -> tuple[Any, ...]:
    """The installed plugins' entry points, read once a process: each read scans every
    installed distribution's metadata (tens of ms), and the CLI's option help asks often."""
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def available_platforms() -> list[str]:
    """Names of every installed ledger plugin."""
    return sorted(ep.name for ep in _plugin_entry_points())


def load_plugin(platform: str) -> LedgerPlugin:
    """The plugin registered for ``platform``; ``ConfigError`` naming the known ones if none."""
    for ep in _plugin_entry_points():
        if ep.name == platform:
            try:
                return ep.load()
            except ImportError as exc:
                raise ConfigError(
                    f"the {platform} connector is installed but cannot load ({exc}); "
                    f"install its extra: pip install 'ar-sync[{platform}]'"
                ) from None
    known = ", ".join(available_platforms()) or "none"
    raise ConfigError(f"unknown platform {platform!r} (installed: {known})")
