"""The course file: TOML that people can read (docs/courses.md), read as strictly as a regimen
file (every problem as file:line: field: what is wrong) and written in a fixed order, atomically,
with the previous version kept as ``FILE.bak``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from ..arguments import line_problem, need, need_path, text_problem
from ..errors import ArgumentError, CourseError, PlanError, SchedulerError
from ..files import read_bytes, read_text, write_atomic
from ..plan.bounds import FIRST_DATE, LAST_DATE
from ..plan.changes import Scope
from ..plan.closures import DEFAULT_POLICY, POLICIES, region_calendar
from ..plan.engine import MAX_CYCLES, MAX_PLAN_ID
from ..plan.lifetime import MAX_PRIOR, Prior, parse_prior
from ..regimen.amounts import parse_amount
from ..regimen.dosing import Body, FigureError, parse_creatinine
from ..regimen.notation import parse_time, parse_weekday, weekday_name
from ..tomlreader import TableReader, load_toml, show
from .history import Entry, Recordable
from .kinds import BY_ACTION, Field, field_values
from .model import Course
from .records import MAX_RECORDS, Record, Status, parse_amount_given

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_HISTORY",
    "change_from_text",
    "dump_course",
    "load_course",
    "parse_course",
    "save_course",
]

FORMAT = 1
#: A course file is a few kilobytes, up to about 1.3 MB with years of records; this bounds the
#: work done on a wrong or hostile file, and no edit writes a file past it.
MAX_FILE_BYTES = 4_000_000
#: Every export replays the history version by version: a course holds at most this many changes.
MAX_HISTORY = 200
MAX_LABEL = 200
MAX_CONTACT = 300
_TOP = ("format", "id", "regimen", "start", "timezone", "cycles", "until", "dose_time", "label",
        "weight_kg", "height_cm", "bsa_formula", "gfr_ml_min", "creatinine", "age_years", "sex",
        "contact", "reminders", "prior_doses", "closures", "history", "records")  # fmt: skip
_CLOSURES = ("holidays", "dates", "weekdays", "policy")
_RECORD_KEYS = ("at", "event", "status", "what", "time", "amount", "reason", "note", "by")
#: The course file's key for each patient figure (regimen/dosing.py names them).
_FIGURE_KEYS = {"weight": "weight_kg", "height": "height_cm", "bsa": "bsa_formula",
                "gfr": "gfr_ml_min", "creatinine": "creatinine", "age": "age_years", "sex": "sex"}  # fmt: skip
#: Cycle days and phase numbers in a change: small numbers (a cycle is at most 366 days).
_MAX_DAY = 366
_MAX_NUMBER = 100_000


def load_course(path: str | Path) -> Course:
    """Read and validate a course file (a regular file of at most :data:`MAX_FILE_BYTES`)."""
    text = read_text(path, limit=MAX_FILE_BYTES, what="course file", error=CourseError)
    return parse_course(text, origin=str(path))


_PHASES = re.compile(r"^[ \t]*\[\[?[ \t]*phases[ \t]*[\].]", re.M)
_TABLE = re.compile(r"^[ \t]*\[", re.M)


def is_course_file(path: str | Path) -> bool:
    """Whether ``path`` is a course file (TOML naming a regimen) rather than a regimen file or a
    calendar. Reads it safely: a FIFO, a device or an oversized file is refused here too."""
    if Path(str(path)).suffix.lower() in (".ics", ".ical", ".ifb"):
        return False
    text = read_text(path, limit=MAX_FILE_BYTES, what="regimen or course file", error=CourseError)
    if _PHASES.search(text):
        return False  # a regimen's [[phases]]: no need to read the rest
    # Top-level keys come before the first table, so that part decides; parsing a 600-rule
    # regimen whole only to find its top-level keys cost 50 ms, twice per plan. When that part
    # is not TOML on its own (a table header inside a multi-line string), the whole file is read.
    header = _TABLE.search(text)
    for part in (text[: header.start()], text) if header else (text,):
        try:
            data = load_toml(part, str(path), CourseError)
        except CourseError:
            continue
        return isinstance(data.get("regimen"), str) and "phases" not in data
    return False


def parse_course(text: str, origin: str = "<course>") -> Course:
    """Validate the TOML text of a course; ``origin`` names it in messages."""
    data = load_toml(text, origin, CourseError)
    return _Reader(origin, text).course(data)


def change_from_text(action: str, values: Mapping[str, str]) -> Recordable:
    """A change as typed into a form (the clinic app): each field's text, by the field names of
    the kinds table, read by its type exactly as the course file reads it; empty fields are
    absent. CourseError names the field at fault (``days: the delay in days must be ...``)."""
    need(values, Mapping, "values", "a mapping of field names to the texts typed")
    if action not in BY_ACTION:
        raise CourseError(f"unknown change {str(action)[:40]!r} (allowed: {', '.join(BY_ACTION)})")
    raw: dict[str, Any] = {"at": datetime(2000, 1, 1, tzinfo=UTC), "action": action}
    for field in BY_ACTION[action].fields:
        text = values.get(field.name, "")
        if not isinstance(text, str) or not text.strip():
            continue
        text = text.strip()[:1000]
        raw[field.name] = _typed(field, text)
    reader = _Reader("", "")
    return reader.entry(raw, "").change


def _typed(field: Field, text: str) -> Any:
    """A form field's text as the value its TOML would hold."""
    try:
        match field.type:
            case "whole" | "day":
                return int(text)
            case "percent":
                number = float(text.removesuffix("%").strip())
                return int(number) if number.is_integer() else number
            case "date":
                return date.fromisoformat(text)
            case "dates":
                return [
                    date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()
                ]
            case "weekdays":
                return [part.strip() for part in text.split(",") if part.strip()]
    except ValueError:
        wanted = {"whole": "a whole number", "day": "a cycle day (1, 2 ... or -1)",
                  "percent": "a percentage such as 75", "date": "a date (YYYY-MM-DD)",
                  "dates": "dates (YYYY-MM-DD, comma-separated)"}[field.type]  # fmt: skip
        raise CourseError(f"expected {wanted}, got {text[:40]!r}", path=field.name) from None
    return text


