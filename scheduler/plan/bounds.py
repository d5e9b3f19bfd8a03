"""The limits every plan stays within, so that no input makes the engine run away.

Dates: plans start and end between :data:`FIRST_DATE` and :data:`LAST_DATE` (calendar apps
misread dates before 1601 or after 4500; a treatment plan never needs more). Size: at most
:data:`MAX_EVENTS` events, estimated *before* a cycle is expanded, so a refusal costs nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from ..errors import PlanError

__all__ = ["FIRST_DATE", "LAST_DATE", "MAX_EVENTS", "check_date"]

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
#: Refuse plans larger than this: a runaway --until is a mistake, not a calendar.
MAX_EVENTS = 100_000


def check_date(value: object, field: str) -> date:
    """``value`` if it is a date (not a datetime) from FIRST_DATE to LAST_DATE; else PlanError."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise PlanError(
            f"{field} must be a date such as date(2027, 1, 4), not {type(value).__name__} {value!r}",
            field=field,
        )
    if not FIRST_DATE <= value <= LAST_DATE:
        raise PlanError(
            f"{field} {value.isoformat()} is outside the dates this tool plans "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})",
            field=field,
        )
    return value
