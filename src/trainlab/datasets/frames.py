"""DataFrames in: a pandas DataFrame, a pyarrow Table or a polars DataFrame stored as a dataset.

The frame is written as JSON Lines (lists, booleans and nulls survive; column order kept,
NaN/NA/None as ``null``, datetimes as ISO-8601 text, categories as their values, numpy scalars
as JSON numbers, a non-default index as leading columns) a chunk of rows at a time into the
workspace's ``tmp/``, and then validated, profiled and stored exactly like an uploaded file
(:meth:`DatasetStore.adopt`). Beside it, ``frame.json`` records the original dtypes and index
so that :meth:`Dataset.to_pandas` gives the same frame back.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api import types as api

from trainlab.errors import dataset_error
from trainlab.workspace.files import read_json
from trainlab.workspace.ids import new_id

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset, DatasetStore

FRAME_FILE = "frame.json"
_CONTAINERS = (list, tuple, dict, np.ndarray)
_INT64_MAX = 2**63 - 1
CHUNK_ROWS = 20_000  # rows turned into JSON at a time: memory is one chunk of text, not the frame


def add_frame(store: DatasetStore, source: Any, name: str | None = None,
              parent: dict[str, Any] | None = None, format: str | None = None) -> Dataset:
    """Store a frame as a dataset; the same content added again returns the existing one."""
    frame, schema = as_pandas(source)
    if len(frame) == 0:  # checked here: there is no file yet to call empty
        raise dataset_error("frame_empty", columns=len(frame.columns))
    if format not in (None, "jsonl"):
        raise dataset_error("invalid_argument", name="format", detail=f"{format!r}: a DataFrame "
                            "is stored as JSON Lines; leave format out or pass 'jsonl'")
    frame, meta = describe(frame)
    if schema is not None:
        meta["arrow_schema"] = schema.serialize().to_pybytes().hex()
    name = name or "dataframe.jsonl"
    ws = store.ws
    path = ws.tmp_dir / f"{new_id('frame')}.jsonl"
    digest = hashlib.sha256()
    try:
        with open(path, "wb") as handle:
            for chunk in jsonl_chunks(frame):
                digest.update(chunk)
                handle.write(chunk)
        sha256 = digest.hexdigest()
        # a split's parent is part of what it is: the same rows from another parent are new
        content = hashlib.sha256((sha256 + _canonical(meta) + _canonical(parent)).encode()
                                 ).hexdigest()
        for row in ws.store.query("SELECT id, summary_json FROM datasets WHERE sha256 = ?",
                                  (sha256,)):
            if json.loads(row["summary_json"]).get("content_sha256") == content:
                path.unlink(missing_ok=True)
                return store.get(row["id"])
        summary: dict[str, Any] = {"content_sha256": content}
        if parent is not None:
            summary["parent"] = parent
        return store.adopt(path, name, "jsonl", sha256=sha256, files={FRAME_FILE: meta},
                           summary=summary)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def as_pandas(source: Any) -> tuple[pd.DataFrame, pa.Schema | None]:
    """The pandas frame of ``source``, and the Arrow schema it came with (Arrow, polars)."""
    if isinstance(source, pd.DataFrame):
        return source, None
    if type(source).__module__.startswith("polars") and hasattr(source, "to_arrow"):
        source = source.to_arrow()
    if isinstance(source, pa.RecordBatch):
        source = pa.Table.from_batches([source])
    if isinstance(source, pa.Table):
        return source.to_pandas(types_mapper=_nullable), source.schema
    raise dataset_error("unsupported_source", got=type(source).__name__)


def _nullable(dtype: pa.DataType) -> Any:  # Arrow ints and booleans keep their nulls as NA
    if pa.types.is_integer(dtype):
        return pd.api.types.pandas_dtype(str(dtype).replace("int", "Int").replace("uInt", "UInt"))
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None


def check_column_names(names: list[Any], strings: bool = True) -> None:
    """Refuse (``frame_column_names``) a column name that appears twice, or that is not a
    string when ``strings``."""
    bad = [n for n in names if not isinstance(n, str)] if strings else []
    if bad or len(set(names)) != len(names):
        detail = (f"{bad[0]!r} is not a string" if bad else
                  f"'{next(n for n in names if names.count(n) > 1)}' appears twice")
        raise dataset_error("frame_column_names", detail=detail)


def describe(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame with its index as leading columns (when it is not the default 0..n-1), and
    the sidecar that restores dtypes and index."""
    names = list(frame.columns)
    check_column_names(names)
    index = frame.index
    index_names: list[str | None] = []
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            and index.name is None):
        index_names = list(index.names)
        stored = [n if n is not None else ("index" if len(index_names) == 1 else f"level_{i}")
                  for i, n in enumerate(index_names)]
        taken = [n for n in stored if n in names or not isinstance(n, str)]
        if taken or len(set(stored)) != len(stored):
            raise dataset_error("frame_column_names",
                                detail=f"the index level {(taken or stored)[0]!r} is not a string "
                                "or clashes with a column; rename it (df.rename_axis(...))")
        frame = frame.reset_index()
        frame.columns = stored + names
    sidecar = {"version": 1, "index": {"columns": [c for c in frame.columns[:len(index_names)]],
                                       "names": index_names},
               "columns": [{"name": n, **_dtype_spec(frame[n])} for n in frame.columns]}
    return frame, sidecar


