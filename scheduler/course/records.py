"""What actually happened, beside what was planned: each dose recorded as given (with the time
and, if different, the amount), missed, refused or given elsewhere, and each clinic event as
confirmed, deferred or cancelled — with a reason from a documented list and free text, who
recorded it and when. A record never moves the plan; a later record of the same event corrects
the one before it (both stay in the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from ..arguments import line_problem
from ..errors import CourseError
from ..plan.clock import day_of, instant
from ..plan.events import Event
from ..regimen.amounts import Amount, parse_amount
from ..regimen.model import EventKind
from ..regimen.notation import format_date
from ..words import plural

__all__ = [
    "MAX_NOTE",
    "MAX_RECORDS",
    "REASONS",
    "Adherence",
    "Record",
    "Status",
    "adherence",
    "current_records",
    "record_words",
]

#: A course keeps at most this many records: seven years of twice-daily doses, in about 1.3 MB
#: of course file (the file itself is bounded too: :data:`~scheduler.course.file.MAX_FILE_BYTES`).
MAX_RECORDS = 5_000
#: A note is a line or two.
MAX_NOTE = 1_000


class Status(StrEnum):
    """What happened to a planned event."""

    GIVEN = "given"
    """Taken or given, as planned or at another time or amount."""
    MISSED = "missed"
    """Not taken, not by choice (forgotten, no supply, unwell)."""
    REFUSED = "refused"
    """Declined by the patient."""
    GIVEN_ELSEWHERE = "given-elsewhere"
    """Given by another team or hospital."""
    CONFIRMED = "confirmed"
    """A clinic event the patient is booked for."""
    DEFERRED = "deferred"
    """A clinic event put off (the plan moves only with a recorded delay)."""
    CANCELLED = "cancelled"
    """A clinic event called off (the plan changes only with a recorded omission or stop)."""

    @property
    def words(self) -> str:
        return self.value.replace("-", " ")


#: What each kind of event may be recorded as.
DOSE_STATUSES = (Status.GIVEN, Status.MISSED, Status.REFUSED, Status.GIVEN_ELSEWHERE)
CLINIC_STATUSES = (Status.CONFIRMED, Status.DEFERRED, Status.CANCELLED)
#: Statuses that say a dose happened or did not: only for what has started by the record.
_DONE = frozenset({*DOSE_STATUSES})

#: Reasons a record may give, with what they mean; free text goes in the note.
REASONS: dict[str, str] = {
    "unwell": "the patient was unwell",
    "low-counts": "blood counts too low to treat",
    "side-effects": "side effects",
    "patient-choice": "the patient's choice",
    "forgot": "forgotten",
    "no-supply": "the medicine was not available",
    "clinic-closed": "the clinic was closed",
    "transport": "no transport",
    "admitted": "in hospital",
    "other": "another reason (see the note)",
}


@dataclass(frozen=True)
class Record:
    """One record of what happened to one planned event."""

    at: datetime
    """When it was recorded (aware; kept in UTC)."""
    event: str
    """The UID of the planned event (its identity never changes when it moves)."""
    status: Status
    what: str = ""
    """The event as people read it when it was recorded ("Docetaxel 139 mg — cycle 2, day 1,
    Tue 26 Jan 2027 10:00"): for a reader of the file, not for matching."""
    time: datetime | None = None
    """When it was given, if not at the planned time."""
    amount: Amount | None = None
    """How much was given, if not the planned amount."""
    reason: str | None = None
    """A key of :data:`REASONS`."""
    note: str = ""
    by: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise CourseError(
                f"a record needs the time it was recorded, with its zone: {self.at!r:.60}"
            )
        if not isinstance(self.event, str) or not self.event or len(self.event) > 200:
            raise CourseError(f"a record names an event by its UID, got {self.event!r:.60}")
        if not isinstance(self.status, str) or self.status not in tuple(Status):
            raise CourseError(f"status must be one of {', '.join(Status)}, got {self.status!r:.60}")
        object.__setattr__(self, "status", Status(self.status))
        if self.time is not None:
            if not isinstance(self.time, datetime) or self.time.utcoffset() is None:
                raise CourseError(f"the time given needs its zone: {self.time!r:.60}")
            if self.status not in (Status.GIVEN, Status.GIVEN_ELSEWHERE):
                raise CourseError(
                    f"a time given goes with given or given-elsewhere, not {self.status}"
                )
            if self.time > self.at:
                raise CourseError(
                    f"the time given ({self.time.isoformat()}) is after it was recorded "
                    f"({self.at.isoformat()}): record a dose once it is given"
                )
        if self.amount is not None:
            if not isinstance(self.amount, Amount):
                raise CourseError(f"the amount given must be an Amount, got {self.amount!r:.60}")
            if self.status not in (Status.GIVEN, Status.GIVEN_ELSEWHERE):
                raise CourseError(
                    f"an amount given goes with given or given-elsewhere, not {self.status}"
                )
            if self.amount.per is not None:
                raise CourseError(
                    f"the amount given is what was given (e.g. 150 mg), not {self.amount}"
                )
        if self.reason is not None and self.reason not in REASONS:
            raise CourseError(
                f"reason must be one of {', '.join(REASONS)} (free text goes in the note), "
                f"got {self.reason!r:.60}"
            )
        for name, text, most in (("note", self.note, MAX_NOTE), ("what", self.what, MAX_NOTE),
                                 ("by", self.by, 200)):  # fmt: skip
            if not isinstance(text, str) or len(text) > most:
                raise CourseError(f"{name} is a text of at most {most:,} characters")
            problem = line_problem(text)
            if problem:
                raise CourseError(f"{name} {problem}")


def parse_amount_given(text: str) -> Amount:
    """The amount given, as typed ("150 mg"); ValueError saying what is allowed."""
    amount = parse_amount(text)
    if amount.per is not None:
        raise ValueError(f"the amount given is what was given (e.g. 150 mg), not {amount}")
    return amount


def check_record(record: Record, event: Event, zone: tzinfo) -> None:
    """A record fits its event: a dose is given, missed, refused or given elsewhere once it has
    started (recorded up to a day ahead of its start: an evening dose noted in the afternoon);
    a clinic event is confirmed, deferred or cancelled at any time; a blood test or visit is
    never "given". Raises CourseError saying what is allowed."""
    from datetime import timedelta

    allowed = _allowed(event)
    if record.status not in allowed:
        raise CourseError(
            f"{event.title} can be recorded only as one of {', '.join(allowed)} (not as "
            f"{record.status})"
        )
    if event.cancelled:
        raise CourseError(f"{event.title} is no longer in the plan (a change removed it)")
    if record.status in _DONE:
        starts = instant(event.start, zone)
        if record.at < starts - timedelta(days=1):
            raise CourseError(
                f"{event.title} is on {format_date(day_of(event.start))}: record what happened "
                "to a dose once it is due (confirm a clinic appointment ahead instead)"
            )
    if record.amount is not None and event.amount is not None:
        planned = _amount(event.amount)
        if planned is not None and planned.base_unit != record.amount.base_unit:
            raise CourseError(
                f"the amount given, {record.amount}, is not in the unit of the dose "
                f"({event.amount}): give it in {planned.base_unit}"
            )


def _allowed(event: Event) -> tuple[Status, ...]:
    if event.kind == EventKind.DOSE:
        clinic = event.setting != "home"
        return DOSE_STATUSES + (CLINIC_STATUSES if clinic else ())
    if event.kind in (EventKind.LAB, EventKind.VISIT):
        return CLINIC_STATUSES
    return ()


def _amount(text: str) -> Amount | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


def current_records(records: Sequence[Record]) -> dict[str, Record]:
    """The record in force for each event: the last one recorded (a correction replaces)."""
    out: dict[str, Record] = {}
    for record in records:
        out[record.event] = record
    return out


def record_words(record: Record, zone: tzinfo) -> str:
    """``given at 09:10 (150 mg), by nurse A — felt fine`` / ``missed: forgotten`` (times on
    the patient's clock, ``zone``)."""
    text = record.status.words
    if record.time is not None:
        text += f" at {record.time.astimezone(zone):%H:%M}"
    if record.amount is not None:
        text += f" ({record.amount})"
    if record.reason:
        text += f": {REASONS[record.reason]}"
    if record.by:
        text += f", by {record.by}"
    if record.note:
        text += f" — {record.note}"
    return text


@dataclass(frozen=True)
class Adherence:
    """Home doses due by a day, and what was recorded of them."""

    due: int
    given: int
    missed: int
    refused: int
    elsewhere: int

    @property
    def unrecorded(self) -> int:
        return self.due - self.given - self.missed - self.refused - self.elsewhere

    def __str__(self) -> str:
        if not self.due:
            return "no home doses due yet"
        share = round(100 * (self.given + self.elsewhere) / self.due)
        parts = [f"{self.given} given"]
        parts += [f"{n} {w}" for n, w in ((self.elsewhere, "given elsewhere"),
                  (self.missed, "missed"), (self.refused, "refused"),
                  (self.unrecorded, "not recorded")) if n]  # fmt: skip
        return f"{plural(self.due, 'home dose')} due: {', '.join(parts)} ({share} % taken)"


def adherence(events: Sequence[Event], records: Sequence[Record], today: date) -> Adherence:
    """What was recorded of the home doses due up to and including ``today``."""
    now = current_records(records)
    due = [e for e in events if e.kind == EventKind.DOSE and e.setting == "home"
           and not e.cancelled and day_of(e.start) <= today]  # fmt: skip
    counts = {status: 0 for status in DOSE_STATUSES}
    for event in due:
        record = now.get(event.uid)
        if record is not None and record.status in counts:
            counts[record.status] += 1
    return Adherence(
        due=len(due),
        given=counts[Status.GIVEN],
        missed=counts[Status.MISSED],
        refused=counts[Status.REFUSED],
        elsewhere=counts[Status.GIVEN_ELSEWHERE],
    )
