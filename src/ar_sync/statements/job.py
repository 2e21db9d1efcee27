"""The statements job: one org's open-item statements, rendered and, with ``apply``, sent.

``statements_org`` takes JSON-able arguments besides ``store``/``settings`` (a scheduler calls
it as it calls ``ar_sync.push.job.remind_org``):

1. the statements at ``as_of`` (None: the org's today), one per customer owing something
   (``ar_sync.statements.data``), each rendered to PDF (``ar_sync.statements.pdf``) and, with
   ``out_dir``, written there as ``<customer slug>-statement-<date>.pdf``;
2. with ``apply``, under the org's run lock: whatever an earlier run left pending is settled
   and performed (``perform_pending``); every statement is stored in the outbox in ONE
   transaction before any call, its PDF inside the action's JSON (base64), keyed
   ``statement:{org_id}:{customer_id}:{YYYY-MM}`` (the month of the statement date), so each
   customer gets at most one statement a calendar month however often this runs; then the
   outbox is performed: the PDF attached to the customer in the ledger, a note on the
   customer, our email with the PDF when the policy's ``[statements] email`` is true and the
   customer has an address, and one ``statement`` journal row (it counts toward the contact
   cap).

The policy (``policy``: a file's path; None: the default) decides the interest quoted and
whether statements are emailed; ``config.toml`` holds the payment instructions and ``[smtp]``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ar_sync.domain import Org
from ar_sync.errors import ConfigError
from ar_sync.push.run import CrashHook, PushResult, perform_pending

if TYPE_CHECKING:
    from ar_sync.collect.policy import Interest
    from ar_sync.settings import Settings
    from ar_sync.statements.data import Statement
    from ar_sync.store import Store

KEY_PREFIX = "statement:"


@dataclass
class StatementsResult:
    """One org's statements run. ``rendered``: statements made (one per customer owing
    something); ``attached``/``emailed``: statement attachments and emails that landed in this
    run (an earlier run's leftovers included); ``failed``: statements with a write refused or
    left unknown; ``skipped``: statements already stored this month (not sent again);
    ``files``: the PDFs written to ``out_dir``."""

    org: Org
    as_of: date
    rendered: int = 0
    attached: int = 0
    emailed: int = 0
    failed: int = 0
    skipped: int = 0
    files: list[Path] = field(default_factory=list)
    push: PushResult = field(default_factory=PushResult)


def statement_key(org_id: str, customer_id: str, day: date) -> str:
    """``statement:{org_id}:{customer_id}:{YYYY-MM}``: one per customer per calendar month."""
    return f"{KEY_PREFIX}{org_id}:{customer_id}:{day:%Y-%m}"


def load_statements(
    store: Store, org: Org, day: date, *, interest: Interest, instructions: str,
    customer: str | None = None,
) -> list[Statement]:
    """The org's statements at ``day``, quoting ``interest`` (only ``customer``'s, an id or
    exact name, when given: an unknown one is a ``ConfigError``)."""
    from ar_sync.aging.snapshots import check_as_of
    from ar_sync.connect.orgs import match_customer
    from ar_sync.statements.data import build_statements
    from ar_sync.store.records import load_credits, load_customers, load_invoices

    with store.reading() as tx:
        check_as_of(tx, org, day)
        customers = load_customers(tx, org.org_id)
        invoices = load_invoices(tx, org.org_id, open_only=True)
        credits = load_credits(tx, org.org_id, open_only=True)
    if customer is not None:
        wanted = match_customer(customers, customer).customer_id
        customers = [c for c in customers if c.customer_id == wanted]
        invoices = [i for i in invoices if i.customer_id == wanted]
        credits = [c for c in credits if c.customer_id == wanted]
    return build_statements(org, customers, invoices, credits, as_of=day,
                            interest=interest, payment_instructions=instructions)


def write_statements(out_dir: Path, rendered: list[tuple[Statement, bytes]]) -> list[Path]:
    """Write each PDF into ``out_dir`` (made if missing) as ``<slug>-statement-<date>.pdf``
    (two customers of one slug: the second's name also carries its id); their paths. A
    directory that cannot be written is a ``ConfigError`` naming it."""
    from ar_sync.views.evidence import slug

    paths: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for statement, content in rendered:
            stem = f"{slug(statement.customer_name, statement.customer_id)}-statement"
            path = out_dir / f"{stem}-{statement.statement_date.isoformat()}.pdf"
            if path in paths:
                path = out_dir / (f"{stem}-{slug(statement.customer_id, 'id')}-"
                                  f"{statement.statement_date.isoformat()}.pdf")
            path.write_bytes(content)
            paths.append(path)
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out_dir}: {exc.strerror or exc}") from None
    return paths


def outbox_data(statement: Statement, content: bytes) -> dict[str, object]:
    """What a statement's outbox action holds (``ar_sync.push.outbox``), JSON-able."""
    from ar_sync.statements.data import email_text, file_name, note_text

    subject, body = email_text(statement)
    return {
        "customer": statement.customer_name,
        "email": statement.customer_email,
        "statement_date": statement.statement_date.isoformat(),
        "file_name": file_name(statement),
        "pdf": base64.b64encode(content).decode("ascii"),
        "sha256": hashlib.sha256(content).hexdigest(),
        "note": note_text(statement),
        "subject": subject,
        "body": body,
        "totals": {currency: str(total) for currency, total in statement.totals.items()},
        "invoices": [
            {"invoice_id": i.invoice_id, "number": i.number, "due_date": i.due_date.isoformat(),
             "amount_due": str(i.balance), "currency": i.currency}
            for i in statement.items
        ],
    }


def statements_org(
    store: Store,
    settings: Settings,
    org_id: str,
    policy: str | None,
    *,
    as_of: str | date | None,
    now: Callable[[], datetime],
    apply: bool,
    out_dir: str | None = None,
    echo: Callable[[str], None] | None = None,
    customer: str | None = None,
    paced: bool = True,
) -> StatementsResult:
    """Render (and with ``apply``, attach, note, email and journal) one org's statements; see
    the module docstring. ``policy``: a policy file's path (its interest scheme is quoted, its
    ``[statements] email`` says whether to email; None: the default policy, no interest, no
    email); ``as_of``: the statement date (None: today in the org's timezone); ``echo``: a
    progress line per statement sent; ``customer``: only this one (id or exact name);
    ``paced`` False: writes not paced (a sandbox with its limits lifted, as the demo's)."""
    from ar_sync.clock import local_date
    from ar_sync.push.job import load_policy_arg
    from ar_sync.push.mail import config_file
    from ar_sync.statements.config import load_statements_config
    from ar_sync.statements.pdf import render_statement
    from ar_sync.store.orgs import require_org

    config = load_statements_config(config_file(settings.home))
    chosen, _ = load_policy_arg(policy)
    with store.reading() as tx:
        org = require_org(tx, org_id)
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    day = day or local_date(now(), org.timezone)
    statements = load_statements(store, org, day, interest=chosen.interest,
                                 instructions=config.payment_instructions, customer=customer)
    rendered = [(statement, render_statement(statement)) for statement in statements]
    result = StatementsResult(org=org, as_of=day, rendered=len(rendered))
    if out_dir is not None:
        result.files = write_statements(Path(out_dir), rendered)
    if apply and rendered:
        email = policy if chosen.statements.email else None
        _send(store, settings, org, rendered, result, email=email, now=now, echo=echo,
              paced=paced)
    return result


def _send(
    store: Store, settings: Settings, org: Org, rendered: list[tuple[Statement, bytes]],
    result: StatementsResult, *, email: str | None, now: Callable[[], datetime],
    echo: Callable[[str], None] | None, paced: bool,
) -> None:
    """Store and perform ``rendered``; ``email``: the policy file that asks for emails (None:
    no email)."""
    from ar_sync.push.job import open_mailer, open_org_writer
    from ar_sync.push.mail import config_file
    from ar_sync.push.outbox import enqueue_statement
    from ar_sync.store.locks import run_lock

    mailer = open_mailer(settings, store=store)
    if email is not None and mailer is None:
        raise ConfigError(
            f"{email}: statements.email = true but {config_file(settings.home)} has no [smtp] "
            "table (host, port, security, sender); add one, or set email = false"
        )
    writer = open_org_writer(store, settings, org, paced=paced)
    crash = CrashHook.from_env()
    try:
        with run_lock(store, org.org_id, now=now, label=f"{org.name} ({org.org_id})"):
            pushed = perform_pending(store, org, writer, mailer, now=now, on_action=echo,
                                     crash=crash)
            moment = now()
            with store.transaction() as tx:
                stored = sum(
                    enqueue_statement(
                        tx, key=statement_key(org.org_id, s.customer_id, s.statement_date),
                        org_id=org.org_id, customer_id=s.customer_id, day=s.statement_date,
                        data=outbox_data(s, content),
                        email=email is not None and bool(s.customer_email), now=moment,
                    )
                    for s, content in rendered
                )
            crash.reached("enqueued")
            pushed.add(perform_pending(store, org, writer, mailer, now=now, on_action=echo,
                                       crash=crash))
    finally:
        writer.close()
    result.skipped = len(rendered) - stored
    result.push = pushed
    _count(result, pushed)


def _count(result: StatementsResult, pushed: PushResult) -> None:
    """``attached``, ``emailed`` and ``failed`` from the steps ``pushed`` performed."""
    failed: set[str] = set()
    for key, step, state in pushed.steps:
        if not key.startswith(KEY_PREFIX):
            continue
        if state in ("failed", "unknown"):
            failed.add(key)
        elif state == "done" and step == "attachment":
            result.attached += 1
        elif state == "done" and step == "statement_email":
            result.emailed += 1
    result.failed = len(failed)
