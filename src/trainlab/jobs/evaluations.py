"""``trainlab.evaluate``: score a job's model on held-out data and record it on the job.

The evaluation is kept in the workspace store (``job_evaluations``), listed by
``ws.jobs.get(id).evaluations``, ``GET jobs/{id}`` and the Jobs panel, and deleted with its job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlab.datasets.formats import is_frame
from trainlab.errors import TrainlabError
from trainlab.jobs.records import Job
from trainlab.workspace import Workspace, new_id, resolve

if TYPE_CHECKING:
    from trainlab.training.evaluation import Evaluation


def evaluate(job_or_model: Any, data: Any, *, workspace: Workspace | str | None = None
             ) -> Evaluation:
    """Evaluate a job's model on ``data`` and record the evaluation on the job.

    ``job_or_model``: a job id, a :class:`~trainlab.jobs.Job`, a loaded ``TrainedModel`` or
    a ``TrainResult``. ``data``: a Dataset, a dataset id, a file path (added to the
    workspace) or a DataFrame (pandas, pyarrow or polars: stored once in the workspace with
    ``ws.datasets.add``, as ``trainlab.fit`` stores one, so the evaluation names a dataset that
    can be looked at and scored again; the same frame again is the same dataset). Returns the
    :class:`~trainlab.training.evaluation.Evaluation` (see ``TrainedModel.evaluate`` for the
    metrics and the rows it skips); ``ws.jobs.get(job_id).evaluations`` lists it afterwards.
    A job without a saved model yet is ``model_not_ready`` (409); a job that trained your own
    ``nn.Module`` is ``eval_custom_model``: a custom model cannot be evaluated from data.
    """
    from trainlab.training.artifact import TrainedModel, load_model

    model = job_or_model if isinstance(job_or_model, TrainedModel) else None
    job_id, home = _job_of(job_or_model)
    ws = resolve(workspace) if workspace is not None or home is None else Workspace(home)
    job = ws.jobs.get(job_id)
    if job.task == "custom":  # only the user's code knows how their module reads rows
        raise TrainlabError("eval_custom_model", id=job.id, status=422)
    if model is None:
        directory = ws.jobs_dir / job.id / "model"
        if not (directory / "model.json").is_file():
            raise TrainlabError("model_not_ready", status=409, id=job.id, state=job.status)
        model = load_model(directory)
    return record(ws, job.id, model, data)[0]


def record(ws: Workspace, job_id: str, model: Any, data: Any) -> tuple[Evaluation, dict[str, Any]]:
    """Evaluate ``model`` (the job's, loaded) on ``data`` and store the result on the job;
    returns the evaluation and the record as ``Job.evaluations`` lists it."""
    if is_frame(data):  # recorded evaluations name a stored dataset, as jobs do
        data = ws.datasets.add(data, name="evaluation data")
    evaluation = model.evaluate(data, workspace=ws)
    result = evaluation.to_dict()
    entry = ws.jobs.records.add_evaluation(new_id("ev"), job_id, evaluation.dataset_id, result)
    return evaluation, entry


def _job_of(source: Any) -> tuple[str, Path | None]:
    """The job id, and the workspace folder when the source tells it (a model's, a result's or
    a job's folder is ``<workspace>/jobs/<job_id>/...``)."""
    from trainlab.training.artifact import TrainedModel

    if isinstance(source, TrainedModel | Job) or getattr(source, "model_path", None):
        where = source.paths["dir"] if isinstance(source, Job) else \
            Path(getattr(source, "model_path", None) or source.path).parent
        folder = Path(where).resolve()
        if folder.parent.name != "jobs" or not folder.name.startswith("job_"):
            raise TrainlabError("eval_no_job", path=str(folder))
        return folder.name, folder.parents[1]
    if isinstance(source, str | os.PathLike) and os.fspath(source).startswith("job_"):
        return os.fspath(source), None
    if isinstance(getattr(source, "job_id", None), str):  # a TrainResult without a model
        return source.job_id, None
    raise TrainlabError("eval_no_model", got=type(source).__name__)
