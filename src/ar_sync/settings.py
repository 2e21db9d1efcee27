"""Where ar-sync keeps its files and tokens, read from the environment once at the CLI's edge.

- ``AR_SYNC_HOME``: the data directory (default: the platform's user data directory). It holds
  the SQLite store, the log file and, for sandbox orgs only, a file-backed keyring.
- ``AR_SYNC_DB``: a database URL overriding the SQLite default (``--db`` overrides both).
- ``AR_SYNC_VAULT``: where tokens live, ``keyring`` or ``database``. Unset: ``database`` when a
  vault key is configured, else ``keyring``. Sandbox orgs use their file in ``AR_SYNC_HOME``
  unless ``AR_SYNC_VAULT=database`` is set explicitly.
- ``AR_SYNC_CONNECT_TIMEOUT`` / ``AR_SYNC_READ_TIMEOUT``: see ``ar_sync.timeouts``.
- ``AR_SYNC_OPEN_SET_HOURS``: hours between re-reads of the open documents, which heal changes a
  watermark cannot see (default 24; 0: at every sync; ``never``: only on ``sync --full``). See
  ``ar_sync.sync.engine``.
- ``AR_SYNC_HISTORY_MONTHS``: months of settled history a sync keeps (default 12; 0: open
  documents only, as before history). See ``ar_sync.sync.history``.
- ``AR_SYNC_VAULT_KEY`` / ``AR_SYNC_VAULT_KEY_FILE``: the database vault's key(s); see
  ``ar_sync.connect.vault_keys``. They are kept here unparsed, so commands that need no token
  (``orgs``, ``aging``) never fail on them.

``ensure_writable_dir`` turns "this directory cannot be used" into one line naming the path and
the reason (a file in the way, no permission), instead of an ``OSError`` traceback.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from platformdirs import user_data_dir

from ar_sync.errors import ConfigError
from ar_sync.timeouts import DEFAULT_TIMEOUTS, Timeouts, timeouts_from_env


class VaultKind(StrEnum):
    """Where a connection's tokens are kept."""

    KEYRING = "keyring"  # the system keyring (a desktop)
    DATABASE = "database"  # encrypted in our database (a server)
    SANDBOX_FILE = "sandbox-file"  # sandbox orgs: a file under AR_SYNC_HOME


VAULT_CHOICES = (VaultKind.KEYRING.value, VaultKind.DATABASE.value)


# How often a sync re-reads the open documents by default (see ``ar_sync.sync.engine``).
DEFAULT_REFRESH_EVERY = timedelta(days=1)


def default_db_url(home: Path) -> str:
    """The SQLite store inside ar-sync's data directory ``home``."""
    return f"sqlite:///{home / 'ar-sync.sqlite'}"


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    db_url: str
    vault: VaultKind | None = None  # AR_SYNC_VAULT; None: chosen by whether a key is set
    vault_key: str | None = field(default=None, repr=False)  # AR_SYNC_VAULT_KEY (secret)
    vault_key_file: Path | None = None  # AR_SYNC_VAULT_KEY_FILE
    timeouts: Timeouts = DEFAULT_TIMEOUTS  # AR_SYNC_CONNECT_TIMEOUT / AR_SYNC_READ_TIMEOUT
    open_set_every: timedelta | None = DEFAULT_REFRESH_EVERY  # AR_SYNC_OPEN_SET_HOURS
    history_months: int = 12  # AR_SYNC_HISTORY_MONTHS (DEFAULT_HISTORY_MONTHS)

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "ar-sync.log"

    @property
    def sandbox_keyring_file(self) -> Path:
        """Tokens of sandbox orgs: never real credentials, kept inside ``home``."""
        return self.home / "sandbox-keyring.cfg"

    @property
    def vault_key_configured(self) -> bool:
        return bool(self.vault_key or self.vault_key_file)

    def vault_kind(self, *, sandbox: bool) -> VaultKind:
        """The vault for a sandbox org (``sandbox``) or a real one (see the module docstring)."""
        if sandbox:
            explicit = self.vault is VaultKind.DATABASE
            return VaultKind.DATABASE if explicit else VaultKind.SANDBOX_FILE
        if self.vault is not None:
            return self.vault
        return VaultKind.DATABASE if self.vault_key_configured else VaultKind.KEYRING


def default_home() -> Path:
    configured = os.environ.get("AR_SYNC_HOME")
    return Path(configured).expanduser() if configured else Path(user_data_dir("ar-sync"))


def _vault_choice(value: str | None) -> VaultKind | None:
    if not value or not value.strip():
        return None
    chosen = value.strip().lower()
    if chosen not in VAULT_CHOICES:
        raise ConfigError(
            f"AR_SYNC_VAULT must be one of {', '.join(VAULT_CHOICES)}, not {value.strip()!r}"
        )
    return VaultKind(chosen)


