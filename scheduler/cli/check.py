"""Commands about calendars already made: check and diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import SchedulerError
from . import app


@app.command("check")
def check_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE.ics...", help="Calendar files.")],
    regimen: Annotated[
        str | None,
        typer.Option(
            metavar="ID|FILE",
            help="Also check doses against this regimen's spacing (too close, weekly drugs on "
            "consecutive days).",
        ),
    ] = None,
) -> None:
    """Check .ics files the way calendar apps read them; report problems in words.

    Runs three independent parsers (strict ical, vobject, icalendar) and the rules apps trip
    over (time zones, floating times, folding, alarms, size). Exit code 1 if any error.
    Example: scheduler check plan.ics --regimen methotrexate-weekly
    """
    from ..check import check_file

    loaded = None
    if regimen is not None:
        from ..regimen.catalog import resolve

        loaded = resolve(regimen)
    errors = 0
    for file in files:
        try:
            problems = check_file(file, loaded)
        except SchedulerError as err:
            errors += 1
            typer.echo(f"Error: {err}", err=True)
            continue
        errors += sum(p.severity == "error" for p in problems)
        if not problems:
            typer.echo(f"ok: {file}")
        for problem in problems:
            typer.echo(f"{file}: {problem}", err=problem.severity == "error")
    if errors:
        raise typer.Exit(1)


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="A course file or an .ics file.")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="A course file or an .ics file.")],
) -> None:
    """Say in words what changed between two versions of a plan (courses or .ics files).

    Example: scheduler diff jsmith.toml.bak jsmith.toml
    """
    from ..course.diff import diff_files

    for line in diff_files(old, new):
        typer.echo(line)
