"""The nurse's week, by hand (issue 20): a course of carboplatin–paclitaxel recorded as a day
unit records it, on the clock of each step, and then every view of it read back from its own
bytes — course show, .ics, JSON, CSV, FHIR, the printed calendar, the dose diary and the live
feed served over HTTP — held to the same hand-written dates, statuses and amounts.

The patient (JS, 70 kg, 170 cm, GFR 80 mL/min, London) starts on Tuesday 5 January 2027,
cycles every 21 days (Tue 5 Jan, Tue 26 Jan, Tue 16 Feb, Tue 9 Mar as planned). Each cycle:
the blood test the day before; dexamethasone 20 mg at home 12 and 6 hours before paclitaxel
(22:00 the evening before, 04:00 on the day); diphenhydramine 50 mg and an H2 antagonist at
09:30; paclitaxel 225 mg/m² × 1.82 m² = 409.5 ≈ 410 mg at 10:00 over 3 hours; carboplatin AUC
6 × (80 + 25) = 630 mg at 13:00. London is on GMT until Sunday 28 March 2027, so every time
here is the same in UTC.

The week:
- Mon 4 Jan, 09:00: nurse.a creates the course.
- Tue 5 Jan, 16:00: cycle 1 recorded as given (the day before and the day).
- Tue 26 Jan, 08:00 (cycle 2, day 1, before the dose): Monday's count found neutrophils 0.9;
  nurse.b delays cycle 2 by 7 days. Monday's test and both dexamethasone doses already taken
  stay where they were; the test and the dexamethasone are planned again (Mon 1 Feb; 22:00 Mon
  1 Feb and 04:00 Tue 2 Feb) before the doses' new day, Tue 2 Feb; cycles 3 and 4 move to Tue
  23 Feb and Tue 16 Mar.
- 08:02: nurse.c types the same delay again: refused, nothing written.
- 08:05: nurse.c delays cycle 3 by mistake; 08:10: nurse.b withdraws it (cycle 3 back to Tue
  23 Feb, under the same identities, with a higher SEQUENCE).
- Tue 2 Feb, 16:00: the dexamethasone of 25 and 26 January recorded as given (26 Jan at
  04:15), that of Mon 1 Feb as missed (forgotten), cycle 2 day 1 as given, then the carboplatin
  corrected: 600 mg was given.
- Tue 9 Feb, 10:00: paclitaxel reduced to 75 % from cycle 3 (grade 2 neuropathy):
  75 % of 225 = 168.75 mg/m² × 1.82 m² = 307.125 ≈ 307 mg; carboplatin stays 630 mg.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scheduler.cli import main
from tests.feed.serving import fetch, serving, token_of
from tests.test_views_agree import Fact, from_csv, from_diary, from_fhir, from_ics, from_json

LONDON = ZoneInfo("Europe/London")


def _day(day: int, month: int) -> date:
    return date(2027, month, day)


# -- the plan at the end of the week, by hand ---------------------------------------------------


def _cycle(lab: date, eve: date, day1: date, paclitaxel: str) -> list[tuple[Fact, str]]:
    """One cycle's events: the test the day before, the two dexamethasone doses, and day 1."""
    return [
        (("lab", lab, "all day"), ""),
        (("dose", eve, "22:00"), "Dexamethasone 20 mg"),
        (("dose", day1, "04:00"), "Dexamethasone 20 mg"),
        (("dose", day1, "09:30"), "Diphenhydramine 50 mg"),
        (("dose", day1, "09:30"), "H2 antagonist"),
        (("dose", day1, "10:00"), f"Paclitaxel {paclitaxel}"),
        (("dose", day1, "13:00"), "Carboplatin 630 mg"),
    ]


