"""A job that runs again from scratch (killed before its first checkpoint, then resumed)
records each step once: the old run's points are forgotten and the metrics run moves on, so a
live reader (the sidebar's chart, REST events) is told to start over (``reset``). A first run
forgets nothing and stays run 0."""

from __future__ import annotations

import os

from tests.jobs.conftest import submit_quietly
from trainlab.jobs import runner
from trainlab.jobs.records import RESUMABLE, JobStatus, Records


def run_once(ws, job) -> None:
    """What a worker does for the job, in this process: from scratch (no checkpoint)."""
    records = Records(ws)
    assert records.start(job.id, runner="worker", pid=os.getpid(), from_status=RESUMABLE
                         if ws.jobs.get(job.id).status != JobStatus.QUEUED else (JobStatus.QUEUED,))
    runner.run(ws, job.id, runner="worker", fit_kwargs={
        "dataset": job.dataset_id, "task": job.task, "columns": job.columns, "device": "cpu",
        **job.params})


def train_steps(ws, job_id: str) -> list[int]:
    return [m["step"] for m in ws.jobs.metrics(job_id)
            if m["split"] == "train" and m["name"] == "loss"]


def test_a_run_from_scratch_forgets_the_old_runs_points(ws, ds) -> None:
    job = submit_quietly(ws, ds, max_steps=6, log_every=1, batch_size=32, seed=0)
    records = Records(ws)
    run_once(ws, job)
    first = train_steps(ws, job.id)
    assert first == sorted(set(first)) and first[-1] == 6
    assert records.metrics_run(job.id) == 0  # nothing was there to forget
    # as if its worker had been killed before a checkpoint: resumable, run again from step 0
    assert records.finish(job.id, JobStatus.INTERRUPTED, only_from=(JobStatus.COMPLETED,))
    run_once(ws, job)
    assert train_steps(ws, job.id) == first  # each step once, not twice
    assert records.metrics_run(job.id) == 1  # a reader's cursor of the first run is stale
