"""The clinic's agenda: every course's events by day, kept in the database beside the courses.

A week's worklist is then one indexed query over ``agenda``. The agenda follows the courses by
the store's change counter: :func:`refresh` plans again only the courses written since it last
ran (by the app, the command line or another machine), a bounded number at a time, so a request
never plans every course; a background thread of the server catches up after an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..course.records import current_records
from ..errors import SchedulerError
from ..planner import plan_stored
from ..regimen.model import EventKind
from ..store.courses import SqlStore

__all__ = ["Due", "refresh", "waiting", "week"]

#: What the worklist shows: what happens at the clinic, and precautions' last days.
_SHOWN = (EventKind.LAB, EventKind.VISIT)


@dataclass(frozen=True)
class Due:
    key: str
    day: date
    at: str
    kind: str
    title: str
    status: str
    label: str


def refresh(store: SqlStore, *, limit: int = 100) -> int:
    """Plan again the courses written since the agenda was last brought up to date, oldest
    change first, at most ``limit`` of them (a bounded cost per call); how many are still
    waiting after it. Safe to run from several threads and machines at once: each course's rows
    are replaced under the agenda counter's lock, and a course another refresher has done
    already is skipped."""
    db = store.database()
    mark = int(db.rows("SELECT value FROM counters WHERE name = 'agenda'")[0][0])
    for key, changed in store.changed_since(mark, limit=limit):
        rows = _rows(store, key)
        with db.transaction():
            current = int(db.rows("SELECT value FROM counters WHERE name = 'agenda'"
                                  + db.dialect.lock_row)[0][0])  # fmt: skip
            if changed <= current:
                continue  # another refresher did it
            db.execute("DELETE FROM agenda WHERE key = ?", (key,))
            for row in rows:
                db.execute("INSERT INTO agenda (key, uid, day, at, kind, setting, title, status) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
            db.execute("UPDATE counters SET value = ? WHERE name = 'agenda'", (changed,))
    return waiting(store)


def waiting(store: SqlStore) -> int:
    """How many courses changed since the agenda was last brought up to date."""
    db = store.database()
    mark = int(db.rows("SELECT value FROM counters WHERE name = 'agenda'")[0][0])
    return int(db.rows("SELECT COUNT(*) FROM courses WHERE changed > ?", (mark,))[0][0])


def _rows(store: SqlStore, key: str) -> list[tuple[object, ...]]:
    """The agenda rows of one course as it is now (none if it cannot be planned)."""
    try:
        stored = store.get(key)
        planned = plan_stored(stored.course)
    except SchedulerError:  # a course that cannot be planned shows no agenda, and waits no more
        return []
    records = current_records(stored.course.records)
    rows: list[tuple[object, ...]] = []
    for event in planned.events:
        if event.cancelled:
            continue
        clinic = event.kind == EventKind.DOSE and event.setting != "home"
        if not (event.kind in _SHOWN or clinic or event.kind == EventKind.PRECAUTION):
            continue
        record = records.get(event.uid)
        status = str(record.status) if record is not None else "planned"
        moment = event.end if event.kind == EventKind.PRECAUTION else event.start
        day = moment.date() if isinstance(moment, datetime) else moment
        at = moment.strftime("%H:%M") if isinstance(moment, datetime) and not event.all_day else ""
        title = f"Last day: {event.title}" if event.kind == EventKind.PRECAUTION else event.title
        rows.append((key, event.uid, day.isoformat(), at, str(event.kind), event.setting, title,
                     status))  # fmt: skip
    return rows


def week(store: SqlStore, first: date, last: date) -> list[Due]:
    """What is due from ``first`` to ``last`` (inclusive), by day and time, from the agenda as
    it stands (:func:`refresh` first for what changed)."""
    rows = store.database().rows(
        "SELECT a.key, a.day, a.at, a.kind, a.title, a.status, c.label FROM agenda a "
        "JOIN courses c ON c.key = a.key WHERE a.day >= ? AND a.day <= ? "
        "ORDER BY a.day, a.at, a.key, a.title",
        (first.isoformat(), last.isoformat()),
    )
    return [Due(str(key), date.fromisoformat(str(day)), str(at), str(kind), str(title), str(status),
                str(label)) for key, day, at, kind, title, status, label in rows]  # fmt: skip
