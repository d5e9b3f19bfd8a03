"""Commands about regimens and plans: regimens, show, plan, validate, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import CourseError, PlanError, SchedulerError
from ..export.formats import FORMATS
from . import app
from .common import (
    AgeOpt,
    CreatinineOpt,
    GfrOpt,
    PriorOpt,
    RegimenArg,
    SexOpt,
    StoreOpt,
    body,
    clinic_closures,
    color_wanted,
    output_target,
    parse_clock,
    parse_date,
    parse_week_start,
    prior_doses,
    stamp,
    store_of,
    terminal_width,
    write,
    zone_name,
)

#: The --format help: every format in the table, in its words.
FORMAT_WORDS = ", ".join(f.words for f in FORMATS.values())

PlanArg = Annotated[
    str,
    typer.Argument(
        metavar="ID|FILE|COURSE",
        help="A bundled regimen id, a regimen .toml file, or a course file (scheduler course new).",
    ),
]


@app.command("regimens")
def regimens_command() -> None:
    """List the bundled regimens.

    Example: scheduler regimens
    """
    import os
    import sys

    from ..regimen.catalog import listing

    # Fitted to a terminal (or $COLUMNS); whole lines when piped, for grep and scripts.
    fitted = sys.stdout.isatty() or "COLUMNS" in os.environ
    typer.echo(listing(terminal_width() if fitted else None), nl=False)


HolidaysOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="REGION",
        help="Public holidays that close the clinic, e.g. GB-ENG: tests, visits and clinic "
        "doses on them move (repeatable).",
    ),
]
ClosedOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="WEEKDAY", help="A weekday the clinic is closed, e.g. Saturday (repeatable)."
    ),
]


@app.command("show")
def show_command(
    regimen: RegimenArg,
    start: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD", help="Put dates on cycle 1 (YYYY-MM-DD, cycle 1 day 1)."
        ),
    ] = None,
    holidays: HolidaysOpt = None,
    closed: ClosedOpt = None,
) -> None:
    """Show a regimen in words, then cycle 1 day by day.

    With --holidays or --closed (and --start), also what moves off closed clinic days in cycle
    1, as plan with the same options moves it.

    Example: scheduler show aldesleukin-sc --start 2027-01-04
    """
    from ..plan.bounds import check_date
    from ..regimen.catalog import resolve
    from ..regimen.describe import cycle_grid, describe, one_cycle

    closures = clinic_closures(holidays, closed)
    if closures is not None and start is None:
        raise PlanError("--holidays and --closed need --start: they move dated days", field="start")
    loaded = resolve(regimen)
    first = check_date(parse_date(start, "--start"), "start") if start is not None else None
    typer.echo(describe(loaded, start=first))
    for phase in loaded.phases:
        typer.echo("")
        typer.echo(cycle_grid(loaded, phase, start=first if phase is loaded.phases[0] else None))
        typer.echo("")
        typer.echo(one_cycle(loaded, phase, first if phase is loaded.phases[0] else None))
        if phase is loaded.phases[0] and closures is not None and first is not None:
            from ..course.diff import closure_moves

            moves = closure_moves(loaded, first, closures)
            typer.echo("")
            typer.echo("On closed clinic days in cycle 1 (as plan moves them with these options):")
            for line in moves or ["nothing of cycle 1 falls on a closed day"]:
                typer.echo(f"  {line}")


@app.command("plan")
def plan_command(
    regimen: PlanArg,
    start: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD", help="First day of cycle 1, YYYY-MM-DD (not for course files)."
        ),
    ] = None,
    cycles: Annotated[int | None, typer.Option(metavar="N", help="Plan this many cycles.")] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Plan nothing after this date (YYYY-MM-DD)."),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            metavar="ZONE",
            help="The patient's IANA time zone, e.g. Europe/London (required, unless "
            "--local-zone).",
        ),
    ] = None,
    local_zone: Annotated[
        bool, typer.Option(help="Plan in this machine's time zone instead of --tz.")
    ] = False,
    holidays: HolidaysOpt = None,
    closed: ClosedOpt = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--time",
            metavar="HH:MM",
            help="Time of the first timed dose rule HH:MM; the others keep their spacing from it.",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Output file, or - for standard output "
            "(default: ID-START.ics or .html; standard output for the other formats).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help=f"{FORMAT_WORDS} (default: what -o FILE's suffix names, e.g. plan.json is "
            "json; else ics).",
        ),
    ] = None,
    week_start: Annotated[
        str | None,
        typer.Option(
            metavar="monday|sunday",
            help="First day of the week in month grids: monday or sunday "
            "(default: by the zone's country, else monday).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    plan_id: Annotated[
        str | None,
        typer.Option(
            metavar="ID", help="Identity of this plan in event UIDs (default: the start date)."
        ),
    ] = None,
    weight: Annotated[
        str | None,
        typer.Option(metavar="KG", help="Weight in kg, to calculate per-kg and per-m² doses."),
    ] = None,
    height: Annotated[
        str | None,
        typer.Option(metavar="CM", help="Height in cm, with --weight, to calculate per-m² doses."),
    ] = None,
    bsa: Annotated[
        str,
        typer.Option(
            metavar="mosteller|dubois", help="Body surface area formula: mosteller or dubois."
        ),
    ] = "mosteller",
    gfr: GfrOpt = None,
    creatinine: CreatinineOpt = None,
    age: AgeOpt = None,
    sex: SexOpt = None,
    prior: PriorOpt = None,
    remind: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN,...",
            help="Reminders: e.g. 30m,1d, or none (default: doses at the time, tests and "
            "appointments the evening before). Some apps (Google) drop reminders on import.",
        ),
    ] = None,
    recurrence: Annotated[
        str,
        typer.Option(
            metavar="expand|rrule",
            help="expand (one event per dose) or rrule (repeating doses as series).",
        ),
    ] = "expand",
    label: Annotated[
        str | None,
        typer.Option(
            metavar="LABEL", help="A label for the calendar's name, e.g. the patient's initials."
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Plan a regimen into dated events, written as an .ics calendar or JSON.

    Example: scheduler plan aldesleukin-sc --start 2027-01-04 --cycles 4 --tz Europe/London -o plan.ics

    With --weight (and --height) per-kg and per-m² doses are calculated; each event shows the
    working. Example: scheduler plan r-chop-21 --start 2027-01-04 --weight 70 --height 175
    """
    from ..export.formats import check_suffix, format_for_file, format_named
    from ..planner import plan, plan_stored

    if fmt is None:
        fmt = format_for_file(output) if output not in (None, "-") else "ics"
    format_named(fmt)
    if output not in (None, "-"):
        check_suffix(output, fmt)
    # With a store (--store or $SCHEDULER_STORE) a course's name plans that course; a regimen
    # id or file plans as always.
    stored = store_of(store) if store and _is_key(regimen) else None
    if stored is not None and not stored.exists(regimen):
        stored = None
    course_file = stored is not None or (Path(regimen).exists() and _is_course(regimen))
    chosen = True
    zone = None
    if course_file:
        given = [flag for flag, value in (("--start", start), ("--cycles", cycles),
                 ("--until", until), ("--tz", tz), ("--time", at), ("--weight", weight),
                 ("--height", height), ("--plan-id", plan_id), ("--holidays", holidays),
                 ("--closed", closed), ("--gfr", gfr), ("--creatinine", creatinine),
                 ("--age", age), ("--sex", sex), ("--prior", prior))
                 if value is not None and value != []]  # fmt: skip
        if given:
            raise PlanError(
                f"{regimen} is a course file: it sets {', '.join(given)} itself "
                "(change the course with scheduler course ...)"
            )
    else:
        if start is None:
            raise PlanError("Missing option '--start' (the first day of cycle 1, YYYY-MM-DD)")
        zone, chosen = zone_name(tz, local_zone)
    planned = (
        plan_stored(stored.get(regimen).course, reminders=remind, label=label)
        if stored is not None
        else plan(
            regimen,
            start=parse_date(start, "--start") if start is not None else None,
            zone=zone,
            cycles=cycles,
            until=parse_date(until, "--until") if until is not None else None,
            dose_time=parse_clock(at) if at is not None else None,
            plan_id=plan_id,
            body=body(weight, height, bsa, gfr=gfr, creatinine=creatinine, age=age, sex=sex),
            reminders=remind,
            label=label,
            closures=clinic_closures(holidays, closed),
            prior=prior_doses(prior),
        )
    )
    data = planned.render(
        fmt,
        stamp=stamp(),
        recurrence=recurrence,
        week_start=parse_week_start(week_start),
        width=terminal_width(),
        color=color_wanted(),
    )
    target = output_target(output, planned.file_for(fmt))
    write(target, data, force=force)
    if target != "-":
        note = "" if chosen else " (this machine's zone; use --tz to choose)"
        said = planned.summary(recurrence if fmt == "ics" else "expand")
        typer.echo(f"Wrote {target}: {said}{note}")
    for warning in planned.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    _warn_if_too_big(data, target, fmt, recurrence)


