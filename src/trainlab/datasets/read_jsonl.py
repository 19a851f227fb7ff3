"""Reading a block of JSON Lines: Arrow when provably strict, else msgspec line by line."""

from __future__ import annotations

import io
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from trainlab.datasets.block import (
    ARROW_REFUSED,
    POOL,
    BlockSpec,
    Parsed,
    Tally,
    line_bounds,
    short_lines,
)
from trainlab.datasets.json_errors import json_error, line_problem
from trainlab.datasets.semantics import MAX_DEPTH


def parse_jsonl(data: bytes, spec: BlockSpec) -> Parsed:
    if spec.line_map is None:
        n_lines = short_lines(data, spec.limits.long_line_bytes)
        fast = _jsonl_fast(data, n_lines) if n_lines else None
        if fast is not None:
            return Parsed(fast, np.arange(n_lines, dtype=np.int64), n_lines, n_lines)
    starts, ends = line_bounds(data)
    return _jsonl_slow(data, starts, ends, spec)


def _jsonl_fast(data: bytes, n_lines: int) -> pa.Table | None:
    """Arrow's reading of ``data`` when it is provably the strict one, else ``None``.

    The caller has checked that no line is long; a blank line shows as a row count that
    differs from the line count (Arrow skips it), as does "{...}{...}" on one line.
    """
    if _may_have_blank_line(data):
        return None  # Arrow skips it: with a "{..}{..}" line the row count would still match
    if b"\x00" in data or _ESCAPED_NUL in data:
        return None  # a NUL byte is a bad line; Arrow cuts a nested key at an escaped NUL
    table = _arrow_json(data)
    if table is None or table.num_rows != n_lines:  # Arrow reads "{..}{..}" as two rows
        return None
    if any(_depth(field.type) >= MAX_DEPTH for field in table.schema):
        return None  # too deep: the strict reader names the lines (the record is level 1)
    if any(_non_finite(column) for column in table.columns):
        return None  # Arrow reads NaN and Infinity; JSON has no such numbers
    try:  # the strings were checked by _arrow_json; the names are not Arrow arrays
        "".join(table.column_names)
    except UnicodeDecodeError:
        return None
    return table


_ESCAPED_NUL = b"\\u0000"  # Arrow's JSON reader cuts a nested key there


def _depth(dtype: pa.DataType) -> int:
    """How deep ``dtype`` nests (a scalar 0, a list of scalars 1), without recursion."""
    deepest, level = 0, [(dtype, 0)]
    while level:
        kind, depth = level.pop()
        deepest = max(deepest, depth)
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            level.append((kind.value_type, depth + 1))
        elif pa.types.is_struct(kind):
            level.extend((kind.field(i).type, depth + 1) for i in range(kind.num_fields))
    return deepest


_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 13, 32]] = True


def _may_have_blank_line(data: bytes) -> bool:
    """Whether a line of ``data`` is empty or starts with whitespace (so may be blank)."""
    if not data or _SPACE[data[0]]:
        return True
    raw = np.frombuffer(data, np.uint8)
    after = np.flatnonzero(raw[:-1] == 10) + 1  # where each line but the first starts
    return bool(_SPACE[raw[after]].any())


