"""The platform-neutral parts of the OAuth2 authorization-code flow, shared by every plugin.

- ``Pkce``: a code verifier and its S256 challenge (RFC 7636).
- ``new_state()``: an unguessable ``state`` value; the redirect must bring it back unchanged.
- ``check_redirect(params)``: the redirect's query parameters, trusted only when ``state``
  matches and a ``code`` came back; otherwise an ``AuthError`` in plain words.
- ``LoopbackListener``: an HTTP server on 127.0.0.1 that answers
  ``http://localhost:<port>/callback``. Other paths get a 404 and are otherwise ignored (a
  browser's ``/favicon.ico``, a port scanner); the first redirect is checked at once and the
  browser is told the truth (received, or not connected and why).
- ``read_pasted_redirect``: for a redirect URI that is not a listener (an https page), the
  address the browser ended on, pasted at a prompt.
- ``run_authorization``: one of the two, sending the user (or, against a sandbox, ar-sync
  itself) to the ledger's authorization page.
- ``client_credentials``, ``check_sandbox_url``, ``check_redirect_uri``, ``reconnect_hint``:
  the checks and messages ``ar-sync connect`` shares across ledgers.

Redirect URIs use the host name ``localhost``: Intuit refuses IP addresses in redirect URIs
and Xero treats ``localhost`` and ``127.0.0.1`` as different registered URIs (sources at
``LOOPBACK_HOST``). Browsers resolve ``localhost`` to the loopback interface and fall back from
``::1`` to 127.0.0.1, where the listener is bound.
"""

from __future__ import annotations

import base64
import hashlib
import html
import ipaddress
import os
import secrets
import sys
import threading
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from ar_sync.connector import ConnectOptions
from ar_sync.errors import AuthError, ConfigError, SourceError
from ar_sync.redact import register_secret

CALLBACK_PATH = "/callback"
# Intuit: "IP addresses aren't allowed", localhost over http only for development keys
# (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/set-redirect-uri).
# Xero: its starter registers http://localhost:5000/callback and warns that localhost and
# 127.0.0.1 are different URLs (XeroAPI/xero-python-oauth2-starter README.md).
LOOPBACK_HOST = "localhost"
BIND_ADDRESS = "127.0.0.1"  # never a public interface: the redirect carries the code
USER_TIMEOUT = 300.0  # seconds a person gets to approve in the browser
SANDBOX_TIMEOUT = 30.0  # seconds a sandbox, which approves at once, gets
REQUEST_TIMEOUT = 10.0  # seconds a connection to the listener may stay silent
SANDBOX_CLIENT_ID = "ar-sync-sandbox"  # what every ar-sync sandbox accepts by default
SANDBOX_CLIENT_SECRET = "ar-sync-sandbox-secret"
SANDBOX_EXAMPLE = "http://127.0.0.1:8080"


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return cls(verifier=verifier, challenge=challenge)


def new_state() -> str:
    return secrets.token_urlsafe(24)


# -- checking a redirect ----------------------------------------------------------------------


def check_redirect(
    params: Mapping[str, str], *, expected_state: str, ledger: str
) -> dict[str, str]:
    """Every query parameter of an authorization redirect (QuickBooks adds ``realmId``), once
    ``state`` matches and a ``code`` is present.

    ``AuthError`` otherwise, worded for the user: the terminal prints it as the command's one
    error line and the listener shows it in the browser. An ``error`` answer (RFC 6749 §4.1.2.1,
    e.g. ``access_denied`` when the user declines) is reported as such unless its ``state`` is a
    wrong one, which is reported as the stronger problem.
    """
    state = params.get("state")
    state_ok = state is not None and secrets.compare_digest(state, expected_state)
    if "error" in params and (state is None or state_ok):
        if params["error"] == "access_denied":
            raise AuthError(
                f"access was declined on the {ledger} consent page (access_denied); nothing "
                "was connected"
            )
        detail = _printable(params.get("error_description") or params["error"])
        raise AuthError(f"{ledger} refused the authorization: {detail}; nothing was connected")
    if not state_ok:
        raise AuthError(
            f"the {ledger} authorization came back with "
            f"{'a wrong' if state is not None else 'no'} state (not the one this `ar-sync "
            "connect` sent: an old or foreign link?); not trusting it, nothing was connected"
        )
    if not params.get("code"):
        raise AuthError(
            f"the {ledger} authorization redirect carried no code; nothing was connected"
        )
    register_secret(params["code"])
    return dict(params)


