"""How long to wait for a ledger: a connect and a read timeout on every call, OAuth included.

- ``connect``: seconds to open the TCP connection (``AR_SYNC_CONNECT_TIMEOUT``, default 10);
- ``read``: the longest silence, in seconds, while waiting for the response's bytes
  (``AR_SYNC_READ_TIMEOUT``, default 60). It bounds a stall, not a slow steady download: that is
  what urllib3 (xero-python) and requests (python-quickbooks, intuit-oauth) measure.

A timeout becomes a ``RetriableSourceError`` (``timed_out``), which the retry policy retries
within its bounded total time (``ar_sync.sync.retry``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ar_sync.errors import ConfigError, RetriableSourceError

CONNECT_ENV = "AR_SYNC_CONNECT_TIMEOUT"
READ_ENV = "AR_SYNC_READ_TIMEOUT"
LONGEST = 3600.0  # seconds: a longer timeout is a typo, not a setting


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Connect and read timeouts in seconds (both > 0)."""

    connect: float = 10.0
    read: float = 60.0

    def pair(self) -> tuple[float, float]:
        """``(connect, read)``: what urllib3's and requests' ``timeout`` arguments take."""
        return (self.connect, self.read)


DEFAULT_TIMEOUTS = Timeouts()


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= LONGEST:  # also refuses nan
        raise ConfigError(
            f"{name}: expected seconds, a number above 0 and at most {LONGEST:.0f}, got {text!r}"
        )
    return value


def timeouts_from_env(environ: Mapping[str, str]) -> Timeouts:
    """``Timeouts`` from ``AR_SYNC_CONNECT_TIMEOUT`` / ``AR_SYNC_READ_TIMEOUT`` (unset or empty:
    the default); ``ConfigError`` naming the variable when a value is not a positive number."""
    return Timeouts(
        connect=_seconds(environ, CONNECT_ENV, DEFAULT_TIMEOUTS.connect),
        read=_seconds(environ, READ_ENV, DEFAULT_TIMEOUTS.read),
    )


def timed_out(ledger: str, endpoint: str, which: str, timeouts: Timeouts) -> RetriableSourceError:
    """The error for a call to ``endpoint`` that hit the ``which`` ("connect" or "read") timeout.

    E.g. ``Xero did not answer GET Invoices within 60 s (read timeout; AR_SYNC_READ_TIMEOUT)``,
    reason ``read timed out after 60 s``.
    """
    if which == "connect":
        shown = f"{timeouts.connect:g} s"
        message = (
            f"cannot connect to {ledger} for {endpoint} within {shown} (connect timeout; "
            f"{CONNECT_ENV})"
        )
    else:
        shown = f"{timeouts.read:g} s"
        message = f"{ledger} did not answer {endpoint} within {shown} (read timeout; {READ_ENV})"
    return RetriableSourceError(message, reason=f"{which} timed out after {shown}")
