"""Parsing one block of a file into an Arrow table of its valid records, exactly.

A *block* is a byte range of the file that starts and ends on a record boundary. Each block
is parsed on its own (so blocks can go to several processes) into:

- ``table``: the valid records, one Arrow column per field;
- ``lines``: the block-relative line index (0-based) of each valid record;
- ``errors``: one entry per invalid record, with its block-relative line;
- counts of blank and long lines.

Two paths, one answer. The fast path hands the whole block to Arrow's C++ readers and keeps
the result only when cheap checks prove it is what a strict line-by-line reader would say:
every line one record, no blank lines, no NaN/Infinity, valid UTF-8, no misplaced quotes.
Otherwise the slow path reads the block line by line (msgspec for JSON, the strict ``csv``
module for CSV), so every error is named by its exact line, whatever the error rate.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

NULL_VALUES = ["", "NA", "N/A", "NULL", "null", "None", "NaN", "nan"]
# Blocks are read into the system allocator's memory: it returns a block's memory when the
# block is done, where Arrow's default (mimalloc) keeps ~70 MB more per process.
POOL = pa.system_memory_pool()
_NULL_SET = pa.array(NULL_VALUES, pa.string())
_NEWLINE, _CR, _QUOTE = 10, 13, 34
_MSGSPEC_BYTE = re.compile(r"\(byte (\d+)\)")
_DUPLICATE_ROW = re.compile(r"specified twice in row (\d+)")


@dataclass
class Limits:
    max_record_bytes: int = 1024 * 1024  # a longer line is an invalid record
    long_line_bytes: int = 64 * 1024  # a longer line is worth a warning


@dataclass
class BlockSpec:
    """What a worker needs to parse one block on its own."""

    fmt: str  # 'jsonl' or 'csv'; JSON arrays are turned into JSON Lines blocks first
    start: int
    end: int
    path: str | None = None
    data: bytes | None = None  # the block itself, when it does not come from ``path``
    delimiter: str = ","
    columns: list[str] | None = None
    limits: Limits = field(default_factory=Limits)
    line_map: list[int] | None = None  # JSON arrays: record i starts on block line line_map[i]
    sketch_only: frozenset[str] = frozenset()  # fields with too many distinct values to count

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            return handle.read(self.end - self.start)


@dataclass
class Parsed:
    table: pa.Table
    lines: np.ndarray  # int64, block-relative 0-based line of each valid record
    n_lines: int
    rows_total: int
    errors: list[tuple[int, str | None, str, dict[str, Any]]] = field(default_factory=list)
    warnings: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    blank_lines: int = 0
    first_blank: int = -1
    long_lines: int = 0
    first_long: int = -1
    mixed: dict[str, dict[str, Any]] = field(default_factory=dict)  # JSON fields of several kinds


def parse_block(spec: BlockSpec) -> Parsed:
    data = spec.read()
    if spec.fmt == "csv":
        return _parse_csv(data, spec)
    return _parse_jsonl(data, spec)


class _Tally:
    """Blank and long lines met by a line-by-line reader, and the too-long-record check."""

    def __init__(self, limits: Limits, errors: list) -> None:
        self.limits, self.errors = limits, errors
        self.blank = self.long = 0
        self.first_blank = self.first_long = -1

    def saw_blank(self, where: int) -> None:
        self.blank += 1
        self.first_blank = where if self.first_blank < 0 else self.first_blank

    def fits(self, where: int, size: int) -> bool:
        """Count a long record; refuse (as an error) one over the record limit."""
        if size > self.limits.long_line_bytes:
            self.long += 1
            self.first_long = where if self.first_long < 0 else self.first_long
        if size > self.limits.max_record_bytes:
            self.errors.append((where, None, "line_too_long",
                                {"size": size, "limit": self.limits.max_record_bytes}))
            return False
        return True

    def into(self, parsed: Parsed) -> Parsed:
        parsed.blank_lines, parsed.first_blank = self.blank, self.first_blank
        parsed.long_lines, parsed.first_long = self.long, self.first_long
        return parsed


# -- line geometry ---------------------------------------------------------------------------
def _line_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, without ``\\r\\n``) of every line of ``data``."""
    raw = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(raw == _NEWLINE)
    ends = newlines if (len(data) and data[-1] == _NEWLINE) else np.append(newlines, len(data))
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    ends = ends.copy()
    if len(ends):
        has_cr = np.zeros(len(ends), bool)
        nonempty = ends > starts
        has_cr[nonempty] = raw[ends[nonempty] - 1] == _CR
        ends[has_cr] -= 1
    return starts, ends


