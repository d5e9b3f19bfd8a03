"""Which course a feed token opens: an index from token digests to courses, kept current.

- **Revocation takes effect on the next request**, however the token file was changed (the
  rotate/revoke commands, an editor, ``cp`` over it): a lookup re-checks the version of the
  token file it found the token in, and reads it again when it changed.
- **A token in two places opens neither**: a token file copied beside another course (a course
  used as a template) would otherwise serve one patient's calendar to the other. Such a token
  is refused for both, logged once, and counted by ``/health`` until one of them is rotated.
- **Updated incrementally, off the requests**: a sweep (when the folder changes, and at least
  every ``sweep`` seconds for edits in place) stats each token file and reads only those that
  changed. One request thread sweeps while the others keep using the index as it was.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..course.store import CourseStore
from ..course.tokens import digest
from ..errors import SchedulerError

__all__ = ["Entry", "FeedIndex"]

log = logging.getLogger("scheduler.feed")


@dataclass(frozen=True)
class Entry:
    """One reader's copy of one course's feed."""

    key: str
    reader: str
    show_label: bool


@dataclass(frozen=True)
class _Tokens:
    version: str | None
    entries: tuple[tuple[bytes, Entry], ...]


class FeedIndex:
    """Token digest -> course, for the courses of one store."""

    def __init__(
        self,
        store: CourseStore,
        *,
        folder: str | os.PathLike[str],
        sweep: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.folder = folder
        self.sweep_seconds = sweep
        self._clock = clock
        self._files: dict[str, _Tokens] = {}
        self._by_digest: dict[bytes, tuple[Entry, ...]] = {}
        self._duplicates: frozenset[bytes] = frozenset()
        self._stamp: object = None
        self._swept = float("-inf")
        self._sweeping = threading.Lock()
        self._sweep(force=True)

    # -- reading ------------------------------------------------------------------------------

    def lookup(self, token: str) -> Entry | None:
        """The reader ``token`` opens, if exactly one."""
        self._maybe_sweep()
        key = digest(token)
        hits = self._by_digest.get(key)
        if hits is None or len(hits) != 1:
            return None
        entry = hits[0]
        try:
            current = self.store.tokens_version(entry.key)
        except (OSError, SchedulerError):
            return None
        if current != self._files.get(entry.key, _Tokens(None, ())).version:
            self._reload({entry.key})  # changed in place since the last sweep
            hits = self._by_digest.get(key)
            return hits[0] if hits is not None and len(hits) == 1 else None
        return entry

    def courses(self) -> int:
        self._maybe_sweep()
        return sum(1 for tokens in self._files.values() if tokens.entries)

    def duplicates(self) -> int:
        """How many tokens appear in more than one place (each served for none)."""
        self._maybe_sweep()
        return len(self._duplicates)

    # -- keeping current ----------------------------------------------------------------------

    def _current_stamp(self) -> object:
        """What changes whenever a course or a token is added or changed: the folder's mtime,
        or what a database store says (``tokens_stamp``)."""
        stamp_of = getattr(self.store, "tokens_stamp", None)
        if stamp_of is not None:
            try:
                return stamp_of()
            except (OSError, SchedulerError):
                return None
        return _stamp(self.folder)

    def _maybe_sweep(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp and stamp is not None and hasattr(self.store, "tokens_stamp"):
            return  # a database's counter moves with every change: no need to look again
        if stamp == self._stamp and self._clock() - self._swept < self.sweep_seconds:
            return
        self._sweep(force=False, stamp=stamp)

    def _sweep(self, *, force: bool, stamp: object = None) -> None:
        # One thread sweeps; the others go on with the index as it was (never stalled).
        if not self._sweeping.acquire(blocking=force):
            return
        try:
            self._swept = self._clock()
            self._stamp = stamp if stamp is not None else self._current_stamp()
            try:
                keys = self.store.keys()
            except (OSError, SchedulerError) as err:
                log.error("cannot list the courses: %s", err)
                return
            changed = set(self._files) - set(keys)
            versions = self._versions()
            for key in keys:
                if versions is not None:
                    version = versions.get(key)
                else:
                    try:
                        version = self.store.tokens_version(key)
                    except (OSError, SchedulerError):
                        version = None
                known = self._files.get(key)
                if known is None or known.version != version:
                    changed.add(key)
            if changed:
                self._apply(changed, keys=set(keys))
        finally:
            self._sweeping.release()

    def _versions(self) -> dict[str, str | None] | None:
        """Every course's tokens version in one call, where the store can (a database)."""
        bulk = getattr(self.store, "tokens_versions", None)
        if bulk is None:
            return None
        try:
            found: dict[str, str | None] = bulk()
        except (OSError, SchedulerError):
            return None
        return found

    def _reload(self, keys: set[str]) -> None:
        with self._sweeping:
            self._apply(keys, keys=None)

    def _apply(self, changed: set[str], *, keys: set[str] | None) -> None:
        files = dict(self._files)
        for key in changed:
            if keys is not None and key not in keys:
                files.pop(key, None)
                continue
            files[key] = self._read(key)
        by_digest: dict[bytes, tuple[Entry, ...]] = {}
        for tokens in files.values():
            for key_digest, entry in tokens.entries:
                by_digest[key_digest] = (*by_digest.get(key_digest, ()), entry)
        duplicates = frozenset(d for d, hits in by_digest.items() if len(hits) > 1)
        for found in duplicates - self._duplicates:
            places = ", ".join(sorted({f"{os.path.basename(e.key)} ({e.reader})"
                                       for e in by_digest[found]}))  # fmt: skip
            log.warning(
                "one feed token is in more than one token file, so it is served for none: %s; "
                "give each its own (scheduler course rotate-token COURSE --for READER)",
                places,
            )
        self._files, self._by_digest, self._duplicates = files, by_digest, duplicates

    def _read(self, key: str) -> _Tokens:
        try:
            version = self.store.tokens_version(key)
            if version is None:
                return _Tokens(None, ())
            access = self.store.tokens(key)
        except (OSError, SchedulerError) as err:
            known = self._files.get(key)
            if known is None or known.entries:  # once per change, not per sweep
                log.warning("skipped the tokens of %s: %s", os.path.basename(key), err)
            return _Tokens(_safe_version(self.store, key), ())
        entries = tuple((digest(t.token), Entry(key, t.name, t.show_label)) for t in access.tokens)
        return _Tokens(version, entries)


def _stamp(folder: str | os.PathLike[str]) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except (OSError, SchedulerError):
        return None


def _safe_version(store: CourseStore, key: str) -> str | None:
    try:
        return store.tokens_version(key)
    except (OSError, SchedulerError):
        return None
