"""Histograms of a dataset's numeric columns, for the profile (issue 18, "Looks: Profile").

The scan keeps min, max and mean per column but no distribution. The cheapest honest way to
draw one: on first request, one pass over the dataset's typed blocks
(:func:`~trainlab.datasets.rows.iter_tables`, only the numeric columns), counting values into
:data:`BINS` equal bins between the known min and max with numpy, then kept beside the
profile in the dataset's folder (``histograms.json``, written atomically). Cost: reading the
file once more (about what the scan's parse costs, without the checks), once per dataset;
later requests read the small JSON. A panel waits for it, so a large dataset is binned from
its first :data:`MAX_BYTES` only, and says so (``sampled``, ``rows``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.rows import iter_tables
from trainlab.workspace.files import read_json, write_json

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

BINS = 20
MAX_BYTES = 256 * 1024**2  # of the file read for the histograms, at most (whole blocks)
NUMERIC = ("integer", "number")


def histograms(ds: Dataset) -> dict[str, dict[str, Any]]:
    """``{column: {"min", "max", "counts": [BINS ints], "rows", "sampled"}}`` for each numeric
    column with a finite range (``sampled``: only the first ``rows`` rows, the file being over
    :data:`MAX_BYTES`); computed once, then read from the dataset's folder."""
    path = ds.directory / "histograms.json"
    try:
        return read_json(path)
    except (OSError, ValueError):
        pass
    fields = ds.profile()["fields"]
    ranges = {name: (float(info["min"]), float(info["max"])) for name, info in fields.items()
              if info.get("type") in NUMERIC and info.get("min") is not None
              and math.isfinite(float(info["min"])) and math.isfinite(float(info["max"]))}
    counts = {name: np.zeros(BINS, np.int64) for name in ranges}
    read = rows = 0
    sampled = False
    if ranges:
        for entry, (table, _) in zip(ds.index, iter_tables(ds), strict=True):
            if read >= MAX_BYTES:
                sampled = True
                break
            read += entry["end"] - entry["start"]
            rows += table.num_rows
            for name, (low, high) in ranges.items():
                if name not in table.column_names:
                    continue
                values = _numbers(table.column(name))
                values = values[np.isfinite(values)]
                if high <= low:
                    counts[name][0] += len(values)
                    continue
                found, _ = np.histogram(values, bins=BINS, range=(low, high))
                counts[name] += found
    out = {name: {"min": low, "max": high, "counts": counts[name].tolist(), "rows": rows,
                  "sampled": sampled} for name, (low, high) in ranges.items()}
    write_json(path, ds.workspace.tmp_dir, out)
    return out


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A column's values as floats; a value that is not a number (a stray text in a numeric
    column, see ``mixed_types``) is left out."""
    try:
        return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import pandas as pd

        return pd.to_numeric(column.to_pandas(), errors="coerce").to_numpy(np.float64)