def _dtype_spec(column: pd.Series) -> dict[str, Any]:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        return {"kind": "category", "categories": json.loads(_encode(_values(pd.Series(cats)))),
                "categories_dtype": _dtype_spec(pd.Series(cats)), "ordered": bool(dtype.ordered)}
    if isinstance(dtype, pd.StringDtype):
        return {"kind": "string", "storage": dtype.storage,
                "na": "NA" if dtype.na_value is pd.NA else "nan"}
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return {"kind": "datetime", "dtype": str(dtype)}
    if api.is_object_dtype(dtype):  # nested lists and objects are read back as JSON text
        values = column.dropna().to_numpy()
        dates = bool(len(values)) and all(type(v) is date for v in values)
        return {"kind": "date"} if dates else {
            "kind": "object",
            "json": bool(len(values)) and all(isinstance(v, _CONTAINERS) for v in values)}
    if api.is_unsigned_integer_dtype(dtype) and len(column) and column.max() > _INT64_MAX:
        raise dataset_error("frame_unsupported_dtype", column=str(column.name),
                            dtype=f"{dtype} (values above {_INT64_MAX})")
    if api.is_bool_dtype(dtype) or api.is_integer_dtype(dtype) or api.is_float_dtype(dtype):
        return {"kind": "plain", "dtype": str(dtype)}
    raise dataset_error("frame_unsupported_dtype", column=str(column.name), dtype=str(dtype))


def jsonl_chunks(frame: pd.DataFrame, rows: int | None = None) -> Iterator[bytes]:
    """The frame as JSON Lines, ``rows`` (default ``CHUNK_ROWS``) records at a time, each
    column of a chunk converted at once."""
    rows = rows or CHUNK_ROWS
    names = list(frame.columns)
    for start in range(0, len(frame), rows):
        part = frame.iloc[start:start + rows]
        columns = [_values(part[name]) for name in names]
        try:
            for name, values in zip(names, columns, strict=True):
                if api.is_object_dtype(part[name].dtype):  # msgspec writes a nested NaN as
                    _encode(values)                        # null: refuse it, as JSON must
            yield _LINES([dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)])
        except (ValueError, TypeError, _Unsupported) as exc:  # found again column by column
            raise _column_error(names, columns, start, exc) from None


# msgspec writes the lines (floats in their shortest exact form, UTF-8 as is, keys in order), about
# 4x faster than the json module; the json module still checks nested values for NaN/infinity.
_LINES = msgspec.json.Encoder(enc_hook=lambda value: _json_default(value)).encode_lines
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                           default=lambda value: _json_default(value)).encode


class _Unsupported(Exception):
    """A value the JSON encoder cannot write (its type is the argument)."""


def _column_error(names: list[str], columns: list[list[Any]], start: int, exc: Exception
                  ) -> Exception:
    name = next((n for n, values in zip(names, columns, strict=True) if not _encodes(values)),
                "?")
    rows = f"rows {start}..{start + len(columns[0]) - 1}"
    if isinstance(exc, _Unsupported):
        return dataset_error("frame_unsupported_value", column=name, type=exc.args[0], rows=rows)
    return dataset_error("frame_not_finite", column=name, value=f"NaN or infinity in a list or an "
                         f"object ({rows})")


