"""The database vault: tokens encrypted in our own database under a key the operator holds.

Every path runs the real CLI: scheduled-style processes (no terminal, stdin closed) against
sandboxes that rotate refresh tokens, key rotation, a wrong key, and the keyring backends that
must be refused. The database is searched byte by byte for the tokens: it holds ciphertext only.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from ar_sync.connect.vault_keys import generate_key
from ar_sync.sandbox.plugin import GenerateSpec
from ar_sync.settings import Settings, VaultKind, load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import list_orgs
from ar_sync.store.tables import vault_entries
from tests.conformance.platforms import DRIVERS, PlatformDriver
from tests.conformance.support import (
    PLATFORM_PARAMS,
    SMALL,
    Control,
    Ledger,
    one_line_error,
    post_form,
    stored_secret,
    summary,
)
from tests.postgres import _find_binaries, fresh_database_url, postgres_url  # noqa: F401
from tests.scheduled import run_scheduled

WRONG_KEY = (
    "error: the vault key does not decrypt the stored tokens; give the key they were saved "
    "with in AR_SYNC_VAULT_KEY or AR_SYNC_VAULT_KEY_FILE (while rotating: the new key first, "
    "then the old one), or connect the org again"
)


@pytest.fixture(params=PLATFORM_PARAMS)
def strict_ledger(
    request: pytest.FixtureRequest, today: date
) -> Iterator[Ledger]:
    """A sandbox on the small generated company that refuses a used refresh token at once."""
    driver: PlatformDriver = DRIVERS[request.param]
    spec = GenerateSpec(today=today, **SMALL)
    handle = driver.start_sandbox(spec, strict_refresh=True)
    try:
        yield Ledger(driver=driver, handle=handle, control=Control(handle.url), spec=spec)
    finally:
        handle.stop()


@pytest.fixture
def key_env(ar_home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``key_env(KEY[, ...])``: the database vault with these keys (first encrypts), for this
    process and the processes it starts."""
    monkeypatch.delenv("AR_SYNC_VAULT_KEY_FILE", raising=False)
    monkeypatch.setenv("AR_SYNC_VAULT", "database")

    def use(*keys: str) -> None:
        monkeypatch.setenv("AR_SYNC_VAULT_KEY", ",".join(keys))

    return use


def _secrets_of(secret: dict[str, Any]) -> list[str]:
    token = secret["token"]
    return [secret["client_secret"], token["access_token"], token["refresh_token"]]


def _assert_nowhere(values: list[str], haystacks: dict[str, bytes]) -> None:
    for name, haystack in haystacks.items():
        for value in values:
            assert value.encode() not in haystack, f"a secret reached the {name}"


def _home_files(home: Path) -> dict[str, bytes]:
    """Every file under AR_SYNC_HOME: the SQLite store (and its WAL) and the logs."""
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def _only_org_id() -> str:
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        (org,) = list_orgs(tx)
    return org.org_id


def _ciphertexts(url: str) -> list[str]:
    with Store(url) as store, store.engine.connect() as conn:
        return list(conn.execute(select(vault_entries.c.ciphertext)).scalars())


# -------------------------------------------------------------- a scheduled run on a server


