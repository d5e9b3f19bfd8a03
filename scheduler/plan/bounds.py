"""The limits every plan stays within, so that no input makes the engine run away.

Dates: plans start and end between :data:`FIRST_DATE` and :data:`LAST_DATE` (calendar apps
misread dates before 1601 or after 4500; a treatment plan never needs more). Size: at most
:data:`MAX_EVENTS` events, estimated *before* a cycle is expanded, so a refusal costs nothing.
"""

from __future__ import annotations

from datetime import date

__all__ = ["FIRST_DATE", "LAST_DATE", "MAX_EVENTS"]

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
#: Refuse plans larger than this: a runaway --until is a mistake, not a calendar.
MAX_EVENTS = 100_000
