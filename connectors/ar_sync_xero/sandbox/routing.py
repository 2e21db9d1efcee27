"""The router (``ar_sync.sandbox_kit.routing``): literal path segments match case-insensitively,
as Xero's paths do; templates look like ``"Invoices/{id}/History"``."""

from __future__ import annotations

from ar_sync.sandbox_kit.routing import NoRoute, Route, Router

__all__ = ["NoRoute", "Route", "Router"]
