"""A WSGI application served over HTTP on loopback from a background thread.

::

    server = LoopbackServer(app, host="127.0.0.1", port=0, name="xero-sandbox").start()
    server.port  # the port actually bound (``port=0`` picks a free one)
    server.stop()

``SandboxServer`` is the base of every ledger's sandbox (``XeroSandbox``, ``QuickBooksSandbox``): it
owns the pipeline app and the ``LoopbackServer`` and gives them ``url``, ``start``/``stop`` and
the context manager.

A port that cannot be bound (in use, say) is a ``ConfigError`` naming it: the socket is bound
here and handed to werkzeug, whose own binding prints to stderr and exits the process.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ar_sync.errors import ConfigError

if TYPE_CHECKING:
    from ar_sync.sandbox.pipeline import SandboxApp

LISTEN_BACKLOG = 128  # werkzeug's own LISTEN_QUEUE


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the sandbox keeps its own call log); errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LoopbackServer:
    """A threaded werkzeug server for ``app``; one request per thread, stoppable in milliseconds."""

    def __init__(self, app: Callable, *, host: str, port: int, name: str) -> None:
        self.app, self.host, self.requested_port, self.name = app, host, port, name
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port; raises ``RuntimeError`` before ``start()``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    def start(self) -> Self:
        """Bind and serve; ``ConfigError`` when the port cannot be bound (already in use)."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        listener = _listen(self.host, self.requested_port)
        try:  # werkzeug serves a duplicate of the bound socket
            self._server = make_server(
                self.host,
                self.requested_port,
                self.app,
                threaded=True,
                request_handler=QuietHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()
        # A short poll interval makes stop() take milliseconds instead of half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=self.name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None


def _listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (``SO_REUSEADDR``, as werkzeug does)."""
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0 to 65535, got {port}")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(LISTEN_BACKLOG)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use; choose another port, or 0 for any "
                "free one"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener


class SandboxServer:
    """A ledger's sandbox: its ``SandboxApp`` served on one loopback origin.

    A ledger's subclass builds the app from its rules and companies, calls
    ``super().__init__(app, host=..., port=...)`` and adds its own URLs on top of ``url``.
    ``port=0`` picks a free port; read it back from ``url`` after ``start()``. Usable as a
    context manager (``start()`` on enter, ``stop()`` on exit). ``stop()`` releases injected
    stalls first, so a slow response never delays a shutdown.
    """

    def __init__(self, app: SandboxApp, *, host: str, port: int) -> None:
        self.app = app
        self.host, self.port = host, port
        self._server = LoopbackServer(app, host=host, port=port, name=app.rules.name)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the origin every endpoint hangs off (no trailing slash)."""
        return f"http://{self.host}:{self._server.port}"

    @property
    def company_ids(self) -> list[str]:
        """Company (tenant, realm) ids in load order."""
        return list(self.app.books)

    def start(self) -> Self:
        """Bind and serve in a background thread; ``RuntimeError`` if already running."""
        self._server.start()
        return self

    def stop(self) -> None:
        """End injected stalls, shut the server down and join its thread; a no-op when not
        running."""
        self.app.faults.release()
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
