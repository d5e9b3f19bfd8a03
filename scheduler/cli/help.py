"""How the help reads: each argument by its metavar (``ID|FILE``, ``FILE.ics...``), never by
the Python type typer derives from the annotation (``<str>``, ``<list[Path]>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typer.core import TyperArgument, TyperGroup

if TYPE_CHECKING:
    from typer import _click  # typer 0.29 vendors click

__all__ = ["HELP_OPTIONS", "Group"]

#: ``-h`` as well as ``--help``, on every command (click hands it down to subcommands).
HELP_OPTIONS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class _Argument(TyperArgument):
    """An argument whose metavar says what to give; typer would add ``<type>`` after it."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return None if self.metavar else super().display_type_rich(ctx)

    def _usage_display_name(self) -> str:
        # typer adds "..." to a repeated argument's usage; a metavar such as FILE.ics... has it.
        name = super()._usage_display_name()
        if self.metavar and self.metavar.endswith("...") and name.endswith("}..."):
            return name[:-3]
        return name


class Group(TyperGroup):
    """A command group whose commands' arguments show their metavars in the help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            for param in command.params:
                if type(param) is TyperArgument:
                    param.__class__ = _Argument
