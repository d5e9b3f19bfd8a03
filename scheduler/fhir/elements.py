"""What the regimen importer does with every FHIR element it meets: reads it, ignores it (each
with the reason it cannot change a date or a dose), or refuses it. An element in none of the
three lists is refused too, so a FHIR element this tool has never heard of (a later release's,
a profile's) can never be dropped silently: the import is an allow-list, not a deny-list.

One :class:`Kind` per kind of element (a PlanDefinition, a cycle action, a dose's Timing...),
covering R4B and R5; each extension is named in :data:`EXTENSIONS` with its value type and
where it may stand. docs/fhir.md states the same lists in words (a test holds them together).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import FhirError
from .mapping import DAYS_OF_CYCLE_URL, EXTENSION_BASE

__all__ = [
    "AS_NEEDED",
    "CLASSIFYING",
    "EXTENSIONS",
    "KINDS",
    "Extension",
    "Kind",
    "check",
    "check_extensions",
]


@dataclass(frozen=True)
class Kind:
    """The elements one kind of FHIR element may have."""

    name: str
    """In words, for messages: "a dose action"."""
    used: frozenset[str]
    """Elements the importer reads (and checks) into the regimen."""
    ignored: Mapping[str, str] = field(default_factory=dict)
    """Elements read past on purpose, each with why it cannot change a plan."""
    refused: Mapping[str, str] = field(default_factory=dict)
    """Elements that would change what is given or when, and the regimen format cannot say:
    each with its message, ``what (not carried; what to do instead)``."""
    extensions: tuple[str, ...] = ()
    """Names in :data:`EXTENSIONS` that may stand on it."""


@dataclass(frozen=True)
class Extension:
    """One extension the importer reads: its ``value[x]``, or its parts when complex."""

    value: str | None
    parts: Mapping[str, str] = field(default_factory=dict)
    """A complex extension's sub-extensions: url -> value[x]."""
    repeats: bool = False
    """Whether it may stand more than once on one element."""
    repeating_parts: frozenset[str] = frozenset()
    """Parts that may be given more than once (a cycle day per ``day``)."""


#: Every extension read, by our name (or the core URL): the value[x] it must have.
EXTENSIONS: dict[str, Extension] = {
    DAYS_OF_CYCLE_URL: Extension(None, {"day": "valueInteger"}, repeating_parts=frozenset({"day"})),
    "regimen-notes": Extension("valueMarkdown"),
    "precaution": Extension(
        None,
        {
            "key": "valueId",
            "title": "valueString",
            "instructions": "valueMarkdown",
            "during-treatment": "valueBoolean",
            "after-last-dose": "valueString",
        },
        repeats=True,
    ),
    "drug-title": Extension("valueString"),
    "drug-notes": Extension("valueString"),
    "drug-max-amount": Extension("valueQuantity"),
    "drug-max-cumulative": Extension("valueQuantity"),
    "drug-max-doses-per-course": Extension("valuePositiveInt"),
    "drug-min-interval": Extension("valueDuration"),
    "drug-at-most": Extension(
        None,
        {"doses": "valuePositiveInt", "window": "valueDuration", "calendar-days": "valueBoolean"},
    ),
    "phase-up-to": Extension("valueString"),
    "phase-gap-after": Extension("valueString"),
    "phase-start-on": Extension("valueCode"),
    "phase-continuous": Extension("valueBoolean"),
    "phase-calendar-months": Extension("valueBoolean"),
    "rule-key": Extension("valueId"),
    "days-as-written": Extension("valueString"),
    "cycle-filter": Extension(
        None, {"first": "valuePositiveInt", "last": "valuePositiveInt", "step": "valuePositiveInt"}
    ),
    "max-doses-per-cycle": Extension("valuePositiveInt"),
    "cap-reason": Extension("valueString"),
    "dose-count": Extension("valuePositiveInt"),
    "end-event": Extension("valueString"),
    "rule-on-days-of": Extension("valueId"),
    "setting": Extension("valueCode"),
    "course-event-when": Extension("valueString"),
}


def _url(name: str) -> str:
    return name if "://" in name else EXTENSION_BASE + name


# -- why elements are ignored --------------------------------------------------------------

_META = "about the resource (who wrote it, when, where it applies), not what is given or when"
_NARRATIVE = "text for people that repeats the structured elements"
_ID = "an identity within the file"
_VIEW = "how an app shows or pre-selects the action"
_WHY = "why the action is done, not what or when"
_LOGIC = "logic libraries, used only by conditions and dynamic values, which are refused"

