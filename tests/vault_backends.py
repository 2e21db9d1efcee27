"""A test-only keyring backend that keeps passwords in plain text, as keyrings.alt's
``PlaintextKeyring`` does (keyrings.alt is not a dependency: installing it would make keyring
choose that backend on every machine without a keyring service).

Chosen through keyring's own machinery: ``PYTHON_KEYRING_BACKEND=tests.vault_backends.
PlaintextKeyring``. It writes to the JSON file named by ``AR_SYNC_TEST_PLAINTEXT_FILE``, so a
test can show that nothing was written there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class PlaintextKeyring(KeyringBackend):
    """Passwords in a readable file: what ar-sync must refuse to put tokens in."""

    priority = 0.5  # keyrings.alt's PlaintextKeyring: "not recommended"

    @property
    def path(self) -> Path:
        return Path(os.environ["AR_SYNC_TEST_PLAINTEXT_FILE"])

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        data.pop(f"{service}/{username}", None)
        self.path.write_text(json.dumps(data), encoding="utf-8")
