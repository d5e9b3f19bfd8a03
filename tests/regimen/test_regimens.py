"""Every bundled regimen against its published schedule. The expected dates, times and amounts
are written out by hand from the schedules in shared/reference/regimens.md; none is computed
by the code under test. Plans start on Monday 4 January 2027 in London (GMT until Sunday
28 March 2027) unless a test says otherwise; amounts use 70 kg and 175 cm, whose Mosteller
BSA is sqrt(175 × 70 / 3600) = 1.8447 -> 1.84 m²."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scheduler.plan.events import Event
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body
from tests.helpers import doses, plan

BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
ALL = [
    "aldesleukin-hd-iv", "aldesleukin-sc", "aldesleukin-sc-18-9", "bep-q21d", "capecitabine-q21d",
    "capecitabine-rt-rectal", "carboplatin-paclitaxel-q21d", "denosumab-6-monthly",
    "docetaxel-q21d", "gemcitabine-d1-8-15-q28d", "imatinib-daily", "leuprolide-3-monthly",
    "methotrexate-weekly", "methotrexate-weekly-divided", "mfolfox6", "ocp-21-7",
    "paclitaxel-weekly-q28d", "palbociclib-fulvestrant", "pembrolizumab-q3w", "pembrolizumab-q6w",
    "r-chop-21", "radiotherapy-60gy-30f", "temozolomide-stupp", "zoledronic-acid-q12w",
]  # fmt: skip


def starts(events: tuple[Event, ...] | list[Event], drug: str | None = None) -> list[str]:
    return [e.start.isoformat() for e in doses(tuple(events)) if drug is None or e.drug == drug]


def test_the_library_has_every_required_regimen() -> None:
    assert bundled_ids() == ALL


def test_aldesleukin_sc_first_cycle() -> None:
    assert [s[:10] for s in starts(plan("aldesleukin-sc", cycles=1))] == [
        "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
        "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
        "2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22",
        "2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29",
    ]  # fmt: skip


def test_aldesleukin_hd_iv_every_8_hours_capped_at_14_per_block_and_28_per_course() -> None:
    events = plan("aldesleukin-hd-iv", body=Body(weight_kg=Decimal(70)))
    assert starts(events) == [
        # Days 1-5: 15 eight-hourly slots from 08:00 Monday; the 15th (Sat 9 Jan 00:00) is dropped.
        "2027-01-04T08:00:00+00:00", "2027-01-04T16:00:00+00:00",
        "2027-01-05T00:00:00+00:00", "2027-01-05T08:00:00+00:00", "2027-01-05T16:00:00+00:00",
        "2027-01-06T00:00:00+00:00", "2027-01-06T08:00:00+00:00", "2027-01-06T16:00:00+00:00",
        "2027-01-07T00:00:00+00:00", "2027-01-07T08:00:00+00:00", "2027-01-07T16:00:00+00:00",
        "2027-01-08T00:00:00+00:00", "2027-01-08T08:00:00+00:00", "2027-01-08T16:00:00+00:00",
        # 9 days of rest, then days 15-19 (Monday 18 January) the same again.
        "2027-01-18T08:00:00+00:00", "2027-01-18T16:00:00+00:00",
        "2027-01-19T00:00:00+00:00", "2027-01-19T08:00:00+00:00", "2027-01-19T16:00:00+00:00",
        "2027-01-20T00:00:00+00:00", "2027-01-20T08:00:00+00:00", "2027-01-20T16:00:00+00:00",
        "2027-01-21T00:00:00+00:00", "2027-01-21T08:00:00+00:00", "2027-01-21T16:00:00+00:00",
        "2027-01-22T00:00:00+00:00", "2027-01-22T08:00:00+00:00", "2027-01-22T16:00:00+00:00",
    ]  # fmt: skip
    first = doses(events)[0]
    assert first.amount == "42,000,000 IU"
    assert first.amount_working is not None
    assert first.amount_working.startswith("600,000 IU/kg × 70 kg = 42,000,000 IU.")
    assert "Calculated from the weight entered" in first.amount_working
    assert first.end.isoformat() == "2027-01-04T08:15:00+00:00"
    assert first.title == "Aldesleukin infusion 42,000,000 IU — cycle 1, day 1, dose 1 of 14"
    visits = [(e.title, e.start) for e in events if e.kind == "visit"]
    assert visits == [
        ("Response assessment (scans and review)", date(2027, 2, 19)),  # last dose 22 Jan + 4 weeks
        ("Earliest date for a further course", date(2027, 3, 12)),  # + 7 weeks
    ]


def test_aldesleukin_hd_iv_every_8_hours_is_elapsed_time_across_the_clock_change() -> None:
    # From Friday 26 March 2027 16:00 GMT: 8 real hours later is Saturday 00:00, ..., and after
    # the clocks go forward on Sunday 28 March the slots read 01:00/09:00/17:00 BST.
    events = plan("aldesleukin-hd-iv", start=date(2027, 3, 26))
    assert starts(events)[:10] == [
        "2027-03-26T08:00:00+00:00", "2027-03-26T16:00:00+00:00",
        "2027-03-27T00:00:00+00:00", "2027-03-27T08:00:00+00:00", "2027-03-27T16:00:00+00:00",
        "2027-03-28T00:00:00+00:00", "2027-03-28T09:00:00+01:00", "2027-03-28T17:00:00+01:00",
        "2027-03-29T01:00:00+01:00", "2027-03-29T09:00:00+01:00",
    ]  # fmt: skip


def test_aldesleukin_sc_18_9_amounts_by_day() -> None:
    events = plan("aldesleukin-sc-18-9", cycles=1)
    assert [(e.start.date().isoformat(), e.amount) for e in doses(events)] == [
        ("2027-01-04", "18 MIU"), ("2027-01-05", "18 MIU"), ("2027-01-06", "18 MIU"),
        ("2027-01-07", "18 MIU"), ("2027-01-08", "18 MIU"),
        ("2027-01-11", "18 MIU"), ("2027-01-12", "18 MIU"),
        ("2027-01-13", "9 MIU"), ("2027-01-14", "9 MIU"), ("2027-01-15", "9 MIU"),
        ("2027-01-18", "18 MIU"), ("2027-01-19", "18 MIU"),
        ("2027-01-20", "9 MIU"), ("2027-01-21", "9 MIU"), ("2027-01-22", "9 MIU"),
        ("2027-01-25", "18 MIU"), ("2027-01-26", "18 MIU"),
        ("2027-01-27", "9 MIU"), ("2027-01-28", "9 MIU"), ("2027-01-29", "9 MIU"),
    ]  # fmt: skip


def test_mfolfox6_day_one_sequence_and_46_hour_infusion() -> None:
    events = plan("mfolfox6", cycles=2, body=BODY)
    rows = [(e.title, e.start.isoformat(), e.end.isoformat(), e.amount) for e in doses(events)]
    assert rows[:4] == [
        ("Oxaliplatin infusion 156 mg — cycle 1, day 1",  # 85 × 1.84 = 156.4
         "2027-01-04T09:00:00+00:00", "2027-01-04T11:00:00+00:00", "156 mg"),
        ("Leucovorin infusion 736 mg — cycle 1, day 1",  # 400 × 1.84
         "2027-01-04T09:00:00+00:00", "2027-01-04T11:00:00+00:00", "736 mg"),
        ("Fluorouracil 736 mg — cycle 1, day 1",  # bolus after leucovorin
         "2027-01-04T11:00:00+00:00", "2027-01-04T11:05:00+00:00", "736 mg"),
        ("Fluorouracil 4,420 mg — cycle 1, day 1",  # 2,400 × 1.84 = 4,416; 46 h, ends day 3
         "2027-01-04T11:05:00+00:00", "2027-01-06T09:05:00+00:00", "4,420 mg"),
    ]  # fmt: skip
    assert rows[4][1] == "2027-01-18T09:00:00+00:00"  # cycle 2, 14 days later
    assert len(doses(plan("mfolfox6"))) == 12 * 4  # 12 cycles, no bound needed
    assert starts(plan("mfolfox6"))[-1] == "2027-06-07T11:05:00+01:00"  # cycle 12 day 1, BST


def test_r_chop_21_day_one_and_vincristine_cap() -> None:
    events = plan("r-chop-21", cycles=1, body=BODY)
    rows = [(e.drug, e.start.isoformat(), e.amount) for e in doses(events)]
    assert rows == [
        ("Prednisone", "2027-01-04T08:00:00+00:00", "100 mg"),
        ("Rituximab", "2027-01-04T09:00:00+00:00", "690 mg"),  # 375 × 1.84
        ("Doxorubicin", "2027-01-04T13:00:00+00:00", "92 mg"),  # 50 × 1.84, after 4 h rituximab
        ("Vincristine", "2027-01-04T13:15:00+00:00", "2 mg"),  # 1.4 × 1.84 = 2.576, capped at 2
        ("Cyclophosphamide", "2027-01-04T13:25:00+00:00", "1,380 mg"),  # 750 × 1.84
        ("Prednisone", "2027-01-05T08:00:00+00:00", "100 mg"),
        ("Prednisone", "2027-01-06T08:00:00+00:00", "100 mg"),
        ("Prednisone", "2027-01-07T08:00:00+00:00", "100 mg"),
        ("Prednisone", "2027-01-08T08:00:00+00:00", "100 mg"),
    ]
    vincristine = next(e for e in doses(events) if e.drug == "Vincristine")
    assert vincristine.amount_working is not None
    assert "capped at the maximum of 2 mg" in vincristine.amount_working
    assert starts(plan("r-chop-21"), "Rituximab") == [
        "2027-01-04T09:00:00+00:00", "2027-01-25T09:00:00+00:00", "2027-02-15T09:00:00+00:00",
        "2027-03-08T09:00:00+00:00", "2027-03-29T09:00:00+01:00", "2027-04-19T09:00:00+01:00",
    ]  # fmt: skip


def test_r_chop_21_without_weight_shows_doses_as_written() -> None:
    rituximab = next(e for e in doses(plan("r-chop-21", cycles=1)) if e.drug == "Rituximab")
    assert rituximab.amount == "375 mg/m²"
    assert rituximab.amount_working is None


def test_capecitabine_twice_daily_days_1_to_14() -> None:
    events = plan("capecitabine-q21d", cycles=1, body=BODY)
    got = starts(events)
    assert len(got) == 28
    assert got[:4] == [
        "2027-01-04T08:00:00+00:00", "2027-01-04T20:00:00+00:00",
        "2027-01-05T08:00:00+00:00", "2027-01-05T20:00:00+00:00",
    ]  # fmt: skip
    assert got[-1] == "2027-01-17T20:00:00+00:00"  # day 14, evening
    assert {e.amount for e in doses(events)} == {"2,300 mg"}  # 1,250 × 1.84
    assert starts(plan("capecitabine-q21d", cycles=2))[28] == "2027-01-25T08:00:00+00:00"
    assert len(doses(plan("capecitabine-q21d"))) == 8 * 28


def test_temozolomide_stupp_phases_gap_and_cycle_one_amount() -> None:
    events = plan("temozolomide-stupp", body=BODY)
    concomitant = [e for e in doses(events) if e.phase == "Concomitant (with radiotherapy)"]
    assert len(concomitant) == 42
    assert concomitant[0].start.isoformat() == "2027-01-04T08:00:00+00:00"
    assert concomitant[-1].start.isoformat() == "2027-02-14T08:00:00+00:00"  # day 42
    assert {e.amount for e in concomitant} == {"138 mg"}  # 75 × 1.84
    assert concomitant[4].title == "Temozolomide capsules 138 mg — day 5"  # continuous: no cycles
    maintenance = [e for e in doses(events) if e.phase == "Maintenance"]
    # 4 weeks without treatment (15 Feb - 14 Mar), then maintenance from Monday 15 March.
    assert [(e.start.isoformat(), e.amount) for e in maintenance[:10]] == [
        ("2027-03-15T21:00:00+00:00", "276 mg"), ("2027-03-16T21:00:00+00:00", "276 mg"),
        ("2027-03-17T21:00:00+00:00", "276 mg"), ("2027-03-18T21:00:00+00:00", "276 mg"),
        ("2027-03-19T21:00:00+00:00", "276 mg"),  # cycle 1: 150 × 1.84
        ("2027-04-12T21:00:00+01:00", "368 mg"), ("2027-04-13T21:00:00+01:00", "368 mg"),
        ("2027-04-14T21:00:00+01:00", "368 mg"), ("2027-04-15T21:00:00+01:00", "368 mg"),
        ("2027-04-16T21:00:00+01:00", "368 mg"),  # cycle 2: 200 × 1.84
    ]  # fmt: skip
    assert len(maintenance) == 30
    assert maintenance[-1].start.isoformat() == "2027-08-06T21:00:00+01:00"  # cycle 6, day 5


def test_pembrolizumab_q3w_up_to_24_months() -> None:
    got = [s[:10] for s in starts(plan("pembrolizumab-q3w"))]
    assert len(got) == 35
    assert got[:3] == ["2027-01-04", "2027-01-25", "2027-02-15"]
    # The 35th starts on Monday 18 December 2028; the next would be 8 January 2029, past
    # 24 months (4 January 2029).
    assert got[-1] == "2028-12-18"


def test_pembrolizumab_q6w_up_to_24_months() -> None:
    got = [s[:10] for s in starts(plan("pembrolizumab-q6w"))]
    assert len(got) == 18
    assert got[:3] == ["2027-01-04", "2027-02-15", "2027-03-29"]
    assert got[-1] == "2028-12-18"
    assert {e.amount for e in doses(plan("pembrolizumab-q6w"))} == {"400 mg"}


def test_palbociclib_fulvestrant_loading_then_monthly() -> None:
    events = plan("palbociclib-fulvestrant", cycles=3)
    assert starts(events, "Fulvestrant") == [
        "2027-01-04T10:00:00+00:00",  # day 1
        "2027-01-18T10:00:00+00:00",  # day 15 (loading)
        "2027-02-01T10:00:00+00:00",  # day 29 = cycle 2, day 1
        "2027-03-01T10:00:00+00:00",  # cycle 3, day 1
    ]
    palbociclib = [s[:10] for s in starts(events, "Palbociclib")]
    assert len(palbociclib) == 3 * 21
    assert palbociclib[0] == "2027-01-04" and palbociclib[20] == "2027-01-24"
    assert palbociclib[21] == "2027-02-01"


def test_methotrexate_once_weekly_on_the_start_dates_weekday() -> None:
    """Regression (issue 8, defect 3): the regimen's placeholder ``start_on = "Monday"`` moved a
    Wednesday start to the next Monday, while ``show`` put day 1 on the Wednesday."""
    # Start Wednesday 6 January 2027: the first dose is that Wednesday, then every Wednesday.
    events = plan("methotrexate-weekly", start=date(2027, 1, 6), cycles=4)
    assert starts(events) == [
        "2027-01-06T09:00:00+00:00", "2027-01-13T09:00:00+00:00",
        "2027-01-20T09:00:00+00:00", "2027-01-27T09:00:00+00:00",
    ]  # fmt: skip
    assert {e.amount for e in doses(events)} == {"7.5 mg"}
    assert [e.title for e in doses(events)][:2] == [
        "Methotrexate (ONCE WEEKLY) 7.5 mg — every Wednesday, week 1",
        "Methotrexate (ONCE WEEKLY) 7.5 mg — every Wednesday, week 2",
    ]


def test_paclitaxel_weekly_days_1_8_15() -> None:
    events = plan("paclitaxel-weekly-q28d", cycles=2, body=BODY)
    assert [s[:10] for s in starts(events)] == [
        "2027-01-04", "2027-01-11", "2027-01-18", "2027-02-01", "2027-02-08", "2027-02-15",
    ]  # fmt: skip
    assert {e.amount for e in doses(events)} == {"147 mg"}  # 80 × 1.84 = 147.2


def test_gemcitabine_days_1_8_15() -> None:
    events = plan("gemcitabine-d1-8-15-q28d", cycles=2, body=BODY)
    assert [s[:10] for s in starts(events)] == [
        "2027-01-04", "2027-01-11", "2027-01-18", "2027-02-01", "2027-02-08", "2027-02-15",
    ]  # fmt: skip
    assert {e.amount for e in doses(events)} == {"1,840 mg"}
    assert doses(events)[0].end.isoformat() == "2027-01-04T10:30:00+00:00"


def test_imatinib_continuous_daily() -> None:
    events = plan("imatinib-daily", cycles=2)
    got = [s[:10] for s in starts(events)]
    assert len(got) == 56
    assert got[0] == "2027-01-04" and got[27] == "2027-01-31" and got[55] == "2027-02-28"
    assert doses(events)[30].title == "Imatinib tablets 400 mg — day 31"


def test_zoledronic_acid_every_12_weeks_with_a_kidney_test() -> None:
    events = plan("zoledronic-acid-q12w", cycles=2)
    assert starts(events) == ["2027-01-04T10:00:00+00:00", "2027-03-29T10:00:00+01:00"]
    assert [e.start for e in events if e.kind == "lab"] == [date(2027, 1, 3), date(2027, 3, 28)]


def test_ocp_21_7() -> None:
    got = [s[:10] for s in starts(plan("ocp-21-7", cycles=2))]
    assert len(got) == 42
    assert got[20] == "2027-01-24"  # 21st pill
    assert got[21] == "2027-02-01"  # next pack after 7 pill-free days
