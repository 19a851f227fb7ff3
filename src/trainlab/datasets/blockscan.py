"""One block, validated and summarised: by the native scanner, else by the Python paths.

What a scan thread or a worker process (:mod:`.workers`) runs for each block of a file.
"""

from __future__ import annotations

import dataclasses

import pyarrow as pa

from trainlab.datasets import native
from trainlab.datasets.merge import MAX_ERRORS, MAX_WARNINGS
from trainlab.datasets.parse import BlockSpec, parse_block
from trainlab.datasets.result import BlockResult
from trainlab.datasets.stats import block_field_stats


def scan_block(spec: BlockSpec) -> BlockResult:
    try:
        return _scan_block(spec)
    finally:  # hand back what the block's computations held (Arrow's pools keep it otherwise)
        pa.default_memory_pool().release_unused()


def _scan_block(spec: BlockSpec) -> BlockResult:
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
    return BlockResult(
        start=spec.start,
        n_lines=parsed.n_lines,
        rows_total=parsed.rows_total,
        rows_valid=parsed.table.num_rows,
        errors=errors[:MAX_ERRORS],
        error_counts=counts,
        warnings=parsed.warnings[:MAX_WARNINGS],
        blank=(parsed.blank_lines, parsed.first_blank),
        long=(parsed.long_lines, parsed.first_long),
        fields=block_field_stats(parsed.table, spec.fmt, parsed.mixed, spec.sketch_only),
        mapped=spec.line_map is not None,
    )
