"""Hostile input, as the issue-8 audit tried it: every bad or unusual input to the command line,
a regimen file, a course file or ``check`` ends in a clean refusal — the expected exit code,
exactly one ``Error:`` line saying what was wrong, no traceback — and every file in the folder
is byte-for-byte what it was (nothing half-written, nothing created, nothing replaced).

Each case runs the real console command in a subprocess (a hang would show as a timeout, a
traceback on stderr), in a fresh folder holding a valid regimen, a valid course and an .ics.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: A refusal is meant to be instant; this only turns a hang into a failure.
TIMEOUT = 60

REGIMEN = """\
id = "hostile"
name = "One tablet on day 1 of a 7-day cycle"
indication = "Test fixture"
source = "treatment-scheduler hostile-input tests"

[drugs.tablet]
name = "Tablet"
route = "oral"

[[phases]]
cycle_days = 7
cycles = 2

[[phases.doses]]
days = "1"
time = "08:00"
duration = "5m"
"""

COURSE = """\
format = 1
id = "aldesleukin-sc-2027-01-04"
regimen = "aldesleukin-sc"
start = 2027-01-04
timezone = "Europe/London"
cycles = 3
reminders = "default"

[closures]
holidays = ["GB-ENG"]
dates = []
weekdays = []

[closures.policy]
home = "keep"
clinic = "next open day"
hospital = "next open day"
"""

HISTORY = """
[[history]]
at = 2027-01-02T10:00:00Z
action = "delay"
phase = 1
cycle = 2
days = 7
"""

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
    "DTSTAMP:20270101T000000Z\r\nDTSTART:20270104T090000Z\r\nDTEND:20270104T091500Z\r\n"
    "SUMMARY:Dose\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)

FIFO = object()
"""A file spec: make a named pipe here."""


def sparse(size: int) -> tuple[str, int]:
    """A file spec: a (sparse) file of ``size`` bytes, created without writing them."""
    return ("sparse", size)


def regimen_with(old: str, new: str) -> str:
    assert old in REGIMEN
    return REGIMEN.replace(old, new)


def course_with(old: str, new: str) -> str:
    text = COURSE + HISTORY
    assert old in text
    return text.replace(old, new)


@dataclass
class Case:
    argv: list[str]
    """Arguments after ``scheduler``; ``{dir}`` is the case's folder."""
    expect: str
    """Text the one ``Error:`` line must contain."""
    code: int = 1
    files: dict[str, object] = field(default_factory=dict)
    """Extra files: text, bytes, FIFO, or sparse(size)."""
    stdout: str | None = None
    """A file to send standard output to (``/dev/full``)."""


PLAN = ["plan", "aldesleukin-sc", "--tz", "Europe/London", "--cycles", "1"]
START = ["--start", "2027-01-04"]
P = [*PLAN, *START]