# -- JSON Lines ------------------------------------------------------------------------------
def _short_lines(data: bytes, limit: int) -> int | None:
    """The number of lines of ``data`` if none is longer than ``limit`` bytes, else ``None``.

    Cheap: a line of ``limit`` bytes or more would fill a whole aligned window of ``limit/2``
    bytes, so it is enough that every such window holds a newline.
    """
    last = data.rfind(b"\n")
    if len(data) - last - 1 > limit:
        return None
    window = max(1, limit // 2)
    for start in range(0, last + 1, window):
        if data.find(b"\n", start, start + window) < 0:
            return None
    return data.count(b"\n") + (1 if last != len(data) - 1 else 0)


def _parse_jsonl(data: bytes, spec: BlockSpec) -> Parsed:
    if spec.line_map is None:
        n_lines = _short_lines(data, spec.limits.long_line_bytes)
        fast = _jsonl_fast(data, n_lines) if n_lines else None
        if fast is not None:
            return Parsed(fast, np.arange(n_lines, dtype=np.int64), n_lines, n_lines)
    starts, ends = _line_bounds(data)
    return _jsonl_slow(data, starts, ends, spec)


def _jsonl_fast(data: bytes, n_lines: int) -> pa.Table | None:
    """Arrow's reading of ``data`` when it is provably the strict one, else ``None``.

    The caller has checked that no line is long; a blank line shows as a row count that
    differs from the line count (Arrow skips it), as does "{...}{...}" on one line.
    """
    table = _arrow_json(data)
    if table is None or table.num_rows != n_lines:  # Arrow reads "{..}{..}" as two rows
        return None
    if any(_non_finite(column) for column in table.columns):
        return None  # Arrow reads NaN and Infinity; JSON has no such numbers
    try:  # Arrow does not check UTF-8 while reading JSON; checking its strings is cheap
        table.validate(full=True)
        "".join(table.column_names)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table


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
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # Arrow turns ISO-8601 strings into timestamps; a dataset's strings stay strings.
    stamped = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    if stamped and schema is None:
        return _arrow_json(data, pa.schema([(name, pa.string()) for name in stamped]))
    return table


def _jsonl_slow(data: bytes, starts: np.ndarray, ends: np.ndarray, spec: BlockSpec) -> Parsed:
    decode = msgspec.json.Decoder().decode
    good: list[bytes] = []
    good_lines: list[int] = []
    objects: list[dict] = []
    errors: list[tuple[int, str | None, str, dict[str, Any]]] = []
    tally = _Tally(spec.limits, errors)
    line_of = spec.line_map
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        line = data[start:end]
        where = line_of[index] if line_of is not None else index
        if not line.strip():
            tally.saw_blank(where)
            continue
        if not tally.fits(where, end - start):
            continue
        try:
            value = decode(line)
        except msgspec.DecodeError as exc:
            code, params = _json_error(line, str(exc))
            if code == "trailing_data" and line_of is not None:  # inside a JSON array
                code, params = "invalid_json", {**params, "detail": "a comma is missing "
                                                "between two elements"}
            errors.append((where, None, code, params))
            continue
        except UnicodeDecodeError:
            errors.append((where, None, *_utf8_error(line)))
            continue
        if not isinstance(value, dict):
            errors.append((where, None, "not_an_object", {"kind": _kind_name(value)}))
            continue
        good.append(line)
        good_lines.append(where)
        objects.append(value)
    rows_total = len(good) + len(errors)
    parsed = tally.into(Parsed(pa.table({}), np.asarray(good_lines, np.int64), len(starts),
                               rows_total, errors=errors))
    if not good:
        return parsed
    table = _arrow_json(b"\n".join(good))
    if table is None or table.num_rows != len(good):
        # Arrow refuses fields of several types and duplicate keys; build the table here.
        duplicate = _duplicate_key_lines(good, good_lines)
        parsed.warnings.extend((line, "duplicate_key", {}) for line in duplicate)
        table, parsed.mixed = _table_from_objects(objects)
    parsed.table = table
    return parsed


def _json_error(line: bytes, message: str) -> tuple[str, dict[str, Any]]:
    match = _MSGSPEC_BYTE.search(message)
    offset = int(match.group(1)) if match else len(line)
    column = len(line[:offset].decode("utf-8", errors="replace")) + 1
    if "trailing characters" in message:
        return "trailing_data", {"column": column}
    token = line[offset: offset + 9]
    if token.startswith((b"NaN", b"Infinity")) or (token[:1] == b"-" and token[1:9] == b"Infinity"):
        return "non_finite_number", {"column": column}
    detail = message.removeprefix("JSON is malformed: ")
    detail = _MSGSPEC_BYTE.sub("", detail).strip()
    if detail == "Input data was truncated":
        detail = "the record ends too early"
    return "invalid_json", {"column": column, "detail": detail}


def _utf8_error(line: bytes) -> tuple[str, dict[str, Any]]:
    try:
        line.decode("utf-8")
        offset = 0
    except UnicodeDecodeError as exc:
        offset = exc.start
    column = len(line[:offset].decode("utf-8", errors="replace")) + 1
    return "invalid_utf8", {"column": column, "byte": line[offset:offset + 1].hex()}


def _kind_name(value: Any) -> str:
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


# -- CSV -------------------------------------------------------------------------------------
def _parse_csv(data: bytes, spec: BlockSpec) -> Parsed:
    columns = spec.columns or []
    n_lines = _short_lines(data, spec.limits.long_line_bytes)
    fast = _csv_fast(data, spec, n_lines) if n_lines else None
    if fast is not None:
        table, lines, errors = fast
        return Parsed(table, lines, n_lines, n_lines, errors=errors)
    starts, ends = _line_bounds(data)
    return _csv_slow(data, starts, ends, spec, columns)


def _csv_fast(data: bytes, spec: BlockSpec, n_lines: int):
    """Arrow's reading when it is provably the strict one (the caller has checked that no line
    is long; a blank line or a record over several lines shows as a count mismatch)."""
    columns = spec.columns or []
    invalid: list[tuple[int, int]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.actual_columns))
        return "skip"

    try:
        table = pa_csv.read_csv(
            io.BytesIO(data), memory_pool=POOL,
            read_options=pa_csv.ReadOptions(use_threads=False, column_names=columns,
                                            block_size=1 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=spec.delimiter, newlines_in_values=True,
                                              invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, null_values=NULL_VALUES,
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # invalid UTF-8 (Arrow checks it for string columns) or worse: go strict
    if table.num_rows + len(invalid) != n_lines or any(n is None for n, _ in invalid):
        return None  # a record spans lines (quoted newline or an unbalanced quote)
    bad_lines = np.asarray([n - 1 for n, _ in invalid], np.int64)
    errors = [(n - 1, None, "ragged_row", {"actual": actual, "expected": len(columns)})
              for n, actual in invalid]
    lines = np.delete(np.arange(n_lines, dtype=np.int64), bad_lines)
    suspects = _misplaced_quote_lines(data, spec.delimiter)
    if len(suspects):
        # Arrow is lenient with a quote in the middle of a field; the csv module is strict.
        keep = np.ones(len(lines), bool)
        starts, ends = _line_bounds(data)
        for line in np.intersect1d(suspects, lines).tolist():
            text = data[starts[line]:ends[line]].decode("utf-8")
            problem = _strict_csv_line(text, spec.delimiter)
            if problem is not None:
                errors.append((line, None, "bad_quote", {"detail": problem, "end_line": line}))
                keep[np.searchsorted(lines, line)] = False
        if not keep.all():
            table, lines = table.filter(pa.array(keep)), lines[keep]
        errors.sort(key=lambda e: e[0])
    return table, lines, errors


def _misplaced_quote_lines(data: bytes, delimiter: str) -> np.ndarray:
    """Lines where a quoted field may be closed in the wrong place (``"ab"c``).

    Such a line has a quote with ordinary characters on both sides, and a field that opens
    with a quote. (A quote inside an unquoted field, as in ``12" wide``, is text to Arrow and
    to the strict reader alike, so a line with no opening quote needs no second look.)
    """
    if b'"' not in data:  # memchr: the common unquoted file costs nothing here
        return np.empty(0, np.int64)
    raw = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(raw == _QUOTE)
    structural = np.zeros(256, bool)
    structural[[ord(delimiter), _NEWLINE, _CR, _QUOTE]] = True
    opens = np.zeros(256, bool)
    opens[[ord(delimiter), _NEWLINE]] = True
    before = np.where(quotes > 0, raw[np.maximum(quotes - 1, 0)], _NEWLINE)
    after = np.where(quotes < len(raw) - 1, raw[np.minimum(quotes + 1, len(raw) - 1)], _NEWLINE)
    odd = quotes[~structural[before] & ~structural[after]]
    if not len(odd):
        return odd
    newlines = np.flatnonzero(raw == _NEWLINE)
    odd_lines = np.unique(np.searchsorted(newlines, odd))
    open_lines = np.unique(np.searchsorted(newlines, quotes[opens[before]]))
    return np.intersect1d(odd_lines, open_lines)


def _strict_csv_line(text: str, delimiter: str) -> str | None:
    try:
        list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return str(exc)
    return None


def _csv_slow(data: bytes, starts: np.ndarray, ends: np.ndarray, spec: BlockSpec,
              columns: list[str]) -> Parsed:
    expected = len(columns)
    text_lines: list[str] = []
    errors: list[tuple[int, str | None, str, dict[str, Any]]] = []
    n_lines = len(starts)
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        raw = data[start:end]
        try:
            text_lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            code, params = _utf8_error(raw)
            errors.append((index, None, code, params))
            text_lines.append("\x00bad")  # placeholder: keeps line numbers; skipped below
    reader = csv.reader(_LineFeed(text_lines), delimiter=spec.delimiter, strict=True)
    rows: list[list[str]] = []
    good_lines: list[int] = []
    tally = _Tally(spec.limits, errors)
    bad_utf8 = {e[0] for e in errors}
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, last = previous, reader.line_num - 1
            if first not in bad_utf8:
                errors.append((first, None, "bad_quote", {"detail": str(exc), "end_line": last}))
            previous = reader.line_num
            continue
        first, last = previous, reader.line_num - 1
        previous = reader.line_num
        if first in bad_utf8:
            continue
        if not row or (len(row) == 1 and not row[0] and first == last):
            tally.saw_blank(first)
            continue
        if not tally.fits(first, int(ends[last] - starts[first])):
            continue
        if len(row) != expected:
            errors.append((first, None, "ragged_row", {"actual": len(row), "expected": expected}))
            continue
        rows.append(row)
        good_lines.append(first)
    errors.sort(key=lambda e: e[0])
    if rows:
        table = pa.table({name: _nullify(pa.array(values, pa.string()))
                          for name, values in zip(columns, zip(*rows))})
    else:
        table = pa.table({name: pa.array([], pa.string()) for name in columns})
    return tally.into(Parsed(table, np.asarray(good_lines, np.int64), n_lines,
                             len(rows) + len(errors), errors=errors))


class _LineFeed:
    """Feeds lines to ``csv.reader`` with their newline, as a file would."""

    def __init__(self, lines: list[str]) -> None:
        self._iter = iter(lines)

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        return next(self._iter) + "\n"


def _nullify(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.is_in(array, _NULL_SET), pa.scalar(None, pa.string()), array)
