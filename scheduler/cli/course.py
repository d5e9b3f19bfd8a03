"""``scheduler course ...``: create a course, record changes to it, show it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import PlanError
from ..words import plural
from . import app
from .common import (
    AgeOpt,
    CreatinineOpt,
    GfrOpt,
    PriorOpt,
    RegimenArg,
    SexOpt,
    body,
    check_region,
    now,
    parse_clock,
    parse_date,
    prior_doses,
    zone_name,
)
from .common import weekdays as closed_weekdays
from .help import Group

if TYPE_CHECKING:
    from ..course.model import Course
    from ..plan.changes import Change

course_app = typer.Typer(
    help="Keep a patient's course: create it, then record delays, omitted doses, an early stop, "
    "a new dose time and closures. Every change is checked and the previous file kept as FILE.bak; "
    "parallel changes to one file wait for each other.",
    no_args_is_help=True,
    cls=Group,
)
app.add_typer(course_app, name="course")

CourseFile = Annotated[Path, typer.Argument(metavar="COURSE", help="The course file.")]
Reason = Annotated[str | None, typer.Option(metavar="WHY", help="Why (recorded in the history).")]
PhaseOption = Annotated[
    int, typer.Option(metavar="N", help="Phase number, for regimens with several phases.")
]


@course_app.command("new")
def course_new_command(
    regimen: RegimenArg,
    start: Annotated[
        str, typer.Option(metavar="YYYY-MM-DD", help="First day of cycle 1, YYYY-MM-DD.")
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", metavar="FILE", help="The course file to create.")
    ],
    cycles: Annotated[int | None, typer.Option(metavar="N", help="Plan this many cycles.")] = None,
    until: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Plan nothing after this date.")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            metavar="ZONE",
            help="The patient's IANA time zone, e.g. Europe/London (required, unless --local-zone).",
        ),
    ] = None,
    local_zone: Annotated[
        bool, typer.Option(help="Plan in this machine's time zone instead of --tz.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            "--time",
            metavar="HH:MM",
            help="Time of the first timed dose rule HH:MM; the others keep their spacing from it.",
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option(metavar="LABEL", help="A label, e.g. the patient's initials.")
    ] = None,
    weight: Annotated[str | None, typer.Option(metavar="KG", help="Weight in kg.")] = None,
    height: Annotated[str | None, typer.Option(metavar="CM", help="Height in cm.")] = None,
    bsa: Annotated[
        str, typer.Option(metavar="mosteller|dubois", help="BSA formula: mosteller or dubois.")
    ] = "mosteller",
    gfr: GfrOpt = None,
    creatinine: CreatinineOpt = None,
    age: AgeOpt = None,
    sex: SexOpt = None,
    prior: PriorOpt = None,
    holidays: Annotated[
        list[str] | None,
        typer.Option(metavar="REGION", help="Public holidays that close the clinic, e.g. GB-ENG."),
    ] = None,
    remind: Annotated[
        str, typer.Option(metavar="WHEN,...", help="Reminders: default, none, or e.g. 30m,1d.")
    ] = "default",
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Start a course of a regimen for one patient.

    Example: scheduler course new aldesleukin-sc --start 2027-01-04 --cycles 4 --tz Europe/London --holidays GB-ENG -o jsmith.toml
    """
    from ..course.replan import new_course

    if not output.strip():
        raise PlanError("-o is empty: give the name of the course file to create")
    zone, _chosen = zone_name(tz, local_zone)
    first = parse_date(start, "--start")
    course, events = new_course(
        regimen,
        output,
        start=first,
        zone=zone,
        cycles=cycles,
        until=parse_date(until, "--until") if until is not None else None,
        dose_time=parse_clock(at) if at is not None else None,
        label=label or "",
        body=body(weight, height, bsa, gfr=gfr, creatinine=creatinine, age=age, sex=sex),
        reminders=remind,
        holidays=tuple(holidays or ()),
        prior=prior_doses(prior),
        force=force,
    )
    doses = [e for e in events if e.kind == "dose"]
    typer.echo(f"Created {output}: {plural(len(doses), 'dose')} from {course.start.isoformat()}")


def _record(file: Path, make: Callable[[Course], Change], reason: str | None) -> None:
    from ..course.diff import describe_changes, items_from_events
    from ..course.replan import edit_course
    from ..course.wording import words

    edit = edit_course(file, make, reason=reason or "", now=now())
    typer.echo(f"Recorded in {file} (previous version: {edit.file}.bak): {words(edit.entry.change)}"
               + (f" — {edit.entry.reason}" if edit.entry.reason else ""))  # fmt: skip
    for line in describe_changes(items_from_events(edit.before), items_from_events(edit.after)):
        typer.echo(f"  {line}")


