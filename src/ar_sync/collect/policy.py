"""A collections policy: the ladder of stages, segments, limits, interest and templates.

The model only (pydantic, frozen); ``ar_sync.collect.policy_file`` reads it from TOML and
names the line and key of every error, and writes the commented default. Days are calendar
days past the due date (negative: before it); amounts are ``Decimal`` in the org's base
currency unless a field says otherwise; times of day are the org's local time.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ar_sync.domain import STAGE_ORDER, Channel, Segment, Stage, Tone


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRule(_Model):
    """One rung of the ladder: reached ``days`` after the due date (before it when negative)."""

    days: int = Field(ge=-30, le=3650)
    enabled: bool = True
    tone: Tone
    channels: tuple[Channel, ...] = Field(min_length=1)
    template: str | None = None  # a template name; None: the stage's own default


class ToneShift(StrEnum):
    """How a segment moves a stage's tone along ``Tone`` (softest first)."""

    SOFTER = "softer"
    SAME = "same"
    FIRMER = "firmer"


class SegmentRule(_Model):
    """What a segment changes: every stage comes ``offset_days`` later (earlier if negative),
    its tone shifted one step."""

    offset_days: int = Field(default=0, ge=-60, le=365)
    tone: ToneShift = ToneShift.SAME


class Segments(_Model):
    """Who is in which segment (first match wins: new, large, reliable, else standard), and
    what each changes."""

    reliable_min_paid: int = Field(default=6, ge=1)  # invoices paid in the last 12 months
    reliable_max_days_late: Decimal = Field(default=Decimal(7))  # average, strictly under
    new_within_days: int = Field(default=90, ge=1)  # first invoice within this many days
    large_balance: Decimal = Field(default=Decimal(10_000), gt=0)  # base currency, over
    reliable: SegmentRule = SegmentRule(offset_days=7, tone=ToneShift.SOFTER)
    new: SegmentRule = SegmentRule()
    large: SegmentRule = SegmentRule(offset_days=-2, tone=ToneShift.FIRMER)
    standard: SegmentRule = SegmentRule()

    def rule(self, segment: Segment) -> SegmentRule:
        return getattr(self, segment.value)


class SendWindow(_Model):
    """Contacts go out between ``start`` and ``end`` (org's local time, end excluded)."""

    start: time = time(9, 0)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Limits(_Model):
    """How often and when: at most one contact per customer per day (always), at most
    ``cap_per_30_days`` over any rolling 30 days and every channel (contacts logged by hand
    and statements included)."""

    cap_per_30_days: int = Field(default=5, ge=1, le=30)
    minimum_overdue: Decimal = Field(default=Decimal(0), ge=0)  # base currency, net of credits
    quiet_weekends: bool = True
    country: str | None = None  # ISO 3166 code for public holidays; None: from the org
    subdivision: str | None = None  # a state/region for ``holidays`` (e.g. "CA")
    quiet_dates: tuple[date, ...] = ()  # extra quiet days
    send_window: SendWindow = SendWindow()
    exclude: tuple[str, ...] = ()  # customer names or ids never chased


class InterestScheme(StrEnum):
    NONE = "none"
    SIMPLE = "simple"  # ``annual_rate`` per year, simple, from the due date
    UK_STATUTORY = "uk_statutory"  # 8% over ``base_rate``; GBP 40/70/100 per invoice
    EU_DIRECTIVE = "eu_directive"  # 8 points over ``reference_rate``; EUR 40 per invoice


class Interest(_Model):
    """Late-payment interest quoted in reminders (never charged to the ledger). Rates are
    percentages per year (``8`` means 8%)."""

    scheme: InterestScheme = InterestScheme.NONE
    annual_rate: Decimal = Field(default=Decimal(0), ge=0, le=100)
    base_rate: Decimal = Field(default=Decimal(0), ge=0, le=100)  # Bank of England
    reference_rate: Decimal = Field(default=Decimal(0), ge=0, le=100)  # ECB reference rate


class Templates(_Model):
    """Where user templates live (a folder of ``<name>.txt`` Jinja2 files overriding the
    defaults); None: the built-in ones only. Relative to the policy file."""

    folder: str | None = None


class Statements(_Model):
    """What a statement run does besides attaching each statement to the customer in the
    ledger, adding a note and journaling it (``ar-sync statements --apply`` with this policy,
    and the scheduled statements job with the org's ``schedule set --policy``)."""

    email: bool = False  # also email the PDF (config.toml [smtp]) to a customer with an address


def default_stages() -> dict[Stage, StageRule]:
    """The default ladder (the issue's): courtesy off; +1, +7, +14, +30, +45, +60."""
    return {
        Stage.COURTESY: StageRule(
            days=-3, enabled=False, tone=Tone.GENTLE, channels=(Channel.EMAIL, Channel.LEDGER_NOTE)
        ),
        Stage.FRIENDLY: StageRule(
            days=1, tone=Tone.FRIENDLY, channels=(Channel.EMAIL, Channel.LEDGER_NOTE)
        ),
        Stage.REMINDER: StageRule(
            days=7, tone=Tone.FRIENDLY, channels=(Channel.EMAIL, Channel.LEDGER_NOTE)
        ),
        Stage.FIRM: StageRule(days=14, tone=Tone.FIRM, channels=(Channel.EMAIL, Channel.LEDGER_NOTE)),
        Stage.FINAL: StageRule(
            days=30,
            tone=Tone.FORMAL,
            channels=(Channel.EMAIL, Channel.LETTER, Channel.LEDGER_NOTE),
        ),
        Stage.CALL: StageRule(days=45, tone=Tone.FIRM, channels=(Channel.CALL_TASK, Channel.LEDGER_NOTE)),
        Stage.ESCALATION: StageRule(
            days=60, tone=Tone.FORMAL, channels=(Channel.HANDOVER, Channel.LEDGER_NOTE)
        ),
    }


class Policy(_Model):
    """A whole policy. ``stages`` has every ``Stage``; their ``days`` rise with the ladder's
    order among the enabled ones."""

    name: str = "default"
    stages: dict[Stage, StageRule] = Field(default_factory=default_stages)
    segments: Segments = Segments()
    limits: Limits = Limits()
    interest: Interest = Interest()
    templates: Templates = Templates()
    statements: Statements = Statements()

    @model_validator(mode="after")
    def _ladder(self) -> Policy:
        missing = [s.value for s in STAGE_ORDER if s not in self.stages]
        if missing:
            raise ValueError(f"stages: missing {', '.join(missing)}")
        enabled = [(s, self.stages[s]) for s in STAGE_ORDER if self.stages[s].enabled]
        for (lower, a), (higher, b) in zip(enabled, enabled[1:], strict=False):
            if b.days <= a.days:
                raise ValueError(
                    f"stages.{higher.value}.days ({b.days}) must be more than "
                    f"stages.{lower.value}.days ({a.days})"
                )
        return self

    def enabled_stages(self) -> tuple[tuple[Stage, StageRule], ...]:
        """The enabled stages in ladder order."""
        return tuple((s, self.stages[s]) for s in STAGE_ORDER if self.stages[s].enabled)
