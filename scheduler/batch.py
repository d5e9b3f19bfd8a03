"""Planning many patients at once: a plans file (CSV or TOML, one row per patient) in; one
calendar per row written into a folder, each planned by :func:`scheduler.planner.plan` exactly
as ``scheduler plan`` plans it, so the batch, the command and every other view agree.

The whole file is read and checked before anything is planned. A file that cannot be used as a
whole (unreadable, too large, malformed, unknown columns, two rows writing one file, an output
name that would leave the folder) is a :class:`~scheduler.errors.PlansError` and nothing is
written. A row whose values are wrong fails alone, named by ``file:line``, and the other rows
are planned. Rows are planned in worker processes (each loads a regimen once); outcomes come
back in the order of the file. The columns are described in docs/batch.md.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import (
    CourseError,
    FileError,
    OutputError,
    PlanError,
    PlansError,
    RegimenError,
    SchedulerError,
)
from .files import read_text, write_atomic

if TYPE_CHECKING:
    from .plan.lifetime import Prior
    from .planner import Planned
    from .regimen.dosing import Body
    from .regimen.model import Regimen

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Outcome",
    "Plans",
    "Row",
    "Task",
    "read_plans",
    "run",
]

#: The columns of a CSV plans file, and the keys of a TOML ``[[plans]]`` table.
COLUMNS = (
    "regimen",
    "course",
    "start",
    "zone",
    "weight",
    "height",
    "gfr",
    "creatinine",
    "age",
    "sex",
    "prior",
    "label",
    "cycles",
    "until",
    "time",
    "output",
    "format",
    "plan_id",
)
#: The largest plans file read (about 100,000 rows of a clinic's export).
MAX_BYTES = 16_000_000
#: The most rows (plans) one file may hold.
MAX_ROWS = 100_000
#: The longest value of one cell, in characters.
MAX_CELL = 1_000
#: The longest output file name, in UTF-8 bytes (file systems allow 255).
MAX_NAME = 200

#: Library option names (PlanError.field) as the plans file spells them.
_COLUMN_OF = {"dose_time": "time", "remind": None, "bound": None, "force": None}
_NOT_FOR_COURSES = ("start", "zone", "cycles", "until", "time", "weight", "height", "gfr",
                    "creatinine", "age", "sex", "prior", "plan_id")  # fmt: skip


@dataclass(frozen=True)
class Task:
    """One row, checked and ready to plan: what a worker process receives."""

    source: str
    """A bundled regimen id, or the path of a regimen or course file."""
    kind: str
    """``id`` (bundled regimen), ``file`` (regimen file) or ``course`` (course file)."""
    output: str
    """The file name inside the output folder."""
    fmt: str = "ics"
    start: date | None = None
    zone: str | None = None
    cycles: int | None = None
    until: date | None = None
    dose_time: time | None = None
    body: Body | None = None
    prior: tuple[Prior, ...] = ()
    label: str | None = None
    plan_id: str | None = None
    """Part of every event's UID (default: the start date): a patient's own, so that two
    patients on one regimen and start date never share event identities in one calendar."""


@dataclass(frozen=True)
class Row:
    """One row of a plans file: where it is, the file it writes, and its task or its fault."""

    file: str
    """The plans file, as it was named."""
    number: int
    """The row's position among the plans, from 1."""
    line: int
    """The line of the row (CSV) or of its ``[[plans]]`` header (TOML)."""
    path: str
    """``plans[2]`` in a TOML file (0-based, like every field path); empty in a CSV file."""
    output: str
    task: Task | None
    """None when the row's values are wrong: then ``error`` says why."""
    error: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    """The line of each key (TOML), to point at the value at fault."""

    def output_error(self, message: str) -> PlansError:
        """A refusal of the whole plans file, pointing at this row's output."""
        return PlansError(
            message,
            file=self.file,
            line=self.lines.get("output", self.line),
            path=f"{self.path}.output" if self.path else "output",
        )

    def where(self, column: str | None = None) -> str:
        """``plans.csv:12: start`` or ``plans.toml:9: plans[2].start`` (without a column: the
        row's line, and ``plans[2]`` in TOML)."""
        line = self.lines.get(column, self.line) if column else self.line
        name = ".".join(part for part in (self.path, column or "") if part)
        return f"{self.file}:{line}" + (f": {name}" if name else "")


