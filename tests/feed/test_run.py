"""The feed server's guards on its own log: a flood is one line a minute, and an accept()
retry that falls due after shutdown is not an error."""

from __future__ import annotations

import asyncio
import logging

from scheduler.feed.run import _on_loop_error, _OncePerMinute


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, None)


def test_callbacks_that_differ_only_in_arguments_are_one_kind() -> None:
    once = _OncePerMinute()
    first = "Exception in callback Loop._start_serving(<socket fd=7>, 2048)\nhandle: <when=1.5>"
    second = "Exception in callback Loop._start_serving(<socket fd=-1>, 2048)\nhandle: <when=1.6>"
    assert once.filter(record(first)) is True
    assert once.filter(record(second)) is False
    assert once.filter(record("Exception in callback Other.method()")) is True


def test_a_retry_of_accept_after_the_server_closed_is_not_logged() -> None:
    loop = asyncio.new_event_loop()
    try:
        seen: list[dict[str, object]] = []
        loop.default_exception_handler = seen.append  # type: ignore[method-assign]

        def _start_serving() -> None:
            raise ValueError("Invalid file descriptor: -1")

        def other() -> None:
            raise ValueError("something else")

        for callback in (_start_serving, other):
            handle = asyncio.Handle(callback, (), loop)
            context = {
                "message": "Exception in callback",
                "exception": ValueError(),
                "handle": handle,
            }
            _on_loop_error(loop, context)
        assert [c["handle"]._callback.__name__ for c in seen] == ["other"]  # type: ignore[attr-defined]
    finally:
        loop.close()
