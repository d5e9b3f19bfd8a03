"""What the clinic app's pages say, against the real server and database: the week's worklist
with each day's status from the record, the new-course preview's warnings and working, the
search, the downloads and a share page without a public address.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027 has its day -1 blood test on Sun 3 Jan 2027
and cycle 2's on Sun 7 Feb 2027; methotrexate-weekly suggests a Monday start.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import scheduler
from scheduler.course.replan import Which
from scheduler.store.courses import SqlStore
from tests.web.clinic import Nurse, add_user, clinic


def test_the_week_shows_each_patients_tests_with_their_status(
    store_url: str, tmp_path: Path
) -> None:
    store = SqlStore(store_url)
    add_user(store_url)
    for key, label in (("ab", "A.B."), ("cd", "C.D.")):
        scheduler.new_course("aldesleukin-sc", key, start=date(2027, 1, 4), zone="Europe/London", cycles=2,
                             label=label, store=store)  # fmt: skip
    scheduler.record_event("ab", Which(1, 2, -1), scheduler.Status.CONFIRMED,
                           now=datetime(2027, 1, 20, 9, 0, tzinfo=UTC), store=store)  # fmt: skip
    with clinic(store_url, tmp_path / "log", now="2027-02-01T09:00:00Z") as base:
        nurse = Nurse(base)
        nurse.sign_in()
        status, _, page = nurse.get("/week?from=2027-02-01")
        assert status == 200
        sunday = page.split("<h2>Sun 7 Feb 2027</h2>", 1)[1].split("<h2>", 1)[0]
        rows = re.findall(
            r'<tr class="status-(\w+)"><td>[^<]*</td><td><a href="/courses/(\w+)">', sunday
        )
        assert sorted(rows) == [("confirmed", "ab"), ("planned", "cd")]
        assert "Nothing due." in page.split("<h2>Mon 1 Feb 2027</h2>", 1)[1].split("<h2>", 1)[0]
        # A change made elsewhere (the command line) shows on the next look.
        scheduler.edit_course("cd", lambda c: scheduler.Delay(1, 2, 7), now=datetime(2027, 2, 1, 9, 0, tzinfo=UTC),
                              store=store)  # fmt: skip
        page = nurse.get("/week?from=2027-02-01")[2]
        sunday = page.split("<h2>Sun 7 Feb 2027</h2>", 1)[1].split("<h2>", 1)[0]
        assert "/courses/cd" not in sunday and "/courses/ab" in sunday


def test_a_new_course_preview_warns_and_shows_the_working(store_url: str, tmp_path: Path) -> None:
    add_user(store_url)
    with clinic(store_url, tmp_path / "log", now="2027-01-01T09:00:00Z") as base:
        nurse = Nurse(base)
        nurse.sign_in()
        nurse.get("/courses/new")
        status, _, page = nurse.post("/courses/new", {"regimen": "methotrexate-weekly", "key": "mt", "start": "2027-01-05",
                                                      "cycles": "2", "zone": "Europe/London", "action": "preview"})  # fmt: skip
        assert status == 200
        assert (
            "Warning: methotrexate-weekly suggests starting on a Monday, but Tue 5 Jan 2027 is a Tuesday"
            in page
        )
        assert "Methotrexate" in page.split('<pre class="summary">', 1)[1]  # show's plain words
        assert "Tue 5 Jan 2027" in page and not SqlStore(store_url).exists(
            "mt"
        )  # previewed, not saved
        status, _, page = nurse.post("/courses/new", {"regimen": "docetaxel-q21d", "key": "dx", "start": "2027-01-04",
                                                      "cycles": "1", "zone": "Europe/London", "weight": "70",
                                                      "height": "170", "action": "preview"})  # fmt: skip
        assert "× 1.82 m² (BSA, Mosteller)" in page.replace("&#215;", "×")
        status, _, page = nurse.post("/courses/new", {"regimen": "docetaxel-q21d", "key": "../x", "start": "2027-01-04",
                                                      "cycles": "1", "zone": "Europe/London", "action": "save"})  # fmt: skip
        assert "is not a course name in a store" in page, page[page.find("<main>") :][:1500]
        assert SqlStore(store_url).keys() == []


def test_search_downloads_and_a_share_page_without_a_public_address(
    store_url: str, tmp_path: Path
) -> None:
    store = SqlStore(store_url)
    add_user(store_url)
    scheduler.new_course("capecitabine-q21d", "ward3-0042", start=date(2027, 1, 4), zone="Europe/London",
                         cycles=1, label="K.L.", store=store)  # fmt: skip
    scheduler.new_course("aldesleukin-sc", "js", start=date(2027, 1, 4), zone="Europe/London", cycles=1,
                         label="J.S.", store=store)  # fmt: skip
    with clinic(store_url, tmp_path / "log", now="2027-01-01T09:00:00Z", public="") as base:
        nurse = Nurse(base)
        nurse.sign_in()
        for query, found in (
            ("k.l", ["ward3-0042"]),
            ("ALDES", ["js"]),
            ("ward3", ["ward3-0042"]),
            ("", ["js", "ward3-0042"]),
        ):
            page = nurse.get(f"/courses?q={query}")[2]
            assert re.findall(r'<td><a href="/courses/([\w-]+)">', page) == found, query
        for fmt, kind, start in (("ics", "text/calendar", "BEGIN:VCALENDAR"), ("csv", "text/csv", "uid,kind"),
                                 ("fhir", "application/fhir+json", "{"), ("html", "text/html", "<!doctype html"),
                                 ("diary", "text/html", "<!doctype html")):  # fmt: skip
            status, headers, body = nurse.get(f"/courses/ward3-0042/download/{fmt}")
            assert status == 200 and headers["content-type"].startswith(kind), (fmt, headers)
            assert body.lstrip().lower().startswith(start.lower()), fmt
            assert 'filename="ward3-0042' in headers["content-disposition"]
        assert nurse.get("/courses/ward3-0042/download/pdf")[0] == 404
        nurse.get("/courses/js/share")
        assert nurse.post("/courses/js/share", {"reader": "patient", "action": "rotate"})[0] == 303
        page = nurse.get("/courses/js/share")[2]
        assert (
            "No public address is set" in page and "127.0.0.1" not in page and "/feeds/" not in page
        )


def test_every_kind_of_change_can_be_previewed_and_saved_from_the_page(
    store_url: str, tmp_path: Path
) -> None:
    """The README's course walk-through from the page: closure, retime, switch (each previewed
    in the command line's words, then saved), as well as the delay and the records tested
    elsewhere."""
    store = SqlStore(store_url)
    add_user(store_url)
    scheduler.new_course("aldesleukin-sc", "js", start=date(2027, 1, 4), zone="Europe/London", cycles=3,
                         store=store)  # fmt: skip
    with clinic(store_url, tmp_path / "log", now="2027-01-02T10:00:00Z") as base:
        nurse = Nurse(base)
        nurse.sign_in()
        for fields, said in (
            ({"change": "close", "dates": "2027-01-06"}, "If saved: closed: Wed 6 Jan 2027"),
            ({"change": "retime", "from": "2027-02-01", "time": "08:00"}, "Cycle 2: 20 doses move from 09:00 to 08:00 (from Mon 8 Feb 2027)"),
            ({"change": "switch", "regimen": "capecitabine-q21d", "from": "2027-03-01", "cycles": "2"},
             "If saved: switched to capecitabine-q21d from Mon 1 Mar 2027 for 2 cycles"),
        ):  # fmt: skip
            nurse.get("/courses/js")
            status, _, page = nurse.post("/courses/js/change", {**fields, "action": "preview"})
            assert status == 200 and "If saved:" in page and said in page, (fields, page[-2000:])
            nurse.get("/courses/js")
            assert nurse.post("/courses/js/change", {**fields, "action": "save"})[0] == 303
        actions = [type(e.change).__name__ for e in store.get("js").course.history]
        assert actions == ["Close", "Retime", "Switch"]


def test_a_new_course_form_with_bad_figures_says_which_one(store_url: str, tmp_path: Path) -> None:
    """A date that does not exist and a weight that is not a number are one message each on
    the page (the same checks as the command line's), never a server error."""
    add_user(store_url)
    with clinic(store_url, tmp_path / "log", now="2027-01-01T09:00:00Z") as base:
        nurse = Nurse(base)
        nurse.sign_in()
        nurse.get("/courses/new")
        base_form = {
            "regimen": "docetaxel-q21d",
            "key": "dx",
            "cycles": "1",
            "zone": "Europe/London",
            "action": "preview",
        }
        status, _, page = nurse.post("/courses/new", {**base_form, "start": "2027-02-30"})
        assert status == 200 and "Give the first day of cycle 1 as a date (YYYY-MM-DD)." in page
        status, _, page = nurse.post(
            "/courses/new", {**base_form, "start": "2027-01-04", "weight": "abc"}
        )
        assert status == 200 and "&#39;abc&#39; is not a number of kg" in page
        status, _, page = nurse.get(
            "/courses/new/calendar.html?regimen=docetaxel-q21d&start=9999-99-99&cycles=1"
        )
        assert status == 400 and "Give the first day of cycle 1" in page
