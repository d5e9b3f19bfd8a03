"""TOML regimen files -> validated :class:`~scheduler.model.Regimen` values.

Every error is a :class:`~scheduler.errors.RegimenError` naming the file, the line, the field
path and what is allowed. The format is documented in docs/regimen-format.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from . import notation
from .errors import RegimenError
from .model import (
    ROUTES,
    CycleEventRule,
    DoseRule,
    Drug,
    EventKind,
    Period,
    Phase,
    Precaution,
    Regimen,
)
from .tomlpos import LineIndex

__all__ = ["FORMAT_VERSION", "load_regimen", "parse_regimen"]

FORMAT_VERSION = 1
OPEN_ENDED = "until stopped"
NOT_STATED = "not stated"
MAX_CYCLE_DAYS = 366

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_T = TypeVar("_T")

_TOP_KEYS = ("format", "id", "name", "indication", "source", "source_url", "notes", "drugs",
             "phases", "precautions")  # fmt: skip
_DRUG_KEYS = ("name", "route", "title", "notes")
_PHASE_KEYS = ("name", "cycle_days", "cycles", "doses", "events")
_DOSE_KEYS = ("drug", "days", "pattern", "time", "duration", "instructions")
_EVENT_KEYS = ("key", "kind", "title", "days", "time", "duration", "instructions")
_PRECAUTION_KEYS = ("key", "title", "instructions", "during_treatment", "after_last_dose")
_EVENT_KINDS = {"lab": EventKind.LAB, "visit": EventKind.VISIT}


def load_regimen(path: str | Path) -> Regimen:
    """Read and validate one regimen file."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError as err:
        raise RegimenError("no such file", file=str(file)) from err
    except OSError as err:
        raise RegimenError(f"cannot read the file ({err.strerror})", file=str(file)) from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RegimenError("the file is not UTF-8 text", file=str(file)) from err
    return parse_regimen(text, origin=str(file))


