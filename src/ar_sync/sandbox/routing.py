"""A small router whose literal path segments match case-insensitively (Xero's and QBO's paths do).

werkzeug's ``Map`` matches literals case-sensitively, and lower-casing the whole path would
also lower-case captured values such as attachment file names; here only literals fold.
Templates look like ``"Invoices/{id}/History"``; captures keep the request's spelling
(werkzeug has already percent-decoded the path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., object]

    @property
    def name(self) -> str:
        """``"PUT Invoices/{id}/History"``: how the call log counts this endpoint."""
        return f"{self.method} {self.template}"

    def match(self, segments: list[str]) -> dict[str, str] | None:
        pattern = self.template.split("/")
        if len(pattern) != len(segments):
            return None
        captured = {}
        for expected, actual in zip(pattern, segments, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                if not actual:
                    return None
                captured[expected[1:-1]] = actual
            elif expected.lower() != actual.lower():
                return None
        return captured


class NoRoute(Exception):
    """No route matches; ``allowed`` lists the methods the path does accept (maybe none)."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(allowed)
        self.allowed = allowed


class Router:
    """Routes under a literal ``prefix`` (e.g. ``/api.xro/2.0``, ``/v3``), tried in order."""

    def __init__(
        self, prefix: str, routes: Iterable[tuple[str, str, Callable[..., object]]]
    ) -> None:
        self.prefix = prefix.rstrip("/").lower()
        self.routes = [Route(method, template, handler) for method, template, handler in routes]

    def owns(self, path: str) -> bool:
        lowered = path.lower()
        return lowered == self.prefix or lowered.startswith(self.prefix + "/")

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        segments = path[len(self.prefix) :].strip("/").split("/")
        allowed = []
        for route in self.routes:
            captured = route.match(segments)
            if captured is None:
                continue
            if route.method == method:
                return route, captured
            allowed.append(route.method)
        raise NoRoute(allowed)