class _Reader(TableReader):
    error = CourseError

    def course(self, data: dict[str, Any]) -> Course:
        self.check_keys(data, _TOP, "")
        version = data.get("format", FORMAT)
        if isinstance(version, bool) or version != FORMAT:
            self.fail(
                "format",
                f"unsupported course format {show(version)} (this version reads format = 1)",
            )
        course_id = self.text(data, "id", "", what="the course's id, part of every event's UID")
        if len(course_id) > MAX_PLAN_ID or not course_id.isprintable():
            self.fail("id", f"the id must be printable text of at most {MAX_PLAN_ID} characters")
        regimen = self.text(data, "regimen", "", what="a bundled regimen id or a .toml path")
        start = self.date_in_range(
            self.required(data, "start", "", "the first day of cycle 1"), "start"
        )
        zone = self.text(data, "timezone", "", what="an IANA zone such as Europe/London")
        try:
            from ..plan.zones import load_zone

            load_zone(zone)
        except SchedulerError as err:
            self.fail("timezone", str(err))
        until = self.date_in_range(data["until"], "until") if "until" in data else None
        if until is not None and until < start:
            self.fail(
                "until", f"the end date {until.isoformat()} is before the start {start.isoformat()}"
            )
        label = self.text(data, "label", "", required=False)
        if len(label) > MAX_LABEL:
            self.fail(
                "label", f"a label is at most {MAX_LABEL} characters (e.g. the patient's initials)"
            )
        if line_problem(label):
            self.fail("label", f"the label {line_problem(label)}")
        body = self.body(data)
        prior = self.prior(data)
        contact = self.text(data, "contact", "", required=False, what="how to reach the team")
        if len(contact) > MAX_CONTACT:
            self.fail(
                "contact", f"a contact is at most {MAX_CONTACT} characters (a name and a number)"
            )
        if line_problem(contact):
            self.fail("contact", f"the contact {line_problem(contact)}")
        reminders = self.text(data, "reminders", "", required=False) or "default"
        try:
            from ..plan.reminders import Reminders

            Reminders.parse(reminders)
        except ValueError as err:
            self.fail("reminders", str(err))
        closures = self.table(
            data.get("closures", {}), "closures", "holidays, dates, weekdays, policy"
        )
        self.check_keys(closures, _CLOSURES, "closures")
        raw_history = self.tables(data, "history", "", "one [[history]] table per change")
        if len(raw_history) > MAX_HISTORY:
            self.fail("history", f"{len(raw_history):,} changes: a course holds at most {MAX_HISTORY} "
                      "(start a new course from today for more)")  # fmt: skip
        return Course(
            id=course_id,
            regimen=regimen,
            start=start,
            timezone=zone,
            cycles=self.integer(
                data, "cycles", "", low=1, high=MAX_CYCLES, what="the number of cycles"
            ),
            until=until,
            dose_time=self.clock(data["dose_time"], "dose_time") if "dose_time" in data else None,
            label=label,
            body=body,
            prior=prior,
            contact=contact,
            reminders=reminders,
            holidays=self.regions(closures.get("holidays", []), "closures.holidays"),
            closed_dates=tuple(
                self.date_in_range(d, f"closures.dates[{i}]")
                for i, d in enumerate(self.items(closures, "dates", "closures", "dates"))
            ),
            closed_weekdays=tuple(
                weekday_name(self.parsed(parse_weekday, w, f"closures.weekdays[{i}]"))
                for i, w in enumerate(self.items(closures, "weekdays", "closures", "weekday names"))
            ),
            policy=self.policy(closures.get("policy", {})),
            history=self.ordered(
                tuple(self.entry(e, f"history[{i}]") for i, e in enumerate(raw_history))
            ),
            records=self.records(data),
            origin=self.origin,
            line_of=self.line_of,
        )

    def ordered(self, history: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """The history as written, which must be the order it was recorded in: each entry's
        time at or after the one before (an entry replays on what came before it)."""
        for i in range(1, len(history)):
            before, at = history[i - 1].at, history[i].at
            if at < before:
                stamp = "%Y-%m-%d %H:%M UTC"
                self.fail(
                    f"history[{i}].at",
                    f"{at.astimezone(UTC).strftime(stamp)} is before the entry above it "
                    f"({before.astimezone(UTC).strftime(stamp)}): changes are kept in the order "
                    "they were recorded",
                )
        return history

    def body(self, data: dict[str, Any]) -> Body | None:
        """Weight, height, BSA formula and kidney function, checked together as a Body."""
        weight = self.number(data, "weight_kg", "", what="a weight in kg")
        height = self.number(data, "height_cm", "", what="a height in cm")
        formula = self.text(data, "bsa_formula", "", required=False, what="mosteller or dubois")
        gfr = self.number(data, "gfr_ml_min", "", what="a GFR in mL/min")
        creatinine_text = self.text(
            data, "creatinine", "", required=False, what='a creatinine such as "0.9 mg/dL"'
        )
        age = self.integer(data, "age_years", "", low=0, high=200, what="an age in years")
        sex = self.text(data, "sex", "", required=False, what="female or male")
        if height is not None and weight is None:
            self.fail("height_cm", "a height needs weight_kg too (BSA is calculated from both)")
        if not any(v is not None and v != "" for v in (weight, gfr, creatinine_text, age, sex)):
            if formula:
                self.fail("bsa_formula", "a BSA formula needs weight_kg and height_cm")
            return None
        try:
            creatinine = parse_creatinine(creatinine_text) if creatinine_text else None
            return Body(
                weight_kg=weight,
                height_cm=height,
                bsa_formula=formula or "mosteller",
                gfr_ml_min=gfr,
                creatinine=creatinine,
                age_years=age,
                sex=sex or None,
            )
        except FigureError as err:
            self.fail(_FIGURE_KEYS[err.figure], str(err))

    def prior(self, data: dict[str, Any]) -> tuple[Prior, ...]:
        """``[prior_doses]``: drug key = amount given before the course ("150 mg/m2")."""
        table = self.table(data.get("prior_doses", {}), "prior_doses", 'drug = "150 mg/m2"')
        if len(table) > MAX_PRIOR:
            self.fail("prior_doses", f"at most {MAX_PRIOR} drugs, one line each")
        out = []
        for key, value in table.items():
            path = f"prior_doses.{key}"
            if not isinstance(value, str):
                self.fail(
                    path, f'expected an amount in quotes, e.g. "150 mg/m2", got {show(value)}'
                )
            try:
                out.append(parse_prior(f"{key}={value}"))
            except ValueError as err:
                self.fail(path, str(err))
        return tuple(out)

    def date_in_range(self, value: Any, path: str) -> date:
        day = self.day(value, path)
        if not FIRST_DATE <= day <= LAST_DATE:
            self.fail(path, f"{day.isoformat()} is outside the dates this tool plans "
                      f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})")  # fmt: skip
        return day

    def clock(self, value: Any, path: str) -> time:
        return self.parsed(parse_time, value, path)

    def regions(self, value: Any, path: str) -> tuple[str, ...]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list):
            self.fail(path, f'expected region codes such as ["GB-ENG"], got {show(value)}')
        for i, name in enumerate(names):
            self.region(name, f"{path}[{i}]")
        return tuple(names)

    def region(self, name: Any, path: str) -> str:
        if not isinstance(name, str) or not name.strip():
            self.fail(path, f"expected a region code such as GB-ENG, got {show(name)}")
        try:
            region_calendar(name)
        except ValueError as err:
            self.fail(path, str(err))
        return name

    def policy(self, value: Any) -> dict[str, str]:
        table = self.table(value, "closures.policy", "home, clinic, hospital")
        self.check_keys(table, tuple(DEFAULT_POLICY), "closures.policy")
        policy = dict(DEFAULT_POLICY)
        for setting, rule in table.items():
            if rule not in POLICIES:
                self.fail(f"closures.policy.{setting}",
                          f"unknown policy {show(rule)} (allowed: {', '.join(POLICIES)})")  # fmt: skip
            policy[setting] = rule
        return policy

    def entry(self, raw: dict[str, Any], path: str) -> Entry:
        allowed = ", ".join(BY_ACTION)
        action = self.text(raw, "action", path, what=f"one of: {allowed}")
        if action not in BY_ACTION:
            self.fail(
                self.join(path, "action"), f"action must be one of: {allowed} (got {action!r})"
            )
        kind = BY_ACTION[action]
        names = [f.name for f in kind.fields if not f.entry]
        self.check_keys(raw, ("at", "action", "reason", "by", *names), path)
        at = self.required(
            raw, "at", path, "when it was recorded, in UTC: at = 2027-01-10T09:12:00Z"
        )
        if not isinstance(at, datetime) or at.utcoffset() is None:
            self.fail(self.join(path, "at"),
                      f"expected the time it was recorded, in UTC (at = 2027-01-10T09:12:00Z), got {show(at)}")  # fmt: skip
        reason = self.text(raw, "reason", path, required=False)
        by = self.text(raw, "by", path, required=False, what="who recorded it")
        values = {f.attr: self.field(f, raw, path) for f in kind.fields}
        try:
            change = kind.type(**{k: v for k, v in values.items() if v is not None})
        except (PlanError, CourseError) as err:
            field = getattr(err, "field", None) or "action"
            name = next((f.name for f in kind.fields if f.attr == field), field)
            self.fail(
                self.join(path, name),
                str(err).split(": ", 1)[-1] if isinstance(err, CourseError) else str(err),
            )
        try:
            return Entry(at=at, change=change, reason=reason, by=by)
        except CourseError as err:
            self.fail(path, str(err))

    def records(self, data: dict[str, Any]) -> tuple[Record, ...]:
        """``[[records]]``: what happened to planned events, oldest first."""
        raw = self.tables(data, "records", "", "one [[records]] table per record")
        if len(raw) > MAX_RECORDS:
            self.fail("records", f"{len(raw):,} records: a course holds at most {MAX_RECORDS:,}")
        out = []
        for i, table in enumerate(raw):
            path = f"records[{i}]"
            self.check_keys(table, _RECORD_KEYS, path)
            at = self.required(table, "at", path, "when it was recorded: at = 2027-01-10T09:12:00Z")
            if not isinstance(at, datetime) or at.utcoffset() is None:
                self.fail(self.join(path, "at"),
                          f"expected the time it was recorded, in UTC (at = 2027-01-10T09:12:00Z), got {show(at)}")  # fmt: skip
            when = table.get("time")
            if when is not None and (not isinstance(when, datetime) or when.utcoffset() is None):
                self.fail(self.join(path, "time"),
                          f"expected the time it was given, with its offset (time = 2027-01-10T09:12:00+00:00), got {show(when)}")  # fmt: skip
            amount = table.get("amount")
            status = self.text(table, "status", path, what="given, missed ...")
            if status not in tuple(Status):
                self.fail(self.join(path, "status"),
                          f"status must be one of {', '.join(Status)}, got {status!r:.60}")  # fmt: skip
            try:
                out.append(
                    Record(
                        at=at,
                        event=self.text(table, "event", path, what="the event's UID"),
                        status=Status(status),
                        what=self.text(table, "what", path, required=False),
                        time=when,
                        amount=self.parsed(parse_amount_given, amount, self.join(path, "amount"))
                        if amount is not None
                        else None,
                        reason=self.text(table, "reason", path, required=False) or None,
                        note=self.text(table, "note", path, required=False),
                        by=self.text(table, "by", path, required=False),
                    )
                )
            except CourseError as err:
                if err.line is not None:  # already says where
                    raise
                self.fail(path, str(err))
        if [r.at for r in out] != sorted(r.at for r in out):
            self.fail("records", "records are kept in the order they were recorded (by at)")
        return tuple(out)

    def field(self, field: Field, raw: dict[str, Any], path: str) -> Any:
        """One field of a history entry, read by its type in the kinds table."""
        key = field.name
        where = self.join(path, key)
        if key not in raw:
            if field.required:
                self.fail(path, f"missing field {key!r} for {raw.get('action')}")
            return field.default
        value = raw[key]
        match field.type:
            case "whole":
                what = field.what or f"the {key}"
                return self.integer(raw, key, path, low=1, high=field.high, what=what)
            case "day":
                day = self.integer(
                    raw, key, path, low=-_MAX_DAY, high=_MAX_DAY, what="the cycle day"
                )
                if day == 0:
                    self.fail(where, "there is no day 0 (day 1 is the first day of the cycle)")
                return day
            case "date":
                return self.date_in_range(value, where)
            case "clock":
                return self.clock(value, where)
            case "text":
                return self.text(raw, key, path, required=field.required, what=f"the {key}")
            case "dates":
                return tuple(self.date_in_range(d, f"{where}[{i}]")
                             for i, d in enumerate(self.items(raw, key, path, "dates")))  # fmt: skip
            case "weekdays":
                return tuple(self.parsed(parse_weekday, w, f"{where}[{i}]")
                             for i, w in enumerate(self.items(raw, key, path, "weekday names")))  # fmt: skip
            case "region":
                return self.region(value, where)
            case "scope":
                allowed = ", ".join(Scope)
                if value not in tuple(Scope):
                    self.fail(where, f"scope must be one of {allowed}, got {show(value)}")
                return Scope(value)
            case "percent":
                return self.number(raw, key, path, what="a percentage such as 75")
            case "amount":
                return self.parsed(parse_amount, value, where)
        raise AssertionError(field.type)


