"""The FHIR importer's allow-list (scheduler/fhir/elements.py): every element of the FHIR models
a PlanDefinition import meets is read, ignored for a stated reason, or refused by its path,
never dropped; so also every element a later release adds (issue 19, item 10: a dose action's
own ``timingTiming`` was silently dropped)."""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import main
from scheduler.errors import FhirError
from scheduler.fhir.elements import CLASSIFYING, KINDS
from scheduler.fhir.mapping import DAYS_OF_CYCLE_URL
from scheduler.fhir.regimen import plandefinition_to_regimen_toml, regimen_to_plandefinition
from scheduler.regimen.catalog import resolve
from tests.helpers import REPO, TESTDATA

pytest.importorskip("fhir.resources")

Mutation = Callable[[dict[str, Any]], None]

#: Paths in docetaxel-q21d as exported (R5): the cycle action, its dexamethasone (day -1 is a
#: before-start relatedAction), docetaxel and blood-test actions; docetaxel's ActivityDefinition
#: and its Medication.
D = "PlanDefinition.action[0]"
DEX = f"{D}.action[0]"
DOC = f"{D}.action[1]"
LAB = f"{D}.action[2]"
AD = "PlanDefinition.contained[3]"
MED = "PlanDefinition.contained[0]"
UCUM = "http://unitsofmeasure.org"
OURS = "https://treatment-scheduler.example/fhir/StructureDefinition/"