def _non_finite(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any float in ``values`` (nested ones too) is NaN or infinite."""
    dtype = values.type
    if pa.types.is_floating(dtype):
        finite = pc.all(pc.is_finite(values)).as_py()
        return finite is False
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return any(_non_finite(chunk.flatten()) for chunk in chunks)
    if pa.types.is_struct(dtype):
        return any(_non_finite(chunk.field(i)) for chunk in chunks
                   for i in range(dtype.num_fields))
    return False


def _arrow_json(data: bytes, schema: pa.Schema | None = None) -> pa.Table | None:
    options = pa_json.ParseOptions(explicit_schema=schema) if schema is not None else None
    read = pa_json.ReadOptions(use_threads=False, block_size=max(len(data) + 1, 1 << 16))
    try:
        table = pa_json.read_json(io.BytesIO(data), read_options=read, parse_options=options,
                                  memory_pool=POOL)
    except ARROW_REFUSED:
        return None
    # Arrow turns ISO-8601 strings into timestamps; a dataset's strings stay strings.
    stamped = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    if stamped and schema is None:
        return _arrow_json(data, pa.schema([(name, pa.string()) for name in stamped]))
    try:  # Arrow does not check UTF-8 while reading JSON, and an array that starts with
        # null ([null, 1]) comes out malformed (pyarrow 26): the Python paths take those
        table.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return table


def _jsonl_slow(data: bytes, starts: np.ndarray, ends: np.ndarray, spec: BlockSpec) -> Parsed:
    decode = msgspec.json.Decoder().decode
    good: list[bytes] = []
    good_lines: list[int] = []
    objects: list[dict] = []
    errors: list[tuple[int, str | None, str, dict[str, Any]]] = []
    tally = Tally(spec.limits, errors)
    line_of = spec.line_map
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        line = data[start:end]
        where = line_of[index] if line_of is not None else index
        if not line.strip():
            tally.saw_blank(where)
            continue
        if not tally.fits(where, end - start):
            continue
        problem = line_problem(line)  # a NUL byte, or too deep for the readers below
        if problem is not None:
            errors.append((where, None, *problem))
            continue
        try:
            value = decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):  # which one varies by release
            code, params = json_error(line)
            if code == "trailing_data" and line_of is not None:  # inside a JSON array
                code, params = "invalid_json", {**params, "detail": "a comma is missing "
                                                "between two elements"}
            errors.append((where, None, code, params))
            continue
        if not isinstance(value, dict):
            errors.append((where, None, "not_an_object", {"kind": kind_name(value)}))
            continue
        good.append(line)
        good_lines.append(where)
        objects.append(value)
    rows_total = len(good) + len(errors)
    parsed = tally.into(Parsed(pa.table({}), np.asarray(good_lines, np.int64), len(starts),
                               rows_total, errors=errors))
    if not good:
        return parsed
    joined = b"\n".join(good)
    table = None if _ESCAPED_NUL in joined else _arrow_json(joined)
    if table is None or table.num_rows != len(good):
        # Arrow refuses fields of several types and duplicate keys; build the table here.
        duplicate = _duplicate_key_lines(good, good_lines)
        parsed.warnings.extend((line, "duplicate_key", {}) for line in duplicate)
        table, parsed.mixed = _table_from_objects(objects)
    parsed.table = table
    return parsed


def kind_name(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _duplicate_key_lines(lines: list[bytes], where: list[int]) -> list[int]:
    import json

    found: list[int] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise KeyError
        return dict(pairs)

    for line, at in zip(lines, where):
        if line.count(b'"') < 4:
            continue
        try:
            json.loads(line, object_pairs_hook=hook)
        except KeyError:
            found.append(at)
        except ValueError:
            continue
    return found


def value_kind(value: Any) -> str | None:
    """The profile kind of one decoded JSON value (``None`` for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _table_from_objects(objects: list[dict]) -> tuple[pa.Table, dict[str, dict[str, Any]]]:
    names: dict[str, None] = {}
    for obj in objects:
        for key in obj:
            names.setdefault(key, None)
    columns: dict[str, pa.Array] = {}
    mixed: dict[str, dict[str, Any]] = {}
    for name in names:
        values = [obj.get(name) for obj in objects]
        kinds = {value_kind(v) for v in values} - {None}
        if len(kinds) <= 1 and not (kinds & {"list", "object"}):
            try:
                columns[name] = pa.array(values)
                continue
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                pass
        # Several kinds (or nested values Arrow cannot type): text for display, stats in Python.
        columns[name] = pa.array(
            [v if isinstance(v, str) or v is None else msgspec.json.encode(v).decode()
             for v in values], pa.string())
        mixed[name] = _python_stats(values)
    return pa.table(columns), mixed


def _python_stats(values: list[Any]) -> dict[str, Any]:
    """Per-kind counts and numeric/length figures of a column Arrow could not type."""
    kinds: dict[str, int] = {}
    numbers: list[float] = []
    lengths: list[int] = []
    list_lengths: list[int] = []
    scalars: dict[Any, int] = {}
    empty = 0
    for value in values:
        kind = value_kind(value)
        if kind is None:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind in ("integer", "number"):
            numbers.append(value)
        elif kind == "string":
            lengths.append(len(value))
            empty += value == ""
        elif kind == "list":
            list_lengths.append(len(value))
        if kind in ("integer", "number", "string", "boolean"):
            key = (kind, value)
            scalars[key] = scalars.get(key, 0) + 1
    return {"kinds": kinds, "numbers": numbers, "lengths": lengths, "list_lengths": list_lengths,
            "values": scalars, "empty": empty}
