"""What starting a command costs, as modules loaded (never as time: a busy machine is no bug).

``ar-sync --help`` and ``ar-sync version`` load no store, SDK or sandbox; ``orgs`` and ``aging``
load the store but no SDK, sandbox, vault or Alembic, unless the store needs a migration. Each
case runs in a fresh interpreter, the way a user starts ar-sync.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from ar_sync import __version__
from ar_sync.store import Store
from ar_sync.store.database import MIGRATIONS_DIR, SCHEMA_HEAD

# Top-level packages a command that neither connects nor syncs must not load.
SDKS = {"xero_python", "quickbooks", "intuitlib", "ar_sync_xero", "ar_sync_quickbooks"}
SANDBOX = {"werkzeug", "ar_sync.sandbox", "ar_sync.sandbox_options"}
VAULTS = {"keyring", "cryptography"}
STORE = {"sqlalchemy", "alembic"}

# Runs ``main(argv)`` and writes its exit status, output and the modules it loaded (beyond those
# the interpreter starts with: intuit-oauth's .pth file plants an empty ``intuitlib`` there).
_PROBE = """
import contextlib, io, json, sys
before = set(sys.modules)
out = io.StringIO()
with contextlib.redirect_stdout(out):
    from ar_sync.cli import main
    code = main(sys.argv[2:]) if len(sys.argv) > 2 else None
loaded = set(sys.modules) - before
names = {name for name in loaded if name.split(".")[0] in sys.argv[1].split(",")}
names |= {name.split(".")[0] for name in loaded}
json.dump({"code": code, "out": out.getvalue(), "loaded": sorted(names)}, sys.stderr)
"""


def _start(*args: str) -> tuple[int | None, str, set[str]]:
    """``ar-sync ARGS`` in a new interpreter (no ARGS: only ``import ar_sync.cli``); its exit
    status, standard output and the top-level packages (and ar_sync modules) it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "ar_sync", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["out"], set(report["loaded"])


def test_importing_the_cli_loads_no_sdk_sandbox_vault_or_store(ar_home: Path) -> None:
    _, _, loaded = _start()
    assert loaded & (SDKS | SANDBOX | VAULTS | STORE) == set()


def test_help_and_version_load_no_store(ar_home: Path) -> None:
    code, out, loaded = _start("--help")
    assert (code, out.split("\n")[0]) == (0, "Usage: ar-sync [OPTIONS] COMMAND [ARGS]...")
    assert loaded & (SDKS | SANDBOX | VAULTS | STORE) == set()
    code, out, loaded = _start("version")
    assert (code, out) == (0, f"{__version__}\n")
    assert loaded & (SDKS | SANDBOX | VAULTS | STORE | {"ar_sync.settings"}) == set()
    # answered before typer builds the commands: no option coercion (pydantic), no plugin
    # registry (importlib.metadata, read for the help texts naming the platforms)
    assert loaded & {"pydantic", "ar_sync.connector"} == set()
    assert not ar_home.exists()  # version reads no settings and writes no log


def test_orgs_and_aging_load_the_store_and_alembic_only_to_migrate(cli, ar_home: Path,
                                                                   connected) -> None:
    assert cli("sync").code == 0  # connect and sync in this process: the store is at head now
    code, out, loaded = _start("orgs", "--format", "json")
    assert (code, [org["org_id"] for org in json.loads(out)]) == (0, [
        "xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001"
    ])
    assert "sqlalchemy" in loaded
    assert loaded & (SDKS | SANDBOX | VAULTS | {"alembic"}) == set()
    code, out, loaded = _start("aging", "--format", "json")
    assert (code, json.loads(out)["orgs"][0]["totals"]["total"]) == (0, "3219.79")
    assert loaded & (SDKS | SANDBOX | VAULTS | {"alembic"}) == set()


def test_a_new_home_is_migrated_by_its_first_command(ar_home: Path) -> None:
    code, out, loaded = _start("orgs", "--format", "json")
    assert (code, out) == (0, "[]\n")
    assert "alembic" in loaded
    code, out, loaded = _start("orgs", "--format", "json")
    assert (code, out, "alembic" in loaded) == (0, "[]\n", False)


def test_a_store_one_migration_behind_is_upgraded_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ar-sync.sqlite'}"
    with Store(url) as store, store.engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("path_separator", "os")
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
        assert not inspect(conn).has_table("run_locks")
    with Store(url) as store, store.engine.connect() as conn:
        assert inspect(conn).has_table("run_locks")
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            SCHEMA_HEAD
        )


def test_schema_head_is_the_newest_migration() -> None:
    """A store at ``SCHEMA_HEAD`` opens without Alembic, so it must be the real head."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_a_sync_with_nothing_new_starts_without_numpy(cli, ar_home: Path, connected) -> None:
    assert cli("sync").code == 0  # the first sync keeps the day's aging as a snapshot
    code, _, loaded = _start("sync")
    assert code == 0
    assert "numpy" not in loaded  # nothing new: the snapshot is kept, no aging is made
    code, _, loaded = _start("aging", "--format", "json")
    assert (code, "numpy" in loaded) == (0, False)  # it prints the kept snapshot
    code, _, loaded = _start("aging", "--format", "json", "--basis", "invoice")
    assert (code, "numpy" in loaded) == (0, True)  # no snapshot kept for that basis: aged
