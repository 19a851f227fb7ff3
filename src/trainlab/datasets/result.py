"""What scanning one block sends back to be merged: its counts, errors and per-field figures.

The native scanner (:mod:`.native`) and the Python paths (:mod:`.parse` then :mod:`.stats`)
build the same objects, and worker processes send them pickled; :mod:`.merge` adds them up in
file order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class NumStats:
    """The numbers of a field: how many, their range, mean and sum of squared deviations (merged
    exactly, Chan et al.), and how many were NaN or infinite (left out of the rest)."""

    n: int
    min: float
    max: float
    mean: float
    m2: float
    non_finite: int = 0

    def combined(self, other: NumStats) -> NumStats:
        n = self.n + other.n
        if n == 0:
            return NumStats(0, math.inf, -math.inf, 0.0, 0.0, self.non_finite + other.non_finite)
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return NumStats(n, min(self.min, other.min), max(self.max, other.max), mean, m2,
                        self.non_finite + other.non_finite)


@dataclass(frozen=True)
class LenStats:
    """Lengths (of strings in characters, or of arrays): how many, their range and total."""

    n: int
    min: int
    max: int
    total: int

    def combined(self, other: LenStats) -> LenStats:
        return LenStats(self.n + other.n, min(self.min, other.min), max(self.max, other.max),
                        self.total + other.total)


def combined(a: Any, b: Any) -> Any:
    """``a`` and ``b`` (:class:`NumStats` or :class:`LenStats`, either maybe None) together."""
    if a is None or b is None:
        return a if b is None else b
    return a.combined(b)


@dataclass
class FieldPart:
    """One field's figures in one block.

    Its distinct values come as exact counts (``values``), or, past a few thousand, as the most
    frequent ones (``top``) and a sketch, or as a sketch only.
    """

    count: int = 0  # non-null values
    kinds: dict[str, int] = field(default_factory=dict)  # non-null values of each kind
    num: NumStats | None = None
    lengths: LenStats | None = None  # of strings
    list_lengths: LenStats | None = None  # of arrays
    empty: int = 0  # empty strings
    leading_zeros: int = 0  # CSV values like 08123: text (semantics.LEADING_ZERO_PATTERN)
    values: dict[Any, int] | None = None
    top: list[tuple[Any, int]] = field(default_factory=list)
    sketch: np.ndarray | None = None


@dataclass
class BlockResult:
    """One block, scanned. Lines are 0-based and relative to the block (a JSON array's block:
    to the file, ``mapped``); errors are ``(line, field, code, params)``, warnings
    ``(line, code, params)``; ``blank`` and ``long`` are ``(count, first line)``."""

    start: int
    n_lines: int
    rows_total: int
    rows_valid: int
    errors: list[tuple[int, str | None, str, dict[str, Any]]]
    error_counts: dict[str, int]
    warnings: list[tuple[int, str, dict[str, Any]]]
    blank: tuple[int, int]
    long: tuple[int, int]
    fields: dict[str, FieldPart]
    mapped: bool = False
    native: bool = False  # read by the scanner, not by the strict readers (scan._threaded)
