"""The shared argument checks (scheduler/arguments.py): how a wrong value is named in a message,
and that each check raises the error class it is given, naming the argument."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from scheduler.arguments import (
    describe,
    need,
    need_aware,
    need_choice,
    need_date,
    need_duration,
    need_path,
    need_text,
    need_whole,
    shown,
    text_problem,
)
from scheduler.errors import ArgumentError, PlanError


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "None"),
        (True, "True"),
        (5, "int 5"),
        (-(10**40), "int minus a number of about 41 digits"),
        (10**5000, "int a number of about 5,001 digits"),
        ("x" * 100, "str '" + "x" * 56 + "..."),
        ("a\ud800", "str 'a\\ud800'"),
        ([1, 2, 3, 4], "a list of 4 items"),
        ((1, 2), "tuple (1, 2)"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",  # 10**5000 cannot be an id
)
def test_a_value_is_named_by_its_type_and_cut_short(value: object, words: str) -> None:
    assert describe(value) == words


def test_a_huge_number_is_named_by_its_size() -> None:
    """Python refuses to turn an int of over 4,300 digits into text (ValueError)."""
    assert shown(12_345) == "12,345"
    assert shown(10**4400) == "a number of about 4,401 digits"


def test_a_lone_surrogate_is_found_and_placed() -> None:
    assert text_problem("fine, ünïcode 💊") is None
    assert text_problem("ab\udcffc") == (
        "contains a lone surrogate \\udcff at character 3, which is not a character (the text "
        "was cut or mis-encoded: give UTF-8 text)"
    )


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda: need(True, int, "count", "a whole number"), "count must be a whole number, not True"),
        (lambda: need_text(None, "name"), "name must be text (a str), not None"),
        (lambda: need_text("x" * 11, "name", most=10), "name must be at most 10 characters, not 11"),
        (lambda: need_aware(datetime(2027, 1, 1), "stamp"),
         "stamp must be an aware datetime such as datetime(2027, 1, 4, 9, 0, tzinfo=UTC), not a "
         "naive datetime datetime.datetime(2027, 1, 1, 0, 0)"),
        (lambda: need_whole(0, "width", 1, 1000), "width must be from 1 to 1,000, not 0"),
        (lambda: need_choice("ICS", "format", ("ics", "json")),
         "format must be one of ics, json, not str 'ICS'"),
        (lambda: need_path(b"x.toml", "path"),
         "path must be a file name (a str or pathlib.Path), not bytes b'x.toml'"),
        (lambda: need_date(datetime(2027, 1, 4, 9, tzinfo=UTC), "start"),
         "start must be a date such as date(2027, 1, 4), not datetime datetime.datetime(2027, 1, "
         "4, 9, 0, tzinfo=datetime.timez..."),
        (lambda: need_duration(timedelta(hours=-2), "refresh", timedelta(minutes=1),
                               timedelta(days=1)),
         "refresh must be from 1 minute to 1 day, not -2 hours"),
    ],
)  # fmt: skip
def test_each_check_names_the_argument(check: object, message: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        check()  # type: ignore[operator]
    assert str(caught.value) == message
    assert caught.value.field == message.split()[0]


def test_the_error_class_is_the_callers() -> None:
    with pytest.raises(PlanError) as caught:
        need_text(5, "label", error=PlanError, optional=True)
    assert (str(caught.value), caught.value.field) == (
        "label must be text (a str) or None, not int 5",
        "label",
    )
    assert need_text(None, "label", optional=True) is None
    assert need_date(date(2027, 1, 4), "start") == date(2027, 1, 4)
