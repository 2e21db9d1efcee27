"""Our own email over SMTP, and finding a sent one again over IMAP.

Configuration: the ``[smtp]`` table of ``config.toml`` in ``AR_SYNC_HOME`` (or the file
``AR_SYNC_CONFIG`` names)::

    [smtp]
    host = "smtp.example.com"
    port = 587                 # default: 587 (starttls), 465 (tls), 25 (none)
    security = "starttls"      # "starttls" | "tls" | "none" (none: loopback hosts only)
    sender = "accounts@example.com"
    username = "accounts@example.com"   # none: no login
    imap_host = "imap.example.com"      # optional: settles an email a crash left unknown
    imap_port = 993
    imap_security = "tls"
    imap_folder = "Sent"

The password is never in the file (a ``password`` key is refused): ``ar-sync smtp password``
keeps it in the vault the org tokens use (the keyring, or the database vault), entry
``SMTP_VAULT_ENTRY``; a loopback SMTP host's password lives in the sandbox file keyring.

Each email is plain UTF-8 text, From the sender, To the customer; its Message-ID is fixed by
the outbox step's key (``message_id``: ``<sha256(key)[:32]@sender's domain>``), recorded
before the email is sent, so after a crash the Sent folder can be searched for it
(``Mailer.find_sent``: IMAP ``SEARCH HEADER Message-ID``, RFC 3501 §6.4.4). That relies on the
provider filing what its SMTP server sends in the Sent folder (Gmail and Microsoft 365 do;
a server that does not leaves such an email ``unknown``, never re-sent).
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from ar_sync.connect.oauth import is_loopback_host
from ar_sync.errors import ConfigError, FatalSourceError, RetriableSourceError

CONFIG_ENV = "AR_SYNC_CONFIG"
SMTP_VAULT_ENTRY = "smtp"
SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_IMAP_PORTS = {"starttls": 143, "tls": 993, "none": 143}
TIMEOUT_SECONDS = 60.0
_KEYS = frozenset({
    "host", "port", "security", "sender", "username",
    "imap_host", "imap_port", "imap_security", "imap_folder",
})


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """The ``[smtp]`` table; ``imap_host`` None: no IMAP (unknown emails stay unknown)."""

    host: str
    port: int
    security: str
    sender: str
    username: str | None = None
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "tls"
    imap_folder: str = "Sent"

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "ar-sync.invalid"


def config_file(home: Path, environ: Any = os.environ) -> Path:
    """``AR_SYNC_CONFIG`` or ``config.toml`` in ``home``."""
    named = environ.get(CONFIG_ENV)
    return Path(named).expanduser() if named else home / "config.toml"




def load_smtp_config(path: Path) -> SmtpConfig | None:
    """The ``[smtp]`` table of ``path``; None when the file or the table is absent.
    ``ConfigError`` naming the file and key for a bad value, an unknown key or a password."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    table = document.get("smtp")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: smtp: expected a table")
    return smtp_config(table, where=str(path))