CYCLE_1 = _cycle(_day(4, 1), _day(4, 1), _day(5, 1), "410 mg")
#: Cycle 2 as it was on Mon 25 and Tue 26 Jan: the test and dexamethasone taken before the delay.
CYCLE_2_KEPT = [
    (("lab", _day(25, 1), "all day"), ""),
    (("dose", _day(25, 1), "22:00"), "Dexamethasone 20 mg"),
    (("dose", _day(26, 1), "04:00"), "Dexamethasone 20 mg"),
]
CYCLE_2 = _cycle(_day(1, 2), _day(1, 2), _day(2, 2), "410 mg")
CYCLE_3 = _cycle(_day(22, 2), _day(22, 2), _day(23, 2), "307 mg")
CYCLE_4 = _cycle(_day(15, 3), _day(15, 3), _day(16, 3), "307 mg")
PLAN = sorted([*CYCLE_1, *CYCLE_2_KEPT, *CYCLE_2, *CYCLE_3, *CYCLE_4])
FACTS = sorted(fact for fact, _ in PLAN)
HOME = sorted(fact for fact, what in PLAN if what.startswith("Dexamethasone"))

#: What was recorded, by (date, time, drug): status, the time given, the amount given.
RECORDED = {
    (_day(4, 1), "22:00", "Dexamethasone"): ("given", None, None),
    (_day(5, 1), "04:00", "Dexamethasone"): ("given", None, None),
    (_day(5, 1), "09:30", "Diphenhydramine"): ("given", None, None),
    (_day(5, 1), "09:30", "H2 antagonist"): ("given", None, None),
    (_day(5, 1), "10:00", "Paclitaxel"): ("given", None, None),
    (_day(5, 1), "13:00", "Carboplatin"): ("given", None, None),
    (_day(25, 1), "22:00", "Dexamethasone"): ("given", None, None),
    (_day(26, 1), "04:00", "Dexamethasone"): ("given", "04:15", None),
    (_day(1, 2), "22:00", "Dexamethasone"): ("missed", None, None),
    (_day(2, 2), "04:00", "Dexamethasone"): ("given", None, None),
    (_day(2, 2), "09:30", "Diphenhydramine"): ("given", None, None),
    (_day(2, 2), "09:30", "H2 antagonist"): ("given", None, None),
    (_day(2, 2), "10:00", "Paclitaxel"): ("given", None, None),
    (_day(2, 2), "13:00", "Carboplatin"): ("given", None, "600 mg"),
}


# -- the week -----------------------------------------------------------------------------------


