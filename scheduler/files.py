"""Files the tool reads and writes, handled so that bad input cannot hang it, exhaust memory,
or lose what was there.

Reading: only regular files, opened without blocking (a FIFO or a device is refused, never
waited on or read forever), and never more than a stated number of bytes.

Writing: through a temporary file in the same folder and a rename, so a file is either kept or
fully replaced; a new file is created exclusively (two writers cannot both "win"); only regular
files are ever replaced. Temporary files left by a killed run are removed by the next write.

Read-modify-write (a course edit) takes an exclusive lock on the file, re-checked after every
replacement, so parallel edits queue instead of overwriting each other.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .arguments import describe
from .errors import FileError, OutputError

__all__ = [
    "MAX_CALENDAR_BYTES",
    "LockTimeout",
    "locked",
    "read_bytes",
    "read_text",
    "read_with_stat",
    "write_atomic",
    "write_stdout",
]

#: The largest calendar file (.ics) read: the checker and course diff read no more.
MAX_CALENDAR_BYTES = 16_000_000

#: How long an edit waits for another edit of the same file before giving up.
LOCK_TIMEOUT = 30.0
#: A temporary file of a process that no longer exists, or of unknown owner and this old, is stale.
_STALE_SECONDS = 600
_CHUNK = 1 << 16


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def read_bytes(
    path: str | Path, *, limit: int, what: str = "file", error: type[FileError] = FileError
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Anything else (no such file, a folder, a FIFO, a device, a file over the limit) raises
    ``error`` naming the file and what is allowed, before more than ``limit`` bytes are read.
    """
    return read_with_stat(path, limit=limit, what=what, error=error)[0]


def read_with_stat(
    path: str | Path, *, limit: int, what: str = "file", error: type[FileError] = FileError
) -> tuple[bytes, os.stat_result]:
    """:func:`read_bytes`, and the status of the very file read (its inode, size, times, mode):
    what a version of the file is made from, with no gap between the read and the stat."""
    if not isinstance(path, str | os.PathLike):
        raise error(f"the name of the {what} must be a str or pathlib.Path, not {describe(path)}")
    name = str(path)
    if not name.strip():
        raise error(f"no {what} given (an empty file name)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if "\x00" in name:
        raise error(f"no such file: the name {name!r} contains a NUL character")
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise error("no such file", file=name) from None
    except PermissionError:
        raise error("permission denied: cannot read it", file=name) from None
    except OSError as err:
        raise error(f"cannot read it ({err.strerror})", file=name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"is {_kind(info.st_mode)}, not a {what}: give a regular file", file=name)
        too_big = f"is larger than {limit:,} bytes, the most a {what} may be"
        if info.st_size > limit:
            raise error(f"{too_big} ({info.st_size:,} bytes)", file=name)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise error(too_big, file=name)
        return b"".join(chunks), info
    except OSError as err:
        raise error(f"cannot read it ({err.strerror})", file=name) from None
    finally:
        os.close(fd)


def read_text(
    path: str | Path, *, limit: int, what: str = "file", error: type[FileError] = FileError
) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (anything else is refused, naming the byte)."""
    data = read_bytes(path, limit=limit, what=what, error=error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(
            f"is not UTF-8 text (byte {err.start:,} is {data[err.start]:#04x}): save it as UTF-8",
            file=str(path),
        ) from None


def write_atomic(
    path: str | Path, data: bytes, *, force: bool = False, mode: int | None = None
) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename, so a
    failure never leaves half a file and an existing file is either kept or fully replaced.

    Without ``force`` the file is created exclusively: if it exists (or another process creates
    it first) nothing is written. Only a regular file is ever replaced, never a FIFO, a device,
    a folder or a symbolic link. ``mode`` sets the file's permissions (default: an existing
    file's, or 0644); secrets are written 0600.
    """
    name = str(path)
    if not name.strip():
        raise OutputError("no output file given (an empty file name)")
    target = Path(name)
    existing = _lstat(target)
    if existing is not None:
        if not stat.S_ISREG(existing.st_mode):
            raise OutputError(
                f"{target} is {_kind(existing.st_mode)}: only a regular file is replaced "
                "(it was left unchanged)"
            )
        if not force:
            raise OutputError(f"{target} already exists and was left unchanged", field="force")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    _remove_stale_temporaries(folder, target.name)
    try:
        handle, temp = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder
        )
    except OSError as err:
        raise OutputError(f"cannot write in {folder}: {err.strerror}") from err
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is None:
            mode = stat.S_IMODE(existing.st_mode) if existing else 0o644
        os.chmod(temp, mode)
        if force:
            os.replace(temp, target)
        else:
            _create_exclusively(temp, target)
        _sync_folder(folder)
    except FileExistsError:
        raise OutputError(
            f"{target} already exists (another command created it just now)", field="force"
        ) from None
    except OSError as err:
        raise OutputError(f"cannot write {target}: {err.strerror}") from err
    finally:
        Path(temp).unlink(missing_ok=True)


