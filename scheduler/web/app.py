"""The clinic app: a staff web page over the library, served by ``scheduler serve --store``
beside the feeds (docs/app.md).

Every page is a thin shell: it reads a form, calls the same library functions the command line
calls (``new_course``, ``edit_course``, ``record_event``, ``plan_stored``) with the signed-in
nurse as ``by``, and shows the library's own words. Forms work without JavaScript (post, then
redirect); HTMX, vendored in ``static/``, only swaps a preview into the page. Every text goes
through one translation function (``_`` in templates and here).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from ..course.records import REASONS, Status
from ..course.store import Stored
from ..errors import CourseConflict, SchedulerError
from ..store.accounts import Accounts, Session
from ..store.courses import SqlStore, check_key
from .i18n import gettext as _
from .security import COOKIE, MAX_BODY, PUBLIC, headers_for, same_token

__all__ = ["Settings", "add_app"]

_HERE = Path(__file__).parent
#: The changes the course page offers, in the order a nurse meets them.
CHANGES = ("delay", "omit", "hold", "dose", "stop", "retime", "close", "switch", "withdraw")
#: The downloads of a course: (format, suffix, label).
DOWNLOADS = (("ics", ".ics", "Calendar (.ics)"), ("csv", ".csv", "Spreadsheet (CSV)"),
             ("fhir", ".fhir.json", "FHIR Bundle"), ("html", ".html", "Printable calendar"),
             ("diary", ".diary.html", "Dose diary"))  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The clinic's settings: the public address patients' links start with (never loopback),
    the zone new courses default to, and the public holidays that close the clinic."""

    public_url: str = ""
    zone: str = "Europe/London"
    holidays: tuple[str, ...] = ()
    secure_cookies: bool = False


