"""``scheduler store ...``: moving a clinic's courses between course files and a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import PlanError
from ..words import plural
from . import app
from .common import StoreOpt, store_of
from .help import Group

store_app = typer.Typer(
    help="A clinic's courses in a database (--store sqlite:///clinic.db or postgresql://...): "
    "import a folder of course files, export them back.",
    no_args_is_help=True,
    cls=Group,
)
app.add_typer(store_app, name="store")

Folder = Annotated[Path, typer.Argument(metavar="FOLDER", help="The folder of course files.")]
Force = Annotated[bool, typer.Option(help="Replace courses (or files) that are already there.")]


def _needed(store: str | None) -> str:
    if not store:
        raise PlanError("give --store URL (sqlite:///clinic.db or postgresql://user@host/db)")
    return store


@store_app.command("import")
def store_import_command(folder: Folder, store: StoreOpt = None, force: Force = False) -> None:
    """Copy every course file in FOLDER, with its feed tokens (the same links), into the store;
    each course is named by its file name without .toml. All are checked before any is written.

    Example: scheduler store import ./courses --store sqlite:///clinic.db
    """
    from ..store.transfer import import_folder

    moved = import_folder(folder, store_of(_needed(store)), force=force)
    tokens = sum(m.tokens for m in moved)
    typer.echo(f"Imported {plural(len(moved), 'course')} with {plural(tokens, 'feed token')} "
               f"from {folder}")  # fmt: skip


@store_app.command("export")
def store_export_command(folder: Folder, store: StoreOpt = None, force: Force = False) -> None:
    """Write every course in the store to FOLDER as NAME.toml, with its tokens as
    NAME.feed.toml (private files, 0600).

    Example: scheduler store export ./backup --store sqlite:///clinic.db
    """
    from ..store.transfer import export_folder

    moved = export_folder(store_of(_needed(store)), folder, force=force)
    tokens = sum(m.tokens for m in moved)
    typer.echo(f"Exported {plural(len(moved), 'course')} with {plural(tokens, 'feed token')} "
               f"to {folder}")  # fmt: skip
