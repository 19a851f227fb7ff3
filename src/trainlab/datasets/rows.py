"""Reading records back: typed Arrow tables per block, for preview, checks and training."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.block import ARROW_REFUSED
from trainlab.datasets.jsonarray import Element, iter_elements
from trainlab.datasets.parse import BlockSpec, parse_block
from trainlab.datasets.read_parquet import iter_parquet_tables
from trainlab.datasets.semantics import BOOL_WORDS

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

_CASTS = {"integer": pa.int64(), "number": pa.float64()}
_BOOL_WORDS = pa.array(BOOL_WORDS)


def block_spec(ds: Dataset, entry: dict[str, int]) -> BlockSpec:
    """The spec that re-reads one block listed in the dataset's index."""
    if ds.format == "csv":
        layout = ds.layout
        assert layout is not None
        return BlockSpec("csv", entry["start"], entry["end"], path=str(ds.path),
                         delimiter=layout.delimiter, columns=layout.columns)
    if ds.format == "jsonl":
        return BlockSpec("jsonl", entry["start"], entry["end"], path=str(ds.path))
    lines: list[bytes] = []
    line_map: list[int] = []
    with open(ds.path, "rb") as handle:
        for item in iter_elements(handle, entry["start"], entry["line"], inside=True):
            if not isinstance(item, Element) or item.offset >= entry["end"]:
                break
            lines.append(item.data)
            line_map.append(item.line)
    return BlockSpec("jsonl", entry["start"], entry["end"], data=b"\n".join(lines) + b"\n",
                     line_map=line_map)


def iter_tables(ds: Dataset, first_block: int = 0) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Each block's valid records, typed by the dataset's schema, with their 1-based lines."""
    if ds.format == "parquet":
        yield from iter_parquet_tables(ds, first_block)
        return
    for entry in ds.index[first_block:]:
        spec = block_spec(ds, entry)
        parsed = parse_block(spec)
        offset = 0 if spec.line_map is not None else entry["line"]
        yield typed(parsed.table, ds.schema, ds.format), parsed.lines + offset + 1


def typed(table: pa.Table, schema: dict[str, str], fmt: str) -> pa.Table:
    """CSV text columns cast to the schema's types (a column with stray text stays text)."""
    if fmt != "csv":
        return table
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        kind = schema.get(name)
        try:
            if kind in _CASTS:
                column = pc.cast(column, _CASTS[kind])
            elif kind == "boolean" and pc.all(pc.is_in(column.drop_null(), _BOOL_WORDS)).as_py() \
                    is not False:
                column = pc.equal(pc.utf8_lower(column), "true")
            elif kind == "null-only":
                column = pa.nulls(len(column))
        except ARROW_REFUSED:
            pass
        columns[name] = column
    return pa.table(columns)


def read_rows(ds: Dataset, offset: int = 0, limit: int = 20) -> pd.DataFrame:
    if offset < 0 or limit < 0:
        from trainlab.errors import dataset_error

        raise dataset_error("invalid_argument", name="offset/limit",
                            detail=f"offset={offset}, limit={limit}; both must be >= 0")
    index = ds.index
    starts = [e["rows_before"] for e in index]
    block = max(0, int(np.searchsorted(starts, offset, side="right")) - 1)
    pieces: list[pd.DataFrame] = []
    wanted = limit
    skip = offset - (starts[block] if index else 0)
    if index and limit:
        for table, lines in iter_tables(ds, block):
            if skip >= table.num_rows:
                skip -= table.num_rows
                continue
            part = table.slice(skip, wanted)
            frame = part.to_pandas(types_mapper=_pandas_type)
            frame.index = pd.Index(lines[skip: skip + part.num_rows], name="line")
            pieces.append(frame)
            wanted -= part.num_rows
            skip = 0
            if wanted <= 0:
                break
    if not pieces:
        frame = pd.DataFrame(columns=list(ds.schema))
        frame.index.name = "line"
        return frame
    return pd.concat(pieces) if len(pieces) > 1 else pieces[0]


def _pandas_type(dtype: pa.DataType):  # nullable integers stay integers in a preview
    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None