def test_a_scheduled_run_keeps_rotated_tokens_in_the_database_vault(
    strict_ledger: Ledger, ar_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = strict_ledger
    driver = ledger.driver
    key_file = tmp_path / "secrets" / "vault.key"
    key_file.parent.mkdir()
    made = run_scheduled("vault", "keygen", str(key_file))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Forced for a sandbox org only because AR_SYNC_VAULT=database is set explicitly.
    monkeypatch.setenv("AR_SYNC_VAULT", "database")
    monkeypatch.setenv("AR_SYNC_VAULT_KEY_FILE", str(key_file))
    monkeypatch.delenv("AR_SYNC_VAULT_KEY", raising=False)

    connected = run_scheduled("connect", ledger.platform, "--sandbox", ledger.url)
    assert connected.returncode == 0, connected.stderr
    assert not (ar_home / "sandbox-keyring.cfg").exists()  # the file vault was not used
    first = stored_secret(ledger.org_id)
    outputs = [made.stdout, made.stderr, connected.stdout, connected.stderr]

    rotated = [first]
    for _run in range(2):
        ledger.control.fault(kind="expire_tokens")
        ledger.control.reset_calls()
        synced = run_scheduled("sync")
        assert synced.returncode == 0, synced.stderr
        outputs += [synced.stdout, synced.stderr]
        assert ledger.control.calls()["by_endpoint"].get(driver.token_endpoint) == 1
        rotated.append(stored_secret(ledger.org_id))
        before, after = rotated[-2]["token"], rotated[-1]["token"]
        assert after["refresh_token"] != before["refresh_token"]
        # The sandbox refuses the refresh token just used: the second sync could only refresh
        # because the first stored the rotated one in the database vault.
        status, body = post_form(
            ledger.url + driver.token_path,
            {"grant_type": "refresh_token", "refresh_token": before["refresh_token"]},
            user=first["client_id"],
            password=first["client_secret"],
        )
        assert (status, body["error"]) == (400, "invalid_grant")
    assert summary(synced.stdout).calls >= 1

    (ciphertext,) = _ciphertexts(f"sqlite:///{ar_home / 'ar-sync.sqlite'}")
    assert ciphertext.startswith("gAAAAA")  # a Fernet token (version byte 0x80)
    every_secret = [value for secret in rotated for value in _secrets_of(secret)]
    _assert_nowhere(every_secret, {"output": "".join(outputs).encode(), **_home_files(ar_home)})


def _connect_and_sync(
    cli: Callable[..., Any], sandbox: Any, key_env: Callable[..., None], key: str
) -> None:
    """Connect the Xero ``sandbox`` and sync it once, the tokens in the database vault under
    ``key``."""
    key_env(key)
    assert cli("connect", "xero", "--sandbox", sandbox.url).code == 0
    assert cli("sync").code == 0


# ------------------------------------------------------------------------ only ciphertext


@pytest.mark.postgres
def test_postgresql_holds_only_ciphertext(
    cli, xero_sandbox, ar_home, key_env, tmp_path, postgres_url, monkeypatch  # noqa: F811
) -> None:
    """The PostgreSQL vault row, dumped with pg_dump, holds none of the secrets."""
    with fresh_database_url("postgresql", tmp_path, postgres_url) as url:
        monkeypatch.setenv("AR_SYNC_DB", url)
        _connect_and_sync(cli, xero_sandbox, key_env, generate_key())
        secret = stored_secret(_only_org_id())
        (ciphertext,) = _ciphertexts(url)
        dump = _dump_vault_table(url)
        assert ciphertext.encode() in dump
        _assert_nowhere(_secrets_of(secret), {"pg_dump of vault_entries": dump})


def _dump_vault_table(url: str) -> bytes:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    bindir = _find_binaries()
    beside_server = bindir / "pg_dump" if bindir else None
    pg_dump = beside_server if beside_server and beside_server.exists() else shutil.which("pg_dump")
    if not pg_dump:
        pytest.skip("pg_dump is not installed")
    done = subprocess.run(
        [str(pg_dump), "--data-only", "--table=vault_entries", "-h", str(parsed.host), "-p",
         str(parsed.port), "-U", str(parsed.username), str(parsed.database)],
        capture_output=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---------------------------------------------------------------------- rotation, wrong key


def test_rotation_re_encrypts_under_the_new_key_and_the_old_one_can_go(
    cli, xero_sandbox, ar_home, key_env
) -> None:
    old, new = generate_key(), generate_key()
    _connect_and_sync(cli, xero_sandbox, key_env, old)
    url = f"sqlite:///{ar_home / 'ar-sync.sqlite'}"
    (before,) = _ciphertexts(url)

    key_env(new, old)
    rotated = cli("vault", "rotate")
    assert rotated.code == 0, rotated.err
    assert rotated.out == (
        "Re-encrypted 1 vault entry under the first key of AR_SYNC_VAULT_KEY; every other key "
        "there can now be removed.\n"
    )
    (after,) = _ciphertexts(url)
    assert after != before
    Fernet(new).decrypt(after.encode())
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(after.encode())

    key_env(new)  # the old key dropped
    assert cli("sync").code == 0
    key_env(old)  # and the old key alone no longer opens the vault
    assert one_line_error(cli("sync")) == WRONG_KEY


def test_a_key_file_is_made_private_and_rotated_with_add(cli, ar_home, tmp_path) -> None:
    path = tmp_path / "vault.key"
    made = cli("vault", "keygen", str(path))
    assert made.code == 0, made.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (first,) = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    Fernet(first)

    again = cli("vault", "keygen", str(path))
    assert one_line_error(again) == (
        f"error: {path} exists; to rotate, put a new key in front of the old one with "
        f"`ar-sync vault keygen --add {path}`"
    )
    added = cli("vault", "keygen", "--add", str(path))
    assert added.code == 0, added.err
    keys = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert len(keys) == 2 and keys[1] == first and keys[0] != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    printed = cli("vault", "keygen")
    assert printed.code == 0 and len(printed.out.strip()) == 44
    Fernet(printed.out.strip())


def test_a_wrong_key_is_one_line_exit_2_and_leaks_nothing(
    cli, xero_sandbox, ar_home, key_env
) -> None:
    right, wrong = generate_key(), generate_key()
    _connect_and_sync(cli, xero_sandbox, key_env, right)
    secret = stored_secret(_only_org_id())

    key_env(wrong)
    outputs = []
    for args in (("sync",), ("-v", "sync")):
        failed = cli(*args)
        assert failed.code == 2 and "Traceback" not in failed.err
        assert failed.err.strip().splitlines()[-1] == WRONG_KEY
        outputs += [failed.out, failed.err]
    rotate = cli("vault", "rotate")
    assert one_line_error(rotate) == WRONG_KEY
    outputs += [rotate.out, rotate.err]
    _assert_nowhere(
        [right, wrong, *_secrets_of(secret)],
        {"output": "".join(outputs).encode(), **_home_files(ar_home)},
    )


def test_a_malformed_or_missing_key_is_named_without_its_value(cli, ar_home, xero_sandbox,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("AR_SYNC_VAULT", "database")
    monkeypatch.setenv("AR_SYNC_VAULT_KEY", f"{generate_key()},not-a-key-at-all")
    failed = cli("connect", "xero", "--sandbox", xero_sandbox.url)
    assert one_line_error(failed) == (
        "error: AR_SYNC_VAULT_KEY: key 2 of 2 is not a vault key (44 URL-safe base64 "
        "characters, as `ar-sync vault keygen` makes)"
    )
    assert "not-a-key-at-all" not in failed.err + failed.out
    monkeypatch.delenv("AR_SYNC_VAULT_KEY")
    assert one_line_error(cli("connect", "xero", "--sandbox", xero_sandbox.url)) == (
        "error: the database vault needs a key: make a key file with `ar-sync vault keygen "
        "PATH` and set AR_SYNC_VAULT_KEY_FILE=PATH, or set AR_SYNC_VAULT_KEY to a key"
    )


# ------------------------------------------------------------------- unsafe keyrings refused

_PLAINTEXT_ALT = "keyrings.alt.file.PlaintextKeyring"


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        ("keyring.backends.null.Keyring",
         "refusing the keyring backend keyring.backends.null.Keyring: it drops every token "
         "saved"),
        ("keyring.backends.fail.Keyring",
         "no usable keyring to keep OAuth tokens in (keyring chose "
         "keyring.backends.fail.Keyring)"),
        ("tests.vault_backends.PlaintextKeyring",
         "refusing the keyring backend tests.vault_backends.PlaintextKeyring: it keeps tokens "
         "in plain text"),
        pytest.param(
            _PLAINTEXT_ALT,
            f"refusing the keyring backend {_PLAINTEXT_ALT}: it keeps tokens in plain text",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("keyrings") is None, reason="keyrings.alt not installed"
            ),
        ),
    ],
    ids=["null", "fail", "plaintext", "keyrings.alt-plaintext"],
)
def test_unsafe_keyrings_are_refused_with_what_to_do(ar_home, tmp_path, backend, why) -> None:
    plaintext_file = tmp_path / "plaintext-keyring.json"
    result = run_scheduled(
        "connect", "xero", "--no-browser",
        env={
            "PYTHON_KEYRING_BACKEND": backend,
            "AR_SYNC_TEST_PLAINTEXT_FILE": str(plaintext_file),
            "AR_SYNC_XERO_CLIENT_ID": "client-id-for-the-test",
            "AR_SYNC_XERO_CLIENT_SECRET": "client-secret-for-the-test",
            "AR_SYNC_VAULT": None, "AR_SYNC_VAULT_KEY": None, "AR_SYNC_VAULT_KEY_FILE": None,
        },
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {why}; on a server, keep tokens encrypted in the database instead: "
        "`ar-sync vault keygen PATH` makes a key file, then set AR_SYNC_VAULT_KEY_FILE=PATH (or "
        "AR_SYNC_VAULT_KEY to the key); on a desktop, install and unlock a keyring service "
        "(macOS Keychain, Windows Credential Locker, the Secret Service on Linux) or choose one "
        "with PYTHON_KEYRING_BACKEND"
    ]
    assert not plaintext_file.exists()
    assert "client-secret-for-the-test" not in result.stderr