def _encodes(values: list[Any]) -> bool:
    try:
        _encode(values)
    except (ValueError, _Unsupported):
        return False
    return True


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (datetime, date, time, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise _Unsupported(type(value).__name__)


def _values(column: pd.Series) -> list[Any]:
    """One column as JSON-ready Python values, ``None`` where missing (vectorised)."""
    dtype = column.dtype
    name = str(column.name)
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        aware = isinstance(dtype, pd.DatetimeTZDtype)
        values = (column.dt.tz_convert("UTC").dt.tz_localize(None) if aware else column).to_numpy()
        unit = np.datetime_data(values.dtype)[0]
        text = np.datetime_as_string(values, unit=unit, timezone="UTC" if aware else "naive")
        out = text.astype(object, copy=True)
        out[np.isnat(values)] = None
        return out.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return column.to_numpy().tolist()
    if isinstance(dtype, pd.CategoricalDtype):  # each category's JSON value, taken by code
        categories = np.array([*_values(pd.Series(dtype.categories)), None], dtype=object)
        return categories[column.cat.codes.to_numpy()].tolist()
    if api.is_float_dtype(dtype):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(numbers).any():
            raise dataset_error("frame_not_finite", column=name, value="an infinity")
    out = column.to_numpy(dtype=object, copy=True)
    out[column.isna().to_numpy()] = None
    return out.tolist()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# -- reading back ---------------------------------------------------------------------------------
def sidecar(ds: Dataset) -> dict[str, Any] | None:
    """What ``frame.json`` says of a dataset made from a frame; ``None`` for a file's dataset."""
    path = ds.directory / FRAME_FILE
    return read_json(path) if path.is_file() else None


def index_columns(ds: Dataset) -> list[str]:
    """The columns that hold a frame-born dataset's index (not features to train on)."""
    meta = sidecar(ds)
    return list(meta["index"]["columns"]) if meta else []


def restore(frame: pd.DataFrame, meta: dict[str, Any], lines: np.ndarray,
            wanted: list[str] | None) -> pd.DataFrame:
    """Give a block read back from the JSON Lines its original dtypes, index and column order."""
    index_cols = list(meta["index"]["columns"])
    names = [c["name"] for c in meta["columns"]]
    keep = [n for n in names if n in index_cols or wanted is None or n in wanted]
    data = {}
    for spec in meta["columns"]:
        if spec["name"] in keep:
            column = frame[spec["name"]] if spec["name"] in frame else pd.Series(
                [None] * len(frame), index=frame.index, dtype=object)
            data[spec["name"]] = _restore(column.reset_index(drop=True), spec)
    out = pd.DataFrame(data, columns=keep)
    if index_cols:
        out = out.set_index(index_cols)
        out.index.names = meta["index"]["names"]
    else:
        positions = np.asarray(lines, dtype=np.int64) - 1
        contiguous = len(positions) == 0 or positions[-1] - positions[0] == len(positions) - 1
        out.index = pd.RangeIndex(int(positions[0]) if len(positions) else 0,
                                  int(positions[0]) + len(positions) if len(positions) else 0) \
            if contiguous else pd.Index(positions)
    return out[[n for n in (wanted or keep) if n not in index_cols]]


def _restore(column: pd.Series, spec: dict[str, Any]) -> pd.Series:
    kind = spec["kind"]
    if kind == "plain":
        return column.astype(spec["dtype"])
    if kind == "string":
        na = pd.NA if spec["na"] == "NA" else np.nan
        return column.astype(object).where(column.notna(), None).astype(
            pd.StringDtype(spec["storage"], na_value=na))
    if kind == "datetime":
        dtype = pd.api.types.pandas_dtype(spec["dtype"])
        tz = getattr(dtype, "tz", None)
        parsed = pd.to_datetime(column.astype(object).where(column.notna(), None),
                                format="ISO8601", utc=tz is not None)
        if tz is not None:
            parsed = parsed.dt.tz_convert(tz)
        return parsed.astype(dtype)
    if kind == "category":
        inner = spec["categories_dtype"]
        cats = pd.Index(_restore(pd.Series(spec["categories"], dtype=object), inner))
        base = column.astype(object).where(column.notna(), None) if inner["kind"] == "plain" \
            else _restore(column, inner)
        dtype = pd.CategoricalDtype(cats, ordered=spec["ordered"])
        return pd.Series(pd.Categorical.from_codes(cats.get_indexer(base), dtype=dtype))
    if kind == "date":  # datetime.date objects (an Arrow date32 column), written as ISO text
        return pd.Series([None if _missing(v) else date.fromisoformat(v) for v in column],
                         dtype=object)
    nested = spec.get("json", False)  # object: lists come back as lists
    return pd.Series([_plain(v, nested) for v in column.to_numpy(dtype=object)], dtype=object)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any, nested: bool) -> Any:
    if _missing(value):
        return None
    if isinstance(value, np.ndarray):
        return [_plain(v, nested) for v in value.tolist()]
    if nested and isinstance(value, str):
        return json.loads(value)
    return value


def arrow_schema(meta: dict[str, Any]) -> pa.Schema | None:
    """The Arrow schema a Table or polars frame came with, if it came as one."""
    hexed = meta.get("arrow_schema")
    return pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(hexed))) if hexed else None

