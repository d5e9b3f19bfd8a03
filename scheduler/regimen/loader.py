"""TOML regimen files -> validated :class:`~scheduler.model.Regimen` values.

Every error is a :class:`~scheduler.errors.RegimenError` naming the file, the line, the field
path and what is allowed. The format is documented in docs/regimen-format.md.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from ..errors import RegimenError
from ..files import read_text
from ..tomlreader import TableReader, load_toml, show
from ..words import plural
from . import notation, timing
from .amounts import UNITS, Amount, parse_amount
from .model import (
    ALL_CYCLES,
    HOME_ROUTES,
    ROUTES,
    SETTINGS,
    CourseEventRule,
    CycleEventRule,
    CycleSet,
    DoseRule,
    Drug,
    EventKind,
    Period,
    Phase,
    Precaution,
    Regimen,
    WindowCap,
)
from .schema import SECTIONS

__all__ = ["FORMAT_VERSION", "load_regimen", "parse_regimen"]

FORMAT_VERSION = 1
OPEN_ENDED = "until stopped"
NOT_STATED = "not stated"
MAX_CYCLE_DAYS = 366
#: Regimen files are a few kilobytes; this bounds the work done on a wrong or hostile file.
MAX_FILE_BYTES = 1_000_000
#: ``validate`` names at most this many problems of one file.
MAX_PROBLEMS = 50
#: Dose rules in one phase: a published regimen has a few; this bounds the pairwise checks.
MAX_DOSE_RULES = 1_000

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_T = TypeVar("_T")

_TOP_KEYS = tuple(SECTIONS["regimen"])
_DRUG_KEYS = tuple(SECTIONS["drug"])
_PHASE_KEYS = tuple(SECTIONS["phase"])
_DOSE_KEYS = tuple(SECTIONS["dose"])
_EVENT_KEYS = tuple(SECTIONS["event"])
_COURSE_EVENT_KEYS = tuple(SECTIONS["course_event"])
_PRECAUTION_KEYS = tuple(SECTIONS["precaution"])
#: How many cycles to look at when deciding whether two cycle filters can meet.
_CYCLE_HORIZON = 120
#: How an ``up_to`` says where it counts from.
_UP_TO_FROM = {
    "from the start of the course": "course",
    "from the start of treatment": "course",
    "from the start of this phase": "phase",
    "from the start of the phase": "phase",
}
#: How ``gap_after`` says there is no gap (the next phase starts the next day).
_NO_GAP = ("0 days", "0 day", "0 weeks", "none", "no gap")
_EVENT_KINDS = {"lab": EventKind.LAB, "visit": EventKind.VISIT}


def load_regimen(path: str | Path) -> Regimen:
    """Read and validate one regimen file (a regular file of at most :data:`MAX_FILE_BYTES`)."""
    text = read_text(path, limit=MAX_FILE_BYTES, what="regimen file", error=RegimenError)
    return parse_regimen(text, origin=str(path))


def parse_regimen(text: str, origin: str = "<regimen>") -> Regimen:
    """Validate the TOML text of a regimen; ``origin`` names it in messages.

    Raises RegimenError for the first problem; its ``problems`` lists every independent problem
    found (each phase, dose rule, event and precaution is checked even after another failed),
    which ``scheduler validate`` prints one per line."""
    data = load_toml(text, origin, RegimenError)
    reader = _Reader(origin, text)
    try:
        regimen = reader.regimen(data)
    except RegimenError as err:
        reader.problems.append(err)
    except _Reported:
        pass
    if reader.problems:
        first = reader.problems[0]
        first.problems = list(reader.problems)
        raise first
    return regimen


#: Added to a cycle day (which may be as low as minus a cycle) to make it a bit position.
_DAY_SHIFT = MAX_CYCLE_DAYS + 1


def _mask(positions: Iterable[int]) -> int:
    """The set of ``positions`` (whole numbers from 0) as the bits of one int."""
    mask = 0
    for position in positions:
        mask |= 1 << position
    return mask


class _Reported(Exception):
    """A section failed and its problems are recorded: stop checking what depends on it."""


class _Reader(TableReader):
    """One pass over the parsed document, remembering where it is for error messages.

    Sections that do not depend on each other (each phase, dose rule, event, precaution) are
    read through :meth:`gather`, which records a problem and goes on, so one run names them all.
    """

    error = RegimenError

    def __init__(self, origin: str, text: str) -> None:
        super().__init__(origin, text)
        self.problems: list[RegimenError] = []
        self.months: int | None = None
        """The calendar months of the phase being read, for its messages."""

    def gather(self, make: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
        """``make(*args, **kwargs)``, or None after recording its problem (at most
        :data:`MAX_PROBLEMS`)."""
        try:
            return make(*args, **kwargs)
        except RegimenError as err:
            self.problems.append(err)
            if len(self.problems) >= MAX_PROBLEMS:
                raise _Reported() from None
            return None
        except _Reported:
            return None

    def _by_key(self, drugs: tuple[Drug, ...]) -> dict[str, Drug]:
        if getattr(self, "_drugs", None) is not drugs:
            self._drugs = drugs
            self._drug_index = {d.key: d for d in drugs}
        return self._drug_index

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        what: str = "a text",
    ) -> str:
        return _prose(super().text(table, key, path, required=required, what=what))

    # -- sections -------------------------------------------------------------------------

    def regimen(self, data: dict[str, Any]) -> Regimen:
        self.check_keys(data, _TOP_KEYS, "")
        version = data.get("format", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            self.fail(
                "format", f"unsupported format {show(version)} (this version reads format = 1)"
            )
        regimen_id = self.text(data, "id", "")
        if not _ID.match(regimen_id):
            self.fail("id", f"{regimen_id!r} is not an id (lower-case letters, digits and -)")
        drugs = self.drugs(data.get("drugs"))
        raw_phases = self.tables(data, "phases", "", "one per phase of the regimen")
        if not raw_phases:
            self.fail("phases", "a regimen needs at least one [[phases]] section")
        read = [
            self.gather(self.phase, p, f"phases[{i}]", drugs, last=i == len(raw_phases) - 1)
            for i, p in enumerate(raw_phases)
        ]
        precautions = tuple(
            p
            for i, raw in enumerate(self.tables(data, "precautions", "", "one per precaution"))
            if (p := self.gather(self.precaution, raw, f"precautions[{i}]")) is not None
        )
        course_events = tuple(
            e
            for i, raw in enumerate(self.tables(data, "course_events", "", "tests and visits"))
            if (e := self.gather(self.course_event, raw, f"course_events[{i}]")) is not None
        )
        if self.problems:  # the checks below need every part; what failed is reported already
            raise _Reported()
        phases = tuple(p for p in read if p is not None)
        if not any(phase.doses for phase in phases):
            self.fail("phases", "the regimen has no doses: add a [[phases.doses]] section")
        used = {rule.drug for phase in phases for rule in phase.doses}
        for drug in drugs:
            if drug.key not in used:
                self.fail(f"drugs.{drug.key}", f"drug {drug.key!r} is never given by any dose rule")
        self.unique([p.key for p in precautions], "precautions", "precaution key")
        self.unique([e.key for e in course_events], "course_events", "course event key")
        self.budget = timing.Budget()
        for drug in drugs:
            self.check_min_interval(drug, phases)
            self.check_cumulative(drug, phases)
        self.check_phase_starts(phases)
        return Regimen(
            id=regimen_id,
            name=self.text(data, "name", ""),
            indication=self.text(data, "indication", ""),
            source=self.text(data, "source", ""),
            source_url=self.text(data, "source_url", "", required=False),
            notes=self.text(data, "notes", "", required=False),
            drugs=drugs,
            phases=phases,
            precautions=precautions,
            course_events=course_events,
            origin=self.origin,
        )

    def unique(self, keys: list[str], path: str, what: str) -> None:
        for i, key in enumerate(keys):
            if key in keys[:i]:
                self.fail(
                    f"{path}[{i}].key", f"{what} {key!r} is used twice (give each its own key)"
                )

    def drugs(self, value: Any) -> tuple[Drug, ...]:
        if value is None:
            self.fail("drugs", "missing required section [drugs.<key>] (one per drug)")
        table = self.table(value, "drugs", "[drugs.<key>] sections, one per drug")
        if not table:
            self.fail("drugs", "a regimen needs at least one drug ([drugs.<key>])")
        out = []
        for key, raw in table.items():
            path = f"drugs.{key}"
            if not _ID.match(key):
                self.fail(path, f"{key!r} is not a drug key (lower-case letters, digits and -)")
            spec = self.table(raw, path, "name, route, title")
            self.check_keys(spec, _DRUG_KEYS, path)
            name = self.text(spec, "name", path)
            route = self.text(spec, "route", path).lower()
            if route not in ROUTES:
                self.fail(
                    f"{path}.route", f"unknown route {route!r} (allowed: {', '.join(ROUTES)})"
                )
            title = self.text(spec, "title", path, required=False) or f"{name} ({ROUTES[route][1]})"
            maximum = None
            if "max_amount" in spec:
                maximum = self.parsed(parse_amount, spec["max_amount"], f"{path}.max_amount")
                if maximum.per:
                    self.fail(
                        f"{path}.max_amount",
                        f'a maximum is an absolute amount like "2 mg", not {maximum}',
                    )
            interval = None
            elapsed = False
            if "min_interval" in spec:
                interval = self.parsed(
                    notation.parse_duration, spec["min_interval"], f"{path}.min_interval"
                )
                elapsed = not notation.written_in_days(spec["min_interval"])
            cumulative = None
            if "max_cumulative" in spec:
                cumulative = self.parsed(
                    parse_amount, spec["max_cumulative"], f"{path}.max_cumulative"
                )
                if cumulative.per == "gfr":
                    self.fail(
                        f"{path}.max_cumulative",
                        f"a lifetime limit is an amount of drug (mg, units, mg/m²), not {cumulative}",
                    )
            window_cap = None
            if "at_most" in spec:
                window_cap = WindowCap(
                    *self.parsed(notation.parse_window_cap, spec["at_most"], f"{path}.at_most")
                )
            out.append(
                Drug(
                    key=key,
                    name=name,
                    route=route,
                    title=title,
                    notes=self.text(spec, "notes", path, required=False),
                    max_amount=maximum,
                    max_doses_per_course=self.count(spec, "max_doses_per_course", path),
                    course_cap_reason=self.course_cap_reason(spec, path),
                    min_interval=interval,
                    min_interval_elapsed=elapsed,
                    window_cap=window_cap,
                    max_cumulative=cumulative,
                )
            )
        return tuple(out)

    def course_cap_reason(self, spec: dict[str, Any], path: str) -> str:
        reason = self.text(spec, "course_cap_reason", path, required=False)
        if reason and "max_doses_per_course" not in spec:
            self.fail(
                f"{path}.course_cap_reason", "a course_cap_reason without max_doses_per_course"
            )
        return reason

    def count(self, table: dict[str, Any], key: str, path: str) -> int | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{path}.{key}", f"expected a whole number of at least 1, got {show(value)}")
        return value

    def phase(
        self, raw: dict[str, Any], path: str, drugs: tuple[Drug, ...], *, last: bool
    ) -> Phase:
        self.check_keys(raw, _PHASE_KEYS, path)
        name = self.text(raw, "name", path, required=False) or "Treatment"
        cycle_days, cycle_months = self.cycle_length(raw, path)
        self.months = cycle_months
        cycles = self.cycles(raw.get("cycles"), f"{path}.cycles", path)
        up_to, up_to_course = self.up_to(raw, path, first=path == "phases[0]")
        gap = self.gap(raw, path)
        if gap is not None and gap.unit in ("months", "years"):
            self.fail(
                f"{path}.gap_after", f"give the gap in days or weeks (got {gap}), as protocols do"
            )
        start_on = None
        if "start_on" in raw:
            start_on = self.parsed(notation.parse_weekday, raw["start_on"], f"{path}.start_on")
        continuous = raw.get("continuous", False)
        if not isinstance(continuous, bool):
            self.fail(f"{path}.continuous", f"expected true or false, got {show(continuous)}")
        if continuous and cycle_months is not None:
            self.fail(
                f"{path}.continuous",
                "continuous daily treatment counts days: give it cycle_days, not cycle_months",
            )
        raw_doses = self.tables(raw, "doses", path, "one per drug schedule")
        if len(raw_doses) > MAX_DOSE_RULES:
            self.fail(
                f"{path}.doses",
                f"{len(raw_doses):,} dose rules in one phase, more than the {MAX_DOSE_RULES:,} "
                "a phase may have: a published regimen has a few",
            )
        doses: list[DoseRule] = []
        failed = len(self.problems)
        for i, d in enumerate(raw_doses):
            rule = self.gather(self.dose, d, f"{path}.doses[{i}]", drugs, cycle_days, doses)
            if rule is not None:
                doses.append(rule)
        raw_events = self.tables(raw, "events", path, "blood tests and appointments")
        events = tuple(
            e
            for i, r in enumerate(raw_events)
            if (e := self.gather(self.cycle_event, r, f"{path}.events[{i}]", cycle_days))
            is not None
        )
        if len(self.problems) > failed:  # the checks below would only repeat what failed
            raise _Reported()
        self.check_overlaps(doses, path)
        self.unique([d.key for d in doses], f"{path}.doses", "dose rule key")
        counted = any(rule.count is not None for rule in doses)
        if cycles is None and up_to is None and not counted and not last:
            self.fail(
                f"{path}.cycles",
                f"only the last phase may repeat {OPEN_ENDED!r}: a later phase would never start "
                "(or bound this one with up_to, or a dose rule's count)",
            )
        for i, rule in enumerate(doses):
            if rule.count is not None:
                self.check_count(rule, cycles, f"{path}.doses[{i}].count")
        if continuous:
            for i, rule in enumerate(doses):
                if rule.days != tuple(range(1, cycle_days + 1)):
                    self.fail(
                        f"{path}.doses[{i}].days",
                        'a continuous phase doses every day: use days = "every day"',
                    )
        self.unique([e.key for e in events], f"{path}.events", "event key")
        return Phase(
            name=name,
            cycle_days=cycle_days,
            cycles=cycles,
            doses=tuple(doses),
            events=events,
            up_to=up_to,
            gap_after=gap,
            start_on=start_on,
            continuous=continuous,
            up_to_course=up_to_course,
            cycle_months=cycle_months,
        )

    def cycle_words(self, cycle_days: int) -> str:
        """The phase being read's cycle in an error message: ``35-day cycle``, or for calendar
        months ``shortest 3-month cycle (89 days)``, the bound its days are held to."""
        if self.months is None:
            return f"{cycle_days}-day cycle"
        return f"shortest {self.months}-month cycle ({cycle_days} days)"

    def cycle_length(self, raw: dict[str, Any], path: str) -> tuple[int, int | None]:
        """``cycle_days``, or ``cycle_months`` (calendar months: the days a rule may name are
        then those of the shortest such cycle)."""
        if ("cycle_days" in raw) == ("cycle_months" in raw):
            self.fail(
                path,
                "give exactly one of 'cycle_days' (the cycle length in days, e.g. 21) or "
                "'cycle_months' (calendar months, e.g. 3 for every 3 months)",
            )
        if "cycle_months" in raw:
            months = raw["cycle_months"]
            if (
                isinstance(months, bool)
                or not isinstance(months, int)
                or not 1 <= months <= notation.MAX_CYCLE_MONTHS
            ):
                self.fail(
                    f"{path}.cycle_months",
                    f"cycle length must be a whole number of months from 1 to "
                    f"{notation.MAX_CYCLE_MONTHS}, got {show(months)}",
                )
            return notation.shortest_months(months), months
        cycle_days = raw["cycle_days"]
        if (
            isinstance(cycle_days, bool)
            or not isinstance(cycle_days, int)
            or not (1 <= cycle_days <= MAX_CYCLE_DAYS)
        ):
            self.fail(
                f"{path}.cycle_days",
                f"cycle length must be a whole number of days from 1 to {MAX_CYCLE_DAYS}, "
                f"got {show(cycle_days)}",
            )
        return cycle_days, None

    def up_to(self, raw: dict[str, Any], path: str, *, first: bool) -> tuple[Period | None, bool]:
        """``up_to``: "24 months" (from the start of the phase; only the first phase, where that
        is the start of the course), or "... from the start of this phase|the course"."""
        if "up_to" not in raw:
            return None, False
        value = raw["up_to"]
        text = " ".join(value.lower().split()) if isinstance(value, str) else value
        course = phase = False
        if isinstance(text, str):
            for suffix, which in _UP_TO_FROM.items():
                if text.endswith(suffix):
                    text = text[: -len(suffix)].strip()
                    course, phase = which == "course", which == "phase"
                    break
        if not (course or phase or first):
            self.fail(
                f"{path}.up_to",
                f"say from when the bound counts: {show(value)} from the start of this phase, or "
                f'of the whole course (write "{text} from the start of this phase" or '
                f'"{text} from the start of the course")',
            )
        amount, unit = self.parsed(notation.parse_period, text, f"{path}.up_to")
        return Period(amount, unit), course

    def gap(self, raw: dict[str, Any], path: str) -> Period | None:
        """``gap_after``: a period, or ``"0 days"``/``"none"`` to state that there is none."""
        value = raw.get("gap_after")
        if isinstance(value, str) and " ".join(value.lower().split()) in _NO_GAP:
            return Period(0, "days")
        return self.period(raw, "gap_after", path)

    def check_count(self, rule: DoseRule, cycles: int | None, path: str) -> None:
        """A count the rule can actually reach: never more doses than its cycles hold."""
        assert rule.count is not None
        if rule.cycles.last is None and cycles is None:
            return
        last = min(c for c in (rule.cycles.last, cycles) if c is not None)
        held = sum(1 for c in range(rule.cycles.first, last + 1) if c in rule.cycles)
        most = held * rule.doses_per_cycle()
        if rule.count > most:
            self.fail(
                path,
                f"a count of {plural(rule.count, 'dose')} is never reached: the rule gives at most "
                f"{most} in {plural(held, 'cycle')} (raise the phase's cycles or lower "
                "the count)",
            )

    def period(self, table: dict[str, Any], key: str, path: str) -> Period | None:
        if key not in table:
            return None
        amount, unit = self.parsed(notation.parse_period, table[key], f"{path}.{key}")
        return Period(amount, unit)

    def cycles(self, value: Any, where: str, path: str) -> int | None:
        if value is None:
            self.fail(path, f"missing required field 'cycles' (a number, or {OPEN_ENDED!r})")
        if isinstance(value, str) and value.strip().lower() == OPEN_ENDED:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(
                where,
                f"cycles must be a whole number of at least 1, or {OPEN_ENDED!r}; got {show(value)}",
            )
        return value

    def setting(self, table: dict[str, Any], path: str, default: str) -> str:
        value = table.get("setting", default)
        if value not in SETTINGS:
            self.fail(
                f"{path}.setting",
                f"setting must be one of: {', '.join(SETTINGS)} (got {show(value)})",
            )
        return str(value)

    def cycle_set(self, table: dict[str, Any], path: str) -> CycleSet:
        if "cycles" not in table:
            return ALL_CYCLES
        first, last, step = self.parsed(notation.parse_cycle_set, table["cycles"], f"{path}.cycles")
        return CycleSet(first, last, step)

    def days(
        self, raw: dict[str, Any], path: str, cycle_days: int
    ) -> tuple[tuple[int, ...], str, tuple[int, ...] | None]:
        """The rule's cycle days, as written, and its weekdays for a weekday rule."""
        if ("days" in raw) == ("pattern" in raw):
            self.fail(
                path, "give exactly one of 'days' (\"1-5, 8-12\") or 'pattern' (\"5 on, 2 off\")"
            )
        if "pattern" in raw:
            days, length = self.parsed(notation.parse_pattern, raw["pattern"], f"{path}.pattern")
            if length != cycle_days:
                self.fail(
                    f"{path}.pattern",
                    f"the pattern covers {plural(length, 'day')} but the cycle has {cycle_days} "
                    "(make the on and off days add up to cycle_days)",
                )
            return days, str(raw["pattern"]).strip(), None
        value = raw["days"]
        if isinstance(value, str) and value.strip().lower() in ("every day", "daily"):
            return tuple(range(1, cycle_days + 1)), "every day", None
        if notation.looks_like_weekdays(value):
            weekdays = self.parsed(notation.parse_weekday_set, value, f"{path}.days")
            if cycle_days != 7:
                self.fail(
                    f"{path}.days",
                    f"weekdays ({show(value)}) need 7-day cycles, one per week "
                    f"(this phase has cycle_days = {cycle_days})",
                )
            written = (
                " ".join(value.split())
                if isinstance(value, str)
                else ", ".join(notation.weekday_name(w)[:3] for w in weekdays)
            )
            return tuple(w + 1 for w in weekdays), written, weekdays
        days = self.parsed(notation.parse_day_list, value, f"{path}.days")
        # Days are sorted: the first and last are the ones to check.
        if days[-1] > cycle_days:
            self.fail(
                f"{path}.days",
                f"day {days[-1]} is past the end of the {self.cycle_words(cycle_days)} "
                f"(dose days are 1 to {cycle_days}, or -1, -2 ... for days before day 1)",
            )
        span = notation.day_offset(days[-1]) - notation.day_offset(days[0]) + 1
        if span > cycle_days:
            self.fail(
                f"{path}.days",
                f"days {days[0]} to {days[-1]} span {plural(span, 'day')}, longer than the "
                f"{self.cycle_words(cycle_days)}, so they would overlap the next cycle's (days before "
                "day 1 count too)",
            )
        written = value if isinstance(value, str) else notation.format_day_list(days)
        return days, str(written).strip(), None

    def dose(
        self,
        raw: dict[str, Any],
        path: str,
        drugs: tuple[Drug, ...],
        cycle_days: int,
        earlier: list[DoseRule],
    ) -> DoseRule:
        self.check_keys(raw, _DOSE_KEYS, path)
        by_key = self._by_key(drugs)
        keys = list(by_key)
        drug_key = raw.get("drug")
        if drug_key is None:
            if len(keys) != 1:
                self.fail(path, f"missing field 'drug' (one of: {', '.join(keys)})")
            drug_key = keys[0]
        elif not isinstance(drug_key, str) or drug_key not in by_key:
            self.fail(
                f"{path}.drug",
                f"unknown drug {show(drug_key)} (declared drugs: {', '.join(keys)})",
            )
        drug = by_key[drug_key]
        rule_key = self.text(raw, "key", path, required=False) or drug_key
        if not _ID.match(rule_key):
            self.fail(
                f"{path}.key", f"{rule_key!r} is not a key (lower-case letters, digits and -)"
            )
        relative = self.relative(raw, path, earlier)  # ("12h before paclitaxel")
        follows = self.follows(raw, path, earlier)  # ("on the days of radiotherapy")
        if follows is not None:
            days, written, weekdays = (
                follows.days,
                f"on the days of {follows.key}",
                follows.weekdays,
            )
        elif relative is not None and "days" not in raw and "pattern" not in raw:
            # Timed from another dose and no days of its own: every dose of that rule.
            leader = next(r for r in earlier if r.key == relative[2])
            days, written, weekdays = leader.days, leader.written_as, leader.weekdays
        else:
            days, written, weekdays = self.days(raw, path, cycle_days)
        cycles = self.cycle_set(raw, path)
        if follows is not None and any(
            c in cycles and c not in follows.cycles for c in range(1, _CYCLE_HORIZON)
        ):
            self.fail(
                f"{path}.on_days_of",
                f"{follows.key!r} is not given in every cycle this rule applies to (give this "
                "rule the same cycles, or fewer)",
            )
        times, every, after = self.dose_times(raw, path, days, cycles, earlier)
        if after is not None:
            leader = next(r for r in earlier if r.key == after)
            if (leader.weekdays is None) != (weekdays is None):
                self.fail(
                    f"{path}.after",
                    f"{after!r} and this rule must both give their days as weekdays, or both as "
                    "day numbers",
                )
        if "duration" not in raw:
            self.fail(path, 'missing required field \'duration\' (e.g. "15m", "2h")')
        duration = self.parsed(notation.parse_duration, raw["duration"], f"{path}.duration")
        if every is not None and duration >= every:
            self.fail(
                f"{path}.duration",
                f"each dose lasts {notation.format_duration(duration)}, as long as the interval: doses would overlap",
            )
        amount: Amount | None = None
        if "amount" in raw:
            amount = self.parsed(parse_amount, raw["amount"], f"{path}.amount")
            maximum = drug.max_amount
            if (
                maximum
                and amount.per is None
                and amount.unit == maximum.unit
                and amount.value > maximum.value
            ):
                self.fail(
                    f"{path}.amount",
                    f"{amount} is above the maximum of {maximum} per dose set for {drug.key!r}",
                )
            if maximum and amount.base_unit != maximum.unit:
                self.fail(
                    f"drugs.{drug.key}.max_amount",
                    f"the maximum {maximum} is not in the unit of the dose {amount} ({amount.base_unit})",
                )
        rule = DoseRule(
            key=rule_key,
            drug=drug_key,
            days=days,
            times=times,
            duration=duration,
            written_as=written,
            instructions=self.text(raw, "instructions", path, required=False),
            every=every,
            after=after,
            offset=relative[0] if relative else timedelta(0),
            from_start=relative[1] if relative else False,
            amount=amount,
            cycles=cycles,
            max_doses_per_cycle=self.count(raw, "max_doses_per_cycle", path),
            cap_reason=self.text(raw, "cap_reason", path, required=False),
            setting=self.setting(raw, path, "home" if drug.route in HOME_ROUTES else "clinic"),
            weekdays=weekdays,
            count=self.count(raw, "count", path),
            end_event=self.text(raw, "end_event", path, required=False),
            follows=follows.key if follows is not None else None,
        )
        self.check_cap(rule, path)
        return rule

    def follows(self, raw: dict[str, Any], path: str, earlier: list[DoseRule]) -> DoseRule | None:
        """``on_days_of``: the earlier rule whose days (as given, after closures, delays and
        omissions) this one takes, at its own clock times."""
        if "on_days_of" not in raw:
            return None
        ref = self.text(raw, "on_days_of", path, what="the key of an earlier dose rule")
        leader = next((r for r in earlier if r.key == ref), None)
        if leader is None:
            self.fail(f"{path}.on_days_of", _no_leader(ref, earlier, "take the days of"))
        clash = [k for k in ("days", "pattern", "after", "at", "every", "count") if k in raw]
        if clash:
            self.fail(
                f"{path}.{clash[0]}",
                f"a rule given on the days of {ref!r} takes its days from it: give it 'time' or "
                f"'times' only, not '{clash[0]}'",
            )
        if leader.after is not None or leader.follows is not None:
            self.fail(
                f"{path}.on_days_of",
                f"{ref!r} takes its own days or time from {leader.after or leader.follows!r}: "
                "name that rule instead",
            )
        if leader.every is not None or len(leader.times) != 1:
            self.fail(
                f"{path}.on_days_of",
                f"{ref!r} gives several doses a day: the days of a once-a-day rule are followed",
            )
        return leader

    def relative(
        self, raw: dict[str, Any], path: str, earlier: list[DoseRule]
    ) -> tuple[timedelta, bool, str] | None:
        """A dose's ``at`` ("12h before paclitaxel"), read; its rule is checked with the
        others by :meth:`dose_times`."""
        if "at" not in raw:
            return None
        parsed = self.parsed(notation.parse_relative, raw["at"], f"{path}.at")
        if not any(r.key == parsed[2] for r in earlier):
            self.fail(f"{path}.at", _no_leader(parsed[2], earlier))
        return parsed

    def dose_times(
        self,
        raw: dict[str, Any],
        path: str,
        days: tuple[int, ...],
        cycles: CycleSet,
        earlier: list[DoseRule],
    ) -> tuple[tuple[Any, ...], timedelta | None, str | None]:
        given = [k for k in ("time", "times", "after", "at") if k in raw]
        if len(given) != 1:
            self.fail(
                path,
                "give exactly one of 'time' (\"09:00\"), 'times' ([\"08:00\", \"20:00\"]), 'after' "
                "(the key of the rule this dose follows) or 'at' (\"12h before paclitaxel\")"
                + (f"; got {', '.join(given)}" if given else ""),
            )
        if "after" in raw or "at" in raw:
            field = "after" if "after" in raw else "at"
            if "every" in raw:
                self.fail(f"{path}.every", f"'every' needs a first dose 'time', not '{field}'")
            if field == "at":
                ref = self.parsed(notation.parse_relative, raw["at"], f"{path}.at")[2]
            else:
                ref = self.text(raw, "after", path)
            before = next((r for r in earlier if r.key == ref), None)
            if before is None:
                self.fail(f"{path}.{field}", _no_leader(ref, earlier))
            if before.slots_per_day() != 1:
                self.fail(
                    f"{path}.{field}",
                    f"{ref!r} has several doses a day: which one would this follow?",
                )
            missing = [d for d in days if d not in before.days]
            if missing:
                self.fail(
                    f"{path}.{field}",
                    f"{ref!r} is not given on day {missing[0]}, so this dose has nothing to follow then",
                )
            if any(c in cycles and c not in before.cycles for c in range(1, _CYCLE_HORIZON)):
                self.fail(
                    f"{path}.{field}", f"{ref!r} is not given in every cycle this rule applies to"
                )
            return before.times, None, ref
        if "times" in raw:
            value = raw["times"]
            if not isinstance(value, list) or not value:
                self.fail(
                    f"{path}.times", 'expected a list of clock times, e.g. ["08:00", "20:00"]'
                )
            times = tuple(self.parsed(notation.parse_time, t, f"{path}.times") for t in value)
            if len(set(times)) != len(times) or list(times) != sorted(times):
                self.fail(f"{path}.times", "list each time once, in order through the day")
            if "every" in raw:
                self.fail(
                    f"{path}.every", "'every' takes the first dose 'time', not a list of 'times'"
                )
            return times, None, None
        first = self.parsed(notation.parse_time, raw["time"], f"{path}.time")
        every = None
        if "every" in raw:
            value = raw["every"]
            if isinstance(value, str) and re.search(r"\b(months?|years?)\b", value.lower()):
                self.fail(
                    f"{path}.every",
                    f"{show(value)}: a dose every so many calendar months is a phase of month "
                    'cycles with the dose on day 1 (cycle_months = 3 and days = "1" for '
                    "every 3 months); 'every' is for hours within a cycle (\"8h\")",
                )
            every = self.parsed(notation.parse_duration, value, f"{path}.every")
            if every < timedelta(hours=1):
                self.fail(
                    f"{path}.every",
                    "an interval shorter than 1 hour is an infusion rate, not a schedule",
                )
        return (first,), every, None

    def check_cap(self, rule: DoseRule, path: str) -> None:
        cap = rule.max_doses_per_cycle
        slots = rule.slots_per_cycle()
        if cap is None:
            if rule.cap_reason:
                self.fail(f"{path}.cap_reason", "a cap_reason without max_doses_per_cycle")
            return
        if cap < slots and not rule.cap_reason:
            self.fail(
                f"{path}.max_doses_per_cycle",
                f"the cap of {cap} drops {slots - cap} of the {plural(slots, 'dose')} this rule "
                "places in a cycle; if that is intended, say why in cap_reason",
            )
        if cap >= slots and rule.cap_reason:
            self.fail(
                f"{path}.cap_reason",
                f"the cap of {cap} never applies: the rule places only {plural(slots, 'dose')} "
                "in a cycle",
            )

    def check_overlaps(self, doses: list[DoseRule], path: str) -> None:
        """Two rules of one drug may not give it on the same day unless their times differ.
        Compared within each drug only, with each rule's cycles, days and times as sets made
        once, so a phase of :data:`MAX_DOSE_RULES` rules is checked in well under a second."""
        by_drug: dict[str, list[int]] = {}
        for index, rule in enumerate(doses):
            by_drug.setdefault(rule.drug, []).append(index)
        shared = [i for group in by_drug.values() if len(group) > 1 for i in group]
        # Cycles and days as bit masks (a few dozen bytes a rule, where sets took kilobytes).
        cycles = {i: _mask(c for c in range(1, _CYCLE_HORIZON) if c in doses[i].cycles)
                  for i in shared}  # fmt: skip
        days = {i: _mask(d + _DAY_SHIFT for d in doses[i].days) for i in shared}
        times = {i: frozenset(doses[i].times) for i in shared}
        for j, later in enumerate(doses):
            for i in by_drug[later.drug]:
                if i >= j:
                    break
                rule = doses[i]
                if rule.key == later.after or later.key == rule.after:
                    continue
                if (
                    rule.after is not None
                    and rule.after == later.after
                    and (rule.offset, rule.from_start) != (later.offset, later.from_start)
                ):
                    continue  # "12h" and "6h before paclitaxel": timed apart from one dose
                if not cycles[i] & cycles[j]:
                    continue
                if (rule.weekdays is None) != (later.weekdays is None):
                    self.fail(
                        f"{path}.doses[{j}].days",
                        f"{later.drug!r} is given by weekday in one rule and by day number in "
                        f"doses[{i}] in the same cycles: write both the same way",
                    )
                clash = (
                    rule.every is not None
                    or later.every is not None
                    or rule.after is not None
                    or later.after is not None
                    or not times[i].isdisjoint(times[j])
                )
                both = days[i] & days[j]
                if clash and both:
                    first = (both & -both).bit_length() - 1 - _DAY_SHIFT
                    self.fail(
                        f"{path}.doses[{j}].days",
                        f"{later.drug!r} on day {first} is already given by "
                        f"doses[{i}] (overlapping rules: give each day once per drug, or "
                        "different times)",
                    )

    def check_min_interval(self, drug: Drug, phases: tuple[Phase, ...]) -> None:
        """The drug's safety limits (``min_interval``, ``at_most``) against where the phases
        place its doses, in nominal time; the engine checks them again on real dates."""
        if drug.min_interval is None and drug.window_cap is None:
            return
        for p, phase in enumerate(phases):
            rules = [r for r in phase.doses if r.drug == drug.key]
            if not rules:
                continue
            where = f"phases[{p}].doses[{phase.doses.index(rules[0])}].days"
            weekdays = range(7) if any(r.weekdays is not None for r in rules) else range(1)
            for weekday in weekdays:
                if drug.min_interval is not None:
                    for run in timing.timeline(phase, drug.key, self.budget, weekday):
                        gap = timing.closest(run)
                        if gap is not None and gap < drug.min_interval:
                            self.fail(
                                where,
                                f"{drug.name} doses fall {notation.format_duration(gap)} apart, "
                                f"but drugs.{drug.key}.min_interval is "
                                f"{notation.format_duration(drug.min_interval)} "
                                "(a safety limit: check the schedule)",
                            )
                cap = drug.window_cap
                if cap is not None:
                    span = -(-cap.window // timedelta(days=phase.cycle_days)) + 1
                    for run in timing.timeline(phase, drug.key, self.budget, weekday, span):
                        crowded = timing.crowded_window(run, cap)
                        if crowded is not None:
                            self.fail(
                                where,
                                f"{drug.name}: {cap.doses + 1} doses within "
                                f"{notation.format_duration(crowded[1] - crowded[0])}, but "
                                f"drugs.{drug.key}.at_most is {cap} (a safety limit: check the "
                                "schedule)",
                            )

    def check_cumulative(self, drug: Drug, phases: tuple[Phase, ...]) -> None:
        """A lifetime limit can be added up: every dose of the drug states an amount in the
        limit's unit (mg/m² with mg/m²), or one calculated into it (mg/m² into an absolute mg
        limit, once a plan has weight and height)."""
        cap = drug.max_cumulative
        if cap is None:
            return
        for p, phase in enumerate(phases):
            for i, rule in enumerate(phase.doses):
                if rule.drug != drug.key:
                    continue
                amount = rule.amount
                if amount is None:
                    self.fail(
                        f"phases[{p}].doses[{i}].amount",
                        f"drugs.{drug.key}.max_cumulative is {cap}, so every {drug.name} dose "
                        "needs an amount to add up",
                    )
                if amount.unit != cap.unit and (
                    cap.per is not None or amount.base_unit != cap.unit
                ):
                    self.fail(
                        f"drugs.{drug.key}.max_cumulative",
                        f"the lifetime limit {cap} cannot be added up from doses of {amount}: give "
                        f"it in {UNITS[amount.unit]}"
                        + (
                            f" (or {UNITS[amount.base_unit]})"
                            if amount.per not in (None, "gfr")
                            else ""
                        ),
                    )

    def check_phase_starts(self, phases: tuple[Phase, ...]) -> None:
        """A phase after a repeating one says when it starts: its predecessor's ``gap_after``
        (``"0 days"`` for the next day) or its own ``start_on``. Counting where a run of cycles
        ends is where a wrong date is easiest to write."""
        for i, (before, phase) in enumerate(itertools.pairwise(phases), start=1):
            repeats = before.cycles != 1
            if repeats and before.gap_after is None and phase.start_on is None:
                self.fail(
                    f"phases[{i - 1}]",
                    f"phase {i + 1} ({phase.name!r}) follows a phase that repeats: say when it "
                    f'starts with gap_after in phase {i} ("0 days" for the day after its last '
                    f'cycle ends, or e.g. "2 weeks"), or start_on in phase {i + 1}',
                )

    def cycle_event(self, raw: dict[str, Any], path: str, cycle_days: int) -> CycleEventRule:
        self.check_keys(raw, _EVENT_KEYS, path)
        kind, title, key = self.event_head(raw, path)
        if "days" not in raw:
            self.fail(path, 'missing required field \'days\' (e.g. "1" or "-1" for the day before)')
        days = self.parsed(notation.parse_day_list, raw["days"], f"{path}.days")
        for day in days:
            if not -cycle_days <= day <= cycle_days:
                self.fail(
                    f"{path}.days",
                    f"day {day} is outside the {self.cycle_words(cycle_days)} "
                    f"(allowed: 1 to {cycle_days}, or -1 to -{cycle_days} for days before it)",
                )
        at, duration = self.event_time(raw, path)
        return CycleEventRule(
            key=key,
            kind=kind,
            title=title,
            days=days,
            time=at,
            duration=duration,
            instructions=self.text(raw, "instructions", path, required=False),
            cycles=self.cycle_set(raw, path),
            setting=self.setting(raw, path, "clinic"),
        )

    def event_head(self, raw: dict[str, Any], path: str) -> tuple[EventKind, str, str]:
        kind_word = raw.get("kind")
        if not isinstance(kind_word, str) or kind_word not in _EVENT_KINDS:
            self.fail(
                f"{path}.kind",
                f"kind must be one of: {', '.join(_EVENT_KINDS)} (got {show(kind_word)})",
            )
        title = self.text(raw, "title", path)
        key = self.text(raw, "key", path, required=False) or _slug(title)
        if not _ID.match(key):
            self.fail(f"{path}.key", f"{key!r} is not a key (lower-case letters, digits and -)")
        return _EVENT_KINDS[kind_word], title, key

    def event_time(self, raw: dict[str, Any], path: str) -> tuple[Any, timedelta | None]:
        at = (
            self.parsed(notation.parse_time, raw["time"], f"{path}.time") if "time" in raw else None
        )
        duration = None
        if "duration" in raw:
            if at is None:
                self.fail(
                    f"{path}.duration",
                    "an all-day event has no duration: give 'time' too, or drop 'duration'",
                )
            duration = self.parsed(notation.parse_duration, raw["duration"], f"{path}.duration")
        elif at is not None:
            self.fail(path, "a timed event needs 'duration' (e.g. \"30m\")")
        return at, duration

    def course_event(self, raw: dict[str, Any], path: str) -> CourseEventRule:
        self.check_keys(raw, _COURSE_EVENT_KEYS, path)
        kind, title, key = self.event_head(raw, path)
        when = self.text(raw, "when", path)
        match = _WHEN.match(" ".join(when.lower().split()))
        if not match:
            self.fail(
                f"{path}.when",
                f'{when!r} is not a time in the course (write e.g. "4 weeks after the last dose", '
                '"7 days before the start", "1 week after the first dose")',
            )
        amount, unit = self.parsed(notation.parse_period, match.group(1), f"{path}.when")
        anchor = match.group(3)
        if match.group(2) == "before" and anchor != "start":
            self.fail(f"{path}.when", "only the start can have events before it")
        at, duration = self.event_time(raw, path)
        return CourseEventRule(
            key=key,
            kind=kind,
            title=title,
            anchor=anchor,
            offset=Period(amount, unit),
            before=match.group(2) == "before",
            time=at,
            duration=duration,
            instructions=self.text(raw, "instructions", path, required=False),
        )

    def precaution(self, raw: dict[str, Any], path: str) -> Precaution:
        self.check_keys(raw, _PRECAUTION_KEYS, path)
        title = self.text(raw, "title", path)
        key = self.text(raw, "key", path, required=False) or _slug(title)
        during = raw.get("during_treatment", True)
        if not isinstance(during, bool):
            self.fail(f"{path}.during_treatment", f"expected true or false, got {show(during)}")
        if "after_last_dose" not in raw:
            self.fail(
                path,
                "missing required field 'after_last_dose' (a period such as \"12 months\", "
                f"or {NOT_STATED!r} when the source gives no figure)",
            )
        after = raw["after_last_dose"]
        period: Period | None = None
        if not (isinstance(after, str) and after.strip().lower() == NOT_STATED):
            amount, unit = self.parsed(notation.parse_period, after, f"{path}.after_last_dose")
            period = Period(amount, unit)
        return Precaution(
            key=key,
            title=title,
            instructions=self.text(raw, "instructions", path),
            during_treatment=during,
            after_last_dose=period,
        )


_WHEN = re.compile(r"^(\d+ [a-z]+) (after|before) (?:the )?(start|first dose|last dose)$")


def _prose(text: str) -> str:
    """Unwrap TOML's hard-wrapped multi-line strings.

    A line joins the one before it, except after a blank line (a new paragraph) or when it
    starts a list item ("- "), so calendar apps get flowing text instead of mid-sentence breaks.
    """
    out: list[str] = []
    joinable = False
    for raw in text.strip().splitlines():
        line = " ".join(raw.split())
        if not line:
            out.append("")
            joinable = False
        elif joinable and not line.startswith(("- ", "* ")):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
            joinable = True
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "event"


def _no_leader(ref: str, earlier: list[DoseRule], what: str = "time this dose from") -> str:
    return (
        f"no earlier dose rule {ref!r} in this phase to {what} (earlier rules: "
        f"{', '.join(r.key for r in earlier) or 'none'}; a rule can name only a rule listed "
        "before it)"
    )
