"""Opening a store: migrations, connection settings, URLs and the errors a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ar_sync.errors import ConfigError
from ar_sync.settings import default_db_url
from ar_sync.store import Store, normalize_url
from ar_sync.store.orgs import get_org, list_orgs, save_org
from ar_sync.store.tables import metadata
from tests.store.records import ORG, T0, make_org

TABLES = {
    "orgs",
    "customers",
    "invoices",
    "credits",
    "allocations",
    "stream_states",
    "sync_runs",
    "aging_snapshots",
    "journal_entries",
    "outbox_actions",
    "outbox_steps",
    "aging_snapshot_lines",
    "vault_entries",
    "run_locks",
    "schedules",
    "job_runs",
    "apscheduler_jobs",
}


def test_migrations_create_every_table(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert names == TABLES | {"alembic_version"}
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"


def test_migrated_schema_matches_the_table_definitions(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_indexes_and_unique_key(store: Store) -> None:
    inspector = inspect(store.engine)
    invoice_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("invoices")}
    assert ("org_id", "status") in invoice_indexes
    allocation_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("allocations")}
    assert {("org_id", "invoice_id"), ("org_id", "source_id")} <= allocation_indexes
    uniques = inspector.get_unique_constraints("aging_snapshots")
    assert [u["column_names"] for u in uniques] == [["org_id", "as_of", "basis", "scheme"]]
    fk = inspector.get_foreign_keys("aging_snapshot_lines")
    assert fk[0]["referred_table"] == "aging_snapshots"
    assert fk[0]["options"]["ondelete"] == "CASCADE"


def test_reopening_is_idempotent_and_keeps_data(store_url: str) -> None:
    with Store(store_url) as first, first.transaction() as tx:
        save_org(tx, make_org(), now=T0)
    with Store(store_url) as second:
        with second.reading() as tx:
            assert get_org(tx, ORG) == make_org()
        assert set(inspect(second.engine).get_table_names()) == TABLES | {"alembic_version"}
    with Store(store_url) as third, third.reading() as tx:
        assert [org.org_id for org in list_orgs(tx)] == [ORG]


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path}/a/b/ar-sync.sqlite") as store:
        assert (tmp_path / "a" / "b" / "ar-sync.sqlite").is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 60_000


def test_in_memory_sqlite_shares_one_database() -> None:
    with Store("sqlite://") as store:
        with store.transaction() as tx:
            save_org(tx, make_org(), now=T0)
        with store.reading() as tx:
            assert get_org(tx, ORG) == make_org()


def test_default_db_url(tmp_path: Path) -> None:
    assert default_db_url(tmp_path) == f"sqlite:///{tmp_path}/ar-sync.sqlite"
    with Store(default_db_url(tmp_path / "home")) as store:
        assert store.display_url == f"sqlite:///{tmp_path}/home/ar-sync.sqlite"
    assert (tmp_path / "home" / "ar-sync.sqlite").is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:pw@db.example:5433/ar", "postgresql+psycopg://u:***@db.example:5433/ar"),
        ("postgres://u@localhost/ar", "postgresql+psycopg://u@localhost/ar"),
        ("postgresql+psycopg://u@localhost/ar", "postgresql+psycopg://u@localhost/ar"),
        ("sqlite:////var/lib/ar.sqlite", "sqlite:////var/lib/ar.sqlite"),
    ],
)
def test_url_normalisation(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=True) == expected


@pytest.mark.postgres
def test_display_url_masks_the_password(postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(password="s3cret")
    # The test server trusts every connection, so the password is simply ignored.
    with Store(url.render_as_string(hide_password=False)) as store:
        assert "s3cret" not in store.display_url
        assert store.display_url == url.render_as_string(hide_password=True)
        assert ":***@" in store.display_url
        assert "s3cret" not in repr(store)


def test_unreachable_server_is_a_config_error_with_the_password_masked() -> None:
    with pytest.raises(ConfigError) as caught:
        Store("postgresql://alice:s3cret@127.0.0.1:1/books")
    message = str(caught.value)
    assert message.startswith(
        "cannot open database postgresql+psycopg://alice:***@127.0.0.1:1/books: "
    )
    assert "s3cret" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL: 'not a url'"),
        ("postgresql://bob:hunter2@host:notaport/db", ("not a database URL: "
         "'postgresql://bob:***@host:notaport/db'")),
        ("mysql://bob:hunter2@host/db", ("unsupported database 'mysql://bob:***@host/db': "
         "use sqlite:///PATH or postgresql://USER@HOST/DB")),
        ("postgresql+nosuchdriver://bob:hunter2@host/db",
         "unsupported database driver in postgresql+nosuchdriver://bob:***@host/db"),
    ],
)  # fmt: skip
def test_bad_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Store(url)
    assert str(caught.value) == message


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(ConfigError) as caught:
        Store(f"sqlite:///{path}")
    assert str(caught.value) == f"cannot open database sqlite:///{path}: file is not a database"


def test_an_unusable_directory_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x")
    url = f"sqlite:///{tmp_path}/plain-file/ar-sync.sqlite"
    with pytest.raises(ConfigError) as caught:
        Store(url)
    assert str(caught.value).startswith(f"cannot create the directory for {url}: ")


def test_a_database_from_a_newer_version_is_a_config_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ar-sync.sqlite"
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError) as caught:
        Store(url)
    assert str(caught.value).startswith(f"cannot migrate database {url} (was it written by a newer")
