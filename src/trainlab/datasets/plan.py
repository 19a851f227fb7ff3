"""Cutting a file into blocks that start and end on record boundaries.

CSV and JSON Lines are cut in their byte stream as it arrives (during an upload, straight
from the copy): a block ends after a newline, for CSV one with an even number of quotes
before it. A JSON array is split into its elements first (:mod:`.jsonarray`), which become
JSON Lines blocks whose lines map back to the file's lines.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator

import numpy as np

from trainlab.datasets import native
from trainlab.datasets.formats import BOM, CsvLayout
from trainlab.datasets.jsonarray import Element, StructureError, iter_elements
from trainlab.datasets.mapping import drop_pages
from trainlab.datasets.parse import BlockSpec, Limits

BLOCK_BYTES = 4 * 1024 * 1024
MAX_BLOCK_BYTES = 4 * BLOCK_BYTES  # a quoted CSV field longer than this is taken as unbalanced


def read_chunks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def plan_blocks(chunks: Iterable[bytes], path: str, fmt: str, start: int,
                layout: CsvLayout | None, limits: Limits, counter: list[int],
                mapped: mmap.mmap | None = None, let_go: bool = False) -> Iterator[BlockSpec]:
    """Cut the byte stream of the file at ``path`` into blocks that end on record boundaries.

    ``chunks`` are the file's bytes in order, each already on disk when it arrives (during an
    upload they come straight from the copy), so workers can read every block from ``path``.
    JSON Lines blocks end after a newline; CSV blocks after a newline with an even number of
    quotes before it. ``counter[0]`` is kept at the number of bytes seen. With ``let_go``, a
    block's pages in ``mapped`` (read to find its end) are let go at once: the blocks planned
    ahead of the scan then hold no memory (its thread maps them again, from the page cache).
    """
    pending = bytearray()
    offset = 0  # file offset of pending[0]
    skip = start

    def spec(cut: int) -> BlockSpec:
        view = memoryview(mapped)[offset:offset + cut] if mapped is not None else None
        if layout is not None:
            return BlockSpec("csv", offset, offset + cut, path=path, delimiter=layout.delimiter,
                             columns=layout.columns, limits=limits, view=view)
        return BlockSpec("jsonl", offset, offset + cut, path=path, limits=limits, view=view)

    if mapped is not None:  # the bytes are all in the mapping: look for cuts there, copy none
        offset = start
        window = _Window(mapped, offset, 0)
        for chunk in chunks:
            counter[0] += len(chunk)
            window.end += len(chunk)
            while window.end - offset >= BLOCK_BYTES:
                window.offset = offset
                cut = _cut(window, fmt)
                if cut <= 0:
                    break
                if let_go:
                    drop_pages(mapped, offset, offset + cut)
                yield spec(cut)
                offset += cut
        if window.end > offset:
            yield spec(window.end - offset)
        return

    for chunk in chunks:
        counter[0] += len(chunk)
        if skip:
            dropped = min(skip, len(chunk))
            chunk, skip, offset = chunk[dropped:], skip - dropped, offset + dropped
        pending += chunk
        while len(pending) >= BLOCK_BYTES:
            cut = _cut(pending, fmt)
            if cut <= 0:
                break  # a record longer than a block: read on
            yield spec(cut)
            del pending[:cut]
            offset += cut
    if pending:
        yield spec(len(pending))


class _Window:
    """The bytes of a mapped file from ``offset`` to ``end``, with the few ``bytearray`` methods
    :func:`_cut` uses (positions relative to ``offset``), without copying them."""

    def __init__(self, mapped: mmap.mmap, offset: int, end: int) -> None:
        self.mapped, self.offset, self.end = mapped, offset, end

    def __len__(self) -> int:
        return self.end - self.offset

    def _bounds(self, begin: int, stop: int | None) -> tuple[int, int]:
        stop = len(self) if stop is None else min(stop, len(self))
        return self.offset + begin, self.offset + stop

    def find(self, sub: bytes, begin: int = 0, stop: int | None = None) -> int:
        if native.AVAILABLE and len(sub) == 1:  # a block's first read, without the GIL
            at = native.find_byte(self.mapped, sub[0], *self._bounds(begin, stop))
        else:
            at = self.mapped.find(sub, *self._bounds(begin, stop))
        return at - self.offset if at >= 0 else -1

    def rfind(self, sub: bytes, begin: int = 0, stop: int | None = None) -> int:
        at = self.mapped.rfind(sub, *self._bounds(begin, stop))
        return at - self.offset if at >= 0 else -1

    def count(self, sub: bytes, begin: int = 0, stop: int | None = None) -> int:
        a, b = self._bounds(begin, stop)
        if b <= a:
            return 0
        return int(np.count_nonzero(np.frombuffer(self.mapped, np.uint8, b - a, a) == sub[0]))


def _cut(pending: bytearray | _Window, fmt: str) -> int:
    """Where the block at the start of ``pending`` ends (0: not yet known)."""
    if fmt != "csv" or pending.find(b'"', 0, BLOCK_BYTES) < 0:  # no quotes: any newline
        cut = pending.rfind(b"\n", 0, BLOCK_BYTES) + 1
        if cut or fmt != "csv":
            return cut or pending.find(b"\n", BLOCK_BYTES) + 1
    cut = _even_quote_cut(pending, min(BLOCK_BYTES, len(pending)))
    if cut < 0:  # a quoted field runs past the block: look further
        cut = _even_quote_cut(pending, min(MAX_BLOCK_BYTES, len(pending)))
    if cut < 0 and len(pending) >= MAX_BLOCK_BYTES:  # quotes never balance: the parser says so
        cut = pending.rfind(b"\n", 0, BLOCK_BYTES) + 1
    return max(cut, 0)


def _even_quote_cut(data: bytearray | _Window, end: int) -> int:
    """Index just past the last newline before ``end`` with an even number of quotes before
    it (looking back at most 64 lines), else -1."""
    total = data.count(b'"', 0, end)
    for _ in range(64):
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return -1
        total -= data.count(b'"', newline + 1, end)
        if total % 2 == 0:
            return newline + 1
        end = newline
    return -1


def plan_json(path: str, limits: Limits, fatal: list[StructureError]) -> Iterator[BlockSpec]:
    """JSON arrays become JSON Lines blocks whose lines map back to the file's lines."""
    with open(path, "rb") as handle:
        start = len(BOM) if handle.read(3) == BOM else 0
        lines: list[bytes] = []
        line_map: list[int] = []
        first_offset = start
        size = 0
        last: Element | None = None
        for item in iter_elements(handle, start):
            if isinstance(item, StructureError):
                fatal.append(item)
                break
            assert isinstance(item, Element)
            if not lines:
                first_offset = item.offset
            lines.append(item.data)
            line_map.append(item.line)
            last = item
            size += len(item.data) + 1
            if size >= BLOCK_BYTES:
                yield _json_block(lines, line_map, first_offset, item, limits)
                lines, line_map, size = [], [], 0
        if lines and last is not None:
            yield _json_block(lines, line_map, first_offset, last, limits)


def _json_block(lines: list[bytes], line_map: list[int], first_offset: int,
                last: Element, limits: Limits) -> BlockSpec:
    data = b"\n".join(lines) + b"\n"
    end = last.offset + 1  # re-reading takes the elements that start before this
    return BlockSpec("jsonl", first_offset, end, data=data, limits=limits, line_map=line_map)