def step(monkeypatch: pytest.MonkeyPatch, when: str, who: str, *argv: str) -> int:
    """One command at ``when`` (UTC) by ``who``."""
    monkeypatch.setenv("SCHEDULER_NOW", when)
    monkeypatch.setenv("SCHEDULER_USER", who)
    return main(list(argv))


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The course after the week, walked once for the module (each step checked as it goes)."""
    folder = tmp_path_factory.mktemp("unit")
    with pytest.MonkeyPatch.context() as monkeypatch:
        walk(folder, monkeypatch)
    yield folder / "js.toml"


def walk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course = str(folder / "js.toml")
    do = lambda when, who, *argv: step(monkeypatch, when, who, *argv)  # noqa: E731
    assert do("2027-01-04T09:00:00Z", "nurse.a", "course", "new", "carboplatin-paclitaxel-q21d",
              "--start", "2027-01-05", "--cycles", "4", "--tz", "Europe/London", "--weight", "70",
              "--height", "170", "--gfr", "80", "--label", "JS",
              "--contact", "Day unit, 020 7946 0000", "-o", course) == 0  # fmt: skip
    assert do("2027-01-04T09:00:00Z", "nurse.a", "course", "rotate-token", course) == 0
    first_ics = _ics(monkeypatch, course)

    # Tue 5 Jan: cycle 1 given, the evening before and the day.
    assert do("2027-01-05T16:00:00Z", "nurse.a", "course", "given", course,
              "--cycle", "1", "--day", "-1") == 0  # fmt: skip
    assert do("2027-01-05T16:00:00Z", "nurse.a", "course", "given", course,
              "--cycle", "1", "--day", "1") == 0  # fmt: skip

    # Tue 26 Jan 08:00, before the dose: the delay decided on the day.
    assert do("2027-01-26T08:00:00Z", "nurse.b", "course", "delay", course, "--cycle", "2",
              "--days", "7", "--reason", "neutrophils 0.9 on day -1") == 0  # fmt: skip
    # 08:02: typed again. Refused in one line that says how to mean it, and nothing written.
    text = Path(course).read_bytes()
    backup = Path(course + ".bak").read_bytes()
    assert do("2027-01-26T08:02:00Z", "nurse.c", "course", "delay", course, "--cycle", "2",
              "--days", "7", "--reason", "neutrophils 0.9 on day -1") == 1  # fmt: skip
    assert Path(course).read_bytes() == text
    assert Path(course + ".bak").read_bytes() == backup
    # 08:05: cycle 3 delayed by mistake, 08:10 withdrawn.
    assert do("2027-01-26T08:05:00Z", "nurse.c", "course", "delay", course, "--cycle", "3",
              "--days", "7") == 0  # fmt: skip
    assert _starts(_ics(monkeypatch, course), "Paclitaxel")[2] == "20270302T100000"
    assert do("2027-01-26T08:10:00Z", "nurse.b", "course", "withdraw", course, "--entry", "2",
              "--reason", "typed by mistake: cycle 3 is not delayed") == 0  # fmt: skip
    withdrawn_ics = _ics(monkeypatch, course)
    # Paclitaxel of cycles 3 and 4 are back on Tue 23 Feb and Tue 16 Mar, under the identities
    # the first calendar gave them, each a later revision than any before (moved three times).
    for before, after in zip(
        _events(first_ics, "Paclitaxel")[2:], _events(withdrawn_ics, "Paclitaxel")[2:], strict=True
    ):
        assert str(before["UID"]) == str(after["UID"])
        assert int(before.get("SEQUENCE", 0)) == 0 and int(after["SEQUENCE"]) == 3
    assert _starts(withdrawn_ics, "Paclitaxel") == [
        "20270105T100000", "20270202T100000", "20270223T100000", "20270316T100000",
    ]  # fmt: skip

    # Tue 2 Feb 16:00: what was taken and given; a cycle day with two dates needs its date.
    assert do("2027-02-02T16:00:00Z", "nurse.a", "course", "given", course,
              "--cycle", "2", "--day", "1") == 1  # fmt: skip
    for argv in (
        ("given", "--cycle", "2", "--day", "-1", "--date", "2027-01-25"),
        ("given", "--cycle", "2", "--day", "1", "--date", "2027-01-26", "--time", "04:15"),
        ("missed", "--cycle", "2", "--day", "-1", "--date", "2027-02-01", "--why", "forgot"),
        ("given", "--cycle", "2", "--day", "1", "--date", "2027-02-02"),
        ("record", "--status", "given", "--cycle", "2", "--day", "1", "--date", "2027-02-02",
         "--drug", "carboplatin", "--amount", "600 mg", "--note", "GFR 75 on the day"),
    ):  # fmt: skip
        assert do("2027-02-02T16:00:00Z", "nurse.a", "course", argv[0], course, *argv[1:]) == 0

    # Tue 9 Feb: paclitaxel reduced from cycle 3.
    assert do("2027-02-09T10:00:00Z", "dr.c", "course", "dose", course, "--drug", "paclitaxel",
              "--from-cycle", "3", "--percent", "75", "--reason", "grade 2 neuropathy") == 0  # fmt: skip


def _ics(monkeypatch: pytest.MonkeyPatch, course: str) -> icalendar.Calendar:
    out = Path(course).with_suffix(".ics")
    assert main(["plan", course, "-o", str(out), "--force"]) == 0
    return icalendar.Calendar.from_ical(out.read_bytes())


def _events(calendar: icalendar.Calendar, drug: str) -> list[icalendar.Event]:
    return [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith(drug)]


def _starts(calendar: icalendar.Calendar, drug: str) -> list[str]:
    return [e["DTSTART"].to_ical().decode() for e in _events(calendar, drug)]


def render(course: Path, fmt: str) -> bytes:
    name = {"diary": "view.diary.html", "fhir": "view.fhir.json"}.get(fmt, f"view.{fmt}")
    out = course.with_name(name)
    assert main(["plan", str(course), "--format", fmt, "-o", str(out), "--force"]) == 0
    return out.read_bytes()


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every view is made on Tue 9 Feb 2027, 11:00, after the week."""
    monkeypatch.setenv("SCHEDULER_NOW", "2027-02-09T11:00:00Z")