_RESOURCE_META = dict.fromkeys(
    (
        "meta", "language", "url", "identifier", "version", "versionAlgorithmString",
        "versionAlgorithmCoding", "name", "title", "subtitle", "status", "experimental", "date",
        "publisher", "contact", "description", "useContext", "jurisdiction", "purpose", "usage",
        "copyright", "copyrightLabel", "approvalDate", "lastReviewDate", "effectivePeriod",
        "topic", "author", "editor", "reviewer", "endorser", "relatedArtifact",
    ),
    _META,
) | {
    "text": _NARRATIVE,
    "library": _LOGIC,
    **dict.fromkeys(
        ("subjectCodeableConcept", "subjectReference", "subjectCanonical"),
        "whom the definition is for: a plan is always one patient's",
    ),
}  # fmt: skip

# -- why elements are refused --------------------------------------------------------------

_MODIFIER = (
    "a modifier extension changes what its element means (not carried; this tool knows none: "
    "remove it only if the element means the same without it)"
)
_IMPLICIT = (
    "rules the content was written under, which may change its meaning (not carried; remove "
    "it if the resource reads the same without them)"
)
AS_NEEDED = (
    "given only as needed (not carried; a regimen gives every dose on its days: leave it out "
    "or state the doses' days)"
)
_TIMING_X = (
    "a timing of this kind (not carried; a cycle's timing is timingTiming.repeat with count "
    "and duration in days, a dose's days the timing-daysOfCycle extension)"
)
_CONDITION = (
    "a condition on the action (not carried; a regimen gives every dose on its days: decide "
    "before importing and leave it out)"
)
_TRIGGER = "an event that starts the action (not carried; a regimen's actions fall on their days)"
_DATA = "data the action needs or makes (not carried; a regimen has no data requirements)"
_PARTICIPANT = (
    "who performs it (not carried; a regimen says only the setting: home, clinic or hospital, "
    "in the setting extension)"
)
_LOCATION = (
    "where it is done (not carried; a regimen says only the setting: home, clinic or "
    "hospital, in the setting extension)"
)
_DYNAMIC = "values computed when the plan is applied (not carried; give the values themselves)"
_TRANSFORM = "a transform applied when the plan is applied (not carried; give the result)"
_DEFINITION_URI = (
    "a definition by URI (not carried; a dose refers to a contained ActivityDefinition with "
    "definitionCanonical '#id')"
)
_NO_CHILDREN = "actions inside a {what} (not carried; a {what} has no actions of its own)"
_LEAF = "a choice between child actions, and it has none"
_RANGE = "a range of {what} (not carried; give one value)"

_ACTION_REFUSED = {
    "modifierExtension": _MODIFIER,
    "trigger": _TRIGGER,
    "condition": _CONDITION,
    "input": _DATA,
    "output": _DATA,
    "participant": _PARTICIPANT,
    "location": _LOCATION,
    "transform": _TRANSFORM,
    "dynamicValue": _DYNAMIC,
    "definitionUri": _DEFINITION_URI,
    "timingDateTime": _TIMING_X,
    "timingAge": _TIMING_X,
    "timingPeriod": _TIMING_X,
    "timingDuration": _TIMING_X,
    "timingRange": _TIMING_X,
}
_ACTION_IGNORED = {
    "id": _ID,
    "linkId": _ID,
    "prefix": _VIEW,
    "textEquivalent": _NARRATIVE,
    "groupingBehavior": _VIEW,
    "precheckBehavior": _VIEW,
    "cardinalityBehavior": _VIEW,
    "reason": _WHY,
    "documentation": _WHY,
    "goalId": _WHY,
    "selectionBehavior": _LEAF,
    "subjectCodeableConcept": "whom the action is for: a plan is always one patient's",
    "subjectReference": "whom the action is for: a plan is always one patient's",
    "subjectCanonical": "whom the action is for: a plan is always one patient's",
}
#: Read by the importer on every action, with their values checked there: only
#: ``requiredBehavior`` must/must-unless-documented, ``priority`` routine and ``type`` create
#: are plannable as given.
_ACTION_CHECKED = frozenset({"requiredBehavior", "priority", "type"})


