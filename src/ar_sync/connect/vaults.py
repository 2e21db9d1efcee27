"""OAuth tokens and client secrets: the vaults that keep them, and nothing else does.

One entry per *connection* (one OAuth grant, which may cover several orgs), keyed by the
connection id, holding a JSON document ``{"client_id", "client_secret", "token": {...}}``.
Three vaults (``ar_sync.connect.orgs.vault_for`` picks one):

- ``KeyringVault`` over the system keyring the ``keyring`` library chooses (a desktop: macOS
  Keychain, Windows Credential Locker, the Secret Service). Backends that would keep tokens
  unsafely are refused (``system_vault``): plain-text files (keyrings.alt's
  ``PlaintextKeyring``), the null keyring (it drops every save) and the fail keyring.
- ``DatabaseVault``: the entry encrypted with Fernet (``cryptography``) in our own database,
  under a key the operator holds (``ar_sync.connect.vault_keys``); no prompt, so it suits servers,
  cron and several workers sharing one PostgreSQL. The database holds ciphertext only.
- ``SandboxFileKeyring``: sandbox orgs' throwaway tokens in a file under ``AR_SYNC_HOME``.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from cryptography.fernet import InvalidToken, MultiFernet
from filelock import FileLock
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

from ar_sync.connect.vault_keys import KEY_ENV, KEY_FILE_ENV
from ar_sync.errors import ConfigError
from ar_sync.redact import register_secret
from ar_sync.settings import HOME_HINT, ensure_writable_dir
from ar_sync.store import Store
from ar_sync.store import vault as vault_table

SERVICE = "ar-sync"

# What a server should do instead of a keyring; every refusal ends with it.
SERVER_VAULT_HELP = (
    "on a server, keep tokens encrypted in the database instead: `ar-sync vault keygen PATH` "
    f"makes a key file, then set {KEY_FILE_ENV}=PATH (or {KEY_ENV} to the key); on a desktop, "
    "install and unlock a keyring service (macOS Keychain, Windows Credential Locker, the "
    "Secret Service on Linux) or choose one with PYTHON_KEYRING_BACKEND"
)
NO_KEYRING = "no usable keyring to keep OAuth tokens in ({detail})"
NO_KEYRING_HELP = NO_KEYRING + "; " + SERVER_VAULT_HELP
WRONG_KEY = (
    "the vault key does not decrypt the stored tokens; give the key they were saved with in "
    f"{KEY_ENV} or {KEY_FILE_ENV} (while rotating: the new key first, then the old one), or "
    "connect the org again"
)


class SandboxFileKeyring(KeyringBackend):
    """A keyring backend storing entries as JSON in one file (mode 0600).

    Only for sandbox tokens. Its ``priority`` is deliberately not viable, so ``keyring`` never picks
    it on its own for real credentials.

    Safe for many writers at once: every backend on the file, in this process or another (a
    scheduler's workers, a manual ``ar-sync sync`` beside ``ar-sync serve``), changes it under one
    file lock (``filelock``, on ``<file>.lock``), each write goes to its own temporary file that
    then replaces the file, so a reader sees the old document or the new one, never a mix. Reads
    take no lock and parse the file again only when its bytes changed (``_FileCache``).
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._lock = FileLock(path.with_name(path.name + ".lock"), mode=0o600)

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 (keyring's classproperty)
        raise RuntimeError("only used explicitly, for sandbox tokens")

    def _read(self) -> dict[str, dict[str, str]]:
        """The file's document, parsed anew (to change it: the caller holds the lock)."""
        try:
            return _parsed(self.path, self.path.read_bytes())
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                   suffix=".tmp")  # mode 0600, a name no other writer has
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, self.path)  # atomic: a crash never leaves half a token file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, str]]]:
        """The document under the file lock; written back when the block ends without error."""
        ensure_writable_dir(self.path.parent, "AR_SYNC_HOME", hint=HOME_HINT)  # one line
        with self._lock:
            data = self._read()
            yield data
            self._write(data)

    def get_password(self, service: str, username: str) -> str | None:
        return _FILES.read(self.path).get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._changing() as data:
            data.setdefault(service, {})[username] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._changing() as data:
            if data.get(service, {}).pop(username, None) is None:
                raise keyring.errors.PasswordDeleteError(username)


