"""Library throughput of the exporters (issue 9), as ratios measured in one run.

What is measured, in this process:

1. VTIMEZONE for a one-year plan (Europe/London): built from a half-day scan of zoneinfo, as
   changes were found before issue 19 (reproduced here as the reference, uncached, as before
   issue 9), and from the zone's TZif file cold (caches cleared) and warm (as every patient
   after the first in a batch finds it). Since issue 19 a definition covers 1970 onwards, about
   60 years: the scan costs ~40 ms a zone, the file about 1 ms.
2. ``to_json`` of a 100,000-event plan against ``json.dumps(to_envelope(plan), indent=2)``
   (the pure-Python encoder it used), paired by round; the texts must be identical.
3. Peak memory (tracemalloc) of ``to_ics`` for a large plan, as a multiple of the file's size
   (6.8x before issue 9), and of ``write_ics`` straight into a file.
4. Library cost per patient of one-year plans (``expand`` + ``to_ics``) for 200 patients of
   several regimens, zones and start dates: with the VTIMEZONE as it was, cold before every
   patient, and warm; and the share of that cost spent in the VTIMEZONE (about 38 % before).

Reports, never asserts (the targets are ratios; absolute times depend on the machine). Timings
are medians over rounds that alternate the compared variants, so drift hits both alike.

Run: ``.venv/bin/python bench/throughput.py`` (options: ``--rounds N``, ``--patients N``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler import PlanOptions, expand, resolve_regimen
from scheduler.export import ics, transitions, vtimezone
from scheduler.export.ics import to_ics, write_ics
from scheduler.export.json import to_envelope, to_json
from scheduler.plan.events import Event
from scheduler.regimen.dosing import Body

STAMP = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
REGIMENS = ["aldesleukin-sc", "palbociclib-fulvestrant", "capecitabine-q21d", "imatinib-daily",
            "methotrexate-weekly", "temozolomide-stupp"]  # fmt: skip
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
#: to_ics looks the VTIMEZONE builder up in its module's namespace: swapped here to time it.
SWAPPABLE: dict[str, Any] = vars(ics)


def half_day_scan(zone: ZoneInfo, first_year: int, last_year: int) -> list[transitions.Transition]:
    """``transitions.transitions`` as it was before issue 9: one scan of the span, every half
    day in Python, no cache (and no TZif file)."""
    begin = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())

    def offset(t: int) -> timedelta:
        value = datetime.fromtimestamp(t, zone).utcoffset()
        assert value is not None
        return value

    out = []
    previous, t = offset(begin), begin
    while t < end:
        nxt = min(t + 43_200, end)
        new = offset(nxt)
        if new != previous:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == previous else (lo, mid)
            local = datetime.fromtimestamp(hi, zone)
            out.append(transitions.Transition(hi, previous, new, local.tzname() or "",
                                              bool(local.dst())))  # fmt: skip
            previous = new
        t = nxt
    return out


def vtimezone_before(zone: ZoneInfo, first: date, last: date) -> list[str]:
    """The VTIMEZONE lines from the uncached half-day scan (the same text)."""
    cached = vtimezone.transitions
    vtimezone.transitions = half_day_scan
    vtimezone._vtimezone.cache_clear()
    try:
        return vtimezone.vtimezone_lines(zone, first, last)
    finally:
        vtimezone.transitions = cached
        vtimezone._vtimezone.cache_clear()


def clear_caches() -> None:
    transitions._tzif_of.cache_clear()
    transitions._year_transitions.cache_clear()
    vtimezone._vtimezone.cache_clear()


def vtimezone_cold(zone: ZoneInfo, first: date, last: date) -> list[str]:
    clear_caches()
    return vtimezone.vtimezone_lines(zone, first, last)


def ms(action: Callable[[], object], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - start) * 1000.0 / repeat


def alternating(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each round runs every variant once, the order rotating by round."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(variants[name]())
    return samples


def paired(samples: dict[str, list[float]], num: str, den: str) -> float:
    return statistics.median(a / b for a, b in zip(samples[num], samples[den], strict=True))


def bench_vtimezone(rounds: int) -> dict[str, Any]:
    first, last = date(2027, 1, 4), date(2028, 1, 3)
    assert vtimezone_before(LONDON, first, last) == vtimezone_cold(LONDON, first, last)
    samples = alternating(
        {
            "before": lambda: ms(lambda: vtimezone_before(LONDON, first, last), 20),
            "cold": lambda: ms(lambda: vtimezone_cold(LONDON, first, last), 20),
            "warm": lambda: ms(lambda: vtimezone.vtimezone_lines(LONDON, first, last), 2000),
        },
        rounds,
    )
    return {
        "median_ms": {k: statistics.median(v) for k, v in samples.items()},
        "before / cold": paired(samples, "before", "cold"),
        "before / warm": paired(samples, "before", "warm"),
    }


def many_events(count: int) -> tuple[Event, ...]:
    """``count`` events: a year of aldesleukin-sc repeated (the writers do not mind repeats)."""
    one_year = expand(resolve_regimen("aldesleukin-sc"),
                      PlanOptions(start=date(2027, 1, 4), zone=LONDON, cycles=11))  # fmt: skip
    return (one_year * (count // len(one_year) + 1))[:count]


def bench_json(rounds: int, count: int = 100_000) -> dict[str, Any]:
    from dataclasses import replace

    from scheduler.planner import plan

    planned = replace(
        plan("aldesleukin-sc", start=date(2027, 1, 4), zone=LONDON, cycles=1),
        events=many_events(count),
    )

    def indent_2() -> str:
        return json.dumps(to_envelope(planned), indent=2, ensure_ascii=False) + "\n"

    identical = to_json(planned) == indent_2()
    samples = alternating(
        {"to_json": lambda: ms(lambda: to_json(planned)), "indent_2": lambda: ms(indent_2)},
        rounds,
    )
    return {
        "events": count,
        "identical": identical,
        "median_ms": {k: statistics.median(v) for k, v in samples.items()},
        "indent_2 / to_json": paired(samples, "indent_2", "to_json"),
    }


@contextmanager
def traced() -> Iterator[list[int]]:
    """Peak traced bytes of the block, as the list's one item."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def bench_memory(cycles: int = 2_000) -> dict[str, Any]:
    events = expand(resolve_regimen("aldesleukin-sc"),
                    PlanOptions(start=date(2027, 1, 4), zone=LONDON, cycles=cycles))  # fmt: skip
    options: dict[str, Any] = {"name": "Aldesleukin", "stamp": STAMP, "zone": LONDON}
    to_ics(events[:10], **options)  # imports and caches out of the measurement
    with traced() as in_memory:
        size = len(to_ics(events, **options))
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        target = Path(tmp) / "plan.ics"
        with traced() as streamed, target.open("wb") as stream:
            write_ics(events, stream, **options)
    return {
        "events": len(events),
        "file_mb": size / 1e6,
        "to_ics_peak / file": in_memory[0] / size,
        "write_ics_peak_kb": streamed[0] / 1024,
    }