def _action(
    name: str,
    used: set[str],
    *,
    refused: Mapping[str, str] | None = None,
    ignored: Mapping[str, str] | None = None,
    extensions: tuple[str, ...] = (),
) -> Kind:
    return Kind(
        name,
        frozenset(used | _ACTION_CHECKED),
        {**_ACTION_IGNORED, **(ignored or {})},
        {**_ACTION_REFUSED, **(refused or {})},
        extensions,
    )


_DOSE_ACTION_DESCRIPTION = (
    "a description of the dose action (not carried; a dose's words for the patient are its "
    "dosage's patientInstruction)"
)

_REPEAT_ELEMENTS = frozenset(
    {"count", "duration", "durationUnit", "frequency", "period", "periodUnit"}
    | {"dayOfWeek", "timeOfDay"}
)
_REPEAT_REFUSED = {
    "boundsDuration": "a bound on the repeats (not carried; a phase runs for its cycles)",
    "boundsRange": "a bound on the repeats (not carried; a phase runs for its cycles)",
    "boundsPeriod": "a bound on the repeats (not carried; a phase runs for its cycles)",
    "countMax": _RANGE.format(what="counts"),
    "durationMax": _RANGE.format(what="durations"),
    "frequencyMax": _RANGE.format(what="frequencies"),
    "periodMax": _RANGE.format(what="periods"),
    "when": (
        "a time tied to a daily event such as a meal (not carried; give the clock time in "
        "timeOfDay)"
    ),
    "offset": "an offset from a daily event (not carried; give the clock time in timeOfDay)",
}


def _repeat(name: str, used: set[str], refused: Mapping[str, str]) -> Kind:
    has = ", ".join(sorted(used))
    elsewhere = {
        element: f"{element} here (not carried; {name} has only {has})"
        for element in _REPEAT_ELEMENTS - used
    }
    return Kind(name, frozenset(used), {"id": _ID}, {**_REPEAT_REFUSED, **elsewhere, **refused})


_TIMING = Kind(
    "a Timing",
    frozenset({"repeat"}),
    {"id": _ID},
    {
        "event": "dates of its own (not carried; doses fall on cycle days, never on set dates)",
        "code": (
            "a timing code such as BID (not carried; give repeat.timeOfDay, or repeat.frequency "
            "1 per repeat.period)"
        ),
        "modifierExtension": _MODIFIER,
    },
)

#: Elements that decide which kind an action is (the importer's walk): an action with
#: ``timingTiming`` is a cycle, with ``definitionCanonical`` a dose, with ``code`` a test or
#: visit; so each kind of action lists only those it may have.
CLASSIFYING = frozenset({"timingTiming", "definitionCanonical", "code"})