def dump_course(course: Course) -> str:
    """The course as TOML, fields in a fixed order (same course, same text); ArgumentError if
    ``course`` is not a Course or holds a text that cannot be written."""
    need(course, Course, "course", "a Course")
    out = [
        "# A treatment course for treatment-scheduler. Change it with `scheduler course ...`",
        "# (`scheduler course --help` lists them): they check each change, lock the file and",
        "# keep a backup. What was given is recorded there too (course given, missed, record).",
        f"format = {FORMAT}",
        f"id = {_str(course.id)}",
        f"regimen = {_str(course.regimen)}",
        f"start = {course.start.isoformat()}",
        f"timezone = {_str(course.timezone)}",
    ]
    if course.cycles is not None:
        out.append(f"cycles = {course.cycles}")
    if course.until is not None:
        out.append(f"until = {course.until.isoformat()}")
    if course.dose_time is not None:
        out.append(f"dose_time = {_str(course.dose_time.strftime('%H:%M'))}")
    if course.label:
        out.append(f"label = {_str(course.label)}")
    body = course.body
    if body is not None:
        for key, value in (("weight_kg", body.weight_kg), ("height_cm", body.height_cm),
                           ("gfr_ml_min", body.gfr_ml_min), ("age_years", body.age_years)):  # fmt: skip
            if value is not None:
                out.append(f"{key} = {value}")
        if body.creatinine is not None:
            out.append(f"creatinine = {_str(str(body.creatinine))}")
        if body.sex is not None:
            out.append(f"sex = {_str(body.sex)}")
        if body.bsa_formula != "mosteller":
            out.append(f"bsa_formula = {_str(body.bsa_formula)}")
    if course.contact:
        out.append(f"contact = {_str(course.contact)}")
    out.append(f"reminders = {_str(course.reminders)}")
    if course.prior:
        out += ["", "[prior_doses]"]
        out += [f"{p.drug} = {_str(str(p.amount))}" for p in course.prior]
    out += ["", "[closures]"]
    out.append(f"holidays = {_value(list(course.holidays))}")
    out.append(f"dates = {_value(list(course.closed_dates))}")
    out.append(f"weekdays = {_value(list(course.closed_weekdays))}")
    out += ["", "[closures.policy]"]
    out += [f"{k} = {_str(v)}" for k, v in course.policy.items()]
    for entry in course.history:
        out += ["", "[[history]]", f"at = {entry.at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
                f"action = {_str(entry.action)}"]  # fmt: skip
        out += [f"{key} = {_value(value)}" for key, value in field_values(entry.change)]
        if entry.reason:
            out.append(f"reason = {_str(entry.reason)}")
        if entry.by:
            out.append(f"by = {_str(entry.by)}")
    for record in course.records:
        out += ["", "[[records]]", f"at = {_utc(record.at)}", f"event = {_str(record.event)}",
                f"status = {_str(record.status)}"]  # fmt: skip
        if record.what:
            out.append(f"what = {_str(record.what)}")
        if record.time is not None:
            out.append(f"time = {_utc(record.time)}")
        if record.amount is not None:
            out.append(f"amount = {_str(str(record.amount))}")
        for key in ("reason", "note", "by"):
            value = getattr(record, key)
            if value:
                out.append(f"{key} = {_str(value)}")
    text = "\n".join(out) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:  # it could not be read again: refused before anything is written
        raise CourseError(
            f"the course file would be {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB "
            "a course file may be (long notes?): nothing was written; keep notes short, or start "
            "a new course for the next stretch of treatment"
        )
    return text


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _str(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise ArgumentError(f"a text of the course {problem}", field="course")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return _str(str(value))


def save_course(
    course: Course,
    path: str | Path,
    *,
    new: bool = False,
    force: bool = False,
    previous: bytes | None = None,
) -> None:
    """Write the course atomically and privately (0600: patient data). A new course is created exclusively (``force`` replaces a
    regular file); an edit keeps ``previous`` (the bytes it was read from) as ``FILE.bak``."""
    target = Path(need_path(path, "path"))
    data = dump_course(course).encode("utf-8")
    if new:
        write_atomic(target, data, force=force, mode=0o600)
        return
    if previous is None and target.is_file():
        previous = read_bytes(target, limit=MAX_FILE_BYTES, what="course file", error=CourseError)
    if previous is not None:
        write_atomic(target.with_name(target.name + ".bak"), previous, force=True, mode=0o600)
    write_atomic(target, data, force=True, mode=0o600)
