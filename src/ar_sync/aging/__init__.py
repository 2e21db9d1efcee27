"""aging: what the synced books say is owed, and since when.

- ``age``: pure aging (``receivables`` and ``age``; no I/O, no clock);
- ``snapshots``: aging an org from the store, and refusing dates the store cannot answer;
- ``reconcile``: our aging against the ledger's own figures (``ar-sync reconcile``);
- ``measures``: open amounts at past dates, DSO and collections per month, payment records per
  customer (pure).
- ``history``: aging and the measures at past dates from an org's stored history, refusing
  dates before it.

History (aging at past dates from stored snapshots and backfill, DSO) comes here too. The report
types (``AgingReport``, ``OrgAging`` ...) are in ``ar_sync.domain``; their rendering is in
``ar_sync.views``.
"""
