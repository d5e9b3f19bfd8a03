"""Every public function refuses a caller's wrong argument as the project's own error, naming the
argument: never a TypeError, AttributeError, ValueError or KeyError from inside (issue 19, item
10: 16 such calls, ``to_ics``, ``to_json`` and ``planner.plan`` with wrong types, ended in raw
Python errors). The public surface is enumerated from the modules' ``__all__``, and a test fails
when a public function has no case here."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import scheduler
import scheduler.course.file
import scheduler.course.tokens
from scheduler.errors import (
    ArgumentError,
    CourseError,
    FhirError,
    FileError,
    PlanError,
    RegimenError,
    SchedulerError,
    UnknownRegimenError,
)
from scheduler.plan.events import Event
from scheduler.plan.reminders import Reminders
from scheduler.planner import Planned, plan
from scheduler.regimen.dosing import FigureError
from scheduler.regimen.model import EventKind

#: The modules whose ``__all__`` is the library's public surface (docs/design.md).
PUBLIC = (
    "scheduler",
    "scheduler.planner",
    "scheduler.export.ics",
    "scheduler.export.json",
    "scheduler.export.csv",
    "scheduler.export.html",
    "scheduler.export.diary",
    "scheduler.export.terminal",
    "scheduler.export.formats",
    "scheduler.export.planned",
    "scheduler.fhir.regimen",
    "scheduler.fhir.plan",
    "scheduler.fhir.mapping",
    "scheduler.course.store",
    "scheduler.course.file",
    "scheduler.course.tokens",
    "scheduler.check",
    "scheduler.jsonreader",
)
STAMP = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
HUGE = 10**5000
SURROGATE = "Dose \ud800"
COURSE = Path(__file__).parent / "testdata" / "valid"


@cache
def _course() -> scheduler.Course:
    return scheduler.Course(
        id="c", regimen="aldesleukin-sc", start=date(2027, 1, 4), timezone="Europe/London"
    )


def planned() -> Planned:
    return plan("aldesleukin-sc", start=date(2027, 1, 4), zone="Europe/London", cycles=1)


def events() -> tuple[Event, ...]:
    return planned().events


def timed() -> Event:
    return next(e for e in events() if not e.all_day)


def all_day() -> Event:
    return next(e for e in events() if e.all_day)


def changed(event: Event, **fields: Any) -> tuple[Event, ...]:
    return (dataclasses.replace(event, **fields),)


def ics(**arguments: Any) -> Callable[[], object]:
    given: dict[str, Any] = {"name": "Plan", "stamp": STAMP, "zone": LONDON, **arguments}
    return lambda: scheduler.to_ics(given.pop("events", events()), **given)


def planned_with(**fields: Any) -> Planned:
    return dataclasses.replace(planned(), **fields)


def store() -> Any:
    from scheduler.course.store import FileStore

    return FileStore()


def hostile_zone() -> ZoneInfo:
    import zoneinfo

    for root in zoneinfo.TZPATH:
        path = Path(root) / "Europe" / "London"
        if path.is_file():
            with path.open("rb") as f:
                return ZoneInfo.from_file(f, key="Europe/London\r\nBEGIN:VEVENT")
    import tzdata  # type: ignore[import-untyped]

    with (Path(tzdata.__file__).parent / "zoneinfo" / "Europe" / "London").open("rb") as f:
        return ZoneInfo.from_file(f, key="Europe/London\r\nBEGIN:VEVENT")


def case(target: str, call: Callable[[], object], error: type[SchedulerError], message: str) -> Any:
    """``call`` (a call of the public function ``target``) raises ``error`` whose one-line
    message starts with ``message``."""
    return pytest.param(
        target, call, error, message, id=f"{target.rpartition('.')[2]}: {message[:50]}"
    )


EVENTS_WANTED = (
    "events must be a list or tuple of Events (from scheduler.expand or "
    "scheduler.planner.plan(...).events), not "
)
AWARE = "must be an aware datetime such as datetime(2027, 1, 4, 9, 0, tzinfo=UTC), not "
PLANNED_WANTED = "planned must be a Planned plan (scheduler.planner.plan(...)), not "

CASES = [
    # patient figures and a regimen's drugs
    case("scheduler.Body", lambda: scheduler.Body(weight_kg="70"), FigureError,  # type: ignore[arg-type]
         "weight must be a finite Decimal (Decimal('70')), not str '70'"),
    case("scheduler.Body", lambda: scheduler.Body(weight_kg=Decimal("NaN")), FigureError,
         "weight must be a finite Decimal (Decimal('70')), not Decimal Decimal('NaN')"),
    case("scheduler.Body", lambda: scheduler.Body(weight_kg=Decimal("9" * 5000)), FigureError,
         "weight of about 5,000 digits kg is outside 0.5 to 400 kg"),
    case("scheduler.Body", lambda: scheduler.Body(age_years="64"), FigureError,  # type: ignore[arg-type]
         "age must be whole years (an int), not str '64'"),
    case("scheduler.Body", lambda: scheduler.Body(creatinine="0.9 mg/dL"), FigureError,  # type: ignore[arg-type]
         "creatinine must be a Creatinine (parse_creatinine('0.9 mg/dL')), not str '0.9 mg/dL'"),
    case("scheduler.Regimen.drug", lambda: scheduler.resolve_regimen("r-chop-21").drug(5),  # type: ignore[arg-type]
         ArgumentError, "key must be a drug key of r-chop-21 (rituximab, cyclophosphamide, "
         "doxorubicin, vincristine, prednisone), not int 5"),
    # courses
    case("scheduler.new_course", lambda: scheduler.new_course(
        "aldesleukin-sc", "x.toml", start="2027-01-04", zone="UTC"),  # type: ignore[arg-type]
         PlanError, "start must be a date such as date(2027, 1, 4), not str '2027-01-04'"),
    case("scheduler.edit_course", lambda: scheduler.edit_course(
        None, lambda c: c, now=STAMP),  # type: ignore[arg-type]
         ArgumentError, "path must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.record_event", lambda: scheduler.record_event(
        "x.toml", None, scheduler.Status.GIVEN, now=STAMP),  # type: ignore[arg-type]
         ArgumentError, "which must be a Which (phase, cycle, day[, drug, slot, kind]), not None"),
    case("scheduler.record_event", lambda: scheduler.record_event(
        "x.toml", scheduler.Which(1, 1, 1), "taken", now=STAMP),  # type: ignore[arg-type]
         ArgumentError, "status must be one of given, missed, refused, given-elsewhere"),
    case("scheduler.Course.segments", lambda: _course().segments("all"),  # type: ignore[arg-type]
         ArgumentError, "entries must be a whole number from 0 to 0, not str 'all'"),
    case("scheduler.Course.options", lambda: _course().options(LONDON, None, "1"),  # type: ignore[arg-type]
         ArgumentError, "segment must be a Segment of the course (Course.segments()), not str '1'"),
    case("scheduler.Course.regimen_model", lambda: _course().regimen_model("1"),  # type: ignore[arg-type]
         ArgumentError, "segment must be a Segment of the course (Course.segments()), not str '1'"),
    case("scheduler.Course.regimen_path", lambda: _course().regimen_path(5),  # type: ignore[arg-type]
         ArgumentError, "reference must be text (a str) or None, not int 5"),
    case("scheduler.FileStore.reference", lambda: scheduler.FileStore().reference("r.toml", "x.toml"),  # type: ignore[arg-type]
         ArgumentError, "regimen must be a pathlib.Path of the regimen file, not str 'r.toml'"),
    case("scheduler.course.tokens.save_access", lambda: scheduler.course.tokens.save_access(None),  # type: ignore[arg-type]
         ArgumentError, "access must be an Access (a course's tokens), not None"),
    case("scheduler.course.file.change_from_text", lambda: scheduler.course.file.change_from_text("delay", None),  # type: ignore[arg-type]
         ArgumentError, "values must be a mapping of field names to the texts typed, not None"),
    case("scheduler.Planned.regimen_of", lambda: planned().regimen_of(None),  # type: ignore[arg-type]
         ArgumentError, "event must be an Event of the plan, not None"),
    # the top-level API
    case("scheduler.expand", lambda: scheduler.expand(None, None), PlanError,  # type: ignore[arg-type]
         "expand needs a Regimen (see load_regimen), got NoneType"),
    case("scheduler.expand", lambda: scheduler.expand(
        scheduler.resolve_regimen("aldesleukin-sc"),
        scheduler.PlanOptions(start=date(2027, 1, 4), zone="Europe/London", cycles=1)),  # type: ignore[arg-type]
         PlanError, "zone must be an IANA time zone, zoneinfo.ZoneInfo('Europe/London'), got "
         "'Europe/London'"),
    case("scheduler.expand", lambda: scheduler.expand(
        scheduler.resolve_regimen("aldesleukin-sc"),
        scheduler.PlanOptions(start=date(2027, 1, 4), zone=LONDON, cycles=HUGE)),
         PlanError, "cycles must be from 1 to 10,000, got a number of about 5,001 digits"),
    case("scheduler.load_regimen", lambda: scheduler.load_regimen(None),  # type: ignore[arg-type]
         RegimenError, "the name of the regimen file must be a str or pathlib.Path, not None"),
    case("scheduler.parse_regimen", lambda: scheduler.parse_regimen(None),  # type: ignore[arg-type]
         ArgumentError, "text must be the TOML text (a str: decode bytes as UTF-8 first), not None"),
    case("scheduler.parse_regimen", lambda: scheduler.parse_regimen(b"id = 'x'"),  # type: ignore[arg-type]
         ArgumentError, "text must be the TOML text (a str: decode bytes as UTF-8 first), not "
         "bytes b\"id = 'x'\""),
    case("scheduler.parse_regimen", lambda: scheduler.parse_regimen("x = 1", 5),  # type: ignore[arg-type]
         ArgumentError, "origin must be text (a str), not int 5"),
    case("scheduler.resolve_regimen", lambda: scheduler.resolve_regimen(None),  # type: ignore[arg-type]
         UnknownRegimenError, "regimen must be a bundled id such as aldesleukin-sc or a .toml file "
         "name, not None"),
    # to_ics / write_ics: every argument
    case("scheduler.to_ics", ics(events=None), ArgumentError, EVENTS_WANTED + "None"),
    case("scheduler.to_ics", ics(events="BEGIN:VEVENT"), ArgumentError,
         EVENTS_WANTED + "str 'BEGIN:VEVENT'"),
    case("scheduler.to_ics", ics(events=[("uid", "2027-01-04")]), ArgumentError,
         "events[0] must be an Event, not tuple ('uid', '2027-01-04')"),
    case("scheduler.to_ics", lambda: ics(events=changed(
        timed(), start=timed().start.replace(tzinfo=None)))(), ArgumentError,  # type: ignore[union-attr]
         "events[0].start of a timed event must be an aware datetime (in the event's zone), not "
         "datetime datetime.datetime(2027, 1, 4, 9, 0)"),
    case("scheduler.to_ics", lambda: ics(events=changed(
        all_day(), end=datetime(2027, 1, 5, tzinfo=UTC)))(), ArgumentError,
         "events[0].end of an all-day event must be a date, not datetime"),
    case("scheduler.to_ics", lambda: ics(events=changed(timed(), title=SURROGATE))(),
         ArgumentError, "events[0].title contains a lone surrogate \\ud800 at character 6, which "
         "is not a character (the text was cut or mis-encoded: give UTF-8 text)"),
    case("scheduler.to_ics", lambda: ics(events=changed(timed(), revision=HUGE))(),
         ArgumentError, "events[0].revision must be a whole number from 0, not int "),
    case("scheduler.to_ics", lambda: ics(events=changed(timed(), uid=None))(),
         ArgumentError, "events[0].uid must be text, not None"),
    case("scheduler.to_ics", lambda: ics(events=changed(
        timed(), start=timed().start.astimezone(TOKYO), end=timed().end.astimezone(TOKYO)))(),  # type: ignore[union-attr]
         ArgumentError, "events[0].start 2027-01-04T18:00:00+09:00 is not a time on the clock "
         "of Europe/London, the event's zone: give its times in Europe/London"),
    case("scheduler.to_ics", ics(name=5), ArgumentError, "name must be text (a str), not int 5"),
    case("scheduler.to_ics", ics(name=SURROGATE), ArgumentError,
         "name contains a lone surrogate \\ud800 at character 6"),
    case("scheduler.to_ics", ics(stamp="2027-01-01"), ArgumentError,
         "stamp " + AWARE + "str '2027-01-01'"),
    case("scheduler.to_ics", ics(stamp=datetime(2027, 1, 1)), ArgumentError,
         "stamp " + AWARE + "a naive datetime"),
    case("scheduler.to_ics", ics(zone="Europe/London"), ArgumentError,
         "zone must be a ZoneInfo such as ZoneInfo('Europe/London'), not str 'Europe/London'"),
    case("scheduler.to_ics", lambda: ics(zone=hostile_zone())(), ArgumentError,
         "zone must be a ZoneInfo with an IANA name such as Europe/London as its key (it is "
         "written as the TZID), not one with key str 'Europe/London\\r\\nBEGIN:VEVENT'"),
    case("scheduler.to_ics", ics(prodid=None), ArgumentError, "prodid must be text (a str), not None"),
    case("scheduler.to_ics", ics(reminders="30m"), ArgumentError,
         "reminders must be Reminders (or None: the default), not str '30m'"),
    case("scheduler.to_ics", ics(reminders=Reminders({EventKind.DOSE: (timedelta(days=-1),)})),
         ArgumentError, "reminders for dose: a trigger must be a timedelta from 0 to 28 days "
         "before, or 'evening before', not timedelta"),
    case("scheduler.to_ics", ics(recurrence=5), ArgumentError,
         "recurrence must be one of expand, rrule, not int 5"),
    case("scheduler.to_ics", ics(method=5), ArgumentError,
         "method must be an iCalendar method name such as PUBLISH (letters, digits and -, at most "
         "64), or None; not int 5"),
    case("scheduler.to_ics", ics(refresh=12), ArgumentError,
         "refresh must be a timedelta such as timedelta(hours=12) or None, not int 12"),
    case("scheduler.to_ics", ics(refresh=timedelta(minutes=-5)), ArgumentError,
         "refresh must be from 1 minute to 366 days, not -5 minutes"),
    case("scheduler.write_ics", lambda: scheduler.write_ics(events(), None, name="x", stamp=STAMP,  # type: ignore[arg-type]
                                                            zone=LONDON),
         ArgumentError, "stream must have a write(bytes) method"),
    case("scheduler.export.ics.write_ics", lambda: scheduler.write_ics(
        [1], io.BytesIO(), name="x", stamp=STAMP, zone=LONDON),  # type: ignore[list-item]
         ArgumentError, "events[0] must be an Event, not int 1"),
    case("scheduler.export.ics.to_ics", ics(name=["a"]), ArgumentError,
         "name must be text (a str), not list ['a']"),
    # the other exporters
    case("scheduler.to_json", lambda: scheduler.to_json(None), ArgumentError, PLANNED_WANTED + "None"),  # type: ignore[arg-type]
    case("scheduler.export.json.to_json", lambda: scheduler.to_json(events()), ArgumentError,  # type: ignore[arg-type]
         PLANNED_WANTED + "a tuple of 25 items: for the events alone, use to_records or to_csv"),
    case("scheduler.export.json.to_envelope", lambda: _module("export.json").to_envelope(
        planned_with(events=changed(timed(), end=timed().start - timedelta(hours=1)))),  # type: ignore[operator]
         ArgumentError, "planned.events[0].end 2027-01-04 08:00:00+00:00 of a timed event is before"),
    case("scheduler.export.json.to_records", lambda: _module("export.json").to_records(None),
         ArgumentError, EVENTS_WANTED + "None"),
    case("scheduler.export.csv.to_csv", lambda: _module("export.csv").to_csv([None]),
         ArgumentError, "events[0] must be an Event, not None"),
    case("scheduler.export.csv.to_rows", lambda: _module("export.csv").to_rows("x"),
         ArgumentError, EVENTS_WANTED + "str 'x'"),
    case("scheduler.export.html.to_html", lambda: _module("export.html").to_html(None, stamp=STAMP),
         ArgumentError, PLANNED_WANTED + "None"),
    case("scheduler.export.html.to_html", lambda: _module("export.html").to_html(
        planned(), stamp="2027"), ArgumentError, "stamp " + AWARE + "str '2027'"),
    case("scheduler.export.html.to_html", lambda: _module("export.html").to_html(
        planned(), stamp=STAMP, week_start="mon"), ArgumentError,
         "week_start must be a whole number from 0 to 6, not str 'mon'"),
    case("scheduler.export.diary.to_diary", lambda: _module("export.diary").to_diary(None, stamp=STAMP),
         ArgumentError, PLANNED_WANTED + "None"),
    case("scheduler.export.diary.to_diary", lambda: _module("export.diary").to_diary(
        planned(), stamp="2027"), ArgumentError, "stamp " + AWARE + "str '2027'"),
    case("scheduler.export.terminal.to_calendar", lambda: _module("export.terminal").to_calendar(
        planned(), width=HUGE, color=False, week_start=None), ArgumentError,
         "width must be from 1 to 1,000, not a number of about 5,001 digits"),
    case("scheduler.export.terminal.to_calendar", lambda: _module("export.terminal").to_calendar(
        planned(), width=80, color="yes", week_start=None), ArgumentError,
         "color must be True or False, not str 'yes'"),
    case("scheduler.export.terminal.to_table", lambda: _module("export.terminal").to_table(
        planned(), width="80", color=False, week_start=None), ArgumentError,
         "width must be a whole number from 1 to 1,000, not str '80'"),
    case("scheduler.export.terminal.to_table", lambda: _module("export.terminal").to_table(
        planned_with(label=SURROGATE), width=80, color=False, week_start=None), ArgumentError,
         "planned.label contains a lone surrogate"),
    case("scheduler.export.formats.format_named", lambda: _module("export.formats").format_named(None),
         PlanError, "format must be text (a str), not None"),
    case("scheduler.export.formats.format_for_file", lambda: _module("export.formats").format_for_file(5),
         ArgumentError, "file must be a file name (a str or pathlib.Path), not int 5"),
    case("scheduler.export.formats.check_suffix", lambda: _module("export.formats").check_suffix(
        None, "ics"), ArgumentError, "file must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.export.planned.checked_planned", lambda: _module("export.planned").checked_planned(
        planned_with(zone="Europe/London")), ArgumentError,
         "planned.zone must be a ZoneInfo such as ZoneInfo('Europe/London'), not str"),
    case("scheduler.Planned.render", lambda: planned().render(None, stamp=STAMP), PlanError,  # type: ignore[arg-type]
         "format must be text (a str), not None"),
    case("scheduler.Planned.render", lambda: planned().render("ics", stamp=None), ArgumentError,  # type: ignore[arg-type]
         "stamp " + AWARE + "None"),
    case("scheduler.export.formats.Format.write", lambda: _module("export.formats").format_named(
        "ics").write(planned(), None), ArgumentError,
         "how must be a Rendering (stamp, recurrence, week_start, width, color), not None"),
    # Closures, an argument of the planner and the engine
    case("scheduler.Closures", lambda: scheduler.Closures(weekdays={5, 6}), PlanError,  # type: ignore[arg-type]
         "closures.weekdays must be a frozenset of 0 (Monday) to 6, not set {5, 6}"),
    case("scheduler.Closures", lambda: scheduler.Closures(weekdays=frozenset({7})), PlanError,
         "closures.weekdays must be 0 (Monday) to 6 (Sunday), not list [7]"),
    case("scheduler.Closures", lambda: scheduler.Closures(regions="GB-ENG"), PlanError,  # type: ignore[arg-type]
         "closures.regions must be a tuple of region codes such as 'GB-ENG', not str 'GB-ENG'"),
    case("scheduler.Closures", lambda: scheduler.Closures(policy={"clinic": None}), PlanError,  # type: ignore[dict-item]
         "closures.policy for clinic must be one of: next open day, previous open day, skip, keep "
         "and flag, keep (got None)"),
    case("scheduler.Closures.with_more", lambda: scheduler.Closures().with_more(dates=None),  # type: ignore[arg-type]
         PlanError, "closures.dates must be a list or set, not None"),
    case("scheduler.Closures.policy_for", lambda: scheduler.Closures().policy_for(None),  # type: ignore[arg-type]
         ArgumentError, "setting must be home, clinic or hospital, not None"),
    case("scheduler.Closures.reason", lambda: scheduler.Closures().reason("2027-01-04"),  # type: ignore[arg-type]
         ArgumentError, "day must be a date such as date(2027, 1, 4), not str '2027-01-04'"),
    case("scheduler.Closures.open_day", lambda: scheduler.Closures().open_day(date(2027, 1, 4), 0),
         ArgumentError, "step must be 1 or -1, not int 0"),
    # the planner
    case("scheduler.planner.plan", lambda: plan(None, start=date(2027, 1, 4), zone="UTC"),  # type: ignore[arg-type]
         PlanError, "source must be a regimen id (aldesleukin-sc), a regimen or course file name, "
         "or a Regimen, not None"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start="2027-01-04", zone="UTC",  # type: ignore[arg-type]
                                                cycles=1),
         PlanError, "start must be a date such as date(2027, 1, 4), not str '2027-01-04'"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start=date(2027, 1, 4), zone=0),  # type: ignore[arg-type]
         PlanError, "zone must be an IANA name such as 'Europe/London' or a ZoneInfo or None, not "
         "int 0"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start=date(2027, 1, 4),
                                                zone="UTC", cycles=1, label=5),  # type: ignore[arg-type]
         PlanError, "label must be text (a str) or None, not int 5"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start=date(2027, 1, 4),
                                                zone="UTC", cycles=1, label="ab\udcff"),
         PlanError, "label contains a lone surrogate \\udcff at character 3"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start=date(2027, 1, 4),
                                                zone="UTC", cycles=1, label="x" * 201),
         PlanError, "label is longer than 200 characters"),
    case("scheduler.planner.plan", lambda: plan("aldesleukin-sc", start=date(2027, 1, 4),
                                                zone="UTC", cycles=1, reminders=["1d"]),  # type: ignore[arg-type]
         PlanError, "remind must be text (a str) or None, not list ['1d']"),
    case("scheduler.planner.plan_stored", lambda: _module("planner").plan_stored(None),
         ArgumentError, "course must be a Course (scheduler.course.store.FileStore().get(...)"
         ".course), not None"),
    case("scheduler.planner.parse_reminders", lambda: _module("planner").parse_reminders(30),
         PlanError, "remind must be text (a str) or None, not int 30"),
    # FHIR
    case("scheduler.fhir.regimen.regimen_to_plandefinition", lambda: _module(
        "fhir.regimen").regimen_to_plandefinition("aldesleukin-sc"), ArgumentError,
         "regimen must be a Regimen (scheduler.resolve_regimen or load_regimen), not str "
         "'aldesleukin-sc'"),
    case("scheduler.fhir.regimen.regimen_to_plandefinition", lambda: _module(
        "fhir.regimen").regimen_to_plandefinition(planned().regimen, "R5"), ArgumentError,
         "version must be one of r5, r4b, not str 'R5'"),
    case("scheduler.fhir.regimen.plandefinition_to_regimen_toml", lambda: _module(
        "fhir.regimen").plandefinition_to_regimen_toml({}, None), ArgumentError,
         "origin must be text (a str), not None"),
    case("scheduler.fhir.regimen.plandefinition_to_regimen_toml", lambda: _module(
        "fhir.regimen").plandefinition_to_regimen_toml({"resourceType": float("nan")}),
         FhirError, "<fhir>: PlanDefinition.resourceType: NaN is not a JSON number"),
    case("scheduler.fhir.regimen.read_plandefinition_file", lambda: _module(
        "fhir.regimen").read_plandefinition_file(None), ArgumentError,
         "path must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.fhir.plan.plan_to_bundle", lambda: _module("fhir.plan").plan_to_bundle(
        planned().events, generated=STAMP), ArgumentError, PLANNED_WANTED + "a tuple of 25 items"),
    case("scheduler.fhir.plan.plan_to_bundle", lambda: _module("fhir.plan").plan_to_bundle(
        planned(), generated=datetime(2027, 1, 1)), ArgumentError, "generated " + AWARE),
    case("scheduler.fhir.mapping.route_concept", lambda: _module("fhir.mapping").route_concept(None),
         ArgumentError, "route_key must be one of "),
    case("scheduler.fhir.mapping.quantity", lambda: _module("fhir.mapping").quantity("5 mg"),
         ArgumentError, "amount must be an Amount (scheduler.regimen.amounts.parse_amount), not "
         "str '5 mg'"),
    case("scheduler.fhir.mapping.amount_from_quantity", lambda: _module(
        "fhir.mapping").amount_from_quantity({"value": "1e99999", "unit": "mg"}, "dose"),
         FhirError, "dose.value: '1e99999' is not a dose (a finite number of at most 12 digits"),
    case("scheduler.fhir.mapping.route_from_concept", lambda: _module(
        "fhir.mapping").route_from_concept(None, "route"), FhirError,
         "route: a route must be a CodeableConcept (an object)"),
    case("scheduler.fhir.mapping.validate", lambda: _module("fhir.mapping").validate(None),  # type: ignore[arg-type]
         FhirError, "resourceType: a resource needs a resourceType"),
    # course files and the store
    case("scheduler.course.store.FileStore", lambda: _module("course.store").FileStore(5),
         ArgumentError, "folder must be a file name (a str or pathlib.Path), not int 5"),
    case("scheduler.course.store.FileStore.get", lambda: store().get(None), ArgumentError,
         "key must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.store.FileStore.version", lambda: store().version(5), ArgumentError,
         "key must be a file name (a str or pathlib.Path), not int 5"),
    case("scheduler.course.store.FileStore.exists", lambda: store().exists(None), ArgumentError,
         "key must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.store.FileStore.create", lambda: store().create("c.toml", None),
         ArgumentError, "course must be a Course, not None"),
    case("scheduler.course.store.FileStore.put", lambda: store().put(None, None, expected=""),
         ArgumentError, "key must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.store.FileStore.editing", lambda: store().editing(None).__enter__(),
         ArgumentError, "key must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.store.FileStore.keys", lambda: store().keys(), CourseError,
         "this store has no folder to list"),
    case("scheduler.course.store.FileStore.tokens", lambda: store().tokens(None), ArgumentError,
         "key must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.store.FileStore.tokens_version", lambda: store().tokens_version(1),
         ArgumentError, "key must be a file name (a str or pathlib.Path), not int 1"),
    case("scheduler.course.store.FileStore.rotate_token", lambda: store().rotate_token(
        "c.toml", "patient", now="today"), ArgumentError, "now " + AWARE + "str 'today'"),
    case("scheduler.course.store.FileStore.revoke_token", lambda: store().revoke_token(
        "c.toml", None), CourseError, "None is not a reader name"),
    case("scheduler.course.file.load_course", lambda: _module("course.file").load_course(None),
         CourseError, "the name of the course file must be a str or pathlib.Path, not None"),
    case("scheduler.course.file.parse_course", lambda: _module("course.file").parse_course(b""),
         ArgumentError, "text must be the TOML text (a str: decode bytes as UTF-8 first), not "
         "bytes b''"),
    case("scheduler.course.file.dump_course", lambda: _module("course.file").dump_course({}),
         ArgumentError, "course must be a Course, not dict {}"),
    case("scheduler.course.file.save_course", lambda: _module("course.file").save_course(
        None, "c.toml"), ArgumentError, "course must be a Course, not None"),
    case("scheduler.course.tokens.feed_file", lambda: _module("course.tokens").feed_file(None),
         ArgumentError, "course must be a file name (a str or pathlib.Path), not None"),
    case("scheduler.course.tokens.load_access", lambda: _module("course.tokens").load_access(3),
         ArgumentError, "course must be a file name (a str or pathlib.Path), not int 3"),
    case("scheduler.course.tokens.digest", lambda: _module("course.tokens").digest(None),
         ArgumentError, "token must be text (a str), not None"),
    case("scheduler.course.tokens.rotate", lambda: _module("course.tokens").rotate(
        "c.toml", "patient", now=datetime(2027, 1, 1)), ArgumentError, "now " + AWARE),
    case("scheduler.course.tokens.revoke", lambda: _module("course.tokens").revoke(
        "c.toml", ["patient"]), CourseError, "['patient'] is not a reader name"),
    # the checker and the JSON reader
    case("scheduler.check.check_bytes", lambda: _module("check").check_bytes("BEGIN:VCALENDAR"),
         ArgumentError, "data must be the bytes of an .ics file (text: encode it as UTF-8), not "
         "str 'BEGIN:VCALENDAR'"),
    case("scheduler.check.check_bytes", lambda: _module("check").check_bytes(b"", "r-chop-21"),
         ArgumentError, "regimen must be a Regimen or None, not str 'r-chop-21'"),
    case("scheduler.check.check_file", lambda: _module("check").check_file(None), FileError,
         "the name of the calendar file (.ics) must be a str or pathlib.Path, not None"),
    case("scheduler.jsonreader.parse_json", lambda: _module("jsonreader").parse_json(
        b"{}", origin="x"), ArgumentError, "text must be the JSON text (a str: decode bytes as "
         "UTF-8 first), not bytes b'{}'"),
    case("scheduler.jsonreader.read_json", lambda: _module("jsonreader").read_json(
        "x.json", limit="5 MB"), ArgumentError,
         "limit must be a whole number from 1 to 1,099,511,627,776, not str '5 MB'"),
    case("scheduler.jsonreader.check_json_value", lambda: _module("jsonreader").check_json_value(
        {}, origin=None), ArgumentError, "origin must be text (a str), not None"),
]  # fmt: skip


def _module(name: str) -> Any:
    return importlib.import_module(f"scheduler.{name}")


@pytest.mark.parametrize(("target", "call", "error", "message"), CASES)
def test_a_wrong_argument_is_the_projects_own_error_naming_it(
    target: str,
    call: Callable[[], object],
    error: type[SchedulerError],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    del target
    monkeypatch.chdir(tmp_path)  # calls that would write (a course, a token file) write here
    with pytest.raises(SchedulerError) as caught:
        call()
    assert type(caught.value) is error, repr(caught.value)
    raised = caught.value
    assert not isinstance(raised, TypeError | AttributeError | ValueError | KeyError)
    text = str(raised)
    assert "\n" not in text and "\r" not in text
    assert text.startswith(message), text
    if isinstance(raised, ArgumentError | PlanError) and raised.field is not None:
        # The message names the argument (``field``) it is about.
        assert raised.field.replace("_", " ") in text or raised.field in text, text
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def _resolve(dotted: str) -> Any:
    """The object a dotted name names: ``scheduler.course.store.FileStore.get``."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name)
        return value
    raise LookupError(dotted)


