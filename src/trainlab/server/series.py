"""Thinning a metrics history for a chart (``GET jobs/{id}/metrics?max_points=``): a job of
a million steps answers a few thousand points per series instead of every one."""

from __future__ import annotations

from typing import Any

import numpy as np


def thin(items: list[dict[str, Any]], most: int) -> tuple[list[dict[str, Any]], bool]:
    """At most ``most`` points of each (split, name) series, evenly spread by position, the
    first and the last included; the points keep their order. True when any were left out."""
    series: dict[tuple[str, str], list[int]] = {}
    for i, point in enumerate(items):
        series.setdefault((point["split"], point["name"]), []).append(i)
    keep: list[int] = []
    for positions in series.values():
        if len(positions) <= most:
            keep.extend(positions)
        else:
            picks = np.unique(np.linspace(0, len(positions) - 1, most).round().astype(int))
            keep.extend(positions[p] for p in picks.tolist())
    if len(keep) == len(items):
        return items, False
    return [items[i] for i in sorted(keep)], True
