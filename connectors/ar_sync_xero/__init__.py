"""Xero for ar-sync, one plugin in the files every ledger plugin has:

- ``plugin.py``: the ``LedgerPlugin`` (entry point ``ar_sync_xero.plugin:plugin``);
- ``auth.py``: authorization URL, code exchange, refresh, token documents;
- ``client.py``: xero-python with pacing, retries, timeouts and error translation;
- ``mapping.py``: pure, wire -> domain;
- ``connector.py``: the read streams;
- ``writer.py``: the ``LedgerWriter`` (notes, attachments, invoice emails);
- ``sandbox/``: the local emulator.

``timezones.py`` is a helper of mapping and the sandbox (Xero's timezone names).
"""
