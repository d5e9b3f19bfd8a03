"""A regimen as a FHIR PlanDefinition (with contained resources), and back to regimen TOML.

Export: :func:`regimen_to_plandefinition` writes one PlanDefinition (type clinical-protocol)
holding, as contained resources, one Medication per drug and one ActivityDefinition per dose
rule. Its actions follow the FHIR chemotherapy example (KDN5):

- one **cycle action** per phase: ``timingTiming.repeat.count`` = the number of cycles (left out
  for "until stopped") and ``repeat.duration`` = the cycle length in days (``durationUnit`` d);
- under it one **child action per dose rule** (``definitionCanonical`` = ``#`` + the
  ActivityDefinition) carrying the core ``timing-daysOfCycle`` extension (one ``day``
  sub-extension per cycle day, days 1 and later); days **before day 1** (premedication, day -1)
  are ``relatedAction`` entries with relationship ``before-start`` on the cycle action and an
  ``offsetDuration`` of N days; a rule timed from another has a ``relatedAction`` on that
  rule's action: ``after-end`` (``after``), or for ``at`` ``before-start`` ("12h before
  paclitaxel"), ``after-start``, ``before-end`` or ``after-end`` with an ``offsetDuration`` in
  minutes (real elapsed time); weekday rules ("Mon-Fri") use the dosage timing's
  ``repeat.dayOfWeek`` instead of days of the cycle;
- the ActivityDefinition's ``dosage``: ``doseAndRate.doseQuantity`` (UCUM where exact),
  ``route`` (our code system and SNOMED CT), ``patientInstruction``, and ``timing.repeat``:
  ``timeOfDay``, ``duration`` in minutes, and for ``every`` ``frequency`` 1 per ``period`` hours;
- cycle events (blood tests, appointments) are child actions too, with ``code`` from our
  event-kind code system, ``timingTiming`` for a time of day and the same day extensions;
- course events are top-level actions with the ``course-event-when`` extension.

The regimen's name is ``title``, its indication ``description``, its source a ``citation``
relatedArtifact (R5: ``document.url``; R4B: ``url``). What FHIR cannot carry natively goes into
extensions under :data:`~scheduler.fhir.mapping.EXTENSION_BASE`, each named below, so that
export then import gives back the same regimen:

- ``regimen-notes`` (PlanDefinition, valueMarkdown): the regimen's notes.
- ``precaution`` (PlanDefinition, complex: ``key`` valueId, ``title`` valueString,
  ``instructions`` valueMarkdown, ``during-treatment`` valueBoolean, ``after-last-dose``
  valueString, a period such as "12 months" or "not stated").
- ``drug-title``, ``drug-notes`` (Medication, valueString): calendar title and notes of a drug.
- ``drug-max-amount`` (Medication, valueQuantity): the largest amount per dose.
- ``drug-max-cumulative`` (Medication, valueQuantity): the lifetime limit ("450 mg/m²").
- ``drug-max-doses-per-course`` (Medication, valuePositiveInt).
- ``drug-min-interval`` (Medication, valueDuration): no two doses closer; in days (UCUM ``d``)
  for a limit in calendar days ("6 days"), in minutes for one in elapsed time ("11h").
- ``drug-at-most`` (Medication, complex: ``doses`` valuePositiveInt, ``window`` valueDuration in
  minutes, ``calendar-days`` valueBoolean): at most so many doses in any window.
- ``phase-up-to`` (cycle action, valueString): the time bound as the format writes it,
  "24 months" or "5 years from the start of the course" (calendar months, which FHIR's
  ``boundsDuration`` in UCUM ``mo`` would not mean, so it is not used).
- ``phase-gap-after`` (valueString "4 weeks" / "0 days"), ``phase-start-on`` (valueCode mon..sun),
  ``phase-continuous`` (valueBoolean) on the cycle action.
- ``phase-calendar-months`` (cycle action, valueBoolean true): the cycle length
  ``repeat.duration`` in ``mo`` is calendar months counted from the first day ("every 3
  months"), not UCUM's mean month of 30.4375 days; ``mo`` without it is refused on import.
- ``rule-key`` (dose or event action, valueId): the rule's key, part of event identities.
- ``days-as-written`` (dose action, valueString): the days as the file wrote them
  ("5 on, 2 off, x4, then 7 off", "Mon-Fri"), for display.
- ``cycle-filter`` (dose or event action, complex: ``first``, ``last``, ``step``
  valuePositiveInt): the cycles of the phase the rule applies to ("every 3", "2-6").
- ``max-doses-per-cycle`` (valuePositiveInt) and ``cap-reason`` (valueString) on a dose action.
- ``dose-count`` (dose action, valuePositiveInt): doses in the whole phase ("30 fractions").
- ``end-event`` (dose action, valueString): an appointment when each dose ends ("Pump
  disconnection" after a 46-hour pump).
- ``rule-on-days-of`` (dose action, valueId): the rule-key of an earlier dose action whose
  days this one takes as they are given (capecitabine on the days of radiotherapy); its own
  days extensions repeat that rule's planned days.
- ``setting`` (dose or event action, valueCode home|clinic|hospital).
- ``course-event-when`` (top-level action, valueString): "4 weeks after the last dose".

Import: :func:`plandefinition_to_regimen_toml` reads the same structure, and also PlanDefinitions
from elsewhere that use it (grouping actions around the cycle action are walked through while
each offers one choice). Every element it meets is read, ignored for a stated reason or refused
by its path, as :mod:`.elements` lists them (an allow-list: an element it does not know is
refused); it also refuses choices between actions, doses in units we do not have, days outside
the cycle, unknown relationships and actions it cannot classify. A dose with no ``timeOfDay``
gets 09:00 and the regimen's notes say so. :func:`read_plandefinition_file` reads the JSON file
first (:mod:`scheduler.jsonreader`).
"""

from __future__ import annotations

import json
import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..arguments import need, need_choice, need_path
from ..errors import FhirError
from ..jsonreader import check_json_value, read_json
from ..regimen import notation
from ..regimen.amounts import AUC, UNITS, Amount
from ..regimen.model import (
    CourseEventRule,
    CycleEventRule,
    CycleSet,
    DoseRule,
    Drug,
    EventKind,
    Phase,
    Regimen,
)
from ..words import plural
from . import elements
from .mapping import (
    DAYS_OF_CYCLE_URL,
    EXTENSION_BASE,
    FHIR_VERSIONS,
    UCUM,
    amount_from_quantity,
    quantity,
    route_concept,
    route_from_concept,
)

__all__ = [
    "EVENT_KIND_SYSTEM",
    "MAX_FILE_BYTES",
    "plandefinition_to_regimen_toml",
    "read_plandefinition_file",
    "regimen_to_plandefinition",
]

#: Our event kinds (lab, visit) as a code system of our own.
EVENT_KIND_SYSTEM = "https://treatment-scheduler.example/fhir/CodeSystem/event-kind"
_PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
_WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Bounds on what an import may ask for, checked before anything is built.
MAX_CYCLES = 10_000
MAX_ACTION_DEPTH = 8
MAX_ACTIONS = 1_000
DEFAULT_TIME = time(9, 0)
#: A PlanDefinition is a few hundred kilobytes at most; this bounds a wrong or hostile file.
MAX_FILE_BYTES = 5_000_000


def _ext(name: str) -> str:
    return EXTENSION_BASE + name


# -- export ---------------------------------------------------------------------------------


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def _duration(value: timedelta) -> dict[str, Any]:
    return {"value": _minutes(value), "unit": "min", "system": UCUM, "code": "min"}


def _days(value: timedelta) -> dict[str, Any]:
    """A limit in calendar days ("6 days"), kept in days so that it reads back as days."""
    return {"value": value.days, "unit": "d", "system": UCUM, "code": "d"}