def write_stdout(data: bytes) -> None:
    """Write to standard output; a full disk or closed pipe is an OutputError, not a traceback."""
    try:
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text stream put in place of stdout (embedding, tests)
            sys.stdout.write(data.decode("utf-8"))
        else:
            stream.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as err:
        _silence_stdout()
        raise OutputError(f"cannot write to standard output: {err.strerror}") from None


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that fails quietly.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror}") from None


def _create_exclusively(temp: str, target: Path) -> None:
    """Give the finished temporary file the target's name only if nothing has that name."""
    try:
        os.link(temp, target)  # atomic, and fails if the name exists
        return
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
    # A file system without hard links: reserve the name exclusively, then replace it whole.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    os.replace(temp, target)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Remove ``.NAME.<pid>.*.tmp`` files whose process is gone (a killed run), and older
    ``.NAME.*.tmp`` files without a process id once they are old."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?:(\d+)\.)?[^/]*\.tmp$")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match.group(1)) if match.group(1) else None
        try:
            if pid is not None:
                if pid == os.getpid() or _alive(pid):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < _STALE_SECONDS:
                continue
            os.unlink(entry.path)
        except OSError:
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError, OSError):
        return True
    return True


class LockTimeout(FileError):
    """Another command kept the file locked for longer than the wait allows."""


@contextmanager
def locked(
    path: str | Path, *, timeout: float = LOCK_TIMEOUT, error: type[FileError] = FileError
) -> Iterator[None]:
    """Hold an exclusive lock on the existing regular file ``path`` for a read-modify-write.

    The lock is on the file itself, not on a lock file beside it. Because a write replaces the
    file (a new inode), a waiter that gets the lock checks that the name still leads to the file
    it locked, and locks the new one if not; so every edit reads the latest version.
    """
    name = str(path)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: see _soft_lock
        with _soft_lock(name, timeout, error):
            yield
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            raise error("no such file", file=name) from None
        except OSError as err:
            raise error(f"cannot open it ({err.strerror})", file=name) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise error(f"is {_kind(info.st_mode)}: give a regular file", file=name)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(
                            f"another command has been changing this file for over "
                            f"{timeout:.0f} s; try again when it has finished",
                            file=name,
                        ) from None
                    time.sleep(0.01)
            try:
                current = os.stat(name)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (
                info.st_dev,
                info.st_ino,
            ):
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                return
            # Replaced while we waited: lock the file that now has the name.
        finally:
            os.close(fd)


@contextmanager
def _soft_lock(name: str, timeout: float, error: type[FileError]) -> Iterator[None]:
    """Where there is no flock: a ``NAME.lock`` file created exclusively, removed afterwards."""
    lock = f"{name}.lock"
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                raise LockTimeout(
                    f"{lock} exists: another command is changing this file (remove {lock} if "
                    "no command is running)",
                    file=name,
                ) from None
            time.sleep(0.05)
    try:
        yield
    finally:
        Path(lock).unlink(missing_ok=True)
