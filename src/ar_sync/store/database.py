"""``Store``: the database behind ar-sync, on SQLite (the default) or PostgreSQL.

Opening a store creates the engine, checks the database can be reached and applies every
pending Alembic migration (so a fresh file or an empty PostgreSQL database is ready to use, and
reopening is a no-op: a store already at ``SCHEMA_HEAD`` is only read, without importing
Alembic). Whatever goes wrong while opening -- a malformed URL, a driver that is not installed,
a server that does not answer, a file that is not a database -- is raised as a one-line
``ConfigError`` naming the URL with its password masked.

Transactions, one convention for the whole store: ``Store.transaction()`` yields a
``Connection`` in a write transaction, which commits when the block ends and rolls back if it
raises; ``Store.reading()`` yields one in a read transaction (nothing written through it kept).
Every query of the table-group modules (``orgs``, ``records``, ``runs``, ``snapshots``,
``vault``, ``locks``) takes that connection as its first argument, ``tx``, and never commits, so
the caller decides what commits together (a page's records with its stream state). The store
never reads the clock: an instant it records (``updated_at``, ``created_at``) is passed in.

SQLite specifics: every connection gets ``PRAGMA foreign_keys=ON`` (cascades),
``journal_mode=WAL`` (readers never block the writer) and ``busy_timeout`` of
``SQLITE_BUSY_MS`` (a writer waits that long for another's commit). The ``sqlite3``
driver's legacy transaction handling (no BEGIN before SELECT or DDL) is switched off and BEGIN
is emitted by us, so that migrations are transactional and reads are repeatable; write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of
failing with a deadlock when both try to upgrade a read lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, StatementError
from sqlalchemy.pool import StaticPool

from ar_sync.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision id. A store already there opens without importing Alembic
# (a third of a second); tests/test_startup.py checks it against the migrations directory.
SCHEMA_HEAD = "0004"
_WRITE = "ar_sync_write"  # execution option: this transaction will write
_PG_MIGRATION_LOCK = 0x61725F73796E63  # "ar_sync": serialises concurrent first opens
_SUPPORTED = ("sqlite", "postgresql")


def _mask(url: str) -> str:
    """``url`` with any password replaced by ``***``, even if it does not parse."""
    return re.sub(r"(://[^:/@?#]*):[^@/?#]*@", r"\1:***@", url)


def normalize_url(url: str) -> URL:
    """Parse a database URL; ``postgres://`` and ``postgresql://`` use psycopg 3.

    ``ConfigError`` for a malformed URL or a backend other than SQLite and PostgreSQL.
    """
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigError(f"not a database URL: {_mask(url)!r}") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in _SUPPORTED:
        raise ConfigError(
            f"unsupported database {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    return parsed


def _first_line(exc: BaseException, password: str | None) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    message = lines[0] if lines else type(orig).__name__
    if password:
        message = message.replace(password, "***")
    return message


class Store:
    """An open ar-sync database. Use as a context manager or call ``close()``."""

    def __init__(self, url: str) -> None:
        self._url = normalize_url(url)
        self.display_url = self._url.render_as_string(hide_password=True)
        self._engine = self._create_engine()
        try:
            self._migrate()
        except BaseException:
            self._engine.dispose()
            raise

    # --- opening ---------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._url.get_backend_name()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and diagnostics; prefer the methods)."""
        return self._engine

    def _fail(self, what: str, exc: BaseException) -> ConfigError:
        reason = _first_line(exc, self._url.password if self._url.password else None)
        return ConfigError(f"{what} {self.display_url}: {reason}")

    def _create_engine(self) -> Engine:
        url = self._url
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:") or url.query.get("mode") == "memory":
                kwargs["poolclass"] = StaticPool  # one shared connection, else each is empty
            elif not url.query.get("uri"):
                path = Path(database).expanduser()
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(
                        f"cannot create the directory for {self.display_url}: {exc.strerror or exc}"
                    ) from None
                url = url.set(database=str(path))
            # The pool hands a connection to one thread at a time (scheduler jobs, CLI).
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["connect_args"] = {"connect_timeout": 10}
        try:
            engine = create_engine(url, **kwargs)
        except NoSuchModuleError:
            raise ConfigError(f"unsupported database driver in {self.display_url}") from None
        except ImportError as exc:
            hint = " (pip install 'ar-sync[postgres]')" if self.dialect == "postgresql" else ""
            raise ConfigError(
                f"the driver for {self.display_url} is not installed: {exc.name or exc}{hint}"
            ) from None
        except ArgumentError as exc:
            raise ConfigError(f"bad database URL {self.display_url}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def _migrate(self) -> None:
        """Bring the schema to the newest revision, in one transaction; a store already at
        ``SCHEMA_HEAD`` is only read (one query), so Alembic is imported only to migrate."""
        try:
            current = self._schema_revisions()
        except DBAPIError as exc:
            raise self._fail("cannot open database", exc) from None
        if current != [SCHEMA_HEAD]:
            self._upgrade()

    def _schema_revisions(self) -> list[str]:
        """The revisions recorded in Alembic's ``alembic_version`` table (empty: none yet)."""
        with self._engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return []
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())

    def _upgrade(self) -> None:
        """Run every pending Alembic migration in one transaction (serialised on PostgreSQL)."""
        from alembic import command  # imported here: slow, and needed only to migrate
        from alembic.config import Config
        from alembic.util.exc import CommandError

        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    if self.dialect == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                    config = Config()
                    config.set_main_option("script_location", str(MIGRATIONS_DIR))
                    config.set_main_option("path_separator", "os")
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
        except DBAPIError as exc:
            raise self._fail("cannot open database", exc) from None
        except CommandError as exc:
            raise ConfigError(
                f"cannot migrate database {self.display_url} (was it written by a newer "
                f"ar-sync?): {_first_line(exc, None)}"
            ) from None

    def close(self) -> None:
        """Close every pooled connection. The store cannot be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a write transaction: commits when the block ends, rolls back (and
        re-raises) if it raises."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
        except StatementError as exc:
            # A value our column types refused (a naive datetime, a float amount, too many
            # decimal places): raise that ValueError/TypeError itself, not SQLAlchemy's wrapper.
            if not isinstance(exc, DBAPIError) and isinstance(exc.orig, ValueError | TypeError):
                raise exc.orig from exc
            raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in a read transaction, for queries: nothing written through it is kept.
        On SQLite it sees one consistent view for the whole block and never blocks a writer."""
        with self._engine.connect() as conn:  # rolled back (nothing to undo) on close
            yield conn


# Milliseconds a writer waits for the write lock before "database is locked". Each write
# transaction is short (a page, a step's record), but ``ar-sync serve`` runs many orgs' jobs in
# one process, where a writer also waits for the interpreter: at 5 s, 48 threads on 2 cores
# (``make bench``'s simulated day) failed 1 run in 100 this way.
SQLITE_BUSY_MS = 60_000


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Take transaction control away from the sqlite3 module (see the module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
