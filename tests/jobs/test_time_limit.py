"""max_job_seconds (issue 17): the scheduler stops a job that ran longer, as a stop would
(checkpointed, ``stopped``, a note naming the limit), and the job resumes where it was."""

from __future__ import annotations

from tests.jobs.conftest import SLOW, submit_quietly, wait_until
from trainlab.training import checkpoint


def _rewind(s, job_id: str, seconds: float) -> None:
    """The job's worker started ``seconds`` earlier (time passing, without waiting for it)."""
    wait_until(lambda: job_id in s.workers)
    s.workers[job_id].started -= seconds


def test_a_job_over_max_job_seconds_is_stopped_with_a_note_and_resumes(ws, ds, scheduler) -> None:
    s = scheduler(max_job_seconds=600)
    job = submit_quietly(ws, ds, **SLOW)
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 30)
    assert ws.jobs.get(job.id).status == "running"  # under the limit: it runs on
    _rewind(s, job.id, 601)
    stopped = ws.jobs.wait(job.id, timeout=30)
    assert stopped.status == "stopped", stopped.note
    assert "600 s" in stopped.note and "max_job_seconds" in stopped.note
    fa = ws.jobs.get(job.id, lang="fa").note
    assert "600" in fa and "max_job_seconds" in fa and fa != stopped.note
    step = stopped.progress["step"]
    assert checkpoint.load(ws.jobs_dir / job.id / "checkpoints" / "last.pt")["step"] == step

    ws.jobs.resume(job.id)  # the limit counts again from the new start
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= step + 10)
    assert ws.jobs.get(job.id).status == "running"
    _rewind(s, job.id, 601)
    again = ws.jobs.wait(job.id, timeout=30)
    assert again.status == "stopped" and "max_job_seconds" in again.note
    assert again.progress["step"] > step
    losses = [m["step"] for m in ws.jobs.metrics(job.id)
              if m["name"] == "loss" and m["split"] == "train"]
    assert losses == sorted(set(losses)) and losses[0] == 1  # one history, continued


def test_a_job_over_the_limit_before_training_began_says_the_limit(ws, ds, scheduler) -> None:
    s = scheduler(max_job_seconds=600, prewarm=False)  # the worker still imports torch
    job = submit_quietly(ws, ds, **SLOW)
    _rewind(s, job.id, 601)
    stopped = ws.jobs.wait(job.id, timeout=60)
    assert stopped.status == "stopped" and "max_job_seconds" in stopped.note, stopped.note


def test_no_limit_by_default(ws, ds, scheduler) -> None:
    s = scheduler()
    assert s.max_job_seconds == 0
    job = submit_quietly(ws, ds, **SLOW)
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 5)
    _rewind(s, job.id, 10**6)
    wait_until(lambda: ws.jobs.get(job.id).progress["step"] >= 30)
    assert ws.jobs.get(job.id).status == "running" and not ws.jobs.records.stop_requested(job.id)
    ws.jobs.stop(job.id)
    assert ws.jobs.wait(job.id, timeout=30).status == "stopped"
