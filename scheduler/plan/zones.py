"""Time zones by IANA name, with a clear error for names that do not exist."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import PlanError

__all__ = ["load_zone", "system_zone_name"]


def load_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``Europe/London``); PlanError naming close matches if unknown."""
    cleaned = name.strip()
    if cleaned and not cleaned.startswith(("/", ".")) and ".." not in cleaned:
        try:
            return ZoneInfo(cleaned)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    import difflib
    import zoneinfo

    close = difflib.get_close_matches(cleaned, sorted(zoneinfo.available_timezones()), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise PlanError(
        f"unknown time zone {name!r} (use an IANA name such as Europe/London or "
        f"America/New_York{hint})"
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
