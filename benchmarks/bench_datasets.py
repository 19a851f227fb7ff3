"""Validate+profile with trainlab vs a plain pandas load of the same file.

    python benchmarks/bench_datasets.py --mb 500 --format jsonl
    python benchmarks/bench_datasets.py --mb 500 --format jsonl --bad-percent 1

Generates a realistic file (Persian and English text, numbers, categories, nulls, lists),
then runs each contender in its own process, 3 times, and reports the median time and the
peak resident memory of the whole process tree (trainlab's scan workers included). pandas is
run with both engines and the faster is reported. Prints one JSON line.

trainlab is timed two ways:
- ``trainlab_s`` (and ``speedup``, ``trainlab_peak_mb``): validate+profile, as the dataset
  issue defines the target: the file validated, profiled and stored where it lies in the
  workspace, which is what an upload (REST or the widget) waits for once its bytes are in,
  hashed as they arrived (``Datasets.adopt``);
- ``add_s`` (and ``add_speedup``, ``add_peak_mb``): ``ws.datasets.add(path)`` whole: the
  file also copied into the workspace (fsynced) and hashed (sha256).

With ``--bad-percent P``, P% of the lines are corrupted (JSON Lines: a closing brace dropped;
CSV: an extra field). pandas refuses such a file, so the baseline is then trainlab on the
clean file in the same run (both timed as whole ``add`` calls): the line reports the slowdown
errors cost and checks that every bad line was named.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FA = "این یک جمله فارسی برای آزمایش است و مدل باید آن را یاد بگیرد".split()
EN = "the quick brown fox jumps over the lazy dog while training a model on data".split()
LABELS = ["positive", "negative", "neutral"]
FIELDS = ["id", "text", "label", "score", "count", "tags", "active"]


def corrupt(source: Path, target: Path, fmt: str, percent: float, seed: int = 1) -> int:
    """Copy ``source`` with ``percent`` % of its records broken; returns how many."""
    rng = random.Random(seed)
    broken = 0
    with open(source, "rb") as src, open(target, "wb") as out:
        if fmt == "csv":
            out.write(src.readline())
        for line in src:
            if rng.random() * 100 < percent:
                body = line.rstrip(b"\r\n")
                ending = line[len(body):]
                line = (body[:-1] if fmt == "jsonl" else body + b",extra") + ending
                broken += 1
            out.write(line)
    return broken


def generate(path: Path, mb: int, fmt: str, seed: int = 0) -> int:
    rng = random.Random(seed)
    target, written, i = mb * 1024 * 1024, 0, 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out) if fmt == "csv" else None
        if writer:
            writer.writerow(FIELDS)
        while written < target:
            words = rng.choices(FA if i % 3 == 0 else EN, k=rng.randint(5, 30))
            record = {"id": i, "text": " ".join(words), "label": rng.choice(LABELS),
                      "score": None if i % 17 == 0 else round(rng.random() * 100, 3),
                      "count": rng.randint(0, 1000), "tags": rng.sample(EN, 2),
                      "active": i % 2 == 0}
            if fmt == "jsonl":
                line = json.dumps(record, ensure_ascii=False) + "\n"
            else:
                buffer = io.StringIO()
                csv.writer(buffer).writerow(["" if record[f] is None else
                                             "|".join(record[f]) if f == "tags" else record[f]
                                             for f in FIELDS])
                line = buffer.getvalue()
            out.write(line)
            written += len(line.encode("utf-8"))
            i += 1
    return i


# Each child makes its workspace in the run's temporary folder (argv[2]) and removes it. It
# prints the seconds, then the rows (or, with argv[3] == "errors", the errors reported).
TRAINLAB = """
import shutil, sys, tempfile, time, trainlab
import pandas, trainlab.datasets.dataset  # imports outside the timing, as for pandas
ws = trainlab.Workspace(tempfile.mkdtemp(dir=sys.argv[2]))
try:
    t = time.perf_counter()
    ds = ws.datasets.add(sys.argv[1])
    seconds = time.perf_counter() - t
    errors = sys.argv[3:] == ["errors"]
    print(seconds, sum(ds.report["error_counts"].values()) if errors else ds.rows)
finally:
    shutil.rmtree(ws.path, ignore_errors=True)
