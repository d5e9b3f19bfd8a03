"""The clinic app's staff: accounts, signed-in sessions, throttled sign-in and the audit log,
kept in the same database as the courses (:class:`Accounts` over a :class:`SqlStore`).

- **Passwords** are hashed with scrypt (memory-hard: 16 MiB a try), each with its own salt;
  only the hash is stored. A password is at least 12 characters.
- **Sessions**: a sign-in makes a new random token (never one the browser brought: no session
  fixation); the cookie carries the token and an HMAC of it under the database's own secret, so
  a forged cookie is refused before any lookup; the database keeps only a digest of the token,
  with the session's CSRF token and its expiry. Signing out deletes the session, so a copied
  cookie is useless from then on.
- **Throttling**: after 5 failed sign-ins of one name within 15 minutes, that name is refused
  for the rest of the 15 minutes, whatever the password (kept in the database, so every worker
  and machine agrees).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import StoreError
from .courses import SqlStore
from .sql import Database

__all__ = ["MIN_PASSWORD", "AccountError", "Accounts", "Session", "check_user_name"]

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: A session lasts this long from sign-in (a clinic day), then the nurse signs in again.
SESSION_HOURS = 12
FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


class AccountError(StoreError):
    """An account cannot be made or used: a bad name or password, a disabled account, too many
    failed sign-ins."""


@dataclass(frozen=True)
class Session:
    """A signed-in member of staff."""

    name: str
    csrf: str
    expires: datetime


def check_user_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise AccountError(
            f"{str(name)[:40]!r} is not a user name (lower-case letters, digits, '.', '_' and "
            "'-', at most 64, e.g. nurse.a)",
            field="name",
        )
    return name


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024,
                          **_SCRYPT)  # fmt: skip


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    encoded = base64.b64encode
    return (f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}$"
            f"{encoded(salt).decode()}${encoded(_hash(password, salt)).decode()}")  # fmt: skip


def _matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt" or (int(n), int(r), int(p)) != tuple(_SCRYPT.values()):
            return False
        return hmac.compare_digest(
            _hash(password, base64.b64decode(salt)), base64.b64decode(digest)
        )
    except ValueError:
        return False


def check_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"a password is {MIN_PASSWORD} to {MAX_PASSWORD:,} characters (a few words make a "
            "good one)",
            field="password",
        )
    return password


#: What every wrong sign-in costs, so a wrong name takes as long as a wrong password.
_DUMMY = hash_password("x" * MIN_PASSWORD)


class Accounts:
    """Staff accounts, sessions and the audit log in ``store``'s database."""

    def __init__(self, store: SqlStore, *, now: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self._now = now or (lambda: datetime.now(UTC))
        self._key: bytes | None = None

    @property
    def db(self) -> Database:
        return self.store.database()

    def now(self) -> datetime:
        return self._now().astimezone(UTC)

    # -- users ----------------------------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        check_user_name(name)
        check_password(password)
        db = self.db
        with db.transaction():
            if db.rows("SELECT 1 FROM users WHERE name = ?", (name,)):
                raise AccountError(f"a user named {name!r} already exists", field="name")
            db.execute("INSERT INTO users (name, password, disabled, created) VALUES (?, ?, 0, ?)",
                       (name, hash_password(password), self.now().strftime(_STAMP)))  # fmt: skip
            self._audit(name, "user added", "", "")

    def set_password(self, name: str, password: str) -> None:
        """A new password (and the account enabled again); every session of the user ends."""
        check_user_name(name)
        check_password(password)
        db = self.db
        with db.transaction():
            if not db.execute("UPDATE users SET password = ?, disabled = 0 WHERE name = ?",
                              (hash_password(password), name)):  # fmt: skip
                raise AccountError(f"there is no user named {name!r}", field="name")
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            self._audit(name, "password changed", "", "")

    def disable(self, name: str) -> None:
        """The user can no longer sign in; their sessions end at once."""
        check_user_name(name)
        db = self.db
        with db.transaction():
            if not db.execute("UPDATE users SET disabled = 1 WHERE name = ?", (name,)):
                raise AccountError(f"there is no user named {name!r}", field="name")
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            self._audit(name, "user disabled", "", "")

    def users(self) -> list[tuple[str, bool]]:
        return [
            (n, bool(d)) for n, d in self.db.rows("SELECT name, disabled FROM users ORDER BY name")
        ]

    # -- signing in -----------------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> str:
        """A new session's cookie value; AccountError (one message for a wrong name or
        password) otherwise. Failures are counted and throttled per name."""
        db = self.db
        now = self.now()
        if (
            not isinstance(name, str)
            or not isinstance(password, str)
            or len(password) > MAX_PASSWORD
        ):
            raise AccountError("wrong user name or password")
        since = (now - FAILURE_WINDOW).strftime(_STAMP)
        failures = db.rows("SELECT COUNT(*) FROM login_failures WHERE name = ? AND at >= ?",
                           (name[:64], since))[0][0]  # fmt: skip
        if failures >= FAILURES:
            raise AccountError("too many failed sign-ins for this name: wait 15 minutes")
        rows = db.rows("SELECT password, disabled FROM users WHERE name = ?", (name[:64],))
        good = _matches(password, rows[0][0] if rows else _DUMMY) and bool(rows)
        if not good or rows[0][1]:
            with db.transaction():
                db.execute("INSERT INTO login_failures (name, at) VALUES (?, ?)",
                           (name[:64], now.strftime(_STAMP)))  # fmt: skip
                db.execute("DELETE FROM login_failures WHERE at < ?", (since,))
            raise AccountError("wrong user name or password" if not good or not rows
                               else "this account is disabled: ask an administrator")  # fmt: skip
        token = secrets.token_urlsafe(32)
        with db.transaction():
            db.execute(
                "INSERT INTO sessions (digest, name, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
                (_digest(token), name, secrets.token_urlsafe(32), now.strftime(_STAMP),
                 (now + timedelta(hours=SESSION_HOURS)).strftime(_STAMP)),
            )  # fmt: skip
            db.execute("DELETE FROM login_failures WHERE name = ?", (name,))
            db.execute("DELETE FROM sessions WHERE expires < ?", (now.strftime(_STAMP),))
            self._audit(name, "signed in", "", "")
        return f"{token}.{self._sign(token)}"

    def session(self, cookie: str | None) -> Session | None:
        """The session a cookie opens (signed, known, not expired), else None."""
        token = self._verified(cookie)
        if token is None:
            return None
        rows = self.db.rows(
            "SELECT s.name, s.csrf, s.expires FROM sessions s JOIN users u ON u.name = s.name "
            "WHERE s.digest = ? AND u.disabled = 0",
            (_digest(token),),
        )
        if not rows:
            return None
        expires = datetime.strptime(rows[0][2], _STAMP).replace(tzinfo=UTC)
        if expires <= self.now():
            return None
        return Session(rows[0][0], rows[0][1], expires)

    def sign_out(self, cookie: str | None) -> None:
        token = self._verified(cookie)
        if token is None:
            return
        db = self.db
        with db.transaction():
            rows = db.rows("SELECT name FROM sessions WHERE digest = ?", (_digest(token),))
            db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(token),))
            if rows:
                self._audit(rows[0][0], "signed out", "", "")

    # -- the audit log --------------------------------------------------------------------------

    def audit(self, name: str, action: str, course: str = "", detail: str = "") -> None:
        with self.db.transaction():
            self._audit(name, action, course, detail)

    def log(self, limit: int = 100) -> list[tuple[str, str, str, str, str]]:
        rows = self.db.rows(
            "SELECT at, name, action, course, detail FROM audit ORDER BY at DESC LIMIT ?", (limit,)
        )
        return [tuple(str(x) for x in row) for row in rows]  # type: ignore[misc]

    # -- inside ---------------------------------------------------------------------------------

    def _audit(self, name: str, action: str, course: str, detail: str) -> None:
        self.db.execute(
            "INSERT INTO audit (at, name, action, course, detail) VALUES (?, ?, ?, ?, ?)",
            (self.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"), name, action, course, detail[:2000]),
        )

    def _secret(self) -> bytes:
        """The database's signing secret: made once, never changed, so read once."""
        if self._key is not None:
            return self._key
        db = self.db
        rows = db.rows("SELECT value FROM meta WHERE name = 'session_secret'")
        if not rows:
            with db.transaction():
                db.execute("INSERT INTO meta (name, value) VALUES ('session_secret', ?) "
                           "ON CONFLICT (name) DO NOTHING", (secrets.token_urlsafe(48),))  # fmt: skip
            rows = db.rows("SELECT value FROM meta WHERE name = 'session_secret'")
        self._key = str(rows[0][0]).encode()
        return self._key

    def _sign(self, token: str) -> str:
        mac = hmac.new(self._secret(), token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def _verified(self, cookie: str | None) -> str | None:
        if not isinstance(cookie, str) or len(cookie) > 200 or cookie.count(".") != 1:
            return None
        token, mac = cookie.split(".")
        if not hmac.compare_digest(mac.encode(), self._sign(token).encode()):
            return None
        return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
