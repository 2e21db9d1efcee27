"""The default timetable's exact fire times, in UTC and local time, for orgs in three timezones
across their 2026 DST changes (US 2026-03-08, UK 2026-03-29, NZ ends 2026-04-05), the first
business day with public holidays, and the cron strings refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ar_sync.errors import ConfigError
from ar_sync.scheduler import Timetable, check_cron, fire_times, trigger_for
from ar_sync.store.runs_log import JobKind

NZ = Timetable(org_id="nz", timezone="Pacific/Auckland", country="NZ")
UK = Timetable(org_id="uk", timezone="Europe/London", country="GB")
US = Timetable(org_id="us", timezone="America/New_York", country="US")


def _times(timetable: Timetable, kind: JobKind, start: str, end: str) -> list[tuple[str, str]]:
    """(UTC, local) of every fire time in [start, end), minutes precision."""
    trigger = trigger_for(timetable, kind)
    assert trigger is not None
    found = fire_times(trigger, datetime.fromisoformat(start).replace(tzinfo=UTC),
                       datetime.fromisoformat(end).replace(tzinfo=UTC))
    return [(at.astimezone(UTC).strftime("%m-%d %H:%M"), at.strftime("%m-%d %H:%M %Z"))
            for at in found]


def test_sync_every_four_hours_local_across_the_us_dst_start() -> None:
    assert _times(US, JobKind.SYNC, "2026-03-08T00:30", "2026-03-08T18:00") == [
        ("03-08 01:00", "03-07 20:00 EST"),
        ("03-08 05:00", "03-08 00:00 EST"),
        ("03-08 08:00", "03-08 04:00 EDT"),  # three hours later: 02:00 local does not exist
        ("03-08 12:00", "03-08 08:00 EDT"),
        ("03-08 16:00", "03-08 12:00 EDT"),
    ]


def test_sync_across_the_nz_dst_end() -> None:
    assert _times(NZ, JobKind.SYNC, "2026-04-04T06:00", "2026-04-05T04:00") == [
        ("04-04 07:00", "04-04 20:00 NZDT"),
        ("04-04 11:00", "04-05 00:00 NZDT"),
        ("04-04 16:00", "04-05 04:00 NZST"),  # five hours later: 02:00-03:00 happens twice
        ("04-04 20:00", "04-05 08:00 NZST"),
        ("04-05 00:00", "04-05 12:00 NZST"),
    ]


def test_reminders_weekdays_at_0930_local_on_both_sides_of_each_change() -> None:
    assert _times(US, JobKind.REMIND, "2026-03-06T00:00", "2026-03-10T00:00") == [
        ("03-06 14:30", "03-06 09:30 EST"),
        ("03-09 13:30", "03-09 09:30 EDT"),
    ]
    assert _times(UK, JobKind.REMIND, "2026-03-27T00:00", "2026-03-31T00:00") == [
        ("03-27 09:30", "03-27 09:30 GMT"),
        ("03-30 08:30", "03-30 09:30 BST"),
    ]
    assert _times(NZ, JobKind.REMIND, "2026-04-02T00:00", "2026-04-06T00:00") == [
        ("04-02 20:30", "04-03 09:30 NZDT"),
        ("04-05 21:30", "04-06 09:30 NZST"),
    ]


def test_statements_on_the_first_business_day_at_0800_local() -> None:
    # March 2026 starts on a Sunday; April on a Wednesday, after every change.
    assert _times(NZ, JobKind.STATEMENTS, "2026-02-15T00:00", "2026-04-15T00:00") == [
        ("03-01 19:00", "03-02 08:00 NZDT"),
        ("03-31 19:00", "04-01 08:00 NZDT"),
    ]
    assert _times(UK, JobKind.STATEMENTS, "2026-02-15T00:00", "2026-04-15T00:00") == [
        ("03-02 08:00", "03-02 08:00 GMT"),
        ("04-01 07:00", "04-01 08:00 BST"),
    ]
    assert _times(US, JobKind.STATEMENTS, "2026-02-15T00:00", "2026-04-15T00:00") == [
        ("03-02 13:00", "03-02 08:00 EST"),
        ("04-01 12:00", "04-01 08:00 EDT"),
    ]


def test_first_business_day_skips_public_holidays() -> None:
    # 2027-01-01 is a Friday (New Year's Day everywhere); NZ observes the Day after New
    # Year's Day (Saturday 2 January) on Monday 4 January, so its first business day is the 5th.
    assert _times(NZ, JobKind.STATEMENTS, "2026-12-20T00:00", "2027-01-10T00:00") == [
        ("01-04 19:00", "01-05 08:00 NZDT"),
    ]
    assert _times(UK, JobKind.STATEMENTS, "2026-12-20T00:00", "2027-01-10T00:00") == [
        ("01-04 08:00", "01-04 08:00 GMT"),
    ]


def test_a_job_switched_off_has_no_trigger() -> None:
    off = Timetable(org_id="x", timezone="UTC", country=None, remind=None)
    assert trigger_for(off, JobKind.REMIND) is None


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("30 9 * *", "--remind: '30 9 * *' is not a cron string (minute hour day month "
         "day-of-week, e.g. '30 9 * * mon-fri'), nor 'off'"),
        ("30 9 * * 1-5", "--remind: '30 9 * * 1-5': give the day of week by name (mon-fri, "
         "sun): APScheduler counts 0 as Monday where cron counts it as Sunday"),
        ("30 25 * * mon", "--remind: '30 25 * * mon': Error validating expression '25': the "
         "last value (25) is higher than the maximum value (23)"),
    ],
)
def test_bad_cron_strings_are_refused_in_one_line(expr: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_cron(expr, "--remind")
    assert str(raised.value) == message


def test_cron_strings_kept_as_given_and_off() -> None:
    assert check_cron("  30  9 * *   mon-fri ", "--remind") == "30 9 * * mon-fri"
    assert check_cron("OFF", "--sync") is None
    assert check_cron("first-business-day", "--statements", statements=True) == (
        "first-business-day"
    )
