"""How the product finds and starts a ledger's sandbox: the plugin protocol and the registry.

A ledger plugin (``ar_sync.connectors`` entry point, ``ar_sync.connector.LedgerPlugin``) that
ships a sandbox has a ``sandbox`` attribute satisfying ``SandboxPlugin``; one entry point per
ledger registers both, and the plugin imports its sandbox only when asked for it, so a sync
never loads an emulator. ``LedgerSandbox`` is the plugin made of a ledger's parts (its loader,
generator, server class and sample company); ``load_sandbox`` and ``available_sandboxes`` are
what ``ar-sync sandbox serve``, the demo and the tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ar_sync.connector import available_platforms, load_plugin
from ar_sync.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateSpec:
    """Size and seed of a generated sandbox company; ``today`` anchors its dates.

    ``invoices`` is the number of open receivables; paid history is generated beside them.
    """

    today: date
    customers: int = 40
    invoices: int = 400
    seed: int = 1
    history_months: int = 0  # months of settled past documents before ``today`` (0: none)


class SandboxHandle(Protocol):
    """A running sandbox server."""

    url: str

    def stop(self) -> None: ...


class SandboxPlugin(Protocol):
    """A ledger's local emulator, as ``LedgerPlugin.sandbox`` gives it."""

    platform: str
    display_name: str
    # A top-level key every company file of this ledger's sandbox has and no other ledger's does
    # (Xero: "Organisation"): how `sandbox serve --company FILE` tells which ledger FILE is for.
    company_marker: str

    def start(
        self,
        *,
        company_files: list[Path] | None = None,
        generate: GenerateSpec | None = None,
        port: int = 0,
        relaxed_limits: bool = False,
    ) -> SandboxHandle:
        """Start the emulator on 127.0.0.1 in a background thread.

        It serves each company file in order, then a generated company (``generate``); with
        neither, the ledger's sample company. ``relaxed_limits`` lifts its rate limits (the
        demo's writes; never what a bench or a conformance test measures).
        """
        ...

    # Optional (``ar-sync rehearse``): a ledger whose sandbox can take a copy of synced books.
    # ``company_from_records(org, customers, invoices, credits) -> dict`` builds a company
    # document (the company-file shape) with the same ids and balances; ``start_copy(document,
    # relaxed_limits=True)`` serves it, its rate limits lifted when asked.


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSandbox:
    """A ``SandboxPlugin`` from a ledger's parts: ``load`` reads a company file, ``generate``
    builds a seeded company (``customers``, ``invoices`` open, ``paid``, ``seed``, ``today``,
    ``history_months``),
    ``server`` is the ledger's ``SandboxServer`` class (``server(companies, port=...)``)."""

    platform: str
    display_name: str
    company_marker: str
    sample: Path
    load: Callable[[Path], Any]
    generate: Callable[..., Any]
    server: Callable[..., Any]
    # For ``ar-sync rehearse`` (None: this ledger's sandbox takes no copy of synced books):
    # ``copy(org, customers, invoices, credits)`` -> a company document, ``parse(document,
    # source=)`` -> a company, and ``relaxed`` the server's ``limits=`` without rate limits.
    copy: Callable[..., dict[str, Any]] | None = None
    parse: Callable[..., Any] | None = None
    relaxed: Any = None

    def start(
        self,
        *,
        company_files: list[Path] | None = None,
        generate: GenerateSpec | None = None,
        port: int = 0,
        relaxed_limits: bool = False,
    ) -> SandboxHandle:
        companies = [self.load(path) for path in company_files or ()]
        if generate is not None:  # half as many paid invoices as open ones beside them
            companies.append(
                self.generate(
                    customers=generate.customers,
                    invoices=generate.invoices,
                    paid=generate.invoices // 2,
                    seed=generate.seed,
                    today=generate.today,
                    history_months=generate.history_months,
                )
            )
        extra = {"limits": self.relaxed} if relaxed_limits and self.relaxed is not None else {}
        return self.server(companies or [self.load(self.sample)], port=port, **extra).start()

    def company_from_records(
        self, org: Any, customers: Any, invoices: Any, credits: Any
    ) -> dict[str, Any]:
        """``org``'s stored customers, open invoices and open credits as a company document of
        this sandbox; ``ConfigError`` when the ledger's sandbox takes no copy."""
        if self.copy is None:
            raise ConfigError(f"the {self.display_name} sandbox cannot copy synced books")
        return self.copy(org, customers, invoices, credits)

    def start_copy(
        self, document: dict[str, Any], *, relaxed_limits: bool = False, port: int = 0
    ) -> SandboxHandle:
        """Serve the company ``document`` (``company_from_records``) on 127.0.0.1; with
        ``relaxed_limits`` no rate limit slows a rehearsal down (its calls never reach a
        ledger). A document the sandbox refuses is ``CompanyFileError``."""
        if self.copy is None or self.parse is None:
            raise ConfigError(f"the {self.display_name} sandbox cannot copy synced books")
        company = self.parse(document, source="<copied books>")
        extra = {"limits": self.relaxed} if relaxed_limits and self.relaxed is not None else {}
        return self.server([company], port=port, **extra).start()


def load_sandbox(platform: str) -> SandboxPlugin:
    """The sandbox of the ledger plugin registered for ``platform``; ``ConfigError`` naming the
    known ledgers when there is none, or when that ledger ships no sandbox."""
    sandbox = getattr(load_plugin(platform), "sandbox", None)
    if sandbox is None:
        raise ConfigError(f"the {platform} connector ships no sandbox")
    return sandbox


def available_sandboxes() -> dict[str, SandboxPlugin]:
    """Every installed ledger's sandbox, by platform name (loads each plugin)."""
    found = {}
    for name in available_platforms():
        sandbox = getattr(load_plugin(name), "sandbox", None)
        if sandbox is not None:
            found[name] = sandbox
    return found
