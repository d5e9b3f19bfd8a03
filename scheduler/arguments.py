"""Checks of a library caller's arguments, shared by every public function: a wrong type or value
is the project's own error naming the argument ("stamp must be an aware datetime such as
datetime(2027, 1, 4, 9, 0, tzinfo=UTC), not str '2027-01-04'"), never a TypeError or an
AttributeError from deep inside.

Each check takes the error class to raise: :class:`~scheduler.errors.ArgumentError` by default
(a caller's mistake), a :class:`~scheduler.errors.PlanError` where the argument is a plan option
a front end lets people type (its ``field`` names the option).
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from .errors import ArgumentError

__all__ = [
    "describe",
    "line_problem",
    "need",
    "need_aware",
    "need_choice",
    "need_date",
    "need_duration",
    "need_path",
    "need_text",
    "need_whole",
    "shown",
    "text_problem",
]

_T = TypeVar("_T")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: Characters a one-line text (a name, a reason, a note) may not hold: C0 and C1 controls
#: (a newline, a tab, a terminal escape), DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def describe(value: object) -> str:
    """A value for a message, named by its type and cut short: ``str '2027-01-04'``, ``int 5``,
    ``None``; a lone surrogate is shown escaped, never written raw."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return f"int {shown(value)}"
    if isinstance(value, list | tuple | dict | set | frozenset) and len(value) > 3:
        return f"a {type(value).__name__} of {len(value):,} items"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return f"{type(value).__name__} {text}"


def need(
    value: Any,
    kinds: type[_T] | tuple[type, ...],
    name: str,
    wanted: str,
    *,
    error: type[Any] = ArgumentError,
    optional: bool = False,
) -> Any:
    """``value`` if it is an instance of ``kinds`` (never a bool where a number is wanted), or
    None when ``optional``; else ``error`` saying ``name must be wanted, not ...``."""
    if value is None and optional:
        return value
    if isinstance(value, kinds) and not (
        isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,))
    ):
        return value
    raise error(f"{name} must be {wanted}{' or None' if optional else ''}, not {describe(value)}",
                field=name)  # fmt: skip


def text_problem(value: str) -> str | None:
    """What makes ``value`` impossible to write as UTF-8 (a lone surrogate, as Python makes of
    bytes that are not UTF-8: a cut or mis-encoded text), or None."""
    found = _SURROGATE.search(value)
    if found:
        return (
            f"contains a lone surrogate \\u{ord(found.group()):04x} at character "
            f"{found.start() + 1:,}, which is not a character (the text was cut or mis-encoded: "
            "give UTF-8 text)"
        )
    return None


def line_problem(value: str) -> str | None:
    """What makes ``value`` unfit as one line of plain text (a lone surrogate, or a control
    character: a newline, a tab, a terminal escape), or None."""
    problem = text_problem(value)
    if problem:
        return problem
    found = _CONTROL.search(value)
    if found:
        return (
            f"contains a control character (U+{ord(found.group()):04X}) at character "
            f"{found.start() + 1:,}: write it as one line of plain text"
        )
    return None


def need_text(
    value: Any,
    name: str,
    *,
    error: type[Any] = ArgumentError,
    optional: bool = False,
    most: int | None = None,
    line: bool = False,
) -> Any:
    """``value`` as text that can be written (no lone surrogate), at most ``most`` characters;
    with ``line``, one line of plain text (no control character either)."""
    need(value, str, name, "text (a str)", error=error, optional=optional)
    if value is None:
        return value
    problem = line_problem(value) if line else text_problem(value)
    if problem:
        raise error(f"{name} {problem}", field=name)
    if most is not None and len(value) > most:
        raise error(f"{name} must be at most {most:,} characters, not {len(value):,}", field=name)
    return value


def need_aware(value: Any, name: str, *, error: type[Any] = ArgumentError) -> datetime:
    """An aware datetime (with a time zone)."""
    wanted = "an aware datetime such as datetime(2027, 1, 4, 9, 0, tzinfo=UTC)"
    aware: datetime = need(value, datetime, name, wanted, error=error)
    if aware.utcoffset() is None:
        raise error(f"{name} must be {wanted}, not a naive {describe(value)}", field=name)
    return aware


def need_whole(
    value: Any, name: str, low: int, high: int, *, error: type[Any] = ArgumentError
) -> int:
    """A whole number from ``low`` to ``high`` (a huge one named by its size, not printed)."""
    need(value, int, name, f"a whole number from {low:,} to {high:,}", error=error)
    if not low <= value <= high:
        raise error(f"{name} must be from {low:,} to {high:,}, not {shown(value)}", field=name)
    return int(value)


def shown(number: int) -> str:
    """A whole number for a message: ``12,345``, or ``a number of about 5,000 digits`` for one
    too long to print (Python will not even turn one of over 4,300 digits into text)."""
    if abs(number) < 10**30:
        return f"{number:,}"
    digits = int(abs(number).bit_length() * 0.30103) + 1
    return f"{'minus ' if number < 0 else ''}a number of about {digits:,} digits"


def need_choice(
    value: Any, name: str, choices: Collection[str], *, error: type[Any] = ArgumentError
) -> str:
    """One of ``choices`` (text)."""
    allowed = ", ".join(choices)
    if not isinstance(value, str) or value not in choices:
        raise error(f"{name} must be one of {allowed}, not {describe(value)}", field=name)
    return value


def need_path(value: Any, name: str, *, error: type[Any] = ArgumentError) -> str | Path:
    """A file name: text or an ``os.PathLike`` (a :class:`pathlib.Path`)."""
    if isinstance(value, str | os.PathLike):
        return value  # type: ignore[return-value]
    raise error(f"{name} must be a file name (a str or pathlib.Path), not {describe(value)}",
                field=name)  # fmt: skip


def need_date(value: Any, name: str, *, error: type[Any] = ArgumentError) -> date:
    """A date that is not a datetime."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise error(f"{name} must be a date such as date(2027, 1, 4), not {describe(value)}",
                field=name)  # fmt: skip


def need_duration(
    value: Any,
    name: str,
    low: timedelta,
    high: timedelta,
    *,
    error: type[Any] = ArgumentError,
    optional: bool = False,
) -> Any:
    """A timedelta from ``low`` to ``high``."""
    need(value, timedelta, name, "a timedelta such as timedelta(hours=12)", error=error,
         optional=optional)  # fmt: skip
    if value is not None and not low <= value <= high:
        raise error(
            f"{name} must be from {_span(low)} to {_span(high)}, not {_span(value)}", field=name
        )
    return value


def _span(value: timedelta) -> str:
    """``12 hours``, ``-5 minutes``, ``366 days``: a timedelta as people say it."""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds and seconds % size == 0:
            count = seconds // size
            return f"{count:,} {unit}{'' if abs(count) == 1 else 's'}"
    return f"{seconds:,} seconds"