class _FileCache:
    """Parsed JSON files, parsed again only when their bytes change: a token file of 1,000
    connections is ~260 KB, and every API call reads its connection's entry (reading and
    comparing the bytes costs a small fraction of parsing them). Callers must not change what
    ``read`` returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[Path, tuple[bytes, dict[str, Any]]] = {}

    def read(self, path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        with self._lock:
            kept = self._kept.get(path)
        if kept is not None and kept[0] == raw:
            return kept[1]
        document = _parsed(path, raw)
        with self._lock:
            self._kept[path] = (raw, document)
        return document


_FILES = _FileCache()


def _parsed(path: Path, raw: bytes) -> dict[str, Any]:
    """The token file's document; ``ConfigError`` naming the file (and line) when it is not one
    (edited by hand, say: ar-sync's own writes replace it whole)."""
    try:
        document = json.loads(raw)
        problem = None if isinstance(document, dict) else "is not a JSON object"
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON (line {exc.lineno})"
    except ValueError:  # not UTF-8
        problem = "is not valid JSON"
    if problem is not None:
        raise ConfigError(f"{path}: the sandbox token file {problem}; delete it and connect the "
                          "sandbox orgs again (`ar-sync connect PLATFORM --sandbox URL`)")
    return document


class KeyringVault:
    """Load and save a connection's secrets (a JSON dict) in one keyring backend."""

    def __init__(self, backend: KeyringBackend) -> None:
        self.backend = backend

    def load(self, connection_id: str) -> dict[str, Any] | None:
        raw = self._call(self.backend.get_password, SERVICE, connection_id)
        if raw is None:
            return None
        secret = json.loads(raw)
        _register_secrets(secret)
        return secret

    def save(self, connection_id: str, secret: dict[str, Any]) -> None:
        _register_secrets(secret)
        self._call(self.backend.set_password, SERVICE, connection_id, json.dumps(secret))

    def delete(self, connection_id: str) -> None:
        try:
            self._call(self.backend.delete_password, SERVICE, connection_id)
        except keyring.errors.PasswordDeleteError:
            pass

    def _call(self, method: Any, *args: str) -> Any:
        try:
            return method(*args)
        except keyring.errors.PasswordDeleteError:
            raise
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            # The message of a keyring error never holds the password itself.
            raise ConfigError(NO_KEYRING_HELP.format(detail=type(exc).__name__)) from None


def _register_secrets(secret: dict[str, Any]) -> None:
    """Tell the log redactor about every secret value in a credential document."""
    register_secret(secret.get("client_secret"))
    token = secret.get("token") or {}
    for key in ("access_token", "refresh_token", "id_token"):
        register_secret(token.get(key))


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _stores_plain_text(backend: KeyringBackend) -> bool:
    """A backend that keeps passwords readable in a file: by its class names (keyrings.alt's
    ``PlaintextKeyring`` and its subclasses; https://github.com/jaraco/keyrings.alt README:
    "the PlaintextKeyring stores passwords in plain text on the file system") or by its
    declared ``scheme`` ("no encyption", sic, in keyrings.alt's file backends)."""
    names = " ".join(cls.__name__.lower() for cls in type(backend).__mro__)
    scheme = str(getattr(backend, "scheme", "") or "").lower()
    return "plaintext" in names or "unencrypted" in names or scheme.startswith("no enc")


def keyring_refusal(backend: KeyringBackend) -> str | None:
    """Why ``backend`` must not keep tokens (the start of the error line), or None when it may.

    A chainer writes to its first backend (``keyring.backends.chainer``: ``set_password`` goes
    to the highest-priority one that implements it), so that one is judged.
    """
    writer = backend
    if isinstance(backend, chainer.ChainerBackend):
        if not backend.backends:
            return NO_KEYRING.format(detail=f"{_backend_name(backend)} found no backend")
        writer = backend.backends[0]
    if isinstance(writer, fail.Keyring):
        return NO_KEYRING.format(detail=f"keyring chose {_backend_name(writer)}")
    refused = f"refusing the keyring backend {_backend_name(writer)}"
    if isinstance(writer, null.Keyring):
        return f"{refused}: it drops every token saved"
    if _stores_plain_text(writer):
        return f"{refused}: it keeps tokens in plain text"
    return None


def system_vault() -> KeyringVault:
    """The user's keyring; ``ConfigError`` with set-up advice when it is missing or unsafe."""
    backend = keyring.get_keyring()
    refusal = keyring_refusal(backend)
    if refusal is not None:
        raise ConfigError(f"{refusal}; {SERVER_VAULT_HELP}")
    return KeyringVault(backend)


def sandbox_vault(path: Path) -> KeyringVault:
    """A vault for sandbox tokens in ``path`` (under ``AR_SYNC_HOME``)."""
    return KeyringVault(SandboxFileKeyring(path))


class DatabaseVault:
    """Connection secrets encrypted (Fernet, ``cipher``'s first key) in ``vault_entries``.

    The plaintext is ``{"connection_id", "secret"}``: a ciphertext copied onto another
    connection's row does not decrypt as that connection's. ``store``: an open store to use;
    None opens ``db_url`` for each operation (for callers that hold no store).
    """

    def __init__(self, cipher: MultiFernet, *, store: Store | None, db_url: str) -> None:
        self._cipher = cipher
        self._store = store
        self._db_url = db_url

    @contextmanager
    def _opened(self) -> Iterator[Store]:
        if self._store is not None:
            yield self._store
        else:
            with Store(self._db_url) as store:
                yield store

    def _decrypt(self, connection_id: str, ciphertext: str) -> dict[str, Any]:
        try:
            document = json.loads(self._cipher.decrypt(ciphertext.encode("ascii")))
        except (InvalidToken, UnicodeEncodeError, ValueError):
            raise ConfigError(WRONG_KEY) from None
        if document.get("connection_id") != connection_id:
            raise ConfigError(f"the vault entry of connection {connection_id} belongs to "
                              "another connection; connect the org again")
        secret: dict[str, Any] = document["secret"]
        return secret

    def load(self, connection_id: str) -> dict[str, Any] | None:
        with self._opened() as store, store.reading() as tx:
            ciphertext = vault_table.get(tx, connection_id)
        if ciphertext is None:
            return None
        secret = self._decrypt(connection_id, ciphertext)
        _register_secrets(secret)
        return secret

    def save(self, connection_id: str, secret: dict[str, Any]) -> None:
        _register_secrets(secret)
        plaintext = json.dumps({"connection_id": connection_id, "secret": secret})
        ciphertext = self._cipher.encrypt(plaintext.encode("utf-8")).decode("ascii")
        with self._opened() as store, store.transaction() as tx:
            vault_table.put(tx, connection_id, ciphertext)

    def delete(self, connection_id: str) -> None:
        with self._opened() as store, store.transaction() as tx:
            vault_table.remove(tx, connection_id)

    def rotate(self) -> int:
        """Re-encrypt every entry under the first key; returns how many. Nothing changes when
        any entry does not decrypt with the given keys (``ConfigError``: the wrong key)."""

        def reencrypt(connection_id: str, ciphertext: str) -> str:
            self._decrypt(connection_id, ciphertext)  # the wrong-key error, before any change
            return self._cipher.rotate(ciphertext.encode("ascii")).decode("ascii")

        with self._opened() as store, store.transaction() as tx:
            return vault_table.rewrite_all(tx, reencrypt)
