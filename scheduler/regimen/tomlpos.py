"""Line numbers for field paths in a TOML text, so that schema errors can say "file:line".

``tomllib`` returns plain dicts without positions; this reads the text once more, line by line,
and records where each table and key starts, keyed by the same paths the loader uses in its
messages (``phases[0].doses[1].days``). It is deliberately approximate: keys inside inline
tables map to the line of their parent key, which is where a person would look anyway.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from ..errors import FileError

__all__ = ["LineIndex", "load_toml"]

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
    """Parse TOML; a syntax error becomes ``error`` naming the file, the line and the column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        if match:
            message = message[: match.start()].strip() + f" (column {match.group(2)})"
        raise error(f"not valid TOML: {message}", file=origin, line=line) from err
