"""The browser fixtures for every test of the clinic app (tests/web/browser.py)."""

from tests.databases import postgres_server, postgres_url, store_url  # noqa: F401
from tests.web.browser import browser, page  # noqa: F401
