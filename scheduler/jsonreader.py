"""The one JSON reader (FHIR files today): bounded reading, and every way JSON can say something
other than what a reader sees refused in one line naming the JSON path.

``json.loads`` alone accepts a key given twice (the last wins: another reader may take the
first), numbers of any length (5,000 digits stop Python's int conversion with a ValueError),
``NaN`` and ``Infinity`` (not JSON), ``1e999`` (read as infinity) and lone UTF-16 surrogates
(``"\\ud800"``: not a character, so it fails later, wherever the text is written). Here each is
an error naming where it is (``PlanDefinition.action[0].id``), as is nesting deeper than
:data:`MAX_DEPTH`. :func:`check_json_value` applies the same checks to a value a library caller
built (a dict), so the FHIR importer sees the same well-formed JSON either way.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .arguments import need, need_text, need_whole
from .errors import FileError
from .files import read_text

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "check_json_value", "parse_json", "read_json"]

#: Objects and arrays nested deeper than this are refused (a PlanDefinition needs about 20).
MAX_DEPTH = 64
#: The longest number literal read: no count, day, duration or dose needs more characters.
MAX_NUMBER_CHARS = 64

_HUGE = 10**MAX_NUMBER_CHARS
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _Refused:
    """What a parse hook returns for a number it refuses; found (with its path) by the walk."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _Repeated(dict[str, Any]):
    """An object that gave a key twice (the walk names the key's path)."""

    repeated: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            repeated = _Repeated(pairs)
            repeated.repeated = key
            return repeated
        result[key] = value
    return result


def _number(text: str) -> int | float | _Refused:
    if len(text) > MAX_NUMBER_CHARS:
        return _Refused(
            f"a number of {len(text):,} characters (at most {MAX_NUMBER_CHARS}: no count, day, "
            "duration or dose needs more)"
        )
    if any(c in text for c in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            return _Refused(f"{text} is too large to be a number here (not finite)")
        return value
    return int(text)


def _constant(text: str) -> _Refused:
    return _Refused(f"{text} is not a JSON number (give a finite number)")


def parse_json(
    text: str, *, origin: str, error: type[FileError] = FileError, root: str = "$"
) -> Any:
    """The value of the JSON ``text``; ``origin`` names it in errors and ``root`` starts every
    JSON path (``PlanDefinition`` for a FHIR PlanDefinition).

    Raises ``error`` in one line for a syntax error (with its line and column), and, naming the
    JSON path, for a key given twice in one object, a number literal longer than
    :data:`MAX_NUMBER_CHARS` characters or not finite (``NaN``, ``Infinity``, ``1e999``), a
    lone surrogate in a string or a key, and nesting deeper than :data:`MAX_DEPTH`.
    ArgumentError if ``text`` or ``origin`` is not text.
    """
    need(text, str, "text", "the JSON text (a str: decode bytes as UTF-8 first)")
    need(origin, str, "origin", "text (a str)")
    try:
        value = json.loads(
            text.removeprefix("\ufeff"),
            object_pairs_hook=_pairs,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as err:
        raise error(
            f"is not JSON: {err.msg} (line {err.lineno}, column {err.colno})", file=origin
        ) from None
    except RecursionError:
        raise error(
            f"is not JSON this tool reads: nested deeper than {MAX_DEPTH} levels", file=origin
        ) from None
    check_json_value(value, origin=origin, error=error, root=root)
    return value


def read_json(
    path: str | Path,
    *,
    limit: int,
    what: str = "JSON file",
    error: type[FileError] = FileError,
    root: str = "$",
) -> Any:
    """:func:`parse_json` of the regular file at ``path``, read as UTF-8 and at most ``limit``
    bytes (:func:`scheduler.files.read_text`)."""
    need_whole(limit, "limit", 1, 1 << 40)
    text = read_text(path, limit=limit, what=what, error=error)
    return parse_json(text, origin=str(path), error=error, root=root)


def _render(path: tuple[Any, ...]) -> str:
    """``(("PlanDefinition",), "action", 0, "id")`` as ``PlanDefinition.action[0].id``."""
    parts: list[str] = []
    node: Any = path
    while node:
        node, key = node
        if not node:  # the root: its name as given
            parts.append(key)
        elif isinstance(key, int):
            parts.append(f"[{key}]")
        elif _NAME.fullmatch(key):
            parts.append(f".{key}")
        else:
            parts.append(f"[{json.dumps(key)}]")
    return "".join(reversed(parts))


def check_json_value(
    value: object, *, origin: str, error: type[FileError] = FileError, root: str = "$"
) -> None:
    """Refuse what :func:`parse_json` refuses in a value built in memory: besides the checks
    there, anything that is not JSON (only dicts with text keys, lists, text, whole and finite
    numbers, booleans and None). Walks iteratively, in document order, so the first problem of
    the file is the one named."""
    need(origin, str, "origin", "text (a str)")
    need_text(root, "root", most=100)
    # A path is a linked list (parent, key), rendered only for an error.
    stack: list[tuple[object, tuple[Any, ...], int]] = [(value, ((), root), 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                raise error(_surrogate(found.group()), file=origin, path=_render(path))
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            if not -_HUGE < item < _HUGE:
                raise error(
                    f"a number of more than {MAX_NUMBER_CHARS} digits", file=origin,
                    path=_render(path),
                )  # fmt: skip
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise error(
                    f"{item} is not a JSON number (give a finite number)", file=origin,
                    path=_render(path),
                )  # fmt: skip
        elif isinstance(item, _Refused):
            raise error(item.message, file=origin, path=_render(path))
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise error(
                    f"nested deeper than {MAX_DEPTH} levels (objects and arrays)",
                    file=origin,
                    path=_render(path),
                )
            if isinstance(item, _Repeated):
                raise error(
                    "given twice in one object (readers differ on which one counts: give it once)",
                    file=origin,
                    path=_render((path, item.repeated)),
                )
            children: list[tuple[object, tuple[Any, ...], int]] = []
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise error(
                            f"a key must be text, got {type(key).__name__} {key!r}",
                            file=origin,
                            path=_render(path),
                        )
                    found = _SURROGATE.search(key)
                    if found:
                        raise error(
                            f"a key {_surrogate(found.group())}", file=origin, path=_render(path)
                        )
                    children.append((child, (path, key), depth + 1))
            else:
                children = [(child, (path, i), depth + 1) for i, child in enumerate(item)]
            stack.extend(reversed(children))
        else:
            raise error(
                f"not a JSON value: {type(item).__name__} (objects, arrays, text, numbers, "
                "true, false and null)",
                file=origin,
                path=_render(path),
            )


def _surrogate(char: str) -> str:
    return (
        f"contains a lone surrogate \\u{ord(char):04x}, which is not a character "
        "(the text was cut or mis-encoded: give it as UTF-8 text)"
    )
