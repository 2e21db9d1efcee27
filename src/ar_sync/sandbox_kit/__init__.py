"""Machinery shared by the platform sandboxes (Xero, QuickBooks Online); stdlib and werkzeug only.

- ``server``: a WSGI app served on loopback from a background thread, and ``SandboxServer``,
  the base of ``XeroSandbox``/``QuickBooksSandbox`` (``url``, ``start``/``stop``, ``with``);
- ``reply``: ``Reply`` (plain response data, cacheable for replays) and its werkzeug response;
- ``jsonwire``: exact-decimal JSON (``Decimal`` in, JSON numbers out, never ``float``);
- ``routing``: a router whose literal path segments match case-insensitively;
- ``idempotency``: a TTL cache that replays the first result of a keyed write;
- ``recorder``: the call log and the write log of the control endpoints;
- ``faults``: faults armed through ``/_sandbox/faults`` (429 storms, 5xx, slow, malformed);
- ``windows``: the fixed rate-limit window that opens with its first call;
- ``control``: the shared ``/_sandbox/`` parts (body, amount and date parsing, fault and call
  endpoints, ``control_error``);
- ``oauth``: ``OAuthFailure`` and ``AuthFailure``, raised by the identity stores;
- ``errors``: ``CompanyFileError`` and ``RecordError``.

Nothing here knows a platform's wire format; the sandboxes pass in their own names and rules.
"""