@course_app.command("delay")
def course_delay_command(
    file: CourseFile,
    cycle: Annotated[
        int, typer.Option(metavar="N", help="The cycle to delay (later cycles follow).")
    ],
    days: Annotated[int | None, typer.Option(metavar="N", help="Delay by this many days.")] = None,
    to: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Or: the new first day of the cycle.")
    ] = None,
    phase: PhaseOption = 1,
    reason: Reason = None,
) -> None:
    """Delay a cycle and every later one (their tests and visits move too).

    Example: scheduler course delay jsmith.toml --cycle 2 --days 7 --reason "neutrophils 0.9"
    """
    from ..course.replan import delay_to
    from ..plan.changes import Delay

    if (days is None) == (to is None):
        raise PlanError("give exactly one of --days D or --to YYYY-MM-DD")
    target = parse_date(to, "--to") if to is not None else None

    def make(course: Course) -> Change:
        count = days if target is None else delay_to(course, phase, cycle, target)
        return Delay(phase, cycle, count if count is not None else 0)

    _record(file, make, reason)


@course_app.command("omit")
def course_omit_command(
    file: CourseFile,
    cycle: Annotated[int, typer.Option(metavar="N", help="Cycle of the dose.")],
    day: Annotated[int, typer.Option(metavar="DAY", help="Cycle day of the dose.")],
    slot: Annotated[
        int | None,
        typer.Option(metavar="N", help="Which dose of that day (1, 2, ...); default all."),
    ] = None,
    drug: Annotated[
        str | None,
        typer.Option(
            metavar="DRUG", help="Only this drug, by key or name (default: all that day)."
        ),
    ] = None,
    phase: PhaseOption = 1,
    reason: Reason = None,
) -> None:
    """Omit doses of one cycle day. Omitted doses are not replaced.

    Example: scheduler course omit jsmith.toml --cycle 1 --day 3 --reason "fever"
    """
    from ..course.replan import drug_key
    from ..plan.changes import Omit

    def make(course: Course) -> Change:
        key = drug_key(course.regimen_model(), drug) if drug is not None else None
        return Omit(phase, cycle, day, slot, key)

    _record(file, make, reason)


@course_app.command("stop")
def course_stop_command(
    file: CourseFile,
    after: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Nothing after this date.")
    ] = None,
    cycle: Annotated[
        int | None, typer.Option(metavar="N", help="Or: nothing after this cycle.")
    ] = None,
    phase: Annotated[
        int | None, typer.Option(metavar="N", help="Phase of --cycle (default 1).")
    ] = None,
    reason: Reason = None,
) -> None:
    """Stop the course early: everything after it is removed (precautions follow the new last dose).

    Example: scheduler course stop jsmith.toml --after 2027-03-31 --reason "progression"
    """
    from ..plan.changes import Stop

    if (after is None) == (cycle is None):
        raise PlanError("give exactly one of --after YYYY-MM-DD or --cycle N")
    if after is not None and phase is not None:
        raise PlanError("--phase goes with --cycle, not with --after")
    last: date | None = parse_date(after, "--after") if after is not None else None
    stop = Stop(after=last) if last is not None else Stop(phase=phase or 1, cycle=cycle)
    _record(file, lambda _course: stop, reason)


@course_app.command("retime")
def course_retime_command(
    file: CourseFile,
    start: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help="From this date on.")],
    at: Annotated[str, typer.Option("--time", metavar="HH:MM", help="The new dose time, HH:MM.")],
    reason: Reason = None,
) -> None:
    """Move the dose time from a date on (a day's later doses keep their spacing).

    Example: scheduler course retime jsmith.toml --from 2027-02-01 --time 08:00
    """
    from ..plan.changes import Retime

    change = Retime(parse_date(start, "--from"), parse_clock(at))
    _record(file, lambda _course: change, reason)


@course_app.command("close")
def course_close_command(
    file: CourseFile,
    dates: Annotated[
        list[str] | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="A closed date (repeatable)."),
    ] = None,
    holidays: Annotated[
        str | None, typer.Option(metavar="REGION", help="Public holidays of a region, e.g. GB-ENG.")
    ] = None,
    weekdays: Annotated[
        list[str] | None,
        typer.Option("--weekday", metavar="WEEKDAY", help="A closed weekday (repeatable)."),
    ] = None,
    reason: Reason = None,
) -> None:
    """Record clinic closures: clinic events move to the next open day; home doses stay.

    Example: scheduler course close jsmith.toml --date 2027-12-24 --reason "Christmas Eve: clinic closed"
    """
    from ..plan.changes import Close

    days = closed_weekdays(weekdays, "--weekday")
    region = check_region(holidays) if holidays is not None else None
    if not (dates or region or days):
        raise PlanError("give --date, --holidays or --weekday")
    change = Close(tuple(parse_date(d, "--date") for d in dates or ()), region, days)
    _record(file, lambda _course: change, reason)


@course_app.command("show")
def course_show_command(file: CourseFile) -> None:
    """What was planned, what changed, and what comes next.

    Example: scheduler course show jsmith.toml
    """
    from ..course.store import FileStore
    from ..course.wording import describe_course

    course = FileStore().get(str(file)).course
    typer.echo(describe_course(course, today=now().astimezone(course.zone()).date()))
