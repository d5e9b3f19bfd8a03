"""The ``scheduler`` command: parse arguments, call the library, print. Nothing clever here.

Every domain error becomes one line, ``Error: ...``, on stderr with exit code 1; usage errors
(a missing option, a non-number) one line with exit code 2. No tracebacks.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .errors import PlanError, SchedulerError

if TYPE_CHECKING:
    from .regimen.dosing import Body

app = typer.Typer(
    help="Turn a treatment regimen into a dated dose calendar (.ics) for calendar apps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

PlanArg = Annotated[
    str,
    typer.Argument(
        metavar="ID|FILE|COURSE",
        help="A bundled regimen id, a regimen .toml file, or a course file (scheduler course new).",
    ),
]
RegimenArg = Annotated[
    str,
    typer.Argument(
        metavar="ID|FILE", help="A bundled regimen id (see 'scheduler regimens') or a .toml file."
    ),
]


@app.command("regimens")
def regimens_command() -> None:
    """List the bundled regimens.

    Example: scheduler regimens
    """
    from .regimen.catalog import summaries

    rows = [("ID", "CYCLE", "NAME", "SOURCE")]
    rows += [(s.id, s.cycles, s.name, s.source) for s in summaries()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        typer.echo(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )


@app.command("show")
def show_command(
    regimen: RegimenArg,
    start: Annotated[
        str | None, typer.Option(help="Put dates on cycle 1 (YYYY-MM-DD, cycle 1 day 1).")
    ] = None,
) -> None:
    """Show a regimen in words, then cycle 1 day by day.

    Example: scheduler show aldesleukin-sc --start 2027-01-04
    """
    from .regimen.catalog import resolve
    from .regimen.describe import cycle_grid, describe, one_cycle

    loaded = resolve(regimen)
    first = _parse_date(start, "--start") if start else None
    typer.echo(describe(loaded))
    for phase in loaded.phases:
        typer.echo("")
        typer.echo(cycle_grid(loaded, phase))
        typer.echo("")
        typer.echo(one_cycle(loaded, phase, first if phase is loaded.phases[0] else None))


@app.command("plan")
def plan_command(
    regimen: PlanArg,
    start: Annotated[
        str | None, typer.Option(help="First day of cycle 1, YYYY-MM-DD (not for course files).")
    ] = None,
    cycles: Annotated[int | None, typer.Option(help="Plan this many cycles.")] = None,
    until: Annotated[
        str | None, typer.Option(help="Plan nothing after this date (YYYY-MM-DD).")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="IANA time zone, e.g. Europe/London (default: this machine's)."),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--time", help="Dose time of day HH:MM, instead of the regimen's.")
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file, or - for standard output "
            "(default: ID-START.ics for ics, standard output for json).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="ics or json.")] = "ics",
    force: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    plan_id: Annotated[
        str | None,
        typer.Option(help="Identity of this plan in event UIDs (default: the start date)."),
    ] = None,
    weight: Annotated[
        str | None, typer.Option(help="Weight in kg, to calculate per-kg and per-m² doses.")
    ] = None,
    height: Annotated[
        str | None, typer.Option(help="Height in cm, with --weight, to calculate per-m² doses.")
    ] = None,
    bsa: Annotated[
        str, typer.Option(help="Body surface area formula: mosteller or dubois.")
    ] = "mosteller",
    remind: Annotated[
        str | None,
        typer.Option(
            help="Reminders: e.g. 30m,1d, or none (default: doses at the time, tests and "
            "appointments the evening before). Some apps (Google) drop reminders on import."
        ),
    ] = None,
    recurrence: Annotated[
        str,
        typer.Option(help="expand (one event per dose) or rrule (repeating doses as series)."),
    ] = "expand",
    label: Annotated[
        str | None,
        typer.Option(help="A label for the calendar's name, e.g. the patient's initials."),
    ] = None,
) -> None:
    """Plan a regimen into dated events, written as an .ics calendar or JSON.

    Example: scheduler plan aldesleukin-sc --start 2027-01-04 --cycles 4 --tz Europe/London -o plan.ics

    With --weight (and --height) per-kg and per-m² doses are calculated; each event shows the
    working. Example: scheduler plan r-chop-21 --start 2027-01-04 --weight 70 --height 175
    """
    from .files import write_atomic
    from .plan.engine import PlanOptions, expand
    from .plan.zones import load_zone, system_zone_name
    from .regimen.catalog import resolve

    if fmt not in ("ics", "json"):
        raise PlanError(f"unknown format {fmt!r} (allowed: ics, json)")
    from .regimen.catalog import is_course

    if is_course(regimen):
        from .course.course import load_course, plan_course

        given = [n for n, v in (("--start", start), ("--cycles", cycles), ("--until", until),
                 ("--tz", tz), ("--time", at), ("--weight", weight), ("--height", height),
                 ("--plan-id", plan_id)) if v is not None]  # fmt: skip
        if given:
            raise PlanError(
                f"{regimen} is a course file: it sets {', '.join(given)} itself "
                "(change the course with scheduler course ...)"
            )
        course = load_course(regimen)
        loaded, zone, events = plan_course(course)
        first = course.start
        label = label or course.label
        remind = remind or course.reminders
        tz = course.timezone
    else:
        if start is None:
            raise PlanError("Missing option '--start' (the first day of cycle 1, YYYY-MM-DD)")
        zone_name = tz or system_zone_name()
        if not zone_name:
            raise PlanError(
                "cannot tell this machine's time zone: give one with --tz, e.g. --tz Europe/London"
            )
        zone = load_zone(zone_name)
        loaded = resolve(regimen)
        first = _parse_date(start, "--start")
        options = PlanOptions(
            start=first,
            zone=zone,
            cycles=cycles,
            until=_parse_date(until, "--until") if until else None,
            dose_time=_parse_clock(at) if at else None,
            plan_id=plan_id,
            body=_body(weight, height, bsa),
        )
        events = expand(loaded, options)
    if fmt == "json":
        from .export.json import to_json

        data = to_json(events).encode("utf-8")
    else:
        from .export.ics import RECURRENCE_FORMS, Reminders, to_ics

        if recurrence not in RECURRENCE_FORMS:
            raise PlanError(f"unknown --recurrence {recurrence!r} (allowed: expand, rrule)")
        try:
            reminders = Reminders.parse(remind or "default")
        except ValueError as err:
            raise PlanError(f"--remind: {err}") from None
        name = " + ".join(d.name for d in loaded.drugs) + f" ({loaded.id})"
        if label and label.strip():
            name += f" — {label.strip()}"
        data = to_ics(
            events,
            name=name,
            stamp=_stamp(),
            zone=zone,
            reminders=reminders,
            recurrence=recurrence,
        )
    target = output or (f"{loaded.id}-{first.isoformat()}.ics" if fmt == "ics" else "-")
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic(target, data, force=force)
    doses = [e for e in events if e.kind == "dose" and not e.cancelled]
    last_cycle = max((e.cycle or 0) for e in doses) if doses else 0
    typer.echo(
        f"Wrote {target}: {len(events)} events, {len(doses)} doses in {last_cycle} cycle(s), "
        f"{events[0].start:%Y-%m-%d} to {events[-1].start:%Y-%m-%d}, times in {zone.key}"
        + ("" if tz else " (this machine's zone; use --tz to choose)")
    )


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Regimen .toml files.")],
) -> None:
    """Check regimen files; print each problem as file:line: field: what is wrong.

    Each file is also planned once (from a fixed date) to catch what only real dates show.

    Example: scheduler validate regimens/*.toml
    """
    from .plan.engine import trial
    from .regimen.loader import load_regimen

    failed = 0
    for file in files:
        try:
            regimen = load_regimen(file)
            trial(regimen)
        except PlanError as err:
            failed += 1
            typer.echo(f"Error: {file}: a trial plan fails: {err}", err=True)
        except SchedulerError as err:
            failed += 1
            typer.echo(f"Error: {err}", err=True)
        else:
            typer.echo(f"ok: {file} ({regimen.id})")
    if failed:
        raise typer.Exit(1)


course_app = typer.Typer(
    help="Keep a patient's course: create it, then record delays, omitted doses, an early stop, "
    "a new dose time and closures. Every change is checked and the previous file kept as FILE.bak.",
    no_args_is_help=True,
)
app.add_typer(course_app, name="course")

CourseFile = Annotated[Path, typer.Argument(metavar="COURSE", help="The course file.")]
Reason = Annotated[str | None, typer.Option(help="Why (recorded in the history).")]
PhaseOption = Annotated[
    int | None, typer.Option(help="Phase number, for regimens with several phases (default 1).")
]


@course_app.command("new")
def course_new_command(
    regimen: RegimenArg,
    start: Annotated[str, typer.Option(help="First day of cycle 1, YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The course file to create.")],
    cycles: Annotated[int | None, typer.Option(help="Plan this many cycles.")] = None,
    until: Annotated[str | None, typer.Option(help="Plan nothing after this date.")] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA time zone (default: this machine's).")
    ] = None,
    at: Annotated[str | None, typer.Option("--time", help="Dose time HH:MM.")] = None,
    label: Annotated[str | None, typer.Option(help="A label, e.g. the patient's initials.")] = None,
    weight: Annotated[str | None, typer.Option(help="Weight in kg.")] = None,
    height: Annotated[str | None, typer.Option(help="Height in cm.")] = None,
    bsa: Annotated[str, typer.Option(help="BSA formula: mosteller or dubois.")] = "mosteller",
    holidays: Annotated[
        list[str] | None, typer.Option(help="Public holidays that close the clinic, e.g. GB-ENG.")
    ] = None,
    remind: Annotated[
        str, typer.Option(help="Reminders: default, none, or e.g. 30m,1d.")
    ] = "default",
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Start a course of a regimen for one patient.

    Example: scheduler course new aldesleukin-sc --start 2027-01-04 --cycles 4 --tz Europe/London --holidays GB-ENG -o jsmith.toml
    """
    from .course.course import Course, plan_course, save_course
    from .plan.zones import load_zone, system_zone_name
    from .regimen.catalog import resolve

    loaded = resolve(regimen)
    zone_name = tz or system_zone_name()
    if not zone_name:
        raise PlanError("cannot tell this machine's time zone: give one with --tz")
    load_zone(zone_name)
    first = _parse_date(start, "--start")
    body = _body(weight, height, bsa)
    course = Course(
        id=f"{loaded.id}-{first.isoformat()}",
        regimen=regimen,
        start=first,
        timezone=zone_name,
        cycles=cycles,
        until=_parse_date(until, "--until") if until else None,
        dose_time=_parse_clock(at) if at else None,
        label=(label or "").strip(),
        weight_kg=body.weight_kg if body else None,
        height_cm=body.height_cm if body else None,
        bsa_formula=body.bsa_formula if body else "mosteller",
        reminders=remind,
        holidays=tuple(holidays or ()),
        origin=str(output),
    )
    _, _, events = plan_course(course)  # refuses what cannot be planned, before writing
    save_course(course, output, new=True, force=force)
    doses = [e for e in events if e.kind == "dose"]
    typer.echo(f"Created {output}: {len(doses)} doses from {course.start.isoformat()}")


def _record(file: Path, action: str, details: dict[str, object], reason: str | None) -> None:
    from .course.course import Entry, load_course, plan_course, record, save_course
    from .course.diff import describe_changes, items_from_events

    course = load_course(file)
    now = _now()
    entry = Entry(at=now, action=action, details=details, reason=(reason or "").strip())
    today = now.astimezone(course.zone()).date()
    updated = record(course, entry, today=today)
    _, _, old = plan_course(course)
    _, _, new = plan_course(updated)
    save_course(updated, file)
    typer.echo(
        f"Recorded in {file} (previous version: {file}.bak): {entry.words().split(': ', 1)[1]}"
    )
    for line in describe_changes(items_from_events(old), items_from_events(new)):
        typer.echo(f"  {line}")


@course_app.command("delay")
def course_delay_command(
    file: CourseFile,
    cycle: Annotated[int, typer.Option(help="The cycle to delay (later cycles follow).")],
    days: Annotated[int | None, typer.Option(help="Delay by this many days.")] = None,
    to: Annotated[str | None, typer.Option(help="Or: the new first day of the cycle.")] = None,
    phase: PhaseOption = None,
    reason: Reason = None,
) -> None:
    """Delay a cycle and every later one (their tests and visits move too).

    Example: scheduler course delay jsmith.toml --cycle 2 --days 7 --reason "neutrophils 0.9"
    """
    if (days is None) == (to is None):
        raise PlanError("give exactly one of --days D or --to YYYY-MM-DD")
    if days is not None and days < 1:
        raise PlanError(f"--days must be at least 1, got {days} (a delay moves a cycle later)")
    if to is not None:
        days = _days_to(file, phase or 1, cycle, _parse_date(to, "--to"))
    _record(file, "delay", {"phase": phase or 1, "cycle": cycle, "days": days}, reason)


def _days_to(file: Path, phase: int, cycle: int, target: date) -> int:
    from .course.course import load_course, plan_course

    _, _, events = plan_course(load_course(file))
    starts = [
        (e.start.date() if isinstance(e.start, datetime) else e.start)
        - timedelta(days=(e.day or 1) - 1)
        for e in events
        if e.phase_number == phase and e.cycle == cycle and e.day and e.day > 0 and not e.cancelled
    ]
    if not starts:
        raise PlanError(f"cycle {cycle} of phase {phase} is not in the plan")
    days = (target - min(starts)).days
    if days < 1:
        raise PlanError(
            f"--to {target.isoformat()} is not after cycle {cycle}'s planned start "
            f"({min(starts).isoformat()}): a delay moves a cycle later"
        )
    return days


@course_app.command("omit")
def course_omit_command(
    file: CourseFile,
    cycle: Annotated[int, typer.Option(help="Cycle of the dose.")],
    day: Annotated[int, typer.Option(help="Cycle day of the dose.")],
    slot: Annotated[
        int | None, typer.Option(help="Which dose of that day (1, 2, ...); default all.")
    ] = None,
    drug: Annotated[
        str | None, typer.Option(help="Only this drug (default: all that day).")
    ] = None,
    phase: PhaseOption = None,
    reason: Reason = None,
) -> None:
    """Omit doses of one cycle day. Omitted doses are not replaced.

    Example: scheduler course omit jsmith.toml --cycle 1 --day 3 --reason "fever"
    """
    details: dict[str, object] = {"phase": phase or 1, "cycle": cycle, "day": day}
    if slot is not None:
        details["slot"] = slot
    if drug:
        details["drug"] = drug
    _record(file, "omit", details, reason)


@course_app.command("stop")
def course_stop_command(
    file: CourseFile,
    after: Annotated[str | None, typer.Option(help="Nothing after this date.")] = None,
    cycle: Annotated[int | None, typer.Option(help="Or: nothing after this cycle.")] = None,
    phase: PhaseOption = None,
    reason: Reason = None,
) -> None:
    """Stop the course early: everything after it is removed (precautions follow the new last dose).

    Example: scheduler course stop jsmith.toml --after 2027-03-31 --reason "progression"
    """
    if (after is None) == (cycle is None):
        raise PlanError("give exactly one of --after YYYY-MM-DD or --cycle N")
    details: dict[str, object] = (
        {"after": _parse_date(after, "--after")} if after else {"phase": phase or 1, "cycle": cycle}
    )
    _record(file, "stop", details, reason)


@course_app.command("retime")
def course_retime_command(
    file: CourseFile,
    start: Annotated[str, typer.Option("--from", help="From this date on.")],
    at: Annotated[str, typer.Option("--time", help="The new dose time, HH:MM.")],
    reason: Reason = None,
) -> None:
    """Move the dose time from a date on (a day's later doses keep their spacing).

    Example: scheduler course retime jsmith.toml --from 2027-02-01 --time 08:00
    """
    clock = _parse_clock(at)
    _record(
        file,
        "retime",
        {"from": _parse_date(start, "--from"), "time": clock.strftime("%H:%M")},
        reason,
    )


@course_app.command("close")
def course_close_command(
    file: CourseFile,
    dates: Annotated[
        list[str] | None, typer.Option("--date", help="A closed date (repeatable).")
    ] = None,
    holidays: Annotated[
        str | None, typer.Option(help="Public holidays of a region, e.g. GB-ENG.")
    ] = None,
    weekdays: Annotated[
        list[str] | None, typer.Option("--weekday", help="A closed weekday (repeatable).")
    ] = None,
    reason: Reason = None,
) -> None:
    """Record clinic closures: clinic events move to the next open day; home doses stay.

    Example: scheduler course close jsmith.toml --date 2027-12-24 --reason "Christmas Eve: clinic closed"
    """
    from .regimen.notation import parse_weekday, weekday_name

    details: dict[str, object] = {}
    if dates:
        details["dates"] = [_parse_date(d, "--date") for d in dates]
    if holidays:
        details["holidays"] = holidays.strip()
    if weekdays:
        try:
            details["weekdays"] = [weekday_name(parse_weekday(w)) for w in weekdays]
        except ValueError as err:
            raise PlanError(f"--weekday: {err}") from None
    if not details:
        raise PlanError("give --date, --holidays or --weekday")
    if holidays:
        from .plan.closures import Closures

        try:
            Closures(regions=(holidays.strip(),))
        except ValueError as err:
            raise PlanError(f"--holidays: {err}") from None
    _record(file, "close", details, reason)


@course_app.command("show")
def course_show_command(file: CourseFile) -> None:
    """What was planned, what changed, and what comes next.

    Example: scheduler course show jsmith.toml
    """
    from .course.course import describe_course, load_course

    course = load_course(file)
    typer.echo(describe_course(course, today=_now().astimezone(course.zone()).date()))


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="A course file or an .ics file.")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="A course file or an .ics file.")],
) -> None:
    """Say in words what changed between two versions of a plan (courses or .ics files).

    Example: scheduler diff jsmith.toml.bak jsmith.toml
    """
    from .course.diff import describe_changes

    for line in describe_changes(_diff_items(old), _diff_items(new)):
        typer.echo(line)


def _diff_items(path: Path) -> list[Any]:
    from .course.course import load_course, plan_course
    from .course.diff import items_from_events, items_from_ics
    from .regimen.catalog import is_course

    if not path.is_file():
        raise PlanError(f"{path}: no such file")
    if is_course(path):
        return items_from_events(plan_course(load_course(path))[2])
    try:
        return items_from_ics(path)
    except Exception as err:  # icalendar reports unreadable files in several ways
        raise PlanError(
            f"{path} is neither a course file nor a readable .ics file ({err})"
        ) from None


def _now() -> datetime:
    """The clock for course edits: now, or SCHEDULER_NOW (ISO 8601, for tests and replays)."""
    text = os.environ.get("SCHEDULER_NOW")
    if text:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise PlanError(f"SCHEDULER_NOW {text!r} is not an ISO 8601 date and time") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)


@app.command("check")
def check_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE.ics...", help="Calendar files.")],
) -> None:
    """Check .ics files the way calendar apps read them; report problems in words.

    Runs three independent parsers (strict ical, vobject, icalendar) and the rules apps trip
    over (time zones, floating times, folding, alarms, size). Exit code 1 if any error.
    Example: scheduler check plan.ics
    """
    from .check import check_file

    errors = 0
    for file in files:
        problems = check_file(file)
        errors += sum(p.severity == "error" for p in problems)
        if not problems:
            typer.echo(f"ok: {file}")
        for problem in problems:
            typer.echo(f"{file}: {problem}", err=problem.severity == "error")
    if errors:
        raise typer.Exit(1)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the regimen file format (for editors and CI checks).

    Example: scheduler schema > regimen.schema.json
    """
    import json

    from .regimen.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PlanError(
            f"{option} {text!r} is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)"
        ) from None


def _body(weight: str | None, height: str | None, formula: str) -> Body | None:
    if height is not None and weight is None:
        raise PlanError("--height needs --weight too (BSA is calculated from both)")
    if weight is None:
        return None
    from .regimen.dosing import Body

    try:
        return Body(
            weight_kg=_measure(weight, "--weight", "kg"),
            height_cm=_measure(height, "--height", "cm") if height is not None else None,
            bsa_formula=formula.strip().lower(),
        )
    except ValueError as err:
        raise PlanError(str(err)) from None


def _measure(text: str, option: str, unit: str) -> Decimal:
    try:
        value = Decimal(text.strip().removesuffix(unit).strip())
    except InvalidOperation:
        raise PlanError(
            f"{option} {text!r} is not a number of {unit} (e.g. {option} {'70' if unit == 'kg' else '175'})"
        ) from None
    if not value.is_finite():
        raise PlanError(f"{option} {text!r} is not a number of {unit}")
    return value


def _parse_clock(text: str) -> time:
    from .regimen.notation import parse_time

    try:
        return parse_time(text)
    except ValueError as err:
        raise PlanError(f"--time: {err}") from None


def _stamp() -> datetime:
    """DTSTAMP: now, or SOURCE_DATE_EPOCH for reproducible output (the reproducible-builds rule)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise PlanError(
                f"SOURCE_DATE_EPOCH {epoch!r} is not a whole number of seconds"
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="scheduler", standalone_mode=False)
    except SchedulerError as err:
        _error(str(err))
        return 1
    except typer.TyperException as err:
        # Typer's (vendored click's) usage errors: a missing option, a non-number, ...
        ctx = getattr(err, "ctx", None)
        if type(err).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help(), err=True)
            return 2
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(err.format_message().replace("\n", " ") + hint)
        return int(getattr(err, "exit_code", 2))
    except typer.Abort:
        _error("aborted")
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    return result if isinstance(result, int) else 0


def _error(message: str) -> None:
    sys.stderr.write(f"Error: {message}\n")


def run() -> None:
    sys.exit(main())