# -- every view ---------------------------------------------------------------------------------


def test_the_ics_has_every_date_amount_and_record(week: Path) -> None:
    data = render(week, "ics")
    assert from_ics(data, LONDON) == FACTS
    calendar = icalendar.Calendar.from_ical(data)
    for event in calendar.walk("VEVENT"):
        fact = ("lab" if "Blood test" in str(event["SUMMARY"]) else "dose", *_when(event))
        assert str(event["STATUS"]) == "CONFIRMED"
        if fact[0] == "dose":
            assert _named(str(event["SUMMARY"])) in {w for f, w in PLAN if f == fact}
            record = RECORDED.get((fact[1], fact[2], _drug(str(event["SUMMARY"]))))
            said = str(event["DESCRIPTION"]).splitlines()[0]
            if record is None:
                assert not said.startswith("Recorded"), said
            else:
                assert said.startswith("Recorded 2027-0"), said
                status, at, amount = record
                assert f": {status}" in said
                assert (f" at {at}" in said) == (at is not None)
                assert (f"({amount})" in said) == (amount is not None)
    # The delayed doses say what moved them and from when; the ones planned again say so.
    paclitaxel_2 = _events(calendar, "Paclitaxel")[1]
    assert str(paclitaxel_2["DESCRIPTION"]).splitlines()[1] == (
        "Moved from Tue 26 Jan 2027 10:00 to Tue 2 Feb 2027 10:00: cycle 2 and later cycles "
        "delayed by 7 days (recorded 2027-01-26 08:00 UTC by nurse.b: neutrophils 0.9 on day -1)."
    )
    again = [e for e in calendar.walk("VEVENT") if "Planned again" in str(e["DESCRIPTION"])]
    assert sorted(_when(e) for e in again) == [
        (_day(1, 2), "22:00"), (_day(1, 2), "all day"), (_day(2, 2), "04:00"),
    ]  # fmt: skip


def test_json_and_csv_agree_on_dates_amounts_and_records(week: Path) -> None:
    document = json.loads(render(week, "json"))
    assert from_json(json.dumps(document).encode(), LONDON) == FACTS
    rows = list(csv.DictReader(io.StringIO(render(week, "csv").decode(), newline="")))
    assert from_csv(render(week, "csv")) == FACTS
    for event, row in zip(document["events"], rows, strict=True):
        assert event["uid"] == row["uid"]
        if event["kind"] != "dose":
            assert event["record"] is None and row["recorded_status"] == ""
            continue
        day, at = date.fromisoformat(row["start_date"]), row["start_time"]
        assert event["title"].startswith(row["title"][:20])
        amount = event["amount"]["text"] if event["amount"] else ""
        assert amount == row["amount"]
        assert f"{event['drug']} {amount}".strip() in {w for f, w in PLAN if f == ("dose", day, at)}
        record = RECORDED.get((day, at, event["drug"]))
        if record is None:
            assert event["record"] is None and row["recorded_status"] == ""
            continue
        status, given_at, given = record
        assert event["record"]["status"] == row["recorded_status"] == status
        assert event["record"]["by"] == row["recorded_by"] == "nurse.a"
        if given_at is not None:
            assert event["record"]["time"].startswith(f"{day.isoformat()}T{given_at}")
            assert row["recorded_time"] == f"{day.isoformat()} {given_at}"  # the patient's clock
        if given is not None:
            assert event["record"]["amount"]["text"] == row["recorded_amount"] == given
        if status == "missed":
            assert event["record"]["reason"] == row["recorded_reason"] == "forgot"
    # The changed doses carry the reason in their working.
    reduced = [e for e in document["events"] if e["drug"] == "Paclitaxel"][2:]
    assert [e["amount"]["text"] for e in reduced] == ["307 mg", "307 mg"]
    for event in reduced:
        assert event["amount_working"].startswith(
            "Dose changed to 75 % from cycle 3 (grade 2 neuropathy): 75 % of 225 mg/m² = "
            "168.75 mg/m². 168.75 mg/m² × 1.82 m² (BSA, Mosteller) = 307.125 mg ≈ 307 mg."
        )


