"""A real PostgreSQL for the test session, and one fresh database per test.

Fixtures (import them into a conftest: ``from tests.postgres import postgres_url, store_url``):

- ``postgres_url`` (session): a URL to a database on a running server. ``AR_SYNC_TEST_PG_URL``
  names an existing server (its user needs CREATEDB). Otherwise a throw-away cluster is made
  with ``initdb`` in a temp directory and started with ``pg_ctl`` on a free port on 127.0.0.1
  (unix socket in the temp dir, fsync off), and stopped and removed at the end. PostgreSQL
  refuses to run as root, so as root the binaries run as the ``postgres`` system user (through
  ``runuser``, else ``su``) and the temp dir is handed to that user. Without binaries the test
  is skipped, unless ``AR_SYNC_REQUIRE_POSTGRES=1``, which makes it fail.
- ``store_url``: parametrised over ``sqlite`` and ``postgresql``; an empty database per test
  (a file in ``tmp_path``, or ``CREATE DATABASE`` with a unique name on the session server,
  dropped afterwards). The postgresql case is marked ``postgres``.

``fresh_database_url(kind, tmp_path, postgres_url)`` is the same as a context manager, for
fixtures elsewhere that need their own parametrisation.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STORE_KINDS = ("sqlite", "postgresql")
_PG_USER = "postgres"


def _find_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: PATH first, then Debian's layout."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    """A temporary PostgreSQL cluster run by ``initdb``/``pg_ctl``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.as_user = pwd.getpwnam(_PG_USER)
            except KeyError:
                raise RuntimeError(
                    "running as root, and PostgreSQL refuses to run as root; there is no "
                    f"{_PG_USER!r} system user to run it as (set AR_SYNC_TEST_PG_URL instead)"
                ) from None
        self.root = Path(tempfile.mkdtemp(prefix="ar-sync-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        if self.as_user is not None:
            os.chmod(self.root, 0o700)
            os.chown(self.root, self.as_user.pw_uid, self.as_user.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user is not None:
            if shutil.which("runuser"):
                command = ["runuser", "-u", self.as_user.pw_name, "--", *command]
            else:
                import shlex

                command = ["su", self.as_user.pw_name, "-s", "/bin/sh", "-c", shlex.join(command)]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        env.pop("PGDATA", None)
        return subprocess.run(
            command,
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=self.root,
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        result = self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", _PG_USER,
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        self._check(result, "initdb")
        last: subprocess.CompletedProcess[str] | None = None
        for _attempt in range(5):  # the free port can be taken between probing and binding
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -F "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200"
            )
            last = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                "-t", "60", "start",
            )  # fmt: skip
            if last.returncode == 0:
                return
            time.sleep(0.2)
        assert last is not None
        self._check(last, "pg_ctl start")

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _admin(url: str):  # type: ignore[no-untyped-def]
    """An autocommit psycopg connection to the database ``url`` names."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(_sqlalchemy_url(url))
    return psycopg.connect(
        host=parsed.host or None,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database or "postgres",
        autocommit=True,
        connect_timeout=10,
        **{str(k): str(v) for k, v in parsed.query.items()},
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL (``postgresql+psycopg://``) to a database on a running server."""
    configured = os.environ.get("AR_SYNC_TEST_PG_URL")
    if configured:
        yield _sqlalchemy_url(configured)
        return
    bindir = _find_binaries()
    if bindir is None:
        message = (
            "PostgreSQL binaries not found (initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin);"
            " install PostgreSQL or set AR_SYNC_TEST_PG_URL"
        )
        if os.environ.get("AR_SYNC_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " -- AR_SYNC_REQUIRE_POSTGRES=1 requires it", pytrace=False)
        pytest.skip(message)
    try:
        cluster = _Cluster(bindir)
    except RuntimeError as exc:
        if os.environ.get("AR_SYNC_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    try:
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        cluster.stop()
        pytest.fail(f"could not start a test PostgreSQL: {exc}", pytrace=False)
    try:
        base = f"postgresql+psycopg://{_PG_USER}@127.0.0.1:{cluster.port}"
        with _admin(f"{base}/postgres") as conn:
            conn.execute("CREATE DATABASE ar_sync_test")
        yield f"{base}/ar_sync_test"
    finally:
        cluster.stop()


@contextmanager
def fresh_database_url(kind: str, tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """An empty database of ``kind`` (``sqlite`` or ``postgresql``), removed afterwards.

    ``postgres_url`` (from the fixture) is required for ``postgresql``: a database with a
    unique name is created on that server and dropped (``WITH (FORCE)``) at the end.
    """
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ar-sync.sqlite'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown store kind {kind!r} (kinds: {', '.join(STORE_KINDS)})")
    if postgres_url is None:
        raise ValueError("a postgresql store needs the postgres_url fixture")
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin(postgres_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin(postgres_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL per test, once on SQLite and once on PostgreSQL."""
    kind: str = request.param
    pg = request.getfixturevalue("postgres_url") if kind == "postgresql" else None
    with fresh_database_url(kind, tmp_path, pg) as url:
        yield url
