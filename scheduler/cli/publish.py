"""The publish command: a course pushed into a CalDAV calendar (scheduler/publish.py does the
work; this reads the options and the password's environment variable, and reports)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ..errors import PublishError
from . import app
from .common import stamp


@app.command("publish")
def publish_command(
    course: Annotated[
        str,
        typer.Argument(metavar="COURSE", help="A course file (scheduler course new)."),
    ],
    caldav: Annotated[
        str,
        typer.Option(
            "--caldav",
            metavar="URL",
            help="The CalDAV server or account URL, e.g. https://dav.example.org/ .",
        ),
    ],
    calendar: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The calendar's display name; made if missing (default: the plan's name).",
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(metavar="NAME", help="The user name to log in as.")
    ] = (None),
    password_env: Annotated[
        str | None,
        typer.Option(
            metavar="VAR",
            help="The environment variable holding the password (never the password itself).",
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Send the password over plain http:// to another machine (refused without).",
        ),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            min=0.1,
            help="Seconds each request may take in all, its answer included (default 30).",
        ),
    ] = None,
) -> None:
    """Publish a course into a CalDAV calendar: create or update its events by UID, delete the
    events its changes removed, leave the rest alone.

    Example: scheduler publish js.toml --caldav https://dav.example.org/ --user nurse
    --password-env DAV_PASSWORD

    The password is read from the environment variable named by --password-env, never from the
    command line. Events are planned as 'scheduler plan COURSE' plans them. A second run with no
    change does nothing. A resource holding anything but one event of this course is never
    written over nor deleted (it is counted as skipped). A password goes over plain http:// only
    to this machine, unless --insecure.
    """
    from ..publish import TIMEOUT, publish_course

    password = _password(password_env, user)
    done = publish_course(course, url=caldav, calendar=calendar, user=user, password=password,
                          stamp=stamp(), timeout=TIMEOUT if timeout is None else timeout,
                          insecure=insecure)  # fmt: skip
    made = " (made)" if done.made else ""
    typer.echo(f"Published to '{done.calendar}'{made} at {done.url}: {done.summary()}")


def _password(variable: str | None, user: str | None) -> str | None:
    if variable is None:
        return None
    if user is None:
        raise PublishError("give the user name with --user too", field="password_env")
    if not variable.strip() or "=" in variable:
        raise PublishError(
            f"{variable!r} is not the name of an environment variable", field="password_env"
        )
    value = os.environ.get(variable)
    if value is None:
        raise PublishError(f"the environment variable {variable} is not set", field="password_env")
    return value