def test_fhir_has_the_plan_and_what_was_given(week: Path) -> None:
    data = render(week, "fhir")
    assert from_fhir(data, LONDON) == [f for f in FACTS if f[0] in ("dose", "lab")]
    resources = [e["resource"] for e in json.loads(data)["entry"]]
    given = {}
    for resource in resources:
        if resource["resourceType"] != "MedicationAdministration":
            continue
        moment = resource["occurenceDateTime"]  # sic: FHIR R5 spells it so
        day, at = date.fromisoformat(moment[:10]), moment[11:16]
        drug = resource["medication"]["concept"]["text"]
        dose = resource.get("dosage", {}).get("dose")
        given[day, at, drug] = (resource["status"], dose)
    # An administration happens when it was given: 04:15 for the dose planned at 04:00.
    assert set(given) == {(d, t if given_at is None else given_at, n)
                          for (d, t, n), (_, given_at, _) in RECORDED.items()}  # fmt: skip
    for (day, at, drug), (status, given_at, amount) in RECORDED.items():
        fhir_status, dose = given[day, given_at or at, drug]
        key = (day, at, drug)
        assert fhir_status == ("completed" if status == "given" else "not-done"), key
        if amount == "600 mg":
            assert (dose["value"], dose["code"]) == (600, "mg")
    # The reduced paclitaxel requests ask for 307 mg.
    requested = [
        (moment[:10], dosage["doseAndRate"][0]["doseQuantity"]["value"])
        for r in resources
        if r["resourceType"] == "MedicationRequest"
        and r["medication"]["concept"]["text"] == "Paclitaxel"
        for dosage in r["dosageInstruction"]
        for moment in dosage["timing"]["event"]
    ]
    assert sorted(requested) == [
        ("2027-01-05", 410), ("2027-02-02", 410), ("2027-02-23", 307), ("2027-03-16", 307),
    ]  # fmt: skip


def test_the_printed_calendar_and_the_diary_mark_what_was_given(week: Path) -> None:
    page = render(week, "html").decode()
    marks = {"given": "✓", "missed": "✗"}
    for (day, at, drug), (status, _, _) in RECORDED.items():
        cell = _cell(page, day)
        assert re.search(rf"{re.escape(drug)}.*?{at} {marks[status]}", cell), (day, drug, cell)
    assert "✓" not in _cell(page, _day(23, 2)) and "✗" not in _cell(page, _day(23, 2))
    # The delay reads as a delay: beside the dexamethasone taken that morning, the days until
    # cycle 2's new day -1, and the days cycle 3 was first planned on (its day -1 and day 1);
    # cycle 2's own rest before cycle 3 stays rest.
    delayed = {
        _day(26, 1): "Cycle 2, day 1 delayed to Tue 2 Feb 2027",
        **{_day(d, 1): "Cycle 2, day 1 delayed to Tue 2 Feb 2027" for d in range(27, 32)},
        _day(15, 2): "Cycle 3, day −1 delayed to Mon 22 Feb 2027",
        _day(16, 2): "Cycle 3, day 1 delayed to Tue 23 Feb 2027",
        _day(8, 3): "Cycle 4, day −1 delayed to Mon 15 Mar 2027",
        _day(9, 3): "Cycle 4, day 1 delayed to Tue 16 Mar 2027",
    }
    for day, label in delayed.items():
        assert f'<div class="rest delayed">{label}</div>' in _cell(page, day), day
    assert page.count('<div class="rest delayed">') == len(delayed)
    assert "delayed" not in _cell(page, _day(17, 2))
    diary = render(week, "diary").decode()
    assert from_diary(diary) == HOME
    rows = re.findall(
        r'<td class="date">(\w{3} \d+ \w{3} \d{4})</td><td class="time">([^<]*)</td>.*?'
        r'aria-label="([^"]*)">([^<]*)</span></td><td class="taken">([^<]*)</td>',
        diary,
    )
    assert [(when, at, mark, taken) for when, at, _, mark, taken in rows[:7]] == [
        ("Mon 4 Jan 2027", "22:00", "✓", ""),
        ("Tue 5 Jan 2027", "04:00", "✓", ""),
        ("Mon 25 Jan 2027", "22:00", "✓", ""),
        ("Tue 26 Jan 2027", "04:00", "✓", "04:15"),
        ("Mon 1 Feb 2027", "22:00", "✗", ""),
        ("Tue 2 Feb 2027", "04:00", "✓", ""),
        ("Mon 22 Feb 2027", "22:00", "", ""),
    ]
    assert "Day unit, 020 7946 0000" in diary


