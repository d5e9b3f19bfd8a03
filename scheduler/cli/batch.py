"""The batch command: many patients from one plans file, one calendar each (scheduler/batch.py
does the work; this reports it)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from ..errors import SchedulerError
from ..words import one_line
from . import app
from .common import stamp

#: Exit codes: every row planned, some rows failed, the plans file (or folder) unusable.
ALL_PLANNED, SOME_FAILED, UNUSABLE = 0, 1, 2
#: Per-row errors about more than one option end with what to do instead.
HINTS = {"force": "use --force to replace it"}


@app.command("batch")
def batch_command(
    plans: Annotated[
        str,
        typer.Argument(
            metavar="PLANS.csv|PLANS.toml",
            help="One row per patient: regimen or course, start, zone, ... (docs/batch.md).",
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "-o", "--output", metavar="FOLDER", help="Folder for the calendars (made if missing)."
        ),
    ],
    force: Annotated[bool, typer.Option(help="Replace calendars that already exist.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            metavar="N", min=1, max=1024, help="Processes to plan in (default: one per CPU)."
        ),
    ] = None,
) -> None:
    """Plan many patients from a CSV or TOML plans file, one calendar per row, into a folder.

    Example: scheduler batch plans.csv -o calendars

    Each row is planned as 'scheduler plan' plans it. A row that fails is reported as
    PLANS.csv:LINE: what is wrong, and the others are still planned. Exit code 0 when every row
    was planned, 1 when any failed, 2 when the plans file itself cannot be used (then nothing is
    written).
    """
    from ..batch import read_plans, run
    from . import message

    when = stamp()
    try:
        loaded = read_plans(plans)
        outcomes = run(loaded, output, stamp=when, force=force, jobs=jobs)
    except SchedulerError as err:
        typer.echo(f"Error: {one_line(message(err))}", err=True)
        raise typer.Exit(UNUSABLE) from None
    planned = failed = 0
    with _progress(len(loaded.rows)) as (advance, report):
        for outcome in outcomes:
            if outcome.ok:
                planned += 1
            else:
                failed += 1
                hint = HINTS.get(outcome.field or "")
                report(one_line(outcome.error + (f" ({hint})" if hint else "")))
            advance()
    typer.echo(f"Planned {planned}, failed {failed}, written to {output}")
    if failed:
        raise typer.Exit(SOME_FAILED)


@contextmanager
def _progress(total: int) -> Iterator[tuple[Callable[[], None], Callable[[str], None]]]:
    """``(advance, report)``: a progress bar on a terminal (stderr), nothing otherwise; failure
    lines on stderr either way, above the bar."""
    if not sys.stderr.isatty():

        def say(line: str) -> None:
            sys.stderr.write(line + "\n")

        yield (lambda: None), say
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.text import Text

    # No refresh thread (auto_refresh=False): the planning processes fork after this starts,
    # and forking a process with threads is unsafe. The bar is redrawn at most 10 times a second.
    bar = Progress(
        "Planning",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, highlight=False),
        auto_refresh=False,
        transient=True,
    )
    task = bar.add_task("plans", total=total)
    shown = 0.0

    def advance() -> None:
        nonlocal shown
        bar.advance(task)
        now = time.monotonic()
        if now - shown > 0.1:
            shown = now
            bar.refresh()

    def report(line: str) -> None:
        bar.console.print(Text(line), soft_wrap=True)

    with bar:
        yield advance, report
