"""File formats: choosing one from a name, and the checks that reject a file outright.

Whole-file problems (empty, binary, not UTF-8, a JSON scalar, a CSV without a header, an
unsupported extension; for Parquet see :mod:`.read_parquet`) raise
:class:`~trainlab.errors.DatasetError` before anything is kept.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from trainlab.datasets.semantics import DECIMAL_PATTERN
from trainlab.errors import dataset_error

FORMATS = ("jsonl", "json", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
              ".tsv": "csv", ".parquet": "parquet"}
BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(DECIMAL_PATTERN)


def is_frame(source: Any) -> bool:
    """Whether ``source`` looks like a pandas, pyarrow or polars frame (checked without
    importing any of them): ``ws.datasets.add`` stores it as JSON Lines."""
    return type(source).__module__.split(".")[0] in ("pandas", "pyarrow", "polars")


def choose_format(name: str, fmt: str | None) -> str:
    """The format of a file called ``name``: ``fmt`` when given, else from the extension."""
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt == "ndjson":
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise dataset_error("unsupported_format", name=name, ext=fmt)
        return fmt
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise dataset_error("unsupported_format", name=name, ext=suffix or "(none)")
    return EXTENSIONS[suffix]


@dataclass
class CsvLayout:
    """What the header of a CSV file says: delimiter, column names, and what was fixed."""

    delimiter: str
    columns: list[str]
    header_end: int  # byte offset where the first data record starts
    warnings: list[tuple[str, dict]] = field(default_factory=list)


def check_head(head: bytes, name: str, fmt: str, size: int) -> None:
    """Reject a file that is not text of its format from its first bytes on."""
    if size == 0:
        raise dataset_error("empty_file", name=name)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise dataset_error("not_utf8", name=name, byte=head[:1].hex(), line=1, column=1)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise dataset_error("binary_file", name=name, offset=nul)
    text = head[len(BOM):] if head.startswith(BOM) else head
    bad = _first_invalid_utf8(text, complete=len(head) >= size)
    if bad is not None:
        first_line_end = text.find(b"\n")
        lines = text[:bad].count(b"\n") + 1
        bad_lines = _count_bad_lines(text)
        total_lines = max(1, text.count(b"\n"))
        # Invalid in the header/first record, or on most lines: the file is in another encoding.
        if first_line_end < 0 or bad < first_line_end or bad_lines * 2 > total_lines:
            column = bad - (text.rfind(b"\n", 0, bad) + 1) + 1
            raise dataset_error("not_utf8", name=name, byte=text[bad:bad + 1].hex(), line=lines,
                                column=column)
    stripped = text.lstrip()
    if not stripped:
        raise dataset_error("no_records", name=name)
    if fmt == "json" and not stripped.startswith(b"["):
        kind = _json_kind(stripped[:1])
        raise dataset_error("json_not_array", name=name, kind=kind)


def _json_kind(first: bytes) -> str:
    return {b"{": "object", b'"': "string", b"t": "boolean", b"f": "boolean",
            b"n": "null"}.get(first, "number" if first[:1].isdigit() or first == b"-" else "text")


def _first_invalid_utf8(data: bytes, complete: bool) -> int | None:
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if not complete and exc.end >= len(data) and exc.reason == "unexpected end of data":
            return None  # a character cut by the end of the head, not an error
        return exc.start


def _count_bad_lines(data: bytes) -> int:
    bad = 0
    for line in data.split(b"\n")[:-1]:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
    return bad


def read_csv_layout(head: bytes, name: str) -> CsvLayout:
    """Find the delimiter and the header of a CSV file from its first bytes."""
    start = len(BOM) if head.startswith(BOM) else 0
    text = head[start:].decode("utf-8", errors="replace")
    # Cut at the last complete line so a partial last line does not skew the guess.
    cut = text.rfind("\n")
    sample = text[: cut + 1] if cut > 0 and len(head) >= HEAD_BYTES else text
    if len(head) - start > HEAD_BYTES:  # a very wide header: guess from the header alone
        sample = text[: text.find("\n") + 1] or text
    delimiter = _guess_delimiter(sample)
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    if not header or all(not cell.strip() for cell in header):
        raise dataset_error("csv_no_header", name=name, cells="empty first row")
    if all(_NUMBER.match(cell) for cell in header):
        shown = ", ".join(header[:5]) + (", ..." if len(header) > 5 else "")
        raise dataset_error("csv_no_header", name=name, cells=shown)
    header_text_len = len(_first_record_text(sample, delimiter))
    header_end = start + len(sample[:header_text_len].encode("utf-8"))
    columns, warnings = _clean_names(header)
    return CsvLayout(delimiter, columns, header_end, warnings)


def _first_record_text(sample: str, delimiter: str) -> str:
    """The header record's text including its line ending (it may span lines if quoted)."""
    in_quotes = False
    for index, char in enumerate(sample):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "\n" and not in_quotes:
            return sample[: index + 1]
    return sample


def _guess_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:50] or [""]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        counts = [len(r) for r in rows if r]
        if not counts:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (consistent if counts[0] > 1 else 0, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean_names(header: list[str]) -> tuple[list[str], list[tuple[str, dict]]]:
    names: list[str] = []
    warnings: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, start=1):
        name = raw.strip()
        if not name:
            name = f"column_{index}"
            warnings.append(("empty_column_name", {"index": index, "renamed": name}))
        if name in seen:
            base, n = name, 1
            while f"{base}.{n}" in seen:
                n += 1
            name = f"{base}.{n}"
            warnings.append(("duplicate_column", {"field": base, "renamed": name}))
        seen.add(name)
        names.append(name)
    return names, warnings
