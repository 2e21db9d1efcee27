"""``ar-sync connect`` with a person in the loop: the real CLI in a subprocess (a 40-column
terminal width) against a real sandbox, and the test in the browser's place over real HTTP.

- headless: the address is printed whole; stray requests to the listener change nothing; the
  browser is told the truth (received / not connected and why) and so is the terminal;
- pasted: with ``--redirect-uri`` the user pastes the address the browser ended on.
"""

from __future__ import annotations

import html
import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from ar_sync_xero.auth import DEFAULT_SCOPES

from ar_sync.connector import load_plugin
from tests.conformance.support import flat, stored_org

ADDRESS_INTRO = "Open this address to let ar-sync read your {ledger} books:"
RECEIVED = (
    "ar-sync received the authorization from {ledger} and is finishing the connection; the "
    "terminal shows the result. You can close this window."
)
WRONG_STATE = (
    "the Xero authorization came back with a wrong state (not the one this `ar-sync connect` "
    "sent: an old or foreign link?); not trusting it, nothing was connected"
)
PASTE_PROMPT = (
    "After approving, copy the whole address from the browser's address bar (it starts with "
    "{uri}) and paste it here:"
)


class RunningCli:
    """``python -m ar_sync ARGS`` in a subprocess; stderr is read line by line as it comes."""

    def __init__(self, args: tuple[str, ...], home: Path, *, stdin: Any) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AR_SYNC_")}
        env.update(AR_SYNC_HOME=str(home), COLUMNS="40", OAUTHLIB_INSECURE_TRANSPORT="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ar_sync", *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.err_lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self) -> str:
        line = self._lines.get(timeout=60)  # a guard against a hung CLI, not a timing
        assert line is not None, f"the CLI ended early: {self.err_lines}"
        self.err_lines.append(line)
        return line

    def address(self, ledger: str) -> str:
        """The authorization address, which must stand whole on the line after the intro."""
        assert self.next_line() == ADDRESS_INTRO.format(ledger=ledger)
        return self.next_line()

    def finish(self, stdin_text: str | None = None) -> tuple[int, str, str]:
        """Exit status, stdout and the whole of stderr."""
        if stdin_text is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(stdin_text)
            self.proc.stdin.close()
        code = self.proc.wait(timeout=60)
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        while (line := self._lines.get(timeout=60)) is not None:
            self.err_lines.append(line)
        return code, out, "\n".join(self.err_lines)


@pytest.fixture
def run_cli(ar_home: Path) -> Iterator[Callable[..., RunningCli]]:
    started: list[RunningCli] = []

    def run(*args: str, stdin: Any = subprocess.DEVNULL) -> RunningCli:
        running = RunningCli(args, ar_home, stdin=stdin)
        started.append(running)
        return running

    yield run
    for running in started:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait()
        for stream in (running.proc.stdin, running.proc.stdout, running.proc.stderr):
            if stream is not None:
                stream.close()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is the answer: the test decides where the browser goes next


