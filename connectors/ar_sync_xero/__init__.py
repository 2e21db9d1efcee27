"""Xero for ar-sync: the connector (xero-python), its pure mapping, and the local sandbox.

The entry point ``ar_sync.connectors: xero`` resolves to ``ar_sync_xero:plugin``.
"""

from ar_sync_xero.plugin import plugin

__all__ = ["plugin"]
