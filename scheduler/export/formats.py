"""The output formats, in one table: each format's name, file suffix, media type, words for
help texts, and writer. ``plan``, ``batch``, the feed and the help text all read it, so a new
format is one entry here (and its writer module).

Writers import their exporter when called: the table is read at start-up by every command, and
a plan written as .ics never loads the HTML or FHIR code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

from ..arguments import need, need_path, need_text
from ..errors import PlanError

if TYPE_CHECKING:
    from .planned import Planned

__all__ = [
    "FORMATS",
    "Format",
    "Rendering",
    "check_suffix",
    "format_for_file",
    "format_named",
    "names",
]


@dataclass(frozen=True)
class Rendering:
    """How to render, beyond the format: DTSTAMP, the .ics recurrence form, the first day of
    the week in month grids, and a terminal's width and colour."""

    stamp: datetime
    recurrence: str = "expand"
    week_start: int | None = None
    width: int = 100
    color: bool = False


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str
    suffix: str | None
    """The file suffix it is written under (``.ics``); None for terminal output."""
    media_type: str
    words: str
    """What it is, for help texts: ``ics (calendar apps)``."""
    file_by_default: bool
    """Written to ``ID-START<suffix>`` when no ``-o`` is given; otherwise to standard output."""
    writer: Callable[[Planned, Rendering], bytes]
    claims: tuple[str, ...] = ()
    """Suffixes that mean this format when a file is named without one (``plan.json``)."""

    def write(self, planned: Planned, how: Rendering) -> bytes:
        """``planned`` in this format; ArgumentError for an argument of the wrong type."""
        need(how, Rendering, "how", "a Rendering (stamp, recurrence, week_start, width, color)")
        return self.writer(planned, how)


def _ics(planned: Planned, how: Rendering) -> bytes:
    from .ics import RECURRENCE_FORMS, to_ics

    if how.recurrence not in RECURRENCE_FORMS:
        raise PlanError(
            f"unknown recurrence form {how.recurrence!r} (allowed: {', '.join(RECURRENCE_FORMS)})",
            field="recurrence",
        )
    return to_ics(
        planned.events,
        name=planned.name,
        stamp=how.stamp,
        zone=planned.zone,
        reminders=planned.reminders,
        recurrence=how.recurrence,
    )


def _json(planned: Planned, _how: Rendering) -> bytes:
    from .json import to_json

    return to_json(planned).encode("utf-8")


def _fhir(version: str) -> Callable[[Planned, Rendering], bytes]:
    def write(planned: Planned, how: Rendering) -> bytes:
        import json

        from ..fhir.mapping import validate
        from ..fhir.plan import plan_to_bundle

        bundle = plan_to_bundle(planned, version=version, generated=how.stamp)
        validate(bundle, version)
        text = json.dumps(bundle, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        return text.encode("utf-8")

    return write


def _html(planned: Planned, how: Rendering) -> bytes:
    from .html import to_html

    return to_html(planned, stamp=how.stamp, week_start=how.week_start).encode("utf-8")


def _diary(planned: Planned, how: Rendering) -> bytes:
    from .diary import to_diary

    return to_diary(planned, stamp=how.stamp).encode("utf-8")


def _csv(planned: Planned, _how: Rendering) -> bytes:
    from .csv import to_csv

    return to_csv(planned.events, planned.records).encode("utf-8")


def _terminal(kind: str) -> Callable[[Planned, Rendering], bytes]:
    def write(planned: Planned, how: Rendering) -> bytes:
        from . import terminal

        make = terminal.to_calendar if kind == "calendar" else terminal.to_table
        text = make(planned, width=how.width, color=how.color, week_start=how.week_start)
        return text.encode("utf-8")

    return write


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("ics", ".ics", "text/calendar; charset=utf-8", "ics (calendar apps)", True, _ics,
               (".ics", ".ical", ".ifb")),
        Format("html", ".html", "text/html; charset=utf-8", "html (a printable month calendar)",
               True, _html, (".html", ".htm")),
        Format("diary", ".diary.html", "text/html; charset=utf-8", "diary (a printable dose "
               "diary, a page per cycle, for home doses)", True, _diary, (".diary.html",)),
        Format("json", ".json", "application/json", "json (the plan for integrators)", False,
               _json, (".json",)),
        Format("csv", ".csv", "text/csv; charset=utf-8", "csv (a row per event, for "
               "spreadsheets)", False, _csv, (".csv",)),
        Format("fhir", ".json", "application/fhir+json", "fhir (a FHIR R5 Bundle)", False,
               _fhir("r5"), (".fhir.json",)),
        Format("fhir-r4b", ".json", "application/fhir+json", "fhir-r4b (a FHIR R4B Bundle)",
               False, _fhir("r4b")),
        Format("calendar", ".txt", "text/plain; charset=utf-8", "calendar (month grids for the "
               "terminal)", False, _terminal("calendar")),
        Format("table", ".txt", "text/plain; charset=utf-8", "table (a compact list for the "
               "terminal)", False, _terminal("table")),
    )
}  # fmt: skip