CASES: dict[str, Case] = {
    # -- the plan command -----------------------------------------------------------------
    "start-year-9999": Case([*PLAN, "--start", "9999-12-31"], "--start 9999-12-31 is outside the dates this tool plans"),
    "start-year-1": Case([*PLAN, "--start", "0001-01-01"], "--start 0001-01-01 is outside the dates"),
    "start-not-a-date": Case([*PLAN, "--start", "2027-02-30"], "--start '2027-02-30' is not a real date"),
    "until-year-9999": Case([*P, "--until", "9999-12-31"], "--until 9999-12-31 is outside the dates"),
    "until-before-start": Case([*P, "--until", "2026-01-01"], "--until: the end date 2026-01-01 is before the start"),
    "cycles-zero": Case([*P[:-2], *START, "--cycles", "0"], "--cycles must be from 1 to 10,000, got 0"),
    "cycles-huge": Case([*P, "--cycles", "999999999999"], "--cycles must be from 1 to 10,000"),
    "cycles-negative": Case([*P, "--cycles", "-5"], "--cycles must be from 1 to 10,000, got -5"),
    "cycles-not-a-number": Case([*P, "--cycles", "abc"], "Invalid value for '--cycles'", code=2),
    "cycles-too-many-events": Case(["plan", "aldesleukin-sc", *START, "--tz", "UTC", "--cycles", "9000"], "more than 100,000 events"),
    "tz-empty": Case([*P, "--tz", ""], "--tz is empty"),
    "tz-localtime": Case([*P, "--tz", "localtime"], "'localtime' is not a time zone a calendar app knows"),
    "tz-posix-copy": Case([*P, "--tz", "posix/Europe/London"], "is not a time zone a calendar app knows"),
    "tz-unknown": Case([*P, "--tz", "Mars/Olympus"], "--tz: unknown time zone 'Mars/Olympus'"),
    "tz-path": Case([*P, "--tz", "../../../etc/passwd"], "unknown time zone '../../../etc/passwd'"),
    "time-25": Case([*P, "--time", "25:00"], "--time: '25:00' is not a time of day"),
    "time-seconds": Case([*P, "--time", "09:00:59"], "--time: '09:00:59' is not a time of day"),
    "remind-huge": Case([*P, "--remind", "999999999999999m"], "--remind: reminder '999999999999999m'"),
    "remind-long": Case([*P, "--remind", "400d"], "longer than 366 days"),
    "remind-a-year": Case([*P, "--remind", "30d"], "more than 28 days before the event"),
    "remind-empty": Case([*P, "--remind", ""], "--remind: reminders are empty"),
    "remind-garbage": Case([*P, "--remind", "garbage"], "reminder 'garbage'"),
    "remind-too-many": Case([*P, "--remind", ",".join(["1m"] * 50)], "give at most 5"),
    "output-empty": Case([*P, "-o", ""], "-o is empty"),
    "output-exists": Case([*P, "-o", "plan.ics"], "plan.ics already exists and was left unchanged (use --force to replace it)"),
    "output-folder": Case([*P, "-o", "folder", "--force"], "folder is a folder: only a regular file is replaced"),
    "output-fifo-force": Case([*P, "-o", "pipe", "--force"], "pipe is a named pipe (FIFO): only a regular file is replaced", files={"pipe": FIFO}),
    "output-device-force": Case([*P, "-o", "/dev/null", "--force"], "/dev/null is a device: only a regular file is replaced"),
    "output-no-folder": Case([*P, "-o", "missing/plan.ics"], "the folder missing does not exist"),
    "output-full-disk": Case([*P, "-o", "-"], "cannot write to standard output: No space left on device", stdout="/dev/full"),
    "weight-text": Case([*P, "--weight", "abc"], "--weight: 'abc' is not a number of kg"),
    "weight-huge": Case([*P, "--weight", "1e999999"], "weight 1E+999999 kg is outside 0.5 to 400 kg"),
    "weight-nan": Case([*P, "--weight", "NaN"], "--weight: 'NaN' is not a number of kg"),
    "height-alone": Case([*P, "--height", "175"], "--height: a height needs a weight too"),
    "gfr-huge": Case([*P, "--gfr", "9" * 100_000], "--gfr: '99999999999999999999'... is not a number of mL/min"),
    "gfr-negative": Case([*P, "--gfr", "-80"], "--gfr: GFR -80 mL/min is outside 1 to 250 mL/min"),
    "creatinine-huge": Case([*P, "--creatinine", "1" * 100_000 + " mg/dL", "--age", "60", "--sex", "male", "--weight", "70"], "--creatinine: '11111111111111111111'... is not a creatinine"),
    "creatinine-no-unit": Case([*P, "--creatinine", "88", "--age", "60", "--sex", "male", "--weight", "70"], "--creatinine '88' needs its unit"),
    "age-huge": Case([*P, "--creatinine", "1 mg/dL", "--age", "1e999999", "--sex", "male", "--weight", "70"], "--age '1e999999' is not a whole number of years"),
    "prior-huge": Case([*P, "--prior", "doxorubicin=" + "9" * 100_000 + " mg"], "--prior: 'doxorubicin=9999999999"),
    "prior-too-many": Case([*P, "--prior", "x=1 mg"] * 1 + ["--prior", "x=1 mg"] * 30, "--prior: at most 20 prior doses"),
    "bsa-formula": Case([*P, "--weight", "70", "--height", "175", "--bsa", "foo"], "unknown BSA formula 'foo'"),
    "html-too-many-months": Case(["plan", "imatinib-daily", *START, "--tz", "UTC", "--cycles", "200", "--format", "html", "-o", "x.html"], "--format: a printable calendar has at most 120 months (pages)"),
    "week-start-friday": Case([*P, "--format", "html", "--week-start", "friday", "-o", "x.html"], "--week-start must be monday or sunday, got 'friday'"),
    "format": Case([*P, "--format", "pdf"], "--format: unknown format 'pdf'"),
    "recurrence": Case([*P, "--recurrence", "weekly"], "--recurrence: unknown recurrence form 'weekly'"),
    "plan-id-empty": Case([*P, "--plan-id", " "], "--plan-id: plan id must be a short printable text"),
    "plan-id-huge": Case([*P, "--plan-id", "x" * 5000], "plan id must be a short printable text"),
    "regimen-empty-id": Case(["plan", "", *START, "--tz", "UTC"], "no regimen or course file given (an empty file name)"),
    "regimen-unknown": Case(["plan", "aldesleukin", *START, "--tz", "UTC"], "unknown regimen 'aldesleukin'"),
    "regimen-fifo": Case(["plan", "pipe", *START, "--tz", "UTC"], "is a named pipe (FIFO)", files={"pipe": FIFO}),
    "regimen-dev-zero": Case(["plan", "/dev/zero", *START, "--tz", "UTC"], "/dev/zero: is a device"),
    "regimen-folder": Case(["plan", "folder", *START, "--tz", "UTC"], "folder: is a folder"),
    "regimen-gigantic": Case(["validate", "big.toml"], "is larger than 1,000,000 bytes", files={"big.toml": sparse(5_000_000_000)}),
    "regimen-not-utf8": Case(["validate", "latin.toml"], "is not UTF-8 text", files={"latin.toml": REGIMEN.replace("Tablet", "Tablét").encode("latin-1")}),
    # -- regimen files ----------------------------------------------------------------------
    "weekdays-garbage": Case(["validate", "r.toml"], "'funday' is not a weekday (write Monday, Tuesday, ... or Mon, Tue, ...)", files={"r.toml": regimen_with('days = "1"', 'days = "Mon-Funday"')}),
    "weekdays-list-of-numbers": Case(["validate", "r.toml"], "is not a weekday or a range of weekdays", files={"r.toml": regimen_with('days = "1"', 'days = ["Mon", 3]')}),
    "premed-days-wider-than-cycle": Case(["validate", "r.toml"], "days -366 to 1 span 367 days, longer than the 7-day cycle", files={"r.toml": regimen_with('days = "1"', 'days = "-366 to -1, 1"')}),
    "count-huge": Case(["validate", "r.toml"], "a count of 999999999999 doses is never reached", files={"r.toml": regimen_with('days = "1"', 'days = "1"\ncount = 999999999999')}),
    "count-zero": Case(["validate", "r.toml"], "count: expected a whole number of at least 1, got 0", files={"r.toml": regimen_with('days = "1"', 'days = "1"\ncount = 0')}),
    "at-most-huge": Case(["validate", "r.toml"], "expected a cap like \"3 doses in any 7 days\"", files={"r.toml": regimen_with('route = "oral"', 'route = "oral"\nat_most = "9999999999 doses in any 7 days"')}),
    "at-most-window-huge": Case(["validate", "r.toml"], "longer than 366 days, the longest duration allowed", files={"r.toml": regimen_with('route = "oral"', 'route = "oral"\nat_most = "3 doses in any 99999999 days"')}),
    "at-most-zero": Case(["validate", "r.toml"], "a cap allows at least 1 dose, got 0", files={"r.toml": regimen_with('route = "oral"', 'route = "oral"\nat_most = "0 doses in any 7 days"')}),
    "min-interval-hours-too-close": Case(["validate", "r.toml"], "Tablet doses fall 10 h apart, but drugs.tablet.min_interval is 11 h", files={"r.toml": regimen_with('time = "08:00"', 'times = ["08:00", "18:00"]').replace('route = "oral"', 'route = "oral"\nmin_interval = "11h"')}),
    "up-to-from-nowhere": Case(["validate", "r.toml"], "up_to: '24 months from the start of nowhere' is not a period", files={"r.toml": regimen_with("cycles = 2", 'cycles = "until stopped"\nup_to = "24 months from the start of nowhere"')}),
    "days-two-billion": Case(["validate", "r.toml"], "day 2000000000 is out of range", files={"r.toml": regimen_with('days = "1"', 'days = "1-2000000000"')}),
    "pattern-repeat": Case(["validate", "r.toml"], "x300000000 repeats more than a cycle can hold", files={"r.toml": regimen_with('days = "1"', 'pattern = "1 on, 6 off, x300000000"')}),
    "pattern-long": Case(["validate", "r.toml"], "covers more than 366 days", files={"r.toml": regimen_with('days = "1"', 'pattern = "1 on, 6 off, x100"')}),
    "duration-huge": Case(["validate", "r.toml"], "'999999999999999m' is not a duration", files={"r.toml": regimen_with('duration = "5m"', 'duration = "999999999999999m"')}),
    "duration-long": Case(["validate", "r.toml"], "longer than 366 days", files={"r.toml": regimen_with('duration = "5m"', 'duration = "9999h"')}),
    "precaution-9000-years": Case(["validate", "r.toml"], "'9000 years' is longer than 100 years", files={"r.toml": REGIMEN + '\n[[precautions]]\ntitle = "No live vaccines"\ninstructions = "Ask."\nafter_last_dose = "9000 years"\n'}),
    "deep-nesting": Case(["validate", "r.toml"], "nested too deeply", files={"r.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n"}),
    "toml-time-seconds": Case(["validate", "r.toml"], "09:00:59 is not a time in whole minutes", files={"r.toml": regimen_with('time = "08:00"', "time = 09:00:59")}),
    "amount-huge": Case(["validate", "r.toml"], "is far too large", files={"r.toml": regimen_with('duration = "5m"', 'duration = "5m"\namount = "99999999999999999999 mg"')}),
    "cycle-days-huge": Case(["validate", "r.toml"], "cycle length must be a whole number of days from 1 to 366", files={"r.toml": regimen_with("cycle_days = 7", "cycle_days = 100000000000000000000")}),
    "gap-huge": Case(["validate", "r.toml"], "is longer than 100 years", files={"r.toml": regimen_with("cycles = 2", 'cycles = 2\ngap_after = "99999999 days"')}),
    "toml-syntax": Case(["validate", "r.toml"], "not valid TOML", files={"r.toml": REGIMEN + "[[phases\n"}),
    "event-kind-a-list": Case(["validate", "r.toml"], "kind must be one of: lab, visit (got a list)", files={"r.toml": REGIMEN + '\n[[phases.events]]\nkind = []\ntitle = "Blood test"\ndays = "1"\n'}),
    "show-start-9999": Case(["show", "methotrexate-weekly", "--start", "9999-12-31"], "--start 9999-12-31 is outside the dates this tool plans"),
    "unknown-field-suggests": Case(["validate", "r.toml"], "unknown field 'cycle_dayz' (did you mean 'cycle_days'?", files={"r.toml": regimen_with("cycle_days = 7", "cycle_dayz = 7")}),
    # -- course files, hand-edited -----------------------------------------------------------
    "feed-url-without-token": Case(["course", "url", "c.toml", "--local"], "c.toml has no feed token for 'patient': run: scheduler course rotate-token c.toml --for patient", files={"c.toml": COURSE}),
    "feed-url-bad-base": Case(["course", "url", "c.toml", "--base", "ftp://x"], "--base must be an http(s) address, got 'ftp://x'", files={"c.toml": COURSE}),
    "feed-reader-name": Case(["course", "rotate-token", "c.toml", "--for", "../Bad Name"], "'../Bad Name' is not a reader name", files={"c.toml": COURSE}),
    "feed-revoke-unknown": Case(["course", "revoke-token", "c.toml", "--for", "caregiver"], "has no feed token for 'caregiver' (tokens: none)", files={"c.toml": COURSE}),
    "feed-token-file-fifo": Case(["course", "url", "c.toml", "--local"], "c.feed.toml: is a named pipe (FIFO)", files={"c.toml": COURSE, "c.feed.toml": FIFO}),
    "feed-token-file-garbage": Case(["course", "url", "c.toml", "--local"], "is not a valid token file", files={"c.toml": COURSE, "c.feed.toml": "[[tokens"}),
    "feed-token-file-bad-token": Case(["course", "url", "c.toml", "--local"], "a [[tokens]] entry is not valid: 'patient'", files={"c.toml": COURSE, "c.feed.toml": '[[tokens]]\nname = "patient"\ntoken = "short"\ncreated = 2027-01-01T00:00:00Z\n'}),
    "serve-no-folder": Case(["serve", "--courses", "missing"], "--courses missing: not a folder of course files"),
    "serve-port": Case(["serve", "--courses", "folder", "--port", "70000"], "--port must be from 1 to 65535, got 70000"),
    "serve-window-huge": Case(["serve", "--courses", "folder", "--days-ahead", "99999999"], "--days-ahead must be a whole number from 0 to 3,660"),
    "dose-rules-over-the-cap": Case(["validate", "r.toml"], "phases[0].doses: 1,001 dose rules in one phase, more than the 1,000 a phase may have", files={"r.toml": REGIMEN + "".join(f'[[phases.doses]]\nkey = "k{n}"\ndrug = "tablet"\ndays = "2"\ntime = "08:00"\nduration = "5m"\n' for n in range(1000))}),
    "thousand-rules-of-one-drug": Case([*PLAN[:1], "r.toml", *START, "--tz", "UTC", "--cycles", "1"], "more than the 100,000 a plan may have", files={"r.toml": REGIMEN.replace("cycle_days = 7", "cycle_days = 366") + "".join(f'[[phases.doses]]\nkey = "k{n}"\ndrug = "tablet"\ndays = "1-366"\ntime = "{n // 60 % 24:02d}:{n % 60:02d}"\nduration = "1m"\n' for n in range(1, 1000) if n != 480)}),  # 08:00 is the first rule's
    "closed-every-weekday": Case([*P, *[a for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") for a in ("--closed", d)]], "--closed: every weekday is closed: nothing could ever be scheduled"),
    "course-close-every-weekday": Case(["course", "close", "c.toml", *[a for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") for a in ("--weekday", d)]], "every weekday is closed", files={"c.toml": COURSE + HISTORY}),
    "holidays-huge": Case([*P, "--holidays", "X" * 100_000], "--holidays: unknown country 'XXXX"),
    "closed-huge": Case([*P, "--closed", "X" * 100_000], "…[99,902 characters]…"),
    "tz-huge": Case([*P, "--tz", "X" * 100_000], "--tz: unknown time zone"),
    "course-cycle-quoted": Case(["plan", "c.toml", "-o", "-"], "history[0].cycle: expected the cycle (no quotes), got '2'", files={"c.toml": course_with("cycle = 2", 'cycle = "2"')}),
    "course-start-quoted": Case(["plan", "c.toml", "-o", "-"], "start: expected a date like 2027-01-04 (no quotes), got '2027-01-04'", files={"c.toml": course_with("start = 2027-01-04", 'start = "2027-01-04"')}),
    "course-day-fraction": Case(["course", "show", "c.toml"], "history[0].day: expected the cycle day (no quotes), got 3.5", files={"c.toml": course_with('action = "delay"\nphase = 1\ncycle = 2\ndays = 7', 'action = "omit"\nphase = 1\ncycle = 2\nday = 3.5')}),
    "course-phase-9": Case(["plan", "c.toml", "-o", "-"], "history[0].phase: the regimen 'aldesleukin-sc' has 1 phase, not 9", files={"c.toml": course_with("phase = 1", "phase = 9")}),
    "course-weight-text": Case(["plan", "c.toml", "-o", "-"], "weight_kg: expected a weight in kg (a number, no quotes), got 'abc'", files={"c.toml": course_with("cycles = 3", 'cycles = 3\nweight_kg = "abc"')}),
    "course-bsa-formula": Case(["plan", "c.toml", "-o", "-"], "bsa_formula: unknown BSA formula 'foo'", files={"c.toml": course_with("cycles = 3", 'cycles = 3\nweight_kg = 70\nheight_cm = 175\nbsa_formula = "foo"')}),
    "course-closure-dates-number": Case(["plan", "c.toml", "-o", "-"], "closures.dates: expected a list of dates in [brackets], got 5", files={"c.toml": course_with("dates = []", "dates = 5")}),
    "course-region": Case(["plan", "c.toml", "-o", "-"], "closures.holidays[0]: unknown country 'XX'", files={"c.toml": course_with('holidays = ["GB-ENG"]', 'holidays = ["XX-YY"]')}),
    "course-at-naive": Case(["plan", "c.toml", "-o", "-"], "history[0].at: expected the time it was recorded, in UTC", files={"c.toml": course_with("at = 2027-01-02T10:00:00Z", "at = 2027-01-02T10:00:00")}),
    "course-reminders": Case(["plan", "c.toml", "-o", "-"], "reminders: reminder '999999999m'", files={"c.toml": course_with('reminders = "default"', 'reminders = "999999999m"')}),
    "course-delay-days-huge": Case(["plan", "c.toml", "-o", "-"], "history[0].days: the delay in days must be from 1 to 366", files={"c.toml": course_with("days = 7", "days = 999999999")}),
    "course-stop-by-date-with-phase": Case(["plan", "c.toml", "-o", "-"], "a stop by date takes no phase", files={"c.toml": course_with('action = "delay"\nphase = 1\ncycle = 2\ndays = 7', 'action = "stop"\nafter = 2027-02-01\nphase = 1')}),
    "course-regimen-missing": Case(["plan", "sub/c.toml", "-o", "-"], "sub/../missing.toml: no such file", files={"sub/c.toml": course_with('regimen = "aldesleukin-sc"', 'regimen = "../missing.toml"')}),
    "course-too-much-history": Case(["plan", "c.toml", "-o", "-"], "201 changes: a course holds at most 200", files={"c.toml": COURSE + HISTORY * 201}),
    "course-fifo": Case(["course", "show", "pipe"], "is a named pipe (FIFO)", files={"pipe": FIFO}),
    "course-dev-zero": Case(["course", "delay", "/dev/zero", "--cycle", "2", "--days", "1"], "/dev/zero: is a device"),
    "course-gigantic": Case(["course", "show", "huge.toml"], "is larger than 4,000,000 bytes", files={"huge.toml": sparse(50_000_000)}),
    # -- course edits -------------------------------------------------------------------------
    "delay-days-huge": Case(["course", "delay", "course.toml", "--cycle", "2", "--days", "999999999"], "--days must be from 1 to 366"),
    "delay-cycle-0": Case(["course", "delay", "course.toml", "--cycle", "0", "--days", "7"], "--cycle must be from 1"),
    "delay-to-year-9999": Case(["course", "delay", "course.toml", "--cycle", "2", "--to", "9999-12-31"], "--days must be from 1 to 366"),
    "stop-cycle-0": Case(["course", "stop", "course.toml", "--cycle", "0"], "--cycle must be from 1"),
    "omit-drug-substring": Case(["course", "omit", "course.toml", "--cycle", "1", "--day", "1", "--drug", "ald"], "--drug: unknown drug 'ald' (allowed: aldesleukin)"),
    "omit-drug-empty": Case(["course", "omit", "course.toml", "--cycle", "1", "--day", "1", "--drug", ""], "--drug: unknown drug '' (allowed: aldesleukin)"),
    "omit-day-0": Case(["course", "omit", "course.toml", "--cycle", "1", "--day", "0"], "--day must not be 0"),
    "omit-day-outside": Case(["course", "omit", "course.toml", "--cycle", "1", "--day", "99"], "day 99 is outside the 35-day cycle"),
    "retime-seconds": Case(["course", "retime", "course.toml", "--from", "2027-02-01", "--time", "08:00:30"], "--time: '08:00:30' is not a time of day"),
    "close-weekday": Case(["course", "close", "course.toml", "--weekday", "Funday"], "--weekday: 'Funday' is not a weekday"),
    "close-region": Case(["course", "close", "course.toml", "--holidays", "ZZ"], "--holidays: unknown country 'ZZ'"),
    "new-remind-garbage": Case(["course", "new", "aldesleukin-sc", *START, "--cycles", "1", "--tz", "UTC", "--remind", "garbage", "-o", "new.toml"], "--remind: reminder 'garbage'"),
    "new-tz-empty": Case(["course", "new", "aldesleukin-sc", *START, "--cycles", "1", "--tz", "", "-o", "new.toml"], "--tz is empty"),
    "new-output-exists": Case(["course", "new", "aldesleukin-sc", *START, "--cycles", "1", "--tz", "UTC", "-o", "course.toml"], "course.toml already exists and was left unchanged (use --force to replace it)"),
    "new-holidays-unknown": Case(["course", "new", "aldesleukin-sc", *START, "--cycles", "1", "--tz", "UTC", "--holidays", "GB-XX", "-o", "new.toml"], "--holidays: unknown subdivision 'XX' of GB"),
    # -- check and diff ---------------------------------------------------------------------
    "check-fifo": Case(["check", "pipe"], "is a named pipe (FIFO), not a calendar file", files={"pipe": FIFO}),
    "check-dev-zero": Case(["check", "/dev/zero"], "/dev/zero: is a device"),
    "check-50-mb": Case(["check", "big.ics"], "is larger than 16,000,000 bytes", files={"big.ics": b"A" * 50_000_000}),
    "check-missing": Case(["check", "nothing.ics"], "nothing.ics: no such file"),
    "diff-unrelated": Case(["diff", "course.toml", "other.toml"], "share no event: they are not two versions of one plan", files={"other.toml": COURSE.replace('id = "aldesleukin-sc-2027-01-04"', 'id = "someone-else"')}),
    "diff-fifo": Case(["diff", "pipe", "course.toml"], "is a named pipe (FIFO)", files={"pipe": FIFO}),
}  # fmt: skip


def _make(folder: Path, files: dict[str, object]) -> None:
    (folder / "folder").mkdir()
    (folder / "course.toml").write_text(COURSE)
    (folder / "course.toml").chmod(0o600)  # as the tool makes course files
    (folder / "regimen.toml").write_text(REGIMEN)
    (folder / "plan.ics").write_text(ICS, newline="")
    for name, spec in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if spec is FIFO:
            os.mkfifo(path)
        elif isinstance(spec, tuple):
            with path.open("wb") as handle:
                handle.truncate(spec[1])
        elif isinstance(spec, bytes):
            path.write_bytes(spec)
        else:
            assert isinstance(spec, str)
            path.write_text(spec)
        if name.endswith(".toml") and path.is_file():
            path.chmod(0o600)  # course and token files, as the tool makes them


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: its kind, and a regular file's bytes (or size if sparse)."""
    out: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        name = str(path.relative_to(folder))
        if stat.S_ISREG(info.st_mode):
            out[name] = path.read_bytes() if info.st_size < 100_000_000 else ("size", info.st_size)
        else:
            out[name] = stat.S_IFMT(info.st_mode)
    return out


def scheduler(
    argv: list[str], cwd: Path, stdout: str | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEDULER_NOW": "2027-01-02T10:00:00Z", "SOURCE_DATE_EPOCH": "1798848000",
           "TZ": "UTC", "NO_COLOR": "1", "COLUMNS": "200"}  # fmt: skip
    sink = open(stdout, "w") if stdout else subprocess.PIPE  # noqa: SIM115
    try:
        return subprocess.run(
            [sys.executable, "-m", "scheduler", *argv],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
            **kwargs,  # type: ignore[arg-type]
        )
    finally:
        if stdout:
            sink.close()  # type: ignore[union-attr]


def assert_refused(result: subprocess.CompletedProcess[str], code: int, expect: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert expect in lines[0], lines[0]
    assert result.returncode == code, (result.returncode, lines[0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_refused_cleanly(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    _make(tmp_path, case.files)
    before = snapshot(tmp_path)
    result = scheduler(case.argv, tmp_path, stdout=case.stdout)
    assert_refused(result, case.code, case.expect)
    assert snapshot(tmp_path) == before


def test_a_huge_value_is_shortened_in_the_error_line(tmp_path: Path) -> None:
    """A 100,000-character value is echoed as its start, the count left out and its end, so
    the one line stays readable (it was the whole value before)."""
    for name in ("holidays-huge", "closed-huge", "tz-huge"):
        result = scheduler(CASES[name].argv, tmp_path)
        assert len(result.stderr) < 600, (name, len(result.stderr))
        assert "…[99,902 characters]…" in result.stderr, name


def test_there_are_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    kinds = {case.argv[0] for case in CASES.values()}
    assert {"plan", "validate", "course", "check", "diff"} <= kinds


def test_check_on_a_broken_date_reports_instead_of_crashing(tmp_path: Path) -> None:
    """Regression: ``DTSTART:00000230T250000Z`` made icalendar raise inside ``check``."""
    (tmp_path / "bad.ics").write_text(
        ICS.replace("DTSTART:20270104T090000Z", "DTSTART:00000230T250000Z"), newline=""
    )
    result = scheduler(["check", "bad.ics"], tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "bad.ics: error:" in result.stderr


def test_check_on_one_long_line_is_refused_before_parsing(tmp_path: Path) -> None:
    """A 5 MB one-line file took gigabytes in the parsers; it is refused by its line length."""
    (tmp_path / "long.ics").write_bytes(b"BEGIN:VCALENDAR" + b"A" * 5_000_000)
    result = scheduler(["check", "long.ics"], tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "a line is 5,000,015 bytes long" in result.stderr


def test_stale_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    """Regression: ``.NAME.*.tmp`` files left by a killed write stayed forever."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".plan.ics.{dead.stdout.strip()}.abcd1234.tmp"
    stale.write_text("half a calendar")
    result = scheduler([*P, "-o", "plan.ics"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["plan.ics"]
