"""SIGINT to a server without a terminal (how JupyterHub's local spawners stop a server) stops it
cleanly, as SIGTERM does: running jobs checkpoint and end `interrupted`, and no worker is left.
Found by tests/hub (issue 17): jupyter_server raised KeyboardInterrupt and exited without
stopping the extension, so the worker went on training with its job 'running'."""

from __future__ import annotations

import signal
import time

import psutil
import requests

import trainlab
from tests.server.conftest import start_live_server
from tests.server.test_jobs_api import csv_bytes


def test_sigint_without_a_terminal_interrupts_running_jobs_resumably(tmp_path):
    server = start_live_server(tmp_path, "--TrainlabApp.prewarm_worker=False",
                               "--TrainlabApp.stop_grace_seconds=20")
    try:
        s = requests.Session()
        s.headers.update(server.headers())
        ds = s.post(server.api + "datasets", params={"filename": "t.csv"}, data=csv_bytes(),
                    timeout=60).json()
        job = s.post(server.api + "jobs", json={
            "dataset_id": ds["id"], "columns": {"target": "label"},
            "params": {"max_steps": 10**6, "batch_size": 8, "eval_every": 50,
                       "early_stopping": None}}, timeout=30).json()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = s.get(server.api + f"jobs/{job['id']}", timeout=10).json()
            if now["status"] == "running" and now["progress"]["step"] > 20:
                break
            time.sleep(0.2)
        assert now["status"] == "running", now
        workers = psutil.Process(server.process.pid).children(recursive=True)
    finally:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(60)
        finally:
            if server.process.poll() is None:
                server.process.kill()
    ended = trainlab.Workspace(server.workspace).jobs.get(job["id"])
    assert ended.status == "interrupted", (ended.status, ended.note)
    assert (server.workspace / "jobs" / job["id"] / "checkpoints" / "last.pt").exists()
    assert workers and not [p for p in workers if p.is_running() and p.status() != "zombie"]