def test_course_show_tells_the_history_the_records_and_the_adherence(
    week: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["course", "show", str(week)]) == 0
    out = capsys.readouterr().out
    assert (
        "Changes:\n"
        "  1. 2027-01-26 08:00 UTC, by nurse.b: cycle 2 and later cycles delayed by 7 days — "
        "neutrophils 0.9 on day -1\n"
        "  2. 2027-01-26 08:05 UTC, by nurse.c: cycle 3 and later cycles delayed by 7 days "
        "[withdrawn by entry 3]\n"
        "  3. 2027-01-26 08:10 UTC, by nurse.b: entry 2 withdrawn (its change no longer "
        "applies) — typed by mistake: cycle 3 is not delayed\n"
        "  4. 2027-02-09 10:00 UTC, by dr.c: paclitaxel dose changed to 75 % from cycle 3 — "
        "grade 2 neuropathy\n"
    ) in out
    assert "Home doses so far: 6 home doses due: 5 given, 1 missed (83 % taken)" in out
    assert (
        "  Tue 26 Jan 2027 04:00  Dexamethasone tablets (paclitaxel premedication) 20 mg — "
        "cycle 2, day 1: given at 04:15, by nurse.a"
    ) in out
    assert (
        "  Mon 1 Feb 2027 22:00  Dexamethasone tablets (paclitaxel premedication) 20 mg — "
        "day −1 of cycle 2: missed: forgotten, by nurse.a"
    ) in out
    assert (
        "  Tue 2 Feb 2027 13:00  Carboplatin infusion 630 mg — cycle 2, day 1: given (600 mg), "
        "by nurse.a — GFR 75 on the day"
    ) in out
    assert "  last dose Tue 16 Mar 2027" in out


def test_the_live_feed_serves_the_same_calendar(week: Path, tmp_path: Path) -> None:
    """The real server over the unit's folder, on Tue 9 Feb with a window over the course."""
    with serving(week.parent, "--days-back", "60", "--days-ahead", "60",
                 now="2027-02-09T11:00:00Z", log=tmp_path / "serve.log") as (base, _):  # fmt: skip
        status, _, body = fetch(f"{base}/feeds/{token_of(week)}.ics")
    assert status == 200
    assert from_ics(body, LONDON) == FACTS
    calendar = icalendar.Calendar.from_ical(body)
    recorded = {
        (_when(e)[0], _when(e)[1], _drug(str(e["SUMMARY"])))
        for e in calendar.walk("VEVENT")
        if str(e["DESCRIPTION"]).startswith("Recorded")
    }
    assert recorded == set(RECORDED)
    assert b"JS" not in body  # the label stays out of a feed unless its token allows it


# -- reading helpers ----------------------------------------------------------------------------


def _when(event: icalendar.Event) -> tuple[date, str]:
    start = event["DTSTART"].dt
    if hasattr(start, "hour"):
        local = start.astimezone(LONDON)
        return local.date(), f"{local:%H:%M}"
    return start, "all day"


_NAMES = ("Dexamethasone", "Diphenhydramine", "H2 antagonist", "Paclitaxel", "Carboplatin")


def _drug(summary: str) -> str:
    return next(name for name in _NAMES if name in summary)


def _named(summary: str) -> str:
    """``Paclitaxel infusion 410 mg — cycle 1, day 1`` → ``Paclitaxel 410 mg``."""
    amount = re.search(r"(\d+ mg) —", summary)
    return f"{_drug(summary)} {amount.group(1)}" if amount else _drug(summary)


def _cell(page: str, day: date) -> str:
    found = re.search(rf'aria-label="\w+ {day.day} {day:%B}">(.*?)</td>', page)
    assert found, day
    return found.group(1)
