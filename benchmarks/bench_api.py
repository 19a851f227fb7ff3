"""REST API latency under concurrent clients, and streaming-upload throughput and memory.

    python benchmarks/bench_api.py [--clients 16] [--requests 300] [--upload-mb 1024]

A real `jupyter server` with the trainlab extension is started on loopback over a workspace
holding 10,000 datasets and 10,000 jobs:

- the datasets are one real ingested CSV, registered 10,000 times (each its own record and
  folder, the files hard links to the first one's), so every one of them is a complete
  dataset the API can serve; the jobs are 10,000 records across all statuses.
- latency: ``--clients`` client processes, each with its own keep-alive connection, send
  ``GET jobs``, ``GET datasets`` (first page, the default 50 items), ``GET health`` and, as
  the baseline, jupyter_server's own ``GET /api/status`` (no trainlab code: the floor any
  handler of this server pays), round-robin. Twice: in a closed loop (each request right
  after the last: the server saturated, every request waits behind up to 15 others), and
  paced (each client one request every ``--interval`` s, a polling UI). p50 and p99 of each,
  and the requests per second served.
- upload: a ``--upload-mb`` CSV is streamed from a client process (``POST datasets``, raw
  body with a Content-Length). Reported: the throughput of the body's transfer (the server's
  own ``Server-Timing: receive`` figure: from the request's headers to its last byte on the
  way to disk), the end-to-end throughput until the 201 answer (transfer + fsync +
  validation and profiling), and the growth of the server's RSS (its process plus any
  children, sampled every 20 ms) over its value before the upload.

While the upload streams in and is validated, another client asks ``GET health`` every 10 ms
(``health_during_upload``), against the same pings on the idle server first (``health_idle``):
every blocking step of an upload runs off the event loop, so the two stay close.

Prints one JSON line. Targets: p99 < 25 ms for the list endpoints; upload >= 200 MB/s with
RSS growth < 64 MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def populate(workspace: Path, n: int) -> None:
    import trainlab
    from trainlab.jobs.records import FINAL, Records

    ws = trainlab.Workspace(workspace)
    source = workspace.parent / "seed.csv"
    source.write_text("x,color,label\n" + "".join(f"{i * 0.5},{'rgb'[i % 3]},{'ab'[i % 2]}\n"
                                                  for i in range(1000)))
    first = ws.datasets.add(source)
    row = dict(ws.store.query("SELECT * FROM datasets WHERE id=?", (first.id,))[0])
    with ws.store.transaction() as conn:
        for _ in range(n - 1):
            new = trainlab.workspace.new_id("ds")
            folder = ws.datasets_dir / new
            folder.mkdir()
            for f in first.directory.iterdir():
                os.link(f, folder / f.name)
            conn.execute("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (new, *[row[k] for k in ("name", "format", "size_bytes", "sha256", "rows",
                                                   "status", "created_at", "schema_json",
                                                   "summary_json")]))
    records = Records(ws)
    done = list(FINAL)
    for i in range(n):
        records.insert(trainlab.workspace.new_id("job"), name=f"job {i}", task="tabular",
                       dataset_id=first.id, columns={"target": "label"},
                       params={"epochs": 3}, device="cpu", status=done[i % len(done)],
                       runner="worker" if i % 2 else "foreground")


def rss_bytes(pid: int) -> int:
    """RSS of a process and all its descendants, from /proc."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/task/{p}/children") as f:
                pids.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return total


