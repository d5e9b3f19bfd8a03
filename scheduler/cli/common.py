"""What the command groups share: reading dates, times and body figures as typed, the clock
for course edits and DTSTAMP, and writing results to a file or standard output."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import PlanError

if TYPE_CHECKING:
    from ..course.store import CourseStore
    from ..plan.closures import Closures
    from ..plan.lifetime import Prior
    from ..regimen.dosing import Body

RegimenArg = Annotated[
    str,
    typer.Argument(
        metavar="ID|FILE", help="A bundled regimen id (see 'scheduler regimens') or a .toml file."
    ),
]


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="SCHEDULER_STORE",
        metavar="URL",
        help="Where the courses are: sqlite:///clinic.db or postgresql://user@host/db (default: "
        "course files; $SCHEDULER_STORE).",
        show_envvar=False,
    ),
]


def store_of(url: str | None) -> CourseStore:
    """The store ``--store`` names: course files without one."""
    from ..store import open_store

    return open_store(url)


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PlanError(
            f"{option} {text!r} is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)"
        ) from None


def parse_clock(text: str, option: str = "--time") -> time:
    from ..regimen.notation import parse_time

    try:
        return parse_time(text)
    except ValueError as err:
        raise PlanError(f"{option}: {err}") from None


def zone_name(tz: str | None, local_zone: bool = False) -> tuple[str, bool]:
    """The zone to plan in and whether the user named it. The patient's zone is never taken
    from this machine unless asked for with ``--local-zone``: a UTC server would otherwise plan
    a London patient's 08:30 dose at 09:30 in summer, silently."""
    if tz is not None:
        if not tz.strip():
            raise PlanError("--tz is empty: give an IANA zone such as Europe/London")
        if local_zone:
            raise PlanError("give --tz or --local-zone, not both")
        return tz.strip(), True
    from ..plan.zones import system_zone_name

    name = system_zone_name()
    if not local_zone:
        here = f" (this machine's is {name})" if name else ""
        raise PlanError(
            "give the patient's time zone with --tz, e.g. --tz Europe/London, or use this "
            f"machine's with --local-zone{here}"
        )
    if not name:
        raise PlanError(
            "cannot tell this machine's time zone: give one with --tz, e.g. --tz Europe/London"
        )
    return name, False


GfrOpt = Annotated[
    str | None,
    typer.Option(
        metavar="ML/MIN", help="GFR in mL/min, to calculate AUC doses (Calvert), e.g. 85."
    ),
]
CreatinineOpt = Annotated[
    str | None,
    typer.Option(
        metavar="VALUE UNIT",
        help="Serum creatinine with its unit (0.9 mg/dL or 80 umol/L): the GFR for AUC doses "
        "is then estimated by Cockcroft-Gault from it, --age, --sex and --weight.",
    ),
]
AgeOpt = Annotated[
    str | None, typer.Option(metavar="YEARS", help="Age in years, with --creatinine.")
]
SexOpt = Annotated[
    str | None, typer.Option(metavar="female|male", help="female or male, with --creatinine.")
]

PriorOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="DRUG=AMOUNT",
        help="A dose given before this plan, counted towards the drug's lifetime limit, e.g. "
        "doxorubicin=150mg/m2 (repeatable).",
    ),
]


def prior_doses(texts: list[str] | None) -> tuple[Prior, ...]:
    """``--prior doxorubicin=150mg/m2`` (repeatable) as Prior doses; errors name --prior."""
    if not texts:
        return ()
    from ..plan.lifetime import MAX_PRIOR, parse_prior

    if len(texts) > MAX_PRIOR:
        raise PlanError(f"--prior: at most {MAX_PRIOR} prior doses, one per drug")
    try:
        return tuple(parse_prior(text) for text in texts)
    except ValueError as err:
        raise PlanError(f"--prior: {err}") from None


def body(
    weight: str | None,
    height: str | None,
    formula: str,
    *,
    gfr: str | None = None,
    creatinine: str | None = None,
    age: str | None = None,
    sex: str | None = None,
) -> Body | None:
    """The patient figures as typed, checked together; each error names its figure (the
    command line spells it as its option)."""
    from ..regimen.dosing import FigureError, read_body

    try:
        return read_body(weight, height, formula, gfr, creatinine, age, sex)
    except FigureError as err:
        raise PlanError(str(err), field=err.figure) from None


def now() -> datetime:
    """The clock for course edits: now, or SCHEDULER_NOW (ISO 8601, for tests and replays)."""
    text = os.environ.get("SCHEDULER_NOW")
    if text:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise PlanError(f"SCHEDULER_NOW {text!r} is not an ISO 8601 date and time") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)


def stamp() -> datetime:
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


def output_target(output: str | None, default: str) -> str:
    if output is not None and not output.strip():
        raise PlanError("-o is empty: give a file name, or - for standard output")
    return output if output is not None else default


def write(target: str | Path, data: bytes, *, force: bool) -> None:
    """``data`` to standard output (``-``) or atomically to a file."""
    from ..files import write_atomic, write_stdout

    if str(target) == "-":
        write_stdout(data)
    else:
        write_atomic(target, data, force=force)


def parse_week_start(text: str | None) -> int | None:
    """``--week-start monday|sunday`` -> 0 or 6 (None: the zone's country decides)."""
    if text is None:
        return None
    cleaned = text.strip().lower()
    if cleaned in ("monday", "mon"):
        return 0
    if cleaned in ("sunday", "sun"):
        return 6
    raise PlanError(f"--week-start must be monday or sunday, got {text!r}")


def terminal_width() -> int:
    """Columns for terminal formats: $COLUMNS, the terminal's width, else 100."""
    import shutil

    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 300))


def color_wanted() -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    import sys

    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def clinic_closures(holidays: list[str] | None, closed: list[str] | None) -> Closures | None:
    """``--holidays REGION`` and ``--closed WEEKDAY`` as Closures (None when neither given)."""
    if not holidays and not closed:
        return None
    from ..plan.closures import Closures

    regions = tuple(check_region(r) for r in holidays or ())
    days = frozenset(weekdays(closed, "--closed"))
    try:
        return Closures(regions=regions, weekdays=days)
    except (ValueError, PlanError) as err:  # every weekday closed
        raise PlanError(f"--closed: {err}") from None


def check_region(region: str) -> str:
    """A public-holiday region (``GB-ENG``), checked; the message names ``--holidays``."""
    from ..plan.closures import region_calendar

    cleaned = region.strip()
    try:
        region_calendar(cleaned)
    except ValueError as err:
        raise PlanError(f"--holidays: {err}") from None
    return cleaned


def weekdays(names: list[str] | None, flag: str) -> tuple[int, ...]:
    """Weekday names (``Saturday``, ``sat``) as numbers, 0 = Monday; the message names ``flag``."""
    from ..regimen.notation import parse_weekday

    try:
        return tuple(parse_weekday(name) for name in names or ())
    except ValueError as err:
        raise PlanError(f"{flag}: {err}") from None