def _public_functions() -> dict[str, Any]:
    """Every public function and method of the public surface with a parameter to get wrong,
    by dotted name (a re-export appears under each name)."""
    found: dict[str, Any] = {}
    for module_name in PUBLIC:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if not (getattr(value, "__module__", "") or "").startswith("scheduler"):
                continue
            if inspect.isfunction(value) and inspect.signature(value).parameters:
                found[f"{module_name}.{name}"] = value
            elif inspect.isclass(value) and not issubclass(value, BaseException):
                for method, member in vars(value).items():
                    if (
                        not method.startswith("_")
                        and inspect.isfunction(member)
                        and len(inspect.signature(member).parameters) > 1
                    ):
                        found[f"{module_name}.{name}.{method}"] = member
    return found


#: Public functions with no case of their own, and why none is needed.
NO_CASE = {
    "Course.fail": "builds the course's own error from its own field path and words",
    "Course.reference_file": "joins a regimen reference to the course's folder, read as text",
    "Delay.moves": "the engine's question, asked with the whole numbers of its own events",
    "Planned.file_for": "its one argument goes to format_named, which has a case",
    "Planned.summary": "its one argument only chooses words, never written into a file",
    "Access.get": "a lookup by name that answers None for any other value",
    "CourseStore": "a Protocol: FileStore's methods have the cases",
    "Writable.write": "a Protocol: what write_ics writes to (its stream has a case)",
    "well_formed": "answers False for anything that is not a token, by design",
}


def test_every_public_function_has_a_case() -> None:
    """A public function added later without a case here fails this test (a re-export is the
    same function under two names: one case covers both)."""
    covered = {id(_resolve(param.values[0])) for param in CASES}
    missing = [
        name
        for name, function in _public_functions().items()
        if id(function) not in covered and not any(k in name for k in NO_CASE)
    ]
    assert missing == []


def test_a_huge_number_is_named_by_its_size_not_printed() -> None:
    """Python will not turn an int of over 4,300 digits into text (a ValueError); the message
    says its size instead."""
    with pytest.raises(PlanError) as caught:
        plan("aldesleukin-sc", start=date(2027, 1, 4), zone="UTC", cycles=HUGE)
    assert (
        str(caught.value) == "cycles must be from 1 to 10,000, got a number of about 5,001 digits"
    )
    assert caught.value.field == "cycles"
