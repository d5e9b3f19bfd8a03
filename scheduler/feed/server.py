"""The feed server: an ASGI application (Starlette) serving each course's calendar at
``/feeds/<token>.ics``; :mod:`scheduler.feed.run` runs it under uvicorn (``scheduler serve``).

- Only two routes: ``/feeds/<token>.ics`` and ``/health``. Everything else, and every unknown,
  malformed or duplicated token, is the same plain 404: no listing, no path is ever opened from
  the URL (a token is looked up by its digest in :class:`~scheduler.feed.index.FeedIndex`).
- Courses and tokens are read through the course store (:mod:`scheduler.course.store`).
- Endpoints are plain functions, run in Starlette's thread pool: planning, reading files and
  sweeping the index never hold up the event loop (other requests, ``/health``).
- A feed is cached while everything its body depends on is unchanged: the course's version,
  the regimen file it uses, the day (the window) and the reader's label setting. The cache is
  bounded in bytes (least recently used go first). Revalidation: ``If-None-Match`` compared
  weakly (RFC 9110 §13.1.2: what a gzip proxy sends back is ``W/"..."``), else
  ``If-Modified-Since`` against a Last-Modified that moves whenever the body can.
- No log line shows a token, whatever the path or query; control characters are escaped.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..course.store import CourseStore, FileStore
from ..course.tokens import well_formed
from ..errors import SchedulerError
from ..export.formats import FORMATS
from .cache import Cached, FeedCache, Validator
from .calendar import DEFAULT_REFRESH, Feed, Window, file_modified, render_feed
from .index import Entry, FeedIndex

__all__ = ["DEFAULT_CACHE_BYTES", "Throttled", "create_app", "fresh", "loggable"]

log = logging.getLogger("scheduler.feed")
_NOT_FOUND = b"Not Found\n"
_TEXT = "text/plain; charset=utf-8"
_CALENDAR = FORMATS["ics"].media_type
#: The default bound of the rendered-feed cache: about 230 feeds of a 400-day window of daily
#: doses (275 KB each); validators of every feed are kept besides (see cache.py).
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
#: Anything that could be a token (43 URL-safe base64 characters), in a path or query.
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,}")


class Throttled:
    """Log a kind of message at most once per ``every`` seconds, saying how many were held back
    (a flood of one failure must not fill the disk)."""

    def __init__(self, logger: logging.Logger, every: float = 60.0) -> None:
        self.logger, self.every = logger, every
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: str, level: int, message: str, *args: object) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(kind, float("-inf")) < self.every:
                self._held[kind] = self._held.get(kind, 0) + 1
                return
            self._last[kind] = now
            held = self._held.pop(kind, 0)
        if held:
            message += " (and %d more like it since the last)"
            args = (*args, held)
        self.logger.log(level, message, *args)


def create_app(
    folder: str | Path,
    *,
    store: CourseStore | None = None,
    window: Window | None = None,
    refresh: timedelta = DEFAULT_REFRESH,
    today: Callable[[], date] = date.today,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    sweep: float = 5.0,
) -> Any:
    """The ASGI application serving the courses in ``folder``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    courses = store or FileStore(folder)
    index = FeedIndex(courses, folder=folder, sweep=sweep)
    chosen = window or Window()
    cache = FeedCache(cache_bytes)
    throttled = Throttled(log)

    def standing(held: Cached | Validator | None, version: str, day: date) -> bool:
        """Whether what was rendered still stands: same course, regimen files and day."""
        return (
            held is not None
            and held.course_version == version
            and held.day == day
            and tuple(map(_file_version, held.regimens)) == held.regimen_versions
        )

    def feed_for(entry: Entry, version: str, day: date) -> Feed:
        held = cache.get((entry.key, entry.show_label))
        if held is not None and standing(held, version, day):
            return held.feed
        stored = courses.get(entry.key)
        regimens = stored.course.regimen_paths()
        versions = tuple(map(_file_version, regimens))
        modified = max(file_modified(path) for path in regimens)
        made = render_feed(stored, regimen_modified=modified, today=day,
                           window=chosen, show_label=entry.show_label, refresh=refresh)  # fmt: skip
        cache.put((entry.key, entry.show_label),
                  Cached(stored.version, regimens, versions, day, made))  # fmt: skip
        return made

    def not_found() -> Response:
        return Response(_NOT_FOUND, status_code=404, media_type=_TEXT)

    def unavailable() -> Response:
        return Response(b"The calendar cannot be made now.\n", status_code=503, media_type=_TEXT,
                        headers={"Retry-After": "60"})  # fmt: skip

    def feed(request: Request) -> Response:
        name = request.path_params["name"]
        token = name[:-4] if name.endswith(".ics") else ""
        entry = index.lookup(token if well_formed(token) else name)  # same work either way
        if entry is None or not well_formed(token):
            return not_found()
        try:
            day, version = today(), courses.version(entry.key)
            # A revalidation needs no body: the validators of the feed last rendered stand
            # while the course, its regimen file and the day are the same.
            known = cache.validator((entry.key, entry.show_label))
            if (
                known is not None
                and _conditional(request.headers)
                and standing(known, version, day)
                and fresh(request.headers, known.etag, known.last_modified)
            ):
                return Response(status_code=304,
                                headers=_validators(known.etag, known.last_modified))  # fmt: skip
            made = feed_for(entry, version, day)
        except SchedulerError as err:
            if not courses.exists(entry.key):
                return not_found()  # the course went since the index was read
            # Once a minute per kind of failure (not per course: running out of file
            # descriptors fails every course alike).
            kind = getattr(err, "message", str(err))
            throttled(kind, logging.ERROR, "%s (%s): %s", Path(entry.key).name, entry.reader, err)
            return unavailable()
        except OSError as err:  # out of file descriptors, a disk error: say it, briefly
            throttled("oserror", logging.ERROR, "cannot read the courses: %s", err.strerror)
            return unavailable()
        headers = _validators(made.etag, made.last_modified)
        if fresh(request.headers, made.etag, made.last_modified):
            return Response(status_code=304, headers=headers)
        return Response(made.body, media_type=_CALENDAR, headers=headers)

    def health(_request: Request) -> Response:
        duplicates = index.duplicates()
        body: dict[str, object] = {"status": "ok" if not duplicates else "duplicate tokens",
                                   "courses": index.courses()}  # fmt: skip
        if duplicates:
            body["duplicate_tokens"] = duplicates
        return JSONResponse(body)

    def missing(_request: Request) -> Response:
        return not_found()

    routes = [
        Route("/health", health, methods=["GET", "HEAD"]),
        Route("/feeds/{name:str}", feed, methods=["GET", "HEAD"]),
        Route("/{rest:path}", missing, methods=["GET", "HEAD", "POST", "PUT", "DELETE"]),
    ]
    return _Logged(Starlette(routes=routes))


