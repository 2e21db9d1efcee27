"""The call log and the write log the control endpoints report (``ar_sync.sandbox_kit.recorder``).

Calls: every request except ``/_sandbox/`` ones, counted by endpoint (``"GET Invoices"``,
``"PUT Invoices/{id}/History"``, ``"POST connect/token"``), with the number of 429s.
Writes: every applied write (history notes, attachments, invoice emails) and every replay of
one, per tenant (the entries' ``tenant`` field). ``reset_calls`` clears the call log only.
"""

from __future__ import annotations

from ar_sync.sandbox_kit.recorder import Recorder

__all__ = ["Recorder"]
