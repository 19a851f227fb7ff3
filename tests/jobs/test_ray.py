"""The Ray executor: jobs on a two-node Ray cluster started here (CPU only), through Ray Train.

One cluster serves the whole module (it takes ~15-25 s to start on a loaded machine); each
Ray run costs ~20-40 s more (Ray starts its worker processes and they import torch).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import trainlab
from tests.jobs.conftest import submit_quietly, wait_until
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab import i18n
from trainlab.jobs.ray_train import scratch_folder
from trainlab.training import checkpoint
from trainlab.widgets import JobsPanel

pytest.importorskip("ray")
pytest.importorskip("ray.train.torch")

# Long enough to stop in the middle: 9 steps an epoch (270 training rows, 2 ranks x 16), 900 steps.
LONG = {"epochs": 100, "batch_size": 16, "early_stopping": None, "checkpoint_every": 20,
        "log_every": 1, "val_fraction": 0.1}


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes of one CPU each (so a job's two workers land one per node). Their workers
    import this checkout's trainlab; Ray Train's optional preemption watcher and metrics stay
    off, two processes fewer on a two-core machine."""
    from ray.cluster_utils import Cluster

    src = str(Path(trainlab.__file__).resolve().parents[1])
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
           "RAY_TRAIN_ENABLE_PREEMPTION_WATCHER": "0", "RAY_TRAIN_METRICS_ENABLED": "0"}
    before = {name: os.environ.get(name) for name in env}
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths have a limit
    made = None
    try:
        os.environ.update(env)
        made = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "include_dashboard": False, "temp_dir": temp})
        made.worker = made.add_node(num_cpus=1)
        yield made
    finally:
        if made is not None:
            made.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture()
def ds(ws: trainlab.Workspace, tmp_path: Path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(300)))


def _ray_scheduler(scheduler, cluster, tmp_path: Path, **kwargs):
    return scheduler(executor="ray", ray_address=cluster.address,
                     storage_path=str(tmp_path / "storage"), ray_workers=2, **kwargs)


def _history(ws: trainlab.Workspace, job_id: str) -> dict[tuple[str, str, int], float | None]:
    return {(m["split"], m["name"], m["step"]): m["value"] for m in ws.jobs.metrics(job_id)}


def test_an_unreachable_cluster_fails_the_job_naming_the_address(ws, ds, scheduler, tmp_path):
    scheduler(executor="ray", ray_address="127.0.0.1:9", storage_path=str(tmp_path / "storage"))
    job = submit_quietly(ws, ds, max_steps=5)
    done = ws.jobs.wait(job.id, timeout=60)
    assert done.status == "failed" and done.executor == "ray"
    assert done.error["code"] == "ray_unreachable" and "127.0.0.1:9" in done.error["message"]


def test_the_scheduler_marks_a_ray_job_when_it_claims_it(ws, ds, scheduler, tmp_path):
    """The record says ``ray`` from the claim on, before (here: without) any driver running; a
    Ray job's ``devices`` are Ray workers, so the scheduler reserves none of its own GPUs for
    them (here one GPU, and a job asking for 2) and never wraps the driver in torchrun."""
    scheduler(executor="ray", ray_address="127.0.0.1:9", storage_path=str(tmp_path / "storage"),
              python=str(tmp_path / "no-such-python"), gpus=["0"])
    job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params={"max_steps": 5},
                         devices=2, warn=False)
    done = ws.jobs.wait(job.id, timeout=60)
    assert done.status == "failed" and done.error["code"] == "worker_start_failed", done.error
    assert done.executor == "ray" and not done.gpus


