"""``devices=N`` through the scheduler: two CPU processes (gloo) under torchrun, one job.

Rank 0 records; a stop reaches both ranks and is checkpointed once; a resume continues exactly
as an uninterrupted run; a scheduler adopts the torchrun of a dead one; a killed rank interrupts
the job and leaves no process behind; the scheduler hands a job all its GPUs at once or holds it.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import torch

import trainlab
from tests.jobs.conftest import gone, submit_quietly, wait_until
from trainlab.jobs import Scheduler
from trainlab.jobs.gpus import DevicesError
from trainlab.jobs.processes import ranks
from trainlab.training import checkpoint

TWO = {"device": "cpu", "devices": 2}
STEPS = {"batch_size": 16, "early_stopping": None, "log_every": 1, "seed": 5}


def submit_two(ws, ds, **params):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params=params, **TWO)


def history(ws, job_id, split="train", name="loss") -> dict[int, float]:
    return {m["step"]: m["value"] for m in ws.jobs.metrics(job_id)
            if m["name"] == name and m["split"] == split}


def test_two_processes_complete_and_stop_resumes_exactly(ws, ds, scheduler) -> None:
    scheduler(max_concurrent=3, prewarm=False)
    one = submit_quietly(ws, ds, max_steps=12, **STEPS)  # the same job in one process
    whole = submit_two(ws, ds, max_steps=120, **STEPS)
    cut = submit_two(ws, ds, max_steps=120, **STEPS)
    wait_until(lambda: ws.jobs.get(cut.id).progress["step"] >= 5, timeout=120)
    ws.jobs.stop(cut.id)
    stopped = ws.jobs.wait(cut.id, timeout=60)
    assert stopped.status == "stopped", stopped.error
    step = stopped.progress["step"]
    assert 5 <= step < 120
    saved = ws.jobs_dir / cut.id / "checkpoints"
    assert checkpoint.load(saved / "last.pt")["step"] == step  # one checkpoint, rank 0's
    assert {p.name for p in saved.iterdir()} <= {"last.pt", "best.pt"}  # no partial writes
    stopped_ranks = ranks(ws.jobs_dir / cut.id)
    assert [r["rank"] for r in stopped_ranks] == [0, 1]
    wait_until(lambda: all(gone(r["pid"]) for r in stopped_ranks), timeout=30)
    ws.jobs.resume(cut.id)
    done = ws.jobs.wait(whole.id, timeout=120)
    resumed = ws.jobs.wait(cut.id, timeout=120)
    assert done.status == resumed.status == "completed", (done.error, resumed.error)
    assert done.params["devices"] == 2 and done.runner == "worker"
    assert done.progress["step"] == done.progress["total_steps"] == 120
    # exact resume: every step's loss and every validation equal the uninterrupted run's
    assert history(ws, cut.id) == pytest.approx(history(ws, whole.id), rel=1e-5)
    assert history(ws, cut.id, "val", "loss") == pytest.approx(history(ws, whole.id, "val", "loss"))
    # the same shape of history as a one-process job: a train loss each step, validations
    single = ws.jobs.wait(one.id, timeout=120)
    assert single.status == "completed" and single.params["devices"] == 1
    assert sorted(history(ws, one.id)) == list(range(1, 13))
    assert sorted(history(ws, whole.id)) == list(range(1, 121))
    kinds = {(m["split"], m["name"]) for m in ws.jobs.metrics(whole.id)}
    assert kinds == {(m["split"], m["name"]) for m in ws.jobs.metrics(one.id)}
    assert trainlab.load_model(ws.jobs_dir / whole.id / "model").predict(
        [{"x": 0.5, "z": 1.0, "color": "red", "amount": 1.0}]) is not None


def test_the_scheduler_reserves_all_gpus_of_a_job_or_holds_it(ws, ds) -> None:
    s = Scheduler(ws, gpus=["0", "1", "2"], poll_s=60, prewarm=False)  # turned by hand
    try:
        first = submit_two(ws, ds, epochs=400, **STEPS)
        ws.jobs.records.set_device(first.id, "auto")  # on the (pretend) GPUs
        second = submit_two(ws, ds, epochs=400, **STEPS)
        ws.jobs.records.set_device(second.id, "auto")
        s.tick()
        assert ws.jobs.get(first.id).gpus == "0,1"
        assert ws.jobs.get(second.id).status == "queued"  # one GPU free: it waits for two
        assert s.workers[first.id].ranks == 2
    finally:
        s.close(timeout=20)
    assert ws.jobs.get(first.id).status == "interrupted"


@pytest.mark.parametrize(("devices", "device", "code"), [
    (0, "cpu", "devices_invalid"), ([0, 0], "auto", "devices_duplicate"),
    ([0], "cpu", "devices_list_needs_gpu"), (2, "cuda:0", "devices_one_device"),
    (99, "cuda", "devices_too_many")])
def test_bad_devices_are_refused_at_submission(ws, ds, devices, device, code) -> None:
    with pytest.raises(DevicesError) as caught:
        ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, devices=devices,
                       device=device, warn=False)
    assert caught.value.code == code and caught.value.status == 422
    assert caught.value.message("fa") != caught.value.message("en")
    assert ws.jobs.list() == []


def test_devices_goes_in_the_spec_not_the_params(ws, ds) -> None:
    with pytest.raises(trainlab.TrainlabError) as caught:
        ws.jobs.submit(dataset_id=ds.id, params={"devices": 2}, warn=False)
    assert caught.value.code == "invalid_spec" and "devices" in str(caught.value)


def test_a_run_of_one_process_refuses_devices_it_does_not_have(ws, tmp_path) -> None:
    from tests.training.conftest import tabular_rows, write_jsonl
    from trainlab.training import fit

    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(50)))
    with pytest.raises(trainlab.TrainlabError) as caught:
        fit(ds, workspace=ws, columns={"target": "label"}, devices=2, max_steps=2)
    assert caught.value.code == "devices_need_launcher"
    assert not torch.distributed.is_initialized()
    time.sleep(0)  # nothing was started: no process to wait for


def test_an_adopted_torchrun_and_a_killed_rank_leave_no_process(ws, ds) -> None:
    """kill -9 of the scheduler: the next one adopts the job's torchrun (its command line names
    the worker). Then SIGKILL of rank 1: the job ends interrupted, naming the rank, and no
    process of the job is left."""
    import subprocess
    import sys

    old = subprocess.Popen([sys.executable, "-m", "trainlab.jobs.scheduler", str(ws.path),
                            "--gpus", ""], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                           stdout=subprocess.DEVNULL, start_new_session=True)
    found: list[dict] = []
    try:
        job = submit_two(ws, ds, epochs=400, **STEPS)
        wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 3, timeout=120)
        launcher = ws.jobs.get(job.id).pid  # torchrun
        found = ranks(ws.jobs_dir / job.id)
        old.send_signal(signal.SIGKILL)
        old.wait()
        s = Scheduler(ws, gpus=[], poll_s=0.05, prewarm=False).start()
        try:
            wait_until(lambda: s.running == [job.id], timeout=30)  # adopted, not interrupted
            assert s.workers[job.id].ranks == 2 and ws.jobs.get(job.id).status == "running"
            os.kill(found[1]["pid"], signal.SIGKILL)
            dead = ws.jobs.wait(job.id, timeout=60)
            assert dead.status == "interrupted"
            assert f"Process 1 of its 2 (pid {found[1]['pid']})" in dead.note
            wait_until(lambda: s.running == [], timeout=30)
        finally:
            s.close(timeout=10)
        wait_until(lambda: all(gone(p) for p in [launcher, *(r["pid"] for r in found)]), timeout=30)
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()
        for entry in found:
            if not gone(entry["pid"]):
                os.kill(entry["pid"], signal.SIGKILL)


def test_a_peer_still_exiting_is_found_and_the_job_is_never_seen_failed(ws, ds) -> None:
    """Rank 0's collective can fail while the killed peer's exit is still under way (a busy
    machine): rank 0 looks for a dead peer for a few seconds, and the job goes from running to
    interrupted in one write, so a waiter never sees it ``failed`` (CI saw that once)."""
    import json
    import subprocess
    import sys

    from trainlab.jobs import processes, runner
    from trainlab.jobs.records import Records, job_note

    job = submit_quietly(ws, ds, max_steps=5)
    folder = ws.jobs_dir / job.id
    peer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.6)"])
    try:
        processes.register_rank(folder, 0, 2)
        (processes.rank_dir(folder) / "1.json").write_text(json.dumps(
            {"rank": 1, "pid": peer.pid, "started": processes.process_stat(peer.pid)[2]}))
        assert processes.dead_rank(folder, exclude=0) is None  # still alive: not yet
        seen: list[str] = []

        def cause(exc: BaseException) -> str | None:
            seen.append(ws.jobs.get(job.id).status)
            dead = processes.dead_rank(folder, exclude=0, wait=processes.PEER_DEATH_WAIT_S)
            return dead and job_note("note_rank_died", rank=dead["rank"], pid=dead["pid"], world=2)

        assert Records(ws).start(job.id, runner="worker", pid=os.getpid())
        with pytest.raises(trainlab.TrainlabError):
            runner.run(ws, job.id, runner="worker", cause=cause,
                       fit_kwargs={"dataset": ds.id, "columns": {"target": "no such column"}})
    finally:
        peer.wait()
    ended = ws.jobs.get(job.id)
    assert seen == ["running"] and ended.status == "interrupted", ended.error
    assert f"Process 1 of its 2 (pid {peer.pid})" in ended.note and ended.error is None
