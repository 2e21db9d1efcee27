"""Finding the orgs a command is about, and opening their connectors with the right vault."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ar_sync.connector import Connector, load_plugin
from ar_sync.domain import Customer, Org
from ar_sync.errors import ConfigError
from ar_sync.settings import Settings, VaultKind

# The vaults (keyring, cryptography) are imported by the functions that use them, so that
# `aging` starts without them.
if TYPE_CHECKING:
    from ar_sync.connect.vaults import DatabaseVault, KeyringVault
    from ar_sync.store import Store


def match_org(orgs: Sequence[Org], query: str) -> Org:
    """The org ``query`` names: its org id, tenant id or name (case-insensitive), or a unique
    prefix of its org id or tenant id. ``ConfigError`` when none or several match."""
    folded = query.casefold()
    exact = [
        org
        for org in orgs
        if query in (org.org_id, org.tenant_id) or org.name.casefold() == folded
    ]
    if len(exact) == 1:
        return exact[0]
    candidates = exact or [
        org for org in orgs if org.org_id.startswith(query) or org.tenant_id.startswith(query)
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        known = ", ".join(f"{org.name} ({org.org_id})" for org in orgs) or "none"
        raise ConfigError(f"unknown org {query!r} (known: {known})")
    names = ", ".join(f"{org.name} ({org.org_id})" for org in candidates)
    raise ConfigError(f"org {query!r} is ambiguous: {names}; use the org id")


def match_customer(customers: Sequence[Customer], query: str) -> Customer:
    """The customer ``query`` names: its id, or its name (case-insensitive). ``ConfigError``
    when none or several match."""
    folded = query.casefold()
    found = [c for c in customers if c.customer_id == query] or [
        c for c in customers if c.name.casefold() == folded
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ConfigError(f"unknown customer {query!r}: give its id or its exact name")
    ids = ", ".join(c.customer_id for c in found)
    raise ConfigError(f"several customers are called {query!r} (ids {ids}); give the id")


def select_orgs(
    orgs: Sequence[Org], query: str | None, *, everything: bool, default_all: bool
) -> list[Org]:
    """The orgs a command acts on.

    ``--org`` picks one; ``--all`` (or, when ``default_all``, nothing) picks every org; with
    neither, a single stored org is picked and several are an error asking to choose.
    """
    if not orgs:
        raise ConfigError("no orgs yet: connect one with `ar-sync connect xero`")
    if query is not None and everything:
        raise ConfigError("give either --org or --all, not both")
    if query is not None:
        return [match_org(orgs, query)]
    if everything or default_all or len(orgs) == 1:
        return list(orgs)
    names = ", ".join(org.name for org in orgs)
    raise ConfigError(f"several orgs are connected ({names}); choose one with --org or use --all")


def database_vault(settings: Settings, *, store: Store | None = None) -> DatabaseVault:
    """The database vault with the configured key(s); ``ConfigError`` saying how to make one
    when no key is configured."""
    from ar_sync.connect.vault_keys import KEY_ENV, KEY_FILE_ENV, cipher, load_keys
    from ar_sync.connect.vaults import DatabaseVault

    keys = load_keys(settings.vault_key, settings.vault_key_file)
    if keys is None:
        raise ConfigError(
            f"the database vault needs a key: make a key file with `ar-sync vault keygen PATH` "
            f"and set {KEY_FILE_ENV}=PATH, or set {KEY_ENV} to a key"
        )
    return DatabaseVault(cipher(keys), store=store, db_url=settings.db_url)


def vault_for(
    org: Org | None, settings: Settings, *, sandbox: bool = False, store: Store | None = None
) -> KeyringVault | DatabaseVault:
    """Where ``org``'s tokens live (``org`` None: a connection being made, ``sandbox`` or not).

    Sandbox orgs (a local emulator; an Intuit development org has an ``api_url`` too, and real
    credentials): a file keyring under ``AR_SYNC_HOME``, or the database vault when
    ``AR_SYNC_VAULT=database`` is set. Real orgs: the database vault when chosen or when a key
    is configured, else the system keyring (refused when it is unsafe). ``store``: the open
    store for the database vault (None: it opens ``settings.db_url`` per operation).
    """
    from ar_sync.connect.oauth import is_local_sandbox
    from ar_sync.connect.vaults import sandbox_vault, system_vault

    local = sandbox or (org is not None and is_local_sandbox(org.api_url))
    kind = settings.vault_kind(sandbox=local)
    if kind is VaultKind.SANDBOX_FILE:
        return sandbox_vault(settings.sandbox_keyring_file)
    if kind is VaultKind.DATABASE:
        return database_vault(settings, store=store)
    return system_vault()


def open_connector(org: Org, settings: Settings, *, store: Store | None = None) -> Connector:
    """The org's connector, with its vault and the settings' timeouts."""
    return load_plugin(org.platform).open(
        org, vault_for(org, settings, store=store), timeouts=settings.timeouts
    )
