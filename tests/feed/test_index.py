"""The feed index and cache, without a server: one token opens one course, a duplicate opens
none, only changed token files are read again, and the cache keeps to its bound in bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scheduler.course.store import FileStore
from scheduler.feed.cache import Cached, FeedCache
from scheduler.feed.calendar import Feed
from scheduler.feed.index import FeedIndex

from .serving import new_course, token_of


class Counting(FileStore):
    """A file store that counts the token files it reads."""

    reads = 0

    def tokens(self, key):  # type: ignore[no-untyped-def]
        Counting.reads += 1
        return super().tokens(key)


def test_only_changed_token_files_are_read_again(tmp_path: Path) -> None:
    courses = [new_course(tmp_path, f"p{n}") for n in range(4)]
    clock = [0.0]
    Counting.reads = 0
    index = FeedIndex(Counting(tmp_path), folder=tmp_path, sweep=5, clock=lambda: clock[0])
    assert Counting.reads == 4 and index.courses() == 4
    assert index.lookup(token_of(courses[2])).key == str(courses[2])  # type: ignore[union-attr]
    clock[0] = 6.0  # a sweep: nothing changed, nothing read
    assert index.courses() == 4 and Counting.reads == 4
    old = token_of(courses[1])
    from scheduler.course.tokens import rotate

    rotate(courses[1], now=datetime(2027, 1, 3, tzinfo=UTC))
    assert index.lookup(old) is None  # re-checked on lookup, before any sweep
    assert Counting.reads == 5
    clock[0] = 12.0
    assert index.lookup(token_of(courses[1])) is not None and Counting.reads == 5


def test_a_token_in_two_files_opens_neither(tmp_path: Path) -> None:
    one, other = new_course(tmp_path, "ab"), new_course(tmp_path, "cd")
    (tmp_path / "cd.feed.toml").write_bytes((tmp_path / "ab.feed.toml").read_bytes())
    index = FeedIndex(FileStore(tmp_path), folder=tmp_path)
    assert index.lookup(token_of(one)) is None and index.lookup(token_of(other)) is None
    assert index.duplicates() == 1


def _cached(size: int) -> Cached:
    feed = Feed(b"x" * size, '"e"', datetime(2027, 1, 1, tzinfo=UTC), 1, 0)
    return Cached("v", Path("r.toml"), "rv", None, feed)


def test_the_cache_keeps_to_its_bound_dropping_the_least_recently_used() -> None:
    cache = FeedCache(max_bytes=10_000)
    for key in "abcd":
        cache.put(key, _cached(3_000))  # 4,000 bytes each with the entry's overhead
    assert len(cache) == 2 and cache.size <= 10_000
    assert cache.get("a") is None and cache.get("c") is not None
    cache.put("e", _cached(3_000))  # "d" was used least recently ("c" was just read)
    assert cache.get("d") is None and cache.get("c") is not None
    cache.put("huge", _cached(20_000))  # larger than the whole cache: never kept
    assert cache.get("huge") is None and cache.size <= 10_000


def test_validators_outlive_the_bodies_they_came_from() -> None:
    cache = FeedCache(max_bytes=5_000, max_validators=3)
    for key in "abcd":
        cache.put(key, _cached(3_000))
    assert len(cache) == 1 and cache.get("d") is not None  # one body fits
    assert cache.validator("a") is None  # beyond the 3 validators kept
    kept = cache.validator("b")
    assert kept is not None and kept.etag == '"e"' and cache.get("b") is None
