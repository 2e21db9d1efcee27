"""Logging: a file under ``AR_SYNC_HOME`` (INFO) and stderr (warnings, or INFO with -v).

Every handler masks registered secrets (``ar_sync.redact``). The SDKs' own loggers are held at
WARNING: xero-python logs response bodies at DEBUG, and a token response is such a body.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ar_sync.redact import RedactingFilter

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_QUIET_LOGGERS = ("xero_python", "urllib3", "intuitlib", "quickbooks", "requests_oauthlib",
                  "alembic", "sqlalchemy", "apscheduler")


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now, so rich's progress display can redirect it."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN202
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(log_file: Path, *, verbose: bool = False) -> None:
    """Send ar-sync's logs to ``log_file`` and stderr. Safe to call more than once."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ar_sync", False):
            root.removeHandler(handler)
            handler.close()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setLevel(logging.INFO)
    console = _CurrentStderrHandler()
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in (file_handler, console):
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(RedactingFilter())
        handler._ar_sync = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