def add_app(
    starlette: Any,
    store: SqlStore,
    *,
    settings: Settings,
    now: Callable[[], datetime],
    background: bool = True,
) -> list[Any]:
    """Add the clinic app's routes and guards to ``starlette`` (the feed server's app); the
    routes added (tests try every one of them). ``background`` starts the thread that keeps
    the agenda up to date (a server; not an app built only to list its routes)."""
    import jinja2
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    accounts = Accounts(store, now=now)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    from .i18n import install

    install(env)

    def today() -> date:
        return now().date()

    def page(request: Request, template: str, status: int = 200, **values: Any) -> Response:
        session: Session | None = request.scope.get("session_user")
        body = env.get_template(template).render(session=session, request=request, settings=settings,
                                             **values)  # fmt: skip
        return HTMLResponse(body, status_code=status, headers=headers_for())

    def redirect(to: str) -> Response:
        return RedirectResponse(to, status_code=303, headers=headers_for())

    async def form_of(request: Request) -> dict[str, str]:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise _TooLarge()
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise _TooLarge()
        from urllib.parse import parse_qsl

        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind not in ("application/x-www-form-urlencoded", ""):
            raise _BadRequest(_("Forms are sent as application/x-www-form-urlencoded."))
        try:
            pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            raise _BadRequest(_("The form could not be read.")) from None
        return {k: v for k, v in pairs}

    def user(request: Request) -> Session:
        found: Session = request.scope["session_user"]
        return found

    # -- signing in -----------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html", error="", name="")
        origin = request.headers.get("origin")
        if origin is not None and origin != _origin(request):
            return page(
                request, "login.html", 403, error=_("This form came from another site."), name=""
            )
        form = await form_of(request)
        name = form.get("name", "").strip()
        try:
            cookie = accounts.sign_in(name, form.get("password", ""))
        except SchedulerError as err:
            return page(request, "login.html", 401, error=str(err), name=name[:64])
        response = redirect(_safe_next(form.get("next", "")))
        response.set_cookie(COOKIE, cookie, max_age=12 * 3600, httponly=True, samesite="strict",
                            secure=settings.secure_cookies, path="/")  # fmt: skip
        return response

    async def logout(request: Request) -> Response:
        accounts.sign_out(request.cookies.get(COOKIE))
        response = redirect("/login")
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- patients and the week --------------------------------------------------------------------

    def home(request: Request) -> Response:
        return redirect("/courses")

    def courses(request: Request) -> Response:
        query = request.query_params.get("q", "")[:100]
        found = store.find(query, limit=200)
        return page(request, "courses.html", query=query, found=found)

    def week_page(request: Request) -> Response:
        from .agenda import refresh, week

        try:
            first = date.fromisoformat(request.query_params.get("from", ""))
        except ValueError:
            first = today() - timedelta(days=today().weekday())
        first = max(min(first, date(2999, 12, 1)), date(1900, 1, 1))
        last = first + timedelta(days=6)
        left = refresh(store, limit=50)  # what changed since; a big import catches up behind
        due = week(store, first, last)
        days = [(first + timedelta(days=n), [d for d in due if d.day == first + timedelta(days=n)])
                for n in range(7)]  # fmt: skip
        return page(request, "week.html", first=first, days=days, waiting=left,
                    before=first - timedelta(days=7), after=first + timedelta(days=7))  # fmt: skip

    # -- a new course ---------------------------------------------------------------------------

    async def new_course_page(request: Request) -> Response:
        values = {"regimen": "", "start": "", "zone": settings.zone, "cycles": "", "label": "",
                  "weight": "", "height": "", "gfr": "", "key": "",
                  "holidays": ",".join(settings.holidays)}  # fmt: skip
        preview = None
        error = ""
        if request.method == "POST":
            form = await form_of(request)
            values.update({k: form.get(k, "")[:200] for k in values})
            try:
                preview = _new_course(values, user(request).name, save=form.get("action") == "save",
                                      store=store, settings=settings)  # fmt: skip
            except SchedulerError as err:
                error = str(err)
            else:
                if form.get("action") == "save":
                    accounts.audit(user(request).name, "course created", values["key"])
                    return redirect(f"/courses/{quote(values['key'])}")
        regimens = _regimen_choices(request.query_params.get("find", ""))
        described = ""
        if values["regimen"] in {regimen_id for regimen_id, _label, _text in _catalog()}:
            from ..regimen.catalog import resolve
            from ..regimen.describe import describe

            described = describe(resolve(values["regimen"]))
        return page(request, "new.html", values=values, preview=preview, error=error,
                    described=described,
                    regimens=regimens, query=urlencode({k: v for k, v in values.items() if v}))  # fmt: skip

    def preview_calendar(request: Request) -> Response:
        values = {k: request.query_params.get(k, "")[:200] for k in
                  ("regimen", "start", "zone", "cycles", "label", "weight", "height", "gfr", "holidays")}  # fmt: skip
        try:
            planned = _preview_plan(values, settings)
            body = planned.render("html", stamp=now())
        except SchedulerError as err:
            return HTMLResponse(
                f"<p>{_escape(str(err))}</p>", status_code=400, headers=headers_for(True)
            )
        return Response(body, media_type="text/html; charset=utf-8", headers=headers_for(True))

    # -- a course -----------------------------------------------------------------------------------

    def stored_of(request: Request) -> Stored:
        key = request.path_params["key"]
        check_key(key)
        return store.get(key)

    def course_page(request: Request, *, preview: Any = None, error: str = "", status: int = 200,
                    form: dict[str, str] | None = None) -> Response:  # fmt: skip
        from ..course.replan import regimen_now
        from ..course.wording import describe_course, history_lines

        stored = stored_of(request)
        course = stored.course
        regimen = regimen_now(course)
        return page(
            request, "course.html", status, key=stored.key, stored=stored, course=course,
            summary=describe_course(course, today=now().astimezone(course.zone()).date()),
            history=history_lines(course.history), regimen=regimen, changes=CHANGES,
            regimens=_regimen_choices(""),
            reasons=list(REASONS), statuses=[str(status) for status in Status], preview=preview,
            error=error, form=form or {}, downloads=DOWNLOADS,
        )  # fmt: skip

    def course_view(request: Request) -> Response:
        return course_page(request)

    async def course_change(request: Request) -> Response:
        from ..course.diff import describe_changes, items_from_events
        from ..course.file import change_from_text
        from ..course.replan import edit_course
        from ..course.wording import words

        stored = stored_of(request)
        form = await form_of(request)
        action = form.get("change", "")
        save = form.get("action") == "save"
        try:
            if action not in CHANGES:
                raise _BadRequest(_("Choose a change."))
            change = change_from_text(action, form)
            edit = edit_course(stored.key, lambda _c: change, reason=form.get("reason", "").strip(),
                               now=now, by=user(request).name, dry_run=not save,
                               store=store, expected=form.get("version") or None)  # fmt: skip
        except CourseConflict as err:
            return course_page(request, error=str(err), status=409, form=form)
        except SchedulerError as err:
            return course_page(request, error=str(err), status=400, form=form)
        said = describe_changes(items_from_events(edit.before), items_from_events(edit.after))
        if save:
            accounts.audit(user(request).name, action, stored.key, words(edit.entry.change))
            return redirect(f"/courses/{quote(stored.key)}")
        preview = {"words": words(edit.entry.change), "lines": said, "form": form}
        if request.headers.get("hx-request"):
            return page(request, "preview.html", preview=preview)
        return course_page(request, preview=preview, form=form)

    async def course_record(request: Request) -> Response:
        from ..course.records import record_words
        from ..course.replan import Which, record_event

        stored = stored_of(request)
        form = await form_of(request)
        try:
            status = Status(form.get("status", ""))
        except ValueError:
            return course_page(request, error=_("Choose what happened."), status=400, form=form)
        try:
            which = Which(int(form.get("phase") or 1), int(form.get("cycle", "")), int(form.get("day", "")),
                          form.get("drug") or None)  # fmt: skip
            records = record_event(stored.key, which, status, now=now, by=user(request).name,
                                   reason=form.get("why") or None, note=form.get("note", "").strip(),
                                   store=store)  # fmt: skip
        except ValueError:
            return course_page(
                request, error=_("Cycle and day are whole numbers."), status=400, form=form
            )
        except SchedulerError as err:
            return course_page(request, error=str(err), status=400, form=form)
        zone = stored.course.zone()
        accounts.audit(user(request).name, f"recorded {status}", stored.key,
                       "; ".join(f"{r.what}: {record_words(r, zone)}" for r in records))  # fmt: skip
        return redirect(f"/courses/{quote(stored.key)}")

    def course_calendar(request: Request) -> Response:
        from ..planner import plan_stored

        stored = stored_of(request)
        body = plan_stored(stored.course).render("html", stamp=now())
        return Response(body, media_type="text/html; charset=utf-8", headers=headers_for(True))

    def course_download(request: Request) -> Response:
        from ..export.formats import format_named
        from ..planner import plan_stored

        stored = stored_of(request)
        fmt = request.path_params["fmt"]
        if fmt not in {f for f, _s, _l in DOWNLOADS}:
            return Response(b"Not Found\n", status_code=404, headers=headers_for())
        chosen = format_named(fmt)
        suffix = next(s for f, s, _l in DOWNLOADS if f == fmt)
        body = plan_stored(stored.course).render(fmt, stamp=now())
        headers = {**headers_for(document=True),
                   "Content-Disposition": f'attachment; filename="{stored.key}{suffix}"'}  # fmt: skip
        accounts.audit(user(request).name, f"downloaded {fmt}", stored.key)
        return Response(body, media_type=chosen.media_type, headers=headers)

    # -- sharing --------------------------------------------------------------------------------------

    def share(request: Request) -> Response:
        stored = stored_of(request)
        readers = []
        for token in store.tokens(stored.key).tokens:
            link = (
                f"{settings.public_url.rstrip('/')}/feeds/{token.token}.ics"
                if settings.public_url
                else ""
            )
            readers.append({"name": token.name, "link": link,
                            "webcal": "webcal://" + link.split("://", 1)[1] if link else "",
                            "qr": _qr(link) if link else "", "created": token.created})  # fmt: skip
        return page(request, "share.html", key=stored.key, readers=readers)

    async def share_change(request: Request) -> Response:
        stored = stored_of(request)
        form = await form_of(request)
        reader = form.get("reader", "patient").strip() or "patient"
        try:
            if form.get("action") == "revoke":
                store.revoke_token(stored.key, reader)
            else:
                store.rotate_token(stored.key, reader, now=now())
        except SchedulerError as err:
            return page(request, "share.html", 400, key=stored.key, readers=[], error=str(err))
        accounts.audit(
            user(request).name, f"{form.get('action') or 'rotate'} link", stored.key, reader
        )
        return redirect(f"/courses/{quote(stored.key)}/share")

    # -- guards ---------------------------------------------------------------------------------------

    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home),
        Route("/courses", courses),
        Route("/week", week_page),
        Route("/courses/new", new_course_page, methods=["GET", "POST"]),
        Route("/courses/new/calendar.html", preview_calendar),
        Route("/courses/{key}", course_view),
        Route("/courses/{key}/change", course_change, methods=["POST"]),
        Route("/courses/{key}/record", course_record, methods=["POST"]),
        Route("/courses/{key}/calendar.html", course_calendar),
        Route("/courses/{key}/download/{fmt}", course_download),
        Route("/courses/{key}/share", share),
        Route("/courses/{key}/share", share_change, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    router = starlette.router
    catch_all = router.routes.pop()  # the feed server's plain 404 for everything else
    router.routes.extend([*routes, catch_all])
    starlette.add_middleware(_Guard, accounts=accounts, page=page)
    if background:
        _catch_up(store)
    return routes


def _catch_up(store: SqlStore) -> None:
    """Keep the agenda up to date in the background (after an import, thousands of courses
    wait to be planned: no request should plan them)."""
    import logging
    import threading
    import time

    from .agenda import refresh

    def run() -> None:
        while True:
            try:
                left = refresh(store, limit=100)
            except Exception as err:
                logging.getLogger("scheduler.web").error(
                    "cannot bring the agenda up to date: %s", err
                )
                left = 0
            time.sleep(0.2 if left else 2.0)

    threading.Thread(target=run, name="agenda", daemon=True).start()


class _TooLarge(Exception):
    pass


class _BadRequest(Exception):
    pass


class _Guard:
    """Sign-in, CSRF, body bounds and error pages around every app route (ASGI middleware)."""

    def __init__(self, app: Any, *, accounts: Accounts, page: Any) -> None:
        self.app, self.accounts, self.page = app, accounts, page

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse, RedirectResponse

        path: str = scope["path"]
        request = Request(scope, receive)
        if any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC):
            try:
                await self.app(scope, receive, send)
            except _TooLarge:
                await PlainTextResponse("Too large\n", status_code=413, headers=headers_for())(
                    scope, receive, send
                )
            return
        session = self.accounts.session(request.cookies.get("scheduler_session"))
        if session is None:
            if request.headers.get("hx-request") or request.method != "GET":
                response: Any = PlainTextResponse(
                    "Sign in first\n", status_code=401, headers=headers_for()
                )
            else:
                response = RedirectResponse("/login?" + urlencode({"next": path}), status_code=303,
                                            headers=headers_for())  # fmt: skip
            await response(scope, receive, send)
            return
        scope["session_user"] = session
        if request.method not in ("GET", "HEAD"):
            given = request.headers.get("x-csrf-token")
            if given is None:
                # The token is in the form: read the body once, then hand it on.
                body = b""
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > MAX_BODY:
                        await PlainTextResponse(
                            "Too large\n", status_code=413, headers=headers_for()
                        )(scope, receive, send)
                        return
                from urllib.parse import parse_qs

                try:
                    given = parse_qs(body.decode("utf-8"), max_num_fields=100).get("csrf", [None])[
                        0
                    ]
                except (UnicodeDecodeError, ValueError):
                    given = None
                sent = False

                async def replay() -> dict[str, Any]:
                    nonlocal sent
                    if sent:
                        return {"type": "http.disconnect"}
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}

                receive = replay
            if not same_token(given, session.csrf):
                await PlainTextResponse("The form has expired: load the page again\n",
                                        status_code=403, headers=headers_for())(scope, receive, send)  # fmt: skip
                return
        try:
            await self.app(scope, receive, send)
        except _TooLarge:
            await PlainTextResponse("Too large\n", status_code=413, headers=headers_for())(
                scope, receive, send
            )
        except _BadRequest as err:
            await PlainTextResponse(f"{err}\n", status_code=400, headers=headers_for())(
                scope, receive, send
            )
        except SchedulerError as err:
            await PlainTextResponse(f"{err}\n", status_code=404 if "no course named" in str(err)
                                    or "not a course name" in str(err) else 400,
                                    headers=headers_for())(scope, receive, send)  # fmt: skip


