"""The clinic's agenda (the worklist's table): planned once per change of a course, a bounded
number at a time, safely from several threads at once, on SQLite and PostgreSQL.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027 (2 cycles) has blood tests on Sun 3 Jan and
Sun 7 Feb 2027 (day -1 of each cycle); delayed 7 days, cycle 2's moves to Sun 14 Feb.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import scheduler
from scheduler.store.courses import SqlStore
from scheduler.web.agenda import refresh, waiting, week


def courses(store: SqlStore, count: int) -> None:
    for n in range(count):
        scheduler.new_course("aldesleukin-sc", f"p{n}", start=date(2027, 1, 4), zone="Europe/London",
                             cycles=2, label=f"P{n}", store=store)  # fmt: skip


def labs_on(store: SqlStore, day: date) -> list[str]:
    return sorted(d.key for d in week(store, day, day) if d.kind == "lab")


def test_the_agenda_follows_changes_a_bounded_number_at_a_time(store_url: str) -> None:
    store = SqlStore(store_url)
    courses(store, 3)
    assert waiting(store) == 3
    assert refresh(store, limit=2) == 1  # two planned, one still waiting
    assert refresh(store, limit=2) == 0
    assert labs_on(store, date(2027, 2, 7)) == ["p0", "p1", "p2"]
    assert refresh(store) == 0  # nothing changed: nothing planned
    scheduler.edit_course("p1", lambda c: scheduler.Delay(1, 2, 7), now=datetime(2027, 1, 20, tzinfo=UTC),
                          store=store)  # fmt: skip
    assert waiting(store) == 1
    refresh(store)
    assert labs_on(store, date(2027, 2, 7)) == ["p0", "p2"]
    assert labs_on(store, date(2027, 2, 14)) == ["p1"]
    store.rotate_token(
        "p2", "patient", now=datetime(2027, 1, 20, tzinfo=UTC)
    )  # a token is a change too
    assert waiting(store) == 1


def test_refreshers_at_once_plan_each_course_once(store_url: str) -> None:
    store = SqlStore(store_url)
    courses(store, 6)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            refresh(SqlStore(store_url), limit=100)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert waiting(store) == 0
    rows = store.database().rows(
        "SELECT key, COUNT(*) FROM agenda WHERE day = '2027-02-07' GROUP BY key ORDER BY key"
    )
    assert rows == [(f"p{n}", 1) for n in range(6)]
