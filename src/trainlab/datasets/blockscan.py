"""One block, validated and summarised: by the native scanner, else by the Python paths.

What a scan thread or a worker process (:mod:`.workers`) runs for each block of a file.
"""

from __future__ import annotations

import dataclasses

import msgspec
import pyarrow as pa

from trainlab.datasets import native
from trainlab.datasets.merge import MAX_ERRORS, MAX_WARNINGS
from trainlab.datasets.parse import BlockSpec, parse_block
from trainlab.datasets.result import BlockResult
from trainlab.datasets.stats import block_field_stats

#: The most columns (CSV) or distinct top-level keys (JSON) a dataset may have. A wider file is
#: refused (``too_many_columns``) before its statistics, whose cost grows with the width, are
#: computed; each column is a feature to train on, and a list of 10,000 is already unusable.
MAX_COLUMNS = 10_000


class TooWide(Exception):
    """More than :data:`MAX_COLUMNS` fields; ``args == (count,)`` (it pickles from workers)."""


STABLE_LINES = 1000  # lines without a new key after which a block is taken to be narrow


def _count_keys(data: bytes) -> None:
    """:class:`TooWide` as soon as the records of a JSON block have more than
    :data:`MAX_COLUMNS` distinct top-level keys (values are not decoded; lines that are not
    objects are left to the parser to name). The census stops once :data:`STABLE_LINES`
    lines in a row bring no new key, so a narrow block costs a thousand lines' decoding; a
    block that widens later is still refused after parsing, only not as fast."""
    decode = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
    keys: set[str] = set()
    quiet = start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line, start = data[start:end], end + 1
        try:
            record = decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError, ValueError):
            continue
        before = len(keys)
        keys.update(record)
        if len(keys) > MAX_COLUMNS:
            raise TooWide(len(keys))
        quiet = quiet + 1 if len(keys) == before else 0
        if quiet >= STABLE_LINES:
            return


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
    if spec.fmt != "csv":  # Arrow's JSON reader slows down with the square of the key count
        data = spec.read()
        spec = dataclasses.replace(spec, data=data, view=None)
        _count_keys(data)
    parsed = parse_block(spec)
    if parsed.table.num_columns > MAX_COLUMNS:
        raise TooWide(parsed.table.num_columns)
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
