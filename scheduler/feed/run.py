"""Running the feed server: uvicorn with the limits a public service needs.

- **Slow clients are dropped**: a request's line and headers must arrive within
  ``header_timeout`` seconds of its first byte (or of the connection), and an idle keep-alive
  connection is closed after ``keep_alive`` seconds (uvicorn's own setting). uvicorn alone waits
  for a half-sent request for ever, so one client could hold every connection.
- **A bound on connections** below the process's file-descriptor limit (raised to its hard
  limit first): past it uvicorn answers 503 at once instead of running out of descriptors.
- **Floods do not fill the log**: each kind of warning from uvicorn and asyncio (out of file
  descriptors on accept, over the concurrency limit, invalid requests) is written at most once
  a minute, with a count of those held back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

__all__ = ["HEADER_TIMEOUT", "KEEP_ALIVE", "concurrency_limit", "serve"]

#: Seconds a client has to send a request's line and headers.
HEADER_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE = 5
#: File descriptors kept back from connections: the listening socket, logs, and the files
#: the worker threads read (course, regimen, token files).
_RESERVED = 128


def concurrency_limit() -> int:
    """Connections allowed at once: the descriptor limit (raised to the hard limit) less a
    reserve."""
    try:
        import resource
    except ImportError:  # not POSIX
        return 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    usable = 65_536 if soft == resource.RLIM_INFINITY else soft
    return max(16, min(usable, 65_536) - _RESERVED)


class _OncePerMinute(logging.Filter):
    """Let each kind of message (its template) through at most once per ``every`` seconds."""

    def __init__(self, every: float = 60.0) -> None:
        super().__init__()
        self.every = every
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = _kind(str(record.msg))
        now = time.monotonic()
        if now - self._last.get(kind, float("-inf")) < self.every:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.getMessage()} (and {held} more like it in the last minute)"
            record.args = None
        if record.exc_info and "out of system resource" in str(record.msg):
            record.exc_info = None  # the errno says it; no traceback a second each
        return True


def _kind(message: str) -> str:
    """What a message is about, without the parts that differ each time (a callback's
    arguments and due time in asyncio's "Exception in callback ..." lines)."""
    first = message.split("\n", 1)[0]
    if first.startswith("Exception in callback "):
        return first.split("(", 1)[0]
    return message


def _on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's handler, less one harmless error: after running out of descriptors asyncio
    retries accept() a moment later, once per failed attempt, and a retry that falls due after
    the server has closed (on shutdown) finds the listening socket gone."""
    callback = getattr(context.get("handle"), "_callback", None)
    if isinstance(context.get("exception"), ValueError) and (
        getattr(callback, "__name__", "") == "_start_serving"
    ):
        return
    loop.default_exception_handler(context)


def _guarded_protocol() -> type[asyncio.Protocol]:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Guarded(H11Protocol):
        """uvicorn's h11 protocol with a deadline for each request's line and headers."""

        header_timeout = HEADER_TIMEOUT
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.conn.their_state is h11.IDLE:
                self._arm()
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()  # the keep-alive timeout watches the gap before the next request

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return Guarded


def serve(
    app: Any,
    *,
    host: str,
    port: int,
    header_timeout: float = HEADER_TIMEOUT,
    keep_alive: int = KEEP_ALIVE,
) -> None:
    """Serve ``app`` on ``host``:``port`` until interrupted."""
    import uvicorn

    once = _OncePerMinute()
    for name in ("uvicorn.error", "asyncio"):
        logging.getLogger(name).addFilter(once)
    protocol = _guarded_protocol()
    protocol.header_timeout = header_timeout  # type: ignore[attr-defined]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=keep_alive,
        limit_concurrency=concurrency_limit(),
        lifespan="off",
    )

    class Server(uvicorn.Server):
        async def serve(self, sockets: Any = None) -> None:
            asyncio.get_running_loop().set_exception_handler(_on_loop_error)
            await super().serve(sockets)

    Server(config).run()
