"""The clinic app against what a hostile client does (the real server on 127.0.0.1, over a real
database): every route without a session (enumerated from the app itself), CSRF missing or
wrong, XSS through the form fields and a regimen's own text, session fixation, SQL
metacharacters, oversized bodies, a cookie replayed after signing out, password guessing, and
two nurses (on two server processes) editing one course at once.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027; cycle 2 starts Mon 8 Feb 2027.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

import scheduler
from scheduler.store.courses import SqlStore
from tests.web.clinic import PASSWORD, Nurse, add_user, clinic

NOW = "2027-01-02T10:00:00Z"


def course(store_url: str, key: str = "js", label: str = "J.S.") -> None:
    scheduler.new_course("aldesleukin-sc", key, start=date(2027, 1, 4), zone="Europe/London",
                         cycles=3, label=label, store=SqlStore(store_url))  # fmt: skip


@pytest.fixture
def site(store_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    add_user(store_url)
    course(store_url)
    with clinic(store_url, tmp_path / "log", now=NOW) as base:
        yield base, store_url, tmp_path


def app_routes(tmp_path: Path) -> list[tuple[str, set[str]]]:
    """Every route the app adds, as (path with its parameters filled in, methods)."""
    from scheduler.feed.server import create_app
    from scheduler.web.app import Settings, add_app

    store = SqlStore(f"sqlite:///{tmp_path / 'routes.db'}")
    app = create_app("", store=store)
    routes = add_app(
        app.app, store, settings=Settings(), now=lambda: datetime.now(UTC), background=False
    )
    out = []
    for route in routes:
        path = route.path.replace("{key}", "js").replace("{fmt}", "ics")
        methods = set(getattr(route, "methods", None) or {"GET"})
        out.append((path if not path.startswith("/static") else "/static/app.css", methods))
    return out


def test_every_route_but_the_public_ones_needs_a_session(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    anonymous = Nurse(base)
    routes = app_routes(tmp_path)
    assert len(routes) >= 12
    checked = 0
    for path, methods in routes:
        public = path in ("/login", "/static/app.css")
        for method in sorted(methods - {"HEAD"}):
            status, headers, body = anonymous.request(
                method, path, b"a=1" if method == "POST" else None
            )
            if public:
                assert status in (200, 401, 403), (method, path, status)
                continue
            checked += 1
            if method == "GET":
                assert status == 303 and headers["location"].startswith("/login?next="), (
                    path,
                    status,
                )
            else:
                assert status == 401, (method, path, status)
            assert "J.S." not in body and "aldesleukin" not in body.lower()
    assert checked >= 12
    # A forged or expired cookie is no session either.
    for cookie in ("abc.def", "x" * 500, "a.b.c", ""):
        forged = Nurse(base)
        forged.cookie = cookie
        assert forged.get("/courses")[0] == 303


def test_every_change_needs_the_sessions_csrf_token(site) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    nurse = Nurse(base)
    assert nurse.sign_in() == 303
    change = {"change": "delay", "cycle": "2", "days": "7", "action": "save"}
    assert nurse.post("/courses/js/change", change, csrf=False)[0] == 403
    wrong = nurse.request(
        "POST", "/courses/js/change", b"change=delay&cycle=2&days=7&action=save&csrf=wrong"
    )
    assert wrong[0] == 403
    other = Nurse(base)  # another nurse's token is not this session's
    other.sign_in()
    stolen = nurse.request("POST", "/courses/js/change",
                           f"change=delay&cycle=2&days=7&action=save&csrf={other.csrf}".encode())  # fmt: skip
    assert stolen[0] == 403
    assert "No change yet." in nurse.get("/courses/js")[2]
    nurse.get("/courses/js")
    status, headers, _ = nurse.post("/courses/js/change", change)
    assert status == 303 and headers["location"] == "/courses/js"
    assert "cycle 2 and later cycles delayed by 7 days" in nurse.get("/courses/js")[2]
    # The sign-in form from another site is refused by its Origin.
    assert (
        nurse.request(
            "POST", "/login", b"name=nurse.a&password=x", {"Origin": "https://evil.example"}
        )[0]
        == 403
    )


def test_what_a_nurse_types_is_shown_as_text_never_run(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, store_url, _ = site
    nurse = Nurse(base)
    nurse.sign_in()
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    status, _, body = nurse.post("/courses/new", {"regimen": "aldesleukin-sc", "key": "xss1", "label": attack[:60],
                                                  "start": "2027-01-04", "cycles": "1", "zone": "Europe/London",
                                                  "action": "save"})  # fmt: skip
    assert status == 303, body
    page = nurse.get("/courses/xss1")[2]
    assert "<script>alert" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(2)&gt;", ""
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    nurse.get("/courses/xss1")
    nurse.post(
        "/courses/xss1/change",
        {"change": "delay", "cycle": "1", "days": "1", "reason": attack, "action": "save"},
    )
    page = nurse.get("/courses/xss1")[2]
    assert "<script>alert" not in page and "<img src=x" not in page
    for where in ("/courses?q=" + "%3Cscript%3Ealert(1)%3C/script%3E", "/week?from=%3Cscript%3E"):
        assert "<script>alert" not in nurse.get(where)[2]
    # A regimen file's own text (a pharmacist's typo or worse) is text too.
    regimen = tmp_path / "evil.toml"
    text = scheduler.regimen.catalog.bundled_path("aldesleukin-sc").read_text()
    regimen.write_text(
        re.sub(r'^name = ".*"$', 'name = "<script>alert(3)</script>"', text, count=1, flags=re.M)
    )
    scheduler.new_course(str(regimen), "evil", start=date(2027, 1, 4), zone="Europe/London", cycles=1,
                         store=SqlStore(store_url))  # fmt: skip
    page = nurse.get("/courses/evil")[2]
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)" in page


def test_sign_in_makes_a_new_session_and_sign_out_ends_it(site) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    nurse = Nurse(base)
    nurse.cookie = "planted-by-an-attacker.abc"  # session fixation: a cookie given before sign-in
    nurse.sign_in()
    assert nurse.cookie != "planted-by-an-attacker.abc"
    assert nurse.get("/courses")[0] == 200
    copied = Nurse(base)
    copied.cookie, copied.csrf = (
        nurse.cookie,
        nurse.csrf,
    )  # a stolen cookie works while the session does
    assert copied.get("/courses")[0] == 200
    assert nurse.post("/logout", {})[0] == 303
    assert copied.get("/courses")[0] == 303  # ... and not after signing out
    assert (
        copied.post(
            "/courses/js/change", {"change": "delay", "cycle": "2", "days": "7", "action": "save"}
        )[0]
        == 401
    )


def test_sql_metacharacters_are_data(site) -> None:  # type: ignore[no-untyped-def]
    base, store_url, _ = site
    nurse = Nurse(base)
    assert nurse.sign_in("' OR '1'='1", "' OR '1'='1' --") == 401
    nurse.sign_in()
    for query in ("' OR 1=1 --", "%", "_", "js'; DROP TABLE courses; --", "\\"):
        status, _, body = nurse.get(
            "/courses?q="
            + query.replace(" ", "+")
            .replace("%", "%25")
            .replace("'", "%27")
            .replace(";", "%3B")
            .replace("\\", "%5C")
        )
        assert status == 200
        assert "No course found." in body, query
    assert nurse.get("/courses/js%27%20OR%20%271%27%3D%271")[0] == 404
    assert SqlStore(store_url).keys() == ["js"]


def test_oversized_and_malformed_bodies_are_refused(site) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    nurse = Nurse(base)
    big = b"name=" + b"x" * 1_000_000
    assert nurse.request("POST", "/login", big)[0] == 413
    nurse.sign_in()
    assert (
        nurse.request("POST", "/courses/js/change", big + f"&csrf={nurse.csrf}".encode())[0] == 413
    )
    assert (
        nurse.request("POST", "/courses/js/change", b"\xff\xfe" * 10, {"X-CSRF-Token": nurse.csrf})[
            0
        ]
        == 400
    )
    assert nurse.request("POST", "/courses/js/change", b"{}", {"X-CSRF-Token": nurse.csrf,
                                                               "Content-Type": "application/json"})[0] == 400  # fmt: skip
    many = "&".join(f"f{n}=1" for n in range(5000)).encode()
    assert nurse.request("POST", "/courses/js/change", many, {"X-CSRF-Token": nurse.csrf})[0] in (
        400,
        413,
    )
    assert "No change yet." in nurse.get("/courses/js")[2]


def test_password_guessing_is_throttled_per_name(site) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    guesser = Nurse(base)
    for n in range(5):
        assert guesser.sign_in("nurse.a", f"wrong password {n}") == 401
    status, _, body = guesser.request(
        "POST", "/login", f"name=nurse.a&password={PASSWORD.replace(' ', '+')}".encode()
    )
    assert status == 401 and "too many failed sign-ins for this name: wait 15 minutes" in body


def test_a_stale_edit_is_refused_and_parallel_nurses_on_two_servers_lose_nothing(
    site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base, store_url, _ = site
    add_user(store_url, "nurse.b")
    with clinic(store_url, tmp_path / "log-second", now=NOW) as second:
        a, b = Nurse(base), Nurse(second)
        a.sign_in()
        b.sign_in("nurse.b")
        page_a, page_b = a.get("/courses/js")[2], b.get("/courses/js")[2]
        version = re.search(r'name="version" value="(\d+)"', page_a).group(1)  # type: ignore[union-attr]
        assert version == re.search(r'name="version" value="(\d+)"', page_b).group(1)  # type: ignore[union-attr]
        first = a.post("/courses/js/change", {"change": "delay", "cycle": "2", "days": "7", "version": version,
                                               "reason": "neutrophils 0.9", "action": "save"})  # fmt: skip
        assert first[0] == 303
        stale = b.post("/courses/js/change", {"change": "delay", "cycle": "2", "days": "7", "version": version,
                                               "reason": "typed again", "action": "save"})  # fmt: skip
        assert stale[0] == 409
        assert (
            "changed since you read it (another edit came first: cycle 2 and later cycles delayed by 7 days, by nurse.a"
            in stale[2]
        )
        assert SqlStore(store_url).get("js").course.history[-1].by == "nurse.a"
        assert len(SqlStore(store_url).get("js").course.history) == 1
        # Ten omissions at once, half through each server: ten entries.
        errors: list[object] = []

        def omit(nurse: Nurse, day: int) -> None:
            status, _, body = nurse.post("/courses/js/change", {"change": "omit", "cycle": "3", "day": str(day),
                                                                 "action": "save"})  # fmt: skip
            if status != 303:
                errors.append((day, status, body[-300:]))

        threads = [threading.Thread(target=omit, args=(a if n % 2 else b, day))
                   for n, day in enumerate((1, 2, 3, 4, 5, 8, 9, 10, 11, 12))]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        history = SqlStore(store_url).get("js").course.history
        assert len(history) == 11
        assert sorted(e.change.day for e in history[1:]) == [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]  # type: ignore[union-attr]
        assert {e.by for e in history[1:]} == {"nurse.a", "nurse.b"}


def test_signing_in_never_sends_a_nurse_to_another_site(site) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = site
    for target, landed in (("//evil.example/x", "/courses"), ("https://evil.example", "/courses"),
                           ("/\\evil.example", "/courses"), ("/week", "/week")):  # fmt: skip
        nurse = Nurse(base)
        status, headers, _ = nurse.request("POST", "/login", urlencode({"name": "nurse.a", "password": PASSWORD,
                                                                         "next": target}).encode())  # fmt: skip
        assert status == 303 and headers["location"] == landed, (target, headers.get("location"))