#: Every kind of element, by the name the importer uses.
KINDS: dict[str, Kind] = {
    "PlanDefinition": Kind(
        "a PlanDefinition",
        frozenset(
            {"resourceType", "id", "title", "name", "description", "relatedArtifact"}
            | {"extension", "contained", "action"}
        ),
        {
            **_RESOURCE_META,
            "type": _META,
            "goal": "what the plan aims at, not what is given or when",
            "actor": "who may take part; participants of actions are refused",
        },
        {
            "implicitRules": _IMPLICIT,
            "modifierExtension": _MODIFIER,
            "asNeededBoolean": AS_NEEDED,
            "asNeededCodeableConcept": AS_NEEDED,
        },
        ("regimen-notes", "precaution"),
    ),
    "Medication": Kind(
        "a contained Medication",
        frozenset({"resourceType", "id", "code", "extension"}),
        {
            "meta": _META,
            "language": _META,
            "text": _NARRATIVE,
            "identifier": _META,
            "status": _META,
            "marketingAuthorizationHolder": _META,
            "manufacturer": _META,
            "doseForm": "the product's form; the route says how it is given",
            "form": "the product's form; the route says how it is given",
            "totalVolume": "the product's package, not a dose",
            "amount": "the product's package, not a dose",
            "ingredient": "what the product is made of; the drug is its name",
            "batch": _META,
            "definition": _META,
        },
        {
            "implicitRules": _IMPLICIT,
            "modifierExtension": _MODIFIER,
            "contained": "resources inside a contained resource (not carried; FHIR allows none)",
        },
        (
            "drug-title",
            "drug-notes",
            "drug-max-amount",
            "drug-max-cumulative",
            "drug-max-doses-per-course",
            "drug-min-interval",
            "drug-at-most",
        ),
    ),
    "ActivityDefinition": Kind(
        "a dose's ActivityDefinition",
        frozenset(
            {"resourceType", "id", "kind", "productReference", "productCodeableConcept"}
            | {"dosage", "doNotPerform", "priority"}
        ),
        {
            **_RESOURCE_META,
            "profile": _META,
            "code": "what kind of activity it is; a dose is its product and dosage",
            "intent": "how far the request has come, not what is given or when",
        },
        {
            "implicitRules": _IMPLICIT,
            "modifierExtension": _MODIFIER,
            "contained": "resources inside a contained resource (not carried; FHIR allows none)",
            "timingTiming": (
                "the ActivityDefinition's own timing (not carried; a dose's times are its "
                "dosage.timing, its days the action's timing-daysOfCycle extension)"
            ),
            "timingDateTime": _TIMING_X,
            "timingAge": _TIMING_X,
            "timingPeriod": _TIMING_X,
            "timingRange": _TIMING_X,
            "timingDuration": _TIMING_X,
            "asNeededBoolean": AS_NEEDED,
            "asNeededCodeableConcept": AS_NEEDED,
            "location": _LOCATION,
            "participant": _PARTICIPANT,
            "quantity": (
                "an amount to supply (not carried; a dose is its dosage.doseAndRate.doseQuantity)"
            ),
            "bodySite": "a body site (not carried; a regimen says only the route)",
            "specimenRequirement": _DATA,
            "observationRequirement": _DATA,
            "observationResultRequirement": _DATA,
            "transform": _TRANSFORM,
            "dynamicValue": _DYNAMIC,
        },
    ),
    "Dosage": Kind(
        "a Dosage",
        frozenset({"timing", "route", "doseAndRate", "patientInstruction", "asNeeded"})
        | {"asNeededBoolean"},
        {
            "id": _ID,
            "text": _NARRATIVE,
            "sequence": "the order of several dosages; a dose has exactly one",
        },
        {
            "modifierExtension": _MODIFIER,
            "additionalInstruction": (
                "coded instructions (not carried; write them in patientInstruction)"
            ),
            "asNeededFor": AS_NEEDED,
            "asNeededCodeableConcept": AS_NEEDED,
            "site": "a body site (not carried; a regimen says only the route)",
            "method": "a method of giving it (not carried; a regimen says only the route)",
            "maxDosePerPeriod": (
                "a most per period (not carried; a drug's limits are the drug-max-amount and "
                "drug-at-most extensions of its Medication)"
            ),
            "maxDosePerAdministration": (
                "a most per dose (not carried; use the drug-max-amount extension of its Medication)"
            ),
            "maxDosePerLifetime": (
                "a most per lifetime (not carried; use the drug-max-doses-per-course extension "
                "of its Medication)"
            ),
        },
    ),
    "DoseAndRate": Kind(
        "a dose and rate",
        frozenset({"doseQuantity"}),
        {"id": _ID, "type": "whether the dose was ordered or calculated, not the dose"},
        {
            "doseRange": _RANGE.format(what="doses"),
            "rateRatio": "a rate (not carried; a dose is an amount given over timing.repeat.duration)",
            "rateRange": "a rate (not carried; a dose is an amount given over timing.repeat.duration)",
            "rateQuantity": "a rate (not carried; a dose is an amount given over timing.repeat.duration)",
        },
    ),
    "Quantity": Kind(
        "a quantity",
        frozenset({"value", "unit", "system", "code"}),
        {"id": _ID},
        {
            "comparator": "a comparator such as < or >= (not carried; give an exact amount)",
        },
    ),
    "CodeableConcept": Kind(
        "a coded concept",
        frozenset({"coding", "text"}),
        {"id": _ID},
        {},
    ),
    "Reference": Kind(
        "a reference",
        frozenset({"reference"}),
        {"id": _ID, "display": _NARRATIVE, "type": "the kind of resource it refers to"},
        {
            "identifier": (
                "a reference by identifier (not carried; refer to a contained Medication '#id')"
            ),
        },
    ),
    "RelatedAction": Kind(
        "a related action",
        frozenset({"targetId", "actionId", "relationship", "offsetDuration"}),
        {"id": _ID},
        {
            "modifierExtension": _MODIFIER,
            "offsetRange": _RANGE.format(what="offsets"),
            "endRelationship": (
                "a relationship to the end of this action (not carried; a dose is timed by its "
                "start)"
            ),
        },
    ),
    "Timing": _TIMING,
    "cycle repeat": _repeat(
        "a cycle's repeat",
        {"count", "duration", "durationUnit", "period", "periodUnit"},
        {},
    ),
    "dose repeat": _repeat(
        "a dose's repeat",
        {"duration", "durationUnit", "timeOfDay", "frequency", "period", "periodUnit"}
        | {"dayOfWeek"},
        {
            "count": (
                "a number of repeats (not carried; a dose's count in the phase is the "
                "dose-count extension of its action)"
            ),
        },
    ),
    "event repeat": _repeat(
        "a test's or visit's repeat",
        {"timeOfDay", "duration", "durationUnit"},
        {},
    ),
    "group action": _action(
        "a group of actions",
        {"action", "selectionBehavior"},
        ignored={
            "title": "a label of the group, which only holds actions",
            "description": "a label of the group, which only holds actions",
        },
        refused={
            "relatedAction": (
                "a relationship between groups (not carried; phases follow each other in order)"
            ),
        },
    ),
    "cycle action": _action(
        "a cycle action",
        {"timingTiming", "title", "action", "extension", "selectionBehavior"},
        refused={
            "description": (
                "a description of the cycle (not carried; a phase has only a name, its title)"
            ),
            "relatedAction": (
                "a relationship of a cycle to another action (not carried; phases follow each "
                "other in order, with the phase-gap-after extension between them)"
            ),
            "code": (
                "a code on a cycle action (not carried; a test or visit is an action in the cycle)"
            ),
            "definitionCanonical": (
                "a cycle with a definition (not carried; doses are actions in the cycle)"
            ),
        },
        extensions=(
            "phase-up-to",
            "phase-gap-after",
            "phase-start-on",
            "phase-continuous",
            "phase-calendar-months",
        ),
    ),
    "dose action": _action(
        "a dose action",
        {"definitionCanonical", "extension", "relatedAction"},
        ignored={"title": "a label; the rule's key is the rule-key extension"},
        refused={
            "timingTiming": (
                "a dose action's own timing (not carried; a dose's times are its "
                "ActivityDefinition's dosage.timing, its days the timing-daysOfCycle extension)"
            ),
            "description": _DOSE_ACTION_DESCRIPTION,
            "code": (
                "a code on a dose action (not carried; an action with a code is a test or a "
                "visit, one with definitionCanonical a dose)"
            ),
            "action": _NO_CHILDREN.format(what="dose"),
        },
        extensions=(
            DAYS_OF_CYCLE_URL,
            "rule-key",
            "days-as-written",
            "cycle-filter",
            "max-doses-per-cycle",
            "cap-reason",
            "dose-count",
            "end-event",
            "rule-on-days-of",
            "setting",
        ),
    ),
    "event action": _action(
        "a test or visit action",
        {"code", "title", "description", "extension", "relatedAction", "timingTiming"},
        refused={
            "action": _NO_CHILDREN.format(what="test or visit"),
        },
        extensions=(DAYS_OF_CYCLE_URL, "rule-key", "cycle-filter", "setting"),
    ),
    "course event action": _action(
        "a course event action",
        {"code", "title", "description", "extension", "timingTiming"},
        refused={
            "relatedAction": (
                "a relationship of a course event (not carried; its time is the "
                "course-event-when extension)"
            ),
            "action": _NO_CHILDREN.format(what="course event"),
            "definitionCanonical": (
                "a definition on a course event (not carried; an action with a definition is a "
                "dose, and doses are actions in a cycle)"
            ),
        },
        extensions=("rule-key", "course-event-when"),
    ),
}


