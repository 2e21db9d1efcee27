"""The sandbox kit: what every ledger's local emulator is made of (stdlib, werkzeug, pydantic).

A ledger's sandbox (``ar_sync_xero.sandbox``, ``ar_sync_quickbooks.sandbox``) is only its rules
and shapes: routes and handlers, models, query languages, live books, limits' numbers, error
bodies, reports and generator. Everything else is here, written once:

- ``plugin``: the ``SandboxPlugin`` protocol (``start``, ``company_marker``, ``display_name``),
  ``GenerateSpec``, ``SandboxHandle``, ``LedgerSandbox`` and the registry (``load_sandbox``,
  ``available_sandboxes``: a ledger plugin's ``sandbox`` attribute);
- ``options``: what ``ar-sync sandbox serve`` is asked to serve (``--generate``, which ledger a
  ``--company`` file is for);
- ``pipeline``: the one request chain (route -> faults -> auth -> company -> limits ->
  idempotency -> handler -> write log -> malformed body) over a ledger's ``rules.LedgerRules``;
- ``server``: the pipeline served on loopback from a background thread (``SandboxServer``);
- ``control``: the ``/_sandbox/`` endpoints every sandbox has, and helpers for a ledger's own;
- ``identity``: OAuth bookkeeping (codes, grants, refresh rotation, revocation) under a
  ledger's token shapes and refusal rules (``TokenBook``);
- ``limits``: fixed-window quotas and calls in flight per company (``RatePolicy``);
- ``idempotency``, ``faults``, ``recorder`` (call and write logs), ``routing``, ``reply``,
  ``jsonwire`` (exact-decimal JSON), ``clock``;
- ``company_file``: reading a company file and naming what is wrong with it in one line
  (``CompanyFileError``, ``RecordError`` from ``errors``).

A third ledger's sandbox is a ``LedgerRules`` subclass, a ``TokenBook`` subclass, its handlers,
models and books, a ``SandboxServer`` subclass with its URLs, and a ``LedgerSandbox``.
"""