@dataclass(frozen=True)
class Plans:
    """A plans file, read and checked: every row, in the order of the file."""

    file: str
    folder: Path
    """Where paths in the file start (the plans file's folder)."""
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Outcome:
    """What became of one row: written to ``output``, or failed with ``error``."""

    row: Row
    output: Path
    error: str = ""
    """The whole message, starting ``plans.csv:12: ``; empty when the calendar was written."""
    field: str | None = None
    """``force`` when the calendar exists and may not be replaced (a front end says how)."""
    summary: str = ""
    """What was planned, in words, when it was written."""

    @property
    def ok(self) -> bool:
        return not self.error


# -- reading -------------------------------------------------------------------------------


@dataclass
class _Raw:
    number: int
    line: int
    path: str
    values: dict[str, Any]
    lines: dict[str, int]
    problem: tuple[str | None, str] | None = None


class _Bad(Exception):
    """A value of one row is wrong (the row fails; the others go on)."""

    def __init__(self, column: str | None, message: str) -> None:
        self.column = column
        self.message = message
        super().__init__(message)


def read_plans(path: str | Path) -> Plans:
    """Read and check the plans file at ``path`` (``.csv`` or ``.toml``); PlansError if it
    cannot be used as a whole. Rows with wrong values are kept, with their error."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".toml"):
        raise PlansError(
            "a plans file must be named .csv or .toml (the name says how to read it)", file=name
        )
    text = read_text(path, limit=MAX_BYTES, what="plans file", error=PlansError)
    raws = _csv_rows(text, name) if suffix == ".csv" else _toml_rows(text, name)
    if not raws:
        raise PlansError("holds no plans (one row per patient; see docs/batch.md)", file=name)
    folder = Path(name).parent
    _source.cache_clear()
    _zone_problem.cache_clear()
    rows = tuple(_row(raw, name, folder) for raw in raws)
    _refuse_shared_outputs(rows)
    _refuse_shared_identities(rows)
    return Plans(file=name, folder=folder, rows=rows)


def _csv_rows(text: str, origin: str) -> list[_Raw]:
    import csv
    import io

    text = text.removeprefix("\ufeff")
    if text.count("\n") > MAX_ROWS:
        # Too many rows is refused after one pass that keeps nothing (a quoted value may span
        # lines, so lines are not rows).
        _count_rows(csv.reader(io.StringIO(text, newline=""), strict=True), origin)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    raws: list[_Raw] = []
    end = 0
    try:
        for cells in reader:
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, origin, line)
                continue
            if len(raws) >= MAX_ROWS:
                raise PlansError(
                    f"more than {MAX_ROWS:,} plans: split the file", file=origin, line=line
                )
            values = {
                key: cell.strip() for key, cell in zip(header, cells, strict=False) if cell.strip()
            }
            raw = _Raw(len(raws) + 1, line, "", values, {})
            if len(cells) != len(header):
                raw.problem = (
                    None,
                    f"the row has {len(cells)} cells and the header {len(header)} columns "
                    "(a comma inside a value needs the value in double quotes)",
                )
            raws.append(raw)
    except csv.Error as err:
        raise PlansError(f"not valid CSV: {err}", file=origin, line=reader.line_num) from None
    if header is None:
        raise PlansError("holds no plans: the file is empty", file=origin)
    return raws


def _count_rows(reader: Any, origin: str) -> None:
    import csv

    rows = -1  # the header
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows += 1
                if rows > MAX_ROWS:
                    raise PlansError(
                        f"more than {MAX_ROWS:,} plans: split the file",
                        file=origin,
                        line=reader.line_num,
                    )
    except csv.Error:
        return  # reported with its line by the reading pass


def _header(cells: list[str], origin: str, line: int) -> list[str]:
    import difflib

    names = [cell.strip().lower() for cell in cells]
    for i, name in enumerate(names):
        if not name:
            raise PlansError(f"column {i + 1} of the header has no name", file=origin, line=line)
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise PlansError(
                f"unknown column {cells[i].strip()!r} ({hint}allowed: {', '.join(COLUMNS)})",
                file=origin,
                line=line,
            )
        if name in names[:i]:
            raise PlansError(f"the column {name!r} is named twice", file=origin, line=line)
    if "regimen" not in names and "course" not in names:
        raise PlansError(
            "no regimen or course column: each row plans a regimen (an id or a .toml file) "
            "or a course file",
            file=origin,
            line=line,
        )
    if "regimen" in names:
        for needed, what in (("start", "its first day"), ("zone", "the patient's time zone")):
            if needed not in names:
                raise PlansError(
                    f"no {needed} column: a row with a regimen needs {what} (see docs/batch.md)",
                    file=origin,
                    line=line,
                )
    return names


def _toml_rows(text: str, origin: str) -> list[_Raw]:
    from .tomlreader import TableReader, load_toml

    class Reader(TableReader):
        error = PlansError

    # Counted before parsing: the parser holds a whole file's tables, ten times its size.
    headers = re.finditer(r"^[ \t]*\[\[[ \t]*plans[ \t]*\]\]", text, re.MULTILINE)
    for count, header in enumerate(headers, start=1):
        if count > MAX_ROWS:
            raise PlansError(
                f"more than {MAX_ROWS:,} plans: split the file",
                file=origin,
                line=text.count("\n", 0, header.start()) + 1,
            )
    data = load_toml(text, origin, PlansError)
    reader = Reader(origin, text)
    reader.check_keys(data, ("plans",), "")
    if "plans" in data and isinstance(data["plans"], list) and len(data["plans"]) > MAX_ROWS:
        reader.fail(f"plans[{MAX_ROWS}]", f"more than {MAX_ROWS:,} plans: split the file")
    tables = reader.tables(data, "plans", "", "one [[plans]] table per patient")
    raws: list[_Raw] = []
    for i, table in enumerate(tables):
        path = f"plans[{i}]"
        reader.check_keys(table, COLUMNS, path)
        lines = {key: reader.line_of(f"{path}.{key}") or 0 for key in table}
        values = {key: value for key, value in table.items() if value != ""}
        raws.append(_Raw(i + 1, reader.line_of(path) or 0, path, values, lines))
    return raws


# -- checking one row ------------------------------------------------------------------------


def _row(raw: _Raw, origin: str, folder: Path) -> Row:
    output = _output_name(raw, origin)
    row = Row(origin, raw.number, raw.line, raw.path, output, None, lines=raw.lines)
    try:
        if raw.problem is not None:
            raise _Bad(*raw.problem)
        task = _task(raw.values, folder, output)
    except _Bad as bad:
        return Row(origin, raw.number, raw.line, raw.path, output, None,
                   f"{row.where(bad.column)}: {bad.message}", raw.lines)  # fmt: skip
    return Row(origin, raw.number, raw.line, raw.path, output, task, lines=raw.lines)


def _task(values: dict[str, Any], folder: Path, output: str) -> Task:
    for key, value in values.items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise _Bad(key, f"is {len(value):,} characters long; at most {MAX_CELL:,} are read")
    regimen = _text(values, "regimen")
    course = _text(values, "course")
    fmt = (_text(values, "format") or "ics").lower()
    from .export.formats import check_suffix, format_named

    try:
        format_named(fmt)
        if "output" in values:
            check_suffix(output, fmt)
    except PlanError as err:
        raise _Bad("format", str(err)) from None
    label = _text(values, "label")
    if regimen and course:
        raise _Bad(None, "give a regimen or a course, not both")
    if course:
        given = [key for key in _NOT_FOR_COURSES if key in values]
        if given:
            raise _Bad(
                given[0],
                f"a course file sets its own {', '.join(given)}: leave "
                f"{'it' if len(given) == 1 else 'them'} empty in a course row",
            )
        return Task(str(folder / course), "course", output, fmt, label=label)
    if not regimen:
        raise _Bad(
            None,
            "no regimen or course: give a bundled regimen id, a regimen .toml file or a course file",
        )
    kind, source = _regimen_source(regimen, folder)
    start = _date(values, "start")
    if start is None:
        raise _Bad("start", "required with a regimen: the first day of cycle 1 (YYYY-MM-DD)")
    zone = _text(values, "zone")
    if zone is None:
        raise _Bad(
            "zone",
            "required with a regimen: the patient's IANA time zone, e.g. Europe/London "
            "(never this machine's zone)",
        )
    problem = _zone_problem(zone)
    if problem:
        raise _Bad("zone", problem)
    return Task(
        source,
        kind,
        output,
        fmt,
        start=start,
        zone=zone,
        cycles=_whole(values, "cycles"),
        until=_date(values, "until"),
        dose_time=_clock(values, "time"),
        body=_body(values),
        prior=_prior(values),
        label=label,
        plan_id=_text(values, "plan_id"),
    )


def _show(value: object) -> str:
    from .tomlreader import show

    return show(value)


def _text(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(key, f"expected text in quotes, got {_show(value)}")
    if "\x00" in value:
        raise _Bad(key, "contains a NUL character")
    return value.strip() or None


def _regimen_source(value: str, folder: Path) -> tuple[str, str]:
    """``("file", path)`` for a regimen file (relative to the plans file), else ``("id", id)``;
    the same test as ``scheduler plan`` run in the plans file's folder."""
    kind, source, problem = _source(value, str(folder))
    if problem:
        raise _Bad("regimen", problem)
    return kind, source


