"""A course: one patient's plan of a regimen — start, zone, bound, dose time, body figures,
reminders, closures — and the append-only history of what changed, each change with when it
was recorded and why. Stored as a small TOML file (docs/courses.md) that people can read.

Re-planning replays the history on the regimen (engine adjustments); every version of the plan
is kept in mind so that each event's SEQUENCE counts its changes and events that disappeared
are exported as cancelled, with the UIDs calendar apps already have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from ..errors import CourseError, PlanError, SchedulerError
from ..plan.adjustments import Adjustment, Close, Delay, Omit, Retime, Stop
from ..plan.closures import DEFAULT_POLICY, POLICIES, Closures
from ..plan.engine import PlanOptions, expand, sort_events
from ..plan.events import Event
from ..regimen import notation
from ..regimen.dosing import Body
from ..regimen.model import Regimen
from ..regimen.tomlpos import LineIndex, load_toml

__all__ = [
    "ACTIONS",
    "Course",
    "Entry",
    "describe_course",
    "dump_course",
    "load_course",
    "parse_course",
    "plan_course",
    "record",
    "save_course",
]

ACTIONS = ("delay", "omit", "stop", "retime", "close")
_TOP = ("format", "id", "regimen", "start", "timezone", "cycles", "until", "dose_time", "label",
        "weight_kg", "height_cm", "bsa_formula", "reminders", "closures", "history")  # fmt: skip
_ENTRY = {
    "delay": ("phase", "cycle", "days"),
    "omit": ("phase", "cycle", "day", "slot", "drug"),
    "stop": ("after", "phase", "cycle"),
    "retime": ("from", "time"),
    "close": ("dates", "holidays", "weekdays"),
}


@dataclass(frozen=True)
class Entry:
    """One recorded change: what, when it was recorded (UTC), and why."""

    at: datetime
    action: str
    details: dict[str, Any]
    reason: str = ""

    def adjustment(self) -> Adjustment:
        d = self.details
        if self.action == "delay":
            return Delay(d.get("phase", 1), d["cycle"], d["days"])
        if self.action == "omit":
            return Omit(d.get("phase", 1), d["cycle"], d["day"], d.get("slot"), d.get("drug"))
        if self.action == "stop":
            return Stop(after=d.get("after"), phase=d.get("phase", 1) if "cycle" in d else None,
                        cycle=d.get("cycle"))  # fmt: skip
        if self.action == "retime":
            return Retime(d["from"], notation.parse_time(d["time"]))
        regions = d.get("holidays")
        return Close(
            dates=tuple(d.get("dates", ())),
            holidays=regions,
            weekdays=tuple(notation.parse_weekday(w) for w in d.get("weekdays", ())),
        )

    def words(self) -> str:
        d = self.details
        phase = f" of phase {d['phase']}" if d.get("phase", 1) != 1 else ""
        if self.action == "delay":
            text = f"cycle {d['cycle']}{phase} and later cycles delayed by {d['days']} day(s)"
        elif self.action == "omit":
            which = f"dose {d['slot']} of " if d.get("slot") else ""
            drug = f" ({d['drug']})" if d.get("drug") else ""
            text = f"{which}cycle {d['cycle']}{phase}, day {d['day']}{drug} omitted (not replaced)"
        elif self.action == "stop":
            text = (
                f"stopped after {notation.format_date(d['after'])}"
                if d.get("after")
                else f"stopped after cycle {d['cycle']}{phase}"
            )
        elif self.action == "retime":
            text = f"doses from {notation.format_date(d['from'])} at {d['time']}"
        else:
            parts = [notation.format_date(x) for x in d.get("dates", ())]
            if d.get("holidays"):
                parts.append(f"public holidays of {d['holidays']}")
            parts += [f"{w}s" for w in d.get("weekdays", ())]
            text = "closed: " + ", ".join(parts)
        when = self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{when}: {text}" + (f" — {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class Course:
    """One patient's plan of one regimen, and its history."""

    id: str
    regimen: str
    start: date
    timezone: str
    cycles: int | None = None
    until: date | None = None
    dose_time: time | None = None
    label: str = ""
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    bsa_formula: str = "mosteller"
    reminders: str = "default"
    holidays: tuple[str, ...] = ()
    closed_dates: tuple[date, ...] = ()
    closed_weekdays: tuple[str, ...] = ()
    policy: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    history: tuple[Entry, ...] = ()
    origin: str = ""

    def zone(self) -> ZoneInfo:
        from ..plan.zones import load_zone

        return load_zone(self.timezone)

    def regimen_model(self) -> Regimen:
        from ..regimen.catalog import resolve

        ref = self.regimen
        if self.origin and (ref.endswith(".toml") or "/" in ref):
            candidate = Path(self.origin).parent / ref
            if candidate.is_file():
                ref = str(candidate)
        return resolve(ref)

    def closures(self) -> Closures:
        try:
            return Closures(
                regions=self.holidays,
                dates=frozenset(self.closed_dates),
                weekdays=frozenset(notation.parse_weekday(w) for w in self.closed_weekdays),
                policy=dict(self.policy),
            )
        except ValueError as err:
            raise CourseError(str(err), file=self.origin or None, path="closures") from None

    def options(self, zone: ZoneInfo, entries: int | None = None) -> PlanOptions:
        body = None
        if self.weight_kg is not None:
            body = Body(self.weight_kg, self.height_cm, self.bsa_formula)
        history = self.history if entries is None else self.history[:entries]
        return PlanOptions(
            start=self.start,
            zone=zone,
            cycles=self.cycles,
            until=self.until,
            dose_time=self.dose_time,
            plan_id=self.id,
            body=body,
            adjustments=tuple(e.adjustment() for e in history),
            closures=self.closures(),
        )