def _origin(request: Any) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path of this app only (never another site)."""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and len(target) < 300
    ):
        return target
    return "/courses"


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _qr(link: str) -> str:
    """The link as a QR code, an SVG data URL (the page's images may be data: URLs)."""
    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=5, border=4)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@cache
def _catalog() -> tuple[tuple[str, str, str], ...]:
    """Every bundled regimen as (id, label with show's cycles, what a search matches): read
    once (the package's regimens do not change while the app runs)."""
    from ..regimen.catalog import bundled_ids, resolve, summaries

    cycles = {summary.id: summary.cycles for summary in summaries()}
    out = []
    for regimen_id in bundled_ids():
        regimen = resolve(regimen_id)
        text = " ".join([regimen.id, regimen.name, *(d.name for d in regimen.drugs)]).lower()
        out.append((regimen.id, f"{regimen.name} ({cycles.get(regimen.id, '')})", text))
    return tuple(out)


def _regimen_choices(find: str) -> list[tuple[str, str]]:
    """Bundled regimens matching ``find`` (by id, name or drug), with show's cycles."""
    needle = find.strip().lower()[:50]
    return [(regimen_id, label) for regimen_id, label, text in _catalog() if needle in text]


@dataclass(frozen=True)
class _NewCourse:
    """The new-course form, read: what both the preview and the saved course are made from."""

    regimen: str
    start: date
    zone: str
    cycles: int | None
    label: str
    body: Any
    holidays: tuple[str, ...]


