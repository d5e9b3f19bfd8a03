"""A patient plan as a FHIR Bundle: the same dates as the calendar, validated by fhir.resources.

Every expected date below is written by hand from the published schedule (aldesleukin SC: days
1-5, 8-12, 15-19, 22-26 of 35-day cycles, 09:00; blood tests on day -1 and day 15; R-CHOP-21
doses from docs/regimen-format.md's rounding rules), never recomputed with the code under test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.bundle import Bundle as BundleR5
from fhir.resources.R4B.bundle import Bundle as BundleR4B

from scheduler.cli import main
from scheduler.errors import ArgumentError
from scheduler.fhir.plan import plan_to_bundle
from scheduler.planner import Planned, plan
from scheduler.regimen.dosing import Body

GENERATED = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)
VERSIONS = ("r5", "r4b")


def aldesleukin(cycles: int = 2, start: date = date(2027, 1, 4)) -> Planned:
    return plan("aldesleukin-sc", start=start, zone="Europe/London", cycles=cycles)


#: The codes of the required bindings we use, copied from the R5 and R4B specifications
#: (codes in both releases only): fhir.resources checks types and cardinality, not these.
REQUIRED_CODES: dict[tuple[str, str], set[str]] = {
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed",
                             "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("MedicationRequest", "status"): {"active", "on-hold", "cancelled", "completed",
                                      "entered-in-error", "stopped", "draft", "unknown"},
    ("MedicationRequest", "intent"): {"proposal", "plan", "order", "original-order",
                                      "reflex-order", "filler-order", "instance-order", "option"},
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed",
                                   "entered-in-error", "unknown"},
    ("ServiceRequest", "intent"): {"proposal", "plan", "directive", "order", "original-order",
                                   "reflex-order", "filler-order", "instance-order", "option"},
    ("Appointment", "status"): {"proposed", "pending", "booked", "arrived", "fulfilled",
                                "cancelled", "noshow", "entered-in-error", "checked-in",
                                "waitlist"},
}  # fmt: skip
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}


def bundle(planned: Planned, version: str = "r5") -> dict[str, Any]:
    data = plan_to_bundle(planned, version=version, generated=GENERATED)
    model = BundleR5 if version == "r5" else BundleR4B
    model.model_validate(data)  # raises if fhir.resources finds anything invalid
    for entry in data["entry"]:
        resource = entry["resource"]
        for (kind, element), codes in REQUIRED_CODES.items():
            if resource["resourceType"] == kind:
                assert resource[element] in codes, (kind, element, resource[element])
        for participant in resource.get("participant", []):
            assert participant["status"] in {"accepted", "declined", "tentative", "needs-action"}
        for dosage in resource.get("dosageInstruction", []):
            repeat = dosage["timing"]["repeat"]
            for unit in ("durationUnit", "periodUnit"):
                assert repeat.get(unit, "h") in UNITS_OF_TIME
    return data


def resources(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def one(data: dict[str, Any], kind: str, **match: str) -> dict[str, Any]:
    found = [r for r in resources(data, kind) if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def at_nine(days: str) -> list[str]:
    """``"2027-01: 4-8, 11-15"`` -> the 09:00 GMT instants of those days, written out."""
    month, _, spans = days.partition(": ")
    out = []
    for span in spans.split(", "):
        first, _, last = span.partition("-")
        for day in range(int(first), int(last or first) + 1):
            out.append(f"{month}-{day:02d}T09:00:00+00:00")
    return out


def course_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *edits: list[str]) -> Path:
    """An aldesleukin SC course of 2 cycles from Mon 4 Jan 2027, edited on 2 Jan 2027."""
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "js.toml"
    new = ["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "2"]
    assert main([*new, "--tz", "Europe/London", "-o", str(path)]) == 0
    for edit in edits:
        assert main(["course", edit[0], str(path), *edit[1:]]) == 0
    return path


FORTY_DOSES = [
    *at_nine("2027-01: 4-8, 11-15, 18-22, 25-29"),
    *at_nine("2027-02: 8-12, 15-19, 22-26"),
    *at_nine("2027-03: 1-5"),
]


@pytest.mark.parametrize("version", VERSIONS)
def test_aldesleukin_two_cycles_every_dose_instant_in_one_medication_request(
    version: str,
) -> None:
    data = bundle(aldesleukin(), version)
    assert data["type"] == "collection"
    [request] = resources(data, "MedicationRequest")
    assert request["status"] == "active"
    assert request["intent"] == "plan"
    [dosage] = request["dosageInstruction"]
    assert len(FORTY_DOSES) == 40
    assert dosage["timing"]["event"] == FORTY_DOSES
    assert dosage["timing"]["repeat"]["boundsPeriod"] == {
        "start": "2027-01-04T09:00:00+00:00",
        "end": "2027-03-05T09:00:00+00:00",
    }
    assert dosage["timing"]["repeat"]["timeOfDay"] == ["09:00:00"]
    assert dosage["timing"]["repeat"]["duration"] == 15
    assert dosage["timing"]["repeat"]["durationUnit"] == "min"
    assert {"system": "http://snomed.info/sct", "code": "34206005"}.items() <= dosage["route"][
        "coding"
    ][1].items()
    assert dosage["patientInstruction"].startswith("Inject under the skin of your stomach")
    assert "doseAndRate" not in dosage  # the source gives no amount
    medication = {"text": "Aldesleukin"}
    if version == "r5":
        assert request["medication"] == {"concept": medication}
    else:
        assert request["medicationCodeableConcept"] == medication


@pytest.mark.parametrize("version", VERSIONS)
def test_blood_tests_are_service_requests_on_the_calendars_days(version: str) -> None:
    data = bundle(aldesleukin(), version)
    tests = resources(data, "ServiceRequest")
    # Day -1 and day 15 of each cycle: Sun 3 Jan, Mon 18 Jan, Sun 7 Feb, Mon 22 Feb 2027.
    assert [t["occurrenceDateTime"] for t in tests] == [
        "2027-01-03",
        "2027-01-18",
        "2027-02-07",
        "2027-02-22",
    ]
    assert {t["status"] for t in tests} == {"active"}
    assert tests[0]["category"][0]["coding"][0]["code"] == "108252007"
    assert tests[0]["identifier"][0]["value"].endswith("@treatment-scheduler")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_care_plan_references_every_request_and_names_the_regimen(version: str) -> None:
    data = bundle(aldesleukin(), version)
    careplan = data["entry"][0]["resource"]
    assert careplan["resourceType"] == "CarePlan"
    assert (careplan["status"], careplan["intent"]) == ("active", "plan")
    assert careplan["title"] == "Aldesleukin (aldesleukin-sc)"
    assert "aldesleukin-sc" in careplan["description"]
    assert "Cancer Research UK" in careplan["description"]
    assert careplan["subject"] == {"display": "not stated"}
    # From the first blood test (Sun 3 Jan) to the end of the last injection (Fri 5 Mar, 09:15).
    assert careplan["period"] == {"start": "2027-01-03", "end": "2027-03-05T09:15:00+00:00"}
    key = "plannedActivityReference" if version == "r5" else "reference"
    referenced = [a[key]["reference"] for a in careplan["activity"]]
    assert referenced == [e["fullUrl"] for e in data["entry"][1:]]
    assert all(url.startswith("urn:uuid:") for url in referenced)
    notes = [n["text"] for n in careplan["note"]]
    # Live vaccines: from the first dose to 12 months after the last (Fri 5 Mar 2027).
    assert any(
        n.startswith("Precaution: No live vaccines, from 2027-01-04 to 2028-03-05") for n in notes
    )
    assert any(n.startswith("Precaution: Use contraception") for n in notes)


def test_the_patient_label_is_the_subject_when_given() -> None:
    planned = plan(
        "aldesleukin-sc", start=date(2027, 1, 4), zone="Europe/London", cycles=1, label="J.S."
    )
    data = bundle(planned)
    subjects = {json.dumps(r["subject"]) for r in resources(data, "MedicationRequest")}
    assert subjects == {json.dumps({"display": "J.S."})}
    assert data["entry"][0]["resource"]["subject"] == {"display": "J.S."}


@pytest.mark.parametrize("version", VERSIONS)
def test_r_chop_calculated_amounts_are_quantities(version: str) -> None:
    planned = plan(
        "r-chop-21",
        start=date(2027, 1, 4),
        zone="Europe/London",
        cycles=2,
        body=Body(Decimal(70), Decimal(175)),
    )
    data = bundle(planned, version)
    requests = resources(data, "MedicationRequest")
    name = "medication" if version == "r5" else "medicationCodeableConcept"

    def dose(drug: str) -> dict[str, Any]:
        [request] = [
            r
            for r in requests
            if (r[name]["concept"] if version == "r5" else r[name])["text"] == drug
        ]
        [dosage] = request["dosageInstruction"]
        [rate] = dosage["doseAndRate"]
        return dict(rate["doseQuantity"])

    mg = {"unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    # BSA (Mosteller) = √(175 × 70 / 3600) = √3.4028 = 1.8447 → 1.84 m²; amounts to 3 figures.
    assert dose("Rituximab") == {"value": 690, **mg}  # 375 × 1.84 = 690
    assert dose("Doxorubicin") == {"value": 92, **mg}  # 50 × 1.84 = 92
    assert dose("Cyclophosphamide") == {"value": 1380, **mg}  # 750 × 1.84 = 1,380
    assert dose("Vincristine") == {"value": 2, **mg}  # 1.4 × 1.84 = 2.576 ≈ 2.58, capped at 2
    assert dose("Prednisone") == {"value": 100, **mg}  # written as 100 mg: absolute already
    [rituximab] = [r for r in requests if "Rituximab" in json.dumps(r[name])]
    assert "375 mg/m² × 1.84 m² (BSA, Mosteller) = 690 mg" in rituximab["note"][0]["text"]
    [dosage] = rituximab["dosageInstruction"]
    # Day 1 of each 21-day cycle at 09:00, for 4 hours: Mon 4 Jan and Mon 25 Jan 2027.
    assert dosage["timing"]["event"] == ["2027-01-04T09:00:00+00:00", "2027-01-25T09:00:00+00:00"]
    assert dosage["timing"]["repeat"]["duration"] == 4
    assert dosage["timing"]["repeat"]["durationUnit"] == "h"
    [prednisone] = [r for r in requests if "Prednisone" in json.dumps(r[name])]
    assert prednisone["dosageInstruction"][0]["patientInstruction"] == "Take with breakfast."
    assert prednisone["dosageInstruction"][0]["timing"]["event"] == [
        *["2027-01-0" + f"{d}T08:00:00+00:00" for d in (4, 5, 6, 7, 8)],
        *["2027-01-" + f"{d}T08:00:00+00:00" for d in (25, 26, 27, 28, 29)],
    ]


def test_amounts_per_m2_without_body_figures_stay_text() -> None:
    planned = plan("r-chop-21", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    data = bundle(planned)
    by_drug = {
        r["medication"]["concept"]["text"]: r["dosageInstruction"][0]
        for r in resources(data, "MedicationRequest")
    }
    assert "doseAndRate" not in by_drug["Rituximab"]
    assert by_drug["Rituximab"]["text"].startswith("375 mg/m², drip into a vein (intravenous)")
    assert by_drug["Prednisone"]["doseAndRate"][0]["doseQuantity"]["value"] == 100


@pytest.mark.parametrize("version", VERSIONS)
def test_a_delayed_cycle_and_an_omitted_dose_in_a_course(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    path = course_file(
        tmp_path,
        monkeypatch,
        ["delay", "--cycle", "2", "--days", "7", "--reason", "neutrophils 0.9"],
        ["omit", "--cycle", "1", "--day", "3", "--reason", "fever"],
    )
    data = bundle(plan(path), version)
    active = one(data, "MedicationRequest", status="active")
    # Cycle 1 without Wed 6 Jan; cycle 2 from Mon 15 Feb instead of Mon 8 Feb.
    assert active["dosageInstruction"][0]["timing"]["event"] == [
        *at_nine("2027-01: 4-5, 7-8, 11-15, 18-22, 25-29"),
        *at_nine("2027-02: 15-19, 22-26"),
        *at_nine("2027-03: 1-5, 8-12"),
    ]
    assert [n["text"] for n in active["note"]] == [
        "Cycle 2: 20 doses moved 7 days later by a change to the course "
        "(the first from 2027-02-08T09:00:00+00:00 to 2027-02-15T09:00:00+00:00)."
    ]
    revoked = one(data, "MedicationRequest", status="cancelled")
    assert revoked["dosageInstruction"][0]["timing"]["event"] == ["2027-01-06T09:00:00+00:00"]
    assert revoked["statusReason"] == {"text": "Cancelled by a change to the course"}
    tests = resources(data, "ServiceRequest")
    # Cycle 2's tests move with it: Sun 14 Feb (day -1) and Mon 1 Mar (day 15).
    assert [t["occurrenceDateTime"] for t in tests] == [
        "2027-01-03",
        "2027-01-18",
        "2027-02-14",
        "2027-03-01",
    ]
    assert tests[2]["note"] == [
        {"text": "Moved by a change to the course from 2027-02-07 to 2027-02-14."}
    ]
    careplan = data["entry"][0]["resource"]
    assert careplan["note"][:2] == [
        {
            "time": "2027-01-02T10:00:00+00:00",
            "text": "Course change: cycle 2 and later cycles delayed by 7 days — neutrophils 0.9",
        },
        {
            "time": "2027-01-02T10:00:00+00:00",
            "text": "Course change: cycle 1, day 3 omitted (not replaced) — fever",
        },
    ]
    key = "plannedActivityReference" if version == "r5" else "reference"
    referenced = {a[key]["reference"] for a in careplan["activity"]}
    assert {e["fullUrl"] for e in data["entry"][1:]} == referenced


def test_a_stopped_course_lists_the_stopped_doses_and_tests_as_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = course_file(
        tmp_path, monkeypatch, ["stop", "--after", "2027-02-17", "--reason", "progression"]
    )
    data = bundle(plan(path))
    active = one(data, "MedicationRequest", status="active")
    assert active["dosageInstruction"][0]["timing"]["event"] == [
        *at_nine("2027-01: 4-8, 11-15, 18-22, 25-29"),
        *at_nine("2027-02: 8-12, 15-17"),
    ]
    revoked = one(data, "MedicationRequest", status="cancelled")
    assert revoked["dosageInstruction"][0]["timing"]["event"] == [
        *at_nine("2027-02: 18-19, 22-26"),
        *at_nine("2027-03: 1-5"),
    ]
    # Cycle 2's day 15 test (Mon 22 Feb) is after the stop: revoked, still listed.
    statuses = [(t["occurrenceDateTime"], t["status"]) for t in resources(data, "ServiceRequest")]
    assert statuses == [
        ("2027-01-03", "active"),
        ("2027-01-18", "active"),
        ("2027-02-07", "active"),
        ("2027-02-22", "revoked"),
    ]
    assert resources(data, "ServiceRequest")[3]["note"][0]["text"].startswith("Cancelled")


def test_a_plan_across_the_clock_change_keeps_09_00_with_the_summer_offset() -> None:
    # London's clocks go forward on Sun 28 Mar 2027: doses from Mon 29 Mar are at 09:00 BST.
    data = bundle(aldesleukin(cycles=1, start=date(2027, 3, 22)))
    [request] = resources(data, "MedicationRequest")
    events = request["dosageInstruction"][0]["timing"]["event"]
    assert events[:10] == [
        "2027-03-22T09:00:00+00:00",
        "2027-03-23T09:00:00+00:00",
        "2027-03-24T09:00:00+00:00",
        "2027-03-25T09:00:00+00:00",
        "2027-03-26T09:00:00+00:00",
        "2027-03-29T09:00:00+01:00",
        "2027-03-30T09:00:00+01:00",
        "2027-03-31T09:00:00+01:00",
        "2027-04-01T09:00:00+01:00",
        "2027-04-02T09:00:00+01:00",
    ]
    assert events[-1] == "2027-04-16T09:00:00+01:00"
    assert request["dosageInstruction"][0]["timing"]["repeat"]["timeOfDay"] == ["09:00:00"]


@pytest.mark.parametrize("version", VERSIONS)
def test_visits_are_appointments(version: str) -> None:
    planned = plan("aldesleukin-hd-iv", start=date(2027, 1, 4), zone="Europe/London")
    data = bundle(planned, version)
    visits = resources(data, "Appointment")
    # HD aldesleukin's last dose is on Fri 22 Jan 2027 (day 19): response assessment 4 weeks
    # later, Fri 19 Feb; a further course at the earliest 7 weeks later, Fri 12 Mar.
    assert [(v["description"], v["requestedPeriod"]) for v in visits] == [
        ("Response assessment (scans and review)", [{"start": "2027-02-19", "end": "2027-02-19"}]),
        ("Earliest date for a further course", [{"start": "2027-03-12", "end": "2027-03-12"}]),
    ]
    assert {v["status"] for v in visits} == {"proposed"}


def test_a_timed_visit_has_a_start_and_end(tmp_path: Path) -> None:
    regimen = tmp_path / "clinic.toml"
    regimen.write_text(
        """format = 1
