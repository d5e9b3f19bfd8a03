"""The languages patient text is written in, and how each writes dates, times and numbers.

Each language is one row of :data:`LANGUAGES`: its code (``--language``), its name, the CLDR
locale Babel formats with, and the patterns of the dates and times a patient reads. English is
the default and writes exactly what the tool always wrote (``Mon 4 Jan 2027``, ``09:00``,
``42,000,000``, ``2.5``): its formats are computed directly, and a test holds them equal to
Babel's CLDR formatting with the same patterns, so another language is the same code with
another locale. Babel is imported only when a language other than English formats something.

The .ics keeps its machine-readable values (DTSTART, RRULE ...) in every language: only what a
person reads is written here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from ..errors import PlanError

__all__ = ["ENGLISH", "LANGUAGES", "Language", "language_named"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Language(NamedTuple):
    """How patient text is written in one language."""

    code: str
    """What ``--language`` takes (a BCP 47 tag: ``en``, ``es``, ``fr-CA``)."""
    name: str
    """The language's name in itself (``English``, ``Español``)."""
    locale: str
    """The CLDR locale Babel formats with (``en``, ``es``)."""
    date_pattern: str = "EEE d MMM y"
    """A date as a patient reads it (a CLDR pattern): ``Mon 4 Jan 2027``."""
    time_pattern: str = "HH:mm"
    """A clock time (a CLDR pattern): ``09:00``; ``h:mm a`` for a 12-hour locale."""

    def date(self, day: date) -> str:
        """``day`` as a patient reads it."""
        if isinstance(day, datetime):
            day = day.date()
        if self.locale == "en" and self.date_pattern == "EEE d MMM y":
            return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"
        from babel.dates import format_date

        return format_date(day, self.date_pattern, locale=self.locale)

    def time(self, moment: time | datetime) -> str:
        """The clock time of ``moment`` as a patient reads it."""
        if self.locale == "en" and self.time_pattern == "HH:mm":
            return f"{moment.hour:02d}:{moment.minute:02d}"
        from babel.dates import format_time

        clock = moment.time() if isinstance(moment, datetime) else moment
        return format_time(clock, self.time_pattern, locale=self.locale)

    def number(self, value: Decimal | int) -> str:
        """A number as written in a dose or its working: every digit kept, grouped by the
        locale (``42,000,000``, ``2.5``; in French ``42 000 000``, ``2,5``)."""
        exact = Decimal(value).normalize()
        if self.locale == "en":
            if exact == exact.to_integral_value():
                return f"{int(exact):,}"
            whole, _, fraction = f"{exact:f}".partition(".")
            sign = "-" if exact < 0 and whole == "-0" else ""
            return f"{sign}{int(whole):,}.{fraction}"
        from babel.numbers import format_decimal

        return format_decimal(exact, locale=self.locale, decimal_quantization=False)


ENGLISH = Language("en", "English", "en")
#: Every language patient text can be written in. (Catalogs for more come with their
#: translations; a language is listed here once every patient-facing string has one.)
LANGUAGES: tuple[Language, ...] = (ENGLISH,)


def language_named(code: object) -> Language:
    """The language ``code`` names (any case, ``_`` or ``-``); a one-line PlanError listing the
    available ones otherwise."""
    wanted = str(code).strip().replace("_", "-").lower() if isinstance(code, str) else None
    for language in LANGUAGES:
        if wanted == language.code.lower():
            return language
    shown = repr(code)[:40] if isinstance(code, str) else type(code).__name__
    available = ", ".join(f"{lang.code} ({lang.name})" for lang in LANGUAGES)
    raise PlanError(f"unknown language {shown} (available: {available})", field="language")
