"""How the core talks to a ledger: the Connector protocol, the plugin protocol and the registry.

A ledger plugin is a package registered in the ``ar_sync.connectors`` entry-point group whose
entry point is an object satisfying ``LedgerPlugin``. The core never imports an SDK; it asks the
plugin to connect (OAuth), to open a ``Connector`` for a stored org, and to run its sandbox.

Paging contract (``Connector.iter_pages``): the connector yields ``Page`` objects, each carrying
the records it read and the stream's new ``state``. The sync engine commits a page's records and
its state in one transaction, so a sync killed between pages resumes from the last committed
state and re-reads at most one page. ``state`` is the connector's own JSON-able cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ar_sync.domain import Org, Record
from ar_sync.errors import ConfigError, DataError
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts

if TYPE_CHECKING:
    from ar_sync.retry import RetryNotice

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
        because some changes to them escape the watermark (see ``ar_sync.sync``)."""
        ...

    def fetch_org(self) -> Org:
        """Re-read the org's name, base currency and timezone from the ledger."""
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


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateSpec:
    """Size and seed of a generated sandbox company; ``today`` anchors its dates.

    ``invoices`` is the number of open receivables; paid history is generated beside them.
    """

    today: date
    customers: int = 40
    invoices: int = 400
    seed: int = 1


class SandboxHandle(Protocol):
    """A running sandbox server."""

    url: str

    def stop(self) -> None: ...


class CredentialVault(Protocol):
    """Where a plugin keeps a connection's secrets (see ``ar_sync.credentials``)."""

    def load(self, connection_id: str) -> dict[str, Any] | None: ...

    def save(self, connection_id: str, secret: dict[str, Any]) -> None: ...


class LedgerPlugin(Protocol):
    """What a ledger package registers under the ``ar_sync.connectors`` entry-point group."""

    platform: str
    display_name: str
    # A top-level key every company file of this ledger's sandbox has and no other ledger's does
    # (Xero: "Organisation"): how `sandbox serve --company FILE` tells which ledger FILE is for.
    company_marker: str

    def connect(
        self, options: ConnectOptions, vault: CredentialVault, *, echo: Any = print
    ) -> list[Org]:
        """Run the OAuth flow, store the tokens in ``vault`` and return every org granted."""
        ...

    def open(
        self, org: Org, vault: CredentialVault, *, timeouts: Timeouts = DEFAULT_TIMEOUTS
    ) -> Connector:
        """A connector for an org stored earlier, its calls bounded by ``timeouts``."""
        ...

    def start_sandbox(
        self,
        *,
        company_files: list[Path] | None = None,
        generate: GenerateSpec | None = None,
        port: int = 0,
    ) -> SandboxHandle:
        """Start this ledger's local emulator on 127.0.0.1 in a background thread.

        With neither company files nor ``generate`` it serves the plugin's sample company.
        """
        ...


def available_platforms() -> list[str]:
    """Names of every installed ledger plugin."""
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_plugin(platform: str) -> LedgerPlugin:
    """The plugin registered for ``platform``; ``ConfigError`` naming the known ones if none."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
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