def load_course(path: str | Path) -> Course:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError("no such file", file=str(file)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise CourseError(f"cannot read the file ({err})", file=str(file)) from None
    return parse_course(text, origin=str(file))


def parse_course(text: str, origin: str = "<course>") -> Course:
    data = load_toml(text, origin, CourseError)
    return _CourseReader(origin, text).course(data)


class _CourseReader:
    def __init__(self, origin: str, text: str) -> None:
        self.origin = origin
        self.index = LineIndex(text)

    def fail(self, path: str, message: str) -> NoReturn:
        raise CourseError(message, file=self.origin, line=self.index.line_of(path), path=path)

    def get(self, data: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str,
            path: str = "", required: bool = False) -> Any:  # fmt: skip
        where = f"{path}.{key}".lstrip(".")
        if key not in data:
            if required:
                self.fail(path or key, f"missing required field {key!r} ({what})")
            return None
        value = data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(where, f"expected {what}, got {value!r}")
        if not isinstance(value, kind):
            self.fail(where, f"expected {what}, got {value!r}")
        return value

    def course(self, data: dict[str, Any]) -> Course:
        for key in data:
            if key not in _TOP:
                self.fail(key, f"unknown field {key!r} (allowed: {', '.join(_TOP)})")
        if data.get("format", 1) != 1:
            self.fail("format", "unsupported course format (this version reads format = 1)")
        start = self.get(data, "start", date, "a date like 2027-01-04", required=True)
        if isinstance(start, datetime):
            self.fail("start", "expected a date without a time, like 2027-01-04")
        zone = self.get(data, "timezone", str, "an IANA zone such as Europe/London", required=True)
        try:
            from ..plan.zones import load_zone

            load_zone(zone)
        except SchedulerError as err:
            self.fail("timezone", str(err))
        cycles = self.get(data, "cycles", int, "a whole number of cycles")
        if cycles is not None and cycles < 1:
            self.fail("cycles", f"cycles must be at least 1, got {cycles}")
        dose_time = data.get("dose_time")
        at = None
        if dose_time is not None:
            try:
                at = notation.parse_time(dose_time)
            except ValueError as err:
                self.fail("dose_time", str(err))
        closures = self.get(data, "closures", dict, "a [closures] table") or {}
        for key in closures:
            if key not in ("holidays", "dates", "weekdays", "policy"):
                self.fail(
                    f"closures.{key}",
                    f"unknown field {key!r} (allowed: holidays, dates, weekdays, policy)",
                )
        policy = dict(DEFAULT_POLICY)
        for setting, rule in (closures.get("policy") or {}).items():
            if setting not in DEFAULT_POLICY:
                self.fail(
                    f"closures.policy.{setting}",
                    f"unknown setting {setting!r} (allowed: home, clinic, hospital)",
                )
            if rule not in POLICIES:
                self.fail(
                    f"closures.policy.{setting}",
                    f"unknown policy {rule!r} (allowed: {', '.join(POLICIES)})",
                )
            policy[setting] = rule
        holidays = closures.get("holidays", [])
        if isinstance(holidays, str):
            holidays = [holidays]
        history = tuple(
            self.entry(e, f"history[{i}]") for i, e in enumerate(data.get("history", []))
        )
        weight = data.get("weight_kg")
        height = data.get("height_cm")
        return Course(
            id=self.get(data, "id", str, "text", required=True),
            regimen=self.get(
                data, "regimen", str, "a bundled regimen id or a .toml path", required=True
            ),
            start=start,
            timezone=zone,
            cycles=cycles,
            until=self.get(data, "until", date, "a date like 2027-12-31"),
            dose_time=at,
            label=self.get(data, "label", str, "text") or "",
            weight_kg=Decimal(str(weight)) if weight is not None else None,
            height_cm=Decimal(str(height)) if height is not None else None,
            bsa_formula=self.get(data, "bsa_formula", str, "mosteller or dubois") or "mosteller",
            reminders=self.get(data, "reminders", str, 'reminders such as "30m,1d" or "none"')
            or "default",
            holidays=tuple(holidays),
            closed_dates=tuple(closures.get("dates", [])),
            closed_weekdays=tuple(closures.get("weekdays", [])),
            policy=policy,
            history=history,
            origin=self.origin,
        )

    def entry(self, raw: Any, path: str) -> Entry:
        if not isinstance(raw, dict):
            self.fail(path, "expected a [[history]] table")
        action = raw.get("action")
        if action not in ACTIONS:
            self.fail(
                f"{path}.action", f"action must be one of: {', '.join(ACTIONS)} (got {action!r})"
            )
        at = raw.get("at")
        if not isinstance(at, datetime) or at.tzinfo is None:
            self.fail(
                f"{path}.at", "expected the time it was recorded, in UTC: at = 2027-01-10T09:12:00Z"
            )
        details = {k: v for k, v in raw.items() if k not in ("at", "action", "reason")}
        for key in details:
            if key not in _ENTRY[action]:
                self.fail(
                    f"{path}.{key}",
                    f"unknown field {key!r} for {action} (allowed: {', '.join(_ENTRY[action])})",
                )
        entry = Entry(at=at, action=action, details=details, reason=str(raw.get("reason", "")))
        try:
            entry.adjustment()
        except (KeyError, ValueError, TypeError) as err:
            self.fail(path, f"incomplete {action} entry: {err}")
        return entry


def dump_course(course: Course) -> str:
    """The course as TOML, fields in a fixed order (same course, same text)."""
    out = [
        "# A treatment course for treatment-scheduler. Change it with `scheduler course ...`",
        "# (delay, omit, stop, retime, close): they check each change and keep a backup.",
        "format = 1",
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
    if course.weight_kg is not None:
        out.append(f"weight_kg = {course.weight_kg}")
    if course.height_cm is not None:
        out.append(f"height_cm = {course.height_cm}")
    if course.bsa_formula != "mosteller":
        out.append(f"bsa_formula = {_str(course.bsa_formula)}")
    out.append(f"reminders = {_str(course.reminders)}")
    out += ["", "[closures]"]
    out.append(f"holidays = [{', '.join(_str(h) for h in course.holidays)}]")
    out.append(f"dates = [{', '.join(d.isoformat() for d in course.closed_dates)}]")
    out.append(f"weekdays = [{', '.join(_str(w) for w in course.closed_weekdays)}]")
    out += ["", "[closures.policy]"]
    out += [f"{k} = {_str(v)}" for k, v in course.policy.items()]
    for entry in course.history:
        out += ["", "[[history]]", f"at = {entry.at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
                f"action = {_str(entry.action)}"]  # fmt: skip
        for key in _ENTRY[entry.action]:
            if key in entry.details:
                out.append(f"{_key(key)} = {_value(entry.details[key])}")
        if entry.reason:
            out.append(f"reason = {_str(entry.reason)}")
    return "\n".join(out) + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _str(key)


def _str(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _value(value: Any) -> str:
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
    course: Course, path: str | Path, *, new: bool = False, force: bool = False
) -> None:
    """Write the course atomically; an existing file is kept as FILE.bak first."""
    from ..files import write_atomic

    target = Path(path)
    data = dump_course(course).encode("utf-8")
    if new:
        write_atomic(target, data, force=force)
        return
    if target.exists():
        write_atomic(target.with_name(target.name + ".bak"), target.read_bytes(), force=True)
    write_atomic(target, data, force=True)


def plan_course(course: Course) -> tuple[Regimen, ZoneInfo, tuple[Event, ...]]:
    """The course's events now, each with its revision (SEQUENCE), plus every event that an
    edit removed, marked cancelled with a higher revision, so calendar apps drop it."""
    regimen = course.regimen_model()
    zone = course.zone()
    versions = [expand(regimen, course.options(zone, k)) for k in range(len(course.history) + 1)]
    revision: dict[str, int] = {}
    last_seen: dict[str, Event] = {}
    for version in versions:
        current = {e.uid: e for e in version}
        for uid, event in current.items():
            before = last_seen.get(uid)
            if (before is not None and _content(before) != _content(event)) or (
                before is not None and before.cancelled
            ):
                revision[uid] = revision.get(uid, 0) + 1
            last_seen[uid] = event
        for uid, event in last_seen.items():
            if uid not in current and not event.cancelled:
                revision[uid] = revision.get(uid, 0) + 1
                last_seen[uid] = replace(event, cancelled=True)
    final = {e.uid for e in versions[-1]}
    events = [replace(e, revision=revision.get(e.uid, 0)) for e in versions[-1]]
    events += [
        replace(e, revision=revision.get(uid, 0))
        for uid, e in last_seen.items()
        if uid not in final
    ]
    return regimen, zone, sort_events(events, zone)


def _content(event: Event) -> tuple[Any, ...]:
    return (event.start, event.end, event.title, event.description, event.all_day)


def record(course: Course, entry: Entry, *, today: date) -> Course:
    """``course`` with ``entry`` appended, if the change is possible: it must change something,
    leave everything before ``today`` as it was, and still plan (no overlapping cycles)."""
    if entry.action == "retime" and entry.details["from"] < today:
        raise CourseError(
            f"refused: a new dose time from {notation.format_date(entry.details['from'])} is "
            f"before today ({notation.format_date(today)}); record only changes from today on",
            file=course.origin or None,
        )
    regimen = course.regimen_model()
    zone = course.zone()
    before = expand(regimen, course.options(zone))
    updated = replace(course, history=(*course.history, entry))
    try:
        after = expand(regimen, updated.options(zone))
    except PlanError as err:
        raise CourseError(f"refused: {err}", file=course.origin or None) from None
    old = {e.uid: e for e in before}
    new = {e.uid: e for e in after}
    changed = [
        uid
        for uid in old.keys() | new.keys()
        if _content_of(old.get(uid)) != _content_of(new.get(uid))
    ]
    if not changed and entry.action != "close":
        # A closure is a fact about the clinic, worth keeping even if nothing falls on it yet.
        raise CourseError(f"refused: {entry.words().split(': ', 1)[1]} changes nothing in the plan "
                          "(check the cycle, day or date)", file=course.origin or None)  # fmt: skip
    for uid in changed:
        for event in (old.get(uid), new.get(uid)):
            if event is not None and _first_day(event) < today:
                raise CourseError(
                    f"refused: this would change {event.title} on {notation.format_date(_first_day(event))}, "
                    f"which is before today ({notation.format_date(today)}); record only changes from today on",
                    file=course.origin or None,
                )
    return updated


def _content_of(event: Event | None) -> tuple[Any, ...] | None:
    return None if event is None else _content(event)


def _first_day(event: Event) -> date:
    return event.start.date() if isinstance(event.start, datetime) else event.start


def describe_course(course: Course, today: date, upcoming: int = 8) -> str:
    """What was planned, what changed, and what comes next."""
    regimen, _zone, events = plan_course(course)
    bound = (
        f"{course.cycles} cycle(s)"
        if course.cycles
        else (
            f"until {notation.format_date(course.until)}" if course.until else "as the regimen says"
        )
    )
    out = [
        f"Course {course.id}: {regimen.name} ({regimen.id})",
        f"Planned: from {notation.format_date(course.start)}, {bound}, times in {course.timezone}"
        + (f", for {course.label}" if course.label else ""),
    ]
    if not course.history:
        out.append("Changes: none")
    else:
        out.append("Changes:")
        out += [f"  {entry.words()}" for entry in course.history]
    live = [e for e in events if not e.cancelled]
    doses = [e for e in live if e.kind == "dose"]
    cancelled = [e for e in events if e.cancelled and e.kind == "dose"]
    out.append(
        f"Now: {len(doses)} doses"
        + (f" ({len(cancelled)} removed by changes)" if cancelled else "")
    )
    if doses:
        out.append(f"  last dose {notation.format_date(_first_day(doses[-1]))}")
    coming = [e for e in live if _first_day(e) >= today and e.kind != "precaution"][:upcoming]
    out.append(f"Next (from {notation.format_date(today)}):" if coming else "Next: nothing planned")
    for event in coming:
        start = event.start
        clock = f" {start:%H:%M}" if isinstance(start, datetime) else ""
        out.append(f"  {notation.format_date(_first_day(event))}{clock}  {event.title}"
                   + (f"  [{event.flag}]" if event.flag else ""))  # fmt: skip
    return "\n".join(out)
