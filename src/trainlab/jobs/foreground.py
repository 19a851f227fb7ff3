"""``trainlab.fit`` in a kernel or a script: training in this process, recorded as a job with
``runner='foreground'`` (progress, metrics, log), stoppable with ``ws.jobs.stop(id)`` from
anywhere, like any job."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.jobs.records import Records
from trainlab.workspace import new_id, resolve


def fit(dataset: Any = None, task: str | None = None, columns: dict[str, Any] | None = None, *,
        workspace: Any = None, callbacks: list[Any] | None = None, stop: Any = None,
        resume_from: Any = None, name: str | None = None, **kwargs: Any) -> Any:
    """Train in this process and record the run as a job; see :func:`trainlab.training.fit`.

    The job appears in ``ws.jobs.list()`` as soon as training starts (``runner='foreground'``),
    shows progress, metrics and a log while it runs, and ``ws.jobs.stop(job_id)`` from any
    process stops it at the next step with a checkpoint. ``name`` labels the job.

    ``dataset`` may be a pandas DataFrame, a pyarrow Table or a polars DataFrame: it is added
    to the workspace first and the job records that dataset's id. ``label=``, ``target=``,
    ``text=``, ``prompt=``, ``completion=`` are shortcuts for ``columns``:
    ``trainlab.fit(df, label="churned")``.

    ``devices=N`` (or a list of GPU indices) trains in N new processes, one GPU each, or N CPU
    processes (gloo) with ``device='cpu'`` or no GPU: rank 0 records the job and its events
    reach ``callbacks``; the result is rank 0's (see :mod:`trainlab.jobs.launcher` for what a
    custom ``model=`` must be). A resume by job id starts as many processes as the run had.
    """
    from trainlab.jobs import runner
    from trainlab.training import fit as train

    ws = resolve(workspace, dataset)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun, rank 0 alone keeps the record
        return train(dataset, task, columns, workspace=ws, callbacks=callbacks, stop=stop,
                     resume_from=resume_from, **kwargs)
    from trainlab.jobs.pretrained import check_base_model

    # before the job's record or folder exists: offline and not cached, nothing is created
    check_base_model(kwargs.get("base_model"), "custom" if kwargs.get("model") is not None else task)
    resume_id = None
    if resume_from is not None:
        if not isinstance(resume_from, (str, os.PathLike)):
            raise TrainlabError("invalid_argument", name="resume_from", detail="a checkpoint "
                                f"file, a job folder or a job id; got {type(resume_from).__name__}")
        text = os.fspath(resume_from)
        if text.startswith("job_") and not Path(text).exists():
            resume_id = text
    job_id = resume_id or new_id("job")
    devices = kwargs.get("devices")
    if devices is None and resume_id is not None:  # a resume starts as many processes
        earlier = Records(ws).get(resume_id)
        devices = earlier.params.get("devices") if earlier is not None else None
    if devices not in (None, 1) and int(os.environ.get("WORLD_SIZE", "1")) == 1:
        from trainlab.jobs.gpus import check_devices
        from trainlab.jobs.launcher import fit_on_devices

        count, gpus = check_devices(devices, str(kwargs.get("device") or "auto"))
        if count > 1 or gpus:
            return fit_on_devices(ws, job_id, count, gpus, callbacks=callbacks, stop=stop, name=name,
                                  fit_kwargs={"dataset": dataset, "task": task, "columns": columns,
                                              "resume_from": resume_from,
                                              **kwargs, "devices": devices})
    return runner.run(ws, job_id, runner="foreground", user_stop=stop, callbacks=callbacks,
                      name=name, fit_kwargs={"dataset": dataset, "task": task, "columns": columns,
                                             "resume_from": resume_from, **kwargs})
