"""``ar-sync connect``'s options: what a wrong value says (one line, exit 2, before any network
call), where each environment's org lives afterwards, what a revoked grant tells the user to run,
and how the client secret is asked for."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from ar_sync_quickbooks.client import INTUIT_SANDBOX_API_URL, QuickBooksEndpoints
from cryptography.fernet import Fernet

from ar_sync.connector import load_plugin
from ar_sync.connect.vaults import sandbox_vault
from ar_sync.domain import Org
from tests.conformance.support import one_line_error, sync_ok
from tests.conftest import SandboxControl

SANDBOX_HINT = "like http://127.0.0.1:8080"


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdin is not a terminal (as under cron): nothing may be asked."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


# ------------------------------------------------------------------------------ bad values


@pytest.mark.parametrize(
    "value",
    ["notaurl", "ftp://127.0.0.1:8080", "http://example.com:8080", "http://127.0.0.1:99999"],
)
@pytest.mark.parametrize("platform", ["xero", "quickbooks"])
def test_a_bad_sandbox_url_is_one_line_naming_the_option(cli, platform, value):
    assert one_line_error(cli("connect", platform, "--sandbox", value)) == (
        "error: --sandbox: expected the address `ar-sync sandbox serve` printed, "
        f"{SANDBOX_HINT} (got {value!r})"
    )


def test_a_port_out_of_range_is_one_line(cli, sandbox):
    xero = sandbox("xero")
    assert one_line_error(cli("connect", "xero", "--sandbox", xero.url, "--port", "70000")) == (
        "error: --port: expected 0 to 65535 (0: any free port), got 70000"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("quickbooks",),
            ("QuickBooks production keys need an https redirect URI, which ar-sync's local "
            "listener cannot offer: register an https page on the app and pass --redirect-uri "
            "https://..., or connect an Intuit sandbox company with --environment development "
            "(register http://localhost:8765/callback)"),
        ),
        (
            ("quickbooks", "--redirect-uri", "http://example.com/ar-sync"),
            ("--redirect-uri: QuickBooks production keys need an https redirect URI (http only "
            "for http://localhost, with development keys) (got 'http://example.com/ar-sync')"),
        ),
        (
            ("quickbooks", "--redirect-uri", "http://localhost:8765/callback"),
            ("--redirect-uri: QuickBooks production keys need an https redirect URI (http only "
            "for http://localhost, with development keys) (got "
            "'http://localhost:8765/callback')"),
        ),
        (
            ("quickbooks", "--environment", "development", "--redirect-uri",
             "http://127.0.0.1:8765/callback"),
            ("--redirect-uri: QuickBooks does not accept an IP address as redirect host; use a "
            "host name (http://localhost... for a local address)"),
        ),
        (
            ("quickbooks", "--environment", "staging"),
            "--environment: expected production or development, got 'staging'",
        ),
        (
            ("xero", "--environment", "development"),
            ("--environment: Xero has one environment (try a Xero demo company for tests); the "
            "option is for QuickBooks' development keys"),
        ),
        (
            ("xero", "--redirect-uri", "http://example.com/ar-sync"),
            ("--redirect-uri: Xero needs an https redirect URI (http only for http://localhost) "
            "(got 'http://example.com/ar-sync')"),
        ),
        (
            ("xero", "--redirect-uri", "example.com/ar-sync"),
            ("--redirect-uri: expected the absolute https address registered on your Xero app, "
            "like https://example.com/ar-sync (got 'example.com/ar-sync')"),
        ),
    ],
    ids=["qbo-production-listener", "qbo-production-http", "qbo-production-localhost",
         "qbo-development-ip", "qbo-unknown-environment", "xero-environment", "xero-http",
         "xero-not-a-url"],
)
def test_a_redirect_the_ledger_would_refuse_is_refused_first(cli, monkeypatch, args, expected):
    # Real ledgers, real-looking credentials, a server's database vault: the refusal comes
    # before any network call (none could succeed here).
    platform = args[0]
    monkeypatch.setenv(f"AR_SYNC_{platform.upper()}_CLIENT_ID", "app-id")
    monkeypatch.setenv(f"AR_SYNC_{platform.upper()}_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("AR_SYNC_VAULT_KEY", Fernet.generate_key().decode())
    assert one_line_error(cli("connect", *args, "--no-browser")) == f"error: {expected}"


def test_rehearsing_production_against_a_sandbox_keeps_production_rules(cli, sandbox):
    quickbooks = sandbox("quickbooks")
    failed = cli(
        "connect", "quickbooks", "--sandbox", quickbooks.url, "--environment", "production"
    )
    assert one_line_error(failed).startswith(
        "error: QuickBooks production keys need an https redirect URI, which ar-sync's local "
        "listener cannot offer"
    )


# ------------------------------------------------------------------------------ the secret


def test_a_secret_on_the_command_line_is_warned_about(cli, sandbox):
    xero = sandbox("xero")
    done = cli(
        "connect", "xero", "--sandbox", xero.url, "--client-secret", "ar-sync-sandbox-secret"
    )
    assert done.code == 0, done.err
    assert done.err.splitlines()[0] == (
        "warning: --client-secret on the command line shows in `ps` and shell history; prefer "
        "AR_SYNC_XERO_CLIENT_SECRET or the prompt"
    )
    assert "ar-sync-sandbox-secret" not in done.out + done.err


def test_without_a_terminal_a_missing_secret_is_one_line(cli, no_terminal, monkeypatch):
    monkeypatch.setenv("AR_SYNC_QUICKBOOKS_CLIENT_ID", "app-id")
    assert one_line_error(cli("connect", "quickbooks", "--environment", "development")) == (
        "error: no QuickBooks Online client secret: set AR_SYNC_QUICKBOOKS_CLIENT_SECRET (or "
        "run `ar-sync connect` in a terminal to be asked for it)"
    )


_IN_A_TERMINAL = (
    # The child becomes a session leader whose controlling terminal is the pty on stdin, as in
    # a login shell, so getpass reads the terminal with echo off.
    "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'ar_sync', *sys.argv[1:]])"
)


class Terminal:
    """The CLI on a pseudo-terminal: what it shows, and typing into it."""

    def __init__(self, args: tuple[str, ...], env: dict[str, str]) -> None:
        import pty

        self.master, child = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _IN_A_TERMINAL, *args],
            stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
        )
        os.close(child)
        self.shown = b""

    def wait_for(self, pattern: bytes) -> re.Match[bytes] | None:
        """Read until ``pattern`` shows, or the CLI ends (None)."""
        while not (found := re.search(pattern, self.shown)):
            ready, _, _ = select.select([self.master], [], [], 60)
            assert ready, f"the CLI showed nothing more: {self.shown!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the CLI ended and closed the terminal
                return None
            if not chunk:
                return None
            self.shown += chunk
        return found

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> int:
        self.wait_for(b"(?!x)x")  # everything until the end
        code = self.proc.wait(timeout=60)
        os.close(self.master)
        return code


def test_in_a_terminal_the_secret_is_asked_with_echo_off(ar_home: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AR_SYNC_")}
    env.update(
        AR_SYNC_HOME=str(ar_home),
        AR_SYNC_XERO_CLIENT_ID="app-id",
        AR_SYNC_VAULT_KEY=Fernet.generate_key().decode(),  # a server's vault, no keyring
    )
    terminal = Terminal(("connect", "xero", "--no-browser", "--port", "0"), env)
    try:
        assert terminal.wait_for(rb"Xero client secret \(input hidden\): ")
        terminal.type("typed-s3cret-value\n")
        # The secret was taken: the flow goes on to Xero's authorization page (not fetched: the
        # test declines on the user's behalf, so nothing leaves this machine).
        address = terminal.wait_for(rb"https://login\.xero\.com/identity/connect/authorize\?\S+")
        assert address is not None, terminal.shown
        params = parse_qs(urlsplit(address[0].decode()).query)
        declined = urlencode({"error": "access_denied", "state": params["state"][0]})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with pytest.raises(urllib.error.HTTPError) as page:
            opener.open(f"{params['redirect_uri'][0]}?{declined}", timeout=30)
        page.value.close()
        assert page.value.code == 400
        code = terminal.close()
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
            terminal.proc.wait()
    assert code == 2
    shown = terminal.shown.decode()
    assert "typed-s3cret-value" not in shown
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown).strip().splitlines()[-1] == (
        "error: access was declined on the Xero consent page (access_denied); nothing was "
        "connected"
    )


# ------------------------------------------------------------------------------ environments


def test_a_development_org_is_synced_from_intuits_sandbox_host(tmp_path):
    """What `connect quickbooks --environment development` stores sends every later call to
    Intuit's sandbox companies, whose keys are the development ones (no call is made here)."""
    assert QuickBooksEndpoints.for_environment("development") == QuickBooksEndpoints(
        discovery="sandbox",  # intuit-oauth's name for Intuit's sandbox discovery document
        api_base="https://sandbox-quickbooks.api.intuit.com/v3",
        api_url="https://sandbox-quickbooks.api.intuit.com",
        environment="development",
    )
    vault = sandbox_vault(tmp_path / "keyring.cfg")
    vault.save("quickbooks:c1", {
        "client_id": "dev-id", "client_secret": "dev-secret", "realm_id": "4620816365",
        "token": {"access_token": "a", "refresh_token": "r", "expires_at": 0.0},
    })
    org = Org(
        org_id="quickbooks:4620816365", platform="quickbooks", tenant_id="4620816365",
        name="Sandbox Company_US_1", base_currency="USD", timezone="America/Los_Angeles",
        connection_id="quickbooks:c1", api_url=INTUIT_SANDBOX_API_URL,
    )
    connector = load_plugin("quickbooks").open(org, vault)
    try:
        endpoints = connector.client.endpoints
        assert (endpoints.discovery, endpoints.api_base) == (
            "sandbox", "https://sandbox-quickbooks.api.intuit.com/v3"
        )
        assert endpoints.reconnect_hint == (
            "run `ar-sync connect quickbooks --environment development` again"
        )
    finally:
        connector.close()
    production = QuickBooksEndpoints.for_api_url(None)
    assert (production.discovery, production.api_base, production.api_url) == (
        "production", "https://quickbooks.api.intuit.com/v3", None
    )
    assert production.reconnect_hint == "run `ar-sync connect quickbooks` again"


@pytest.mark.parametrize("platform", ["xero", "quickbooks"])
def test_after_a_revoke_a_sandbox_org_is_told_the_command_that_reconnects_it(
    cli, sandbox, platform
):
    handle = sandbox(platform)
    assert cli("connect", platform, "--sandbox", handle.url).code == 0
    sync_ok(cli)
    SandboxControl(handle.url).fault(kind="revoke")

    line = one_line_error(cli("sync"))
    command = f"ar-sync connect {platform} --sandbox {handle.url}"
    assert line.endswith(f"; run `{command}` again"), line
    # Running it brings the org back.
    assert cli(*command.split()[1:]).code == 0
    sync_ok(cli)