def check(element: dict[str, Any], kind: str, path: str) -> None:
    """Refuse, naming its path, the first element of ``element`` that ``kind`` neither uses nor
    ignores; and its extensions (:func:`check_extensions`)."""
    spec = KINDS[kind]
    for name in element:
        if name in spec.used or name in spec.ignored:
            continue
        if name in spec.refused:
            raise FhirError(spec.refused[name], path=f"{path}.{name}")
        if name.startswith("_"):
            raise FhirError(
                f"extensions or an id of the element {name[1:]} (not carried; this tool reads no "
                "extensions of text, number or code elements)",
                path=f"{path}.{name}",
            )
        if name == "extension":
            raise FhirError(
                f"an extension on {spec.name} (not carried; this tool reads none here)",
                path=f"{path}.{name}",
            )
        reads = ", ".join(sorted(spec.used - {"resourceType"} - _ACTION_CHECKED))
        raise FhirError(
            f"an element this tool does not know on {spec.name} (not carried; it reads {reads}, "
            "and ignores only what docs/fhir.md lists)",
            path=f"{path}.{name}",
        )
    if "extension" in spec.used:
        check_extensions(element, spec, path)


def check_extensions(element: dict[str, Any], spec: Kind, path: str) -> None:
    """Each extension of ``element`` known on ``spec`` by its URL, given once (unless it may
    repeat), with exactly its value[x] or its known parts, each once."""
    extensions = element.get("extension", [])
    if not isinstance(extensions, list):
        raise FhirError("expected a list", path=f"{path}.extension")
    allowed = {_url(name): name for name in spec.extensions}
    seen: set[str] = set()
    for i, raw in enumerate(extensions):
        epath = f"{path}.extension[{i}]"
        if not isinstance(raw, dict):
            raise FhirError(f"expected an object, got {type(raw).__name__}", path=epath)
        url = raw.get("url")
        if url not in allowed:
            known = ", ".join(spec.extensions) if spec.extensions else "none"
            raise FhirError(
                f"an extension this tool does not read on {spec.name}: {str(url)[:200]!r} (not "
                f"carried; it reads here: {known})",
                path=epath,
            )
        name = allowed[url]
        definition = EXTENSIONS[name]
        if url in seen and not definition.repeats:
            raise FhirError(f"the extension {name} is given twice (give it once)", path=epath)
        seen.add(url)
        _check_extension(raw, definition, f"{path}.extension({name})")


