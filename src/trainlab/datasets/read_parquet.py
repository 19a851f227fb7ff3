"""Parquet datasets: the whole-file checks, the scan by row groups, and reading rows back.

A Parquet file is typed already, so there is nothing to guess and no row to refuse: its
columns get their kinds from the Parquet schema (integers, floats and decimals as numbers,
booleans, strings, lists, structs and maps as objects), and its report carries the same
warnings as the text formats' (missing values, NaN or infinity, empty strings, ...). To read
like the same data stored from a DataFrame (:mod:`.frames`), timestamps, dates and times become
ISO-8601 text (UTC, ``Z``, for a zone-aware timestamp), dictionary columns their values, and
binary columns are counted as objects (no task reads bytes), and a float NaN is a missing
value (as ``NaN`` in a CSV, or in a DataFrame); an infinity is counted as non-finite.

It is read with pyarrow a batch of at most :data:`BATCH_ROWS` rows of one row group at a
time, so memory holds one batch, never the file. Each batch is a *block* of the index, found
again by its row group and its row offset in it: a preview at any depth decodes at most one
row group.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trainlab.datasets.blockscan import MAX_COLUMNS
from trainlab.datasets.merge import Merger, ScanResult
from trainlab.datasets.parse import BlockSpec
from trainlab.datasets.result import BlockResult, FieldPart
from trainlab.datasets.stats import block_field_stats
from trainlab.errors import dataset_error

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

MAGIC = b"PAR1"
BATCH_ROWS = 65_536  # rows of one row group decoded at a time
# What pyarrow raises on a file it cannot read; the code says which whole-file check failed.
_UNREADABLE = (pa.ArrowException, OSError, ValueError)


def open_parquet(path: str | Path, name: str) -> pq.ParquetFile:
    """The Parquet file at ``path``, after the whole-file checks; a file that is not Parquet is
    refused: ``empty_file``, ``parquet_bad_magic`` (it does not start with ``PAR1``),
    ``parquet_bad_footer`` (no ``PAR1`` at its end, or a footer that does not fit or read),
    ``parquet_bad_schema`` (a schema pyarrow cannot turn into columns, or repeated names),
    ``too_many_columns``."""
    size = Path(path).stat().st_size
    if size == 0:
        raise dataset_error("empty_file", name=name)
    with open(path, "rb") as handle:
        head = handle.read(4)
        handle.seek(max(0, size - 8))
        tail = handle.read(8)
    if head != MAGIC:
        raise dataset_error("parquet_bad_magic", name=name, found=head.hex() or "(none)")
    footer = int.from_bytes(tail[:4], "little") if len(tail) == 8 else -1
    if size < 12 or tail[4:] != MAGIC or footer + 12 > size or footer <= 0:
        raise dataset_error("parquet_bad_footer", name=name, size=size,
                            detail="no PAR1 at the end" if tail[4:] != MAGIC or size < 12
                            else f"a footer of {footer} bytes in a file of {size}")
    try:
        parquet = pq.ParquetFile(path)
    except _UNREADABLE as exc:
        raise dataset_error("parquet_bad_footer", name=name, size=size,
                            detail=type(exc).__name__) from None
    try:
        schema = parquet.schema_arrow
    except _UNREADABLE as exc:
        raise dataset_error("parquet_bad_schema", name=name,
                            detail=type(exc).__name__) from None
    names = schema.names
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise dataset_error("parquet_bad_schema", name=name, detail=f"'{twice}' appears twice")
    if len(names) > MAX_COLUMNS:
        raise dataset_error("too_many_columns", name=name, count=len(names), limit=MAX_COLUMNS)
    return parquet


def plain_table(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    """A batch's columns as the rest of trainlab reads them (see the module's docstring)."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    return pa.table({name: _plain(table.column(name).combine_chunks())
                     for name in table.column_names})


