"""The stores every test here runs against (tests/databases.py)."""

from tests.databases import postgres_server, postgres_url, store_url  # noqa: F401
