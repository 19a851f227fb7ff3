"""Per-field statistics: computed vectorised on each block, merged exactly across blocks.

Row counts, null counts, kinds, min/max/mean/std and lengths are exact at any size. Distinct
counts and top values are exact while a field has at most :data:`EXACT_DISTINCT` distinct
values; past that (or at once, for a field whose values are nearly all different, like ids
or free text), distinct counts come from a K-minimum-values sketch (about 3% error) and top
values from the heaviest values of each block; ``distinct_exact`` and ``top_exact`` say which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.block import ARROW_REFUSED
from trainlab.datasets.result import FieldPart, LenStats, NumStats, combined
from trainlab.datasets.semantics import (
    BLOCK_TOP,
    BLOCK_VALUES,
    BOOL_WORDS,
    FLOAT_PATTERN,
    INT_PATTERN,
    LEADING_ZERO_PATTERN,
    SAMPLE,
    SAMPLE_DISTINCT,
    SAMPLE_MIN_COUNT,
    TYPE_SAMPLE,
)
from trainlab.datasets.sketch import estimate, hash_values, smallest

_POOL = pa.system_memory_pool()  # hash tables given back at once, not kept by mimalloc
EXACT_DISTINCT = 10_000  # distinct values kept exactly per field
TOP_SHOWN = 10
_BOOL_WORDS = pa.array(BOOL_WORDS)
KIND_ORDER = ("integer", "number", "boolean", "string", "list", "object")


def arrow_kind(dtype: pa.DataType) -> str | None:
    if pa.types.is_null(dtype):
        return None
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        return "integer"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return "list"
    if pa.types.is_struct(dtype) or pa.types.is_map(dtype):
        return "object"
    return "string"


# -- CSV: text to typed columns ------------------------------------------------------------
def type_text_column(array: pa.Array) -> tuple[pa.Array, dict[str, int], int]:
    """Give a CSV column of strings its type: integer, number, boolean or string.

    Returns the typed array, the count of non-null values of each kind, and how many values
    have a leading zero (``semantics.LEADING_ZERO_PATTERN``: text, counted where the column
    holds numbers). A column of several kinds stays text; its kinds say how many of each.
    """
    count = len(array) - array.null_count
    if count == 0:
        return pa.nulls(len(array)), {}, 0
    valid = array.drop_null() if array.null_count else array
    sample = valid.slice(0, TYPE_SAMPLE)
    zeros: pa.Array | None = None
    for target, kind in ((pa.int64(), "integer"), (pa.float64(), "number")):
        try:
            pc.cast(sample, target)  # a failing cast is slow: try a few values first
        except ARROW_REFUSED:
            continue
        zeros = pc.match_substring_regex(valid, LEADING_ZERO_PATTERN)
        if pc.any(zeros).as_py():
            break  # identifiers, not numbers: counted below
        try:
            return pc.cast(array, target), {kind: count}, 0
        except ARROW_REFUSED:
            continue
    if zeros is None and pc.all(pc.is_in(valid, _BOOL_WORDS)).as_py():
        return pc.equal(pc.utf8_lower(array), "true"), {"boolean": count}, 0
    if not pc.any(pc.match_substring_regex(sample, FLOAT_PATTERN, ignore_case=True)).as_py():
        return array, {"string": count}, 0  # text from its first values on: no numbers
    if zeros is None:
        zeros = pc.match_substring_regex(valid, LEADING_ZERO_PATTERN)
    numbers = pc.and_not(pc.match_substring_regex(valid, FLOAT_PATTERN, ignore_case=True), zeros)
    ints = pc.sum(pc.and_(pc.match_substring_regex(valid, INT_PATTERN), numbers)).as_py() or 0
    floats = (pc.sum(numbers).as_py() or 0) - ints
    kinds = {k: v for k, v in (("integer", ints), ("number", floats)) if v}
    kinds["string"] = count - ints - floats
    return array, kinds, pc.sum(zeros).as_py() or 0


def numeric_part(array: pa.Array) -> pa.Array:
    """The values of a mixed text column that read as numbers (not those with leading zeros),
    as float64."""
    mask = pc.and_not(pc.match_substring_regex(array, FLOAT_PATTERN, ignore_case=True),
                      pc.match_substring_regex(array, LEADING_ZERO_PATTERN))
    picked = array.filter(pc.fill_null(mask, False))
    return pc.cast(pc.utf8_trim_whitespace(picked), pa.float64())  # " 7" is a number too


# -- one block -----------------------------------------------------------------------------
def block_field_stats(table: pa.Table, fmt: str,
                      mixed: dict[str, dict[str, Any]] | None = None,
                      sketch_only: frozenset[str] = frozenset()) -> dict[str, FieldPart]:
    """The partial statistics of every column of one block's table of valid records.

    Fields in ``sketch_only`` are known (from earlier blocks) to have too many distinct values
    to count exactly: for them the block sends only a distinct-count sketch.
    """
    out: dict[str, FieldPart] = {}
    mixed = mixed or {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if name in mixed:
            out[name] = _python_partial(mixed[name])
            continue
        sketch = name in sketch_only
        if fmt == "csv" and pa.types.is_string(column.type):
            typed, kinds, zeros = type_text_column(column)
            part = _arrow_partial(typed, kinds, sketch)
            part.leading_zeros = zeros
            if "string" in kinds and len(kinds) > 1:  # numbers mixed with text
                part.num = _numeric(numeric_part(column))
            out[name] = part
        else:
            kind = arrow_kind(column.type)
            count = len(column) - column.null_count
            out[name] = _arrow_partial(column, {kind: count} if kind and count else {}, sketch)
    return out


def _arrow_partial(array: pa.Array, kinds: dict[str, int],
                   sketch_only: bool = False) -> FieldPart:
    count = len(array) - array.null_count
    part = FieldPart(count, kinds)
    if count == 0:
        return part
    kind = arrow_kind(array.type)
    if kind in ("integer", "number"):
        part.num = _numeric(array)
    elif kind == "string":
        lengths = pc.utf8_length(array)
        part.lengths = _lengths(lengths)
        part.empty = int(pc.sum(pc.equal(lengths, 0)).as_py() or 0)
    elif kind == "list":
        part.list_lengths = _lengths(pc.list_value_length(array))
    if kind in ("integer", "number", "string", "boolean"):
        values = array.drop_null() if array.null_count else array
        if sketch_only or _mostly_distinct(values):
            part.sketch = smallest(hash_values(values))
        else:
            _value_counts(values, part)
    return part


def _mostly_distinct(values: pa.Array) -> bool:
    """Whether a large block's first values are nearly all different (ids, free text).

    Then counting every value would end in a sketch anyway: 900 distinct among 1,000 values
    means several thousand distinct in the block. Skipping the count saves its hash table.
    """
    if len(values) < SAMPLE_MIN_COUNT:
        return False
    return pc.count_distinct(values.slice(0, SAMPLE)).as_py() >= SAMPLE_DISTINCT


def _numeric(array: pa.Array) -> NumStats | None:
    values = array.drop_null() if array.null_count else array
    if len(values) == 0:
        return None
    data = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    finite = np.isfinite(data)
    nonfinite = int(len(data) - finite.sum())
    if nonfinite:
        data = data[finite]
    if len(data) == 0:
        return NumStats(0, math.inf, -math.inf, 0.0, 0.0, nonfinite)
    with np.errstate(over="ignore"):  # values near 1e308: an infinite spread, said as such
        mean = float(data.mean())
        m2 = float(((data - mean) ** 2).sum())
    return NumStats(len(data), float(data.min()), float(data.max()), mean, m2, nonfinite)


def _lengths(lengths: pa.Array) -> LenStats:
    bounds = pc.min_max(lengths).as_py()
    n = len(lengths) - lengths.null_count
    return LenStats(n, bounds["min"], bounds["max"], int(pc.sum(lengths).as_py() or 0))


def _value_counts(values: pa.Array, part: FieldPart) -> None:
    counts = pc.value_counts(values, memory_pool=_POOL)
    values, freq = counts.field("values"), counts.field("counts")
    if len(counts) <= BLOCK_VALUES:
        part.values = dict(zip(values.to_pylist(), freq.to_pylist()))
        return
    top = np.argsort(-freq.to_numpy(), kind="stable")[:BLOCK_TOP]
    part.top = list(zip(values.take(top).to_pylist(), freq.take(top).to_pylist()))
    part.sketch = smallest(hash_values(values))


def _python_partial(stats: dict[str, Any]) -> FieldPart:
    numbers, lengths, list_lengths = stats["numbers"], stats["lengths"], stats["list_lengths"]
    kinds = stats["kinds"]
    part = FieldPart(sum(kinds.values()), kinds, empty=stats["empty"])
    if numbers:  # as floats: an integer past 2**53 is one too (Arrow refuses to convert it)
        part.num = _numeric(pa.array(np.asarray(numbers, np.float64)))
    if lengths:
        part.lengths = LenStats(len(lengths), min(lengths), max(lengths), sum(lengths))
    if list_lengths:
        part.list_lengths = LenStats(len(list_lengths), min(list_lengths), max(list_lengths),
                                     sum(list_lengths))
    values: dict[Any, int] = {}
    for (_, value), n in stats["values"].items():
        values[value] = values.get(value, 0) + n
    if not set(kinds) & {"integer", "number", "string", "boolean"}:
        return part  # arrays and objects only: nothing counted, as when Arrow types them
    if len(values) <= BLOCK_VALUES:
        part.values = values
    else:
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        part.top = ranked[:BLOCK_TOP]
        part.sketch = smallest(hash_values(list(values)))
    return part


# -- merging across blocks -------------------------------------------------------------------
@dataclass
class FieldAcc:
    """Everything known about one field so far."""

    count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    num: NumStats | None = None
    lengths: LenStats | None = None
    list_lengths: LenStats | None = None
    empty: int = 0
    leading_zeros: int = 0
    values: dict[Any, int] | None = field(default_factory=dict)  # None once approximate
    top: dict[Any, int] = field(default_factory=dict)
    sketch: np.ndarray | None = None
    pending: list[np.ndarray] = field(default_factory=list)  # block sketches not yet merged

    def add(self, part: FieldPart) -> None:
        self.count += part.count
        for kind, n in part.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + n
        self.num = combined(self.num, part.num)
        self.lengths = combined(self.lengths, part.lengths)
        self.list_lengths = combined(self.list_lengths, part.list_lengths)
        self.empty += part.empty
        self.leading_zeros += part.leading_zeros
        if self.values is not None and part.values is not None:
            for value, n in part.values.items():
                self.values[value] = self.values.get(value, 0) + n
            if len(self.values) > EXACT_DISTINCT:
                self._go_approximate()
            return
        if self.values is not None:
            self._go_approximate()
        pairs = part.values.items() if part.values is not None else part.top
        for value, n in pairs:
            self.top[value] = self.top.get(value, 0) + n
        if len(self.top) > 4 * BLOCK_TOP:
            ranked = sorted(self.top.items(), key=lambda kv: -kv[1])[: 2 * BLOCK_TOP]
            self.top = dict(ranked)
        sketch = part.sketch if part.sketch is not None else (
            smallest(hash_values(list(part.values))) if part.values else None)
        self._add_sketch(sketch)

    def _go_approximate(self) -> None:
        values, self.values = self.values or {}, None
        self.top = dict(sorted(values.items(), key=lambda kv: -kv[1])[: 2 * BLOCK_TOP])
        if values:
            self._add_sketch(smallest(hash_values(list(values))))

    def _add_sketch(self, sketch: np.ndarray | None) -> None:
        """Keep a block's sketch; they are merged 16 at a time (one sort for 16 blocks)."""
        if sketch is None or not len(sketch):
            return
        self.pending.append(sketch)
        if len(self.pending) >= 16:
            self._merge_sketches()

    def _merge_sketches(self) -> None:
        if self.pending:
            parts = self.pending if self.sketch is None else [self.sketch, *self.pending]
            self.sketch = smallest(np.concatenate(parts))
            self.pending = []

    def distinct(self) -> tuple[int, bool]:
        if self.values is not None:
            return len(self.values), True
        self._merge_sketches()
        sketch = self.sketch if self.sketch is not None else np.empty(0, np.uint32)
        return estimate(sketch, self.count), False


