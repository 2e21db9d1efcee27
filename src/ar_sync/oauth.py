"""The platform-neutral parts of the OAuth2 authorization-code flow.

- ``Pkce``: a code verifier and its S256 challenge (RFC 7636).
- ``new_state()``: an unguessable ``state`` value; the redirect must bring it back unchanged.
- ``LoopbackListener``: a one-shot HTTP server on 127.0.0.1 that receives the browser's redirect
  and hands over its query parameters.
- ``follow_authorization(url)``: for sandboxes, which approve at once, fetch the authorization URL
  ourselves and let its redirect land on the listener, so ``connect`` runs unattended.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ar_sync.connector import ConnectOptions
from ar_sync.errors import AuthError, ConfigError, SourceError
from ar_sync.redact import register_secret

CALLBACK_PATH = "/callback"
USER_TIMEOUT = 300.0  # seconds a person gets to approve in the browser
SANDBOX_TIMEOUT = 30.0  # seconds a sandbox, which approves at once, gets


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


_DONE_PAGE = (
    b"<!doctype html><title>ar-sync</title><p>ar-sync is connected. You can close this window "
    b"and return to the terminal.</p>"
)


class LoopbackListener:
    """Receive one OAuth redirect on ``http://127.0.0.1:<port>/callback``.

    Use as a context manager; ``redirect_uri`` is what to register with the ledger and send in the
    authorization request; ``wait(timeout)`` returns the redirect's query parameters.
    """

    def __init__(self, port: int = 0) -> None:
        self._received: dict[str, str] | None = None
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                listener._received = dict(parse_qsl(parts.query))
                listener._arrived.set()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(_DONE_PAGE)))
                self.end_headers()
                self.wfile.write(_DONE_PAGE)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the query string holds the authorization code: never log it

        try:
            self._server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on 127.0.0.1:{port} for the OAuth redirect ({exc.strerror}); "
                "choose another port with --port"
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float, *, expected_state: str) -> str:
        """The authorization code from the redirect; checks ``state`` and the ``error`` field."""
        return self.wait_for_redirect(timeout, expected_state=expected_state)["code"]

    def wait_for_redirect(self, timeout: float, *, expected_state: str) -> dict[str, str]:
        """Every query parameter of the redirect (QuickBooks adds ``realmId``), once ``state``
        matches and a ``code`` is present; ``AuthError`` otherwise."""
        if not self._arrived.wait(timeout):
            raise AuthError(f"no authorization arrived within {timeout:.0f} seconds")
        params = self._received or {}
        if "error" in params:
            detail = params.get("error_description") or params["error"]
            raise AuthError(f"authorization refused: {detail}")
        if not secrets.compare_digest(params.get("state", ""), expected_state):
            raise AuthError("authorization redirect carried the wrong state; not trusting it")
        if not params.get("code"):
            raise AuthError("authorization redirect carried no code")
        return dict(params)


def follow_authorization(url: str, *, timeout: float = 30.0) -> None:
    """GET an authorization URL and follow its redirect (sandboxes approve without a user)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our URL)
            response.read()
    except urllib.error.HTTPError as exc:
        raise AuthError(
            f"the sandbox refused the authorization request (HTTP {exc.code})"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot reach {urlsplit(url).netloc}: {reason}") from None



def run_authorization(
    options: ConnectOptions,
    *,
    default_port: int,
    state: str,
    ledger: str,
    authorization_url: Callable[[str], str],
    echo: Callable[[str], Any],
) -> tuple[dict[str, str], str]:
    """Send the user (or, with ``options.sandbox_url``, ar-sync itself) to the ledger's
    authorization page and receive the redirect on a loopback listener.

    ``authorization_url(redirect_uri)`` builds the page's address. The listener takes
    ``options.redirect_port``, else port 0 against a sandbox, else ``default_port`` (ledgers
    want the exact redirect URI registered). Returns the redirect's query parameters, checked
    for ``state`` and a ``code``, and the redirect URI the code exchange must repeat.
    """
    sandbox = options.sandbox_url is not None
    port = options.redirect_port if options.redirect_port is not None else (
        0 if sandbox else default_port
    )
    with LoopbackListener(port) as listener:
        url = authorization_url(listener.redirect_uri)
        if sandbox:
            follow_authorization(url)
        else:
            echo(f"Open this address to let ar-sync read your {ledger} books:\n{url}")
            if options.open_browser:
                webbrowser.open(url)
        params = listener.wait_for_redirect(
            SANDBOX_TIMEOUT if sandbox else USER_TIMEOUT, expected_state=state
        )
        return params, listener.redirect_uri

SANDBOX_CLIENT_ID = "ar-sync-sandbox"  # what every ar-sync sandbox accepts by default
SANDBOX_CLIENT_SECRET = "ar-sync-sandbox-secret"


def client_credentials(
    client_id: str | None,
    client_secret: str | None,
    *,
    sandbox: bool,
    platform: str,
    display_name: str,
) -> tuple[str, str]:
    """The app's id and secret: given, from ``AR_SYNC_<PLATFORM>_CLIENT_ID`` / ``_SECRET``, or
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
    if not client_secret:
        raise ConfigError(
            f"no {display_name} client secret: pass --client-secret or set {prefix}_CLIENT_SECRET"
        )
    register_secret(client_secret)
    return client_id, client_secret
