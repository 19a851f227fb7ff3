"""Reading a block of CSV: Arrow when provably strict, else the ``csv`` module line by line."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from trainlab.datasets.block import (
    ARROW_REFUSED,
    CR,
    NEWLINE,
    POOL,
    QUOTE,
    BlockSpec,
    Parsed,
    Tally,
    line_bounds,
    nul_error,
    short_lines,
    utf8_error,
)
from trainlab.datasets.semantics import NULL_WORDS

_NULL_SET = pa.array(NULL_WORDS, pa.string())


def parse_csv(data: bytes, spec: BlockSpec) -> Parsed:
    columns = spec.columns or []
    n_lines = short_lines(data, spec.limits.long_line_bytes)
    fast = _csv_fast(data, spec, n_lines) if n_lines else None
    if fast is not None:
        table, lines, errors = fast
        return Parsed(table, lines, n_lines, n_lines, errors=errors)
    starts, ends = line_bounds(data)
    return _csv_slow(data, starts, ends, spec, columns)


def _csv_fast(data: bytes, spec: BlockSpec, n_lines: int):
    """Arrow's reading when it is provably the strict one (the caller has checked that no line
    is long; a blank line or a record over several lines shows as a count mismatch)."""
    columns = spec.columns or []
    if b"\x00" in data:
        return None  # Arrow keeps a NUL byte; the strict path names its line (nul_byte)
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
                column_types={c: pa.string() for c in columns}, null_values=list(NULL_WORDS),
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except ARROW_REFUSED:
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
        starts, ends = line_bounds(data)
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
    quotes = np.flatnonzero(raw == QUOTE)
    structural = np.zeros(256, bool)
    structural[[ord(delimiter), NEWLINE, CR, QUOTE]] = True
    opens = np.zeros(256, bool)
    opens[[ord(delimiter), NEWLINE]] = True
    before = np.where(quotes > 0, raw[np.maximum(quotes - 1, 0)], NEWLINE)
    after = np.where(quotes < len(raw) - 1, raw[np.minimum(quotes + 1, len(raw) - 1)], NEWLINE)
    odd = quotes[~structural[before] & ~structural[after]]
    if not len(odd):
        return odd
    newlines = np.flatnonzero(raw == NEWLINE)
    odd_lines = np.unique(np.searchsorted(newlines, odd))
    open_lines = np.unique(np.searchsorted(newlines, quotes[opens[before]]))
    return np.intersect1d(odd_lines, open_lines)


def _strict_csv_line(text: str, delimiter: str) -> str | None:
    try:
        list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error:
        return quote_problem(text, delimiter)
    return None


def quote_problem(record: str, delimiter: str) -> str:
    """What is wrong with the quotes of ``record``, which the strict reader refused.

    Found by walking the record, not from the csv module's wording: either text follows a
    closing quote (``"ab"c``), or a quoted value is never closed.
    """
    quoted, at_start = False, True
    i, n = 0, len(record)
    while i < n:
        char = record[i]
        if quoted:
            if char == '"':
                if i + 1 < n and record[i + 1] == '"':  # "" inside quotes: one quote
                    i += 2
                    continue
                quoted = False
                following = record[i + 1: i + 2]
                if following not in ("", delimiter, "\n", "\r"):
                    return (f"{following!r} after the closing quote of a value; put the whole "
                            "value inside the quotes, and write a quote inside it as \"\"")
        elif char == '"' and at_start:
            quoted = True
        at_start = char in (delimiter, "\n") and not quoted
        i += 1
    if quoted:
        return "a quoted value is never closed"
    return "a misplaced quote"


def _csv_slow(data: bytes, starts: np.ndarray, ends: np.ndarray, spec: BlockSpec,
              columns: list[str]) -> Parsed:
    expected = len(columns)
    text_lines: list[str] = []
    errors: list[tuple[int, str | None, str, dict[str, Any]]] = []
    n_lines = len(starts)
    # Each line with its own line break (\r\n or \n): a break inside quotes is part of the
    # value, kept as written (RFC 4180, and the csv module reading the file).
    breaks = [data[end:end + 2] if data[end:end + 1] == b"\r" else b"\n"
              for end in ends.tolist()]
    nul_lines: dict[int, tuple[str, dict[str, Any]]] = {}
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        raw = data[start:end]
        nul = nul_error(raw)  # a NUL byte: its record is a bad line, as in JSON (block.py)
        if nul is not None:
            nul_lines[index] = nul
        try:
            text_lines.append(raw.decode("utf-8") + breaks[index].decode("ascii"))
        except UnicodeDecodeError:
            code, params = utf8_error(raw)
            errors.append((index, None, code, params))
            text_lines.append("\x00bad\n")  # placeholder: keeps line numbers; skipped below
    reader = csv.reader(text_lines, delimiter=spec.delimiter, strict=True)
    rows: list[list[str]] = []
    good_lines: list[int] = []
    tally = Tally(spec.limits, errors)
    bad_utf8 = {e[0] for e in errors}
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # the kind of problem is found from the record, not the message
            first, last = previous, reader.line_num - 1
            if first not in bad_utf8:
                record = "".join(text_lines[first:last + 1]).rstrip("\r\n")
                errors.append((first, None, "bad_quote", {
                    "detail": quote_problem(record, spec.delimiter), "end_line": last}))
            previous = reader.line_num
            continue
        first, last = previous, reader.line_num - 1
        previous = reader.line_num
        if first in bad_utf8:
            continue
        nul = next((n for n in range(first, last + 1) if n in nul_lines), None) \
            if nul_lines else None
        if nul is not None:
            errors.append((nul, None, *nul_lines[nul]))
            continue
        if not row:  # an empty line ('""' alone is a record of one empty value)
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


def _nullify(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.is_in(array, _NULL_SET), pa.scalar(None, pa.string()), array)
