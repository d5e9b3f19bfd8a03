"""The one exception tree: every failure a user can cause is a SchedulerError with a one-line message."""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "CourseConflict",
    "CourseError",
    "FhirError",
    "FileError",
    "OutputError",
    "PlanError",
    "PlansError",
    "PrivacyWarning",
    "PublishError",
    "RegimenError",
    "SchedulerError",
    "StoreError",
    "UnknownRegimenError",
]


class SchedulerError(Exception):
    """Base of every error this package raises on purpose; `str(err)` is one line for a user."""


class FileError(SchedulerError):
    """A file the user wrote is unreadable, malformed or breaks a rule of its format.

    Carries where: the file, the 1-based line (when known) and the field path
    (``phases[0].doses[0].days``), so the message can point a clinician at the spot.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class RegimenError(FileError):
    """A regimen file is unreadable, malformed or breaks a rule of the regimen format.

    ``problems``: every independent problem found in the file, this one first (the loader
    checks each phase, rule and precaution even after another failed)."""

    problems: list[RegimenError]

    def __init__(self, message: str, **where: object) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.problems = [self]


class CourseError(FileError):
    """A course file is unreadable or malformed, or an edit to it is refused."""


class CourseConflict(CourseError):
    """A course changed after it was read: a write expecting that version is refused, so that
    no one's edit is silently lost (read it again, and redo the change on the latest version)."""


class PrivacyWarning(UserWarning):
    """Patient data that other users of the machine can read (a course file not 0600). Not an
    error: the command goes on; the CLI prints it as one ``Warning:`` line."""


class PlansError(FileError):
    """A plans file (``scheduler batch``) cannot be used as a whole: unreadable, malformed, too
    large, unknown columns, or output names that collide or leave the output folder."""


class FhirError(FileError):
    """A FHIR resource cannot be read or written: not FHIR, invalid, or a construct the regimen
    format cannot carry. ``path`` names the element (``PlanDefinition.action[0].timing``)."""


class UnknownRegimenError(SchedulerError):
    """A regimen id that is neither bundled nor a file path."""


class _FieldError(SchedulerError):
    """An error about one option, named by ``field`` so a front end can use its own spelling."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class ArgumentError(_FieldError):
    """A library function was called with an argument it cannot take: the wrong type (a str
    where a date is needed, a list where an Event is), a value outside what it allows, or text
    that cannot be written (a lone surrogate). ``field`` names the argument, and the message
    starts with it. A caller's mistake, never a user's file or option: the CLI never passes one.
    """


class PlanError(_FieldError):
    """The plan options cannot produce a calendar: no bound, bad dates, unknown zone, too large.

    ``field`` names the plan option at fault (``start``, ``cycles``, ``zone``...), so that a
    front end can point at its own spelling of it (the CLI's ``--start``) while the library's
    message stays free of any one front end's flags.
    """


class OutputError(_FieldError):
    """The result cannot be written where asked (exists and may not be replaced, unwritable...).

    ``field="force"`` when replacing it was not allowed: the front end says how to allow it.
    """


class PublishError(_FieldError):
    """A calendar cannot be published to a CalDAV server: a bad URL, no caldav client, the
    server unreachable, the login refused, or an error the server answered.

    ``field`` names the option at fault when there is one (``caldav``, ``user``,
    ``password_env``, ``calendar``).
    """


class StoreError(_FieldError):
    """A store of courses cannot be used: an unknown or malformed store URL, a database that
    cannot be reached or opened, a schema newer than this version knows, or a write that waited
    too long for another's lock (nothing written). ``field`` is ``store`` when the URL is at
    fault."""
