"""The words of a contact: email subject and body, ledger note, demand letter, task text.

Templates are Jinja2 text files rendered in Jinja2's ``SandboxedEnvironment`` (a template
cannot reach Python internals), with ``StrictUndefined`` (a misspelt variable is an error,
never a blank) and no autoescaping (plain text). The built-in ones live in the package folder
``templates/``; a policy's ``templates.folder`` (relative to the policy file) holding a file
of the same name replaces it:

==================  ======================================================================
file                used for
==================  ======================================================================
email_<tone>.txt    subject (a first line ``Subject: ...``) and body of the stage's email;
                    a stage's ``template = "NAME"`` uses NAME.txt instead
note.txt            the ledger note (one line; shortened to fit the ledger, see ``render``)
letter_final.txt    the demand letter, when the stage's channels include ``letter``
task_call.txt       the call task's text (channel ``call_task``)
task_handover.txt   the hand-over task's text (channel ``handover``)
_invoices.txt       the invoice list the emails and the letter include
==================  ======================================================================

Variables (all text already formatted for people unless noted): ``org_name``, ``customer``,
``customer_id``, ``email`` (or None), ``stage``, ``stage_title``, ``tone``, ``segment``,
``as_of`` and ``deadline`` (``as_of`` + ``DEADLINE_DAYS``, "12 March 2026"), ``count``,
``overdue`` (bool), ``oldest_days`` (int), ``invoices`` (each: ``number``, ``issue_date``,
``due_date``, ``days_overdue`` (int), ``amount`` ("NZD 1,234.50"), ``currency``,
``interest`` and ``fee`` ("" when zero)), ``total`` and ``total_with_charges`` (per currency:
"NZD 1,234.50 + USD 20.00"), ``charges`` (bool), ``interest_terms``, ``all_numbers``; in
note.txt also ``numbers`` (the invoice numbers that fit) and ``more`` (how many left out).
Filters: ``money(currency)`` and ``long_date``.

A template that cannot be read, compiled or rendered (syntax, an undefined variable, a
sandbox refusal) is a ``ConfigError`` naming the template file and line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

from ar_sync.collect.interest import annual_rate
from ar_sync.collect.policy import InterestScheme, Policy
from ar_sync.domain import Action, Channel, PlannedInvoice, Stage
from ar_sync.errors import ConfigError
from ar_sync.money import ZERO, format_amount

BUILTIN_DIR = Path(__file__).with_name("templates")
DEADLINE_DAYS = 7  # the payment deadline a firm email and the demand letter give: as_of + 7
NOTE_MARGIN = 20  # characters of a ledger note kept for the writer's marker ("[ar-sync ...]")

STAGE_TITLES: Mapping[Stage, str] = {
    Stage.COURTESY: "Courtesy note",
    Stage.FRIENDLY: "Friendly reminder",
    Stage.REMINDER: "Reminder",
    Stage.FIRM: "Firm reminder",
    Stage.FINAL: "Final notice",
    Stage.CALL: "Call task",
    Stage.ESCALATION: "Escalation",
}
# What a note says was done, per channel, in this order (ledger_note is the note itself).
_DONE: tuple[tuple[Channel, str], ...] = (
    (Channel.EMAIL, "sent by email"),
    (Channel.LEDGER_EMAIL, "invoice emailed from the ledger"),
    (Channel.LETTER, "letter to post"),
    (Channel.CALL_TASK, "opened"),
    (Channel.HANDOVER, "marked for an agency or court"),
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class Messages:
    """One action's words. ``note`` fits the ledger's note limit with the writer's marker;
    ``letter`` is set when the stage posts a letter, ``task`` when it opens a call or
    hand-over task."""

    subject: str
    body: str
    note: str
    letter: str | None
    task: str | None


def render(
    action: Action, policy: Policy, *, org_name: str, note_limit: int, policy_dir: Path | None
) -> Messages:
    """Render ``action``'s messages with ``policy``'s templates (its folder is relative to
    ``policy_dir``; None: the built-in templates only).

    The note is at most ``note_limit - NOTE_MARGIN`` characters: when the whole list of
    invoice numbers does not fit, it lists as many as fit and "and N more"; should even no
    number fit, it is shortened at a word boundary. ``ConfigError`` for a broken template.
    """
    env = environment(_folder(policy, policy_dir))
    context = template_context(action, policy, org_name=org_name)
    rule = policy.stages[action.stage]
    email_name = f"{rule.template}.txt" if rule.template else f"email_{action.tone.value}.txt"
    subject, body = _split_subject(_render(env, email_name, context), env, email_name)
    channels = set(action.channels)
    task_name = (
        "task_call.txt" if Channel.CALL_TASK in channels
        else "task_handover.txt" if Channel.HANDOVER in channels
        else None
    )
    return Messages(
        subject=subject,
        body=body,
        note=fit_note(
            lambda shown, more: _one_line(
                _render(env, "note.txt", {**context, "numbers": shown, "more": more})
            ),
            [invoice.number for invoice in action.invoices],
            note_limit - NOTE_MARGIN,
        ),
        letter=_render(env, "letter_final.txt", context) if Channel.LETTER in channels else None,
        task=_one_line(_render(env, task_name, context)) if task_name else None,
    )


def fit_note(write: Callable[[list[str], int], str], numbers: Sequence[str], limit: int) -> str:
    """``write(shown, more)`` with as many of ``numbers`` shown as keep it within ``limit``
    characters (the rest counted in ``more``); if none fit, ``write([], len(numbers))``
    shortened at a word boundary (" ..." marks the cut)."""
    whole = write(list(numbers), 0)
    if len(whole) <= limit:
        return whole
    low, high = 0, len(numbers) - 1  # the most shown that fit lies in [low, high]
    best: str | None = None
    while low <= high:
        middle = (low + high) // 2
        text = write(list(numbers[:middle]), len(numbers) - middle)
        if len(text) <= limit:
            best, low = text, middle + 1
        else:
            high = middle - 1
    if best:
        return best
    return textwrap.shorten(write([], len(numbers)), width=max(limit, 1), placeholder=" ...")


# -- the variables --------------------------------------------------------------------------


def template_context(action: Action, policy: Policy, *, org_name: str) -> dict[str, Any]:
    """The variables every template sees for ``action`` (see the module docstring)."""
    invoices = action.invoices
    return {
        "org_name": org_name,
        "customer": action.customer,
        "customer_id": action.customer_id,
        "email": action.email,
        "stage": action.stage.value,
        "stage_title": STAGE_TITLES[action.stage],
        "tone": action.tone.value,
        "segment": action.segment.value,
        "as_of": long_date(action.as_of),
        "deadline": long_date(action.as_of + timedelta(days=DEADLINE_DAYS)),
        "count": len(invoices),
        "overdue": any(invoice.days_overdue > 0 for invoice in invoices),
        "oldest_days": max((invoice.days_overdue for invoice in invoices), default=0),
        "invoices": [_invoice(invoice) for invoice in invoices],
        "total": _per_currency(invoices, with_charges=False),
        "total_with_charges": _per_currency(invoices, with_charges=True),
        "charges": any(invoice.interest or invoice.fee for invoice in invoices),
        "interest_terms": interest_terms(policy),
        "all_numbers": [invoice.number for invoice in invoices],
        "done": ", ".join(words for channel, words in _DONE if channel in action.channels)
        or "noted",
    }


def money(amount: Decimal, currency: str) -> str:
    """``NZD 1,234.50``: the currency code and the amount grouped, to its minor unit."""
    return f"{currency} {format_amount(amount, currency, grouped=True)}"


def long_date(day: date) -> str:
    """``5 March 2026`` (English month names whatever the machine's locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def interest_terms(policy: Policy) -> str:
    """One sentence on what interest and compensation are quoted, and why."""
    interest = policy.interest
    rate = format(annual_rate(interest).normalize(), "f")
    if interest.scheme is InterestScheme.UK_STATUTORY:
        return (
            f"Under the Late Payment of Commercial Debts (Interest) Act 1998 we may claim "
            f"interest at {rate}% a year (8% over the Bank of England base rate) and fixed "
            f"compensation for each late invoice."
        )
    if interest.scheme is InterestScheme.EU_DIRECTIVE:
        return (
            f"Under the late payment rules of Directive 2011/7/EU we may claim interest at "
            f"{rate}% a year (8 points over the reference rate) and EUR 40 compensation for "
            f"each late invoice."
        )
    if interest.scheme is InterestScheme.SIMPLE:
        return f"Interest is charged at {rate}% a year from each due date."
    return ""


def _invoice(invoice: PlannedInvoice) -> dict[str, Any]:
    currency = invoice.currency
    return {
        "number": invoice.number,
        "issue_date": long_date(invoice.issue_date),
        "due_date": long_date(invoice.due_date),
        "days_overdue": invoice.days_overdue,
        "amount": money(invoice.amount_due, currency),
        "currency": currency,
        "interest": money(invoice.interest, currency) if invoice.interest else "",
        "fee": money(invoice.fee, currency) if invoice.fee else "",
    }


def _per_currency(invoices: Sequence[PlannedInvoice], *, with_charges: bool) -> str:
    """The invoices' total per currency, in order of first appearance: ``NZD 10.00 + USD 5.00``."""
    totals: dict[str, Decimal] = {}
    for invoice in invoices:
        extra = invoice.interest + invoice.fee if with_charges else ZERO
        totals[invoice.currency] = totals.get(invoice.currency, ZERO) + invoice.amount_due + extra
    return " + ".join(money(amount, currency) for currency, amount in totals.items())


# -- Jinja2 ---------------------------------------------------------------------------------


def _folder(policy: Policy, policy_dir: Path | None) -> Path | None:
    folder = policy.templates.folder
    if folder is None:
        return None
    path = Path(folder).expanduser()
    if not path.is_absolute() and policy_dir is not None:
        path = policy_dir / path
    if not path.is_dir():
        raise ConfigError(f"templates.folder: no such folder: {path}")
    return path.resolve()


@lru_cache(maxsize=16)
def environment(folder: Path | None) -> SandboxedEnvironment:
    """The sandboxed environment reading ``folder`` first, then the built-in templates
    (one per folder: Jinja2 then compiles each template once and reloads it when changed)."""
    searchpath = [FileSystemLoader(str(folder))] if folder is not None else []
    env = SandboxedEnvironment(
        loader=ChoiceLoader([*searchpath, FileSystemLoader(str(BUILTIN_DIR))]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = money
    env.filters["long_date"] = long_date
    return env


def check_templates(policy: Policy, policy_dir: Path | None) -> list[str]:
    """Every template the policy can use compiled: one line per one that cannot be (missing,
    or a syntax error), naming its file and line; empty when all are fine."""
    try:
        env = environment(_folder(policy, policy_dir))
    except ConfigError as exc:
        return [str(exc)]
    names = {f"email_{tone}.txt" for tone in ("gentle", "friendly", "firm", "formal")}
    names |= {f"{rule.template}.txt" for rule in policy.stages.values() if rule.template}
    names |= {"note.txt", "letter_final.txt", "task_call.txt", "task_handover.txt",
              "_invoices.txt"}
    problems = []
    for name in sorted(names):
        try:
            _template(env, name)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


def _template(env: SandboxedEnvironment, name: str) -> Template:
    try:
        return env.get_template(name)
    except TemplateNotFound as exc:
        raise ConfigError(f"template {exc.name}: not found in {_where(env)}") from None
    except TemplateSyntaxError as exc:
        raise ConfigError(
            f"{exc.filename or exc.name} line {exc.lineno}: template error: {exc.message}"
        ) from None


def _render(env: SandboxedEnvironment, name: str, context: Mapping[str, Any]) -> str:
    template = _template(env, name)
    try:
        return template.render(context).strip() + "\n"
    except TemplateSyntaxError as exc:  # an included template
        raise ConfigError(
            f"{exc.filename or exc.name} line {exc.lineno}: template error: {exc.message}"
        ) from None
    except TemplateNotFound as exc:
        raise ConfigError(f"template {exc.name}: not found in {_where(env)}") from None
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        where = _template_frame(exc.__traceback__) or (template.filename or name, None)
        line = f" line {where[1]}" if where[1] is not None else ""
        raise ConfigError(f"{where[0]}{line}: template error: {exc}") from None


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """The innermost frame of a template (Jinja2 rewrites a render's traceback so each
    template frame carries the template's file name and line)."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".txt"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _where(env: SandboxedEnvironment) -> str:
    loaders = getattr(env.loader, "loaders", [])
    folders = [str(p) for loader in loaders for p in getattr(loader, "searchpath", [])]
    return " or ".join(folders[:-1] + ["the built-in templates"])


def _split_subject(text: str, env: SandboxedEnvironment, name: str) -> tuple[str, str]:
    """An email template's output as (subject, body): its first line is ``Subject: ...``."""
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        source = env.get_template(name).filename or name
        raise ConfigError(f"{source} line 1: template error: the first line must be "
                          f"'Subject: ...'")
    return first.removeprefix("Subject:").strip(), rest.strip("\n") + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
