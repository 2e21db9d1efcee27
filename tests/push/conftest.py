"""Push tests on a store: once on SQLite and once on PostgreSQL (``tests/store/conftest.py``)."""

from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)
from tests.store.conftest import org_store, store  # noqa: F401  (fixtures)
