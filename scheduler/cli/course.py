"""``scheduler course ...``: create a course, record changes to it, show it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ArgumentError, CourseError, PlanError, SchedulerError
from ..words import plural
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
    check_region,
    now,
    parse_clock,
    parse_date,
    prior_doses,
    store_of,
    zone_name,
)
from .common import weekdays as closed_weekdays
from .help import Group

if TYPE_CHECKING:
    from ..course.history import Recordable
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
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Say what would change, and write nothing.")
]
Again = Annotated[
    bool,
    typer.Option(
        "--again", help="Record it although the last entry is the same (a second, equal change)."
    ),
]
By = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Who records it (default: $SCHEDULER_USER, else this login's name).",
    ),
]
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
    contact: Annotated[
        str | None,
        typer.Option(
            metavar="TEAM",
            help='How the patient reaches the team, printed on the dose diary ("Day unit, '
            '020 7946 0000").',
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    store: StoreOpt = None,
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
        contact=contact or "",
        force=force,
        store=store_of(store),
    )
    doses = [e for e in events if e.kind == "dose"]
    typer.echo(f"Created {output}: {plural(len(doses), 'dose')} from {course.start.isoformat()}")


def _record(
    file: Path,
    make: Callable[[Course], Recordable],
    reason: str | None,
    *,
    dry_run: bool = False,
    again: bool = False,
    by: str | None = None,
    store: str | None = None,
) -> None:
    from ..course.diff import describe_changes, items_from_events
    from ..course.replan import edit_course
    from ..course.store import FileStore
    from ..course.wording import words

    chosen = store_of(store)
    edit = edit_course(file, make, reason=reason or "", now=now, by=who(by), dry_run=dry_run,
                       again=again, store=chosen)  # fmt: skip
    said = words(edit.entry.change) + (f" — {edit.entry.reason}" if edit.entry.reason else "")
    if edit.written:
        kept = f"{edit.file}.bak" if isinstance(chosen, FileStore) else "kept in the store"
        typer.echo(f"Recorded in {file} (previous version: {kept}): {said}")
    else:
        typer.echo(f"Dry run, nothing written to {file}: {said}")
    for line in describe_changes(items_from_events(edit.before), items_from_events(edit.after)):
        typer.echo(f"  {line}")


def who(by: str | None) -> str:
    """Who records an entry: ``--by``, else $SCHEDULER_USER, else this login's name."""
    import getpass
    import os

    if by is not None:
        return by.strip()
    named = os.environ.get("SCHEDULER_USER")
    if named is not None:
        return named.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return ""


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
    scope: Annotated[
        str,
        typer.Option(
            metavar="SCOPE",
            help="What moves: later (this cycle and every later one, the default), day (this "
            "cycle day only), rest-of-cycle (this day and the rest of the cycle), "
            "day-in-later-cycles (this day of this and every later cycle).",
        ),
    ] = "later",
    day: Annotated[
        int | None, typer.Option(metavar="DAY", help="The cycle day, for the day scopes.")
    ] = None,
    phase: PhaseOption = 1,
    reason: Reason = None,
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Delay a cycle and every later one (their tests and visits move too), or with --scope a
    cycle day, the rest of a cycle, or a day of every later cycle. Recorded on the day it is
    decided, it leaves what is past as it was: only what is still ahead moves.

    Example: scheduler course delay jsmith.toml --cycle 2 --days 7 --reason "neutrophils 0.9"
    """
    from ..course.replan import delay_to
    from ..plan.changes import Delay, Scope

    if (days is None) == (to is None):
        raise PlanError("give exactly one of --days D or --to YYYY-MM-DD")
    if scope not in tuple(Scope):
        raise PlanError(f"--scope must be one of {', '.join(Scope)}, got {scope!r:.60}")
    if to is not None and scope != Scope.LATER:
        raise PlanError("--to moves a cycle's start: give --days with a day scope")
    target = parse_date(to, "--to") if to is not None else None

    def make(course: Course) -> Change:
        count = days if target is None else delay_to(course, phase, cycle, target)
        return Delay(phase, cycle, count if count is not None else 0, day, Scope(scope))

    _record(file, make, reason, dry_run=dry_run, again=again, by=by, store=store)


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
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Omit doses of one cycle day. Omitted doses are not replaced.

    Example: scheduler course omit jsmith.toml --cycle 1 --day 3 --reason "fever"
    """
    from ..course.replan import drug_key, regimen_now
    from ..plan.changes import Omit

    def make(course: Course) -> Change:
        key = drug_key(regimen_now(course), drug) if drug is not None else None
        return Omit(phase, cycle, day, slot, key)

    _record(file, make, reason, dry_run=dry_run, again=again, by=by, store=store)


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
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
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
    _record(file, lambda _course: stop, reason, dry_run=dry_run, again=again, by=by, store=store)


