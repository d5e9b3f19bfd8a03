"""The database's tables, as numbered upgrades: a new database runs them all, an older one the
ones it lacks, each in one transaction with the version it brings. A database newer than this
version of the tool is refused rather than written by code that does not know its tables.

Every text is UTF-8 and every time UTC in ISO 8601 (``2027-01-26T08:00:00Z``), so both engines
store and sort them alike.
"""

from __future__ import annotations

from .sql import Database

__all__ = ["SCHEMA_VERSION", "UPGRADES", "upgrade"]

#: Each upgrade's statements; upgrade n (1-based) brings the database to version n.
UPGRADES: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE IF NOT EXISTS meta (name VARCHAR(100) PRIMARY KEY, value TEXT NOT NULL)",
        # A course as its course file's text (docs/courses.md), so that a course reads and
        # checks the same in every store; what lists and worklists need beside it.
        """CREATE TABLE courses (
            key VARCHAR(200) PRIMARY KEY,
            id VARCHAR(200) NOT NULL,
            body TEXT NOT NULL,
            version BIGINT NOT NULL,
            modified VARCHAR(20) NOT NULL,
            label TEXT NOT NULL,
            regimen TEXT NOT NULL,
            start_date VARCHAR(10) NOT NULL,
            tokens_version BIGINT
        )""",
        "CREATE INDEX courses_by_id ON courses (id)",
        # Every version of every course, never changed: the change log behind the history.
        """CREATE TABLE course_log (
            key VARCHAR(200) NOT NULL,
            version BIGINT NOT NULL,
            stored VARCHAR(20) NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (key, version)
        )""",
        """CREATE TABLE tokens (
            key VARCHAR(200) NOT NULL REFERENCES courses (key) ON DELETE CASCADE,
            name VARCHAR(40) NOT NULL,
            token VARCHAR(64) NOT NULL UNIQUE,
            created VARCHAR(20) NOT NULL,
            show_label INTEGER NOT NULL,
            PRIMARY KEY (key, name)
        )""",
    ),
    (
        # Staff accounts of the clinic app (docs/app.md): a scrypt hash, never the password.
        """CREATE TABLE users (
            name VARCHAR(64) PRIMARY KEY,
            password TEXT NOT NULL,
            disabled INTEGER NOT NULL,
            created VARCHAR(20) NOT NULL
        )""",
        # Signed-in sessions, by a digest of the cookie's token (a stolen database holds none).
        """CREATE TABLE sessions (
            digest VARCHAR(64) PRIMARY KEY,
            name VARCHAR(64) NOT NULL REFERENCES users (name) ON DELETE CASCADE,
            csrf VARCHAR(64) NOT NULL,
            created VARCHAR(20) NOT NULL,
            expires VARCHAR(20) NOT NULL
        )""",
        "CREATE INDEX sessions_by_name ON sessions (name)",
        "CREATE TABLE login_failures (name VARCHAR(64) NOT NULL, at VARCHAR(20) NOT NULL)",
        "CREATE INDEX login_failures_by_name ON login_failures (name, at)",
        # Who did what, when: every sign-in and every change made through the app.
        """CREATE TABLE audit (
            at VARCHAR(32) NOT NULL,
            name VARCHAR(64) NOT NULL,
            action VARCHAR(64) NOT NULL,
            course VARCHAR(200) NOT NULL,
            detail TEXT NOT NULL
        )""",
        "CREATE INDEX audit_by_at ON audit (at)",
        # Every write takes the next number of one counter and marks its course with it, so
        # what changed since any moment is an indexed range (the agenda, the feed index).
        "CREATE TABLE counters (name VARCHAR(40) PRIMARY KEY, value BIGINT NOT NULL)",
        "ALTER TABLE courses ADD COLUMN changed BIGINT NOT NULL DEFAULT 0",
        """UPDATE courses SET changed = numbered.n FROM (
            SELECT key AS numbered_key, ROW_NUMBER() OVER (ORDER BY key) AS n FROM courses
        ) AS numbered WHERE courses.key = numbered.numbered_key""",
        "INSERT INTO counters (name, value) SELECT 'changes', COUNT(*) FROM courses",
        "INSERT INTO counters (name, value) VALUES ('agenda', 0)",
        "CREATE INDEX courses_by_changed ON courses (changed)",
        # The clinic's agenda: each course's events by day, planned once per change of the
        # course, so a week's worklist is an indexed query, not a plan of every course.
        """CREATE TABLE agenda (
            key VARCHAR(200) NOT NULL,
            uid VARCHAR(200) NOT NULL,
            day VARCHAR(10) NOT NULL,
            at VARCHAR(32) NOT NULL,
            kind VARCHAR(20) NOT NULL,
            setting VARCHAR(20) NOT NULL,
            title TEXT NOT NULL,
            status VARCHAR(32) NOT NULL,
            PRIMARY KEY (key, uid)
        )""",
        "CREATE INDEX agenda_by_day ON agenda (day)",
    ),
)
SCHEMA_VERSION = len(UPGRADES)


def version_of(db: Database) -> int:
    """The schema version of ``db`` (0 for an empty database)."""
    has_meta = db.rows(
        "SELECT COUNT(*) FROM meta WHERE name = 'schema_version'"
        if _has_table(db, "meta")
        else "SELECT 0"
    )
    if not has_meta[0][0]:
        return 0
    return int(db.rows("SELECT value FROM meta WHERE name = 'schema_version'")[0][0])


def _has_table(db: Database, name: str) -> bool:
    if db.dialect.name == "sqlite":
        query = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        query = "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()"
    return bool(db.rows(query, (name,))[0][0])


def upgrade(db: Database) -> int:
    """Bring ``db`` to :data:`SCHEMA_VERSION`; the version it was at. Two processes upgrading
    at once are serialised by the write transaction (the second finds nothing left to do)."""
    from ..errors import StoreError

    before = version_of(db)
    if before > SCHEMA_VERSION:
        raise StoreError(
            f"{db.name} has schema version {before}, newer than this tool's {SCHEMA_VERSION}: "
            "upgrade treatment-scheduler",
            field="store",
        )
    for number in range(before + 1, SCHEMA_VERSION + 1):
        with db.transaction():
            if number == 1:
                db.execute(UPGRADES[0][0])
                db.execute(
                    "INSERT INTO meta (name, value) VALUES ('schema_version', '0') "
                    "ON CONFLICT (name) DO NOTHING"
                )
            current = int(db.rows("SELECT value FROM meta WHERE name = 'schema_version'"
                                  + db.dialect.lock_row)[0][0])  # fmt: skip
            if current >= number:
                continue  # another process did it while we waited
            for statement in UPGRADES[number - 1][1 if number == 1 else 0 :]:
                db.execute(statement)
            db.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(number),))
    return before