def _printable(text: str, limit: int = 200) -> str:
    """Text from a redirect, safe to echo on one line: control characters out, length capped."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return cleaned[:limit] + ("..." if len(cleaned) > limit else "")


# -- the loopback listener --------------------------------------------------------------------


def _page(title: str, message: str) -> bytes:
    return (
        "<!doctype html><meta charset=utf-8><title>ar-sync: "
        f"{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p>"
    ).encode()


@dataclass(frozen=True, slots=True)
class _Outcome:
    params: dict[str, str] | None = None
    error: AuthError | None = None


class LoopbackListener:
    """Receive one OAuth redirect on ``http://localhost:<port>/callback`` (bound to 127.0.0.1).

    Use as a context manager; ``redirect_uri`` is what to register with the ledger and send in
    the authorization request; ``wait(timeout)`` returns the checked redirect's parameters.

    What the browser is told: a request to another path gets a 404 and changes nothing; a
    request to ``/callback`` without ``code``, ``error`` or ``state`` gets a 400 and changes
    nothing; the first real redirect is checked with ``check_redirect`` and answered with the
    truth (received, or "not connected" and why); later ones are told it was already handled.
    """

    def __init__(self, port: int = 0, *, expected_state: str, ledger: str) -> None:
        self._expected_state = expected_state
        self._ledger = ledger
        self._outcome: _Outcome | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            timeout = REQUEST_TIMEOUT  # a silent connection cannot hold the listener

            def do_GET(self) -> None:
                status, body, decided = listener._answer(self.path)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Cache-Control", "no-store")
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                finally:
                    if decided:  # wake ``wait`` only now: a failing CLI never cuts the page off
                        listener._arrived.set()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the query string holds the authorization code: never log it

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        try:
            self._server = Server((BIND_ADDRESS, port), Handler)
        except OverflowError:
            raise ConfigError(f"--port: expected 0 to 65535, got {port}") from None
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {BIND_ADDRESS}:{port} for the OAuth redirect "
                f"({exc.strerror}); choose another port with --port"
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://{LOOPBACK_HOST}:{self._server.server_port}{CALLBACK_PATH}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str) -> tuple[int, bytes, bool]:
        """The status and page for one GET, and whether it decided the outcome (the first
        real redirect, checked here)."""
        parts = urlsplit(path)
        if parts.path != CALLBACK_PATH:
            return 404, _page("not found", "This address only receives ar-sync's sign-in."), False
        params = dict(parse_qsl(parts.query))
        if not {"code", "error", "state"} & params.keys():
            page = _page(
                "not an authorization",
                "This address only receives the ledger's authorization redirect.",
            )
            return 400, page, False
        with self._lock:
            if self._outcome is not None:
                page = _page(
                    "already handled",
                    "ar-sync has already received an authorization; see the terminal.",
                )
                return 409, page, False
            try:
                checked = check_redirect(
                    params, expected_state=self._expected_state, ledger=self._ledger
                )
            except AuthError as exc:
                self._outcome = _Outcome(error=exc)
                return 400, _page("not connected", f"ar-sync did not connect: {exc}."), True
            self._outcome = _Outcome(params=checked)
        page = _page(
            "authorization received",
            f"ar-sync received the authorization from {self._ledger} and is finishing the "
            "connection; the terminal shows the result. You can close this window.",
        )
        return 200, page, True

    def wait(self, timeout: float) -> dict[str, str]:
        """The checked redirect's parameters; ``AuthError`` for a refused or untrusted one or
        none within ``timeout`` seconds."""
        if not self._arrived.wait(timeout):
            raise AuthError(f"no authorization arrived within {timeout:.0f} seconds")
        outcome = self._outcome
        assert outcome is not None
        if outcome.error is not None:
            raise outcome.error
        assert outcome.params is not None
        return outcome.params


def follow_authorization(url: str, *, redirect_uri: str, timeout: float = 30.0) -> None:
    """GET an authorization URL and follow its redirect (sandboxes approve without a user).

    The listener's own answer to the redirect (a 400 for a refused one) is not an error here:
    ``LoopbackListener.wait`` reports it with its reason.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.url.startswith(redirect_uri):
            return
        raise AuthError(
            f"the sandbox refused the authorization request (HTTP {exc.code})"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot reach {urlsplit(url).netloc}: {reason}") from None


# -- a pasted redirect --------------------------------------------------------------------------


def read_pasted_redirect(
    *,
    redirect_uri: str,
    expected_state: str,
    ledger: str,
    echo: Callable[[str], Any],
    read_line: Callable[[], str] | None = None,
) -> dict[str, str]:
    """The redirect's parameters from the address the browser ended on, pasted by the user.

    Whatever the page at ``redirect_uri`` shows, the browser's address bar holds
    ``redirect_uri?code=...&state=...`` (QuickBooks adds ``realmId``). ``ConfigError`` when
    nothing or something else is pasted; ``AuthError`` (``check_redirect``) for a refusal or a
    wrong state.
    """
    echo(
        "After approving, copy the whole address from the browser's address bar "
        f"(it starts with {redirect_uri}) and paste it here:"
    )
    line = (read_line or sys.stdin.readline)()
    if not line.strip():
        raise ConfigError(
            "no address was pasted; run `ar-sync connect` again and paste the address the "
            "browser shows after approving"
        )
    params = dict(parse_qsl(urlsplit(line.strip().strip("'\"<>")).query))
    if not {"code", "error"} & params.keys():
        raise ConfigError(
            f"the pasted text is not the address {ledger} sent the browser to (expected "
            f"{redirect_uri}?code=...&state=...); run `ar-sync connect` again"
        )
    return check_redirect(params, expected_state=expected_state, ledger=ledger)


# -- the authorization step -------------------------------------------------------------------


def run_authorization(
    options: ConnectOptions,
    *,
    default_port: int,
    state: str,
    ledger: str,
    authorization_url: Callable[[str], str],
    echo: Callable[[str], Any],
) -> tuple[dict[str, str], str]:
    """Send the user (or, against a sandbox, ar-sync itself) to the ledger's authorization
    page and receive its redirect; returns the checked redirect parameters and the redirect
    URI the code exchange must repeat.

    ``authorization_url(redirect_uri)`` builds the page's address; it is printed on lines of
    its own (``echo`` must not wrap them). With ``options.redirect_uri`` the user pastes the
    final address at a prompt; otherwise a loopback listener takes the redirect on
    ``options.redirect_port``, else port 0 against a sandbox, else ``default_port`` (ledgers
    want the exact redirect URI registered). Against a sandbox ar-sync opens the page itself
    unless ``options.open_browser`` is false, which leaves it to whoever reads the address.
    """
    sandbox = options.sandbox_url is not None
    if options.redirect_uri is not None:
        url = authorization_url(options.redirect_uri)
        _show(url, ledger, echo)
        if options.open_browser and not sandbox:
            webbrowser.open(url)
        params = read_pasted_redirect(
            redirect_uri=options.redirect_uri, expected_state=state, ledger=ledger, echo=echo
        )
        return params, options.redirect_uri
    port = options.redirect_port if options.redirect_port is not None else (
        0 if sandbox else default_port
    )
    unattended = sandbox and options.open_browser
    with LoopbackListener(port, expected_state=state, ledger=ledger) as listener:
        url = authorization_url(listener.redirect_uri)
        if unattended:
            follow_authorization(url, redirect_uri=listener.redirect_uri)
        else:
            _show(url, ledger, echo)
            if options.open_browser:
                webbrowser.open(url)
        params = listener.wait(SANDBOX_TIMEOUT if unattended else USER_TIMEOUT)
        return params, listener.redirect_uri


def _show(url: str, ledger: str, echo: Callable[[str], Any]) -> None:
    echo(f"Open this address to let ar-sync read your {ledger} books:")
    echo(url)


# -- what `ar-sync connect` checks ------------------------------------------------------------


def is_local_sandbox(api_url: str | None) -> bool:
    """Whether an org's ``api_url`` is an ar-sync sandbox on this machine (a loopback host).

    A ledger's own test service (Intuit's sandbox companies) is a remote https host, and its
    credentials are as real as production ones.
    """
    if not api_url:
        return False
    return is_loopback_host(urlsplit(api_url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine: ``localhost`` or a loopback
    address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_sandbox_url(value: str) -> str:
    """``--sandbox``'s value without a trailing slash; ``ConfigError`` unless it is an http(s)
    URL of a sandbox on this machine (``ar-sync sandbox serve`` listens on 127.0.0.1 only)."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port  # ValueError for a port out of range or not a number
    except ValueError:
        port = 0
    valid = parts.scheme in ("http", "https") and port != 0 and is_local_sandbox(value)
    if not valid:
        raise ConfigError(
            f"--sandbox: expected the address `ar-sync sandbox serve` printed, like "
            f"{SANDBOX_EXAMPLE} (got {_printable(value, 80)!r})"
        )
    return value.strip().rstrip("/")


def check_redirect_uri(
    uri: str, *, ledger: str, allow_http_localhost: bool, why_https: str
) -> str:
    """``--redirect-uri``'s value when the ledger can accept it: an absolute https URL, or
    ``http://localhost...`` where ``allow_http_localhost``; never an IP address host (Intuit
    refuses them; a loopback listener is the default anyway). ``why_https`` completes the
    refusal ("QuickBooks production keys need https")."""
    parts = urlsplit(uri.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.fragment:
        raise ConfigError(
            f"--redirect-uri: expected the absolute https address registered on your {ledger} "
            f"app, like https://example.com/ar-sync (got {_printable(uri, 80)!r})"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ConfigError(
            f"--redirect-uri: {ledger} does not accept an IP address as redirect host; use a "
            "host name (http://localhost... for a local address)"
        )
    if parts.scheme == "http" and not (allow_http_localhost and host == "localhost"):
        raise ConfigError(f"--redirect-uri: {why_https} (got {_printable(uri, 80)!r})")
    return uri.strip()


def reconnect_hint(
    platform: str, *, sandbox_url: str | None = None, environment: str | None = None
) -> str:
    """What to run to connect an org again, with the options it was connected with."""
    command = f"ar-sync connect {platform}"
    if sandbox_url:
        command += f" --sandbox {sandbox_url}"
    if environment:
        command += f" --environment {environment}"
    return f"run `{command}` again"


def client_credentials(
    client_id: str | None,
    client_secret: str | None,
    *,
    sandbox: bool,
    platform: str,
    display_name: str,
    ask_secret: Callable[[str], str] | None = None,
) -> tuple[str, str]:
    """The app's id and secret: given, from ``AR_SYNC_<PLATFORM>_CLIENT_ID`` / ``_SECRET``,
    asked with ``ask_secret(prompt)`` (a hidden prompt, when a terminal is attached), or
    (against a sandbox only) the sandboxes' defaults. ``ConfigError`` names what is missing."""
    prefix = f"AR_SYNC_{platform.upper()}"
    client_id = client_id or os.environ.get(f"{prefix}_CLIENT_ID")
    client_secret = client_secret or os.environ.get(f"{prefix}_CLIENT_SECRET")
    if sandbox:
        return client_id or SANDBOX_CLIENT_ID, client_secret or SANDBOX_CLIENT_SECRET
    if not client_id:
        raise ConfigError(
            f"no {display_name} client id: pass --client-id or set {prefix}_CLIENT_ID"
        )
    if not client_secret and ask_secret is not None:
        client_secret = ask_secret(f"{display_name} client secret (input hidden)").strip()
    if not client_secret:
        raise ConfigError(
            f"no {display_name} client secret: set {prefix}_CLIENT_SECRET (or run "
            "`ar-sync connect` in a terminal to be asked for it)"
        )
    register_secret(client_secret)
    return client_id, client_secret
