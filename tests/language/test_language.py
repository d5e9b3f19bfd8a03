"""English writes what the tool always wrote, and that is CLDR's English with the same patterns:
so another language is only another locale (issue 22, step 1)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from babel.dates import format_date as cldr_date
from babel.dates import format_time as cldr_time
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from scheduler.errors import PlanError
from scheduler.language import ENGLISH, LANGUAGES, language_named
from scheduler.regimen.amounts import format_number
from scheduler.regimen.notation import format_date


def test_english_by_hand() -> None:
    assert ENGLISH.date(date(2027, 1, 4)) == "Mon 4 Jan 2027"
    assert ENGLISH.date(datetime(2027, 9, 26, 23, 59)) == "Sun 26 Sep 2027"
    assert (
        ENGLISH.time(time(9, 0)) == "09:00" and ENGLISH.time(datetime(2027, 1, 4, 21, 5)) == "21:05"
    )
    assert ENGLISH.number(Decimal("42000000")) == "42,000,000"
    assert ENGLISH.number(Decimal("2.50")) == "2.5"
    assert ENGLISH.number(Decimal("1.82")) == "1.82"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_english_dates_are_cldr_english_and_what_the_tool_wrote(day: date) -> None:
    assert (
        ENGLISH.date(day) == format_date(day) == cldr_date(day, ENGLISH.date_pattern, locale="en")
    )


@given(st.times())
def test_english_times_are_cldr_english(clock: time) -> None:
    assert (
        ENGLISH.time(clock)
        == clock.strftime("%H:%M")
        == cldr_time(clock, ENGLISH.time_pattern, locale="en")
    )


@given(st.decimals(min_value=0, max_value=10**12, places=6, allow_nan=False, allow_infinity=False))
def test_english_numbers_are_cldr_english_and_what_the_tool_wrote(value: Decimal) -> None:
    cldr = format_decimal(value.normalize(), locale="en", decimal_quantization=False)
    assert ENGLISH.number(value) == format_number(value) == cldr


def test_a_language_is_named_by_its_code_and_an_unknown_one_lists_the_others() -> None:
    assert language_named("EN") is ENGLISH and language_named(" en ") is ENGLISH
    available = ", ".join(f"{lang.code} ({lang.name})" for lang in LANGUAGES)
    for bad in ("xx", "", "e" * 500, None, 5):
        with pytest.raises(PlanError, match=r"unknown language .* \(available: ") as caught:
            language_named(bad)
        assert available in str(caught.value) and len(str(caught.value)) < 200