def _days_extensions(days: tuple[int, ...]) -> list[dict[str, Any]]:
    positive = [d for d in days if d > 0]
    if not positive:
        return []
    return [
        {
            "url": DAYS_OF_CYCLE_URL,
            "extension": [{"url": "day", "valueInteger": d} for d in positive],
        }
    ]


def _before_start(days: tuple[int, ...], target: str, version: str) -> list[dict[str, Any]]:
    related = []
    for day in sorted((d for d in days if d < 0), reverse=True):
        entry: dict[str, Any] = {"relationship": "before-start"}
        entry["targetId" if version == "r5" else "actionId"] = target
        entry["offsetDuration"] = {"value": -day, "unit": "d", "system": UCUM, "code": "d"}
        related.append(entry)
    return related


def _cycle_filter(cycles: CycleSet) -> list[dict[str, Any]]:
    if cycles.everything:
        return []
    parts = [{"url": "first", "valuePositiveInt": cycles.first}]
    if cycles.last is not None:
        parts.append({"url": "last", "valuePositiveInt": cycles.last})
    parts.append({"url": "step", "valuePositiveInt": cycles.step})
    return [{"url": _ext("cycle-filter"), "extension": parts}]


def _action_id(action: dict[str, Any], ident: str, version: str) -> None:
    action["id"] = ident
    if version == "r5":
        action["linkId"] = ident


def _medication(drug: Drug) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [{"url": _ext("drug-title"), "valueString": drug.title}]
    if drug.notes:
        extensions.append({"url": _ext("drug-notes"), "valueString": drug.notes})
    if drug.max_amount is not None:
        extensions.append(
            {"url": _ext("drug-max-amount"), "valueQuantity": quantity(drug.max_amount)}
        )
    if drug.max_cumulative is not None:
        extensions.append(
            {"url": _ext("drug-max-cumulative"), "valueQuantity": quantity(drug.max_cumulative)}
        )
    if drug.max_doses_per_course is not None:
        extensions.append(
            {
                "url": _ext("drug-max-doses-per-course"),
                "valuePositiveInt": drug.max_doses_per_course,
            }
        )
    if drug.min_interval is not None:
        extensions.append(
            {
                "url": _ext("drug-min-interval"),
                "valueDuration": _duration(drug.min_interval)
                if drug.min_interval_elapsed
                else _days(drug.min_interval),
            }
        )
    if drug.window_cap is not None:
        cap = drug.window_cap
        extensions.append(
            {
                "url": _ext("drug-at-most"),
                "extension": [
                    {"url": "doses", "valuePositiveInt": cap.doses},
                    {"url": "window", "valueDuration": _duration(cap.window)},
                    {"url": "calendar-days", "valueBoolean": cap.calendar_days},
                ],
            }
        )
    return {
        "resourceType": "Medication",
        "id": f"drug-{drug.key}",
        "extension": extensions,
        "code": {"text": drug.name},
    }


def _dosage(rule: DoseRule, drug: Drug) -> dict[str, Any]:
    repeat: dict[str, Any] = {"duration": _minutes(rule.duration), "durationUnit": "min"}
    if rule.weekdays is not None:
        repeat["dayOfWeek"] = [_WEEKDAY_CODES[w] for w in rule.weekdays]
    if rule.after is None:
        repeat["timeOfDay"] = [t.strftime("%H:%M:%S") for t in rule.times]
    if rule.every is not None:
        repeat["frequency"] = 1
        repeat["period"] = _minutes(rule.every)
        repeat["periodUnit"] = "min"
    dosage: dict[str, Any] = {
        "text": f"{drug.name}{f' {rule.amount}' if rule.amount else ''}, {drug.route_words}, "
        f"days {rule.written_as}",
        "timing": {"repeat": repeat},
        "route": route_concept(drug.route),
    }
    if rule.instructions:
        dosage["patientInstruction"] = rule.instructions
    if rule.amount is not None:
        dosage["doseAndRate"] = [{"doseQuantity": quantity(rule.amount)}]
    return dosage


def _dose_action(
    rule: DoseRule, phase_index: int, cycle_id: str, ad_id: str, version: str
) -> dict[str, Any]:
    ident = f"phase-{phase_index}-dose-{rule.key}"
    extensions = [] if rule.weekdays is not None else _days_extensions(rule.days)
    extensions.append({"url": _ext("rule-key"), "valueId": rule.key})
    extensions.append({"url": _ext("days-as-written"), "valueString": rule.written_as})
    extensions += _cycle_filter(rule.cycles)
    if rule.max_doses_per_cycle is not None:
        extensions.append(
            {"url": _ext("max-doses-per-cycle"), "valuePositiveInt": rule.max_doses_per_cycle}
        )
    if rule.cap_reason:
        extensions.append({"url": _ext("cap-reason"), "valueString": rule.cap_reason})
    if rule.count is not None:
        extensions.append({"url": _ext("dose-count"), "valuePositiveInt": rule.count})
    if rule.end_event:
        extensions.append({"url": _ext("end-event"), "valueString": rule.end_event})
    if rule.follows is not None:
        extensions.append({"url": _ext("rule-on-days-of"), "valueId": rule.follows})
    extensions.append({"url": _ext("setting"), "valueCode": rule.setting})
    action: dict[str, Any] = {"extension": extensions}
    _action_id(action, ident, version)
    action["title"] = rule.key
    action["definitionCanonical"] = f"#{ad_id}"
    related = [] if rule.weekdays is not None else _before_start(rule.days, cycle_id, version)
    if rule.after is not None:
        entry: dict[str, Any] = {"relationship": _relationship(rule)}
        entry["targetId" if version == "r5" else "actionId"] = (
            f"phase-{phase_index}-dose-{rule.after}"
        )
        if rule.offset:
            entry["offsetDuration"] = _duration(abs(rule.offset))
        related.append(entry)
    if related:
        action["relatedAction"] = related
    return action


def _relationship(rule: DoseRule) -> str:
    """How a dose timed from another relates to it: ``after-end`` (starts when it ends, or an
    offset after), ``before-start`` ("12h before paclitaxel"), ``after-start`` ("30m after the
    start of leucovorin"), ``before-end``."""
    if rule.from_start:
        if not rule.offset:
            return "concurrent-with-start"
        return "before-start" if rule.offset < timedelta(0) else "after-start"
    return "before-end" if rule.offset < timedelta(0) else "after-end"


_RELATIVE_WORDS = {
    "before-start": "before",
    "after-start": "after the start of",
    "before-end": "before the end of",
    "after-end": "after the end of",
}


def _event_timing(at: time | None, duration: timedelta | None) -> dict[str, Any]:
    if at is None:
        return {}
    assert duration is not None
    return {
        "timingTiming": {
            "repeat": {
                "timeOfDay": [at.strftime("%H:%M:%S")],
                "duration": _minutes(duration),
                "durationUnit": "min",
            }
        }
    }


def _kind_code(kind: EventKind) -> dict[str, Any]:
    return {"coding": [{"system": EVENT_KIND_SYSTEM, "code": kind.value, "display": kind.label}]}


def _event_action(
    event: CycleEventRule, phase_index: int, cycle_id: str, version: str
) -> dict[str, Any]:
    extensions = _days_extensions(event.days)
    extensions.append({"url": _ext("rule-key"), "valueId": event.key})
    extensions += _cycle_filter(event.cycles)
    extensions.append({"url": _ext("setting"), "valueCode": event.setting})
    action = _test_or_visit(extensions, f"phase-{phase_index}-event-{event.key}", event, version)
    related = _before_start(event.days, cycle_id, version)
    if related:
        action["relatedAction"] = related
    return action


