"""Where ar-sync keeps its files, read from the environment once at the CLI's edge.

- ``AR_SYNC_HOME``: the data directory (default: the platform's user data directory). It holds
  the SQLite store, the log file and, for sandbox orgs only, a file-backed keyring.
- ``AR_SYNC_DB``: a database URL overriding the SQLite default (``--db`` overrides both).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from ar_sync.store.database import default_db_url


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    db_url: str

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "ar-sync.log"

    @property
    def sandbox_keyring_file(self) -> Path:
        """Tokens of sandbox orgs: never real credentials, kept inside ``home``."""
        return self.home / "sandbox-keyring.cfg"


def default_home() -> Path:
    configured = os.environ.get("AR_SYNC_HOME")
    return Path(configured).expanduser() if configured else Path(user_data_dir("ar-sync"))


def load_settings(db_option: str | None = None) -> Settings:
    """Settings from ``--db`` (if given), ``AR_SYNC_DB`` and ``AR_SYNC_HOME``."""
    home = default_home()
    db_url = db_option or os.environ.get("AR_SYNC_DB") or default_db_url(home)
    return Settings(home=home, db_url=db_url)