def test_a_ray_job_stops_resumes_from_storage_and_matches_a_local_run(
        ws, ds, scheduler, cluster, tmp_path):
    """Two workers on two nodes: stop mid-run (``stopped``, checkpoint in storage_path and in the
    job's folder), resume from it to ``completed``; the history has the steps and metrics of a
    local run at the same global batch (1 x 32 here, 2 x 16 there), with close values."""
    s = _ray_scheduler(scheduler, cluster, tmp_path)
    job = submit_quietly(ws, ds, **LONG)
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 30, timeout=150)
    running = ws.jobs.get(job.id)
    assert running.status == "running" and running.executor == "ray"
    assert scratch_folder(job.id, 0).is_dir() and scratch_folder(job.id, 1).is_dir()
    ws.jobs.stop(job.id)
    stopped = ws.jobs.wait(job.id, timeout=60)
    assert stopped.status == "stopped", (stopped.error, ws.jobs.logs(job.id)["text"])
    assert stopped.note != i18n.render("note_stop_forced", {"seconds": s.stop_grace_s})  # clean
    step = stopped.progress["step"]
    stored = tmp_path / "storage" / job.id / "checkpoints" / "last.pt"
    assert checkpoint.load(stored)["step"] == step < 900
    assert checkpoint.load(ws.jobs_dir / job.id / "checkpoints" / "last.pt")["step"] == step
    resumed = ws.jobs.resume(job.id)
    assert f"from step {step}" in resumed.note
    done = ws.jobs.wait(job.id, timeout=180)
    assert done.status == "completed", (done.error, ws.jobs.logs(job.id)["text"])
    assert done.executor == "ray" and done.progress["step"] == 900
    assert done.best_metrics["accuracy"] > 0.8
    model = trainlab.load_model(job.id, workspace=ws)
    assert model.predict({"x": 2.0, "z": 0.0, "color": "red", "amount": 0.0}) == "high"
    assert "end: completed" in ws.jobs.logs(job.id)["text"]
    assert "on Ray" in JobsPanel(ws, auto_refresh=False).job_html(done)
    losses = [m["step"] for m in ws.jobs.metrics(job.id) if (m["split"], m["name"]) == ("train", "loss")]
    assert losses == list(range(1, 901))  # one history, continued from the checkpoint
    assert not list(scratch_folder(job.id, 0).parent.glob(f"{job.id}-*"))  # no scratch left

    local = trainlab.fit(ds, columns={"target": "label"}, workspace=ws, **{**LONG, "batch_size": 32})
    ray_history, local_history = _history(ws, job.id), _history(ws, local.job_id)
    assert ws.jobs.get(local.job_id).executor == "local"
    assert ray_history.keys() == local_history.keys()
    for key, value in local_history.items():
        if key[1] == "lr":
            assert ray_history[key] == pytest.approx(value, rel=1e-6)
    final = ("val", "loss", 900)
    assert ray_history[final] == pytest.approx(local_history[final], abs=0.1)


def test_a_lost_node_restarts_the_run_once_then_interrupts_it(ws, ds, scheduler, cluster, tmp_path):
    """max_failures=1. The second node's raylet killed mid-run and a new node added: Ray Train
    restarts the workers from the last checkpoint (the note says so, the history continues).
    That node killed too: no restart left, the job ends ``interrupted``, resumable. Runs last:
    it takes the cluster down to its head."""
    s = _ray_scheduler(scheduler, cluster, tmp_path, ray_max_failures=1)
    job = submit_quietly(ws, ds, **{**LONG, "epochs": 2000})  # never done before the node goes
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 25, timeout=150)
    cluster.remove_node(cluster.worker)
    cluster.worker = cluster.add_node(num_cpus=1)
    wait_until(lambda: "restarted" in (ws.jobs.get(job.id).note or ""), timeout=150)
    at = checkpoint.load(ws.jobs_dir / job.id / "checkpoints" / "last.pt")["step"]
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= at + 20, timeout=150)
    cluster.remove_node(cluster.worker)
    # Ray Train may first try to place the workers again (up to 3 x 60 s) before it gives up
    done = ws.jobs.wait(job.id, timeout=300)
    assert done.status == "interrupted", (done.error, ws.jobs.logs(job.id)["text"])
    assert "max_failures (1)" in done.note and done.error is None
    losses = [m["step"] for m in ws.jobs.metrics(job.id) if (m["split"], m["name"]) == ("train", "loss")]
    assert losses == list(range(1, len(losses) + 1)) and len(losses) >= at + 20
    assert (tmp_path / "storage" / job.id / "checkpoints" / "last.pt").is_file()
    s.close()
    assert ws.jobs.resume(job.id).status == "queued"
