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
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from .arguments import describe, need, need_text, need_whole
from .errors import FileError
from .files import read_text

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_OBJECTS",
    "check_json_value",
    "parse_json",
    "read_json",
]

#: Objects and arrays nested deeper than this are refused (a PlanDefinition needs about 20).
MAX_DEPTH = 64
#: The most objects read in one file: a PlanDefinition of the largest regimen has a few hundred.
MAX_OBJECTS = 100_000
#: The most digits of a whole number read: no count, day, duration or dose needs more.
MAX_DIGITS = 64

_HUGE = 10**MAX_DIGITS
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


class _TooMany(Exception):
    """More objects than :data:`MAX_OBJECTS`: reading stops there."""


def _counting(limit: int) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """The ``object_pairs_hook`` of one reading: :func:`_pairs`, stopping after ``limit``
    objects (memory: a 5 MB file of ``{}`` would be 1.6 million dicts)."""
    count = 0

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > limit:
            raise _TooMany
        return _pairs(pairs)

    return hook


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            repeated = _Repeated(pairs)
            repeated.repeated = key
            return repeated
        result[key] = value
    return result


def _whole(text: str) -> int | _Refused:
    """``parse_int`` of the second, slower reading: only after a number of over 4,300 digits
    stopped the first (Python's int() refuses such a text, with no word of where it was)."""
    if len(text.lstrip("-")) > MAX_DIGITS:
        return _Refused(_too_long(len(text.lstrip("-"))))
    return int(text)


def _too_long(digits: int) -> str:
    return (
        f"a number of {digits:,} digits (at most {MAX_DIGITS}: no count, day, duration or "
        "dose needs more)"
    )


def _constant(text: str) -> _Refused:
    return _Refused(f"{text} is not a JSON number (give a finite number)")


