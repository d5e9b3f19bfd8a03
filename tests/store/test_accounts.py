"""Staff accounts, sessions and the audit log in the store's database (issue 21, item 1), on
SQLite and PostgreSQL; and a version-1 database (courses only) upgraded in place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import scheduler
from scheduler.store.accounts import AccountError, Accounts
from scheduler.store.courses import SqlStore
from scheduler.store.schema import SCHEMA_VERSION, UPGRADES
from scheduler.store.sql import Database

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_an_account_signs_in_and_out(store_url: str) -> None:
    clock = Clock()
    accounts = Accounts(SqlStore(store_url), now=clock)
    accounts.add("nurse.a", PASSWORD)
    assert accounts.users() == [("nurse.a", False)]
    stored = accounts.db.rows("SELECT password FROM users")[0][0]
    assert PASSWORD not in stored and stored.startswith("scrypt$16384$8$1$")
    cookie = accounts.sign_in("nurse.a", PASSWORD)
    session = accounts.session(cookie)
    assert session is not None and session.name == "nurse.a" and len(session.csrf) >= 40
    assert (
        accounts.db.rows("SELECT COUNT(*) FROM sessions WHERE digest = ?", (cookie.split(".")[0],))[
            0
        ][0]
        == 0
    )
    assert accounts.sign_in("nurse.a", PASSWORD) != cookie  # each sign-in its own session
    clock.now += timedelta(hours=12, seconds=1)
    assert accounts.session(cookie) is None  # expired after a clinic day
    cookie = accounts.sign_in("nurse.a", PASSWORD)
    clock.now += timedelta(minutes=5)
    accounts.sign_out(cookie)
    assert accounts.session(cookie) is None
    actions = [row[2] for row in accounts.log()]
    assert actions[:2] == ["signed out", "signed in"] and "user added" in actions


def test_passwords_names_and_disabling(store_url: str) -> None:
    accounts = Accounts(SqlStore(store_url))
    for name in ("Nurse A", "", "../x", "a" * 65, "é"):
        with pytest.raises(AccountError, match="is not a user name"):
            accounts.add(name, PASSWORD)
    for password in ("short", "x" * 2000):
        with pytest.raises(AccountError, match="a password is 12 to 1,024 characters"):
            accounts.add("nurse.a", password)
    accounts.add("nurse.a", PASSWORD)
    with pytest.raises(AccountError, match=r"a user named 'nurse\.a' already exists"):
        accounts.add("nurse.a", PASSWORD)
    cookie = accounts.sign_in("nurse.a", PASSWORD)
    accounts.set_password("nurse.a", "another good passphrase")
    assert accounts.session(cookie) is None  # a new password ends every session
    with pytest.raises(AccountError, match="wrong user name or password"):
        accounts.sign_in("nurse.a", PASSWORD)
    cookie = accounts.sign_in("nurse.a", "another good passphrase")
    accounts.disable("nurse.a")
    assert accounts.session(cookie) is None
    with pytest.raises(AccountError, match="this account is disabled"):
        accounts.sign_in("nurse.a", "another good passphrase")
    with pytest.raises(AccountError, match="there is no user named 'nobody'"):
        accounts.disable("nobody")


def test_guessing_is_throttled_and_the_window_passes(store_url: str) -> None:
    clock = Clock()
    accounts = Accounts(SqlStore(store_url), now=clock)
    accounts.add("nurse.a", PASSWORD)
    for n in range(5):
        with pytest.raises(AccountError, match="wrong user name or password"):
            accounts.sign_in("nurse.a", f"guess number {n}")
    with pytest.raises(AccountError, match="too many failed sign-ins"):
        accounts.sign_in("nurse.a", PASSWORD)
    with pytest.raises(AccountError, match="wrong user name or password"):
        accounts.sign_in("nobody", PASSWORD)  # an unknown name says the same as a wrong password
    clock.now += timedelta(minutes=16)
    assert accounts.session(accounts.sign_in("nurse.a", PASSWORD)) is not None


def test_a_tampered_cookie_opens_nothing(store_url: str) -> None:
    accounts = Accounts(SqlStore(store_url))
    accounts.add("nurse.a", PASSWORD)
    token, mac = accounts.sign_in("nurse.a", PASSWORD).split(".")

    def other(text: str) -> str:  # the same text with its last character changed
        return text[:-1] + ("B" if text[-1] == "A" else "A")

    for cookie in (
        f"{token}.{other(mac)}",
        f"{other(token)}.{mac}",
        token,
        f"{token}.{mac}.x",
        None,
        "é.é",
    ):
        assert accounts.session(cookie) is None


def test_a_version_1_database_is_upgraded_in_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    with db.transaction():  # what the first release of the store wrote
        for statement in UPGRADES[0]:
            db.execute(statement)
        db.execute("INSERT INTO meta (name, value) VALUES ('schema_version', '1')")
    db.close()
    store = SqlStore(url)
    assert store.keys() == []
    scheduler.new_course("aldesleukin-sc", "js", start=date(2027, 1, 4), zone="Europe/London", cycles=1,
                         store=store)  # fmt: skip
    assert store.database().rows("SELECT value FROM meta WHERE name = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    Accounts(store).add("nurse.a", PASSWORD)
    assert SCHEMA_VERSION == 2
