"""Validate and profile a whole file in one streaming pass, on every core.

The file is cut into blocks on record boundaries (:mod:`.plan`), while it is being copied
into the workspace. A CSV or JSON Lines block goes to the native scanner (:mod:`.native`) in
threads; any other block, or one the scanner declines, is parsed (:mod:`.parse`) and
summarised (:mod:`.stats`) here and, for a large file, in worker processes too
(:mod:`.workers`). The small per-block summaries are merged in file order (:mod:`.merge`).
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

import pyarrow as pa

from trainlab.datasets import blockscan, native
from trainlab.datasets.blockscan import scan_block
from trainlab.datasets.formats import BOM, CsvLayout
from trainlab.datasets.jsonarray import StructureError
from trainlab.datasets.locate import add_lines
from trainlab.datasets.mapping import drop_pages, mapped_chunks, mapped_file
from trainlab.datasets.merge import Merger, ScanResult
from trainlab.datasets.parse import BlockSpec, Limits
from trainlab.datasets.plan import plan_blocks, plan_json, read_chunks
from trainlab.datasets.result import BlockResult

PARALLEL_MIN_BYTES = 24 * 1024 * 1024
NATIVE_THREADED = ("csv", "jsonl")  # formats scanned in threads when the native scanner is there


def _pool_size() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _results(specs: Iterator[BlockSpec], parallel: bool | None, seen: list[int],
             native_threads: bool = False) -> Iterator[tuple[BlockSpec, BlockResult]]:
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
              threads: int) -> Generator[tuple[BlockSpec, BlockResult], None, bool]:
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
                    slow += bool(result.error_counts) and not result.native
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
        with mapped_file(path) as whole:  # a finished file: read in place, as a copy is
            if whole is not None:
                return _scan(path, fmt, size, layout, limits, parallel, mapped_chunks(whole),
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
    merged = Merger(fmt, first_line)
    with _scan_conditions():
        threads = fmt in NATIVE_THREADED and native.AVAILABLE
        for spec, result in _results(_with_hints(specs, merged.many_values), parallel, seen,
                                     threads):
            merged.add(spec, result)
            if len(merged.fields) > blockscan.MAX_COLUMNS:  # keys spread over blocks
                raise blockscan.TooWide(len(merged.fields))
            if scanned is not None:
                scanned(spec.end)
            elif mapped is not None:
                drop_pages(mapped, spec.start, spec.end)
    if layout is not None:
        merged.columns(layout.columns)
    result = merged.finish(seen[0], fatal[0] if fatal else None,
                           layout.warnings if layout is not None else [])
    add_lines(result, path, fmt, layout)  # a value breaking its column's type: its lines
    return result


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

