"""GET datasets latency with and without predict load: model work has its own executor.

    python benchmarks/bench_predict_isolation.py [--prompts 10] [--predictors 8] [--requests 200]

A real `jupyter server` with the trainlab extension runs on loopback over a fresh workspace
holding one dataset and one small causal-lm model (trained here on CPU in a few seconds).
``GET datasets`` is timed ``--requests`` times on one keep-alive connection, first with the
server idle, then while ``--predictors`` threads each send causal-lm predicts of
``--prompts`` prompts back to back (the case of issue 14: 8 such clients held ``GET
datasets`` for 39.8 s when predict shared the handlers' thread pool). Predicts beyond the
model executor's capacity are answered 503 model_busy; their count is reported too.

Prints one JSON line: p50/p99 (ms) of GET datasets idle and under load, side by side, and how
many predicts answered 200 and 503 during the loaded run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1e3, 2), "p99_ms": round(p99 * 1e3, 2),
            "n": len(ordered)}


def connect(server) -> http.client.HTTPConnection:
    url = urlparse(server.url)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=600)


def time_listing(server, n: int) -> list[float]:
    conn, samples = connect(server), []
    path = urlparse(server.api).path + "datasets"
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", path, headers=server.headers())
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def predictor(server, job_id: str, prompts: int, stop: threading.Event,
              counts: dict[int, int], lock: threading.Lock) -> None:
    conn = connect(server)
    path = urlparse(server.api).path + f"jobs/{job_id}/predict"
    body = json.dumps({"records": [f"{i}+{i}=" for i in range(prompts)]})
    while not stop.is_set():
        conn.request("POST", path, body=body,
                     headers=server.headers(**{"Content-Type": "application/json"}))
        response = conn.getresponse()
        response.read()
        with lock:
            counts[response.status] = counts.get(response.status, 0) + 1
        if response.status == 503:
            time.sleep(0.05)  # what a polite client does with model_busy
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=10)
    parser.add_argument("--predictors", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--steps", type=int, default=30, help="training steps of the model")
    args = parser.parse_args()

    from tests.server.conftest import start_live_server, stop_live_server

    import trainlab

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ws = trainlab.Workspace(tmp / "workspace")
        source = tmp / "sums.jsonl"
        source.write_text("".join(json.dumps({"q": f"{a}+{b}=", "a": str(a + b)}) + "\n"
                                  for a in range(12) for b in range(12)))
        ds = ws.datasets.add(source)
        result = trainlab.fit(ds, task="causal-lm", columns={"prompt": "q", "completion": "a"},
                              workspace=ws, max_steps=args.steps, device="cpu",
                              arch={"d_model": 32, "heads": 2, "layers": 1})
        server = start_live_server(tmp, "--TrainlabApp.prewarm_worker=False",
                                   "--TrainlabApp.run_scheduler=False")
        try:
            time_listing(server, 10)  # warm up
            idle = time_listing(server, args.requests)
            stop, lock, counts = threading.Event(), threading.Lock(), {}
            threads = [threading.Thread(target=predictor, daemon=True,
                                        args=(server, result.job_id, args.prompts, stop, counts,
                                              lock)) for _ in range(args.predictors)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 60
            while not counts.get(200) and time.monotonic() < deadline:
                time.sleep(0.05)  # the model is loaded and generating
            loaded = time_listing(server, args.requests)
            stop.set()
            for thread in threads:
                thread.join(600)
        finally:
            stop_live_server(server)
    print(json.dumps({"bench": "predict_isolation", "prompts": args.prompts,
                      "predictors": args.predictors,
                      "get_datasets_idle": percentiles(idle),
                      "get_datasets_under_predict": percentiles(loaded),
                      "predicts_200": counts.get(200, 0), "predicts_503": counts.get(503, 0),
                      "predicts_other": sum(v for k, v in counts.items() if k not in (200, 503))}))


if __name__ == "__main__":
    main()