def at(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", path.removeprefix("PlanDefinition")):
        node = node[name] if name else node[int(index)]
    return node


def setter(path: str, key: str, value: object) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        at(data, path)[key] = value

    return apply


def _case(name: str, mutate: Mutation, path: str, message: str) -> Any:
    return pytest.param(mutate, path, message, id=name)


TIMING_X = (
    "a timing of this kind (not carried; a cycle's timing is timingTiming.repeat with count and "
    "duration in days, a dose's days the timing-daysOfCycle extension)"
)
TIMING_CODE = (
    "a timing code such as BID (not carried; give repeat.timeOfDay, or repeat.frequency 1 per "
    "repeat.period)"
)
AS_NEEDED = (
    "given only as needed (not carried; a regimen gives every dose on its days: leave it out or "
    "state the doses' days)"
)
DYNAMIC = "values computed when the plan is applied (not carried; give the values themselves)"
MODIFIER = (
    "a modifier extension changes what its element means (not carried; this tool knows none: "
    "remove it only if the element means the same without it)"
)

CASES = [
    _case(
        "dose timingTiming",
        setter(DOC, "timingTiming", {"repeat": {"timeOfDay": ["10:00:00"]}}),
        f"{DOC}.timingTiming",
        (
            "a dose action's own timing (not carried; a dose's times are its ActivityDefinition's"
            " dosage.timing, its days the timing-daysOfCycle extension)"
        ),
    ),
    _case(
        "dose timingDuration",
        setter(DOC, "timingDuration", {"value": 1, "code": "d", "system": UCUM}),
        f"{DOC}.timingDuration",
        TIMING_X,
    ),
    _case(
        "cycle timingAge",
        setter(D, "timingAge", {"value": 60, "code": "a"}),
        f"{D}.timingAge",
        TIMING_X,
    ),
    _case(
        "dose timingRange",
        setter(DOC, "timingRange", {"low": {"value": 1}}),
        f"{DOC}.timingRange",
        TIMING_X,
    ),
    _case(
        "dose timingPeriod",
        setter(DOC, "timingPeriod", {"start": "2027-01-01"}),
        f"{DOC}.timingPeriod",
        TIMING_X,
    ),
    _case(
        "repeat boundsDuration",
        setter(f"{AD}.dosage[0].timing.repeat", "boundsDuration", {"value": 5, "code": "d"}),
        f"{AD}.dosage[0].timing.repeat.boundsDuration",
        "a bound on the repeats (not carried; a phase runs for its cycles)",
    ),
    _case(
        "repeat count",
        setter(f"{AD}.dosage[0].timing.repeat", "count", 3),
        f"{AD}.dosage[0].timing.repeat.count",
        (
            "a number of repeats (not carried; a dose's count in the phase is the dose-count "
            "extension of its action)"
        ),
    ),
    _case(
        "repeat countMax",
        setter(f"{AD}.dosage[0].timing.repeat", "countMax", 3),
        f"{AD}.dosage[0].timing.repeat.countMax",
        "a range of counts (not carried; give one value)",
    ),
    _case(
        "repeat frequencyMax",
        setter(f"{AD}.dosage[0].timing.repeat", "frequencyMax", 3),
        f"{AD}.dosage[0].timing.repeat.frequencyMax",
        "a range of frequencies (not carried; give one value)",
    ),
    _case(
        "repeat periodMax",
        setter(f"{AD}.dosage[0].timing.repeat", "periodMax", 3),
        f"{AD}.dosage[0].timing.repeat.periodMax",
        "a range of periods (not carried; give one value)",
    ),
    _case(
        "repeat durationMax",
        setter(f"{AD}.dosage[0].timing.repeat", "durationMax", 90),
        f"{AD}.dosage[0].timing.repeat.durationMax",
        "a range of durations (not carried; give one value)",
    ),
    _case(
        "repeat when",
        setter(f"{AD}.dosage[0].timing.repeat", "when", ["ACM"]),
        f"{AD}.dosage[0].timing.repeat.when",
        (
            "a time tied to a daily event such as a meal (not carried; give the clock time in "
            "timeOfDay)"
        ),
    ),
    _case(
        "repeat offset",
        setter(f"{AD}.dosage[0].timing.repeat", "offset", 30),
        f"{AD}.dosage[0].timing.repeat.offset",
        "an offset from a daily event (not carried; give the clock time in timeOfDay)",
    ),
    _case(
        "cycle repeat timeOfDay",
        setter(f"{D}.timingTiming.repeat", "timeOfDay", ["10:00:00"]),
        f"{D}.timingTiming.repeat.timeOfDay",
        (
            "timeOfDay here (not carried; a cycle's repeat has only count, duration, "
            "durationUnit, period, periodUnit)"
        ),
    ),
    _case(
        "cycle repeat dayOfWeek",
        setter(f"{D}.timingTiming.repeat", "dayOfWeek", ["mon"]),
        f"{D}.timingTiming.repeat.dayOfWeek",
        (
            "dayOfWeek here (not carried; a cycle's repeat has only count, duration, "
            "durationUnit, period, periodUnit)"
        ),
    ),
    _case(
        "cycle duration and period",
        setter(f"{D}.timingTiming.repeat", "period", 28),
        f"{D}.timingTiming.repeat.period",
        "the cycle length is given twice, as duration and as period (give one)",
    ),
    _case(
        "timing event",
        setter(f"{AD}.dosage[0].timing", "event", ["2027-01-04"]),
        f"{AD}.dosage[0].timing.event",
        "dates of its own (not carried; doses fall on cycle days, never on set dates)",
    ),
    _case(
        "timing code",
        setter(f"{AD}.dosage[0].timing", "code", {"text": "BID"}),
        f"{AD}.dosage[0].timing.code",
        TIMING_CODE,
    ),
    _case(
        "cycle timing code",
        setter(f"{D}.timingTiming", "code", {"text": "Q3W"}),
        f"{D}.timingTiming.code",
        TIMING_CODE,
    ),
    _case(
        "asNeededBoolean",
        setter(f"{AD}.dosage[0]", "asNeededBoolean", True),
        f"{AD}.dosage[0].asNeededBoolean",
        AS_NEEDED,
    ),
    _case(
        "asNeeded R5",
        setter(f"{AD}.dosage[0]", "asNeeded", True),
        f"{AD}.dosage[0].asNeeded",
        AS_NEEDED,
    ),
    _case(
        "asNeededFor",
        setter(f"{AD}.dosage[0]", "asNeededFor", [{"text": "nausea"}]),
        f"{AD}.dosage[0].asNeededFor",
        AS_NEEDED,
    ),
    _case(
        "asNeededCodeableConcept",
        setter(f"{AD}.dosage[0]", "asNeededCodeableConcept", {"text": "nausea"}),
        f"{AD}.dosage[0].asNeededCodeableConcept",
        AS_NEEDED,
    ),
    _case(
        "maxDosePerPeriod",
        setter(f"{AD}.dosage[0]", "maxDosePerPeriod", [{"numerator": {"value": 1}}]),
        f"{AD}.dosage[0].maxDosePerPeriod",
        (
            "a most per period (not carried; a drug's limits are the drug-max-amount and "
            "drug-at-most extensions of its Medication)"
        ),
    ),
    _case(
        "maxDosePerAdministration",
        setter(f"{AD}.dosage[0]", "maxDosePerAdministration", {"value": 150, "unit": "mg"}),
        f"{AD}.dosage[0].maxDosePerAdministration",
        "a most per dose (not carried; use the drug-max-amount extension of its Medication)",
    ),
    _case(
        "maxDosePerLifetime",
        setter(f"{AD}.dosage[0]", "maxDosePerLifetime", {"value": 1, "unit": "g"}),
        f"{AD}.dosage[0].maxDosePerLifetime",
        (
            "a most per lifetime (not carried; use the drug-max-doses-per-course extension of its"
            " Medication)"
        ),
    ),
    _case(
        "additionalInstruction",
        setter(f"{AD}.dosage[0]", "additionalInstruction", [{"text": "with food"}]),
        f"{AD}.dosage[0].additionalInstruction",
        "coded instructions (not carried; write them in patientInstruction)",
    ),
    _case(
        "site",
        setter(f"{AD}.dosage[0]", "site", {"text": "left arm"}),
        f"{AD}.dosage[0].site",
        "a body site (not carried; a regimen says only the route)",
    ),
    _case(
        "method",
        setter(f"{AD}.dosage[0]", "method", {"text": "push"}),
        f"{AD}.dosage[0].method",
        "a method of giving it (not carried; a regimen says only the route)",
    ),
    _case(
        "rateQuantity",
        lambda d: at(d, f"{AD}.dosage[0].doseAndRate[0]").update(
            rateQuantity={"value": 50, "unit": "mL/h"}
        ),
        f"{AD}.dosage[0].doseAndRate[0].rateQuantity",
        "a rate (not carried; a dose is an amount given over timing.repeat.duration)",
    ),
    _case(
        "doseRange",
        lambda d: at(d, f"{AD}.dosage[0].doseAndRate[0]").update(doseRange={"low": {"value": 60}}),
        f"{AD}.dosage[0].doseAndRate[0].doseRange",
        "a range of doses (not carried; give one value)",
    ),
    _case(
        "comparator",
        lambda d: at(d, f"{AD}.dosage[0].doseAndRate[0].doseQuantity").update(comparator="<"),
        f"{AD}.dosage[0].doseAndRate[0].doseQuantity.comparator",
        "a comparator such as < or >= (not carried; give an exact amount)",
    ),
    _case(
        "condition",
        setter(DOC, "condition", [{"kind": "applicability"}]),
        f"{DOC}.condition",
        (
            "a condition on the action (not carried; a regimen gives every dose on its days: "
            "decide before importing and leave it out)"
        ),
    ),
    _case(
        "trigger",
        setter(D, "trigger", [{"type": "named-event", "name": "Admission"}]),
        f"{D}.trigger",
        ("an event that starts the action (not carried; a regimen's actions fall on their days)"),
    ),
    _case(
        "participant",
        setter(DOC, "participant", [{"type": "practitioner"}]),
        f"{DOC}.participant",
        (
            "who performs it (not carried; a regimen says only the setting: home, clinic or "
            "hospital, in the setting extension)"
        ),
    ),
    _case(
        "input",
        setter(DOC, "input", [{"type": "Observation"}]),
        f"{DOC}.input",
        "data the action needs or makes (not carried; a regimen has no data requirements)",
    ),
    _case(
        "dynamicValue",
        setter(DOC, "dynamicValue", [{"path": "dosage"}]),
        f"{DOC}.dynamicValue",
        DYNAMIC,
    ),
    _case(
        "transform",
        setter(DOC, "transform", "http://x/map"),
        f"{DOC}.transform",
        "a transform applied when the plan is applied (not carried; give the result)",
    ),
    _case(
        "location",
        setter(DOC, "location", {"reference": {"display": "Ward"}}),
        f"{DOC}.location",
        (
            "where it is done (not carried; a regimen says only the setting: home, clinic or "
            "hospital, in the setting extension)"
        ),
    ),
    _case(
        "definitionUri added",
        setter(DOC, "definitionUri", "http://x/def"),
        f"{DOC}.definitionUri",
        (
            "a definition by URI (not carried; a dose refers to a contained ActivityDefinition "
            "with definitionCanonical '#id')"
        ),
    ),
    _case(
        "action modifierExtension",
        setter(DOC, "modifierExtension", [{"url": "http://x", "valueBoolean": True}]),
        f"{DOC}.modifierExtension",
        MODIFIER,
    ),
    _case(
        "root modifierExtension",
        setter("PlanDefinition", "modifierExtension", [{"url": "http://x", "valueBoolean": True}]),
        "PlanDefinition.modifierExtension",
        MODIFIER,
    ),
    _case(
        "root implicitRules",
        setter("PlanDefinition", "implicitRules", "http://x/rules"),
        "PlanDefinition.implicitRules",
        (
            "rules the content was written under, which may change its meaning (not carried; "
            "remove it if the resource reads the same without them)"
        ),
    ),
    _case(
        "root asNeededBoolean",
        setter("PlanDefinition", "asNeededBoolean", True),
        "PlanDefinition.asNeededBoolean",
        AS_NEEDED,
    ),
    _case(
        "requiredBehavior could",
        setter(DOC, "requiredBehavior", "could"),
        f"{DOC}.requiredBehavior",
        (
            "'could': an action that may be left out (not carried; a regimen gives every dose on "
            "its days: must or must-unless-documented)"
        ),
    ),
    _case(
        "priority stat",
        setter(DOC, "priority", "stat"),
        f"{DOC}.priority",
        (
            "priority 'stat' (not carried; a regimen's actions fall on their days and times: "
            "routine)"
        ),
    ),
    _case(
        "type remove",
        setter(DOC, "type", {"coding": [{"code": "remove"}]}),
        f"{DOC}.type",
        (
            "an action of type 'remove' (not carried; a regimen's actions create what they plan: "
            "type create)"
        ),
    ),
    _case(
        "cycle selection exactly-one",
        setter(D, "selectionBehavior", "exactly-one"),
        f"{D}.selectionBehavior",
        "a choice between actions ('exactly-one') cannot be planned: keep the ones given (all)",
    ),
    _case(
        "cycle selection at-most-one",
        setter(D, "selectionBehavior", "at-most-one"),
        f"{D}.selectionBehavior",
        "'at-most-one' allows leaving every action out (not carried; a regimen gives what it "
        "lists: all)",
    ),
    _case(
        "a group of one that may be left out",
        lambda d: d.update(action=[{"selectionBehavior": "any", "action": d["action"]}]),
        "PlanDefinition.action[0].selectionBehavior",
        "'any' allows leaving every action out (not carried; a regimen gives what it lists: all)",
    ),
    _case(
        "dose description",
        setter(DOC, "description", "Take with food"),
        f"{DOC}.description",
        (
            "a description of the dose action (not carried; a dose's words for the patient are "
            "its dosage's patientInstruction)"
        ),
    ),
    _case(
        "dose code",
        setter(DOC, "code", {"text": "chemo"}),
        f"{DOC}.code",
        (
            "a code on a dose action (not carried; an action with a code is a test or a visit, "
            "one with definitionCanonical a dose)"
        ),
    ),
    _case(
        "dose children",
        setter(DOC, "action", [{"title": "x"}]),
        f"{DOC}.action",
        "actions inside a dose (not carried; a dose has no actions of its own)",
    ),
    _case(
        "cycle relatedAction",
        setter(D, "relatedAction", [{"targetId": "x", "relationship": "after"}]),
        f"{D}.relatedAction",
        (
            "a relationship of a cycle to another action (not carried; phases follow each other "
            "in order, with the phase-gap-after extension between them)"
        ),
    ),
    _case(
        "unknown element on action",
        setter(DOC, "fooBar", 1),
        f"{DOC}.fooBar",
        (
            "an element this tool does not know on a dose action (not carried; it reads "
            "definitionCanonical, extension, relatedAction, and ignores only what docs/fhir.md "
            "lists)"
        ),
    ),
    _case(
        "primitive extension",
        setter(DOC, "_title", {"extension": []}),
        f"{DOC}._title",
        (
            "extensions or an id of the element title (not carried; this tool reads no extensions"
            " of text, number or code elements)"
        ),
    ),
    _case(
        "unknown root element",
        setter("PlanDefinition", "somethingNew", {}),
        "PlanDefinition.somethingNew",
        (
            "an element this tool does not know on a PlanDefinition (not carried; it reads "
            "action, contained, description, extension, id, name, relatedArtifact, title, and "
            "ignores only what docs/fhir.md lists)"
        ),
    ),
    _case(
        "unknown extension on action",
        lambda d: at(d, DOC)["extension"].append(
            {"url": "http://example.org/ext/importance", "valueCode": "high"}
        ),
        f"{DOC}.extension[4]",
        (
            "an extension this tool does not read on a dose action: "
            "'http://example.org/ext/importance' (not carried; it reads here: "
            "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle, rule-key, "
            "days-as-written, cycle-filter, max-doses-per-cycle, cap-reason, dose-count, "
            "end-event, rule-on-days-of, setting)"
        ),
    ),
    _case(
        "our extension in the wrong place",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": "https://treatment-scheduler.example/fhir/StructureDefinition/drug-title",
                "valueString": "x",
            }
        ),
        f"{DOC}.extension[4]",
        (
            "an extension this tool does not read on a dose action: "
            "'https://treatment-scheduler.example/fhir/StructureDefinition/drug-title' (not "
            "carried; it reads here: http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle, "
            "rule-key, days-as-written, cycle-filter, max-doses-per-cycle, cap-reason, "
            "dose-count, end-event, rule-on-days-of, setting)"
        ),
    ),
    _case(
        "extension twice",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": "https://treatment-scheduler.example/fhir/StructureDefinition/rule-key",
                "valueId": "other",
            }
        ),
        f"{DOC}.extension[4]",
        "the extension rule-key is given twice (give it once)",
    ),
    _case(
        "extension wrong value",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": "https://treatment-scheduler.example/fhir/StructureDefinition/dose-count",
                "valueString": "4",
            }
        ),
        f"{DOC}.extension(dose-count).valueString",
        "unexpected valueString (not carried; this extension has valuePositiveInt)",
    ),
    _case(
        "extension value wrong type",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": "https://treatment-scheduler.example/fhir/StructureDefinition/dose-count",
                "valuePositiveInt": 0,
            }
        ),
        f"{DOC}.extension(dose-count).valuePositiveInt",
        "valuePositiveInt must be a whole number from 1, got 0",
    ),
    _case(
        "cycle-filter unknown part",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": "https://treatment-scheduler.example/fhir/StructureDefinition/cycle-filter",
                "extension": [
                    {"url": "first", "valuePositiveInt": 2},
                    {"url": "except", "valuePositiveInt": 3},
                ],
            }
        ),
        f"{DOC}.extension(cycle-filter).extension[1].url",
        ("a part this tool does not read: 'except' (not carried; the parts are first, last, step)"),
    ),
    _case(
        "cycle-filter last with a step",
        lambda d: at(d, DOC)["extension"].append(
            {
                "url": OURS + "cycle-filter",
                "extension": [
                    {"url": "first", "valuePositiveInt": 2},
                    {"url": "last", "valuePositiveInt": 6},
                    {"url": "step", "valuePositiveInt": 2},
                ],
            }
        ),
        f"{DOC}.extension(cycle-filter)",
        "cycles every 2 from 2 to 6 (not carried; a regimen's rule runs every N cycles to the end "
        "of its phase: leave out last, or step)",
    ),
    _case(
        "description not text",
        setter("PlanDefinition", "description", {"text": "Breast cancer"}),
        "PlanDefinition.description",
        "expected text, got dict",
    ),
    _case(
        "citation not text",
        lambda d: d["relatedArtifact"][0].update(citation=["Taxotere label"]),
        "PlanDefinition.relatedArtifact[0].citation",
        "expected text, got list",
    ),
    _case(
        "medication unknown",
        setter(MED, "fooBar", 1),
        f"{MED}.fooBar",
        (
            "an element this tool does not know on a contained Medication (not carried; it reads "
            "code, extension, id, and ignores only what docs/fhir.md lists)"
        ),
    ),
    _case(
        "medication modifierExtension",
        setter(MED, "modifierExtension", [{"url": "http://x", "valueBoolean": True}]),
        f"{MED}.modifierExtension",
        MODIFIER,
    ),
    _case(
        "AD timingTiming",
        setter(AD, "timingTiming", {"repeat": {"frequency": 1}}),
        f"{AD}.timingTiming",
        (
            "the ActivityDefinition's own timing (not carried; a dose's times are its "
            "dosage.timing, its days the action's timing-daysOfCycle extension)"
        ),
    ),
    _case(
        "AD quantity",
        setter(AD, "quantity", {"value": 4}),
        f"{AD}.quantity",
        "an amount to supply (not carried; a dose is its dosage.doseAndRate.doseQuantity)",
    ),
    _case(
        "AD doNotPerform",
        setter(AD, "doNotPerform", True),
        f"{AD}.doNotPerform",
        "an activity not to perform (not carried; a regimen lists what is given)",
    ),
    _case(
        "AD kind",
        setter(AD, "kind", "ServiceRequest"),
        f"{AD}.kind",
        "an activity of kind 'ServiceRequest' (not carried; a dose is a MedicationRequest)",
    ),
    _case(
        "AD dynamicValue",
        setter(AD, "dynamicValue", [{"path": "x"}]),
        f"{AD}.dynamicValue",
        DYNAMIC,
    ),
    _case(
        "AD extension",
        setter(AD, "extension", [{"url": "http://x", "valueString": "y"}]),
        f"{AD}.extension",
        "an extension on a dose's ActivityDefinition (not carried; this tool reads none here)",
    ),
    _case(
        "contained other",
        lambda d: d["contained"].append({"resourceType": "Library", "id": "lib"}),
        "PlanDefinition.contained[4].resourceType",
        (
            "a contained 'Library' (not carried; a regimen reads contained Medications and "
            "ActivityDefinitions)"
        ),
    ),
    _case(
        "contained unused",
        lambda d: d["contained"].append(
            {"resourceType": "Medication", "id": "spare", "code": {"text": "Spare"}}
        ),
        "PlanDefinition.contained[4]",
        (
            "a contained resource no dose uses: 'spare' (not carried; refer to it from a dose, or"
            " leave it out)"
        ),
    ),
    _case(
        "contained duplicate id",
        lambda d: d["contained"].append(dict(d["contained"][0])),
        "PlanDefinition.contained[4].id",
        "the id 'drug-docetaxel' is given to two contained resources (give each its own)",
    ),
    _case(
        "relatedAction offsetRange",
        lambda d: at(d, f"{DEX}.relatedAction[0]").update(offsetRange={"low": {"value": 1}}),
        f"{DEX}.relatedAction[0].offsetRange",
        "a range of offsets (not carried; give one value)",
    ),
    _case(
        "relatedAction endRelationship",
        lambda d: at(d, f"{DEX}.relatedAction[0]").update(endRelationship="before-start"),
        f"{DEX}.relatedAction[0].endRelationship",
        "a relationship to the end of this action (not carried; a dose is timed by its start)",
    ),
    _case(
        "relatedAction both ids",
        lambda d: at(d, f"{DEX}.relatedAction[0]").update(actionId="phase-0"),
        f"{DEX}.relatedAction[0].actionId",
        "the target is given twice (targetId in R5, actionId in R4B: give one)",
    ),
    _case(
        "lab related to a dose",
        lambda d: at(d, LAB)["relatedAction"].append(
            {"targetId": "phase-0-dose-docetaxel", "relationship": "after-end"}
        ),
        f"{LAB}.relatedAction[1]",
        (
            "relationship 'after-end' to 'phase-0-dose-docetaxel' (not carried; a test or visit "
            "relates only to its cycle, before-start for days before day 1)"
        ),
    ),
    _case(
        "lab repeat frequency",
        setter(
            LAB,
            "timingTiming",
            {
                "repeat": {
                    "timeOfDay": ["08:00:00"],
                    "duration": 15,
                    "durationUnit": "min",
                    "frequency": 2,
                }
            },
        ),
        f"{LAB}.timingTiming.repeat.frequency",
        (
            "frequency here (not carried; a test's or visit's repeat has only duration, "
            "durationUnit, timeOfDay)"
        ),
    ),
    _case(
        "two products",
        setter(AD, "productCodeableConcept", {"text": "Docetaxel"}),
        f"{AD}.productCodeableConcept",
        ("the product is given twice, as productReference and productCodeableConcept (give one)"),
    ),
    _case(
        "route extension",
        lambda d: at(d, f"{AD}.dosage[0].route").update(
            extension=[{"url": "http://x", "valueString": "y"}]
        ),
        f"{AD}.dosage[0].route.extension",
        "an extension on a coded concept (not carried; this tool reads none here)",
    ),
    _case(
        "product reference identifier",
        lambda d: at(d, f"{AD}.productReference").update(identifier={"value": "x"}),
        f"{AD}.productReference.identifier",
        "a reference by identifier (not carried; refer to a contained Medication '#id')",
    ),
]