def _read_new(values: dict[str, str], settings: Settings) -> _NewCourse:
    """The form's texts as typed values, each refusal naming its field."""
    from ..regimen.dosing import FigureError, read_body

    try:
        start = date.fromisoformat(values.get("start", "").strip())
    except ValueError:
        raise _field("start", _("Give the first day of cycle 1 as a date (YYYY-MM-DD).")) from None
    try:
        body = read_body(values.get("weight") or None, values.get("height") or None, "mosteller",
                         values.get("gfr") or None, None, None, None)  # fmt: skip
    except FigureError as err:
        raise _field(err.figure, str(err)) from None
    return _NewCourse(
        regimen=values.get("regimen", ""),
        start=start,
        zone=values.get("zone") or settings.zone,
        cycles=int(values["cycles"]) if values.get("cycles", "").isdigit() else None,
        label=values.get("label", ""),
        body=body,
        holidays=tuple(h.strip() for h in values.get("holidays", "").split(",") if h.strip()),
    )


def _preview_plan(values: dict[str, str], settings: Settings) -> Any:
    from ..plan.closures import Closures
    from ..planner import plan

    form = _read_new(values, settings)
    return plan(form.regimen, start=form.start, zone=form.zone, cycles=form.cycles, body=form.body,
                label=form.label, closures=Closures(regions=form.holidays) if form.holidays else None)  # fmt: skip


def _field(name: str, message: str) -> SchedulerError:
    from ..errors import PlanError

    return PlanError(message, field=name)


def _new_course(values: dict[str, str], by: str, *, save: bool, store: SqlStore,
                settings: Settings) -> Any:  # fmt: skip
    """The preview of a new course (its plan, with warnings), and the course itself if ``save``."""
    from ..course.replan import new_course

    if save:
        check_key(values.get("key", ""))
    planned = _preview_plan(values, settings)
    if save:
        form = _read_new(values, settings)
        new_course(form.regimen, values["key"], start=form.start, zone=form.zone, cycles=form.cycles,
                   label=form.label, body=form.body, holidays=form.holidays, store=store)  # fmt: skip
    doses = [e for e in planned.events if e.kind == "dose" and not e.cancelled]
    return {"summary": planned.summary(), "warnings": list(planned.warnings),
            "first": [(e.start, e.title, e.amount_working or "") for e in doses[:12]]}  # fmt: skip
