"""One writer per results folder: an exclusive lock on ``<folder>/sweep.lock``.

The lock is an ``flock`` on the file, so the operating system releases it when the holder dies,
however it dies. The file also names its holder (host, process id and the process's start time):
a second writer is refused with one line naming the holder, and a lock file left by a process that
is gone (or whose process id now belongs to another process) is taken over and reported.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

LOCK_FILE = "sweep.lock"
START_TIME_TOLERANCE_S = 1.0


class LockHeld(Exception):
    """Another live process is writing the folder; the message is one line naming it."""


@dataclass
class FolderLock:
    """A held lock; ``taken_over`` names the holder of a stale lock file this one replaced (or is None)."""

    path: Path
    fd: int
    taken_over: dict[str, Any] | None

    def release(self) -> None:
        """Remove the lock file and drop the lock (removal first, so no one locks a file about to vanish)."""
        if self.fd < 0:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_info() -> dict[str, Any]:
    """What this process writes into the lock file."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process_started": psutil.Process().create_time(),
            "locked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300]}


def describe(holder: dict[str, Any] | None) -> str:
    """The holder in a few words: ``pid 123 on host, since 2026-12-01T10:00:00+00:00``."""
    if not holder:
        return "a process that left no details"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, since {holder.get('locked_at', '?')}"


def is_alive(holder: dict[str, Any]) -> bool:
    """Whether the process named by a lock file still runs (on another host we cannot tell: assume it does)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        started = psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False
    recorded = holder.get("process_started")
    return not isinstance(recorded, (int, float)) or abs(started - recorded) < START_TIME_TOLERANCE_S


def acquire(folder: Path) -> FolderLock:
    """Take the folder's lock, creating the folder if needed.

    Raises:
        LockHeld: another live process holds it.
        OSError: the folder or the lock file cannot be created (read-only, not a directory, disk full…).
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _try_flock(fd)
            previous = _read(fd)
            if not locked or (previous and previous.get("host") == socket.gethostname() and is_alive(previous)):
                raise LockHeld(f"{folder} is being written by another sweep ({describe(previous)}); "
                               "allowed: wait for it to finish, or choose another --out folder")
            if not _same_file(fd, path):
                os.close(fd)
                continue          # the holder removed the file between our open and our lock: start again
            _write(fd, holder_info())
        except BaseException:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
            raise
        return FolderLock(path, fd, previous or None)


def current_holder(folder: Path) -> dict[str, Any] | None:
    """The live writer of ``folder``, or None when no one holds its lock (read-only: takes nothing)."""
    path = folder / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            holder = _read(fd)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return holder or {}
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        return holder if holder and is_alive(holder) and holder.get("pid") != os.getpid() else None
    finally:
        os.close(fd)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        # a file system without flock: the holder's process id is all there is to go on
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _read(fd: int) -> dict[str, Any] | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while chunk := os.read(fd, 65536):
        raw += chunk
    try:
        holder = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"host": "?", "pid": "?", "locked_at": "? (unreadable lock file)"}
    return holder if isinstance(holder, dict) else None


def _write(fd: int, holder: dict[str, Any]) -> None:
    data = (json.dumps(holder) + "\n").encode("utf-8")
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.fsync(fd)