@functools.lru_cache(maxsize=4096)
def _source(value: str, folder: str) -> tuple[str, str, str]:
    # Cached for one read (cleared by read_plans): a clinic's 100,000 rows name a few regimens.
    candidate = Path(folder) / value
    if value.endswith(".toml") or "/" in value or "\\" in value or candidate.exists():
        return "file", str(candidate), ""
    from .errors import UnknownRegimenError
    from .regimen.catalog import bundled_path

    try:
        bundled_path(value)
    except UnknownRegimenError as err:
        return "id", value, str(err)
    return "id", value, ""


@functools.lru_cache(maxsize=4096)
def _zone_problem(zone: str) -> str:
    """Why ``zone`` is not a zone to plan in ('' if it is); cached like :func:`_source`."""
    from .plan.zones import load_zone

    try:
        load_zone(zone)
    except PlanError as err:
        return str(err)
    return ""


def _date(values: dict[str, Any], key: str) -> date | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        raise _Bad(key, f"expected a date without a time, got {value.isoformat()}")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise _Bad(key, f"expected a date like 2027-01-04, got {_show(value)}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(
            key, f"{value!r} is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)"
        ) from None


def _whole(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        return int(value)
    raise _Bad(key, f"expected a whole number, got {_show(value)}")


def _clock(values: dict[str, Any], key: str) -> time | None:
    value = values.get(key)
    if value is None:
        return None
    from .regimen.notation import parse_time

    try:
        return parse_time(value.strip() if isinstance(value, str) else value)
    except ValueError as err:
        raise _Bad(key, str(err)) from None


def _prior(values: dict[str, Any]) -> tuple[Prior, ...]:
    """``prior``: doses given before the plan, ``doxorubicin=150 mg/m2; bleomycin=90 units``."""
    text = _text(values, "prior")
    if text is None or not text.strip():
        return ()
    from .plan.lifetime import MAX_PRIOR, parse_prior

    parts = [p for p in text.split(";") if p.strip()]
    if len(parts) > MAX_PRIOR:
        raise _Bad("prior", f"at most {MAX_PRIOR} prior doses, one per drug")
    try:
        return tuple(parse_prior(p) for p in parts)
    except ValueError as err:
        raise _Bad("prior", str(err)) from None


#: The columns that are patient figures (read_body's names).
_FIGURES = ("weight", "height", "gfr", "creatinine", "age", "sex")


def _body(values: dict[str, Any]) -> Body | None:
    from .regimen.dosing import FigureError, read_body

    try:
        return read_body(**{c: values.get(c) for c in _FIGURES})
    except FigureError as err:
        raise _Bad(err.figure, str(err)) from None


# -- output names ----------------------------------------------------------------------------


def _output_name(raw: _Raw, origin: str) -> str:
    """The row's file name in the output folder: ``output`` if given (a plain name, checked
    here: the whole file is refused otherwise), else a safe name from the label, or from the
    regimen (or course file), the start and the row number."""
    given = raw.values.get("output")
    where = raw.lines.get("output", raw.line)
    column = f"{raw.path}.output" if raw.path else "output"
    if given is not None:
        if not isinstance(given, str):
            raise PlansError(f"expected a file name in quotes, got {_show(given)}",
                             file=origin, line=where, path=column)  # fmt: skip
        name = given.strip()
        problem = _unsafe(name)
        if problem:
            raise PlansError(
                f"{name!r} {problem}: give a plain file name, written inside the output folder",
                file=origin,
                line=where,
                path=column,
            )
        return name
    from .export.formats import FORMATS

    fmt = raw.values.get("format")
    chosen = FORMATS.get(fmt.strip().lower()) if isinstance(fmt, str) else None
    extension = chosen.suffix if chosen is not None and chosen.suffix else ".ics"
    label = raw.values.get("label")
    base = _slug(label) if isinstance(label, str) else ""
    if not base:
        source = raw.values.get("regimen") or raw.values.get("course")
        stem = _slug(Path(source).stem) if isinstance(source, str) else ""
        start = raw.values.get("start")
        parts = [stem, _slug(str(start)) if start is not None else "", f"row{raw.number}"]
        base = "-".join(part for part in parts if part)
    return base + extension


def _unsafe(name: str) -> str:
    """Why ``name`` is not a plain file name inside the folder ('' if it is)."""
    if not name:
        return "is empty"
    if any(sep in name for sep in ("/", "\\", ":")):
        return "names a path, not a file (it has / or \\ or :)"
    if name.startswith("."):
        return "starts with a dot (hidden, or the folder itself or its parent)"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        return "contains a control character"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME:
        return f"is longer than {MAX_NAME} bytes"
    return ""


def _slug(text: str) -> str:
    """``"José García (2)"`` -> ``"Jose-Garcia-2"``: letters, digits, dot, dash, underscore."""
    ascii_text = unicodedata.normalize("NFKD", text[:MAX_CELL]).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")
    return slug[:100].rstrip("-._")


def _refuse_shared_outputs(rows: tuple[Row, ...]) -> None:
    """Two rows may not write one file (names compared as a case-insensitive file system
    would): which one wins would depend on timing."""
    first: dict[str, Row] = {}
    for row in rows:
        key = unicodedata.normalize("NFC", row.output).casefold()
        other = first.setdefault(key, row)
        if other is not row:
            same = (
                f"as line {other.line} does"
                if other.output == row.output
                else f"the same file as line {other.line} ({other.output!r}) where case is ignored"
            )
            raise row.output_error(
                f"writes {row.output!r}, {same}: give each row its own output (or label)"
            )


def _identity(task: Task) -> tuple[str, ...] | None:
    """What a row's event UIDs derive from: a course's id, or a regimen with its plan id (the
    one ``plan`` would use: given, else from the start and label). None when a course file
    cannot be read here (its row fails when planned)."""
    if task.kind == "course":
        from .course.store import FileStore

        try:
            return ("course", FileStore().get(task.source).course.id)
        except (SchedulerError, OSError):
            return None
    from .planner import labelled_identity

    assert task.start is not None
    label = " ".join((task.label or "").split())
    plan_id = task.plan_id or labelled_identity(task.start, label) or task.start.isoformat()
    return ("plan", task.source, plan_id)


def _refuse_shared_identities(rows: tuple[Row, ...]) -> None:
    """Two rows may not share event identities (two patients on one regimen and start without a
    label or plan id, or one course twice): in one shared calendar the second would replace the
    first patient's events."""
    first: dict[tuple[str, ...], Row] = {}
    for row in rows:
        key = _identity(row.task) if row.task is not None else None
        if key is None:
            continue
        other = first.setdefault(key, row)
        if other is not row:
            what = (
                f"plans the course with id {key[1]!r}, as line {other.line} does"
                if key[0] == "course"
                else f"would give its events the same UIDs as line {other.line} (same regimen, "
                "start and label, no plan_id): give each patient a label or a plan_id"
            )
            raise PlansError(
                f"{what}; two rows sharing an identity would overwrite each other's events in "
                "a shared calendar",
                file=row.file,
                line=row.line,
                path=row.path or None,
            )


# -- planning ------------------------------------------------------------------------------


def run(
    plans: Plans,
    folder: str | Path,
    *,
    stamp: datetime,
    force: bool = False,
    jobs: int | None = None,
) -> Iterator[Outcome]:
    """Plan every row of ``plans`` into ``folder`` (created if missing), yielding each row's
    outcome in the order of the file.

    ``stamp`` is every calendar's DTSTAMP; ``force`` replaces calendars that exist (otherwise
    such a row fails); ``jobs`` is the number of processes (default: one per CPU; 1 plans in
    this process). The folder is checked (and made) before this returns, raising OutputError
    or PlansError; nothing after that raises for a row's sake.
    """
    target = _prepare(plans, Path(folder))
    return _outcomes(plans, target, stamp=stamp, force=force, jobs=jobs)


def _prepare(plans: Plans, folder: Path) -> Path:
    if not str(folder).strip() or str(folder) == "-":
        raise OutputError("give a folder for the calendars", field="output")
    try:
        info = folder.stat()
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise OutputError(f"cannot use {folder}: {err.strerror}", field="output") from None
    if info is not None and not folder.is_dir():
        raise OutputError(f"{folder} is not a folder: give a folder for the calendars",
                          field="output")  # fmt: skip
    _refuse_overwriting_inputs(plans, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot make the folder {folder}: {err.strerror}",
                          field="output") from None  # fmt: skip
    return folder


def _refuse_overwriting_inputs(plans: Plans, folder: Path) -> None:
    """An output name may not lead to the plans file or a file a row reads (with --force it
    would replace it)."""
    real_folder = os.path.realpath(folder)
    parents: dict[str, str] = {}

    def real(path: str) -> str:
        parent, name = os.path.split(path)
        if parent not in parents:
            parents[parent] = os.path.realpath(parent or ".")
        return os.path.join(parents[parent], name)

    inputs = {real(plans.file)}
    inputs |= {real(r.task.source) for r in plans.rows if r.task and r.task.kind != "id"}
    for row in plans.rows:
        if os.path.join(real_folder, row.output) in inputs:
            raise row.output_error(
                f"{row.output!r} would replace a file this batch reads: give another output"
            )


def _outcomes(
    plans: Plans, folder: Path, *, stamp: datetime, force: bool, jobs: int | None
) -> Iterator[Outcome]:
    _REGIMENS.clear()
    tasks = [row.task for row in plans.rows if row.task is not None]
    work = partial(_plan_one, folder=str(folder), stamp=stamp, force=force)
    workers = min(jobs if jobs is not None else _cpus(), len(tasks))
    pool: ProcessPoolExecutor | None = None
    if workers > 1:
        # Import what the workers run before they fork, so each does not import it again.
        from . import planner  # noqa: F401
        from .export import ics  # noqa: F401
        from .plan import engine  # noqa: F401

        pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_start)
        chunk = max(1, min(64, len(tasks) // (workers * 8)))
        results: Iterator[tuple[str, str | None, str]] = pool.map(work, tasks, chunksize=chunk)
    else:
        results = map(work, tasks)
    try:
        for row in plans.rows:
            output = folder / row.output
            if row.task is None:
                yield Outcome(row, output, error=row.error)
                continue
            error, name, summary = next(results)
            if error:
                yield Outcome(row, output, error=_located(row, error, name), field=name)
            else:
                yield Outcome(row, output, summary=summary)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _located(row: Row, message: str, name: str | None) -> str:
    """A planning error placed at its row, naming the column at fault the file's way."""
    if name == "bound":
        message += " (give cycles or until)"
    column = _COLUMN_OF.get(name, name) if name else None
    if name is None or column not in COLUMNS:
        return f"{row.where()}: {message}"
    if message.startswith(f"{name} "):
        message = message[len(name) + 1 :]
    return f"{row.where(column)}: {message}"


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _context() -> Any:
    import multiprocessing

    # fork: workers start in milliseconds with the planner already imported. Elsewhere the
    # platform's default (spawn on macOS and Windows, where fork is unsafe or missing).
    return multiprocessing.get_context("fork" if sys.platform == "linux" else None)


def _worker_start() -> None:
    # Ctrl-C is the parent's to handle: it stops the pool, without a traceback per worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Regimens loaded in this process during one run, by source (and what failed, not retried).
_REGIMENS: dict[str, Regimen | SchedulerError] = {}


def _regimen(task: Task) -> Regimen:
    found = _REGIMENS.get(task.source)
    if found is None:
        try:
            found = _load_regimen(task)
        except SchedulerError as err:
            found = err
        _REGIMENS[task.source] = found
    if isinstance(found, SchedulerError):
        raise found
    return found


def _load_regimen(task: Task) -> Regimen:
    from .regimen.catalog import bundled_path
    from .regimen.loader import load_regimen

    if task.kind == "id":
        return load_regimen(bundled_path(task.source))
    from .course.file import is_course_file

    if is_course_file(task.source):
        raise RegimenError("is a course file: give it in the course column", file=task.source)
    return load_regimen(task.source)


def _planned(task: Task) -> Planned:
    from .planner import plan

    if task.kind == "course":
        from .course.file import is_course_file

        if not is_course_file(task.source):
            raise CourseError(
                "is not a course file (a regimen file goes in the regimen column)",
                file=task.source,
            )
        return plan(task.source, label=task.label)
    return plan(
        _regimen(task),
        start=task.start,
        zone=task.zone,
        cycles=task.cycles,
        until=task.until,
        dose_time=task.dose_time,
        plan_id=task.plan_id,
        body=task.body,
        prior=task.prior,
        label=task.label,
    )


def _plan_one(
    task: Task, *, folder: str, stamp: datetime, force: bool
) -> tuple[str, str | None, str]:
    """Plan, render and write one row: ``(error, field, summary)``, error empty on success.
    Runs in a worker process, so it returns plain values and raises nothing."""
    try:
        planned = _planned(task)
        data = planned.render(task.fmt, stamp=stamp)
        write_atomic(Path(folder) / task.output, data, force=force)
        return "", None, planned.summary()
    except FileError as err:
        return str(err), None, ""
    except (PlanError, OutputError) as err:
        return str(err), err.field, ""
    except SchedulerError as err:
        return str(err), None, ""
    except MemoryError:
        return "out of memory while planning this row", None, ""
    except Exception as err:  # a bug: reported on its row, the other rows still planned
        return f"internal error ({type(err).__name__}: {err}); please report this", None, ""
