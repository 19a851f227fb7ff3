"""DataFrames out: a dataset's valid rows as pandas (all at once or batch by batch) or Arrow.

Rows are read block by block (:func:`trainlab.datasets.rows.iter_tables`) and typed by the
schema as :meth:`Dataset.preview` types them; a dataset made from a frame gets that frame's
dtypes and index back (:mod:`trainlab.datasets.frames`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from trainlab.datasets.check import column_error
from trainlab.datasets.frames import arrow_schema, restore, sidecar
from trainlab.datasets.rows import iter_tables
from trainlab.errors import dataset_error

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

_KINDS = {"integer": "Int64", "number": "float64", "boolean": "boolean"}
_TEXT = ("string", "text", "category")


def to_pandas(ds: Dataset, columns: list[str] | None = None, valid_only: bool = True
              ) -> pd.DataFrame:
    """All valid rows as one DataFrame (see :meth:`Dataset.to_pandas`)."""
    invalid = ds.to_dict()["rows_invalid"]
    if not valid_only and invalid:
        raise dataset_error("rows_not_readable", name=ds.name, count=invalid, rows=ds.rows)
    pieces = list(_blocks(ds, columns))
    return pieces[0] if len(pieces) == 1 else pd.concat(pieces)


def iter_batches(ds: Dataset, size: int = 65536, columns: list[str] | None = None
                 ) -> Iterator[pd.DataFrame]:
    """DataFrames of at most ``size`` valid rows (see :meth:`Dataset.iter_batches`)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise dataset_error("invalid_argument", name="size",
                            detail=f"{size!r}; pass a whole number of rows >= 1")
    wanted = _check_columns(ds, columns)
    return _rebatch(_blocks(ds, wanted, empty_too=False), size)


def _rebatch(blocks: Iterator[pd.DataFrame], size: int) -> Iterator[pd.DataFrame]:
    held: list[pd.DataFrame] = []
    count = 0
    for block in blocks:
        while len(block):
            part = block.iloc[:size - count]
            block = block.iloc[len(part):]
            held.append(part)
            count += len(part)
            if count == size:
                yield pd.concat(held) if len(held) > 1 else held[0]
                held, count = [], 0
    if held:
        yield pd.concat(held) if len(held) > 1 else held[0]


def to_arrow(ds: Dataset, columns: list[str] | None = None) -> pa.Table:
    """All valid rows as a pyarrow Table (see :meth:`Dataset.to_arrow`)."""
    wanted = _check_columns(ds, columns)
    meta = sidecar(ds)
    if meta is not None:
        frame = to_pandas(ds, wanted)
        schema = arrow_schema(meta)
        if schema is not None:
            if wanted is not None:
                schema = pa.schema([schema.field(n) for n in wanted])
            return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        return pa.Table.from_pandas(frame, preserve_index=bool(meta["index"]["columns"]) or None)
    tables = [table.select(_present(table, wanted or table.column_names))
              for table, _ in iter_tables(ds)]
    if not tables:
        return pa.table({name: pa.nulls(0) for name in wanted or ds.schema})
    return pa.concat_tables(tables, promote_options="permissive")


def _present(table: pa.Table, names: list[str]) -> list[str]:
    return [n for n in names if n in table.column_names]


def _check_columns(ds: Dataset, columns: list[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = [columns]
    for name in columns:
        if name not in ds.schema:
            raise column_error(name, "columns", list(ds.schema))
    return list(columns)


def _blocks(ds: Dataset, columns: list[str] | None, empty_too: bool = True
            ) -> Iterator[pd.DataFrame]:
    """Each block's valid rows as a typed DataFrame (an empty one when there are none)."""
    wanted = _check_columns(ds, columns)
    meta = sidecar(ds)
    order: list[str] | None = None
    found = False
    for table, lines in iter_tables(ds):
        found = True
        if meta is not None:
            yield restore(table.to_pandas(types_mapper=_nullable), meta, lines, wanted)
            continue
        order = order or wanted or _order(ds, table.column_names)
        yield _typed(table, ds.schema, order, lines)
    if not found and empty_too:
        empty = pa.table({n: pa.nulls(0) for n in ds.schema})
        yield (restore(empty.to_pandas(), meta, np.zeros(0, np.int64), wanted) if meta
               else _typed(empty, ds.schema, wanted or _order(ds, []), np.zeros(0, np.int64)))


def _order(ds: Dataset, first: list[str]) -> list[str]:
    """Columns in the file's order: the CSV header, else the first block's keys, then the rest."""
    layout = ds.layout
    if layout is not None:
        first = list(layout.columns)
    return [n for n in first if n in ds.schema] + [n for n in ds.schema if n not in first]


def _typed(table: pa.Table, schema: dict[str, str], order: list[str], lines: np.ndarray
           ) -> pd.DataFrame:
    frame = table.to_pandas(types_mapper=_nullable)
    data = {}
    for name in order:
        column = frame[name] if name in frame else pd.Series([None] * len(frame), dtype=object)
        column = column.reset_index(drop=True)
        kind = _KINDS.get(schema.get(name, ""))
        if kind is None and schema.get(name) in _TEXT and column.isna().all():
            kind = "str"  # a block where a text column is all null still gives text
        if kind is not None and str(column.dtype) != kind:
            try:
                column = column.astype(kind)
            except (TypeError, ValueError):  # a CSV column with stray text stays text
                pass
        data[name] = column
    out = pd.DataFrame(data, columns=order)
    out.index = pd.Index(np.asarray(lines, dtype=np.int64), name="line")
    return out


def _nullable(dtype: pa.DataType) -> Any:
    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None
