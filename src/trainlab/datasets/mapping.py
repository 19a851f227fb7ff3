"""Files mapped read-only: mapping a finished file, walking it in chunks, letting pages go.

A scan reads a file through its mapping (no copy into this process); the pages it is done
with are unmapped (:func:`drop_pages`) so that its resident memory stays bounded by the
blocks in flight, not by the file's size.
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Iterator

from trainlab.datasets import native


@contextlib.contextmanager
def mapped_file(path: str) -> Iterator[mmap.mmap | None]:
    """``path`` mapped read-only (None if it cannot be: empty, not a regular file)."""
    try:
        with open(path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        yield None
        return
    try:
        yield mapped
    finally:
        try:
            mapped.close()
        except BufferError:  # a block's view is still held somewhere: closed when collected
            pass


def mapped_chunks(mapped: mmap.mmap, size: int = 4 << 20) -> Iterator[memoryview]:
    view = memoryview(mapped)
    try:
        for at in range(0, len(mapped), size):
            yield view[at:at + size]
    finally:
        view.release()


def drop_pages(mapped: mmap.mmap, start: int, end: int) -> None:
    """Unmap the whole pages of ``mapped`` between ``start`` and ``end`` from this process.

    They stay in the page cache (a later read maps them again, no disk read): this keeps the
    resident memory of a scan through a mapping bounded by the blocks in flight, not by the
    file's size.
    """
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, end // page * page
    if last > first and not mapped.closed and hasattr(mmap, "MADV_DONTNEED"):
        if not native.drop_pages(mapped, first, last - first):  # the kernel's work, no GIL
            mapped.madvise(mmap.MADV_DONTNEED, first, last - first)