def parse_json(
    text: str, *, origin: str, error: type[FileError] = FileError, root: str = "$"
) -> Any:
    """The value of the JSON ``text``; ``origin`` names it in errors and ``root`` starts every
    JSON path (``PlanDefinition`` for a FHIR PlanDefinition).

    Raises ``error`` in one line for a syntax error (with its line and column), and, naming the
    JSON path, for a key given twice in one object, a whole number of more than
    :data:`MAX_DIGITS` digits, a number that is not finite (``NaN``, ``Infinity``,
    ``1e999``), a lone surrogate in a string or a key, and nesting deeper than
    :data:`MAX_DEPTH`. ArgumentError if ``text`` or ``origin`` is not text.

    Numbers are read by the json module's own C code (a Python hook per number would make a
    5 MB file of numbers cost seconds); only a number too long for Python's int() makes it read
    the text a second time, with a hook that names where that number is.
    """
    need(text, str, "text", "the JSON text (a str: decode bytes as UTF-8 first)")
    need(origin, str, "origin", "text (a str)")
    text = text.removeprefix("\ufeff")
    try:
        try:
            value = json.loads(
                text, object_pairs_hook=_counting(MAX_OBJECTS), parse_constant=_constant
            )
        except json.JSONDecodeError:
            raise
        except ValueError:  # int() of a number of over 4,300 digits
            value = json.loads(
                text,
                object_pairs_hook=_counting(MAX_OBJECTS),
                parse_constant=_constant,
                parse_int=_whole,
            )
    except json.JSONDecodeError as err:
        raise error(
            f"is not JSON: {err.msg} (line {err.lineno}, column {err.colno})", file=origin
        ) from None
    except RecursionError:
        raise error(
            f"is not JSON this tool reads: nested deeper than {MAX_DEPTH} levels", file=origin
        ) from None
    except _TooMany:
        raise error(
            f"is not JSON this tool reads: more than {MAX_OBJECTS:,} objects (a regimen has a "
            "few hundred)",
            file=origin,
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
    there, anything that is not JSON (only dicts with text keys, lists, text, finite numbers
    (int, float or Decimal), booleans and None). Walks in document order, so the first problem of the file is
    the one named, with a stack of iterators (memory grows with the depth, not the size)."""
    need(origin, str, "origin", "text (a str)")
    need_text(root, "root", most=100)

    def fail(message: str, path: tuple[Any, ...]) -> NoReturn:
        raise error(message, file=origin, path=_render(path))

    # A path is a linked list (parent, key), rendered only for an error.
    top: tuple[Any, ...] = ((), root)
    stack: list[tuple[Iterator[tuple[Any, Any]], tuple[Any, ...], int, bool]] = []

    def enter(container: dict[Any, Any] | list[Any], path: tuple[Any, ...], depth: int) -> None:
        if depth >= MAX_DEPTH:
            fail(f"nested deeper than {MAX_DEPTH} levels (objects and arrays)", path)
        if isinstance(container, _Repeated):
            fail(
                "given twice in one object (readers differ on which one counts: give it once)",
                (path, container.repeated),
            )
        if isinstance(container, dict):
            stack.append((iter(container.items()), path, depth, True))
        elif _plain_scalars(container):
            return  # the common case of a long list, checked in bulk
        else:
            stack.append((iter(enumerate(container)), path, depth, False))

    def scalar(item: object, path: tuple[Any, ...]) -> None:
        kind = type(item)
        if kind is str:
            assert isinstance(item, str)
            if _has_surrogate(item):
                fail(_surrogate(item), path)
        elif kind is bool or item is None:
            pass
        elif kind is int:
            assert isinstance(item, int)
            if not -_HUGE < item < _HUGE:
                fail(_too_long(_digits(item)), path)
        elif kind is float:
            assert isinstance(item, float)
            if math.isinf(item):
                fail("a number too large to be finite (give a finite number)", path)
            if math.isnan(item):
                fail("NaN is not a JSON number (give a finite number)", path)
        elif kind is Decimal:  # fhir.resources' model_dump() gives decimals as Decimal
            assert isinstance(item, Decimal)
            if not item.is_finite():
                fail(f"{item} is not a JSON number (give a finite number)", path)
            if item.adjusted() >= MAX_DIGITS:
                fail(_too_long(item.adjusted() + 1), path)
        elif kind is _Refused:
            assert isinstance(item, _Refused)
            fail(item.message, path)
        else:
            fail(
                f"not a JSON value: {type(item).__name__} (objects, arrays, text, numbers, true, "
                "false and null)",
                path,
            )

    if isinstance(value, dict | list):
        enter(value, top, 0)
    else:
        scalar(value, top)
    while stack:
        items, path, depth, keyed = stack[-1]
        for key, child in items:
            if keyed:
                if type(key) is not str:
                    fail(f"a key must be text, got {describe(key)}", path)
                if _has_surrogate(key):
                    fail(f"a key {_surrogate(key)}", path)
            if isinstance(child, dict | list):
                enter(child, (path, key), depth + 1)
                break
            scalar(child, (path, key))
        else:
            stack.pop()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_scalars(items: list[Any]) -> bool:
    """Whether every item of ``items`` is a text, number, boolean or null that passes the
    checks, found in bulk (C loops): a 5 MB array of numbers costs a fraction of a second. A
    False sends the walk through the items one by one, to name the first problem."""
    kinds = set(map(type, items))
    if not kinds <= _SCALARS:
        return False
    if int in kinds:
        whole = [x for x in items if type(x) is int]
        if not (min(whole) > -_HUGE and max(whole) < _HUGE):
            return False
    if float in kinds and not all(map(math.isfinite, (x for x in items if type(x) is float))):
        return False
    if str in kinds:
        texts = "".join(x for x in items if type(x) is str)
        if _has_surrogate(texts):
            return False
    return True


def _digits(number: int) -> int:
    """How many digits ``number`` has; estimated past what Python turns into text (4,300)."""
    if abs(number).bit_length() < 14_000:
        return len(str(abs(number)))
    return int(abs(number).bit_length() * 0.30103) + 1


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:  # encoding is 4x faster than searching for one
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate(text: str) -> str:
    found = _SURROGATE.search(text)
    assert found is not None
    return (
        f"contains a lone surrogate \\u{ord(found.group()):04x}, which is not a character "
        "(the text was cut or mis-encoded: give it as UTF-8 text)"
    )
