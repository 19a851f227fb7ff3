"""A DataFrame into the workspace and back, against what a user did before it existed.

    python benchmarks/bench_frames.py --rows 500000 [--repeat 3]

Builds a frame of mixed dtypes (nullable integers, floats with NaN, a category, text,
booleans, tz-aware datetimes), then times, medians of ``--repeat`` runs, each into a fresh
workspace (so the duplicate check never short-cuts a run):

- ``add_s``: ``ws.datasets.add(df)``: written as JSON Lines, hashed, validated, profiled,
  stored with the dtypes beside it;
- ``csv_add_s`` (the baseline): ``df.to_csv(path)`` then ``ws.datasets.add(path)``, the way a
  DataFrame got into trainlab before, which loses the dtypes (categories, nullable integers,
  time zones come back as text or floats);
- ``to_pandas_s``: ``ds.to_pandas()`` of the stored frame, against ``read_csv_s``: a plain
  ``pandas.read_csv`` of the CSV (no validation, dtypes lost);
- ``again_s``: adding the same frame a second time (found by its content hash, nothing stored).

``round_trip_equal`` says whether ``ds.to_pandas()`` equals the frame exactly (dtypes
included); ``csv_round_trip_equal`` the same for the CSV path. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import trainlab


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = pd.array(rng.integers(18, 90, rows), dtype="Int64")
    age[rng.random(rows) < 0.05] = pd.NA
    fee = rng.normal(60, 20, rows).round(2)
    fee[rng.random(rows) < 0.05] = np.nan
    words = np.array(["good", "bad", "fine", "عالی", "بد", "slow", "fast", "ok"])
    text = pd.Series([" ".join(rng.choice(words, 4)) for _ in range(rows)], dtype="str")
    return pd.DataFrame({
        "age": age,
        "fee": fee,
        "plan": pd.Categorical(rng.choice(["basic", "plus", "pro"], rows),
                               categories=["basic", "plus", "pro", "enterprise"]),
        "comment": text,
        "active": rng.random(rows) < 0.5,
        "joined": pd.to_datetime(1_600_000_000 + rng.integers(0, 10**8, rows), unit="s", utc=True),
        "churned": rng.choice(["yes", "no"], rows),
    })


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    runs: dict[str, list[float]] = {k: [] for k in
                                    ("add_s", "csv_add_s", "to_pandas_s", "read_csv_s", "again_s")}
    equal_ours = equal_csv = None
    size = csv_size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            ws = trainlab.Workspace(Path(tmp) / f"ws{i}")
            seconds, ds = timed(lambda ws=ws: ws.datasets.add(frame, name="bench"))
            runs["add_s"].append(seconds)
            runs["again_s"].append(timed(lambda ws=ws: ws.datasets.add(frame, name="bench"))[0])
            seconds, back = timed(ds.to_pandas)
            runs["to_pandas_s"].append(seconds)
            equal_ours, size = equal(back, frame), ds.size_bytes

            other = trainlab.Workspace(Path(tmp) / f"csv{i}")
            path = Path(tmp) / f"frame{i}.csv"

            def by_csv(other=other, path=path):
                frame.to_csv(path, index=False)
                return other.datasets.add(path)

            seconds, csv_ds = timed(by_csv)
            runs["csv_add_s"].append(seconds)
            seconds, csv_back = timed(lambda path=path: pd.read_csv(path))
            runs["read_csv_s"].append(seconds)
            equal_csv, csv_size = equal(csv_back, frame), csv_ds.size_bytes
    median = {k: round(statistics.median(v), 3) for k, v in runs.items()}
    print(json.dumps({
        "bench": "frames", "rows": args.rows, "columns": frame.shape[1], "repeat": args.repeat,
        **median,
        "add_vs_csv": round(median["csv_add_s"] / median["add_s"], 2),
        "to_pandas_vs_read_csv": round(median["read_csv_s"] / median["to_pandas_s"], 2),
        "stored_mb": round(size / 2**20, 1), "csv_mb": round(csv_size / 2**20, 1),
        "round_trip_equal": equal_ours, "csv_round_trip_equal": equal_csv,
    }))


if __name__ == "__main__":
    main()
