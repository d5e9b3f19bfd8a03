"""Time zones by IANA name, with a clear error for names that do not exist."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import PlanError

__all__ = ["load_zone", "system_zone_name"]


#: Files in the zone database that are not zones a person lives in: "localtime" is this machine's
#: zone under another name (a calendar would say TZID:localtime), posix/ and right/ are copies.
_NOT_ZONES = ("localtime", "posixrules", "Factory")
_NOT_ZONE_PREFIXES = ("posix/", "right/")


def load_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``Europe/London``); PlanError naming close matches if unknown."""
    if not isinstance(name, str) or not name.strip():
        raise PlanError(
            "no time zone given (use an IANA name such as Europe/London or America/New_York)",
            field="zone",
        )
    cleaned = name.strip()
    if cleaned in _NOT_ZONES or cleaned.startswith(_NOT_ZONE_PREFIXES):
        raise PlanError(
            f"{name!r} is not a time zone a calendar app knows: use an IANA name such as "
            "Europe/London or America/New_York",
            field="zone",
        )
    if not cleaned.startswith(("/", ".")) and ".." not in cleaned and "\x00" not in cleaned:
        try:
            return ZoneInfo(cleaned)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    import difflib
    import zoneinfo

    names = sorted(zoneinfo.available_timezones()) if len(cleaned) <= 64 else []
    # A city as people write it ("london", "new york") is the last part of its zone's name.
    city = cleaned.lower().replace(" ", "_")
    close = [n for n in names if n.lower().rpartition("/")[2] == city][:3]
    close = close or difflib.get_close_matches(cleaned, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise PlanError(
        f"unknown time zone {name!r} (use an IANA name such as Europe/London or "
        f"America/New_York{hint})",
        field="zone",
    )


def system_zone_name() -> str | None:
    """This machine's zone as an IANA name, from $TZ or /etc/localtime, if it can be told."""
    env = os.environ.get("TZ", "").lstrip(":")
    if (env and "/" in env) or env == "UTC":
        return env
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return None
    marker = "/zoneinfo/"
    if marker in target:
        return target.split(marker, 1)[1]
    return None
