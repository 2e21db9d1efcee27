"""``ar-sync plan``'s output: the day's actions and skips per org, as JSON or tables (pure).

JSON (2-space indent, trailing newline)::

    {"as_of": "YYYY-MM-DD" | null, "policy": "<policy name>",
     "orgs": [{"org_id", "as_of",
               "actions": [{"customer_id", "customer", "segment", "stage", "channels": [..],
                            "invoices": [{"invoice_id", "number", "due_date", "days_overdue",
                                          "amount_due", "currency", "interest"}],
                            "total_due"}],
               "skipped": [{"customer_id", "customer", "reason", "detail"}]}]}

Amounts are decimal strings: an invoice's ``amount_due`` and ``interest`` in its own currency,
``total_due`` in the org's base currency. The top-level ``as_of`` is ``--as-of`` as given
(null: each org's today, in its own ``as_of``).

Tables: per org, one line per action (customer, segment, stage, channels by their short names
in ``CHANNEL_LABELS``, how many invoices,
total due in base currency; a long customer name wraps, nothing else does), then one line per
skip reason with how many customers it holds back.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any, TextIO

from rich.table import Table

from ar_sync.domain import Action, Channel, OrgPlan, SkipReason
from ar_sync.money import format_amount
from ar_sync.views.tables import new_table

# The table's short names of the channels (JSON keeps the policy's names).
CHANNEL_LABELS = {
    Channel.LEDGER_NOTE: "note",
    Channel.LEDGER_EMAIL: "ledger-email",
    Channel.EMAIL: "email",
    Channel.CALL_TASK: "call",
    Channel.LETTER: "letter",
    Channel.HANDOVER: "handover",
}


def _action_json(action: Action) -> dict[str, Any]:
    return {
        "customer_id": action.customer_id,
        "customer": action.customer,
        "segment": action.segment.value,
        "stage": action.stage.value,
        "channels": [c.value for c in action.channels],
        "invoices": [
            {
                "invoice_id": i.invoice_id,
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "days_overdue": i.days_overdue,
                "amount_due": format_amount(i.amount_due, i.currency),
                "currency": i.currency,
                "interest": format_amount(i.interest, i.currency),
            }
            for i in action.invoices
        ],
        "total_due": format_amount(action.total_due, action.base_currency),
    }


def write_json(
    plans: Sequence[OrgPlan], out: TextIO, *, as_of: date | None, policy_name: str
) -> None:
    """The plans as one JSON document (see the module doc), written to ``out`` as it is
    encoded: indented JSON goes through json's pure-Python encoder in pieces of a few bytes,
    and at 100,000 open invoices holding them all at once cost ~160 MB beside a ~25 MB text."""
    doc = {
        "as_of": as_of.isoformat() if as_of is not None else None,
        "policy": policy_name,
        "orgs": [
            {
                "org_id": p.org_id,
                "as_of": p.as_of.isoformat(),
                "actions": [_action_json(a) for a in p.actions],
                "skipped": [
                    {"customer_id": s.customer_id, "customer": s.customer,
                     "reason": s.reason.value, "detail": s.detail}
                    for s in p.skipped
                ],
            }
            for p in plans
        ],
    }
    pieces: list[str] = []
    for piece in _INDENTED.iterencode(doc):
        pieces.append(piece)
        if len(pieces) == _PIECES_PER_WRITE:
            out.write("".join(pieces))
            pieces.clear()
    pieces.append("\n")
    out.write("".join(pieces))


_INDENTED = json.JSONEncoder(indent=2, ensure_ascii=False)  # json.dumps(doc, indent=2, ...)
_PIECES_PER_WRITE = 8192


def render_tables(plans: Sequence[OrgPlan], names: Mapping[str, str]) -> Iterator[Table]:
    """Per org (``names``: org_id -> name for the titles): its actions, then its skips by
    reason (in ``SkipReason`` order) with counts."""
    for p in plans:
        title = f"{names.get(p.org_id, p.org_id)}: plan for {p.as_of.isoformat()}"
        currency = p.actions[0].base_currency if p.actions else ""
        actions = new_table(title, f"{len(p.actions)} contact{'' if len(p.actions) == 1 else 's'}")
        actions.add_column("Customer", overflow="fold", ratio=1, min_width=len("Customer"))
        for header in ("Segment", "Stage", "Channels"):
            actions.add_column(header, no_wrap=True)
        actions.add_column("Invoices", justify="right", no_wrap=True)
        actions.add_column(f"Total due {currency}".rstrip(), justify="right", no_wrap=True)
        for a in p.actions:
            actions.add_row(
                a.customer, a.segment.value, a.stage.value,
                " ".join(CHANNEL_LABELS[c] for c in a.channels), str(len(a.invoices)),
                format_amount(a.total_due, a.base_currency, grouped=True),
            )
        yield actions
        if not p.skipped:
            continue
        counts = Counter(s.reason for s in p.skipped)
        skipped = new_table(None)
        skipped.add_column("Skipped", no_wrap=True)
        skipped.add_column("Customers", justify="right", no_wrap=True)
        for reason in SkipReason:
            if counts[reason]:
                skipped.add_row(reason.value, str(counts[reason]))
        yield skipped
