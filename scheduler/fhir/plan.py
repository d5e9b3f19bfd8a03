"""A patient's plan (a regimen plan or a course) as a FHIR Bundle of type ``collection``: a
CarePlan whose activities are one MedicationRequest per dose rule, a ServiceRequest per blood
test and an Appointment per visit, dated exactly as the calendar is.

The choices, so a FHIR app reads the same dates as the calendar:

- **Doses**: one MedicationRequest (intent ``plan``) per dose rule of a phase. Its
  ``dosageInstruction[].timing.event`` lists every dated dose instant of the rule in the plan, in
  the patient's zone with its UTC offset (``2027-03-29T09:00:00+01:00`` after the clocks go
  forward); ``repeat.boundsPeriod`` runs from the first instant to the last, ``repeat.timeOfDay``
  holds the local clock times of rules given at fixed times (an ``every``-hours rule has
  ``frequency`` 1 per ``period`` instead: its clock time drifts with daylight saving), and
  ``repeat.duration`` how long one administration takes.
  An amount that is absolute (calculated from weight and height, or written as ``100 mg``) is a
  Quantity in ``doseAndRate``; one per kg or m² without body figures is only in the Dosage
  ``text``. A rule whose amount differs between doses gets one Dosage per amount.
- **Blood tests** are ServiceRequests (intent ``plan``, ``occurrenceDateTime`` the day of an
  all-day test or the instant of a timed one); **visits** are Appointments (status
  ``proposed``; ``start``/``end`` when timed, ``requestedPeriod`` of the days when all-day).
- **Precautions** ("no live vaccines until 12 months after the last dose") are CarePlan notes
  naming their first and last day: FHIR R5 has no activity for advice without an order.
- **Course changes**: every history entry is a CarePlan note (its time and its words). A moved
  event is at its new date; a note says from where it moved (compared with the course as first
  planned). A **cancelled** event (an omitted dose, doses after a stop) is never left out
  silently: cancelled dose instants go to a second MedicationRequest of the same rule with
  status ``cancelled`` ("withdrawn before any administrations occurred": MedicationRequest has
  no ``revoked``), so the active request's ``timing.event`` holds only doses still planned; a
  cancelled test is a ServiceRequest with status ``revoked``, a cancelled visit an Appointment
  with status ``cancelled``. Status and intent codes are from the required value sets of both
  R5 and R4B (fhir.resources checks structure and types, not these codes; the tests do).
- **What happened**: a dose recorded as given (here or elsewhere) is a MedicationAdministration
  ``completed``, at the time given and with the amount given if recorded; missed or refused is
  ``not-done`` with the reason as ``statusReason``; each refers to its MedicationRequest. A blood
  test or visit recorded as confirmed, deferred or cancelled takes that status (ServiceRequest
  ``active``/``on-hold``/``revoked``, Appointment ``booked``/``waitlist``/``cancelled``); a clinic
  dose's day status is a CarePlan note.
- **Patient**: CarePlan.subject is required; it is ``{"display": LABEL}`` with the plan's label,
  else ``{"display": "not stated"}``. No Patient resource: this tool knows no identity.
- **Ids** are UUID5s of the event UIDs (which encode regimen, plan id, cycle, day and slot, never
  a date) and rule keys, so the same plan gives the same Bundle, byte for byte with sorted keys,
  and a moved dose keeps its resource. Entries reference each other by ``urn:uuid:`` full URLs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ..arguments import need_aware, need_choice
from ..export.planned import Planned, checked_planned
from ..plan.events import ASK_SLOT, Event, asks_team
from ..regimen.amounts import parse_amount
from ..regimen.model import DoseRule, EventKind, Phase, Regimen
from ..words import plural
from . import mapping

__all__ = ["plan_to_bundle"]

#: UUID5 namespace of every resource id this module writes.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://treatment-scheduler.example/fhir/plan")
#: ServiceRequest.category for blood tests (SNOMED CT, the ServiceRequest category example set).
_LAB_CATEGORY = {
    "coding": [{"system": mapping.SNOMED, "code": "108252007", "display": "Laboratory procedure"}],
    "text": "Blood test",
}
#: A recorded clinic status as a ServiceRequest's and an Appointment's status codes.
_REQUEST_STATUS = {"confirmed": "active", "deferred": "on-hold", "cancelled": "revoked"}
_APPOINTMENT_STATUS = {"confirmed": "booked", "deferred": "waitlist", "cancelled": "cancelled"}
#: How the event's iCalendar UID is named in each resource's identifier.
_UID_TYPE = {"text": "iCalendar UID"}


def plan_to_bundle(planned: Planned, *, version: str = "r5", generated: datetime) -> dict[str, Any]:
    """``planned`` as a FHIR Bundle (JSON-ready dict) of ``version`` ``r5`` or ``r4b``.

    ``generated`` (an aware time) is the Bundle's timestamp and the CarePlan's ``created``:
    injected, so the same plan and time give the same Bundle. ArgumentError, naming the
    argument, for a ``planned`` that is not a well-formed Planned, a ``version`` other than r5
    or r4b, or a ``generated`` that is not an aware datetime.
    """
    checked_planned(planned)
    need_choice(version, "version", mapping.FHIR_VERSIONS)
    need_aware(generated, "generated")
    return _Writer(planned, version, generated).bundle()


@dataclass(frozen=True)
class _Rule:
    """The dose events of one dose rule of one phase, in plan order."""

    phase: Phase
    phase_number: int
    rule: DoseRule
    events: tuple[Event, ...]
    regimen: Regimen
    """The regimen the rule is from (a course that switched regimen holds several)."""


class _Writer:
    """One Bundle's worth of state: the plan, the version, and the ids it hands out."""

    def __init__(self, planned: Planned, version: str, generated: datetime) -> None:
        self.planned = planned
        self.r5 = version == "r5"
        self.generated = generated
        uids = [e.uid for e in planned.events]
        # The smallest event UID names the plan: it encodes regimen and plan id (or course id)
        # and is kept by every course edit (cancelled events stay in the plan).
        self.anchor = min(uids) if uids else f"{planned.regimen.id}/{planned.start.isoformat()}"
        self.subject = {"display": planned.label or "not stated"}
        self.careplan_url = self.url("CarePlan")
        self.first_planned = _first_planned(planned)

    def url(self, *parts: str) -> str:
        return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "|".join((self.anchor, *parts))))

    def bundle(self) -> dict[str, Any]:
        entries: list[tuple[str, dict[str, Any]]] = []
        for rule in self.rules():
            entries += self.medication_requests(rule)
        for event in self.planned.events:
            if event.kind == EventKind.LAB:
                entries.append(self.service_request(event))
            elif event.kind == EventKind.VISIT:
                entries.append(self.appointment(event))
        activities = [url for url, _ in entries]
        entries += self.administrations()
        careplan = self.careplan(activities)
        return {
            "resourceType": "Bundle",
            "id": _id(self.url("Bundle")),
            "type": "collection",
            "timestamp": _instant(self.generated),
            "entry": [
                {"fullUrl": url, "resource": resource}
                for url, resource in [(self.careplan_url, careplan), *entries]
            ],
        }

    # -- the CarePlan ----------------------------------------------------------------------

    def careplan(self, activities: list[str]) -> dict[str, Any]:
        regimen = self.planned.regimen
        source = regimen.source + (f" ({regimen.source_url})" if regimen.source_url else "")
        description = (
            f"{regimen.name} ({regimen.id}), planned from {self.planned.start.isoformat()} "
            f"in {self.planned.zone.key}. Source: {source}."
        )
        resource: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": _id(self.careplan_url),
            "status": "active",
            "intent": "plan",
            "title": self.planned.name,
            "description": description,
            "subject": self.subject,
            "created": _instant(self.generated),
        }
        period = self.period()
        if period:
            resource["period"] = period
        key = "plannedActivityReference" if self.r5 else "reference"
        if activities:
            resource["activity"] = [{key: {"reference": url}} for url in activities]
        notes = self.course_notes() + self.clinic_day_notes() + self.precaution_notes()
        if notes:
            resource["note"] = notes
        return resource

    def period(self) -> dict[str, str]:
        """From the first planned activity (dose, test, visit) to the end of the last."""
        active = [
            e for e in self.planned.events if not e.cancelled and e.kind != EventKind.PRECAUTION
        ]
        if not active:
            return {}
        first = min(active, key=lambda e: _sort_key(e.start))
        last = max(active, key=lambda e: _sort_key(e.end))
        return {"start": _when(first.start), "end": _when(_last(last))}

    def course_notes(self) -> list[dict[str, Any]]:
        course = self.planned.course
        if course is None:
            return []
        from ..course.wording import words

        return [
            {
                "time": _instant(entry.at.astimezone(UTC)),
                "text": f"Course change: {words(entry.change)}"
                + (f" — {entry.reason}" if entry.reason else ""),
            }
            for entry in course.history
        ]

    def administrations(self) -> list[tuple[str, dict[str, Any]]]:
        """What was recorded of each dose: a MedicationAdministration, ``completed`` (given,
        here or elsewhere) or ``not-done`` (missed, refused) with the reason."""
        from ..course.records import DOSE_STATUSES, REASONS, Status

        out = []
        records = self.planned.records
        for event in self.planned.events:
            record = records.get(event.uid)
            if event.kind != EventKind.DOSE or record is None or record.status not in DOSE_STATUSES:
                continue
            url = self.url("MedicationAdministration", event.uid)
            done = record.status in (Status.GIVEN, Status.GIVEN_ELSEWHERE)
            when = (
                _instant(record.time.astimezone(self.planned.zone))
                if record.time
                else _when(event.start)
            )
            rule = event.slot.partition(":")[2].partition("#")[0]
            request = self.url(
                *self.request_parts(self.planned.regimen_of(event), str(event.phase_number), rule),
                "active",
            )
            resource: dict[str, Any] = {
                "resourceType": "MedicationAdministration",
                "id": _id(url),
                "identifier": [{"type": _UID_TYPE, "value": event.uid}],
                "status": "completed" if done else "not-done",
                "subject": self.subject,
                "request": {"reference": request},
            }
            medication = {"text": event.drug or event.title}
            if self.r5:
                resource["medication"] = {"concept": medication}
                resource["occurenceDateTime"] = when  # sic: R5 spells it so
                resource["recorded"] = _instant(record.at.astimezone(UTC))
            else:
                resource["medicationCodeableConcept"] = medication
                resource["effectiveDateTime"] = when
            if not done:
                why = REASONS[record.reason] if record.reason else record.status.words
                resource["statusReason"] = [{"text": f"{record.status.words}: {why}"}]
            dose = (
                _absolute(str(record.amount) if record.amount else event.amount) if done else None
            )
            if dose is not None:
                resource["dosage"] = {"dose": dose}
            notes = [text for text in (
                "given by another team" if record.status is Status.GIVEN_ELSEWHERE else "",
                f"recorded by {record.by}" if record.by else "", record.note) if text]  # fmt: skip
            if notes:
                resource["note"] = [{"text": "; ".join(notes)}]
            out.append((url, resource))
        return out

    def clinic_day_notes(self) -> list[dict[str, Any]]:
        """A clinic dose confirmed, deferred or cancelled (its request is per rule, not per day)."""
        from ..course.records import CLINIC_STATUSES, record_words

        records = self.planned.records
        return [
            {"text": f"{event.title}, {_when(event.start)}: "
                     f"{record_words(record, self.planned.zone)}"}
            for event in self.planned.events
            if event.kind == EventKind.DOSE
            and (record := records.get(event.uid)) is not None
            and record.status in CLINIC_STATUSES
        ]  # fmt: skip

    def precaution_notes(self) -> list[dict[str, Any]]:
        precautions = {p.key: p for p in self.planned.regimen.precautions}
        notes = []
        live = [
            e for e in self.planned.events if e.kind == EventKind.PRECAUTION and not e.cancelled
        ]
        spans = {e.slot for e in live if not asks_team(e)}
        for event in live:
            if asks_team(event) and event.slot.removesuffix(ASK_SLOT) in spans:
                continue  # the precaution's own note says to ask the team
            key = event.slot.partition(":")[2].removesuffix(ASK_SLOT)
            precaution = precautions.get(key)
            text = f"Precaution: {event.title}, from {_day(event.start).isoformat()}"
            if not asks_team(event):
                text += f" to {_day(_last(event)).isoformat()}"
            if precaution is not None and precaution.after_last_dose is None:
                text += " (the source gives no time after the last dose: ask the team)"
            if precaution is not None and precaution.instructions:
                text += ". " + _words(precaution.instructions)
            notes.append({"text": text})
        return notes

    # -- doses -----------------------------------------------------------------------------

    def rules(self) -> list[_Rule]:
        """Each dose rule of each phase that has events in the plan, in regimen order."""
        by_rule: dict[tuple[str, int, str], list[Event]] = {}
        for event in self.planned.events:
            if event.kind == EventKind.DOSE and event.phase_number is not None:
                key = event.slot.partition(":")[2].partition("#")[0]
                made_by = self.planned.regimen_of(event).id
                by_rule.setdefault((made_by, event.phase_number, key), []).append(event)
        out = []
        for regimen in self.regimens():
            for number, phase in enumerate(regimen.phases, start=1):
                for rule in phase.doses:
                    events = by_rule.get((regimen.id, number, rule.key))
                    if events:
                        out.append(_Rule(phase, number, rule, tuple(events), regimen))
        return out

    def request_parts(self, regimen: Regimen, phase: str, rule: str) -> tuple[str, ...]:
        """What names a rule's MedicationRequest: its phase and key, and the regimen when it is
        not the one the plan follows now (two regimens may have a phase 1 rule of one key)."""
        if regimen.id == self.planned.regimen.id:
            return ("MedicationRequest", phase, rule)
        return ("MedicationRequest", regimen.id, phase, rule)

    def regimens(self) -> list[Regimen]:
        """The regimens of the plan, in the order the course followed them."""
        return list(self.planned.regimens) or [self.planned.regimen]

    def medication_requests(self, rule: _Rule) -> list[tuple[str, dict[str, Any]]]:
        """The rule's planned doses, and its cancelled ones (a cancelled request), if any."""
        out = []
        for cancelled in (False, True):
            events = [e for e in rule.events if e.cancelled == cancelled]
            if not events:
                continue
            status = "cancelled" if cancelled else "active"
            url = self.url(
                *self.request_parts(rule.regimen, str(rule.phase_number), rule.rule.key), status
            )
            out.append((url, self.medication_request(url, rule, events, cancelled)))
        return out

    def medication_request(
        self, url: str, rule: _Rule, events: list[Event], cancelled: bool
    ) -> dict[str, Any]:
        drug = rule.regimen.drug(rule.rule.drug)
        medication = {"text": drug.name}
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "id": _id(url),
            "identifier": [
                {
                    "type": {"text": "dose rule"},
                    "value": f"{rule.regimen.id}/{rule.phase_number}/{rule.rule.key}",
                }
            ],
            "status": "cancelled" if cancelled else "active",
            "intent": "plan",
            "subject": self.subject,
            "basedOn": [{"reference": self.careplan_url}],
            "dosageInstruction": self.dosages(rule, events),
        }
        if self.r5:
            resource["medication"] = {"concept": medication}
        else:
            resource["medicationCodeableConcept"] = medication
        notes: list[str] = []
        if cancelled:
            resource["statusReason"] = {"text": "Cancelled by a change to the course"}
            notes.append(
                f"{_count(len(events), 'dose')} of this rule cancelled by a change to the "
                "course (omitted or stopped) and not replaced: no longer planned."
            )
        else:
            notes += self.moved_doses(events)
        notes += [e.amount_working for e in events if e.amount_working]
        notes += [note for e in events for note in e.notes]
        if notes:
            resource["note"] = [{"text": text} for text in _unique(notes)]
        return resource

    def dosages(self, rule: _Rule, events: list[Event]) -> list[dict[str, Any]]:
        groups: dict[str | None, list[Event]] = {}
        for event in events:
            groups.setdefault(event.amount, []).append(event)
        dosages = []
        for number, (amount, group) in enumerate(groups.items(), start=1):
            dosage = self.dosage(rule, amount, group)
            if len(groups) > 1:
                dosage = {"sequence": number, **dosage}
            dosages.append(dosage)
        return dosages

    def dosage(self, rule: _Rule, amount: str | None, events: list[Event]) -> dict[str, Any]:
        dose_rule, drug = rule.rule, rule.regimen.drug(rule.rule.drug)
        instants = [e.start for e in events]
        repeat: dict[str, Any] = {
            "boundsPeriod": {"start": _when(instants[0]), "end": _when(instants[-1])}
        }
        repeat.update(_duration(dose_rule.duration))
        if dose_rule.every is None:
            clocks = sorted({_aware(e.start).time() for e in events if _timed(e)})
            if clocks:
                repeat["timeOfDay"] = [c.isoformat() for c in clocks]
        if dose_rule.every is not None:
            repeat.update(_period(dose_rule.every))
        every = f", every {_hours(dose_rule.every)}" if dose_rule.every else ""
        days = "on" if dose_rule.weekdays is not None else "cycle days"
        text = (
            f"{amount or 'Dose as prescribed'}, {drug.route_words} ({drug.route}): "
            f"{days} {dose_rule.written_as} ({rule.phase.cycle_name}s){every} "
            f"({_count(len(events), 'dose')} from {_day(instants[0]).isoformat()} "
            f"to {_day(instants[-1]).isoformat()})"
        )
        dosage: dict[str, Any] = {
            "text": text,
            "timing": {"event": [_when(i) for i in instants], "repeat": repeat},
            "route": mapping.route_concept(drug.route),
        }
        if dose_rule.instructions:
            dosage["patientInstruction"] = _words(dose_rule.instructions)
        dose = _absolute(amount)
        if dose is not None:
            dosage["doseAndRate"] = [{"doseQuantity": dose}]
        return dosage

    def moved_doses(self, events: list[Event]) -> list[str]:
        """Where doses moved by course changes came from, a line per cycle and shift."""
        shifts: dict[tuple[int | None, int | None, timedelta], list[tuple[Any, Any]]] = {}
        for event in events:
            before = self.first_planned.get(event.uid)
            if before is not None and before != event.start:
                key = (event.phase_number, event.cycle, _delta(before, event.start))
                shifts.setdefault(key, []).append((before, event.start))
        lines = []
        for (_, cycle, delta), pairs in shifts.items():
            where = f"Cycle {cycle}: " if cycle is not None else ""
            (old, new), n = pairs[0], len(pairs)
            lines.append(
                f"{where}{_count(n, 'dose')} moved {_shift(delta)} by a change to the course "
                f"(the first from {_when(old)} to {_when(new)})."
            )
        return lines

    # -- tests and visits ------------------------------------------------------------------

    def event_notes(self, event: Event) -> list[dict[str, Any]]:
        texts = list(event.notes)
        before = self.first_planned.get(event.uid)
        if before is not None and before != event.start:
            texts.insert(
                0,
                f"Moved by a change to the course from {_when(before)} to {_when(event.start)}.",
            )
        if event.cancelled:
            texts.insert(0, "Cancelled by a change to the course: no longer planned.")
        return [{"text": text} for text in _unique(texts)]

    def service_request(self, event: Event) -> tuple[str, dict[str, Any]]:
        url = self.url("ServiceRequest", event.uid)
        code = {"text": event.title}
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": _id(url),
            "identifier": [{"type": _UID_TYPE, "value": event.uid}],
            "status": "revoked"
            if event.cancelled
            else self.status(event, _REQUEST_STATUS, "active"),
            "intent": "plan",
            "category": [_LAB_CATEGORY],
            "code": {"concept": code} if self.r5 else code,
            "subject": self.subject,
            "basedOn": [{"reference": self.careplan_url}],
            "occurrenceDateTime": _when(event.start),
        }
        instructions = self.instructions(event)
        if instructions:
            resource["patientInstruction"] = (
                [{"instructionMarkdown": instructions}] if self.r5 else instructions
            )
        notes = self.event_notes(event)
        if notes:
            resource["note"] = notes
        return url, resource

    def appointment(self, event: Event) -> tuple[str, dict[str, Any]]:
        url = self.url("Appointment", event.uid)
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": _id(url),
            "identifier": [{"type": _UID_TYPE, "value": event.uid}],
            "status": "cancelled"
            if event.cancelled
            else self.status(event, _APPOINTMENT_STATUS, "proposed"),
            "description": event.title,
            "participant": [{"actor": self.subject, "status": "needs-action"}],
        }
        if _timed(event):
            resource["start"] = _instant(_aware(event.start))
            resource["end"] = _instant(_aware(event.end))
        else:
            resource["requestedPeriod"] = [
                {"start": _when(event.start), "end": _when(_last(event))}
            ]
        instructions = self.instructions(event)
        notes = self.event_notes(event)
        if self.r5:
            resource["subject"] = self.subject
            resource["basedOn"] = [{"reference": self.careplan_url}]
            if instructions:
                resource["patientInstruction"] = [{"concept": {"text": instructions}}]
            if notes:
                resource["note"] = notes
        else:
            if instructions:
                resource["patientInstruction"] = instructions
            if notes:
                resource["comment"] = " ".join(n["text"] for n in notes)
        return url, resource

    def status(self, event: Event, codes: dict[str, str], planned: str) -> str:
        """A test's or visit's status by what was recorded of it (confirmed, deferred ...)."""
        record = self.planned.records.get(event.uid)
        return codes.get(str(record.status), planned) if record is not None else planned

    def instructions(self, event: Event) -> str:
        """The instructions of the test's or visit's rule, in one paragraph."""
        key = event.slot.partition(":")[2]
        if event.phase_number is not None and event.phase_number <= len(
            self.planned.regimen.phases
        ):
            for rule in self.planned.regimen.phases[event.phase_number - 1].events:
                if rule.key == key:
                    return _words(rule.instructions)
        for course_rule in self.planned.regimen.course_events:
            if course_rule.key == key:
                return _words(course_rule.instructions)
        return ""


