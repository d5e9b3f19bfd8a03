"""The ``scheduler`` command: parse arguments, call the library, print. Nothing clever here.

One module per command group (plan.py: regimens, show, plan, validate, schema; course.py: the
course edits; check.py: check and diff; batch.py: batch; feed.py: serve and the feed tokens).
Every domain error becomes one line, ``Error: ...``, on stderr with exit code 1; usage errors
(a missing option, a non-number) one line with exit code 2. No tracebacks, whatever the input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from ..errors import OutputError, PlanError, PublishError, SchedulerError, StoreError
from ..words import one_line
from .help import HELP_OPTIONS, Group

__all__ = ["app", "main", "run", "version"]

_SETTINGS: dict[str, Any] = {
    "help": "Turn a treatment regimen into a dated dose calendar (.ics) for calendar apps.",
    "cls": Group,
    "context_settings": HELP_OPTIONS,
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
}
app = typer.Typer(**_SETTINGS)


def version() -> str:
    """The installed package's version (its metadata), else the source tree's ``__version__``."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("treatment-scheduler")
    except PackageNotFoundError:
        import scheduler

        return str(getattr(scheduler, "__version__", "unknown"))


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"treatment-scheduler {version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Turn a treatment regimen into a dated dose calendar (.ics) for calendar apps."""


#: How the library's plan fields are spelled on the command line.
FLAGS = {
    "start": "--start",
    "zone": "--tz",
    "cycles": "--cycles",
    "until": "--until",
    "dose_time": "--time",
    "plan_id": "--plan-id",
    "remind": "--remind",
    "format": "--format",
    "recurrence": "--recurrence",
    "label": "--label",
    "days": "--days",
    "cycle": "--cycle",
    "day": "--day",
    "slot": "--slot",
    "drug": "--drug",
    "phase": "--phase",
    "to": "--to",
    "after": "--after",
    "from": "--from",
    "time": "--time",
    "dates": "--date",
    "holidays": "--holidays",
    "weekdays": "--weekday",
    "caldav": "--caldav",
    "calendar": "--calendar",
    "user": "--user",
    "password_env": "--password-env",
    "timeout": "--timeout",
    "prior": "--prior",
    "contact": "--contact",
    "weight": "--weight",
    "height": "--height",
    "bsa": "--bsa",
    "gfr": "--gfr",
    "creatinine": "--creatinine",
    "age": "--age",
    "sex": "--sex",
    "reason": "--reason",
    "by": "--by",
    "note": "--note",
    "percent": "--percent",
    "store": "--store",
}
#: Errors about more than one option end with what to give instead.
HINTS = {
    "bound": "give --cycles N or --until YYYY-MM-DD",
    "force": "use --force to replace it",
    "insecure": "or --insecure to send it anyway",
}

from . import batch, check, course, feed, fhir, plan, store, users  # noqa: E402  (registers the commands on app)

del batch, check, course, feed, fhir, plan, store, users

from . import publish  # noqa: E402  (the CalDAV command; its client is imported when run)

del publish


def message(err: SchedulerError) -> str:
    """The one line for ``err``, naming the option at fault the way this command spells it."""
    text = str(err)
    field = (
        err.field if isinstance(err, PlanError | OutputError | PublishError | StoreError) else None
    )
    if field in HINTS:
        return f"{text} ({HINTS[field]})"
    flag = FLAGS.get(field) if field else None
    if field is None or flag is None or text.startswith("--"):
        return text
    if text.startswith(f"{field} "):
        return flag + text[len(field) :]
    return f"{flag}: {text}"


def _command(argv: list[str]) -> Any:
    """The click command for ``argv``: when it names a top-level command, the app with only
    that command in it (Typer builds every parameter of every command it holds on each run:
    about 15 ms of each ``plan`` for the thirty commands it would not run); else the whole app,
    for the top-level help and for the message about an unknown command."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or not (commands or groups):
        return typer.main.get_command(app)
    only = typer.Typer(**_SETTINGS)
    only.registered_callback = app.registered_callback
    only.registered_commands = commands
    only.registered_groups = groups
    return typer.main.get_command(only)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    command = _command(sys.argv[1:] if argv is None else argv)
    try:
        with _warnings_as_lines():
            result = command.main(args=argv, prog_name="scheduler", standalone_mode=False)
    except SchedulerError as err:
        _error(message(err))
        return 1
    except typer.TyperException as err:
        # Typer's (vendored click's) usage errors: a missing option, a non-number, ...
        ctx = getattr(err, "ctx", None)
        if type(err).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help(), err=True)
            return 2
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(err.format_message().replace("\n", " ") + hint)
        return int(getattr(err, "exit_code", 2))
    except typer.Abort:
        _error("aborted")
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        _error("out of memory: the input is too large")
        return 1
    except OSError as err:
        _error(f"{err.filename + ': ' if err.filename else ''}{err.strerror or err}")
        return 1
    except Exception as err:  # a bug: still one line, and a distinct exit code to report
        _error(f"internal error ({type(err).__name__}: {err}); please report this")
        return 70
    return result if isinstance(result, int) else 0


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """The library's warnings (a course file others can read) as one ``Warning:`` line each on
    stderr, once per message, instead of Python's two-line form with a source line."""
    import warnings

    from ..errors import PrivacyWarning

    said: set[str] = set()

    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        text = one_line(str(message))
        if text not in said:
            said.add(text)
            sys.stderr.write(f"Warning: {text}\n")

    with warnings.catch_warnings():
        warnings.simplefilter("always", PrivacyWarning)
        warnings.showwarning = show
        yield


def _error(text: str) -> None:
    try:
        sys.stderr.write(f"Error: {one_line(text)}\n")
        sys.stderr.flush()
    except OSError:
        pass


def run() -> None:
    sys.exit(main())