id = "clinic-test"
name = "Weekly tablet with a clinic visit"
indication = "test"
source = "test"

[drugs.tab]
name = "Tablet"
route = "oral"
title = "Tablet"

[[phases]]
name = "Treatment"
cycle_days = 7
cycles = 1

[[phases.doses]]
drug = "tab"
days = "1"
time = "08:00"
duration = "5m"
amount = "2 tablets"

[[phases.events]]
key = "review"
kind = "visit"
title = "Clinic review"
days = "1"
time = "10:30"
duration = "30m"
instructions = "Bring your diary."
""",
        encoding="utf-8",
    )
    planned = plan(regimen, start=date(2027, 7, 5), zone="Europe/London")
    for version in VERSIONS:
        data = bundle(planned, version)
        [visit] = resources(data, "Appointment")
        assert (visit["start"], visit["end"]) == (
            "2027-07-05T10:30:00+01:00",
            "2027-07-05T11:00:00+01:00",
        )
        [request] = resources(data, "MedicationRequest")
        # "tablets" has no UCUM code: the Quantity keeps the unit as text.
        assert request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] == {
            "value": 2,
            "unit": "tablets",
        }


def test_the_same_plan_gives_the_same_bytes() -> None:
    first = json.dumps(bundle(aldesleukin()), sort_keys=True)
    again = json.dumps(bundle(aldesleukin()), sort_keys=True)
    assert first == again
    ids = [e["resource"]["id"] for e in json.loads(first)["entry"]]
    assert len(ids) == len(set(ids))
    other = json.dumps(bundle(aldesleukin(start=date(2027, 1, 11))), sort_keys=True)
    assert json.loads(other)["entry"][0]["fullUrl"] != json.loads(first)["entry"][0]["fullUrl"]


def test_a_moved_event_keeps_its_resource_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = course_file(tmp_path, monkeypatch)
    before = bundle(plan(path))
    assert main(["course", "delay", str(path), "--cycle", "2", "--days", "7"]) == 0
    after = bundle(plan(path))
    assert [e["fullUrl"] for e in before["entry"]] == [e["fullUrl"] for e in after["entry"]]


def test_every_bundled_regimen_validates_in_both_versions() -> None:
    from scheduler.regimen.catalog import bundled_ids

    for regimen in bundled_ids():
        planned = plan(
            regimen,
            start=date(2027, 1, 4),
            zone="Europe/London",
            until=date(2027, 6, 30),
            body=Body(Decimal(70), Decimal(175)),
        )
        for version in VERSIONS:
            bundle(planned, version)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ArgumentError, match="version must be one of r5, r4b, not str 'r3'"):
        plan_to_bundle(aldesleukin(), version="r3", generated=GENERATED)
    with pytest.raises(ArgumentError, match="generated must be an aware datetime"):
        plan_to_bundle(aldesleukin(), generated=datetime(2027, 1, 2, 10, 0))


@pytest.mark.parametrize(
    ("regimen", "start"),
    [
        ("aldesleukin-sc", date(2027, 3, 22)),
        ("aldesleukin-hd-iv", date(2027, 3, 22)),
        ("r-chop-21", date(2027, 10, 18)),
    ],
)
def test_dose_instants_are_the_calendars_doses(regimen: str, start: date) -> None:
    """Read back from the .ics with icalendar: every dose VEVENT's start is a Timing.event
    instant and the other way round, across the spring and autumn clock changes."""
    import icalendar

    planned = plan(
        regimen,
        start=start,
        zone="Europe/London",
        until=date(2028, 1, 31),
        body=Body(Decimal(70), Decimal(175)),
    )
    calendar = icalendar.Calendar.from_ical(planned.render("ics", stamp=GENERATED))
    in_calendar = sorted(
        event.decoded("DTSTART")
        for event in calendar.walk("VEVENT")
        if "Dose" in str(event.get("CATEGORIES").to_ical())
    )
    in_bundle = sorted(
        datetime.fromisoformat(instant)
        for request in resources(bundle(planned), "MedicationRequest")
        for dosage in request["dosageInstruction"]
        for instant in dosage["timing"]["event"]
    )
    assert in_bundle == in_calendar
    assert len(in_bundle) > 10


def test_every_8_hours_is_a_period_not_a_time_of_day() -> None:
    planned = plan("aldesleukin-hd-iv", start=date(2027, 1, 4), zone="Europe/London")
    first = resources(bundle(planned), "MedicationRequest")[0]["dosageInstruction"][0]
    repeat = first["timing"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, 8, "h")
    assert "timeOfDay" not in repeat
    # Days 1-5 from Mon 4 Jan 2027, every 8 hours from 08:00: 14 doses (the 15th slot is capped).
    assert first["timing"]["event"][:4] == [
        "2027-01-04T08:00:00+00:00",
        "2027-01-04T16:00:00+00:00",
        "2027-01-05T00:00:00+00:00",
        "2027-01-05T08:00:00+00:00",
    ]
    assert len(first["timing"]["event"]) == 14