def _check_extension(raw: dict[str, Any], definition: Extension, path: str) -> None:
    value_keys = {"url", "id"} | ({definition.value} if definition.value else {"extension"})
    for key in raw:
        if key not in value_keys:
            wanted = definition.value or "extension (its parts)"
            raise FhirError(
                f"unexpected {key} (not carried; this extension has {wanted})", path=f"{path}.{key}"
            )
    if definition.value is not None:
        if definition.value not in raw:
            raise FhirError(f"expected {definition.value}", path=path)
        _check_value(raw[definition.value], definition.value, f"{path}.{definition.value}")
        return
    parts = raw.get("extension")
    if not isinstance(parts, list):
        raise FhirError("expected a list of parts", path=f"{path}.extension")
    seen: set[str] = set()
    for i, part in enumerate(parts):
        ppath = f"{path}.extension[{i}]"
        if not isinstance(part, dict):
            raise FhirError(f"expected an object, got {type(part).__name__}", path=ppath)
        url = part.get("url")
        if not isinstance(url, str) or url not in definition.parts:
            known = ", ".join(definition.parts)
            raise FhirError(
                f"a part this tool does not read: {str(url)[:200]!r} (not carried; the parts "
                f"are {known})",
                path=f"{ppath}.url",
            )
        if url in seen and url not in definition.repeating_parts:
            raise FhirError(f"the part {url} is given twice (give it once)", path=ppath)
        seen.add(url)
        kind = definition.parts[url]
        for key in part:
            if key not in ("url", "id", kind):
                raise FhirError(
                    f"unexpected {key} (not carried; the part {url} has {kind})",
                    path=f"{ppath}.{key}",
                )
        if kind not in part:
            raise FhirError(f"expected {kind}", path=ppath)
        _check_value(part[kind], kind, f"{ppath}.{kind}")


#: The JSON type of each value[x] read.
_VALUE_TYPES: dict[str, type] = {
    "valueString": str,
    "valueMarkdown": str,
    "valueId": str,
    "valueCode": str,
    "valueBoolean": bool,
    "valueInteger": int,
    "valuePositiveInt": int,
    "valueQuantity": dict,
    "valueDuration": dict,
}


def _check_value(value: object, kind: str, path: str) -> None:
    wanted = _VALUE_TYPES[kind]
    if (
        not isinstance(value, wanted)
        or (wanted is int and isinstance(value, bool))
        or (kind == "valuePositiveInt" and isinstance(value, int) and value < 1)
        or (wanted is str and isinstance(value, str) and not value.strip())
    ):
        what = {str: "text", bool: "true or false", int: "a whole number", dict: "an object"}
        expected = "a whole number from 1" if kind == "valuePositiveInt" else what[wanted]
        raise FhirError(f"{kind} must be {expected}, got {value!r:.100}", path=path)
