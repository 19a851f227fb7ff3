"""Atomic file writes: write into ``<workspace>/tmp``, fsync, rename into place."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_writer(target: Path, tmp_dir: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file in ``tmp_dir``; on success it replaces ``target`` whole.

    On any exception the temporary file is removed and ``target`` is untouched, so a
    reader sees either the old file or the new one, never half of one.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=f".{target.name}.",
                                    suffix=f"{owner_suffix()}.part")
    tmp = Path(tmp_name)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(target: Path, tmp_dir: Path, data: Any) -> None:
    with atomic_writer(target, tmp_dir, "w") as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def process_stat(pid: int) -> tuple[str, int, int] | None:
    """The state letter, parent pid and start time (clock ticks since boot) of process ``pid``
    on this machine, read from ``/proc``; None when there is no such process (or no ``/proc``)."""
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


# -- who owns a file in tmp/ -------------------------------------------------------------------
# A file a process writes in tmp/ may carry its owner in its name: ``.own-<machine>-<pid>-<start>``,
# where <machine> hashes the host name, the boot id and the pid namespace (pids mean something
# only there) and <start> is the process's start time (a later process may get the same pid).
_OWNED = re.compile(r"\.own-([0-9a-f]{12})-(\d+)-(\d+)(?:\.part)?$")


@functools.cache
def _machine() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            boot = f.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None  # no /proc: files carry no owner and only grow old
    return hashlib.sha256(f"{socket.gethostname()}\0{boot}\0{namespace}".encode()).hexdigest()[:12]


@functools.cache
def _owner(pid: int) -> str:
    machine, stat = _machine(), process_stat(pid)
    return f".own-{machine}-{pid}-{stat[2]}" if machine and stat else ""


def owner_suffix() -> str:
    """What names this process as the owner of a file in tmp/ ("" where it cannot be told)."""
    return _owner(os.getpid())


def owned(path: Path) -> Path:
    """``path`` with this process named as its owner: removed at once by the next sweep after
    this process has died (``kill -9`` included), not only after a day."""
    return path.with_name(path.name + owner_suffix())


def owner_dead(name: str) -> bool:
    """Whether ``name`` names an owner on this machine that is provably no longer running."""
    match = _OWNED.search(name)
    if match is None or match.group(1) != _machine():
        return False  # no owner, or one on another machine (or before a reboot): unknown
    stat = process_stat(int(match.group(2)))
    return stat is None or stat[0] == "Z" or stat[2] != int(match.group(3))


def sweep_stale(tmp_dir: Path, older_than_s: float = 24 * 3600) -> int:
    """Remove leftovers of interrupted writes (files and folders): those older than
    ``older_than_s``, and at once those whose owner (see :func:`owned`) is dead."""
    removed = 0
    if not tmp_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    for entry in tmp_dir.iterdir():
        try:
            if entry.lstat().st_mtime >= cutoff and not owner_dead(entry.name):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except OSError:
            continue
    return removed
