"""Store tests run once on SQLite and once on PostgreSQL (see ``tests/postgres.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ar_sync.store import Store
from ar_sync.store.orgs import get_org, save_org
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)
from tests.store.records import ORG, T0, make_org


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    """An open, migrated, empty store."""
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def org_store(store: Store) -> Store:
    """A store holding the test org (``ORG``)."""
    with store.transaction() as tx:
        save_org(tx, make_org(), now=T0)
    with store.reading() as tx:
        assert get_org(tx, ORG) is not None
    return store