OPEN_SET_ENV = "AR_SYNC_OPEN_SET_HOURS"


def _open_set_every(value: str | None) -> timedelta | None:
    """``AR_SYNC_OPEN_SET_HOURS``: unset is a day, ``never`` is None, else hours >= 0."""
    text = (value or "").strip().lower()
    if not text:
        return DEFAULT_REFRESH_EVERY
    if text == "never":
        return None
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 366:  # also refuses nan
        raise ConfigError(
            f"{OPEN_SET_ENV}: expected hours between re-reads of the open documents (a number "
            f"from 0 to 8784, or never), got {value!r}"
        )
    return timedelta(hours=hours)


HISTORY_ENV = "AR_SYNC_HISTORY_MONTHS"
DEFAULT_HISTORY_MONTHS = 12
MAX_HISTORY_MONTHS = 120


def _history_months(value: str | None) -> int:
    """``AR_SYNC_HISTORY_MONTHS``: unset is ``DEFAULT_HISTORY_MONTHS``, else whole months from
    0 (no history: open documents only) to ``MAX_HISTORY_MONTHS``."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_HISTORY_MONTHS
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_HISTORY_MONTHS:
        raise ConfigError(
            f"{HISTORY_ENV}: expected the months of history a sync keeps (a whole number from 0 "
            f"to {MAX_HISTORY_MONTHS}), got {value!r}"
        )
    return int(text)


def load_settings(db_option: str | None = None) -> Settings:
    """Settings from ``--db`` (if given) and the ``AR_SYNC_*`` environment variables."""
    home = default_home()
    db_url = db_option or os.environ.get("AR_SYNC_DB") or default_db_url(home)
    key_file = os.environ.get("AR_SYNC_VAULT_KEY_FILE", "").strip()
    return Settings(
        home=home,
        db_url=db_url,
        vault=_vault_choice(os.environ.get("AR_SYNC_VAULT")),
        vault_key=os.environ.get("AR_SYNC_VAULT_KEY", "").strip() or None,
        vault_key_file=Path(key_file).expanduser() if key_file else None,
        timeouts=timeouts_from_env(os.environ),
        open_set_every=_open_set_every(os.environ.get(OPEN_SET_ENV)),
        history_months=_history_months(os.environ.get(HISTORY_ENV)),
    )


def _blocker(path: Path) -> tuple[Path, Path | None]:
    """The nearest existing ancestor of ``path`` (or ``path`` itself), and the first missing
    directory below it (None when ``path`` exists)."""
    missing = None
    current = path
    while not current.exists() and current != current.parent:
        missing, current = current, current.parent
    return current, missing


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def ensure_writable_dir(path: Path, label: str, *, hint: str = "") -> None:
    """Create ``path`` if needed and check a file can be made in it; ``ConfigError`` otherwise.

    ``label`` names the setting in the message (``"AR_SYNC_HOME"``, ``"the database
    directory"``) and ``hint`` (if any) follows it after "; ", e.g. "AR_SYNC_HOME /srv/x cannot
    be created: /srv is a file, not a directory; set AR_SYNC_HOME to ...".
    """
    path = Path(os.path.abspath(path))
    tail = f"; {hint}" if hint else ""
    existing, missing = _blocker(path)
    if not existing.is_dir():
        if missing is None:
            raise ConfigError(f"{label} {path} is a file, not a directory{tail}")
        raise ConfigError(
            f"{label} {path} cannot be created: {existing} is a file, not a directory{tail}"
        )
    if missing is not None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"{label} {path} cannot be created in {existing}: {_reason(exc)}{tail}"
            ) from None
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix=".ar-sync-probe-")
    except OSError as exc:
        raise ConfigError(f"{label} {path} is not writable: {_reason(exc)}{tail}") from None
    os.close(fd)
    os.unlink(probe)


HOME_HINT = "set AR_SYNC_HOME to a directory ar-sync can write"


def prepare_database_location(settings: Settings) -> None:
    """For a SQLite file store, make sure its directory exists and is writable (one-line
    ``ConfigError`` naming it otherwise); other databases need nothing here."""
    from ar_sync.store.database import normalize_url  # SQLAlchemy: only when a store opens

    url = normalize_url(settings.db_url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or url.query:
        return
    directory = Path(database).expanduser().parent
    if Path(os.path.abspath(directory)) == Path(os.path.abspath(settings.home)):
        ensure_writable_dir(directory, "AR_SYNC_HOME", hint=HOME_HINT)
    else:
        ensure_writable_dir(directory, "the database directory",
                            hint="choose another path with --db or AR_SYNC_DB")
