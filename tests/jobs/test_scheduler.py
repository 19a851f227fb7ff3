"""Background jobs: worker processes, slots and GPUs, stop, kill -9, resume, recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import trainlab
from tests.jobs.conftest import FAST, SLOW, submit_quietly, wait_until
from trainlab.jobs import Scheduler
from trainlab.training import checkpoint


def test_a_queued_job_runs_in_a_worker_to_completion(ws, ds, scheduler) -> None:
    scheduler()
    job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params={"max_steps": 30})
    assert job.note is None  # a scheduler is alive: no warning
    done = ws.jobs.wait(job.id, timeout=120)
    assert done.status == "completed", (done.error, ws.jobs.logs(job.id)["text"])
    assert done.runner == "worker" and done.pid != os.getpid()
    assert done.progress["step"] == 30 and done.best_metrics["accuracy"] > 0.5
    assert trainlab.load_model(job.id, workspace=ws).predict({"x": 2.0, "z": 0.0, "color": "red",
                                                              "amount": 0.0})
    assert "end: completed" in ws.jobs.logs(job.id)["text"]


def test_twenty_jobs_two_at_a_time(ws, ds, scheduler) -> None:
    s = scheduler(max_concurrent=2)
    ids = [submit_quietly(ws, ds, **FAST).id for _ in range(20)]
    for job_id in ids:
        assert ws.jobs.wait(job_id, timeout=300).status == "completed"
    assert s.peak_running == 2
    spans = sorted((j.started_at, j.finished_at) for j in ws.jobs.list(limit=50))
    for start, _ in spans:  # never more than two running at any moment
        assert sum(1 for s0, f0 in spans if s0 <= start < f0) <= 2


def test_stop_reaches_a_worker_fast_and_resume_continues(ws, ds, scheduler) -> None:
    scheduler()
    job = submit_quietly(ws, ds, **SLOW)
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 30)
    asked = time.monotonic()
    ws.jobs.stop(job.id)
    stopped = ws.jobs.wait(job.id, timeout=30)
    assert stopped.status == "stopped" and time.monotonic() - asked < 3
    step = stopped.progress["step"]
    assert checkpoint.load(ws.jobs_dir / job.id / "checkpoints" / "last.pt")["step"] == step
    resumed = ws.jobs.resume(job.id)
    assert resumed.status == "queued" and f"from step {step}" in resumed.note
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= step + 10)
    ws.jobs.stop(job.id)
    ws.jobs.wait(job.id, timeout=30)
    losses = [m["step"] for m in ws.jobs.metrics(job.id)
              if m["name"] == "loss" and m["split"] == "train"]
    assert losses == sorted(set(losses)) and losses[0] == 1  # one history, continued, no restart


def test_kill_9_mid_training_is_interrupted_and_resumes(ws, ds, scheduler) -> None:
    scheduler()
    # 3,000 steps: on an idle machine 450 (30 epochs) could all run before the first progress
    # report showed step 45, and the kill found the job completed.
    job = submit_quietly(ws, ds, **{**SLOW, "epochs": 200})
    wait_until(lambda: (ws.jobs_dir / job.id / "checkpoints" / "last.pt").is_file()
               and ws.jobs.get(job.id).progress["step"] >= 45)
    os.killpg(ws.jobs.get(job.id).pid, signal.SIGKILL)
    dead = ws.jobs.wait(job.id, timeout=30)
    assert dead.status == "interrupted" and "signal 9" in dead.note
    saved = checkpoint.load(ws.jobs_dir / job.id / "checkpoints" / "last.pt")  # intact
    assert saved["step"] >= 40 and saved["step"] % 20 == 0
    ws.jobs.resume(job.id)
    done = ws.jobs.wait(job.id, timeout=180)
    assert done.status == "completed", done.error
    assert done.progress["step"] == done.progress["total_steps"]
    train_steps = [m["step"] for m in ws.jobs.metrics(job.id) if m["name"] == "loss"
                   and m["split"] == "train"]
    assert train_steps == sorted(set(train_steps))  # the steps redone after the checkpoint once


def test_a_failing_job_fails_and_the_scheduler_goes_on(ws, ds, scheduler) -> None:
    bad = submit_quietly(ws, ds, max_steps=5)  # submit refuses a bad arch: change the record after,
    ws.jobs.records.describe(bad.id, bad.task, ds.id, bad.columns,  # as a record of an older
                             {"max_steps": 5, "arch": {"dropout": 2.0}})  # version may be
    scheduler()
    good = submit_quietly(ws, ds, **FAST)
    failed = ws.jobs.wait(bad.id, timeout=120)
    assert failed.status == "failed" and failed.error["code"]
    assert "dropout" in failed.error["message"] and "File " in failed.error["traceback"]
    assert ws.jobs.wait(good.id, timeout=120).status == "completed"


def test_a_worker_that_cannot_start_fails_its_job_with_a_message(ws, ds, tmp_path) -> None:
    s = Scheduler(ws, gpus=[], poll_s=60, prewarm=False, python=str(tmp_path / "no-python"))
    try:
        job = submit_quietly(ws, ds, **FAST)
        s.tick()
    finally:
        s.close(timeout=10)
    failed = ws.jobs.get(job.id)
    assert failed.status == "failed" and failed.error["code"] == "worker_start_failed"
    assert failed.error["message"].startswith("Could not start a worker: ")
    assert "no-python" in failed.error["message"]


def test_a_stop_that_is_ignored_is_forced(ws, ds, scheduler) -> None:
    scheduler(stop_grace_s=0.0)
    job = submit_quietly(ws, ds, epochs=5, batch_size=2048, early_stopping=None,
                  arch={"hidden": 2048, "layers": 6})  # seconds per step: SIGTERM cannot win
    wait_until(lambda: ws.jobs.get(job.id).progress["total_steps"])
    ws.jobs.stop(job.id)
    stopped = ws.jobs.wait(job.id, timeout=30)
    assert stopped.status == "stopped" and "Forced" in stopped.note


def test_gpus_are_handed_out_one_job_each(ws, ds) -> None:
    s = Scheduler(ws, gpus=["0", "1"], poll_s=60)  # no thread: turn the crank by hand
    try:
        ids = [submit_quietly(ws, ds, **SLOW).id for _ in range(3)]
        s.tick()
        assert s.max_concurrent == 2 and len(s.workers) == 2
        assert sorted(ws.jobs.get(i).gpus for i in ids[:2]) == ["0", "1"]
        assert ws.jobs.get(ids[2]).status == "queued"  # held until a GPU frees
    finally:
        s.close(timeout=10)
    assert {ws.jobs.get(i).status for i in ids[:2]} == {"interrupted"}  # server shutdown
    assert "shut down" in ws.jobs.get(ids[0]).note


def test_recovery_marks_orphans_interrupted(ws, ds, tmp_path) -> None:
    script = tmp_path / "kernel.py"
    script.write_text(
        "import sys, trainlab\n"
        "ws = trainlab.Workspace(sys.argv[1])\n"
        "trainlab.fit(sys.argv[2], workspace=ws, columns={'target': 'label'}, epochs=1000,"
        " early_stopping=None)\n")
    kernel = subprocess.Popen([sys.executable, str(script), str(ws.path), ds.id],
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        job = wait_until(lambda: (ws.jobs.list(status="running") or [None])[0], timeout=120)
        assert job.runner == "foreground" and job.pid == kernel.pid
        assert Scheduler(ws, gpus=[]).reconcile() == []  # alive: left alone
    finally:
        kernel.kill()
        kernel.wait()
    assert Scheduler(ws, gpus=[]).reconcile() == [job.id]
    orphan = ws.jobs.get(job.id)
    assert orphan.status == "interrupted" and "kernel process" in orphan.note
    ws.store.execute("UPDATE jobs SET status='running', pid=?, heartbeat_at=? WHERE id=?",
                     (os.getpid(), time.time() - 120, job.id))  # alive but silent
    assert Scheduler(ws, gpus=[], heartbeat_stale_s=30).reconcile() == [job.id]
    assert "No heartbeat" in ws.jobs.get(job.id).note


KILL_MID_WRITE = """
import os, signal, sys, torch
from pathlib import Path
from trainlab.training import checkpoint
folder, tmp = Path(sys.argv[1]), Path(sys.argv[2])
checkpoint.save(folder / "last.pt", {"step": 1, "w": torch.ones(4)}, tmp)
real_save = torch.save
def dying_save(obj, f, *a, **k):
    f.write(b"half a checkpoint")
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
torch.save = dying_save
checkpoint.save(folder / "last.pt", {"step": 2, "w": torch.zeros(4)}, tmp)
"""


def test_a_kill_during_a_checkpoint_write_keeps_the_previous_one(tmp_path) -> None:
    folder, tmp = tmp_path / "ckpt", tmp_path / "tmp"
    folder.mkdir()
    proc = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, str(folder), str(tmp)],
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == -signal.SIGKILL
    state = checkpoint.load(folder / "last.pt")
    assert state["step"] == 1 and state["w"].sum() == 4
    assert list(tmp.iterdir())  # the half-written temp file, swept by the workspace later


@pytest.mark.parametrize("status", ["completed", "failed"])
def test_finished_jobs_cannot_be_stopped(ws, ds, status) -> None:
    result = trainlab.fit(ds, workspace=ws, max_steps=3)
    ws.store.execute("UPDATE jobs SET status=? WHERE id=?", (status, result.job_id))
    with pytest.raises(trainlab.TrainlabError) as err:
        ws.jobs.stop(result.job_id)
    assert err.value.code == "job_not_active" and err.value.status == 409


def test_a_spare_worker_takes_the_next_job(ws, ds, scheduler) -> None:
    s = scheduler()
    spare = wait_until(lambda: s._spare)
    job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params=FAST)
    done = ws.jobs.wait(job.id, timeout=120)
    assert done.status == "completed" and done.pid == spare.pid  # handed over, not started anew
    assert "Traceback" not in (ws.jobs_dir / job.id / "worker.out").read_text()
    wait_until(lambda: s._spare is not None and s._spare.pid != spare.pid)  # and replaced


def test_without_prewarm_each_job_gets_a_fresh_worker(ws, ds, scheduler) -> None:
    s = scheduler(prewarm=False)
    job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params=FAST)
    assert ws.jobs.wait(job.id, timeout=120).status == "completed"
    assert s._spare is None


def test_a_stopped_notebook_run_resumes_in_a_worker(ws, ds, scheduler) -> None:
    class StopAt(trainlab.Callback):
        def on_start(self, info):
            self.job_id = info["job_id"]

        def on_step(self, step, *rest):
            if step == 10:
                ws.jobs.stop(self.job_id)

    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=40,
                          early_stopping=None, log_every=1, callbacks=[StopAt()])
    assert result.status == "stopped" and ws.jobs.get(result.job_id).runner == "foreground"
    scheduler()
    ws.jobs.resume(result.job_id)
    done = ws.jobs.wait(result.job_id, timeout=120)
    assert done.status == "completed" and done.runner == "worker"
    assert done.progress["step"] == 40
    steps = [m["step"] for m in ws.jobs.metrics(done.id) if (m["split"], m["name"]) == ("train", "loss")]
    assert steps == list(range(1, 41))  # one history across the kernel and the worker
