"""The small FHIR vocabulary the regimen and plan mappings share: versions, routes, quantities.

Every function returns or reads plain JSON-ready dicts (FHIR JSON), so the mappings need no FHIR
library; :func:`validate` checks a resource with ``fhir.resources`` (the optional ``fhir``
extra), imported only when called.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..arguments import describe, need
from ..errors import ArgumentError, FhirError
from ..regimen.amounts import AUC, UNITS, Amount, parse_amount
from ..regimen.model import ROUTES

__all__ = [
    "DAYS_OF_CYCLE_URL",
    "EXTENSION_BASE",
    "FHIR_VERSIONS",
    "ROUTE_SYSTEM",
    "SNOMED",
    "UCUM",
    "amount_from_quantity",
    "quantity",
    "route_concept",
    "route_from_concept",
    "validate",
]

#: FHIR releases we write and validate: R5 (the default) and R4B for R4-era guides.
FHIR_VERSIONS = ("r5", "r4b")

#: The core extension for the cycle days of an action (1 = the cycle's first day).
DAYS_OF_CYCLE_URL = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"

#: Our own extensions live under this base (one StructureDefinition name each).
EXTENSION_BASE = "https://treatment-scheduler.example/fhir/StructureDefinition/"

#: Our route keys (:data:`scheduler.regimen.model.ROUTES`) as a code system of our own.
ROUTE_SYSTEM = "https://treatment-scheduler.example/fhir/CodeSystem/route"

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"

#: SNOMED CT route-of-administration codes, each checked against published value sets (the
#: SNOMED route list of the FHIR route-codes example binding, as reproduced in public FHIR
#: implementation guides). Inhaled and radiotherapy have none we could verify, so they carry only
#: our own coding: a guessed code would be worse than none.
_SNOMED_ROUTES: dict[str, tuple[str, str]] = {
    "oral": ("26643006", "Oral route"),
    "intravenous": ("47625008", "Intravenous route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
    "intramuscular": ("78421000", "Intramuscular route"),
    "intrathecal": ("72607000", "Intrathecal route"),
    "intravesical": ("372471009", "Intravesical route"),
    "topical": ("6064005", "Topical route"),
    "transdermal": ("45890007", "Transdermal route"),
    "sublingual": ("37839007", "Sublingual route"),
    "rectal": ("37161004", "Per rectum"),
    "vaginal": ("16857009", "Per vagina"),
}

#: Our absolute units that have an exact UCUM code.
_UCUM_BASE = {"mg": "mg", "g": "g", "mcg": "ug", "ml": "mL", "iu": "[iU]"}
_UCUM_PER = {"kg": "kg", "m2": "m2"}
#: A target AUC (carboplatin's "AUC 6") in UCUM: mg·min/mL.
_UCUM_AUC = "mg.min/mL"


def route_concept(route_key: str) -> dict[str, Any]:
    """A route as a CodeableConcept: our own coding, SNOMED CT where verified, the words as text."""
    if not isinstance(route_key, str) or route_key not in ROUTES:
        raise ArgumentError(
            f"route_key must be one of {', '.join(ROUTES)}, not {describe(route_key)}",
            field="route_key",
        )
    abbrev, words = ROUTES[route_key]
    codings: list[dict[str, Any]] = [
        {"system": ROUTE_SYSTEM, "code": route_key, "display": f"{route_key} ({abbrev})"}
    ]
    if route_key in _SNOMED_ROUTES:
        code, display = _SNOMED_ROUTES[route_key]
        codings.append({"system": SNOMED, "code": code, "display": display})
    return {"coding": codings, "text": words}


def route_from_concept(concept: object, path: str) -> str:
    """Our route key from a CodeableConcept: our own coding first, else a SNOMED CT code we know."""
    if not isinstance(concept, dict):
        raise FhirError("a route must be a CodeableConcept (an object)", path=path)
    codings = concept.get("coding", [])
    if not isinstance(codings, list):
        raise FhirError("coding must be a list", path=f"{path}.coding")
    by_snomed = {code: key for key, (code, _) in _SNOMED_ROUTES.items()}
    for index, coding in enumerate(codings):
        if not isinstance(coding, dict):
            raise FhirError("a coding must be an object", path=f"{path}.coding[{index}]")
        system, code = coding.get("system"), coding.get("code")
        if system == ROUTE_SYSTEM and code in ROUTES:
            return str(code)
    for coding in codings:
        if coding.get("system") == SNOMED and coding.get("code") in by_snomed:
            return by_snomed[coding["code"]]
    text = concept.get("text")
    if isinstance(text, str):
        # A route written only as text: our key, the abbreviation oncology writes, or our words.
        wanted = " ".join(text.lower().split())
        for key, (abbrev, words) in ROUTES.items():
            if wanted in (key, abbrev.lower(), words):
                return key
    known = ", ".join(sorted(ROUTES))
    raise FhirError(
        f"no route we know: a coding in {ROUTE_SYSTEM} ({known}) or a SNOMED CT route code is needed",
        path=path,
    )


def _json_number(value: Decimal) -> int | float:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def quantity(amount: Amount) -> dict[str, Any]:
    """A FHIR Quantity: UCUM system and code where the unit maps exactly, else the unit text only."""
    need(amount, Amount, "amount", "an Amount (scheduler.regimen.amounts.parse_amount)")
    result: dict[str, Any] = {"value": _json_number(amount.value), "unit": UNITS[amount.unit]}
    if amount.unit == AUC:  # a target exposure, mg/mL·min, that the Calvert formula turns into mg
        return {**result, "unit": "mg/mL·min", "system": UCUM, "code": _UCUM_AUC}
    base, per = amount.base_unit, amount.per
    if base in _UCUM_BASE and (per is None or per in _UCUM_PER):
        code = _UCUM_BASE[base] + (f"/{_UCUM_PER[per]}" if per else "")
        result["system"] = UCUM
        result["code"] = code
    return result


_FROM_UCUM = {
    **{
        _UCUM_BASE[b] + (f"/{_UCUM_PER[p]}" if p else ""): b + (f"/{p}" if p else "")
        for b in _UCUM_BASE
        for p in (None, *_UCUM_PER)
    },
    _UCUM_AUC: AUC,
}


def amount_from_quantity(data: object, path: str) -> Amount:
    """The inverse of :func:`quantity`: a UCUM code we map, else the unit text as we write it."""
    if not isinstance(data, dict):
        raise FhirError("a dose must be a Quantity (an object)", path=path)
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise FhirError(f"a dose needs a numeric value, got {value!r}", path=f"{path}.value")
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise FhirError(f"{value!r:.40} is not a number", path=f"{path}.value") from err
    if not number.is_finite() or not -12 <= number.adjusted() <= 12:
        raise FhirError(
            f"{value!r:.40} is not a dose (a finite number of at most 12 digits before and "
            "after the point)",
            path=f"{path}.value",
        )
    if data.get("system") == UCUM and data.get("code") in _FROM_UCUM:
        unit = _FROM_UCUM[data["code"]]
    elif isinstance(data.get("unit"), str):
        unit = data["unit"]
    else:
        raise FhirError("a dose needs a unit (UCUM code or unit text)", path=f"{path}.unit")
    try:
        return parse_amount(f"{number:f} {unit}")
    except ValueError as err:
        raise FhirError(str(err), path=path) from err


def validate(resource: dict[str, Any], version: str = "r5") -> None:
    """Check a resource with the ``fhir.resources`` models of ``version``; FhirError if invalid.

    Raises FhirError naming the first invalid element, or saying how to install the extra.
    """
    if version not in FHIR_VERSIONS:
        raise FhirError(f"unknown FHIR version {version!r} (allowed: {', '.join(FHIR_VERSIONS)})")
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(kind, str) or not kind.isalpha():
        raise FhirError("a resource needs a resourceType", path="resourceType")
    try:
        import importlib

        package = "fhir.resources" if version == "r5" else "fhir.resources.R4B"
        module = importlib.import_module(f"{package}.{kind.lower()}")
    except ModuleNotFoundError as err:
        if err.name is not None and err.name.startswith("fhir"):
            if err.name in ("fhir", "fhir.resources"):
                raise FhirError(
                    "validating FHIR needs fhir.resources: pip install 'treatment-scheduler[fhir]'"
                ) from err
            raise FhirError(f"unknown resourceType {kind!r}", path="resourceType") from err
        raise
    model = getattr(module, kind, None)
    if model is None:
        raise FhirError(f"unknown resourceType {kind!r}", path="resourceType")
    try:
        model.model_validate(resource)
    except Exception as err:  # pydantic.ValidationError; pydantic is imported only with the extra
        errors = getattr(err, "errors", None)
        if callable(errors):
            first = errors()[0]
            where = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}"
                for part in first.get("loc", ())
            ).lstrip(".")
            raise FhirError(str(first.get("msg", err)), path=f"{kind}.{where}") from err
        raise FhirError(str(err).splitlines()[0], path=kind) from err