def _up_to_text(phase: Phase, index: int) -> str | None:
    if phase.up_to is None:
        return None
    if phase.up_to_course:
        return f"{phase.up_to} from the start of the course"
    return str(phase.up_to) if index == 0 else f"{phase.up_to} from the start of this phase"


def _cycle_action(
    phase: Phase, index: int, regimen: Regimen, contained: list[dict[str, Any]], version: str
) -> dict[str, Any]:
    cycle_id = f"phase-{index}"
    extensions: list[dict[str, Any]] = []
    up_to = _up_to_text(phase, index)
    if up_to is not None:
        extensions.append({"url": _ext("phase-up-to"), "valueString": up_to})
    if phase.gap_after is not None:
        gap = "0 days" if phase.gap_after.amount == 0 else str(phase.gap_after)
        extensions.append({"url": _ext("phase-gap-after"), "valueString": gap})
    if phase.start_on is not None:
        extensions.append(
            {"url": _ext("phase-start-on"), "valueCode": _WEEKDAY_CODES[phase.start_on]}
        )
    if phase.continuous:
        extensions.append({"url": _ext("phase-continuous"), "valueBoolean": True})
    repeat: dict[str, Any] = {"duration": phase.cycle_days, "durationUnit": "d"}
    if phase.cycle_months is not None:
        # UCUM's mo is a mean month of 30.4375 days: the extension says calendar months.
        repeat = {"duration": phase.cycle_months, "durationUnit": "mo"}
        extensions.append({"url": _ext("phase-calendar-months"), "valueBoolean": True})
    if phase.cycles is not None:
        repeat = {"count": phase.cycles, **repeat}
    action: dict[str, Any] = {}
    if extensions:
        action["extension"] = extensions
    _action_id(action, cycle_id, version)
    action["title"] = phase.name
    cycles = "until stopped" if phase.cycles is None else f"for {plural(phase.cycles, 'cycle')}"
    action["textEquivalent"] = f"{phase.cycle_name} {cycles}"
    action["timingTiming"] = {"repeat": repeat}
    action["groupingBehavior"] = "sentence-group"
    action["selectionBehavior"] = "all"
    children = []
    for rule in phase.doses:
        ad_id = f"phase-{index}-dose-{rule.key}-definition"
        drug = regimen.drug(rule.drug)
        contained.append(
            {
                "resourceType": "ActivityDefinition",
                "id": ad_id,
                "status": "active",
                "kind": "MedicationRequest",
                "productReference": {"reference": f"#drug-{drug.key}", "display": drug.name},
                "dosage": [_dosage(rule, drug)],
            }
        )
        children.append(_dose_action(rule, index, cycle_id, ad_id, version))
    children += [_event_action(e, index, cycle_id, version) for e in phase.events]
    action["action"] = children
    return action


def _course_event_action(event: CourseEventRule, version: str) -> dict[str, Any]:
    direction = "before" if event.before else "after"
    anchor = "the start" if event.anchor == "start" else f"the {event.anchor}"
    extensions = [
        {"url": _ext("rule-key"), "valueId": event.key},
        {"url": _ext("course-event-when"), "valueString": f"{event.offset} {direction} {anchor}"},
    ]
    return _test_or_visit(extensions, f"course-event-{event.key}", event, version)


def _test_or_visit(
    extensions: list[dict[str, Any]],
    ident: str,
    event: CycleEventRule | CourseEventRule,
    version: str,
) -> dict[str, Any]:
    """The action of a blood test or visit: its extensions, id, title, text, kind and time."""
    action: dict[str, Any] = {"extension": extensions}
    _action_id(action, ident, version)
    action["title"] = event.title
    if event.instructions:
        action["description"] = event.instructions
    action["code"] = [_kind_code(event.kind)] if version == "r4b" else _kind_code(event.kind)
    action.update(_event_timing(event.time, event.duration))
    return action


def regimen_to_plandefinition(regimen: Regimen, version: str = "r5") -> dict[str, Any]:
    """The regimen as a FHIR ``version`` (r5 or r4b) PlanDefinition, a JSON-ready dict;
    ArgumentError for a ``regimen`` that is not a Regimen or another ``version``."""
    need(regimen, Regimen, "regimen", "a Regimen (scheduler.resolve_regimen or load_regimen)")
    need_choice(version, "version", FHIR_VERSIONS)
    contained: list[dict[str, Any]] = [_medication(d) for d in regimen.drugs]
    actions = [
        _cycle_action(p, i, regimen, contained, version) for i, p in enumerate(regimen.phases)
    ]
    actions += [_course_event_action(e, version) for e in regimen.course_events]
    extensions: list[dict[str, Any]] = []
    if regimen.notes:
        extensions.append({"url": _ext("regimen-notes"), "valueMarkdown": regimen.notes})
    for precaution in regimen.precautions:
        after = (
            "not stated" if precaution.after_last_dose is None else str(precaution.after_last_dose)
        )
        extensions.append(
            {
                "url": _ext("precaution"),
                "extension": [
                    {"url": "key", "valueId": precaution.key},
                    {"url": "title", "valueString": precaution.title},
                    {"url": "instructions", "valueMarkdown": precaution.instructions},
                    {"url": "during-treatment", "valueBoolean": precaution.during_treatment},
                    {"url": "after-last-dose", "valueString": after},
                ],
            }
        )
    citation: dict[str, Any] = {"type": "citation", "citation": regimen.source}
    if regimen.source_url:
        if version == "r5":
            citation["document"] = {"url": regimen.source_url}
        else:
            citation["url"] = regimen.source_url
    resource: dict[str, Any] = {"resourceType": "PlanDefinition", "id": regimen.id}
    resource["contained"] = contained
    if extensions:
        resource["extension"] = extensions
    resource.update(
        {
            "name": re.sub(r"[^A-Za-z0-9]", "_", regimen.id),
            "title": regimen.name,
            "type": {"coding": [{"system": _PLAN_TYPE, "code": "clinical-protocol"}]},
            "status": "active",
            "description": regimen.indication,
            "relatedArtifact": [citation],
            "action": actions,
        }
    )
    return resource


# -- import ---------------------------------------------------------------------------------


#: Dose-rule fields carried as extensions of an action: (extension, value[x], regimen field).
_DOSE_EXTENSIONS = (
    ("max-doses-per-cycle", "valuePositiveInt", "max_doses_per_cycle"),
    ("cap-reason", "valueString", "cap_reason"),
    ("dose-count", "valuePositiveInt", "count"),
    ("end-event", "valueString", "end_event"),
)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


