"""sync: bringing an org's receivables from its ledger into the store, resumably.

- ``engine``: the sync of one org, stream by stream, each page committed with its state;
- ``paging``: watermark paging (full, then incremental; keyset pages; resumable cursors), which
  connectors use to read their streams;
- ``pacing`` and ``retry``: staying under a ledger's rate limits, and retrying what may succeed
  later (``Retry-After`` first), bounded and announced; connectors' clients use both.

Backfill (reading history for past month-ends) comes here too. The ``sync_org`` job
(``ar_sync.jobs``) holds the org's run lock around the engine and stores a snapshot after it.
"""
