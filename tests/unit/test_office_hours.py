"""Office hours (horizon/handoff/office_hours.py): reading the setting, open or not, when next, in Brussels time."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from horizon.handoff.office_hours import describe_moment, from_env, parse

BRUSSELS = ZoneInfo("Europe/Brussels")
WORKDAYS = "mon-fri 09:00-17:00"


def brussels(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    "moment, expected",
    [
        (brussels(2026, 11, 30, 9, 0), True),  # Monday, opening minute
        (brussels(2026, 11, 30, 16, 59), True),
        (brussels(2026, 11, 30, 17, 0), False),  # closing time is closed
        (brussels(2026, 11, 30, 8, 59), False),
        (brussels(2026, 12, 5, 11, 0), False),  # Saturday
    ],
)
def test_open_on_workdays_within_the_hours(moment, expected):
    assert parse(WORKDAYS).is_open(moment) is expected


def test_the_hours_are_brussels_wall_clock_time_in_summer_and_winter():
    hours = parse(WORKDAYS)
    # 07:30 UTC is 09:30 in Brussels in summer (CEST) but 08:30 in winter (CET)
    assert hours.is_open(datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc))
    assert not hours.is_open(datetime(2026, 12, 2, 7, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "moment, expected",
    [
        (brussels(2026, 11, 30, 7, 0), brussels(2026, 11, 30, 9, 0)),  # Monday morning: today
        (brussels(2026, 11, 30, 18, 0), brussels(2026, 12, 1, 9, 0)),  # Monday evening: tomorrow
        (brussels(2026, 12, 4, 17, 30), brussels(2026, 12, 7, 9, 0)),  # Friday evening: Monday
        (brussels(2026, 12, 5, 12, 0), brussels(2026, 12, 7, 9, 0)),  # Saturday: Monday
    ],
)
def test_next_opening(moment, expected):
    assert parse(WORKDAYS).next_opening(moment) == expected


def test_several_windows_days_lists_and_dutch_day_names():
    hours = parse("ma,wo 09:00-12:00; do 13:30-16:00; sat 10:00-11:00")
    assert hours.is_open(brussels(2026, 12, 2, 10, 0))  # Wednesday morning
    assert not hours.is_open(brussels(2026, 12, 1, 10, 0))  # Tuesday
    assert hours.next_opening(brussels(2026, 12, 2, 12, 0)) == brussels(2026, 12, 3, 13, 30)
    assert hours.is_open(brussels(2026, 12, 5, 10, 30))


def test_a_range_may_wrap_around_the_week():
    hours = parse("fri-mon 10:00-12:00")
    assert {w.weekday for w in hours.windows} == {4, 5, 6, 0}


def test_open_window_says_until_when():
    window = parse(WORKDAYS).open_window(brussels(2026, 11, 30, 10, 0))
    assert window is not None and window.end == time(17, 0)


@pytest.mark.parametrize(
    "spec", ["", "weekdays 9-5", "mon-fri 17:00-09:00", "mon-fry 09:00-17:00", "mon-fri 25:00-26:00", "mon-fri"]
)
def test_unreadable_hours_are_refused(spec):
    with pytest.raises(ValueError):
        parse(spec)


def test_an_unknown_zone_is_refused():
    with pytest.raises(ValueError):
        parse(WORKDAYS, "Europe/Atlantis")


def test_from_env_unset_or_invalid_means_no_hours(caplog):
    assert from_env({}) is None
    assert from_env({"HANDOFF_OFFICE_HOURS": "whenever"}) is None
    assert "whenever" not in caplog.text  # the setting is named, its value is not repeated
    hours = from_env({"HANDOFF_OFFICE_HOURS": WORKDAYS, "HANDOFF_TIMEZONE": "Europe/Amsterdam"})
    assert hours is not None and str(hours.zone) == "Europe/Amsterdam"


@pytest.mark.parametrize(
    "moment, language, expected",
    [
        (brussels(2026, 11, 30, 9, 0), "nl", "vandaag om 09:00"),
        (brussels(2026, 12, 1, 9, 0), "nl", "morgen om 09:00"),
        (brussels(2026, 12, 3, 13, 30), "nl", "donderdag om 13:30"),
        (brussels(2026, 11, 30, 9, 0), "en", "today at 09:00"),
        (brussels(2026, 12, 1, 9, 0), "en", "tomorrow at 09:00"),
        (brussels(2026, 12, 7, 9, 0), "en", "on Monday at 09:00"),
    ],
)
def test_describe_moment(moment, language, expected):
    now = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)  # Monday 07:00 in Brussels
    assert describe_moment(moment, now, language) == expected
