"""QuickBooks Online for ar-sync, one plugin in the files every ledger plugin has:

- ``plugin.py``: the ``LedgerPlugin`` (entry point ``ar_sync_quickbooks.plugin:plugin``);
- ``auth.py``: authorization URL, code exchange (with ``realmId``), refresh, token documents;
- ``client.py``: python-quickbooks with pacing, retries, timeouts and error translation;
- ``mapping.py``: pure, wire -> domain;
- ``connector.py``: the read streams;
- ``writer.py``: the ``LedgerWriter`` (notes, attachments, invoice emails);
- ``sandbox/``: the local emulator.
"""
