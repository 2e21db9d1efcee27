"""The remind job: plan one org's contacts for a day and, with ``apply``, push them.

``remind_org`` takes JSON-able arguments besides ``store``/``settings`` (a scheduler calls it
as it calls ``ar_sync.jobs.sync_org``). With ``apply``, under the org's run lock:

1. whatever an earlier run left pending is settled and performed (``perform_pending``);
2. the day is planned (``ar_sync.collect.books.plan_org``) and each action rendered
   (``ar_sync.collect.templates.render``);
3. every action is stored in the outbox in ONE transaction (an action already there, by its
   deterministic key, is not stored twice), before any call;
4. the outbox is performed (``perform_pending``).

Without ``apply`` it only plans: nothing is stored or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ar_sync.domain import Channel, Org, OrgPlan
from ar_sync.errors import ConfigError
from ar_sync.push.run import CrashHook, PushResult, perform_pending

if TYPE_CHECKING:
    from ar_sync.collect.policy import Policy
    from ar_sync.connector import LedgerWriter
    from ar_sync.push.mail import Mailer
    from ar_sync.settings import Settings
    from ar_sync.store import Store


@dataclass
class RemindResult:
    """One org's remind run: its plan, how many actions were newly stored, and what the push
    did (earlier runs' leftovers included)."""

    org: Org
    plan: OrgPlan
    enqueued: int = 0
    push: PushResult = field(default_factory=PushResult)


def load_policy_arg(policy: str | None) -> tuple[Policy, Path | None]:
    """The policy a path names (None: the default policy) and its folder."""
    if policy is None:
        from ar_sync.collect.policy import Policy

        return Policy(), None
    from ar_sync.collect.policy_file import load_policy

    path = Path(policy)
    return load_policy(path), path.parent


def open_mailer(settings: Settings, *, store: Store | None = None) -> Mailer | None:
    """The SMTP mailer ``config.toml`` describes, or None when it has no ``[smtp]``."""
    from ar_sync.push.mail import Mailer, config_file, load_smtp_config, smtp_password

    config = load_smtp_config(config_file(settings.home))
    if config is None:
        return None
    password = smtp_password(settings, config, store=store) if config.username else None
    return Mailer(config, password, timeout=settings.timeouts.read)


def open_org_writer(store: Store, settings: Settings, org: Org, *, paced: bool) -> LedgerWriter:
    """``org``'s ledger writer, its calls bounded by the settings' timeouts and paced to the
    ledger's rate limits (``paced`` False: not paced, for a sandbox run with its limits
    lifted). The caller closes it."""
    from ar_sync.connect.orgs import vault_for
    from ar_sync.connector import load_plugin
    from ar_sync.sync.pacing import UNPACED

    return load_plugin(org.platform).open_writer(
        org, vault_for(org, settings, store=store), timeouts=settings.timeouts,
        limits=None if paced else UNPACED,
    )


def remind_org(
    store: Store,
    settings: Settings,
    org_id: str,
    policy: str | None,
    *,
    as_of: str | date | None,
    now: Callable[[], datetime],
    apply: bool,
    echo: Callable[[str], None] | None = None,
    paced: bool = True,
) -> RemindResult:
    """Plan (and with ``apply``, push) one org's reminders; see the module docstring.
    ``policy``: a policy file's path (None: the default policy); ``as_of``: the day to plan
    (None: today in the org's timezone); ``echo``: a progress line per action; ``paced``
    False: the writes are not paced to the ledger's rate limits (only for a sandbox run with
    its limits lifted, as the demo's)."""
    from ar_sync.collect.books import plan_org
    from ar_sync.store.orgs import require_org

    chosen, policy_dir = load_policy_arg(policy)
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    with store.reading() as tx:
        org = require_org(tx, org_id)
    if not apply:
        return RemindResult(org=org, plan=plan_org(store, org_id, chosen, as_of=day, now=now()))

    from ar_sync.store.locks import run_lock

    mailer = open_mailer(settings, store=store)
    writer = open_org_writer(store, settings, org, paced=paced)
    crash = CrashHook.from_env()
    try:
        with run_lock(store, org.org_id, now=now, label=f"{org.name} ({org.org_id})"):
            pushed = perform_pending(store, org, writer, mailer, now=now, on_action=echo,
                                     crash=crash)
            moment = now()
            plan = plan_org(store, org_id, chosen, as_of=day, now=moment)
            enqueued = _enqueue_all(store, org, plan, chosen, policy_dir, writer.note_limit,
                                    mailer, now=moment, settings=settings)
            crash.reached("enqueued")
            pushed.add(perform_pending(store, org, writer, mailer, now=now, on_action=echo,
                                       crash=crash))
    finally:
        writer.close()
    return RemindResult(org=org, plan=plan, enqueued=enqueued, push=pushed)


def _enqueue_all(
    store: Store, org: Org, plan: OrgPlan, policy: Policy, policy_dir: Path | None,
    note_limit: int, mailer: Mailer | None, *, now: datetime, settings: Settings,
) -> int:
    """Refuse a plan that emails with no mailer configured, then ``enqueue_plan``."""
    from ar_sync.push.mail import config_file

    if mailer is None and any(Channel.EMAIL in a.channels for a in plan.actions):
        raise ConfigError(
            f"the policy sends email but {config_file(settings.home)} has no [smtp] table "
            "(host, port, security, sender); add one, or take email out of the stages' channels"
        )
    return enqueue_plan(store, org, plan, policy, policy_dir, note_limit, now=now)


def enqueue_plan(
    store: Store, org: Org, plan: OrgPlan, policy: Policy, policy_dir: Path | None,
    note_limit: int, *, now: datetime,
) -> int:
    """Render every action of ``plan`` (its notes fitting ``note_limit``) and store them all
    in ONE transaction, before any call; returns how many were new (an action already stored,
    by its key, is not stored again). A broken template fails before anything is stored."""
    from ar_sync.collect.templates import render
    from ar_sync.push.outbox import enqueue

    rendered = [
        (action, render(action, policy, org_name=org.name, note_limit=note_limit,
                        policy_dir=policy_dir))
        for action in plan.actions
    ]
    with store.transaction() as tx:
        return sum(enqueue(tx, action, messages, now=now) for action, messages in rendered)
