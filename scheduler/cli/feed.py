"""``scheduler serve`` and the course commands for live calendars: ``course rotate-token``,
``course revoke-token`` and ``course url``."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from ..errors import OutputError, PlanError
from . import app
from .common import StoreOpt, now, store_of
from .course import CourseFile, course_app

Reader = Annotated[
    str,
    typer.Option(
        "--for", metavar="NAME", help="Whose copy: patient (default), caregiver, or another name."
    ),
]

_SUBSCRIPTION_FACTS = (
    "Give each patient one route, never both (both puts every event in the calendar twice, and "
    "the imported copy reminds on old dates after a change): SUBSCRIBE to this link for a "
    "calendar that updates itself on the app's schedule (Google every 12-24 hours, Apple and "
    "Outlook every few hours) but shows no reminders on Google, Apple or ICSx5 (set them in "
    "the app); or IMPORT an .ics (scheduler plan COURSE) for reminders, with no updates (after "
    "a change, delete the imported calendar and import the new file)."
)


@app.command("serve")
def serve_command(
    courses: Annotated[
        Path | None,
        typer.Option(
            metavar="FOLDER", help="The folder of course files (and their .feed.toml token files)."
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8080,
    days_back: Annotated[
        int, typer.Option(metavar="DAYS", help="Days of the past a feed keeps.")
    ] = 30,
    days_ahead: Annotated[
        int, typer.Option(metavar="DAYS", help="Days of the future a feed holds.")
    ] = 400,
    refresh_hours: Annotated[
        int,
        typer.Option(
            metavar="HOURS", help="How often apps are asked to poll, in hours (REFRESH-INTERVAL)."
        ),
    ] = 12,
    cache_mb: Annotated[
        int,
        typer.Option(
            metavar="MB",
            help="Memory for rendered feeds, in MB (least recently used go first; default 64, "
            "about 230 feeds of 400 days of daily doses; revalidations never need it).",
        ),
    ] = 64,
    header_timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="Seconds a client has to send a request's line and headers (then dropped).",
        ),
    ] = 10.0,
    access_log: Annotated[
        bool, typer.Option(help="Log each request to stderr (tokens are never logged).")
    ] = True,
    store: StoreOpt = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The public https address the clinic app's links start with (--store only).",
        ),
    ] = None,
    clinic_tz: Annotated[
        str, typer.Option(metavar="ZONE", help="The zone new courses default to in the app.")
    ] = "Europe/London",
) -> None:
    """Serve each course's calendar at an unguessable URL, for calendar apps to subscribe to.

    Example: scheduler serve --courses ./courses --port 8080
    (then: scheduler course url courses/js.toml --base https://feeds.example.org)
    """
    from datetime import timedelta

    from ..feed.calendar import Window
    from ..feed.run import serve
    from ..feed.server import create_app

    if (courses is None) == (not store):
        raise PlanError("give --courses FOLDER (course files) or --store URL (a database)")
    if courses is not None and not courses.is_dir():
        raise OutputError(f"--courses {courses}: not a folder of course files")
    if not 1 <= port <= 65535:
        raise PlanError(f"--port must be from 1 to 65535, got {port}")
    if not 1 <= refresh_hours <= 168:
        raise PlanError(f"--refresh-hours must be from 1 to 168, got {refresh_hours}")
    if not 1 <= cache_mb <= 65_536:
        raise PlanError(f"--cache-mb must be from 1 to 65,536, got {cache_mb}")
    if not 0.1 <= header_timeout <= 300:
        raise PlanError(f"--header-timeout must be from 0.1 to 300 seconds, got {header_timeout}")
    try:
        window = Window(back=days_back, ahead=days_ahead)
    except ValueError as err:
        raise PlanError(f"--{str(err).replace('days ', 'days-')}") from None
    if not _loopback(f"http://[{host}]/" if ":" in host else f"http://{host}/"):
        typer.echo(
            f"note: listening on {host}, not only this machine: put it behind HTTPS "
            "(a reverse proxy) before anyone subscribes",
            err=True,
        )
    import logging

    logging.basicConfig(format="%(asctime)s %(message)s", level=logging.WARNING)
    if access_log:
        logging.getLogger("scheduler.feed").setLevel(logging.INFO)
    chosen = store_of(store) if courses is None else None
    if chosen is not None:
        chosen.keys()  # a store that cannot be opened is one line now, not a log at each request
    application = create_app(courses or "", store=chosen, window=window,
                             refresh=timedelta(hours=refresh_hours), today=lambda: now().date(),
                             cache_bytes=cache_mb * 1024 * 1024)  # fmt: skip
    from ..store.courses import SqlStore

    if isinstance(chosen, SqlStore):
        from ..web.app import Settings, add_app

        base = _base(public_url, False) if public_url else ""
        add_app(application.app, chosen, settings=Settings(public_url=base, zone=clinic_tz,
                secure_cookies=base.startswith("https://")), now=now)  # fmt: skip
    where = courses if courses is not None else getattr(getattr(chosen, "db", None), "name", store)
    typer.echo(f"Serving course calendars from {where} at http://{host}:{port}/feeds/", err=True)
    serve(application, host=host, port=port, header_timeout=header_timeout)


@course_app.command("rotate-token")
def rotate_token_command(
    course: CourseFile,
    reader: Reader = "patient",
    show_label: Annotated[
        bool | None,
        typer.Option(
            "--show-label/--hide-label", help="Whether this copy's calendar shows the label."
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Give a reader a new feed token (the old URL stops working at once).

    Example: scheduler course rotate-token js.toml --for caregiver
    """
    token = store_of(store).rotate_token(str(course), reader, now=now(), show_label=show_label)
    typer.echo(f"New feed token for {token.name} of {course}; the old link no longer works.")
    typer.echo(f"Links: scheduler course url {course} --for {token.name}")


@course_app.command("revoke-token")
def revoke_token_command(
    course: CourseFile, reader: Reader = "patient", store: StoreOpt = None
) -> None:
    """Remove a reader's feed token: their calendar stops updating (404 from then on).

    Example: scheduler course revoke-token js.toml --for caregiver
    """
    store_of(store).revoke_token(str(course), reader)
    typer.echo(f"Revoked the feed token for {reader} of {course}.")


@course_app.command("url")
def url_command(
    course: CourseFile,
    reader: Reader = "patient",
    base: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The public address `scheduler serve` is reached at, behind HTTPS, e.g. "
            "https://feeds.example.org (required unless --local).",
        ),
    ] = None,
    local: Annotated[
        bool,
        typer.Option(
            help="Allow a link to this machine (default http://127.0.0.1:8080), for testing: "
            "it never works on the patient's phone."
        ),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Print the https and webcal links of a course's live calendar.

    Example: scheduler course url js.toml --base https://feeds.example.org
    """
    base = _base(base, local)
    token = store_of(store).tokens(str(course)).get(reader)
    if token is None:
        raise OutputError(
            f"{course} has no feed token for {reader!r}: "
            f"run: scheduler course rotate-token {course} --for {reader}"
        )
    link = f"{base.rstrip('/')}/feeds/{token.token}.ics"
    typer.echo(link)
    typer.echo("webcal://" + link.split("://", 1)[1])
    if link.startswith("http://") and not _loopback(base):
        typer.echo(
            "note: serve feeds over https: the link is the only key to the calendar", err=True
        )
    typer.echo(_SUBSCRIPTION_FACTS, err=True)


def _base(base: str | None, local: bool) -> str:
    """The address links start with: given, public, http(s); a loopback one only with --local."""
    where = (
        "give --base, the public https address the feed server is reached at (e.g. "
        "https://feeds.example.org)"
    )
    if base is None:
        if local:
            return "http://127.0.0.1:8080"
        raise PlanError(f"no --base: {where}; or --local for a link that works only on this "
                        "machine", field="base")  # fmt: skip
    if not base.startswith(("https://", "http://")) or any(c.isspace() for c in base):
        raise PlanError(f"--base must be an http(s) address, got {base!r}")
    if _loopback(base) and not local:
        raise PlanError(f"--base {base} is this machine: a patient's phone cannot reach it; "
                        f"{where}, or add --local to mean it", field="base")  # fmt: skip
    return base


def _loopback(base: str) -> bool:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(base).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
