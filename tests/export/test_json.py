"""The JSON view: what apps and scripts read."""

from __future__ import annotations

import json

from scheduler.export.json import to_json
from tests.helpers import plan


def test_json_fields_for_a_dose_and_an_all_day_lab() -> None:
    records = json.loads(to_json(plan(cycles=1)))
    lab = records[0]
    assert {k: lab[k] for k in ("kind", "start", "end", "cycle", "day", "all_day", "category")} == {
        "kind": "lab", "start": "2027-01-03", "end": "2027-01-04", "cycle": 1, "day": -1,
        "all_day": True, "category": "Blood test",
    }  # fmt: skip
    dose = next(r for r in records if r["kind"] == "dose")
    assert dose["start"] == "2027-01-04T09:00:00+00:00"
    assert dose["end"] == "2027-01-04T09:15:00+00:00"
    assert (dose["cycle"], dose["day"]) == (1, 1)
    assert dose["title"] == "Aldesleukin injection — cycle 1, day 1"
    assert dose["timezone"] == "Europe/London"
    assert dose["drug"] == "Aldesleukin"
    assert len([r for r in records if r["kind"] == "dose"]) == 20