def parse_regimen(text: str, origin: str = "<regimen>") -> Regimen:
    """Validate the TOML text of a regimen; ``origin`` names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        if match:
            message = message[: match.start()].strip() + f" (column {match.group(2)})"
        raise RegimenError(f"not valid TOML: {message}", file=origin, line=line) from err
    return _Reader(origin, text).regimen(data)


class _Reader:
    """One pass over the parsed document, remembering where it is for error messages."""

    def __init__(self, origin: str, text: str) -> None:
        self.origin = origin
        self._text = text
        self._index: LineIndex | None = None

    def fail(self, path: str, message: str) -> NoReturn:
        if self._index is None:
            self._index = LineIndex(self._text)
        raise RegimenError(message, file=self.origin, line=self._index.line_of(path), path=path)

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in table:
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.fail(
                    f"{path}.{key}".lstrip("."),
                    f"unknown field {key!r} ({hint}allowed here: {', '.join(allowed)})",
                )

    def text(self, table: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = table.get(key)
        where = f"{path}.{key}".lstrip(".")
        if value is None:
            if required:
                self.fail(path or key, f"missing required field {key!r} (a text)")
            return ""
        if not isinstance(value, str):
            self.fail(where, f"expected text in quotes, got {_show(value)}")
        if required and not value.strip():
            self.fail(where, "must not be empty")
        return _prose(value)

    def table(self, value: Any, path: str, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a table ({what}), got {_show(value)}")
        return value

    def tables(self, table: dict[str, Any], key: str, path: str, what: str) -> list[dict[str, Any]]:
        value = table.get(key, [])
        where = f"{path}.{key}".lstrip(".")
        if not isinstance(value, list):
            self.fail(where, f"expected a list of tables ([[{where}]] sections, {what})")
        return [self.table(item, f"{where}[{i}]", what) for i, item in enumerate(value)]

    def parsed(self, parse: Callable[[Any], _T], value: Any, path: str) -> _T:
        try:
            return parse(value)
        except ValueError as err:
            self.fail(path, str(err))

    # -- sections -------------------------------------------------------------------------

    def regimen(self, data: dict[str, Any]) -> Regimen:
        self.check_keys(data, _TOP_KEYS, "")
        version = data.get("format", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            self.fail(
                "format", f"unsupported format {_show(version)} (this version reads format = 1)"
            )
        regimen_id = self.text(data, "id", "")
        if not _ID.match(regimen_id):
            self.fail("id", f"{regimen_id!r} is not an id (lower-case letters, digits and -)")
        drugs = self.drugs(data.get("drugs"))
        raw_phases = self.tables(data, "phases", "", "one per phase of the regimen")
        if not raw_phases:
            self.fail("phases", "a regimen needs at least one [[phases]] section")
        phases = tuple(
            self.phase(p, f"phases[{i}]", drugs, last=i == len(raw_phases) - 1)
            for i, p in enumerate(raw_phases)
        )
        if not any(phase.doses for phase in phases):
            self.fail("phases", "the regimen has no doses: add a [[phases.doses]] section")
        used = {rule.drug for phase in phases for rule in phase.doses}
        for drug in drugs:
            if drug.key not in used:
                self.fail(f"drugs.{drug.key}", f"drug {drug.key!r} is never given by any dose rule")
        precautions = tuple(
            self.precaution(p, f"precautions[{i}]")
            for i, p in enumerate(self.tables(data, "precautions", "", "one per precaution"))
        )
        keys = [p.key for p in precautions]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                self.fail(f"precautions[{i}].key", f"precaution key {key!r} is used twice")
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
            origin=self.origin,
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
            notes = self.text(spec, "notes", path, required=False)
            out.append(Drug(key=key, name=name, route=route, title=title, notes=notes))
        return tuple(out)

    def phase(
        self, raw: dict[str, Any], path: str, drugs: tuple[Drug, ...], *, last: bool
    ) -> Phase:
        self.check_keys(raw, _PHASE_KEYS, path)
        name = self.text(raw, "name", path, required=False) or "Treatment"
        cycle_days = raw.get("cycle_days")
        if cycle_days is None:
            self.fail(path, "missing required field 'cycle_days' (the cycle length in days)")
        if (
            isinstance(cycle_days, bool)
            or not isinstance(cycle_days, int)
            or not (1 <= cycle_days <= MAX_CYCLE_DAYS)
        ):
            self.fail(
                f"{path}.cycle_days",
                f"cycle length must be a whole number of days from 1 to {MAX_CYCLE_DAYS}, "
                f"got {_show(cycle_days)}",
            )
        cycles = self.cycles(raw.get("cycles"), f"{path}.cycles", path)
        if cycles is None and not last:
            self.fail(
                f"{path}.cycles",
                f"only the last phase may repeat {OPEN_ENDED!r}: a later phase would never start",
            )
        doses = tuple(
            self.dose(d, f"{path}.doses[{i}]", drugs, cycle_days)
            for i, d in enumerate(self.tables(raw, "doses", path, "one per drug schedule"))
        )
        seen: dict[tuple[str, int], int] = {}
        for i, rule in enumerate(doses):
            for day in rule.days:
                if (rule.drug, day) in seen:
                    self.fail(
                        f"{path}.doses[{i}].days",
                        f"{rule.drug!r} on day {day} is already given by doses[{seen[rule.drug, day]}]"
                        " (overlapping rules: give each day once per drug)",
                    )
                seen[rule.drug, day] = i
        events = tuple(
            self.cycle_event(e, f"{path}.events[{i}]", cycle_days)
            for i, e in enumerate(self.tables(raw, "events", path, "blood tests and appointments"))
        )
        keys = [e.key for e in events]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                self.fail(f"{path}.events[{i}]", f"event key {key!r} is used twice in this phase")
        return Phase(name=name, cycle_days=cycle_days, cycles=cycles, doses=doses, events=events)

    def cycles(self, value: Any, where: str, path: str) -> int | None:
        if value is None:
            self.fail(path, f"missing required field 'cycles' (a number, or {OPEN_ENDED!r})")
        if isinstance(value, str) and value.strip().lower() == OPEN_ENDED:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(
                where,
                f"cycles must be a whole number of at least 1, or {OPEN_ENDED!r}; got {_show(value)}",
            )
        return value

    def dose(
        self, raw: dict[str, Any], path: str, drugs: tuple[Drug, ...], cycle_days: int
    ) -> DoseRule:
        self.check_keys(raw, _DOSE_KEYS, path)
        keys = [d.key for d in drugs]
        drug = raw.get("drug")
        if drug is None:
            if len(keys) != 1:
                self.fail(path, f"missing field 'drug' (one of: {', '.join(keys)})")
            drug = keys[0]
        elif drug not in keys:
            self.fail(
                f"{path}.drug", f"unknown drug {_show(drug)} (declared drugs: {', '.join(keys)})"
            )
        if ("days" in raw) == ("pattern" in raw):
            self.fail(
                path, "give exactly one of 'days' (\"1-5, 8-12\") or 'pattern' (\"5 on, 2 off\")"
            )
        if "days" in raw:
            days = self.parsed(notation.parse_day_list, raw["days"], f"{path}.days")
            written = (
                raw["days"] if isinstance(raw["days"], str) else notation.format_day_list(days)
            )
            for day in days:
                if day < 1:
                    self.fail(
                        f"{path}.days",
                        f"dose day {day} is before the cycle (dose days are 1 to {cycle_days})",
                    )
                if day > cycle_days:
                    self.fail(
                        f"{path}.days",
                        f"day {day} is past the end of the {cycle_days}-day cycle "
                        f"(dose days are 1 to {cycle_days})",
                    )
        else:
            days, length = self.parsed(notation.parse_pattern, raw["pattern"], f"{path}.pattern")
            written = raw["pattern"]
            if length != cycle_days:
                self.fail(
                    f"{path}.pattern",
                    f"the pattern covers {length} days but the cycle has {cycle_days} "
                    "(make the on and off days add up to cycle_days)",
                )
        if "time" not in raw:
            self.fail(path, "missing required field 'time' (the dose time, HH:MM)")
        if "duration" not in raw:
            self.fail(path, 'missing required field \'duration\' (e.g. "15m", "2h")')
        return DoseRule(
            drug=drug,
            days=days,
            time=self.parsed(notation.parse_time, raw["time"], f"{path}.time"),
            duration=self.parsed(notation.parse_duration, raw["duration"], f"{path}.duration"),
            written_as=str(written).strip(),
            instructions=self.text(raw, "instructions", path, required=False),
        )

    def cycle_event(self, raw: dict[str, Any], path: str, cycle_days: int) -> CycleEventRule:
        self.check_keys(raw, _EVENT_KEYS, path)
        kind_word = raw.get("kind")
        if kind_word not in _EVENT_KINDS:
            self.fail(
                f"{path}.kind",
                f"kind must be one of: {', '.join(_EVENT_KINDS)} (got {_show(kind_word)})",
            )
        title = self.text(raw, "title", path)
        key = self.text(raw, "key", path, required=False) or _slug(title)
        if not _ID.match(key):
            self.fail(f"{path}.key", f"{key!r} is not a key (lower-case letters, digits and -)")
        if "days" not in raw:
            self.fail(path, 'missing required field \'days\' (e.g. "1" or "-1" for the day before)')
        days = self.parsed(notation.parse_day_list, raw["days"], f"{path}.days")
        for day in days:
            if not -cycle_days <= day <= cycle_days:
                self.fail(
                    f"{path}.days",
                    f"day {day} is outside the {cycle_days}-day cycle "
                    f"(allowed: 1 to {cycle_days}, or -1 to -{cycle_days} for days before it)",
                )
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
        return CycleEventRule(
            key=key,
            kind=_EVENT_KINDS[kind_word],
            title=title,
            days=days,
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
            self.fail(f"{path}.during_treatment", f"expected true or false, got {_show(during)}")
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


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
