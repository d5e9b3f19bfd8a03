"""``scheduler users ...``: the clinic app's staff accounts, in the store's database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ..errors import PlanError
from . import app
from .common import StoreOpt
from .help import Group

users_app = typer.Typer(
    help="Staff accounts of the clinic app (scheduler serve --store ...): add, passwd, disable, "
    "list.",
    no_args_is_help=True,
    cls=Group,
)
app.add_typer(users_app, name="users")

Name = Annotated[str, typer.Argument(metavar="NAME", help="The user name, e.g. nurse.a.")]
PasswordEnv = Annotated[
    str | None,
    typer.Option(
        metavar="VAR",
        help="Read the password from this environment variable (default: ask for it twice).",
    ),
]


def _accounts(store: str | None):  # type: ignore[no-untyped-def]
    from ..store import open_store
    from ..store.accounts import Accounts
    from ..store.courses import SqlStore

    chosen = open_store(store) if store else None
    if not isinstance(chosen, SqlStore):
        raise PlanError("give --store URL: accounts live in a database (sqlite:///clinic.db)")
    return Accounts(chosen)


def _password(env: str | None) -> str:
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise PlanError(f"--password-env: ${env} is not set")
        return value
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        raise PlanError("the two passwords differ: nothing was changed")
    return str(first)


@users_app.command("add")
def users_add_command(name: Name, store: StoreOpt = None, password_env: PasswordEnv = None) -> None:
    """Add a member of staff who can sign in to the clinic app.

    Example: scheduler users add nurse.a --store sqlite:///clinic.db
    """
    accounts = _accounts(store)
    accounts.add(name, _password(password_env))
    typer.echo(f"Added {name}.")


@users_app.command("passwd")
def users_passwd_command(
    name: Name, store: StoreOpt = None, password_env: PasswordEnv = None
) -> None:
    """Set a new password (and enable the account again); the user's sessions end.

    Example: scheduler users passwd nurse.a --store sqlite:///clinic.db
    """
    accounts = _accounts(store)
    accounts.set_password(name, _password(password_env))
    typer.echo(f"New password set for {name}; their sessions have ended.")


@users_app.command("disable")
def users_disable_command(name: Name, store: StoreOpt = None) -> None:
    """Stop a user signing in; their sessions end at once.

    Example: scheduler users disable nurse.a --store sqlite:///clinic.db
    """
    _accounts(store).disable(name)
    typer.echo(f"Disabled {name}; their sessions have ended.")


@users_app.command("list")
def users_list_command(store: StoreOpt = None) -> None:
    """The staff accounts.

    Example: scheduler users list --store sqlite:///clinic.db
    """
    for name, disabled in _accounts(store).users():
        typer.echo(f"{name}{'  (disabled)' if disabled else ''}")
