"""Who may read a course's live calendar: unguessable tokens, kept beside the course file.

A course ``js.toml`` has its tokens in ``js.feed.toml`` (mode 0600): one per reader
("patient", "caregiver", ...), each 256 bits from :mod:`secrets`, so each copy of the feed can
be rotated or revoked on its own. A token may show the course's label in its feed; by default
it does not, so a feed URL that leaks does not name the patient.

Changes are made under the course file's lock and written atomically, like course edits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..arguments import need, need_aware, need_path
from ..errors import CourseError
from ..files import locked, read_text, write_atomic

__all__ = [
    "SUFFIX",
    "Access",
    "Token",
    "digest",
    "feed_file",
    "load_access",
    "revoke",
    "rotate",
    "save_access",
    "well_formed",
]

#: The token file beside ``NAME.toml`` is ``NAME.feed.toml``.
SUFFIX = ".feed.toml"
#: A token is 43 URL-safe base64 characters (32 random bytes, 256 bits).
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
#: Token files are tiny; this bounds a wrong or hostile one.
MAX_BYTES = 64_000
MAX_TOKENS = 20


@dataclass(frozen=True)
class Token:
    name: str
    """Who it is for: ``patient``, ``caregiver``, ... (lower-case letters, digits, -)."""
    token: str
    created: datetime
    show_label: bool = False
    """Whether this reader's feed carries the course's label (the patient's initials)."""


@dataclass(frozen=True)
class Access:
    """The tokens of one course."""

    course: Path
    tokens: tuple[Token, ...] = ()

    def get(self, name: str) -> Token | None:
        return next((t for t in self.tokens if t.name == name), None)


def feed_file(course: str | Path) -> Path:
    """``js.toml`` -> ``js.feed.toml``."""
    path = Path(need_path(course, "course"))
    stem = path.name[:-5] if path.name.endswith(".toml") else path.name
    return path.with_name(stem + SUFFIX)


def well_formed(token: str) -> bool:
    """Whether ``token`` looks like a token this tool makes (anything else, text or not, is not)."""
    return isinstance(token, str) and bool(_TOKEN.match(token))


def digest(token: str) -> bytes:
    """What the server indexes tokens by: looking up a digest takes the same time whatever the
    presented token shares with a real one (no prefix-by-prefix guessing)."""
    need(token, str, "token", "text (a str)")
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()


def load_access(course: str | Path) -> Access:
    """The course's tokens (none if it has no token file)."""
    path = feed_file(course)
    if not path.exists():
        return Access(Path(course))
    text = read_text(path, limit=MAX_BYTES, what="token file", error=CourseError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CourseError(f"is not a valid token file: {err}", file=str(path)) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, deep nesting
        raise CourseError(
            "is not a valid token file: a number of thousands of digits or nesting too deep",
            file=str(path),
        ) from None
    raw = data.get("tokens", [])
    if not isinstance(raw, list) or len(raw) > MAX_TOKENS:
        raise CourseError(f"tokens must be a list of at most {MAX_TOKENS}", file=str(path))
    tokens = []
    for item in raw:
        if not isinstance(item, dict):
            raise CourseError("each [[tokens]] entry must be a table", file=str(path))
        name, token = item.get("name"), item.get("token")
        created, show = item.get("created"), item.get("show_label", False)
        if (
            not isinstance(name, str)
            or not _NAME.match(name)
            or not isinstance(token, str)
            or not well_formed(token)
            or not isinstance(created, datetime)
            or not isinstance(show, bool)
        ):
            raise CourseError(f"a [[tokens]] entry is not valid: {name!r}", file=str(path))
        tokens.append(Token(name, token, created, show))
    return Access(Path(course), tuple(tokens))


def rotate(
    course: str | Path, name: str = "patient", *, now: datetime, show_label: bool | None = None
) -> Token:
    """Give ``name`` a new token (a first one, or a replacement that revokes the old one)."""
    check_name(name)
    need_aware(now, "now")
    need(show_label, bool, "show_label", "True or False", optional=True)
    need_path(course, "course")
    with locked(course, error=CourseError):
        access = load_access(course)
        before = access.get(name)
        if before is None and len(access.tokens) >= MAX_TOKENS:
            raise CourseError(
                f"already has {MAX_TOKENS} readers: revoke one first", file=str(course)
            )
        label = show_label if show_label is not None else (before.show_label if before else False)
        new = Token(name, secrets.token_urlsafe(32), now.astimezone(UTC), label)
        others = tuple(t for t in access.tokens if t.name != name)
        save_access(replace(access, tokens=(*others, new)))
    return new


def revoke(course: str | Path, name: str) -> None:
    """Remove ``name``'s token: its feed URL answers 404 from the next request on."""
    check_name(name)
    need_path(course, "course")
    with locked(course, error=CourseError):
        access = load_access(course)
        if access.get(name) is None:
            known = ", ".join(t.name for t in access.tokens) or "none"
            raise CourseError(f"has no feed token for {name!r} (tokens: {known})", file=str(course))
        save_access(replace(access, tokens=tuple(t for t in access.tokens if t.name != name)))


def check_name(name: str) -> None:
    """Refuse a reader name other than lower-case letters, digits and -."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise CourseError(
            f"{name!r} is not a reader name (lower-case letters, digits and -, e.g. caregiver)"
        )


def save_access(access: Access) -> None:
    """Write the course's token file (0600) with exactly ``access``'s tokens."""
    need(access, Access, "access", "an Access (a course's tokens)")
    lines = [
        "# Feed tokens of the course beside this file: whoever has one can read the course's",
        "# calendar. Keep this file private; rotate with `scheduler course rotate-token`.",
        "format = 1",
        "",
    ]
    for token in access.tokens:
        lines += [
            "[[tokens]]",
            f'name = "{token.name}"',
            f'token = "{token.token}"',
            f"created = {token.created.strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"show_label = {'true' if token.show_label else 'false'}",
            "",
        ]
    write_atomic(feed_file(access.course), "\n".join(lines).encode("utf-8"), force=True, mode=0o600)
