"""The clinic's agenda: every course's events by day, kept in the database beside the courses.

A week's worklist is then one indexed query over ``agenda``. The agenda follows the courses by
version: :func:`refresh` plans again only the courses whose version differs from the one their
rows were planned from (a course changed by the app, the command line or another machine), so
a request plans at most what changed since the last one, never every course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..course.records import current_records
from ..planner import plan_stored
from ..regimen.model import EventKind
from ..store.courses import SqlStore

__all__ = ["Due", "refresh", "week"]

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


def refresh(store: SqlStore) -> int:
    """Bring the agenda up to every course's version; how many courses were planned again."""
    db = store.database()
    current = dict(db.rows("SELECT key, version FROM courses"))
    known = dict(db.rows("SELECT key, version FROM agenda_versions"))
    stale = [key for key, version in current.items() if known.get(key) != version]
    gone = [key for key in known if key not in current]
    for key in gone:
        with db.transaction():
            db.execute("DELETE FROM agenda WHERE key = ?", (key,))
            db.execute("DELETE FROM agenda_versions WHERE key = ?", (key,))
    for key in stale:
        stored = store.get(key)
        try:
            planned = plan_stored(stored.course)
        except Exception:
            rows: list[tuple[object, ...]] = []
        else:
            records = current_records(stored.course.records)
            rows = []
            for event in planned.events:
                if event.cancelled:
                    continue
                shown = (event.kind in _SHOWN or (event.kind == EventKind.DOSE and event.setting != "home")
                         or event.kind == EventKind.PRECAUTION)  # fmt: skip
                if not shown:
                    continue
                record = records.get(event.uid)
                status = str(record.status) if record is not None else "planned"
                moment = event.end if event.kind == EventKind.PRECAUTION else event.start
                day = moment.date() if isinstance(moment, datetime) else moment
                at = (
                    moment.strftime("%H:%M")
                    if isinstance(moment, datetime) and not event.all_day
                    else ""
                )
                title = (
                    f"Last day: {event.title}"
                    if event.kind == EventKind.PRECAUTION
                    else event.title
                )
                rows.append((key, event.uid, day.isoformat(), at, str(event.kind), event.setting,
                             title, status))  # fmt: skip
        with db.transaction():
            db.execute("DELETE FROM agenda WHERE key = ?", (key,))
            for row in rows:
                db.execute("INSERT INTO agenda (key, uid, day, at, kind, setting, title, status) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
            db.execute("DELETE FROM agenda_versions WHERE key = ?", (key,))
            db.execute("INSERT INTO agenda_versions (key, version) VALUES (?, ?)",
                       (key, int(stored.version)))  # fmt: skip
    return len(stale)


def week(store: SqlStore, first: date, last: date) -> list[Due]:
    """What is due from ``first`` to ``last`` (inclusive), by day and time."""
    refresh(store)
    rows = store.database().rows(
        "SELECT a.key, a.day, a.at, a.kind, a.title, a.status, c.label FROM agenda a "
        "JOIN courses c ON c.key = a.key WHERE a.day >= ? AND a.day <= ? "
        "ORDER BY a.day, a.at, a.key, a.title",
        (first.isoformat(), last.isoformat()),
    )
    return [Due(str(key), date.fromisoformat(str(day)), str(at), str(kind), str(title), str(status),
                str(label)) for key, day, at, kind, title, status, label in rows]  # fmt: skip
