"""Clock arithmetic the engine and its rules share: local wall times made real (RFC 5545
§3.3.5), durations of real elapsed time, and the calendar day of an event."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

__all__ = ["after", "day_of", "instant", "later_days", "local"]


def local(day: date, at: time, zone: tzinfo) -> datetime:
    """``day`` at wall time ``at`` in ``zone``.

    Round-trips through UTC so a nonexistent (spring-forward) wall time becomes the real instant
    it denotes under RFC 5545 §3.3.5 (01:30 in London's gap is 02:30 BST); existing times come
    back unchanged, and a time that occurs twice in autumn is the first occurrence.
    """
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def after(start: datetime, duration: timedelta) -> datetime:
    """The end of something that lasts ``duration`` of real time (an infusion running over a
    clock change ends an hour earlier or later by the clock); Python's aware + timedelta would
    keep the clock instead."""
    zone = start.tzinfo
    assert zone is not None
    return (start.astimezone(UTC) + duration).astimezone(zone)


def day_of(value: date | datetime) -> date:
    """The calendar day an event starts on (in its own zone)."""
    return value.date() if isinstance(value, datetime) else value


def instant(value: date | datetime, zone: tzinfo) -> datetime:
    """When something starts, in UTC; an all-day event starts at the beginning of its day in
    ``zone``."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return local(value, time(0), zone).astimezone(UTC)


def later_days(start: date | datetime, end: date | datetime) -> list[date]:
    """The days after its first on which a timed span still runs: a 46-hour pump from Monday
    11:05 to Wednesday 09:05 runs on Tuesday and Wednesday. None for all-day spans, and an end
    at midnight adds no day."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return []
    last = end.date() - timedelta(days=1) if end.time() == time(0) else end.date()
    return [start.date() + timedelta(days=n) for n in range(1, (last - start.date()).days + 1)]
