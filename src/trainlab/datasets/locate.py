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

import re
from types import SimpleNamespace
from typing import Any

import pyarrow as pa

from trainlab.datasets.parse import parse_block
from trainlab.datasets.rows import block_spec
from trainlab.datasets.semantics import BOOL_WORDS

SHOWN = 5  # lines named per column
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
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


def _breaks(value: Any, kind: str) -> bool:
    if value is None:
        return False
    text = str(value)
    if kind == "boolean":
        return text.lower() not in BOOL_WORDS and text not in ("True", "False")
    return _NUMBER.fullmatch(text) is None and not isinstance(value, int | float)


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
            column: pa.ChunkedArray = parsed.table.column(name)
            for row, value in enumerate(column.to_pylist()):
                if _breaks(value, schema[name]):
                    found[name].append(int(parsed.lines[row]) + offset + 1)
                    if len(found[name]) >= SHOWN:
                        break
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
