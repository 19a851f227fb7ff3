"""The REST pieces the JupyterLab sidebar leans on (issue 16), through their service calls.

    python benchmarks/bench_sidebar.py [--rows 1000000] [--points 1000000]

- ``GET datasets/{id}/histograms``: a CSV of ``--rows`` rows (4 numeric fields and a
  category) is ingested, then its histograms are asked for twice: the first request bins
  the file (one pass over the numeric columns, at most 256 MB of it), the second reads the
  cached ``histograms.json``.
- ``POST datasets/{id}/check`` with no task: inference of the task and roles plus the
  row-by-row check (the first call imports torch: ``check_first_s``; then ``check_s``).
- ``GET jobs/{id}/metrics?max_points=2000``: a finished job record holding ``--points``
  metric points (two series), read whole and thinned to 2,000 points a series.
- ``GET jobs/{id}/events``: one poll of the stream (every 0.5 s per client) from the cursor
  that GET metrics answered, when nothing new was written (``events_idle_poll_ms``).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np
import pandas as pd

import trainlab
from trainlab.jobs.records import JobStatus, Records
from trainlab.server import metric_cursor, service
from trainlab.workspace.ids import new_id


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.rows
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.csv")
        pd.DataFrame({"x": rng.normal(size=n).round(5), "z": rng.uniform(0, 100, n).round(3),
                      "k": rng.integers(0, 1000, n), "c": rng.choice(["a", "b", "c"], n),
                      "y": rng.normal(size=n).round(4)}).to_csv(path, index=False)
        ws = trainlab.Workspace(os.path.join(tmp, "ws"))
        ds, add_s = timed(ws.datasets.add, path)
        first, first_s = timed(service.histogram_page, ws, ds.id, 0, 100)
        _, cached_s = timed(service.histogram_page, ws, ds.id, 0, 100)
        _, check_first_s = timed(service.check, ws, ds.id, None, {"target": "y"}, "en")
        report, check_s = timed(service.check, ws, ds.id, None, {"target": "y"}, "en")
        job_id = new_id("job")
        records = Records(ws)
        records.insert(job_id, name="long", task="tabular-regression", dataset_id=ds.id,
                       columns={}, params={}, device="cpu", status=JobStatus.COMPLETED,
                       runner="worker")
        records.append_metrics([(job_id, i // 2, 0, "train", ("loss", "lr")[i % 2],
                                 1.0 / (1 + i), 0.0) for i in range(args.points)])
        _, whole_s = timed(service.metrics, ws, job_id, 0)
        thin, thin_s = timed(service.metrics, ws, job_id, 0, 2000)
        run, after = metric_cursor.parse(thin["cursor"], "invalid_cursor")
        polls = 100
        _, polls_s = timed(lambda: [metric_cursor.read(ws, job_id, run, after)
                                    for _ in range(polls)])
        hist = next(iter(first["fields"].values()))
        print(json.dumps({
            "rows": ds.rows, "file_mb": round(os.path.getsize(path) / 2**20, 1),
            "add_s": round(add_s, 2), "histograms_first_s": round(first_s, 3),
            "histograms_cached_ms": round(cached_s * 1000, 2), "fields": len(first["fields"]),
            "rows_binned": hist["rows"], "sampled": hist["sampled"],
            "check_first_s": round(check_first_s, 2), "check_s": round(check_s, 2),
            "check_task": report["task"], "metric_points": args.points,
            "metrics_whole_s": round(whole_s, 2), "metrics_max_points_2000_s": round(thin_s, 2),
            "points_kept": len(thin["items"]),
            "events_idle_poll_ms": round(polls_s / polls * 1000, 3)}))


if __name__ == "__main__":
    main()