def _first_planned(planned: Planned) -> dict[str, date | datetime]:
    """For a course: the start, as the course was first planned, of each event a change moved."""
    return {e.uid: e.moved_from for e in planned.events if e.moved_from is not None}


def _absolute(amount: str | None) -> dict[str, Any] | None:
    """A Quantity for an absolute amount (``690 mg``); None for ``375 mg/m²`` or no amount."""
    if amount is None:
        return None
    try:
        parsed = parse_amount(amount)
    except ValueError:
        return None
    return mapping.quantity(parsed) if parsed.per is None else None


def _timed(event: Event) -> bool:
    return isinstance(event.start, datetime) and not event.all_day


def _aware(value: date | datetime) -> datetime:
    assert isinstance(value, datetime)
    return value


def _when(value: date | datetime) -> str:
    """A FHIR dateTime: the date of an all-day event, else the instant with its UTC offset."""
    if isinstance(value, datetime):
        return _instant(value)
    return value.isoformat()


def _instant(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _last(event: Event) -> date | datetime:
    """The end of a timed event; the last day of an all-day one (iCalendar's end is exclusive)."""
    if isinstance(event.end, datetime):
        return event.end
    return max(event.start, event.end - timedelta(days=1))


def _sort_key(value: date | datetime) -> tuple[date, time]:
    if isinstance(value, datetime):
        utc = value.astimezone(UTC)
        return utc.date(), utc.time()
    return value, time()


def _delta(before: date | datetime, after: date | datetime) -> timedelta:
    if isinstance(before, datetime) and isinstance(after, datetime):
        # By the clock: a cycle moved 7 days across a clock change moved 7 days, not 7 days 1 h.
        return after.replace(tzinfo=None) - before.replace(tzinfo=None)
    return _day(after) - _day(before)


def _shift(delta: timedelta) -> str:
    later = delta >= timedelta(0)
    size = abs(delta)
    whole_days = size % timedelta(days=1) == timedelta(0)
    text = _count(size.days, "day") if whole_days else _hours(size)
    return f"{text} {'later' if later else 'earlier'}"


def _hours(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if minutes == 0:
        return _count(hours, "hour")
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _duration(value: timedelta) -> dict[str, Any]:
    """Timing.repeat duration and unit: whole hours in ``h``, else minutes."""
    minutes = int(value.total_seconds() // 60)
    if minutes <= 0:
        return {}
    if minutes % 60 == 0:
        return {"duration": minutes // 60, "durationUnit": "h"}
    return {"duration": minutes, "durationUnit": "min"}


def _period(value: timedelta) -> dict[str, Any]:
    """Timing.repeat for "every N hours": once per period, in whole hours or minutes."""
    minutes = int(value.total_seconds() // 60)
    if minutes % 60 == 0:
        return {"frequency": 1, "period": minutes // 60, "periodUnit": "h"}
    return {"frequency": 1, "period": minutes, "periodUnit": "min"}


def _count(n: int, noun: str) -> str:
    return plural(n, noun)


def _words(text: str) -> str:
    return " ".join(text.split())


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _id(url: str) -> str:
    return url.removeprefix("urn:uuid:")