def client(port: int, prefix: str, token: str, paths: list[str], count: int, out: mp.Queue,
           interval: float = 0.0) -> None:
    """``count`` requests round-robin over ``paths``; with ``interval``, one request starts
    every ``interval`` seconds (a polling UI), else each right after the last (closed loop)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"token {token}"}
    times: dict[str, list[float]] = {p: [] for p in paths}
    rng = __import__("random").Random(os.getpid())
    next_at = time.perf_counter() + rng.random() * interval
    for i in range(count):
        path = paths[i % len(paths)]
        if interval:
            time.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += interval
        start = time.perf_counter()
        conn.request("GET", path if path.startswith("/") else prefix + path, headers=headers)
        response = conn.getresponse()
        response.read()
        times[path].append(time.perf_counter() - start)
        assert response.status == 200, response.status
    out.put(times)


def latency(port: int, prefix: str, token: str, clients: int, per_client: int,
            interval: float = 0.0) -> dict:
    paths = ["jobs", "datasets", "health", "/api/status"]
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=client, args=(port, prefix, token, paths, per_client, out, interval))
             for _ in range(clients)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    merged: dict[str, list[float]] = {p: [] for p in paths}
    for _ in procs:
        for path, values in out.get().items():
            merged[path].extend(values)
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    result: dict = {"requests_per_s": round(clients * per_client / elapsed, 1)}
    for path, values in merged.items():
        values.sort()
        name = "baseline_jupyter_api_status" if path == "/api/status" else path
        result[name] = {"p50_ms": round(statistics.median(values) * 1e3, 2),
                        "p99_ms": round(values[int(len(values) * 0.99) - 1] * 1e3, 2),
                        "requests": len(values)}
    return result


def upload_body(mb: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"trainlab-bench-upload-{mb}.csv"
    if not path.exists() or path.stat().st_size < mb * MB:
        import numpy as np

        rng = np.random.default_rng(0)
        rows = MB // 24
        block = "".join(f"{a},{b},{c}\n" for a, b, c in zip(
            rng.normal(size=rows).round(6).tolist(), rng.integers(0, 10**6, size=rows).tolist(),
            np.array(["red", "green", "blue"])[rng.integers(0, 3, size=rows)].tolist())).encode()
        with open(path, "wb") as f:
            f.write(b"x,n,color\n")
            while f.tell() < mb * MB:
                f.write(block)
    return path


def send_upload(port: int, prefix: str, token: str, path: str, out: mp.Queue) -> None:
    size = os.path.getsize(path)
    conn = http.client.HTTPConnection("127.0.0.1", port, blocksize=1024 * 1024)
    start = time.perf_counter()
    with open(path, "rb") as body:
        conn.request("POST", prefix + "datasets?filename=upload.csv", body=body,
                     headers={"Authorization": f"token {token}", "Content-Length": str(size)})
    sent = time.perf_counter()
    response = conn.getresponse()
    text = response.read()
    out.put({"status": response.status, "sent_s": sent - start,
             "total_s": time.perf_counter() - start,
             "timing": response.getheader("Server-Timing"), "body": text[:300].decode()})


def pings(port: int, prefix: str, token: str, stop: threading.Event, seconds: float | None = None
          ) -> list[float]:
    """Latencies of ``GET health`` every 10 ms on one keep-alive connection, until ``stop`` is
    set (or for ``seconds``): how responsive the server's event loop is meanwhile."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"token {token}"}
    out: list[float] = []
    end = time.perf_counter() + seconds if seconds else None
    while not stop.is_set() and (end is None or time.perf_counter() < end):
        start = time.perf_counter()
        conn.request("GET", prefix + "health", headers=headers)
        conn.getresponse().read()
        out.append(time.perf_counter() - start)
        time.sleep(0.010)
    conn.close()
    return out


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(ordered[len(ordered) // 2] * 1e3, 2),
            "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1e3, 2),
            "max_ms": round(ordered[-1] * 1e3, 2)}


def upload(port: int, prefix: str, token: str, server_pid: int, mb: int) -> dict:
    path = upload_body(mb)
    size = path.stat().st_size
    idle = pings(port, prefix, token, threading.Event(), seconds=3.0)  # the baseline, same run
    during: list[float] = []
    pinged = threading.Event()
    pinger = threading.Thread(target=lambda: during.extend(pings(port, prefix, token, pinged)))
    pinger.start()
    base = rss_bytes(server_pid)
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes(server_pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out: mp.Queue = mp.Queue()
    proc = mp.Process(target=send_upload, args=(port, prefix, token, str(path), out))
    proc.start()
    result = out.get()
    proc.join()
    stop.set()
    pinged.set()
    sampler.join()
    pinger.join()
    assert result["status"] == 201, result
    timing = {part.split(";")[0].strip(): float(part.split("dur=")[1]) / 1e3
              for part in result["timing"].split(",")}
    return {"bytes": size,
            "receive_mb_s": round(size / MB / timing["receive"], 1),
            "end_to_end_mb_s": round(size / MB / result["total_s"], 1),
            "receive_s": round(timing["receive"], 2), "fsync_s": round(timing["sync"], 2),
            "validate_s": round(timing["validate"], 2), "total_s": round(result["total_s"], 2),
            "rss_growth_mb": round((peak[0] - base) / MB, 1),
            # the event loop while the upload streams in and is validated, against idle
            "health_idle": _ms(idle), "health_during_upload": _ms(during)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=300, help="per client")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between a paced client's requests")
    parser.add_argument("--upload-mb", type=int, default=1024)
    parser.add_argument("server_args", nargs="*", help="more jupyter server options")
    args = parser.parse_args()
    from tests.server.conftest import start_live_server, stop_live_server

    tmp = Path(tempfile.mkdtemp(prefix="trainlab-bench-api-"))
    try:
        started = time.perf_counter()
        populate(tmp / "workspace", args.records)
        populated_s = time.perf_counter() - started
        server = start_live_server(tmp, "--TrainlabApp.prewarm_worker=False",
                                   "--TrainlabApp.validate_responses=False", *args.server_args)
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        prefix = "/trainlab/api/"
        try:
            client(port, prefix, server.token, ["jobs", "datasets", "health"], 30, mp.Queue())
            closed = latency(port, prefix, server.token, args.clients, args.requests)
            paced = latency(port, prefix, server.token, args.clients, args.requests // 2,
                            args.interval)
            up = upload(port, prefix, server.token, server.process.pid, args.upload_mb)
        finally:
            stop_live_server(server)
        print(json.dumps({
            "bench": "api", "datasets": args.records, "jobs": args.records,
            "clients": args.clients, "cpus": os.cpu_count(), "populate_s": round(populated_s, 1),
            "latency_closed_loop": closed,
            f"latency_each_client_every_{args.interval}s": paced, "upload": up,
            "targets": {"list_p99_ms": 25, "upload_mb_s": 200, "rss_growth_mb": 64},
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
