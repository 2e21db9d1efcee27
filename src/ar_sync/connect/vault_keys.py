"""The keys of the database vault: where they come from, what they look like, making new ones.

A vault key is a Fernet key (``cryptography.fernet``): 32 random bytes, URL-safe base64, so 44
characters. Keys come from exactly one of:

- ``AR_SYNC_VAULT_KEY``: one key, or several separated by commas;
- ``AR_SYNC_VAULT_KEY_FILE``: a file with one key per line (blank lines and ``#`` comments are
  ignored), made with ``ar-sync vault keygen PATH`` (mode 0600).

The **first** key encrypts; every key decrypts (``MultiFernet``; its ``rotate`` re-encrypts a
token under the first key: https://cryptography.io/en/latest/fernet/). Rotating is: put a
new key first, keep the old one after it, run ``ar-sync vault rotate`` (every entry is
re-encrypted under the first key), then drop the old key. Key values are registered with the
log redactor and never appear in a message: errors name the variable and the key's position.
"""

from __future__ import annotations

import binascii
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from ar_sync.errors import ConfigError
from ar_sync.redact import register_secret

KEY_ENV = "AR_SYNC_VAULT_KEY"
KEY_FILE_ENV = "AR_SYNC_VAULT_KEY_FILE"
_KEY_FILE_HEADER = (
    "# ar-sync vault keys: the first line encrypts, every line decrypts.\n"
    "# Rotate: `ar-sync vault keygen --add PATH`, then `ar-sync vault rotate`, then delete the\n"
    "# old key's line. Losing every key here means connecting each org again.\n"
)


def generate_key() -> str:
    """A fresh random vault key (44 characters)."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str, *, separator: str | None, source: str) -> list[str]:
    """The keys in ``text`` (split on ``separator``, or on lines when None), in order.

    Blank entries and ``#`` comment lines are skipped. ``ConfigError`` names ``source`` and the
    key's position when an entry is not a vault key, or when there is none; never the value.
    """
    pieces = text.split(separator) if separator else text.splitlines()
    keys = [p.strip() for p in pieces if p.strip() and not p.strip().startswith("#")]
    if not keys:
        raise ConfigError(f"{source} holds no vault key; make one with `ar-sync vault keygen`")
    for position, key in enumerate(keys, start=1):
        register_secret(key)
        try:
            Fernet(key)
        except (ValueError, TypeError, binascii.Error):
            raise ConfigError(
                f"{source}: key {position} of {len(keys)} is not a vault key (44 URL-safe "
                "base64 characters, as `ar-sync vault keygen` makes)"
            ) from None
    return keys


def read_key_file(path: Path) -> list[str]:
    """The keys in a key file; ``ConfigError`` when it cannot be read or holds none."""
    source = f"{KEY_FILE_ENV} {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source} is not a text file of vault keys") from None
    return parse_keys(text, separator=None, source=source)


def load_keys(key_value: str | None, key_file: Path | None) -> list[str] | None:
    """The configured keys, first (encrypting) key first; None when neither source is set."""
    if key_value and key_file:
        raise ConfigError(f"set {KEY_ENV} or {KEY_FILE_ENV}, not both")
    if key_value:
        return parse_keys(key_value, separator=",", source=KEY_ENV)
    if key_file:
        return read_key_file(key_file)
    return None


def cipher(keys: list[str]) -> MultiFernet:
    """Encrypts with ``keys[0]``; decrypts with any of ``keys``."""
    return MultiFernet([Fernet(key) for key in keys])


def _write_private(path: Path, text: str, *, exclusive: bool) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically.

    ``exclusive``: refuse (``FileExistsError``) when ``path`` exists.
    """
    if exclusive:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)  # a crash leaves the old file whole, never half a key list


def create_key_file(path: Path) -> None:
    """Make a new key file at ``path`` (mode 0600) holding one fresh key.

    ``ConfigError`` when ``path`` exists (a key file is never overwritten: that would lose the
    key the tokens are encrypted with) or cannot be written.
    """
    try:
        _write_private(path, _KEY_FILE_HEADER + generate_key() + "\n", exclusive=True)
    except FileExistsError:
        raise ConfigError(
            f"{path} exists; to rotate, put a new key in front of the old one with "
            f"`ar-sync vault keygen --add {path}`"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot create {path}: {exc.strerror or type(exc).__name__}") from None


def add_key_to_file(path: Path) -> int:
    """Put a fresh key first in an existing key file, keeping the others after it (mode 0600).

    Returns how many keys the file now holds.
    """
    old = read_key_file(path)
    keys = [generate_key(), *old]
    try:
        _write_private(path, _KEY_FILE_HEADER + "\n".join(keys) + "\n", exclusive=False)
    except OSError as exc:
        raise ConfigError(f"cannot rewrite {path}: {exc.strerror or type(exc).__name__}") from None
    return len(keys)
