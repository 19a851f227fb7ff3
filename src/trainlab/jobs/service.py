"""``ws.jobs``: submit, list, inspect, stop, resume and delete training jobs."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import warnings
from typing import TYPE_CHECKING, Any

from trainlab.errors import NotFoundError, TrainlabError
from trainlab.jobs.records import FINAL, Job, JobStatus, Records, job_note, now_iso, raw_json
from trainlab.jobs.reporting import read_log, stop_file
from trainlab.workspace import is_valid_id, new_id

if TYPE_CHECKING:
    from trainlab.jobs.spec import JobSpec
    from trainlab.workspace import Workspace

SCHEDULER_ALIVE_S = 5.0  # a scheduler's heartbeat younger than this means it is running


class JobConflict(TrainlabError):
    status = 409


class JobStore:
    """The jobs of one workspace. Any process that opens the workspace may use it; a running
    :class:`~trainlab.jobs.Scheduler` (in the server, or ``python -m trainlab.jobs.scheduler``)
    starts the queued ones."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.records = Records(workspace)

    # -- reading -----------------------------------------------------------------------------
    def get(self, job_id: str, *, lang: str | None = None) -> Job:
        """The job, its note in ``lang`` (default: the kernel's or server's language)."""
        job = self.records.get(job_id, lang)
        if job is None:
            raise NotFoundError("job_not_found", id=job_id)
        return job

    def list(self, status: str | list[str] | None = None, limit: int = 100,
             cursor: str | None = None, *, raw: bool = False, lang: str | None = None
             ) -> list[Job]:
        """Newest first; ``cursor`` is the id of the last job of the previous page. With
        ``raw`` the JSON fields (columns, params, metrics, error) stay undecoded
        (``msgspec.Raw``), for an answer that re-encodes them as they are. Notes are in
        ``lang``, as with :meth:`get`."""
        wanted = [] if not status else [status] if isinstance(status, str) else list(status)
        return self.records.find(wanted, max(1, int(limit)), cursor, raw_json if raw else None,
                                 lang)

    def metrics(self, job_id: str, since_step: int = 0) -> list[dict[str, Any]]:
        """The metrics history from ``since_step`` on (one indexed query)."""
        self.get(job_id)
        return self.records.metrics(job_id, since_step)

    def plot(self, job_id: str) -> Any:
        """The job's loss curves (training, smoothed, validation) and main metric against the
        step, from its recorded metrics (a running job too: what it has reported so far), as
        a matplotlib Figure (needs ``pip install matplotlib``)."""
        from trainlab.training.plots import main_metric, plot_metrics

        job = self.get(job_id)
        return plot_metrics(self.records.metrics(job_id, 0), main=main_metric(job.task),
                            title=f"{job.name} ({job.id})", what="ws.jobs.plot()")

    def logs(self, job_id: str, offset: int = 0, tail: int | None = None) -> dict[str, Any]:
        """Log text from byte ``offset``, and the offset to ask for next (for tailing); with
        ``tail``, only the whole lines among the last ``tail`` bytes after ``offset``."""
        job = self.get(job_id)
        text, next_offset = read_log(self.ws.jobs_dir / job.id / "log.txt", offset, tail=tail)
        return {"text": text, "offset": next_offset}

    def wait(self, job_id: str, timeout: float | None = None, poll: float = 0.2) -> Job:
        """Block until the job has finished (completed, failed, stopped or interrupted)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.done:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TrainlabError("wait_timeout", id=job_id, state=job.status, seconds=timeout)
            time.sleep(poll)

    def active_counts(self) -> dict[JobStatus, int]:
        """How many jobs are running and how many are queued."""
        return self.records.active_counts()

    def using_dataset(self, dataset_id: str) -> list[str]:
        """Ids of the running experiments that will submit more trials on ``dataset_id``, then
        of the jobs that will still read it: queued or running ones, and stopped or interrupted
        ones (a resume reads it again). Newest first."""
        active = [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.STOPPED, JobStatus.INTERRUPTED]
        ids: list[str] = [r["id"] for r in self.ws.store.query(
            "SELECT id FROM experiments WHERE dataset_id=? AND status='running' ORDER BY id DESC",
            (dataset_id,))]
        cursor = None
        while True:
            page = self.records.find(active, 500, cursor, raw_json)
            ids += [job.id for job in page if job.dataset_id == dataset_id]
            if len(page) < 500:
                return ids
            cursor = page[-1].id

    def scheduler_alive(self) -> bool:
        beat = self.records.last_scheduler_beat()
        return beat is not None and time.time() - beat < SCHEDULER_ALIVE_S

    # -- writing -----------------------------------------------------------------------------
    def submit(self, spec: JobSpec | dict[str, Any] | None = None, *, warn: bool = True,
               **fields: Any) -> Job:
        """Validate ``spec`` (a :class:`JobSpec` or its dict; fields may also be keywords) and
        queue it. Every check runs now, so a job that is queued can run. With no scheduler
        running, the job's ``note`` says how to start one (and, with ``warn``, a warning too).

        ``devices=N`` (or a list of GPU indices) trains the job with N processes under torchrun:
        N GPUs, or N CPU processes with ``device='cpu'``; the record keeps it in ``params``."""
        from trainlab.jobs.spec import parse_spec, validate_spec

        parsed = parse_spec(spec, fields)
        task, columns, params = validate_spec(self.ws, parsed)
        job_id = new_id("job")
        self.records.insert(job_id, name=parsed.name or f"{task} on {parsed.dataset_id}", task=task,
                            dataset_id=parsed.dataset_id, columns=columns, params=params,
                            device=parsed.device, status=JobStatus.QUEUED, runner="worker")
        if not self.scheduler_alive():
            self.records.set_note(job_id, job_note("no_scheduler", id=job_id, path=str(self.ws.path)))
        job = self.get(job_id)
        if job.note and warn:
            warnings.warn(job.note, stacklevel=2)
        return job

    def stop(self, job_id: str) -> Job:
        """Cancel a queued job; ask a running one to stop (it checkpoints within a step)."""
        job = self.get(job_id)
        if job.status == JobStatus.QUEUED and self.records.finish(
                job_id, JobStatus.STOPPED, note=job_note("note_cancelled"),
                only_from=(JobStatus.QUEUED,)):
            return self.get(job_id)
        if job.status == JobStatus.RUNNING:
            self.records.request_stop(job_id)
            with contextlib.suppress(OSError):  # the store's flag alone also stops it, a bit later
                stop_file(self.ws.jobs_dir, job_id).touch()
            return self.get(job_id)
        raise JobConflict("job_not_active", id=job_id, state=job.status)

    def resume(self, job_id: str) -> Job:
        """Queue a stopped or interrupted job again; it continues from its last checkpoint."""
        job = self.get(job_id)
        if job.task == "custom":
            raise JobConflict("custom_resume_here", id=job_id)
        from trainlab.training.checkpoint import saved_step

        # The worker restarts from the last checkpoint (or from the start without one), not
        # from the last step it reported: a run killed between checkpoints redoes the rest.
        step = saved_step(self.ws.jobs_dir / job_id / "checkpoints" / "last.pt") or 0
        if not self.records.requeue(job_id, job_note("note_resumed", at=now_iso(), step=step)):
            raise JobConflict("job_not_resumable", id=job_id, state=job.status)
        stop_file(self.ws.jobs_dir, job_id).unlink(missing_ok=True)
        return self.get(job_id)

    def delete(self, job_id: str) -> None:
        """Remove the record, its metrics and its files; a running job must be stopped first."""
        if not is_valid_id(job_id, "job"):
            raise NotFoundError("job_not_found", id=job_id)
        job = self.get(job_id)
        if not self.records.delete(job_id):
            raise JobConflict("job_running", id=job_id, state=job.status)
        folder = self.ws.jobs_dir / job_id
        if folder.exists():  # moved aside first: a reader never sees half a folder
            doomed = self.ws.tmp_dir / f"deleted-{job_id}-{os.getpid()}"
            os.replace(folder, doomed)
            shutil.rmtree(doomed, ignore_errors=True)


__all__ = ["FINAL", "JobStore"]