def _file_version(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return "-"
    return f"{info.st_ino}.{info.st_size}.{info.st_mtime_ns}.{info.st_ctime_ns}"


def _conditional(headers: Any) -> bool:
    return "if-none-match" in headers or "if-modified-since" in headers


def _validators(etag: str, last_modified: datetime) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": "private, max-age=0, must-revalidate",
    }


def fresh(headers: Any, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison, §13.1.2) wins; otherwise
    If-Modified-Since."""
    match = headers.get("if-none-match")
    if match is not None:
        if match.strip() == "*":
            return True
        ours = _opaque(etag)
        return any(_opaque(tag) == ours for tag in match.split(","))
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when: datetime = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return when.tzinfo is not None and last_modified <= when


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def loggable(path: str, query: bytes = b"") -> str:
    """A request's path (and query) as an access log may show it: anything that could be a token
    replaced by ``…``, control and other unprintable characters escaped, at most 200 long."""
    text = path + ("?" + query.decode("latin-1") if query else "")
    text = _SECRET.sub("…", text)
    escaped = "".join(c if c.isprintable() and c not in '\\"' else _escape(c) for c in text)
    return escaped if len(escaped) <= 200 else escaped[:199] + "…"


def _escape(char: str) -> str:
    code = ord(char)
    if char in '\\"':
        return "\\" + char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _Logged:
    """An access log line per request, with no token: ``GET /feeds/….ics 200``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [0]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            shown = loggable(scope.get("path", ""), scope.get("query_string", b""))
            client = (scope.get("client") or ("-",))[0]
            method = loggable(str(scope.get("method", "-")))[:16]
            log.info('%s "%s %s" %d', client, method, shown, status[0])
