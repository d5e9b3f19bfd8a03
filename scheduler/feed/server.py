"""The feed server: an ASGI application (Starlette) serving each course's calendar at
``/feeds/<token>.ics``, run by uvicorn (``scheduler serve``).

- Only two routes: ``/feeds/<token>.ics`` and ``/health``. Everything else, and every unknown or
  malformed token, is the same plain 404: no listing, no path is ever opened from the URL (a
  token is looked up by its digest in an index built from the token files).
- The index is rebuilt when the courses folder changes (a token rotated or revoked, a course
  added), checked with one ``stat`` per request.
- A feed is cached per course version (the course file's inode, size and mtime) and day, so a
  revalidation with ``If-None-Match`` or ``If-Modified-Since`` costs a ``stat`` and a 304; a
  changed course is planned again on the next request.
- The access log never shows a token.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..course.tokens import SUFFIX, digest, load_access, well_formed
from ..errors import SchedulerError
from .calendar import DEFAULT_REFRESH, Feed, Window, render_feed

__all__ = ["FeedIndex", "create_app"]

log = logging.getLogger("scheduler.feed")
_NOT_FOUND = b"Not Found\n"
_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class _Entry:
    course: Path
    reader: str
    show_label: bool


class FeedIndex:
    """Token digest -> course, for the token files in one folder; rebuilt when it changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stamp: int | None = None
        self._entries: dict[bytes, _Entry] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> _Entry | None:
        self._refresh()
        return self._entries.get(digest(token))

    def __len__(self) -> int:
        self._refresh()
        return len({e.course for e in self._entries.values()})

    def _refresh(self) -> None:
        stamp = os.stat(self.folder).st_mtime_ns
        if stamp == self._stamp:
            return
        with self._lock:
            entries: dict[bytes, _Entry] = {}
            for path in sorted(self.folder.glob("*" + SUFFIX)):
                course = path.with_name(path.name[: -len(SUFFIX)] + ".toml")
                try:
                    access = load_access(course)
                except SchedulerError as err:
                    log.warning("skipped %s: %s", path.name, err)
                    continue
                for token in access.tokens:
                    entries[digest(token.token)] = _Entry(course, token.name, token.show_label)
            self._entries, self._stamp = entries, stamp


def create_app(
    folder: str | Path,
    *,
    window: Window | None = None,
    refresh: timedelta = DEFAULT_REFRESH,
    today: Callable[[], date] = date.today,
) -> Any:
    """The ASGI application serving the courses in ``folder``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    index = FeedIndex(Path(folder))
    chosen = window or Window()
    cache: dict[tuple[Path, bool], tuple[tuple[int, int, int, date], Feed]] = {}

    def feed_for(entry: _Entry) -> Feed:
        info = os.stat(entry.course)
        key = (info.st_ino, info.st_size, info.st_mtime_ns, today())
        cached = cache.get((entry.course, entry.show_label))
        if cached is not None and cached[0] == key:
            return cached[1]
        made = render_feed(entry.course, today=key[3], window=chosen, show_label=entry.show_label,
                           refresh=refresh)  # fmt: skip
        cache[entry.course, entry.show_label] = (key, made)
        return made

    def not_found() -> Response:
        return Response(_NOT_FOUND, status_code=404, media_type=_TEXT)

    async def feed(request: Request) -> Response:
        name = request.path_params["name"]
        token = name[:-4] if name.endswith(".ics") else ""
        entry = index.lookup(token if well_formed(token) else name)  # same work either way
        if entry is None or not well_formed(token):
            return not_found()
        try:
            made = feed_for(entry)
        except FileNotFoundError:
            return not_found()
        except SchedulerError as err:
            log.error("%s (%s): %s", entry.course.name, entry.reader, err)
            return Response(
                b"The calendar cannot be made now.\n", status_code=503, media_type=_TEXT
            )
        headers = {
            "ETag": made.etag,
            "Last-Modified": format_datetime(made.last_modified, usegmt=True),
            "Cache-Control": "private, max-age=0, must-revalidate",
        }
        if _fresh(request.headers, made):
            return Response(status_code=304, headers=headers)
        return Response(made.body, media_type="text/calendar; charset=utf-8", headers=headers)

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "courses": len(index)})

    async def missing(_request: Request) -> Response:
        return not_found()

    routes = [
        Route("/health", health, methods=["GET", "HEAD"]),
        Route("/feeds/{name:str}", feed, methods=["GET", "HEAD"]),
        Route("/{rest:path}", missing, methods=["GET", "HEAD", "POST", "PUT", "DELETE"]),
    ]
    return _Logged(Starlette(routes=routes))


def _fresh(headers: Any, made: Feed) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; otherwise If-Modified-Since."""
    match = headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or made.etag in [m.strip() for m in match.split(",")]
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when: datetime = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and made.last_modified <= when


class _Logged:
    """An access log line per request, with the token replaced: ``GET /feeds/…ics 200``."""

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

        await self.app(scope, receive, sending)
        path = scope.get("path", "")
        shown = "/feeds/…" if path.startswith("/feeds/") else path[:60]
        client = (scope.get("client") or ("-",))[0]
        log.info('%s "%s %s" %d', client, scope.get("method", "-"), shown, status[0])
