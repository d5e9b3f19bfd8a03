"""The one TOML reader for regimen and course files: parsing with file:line:column errors,
line numbers for field paths, and typed field access whose errors say file, line, field path,
what is wrong and what is allowed ("did you mean 'cycle_days'?").

Line numbers: ``tomllib`` returns plain dicts without positions; this reads the text once more, line by line,
and records where each table and key starts, keyed by the same paths the loader uses in its
messages (``phases[0].doses[1].days``). It is deliberately approximate: keys inside inline
tables map to the line of their parent key, which is where a person would look anyway.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from .arguments import need
from .errors import FileError

__all__ = ["LineIndex", "TableReader", "load_toml", "show"]

_T = TypeVar("_T")

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


class LineIndex:
    """Maps field paths of one TOML document to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        counters: dict[str, int] = {}
        table = ""
        in_multiline: str | None = None
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if in_multiline in line:
                    in_multiline = None
                continue
            if depth > 0:
                depth += _bracket_balance(line)
                continue
            header = _HEADER.match(line)
            if header:
                names = _split_key(header.group(2))
                table = self._resolve(names, counters, array=header.group(1) == "[[")
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                path = ".".join([table, *_split_key(key.group(1))]).lstrip(".")
                self._lines.setdefault(path, number)
                rest = line[key.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) == 1:
                        in_multiline = quote
                depth = max(0, _bracket_balance(rest))

    def _resolve(self, names: list[str], counters: dict[str, int], *, array: bool) -> str:
        path = ""
        for i, name in enumerate(names):
            path = f"{path}.{name}" if path else name
            last = i == len(names) - 1
            if last and array:
                index = counters.get(path, -1) + 1
                counters[path] = index
                # A new element restarts the numbering of the arrays nested inside it.
                for key in [k for k in counters if k.startswith(f"{path}[{index}]")]:
                    del counters[key]
                path = f"{path}[{index}]"
            elif path in counters:
                path = f"{path}[{counters[path]}]"
        return path

    def line_of(self, path: str) -> int | None:
        """The line where ``path`` (or its nearest recorded parent) is written; None if unknown."""
        candidate = path
        while candidate:
            if candidate in self._lines:
                return self._lines[candidate]
            cut = max(candidate.rfind("."), candidate.rfind("["))
            candidate = candidate[:cut] if cut > 0 else ""
        return None


def _bracket_balance(text: str) -> int:
    stripped = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return stripped.count("[") - stripped.count("]")


def load_toml(text: str, origin: str, error: type[FileError]) -> dict[str, Any]:
    """Parse TOML; a syntax error becomes ``error`` naming the file, the line and the column.
    ArgumentError if ``text`` or ``origin`` is not text (bytes: decode them as UTF-8 first)."""
    need(text, str, "text", "the TOML text (a str: decode bytes as UTF-8 first)")
    need(origin, str, "origin", "text (a str)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        if match:
            message = message[: match.start()].strip() + f" (column {match.group(2)})"
        raise error(f"not valid TOML: {message}", file=origin, line=line) from err
    except RecursionError:
        raise error(
            "not valid TOML for this tool: lists or tables are nested too deeply", file=origin
        ) from None
    except ValueError:  # tomllib's int() of a number of over 4,300 digits (not a TOMLDecodeError)
        found = re.search(r"[0-9_]{4300,}", text)
        raise error(
            "not valid TOML for this tool: a number of thousands of digits (no field takes more "
            "than a few)",
            file=origin,
            line=text.count("\n", 0, found.start()) + 1 if found else None,
        ) from None


def show(value: Any) -> str:
    """A value as a person wrote it in TOML, for messages."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


class TableReader:
    """Typed access to the tables of one parsed TOML document.

    Every failure is ``error`` (a FileError) naming the file, the line of the field, the field
    path and what is allowed. Subclasses (the regimen loader, the course reader) add the rules
    of their format.
    """

    error: type[FileError] = FileError

    def __init__(self, origin: str, text: str) -> None:
        self.origin = origin
        self._text = text
        self._index: LineIndex | None = None

    def line_of(self, path: str) -> int | None:
        if self._index is None:
            self._index = LineIndex(self._text)
        return self._index.line_of(path)

    def fail(self, path: str, message: str) -> NoReturn:
        raise self.error(message, file=self.origin, line=self.line_of(path), path=path or None)

    @staticmethod
    def join(path: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
        """Refuse fields the format does not have, suggesting the closest allowed one."""
        for key in table:
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.fail(
                    self.join(path, key),
                    f"unknown field {key!r} ({hint}allowed here: {', '.join(allowed)})",
                )

    def required(self, table: dict[str, Any], key: str, path: str, what: str) -> Any:
        if key not in table:
            self.fail(path or key, f"missing required field {key!r} ({what})")
        return table[key]

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        what: str = "a text",
    ) -> str:
        """A string field; required ones must not be blank."""
        value = table.get(key)
        where = self.join(path, key)
        if value is None:
            if required:
                self.fail(path or key, f"missing required field {key!r} ({what})")
            return ""
        if not isinstance(value, str):
            self.fail(where, f"expected {what} in quotes, got {show(value)}")
        if required and not value.strip():
            self.fail(where, "must not be empty")
        return value

    def integer(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        low: int,
        high: int,
        what: str = "a whole number",
    ) -> int | None:
        """A whole number from ``low`` to ``high``; true/false, "2" and 3.5 are refused."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(self.join(path, key), f"expected {what} (no quotes), got {show(value)}")
        if not low <= value <= high:
            self.fail(
                self.join(path, key), f"{what} must be from {low:,} to {high:,}, got {value:,}"
            )
        return value

    def number(self, table: dict[str, Any], key: str, path: str, *, what: str) -> Decimal | None:
        """A number (integer or decimal, no quotes) as an exact Decimal."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(
                self.join(path, key), f"expected {what} (a number, no quotes), got {show(value)}"
            )
        number = Decimal(str(value))
        if not number.is_finite():
            self.fail(self.join(path, key), f"expected {what}, got {show(value)}")
        return number

    def day(self, value: Any, path: str, what: str = "a date like 2027-01-04") -> date:
        """A TOML date (2027-01-04, no quotes, no time)."""
        if isinstance(value, datetime):
            self.fail(path, f"expected {what} without a time, got {value.isoformat()}")
        if not isinstance(value, date):
            self.fail(path, f"expected {what} (no quotes), got {show(value)}")
        return value

    def boolean(self, table: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(self.join(path, key), f"expected true or false, got {show(value)}")
        return value

    def table(self, value: Any, path: str, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a table ({what}), got {show(value)}")
        return value

    def tables(self, table: dict[str, Any], key: str, path: str, what: str) -> list[dict[str, Any]]:
        value = table.get(key, [])
        where = self.join(path, key)
        if not isinstance(value, list):
            self.fail(where, f"expected a list of tables ([[{where}]] sections, {what})")
        return [self.table(item, f"{where}[{i}]", what) for i, item in enumerate(value)]

    def items(self, table: dict[str, Any], key: str, path: str, what: str) -> list[Any]:
        """A list field (a single value is refused: write it in brackets)."""
        value = table.get(key, [])
        if not isinstance(value, list):
            self.fail(
                self.join(path, key), f"expected a list of {what} in [brackets], got {show(value)}"
            )
        return value

    def parsed(self, parse: Callable[[Any], _T], value: Any, path: str) -> _T:
        """``parse(value)``; its ValueError becomes a message at ``path``."""
        try:
            return parse(value)
        except ValueError as err:
            self.fail(path, str(err))
