"""Keep secrets out of logs: a registry of secret values and a logging filter that masks them.

Credential code registers every token and client secret it loads or receives; the filter, attached
to ar-sync's log handlers, replaces any registered value in a record's rendered message with
``***``. This is a second line of defence: code never logs a token on purpose.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"
_MIN_SECRET_LENGTH = 8  # shorter strings are not tokens, and masking them would garble logs

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: object) -> None:
    """Remember ``value`` (if it is a string long enough to be a secret) for masking."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Render each record's message once and mask registered secrets in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if masked != message:
            record.msg, record.args = masked, None
        return True