# -- the profile -----------------------------------------------------------------------------
CATEGORY_MAX_DISTINCT = 1000
CATEGORY_MAX_MEAN_LENGTH = 50
TEXT_MIN_MEAN_LENGTH = 30


def field_type(acc: FieldAcc) -> str:
    """The type of a field from what it holds.

    - no non-null value: ``null-only``;
    - only integers: ``integer``; integers and other numbers: ``number``; booleans: ``boolean``;
      arrays: ``list``; objects: ``object``;
    - strings: ``category`` when values repeat (at most 1,000 distinct, each seen twice on
      average, mean length up to 50 characters); else ``text`` when the mean length is at
      least 30 characters; else ``string``;
    - several kinds: the kind most values have (integers and numbers count together), and the
      report warns ``mixed_types``;
    - a CSV column with a value like ``08123`` (a leading zero, then a digit) is text: its
      numbers count as strings (ids, zip codes), and the report warns ``leading_zeros``.
    """
    kinds = dict(acc.kinds)
    if not kinds:
        return "null-only"
    if acc.leading_zeros:
        numbers = kinds.pop("integer", 0) + kinds.pop("number", 0)
        kinds["string"] = kinds.get("string", 0) + numbers
    if "integer" in kinds and "number" in kinds:
        kinds["number"] += kinds.pop("integer")
    kind = max(kinds.items(), key=lambda kv: (kv[1], -KIND_ORDER.index(kv[0])))[0]
    if kind != "string":
        return kind
    distinct, _ = acc.distinct()
    mean_length = acc.lengths.total / acc.lengths.n if acc.lengths and acc.lengths.n else 0.0
    strings = kinds["string"]
    if (distinct <= CATEGORY_MAX_DISTINCT and strings >= 2 * distinct
            and mean_length <= CATEGORY_MAX_MEAN_LENGTH):
        return "category"
    if mean_length >= TEXT_MIN_MEAN_LENGTH:
        return "text"
    return "string"


