"""Issue 19 item 7: lifetime (cumulative) limits in dose units — doxorubicin 450 mg/m²,
bleomycin 400 units — summed over the plan and the doses given before it, on every plan and
every course edit. Totals and dates are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanError, PlanOptions, RegimenError, expand, parse_regimen, resolve_regimen
from scheduler.cli import main
from scheduler.plan.lifetime import Prior, parse_prior
from scheduler.regimen.amounts import parse_amount
from scheduler.regimen.dosing import Body
from tests.helpers import doses

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2027, 1, 4)


def _plan(regimen: str, *prior: str, **options: object) -> tuple:  # type: ignore[type-arg]
    return expand(
        resolve_regimen(regimen),
        PlanOptions(
            start=MONDAY,
            zone=LONDON,
            prior=tuple(parse_prior(p) for p in prior),
            **options,  # type: ignore[arg-type]
        ),
    )


def _lifetime_lines(events: tuple, drug: str) -> list[str]:  # type: ignore[type-arg]
    return [
        next(line for line in e.description.splitlines() if line.startswith("Lifetime"))
        for e in doses(events)
        if e.drug == drug
    ]


def test_rchop_with_150_before_reaches_the_limit_exactly() -> None:
    """150 mg/m² before + 6 × 50 mg/m² = 450 mg/m²: at the limit, not over it."""
    lines = _lifetime_lines(_plan("r-chop-21", "doxorubicin=150 mg/m2"), "Doxorubicin")
    assert lines == [
        f"Lifetime total of Doxorubicin after this dose: {total} mg/m² of at most 450 mg/m² "
        "(150 mg/m² of it before this plan)."
        for total in (200, 250, 300, 350, 400, 450)
    ]


def test_rchop_with_200_before_is_refused_at_the_sixth_cycle() -> None:
    """200 + 5 × 50 = 450; the sixth dose, cycle 6 on Mon 19 Apr 2027 (4 Jan + 5 × 21 days),
    would make 500 mg/m²."""
    with pytest.raises(PlanError) as caught:
        _plan("r-chop-21", "doxorubicin=200mg/m2")
    assert str(caught.value) == (
        "Doxorubicin on Mon 19 Apr 2027 (cycle 6) would bring the lifetime total to 500 mg/m² "
        "(with 200 mg/m² given before this plan), over the limit of 450 mg/m²: plan fewer "
        "cycles, or stop the course before it"
    )
    assert len(doses(_plan("r-chop-21", "doxorubicin=200mg/m2", cycles=5))) > 0


def test_bep_bleomycin_counts_units() -> None:
    """Bleomycin 30 units on days 2, 9 and 16 of 4 cycles: 12 doses, 360 units in all; with 60
    units before, the 12th (cycle 4 day 16, Tue 23 Mar 2027) would make 420."""
    lines = _lifetime_lines(_plan("bep-q21d"), "Bleomycin")
    assert len(lines) == 12
    assert (
        lines[-1] == "Lifetime total of Bleomycin after this dose: 360 units of at most 400 units."
    )
    with pytest.raises(PlanError, match=r"Bleomycin on Tue 23 Mar 2027 \(cycle 4\) would bring "
                       r"the lifetime total to 420 units \(with 60 units given before"):  # fmt: skip
        _plan("bep-q21d", "bleomycin=60 units")


ABSOLUTE = """
id = "absolute-limit"
name = "A per-m² drug with an absolute lifetime limit"
indication = "test"
source = "test"

[drugs.x]
name = "X"
route = "intravenous"
max_cumulative = "900 mg"

[[phases]]
cycle_days = 7
cycles = 10

