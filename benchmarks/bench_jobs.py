"""Job runtime latencies and the cost of progress reporting.

    python benchmarks/bench_jobs.py [--repeat 7]

- submit_to_first_step_s: a scheduler is running (default settings: a spare worker waits
  with torch imported); a small job is submitted; the time until its record shows step 1
  (median). Also: the same with jobs submitted back to back (the next spare is still warming
  up), and with ``prewarm=False`` (every job starts a fresh Python process). For scale, the
  time a fresh Python process takes to import torch, and trainlab's training layer.
- stop_s: a CPU job is training; ``ws.jobs.stop`` is called; the time until its record says
  ``stopped`` (median).
- reporting_overhead: the same in-process training (1,000 steps of the tabular MLP) with and
  without the job record and callbacks (progress, metrics, log, heartbeat, stop checks),
  alternated; each "with" run is divided by the mean of the "without" runs on either side of
  it, and the median of those ratios, minus 1, is reported (single runs vary by about 5% on
  a 2-core machine; neighbours share the machine's drift).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import trainlab
from trainlab.jobs import Scheduler
from trainlab.jobs.foreground import fit as job_fit
from trainlab.training import fit as plain_fit


def write_rows(path: Path, n: int) -> Path:
    import random

    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            x, z = rng.gauss(0, 1), rng.gauss(0, 1)
            f.write(json.dumps({"x": x, "z": z, "label": "a" if x + z > 0 else "b"}) + "\n")
    return path


def import_seconds(module: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True,
                   env={"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")})
    return time.perf_counter() - start


def wait_for(predicate, timeout: float = 120.0, every: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(every)
    raise TimeoutError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        ws = trainlab.Workspace(Path(tmp) / "ws")
        ds = ws.datasets.add(write_rows(Path(tmp) / "rows.jsonl", 5000))
        spec = {"dataset_id": ds.id, "columns": {"target": "label"}}

        def first_steps(pause: float) -> list[float]:
            times = []
            for _ in range(args.repeat):
                time.sleep(pause)
                asked = time.monotonic()
                job = ws.jobs.submit(spec, params={"max_steps": 3, "log_every": 1})
                seen = wait_for(lambda job=job: ws.jobs.get(job.id).progress["step"] >= 1)
                times.append(seen - asked)
                ws.jobs.wait(job.id, timeout=120)
            return times

        with Scheduler(ws, gpus=[], prewarm=False):
            cold = first_steps(0.0)
        with Scheduler(ws, gpus=[]):
            warm = first_steps(8.0)  # time for the spare to finish warming up
            busy = first_steps(0.0)  # back to back: the new spare is still warming up
            stops = []
            for _ in range(args.repeat):
                job = ws.jobs.submit(spec, params={"epochs": 1000, "early_stopping": None})
                wait_for(lambda job=job: ws.jobs.get(job.id).progress["step"] >= 50)
                asked = time.monotonic()
                ws.jobs.stop(job.id)
                done = wait_for(lambda job=job: ws.jobs.get(job.id).status == "stopped")
                stops.append(done - asked)

        settings = {"columns": {"target": "label"}, "max_steps": 1000, "batch_size": 64,
                    "early_stopping": None, "eval_every": 500, "device": "cpu"}
        plain_fit(ds, workspace=ws, **{**settings, "max_steps": 50})   # warm-up, dropped
        job_fit(ds, workspace=ws, **{**settings, "max_steps": 50})
        without, with_jobs = [], []

        def timed(fn) -> float:
            start = time.perf_counter()
            fn(ds, workspace=ws, **settings)
            return time.perf_counter() - start

        without.append(timed(plain_fit))
        ratios = []
        for _ in range(args.repeat * 2):  # A B A B ... A: each B against the A on either side
            with_jobs.append(timed(job_fit))
            without.append(timed(plain_fit))
            ratios.append(with_jobs[-1] / ((without[-2] + without[-1]) / 2))
        base = statistics.median(without)
        line = {"bench": "jobs",
                "submit_to_first_step_s": round(statistics.median(warm), 3),
                "submit_to_first_step_back_to_back_s": round(statistics.median(busy), 3),
                "submit_to_first_step_no_spare_s": round(statistics.median(cold), 3),
                "stop_s": round(statistics.median(stops), 3),
                "reporting_overhead": round(statistics.median(ratios) - 1, 4),
                "import_torch_s": round(import_seconds("torch"), 3),
                "import_trainlab_training_s": round(import_seconds("trainlab.training"), 3),
                "step_ms_without_jobs": round(base / settings["max_steps"] * 1000, 3),
                "repeats": args.repeat}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