def _docetaxel(version: str = "r5") -> dict[str, Any]:
    resource: dict[str, Any] = json.loads(
        json.dumps(regimen_to_plandefinition(resolve("docetaxel-q21d"), version))
    )
    return resource


@pytest.mark.parametrize(("mutate", "path", "message"), CASES)
def test_an_element_that_would_change_the_plan_is_refused_by_its_path(
    mutate: Mutation, path: str, message: str
) -> None:
    data = _docetaxel()
    mutate(data)
    with pytest.raises(FhirError) as caught:
        plandefinition_to_regimen_toml(data, "in.json")
    assert (caught.value.path, caught.value.message) == (path, message)
    assert str(caught.value) == f"in.json: {path}: {message}"


def test_a_dose_actions_own_timing_is_refused_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The audit's case: a dose action with its own ``timingTiming`` (10:00, where its
    ActivityDefinition says 09:00) imported as a 09:00 dose without a word."""
    data = _docetaxel()
    at(data, DOC)["timingTiming"] = {"repeat": {"timeOfDay": ["10:00:00"]}}
    source, target = tmp_path / "in.json", tmp_path / "out.toml"
    source.write_text(json.dumps(data))
    code = main(["fhir", "import-regimen", str(source), "-o", str(target)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {source}: {DOC}.timingTiming: a dose action's own timing (not carried; a "
        "dose's times are its ActivityDefinition's dosage.timing, its days the "
        "timing-daysOfCycle extension)\n"
    )
    assert not target.exists()


#: mFOLFOX6 (R4B): the fluorouracil bolus (action[2], its ActivityDefinition contained[5])
#: follows leucovorin (after-end).
BOLUS = "PlanDefinition.action[0].action[2]"
BOLUS_AD = "PlanDefinition.contained[5]"


@pytest.mark.parametrize(
    ("regimen", "mutate", "path", "message"),
    [
        pytest.param(
            "docetaxel-q21d",
            setter(DOC, "timingDateTime", "2027-01-04"),
            f"{DOC}.timingDateTime",
            TIMING_X,
            id="timingDateTime",
        ),
        pytest.param(
            "docetaxel-q21d",
            setter(f"{AD}.dosage[0]", "asNeededBoolean", True),
            f"{AD}.dosage[0].asNeededBoolean",
            AS_NEEDED,
            id="asNeededBoolean",
        ),
        pytest.param(
            "mfolfox6",
            lambda d: at(d, BOLUS)["relatedAction"].append(
                {"actionId": "phase-0-dose-oxaliplatin", "relationship": "after-end"}
            ),
            f"{BOLUS}.relatedAction[1]",
            "a second dose this one is timed from ('phase-0-dose-oxaliplatin'; not carried: a "
            "dose is timed from one other, here 'phase-0-dose-leucovorin')",
            id="second timed-from",
        ),
        pytest.param(
            "mfolfox6",
            setter(f"{BOLUS_AD}.dosage[0].timing.repeat", "period", 60),
            f"{BOLUS_AD}.dosage[0].timing.repeat.period",
            "an interval on a dose timed from another (not carried; only a dose at a time of "
            "day repeats every so many hours)",
            id="interval on a timed-from dose",
        ),
    ],
)
def test_r4b_and_doses_timed_from_others(
    regimen: str, mutate: Mutation, path: str, message: str
) -> None:
    data = json.loads(json.dumps(regimen_to_plandefinition(resolve(regimen), "r4b")))
    mutate(data)
    with pytest.raises(FhirError) as caught:
        plandefinition_to_regimen_toml(data, "in.json")
    assert (caught.value.path, caught.value.message) == (path, message)


RT = "PlanDefinition.action[0].action[0]"


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        pytest.param(
            lambda d: at(d, RT)["extension"].append(
                {"url": DAYS_OF_CYCLE_URL, "extension": [{"url": "day", "valueInteger": 6}]}
            ),
            f"{RT}.extension({DAYS_OF_CYCLE_URL})",
            "days of the cycle beside weekdays (not carried; a dose falls on weekdays "
            "(dosage.timing.repeat.dayOfWeek) or on cycle days, not both)",
            id="days of the cycle",
        ),
        pytest.param(
            setter(
                RT,
                "relatedAction",
                [
                    {
                        "targetId": "phase-0",
                        "relationship": "before-start",
                        "offsetDuration": {"value": 1, "code": "d"},
                    }
                ],
            ),
            f"{RT}.relatedAction[0]",
            "a day before day 1 beside weekdays (not carried; a dose falls on weekdays or on "
            "cycle days, not both)",
            id="a day before day 1",
        ),
        pytest.param(
            lambda d: at(d, "PlanDefinition.contained[1].dosage[0].timing.repeat").update(
                dayOfWeek=["mon", "wed"]
            ),
            f"{RT}.extension(days-as-written)",
            "'Mon-Fri' disagrees with dosage.timing.repeat.dayOfWeek (Mon, Wed): give the same "
            "days in both",
            id="days as written disagree",
        ),
    ],
)
def test_a_weekday_rule_has_only_its_weekdays(mutate: Mutation, path: str, message: str) -> None:
    """Radiotherapy Monday to Friday: cycle days or a day before day 1 beside the weekdays were
    dropped, and the days as written won over different weekdays, without a word."""
    data = json.loads(json.dumps(regimen_to_plandefinition(resolve("radiotherapy-60gy-30f"))))
    mutate(data)
    with pytest.raises(FhirError) as caught:
        plandefinition_to_regimen_toml(data, "in.json")
    assert (caught.value.path, caught.value.message) == (path, message)


def test_a_false_as_needed_or_do_not_perform_and_routine_priority_change_nothing() -> None:
    plain = plandefinition_to_regimen_toml(_docetaxel(), "in.json")
    data = _docetaxel()
    at(data, f"{AD}.dosage[0]")["asNeeded"] = False
    at(data, AD).update(doNotPerform=False, priority="routine", kind="MedicationRequest")
    at(data, DOC).update(requiredBehavior="must", priority="routine",
                         type={"coding": [{"code": "create"}]})  # fmt: skip
    assert plandefinition_to_regimen_toml(data, "in.json") == plain


def test_what_is_ignored_changes_nothing() -> None:
    """Metadata, narrative and presentation in every place they may stand: the same regimen."""
    plain = plandefinition_to_regimen_toml(_docetaxel(), "in.json")
    data = _docetaxel()
    data.update(
        meta={"tag": [{"code": "HTEST"}]},
        text={"status": "generated", "div": "<div>x</div>"},
        url="http://example.org/pd/docetaxel",
        version="1",
        publisher="Example",
        useContext=[{"code": {"code": "focus"}, "valueCodeableConcept": {"text": "Breast"}}],
        author=[{"name": "A. Author"}],
        approvalDate="2026-01-01",
        effectivePeriod={"start": "2026-01-01"},
        jurisdiction=[{"text": "GB"}],
        goal=[{"description": {"text": "Remission"}}],
        library=["http://example.org/Library/x"],
        topic=[{"text": "Oncology"}],
        copyright="CC0",
    )
    at(data, MED).update(status="active", doseForm={"text": "solution"}, text={"div": "x"})
    at(data, AD).update(status="draft", intent="order", description="x", useContext=[])
    at(data, f"{AD}.dosage[0]").update(text="75 mg/m² IV over 60 min", sequence=1)
    at(data, f"{AD}.dosage[0].doseAndRate[0]")["type"] = {"text": "ordered"}
    at(data, DOC).update(prefix="1.", textEquivalent="Docetaxel 75 mg/m²", reason=[],
                         documentation=[], goalId=["g"], precheckBehavior="yes",
                         cardinalityBehavior="single")  # fmt: skip
    at(data, D).update(prefix="A", groupingBehavior="visual-group", documentation=[])
    data["action"] = [{"title": "Option A", "selectionBehavior": "exactly-one",
                       "groupingBehavior": "logical-group", "action": data["action"]}]  # fmt: skip
    assert plandefinition_to_regimen_toml(data, "in.json") == plain


_MODELS = {
    "PlanDefinition": [("plandefinition", "PlanDefinition")],
    "Medication": [("medication", "Medication")],
    "ActivityDefinition": [("activitydefinition", "ActivityDefinition")],
    "Dosage": [("dosage", "Dosage")],
    "DoseAndRate": [("dosage", "DosageDoseAndRate")],
    "Quantity": [("quantity", "Quantity"), ("duration", "Duration")],
    "CodeableConcept": [("codeableconcept", "CodeableConcept")],
    "Reference": [("reference", "Reference")],
    "RelatedAction": [("plandefinition", "PlanDefinitionActionRelatedAction")],
    "Timing": [("timing", "Timing")],
    "cycle repeat": [("timing", "TimingRepeat")],
    "dose repeat": [("timing", "TimingRepeat")],
    "event repeat": [("timing", "TimingRepeat")],
    "group action": [("plandefinition", "PlanDefinitionAction")],
    "cycle action": [("plandefinition", "PlanDefinitionAction")],
    "dose action": [("plandefinition", "PlanDefinitionAction")],
    "event action": [("plandefinition", "PlanDefinitionAction")],
    "course event action": [("plandefinition", "PlanDefinitionAction")],
}


@pytest.mark.parametrize("package", ["fhir.resources", "fhir.resources.R4B"])
@pytest.mark.parametrize("kind", sorted(_MODELS))
def test_every_element_of_the_fhir_model_is_read_ignored_or_refused(
    kind: str, package: str
) -> None:
    """The audit, made a test: each element the R5 and R4B models define (from fhir.resources)
    is listed for each kind of element the importer meets. Elements that decide an action's
    kind (timingTiming, definitionCanonical, code) are left to the walk; ``_x`` primitive
    extensions and ``extension`` are refused unless read."""
    spec = KINDS[kind]
    known = spec.used | set(spec.ignored) | set(spec.refused) | {"extension"}
    if kind.endswith("action"):
        known |= CLASSIFYING
    assert set(KINDS) >= set(_MODELS)
    for module, name in _MODELS[kind]:
        model = getattr(importlib.import_module(f"{package}.{module}"), name)
        elements = {field.alias or key for key, field in model.model_fields.items()}
        elements = {e for e in elements if not e.startswith("_") and e != "fhir_comments"}
        assert elements - known == set(), name


def test_docs_name_every_refused_element() -> None:
    """docs/fhir.md's list of refusals names each element the tables refuse."""
    text = (REPO / "docs" / "fhir.md").read_text(encoding="utf-8")
    section = text[text.index("### Refused") : text.index("### How a refusal reads")]
    missing = sorted(
        {name for spec in KINDS.values() for name in spec.refused if f"`{name}`" not in section}
    )
    assert missing == []


def test_the_specification_example_still_imports() -> None:
    data = json.loads((TESTDATA / "fhir" / "plandefinition-kdn5-simplified.json").read_text())
    assert "[drugs.gemcitabine]" in plandefinition_to_regimen_toml(copy.deepcopy(data), "kdn5")