[[phases.doses]]
days = "1"
time = "10:00"
duration = "1h"
amount = "100 mg/m2"
"""


def test_an_absolute_limit_counts_the_calculated_doses() -> None:
    """70 kg, 175 cm: BSA 1.84 m², so each dose is 184 mg; four make 736 mg and the fifth
    (week 5, Mon 1 Feb 2027) 920 mg, over 900."""
    regimen = parse_regimen(ABSOLUTE)
    body = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
    with pytest.raises(PlanError, match=r"X on Mon 1 Feb 2027 .* to 920 mg, over the limit of 900"):
        expand(regimen, PlanOptions(start=MONDAY, zone=LONDON, body=body))
    events = expand(regimen, PlanOptions(start=MONDAY, zone=LONDON, body=body, cycles=4))
    assert "736 mg of at most 900 mg" in doses(events)[-1].description


def test_an_absolute_limit_without_the_figures_is_said_to_be_unchecked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "r.toml").write_text(ABSOLUTE)
    code = main(["plan", str(tmp_path / "r.toml"), "--start", "2027-01-04", "--tz",
                 "Europe/London", "-o", str(tmp_path / "p.ics")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert (
        "Warning: the lifetime limit of X (900 mg) is not checked: its doses (100 mg/m²) are not "
        "in mg without the weight and height"
    ) in err


@pytest.mark.parametrize(
    ("cap", "amount", "message"),
    [
        ('"450 mg/m2"', '"100 mg"', "the lifetime limit 450 mg/m² cannot be added up from doses "
         "of 100 mg: give it in mg"),
        ('"1 g"', '"50 mg/m2"', "give it in mg/m² (or mg)"),
        ('"AUC 6"', '"AUC 6"', "a lifetime limit is an amount of drug (mg, units, mg/m²), not AUC 6"),
        ('"450 mg/m2"', None, "every X dose needs an amount to add up"),
        ('"lots"', '"50 mg/m2"', "drugs.x.max_cumulative: 'lots' is not a dose amount"),
    ],
)  # fmt: skip
def test_a_lifetime_limit_that_cannot_be_added_up_is_refused(
    cap: str, amount: str | None, message: str
) -> None:
    text = ABSOLUTE.replace('max_cumulative = "900 mg"', f"max_cumulative = {cap}")
    text = text.replace('amount = "100 mg/m2"', f"amount = {amount}" if amount else "")
    with pytest.raises(RegimenError) as caught:
        parse_regimen(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        (Prior("bleomycin", parse_amount("10 units")),
         "a prior dose of 'bleomycin': r-chop-21 has no such drug"),
        (Prior("rituximab", parse_amount("375 mg/m2")),
         "a prior dose of Rituximab: r-chop-21 sets no lifetime limit for it"),
        (Prior("doxorubicin", parse_amount("150 mg")),
         "a prior dose of Doxorubicin of 150 mg: give it in the unit of its lifetime limit, "
         "450 mg/m²"),
    ],
)  # fmt: skip
def test_a_prior_dose_that_would_not_count_is_refused(prior: Prior, message: str) -> None:
    options = PlanOptions(start=MONDAY, zone=LONDON, prior=(prior,))
    with pytest.raises(PlanError) as caught:
        expand(resolve_regimen("r-chop-21"), options)
    assert message in str(caught.value)
    assert caught.value.field == "prior"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("doxorubicin", "is not a prior dose (write DRUG=AMOUNT, e.g. doxorubicin=150 mg/m2)"),
        ("=150 mg/m2", "'' is not a drug key"),
        ("doxorubicin=lots", "'lots' is not a dose amount"),
        ("dox rubicin=150 mg/m2", "'dox rubicin' is not a drug key"),
    ],
)
def test_a_prior_dose_that_cannot_be_read_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_prior(text)
    assert message in str(caught.value)


def test_prior_options_are_checked_when_built() -> None:
    with pytest.raises(PlanError, match="prior must be a tuple"):
        PlanOptions(start=MONDAY, zone=LONDON, prior=["doxorubicin=150 mg/m2"])  # type: ignore[arg-type]
    with pytest.raises(PlanError, match="not a prior dose"):
        PlanOptions(start=MONDAY, zone=LONDON, prior=("doxorubicin=150 mg/m2",))  # type: ignore[arg-type]


def test_a_course_keeps_its_prior_doses_and_every_edit_is_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A course with 150 mg/m² before reaches 450 exactly; a delay is still accepted. The same
    file edited by hand to 160 before is refused on the next plan and on the next edit, and
    the edit changes nothing."""
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-01T10:00:00Z")
    course = tmp_path / "c.toml"
    assert main(["course", "new", "r-chop-21", "--start", "2027-01-04", "--tz", "Europe/London",
                 "--prior", "doxorubicin=150mg/m2", "-o", str(course)]) == 0  # fmt: skip
    assert '[prior_doses]\ndoxorubicin = "150 mg/m²"' in course.read_text()
    assert main(["course", "delay", str(course), "--cycle", "2", "--days", "7"]) == 0
    capsys.readouterr()
    course.write_text(course.read_text().replace('"150 mg/m²"', '"160 mg/m²"'))
    before = course.read_bytes()
    assert main(["plan", str(course), "-o", str(tmp_path / "c.ics")]) == 1
    assert "would bring the lifetime total to 460 mg/m²" in capsys.readouterr().err
    assert main(["course", "delay", str(course), "--cycle", "3", "--days", "7"]) == 1
    assert "460 mg/m²" in capsys.readouterr().err
    assert course.read_bytes() == before


def test_course_new_refuses_a_course_past_the_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-CHOP with 250 mg/m² before: 250 + 4 × 50 = 450, so the fifth dose (cycle 5, Mon 29
    Mar 2027 = 4 Jan + 4 × 21 days) would make 500; no file is written."""
    course = tmp_path / "c.toml"
    code = main(["course", "new", "r-chop-21", "--start", "2027-01-04", "--tz", "Europe/London",
                 "--prior", "doxorubicin=250 mg/m2", "-o", str(course)])  # fmt: skip
    assert code == 1
    assert "Doxorubicin on Mon 29 Mar 2027 (cycle 5)" in capsys.readouterr().err
    assert not course.exists()
