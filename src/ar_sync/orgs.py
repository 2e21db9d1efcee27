"""Finding the orgs a command is about, and opening their connectors with the right vault."""

from __future__ import annotations

from collections.abc import Sequence

from ar_sync.connector import Connector, load_plugin
from ar_sync.credentials import KeyringVault, sandbox_vault, system_vault
from ar_sync.domain import Org
from ar_sync.errors import ConfigError
from ar_sync.settings import Settings


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


def vault_for(org: Org | None, settings: Settings, *, sandbox: bool = False) -> KeyringVault:
    """Sandbox orgs keep tokens in a file keyring under ``AR_SYNC_HOME``; real ones in the
    system keyring."""
    if sandbox or (org is not None and org.api_url):
        return sandbox_vault(settings.sandbox_keyring_file)
    return system_vault()


def open_connector(org: Org, settings: Settings) -> Connector:
    return load_plugin(org.platform).open(org, vault_for(org, settings))
