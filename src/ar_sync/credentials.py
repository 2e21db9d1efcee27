"""OAuth tokens and client secrets, kept in a keyring and nowhere else.

One keyring entry per *connection* (one OAuth grant, which may cover several orgs): service
``ar-sync``, username = the connection id, password = a JSON document
``{"client_id", "client_secret", "token": {...}}``. The database only stores the connection id.

Real orgs use the system keyring chosen by the ``keyring`` library (configurable with
``PYTHON_KEYRING_BACKEND``). Sandbox orgs hold throwaway tokens from a local emulator; they go to a
file-backed keyring confined to ``AR_SYNC_HOME`` so that the sandbox works on a headless machine and
never touches the user's real keyring.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.compat import properties

from ar_sync.errors import ConfigError
from ar_sync.redact import register_secret

SERVICE = "ar-sync"

NO_KEYRING_HELP = (
    "no usable keyring to keep OAuth tokens in ({detail}). Install and unlock a keyring service "
    "(macOS Keychain, Windows Credential Locker, or the Secret Service on Linux), or choose a "
    "backend explicitly, e.g. PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring after "
    "`pip install keyrings.alt`; see https://pypi.org/project/keyring/"
)


class SandboxFileKeyring(KeyringBackend):
    """A keyring backend storing entries as JSON in one file (mode 0600).

    Only for sandbox tokens. Its ``priority`` is deliberately not viable, so ``keyring`` never picks
    it on its own for real credentials.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._lock = threading.Lock()

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 (keyring's classproperty)
        raise RuntimeError("only used explicitly, for sandbox tokens")

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a token file

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            data = self._read()
            data.setdefault(service, {})[username] = password
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            data = self._read()
            if data.get(service, {}).pop(username, None) is None:
                raise keyring.errors.PasswordDeleteError(username)
            self._write(data)


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


def system_vault() -> KeyringVault:
    """The user's keyring; ``ConfigError`` with set-up advice when none is usable."""
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        raise ConfigError(NO_KEYRING_HELP.format(detail=f"keyring chose {type(backend).__name__}"))
    return KeyringVault(backend)


def sandbox_vault(path: Path) -> KeyringVault:
    """A vault for sandbox tokens in ``path`` (under ``AR_SYNC_HOME``)."""
    return KeyringVault(SandboxFileKeyring(path))
