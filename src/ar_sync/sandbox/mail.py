"""A mail catcher: a real SMTP server on 127.0.0.1 that keeps every message it accepts.

The demo, ``ar-sync rehearse`` and the tests point ar-sync's mailer at it, so reminders go out
over real SMTP (``smtplib`` talking to ``aiosmtpd``) and are caught here, never delivered.
"""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

LOOPBACK = "127.0.0.1"


class _Keep:
    """The aiosmtpd handler: parse and keep each message, answer 250."""

    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        message = message_from_bytes(content, policy=policy.default)
        self._catcher._keep(message, list(envelope.rcpt_tos))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class MailCatcher:
    """An SMTP server on loopback; ``messages`` are what it accepted, oldest first, each with
    ``recipients`` (the envelope's RCPT TO). Use as a context manager, or ``start``/``stop``."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._messages: list[tuple[EmailMessage, list[str]]] = []
        self._controller = Controller(_Keep(self), hostname=LOOPBACK, port=port or _free_port())

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> MailCatcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _keep(self, message: EmailMessage, recipients: list[str]) -> None:
        with self._lock:
            self._messages.append((message, recipients))

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [message for message, _ in self._messages]

    def recipients(self) -> list[list[str]]:
        with self._lock:
            return [list(rcpt) for _, rcpt in self._messages]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])