class _Importer:
    """One pass over a PlanDefinition, building regimen TOML lines and naming paths in errors."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.contained: dict[str, tuple[dict[str, Any], str]] = {}
        self.drugs: dict[str, dict[str, Any]] = {}
        self.drug_lines: dict[str, list[str]] = {}
        self.choices: list[str] = []
        self.count = 0
        self.referenced: set[str] = set()

    # helpers
    def fail(self, path: str, message: str) -> FhirError:
        return FhirError(message, path=path)

    def check(self, element: dict[str, Any], kind: str, path: str) -> None:
        """Refuse any element of ``element`` that :mod:`.elements` does not list as read or
        ignored on ``kind``, naming its path."""
        elements.check(element, kind, path)

    def checked(self, value: object, kind: str, path: str) -> dict[str, Any]:
        """``value`` as an object of ``kind``, its elements checked (:meth:`check`)."""
        element = self.obj(value, path)
        self.check(element, kind, path)
        return element

    def behaviour(self, action: dict[str, Any], path: str) -> None:
        """Refuse what makes an action optional, urgent or other than a plan to do it."""
        required = action.get("requiredBehavior", "must")
        if required not in ("must", "must-unless-documented"):
            raise self.fail(
                f"{path}.requiredBehavior",
                f"{required!r}: an action that may be left out (not carried; a regimen gives "
                "every dose on its days: must or must-unless-documented)",
            )
        priority = action.get("priority", "routine")
        if priority != "routine":
            raise self.fail(
                f"{path}.priority",
                f"priority {priority!r} (not carried; a regimen's actions fall on their days and "
                "times: routine)",
            )
        if "type" in action:
            tpath = f"{path}.type"
            concept = self.checked(action["type"], "CodeableConcept", tpath)
            codings = self.items(concept, "coding", tpath)
            codes = [c.get("code") if isinstance(c, dict) else None for c in codings]
            if not codes or any(code != "create" for code in codes):
                raise self.fail(
                    tpath,
                    f"an action of type {', '.join(map(repr, codes)) or 'text only'} (not "
                    "carried; a regimen's actions create what they plan: type create)",
                )

    def selection(self, action: dict[str, Any], children: int, path: str, instead: str) -> None:
        """Refuse a choice: between several actions, or one that allows choosing none."""
        chosen = action.get("selectionBehavior", "all")
        if chosen in ("any", "at-most-one"):
            raise self.fail(
                f"{path}.selectionBehavior",
                f"{chosen!r} allows leaving every action out (not carried; a regimen gives what "
                "it lists: all)",
            )
        if children > 1 and chosen not in ("all", "all-or-none"):
            raise self.fail(
                f"{path}.selectionBehavior",
                f"a choice between actions ({chosen!r}) cannot be planned: {instead}",
            )

    def text(self, element: dict[str, Any], key: str, path: str) -> str | None:
        """An optional text element: refused if it is there and not text."""
        value = element.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected text, got {type(value).__name__}")
        return value

    def obj(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {type(value).__name__}")
        return value

    def items(self, parent: dict[str, Any], key: str, path: str) -> list[Any]:
        value = parent.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", "expected a list")
        return value

    def ext(
        self, element: dict[str, Any], name: str, path: str, *, local: bool = False
    ) -> dict[str, Any] | None:
        url = name if "://" in name or local else _ext(name)
        for i, e in enumerate(self.items(element, "extension", path)):
            e = self.obj(e, f"{path}.extension[{i}]")
            if e.get("url") == url:
                return e
        return None

    def value(
        self, element: dict[str, Any], name: str, kind: str, path: str, *, local: bool = False
    ) -> Any:
        found = self.ext(element, name, path, local=local)
        if found is None:
            return None
        value = found.get(kind)
        expected = {"valueBoolean": bool, "valueDuration": dict, "valueQuantity": dict}
        typ = expected.get(kind, int if kind in ("valuePositiveInt", "valueInteger") else str)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise self.fail(f"{path}.extension({name})", f"expected {kind}")
        return value

    def positive(self, value: object, path: str, most: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise self.fail(path, f"expected a whole number from 1 to {most:,}, got {value!r}")
        return value

    def minutes(self, quantity_: object, path: str) -> int:
        q = self.checked(quantity_, "Quantity", path)
        value, unit = q.get("value"), q.get("code", q.get("unit"))
        factor = {"min": 1, "h": 60, "d": 1440, "wk": 10080, "s": None}.get(str(unit))
        if factor is None or isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a duration in min, h, d or wk, got {q!r}")
        minutes = Decimal(str(value)) * factor
        if minutes != minutes.to_integral_value() or not 1 <= minutes <= 366 * 1440:
            raise self.fail(
                path, f"a duration must be whole minutes from 1 minute to 366 days: {q!r}"
            )
        return int(minutes)

    # the resource
    def run(self) -> str:
        data = self.data
        if data.get("resourceType") != "PlanDefinition":
            raise self.fail(
                "resourceType", f"expected a PlanDefinition, got {data.get('resourceType')!r}"
            )
        root = "PlanDefinition"
        self.check(data, "PlanDefinition", root)
        for i, res in enumerate(self.items(data, "contained", root)):
            cpath = f"{root}.contained[{i}]"
            res = self.obj(res, cpath)
            kind = res.get("resourceType")
            if kind not in ("Medication", "ActivityDefinition"):
                raise self.fail(
                    f"{cpath}.resourceType",
                    f"a contained {str(kind)[:100]!r} (not carried; a regimen reads contained "
                    "Medications and ActivityDefinitions)",
                )
            ident = res.get("id")
            if not isinstance(ident, str) or not ident:
                raise self.fail(
                    f"{cpath}.id", "a contained resource needs an id (actions refer to it as '#id')"
                )
            if ident in self.contained:
                raise self.fail(
                    f"{cpath}.id",
                    f"the id {ident!r} is given to two contained resources (give each its own)",
                )
            self.check(res, kind, cpath)
            self.contained[ident] = (res, cpath)
        phases: list[str] = []
        course: list[str] = []
        for i, action in enumerate(self.items(data, "action", root)):
            self.walk(
                self.obj(action, f"{root}.action[{i}]"), f"{root}.action[{i}]", 1, phases, course
            )
        if not phases:
            raise self.fail(
                f"{root}.action",
                "no cycle action (an action with timingTiming.repeat.duration in days)",
            )
        for ident, (_, cpath) in self.contained.items():
            if ident not in self.referenced:
                raise self.fail(
                    cpath,
                    f"a contained resource no dose uses: {ident!r} (not carried; refer to it from "
                    "a dose, or leave it out)",
                )
        return self.document(phases, course)

    def walk(
        self, action: dict[str, Any], path: str, depth: int, phases: list[str], course: list[str]
    ) -> None:
        self.count += 1
        if depth > MAX_ACTION_DEPTH or self.count > MAX_ACTIONS:
            raise self.fail(
                path,
                f"actions nested deeper than {MAX_ACTION_DEPTH} or more than {MAX_ACTIONS} in all",
            )
        if self.ext(action, "course-event-when", path) is not None:
            course.append(self.course_event(action, path))
            return
        if "timingTiming" in action:
            phases.append(self.phase(action, path, len(phases)))
            return
        children = self.items(action, "action", path)
        if not children or "definitionCanonical" in action or "code" in action:
            raise self.fail(
                path,
                "an action we cannot place: not a cycle (timingTiming), a group of actions, or a course event",
            )
        self.check(action, "group action", path)
        self.behaviour(action, path)
        self.selection(action, len(children), path, "keep one")
        for i, child in enumerate(children):
            self.walk(
                self.obj(child, f"{path}.action[{i}]"),
                f"{path}.action[{i}]",
                depth + 1,
                phases,
                course,
            )

    def phase(self, action: dict[str, Any], path: str, index: int) -> str:
        self.check(action, "cycle action", path)
        self.behaviour(action, path)
        timing = self.checked(action["timingTiming"], "Timing", f"{path}.timingTiming")
        rpath = f"{path}.timingTiming.repeat"
        repeat = self.checked(timing.get("repeat"), "cycle repeat", rpath)
        if "duration" in repeat and "period" in repeat:
            raise self.fail(
                f"{rpath}.period",
                "the cycle length is given twice, as duration and as period (give one)",
            )
        children = self.items(action, "action", path)
        self.selection(action, len(children), path, "keep the ones given (all)")
        length_key, unit_key = (
            ("duration", "durationUnit") if "duration" in repeat else ("period", "periodUnit")
        )
        calendar = self.value(action, "phase-calendar-months", "valueBoolean", path)
        if repeat.get(unit_key) == "mo" and calendar:
            months = self.positive(
                repeat.get(length_key), f"{rpath}.{length_key}", notation.MAX_CYCLE_MONTHS
            )
            cycle_days = notation.shortest_months(months)  # the days a rule may name
            length_line = f"cycle_months = {months}"
        elif repeat.get(unit_key) == "mo":
            raise self.fail(
                f"{rpath}.{unit_key}",
                "a cycle in months (UCUM mo, a mean month of 30.4375 days) is read as calendar "
                "months only with the phase-calendar-months extension (true); otherwise give "
                "the cycle length in days (d)",
            )
        elif repeat.get(unit_key) != "d":
            raise self.fail(
                f"{rpath}.{unit_key}",
                "the cycle length must be given in days (d), or in calendar months (mo with the "
                "phase-calendar-months extension)",
            )
        else:
            cycle_days = self.positive(repeat.get(length_key), f"{rpath}.{length_key}", 366)
            length_line = f"cycle_days = {cycle_days}"
        cycles: object = "until stopped"
        if "count" in repeat:
            cycles = self.positive(repeat["count"], f"{rpath}.count", MAX_CYCLES)
        lines = ["", "[[phases]]"]
        name = self.text(action, "title", path)
        if name is not None:
            lines.append(f"name = {_toml(name)}")
        lines += [length_line, f"cycles = {_toml(cycles)}"]
        for name, key in (("phase-up-to", "up_to"), ("phase-gap-after", "gap_after")):
            value = self.value(action, name, "valueString", path)
            if value is not None:
                lines.append(f"{key} = {_toml(value)}")
        start_on = self.value(action, "phase-start-on", "valueCode", path)
        if start_on is not None:
            if start_on not in _WEEKDAY_CODES:
                raise self.fail(
                    f"{path}.extension(phase-start-on)", f"not a weekday code: {start_on!r}"
                )
            lines.append(
                f"start_on = {_toml(notation.weekday_name(_WEEKDAY_CODES.index(start_on)))}"
            )
        if self.value(action, "phase-continuous", "valueBoolean", path):
            lines.append("continuous = true")
        ids = {str(action.get("id")), str(action.get("linkId"))}
        doses: list[list[str]] = []
        events: list[list[str]] = []
        keys: dict[str, str] = {}
        times: dict[str, list[str]] = {}
        for i, child in enumerate(children):
            cpath = f"{path}.action[{i}]"
            child = self.obj(child, cpath)
            if "definitionCanonical" in child:
                doses.append(self.dose(child, cpath, cycle_days, ids, keys, times))
            elif "code" in child:
                events.append(self.event(child, cpath, cycle_days, ids))
            else:
                raise self.fail(
                    cpath,
                    "an action in a cycle must be a dose (definitionCanonical) or an event (code lab or visit)",
                )
        for dose in doses:
            lines += ["", "[[phases.doses]]", *dose]
        for event in events:
            lines += ["", "[[phases.events]]", *event]
        return "\n".join(lines)

    def days(
        self, action: dict[str, Any], path: str, cycle_days: int, cycle_ids: set[str]
    ) -> list[int]:
        days: list[int] = []
        found = self.ext(action, DAYS_OF_CYCLE_URL, path)
        if found is not None:
            epath = f"{path}.extension({DAYS_OF_CYCLE_URL})"
            for i, part in enumerate(self.items(found, "extension", epath)):
                part = self.obj(part, f"{epath}.extension[{i}]")
                if part.get("url") != "day":
                    raise self.fail(f"{epath}.extension[{i}].url", "expected 'day'")
                day = part.get("valueInteger")
                if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= cycle_days:
                    raise self.fail(
                        f"{epath}.extension[{i}].valueInteger",
                        f"day {day!r} is not a day of the {cycle_days}-day cycle (1 to {cycle_days})",
                    )
                days.append(day)
        for i, related in enumerate(self.items(action, "relatedAction", path)):
            rpath = f"{path}.relatedAction[{i}]"
            related = self.checked(related, "RelatedAction", rpath)
            if "targetId" in related and "actionId" in related:
                raise self.fail(
                    f"{rpath}.actionId",
                    "the target is given twice (targetId in R5, actionId in R4B: give one)",
                )
            if (
                related.get("relationship") != "before-start"
                or str(related.get("targetId", related.get("actionId"))) not in cycle_ids
            ):
                continue
            offset = self.minutes(related.get("offsetDuration"), f"{rpath}.offsetDuration")
            if offset % 1440 or not 1 <= offset // 1440 <= cycle_days:
                raise self.fail(
                    f"{rpath}.offsetDuration",
                    f"days before day 1 must be whole days, 1 to {cycle_days}",
                )
            days.append(-(offset // 1440))
        return sorted(set(days))

    def common(self, action: dict[str, Any], path: str) -> list[str]:
        lines = []
        cycles = self.ext(action, "cycle-filter", path)
        if cycles is not None:
            parts = {
                p.get("url"): p.get("valuePositiveInt")
                for p in self.items(cycles, "extension", path)
                if isinstance(p, dict)
            }
            first, last, step = parts.get("first", 1), parts.get("last"), parts.get("step", 1)
            if step != 1 and last is not None:
                raise self.fail(
                    f"{path}.extension(cycle-filter)",
                    f"cycles every {step} from {first} to {last} (not carried; a regimen's rule "
                    "runs every N cycles to the end of its phase: leave out last, or step)",
                )
            if step != 1:
                text = f"every {step} from {first}"
            elif last is None:
                text = f"{first}-"
            else:
                text = str(first) if first == last else f"{first}-{last}"
            lines.append(f"cycles = {_toml(text)}")
        setting = self.value(action, "setting", "valueCode", path)
        if setting is not None:
            lines.append(f"setting = {_toml(setting)}")
        return lines

    def dose(
        self,
        action: dict[str, Any],
        path: str,
        cycle_days: int,
        cycle_ids: set[str],
        keys: dict[str, str],
        times_by: dict[str, list[str]],
    ) -> list[str]:
        self.check(action, "dose action", path)
        self.behaviour(action, path)
        ref = action["definitionCanonical"]
        if not isinstance(ref, str) or not ref.startswith("#") or ref[1:] not in self.contained:
            raise self.fail(
                f"{path}.definitionCanonical",
                f"expected '#id' of a contained ActivityDefinition, got {ref!r}",
            )
        definition, dpath = self.contained[ref[1:]]
        if definition.get("resourceType") != "ActivityDefinition":
            raise self.fail(
                f"{dpath}.resourceType", "a dose action must point at an ActivityDefinition"
            )
        self.referenced.add(ref[1:])
        self.request(definition, dpath)
        dosages = self.items(definition, "dosage", dpath)
        if len(dosages) != 1:
            raise self.fail(f"{dpath}.dosage", "expected exactly one dosage")
        dosage = self.checked(dosages[0], "Dosage", f"{dpath}.dosage[0]")
        for flag in ("asNeeded", "asNeededBoolean"):
            if dosage.get(flag, False) is not False:
                raise self.fail(f"{dpath}.dosage[0].{flag}", elements.AS_NEEDED)
        drug = self.drug(definition, dosage, dpath)
        key = self.value(action, "rule-key", "valueId", path) or drug
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
            raise self.fail(f"{path}.extension(rule-key)", f"not a key: {key!r}")
        for ident in (action.get("id"), action.get("linkId")):
            if isinstance(ident, str):
                keys[ident] = key
        lines = [f"key = {_toml(key)}", f"drug = {_toml(drug)}"]
        timing = self.checked(dosage.get("timing", {}), "Timing", f"{dpath}.dosage[0].timing")
        tpath = f"{dpath}.dosage[0].timing.repeat"
        repeat = self.checked(timing.get("repeat", {}), "dose repeat", tpath)
        written = self.value(action, "days-as-written", "valueString", path)
        if "dayOfWeek" in repeat:
            codes = repeat["dayOfWeek"]
            if (
                not isinstance(codes, list)
                or not codes
                or any(c not in _WEEKDAY_CODES for c in codes)
            ):
                raise self.fail(f"{tpath}.dayOfWeek", "expected weekday codes mon..sun")
            if cycle_days != 7:
                raise self.fail(f"{tpath}.dayOfWeek", "weekdays need a 7-day cycle")
            if self.ext(action, DAYS_OF_CYCLE_URL, path) is not None:
                raise self.fail(
                    f"{path}.extension({DAYS_OF_CYCLE_URL})",
                    "days of the cycle beside weekdays (not carried; a dose falls on weekdays "
                    "(dosage.timing.repeat.dayOfWeek) or on cycle days, not both)",
                )
            for i, related in enumerate(self.items(action, "relatedAction", path)):
                self.checked(related, "RelatedAction", f"{path}.relatedAction[{i}]")
                if (
                    related.get("relationship") == "before-start"
                    and str(related.get("targetId", related.get("actionId"))) in cycle_ids
                ):
                    raise self.fail(
                        f"{path}.relatedAction[{i}]",
                        "a day before day 1 beside weekdays (not carried; a dose falls on "
                        "weekdays or on cycle days, not both)",
                    )
            wanted = sorted({_WEEKDAY_CODES.index(c) for c in codes})
            default = ", ".join(notation.weekday_name(d)[:3] for d in wanted)
            # A rule on the days of another writes those words ("on the days of radiotherapy").
            if written is not None and self.ext(action, "rule-on-days-of", path) is None:
                try:
                    agrees = sorted(notation.parse_weekday_set(written)) == wanted
                except ValueError:
                    agrees = False
                if not agrees:
                    raise self.fail(
                        f"{path}.extension(days-as-written)",
                        f"{written!r:.100} disagrees with dosage.timing.repeat.dayOfWeek "
                        f"({default}): give the same days in both",
                    )
            lines.append(f"days = {_toml(written or default)}")
        else:
            days = self.days(action, path, cycle_days, cycle_ids)
            if not days:
                raise self.fail(
                    path, "a dose action needs days (timing-daysOfCycle or before-start)"
                )
            lines.append(self.days_line(days, written, cycle_days))
        follows = self.value(action, "rule-on-days-of", "valueId", path)
        if follows is not None:
            if follows not in keys.values():
                raise self.fail(
                    f"{path}.extension(rule-on-days-of)",
                    f"{follows!r} is not the rule-key of an earlier dose action",
                )
            # The days above are the followed rule's as planned; the rule takes them from it.
            lines[-1] = f"on_days_of = {_toml(follows)}"
        after = None
        for i, related in enumerate(self.items(action, "relatedAction", path)):
            related = self.obj(related, f"{path}.relatedAction[{i}]")  # checked by days()
            target = str(related.get("targetId", related.get("actionId")))
            kind = related.get("relationship")
            if kind == "before-start" and target in cycle_ids:
                continue
            if kind in (*_RELATIVE_WORDS, "concurrent-with-start") and target in keys:
                offset = None
                if "offsetDuration" in related:
                    offset = self.minutes(
                        related["offsetDuration"], f"{path}.relatedAction[{i}].offsetDuration"
                    )
                    if kind not in _RELATIVE_WORDS:
                        raise self.fail(
                            f"{path}.relatedAction[{i}].offsetDuration",
                            f"an offset needs before-start, after-start, before-end or "
                            f"after-end, not {kind!r}",
                        )
                if after is not None:
                    raise self.fail(
                        f"{path}.relatedAction[{i}]",
                        f"a second dose this one is timed from ({target!r}; not carried: a dose "
                        f"is timed from one other, here {after[2]!r})",
                    )
                after = (kind, keys[target], target, offset)
                continue
            raise self.fail(
                f"{path}.relatedAction[{i}]",
                f"relationship {kind!r} to {target!r} is not supported (before-start of the cycle; before-start, after-start, concurrent-with-start, before-end or after-end of an earlier dose action)",
            )
        if after is not None and (after[3] is not None or after[0] != "concurrent-with-start"):
            if after[3] is None and after[0] == "after-end":
                lines.append(f"after = {_toml(after[1])}")
            elif after[3] is None:
                raise self.fail(
                    f"{path}.relatedAction",
                    f"{after[0]!r} of {after[2]!r} needs an offsetDuration (how long before or "
                    "after)",
                )
            else:
                lines.append(f"at = {_toml(f'{after[3]}m {_RELATIVE_WORDS[after[0]]} {after[1]}')}")
            if "timeOfDay" in repeat:
                raise self.fail(
                    f"{tpath}.timeOfDay", "a dose that follows another has no time of its own"
                )
            for element in ("frequency", "period"):
                if element in repeat:
                    raise self.fail(
                        f"{tpath}.{element}",
                        "an interval on a dose timed from another (not carried; only a dose at a "
                        "time of day repeats every so many hours)",
                    )
        else:
            given = repeat.get("timeOfDay")
            if (
                given is not None
                and after is not None
                and after[2] in times_by
                and given != times_by[after[2]]
            ):
                raise self.fail(
                    f"{tpath}.timeOfDay",
                    f"{given!r} disagrees with starting together with {after[2]!r} at "
                    f"{times_by[after[2]]!r} (concurrent-with-start: give one)",
                )
            if given is None and after is not None:
                given = times_by.get(after[2])
            if given is None:
                self.choices.append(
                    f"{key}: no time of day in the PlanDefinition, {DEFAULT_TIME:%H:%M} chosen (use --time)"
                )
                given = [DEFAULT_TIME.strftime("%H:%M:%S")]
            if (
                not isinstance(given, list)
                or not given
                or not all(
                    isinstance(t, str) and re.fullmatch(r"\d\d:\d\d(:00)?", t) for t in given
                )
            ):
                raise self.fail(f"{tpath}.timeOfDay", "expected times HH:MM:00 (whole minutes)")
            for ident in (action.get("id"), action.get("linkId")):
                if isinstance(ident, str):
                    times_by[ident] = given
            hhmm = [t[:5] for t in given]
            lines.append(f"time = {_toml(hhmm[0])}" if len(hhmm) == 1 else f"times = {_toml(hhmm)}")
            if "period" in repeat or "frequency" in repeat:
                if repeat.get("frequency", 1) != 1 or len(hhmm) != 1:
                    raise self.fail(
                        f"{tpath}.frequency",
                        "interval dosing needs frequency 1 and one first timeOfDay",
                    )
                every = self.minutes(
                    {"value": repeat.get("period"), "code": repeat.get("periodUnit")},
                    f"{tpath}.period",
                )
                lines.append(f'every = "{every}m"')
        if "duration" not in repeat:
            raise self.fail(
                f"{tpath}.duration", "a dose needs a duration (how long one administration takes)"
            )
        minutes = self.minutes(
            {"value": repeat["duration"], "code": repeat.get("durationUnit")}, f"{tpath}.duration"
        )
        lines.append(f'duration = "{minutes}m"')
        rates = self.items(dosage, "doseAndRate", f"{dpath}.dosage[0]")
        if len(rates) > 1:
            raise self.fail(f"{dpath}.dosage[0].doseAndRate", "expected at most one dose")
        if rates:
            rate = self.checked(rates[0], "DoseAndRate", f"{dpath}.dosage[0].doseAndRate[0]")
            if "doseQuantity" not in rate:
                raise self.fail(
                    f"{dpath}.dosage[0].doseAndRate[0]",
                    "only doseQuantity is supported (no ranges or rates)",
                )
            qpath = f"{dpath}.dosage[0].doseAndRate[0].doseQuantity"
            amount = amount_from_quantity(
                self.checked(rate["doseQuantity"], "Quantity", qpath), qpath
            )
            lines.append(f"amount = {_toml(_amount_text(amount))}")
        lines += self.common(action, path)
        for extension, kind, field in _DOSE_EXTENSIONS:
            value = self.value(action, extension, kind, path)
            if value is not None:
                lines.append(f"{field} = {_toml(value)}")
        instructions = self.text(dosage, "patientInstruction", f"{dpath}.dosage[0]")
        if instructions is not None:
            lines.append(f"instructions = {_toml(instructions)}")
        return lines

    def request(self, definition: dict[str, Any], path: str) -> None:
        """Refuse an ActivityDefinition that is not a plain plan to give a medication."""
        kind = definition.get("kind", "MedicationRequest")
        if kind != "MedicationRequest":
            raise self.fail(
                f"{path}.kind",
                f"an activity of kind {str(kind)[:100]!r} (not carried; a dose is a "
                "MedicationRequest)",
            )
        if definition.get("doNotPerform", False) is not False:
            raise self.fail(
                f"{path}.doNotPerform",
                "an activity not to perform (not carried; a regimen lists what is given)",
            )
        priority = definition.get("priority", "routine")
        if priority != "routine":
            raise self.fail(
                f"{path}.priority",
                f"priority {str(priority)[:100]!r} (not carried; a regimen's doses fall on their "
                "days and times: routine)",
            )

    def days_line(self, days: list[int], written: str | None, cycle_days: int) -> str:
        if written:
            try:
                parsed, length = notation.parse_pattern(written)
                if list(parsed) == days and length == cycle_days:
                    return f"pattern = {_toml(written)}"
            except ValueError:
                pass
            if written == "every day" and days == list(range(1, cycle_days + 1)):
                return 'days = "every day"'
            try:
                if list(notation.parse_day_list(written)) == days:
                    return f"days = {_toml(written)}"
            except ValueError:
                pass
        return f"days = {_toml(notation.format_day_list(days))}"

    def drug(self, definition: dict[str, Any], dosage: dict[str, Any], dpath: str) -> str:
        if "productReference" in definition and "productCodeableConcept" in definition:
            raise self.fail(
                f"{dpath}.productCodeableConcept",
                "the product is given twice, as productReference and productCodeableConcept "
                "(give one)",
            )
        if "productReference" in definition:
            rpath = f"{dpath}.productReference"
            ref = self.checked(definition["productReference"], "Reference", rpath).get("reference")
            if (
                not isinstance(ref, str)
                or not ref.startswith("#")
                or ref[1:] not in self.contained
                or self.contained[ref[1:]][0].get("resourceType") != "Medication"
            ):
                raise self.fail(
                    f"{rpath}.reference", f"expected '#id' of a contained Medication, got {ref!r}"
                )
            medication, mpath = self.contained[ref[1:]]
            self.referenced.add(ref[1:])
            key = ref[1:].removeprefix("drug-").lower()
            name = self.checked(medication.get("code", {}), "CodeableConcept", f"{mpath}.code").get(
                "text"
            )
            source = mpath
        elif "productCodeableConcept" in definition:
            mpath = f"{dpath}.productCodeableConcept"
            medication = {}
            concept = self.checked(definition["productCodeableConcept"], "CodeableConcept", mpath)
            raw_codings = concept.get("coding")
            codings: list[Any] = raw_codings if isinstance(raw_codings, list) else []
            name = concept.get("text") or next(
                (c.get("display") for c in codings if isinstance(c, dict) and c.get("display")),
                None,
            )
            key = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
            source = str(name).strip().lower()
        else:
            raise self.fail(
                dpath,
                "a dose's ActivityDefinition needs a product (productReference or productCodeableConcept)",
            )
        if (
            not isinstance(name, str)
            or not name.strip()
            or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key)
        ):
            raise self.fail(mpath, "the drug needs a name")
        if "route" not in dosage:
            raise self.fail(f"{dpath}.dosage[0].route", "a dose needs a route")
        rpath = f"{dpath}.dosage[0].route"
        route = route_from_concept(self.checked(dosage["route"], "CodeableConcept", rpath), rpath)
        if key in self.drugs:
            if self.drugs[key]["source"] != source:
                raise self.fail(
                    mpath,
                    f"a second drug with the key {key!r} (from {self.drugs[key]['source']}; not "
                    "carried: give each drug its own id or name)",
                )
            if self.drugs[key]["route"] != route:
                raise self.fail(f"{dpath}.dosage[0].route", f"drug {key!r} is given by two routes")
            return key
        self.drugs[key] = {"route": route, "source": source}
        lines = [f"[drugs.{key}]", f"name = {_toml(name.strip())}", f"route = {_toml(route)}"]
        title = self.value(medication, "drug-title", "valueString", mpath)
        if title:
            lines.append(f"title = {_toml(title)}")
        notes = self.value(medication, "drug-notes", "valueString", mpath)
        if notes:
            lines.append(f"notes = {_toml(notes)}")
        most = self.value(medication, "drug-max-amount", "valueQuantity", mpath)
        if most is not None:
            lines.append(
                f"max_amount = {_toml(_amount_text(amount_from_quantity(most, f'{mpath}.extension(drug-max-amount)')))}"
            )
        lifetime = self.value(medication, "drug-max-cumulative", "valueQuantity", mpath)
        if lifetime is not None:
            where = f"{mpath}.extension(drug-max-cumulative)"
            lines.append(
                f"max_cumulative = {_toml(_amount_text(amount_from_quantity(lifetime, where)))}"
            )
        per_course = self.value(medication, "drug-max-doses-per-course", "valuePositiveInt", mpath)
        if per_course is not None:
            lines.append(f"max_doses_per_course = {per_course}")
        interval = self.value(medication, "drug-min-interval", "valueDuration", mpath)
        if interval is not None:
            minutes = self.minutes(interval, f"{mpath}.extension(drug-min-interval)")
            in_days = interval.get("code", interval.get("unit")) in ("d", "wk")
            # Days are calendar days and hours elapsed time (docs/regimen-format.md).
            lines.append(
                f'min_interval = "{minutes // 1440} days"'
                if in_days and minutes % 1440 == 0
                else f'min_interval = "{minutes}m"'
            )
        cap = self.ext(medication, "drug-at-most", mpath)
        if cap is not None:
            cpath = f"{mpath}.extension(drug-at-most)"
            doses = self.value(cap, "doses", "valuePositiveInt", cpath, local=True)
            window = self.value(cap, "window", "valueDuration", cpath, local=True)
            calendar = self.value(cap, "calendar-days", "valueBoolean", cpath, local=True)
            if doses is None or window is None:
                raise self.fail(cpath, "needs doses and window")
            minutes = self.minutes(window, f"{cpath}.window")
            text = (
                f"{doses} doses in any {minutes // 1440} days"
                if calendar and minutes % 1440 == 0
                else f"{doses} doses in any {minutes}m"
            )
            lines.append(f"at_most = {_toml(text)}")
        self.drug_lines[key] = lines
        return key

    def kind(self, action: dict[str, Any], path: str) -> str:
        code = action.get("code")
        concepts = code if isinstance(code, list) else [code]
        for concept in concepts:
            if isinstance(concept, dict):
                for coding in (
                    concept.get("coding", []) if isinstance(concept.get("coding"), list) else []
                ):
                    if (
                        isinstance(coding, dict)
                        and coding.get("system") == EVENT_KIND_SYSTEM
                        and coding.get("code") in ("lab", "visit")
                    ):
                        return str(coding["code"])
        raise self.fail(
            f"{path}.code", f"an event action needs a code lab or visit in {EVENT_KIND_SYSTEM}"
        )

    def event_head(self, action: dict[str, Any], path: str) -> list[str]:
        lines = []
        key = self.value(action, "rule-key", "valueId", path)
        if key is not None:
            lines.append(f"key = {_toml(key)}")
        lines.append(f"kind = {_toml(self.kind(action, path))}")
        title = action.get("title")
        if not isinstance(title, str) or not title.strip():
            raise self.fail(f"{path}.title", "an event needs a title")
        lines.append(f"title = {_toml(title)}")
        return lines

    def event_tail(self, action: dict[str, Any], path: str) -> list[str]:
        lines = []
        if "timingTiming" in action:
            tpath = f"{path}.timingTiming.repeat"
            timing = self.checked(action["timingTiming"], "Timing", f"{path}.timingTiming")
            repeat = self.checked(timing.get("repeat"), "event repeat", tpath)
            given = repeat.get("timeOfDay")
            if (
                not isinstance(given, list)
                or len(given) != 1
                or not isinstance(given[0], str)
                or not re.fullmatch(r"\d\d:\d\d(:00)?", given[0])
            ):
                raise self.fail(f"{tpath}.timeOfDay", "an event has one time of day HH:MM:00")
            minutes = self.minutes(
                {"value": repeat.get("duration"), "code": repeat.get("durationUnit")},
                f"{tpath}.duration",
            )
            lines += [f"time = {_toml(given[0][:5])}", f'duration = "{minutes}m"']
        instructions = self.text(action, "description", path)
        if instructions is not None:
            lines.append(f"instructions = {_toml(instructions)}")
        return lines

    def event(
        self, action: dict[str, Any], path: str, cycle_days: int, cycle_ids: set[str]
    ) -> list[str]:
        self.check(action, "event action", path)
        self.behaviour(action, path)
        lines = self.event_head(action, path)
        days = self.days(action, path, cycle_days, cycle_ids)
        for i, related in enumerate(self.items(action, "relatedAction", path)):
            target = str(related.get("targetId", related.get("actionId")))
            if related.get("relationship") != "before-start" or target not in cycle_ids:
                raise self.fail(
                    f"{path}.relatedAction[{i}]",
                    f"relationship {related.get('relationship')!r} to {target[:100]!r} (not "
                    "carried; a test or visit relates only to its cycle, before-start for days "
                    "before day 1)",
                )
        if not days:
            raise self.fail(path, "an event action needs days (timing-daysOfCycle or before-start)")
        lines.append(f"days = {_toml(notation.format_day_list(days))}")
        return lines + self.common(action, path) + self.event_tail(action, path)

    def course_event(self, action: dict[str, Any], path: str) -> str:
        self.check(action, "course event action", path)
        self.behaviour(action, path)
        lines = ["", "[[course_events]]", *self.event_head(action, path)]
        lines.append(
            f"when = {_toml(self.value(action, 'course-event-when', 'valueString', path))}"
        )
        return "\n".join(lines + self.event_tail(action, path))

    def document(self, phases: list[str], course: list[str]) -> str:
        data, root = self.data, "PlanDefinition"
        ident = str(data.get("id", "")).lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", ident):
            raise self.fail(
                f"{root}.id",
                f"the id {data.get('id')!r} cannot be a regimen id (letters, digits and -)",
            )
        title = data.get("title") or data.get("name")
        if not isinstance(title, str) or not title.strip():
            raise self.fail(f"{root}.title", "the regimen needs a title")
        indication = self.text(data, "description", root) or "not given in the PlanDefinition"
        source, url = f"FHIR PlanDefinition {data.get('id')}", None
        for i, artifact in enumerate(self.items(data, "relatedArtifact", root)):
            apath = f"{root}.relatedArtifact[{i}]"
            artifact = self.obj(artifact, apath)
            if artifact.get("type") == "citation":
                source = (
                    self.text(artifact, "citation", apath)
                    or self.text(artifact, "display", apath)
                    or source
                )
                document = self.obj(artifact.get("document", {}), f"{apath}.document")
                url = self.text(artifact, "url", apath) or self.text(
                    document, "url", f"{apath}.document"
                )
                break
        lines = [
            "format = 1",
            f"id = {_toml(ident)}",
            f"name = {_toml(title)}",
            f"indication = {_toml(indication)}",
            f"source = {_toml(source)}",
        ]
        if url:
            lines.append(f"source_url = {_toml(url)}")
        notes = self.value(data, "regimen-notes", "valueMarkdown", root)
        if self.choices:
            chosen = "\n".join(f"- {c}" for c in self.choices)
            notes = (
                f"{notes}\n\n{chosen}" if notes else f"Imported from FHIR; choices made:\n{chosen}"
            )
        if notes:
            lines.append(f"notes = {_toml(notes)}")
        order = list(self.contained)
        for _, key_lines in sorted(
            self.drug_lines.items(),
            key=lambda kv: order.index(f"drug-{kv[0]}") if f"drug-{kv[0]}" in order else len(order),
        ):
            lines += ["", *key_lines]
        lines += phases + course
        for i, ext in enumerate(self.items(data, "extension", root)):
            ext = self.obj(ext, f"{root}.extension[{i}]")
            if ext.get("url") != _ext("precaution"):
                continue
            parts = {
                p.get("url"): p
                for p in self.items(ext, "extension", f"{root}.extension[{i}]")
                if isinstance(p, dict)
            }
            get = {
                k: next((v for n, v in p.items() if n.startswith("value")), None)
                for k, p in parts.items()
            }
            lines += ["", "[[precautions]]"]
            if get.get("key") is not None:
                lines.append(f"key = {_toml(get['key'])}")
            lines += [
                f"title = {_toml(get.get('title') or '')}",
                f"instructions = {_toml(get.get('instructions') or '')}",
                f"during_treatment = {_toml(bool(get.get('during-treatment', True)))}",
                f"after_last_dose = {_toml(get.get('after-last-dose') or 'not stated')}",
            ]
        return "\n".join(lines) + "\n"


def _amount_text(amount: Amount) -> str:
    if amount.unit == AUC:
        return f"AUC {amount.value.normalize():f}"
    return f"{amount.value.normalize():f} {UNITS[amount.unit]}"


def read_plandefinition_file(path: str | Path) -> str:
    """Regimen TOML from the PlanDefinition JSON file at ``path`` (a regular file of at most
    :data:`MAX_FILE_BYTES`), read by :func:`scheduler.jsonreader.read_json`: a key given twice,
    an overlong or non-finite number, a lone surrogate or deep nesting is a FhirError naming
    its JSON path, as is anything :func:`plandefinition_to_regimen_toml` refuses."""
    need_path(path, "path")
    data = read_json(
        path, limit=MAX_FILE_BYTES, what="FHIR file", error=FhirError, root="PlanDefinition"
    )
    return _import(data, str(path))  # read_json checked it as plandefinition_to_regimen_toml would


def plandefinition_to_regimen_toml(data: object, origin: str = "<fhir>") -> str:
    """Regimen TOML from a PlanDefinition (a JSON-parsed dict) that the loader validates.

    Raises :class:`~scheduler.errors.FhirError` naming the element (file ``origin``) for
    anything the regimen format cannot carry in full; never returns a simpler regimen.
    ArgumentError if ``origin`` is not text.
    """
    need(origin, str, "origin", "text (a str)")
    if isinstance(data, dict):
        check_json_value(data, origin=origin, error=FhirError, root="PlanDefinition")
    return _import(data, origin)


def _import(data: object, origin: str) -> str:
    """The import of JSON already checked (:func:`~scheduler.jsonreader.check_json_value`)."""
    if not isinstance(data, dict):
        raise FhirError(
            f"expected a PlanDefinition (a JSON object), got {type(data).__name__}",
            file=origin,
            path="PlanDefinition",
        )
    try:
        return _Importer(data).run()
    except FhirError as err:
        raise FhirError(err.message, file=origin, path=err.path) from None
