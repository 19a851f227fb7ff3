"""What every block reader shares: the block's spec, the parse result, line geometry.

A *block* is a byte range of a file that starts and ends on a record boundary. Each block
is parsed on its own (so blocks can go to several processes); see :mod:`.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

# Blocks are read into the system allocator's memory: it returns a block's memory when the
# block is done, where Arrow's default (mimalloc) keeps ~70 MB more per process.
POOL = pa.system_memory_pool()
NEWLINE, CR, QUOTE = 10, 13, 34
# What Arrow raises when it cannot read or cast some values (ArrowInvalid: bad values;
# ArrowNotImplementedError: a conversion it has no kernel for, e.g. a list column to int64).
# Every caller then takes its general path: the strict reader, or the values kept as they are.
ARROW_REFUSED = (pa.ArrowInvalid, pa.ArrowNotImplementedError)


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
    view: memoryview | None = field(default=None, repr=False)  # the block in a mapped file

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.view is not None:
            return bytes(self.view)
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


class Tally:
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
def line_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, without ``\\r\\n``) of every line of ``data``."""
    raw = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(raw == NEWLINE)
    ends = newlines if (len(data) and data[-1] == NEWLINE) else np.append(newlines, len(data))
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    ends = ends.copy()
    if len(ends):
        has_cr = np.zeros(len(ends), bool)
        nonempty = ends > starts
        has_cr[nonempty] = raw[ends[nonempty] - 1] == CR
        ends[has_cr] -= 1
    return starts, ends


def short_lines(data: bytes, limit: int) -> int | None:
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


def nul_error(line: bytes) -> tuple[str, dict[str, Any]] | None:
    """``nul_byte`` and its column if ``line`` holds a NUL byte, else ``None``: one rule for
    every format (a NUL in the file's first bytes rejects the whole file, see formats.py)."""
    nul = line.find(b"\x00")
    if nul < 0:
        return None
    return "nul_byte", {"column": char_column(line, nul)}


def char_column(line: bytes, offset: int) -> int:
    """The 1-based character column of byte ``offset`` of ``line`` (UTF-8, bad bytes as one)."""
    return len(line[:offset].decode("utf-8", errors="replace")) + 1


def utf8_error(line: bytes) -> tuple[str, dict[str, Any]]:
    try:
        line.decode("utf-8")
        offset = 0
    except UnicodeDecodeError as exc:
        offset = exc.start
    column = len(line[:offset].decode("utf-8", errors="replace")) + 1
    return "invalid_utf8", {"column": column, "byte": line[offset:offset + 1].hex()}