def smtp_config(table: dict[str, Any], *, where: str) -> SmtpConfig:
    """``SmtpConfig`` from an ``[smtp]`` table read from ``where`` (pure)."""
    if "password" in table:
        raise ConfigError(
            f"{where}: smtp.password: a password is never kept in the config file; "
            "store it with `ar-sync smtp password`"
        )
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: smtp.{unknown[0]}: unknown key")

    def text(key: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise ConfigError(f"{where}: smtp.{key}: missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: smtp.{key}: expected a non-empty string")
        return value.strip()

    def choice(key: str, default: str) -> str:
        value = text(key) or default
        if value not in SECURITIES:
            raise ConfigError(f"{where}: smtp.{key}: {value!r} is not one of {', '.join(SECURITIES)}")
        return value

    def port(key: str, default: int) -> int:
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
            raise ConfigError(f"{where}: smtp.{key}: expected a port number (1-65535)")
        return value

    host = text("host", required=True)
    sender = text("sender", required=True)
    assert host is not None and sender is not None
    if "@" not in sender:
        raise ConfigError(f"{where}: smtp.sender: not an email address: {sender!r}")
    security = choice("security", "starttls")
    imap_host = text("imap_host")
    imap_security = choice("imap_security", "tls")
    for key, chosen, server in (("security", security, host),
                                ("imap_security", imap_security, imap_host)):
        if chosen == "none" and server is not None and not is_loopback_host(server):
            raise ConfigError(
                f"{where}: smtp.{key}: \"none\" sends the password in clear text; it is "
                f"allowed only for a loopback host, not {server}"
            )
    return SmtpConfig(
        host=host, port=port("port", DEFAULT_PORTS[security]), security=security,
        sender=sender, username=text("username"), imap_host=imap_host,
        imap_port=port("imap_port", DEFAULT_IMAP_PORTS[imap_security]),
        imap_security=imap_security, imap_folder=text("imap_folder") or "Sent",
    )


def message_id(key: str, domain: str) -> str:
    """The Message-ID of the email an outbox step sends: fixed by its ``key``."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(
    *, sender: str, to: str, subject: str, body: str, message_id: str, date_header: float,
) -> EmailMessage:
    """A plain-text UTF-8 email; ``date_header`` is the POSIX time its Date header says."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(date_header, usegmt=True)
    message["Message-ID"] = message_id
    message.set_content(body, charset="utf-8")
    return message


class Mailer:
    """Sends over SMTP with ``config`` and ``password`` (None: no login)."""

    def __init__(self, config: SmtpConfig, password: str | None = None, *,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.config = config
        self._password = password
        self.timeout = timeout

    @property
    def can_find_sent(self) -> bool:
        return self.config.imap_host is not None

    def _login(self, client: smtplib.SMTP | imaplib.IMAP4) -> None:
        if self.config.username is None:
            return
        if self._password is None:
            raise ConfigError(
                f"no SMTP password stored for {self.config.username}; "
                "run `ar-sync smtp password`"
            )
        client.login(self.config.username, self._password)

    def send(self, message: EmailMessage) -> None:
        """Send one email. A refusal (a 5xx reply) is ``FatalSourceError``; anything that
        leaves the outcome open (a dropped connection, a timeout, a 4xx) is
        ``RetriableSourceError``."""
        config = self.config
        where = f"SMTP {config.host}:{config.port}"
        try:
            if config.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
            with client:
                if config.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                self._login(client)
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            (code, reply), *_ = error.recipients.values()
            raise FatalSourceError(f"{where} refused {message['To']}: {code} {_text(reply)}") from None
        except smtplib.SMTPResponseException as error:
            detail = f"{where} answered {error.smtp_code} {_text(error.smtp_error)}"
            if 500 <= error.smtp_code < 600:
                raise FatalSourceError(detail) from None
            raise RetriableSourceError(detail) from None
        except (OSError, smtplib.SMTPException) as error:
            raise RetriableSourceError(f"{where}: {type(error).__name__}: {error}") from None

    def find_sent(self, wanted: str) -> bool:
        """Whether the IMAP Sent folder holds an email whose Message-ID is ``wanted``."""
        config = self.config
        assert config.imap_host is not None
        try:
            if config.imap_security == "tls":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    config.imap_host, config.imap_port, timeout=self.timeout,
                    ssl_context=ssl.create_default_context(),
                )
            else:
                client = imaplib.IMAP4(config.imap_host, config.imap_port, timeout=self.timeout)
            try:
                if config.imap_security == "starttls":
                    client.starttls(ssl_context=ssl.create_default_context())
                self._login(client)
                status, _ = client.select(_quoted(config.imap_folder), readonly=True)
                if status != "OK":
                    raise RetriableSourceError(
                        f"IMAP {config.imap_host}: no folder {config.imap_folder!r}"
                    )
                status, found = client.search(None, "HEADER", "Message-ID", _quoted(wanted))
                return status == "OK" and bool(found and found[0] and found[0].split())
            finally:
                try:
                    client.logout()
                except (OSError, imaplib.IMAP4.error):
                    pass
        except (OSError, imaplib.IMAP4.error) as error:
            raise RetriableSourceError(
                f"IMAP {config.imap_host}:{config.imap_port}: {type(error).__name__}: {error}"
            ) from None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def smtp_password(settings: Any, config: SmtpConfig, *, store: Any = None) -> str | None:
    """The stored SMTP password (None: none stored), registered with the log redactor."""
    from ar_sync.connect.orgs import vault_for
    from ar_sync.redact import register_secret

    vault = vault_for(None, settings, sandbox=is_loopback_host(config.host), store=store)
    entry = vault.load(SMTP_VAULT_ENTRY)
    password = None if entry is None else entry.get("password")
    register_secret(password)
    return password


def save_smtp_password(settings: Any, config: SmtpConfig, password: str, *,
                       store: Any = None) -> None:
    """Keep the SMTP password in the vault (see the module docstring)."""
    from ar_sync.connect.orgs import vault_for
    from ar_sync.redact import register_secret

    register_secret(password)
    vault = vault_for(None, settings, sandbox=is_loopback_host(config.host), store=store)
    vault.save(SMTP_VAULT_ENTRY, {"password": password})