def patients(count: int) -> list[tuple[str, ZoneInfo, date]]:
    """``count`` one-year plans: regimens, zones and start dates in turn over 2027."""
    return [(REGIMENS[i % len(REGIMENS)], ZoneInfo(ZONES[i % len(ZONES)]),
             date(2027, 1, 1) + timedelta(days=(i * 7) % 365)) for i in range(count)]  # fmt: skip


def plan_patients(rows: list[tuple[str, ZoneInfo, date]], clear: bool) -> tuple[float, float]:
    """Milliseconds per patient (expand + to_ics), and of those, in the VTIMEZONE builder."""
    regimens = {rid: resolve_regimen(rid) for rid, _, _ in rows}
    building: Callable[[ZoneInfo, date, date], list[str]] = SWAPPABLE["vtimezone_lines"]
    in_vtimezone = 0.0

    def timed_vtimezone(zone: ZoneInfo, first: date, last: date) -> list[str]:
        nonlocal in_vtimezone
        start = time.perf_counter()
        try:
            return building(zone, first, last)
        finally:
            in_vtimezone += time.perf_counter() - start

    SWAPPABLE["vtimezone_lines"] = timed_vtimezone
    try:
        start = time.perf_counter()
        for rid, zone, first in rows:
            if clear:
                clear_caches()
            events = expand(regimens[rid], PlanOptions(start=first, zone=zone, body=BODY,
                            until=first + timedelta(days=364)))  # fmt: skip
            to_ics(events, name=rid, stamp=STAMP, zone=zone)
        total = time.perf_counter() - start
    finally:
        SWAPPABLE["vtimezone_lines"] = building
    return total * 1000.0 / len(rows), in_vtimezone * 1000.0 / len(rows)


