"""Where a value breaks its column's type (issue 18, item 8).

The scan counts the kinds of each field (``mixed_types``: "29 integer, 1 string") but keeps
no line per value. When such a warning exists for a numeric or boolean column, this post-pass
re-reads the blocks (with :func:`~trainlab.datasets.rows.block_spec` and the same block
parser as the rest of the package, so the native and the Python scans get the same answer)
and names the first lines whose value is not of the column's type, with their count. It stops
as soon as it has the first :data:`SHOWN` lines, so its cost is reading the file up to the
last of them, and nothing at all for a file without such a warning.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.parse import parse_block
from trainlab.datasets.rows import block_spec
from trainlab.datasets.semantics import BOOL_WORDS, FLOAT_PATTERN, LEADING_ZERO_PATTERN

SHOWN = 5  # lines named per column
_BOOL_WORDS = pa.array(BOOL_WORDS)
_OTHER_KINDS = {"integer": {"integer", "number"}, "number": {"integer", "number"},
                "boolean": {"boolean"}}


def breaking_counts(report: dict[str, Any], schema: dict[str, str]) -> dict[str, int]:
    """Per numeric or boolean column with a ``mixed_types`` warning: how many of its values
    are of another kind."""
    out: dict[str, int] = {}
    for entry in report.get("warnings", []):
        name = entry.get("field")
        kind = schema.get(name or "")
        if entry.get("code") != "mixed_types" or kind not in _OTHER_KINDS:
            continue
        kinds = entry.get("kinds") or {}
        out[name] = sum(n for k, n in kinds.items() if k not in _OTHER_KINDS[kind])
    return {k: n for k, n in out.items() if n}


def breaking_rows(column: pa.ChunkedArray | pa.Array, kind: str) -> np.ndarray:
    """Rows of one block's column whose value is not of the column's ``kind``, by the rules the
    scan counts kinds with (:mod:`trainlab.datasets.semantics`): a CSV's text is a number when
    it reads as one without a leading zero (``007`` is an identifier), a boolean when it is one
    of the boolean words; a JSON value is what its JSON type is (``"12"`` is a string).
    Vectorised; nulls never break a type."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    typ = column.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        if kind == "boolean":
            fits = pc.is_in(column, _BOOL_WORDS)
        else:
            fits = pc.and_not(pc.match_substring_regex(column, FLOAT_PATTERN, ignore_case=True),
                              pc.match_substring_regex(column, LEADING_ZERO_PATTERN))
        bad = pc.and_(pc.is_valid(column), pc.invert(pc.fill_null(fits, False)))
        return np.flatnonzero(bad.to_numpy(zero_copy_only=False))
    if pa.types.is_boolean(typ):
        fits_all = kind == "boolean"
    elif pa.types.is_integer(typ) or pa.types.is_floating(typ):
        fits_all = kind != "boolean"
    else:  # a JSON column of mixed types: each value's own JSON type decides
        values = column.to_pylist()
        wanted = (bool,) if kind == "boolean" else (int, float)
        return np.array([i for i, v in enumerate(values) if v is not None and (
            not isinstance(v, wanted) or (kind != "boolean" and isinstance(v, bool)))], np.int64)
    if fits_all:
        return np.zeros(0, np.int64)
    return np.flatnonzero(pc.is_valid(column).to_numpy(zero_copy_only=False))


def locate(path: str, fmt: str, layout: Any, index: list[dict[str, int]],
           schema: dict[str, str], counts: dict[str, int]) -> dict[str, list[int]]:
    """The first :data:`SHOWN` 1-based lines of each column in ``counts`` whose value breaks
    the column's type."""
    source = SimpleNamespace(format=fmt, path=path, layout=layout)
    found: dict[str, list[int]] = {name: [] for name in counts}
    for entry in index:
        wanted = [n for n in counts if len(found[n]) < min(SHOWN, counts[n])]
        if not wanted:
            break
        spec = block_spec(source, entry)  # type: ignore[arg-type]
        parsed = parse_block(spec)
        offset = 0 if spec.line_map is not None else entry["line"]
        for name in wanted:
            if name not in parsed.table.column_names:
                continue
            rows = breaking_rows(parsed.table.column(name), schema[name])
            room = SHOWN - len(found[name])
            found[name] += [int(parsed.lines[row]) + offset + 1 for row in rows[:room]]
    return found


def add_lines(result: Any, path: str, fmt: str, layout: Any) -> None:
    """Give each such ``mixed_types`` warning of a scan's report its lines: ``line`` (the
    first), ``params.lines`` (the first few, as text), ``params.count``, ``params.type``; it
    keeps its code, and reads as :mod:`trainlab.i18n`'s ``type_breaks``."""
    kinds = {name: info.get("kinds") or {} for name, info in result.profile["fields"].items()}
    for entry in result.report.get("warnings", []):
        if entry.get("code") == "mixed_types":
            entry.setdefault("field", entry["params"].get("field"))
            entry["kinds"] = kinds.get(entry["field"], {})
    counts = breaking_counts(result.report, result.schema)
    try:
        lines = locate(path, fmt, layout, result.index, result.schema, counts) if counts else {}
    finally:
        for entry in result.report.get("warnings", []):
            entry.pop("kinds", None)
    for entry in result.report.get("warnings", []):
        name = entry.get("field")
        if entry.get("code") == "mixed_types" and lines.get(name):
            entry["line"] = lines[name][0]
            entry["params"].update(type=result.schema[name], count=counts[name],
                                   shown=len(lines[name]),
                                   lines=", ".join(map(str, lines[name]))
                                   + (" …" if counts[name] > len(lines[name]) else ""))