_browser = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def visit(url: str) -> tuple[int, str | None, str]:
    """What a browser gets for ``url``: status, ``Location`` and the page's message text."""
    try:
        with _browser.open(url, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, headers, body = error.code, error.headers, error.read()
    found = re.search(r"<p>(.*)</p>", body.decode())
    return status, headers.get("Location"), html.unescape(found[1]) if found else ""


def failed_line(result: Any) -> str:
    """The one ``error: ...`` line, last on stderr, of a command that exited with status 2
    (the address and the prompt stand before it)."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], result.err
    return lines[-1]


def query(url: str) -> dict[str, str]:
    return {k: v for k, (v,) in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**query(url), **changes})).geturl()


def tenant(handle: Any) -> dict[str, str]:
    with urllib.request.urlopen(f"{handle.url}/_sandbox/tenants", timeout=30) as response:
        (only,) = json.loads(response.read())["tenants"]
        return only


# ------------------------------------------------------------------------------ headless


def test_the_address_is_printed_whole_and_stray_requests_do_not_end_connect(
    run_cli, sandbox, cli
):
    xero = sandbox("xero")
    running = run_cli("connect", "xero", "--sandbox", xero.url, "--no-browser")
    url = running.address("Xero")

    # One line, far wider than the 40 columns, every parameter intact.
    assert len(url) > 200
    assert url.startswith(f"{xero.url}/identity/connect/authorize?")
    params = query(url)
    callback = params.pop("redirect_uri")
    assert re.fullmatch(r"http://localhost:\d+/callback", callback)
    assert (len(params.pop("state")), len(params.pop("code_challenge"))) == (32, 43)
    assert params == {
        "response_type": "code",
        "client_id": "ar-sync-sandbox",
        "scope": DEFAULT_SCOPES,
        "code_challenge_method": "S256",
    }

    # A browser's favicon request and a bare visit of the callback are answered, not obeyed.
    listener = callback.removesuffix("/callback")
    assert visit(f"{listener}/favicon.ico") == (
        404, None, "This address only receives ar-sync's sign-in."
    )
    assert visit(callback) == (
        400, None, "This address only receives the ledger's authorization redirect."
    )

    # The ledger approves and sends the browser to the listener, which says what happened.
    status, location, _ = visit(url)
    assert status == 302 and location.startswith(f"{callback}?code=")
    assert visit(location) == (200, None, RECEIVED.format(ledger="Xero"))

    code, out, err = running.finish()
    assert code == 0, err
    org = tenant(xero)
    assert flat(out).startswith(f"Connected Xero org {org['name']} (xero:{org['id']}), ")
    assert "Traceback" not in err
    assert [o["org_id"] for o in cli("orgs", "--format", "json").json()] == [f"xero:{org['id']}"]


def test_a_wrong_state_is_refused_in_the_browser_and_the_terminal(run_cli, sandbox, cli):
    xero = sandbox("xero")
    running = run_cli("connect", "xero", "--sandbox", xero.url, "--no-browser")
    url = running.address("Xero")
    _, location, _ = visit(url)
    forged = with_query(location, state="not-the-state-ar-sync-sent")

    assert visit(forged) == (400, None, f"ar-sync did not connect: {WRONG_STATE}.")
    code, _, err = running.finish()
    assert code == 2
    assert err.splitlines()[-1] == f"error: {WRONG_STATE}"
    assert cli("orgs", "--format", "json").json() == []


def test_access_denied_is_told_to_the_browser_and_the_terminal(run_cli, sandbox, cli):
    quickbooks = sandbox("quickbooks")
    running = run_cli("connect", "quickbooks", "--sandbox", quickbooks.url, "--no-browser")
    params = query(running.address("QuickBooks"))
    denial = urlencode({"error": "access_denied", "state": params["state"]})
    declined = f"{params['redirect_uri']}?{denial}"

    reason = (
        "access was declined on the QuickBooks consent page (access_denied); nothing was "
        "connected"
    )
    assert visit(declined) == (400, None, f"ar-sync did not connect: {reason}.")
    code, _, err = running.finish()
    assert code == 2
    assert err.splitlines()[-1] == f"error: {reason}"
    assert cli("orgs", "--format", "json").json() == []


def test_a_development_connect_asks_intuit_the_way_development_keys_need(run_cli, sandbox):
    quickbooks = sandbox("quickbooks")
    running = run_cli(
        "connect", "quickbooks", "--sandbox", quickbooks.url, "--environment", "development",
        "--no-browser",
    )
    url = running.address("QuickBooks")

    assert url.startswith(f"{quickbooks.url}/connect/oauth2?")
    params = query(url)
    assert len(params.pop("state")) == 32
    callback = params.pop("redirect_uri")  # no IP address: Intuit refuses them
    assert re.fullmatch(r"http://localhost:\d+/callback", callback)
    assert params == {
        "client_id": "ar-sync-sandbox",
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
    }
    status, location, _ = visit(url)
    assert status == 302 and query(location)["realmId"] == tenant(quickbooks)["id"]
    assert visit(location) == (200, None, RECEIVED.format(ledger="QuickBooks"))
    code, _, err = running.finish()
    assert code == 0, err
    org = stored_org(f"quickbooks:{tenant(quickbooks)['id']}")
    assert org.api_url == quickbooks.url  # later syncs go back to the same place


# ------------------------------------------------------------------------------ pasted


@pytest.mark.parametrize(
    ("platform", "ledger", "extra"),
    [
        ("xero", "Xero", ()),
        ("quickbooks", "QuickBooks", ("--environment", "production")),
    ],
)
def test_a_pasted_address_completes_the_connection(run_cli, sandbox, platform, ledger, extra):
    handle = sandbox(platform)
    page = "https://example.com/ar-sync/callback"
    running = run_cli(
        "connect", platform, "--sandbox", handle.url, "--redirect-uri", page, *extra,
        stdin=subprocess.PIPE,
    )
    url = running.address(ledger)
    assert query(url)["redirect_uri"] == page
    assert running.next_line() == PASTE_PROMPT.format(uri=page)

    status, location, _ = visit(url)  # the browser ends on the page; its address is pasted
    assert status == 302 and location.startswith(f"{page}?code=")
    code, out, err = running.finish(f"  {location}  \n")
    assert code == 0, err
    org = tenant(handle)
    assert flat(out).startswith(f"Connected {load_plugin(platform).display_name} org "
                                f"{org['name']} ({platform}:{org['id']}), ")
    assert stored_org(f"{platform}:{org['id']}").api_url == handle.url


def test_a_pasted_refusal_is_one_line(run_cli, sandbox, cli):
    xero = sandbox("xero")
    page = "https://example.com/ar-sync/callback"
    running = run_cli(
        "connect", "xero", "--sandbox", xero.url, "--redirect-uri", page, stdin=subprocess.PIPE
    )
    state = query(running.address("Xero"))["state"]
    denial = urlencode({"error": "access_denied", "state": state})
    code, _, err = running.finish(f"{page}?{denial}\n")
    assert code == 2
    assert err.splitlines()[-1] == (
        "error: access was declined on the Xero consent page (access_denied); nothing was "
        "connected"
    )
    assert cli("orgs", "--format", "json").json() == []


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        (
            "the code was 1234\n",
            ("error: the pasted text is not the address Xero sent the browser to (expected "
            "https://example.com/cb?code=...&state=...); run `ar-sync connect` again"),
        ),
        (
            "",
            ("error: no address was pasted; run `ar-sync connect` again and paste the address "
            "the browser shows after approving"),
        ),
        ("https://example.com/cb?code=abc&state=forged\n", f"error: {WRONG_STATE}"),
        (
            "https://example.com/cb?code=abc\n",
            ("error: the Xero authorization came back with no state (not the one this "
            "`ar-sync connect` sent: an old or foreign link?); not trusting it, nothing was "
            "connected"),
        ),
    ],
    ids=["garbage", "nothing", "wrong-state", "no-state"],
)
def test_what_cannot_be_a_redirect_is_refused(cli, sandbox, monkeypatch, pasted, expected):
    xero = sandbox("xero")
    monkeypatch.setattr(sys, "stdin", io.StringIO(pasted))
    failed = cli(
        "connect", "xero", "--sandbox", xero.url, "--redirect-uri", "https://example.com/cb"
    )
    assert failed.code == 2
    assert failed_line(failed) == expected
    assert cli("orgs", "--format", "json").json() == []
