"""Real mail servers on 127.0.0.1 for the push tests: SMTP and a small IMAP.

``MailServer`` accepts every message over SMTP (``ar_sync.sandbox.mail.MailCatcher``: no TLS,
no login, the config's ``security = "none"`` on a loopback host) and, as Gmail and Microsoft
365 do with what their SMTP servers send, files each in a ``Sent`` folder. Its IMAP side answers the few commands
``ar_sync.push.mail.Mailer.find_sent`` sends (RFC 3501: CAPABILITY, LOGIN, SELECT/EXAMINE,
SEARCH HEADER Message-ID, LOGOUT), over the real protocol with Python's ``imaplib`` as the
client. ``messages`` is what the SMTP server received, oldest first.
"""

from __future__ import annotations

import re
import socketserver
import threading
from email.message import EmailMessage
from pathlib import Path

from ar_sync.sandbox.mail import MailCatcher

_SEARCH = re.compile(r'HEADER\s+"?Message-ID"?\s+"(?P<id>(?:[^"\\]|\\.)*)"', re.IGNORECASE)


class _ImapHandler(socketserver.StreamRequestHandler):
    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        catcher: MailCatcher = self.server.catcher  # type: ignore[attr-defined]
        # PREAUTH (RFC 3501 §7.1.4): the loopback test server asks no login.
        self.send("* PREAUTH [CAPABILITY IMAP4rev1] test IMAP ready")
        selected = False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "LOGIN":
                pass
            elif command in ("SELECT", "EXAMINE"):
                if args.strip('"') != "Sent":
                    self.send(f"{tag} NO no such mailbox")
                    continue
                selected = True
                self.send(f"* {len(catcher.messages)} EXISTS")
                self.send(f"{tag} OK [READ-ONLY] {command} completed")
                continue
            elif command == "SEARCH" and selected:
                match = _SEARCH.search(args)
                wanted = match["id"] if match else None
                found = [str(n) for n, m in enumerate(catcher.messages, 1)
                         if wanted is not None and m["Message-ID"] == wanted]
                self.send("* SEARCH" + "".join(f" {n}" for n in found))
            elif command == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unsupported")
                continue
            self.send(f"{tag} OK {command} completed")


class _ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailServer:
    """SMTP and IMAP on loopback; ``config_toml(imap=...)`` is the ``[smtp]`` table for them."""

    def __init__(self) -> None:
        self.smtp = MailCatcher()
        self.imap = _ImapServer(("127.0.0.1", 0), _ImapHandler)
        self.imap.catcher = self.smtp  # type: ignore[attr-defined]
        self._imap_thread = threading.Thread(target=self.imap.serve_forever, daemon=True)

    def start(self) -> MailServer:
        self.smtp.start()
        self._imap_thread.start()
        return self

    def stop(self) -> None:
        self.smtp.stop()
        self.imap.shutdown()
        self.imap.server_close()

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def imap_port(self) -> int:
        return int(self.imap.server_address[1])

    @property
    def messages(self) -> list[EmailMessage]:
        return self.smtp.messages

    def config_toml(self, *, imap: bool, sender: str = "accounts@kauri.example") -> str:
        lines = [
            "[smtp]",
            'host = "127.0.0.1"',
            f"port = {self.smtp_port}",
            'security = "none"',
            f'sender = "{sender}"',
        ]
        if imap:
            lines += ['imap_host = "127.0.0.1"', f"imap_port = {self.imap_port}",
                      'imap_security = "none"', 'imap_folder = "Sent"']
        return "\n".join(lines) + "\n"

    def write_config(self, home: Path, *, imap: bool) -> Path:
        home.mkdir(parents=True, exist_ok=True)
        path = home / "config.toml"
        path.write_text(self.config_toml(imap=imap), encoding="utf-8")
        return path