def field_profile(acc: FieldAcc, rows: int) -> dict[str, Any]:
    distinct, exact = acc.distinct()
    type_ = field_type(acc)
    profile: dict[str, Any] = {
        "type": type_,
        "nullable": acc.count < rows,
        "count": acc.count,
        "null_count": rows - acc.count,
        "distinct": distinct,
        "distinct_exact": exact,
    }
    numeric = {"integer", "number"}
    if len(set(acc.kinds) - numeric) + bool(set(acc.kinds) & numeric) > 1:
        profile["kinds"] = dict(acc.kinds)
    if acc.leading_zeros:
        profile["leading_zeros"] = acc.leading_zeros
    num = acc.num
    if num is not None and num.n:
        profile.update(min=_plain(num.min), max=_plain(num.max), mean=num.mean,
                       std=math.sqrt(num.m2 / num.n))
        if num.non_finite:
            profile["non_finite"] = num.non_finite
    elif num is not None and num.non_finite:
        profile["non_finite"] = num.non_finite
    for name, lengths in (("length", acc.lengths), ("list_length", acc.list_lengths)):
        if lengths is not None and lengths.n:
            profile[name] = {"min": lengths.min, "mean": lengths.total / lengths.n,
                             "max": lengths.max}
            if name == "length":
                profile["empty_strings"] = acc.empty
    source = acc.values if acc.values is not None else acc.top
    if source:
        ranked = sorted(source.items(), key=lambda kv: (-kv[1], str(kv[0])))[:TOP_SHOWN]
        profile["top"] = [{"value": value, "count": n} for value, n in ranked]
        profile["top_exact"] = acc.values is not None
    return profile


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def class_balance(acc_profile: dict[str, Any], values: dict[Any, int] | None) -> dict[str, Any]:
    """Counts and shares of each class of a label field (exact when values are known)."""
    if values is None:
        pairs = [(t["value"], t["count"]) for t in acc_profile.get("top", [])]
        exact = False
    else:
        pairs = sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))
        exact = True
    total = acc_profile["count"]
    return {"exact": exact, "classes": [
        {"value": v, "count": n, "fraction": n / total if total else 0.0} for v, n in pairs]}
