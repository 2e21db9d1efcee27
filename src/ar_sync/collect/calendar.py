"""Quiet days and the send window: when the planner may contact anyone.

- ``public_holidays(country, subdivision, years)``: the org's public holidays from the
  ``holidays`` package (observed days included, e.g. NZ "Anzac Day (observed)" 2026-04-27).
- ``country_of_timezone(tz)``: the ISO 3166 country of an IANA zone from tzdata's ``zone.tab``
  (``"Pacific/Auckland"`` -> ``"NZ"``); None for zones no country owns (``UTC``, ``Etc/GMT+3``)
  and for backward-compatibility links that ``zone.tab`` does not list (``"NZ"``,
  ``"US/Eastern"``): set ``limits.country`` for those.
- ``quiet_reason(day, limits, holidays)`` / ``is_quiet``: a weekend (Saturday, Sunday) when
  ``limits.quiet_weekends``, a public holiday, or one of ``limits.quiet_dates``.
- ``in_window(t, window)``: ``window.start <= t < window.end`` (org's local time, end excluded).

Pure but for reading the installed packages' data (cached); nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import date, time
from functools import lru_cache
from importlib import resources

from ar_sync.collect.policy import Limits, SendWindow
from ar_sync.errors import ConfigError

SATURDAY = 5  # date.weekday(): Monday is 0


def public_holidays(
    country: str, subdivision: str | None, years: Iterable[int]
) -> frozenset[date]:
    """Every public holiday of ``country`` (ISO 3166 alpha-2, any case) and ``subdivision``
    (a state or region the ``holidays`` package knows, e.g. ``"CA"`` for the US) in ``years``.

    ``ConfigError`` naming ``limits.country`` for a country the package does not cover, and
    ``limits.subdivision`` for an unknown subdivision of a known country."""
    return _holidays(country.upper(), subdivision, tuple(sorted(set(years))))


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None, years: tuple[int, ...]) -> frozenset[date]:
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ConfigError(
            f"limits.country: {country!r} is not a country the holidays package knows "
            "(an ISO 3166 code such as NZ, AU, GB, US)"
        )
    if subdivision is not None and subdivision not in supported[country]:
        raise ConfigError(
            f"limits.subdivision: {subdivision!r} is not a subdivision of {country} "
            f"(known: {', '.join(supported[country])})"
        )
    found = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
    return frozenset(found.keys())


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone -> country code, from tzdata's ``zone.tab`` (``CC<TAB>coords<TAB>zone...``)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="ascii")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            found[fields[2]] = fields[0]
    return found


def country_of_timezone(tz: str) -> str | None:
    """The ISO 3166 alpha-2 country of the IANA zone ``tz``, or None (see the module doc)."""
    return _zone_countries().get(tz)


def quiet_reason(day: date, limits: Limits, holidays: Container[date]) -> str | None:
    """Why ``day`` is quiet ("weekend", "public holiday", "quiet date"), or None if it is not."""
    if limits.quiet_weekends and day.weekday() >= SATURDAY:
        return "weekend"
    if day in holidays:
        return "public holiday"
    if day in limits.quiet_dates:
        return "quiet date"
    return None


def is_quiet(day: date, limits: Limits, holidays: Container[date]) -> bool:
    """Whether nobody is contacted on ``day`` (``quiet_reason`` is not None)."""
    return quiet_reason(day, limits, holidays) is not None


def in_window(t: time, window: SendWindow) -> bool:
    """Whether the local time ``t`` is inside ``window``: ``start <= t < end``."""
    return window.start <= t < window.end