def _plain(column: pa.Array) -> pa.Array:
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _plain(column.dictionary_decode())
    if pa.types.is_timestamp(kind):
        values = column.to_numpy(zero_copy_only=False)
        unit = np.datetime_data(values.dtype)[0]
        text = np.datetime_as_string(values, unit=unit,
                                     timezone="UTC" if kind.tz is not None else "naive")
        out = text.astype(object)
        out[np.isnat(values)] = None
        return pa.array(out, pa.string())
    if pa.types.is_date(kind) or pa.types.is_time(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_decimal(kind) or pa.types.is_float16(kind):
        return _plain(pc.cast(column, pa.float64()))
    if pa.types.is_floating(kind) and column.null_count < len(column):
        nan = pc.is_nan(column)
        if pc.any(nan).as_py():  # missing, as a CSV's NaN and a frame's NaN are
            return pc.if_else(nan, pa.scalar(None, kind), column)
    if pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return pc.cast(column, pa.list_(kind.value_type))
    return column


def _is_binary(kind: pa.DataType) -> bool:
    return (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
            or pa.types.is_fixed_size_binary(kind) or pa.types.is_binary_view(kind))


def _batches(parquet: pq.ParquetFile, first_group: int = 0) -> Iterator[tuple[int, int, pa.Table]]:
    """``(row group, row offset in it, table)`` of every batch, from ``first_group`` on."""
    for group in range(first_group, parquet.metadata.num_row_groups):
        offset = 0
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group],
                                          use_threads=False):
            yield group, offset, plain_table(batch)
            offset += batch.num_rows


def scan_parquet(path: str | Path, name: str) -> ScanResult:
    """Validate and profile the Parquet file at ``path`` batch by batch (whole-file problems
    raise, see :func:`open_parquet`)."""
    parquet = open_parquet(path, name)
    meta = parquet.metadata
    spans = _group_spans(meta)
    merged = Merger("parquet", 0)
    merged.columns(parquet.schema_arrow.names)
    where: list[tuple[int, int]] = []
    try:
        for group, offset, table in _batches(parquet):
            rows = table.num_rows
            binary = [n for n in table.column_names if _is_binary(table.column(n).type)]
            fields = block_field_stats(table.drop_columns(binary), "parquet",
                                       sketch_only=frozenset(merged.many_values))
            for column in binary:
                count = rows - table.column(column).null_count
                fields[column] = FieldPart(count, {"object": count} if count else {})
            fields = {n: fields[n] for n in table.column_names}
            start, size, group_rows = spans[group]
            share = (start + size * offset // max(1, group_rows),
                     start + size * (offset + rows) // max(1, group_rows))
            merged.add(BlockSpec("parquet", *share),
                       BlockResult(start=share[0], n_lines=rows, rows_total=rows,
                                   rows_valid=rows, errors=[], error_counts={}, warnings=[],
                                   blank=(0, -1), long=(0, -1), fields=fields))
            where.append((group, offset))
    except _UNREADABLE as exc:  # a column chunk that does not decode: the file is damaged
        raise dataset_error("parquet_bad_data", name=name, rows=merged.rows_total,
                            detail=type(exc).__name__) from None
    result = merged.finish(Path(path).stat().st_size, None, [])
    for entry, (group, offset) in zip(result.index, where, strict=True):
        entry["row_group"], entry["offset"] = group, offset
    return result


def _group_spans(meta: pq.FileMetaData) -> list[tuple[int, int, int]]:
    """Each row group's first byte, size in the file and rows (for the index's byte ranges)."""
    spans = []
    for group in range(meta.num_row_groups):
        info = meta.row_group(group)
        starts, size = [], 0
        for column in range(info.num_columns):
            chunk = info.column(column)
            first = chunk.dictionary_page_offset if chunk.has_dictionary_page else None
            starts.append(first if first else chunk.data_page_offset)
            size += chunk.total_compressed_size
        spans.append((min(starts) if starts else 4, size, info.num_rows))
    return spans


def iter_parquet_tables(ds: Dataset, first_block: int = 0
                        ) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Each block's rows from ``first_block`` on, with their 1-based lines (row index + 1):
    the first block's row group is decoded from its start, the ones before it not at all."""
    index = ds.index[first_block:]
    if not index:
        return
    parquet = pq.ParquetFile(ds.path)
    blocks = iter(index)
    entry: dict[str, Any] | None = next(blocks)
    for group, offset, table in _batches(parquet, entry["row_group"]):
        if (group, offset) != (entry["row_group"], entry["offset"]):
            continue  # a batch before the first one asked for, in its row group
        yield table, np.arange(table.num_rows, dtype=np.int64) + entry["line"] + 1
        entry = next(blocks, None)
        if entry is None:
            return
