"""Validate and profile a whole file in one streaming pass, on every core.

The file is cut into blocks of about :data:`BLOCK_BYTES` on record boundaries, while it is
being copied into the workspace. A CSV or JSON Lines block goes to the native scanner
(:mod:`.native`) in threads; any other block, or one the scanner declines, is parsed
(:mod:`.parse`) and summarised (:mod:`.stats`) here and, for a large file, in worker
processes too (:mod:`.workers`). The small per-block summaries are merged here in file order.
Memory is bounded by the number of blocks in flight, not by the file's size.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import mmap
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from trainlab.datasets import native
from trainlab.datasets.formats import BOM, CsvLayout
from trainlab.datasets.jsonarray import Element, StructureError, iter_elements
from trainlab.datasets.parse import BlockSpec, Limits, parse_block
from trainlab.datasets.stats import FieldAcc, block_field_stats, field_profile

BLOCK_BYTES = 4 * 1024 * 1024
MAX_BLOCK_BYTES = 4 * BLOCK_BYTES  # a quoted CSV field longer than this is taken as unbalanced
PARALLEL_MIN_BYTES = 24 * 1024 * 1024
MAX_ERRORS = 1000
MAX_WARNINGS = 200
NATIVE_THREADED = ("csv", "jsonl")  # formats scanned in threads when the native scanner is there


@dataclass
class ScanResult:
    report: dict[str, Any]
    profile: dict[str, Any]
    schema: dict[str, str]
    index: list[dict[str, int]]  # one entry per block: where it is and how many rows precede it
    fatal: StructureError | None = None


# -- planning blocks -------------------------------------------------------------------------
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


# -- per block (runs in a worker) ------------------------------------------------------------
def scan_block(spec: BlockSpec) -> dict[str, Any]:
    try:
        return _scan_block(spec)
    finally:  # hand back what the block's computations held (Arrow's pools keep it otherwise)
        pa.default_memory_pool().release_unused()


def _scan_block(spec: BlockSpec) -> dict[str, Any]:
    if native.AVAILABLE and spec.line_map is None:
        data = spec.view if spec.view is not None else spec.read()
        try:
            if spec.fmt == "csv":
                return native.scan_csv_block(data, spec)
            return native.scan_jsonl_block(data, spec)
        except native.Declined:  # the Python paths, without reading the block again
            spec = dataclasses.replace(spec, data=bytes(data), view=None)
    parsed = parse_block(spec)
    errors = parsed.errors
    counts: dict[str, int] = {}
    for error in errors:
        counts[error[2]] = counts.get(error[2], 0) + 1
    return {
        "start": spec.start,
        "n_lines": parsed.n_lines,
        "rows_total": parsed.rows_total,
        "rows_valid": parsed.table.num_rows,
        "errors": errors[:MAX_ERRORS],
        "error_counts": counts,
        "warnings": parsed.warnings[:MAX_WARNINGS],
        "blank": (parsed.blank_lines, parsed.first_blank),
        "long": (parsed.long_lines, parsed.first_long),
        "fields": block_field_stats(parsed.table, spec.fmt, parsed.mixed, spec.sketch_only),
        "mapped": spec.line_map is not None,
    }


def _pool_size() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _results(specs: Iterator[BlockSpec], parallel: bool | None, seen: list[int],
             native_threads: bool = False) -> Iterator[tuple[BlockSpec, dict]]:
    """Each block with its result, in file order: here, in threads or in worker processes.

    With the native scanner, CSV and JSON Lines go to threads (the scanner runs without the
    GIL; no start-up to pay). Otherwise ``parallel=None`` scans here until
    :data:`PARALLEL_MIN_BYTES` have been seen, then hands the remaining blocks to workers.
    """
    from trainlab.datasets.workers import BlockPool

    if native_threads and parallel is not False and _pool_size() > 1:
        if (yield from _threaded(specs, _pool_size())):
            return
        # Most blocks had errors: read line by line, they hold the GIL, so the rest goes to
        # worker processes.
        parallel = True
    specs = (dataclasses.replace(spec, view=None) for spec in specs)  # views do not pickle
    if parallel is False or _pool_size() < 2:
        for spec in specs:
            yield spec, scan_block(spec)
        return
    if parallel is None:
        for spec in specs:
            yield spec, scan_block(spec)
            if seen[0] >= PARALLEL_MIN_BYTES:
                break
        else:
            return
    # This process copies the upload and merges results, and scans blocks whenever the
    # workers are busy: one worker per core beside this one.
    with BlockPool(max(1, _pool_size() - 1)) as pool:
        yield from pool.imap(specs, local=scan_block)


WINDOW = 6  # blocks in flight per thread: a slow block does not leave the other thread idle
SLOW_SWITCH = (8, 0.5)  # after this many blocks, this share read strictly: go to processes


def _threaded(specs: Iterator[BlockSpec],
              threads: int) -> Generator[tuple[BlockSpec, dict], None, bool]:
    """Scan blocks in ``threads`` threads, :data:`WINDOW` each in flight, results in order.

    This thread meanwhile plans the next blocks (and, during an upload, copies and hashes the
    bytes: ``hashlib`` and file writes release the GIL too) and merges the results. Returns
    early (returning ``False``, the rest of ``specs`` left) when most blocks have errors the
    native scanner leaves to the strict readers, which hold the GIL.
    """
    window: deque[tuple[BlockSpec, Future]] = deque()
    done_blocks = slow = 0
    with ThreadPoolExecutor(threads, thread_name_prefix="trainlab-scan") as pool:
        try:
            for spec in specs:
                window.append((spec, pool.submit(scan_block, spec)))
                while len(window) > WINDOW * threads or (window and window[0][1].done()):
                    done, future = window.popleft()
                    result = future.result()
                    done_blocks += 1
                    slow += bool(result["error_counts"]) and not result.get("native")
                    yield done, result
                if done_blocks >= SLOW_SWITCH[0] and slow > SLOW_SWITCH[1] * done_blocks:
                    finished = False
                    break
            else:
                finished = True
            while window:
                done, future = window.popleft()
                yield done, future.result()
            return finished
        finally:
            for _, future in window:
                future.cancel()


# -- the whole file --------------------------------------------------------------------------
def scan_file(path: str, fmt: str, size: int | None = None, layout: CsvLayout | None = None,
              limits: Limits | None = None, parallel: bool | None = None,
              chunks: Iterable[bytes] | None = None,
              mapped: mmap.mmap | None = None,
              scanned: Callable[[int], None] | None = None) -> ScanResult:
    """Validate and profile the file at ``path``.

    Without ``chunks``, the file is finished (an upload adopted into the workspace): where the
    native scanner reads its format, it is mapped read-only and read in place, as a copy is.
    With ``chunks``, the file is still being written: they are its bytes in order, each on disk
    when it arrives, and scanning keeps pace with the copy. ``size`` (when known) decides
    whether worker processes are worth starting; with ``parallel=None`` an unknown size starts
    them once :data:`PARALLEL_MIN_BYTES` have arrived. ``mapped``, the file mapped in memory
    (as it is being written), spares copying its bytes: blocks are read through it. Its pages
    are let go as blocks are merged, or, with ``scanned``, that is told the offset up to which
    the file has been scanned (the copy lets them go once hashed, too).
    """
    if chunks is None and mapped is None and fmt in NATIVE_THREADED and native.AVAILABLE:
        with _mapped_file(path) as whole:  # a finished file: read in place, as a copy is
            if whole is not None:
                return _scan(path, fmt, size, layout, limits, parallel, _mapped_chunks(whole),
                             whole, None, let_go=True)
    return _scan(path, fmt, size, layout, limits, parallel, chunks, mapped, scanned)


def _scan(path: str, fmt: str, size: int | None, layout: CsvLayout | None,
          limits: Limits | None, parallel: bool | None, chunks: Iterable[bytes] | None,
          mapped: mmap.mmap | None, scanned: Callable[[int], None] | None,
          let_go: bool = False) -> ScanResult:
    limits = limits or Limits()
    fatal: list[StructureError] = []
    seen = [0]
    source = read_chunks(path) if chunks is None else chunks
    first_line = 0
    if fmt == "json":
        for chunk in source:  # the array's tokenizer reads the finished file
            seen[0] += len(chunk)
        specs: Iterator[BlockSpec] = plan_json(path, limits, fatal)
    else:
        with open(path, "rb") as handle:
            head = handle.read(layout.header_end if layout is not None else 3)
        if layout is not None:
            start, first_line = layout.header_end, head.count(b"\n")
        else:
            start = len(BOM) if head == BOM else 0
        specs = plan_blocks(source, path, fmt, start, layout, limits, seen, mapped, let_go)
    if parallel is None and size is not None:
        parallel = size >= PARALLEL_MIN_BYTES
    merged = _Merger(fmt, first_line)
    with _scan_conditions():
        threads = fmt in NATIVE_THREADED and native.AVAILABLE
        for spec, result in _results(_with_hints(specs, merged.many_values), parallel, seen,
                                     threads):
            merged.add(spec, result)
            if scanned is not None:
                scanned(spec.end)
            elif mapped is not None:
                drop_pages(mapped, spec.start, spec.end)
    if layout is not None:
        merged.columns(layout.columns)
    return merged.finish(seen[0], fatal[0] if fatal else None,
                         layout.warnings if layout is not None else [])


@contextlib.contextmanager
def _mapped_file(path: str) -> Iterator[mmap.mmap | None]:
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


def _mapped_chunks(mapped: mmap.mmap, size: int = 4 << 20) -> Iterator[memoryview]:
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


@contextlib.contextmanager
def _scan_conditions() -> Iterator[None]:
    """Arrow's default pool is the system allocator while blocks are scanned here, and the
    cyclic garbage collector is paused.

    mimalloc (Arrow's usual default) keeps freed memory for reuse, ~30 MB more at the peak;
    the system allocator gives each block's memory back. Buffers are always freed to the pool
    they came from, so switching for the duration of a scan is safe for other threads.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    # The scan makes no reference cycles, but its many small results set off the cyclic
    # collector, which walks every object of the process (pandas, Arrow, ...) holding the GIL
    # the merging thread needs: about 4% of a CSV scan's time. It is paused meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        pa.set_memory_pool(previous)


def _with_hints(specs: Iterator[BlockSpec], many_values: set[str]) -> Iterator[BlockSpec]:
    """Tell each block what earlier blocks taught: which fields are past exact counting."""
    for spec in specs:
        spec.sketch_only = frozenset(many_values)
        yield spec


class _Merger:
    def __init__(self, fmt: str, first_line: int) -> None:
        self.fmt = fmt
        self.line = first_line  # 0-based line where the next block starts
        self.rows_total = self.rows_valid = 0
        self.errors: list[dict[str, Any]] = []
        self.error_counts: dict[str, int] = {}
        self.warnings: list[dict[str, Any]] = []
        self.fields: dict[str, FieldAcc] = {}
        self.blank = [0, -1]
        self.long = [0, -1]
        self.index: list[dict[str, int]] = []
        self.many_values: set[str] = set()  # fields whose blocks send sketches, not values

    def columns(self, names: list[str]) -> None:
        for name in names:
            self.fields.setdefault(name, FieldAcc())

    def add(self, spec: BlockSpec, result: dict[str, Any]) -> None:
        offset = 0 if result["mapped"] else self.line
        first = spec.line_map[0] if spec.line_map else offset
        self.index.append({"start": spec.start, "end": spec.end, "line": first,
                           "rows_before": self.rows_valid, "rows": result["rows_valid"]})
        for line, field_name, code, params in result["errors"]:
            if len(self.errors) < MAX_ERRORS:
                entry = {"line": line + offset + 1, "code": code, "params": params}
                if field_name is not None:
                    entry["field"] = field_name
                if "end_line" in params:
                    params["end_line"] = params["end_line"] + offset + 1
                self.errors.append(entry)
        for code, n in result["error_counts"].items():
            self.error_counts[code] = self.error_counts.get(code, 0) + n
        for line, code, params in result["warnings"]:
            if len(self.warnings) < MAX_WARNINGS:
                self.warnings.append({"code": code, "line": line + offset + 1, "params": params})
        for acc, (count, first) in ((self.blank, result["blank"]), (self.long, result["long"])):
            if count:
                if acc[1] < 0:
                    acc[1] = first + offset
                acc[0] += count
        for name, part in result["fields"].items():
            self.fields.setdefault(name, FieldAcc()).add(part)
            if part["values"] is None and part["count"]:
                self.many_values.add(name)
        self.rows_total += result["rows_total"]
        self.rows_valid += result["rows_valid"]
        self.line += result["n_lines"]

    def finish(self, size: int, fatal: StructureError | None,
               header_warnings: list[tuple[str, dict]]) -> ScanResult:
        warnings: list[dict[str, Any]] = [{"code": c, "params": p} for c, p in header_warnings]
        if fatal is not None:
            self.errors.append({"line": fatal.line + 1, "code": "json_structure",
                                "params": {"column": fatal.column, "detail": fatal.detail}})
            self.error_counts["json_structure"] = self.error_counts.get("json_structure", 0) + 1
            self.rows_total += 1
        rows = self.rows_valid
        profile_fields: dict[str, Any] = {}
        schema: dict[str, str] = {}
        for name, acc in self.fields.items():
            info = field_profile(acc, rows)
            profile_fields[name] = info
            schema[name] = info["type"]
            if acc.values is not None and len(acc.values) <= 1000:
                info["_values"] = [[v, n] for v, n in acc.values.items()]
            warnings.extend(_field_warnings(name, info, rows))
        for (count, first), code in ((self.blank, "blank_lines"), (self.long, "long_lines")):
            if count:
                params = {"count": count, "line": first + 1}
                if code == "long_lines":
                    params["limit"] = Limits().long_line_bytes
                warnings.append({"code": code, "params": params})
        warnings.extend(self.warnings)
        self.errors.sort(key=lambda e: e["line"])
        rows_invalid = self.rows_total - self.rows_valid
        report = {
            "ok": rows_invalid == 0 and not self.errors,
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_invalid": rows_invalid,
            "errors": self.errors,
            "errors_truncated": sum(self.error_counts.values()) > len(self.errors),
            "error_counts": self.error_counts,
            "warnings": warnings,
        }
        profile = {"rows": rows, "bytes": size, "fields": profile_fields}
        return ScanResult(report, profile, schema, self.index, fatal)


def _field_warnings(name: str, info: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if info["type"] == "null-only" and rows:
        out.append({"code": "null_only", "field": name, "params": {"field": name}})
    elif info["null_count"]:
        out.append({"code": "missing_values", "field": name,
                    "params": {"field": name, "count": info["null_count"], "rows": rows}})
    if "kinds" in info:
        ranked = sorted(info["kinds"].items(), key=lambda kv: -kv[1])
        kinds = ", ".join(f"{n} {k}" for k, n in ranked)
        out.append({"code": "mixed_types", "field": name,
                    "params": {"field": name, "kinds": kinds}})
    if info.get("empty_strings"):
        out.append({"code": "empty_strings", "field": name,
                    "params": {"field": name, "count": info["empty_strings"]}})
    if info.get("non_finite"):
        out.append({"code": "non_finite_values", "field": name,
                    "params": {"field": name, "count": info["non_finite"]}})
    return out
