"""A clinic app served for a test: ``scheduler serve --store`` on 127.0.0.1 with a nurse's
account, "today" from the test's clock, its log kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.feed.serving import serving

PASSWORD = "correct horse battery staple"


def add_user(store: str, name: str = "nurse.a", password: str = PASSWORD) -> None:
    env = {**os.environ, "PW": password, "SCHEDULER_NOW": "2027-01-01T09:00:00Z"}
    done = subprocess.run([sys.executable, "-m", "scheduler", "users", "add", name, "--store", store,
                           "--password-env", "PW"], env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


@contextmanager
def clinic(
    store: str, log: Path, now: str, public: str = "https://feeds.example.org"
) -> Iterator[str]:
    with serving(None, "--store", store, "--public-url", public, now=now, log=log) as (base, _):
        yield base


class Nurse:
    """A member of staff's browser without the browser: a cookie jar, the CSRF token of the
    last page, and plain HTTP to the real server (for the hostile cases)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:  # fmt: skip
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        sent = dict(headers or {})
        if self.cookie:
            sent.setdefault("Cookie", f"scheduler_session={self.cookie}")
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        got = {k.lower(): v for k, v in response.getheaders()}
        connection.close()
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return response.status, got, text

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post(
        self, path: str, fields: dict[str, str], *, csrf: bool = True
    ) -> tuple[int, dict[str, str], str]:
        from urllib.parse import urlencode

        data = {**fields, **({"csrf": self.csrf} if csrf else {})}
        return self.request("POST", path, urlencode(data).encode())

    def sign_in(self, name: str = "nurse.a", password: str = PASSWORD) -> int:
        from urllib.parse import urlencode

        status, headers, _ = self.request(
            "POST", "/login", urlencode({"name": name, "password": password}).encode()
        )
        cookie = re.search(r"scheduler_session=([^;]+)", headers.get("set-cookie", ""))
        if cookie:
            self.cookie = cookie.group(1)
            self.get("/courses")  # the CSRF token
        return status
