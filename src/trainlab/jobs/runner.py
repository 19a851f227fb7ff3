"""Running training as a job, the same way in a worker process and in a kernel.

:func:`run` wraps :func:`trainlab.training.fit`: the job's record follows the run (``running``
at the start, progress and metrics while it trains, ``completed``/``stopped``/``failed`` at
the end, with the error's code, message and traceback tail), its log is written, a heartbeat
proves it is alive, and a stop requested in the store stops it within a step.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from trainlab.jobs.records import RESUMABLE, JobStatus, Records, job_note
from trainlab.jobs.reporting import Heartbeat, JobLog, JobReporter, StopFlag, error_record, stop_file
from trainlab.training.callbacks import Callback
from trainlab.workspace import Workspace


class _Record(Callback):
    """Creates (or restarts) the job's record when training starts."""

    def __init__(self, records: Records, job_id: str, runner: str, name: str | None) -> None:
        self.records, self.job_id, self.runner, self.name = records, job_id, runner, name
        self.started = False

    def on_start(self, info: dict[str, Any]) -> None:
        config = info["config"]
        params = {k: v for k, v in config.items() if k not in (
            "task", "columns", "dataset_id", "device", "total_steps", "parameters", "world_size",
            "n_train", "n_val", "architecture", "precision")}
        stop_file(self.records.ws.jobs_dir, self.job_id).unlink(missing_ok=True)  # an old request
        if self.runner == "foreground":
            if not self.records.start(self.job_id, runner="foreground", pid=os.getpid(),
                                      from_status=RESUMABLE):
                self.records.insert(self.job_id, name=self.name or f"{info['task']} run",
                                    task=info["task"], dataset_id=config.get("dataset_id"),
                                    columns=config.get("columns") or {}, params=params,
                                    device=config["device"], status=JobStatus.RUNNING,
                                    runner="foreground")
        self.records.describe(self.job_id, info["task"], config.get("dataset_id"),
                              config.get("columns") or {}, params)
        # the steps this run repeats lose their old values: all of them for a run from scratch
        self.records.truncate_metrics(self.job_id, info.get("start_step") or -1)
        self.started = True


def run(ws: Workspace, job_id: str, *, runner: str, fit_kwargs: dict[str, Any],
        callbacks: list[Callback] | None = None, user_stop: Any = None, name: str | None = None,
        flag: StopFlag | None = None, shutting_down: Any = None, cause: Any = None) -> Any:
    """Train under job ``job_id``; returns the :class:`TrainResult` or raises what training raised.

    ``shutting_down()`` true at the end of a stopped run means nobody asked for the stop (the
    server is going away): the job ends ``interrupted``, to be resumed later. ``cause(exc)``
    may name what really ended a failed run: a note, and the job ends ``interrupted`` with it
    (rank 0 of several, whose peer died), in the same write, so nobody sees it ``failed`` first.
    """
    from trainlab.training import fit

    records = Records(ws)
    flag = flag or StopFlag(records, job_id, user_stop)
    folder = ws.jobs_dir / job_id
    existed = folder.exists()
    try:
        log = JobLog(folder / "log.txt")
    except OSError as exc:
        from trainlab.training.checkpoint import write_failed

        error = write_failed(folder / "log.txt", exc)
        if runner == "worker":
            records.finish(job_id, JobStatus.FAILED, error=error_record(error))
        raise error from exc
    record = _Record(records, job_id, runner, name)
    reporter = JobReporter(records, job_id, log)
    try:
        with Heartbeat(records, job_id):
            result = fit(workspace=ws, job_id=job_id, stop=flag, **fit_kwargs,
                         callbacks=[record, reporter, *(callbacks or [])])
    except BaseException as exc:
        log.write(f"error: {type(exc).__name__}: {exc}")
        log.close()
        if record.started or runner == "worker":
            note = cause(exc) if cause is not None else None
            status = JobStatus.INTERRUPTED if note or isinstance(exc, KeyboardInterrupt) \
                else JobStatus.FAILED
            records.finish(job_id, status, error=None if note else error_record(exc), note=note)
        elif not existed:
            shutil.rmtree(folder, ignore_errors=True)  # failed before it began: leave no trace
        raise
    log.close()
    note = None
    if result.stop_reason == "early_stopping":
        note = job_note("note_early_stopped", step=result.steps,
                        total=result.config.get("total_steps"), metric=reporter.main_metric)
    elif result.stop_reason == "interrupted":
        note = job_note("note_interrupted")
    status = JobStatus(result.status)
    if status == JobStatus.STOPPED and shutting_down is not None and shutting_down():
        status, note = JobStatus.INTERRUPTED, job_note("note_shut_down_resume")
    records.finish(job_id, status, note=note)
    return result