@course_app.command("retime")
def course_retime_command(
    file: CourseFile,
    start: Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help="From this date on.")],
    at: Annotated[str, typer.Option("--time", metavar="HH:MM", help="The new dose time, HH:MM.")],
    reason: Reason = None,
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Move the dose time from a date on (a day's later doses keep their spacing).

    Example: scheduler course retime jsmith.toml --from 2027-02-01 --time 08:00
    """
    from ..plan.changes import Retime

    change = Retime(parse_date(start, "--from"), parse_clock(at))
    _record(file, lambda _course: change, reason, dry_run=dry_run, again=again, by=by, store=store)


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
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
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
    _record(file, lambda _course: change, reason, dry_run=dry_run, again=again, by=by, store=store)


@course_app.command("dose")
def course_dose_command(
    file: CourseFile,
    drug: Annotated[str, typer.Option(metavar="DRUG", help="The drug, by key or name.")],
    from_cycle: Annotated[
        int, typer.Option("--from-cycle", metavar="N", help="From this cycle on.")
    ],
    reason: Annotated[
        str, typer.Option(metavar="WHY", help="Why (said in every changed dose's working).")
    ],
    percent: Annotated[
        str | None,
        typer.Option(metavar="PERCENT", help="The regimen's dose at this percentage, e.g. 75."),
    ] = None,
    amount: Annotated[
        str | None, typer.Option(metavar="AMOUNT", help='Or: this amount instead, e.g. "100 mg".')
    ] = None,
    phase: PhaseOption = 1,
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Change one drug's dose from a cycle on: a percentage of the regimen's dose, or an amount.

    Example: scheduler course dose jsmith.toml --drug docetaxel --from-cycle 3 --percent 75 --reason "febrile neutropenia in cycle 2"
    """
    from ..course.replan import drug_key, regimen_now
    from ..plan.changes import DoseChange
    from ..regimen.amounts import parse_amount

    if (percent is None) == (amount is None):
        raise PlanError("give exactly one of --percent P or --amount AMOUNT")
    try:
        share = Decimal(percent.strip().removesuffix("%").strip()) if percent is not None else None
    except InvalidOperation:
        raise PlanError(f"--percent {percent!r:.40} is not a number (e.g. --percent 75)") from None
    try:
        instead = parse_amount(amount) if amount is not None else None
    except ValueError as err:
        raise PlanError(f"--amount: {err}") from None

    def make(course: Course) -> Change:
        key = drug_key(regimen_now(course), drug)
        return DoseChange(key, phase, from_cycle, reason.strip(), share, instead)

    _record(file, make, reason, dry_run=dry_run, again=again, by=by, store=store)


@course_app.command("hold")
def course_hold_command(
    file: CourseFile,
    drug: Annotated[str, typer.Option(metavar="DRUG", help="The drug, by key or name.")],
    cycle: Annotated[int, typer.Option(metavar="N", help="The cycle it is held for.")],
    phase: PhaseOption = 1,
    reason: Reason = None,
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Hold one drug of a combination for a cycle (the others go on; not replaced).

    Example: scheduler course hold rchop.toml --drug vincristine --cycle 3 --reason "neuropathy"
    """
    from ..course.replan import drug_key, regimen_now
    from ..plan.changes import Hold

    def make(course: Course) -> Change:
        return Hold(drug_key(regimen_now(course), drug), phase, cycle)

    _record(file, make, reason, dry_run=dry_run, again=again, by=by, store=store)


@course_app.command("switch")
def course_switch_command(
    file: CourseFile,
    to: Annotated[
        str, typer.Option("--to", metavar="ID|FILE", help="The regimen to follow from --from.")
    ],
    start: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="Its day 1 (today or later).")
    ],
    cycles: Annotated[
        int | None,
        typer.Option(metavar="N", help="Its cycles (needed if it repeats until stopped)."),
    ] = None,
    reason: Reason = None,
    dry_run: DryRun = False,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Switch the course to another regimen from a date (a maintenance regimen, a change of
    treatment): what the regimen before had from then on is cancelled; the course keeps its
    identity, history and records, and later changes refer to the new regimen's cycles.

    Example: scheduler course switch jsmith.toml --to capecitabine-q21d --from 2027-03-01 --cycles 4 --reason "maintenance"
    """
    from ..course.history import Switch
    from ..course.replan import regimen_reference
    from ..plan.bounds import check_date
    from ..regimen.catalog import resolve

    day = check_date(parse_date(start, "--from"), "--from")
    if cycles is not None and not 1 <= cycles <= 10_000:
        raise PlanError(f"--cycles must be from 1 to 10,000, got {cycles:,}")
    try:
        resolve(to)  # named as typed, before it is made relative to the course file
        change = Switch(regimen_reference(to, file, store_of(store)), day, cycles)
    except SchedulerError as err:
        raise PlanError(f"--to: {err}" if not isinstance(err, CourseError) else str(err)) from None
    _record(file, lambda _course: change, reason, dry_run=dry_run, again=again, by=by, store=store)


@course_app.command("withdraw")
def course_withdraw_command(
    file: CourseFile,
    entry: Annotated[
        int, typer.Option(metavar="N", help="The entry to take back, as course show numbers it.")
    ],
    reason: Reason = None,
    dry_run: DryRun = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Take back an entry recorded by mistake: its change no longer applies from now (what is
    past stays), and it stays in the history, marked withdrawn, with who and why.

    Example: scheduler course withdraw jsmith.toml --entry 3 --reason "typed twice"
    """
    from ..course.history import Withdraw

    try:
        withdrawal = Withdraw(entry)
    except CourseError as err:
        raise PlanError(f"--entry: {err}") from None
    _record(file, lambda _course: withdrawal, reason, dry_run=dry_run, by=by, store=store)


def _record_event(
    file: Path,
    status: str,
    *,
    cycle: int,
    day: int,
    phase: int,
    drug: str | None,
    slot: int | None,
    kind: str | None,
    at: str | None,
    amount: str | None,
    why: str | None,
    note: str | None,
    again: bool,
    by: str | None,
    on: str | None,
    store: str | None,
) -> None:
    from ..course.records import REASONS, Status, parse_amount_given, record_words
    from ..course.replan import Which, course_regimens, drug_key, record_event
    from ..regimen.model import EventKind

    if status not in tuple(Status):
        raise PlanError(f"--status must be one of {', '.join(Status)}, got {status!r:.60}")
    kinds = {"dose": EventKind.DOSE, "lab": EventKind.LAB, "visit": EventKind.VISIT}
    if kind is not None and kind not in kinds:
        raise PlanError(f"--kind must be one of {', '.join(kinds)}, got {kind!r:.60}")
    if why is not None and why not in REASONS:
        allowed = ", ".join(REASONS)
        raise PlanError(
            f"--why must be one of {allowed} (free text goes in --note), got {why!r:.60}"
        )
    try:
        given = parse_amount_given(amount) if amount is not None else None
    except ValueError as err:
        raise PlanError(f"--amount: {err}") from None
    chosen = store_of(store)
    course = chosen.get(str(file)).course
    key = drug_key(course_regimens(course)[::-1], drug) if drug is not None else None
    try:
        which = Which(
            phase, cycle, day, key, slot, kinds[kind] if kind is not None else None,
            parse_date(on, "--date") if on is not None else None,
        )  # fmt: skip
    except ArgumentError as err:  # "which.cycle must be ..." is the option --cycle here
        raise PlanError(str(err).replace("which.", "--", 1)) from None
    records = record_event(
        file, which, Status(status), now=now, by=who(by), time_given=_given_at(at),
        amount=given, reason=why, note=note or "", again=again, store=chosen,
    )  # fmt: skip
    zone = course.zone()
    for record in records:
        typer.echo(f"Recorded in {file}: {record.what}: {record_words(record, zone)}")


def _given_at(text: str | None) -> time | datetime | None:
    """``--time 09:10`` (on the event's own day) or a full ``2027-02-08T09:10`` in the
    course's zone (with an offset, as given)."""
    if text is None:
        return None
    if "T" in text or " " in text.strip():
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            raise PlanError(
                f"--time {text!r:.40} is not a time (HH:MM, or YYYY-MM-DDTHH:MM)"
            ) from None
    return parse_clock(text, "--time")


RecordCycle = Annotated[int, typer.Option(metavar="N", help="The cycle of the event.")]
RecordDay = Annotated[int, typer.Option(metavar="DAY", help="The cycle day of the event.")]
RecordDrug = Annotated[
    str | None, typer.Option(metavar="DRUG", help="Only this drug (default: the whole day).")
]
RecordSlot = Annotated[
    int | None, typer.Option(metavar="N", help="Which of the drug's doses that day (1, 2 ...).")
]
RecordTime = Annotated[
    str | None,
    typer.Option("--time", metavar="HH:MM", help="When it was given, if not at the planned time."),
]
RecordAmount = Annotated[
    str | None,
    typer.Option(metavar="AMOUNT", help='How much was given, if not as planned ("150 mg").'),
]
RecordWhy = Annotated[
    str | None,
    typer.Option(
        "--why",
        metavar="REASON",
        help="unwell, low-counts, side-effects, patient-choice, forgot, no-supply, "
        "clinic-closed, transport, admitted or other (free text goes in --note).",
    ),
]
RecordNote = Annotated[str | None, typer.Option(metavar="NOTE", help="A note in free text.")]
RecordDate = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="YYYY-MM-DD",
        help="Only the events on this date (a cycle day planned again after a delay has two).",
    ),
]


@course_app.command("record")
def course_record_command(
    file: CourseFile,
    status: Annotated[
        str,
        typer.Option(
            metavar="STATUS",
            help="given, missed, refused or given-elsewhere (a dose); confirmed, deferred or "
            "cancelled (a clinic event).",
        ),
    ],
    cycle: RecordCycle,
    day: RecordDay,
    drug: RecordDrug = None,
    slot: RecordSlot = None,
    on: RecordDate = None,
    kind: Annotated[
        str | None, typer.Option(metavar="dose|lab|visit", help="Only events of this kind.")
    ] = None,
    at: RecordTime = None,
    amount: RecordAmount = None,
    why: RecordWhy = None,
    note: RecordNote = None,
    phase: PhaseOption = 1,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Record what happened to a planned event: a dose given, missed, refused or given
    elsewhere; a clinic event confirmed, deferred or cancelled. The plan never moves; a later
    record corrects an earlier one.

    Example: scheduler course record jsmith.toml --status confirmed --cycle 2 --day -1 --kind lab
    """
    _record_event(file, status, cycle=cycle, day=day, phase=phase, drug=drug, slot=slot,
                  kind=kind, at=at, amount=amount, why=why, note=note, again=again, by=by, on=on, store=store)  # fmt: skip


@course_app.command("given")
def course_given_command(
    file: CourseFile,
    cycle: RecordCycle,
    day: RecordDay,
    drug: RecordDrug = None,
    slot: RecordSlot = None,
    on: RecordDate = None,
    at: RecordTime = None,
    amount: RecordAmount = None,
    note: RecordNote = None,
    phase: PhaseOption = 1,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Record doses as given (a whole treatment day, or one drug's dose), at the planned time
    and amount unless --time or --amount say otherwise.

    Example: scheduler course given jsmith.toml --cycle 1 --day 3 --time 09:20
    """
    _record_event(file, "given", cycle=cycle, day=day, phase=phase, drug=drug, slot=slot,
                  kind=None, at=at, amount=amount, why=None, note=note, again=again, by=by, on=on, store=store)  # fmt: skip


@course_app.command("missed")
def course_missed_command(
    file: CourseFile,
    cycle: RecordCycle,
    day: RecordDay,
    drug: RecordDrug = None,
    slot: RecordSlot = None,
    on: RecordDate = None,
    why: RecordWhy = None,
    note: RecordNote = None,
    phase: PhaseOption = 1,
    again: Again = False,
    by: By = None,
    store: StoreOpt = None,
) -> None:
    """Record doses as missed (not replaced: the plan does not move).

    Example: scheduler course missed jsmith.toml --cycle 1 --day 4 --why forgot
    """
    _record_event(file, "missed", cycle=cycle, day=day, phase=phase, drug=drug, slot=slot,
                  kind=None, at=None, amount=None, why=why, note=note, again=again, by=by, on=on, store=store)  # fmt: skip


@course_app.command("show")
def course_show_command(file: CourseFile, store: StoreOpt = None) -> None:
    """What was planned, what changed, and what comes next.

    Example: scheduler course show jsmith.toml
    """
    from ..course.wording import describe_course

    course = store_of(store).get(str(file)).course
    typer.echo(describe_course(course, today=now().astimezone(course.zone()).date()))