def _warn_if_too_big(data: bytes, target: str, fmt: str, recurrence: str) -> None:
    """One line on stderr when an expanded .ics passes Google's ~1 MB import and subscription
    limit: series (``--recurrence rrule``) hold the same doses in a fraction of the bytes."""
    from ..export.ics import GOOGLE_FEED_LIMIT

    if fmt == "ics" and recurrence == "expand" and len(data) > GOOGLE_FEED_LIMIT:
        name = "the calendar" if target == "-" else target
        typer.echo(
            f"Warning: {name} is {len(data) / 1e6:.1f} MB; Google Calendar reads about 1 MB of "
            "an import or subscription: use --recurrence rrule (repeating doses as series) "
            "for a much smaller file",
            err=True,
        )


def _is_key(name: str) -> bool:
    from ..store.courses import check_key

    try:
        check_key(name)
    except CourseError:
        return False
    return True


def _is_course(path: str) -> bool:
    from ..course.file import is_course_file

    return is_course_file(path)


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Regimen .toml files.")],
) -> None:
    """Check regimen files; print each problem as file:line: field: what is wrong.

    Each file is also planned once (from a fixed date) to catch what only real dates show.

    Example: scheduler validate regimens/*.toml
    """
    from ..errors import RegimenError
    from ..plan.engine import trial
    from ..regimen.loader import MAX_PROBLEMS, load_regimen

    failed = 0
    for file in files:
        try:
            regimen = load_regimen(file)
            trial(regimen)
        except PlanError as err:
            failed += 1
            typer.echo(f"Error: {file}: a trial plan fails: {err}", err=True)
        except RegimenError as err:
            failed += 1
            for problem in err.problems:
                typer.echo(f"Error: {problem}", err=True)
            if len(err.problems) >= MAX_PROBLEMS:
                typer.echo(
                    f"Error: {file}: stopped after {MAX_PROBLEMS} problems; fix these and run "
                    "validate again",
                    err=True,
                )
        except SchedulerError as err:
            failed += 1
            typer.echo(f"Error: {err}", err=True)
        else:
            typer.echo(f"ok: {file} ({regimen.id})")
    if failed:
        raise typer.Exit(1)


@app.command("schema")
def schema_command(
    which: Annotated[
        str,
        typer.Argument(
            metavar="regimen|plan",
            help="regimen: the regimen file format (default); plan: plan --format json.",
        ),
    ] = "regimen",
) -> None:
    """Print a JSON Schema: of the regimen file format (for editors and CI checks), or of the
    JSON a plan is written as (for integrators).

    Example: scheduler schema > regimen.schema.json; scheduler schema plan > plan.schema.json
    """
    import json

    if which == "regimen":
        from ..regimen.schema import json_schema
    elif which == "plan":
        from ..export.plan_schema import json_schema
    else:
        raise PlanError(f"schema: unknown schema {which!r} (allowed: regimen, plan)")
    write(
        "-", (json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n").encode(), force=False
    )
