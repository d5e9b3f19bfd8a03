"""Day lists, on/off patterns, times, durations and periods as clinicians write them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from scheduler.regimen.notation import (
    format_day_list,
    parse_day_list,
    parse_duration,
    parse_pattern,
    parse_period,
    parse_time,
)

SEED_DAYS = (1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26)


def test_day_list_as_oncology_writes_it() -> None:
    assert parse_day_list("1-5, 8-12, 15-19, 22-26") == SEED_DAYS


def test_on_off_pattern_gives_the_same_days_as_the_day_list() -> None:
    days, length = parse_pattern("5 on, 2 off, x4, then 7 off")
    assert days == SEED_DAYS
    assert length == 35


@pytest.mark.parametrize(
    "pattern",
    [
        "5 on, 2 off, ×4, then 7 off",
        "5 ON, 2 OFF, x 4 then 7 off",
        "5 on,2 off,4 times, then 7 off",
    ],
)
def test_pattern_spellings(pattern: str) -> None:
    assert parse_pattern(pattern) == (SEED_DAYS, 35)


def test_pattern_with_several_segments() -> None:
    # 21 days of pills then 7 without: the combined oral contraceptive.
    assert parse_pattern("21 on, 7 off") == (tuple(range(1, 22)), 28)
    # A rest first, then doses: days 3-4 and 7-8.
    assert parse_pattern("2 off, 2 on, x2") == ((3, 4, 7, 8), 8)


def test_day_list_forms() -> None:
    assert parse_day_list("1, 8, 15") == (1, 8, 15)
    assert parse_day_list([1, 8, "15-16"]) == (1, 8, 15, 16)
    assert parse_day_list(3) == (3,)
    assert parse_day_list("-1") == (-1,)
    assert parse_day_list("-3 to -1, 1") == (-3, -2, -1, 1)
    assert parse_day_list("1–3") == (1, 2, 3)  # an en dash, as word processors write ranges
    assert parse_day_list("5, 1-3, 2") == (1, 2, 3, 5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "there is no day 0"),
        ("-1-1", "there is no day 0"),
        ("", "the day list is empty"),
        ("5-1", "runs backwards"),
        ("1-5; 8", "is not a day or a range"),
        ("day 1", "is not a day or a range"),
    ],
)
def test_bad_day_lists(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_day_list(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the pattern is empty"),
        ("7 off", "has no dose days"),
        ("5 on, 2 of", "is not a pattern step"),
        ("x4", "has nothing to repeat"),
        ("5 on, then then 2 off", "empty step"),
        ("0 on, 2 off", "at least 1 day"),
        ("5 on, x0", "at least x1"),
    ],
)
def test_bad_patterns(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_pattern(text)


def test_format_day_list_collapses_runs() -> None:
    assert format_day_list(SEED_DAYS) == "1-5, 8-12, 15-19, 22-26"
    assert format_day_list((-1, 1, 2)) == "-1, 1-2"


def test_times() -> None:
    assert parse_time("09:00") == time(9, 0)
    assert parse_time("9:05") == time(9, 5)
    assert parse_time("23:59") == time(23, 59)


@pytest.mark.parametrize("text", ["25:00", "24:00", "09:60", "9am", "0900", "", 9])
def test_bad_times(text: object) -> None:
    with pytest.raises(ValueError, match="not a time of day"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("15m", 15), ("15 min", 15), ("2h", 120), ("1h30m", 90), ("46 hours", 46 * 60),
     ("1 day", 1440), ("PT15M", 15), ("P1DT2H", 1560)],
)  # fmt: skip
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "message"),
    [("0m", "longer than zero"), ("15", "not a duration"), ("2 fortnights", "unknown unit"),
     ("", "not a duration")],
)  # fmt: skip
def test_bad_durations(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


def test_periods() -> None:
    assert parse_period("12 months") == (12, "months")
    assert parse_period("1 year") == (1, "years")
    assert parse_period("6 weeks") == (6, "weeks")
    with pytest.raises(ValueError, match="not a period"):
        parse_period("a few months")
