"""Rendered feeds kept for revalidations, bounded in bytes: least recently used go first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

from .calendar import Feed

__all__ = ["Cached", "FeedCache"]

#: What a cached feed costs beyond its body (the entry, its key and headers), in bytes.
_OVERHEAD = 1_000


@dataclass(frozen=True)
class Cached:
    """A rendered feed and everything its body depends on: it is served again only while all
    of these are unchanged."""

    course_version: str
    regimen: Path
    regimen_version: str
    day: object
    feed: Feed


class FeedCache:
    """A thread-safe LRU of rendered feeds holding at most ``max_bytes`` of them."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Cached, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Cached | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Cached) -> None:
        size = len(value.feed.body) + _OVERHEAD
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return  # bigger than the whole cache: served, never kept
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
