"""A real `jupyter server` process on a loopback port, driven over HTTP as a script would:
the extension is enabled by the installed config, kernels get the workspace, training runs in
the server's scheduler, and a shutdown leaves running jobs `interrupted` and resumable."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from tests.server.conftest import start_live_server, stop_live_server
from tests.server.test_jobs_api import csv_bytes, parse_events


def test_the_extension_is_enabled_by_installing_the_package():
    out = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                         capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert "trainlab enabled" in " ".join(text.replace("\x1b[32m", "").replace("\x1b[0m", "").split())
    assert "trainlab 0.1.0 OK" in " ".join(text.replace("\x1b[32m", "").replace("\x1b[0m", "").split())


def test_a_script_uploads_trains_follows_and_predicts(live):
    s = requests.Session()
    s.headers.update(live.headers())
    health = s.get(live.api + "health", timeout=10).json()
    assert health["status"] == "ok" and health["workspace"] == str(live.workspace.resolve())
    assert health["scheduler_alive"] is True
    ds = s.post(live.api + "datasets", params={"filename": "t.csv"}, data=csv_bytes(), timeout=60)
    assert ds.status_code == 201, ds.text
    job = s.post(live.api + "jobs", json={"dataset_id": ds.json()["id"], "columns": {"target": "label"},
                                          "params": {"max_steps": 30, "batch_size": 32}}, timeout=30)
    assert job.status_code == 201, job.text
    with s.get(live.api + f"jobs/{job.json()['id']}/events", stream=True, timeout=300) as events:
        assert events.headers["Content-Type"].startswith("text/event-stream")
        text = b"".join(events.iter_content(None)).decode()
    assert parse_events(text)[-1] == ("end", {"id": job.json()["id"], "status": "completed"})
    out = s.post(live.api + f"jobs/{job.json()['id']}/predict",
                 json={"records": [{"x": 2.0, "z": 0.0, "color": "red"}]}, timeout=60)
    assert out.status_code == 200 and out.json()["predictions"] == ["high"]
    assert requests.get(live.api + "jobs", timeout=10).status_code == 403  # no token


def test_kernels_get_the_workspace_of_the_server(live):
    """A kernel started by the server sees TRAINLAB_HOME, so notebook cells and REST share it."""
    s = requests.Session()
    s.headers.update(live.headers())
    kernel = s.post(live.url + "api/kernels", json={"name": "python3"}, timeout=60).json()
    try:
        from jupyter_client import BlockingKernelClient

        info = s.get(live.url + f"api/kernels/{kernel['id']}", timeout=10).json()
        assert info["id"] == kernel["id"]
        runtime = sorted((live.root.parent / "runtime").glob(f"kernel-{kernel['id']}*.json")) if \
            (live.root.parent / "runtime").exists() else []
        if not runtime:  # the connection file lives in the server's runtime dir
            from pathlib import Path

            from jupyter_core.paths import jupyter_runtime_dir

            runtime = sorted(Path(jupyter_runtime_dir()).glob(f"kernel-{kernel['id']}*.json"))
        client = BlockingKernelClient(connection_file=str(runtime[0]))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        seen = []
        client.execute_interactive("import trainlab; print(trainlab.Workspace().path)", timeout=60,
                                   output_hook=lambda msg: seen.append(msg["content"].get("text", "")))
        client.stop_channels()
        assert "".join(seen).strip() == str(live.workspace.resolve())
    finally:
        s.delete(live.url + f"api/kernels/{kernel['id']}", timeout=30)


def training(server, past_step: int) -> dict:
    """A job that would run for hours, submitted to ``server``; returned once it trains past
    ``past_step``."""
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
        if now["status"] == "running" and now["progress"]["step"] > past_step:
            break
        time.sleep(0.2)
    assert now["status"] == "running", now
    return job


def test_shutdown_interrupts_running_jobs_resumably(tmp_path):
    server = start_live_server(tmp_path, "--TrainlabApp.prewarm_worker=False",
                               "--TrainlabApp.stop_grace_seconds=20")
    try:
        job = training(server, past_step=60)
    finally:
        assert stop_live_server(server) is not None
    import trainlab

    ws = trainlab.Workspace(server.workspace)
    ended = ws.jobs.get(job["id"])
    assert ended.status == "interrupted", (ended.status, ended.note)
    assert (ws.jobs_dir / job["id"] / "checkpoints" / "last.pt").exists()
    assert ws.jobs.resume(job["id"]).status == "queued"
