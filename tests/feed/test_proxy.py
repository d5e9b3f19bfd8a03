"""The tested deployment of docs/feeds.md: the feed server behind Debian's nginx with HTTPS,
both started on 127.0.0.1 by the test, nginx with exactly docs/deploy/nginx-feeds.conf (only
its addresses, certificate and log paths replaced). The links `course url` prints open the
patient's own calendar through the proxy, gzip's weak ETag revalidates to 304, two patients
stay apart, a revoked link is a 404 at once, and no token reaches either log.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027, doses on days 1-5, 8-12, 15-19 and 22-26
of 35-day cycles at 09:00 London time; "today" is Mon 1 Feb 2027.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import REPO, require
from .serving import at, free_port, new_course, serving, token_of

NOW = "2027-02-01T10:00:00Z"
CONF = REPO / "docs" / "deploy" / "nginx-feeds.conf"


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    nginx = _nginx()
    require(nginx is not None, "nginx is not installed (Debian package nginx)")
    require(shutil.which("openssl") is not None, "openssl is not installed")
    assert nginx is not None
    work = tmp_path_factory.mktemp("proxy")
    folder = work / "courses"
    folder.mkdir()
    courses = {name: new_course(folder, name, "--label", label)
               for name, label in (("ab", "A B"), ("cd", "C D"))}  # fmt: skip
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with serving(folder, "--days-back", "30", "--days-ahead", "30", now=NOW,
                 log=work / "serve.log") as (base, _):  # fmt: skip
        feed_port, port = int(base.rsplit(":", 1)[1]), free_port()
        text = CONF.read_text()
        for old, new in (
            ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
            ("/etc/letsencrypt/live/feeds.example.org/fullchain.pem", str(cert)),
            ("/etc/letsencrypt/live/feeds.example.org/privkey.pem", str(key)),
            ("/var/log/nginx/feeds-access.log", str(work / "access.log")),
            ("/var/log/nginx/feeds-error.log", str(work / "error.log")),
            ("http://127.0.0.1:8080", f"http://127.0.0.1:{feed_port}"),
        ):
            assert old in text, old
            text = text.replace(old, new)
        (work / "feeds.conf").write_text(text)
        temp = "\n".join(f"    {kind}_temp_path {work / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
        (work / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {work / 'nginx.pid'};\n"
            f"error_log {work / 'main-error.log'} warn;\n"
            "events { worker_connections 128; }\n"
            f"http {{\n{temp}\n    include {work / 'feeds.conf'};\n}}\n"
        )
        proxy = subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-p", str(work)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        context = ssl.create_default_context(cafile=str(cert))
        front = f"https://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if proxy.poll() is not None or time.monotonic() > deadline:
                        _, err = proxy.communicate(timeout=5)
                        pytest.fail(f"nginx did not start: {err.decode()}")
                    time.sleep(0.1)
            yield {"front": front, "context": context, "folder": folder, "work": work,
                   "courses": courses}  # fmt: skip
        finally:
            proxy.terminate()
            proxy.wait(10)


def get(proxied: dict[str, object], url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    context = proxied["context"]
    assert isinstance(context, ssl.SSLContext)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def link(proxied: dict[str, object], name: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The https link `course url` prints for the public base."""
    course = proxied["courses"][name]  # type: ignore[index]
    capsys.readouterr()
    assert at(NOW, "course", "url", str(course), "--base", str(proxied["front"]), "--local") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].startswith("webcal://127.0.0.1:")
    return printed[0]


def starts(body: bytes) -> list[str]:
    return re.findall(r"DTSTART;TZID=Europe/London:(\d{8}T\d{4})", body.decode())


def test_the_printed_links_open_each_patients_own_calendar(
    proxied: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    one, other = link(proxied, "ab", capsys), link(proxied, "cd", capsys)
    assert one.startswith(f"{proxied['front']}/feeds/") and one.endswith(".ics")
    (s1, h1, b1), (s2, _, b2) = get(proxied, one), get(proxied, other)
    assert (s1, s2) == (200, 200)
    assert h1["content-type"] == "text/calendar; charset=utf-8"
    # The window, 30 days back from Mon 1 Feb (2 Jan) to 30 ahead (3 Mar), holds cycle 1 from
    # its day 1 (Mon 4 Jan) and cycle 2 from Mon 8 Feb.
    assert starts(b1)[:5] == ["20270104T0900", "20270105T0900", "20270106T0900",
                              "20270107T0900", "20270108T0900"]  # fmt: skip
    assert "20270208T0900" in starts(b1) and starts(b1) == starts(b2)
    uids = re.compile(rb"UID:([^\r]+)")
    assert set(uids.findall(b1)).isdisjoint(uids.findall(b2))


def test_gzip_turns_the_etag_weak_and_it_still_revalidates(
    proxied: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    url = link(proxied, "ab", capsys)
    status, headers, body = get(proxied, url, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["etag"].startswith('W/"')
    assert gzip.decompress(body).startswith(b"BEGIN:VCALENDAR")
    status, _, empty = get(proxied, url, **{"Accept-Encoding": "gzip",
                                                "If-None-Match": headers["etag"]})  # fmt: skip
    assert (status, empty) == (304, b"")
    status, _, _ = get(proxied, url, **{"If-Modified-Since": headers["last-modified"]})
    assert status == 304


def test_a_revoked_link_is_a_404_through_the_proxy_at_once(
    proxied: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = proxied["folder"]
    assert isinstance(folder, Path)
    assert at(NOW, "course", "rotate-token", str(folder / "cd.toml"), "--for", "caregiver") == 0
    url = link(proxied, "cd", capsys).replace(
        token_of(folder / "cd.toml"), token_of(folder / "cd.toml", "caregiver")
    )
    assert get(proxied, url)[0] == 200
    assert at(NOW, "course", "revoke-token", str(folder / "cd.toml"), "--for", "caregiver") == 0
    assert get(proxied, url)[0] == 404
    assert get(proxied, link(proxied, "cd", capsys))[0] == 200


def test_no_token_in_either_log_whatever_the_path(
    proxied: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    url = link(proxied, "ab", capsys)
    front = str(proxied["front"])
    token = token_of(proxied["courses"]["ab"])  # type: ignore[index]
    for path, expected in (
        (f"/feeds/{token}.ics", 200),
        (f"//feeds/{token}.ics", 404),
        (f"/Feeds/{token}.ics", 404),
        (f"/x/feeds/{token}.ics", 404),
        (f"/feeds/{token}.ics?t={token}", 200),
        (f"/feeds/{token}.ics%0A%1B[2J", 404),
        (f"/health?{token}", 200),
    ):
        assert get(proxied, front + path)[0] == expected, path
    request = urllib.request.Request(url, data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10, context=proxied["context"])  # type: ignore[arg-type]
    assert refused.value.code == 403
    time.sleep(0.5)  # nginx writes its access log line after the response
    work = proxied["work"]
    assert isinstance(work, Path)
    access = (work / "access.log").read_text()
    assert "[token]" in access and "/feeds/[token].ics" in access
    for name in ("access.log", "error.log", "main-error.log", "serve.log"):
        logged = (work / name).read_text() if (work / name).exists() else ""
        assert token not in logged, name
        assert token[:32] not in logged and token[-32:] not in logged, name