def names() -> tuple[str, ...]:
    """The format names, in the table's order."""
    return tuple(FORMATS)


def format_named(name: str) -> Format:
    """The format called ``name``; PlanError (``field="format"``) naming the allowed ones."""
    need_text(name, "format", error=PlanError, most=100)
    found = FORMATS.get(name)
    if found is None:
        pdf = "; for a PDF, write html and print it from a browser" if name.lower() == "pdf" else ""
        raise PlanError(
            f"unknown format {name!r} (allowed: {', '.join(FORMATS)}{pdf})", field="format"
        )
    return found


def _suffix_of(file: str) -> str:
    """The suffix that names a file's format: a two-part one a format claims (``.fhir.json``,
    ``.diary.html``), else the last (``.json``)."""
    name = PurePath(file).name.lower()
    return next((two for two in _COMPOUND if name.endswith(two)), PurePath(name).suffix)


def _claims() -> dict[str, str]:
    claims: dict[str, str] = {}
    for f in FORMATS.values():
        for suffix in f.claims:
            claims.setdefault(suffix, f.name)
    return claims


#: The format a file's suffix stands for when no format is named.
_BY_SUFFIX = _claims()
#: The claimed suffixes of two parts or more, longest first.
_COMPOUND = tuple(sorted((x for x in _BY_SUFFIX if x.count(".") > 1), key=len, reverse=True))


def format_for_file(file: str, default: str = "ics") -> str:
    """The format a file named ``file`` holds when no format is given: ``plan.json`` is JSON,
    ``plan.csv`` CSV, ``plan.html`` HTML, ``x.fhir.json`` a FHIR Bundle, ``x.diary.html`` a dose
    diary; a suffix no format claims (``.txt``, or none) is ``default``."""
    need_path(file, "file")
    need_text(default, "default")
    return _BY_SUFFIX.get(_suffix_of(file), default)


def check_suffix(file: str, fmt: str) -> None:
    """Refuse to write format ``fmt`` under a name whose suffix another format claims
    (json as ``plan.ics``): a file's name must not lie about what it holds. A suffix no format
    claims (``.txt``, or none) is allowed, and so is a format's own (a FHIR Bundle as .json);
    a two-part suffix (``.diary.html``, ``.fhir.json``) only for the format that claims it."""
    need_path(file, "file")
    chosen = format_named(fmt)
    suffix = _suffix_of(file)
    claimed = _BY_SUFFIX.get(suffix)
    plain = PurePath(file).suffix.lower()
    # A two-part suffix is only ever its own format's (the month calendar is no x.diary.html).
    own = suffix == plain and plain in (chosen.suffix, *chosen.claims)
    if claimed is None or claimed == fmt or own:
        return
    name = PurePath(file).name
    better = f"name it {name[: -len(suffix)]}{chosen.suffix}, or " if chosen.suffix else ""
    raise PlanError(
        f"{name} is named as {claimed} ({suffix}) but would hold {fmt}: {better}write {claimed}",
        field="format",
    )
