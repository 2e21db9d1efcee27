"""Quiet days (weekends, public holidays, extra dates), the send window, zone -> country."""

from __future__ import annotations

from datetime import date, time

import pytest

from ar_sync.collect.calendar import (
    country_of_timezone,
    in_window,
    is_quiet,
    public_holidays,
    quiet_reason,
)
from ar_sync.collect.policy import Limits, SendWindow
from ar_sync.errors import ConfigError

NZ_2026 = public_holidays("nz", None, [2026])


def test_new_zealand_public_holidays_2026_include_the_observed_days() -> None:
    assert sorted(NZ_2026) == [
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 6),  # Waitangi Day
        date(2026, 4, 3), date(2026, 4, 6), date(2026, 4, 25),
        date(2026, 4, 27),  # Anzac Day (observed): the 25th is a Saturday
        date(2026, 6, 1), date(2026, 7, 10), date(2026, 10, 26), date(2026, 12, 25),
        date(2026, 12, 26), date(2026, 12, 28),
    ]


def test_a_subdivision_adds_its_own_holidays() -> None:
    # Auckland Anniversary Day, 2026-01-26, is a holiday in Auckland only
    assert date(2026, 1, 26) in public_holidays("NZ", "AUK", [2026])
    assert date(2026, 1, 26) not in NZ_2026


def test_an_unknown_country_or_subdivision_names_the_policy_key() -> None:
    with pytest.raises(ConfigError, match=r"^limits\.country: 'XX' is not a country"):
        public_holidays("XX", None, [2026])
    with pytest.raises(ConfigError, match=r"^limits\.subdivision: 'ZZ' is not a subdivision of NZ"):
        public_holidays("NZ", "ZZ", [2026])


@pytest.mark.parametrize(
    ("day", "limits", "reason"),
    [
        (date(2026, 3, 14), Limits(), "weekend"),  # Saturday
        (date(2026, 3, 15), Limits(), "weekend"),  # Sunday
        (date(2026, 3, 14), Limits(quiet_weekends=False), None),
        (date(2026, 2, 6), Limits(), "public holiday"),  # Waitangi Day, a Friday
        (date(2026, 3, 10), Limits(), None),  # a Tuesday
        (date(2026, 3, 10), Limits(quiet_dates=(date(2026, 3, 10),)), "quiet date"),
    ],
)
def test_quiet_days(day: date, limits: Limits, reason: str | None) -> None:
    assert quiet_reason(day, limits, NZ_2026) == reason
    assert is_quiet(day, limits, NZ_2026) is (reason is not None)


def test_the_send_window_includes_its_start_and_excludes_its_end() -> None:
    window = SendWindow()  # 09:00-17:00
    assert [in_window(t, window) for t in (time(8, 59, 59), time(9), time(16, 59), time(17))] == [
        False, True, True, False,
    ]


@pytest.mark.parametrize(
    ("zone", "country"),
    [("Pacific/Auckland", "NZ"), ("Europe/London", "GB"), ("America/New_York", "US"),
     ("Australia/Sydney", "AU"), ("UTC", None), ("Etc/GMT+3", None), ("Not/AZone", None)],
)
def test_country_of_timezone_reads_tzdata_zone_tab(zone: str, country: str | None) -> None:
    assert country_of_timezone(zone) == country