def bench_patients(rounds: int, count: int) -> dict[str, Any]:
    rows = patients(count)
    plan_patients(rows[:10], clear=False)  # imports and first-use caches
    original = SWAPPABLE["vtimezone_lines"]
    per_patient: dict[str, list[tuple[float, float]]] = {"before": [], "cold": [], "warm": []}

    def run(mode: str) -> float:
        SWAPPABLE["vtimezone_lines"] = vtimezone_before if mode == "before" else original
        try:
            result = plan_patients(rows, clear=mode == "cold")
        finally:
            SWAPPABLE["vtimezone_lines"] = original
        per_patient[mode].append(result)
        return result[0]

    samples = alternating({mode: partial(run, mode) for mode in per_patient}, rounds)
    report: dict[str, Any] = {"patients": count}
    for mode, results in per_patient.items():
        report[f"{mode} ms/patient"] = statistics.median(r[0] for r in results)
        report[f"{mode} VTIMEZONE share"] = statistics.median(r[1] / r[0] for r in results)
    report["before / cold"] = paired(samples, "before", "cold")
    report["before / warm"] = paired(samples, "before", "warm")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per comparison (5)")
    parser.add_argument("--patients", type=int, default=200, help="one-year plans (200)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.patients < 10:
        parser.error("--rounds must be >= 1 and --patients >= 10")
    results = {
        "vtimezone": bench_vtimezone(args.rounds),
        "to_json": bench_json(args.rounds),
        "memory": bench_memory(),
        "patients": bench_patients(args.rounds, args.patients),
    }
    print(f"Throughput, {args.rounds} rounds, {os.cpu_count()} CPUs, {sys.executable}")
    vtz = results["vtimezone"]
    print("\n1. VTIMEZONE of a one-year plan (Europe/London), ms per build (median)")
    print("   " + "  ".join(f"{k} {v:.4f}" for k, v in vtz["median_ms"].items()))
    print(
        f"   before / cold {vtz['before / cold']:.2f}x   before / warm {vtz['before / warm']:.0f}x"
    )
    js = results["to_json"]
    print(f"\n2. to_json of {js['events']:,} events, ms (median); same text: {js['identical']}")
    print("   " + "  ".join(f"{k} {v:.0f}" for k, v in js["median_ms"].items()))
    print(f"   json.dumps(indent=2) / to_json {js['indent_2 / to_json']:.2f}x")
    mem = results["memory"]
    print(f"\n3. Peak memory for {mem['events']:,} events ({mem['file_mb']:.1f} MB of .ics)")
    print(f"   to_ics {mem['to_ics_peak / file']:.2f}x the file   "
          f"write_ics to a file: peak {mem['write_ics_peak_kb']:.0f} kB")  # fmt: skip
    pat = results["patients"]
    print(f"\n4. One-year plans (expand + to_ics), {pat['patients']} patients, ms per patient")
    for mode in ("before", "cold", "warm"):
        print(f"   {mode:<7}{pat[f'{mode} ms/patient']:>7.2f} ms"
              f"   VTIMEZONE {pat[f'{mode} VTIMEZONE share']:>5.1%} of it")  # fmt: skip
    print(
        f"   before / cold {pat['before / cold']:.2f}x   before / warm {pat['before / warm']:.2f}x"
    )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