def test_sandbox_orgs_keep_their_file_vault_unless_the_database_is_chosen(
    cli, xero_sandbox, ar_home, monkeypatch
) -> None:
    """A key alone (no AR_SYNC_VAULT) leaves sandbox tokens in AR_SYNC_HOME's file."""
    monkeypatch.delenv("AR_SYNC_VAULT", raising=False)
    monkeypatch.setenv("AR_SYNC_VAULT_KEY", generate_key())
    assert cli("connect", "xero", "--sandbox", xero_sandbox.url).code == 0
    assert (ar_home / "sandbox-keyring.cfg").is_file()
    assert _ciphertexts(f"sqlite:///{ar_home / 'ar-sync.sqlite'}") == []
    assert os.stat(ar_home / "sandbox-keyring.cfg").st_mode & 0o077 == 0


KEY_TEXT = "a-vault-key-that-must-not-show"


@pytest.mark.parametrize(
    ("chosen", "key", "sandbox", "expected"),
    [
        (None, None, False, VaultKind.KEYRING),  # a desktop: the system keyring
        (None, KEY_TEXT, False, VaultKind.DATABASE),  # a key configured: the database vault
        (VaultKind.KEYRING, KEY_TEXT, False, VaultKind.KEYRING),  # an explicit choice wins
        (VaultKind.DATABASE, None, False, VaultKind.DATABASE),  # (then a key is required)
        (None, KEY_TEXT, True, VaultKind.SANDBOX_FILE),  # sandbox orgs keep their file ...
        (VaultKind.KEYRING, None, True, VaultKind.SANDBOX_FILE),
        (VaultKind.DATABASE, KEY_TEXT, True, VaultKind.DATABASE),  # ... unless told otherwise
    ],
)
def test_which_vault_keeps_an_org_s_tokens(chosen, key, sandbox, expected) -> None:
    settings = Settings(home=Path("/srv/ar-sync"), db_url="sqlite://", vault=chosen,
                        vault_key=key)
    assert settings.vault_kind(sandbox=sandbox) is expected
    assert key is None or key not in repr(settings)
