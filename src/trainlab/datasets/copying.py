"""Copying a source into the workspace, with its size and sha256 on the fly.

A regular file is copied by the kernel (``copy_file_range``) into the target, which is mapped
read-only: its bytes are hashed and scanned through the mapping, never copied into this
process. Any other source (a pipe, a socket, an upload in flight) is read in chunks.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import queue
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from trainlab.datasets.formats import HEAD_BYTES
from trainlab.datasets.mapping import drop_pages
from trainlab.errors import dataset_error

COPY_CHUNK = 1024 * 1024
MAPPED_CHUNK = 4 * 1024 * 1024  # a copy_file_range call
SYNC_EVERY = 64 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024 * 1024

class Copy:
    """Stream a source into ``target``: size and sha256 on the fly, the limit enforced as bytes
    arrive. The head is handed out first (so a file that is not text of its format is refused
    before the rest is copied), then every chunk, each written before it is handed out.

    The file is fsynced in a background thread every :data:`SYNC_EVERY` bytes and once more
    after the last byte, so the disk keeps pace with the copy instead of holding up the end.
    """

    def __init__(self, stream: IO[bytes], target: Path, limit: int, name: str) -> None:
        self.stream, self.limit, self.name = stream, limit, name
        #: The bytes the stream holds, if it is a regular file (else None: a pipe, a socket).
        self.known_size = _regular_file_size(stream)
        self._total = self.known_size or 0
        if self._total > limit:
            raise dataset_error("too_large", name=name, limit=limit, size=self._total)
        self.out = open(target, "w+b")  # closed by __exit__
        self.digest = hashlib.sha256()
        self.size = 0
        self.done = False
        self.head = b""
        self._sync: threading.Thread | None = None
        self._unsynced = 0
        self._final_sync: threading.Thread | None = None
        #: The copy, mapped read-only, when the source is a regular file: the bytes are then
        #: copied by the kernel and hashed and scanned through the mapping, never copied into
        #: this process (see :meth:`_read_mapped`).
        self.mapped: mmap.mmap | None = None
        if self._total:
            self._source_start = stream.tell()
            os.ftruncate(self.out.fileno(), self._total)
            self.mapped = mmap.mmap(self.out.fileno(), self._total, access=mmap.ACCESS_READ)
            self._map_view = memoryview(self.mapped)
            # sha256 is one long sequential pass: a thread of its own keeps it off the copy's
            # path (hashlib releases the GIL); it hashes each copied range in order.
            self._to_hash: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
            # Pages are let go once both hashed and scanned (the hash runs ahead of the scan:
            # letting go as soon as hashed would make the scan fault each page in again).
            self._hashed = self._scanned = self._dropped = 0
            self._drop_lock = threading.Lock()
            self._hasher = threading.Thread(target=self._hash_ranges, name="trainlab-sha256",
                                            daemon=True)
            self._hasher.start()

    def _read(self) -> bytes | memoryview:
        """The next chunk: bytes, or a view of the mapped copy (valid while the copy is open)."""
        if self.mapped is not None:
            return self._read_mapped()
        chunk = self.stream.read(COPY_CHUNK)
        if not chunk:
            self.done = True
            return b""
        self.size += len(chunk)
        if self.size > self.limit:
            raise dataset_error("too_large", name=self.name, limit=self.limit, size=self.size)
        self.digest.update(chunk)
        self.out.write(chunk)
        self._unsynced += len(chunk)
        if self._unsynced >= SYNC_EVERY and not (self._sync and self._sync.is_alive()):
            self._sync = self._start_sync()
        return chunk

    def _read_mapped(self) -> memoryview | bytes:
        left = self._total - self.size
        n = _copy_range(self.stream.fileno(), self.out.fileno(), self._source_start + self.size,
                        self.size, min(MAPPED_CHUNK, left)) if left > 0 else 0
        if n == 0:
            if left > 0:  # the source shrank while it was copied: keep what was read (the
                self.out.truncate(self.size)  # mapping past it is never touched)
            self.done = True
            return b""
        chunk = self._map_view[self.size:self.size + n]
        self._to_hash.put((self.size, self.size + n))
        self.size += n
        self._unsynced += n
        if self._unsynced >= SYNC_EVERY and not (self._sync and self._sync.is_alive()):
            self._sync = self._start_sync()
        return chunk

    def _hash_ranges(self) -> None:
        while (span := self._to_hash.get()) is not None:
            self.digest.update(self._map_view[span[0]:span[1]])
            self._hashed = span[1]
            self._drop_done()

    def scanned(self, upto: int) -> None:
        """The scan is done with the copy's first ``upto`` bytes (scan_file's ``scanned``)."""
        if self.mapped is not None:  # else nothing is mapped to let go
            self._scanned = max(self._scanned, upto)
            self._drop_done()

    def _drop_done(self) -> None:
        with self._drop_lock:
            end = min(self._hashed, self._scanned)
            if end > self._dropped:
                drop_pages(self.mapped, self._dropped, end)  # type: ignore[arg-type]
                self._dropped = end

    def _stop_hashing(self) -> None:
        if self.mapped is not None and self._hasher.is_alive():
            self._to_hash.put(None)
            self._hasher.join()

    def _start_sync(self) -> threading.Thread:
        self.out.flush()
        self._unsynced = 0
        thread = threading.Thread(target=os.fsync, args=(self.out.fileno(),),
                                  name="trainlab-fsync", daemon=True)
        thread.start()
        return thread

    def read_head(self) -> bytes:
        while len(self.head) < HEAD_BYTES and not self.done:
            self.head += bytes(self._read())
        self.out.flush()
        return self.head[:HEAD_BYTES]

    def read_first_line(self) -> bytes:
        """At least the whole first line (a CSV header can outgrow the head)."""
        while b"\n" not in self.head and not self.done and len(self.head) < MAX_HEADER_BYTES:
            self.head += bytes(self._read())
        self.out.flush()
        return self.head

    def chunks(self) -> Iterator[bytes]:
        """The whole file, in order: the head first, then the rest as it is copied."""
        yield self.head
        while not self.done:
            chunk = self._read()
            if chunk:
                self.out.flush()  # on disk (in the page cache) before anyone reads it
                yield chunk
        self._last_sync()  # the last blocks are still being scanned: sync meanwhile

    def _last_sync(self) -> None:
        if self._final_sync is None:
            self._final_sync = self._start_sync()

    def finish(self) -> None:
        """Copy what is left, and return once every byte is on disk."""
        while not self.done:  # a consumer that stopped early still gets the whole file
            self._read()
        self._last_sync()
        assert self._final_sync is not None
        self._final_sync.join()
        self._stop_hashing()

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def __enter__(self) -> Copy:
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in (self._sync, self._final_sync):
            if thread is not None:
                thread.join()
        if self.mapped is not None:
            self._stop_hashing()
            try:
                self._map_view.release()
                self.mapped.close()
            except BufferError:  # a view is still held somewhere: closed when collected
                pass
        self.out.close()


def _regular_file_size(stream: IO[bytes]) -> int | None:
    """Bytes left in ``stream`` if it is a regular file, else ``None``."""
    try:
        info = os.fstat(stream.fileno())
        position = stream.tell()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    return max(info.st_size - position, 0) if stat.S_ISREG(info.st_mode) else None


def _copy_range(source: int, target: int, source_at: int, target_at: int, count: int) -> int:
    """Copy ``count`` bytes file to file in the kernel (``copy_file_range``), else by hand."""
    global _KERNEL_COPY
    if _KERNEL_COPY:
        try:
            return os.copy_file_range(source, target, count, source_at, target_at)
        except AttributeError:  # not Linux
            _KERNEL_COPY = False
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise  # a full disk, an I/O error: the copy fails either way
            _KERNEL_COPY = False  # not between these file systems: by hand from now on
    if hasattr(os, "pread"):  # POSIX: positioned, no shared file offset to move
        data = os.pread(source, count, source_at)
        return os.pwrite(target, data, target_at)
    os.lseek(source, source_at, os.SEEK_SET)  # Windows has no pread/pwrite
    data = os.read(source, count)
    os.lseek(target, target_at, os.SEEK_SET)
    return os.write(target, data)


_KERNEL_COPY = True
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF,
                   errno.EPERM}

