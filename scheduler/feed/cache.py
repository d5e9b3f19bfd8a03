"""What the feed server keeps between requests, in two bounded parts:

- **validators** of every feed rendered (its ETag and Last-Modified, and the versions of what
  its body depends on), a few hundred bytes each, so that a revalidation is a few ``stat``\\ s and
  a 304 even when the body itself is no longer held: calendar apps mostly revalidate;
- **bodies**, bounded in bytes, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .calendar import Feed

__all__ = ["MAX_VALIDATORS", "Cached", "FeedCache", "Validator"]

#: What a cached body costs beyond its bytes (the entry, its key and headers).
_OVERHEAD = 1_000
#: Validators kept (about 300 bytes each): a clinic's every course and reader.
MAX_VALIDATORS = 200_000


@dataclass(frozen=True)
class Validator:
    """A rendered feed's validators and everything its body depends on (the course file and
    every regimen file it follows): they stand while all of these are unchanged."""

    course_version: str
    regimens: tuple[Path, ...]
    regimen_versions: tuple[str, ...]
    day: object
    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class Cached:
    """A rendered feed with what it depends on."""

    course_version: str
    regimens: tuple[Path, ...]
    regimen_versions: tuple[str, ...]
    day: object
    feed: Feed

    def validator(self) -> Validator:
        return Validator(self.course_version, self.regimens, self.regimen_versions, self.day,
                         self.feed.etag, self.feed.last_modified)  # fmt: skip


class FeedCache:
    """Thread-safe LRUs: validators (at most ``max_validators``) and bodies (at most
    ``max_bytes``)."""

    def __init__(self, max_bytes: int, max_validators: int = MAX_VALIDATORS) -> None:
        self.max_bytes = max_bytes
        self.max_validators = max_validators
        self._items: OrderedDict[Hashable, tuple[Cached, int]] = OrderedDict()
        self._validators: OrderedDict[Hashable, Validator] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Cached | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def validator(self, key: Hashable) -> Validator | None:
        with self._lock:
            found = self._validators.get(key)
            if found is not None:
                self._validators.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Cached) -> None:
        size = len(value.feed.body) + _OVERHEAD
        with self._lock:
            self._validators[key] = value.validator()
            self._validators.move_to_end(key)
            while len(self._validators) > self.max_validators:
                self._validators.popitem(last=False)
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
        """Bytes of bodies held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