"""
# What an upload (REST or the widget) waits for once its bytes are in: they were hashed as they
# arrived, so the file is validated and profiled where it lies (Datasets.adopt). Placing it in
# the workspace and its sha256 are outside the timing, as they are done during the upload.
VALIDATE = """
import hashlib, os, shutil, sys, tempfile, time, trainlab
import pandas, trainlab.datasets.dataset
ws = trainlab.Workspace(tempfile.mkdtemp(dir=sys.argv[2]))
try:
    name = os.path.basename(sys.argv[1])
    received = ws.tmp_dir / ("upload-" + name)
    try:
        os.link(sys.argv[1], received)
    except OSError:
        shutil.copyfile(sys.argv[1], received)
    digest = hashlib.sha256()
    with open(received, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    t = time.perf_counter()
    ds = ws.datasets.adopt(received, name, sha256=digest.hexdigest())
    print(time.perf_counter() - t, ds.rows)
finally:
    shutil.rmtree(ws.path, ignore_errors=True)
"""
PANDAS = """
import sys, time, pandas as pd
path, engine = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if path.endswith(".csv"):
    frame = pd.read_csv(path, engine=engine)
else:
    frame = pd.read_json(path, lines=True, **({} if engine == "default" else {"engine": engine}))
print(time.perf_counter() - t, len(frame))
"""


def tree_rss_mb(pid: int) -> float:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def run(code: str, *args: str) -> tuple[float, float, int]:
    """Seconds measured inside the child (imports excluded), peak tree RSS, rows."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"benchmark child failed: {args}")
    seconds, rows = out.split()
    return float(seconds), peak, int(rows)


def median_run(code: str, repeat: int, *args: str) -> tuple[float, float, int]:
    runs = [run(code, *args) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[0][2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to write the generated file")
    parser.add_argument("--bad-percent", type=float, default=0.0,
                        help="corrupt this share of the lines; compare with the clean file")
    args = parser.parse_args()
    if args.bad_percent:
        errors_run(args)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / f"bench.{args.format}"
        generate(path, args.mb, args.format)
        mb = os.path.getsize(path) / 1024 / 1024
        ours = median_run(TRAINLAB, args.repeat, str(path), tmp)
        checked = median_run(VALIDATE, args.repeat, str(path), tmp)
        engines = ("c", "pyarrow") if args.format == "csv" else ("default", "pyarrow")
        theirs = {e: median_run(PANDAS, args.repeat, str(path), e) for e in engines}
    engine = min(theirs, key=lambda e: theirs[e][0])
    pandas_s, pandas_peak, pandas_rows = theirs[engine]
    result = {
        "bench": "datasets", "format": args.format, "mb": round(mb, 1),
        "trainlab_s": round(checked[0], 3), "pandas_s": round(pandas_s, 3),
        "pandas_engine": engine, "speedup": round(pandas_s / checked[0], 3),
        "trainlab_peak_mb": round(checked[1], 1), "pandas_peak_mb": round(pandas_peak, 1),
        "trainlab_mb_per_s": round(mb / checked[0], 1), "pandas_mb_per_s": round(mb / pandas_s, 1),
        "add_s": round(ours[0], 3), "add_speedup": round(pandas_s / ours[0], 3),
        "add_peak_mb": round(ours[1], 1), "add_mb_per_s": round(mb / ours[0], 1),
        "rows": ours[2], "rows_match": ours[2] == pandas_rows == checked[2],
        "all_engines_s": {e: round(v[0], 3) for e, v in theirs.items()},
    }
    print(json.dumps(result))


def errors_run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        clean, bad = Path(tmp) / f"clean.{args.format}", Path(tmp) / f"bad.{args.format}"
        generate(clean, args.mb, args.format)
        broken = corrupt(clean, bad, args.format, args.bad_percent)
        mb = os.path.getsize(bad) / 1024 / 1024
        base = median_run(TRAINLAB, args.repeat, str(clean), tmp)
        ours = median_run(TRAINLAB, args.repeat, str(bad), tmp, "errors")
    print(json.dumps({
        "bench": "datasets_errors", "format": args.format, "mb": round(mb, 1),
        "bad_percent": args.bad_percent, "bad_lines": broken, "errors_reported": ours[2],
        "all_named": ours[2] == broken, "trainlab_s": round(ours[0], 3),
        "trainlab_clean_s": round(base[0], 3), "slowdown": round(ours[0] / base[0], 3),
        "trainlab_mb_per_s": round(mb / ours[0], 1), "trainlab_peak_mb": round(ours[1], 1),
    }))


if __name__ == "__main__":
    main()
