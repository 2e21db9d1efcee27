"""An AR_SYNC_HOME that cannot be used is one line naming the path and the problem, exit 2,
for every command that needs it, and the log is never the reason a command fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.support import one_line_error

HINT = "; set AR_SYNC_HOME to a directory ar-sync can write"
COMMANDS = [("orgs",), ("aging",), ("sync",), ("vault", "rotate")]


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory nobody can create files in, and the reason the system gives.

    Not root: mode 0555. Root ignores modes, so there the directory is made immutable with
    ``chattr +i``; where that does not work (a filesystem without the flag, no capability),
    the test is skipped with the reason.
    """
    path = tmp_path / "read-only"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        undo = ["chmod", "755", str(path)]
    else:
        chattr = shutil.which("chattr")
        done = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True,
                                         text=True, check=False)
        if not done or done.returncode != 0:
            why = done.stderr.strip() if done else "chattr is not installed"
            pytest.skip(f"as root only an immutable directory is read-only: chattr +i: {why}")
        undo = [chattr, "-i", str(path)]
    try:
        try:
            (path / "probe").touch()
        except OSError as exc:
            yield path, exc.strerror or ""
        else:
            pytest.skip(f"{path} is writable even so")
    finally:
        subprocess.run(undo, check=True)


def _home(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("AR_SYNC_HOME", str(path))


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_home_under_a_regular_file(cli, tmp_path, monkeypatch, args) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file", encoding="utf-8")
    home = blocker / "ar-sync"
    _home(monkeypatch, home)
    assert one_line_error(cli(*args)) == (
        f"error: AR_SYNC_HOME {home} cannot be created: {blocker} is a file, not a directory"
        + HINT
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_home_that_is_a_regular_file(cli, tmp_path, monkeypatch, args) -> None:
    home = tmp_path / "ar-sync"
    home.write_text("a file", encoding="utf-8")
    _home(monkeypatch, home)
    assert one_line_error(cli(*args)) == (
        f"error: AR_SYNC_HOME {home} is a file, not a directory" + HINT
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_read_only_home(cli, monkeypatch, read_only_dir, args) -> None:
    home, reason = read_only_dir
    _home(monkeypatch, home)
    assert one_line_error(cli(*args)) == (
        f"error: AR_SYNC_HOME {home} is not writable: {reason}" + HINT
    )
    assert list(home.iterdir()) == []  # no log directory, no database, no probe left


def test_a_home_whose_missing_parent_cannot_be_created(cli, monkeypatch, read_only_dir) -> None:
    parent, reason = read_only_dir
    home = parent / "a" / "ar-sync"
    _home(monkeypatch, home)
    assert one_line_error(cli("orgs")) == (
        f"error: AR_SYNC_HOME {home} cannot be created in {parent}: {reason}" + HINT
    )


def test_a_database_path_under_a_file_is_named_clearly(cli, tmp_path) -> None:
    """Not "File exists": what is in the way, and what to do."""
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    result = cli("--db", f"sqlite:///{blocker / 'ar-sync.sqlite'}", "orgs")
    assert one_line_error(result) == (
        f"error: the database directory {blocker} is a file, not a directory; choose another "
        "path with --db or AR_SYNC_DB"
    )


def test_the_log_is_never_why_a_command_fails(cli, tmp_path, monkeypatch) -> None:
    """The home cannot hold a log, but the database lives elsewhere: commands work."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    _home(monkeypatch, blocker / "ar-sync")
    database = f"sqlite:///{tmp_path / 'elsewhere' / 'ar-sync.sqlite'}"
    for args in (("orgs",), ("orgs", "--format", "json"), ("version",), ("-v", "orgs")):
        result = cli("--db", database, *args)
        assert (result.code, "Logging error" in result.err) == (0, False), result.err
    assert cli("--db", database, "aging").err.strip() == (
        "error: no orgs yet: connect one with `ar-sync connect xero`"
    )


def test_sandbox_tokens_in_an_unwritable_home_are_one_line(
    cli, tmp_path, monkeypatch, read_only_dir, xero_sandbox
) -> None:
    home, reason = read_only_dir
    _home(monkeypatch, home)
    database = f"sqlite:///{tmp_path / 'elsewhere' / 'ar-sync.sqlite'}"
    result = cli("--db", database, "connect", "xero", "--sandbox", xero_sandbox.url)
    assert one_line_error(result) == (
        f"error: AR_SYNC_HOME {home} is not writable: {reason}" + HINT
    )
