"""Our SMTP email over a real loopback server, found again over IMAP; the [smtp] table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ar_sync.errors import ConfigError
from ar_sync.push.mail import Mailer, build_message, load_smtp_config, message_id
from tests.mailserver import MailServer


@pytest.fixture
def mail():
    server = MailServer().start()
    yield server
    server.stop()


def test_an_email_is_sent_once_and_found_in_the_sent_folder_by_its_message_id(mail, tmp_path):
    config = load_smtp_config(mail.write_config(tmp_path, imap=True))
    assert config is not None
    mailer = Mailer(config)
    wanted = message_id("remind:xero:t:C1:friendly:2025-03-01/email", config.domain)
    assert re.fullmatch(r"<[0-9a-f]{32}@kauri\.example>", wanted)
    assert message_id("remind:xero:t:C1:friendly:2025-03-01/email", config.domain) == wanted
    assert mailer.find_sent(wanted) is False

    mailer.send(build_message(sender=config.sender, to="ap@bay.example",
                              subject="Invoice INV-7 is overdue", body="Dear Bay Plumbing, ñ",
                              message_id=wanted, date_header=1_740_000_000.0))

    (sent,) = mail.messages
    assert (sent["From"], sent["To"], sent["Subject"], sent["Message-ID"]) == (
        "accounts@kauri.example", "ap@bay.example", "Invoice INV-7 is overdue", wanted
    )
    assert sent.get_content().strip() == "Dear Bay Plumbing, ñ"
    assert mailer.find_sent(wanted) is True
    assert mailer.find_sent(message_id("another key", config.domain)) is False


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('host = "smtp.example.com"\nsender = "a@example.com"\npassword = "hunter2"',
         "smtp.password: a password is never kept in the config file; store it with "
         "`ar-sync smtp password`"),
        ('host = "smtp.example.com"\nsender = "a@example.com"\nsecurity = "none"',
         'smtp.security: "none" sends the password in clear text; it is allowed only for a '
         "loopback host, not smtp.example.com"),
        ('host = "smtp.example.com"\nsender = "a@example.com"\nsecurity = "ssl"',
         "smtp.security: 'ssl' is not one of starttls, tls, none"),
        ('sender = "a@example.com"', "smtp.host: missing"),
        ('host = "smtp.example.com"\nsender = "a@example.com"\nport = 99999',
         "smtp.port: expected a port number (1-65535)"),
        ('host = "smtp.example.com"\nsender = "a@example.com"\nhots = 1', "smtp.hots: unknown key"),
    ],
)
def test_a_bad_smtp_table_is_one_line_naming_the_file_and_key(tmp_path: Path, table, error):
    path = tmp_path / "config.toml"
    path.write_text("[smtp]\n" + table + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_smtp_config(path)
    assert str(refused.value) == f"{path}: {error}"
    assert "hunter2" not in str(refused.value)


def test_defaults_follow_the_security(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('[smtp]\nhost = "smtp.example.com"\nsender = "a@example.com"\n'
                    'security = "tls"\nimap_host = "imap.example.com"\n', encoding="utf-8")
    config = load_smtp_config(path)
    assert config is not None
    assert (config.port, config.security, config.imap_port, config.imap_folder) == (
        465, "tls", 993, "Sent"
    )
    assert load_smtp_config(tmp_path / "absent.toml") is None
