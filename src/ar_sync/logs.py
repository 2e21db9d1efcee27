"""Logging: a file under ``AR_SYNC_HOME`` and stderr (warnings, or INFO with -v).

The file tells what each run did: the command line (``loggable_command``), each org's sync
start and mode, every page committed (DEBUG: ar-sync's own loggers write DEBUG to the file),
and the outcome with its counts, or the one-line reason it failed. Everything else logs at
INFO and above.

Every handler masks registered secrets (``ar_sync.redact``). The SDKs' own loggers are held at
WARNING: xero-python logs response bodies at DEBUG, and a token response is such a body.

Logging is never the reason a command fails: when the log file cannot be opened (an unwritable
or misplaced ``AR_SYNC_HOME``) the file is left out and the command goes on, and a write that
fails later (a full disk) is dropped silently rather than printed as a "Logging error".
"""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ar_sync.redact import MASK, RedactingFilter

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OWN_LOGGERS = ("ar_sync", "ar_sync_xero", "ar_sync_quickbooks")  # DEBUG reaches the file
# Options whose value may hold a secret (a client secret; a database URL with a password): the
# command line is logged with their values masked. The store's URL is logged masked on opening.
SECRET_OPTIONS = ("--client-secret", "--db")
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


class _QuietFileHandler(logging.FileHandler):
    """A log file whose failed writes are dropped: a log must not break or clutter a command."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass


def _open_log_file(log_file: Path) -> logging.Handler | None:
    """A handler writing to ``log_file`` (its directory made if needed), or None if it
    cannot be opened."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        return _QuietFileHandler(log_file, encoding="utf-8")
    except OSError:
        return None


def configure_logging(log_file: Path, *, verbose: bool = False) -> Path | None:
    """Send ar-sync's logs to ``log_file`` and stderr. Safe to call more than once.

    Returns ``log_file``, or None when it could not be opened (logs then go to stderr only, at
    the same levels as always).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ar_sync", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = _open_log_file(log_file)
    if file_handler is not None:
        file_handler.setLevel(logging.DEBUG)
    console = _CurrentStderrHandler()
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in (file_handler, console):
        if handler is None:
            continue
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(RedactingFilter())
        handler._ar_sync = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in _OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return log_file if file_handler is not None else None


def loggable_command(args: Sequence[str]) -> str:
    """``args`` (the command line after ``ar-sync``) as a shell would read it, with the value
    of every option in ``SECRET_OPTIONS`` replaced by ``***``:
    ``['--db', 'postgresql://u:pw@h/db', 'sync']`` -> ``--db '***' sync``."""
    shown: list[str] = []
    mask_next = False
    for arg in args:
        name, equals, _ = arg.partition("=")
        if mask_next:
            shown.append(MASK)
        elif equals and name in SECRET_OPTIONS:
            shown.append(f"{name}={MASK}")
        else:
            shown.append(arg)
        mask_next = not mask_next and arg in SECRET_OPTIONS
    return shlex.join(shown)
