"""The one error tree every part of ar-sync raises. Connectors translate SDK exceptions into it.

::

    ArSyncError                 anything ar-sync reports to a user: one line, exit code 2
    ├── ConfigError             bad input or set-up: an unknown org, a bad date, a malformed file
    ├── SourceError             the ledger (or the way to it) failed
    │   ├── RetriableSourceError    worth trying again: 429, 5xx, a dropped connection;
    │   │                           ``retry_after`` is the server's hint in seconds, if any
    │   ├── AuthError               the grant is gone (revoked, expired): reconnect the org
    │   └── FatalSourceError        the ledger refused in a way retrying will not fix
    └── DataError               one bad record: logged, counted, skipped, never silently

Messages never contain tokens, secrets or response bodies that could hold them.
"""

from __future__ import annotations


class ArSyncError(Exception):
    """Base of every error ar-sync expects and explains."""


class ConfigError(ArSyncError):
    """The user's input or configuration is wrong; the message says where."""


class SourceError(ArSyncError):
    """A ledger call failed."""


class RetriableSourceError(SourceError):
    """A transient failure; ``retry_after`` is the wait the server asked for, in seconds;
    ``reason`` says what went wrong in a few words, for retry notices (default: the message)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reason = reason or message


class AuthError(SourceError):
    """The ledger no longer accepts our credentials; the user has to connect again."""


class FatalSourceError(SourceError):
    """The ledger refused the request and will refuse it again."""


class DataError(ArSyncError):
    """One record could not be understood. ``record_id`` names it where known."""

    def __init__(self, message: str, *, record_id: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id
