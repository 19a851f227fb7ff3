"""The route table: every endpoint once, with its method, path, resource, models and errors.

The server's handlers are built from it (:func:`handlers`) and the OpenAPI document is
generated from it, so a route cannot exist without being documented, and the documentation
cannot name a model the endpoint does not use.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from trainlab.server import health, metric_cursor, service
from trainlab.server import models as m
from trainlab.server import models_sidebar as ms
from trainlab.server.base import ApiHandler, DatasetsHandler, JobsHandler, NotFoundHandler
from trainlab.server.endpoints import datasets, experiments, jobs, system, uploads
from trainlab.server.operation import DATASETS, JOBS, Op, Param
from trainlab.server.streaming import DatasetsStreamHandler

LIMIT = Param("limit", "integer", "Page size.", minimum=1, maximum=service.MAX_PAGE)


def cursor(prefix: str) -> Param:
    return Param("cursor", description="next_cursor of the previous page.",
                 pattern=service.id_pattern(prefix))

E_READ = (400, 403, 404)
_CHECK = "(" + "|".join(health.CHECKS) + ")"
HEALTH_CHECKS = f"^({_CHECK}(,{_CHECK})*)?$"
E_WRITE = (400, 403, 404, 409, 422)

ROUTES: list[Op] = [
    Op("GET", "health", system.health, JOBS,
       "Versions, GPUs, workspace, free disk, jobs running and queued; 503 not_ready when the "
       "database, the workspace's disk or the scheduler fails (a readiness probe).",
       response=m.Health, errors=(400, 403, 503), track_activity=False,
       params=(Param("checks", description="Comma-separated names of the checks that may fail "
                     "the answer (default: all; empty: none): database, workspace_writable, "
                     "disk, gpus, scheduler. The body reports every check either way.",
                     pattern=HEALTH_CHECKS),)),
    Op("GET", "openapi.json", system.openapi, JOBS, "This document.", errors=(403,)),
    Op("GET", "models", system.cached_models, JOBS,
       "The pretrained models in the server's local Hugging Face cache, usable offline as a job's "
       "params.base_model (a folder path on the server works too).",
       response=m.CachedModels, errors=(403,)),
    # -- datasets --------------------------------------------------------------------------------
    Op("GET", "datasets", datasets.list_datasets, DATASETS,
       "Datasets, newest first, a page at a time.",
       response=m.DatasetPage, errors=(400, 403),
       params=(Param("status", enum=datasets.STATUSES),
               Param("name", description="Only names containing this (case-insensitive)."),
               LIMIT, cursor("ds"))),
    Op("POST", "datasets", uploads.upload_dataset, DATASETS,
       "Upload a file: the raw request body is the file, streamed to disk, then validated and "
       "profiled. A file with bad rows is kept with status 'invalid' (201 too); a file that is "
       "not its format at all is refused.",
       status=201, response=m.Dataset, errors=(400, 403, 413, 415, 422, 507),
       body="application/octet-stream", begin=uploads.begin_upload, creates="datasets/{dataset_id}",
       params=(Param("filename", required=True, description="The file's name; its extension "
                     "gives the format unless format= is set.", pattern=m.NOT_BLANK,
                     max_length=255),
               Param("format", enum=("jsonl", "json", "csv", "parquet")))),
    Op("POST", "datasets/uploads", uploads.start_upload, DATASETS,
       "Start a resumable upload; then PUT its parts with Content-Range.",
       status=201, request=m.UploadStart, response=m.Upload,
       errors=(400, 403, 413, 415, 422, 507), creates="datasets/uploads/{upload_id}"),
    Op("GET", "datasets/uploads", uploads.list_uploads, DATASETS,
       "The resumable uploads in progress, newest first (each with its offset): a client that "
       "lost an upload's id (another browser, cleared storage) finds it to resume it.",
       response=ms.UploadList, errors=(400, 403), params=(LIMIT,)),
    Op("GET", "datasets/uploads/{upload_id}", uploads.get_upload, DATASETS,
       "A resumable upload: its offset is where the next part starts.",
       response=m.Upload, errors=E_READ),
    Op("PUT", "datasets/uploads/{upload_id}", uploads.put_part, DATASETS,
       "Append a part at the offset its Content-Range states (409 with the current offset "
       "otherwise). The last part checks size and sha256 and answers 201 with the dataset.",
       response=m.Upload, more={201: m.Dataset}, errors=(400, 403, 404, 409, 413, 422, 507),
       body="application/octet-stream", begin=uploads.begin_part,
       params=(Param("Content-Range", required=True, where="header",
                     description="bytes START-END/TOTAL",
                     pattern=r"^bytes [0-9]{1,19}-[0-9]{1,19}/[0-9]{1,19}$"),)),
    Op("DELETE", "datasets/uploads/{upload_id}", uploads.cancel_upload, DATASETS,
       "Cancel a resumable upload.",
       response=m.Deleted, errors=(403, 404, 409)),
    Op("POST", "datasets/import", uploads.import_dataset, DATASETS,
       "Register a file already under the server's root directory (e.g. uploaded by "
       "JupyterLab's file browser), by its relative path. It is copied into the workspace.",
       status=201, request=m.ImportRequest, response=m.Dataset,
       errors=(400, 403, 404, 413, 415, 422, 507), creates="datasets/{dataset_id}"),
    Op("GET", "datasets/{dataset_id}", datasets.get_dataset, DATASETS, "One dataset.",
       response=m.Dataset, errors=E_READ),
    Op("GET", "datasets/{dataset_id}/report", datasets.report, DATASETS,
       "The validation report; its errors a page at a time, messages in the request's language.",
       response=m.Report, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=10**9), LIMIT)),
    Op("GET", "datasets/{dataset_id}/preview", datasets.preview, DATASETS,
       "Valid rows offset..offset+limit, each with its line in the file.",
       response=m.Preview, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=10**12), LIMIT)),
    Op("GET", "datasets/{dataset_id}/profile", datasets.profile, DATASETS,
       "Per-field statistics; with label=, that field's class balance.",
       response=m.Profile, errors=(*E_READ, 422), params=(Param("label"),)),
    Op("POST", "datasets/{dataset_id}/check", datasets.check, DATASETS,
       "Check the dataset against what a training task needs, row by row. The task (when "
       "left out) and the column roles left out are inferred first, as trainlab.fit would "
       "(422 no_columns when no column says what to predict): a form is filled from the "
       "answer's task, columns and inferred.",
       request=ms.CheckRequest, response=ms.CheckReport, errors=E_WRITE),
    Op("GET", "datasets/{dataset_id}/histograms", datasets.histograms, DATASETS,
       "Histograms of the numeric fields (equal bins between each one's min and max; a file "
       "over 256 MB is binned from its first 256 MB, marked sampled), a page of fields at a "
       "time. Computed on the first request, then kept with the dataset.",
       response=ms.Histograms, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=10**6), LIMIT)),
    Op("GET", "datasets/{dataset_id}/file", datasets.dataset_file, DATASETS,
       "Download the stored file.",
       errors=E_READ, content=tuple(datasets.MEDIA_TYPES.values())),
    Op("DELETE", "datasets/{dataset_id}", datasets.delete_dataset, DATASETS,
       "Delete a dataset and its files; 409 while queued, running, stopped or interrupted "
       "jobs use it, unless force=true.",
       response=m.Deleted, errors=(*E_READ, 409), params=(Param("force", enum=("true", "false")),)),
    # -- jobs ------------------------------------------------------------------------------------
    Op("GET", "jobs", jobs.list_jobs, JOBS,
       "Jobs (background and notebook), newest first, a page at a time.",
       response=m.JobPage, errors=(400, 403),
       params=(Param("status", enum=jobs.STATUSES), LIMIT, cursor("job"),
               Param("no_track_activity", description="jupyter_server's convention: given (any "
                     "value), the request is not the user's activity (a background poll: "
                     "JupyterHub's idle culler may still stop the server)."))),
    Op("POST", "jobs", jobs.submit_job, JOBS, "Submit a background job; every check runs now.",
       status=201, request=m.JobSpec, response=m.Job, errors=(400, 403, 404, 422, 429),
       creates="jobs/{job_id}"),
    Op("GET", "jobs/{job_id}", jobs.get_job, JOBS, "One job with its progress and latest metrics.",
       response=m.Job, errors=E_READ),
    Op("POST", "jobs/{job_id}/stop", jobs.stop_job, JOBS,
       "Stop a running job (it checkpoints and ends 'stopped') or cancel a queued one.",
       response=m.Job, errors=(403, 404, 409)),
    Op("POST", "jobs/{job_id}/resume", jobs.resume_job, JOBS,
       "Queue a stopped or interrupted job again; it continues from its last checkpoint "
       "(429 too_many_jobs beyond max_jobs_queued, as POST jobs).",
       response=m.Job, errors=(403, 404, 409, 429)),
    Op("DELETE", "jobs/{job_id}", jobs.delete_job, JOBS,
       "Delete a job and its files (409 while it runs).",
       response=m.Deleted, errors=(403, 404, 409)),
    Op("GET", "jobs/{job_id}/metrics", jobs.job_metrics, JOBS,
       "The metrics history from since_step on, by step; with max_points, each series (split, "
       "name) thinned to that many points evenly spread, its first and last kept (for a chart). "
       "Its cursor ('<run>.<rowid>', of every point read, thinned or not) is where "
       "events?cursor= goes on: no gap, no point twice.",
       response=m.Metrics, errors=E_READ,
       params=(Param("since_step", "integer", minimum=0, maximum=2**62),
               Param("max_points", "integer", minimum=2, maximum=jobs.MAX_POINTS))),
    Op("GET", "jobs/{job_id}/logs", jobs.job_logs, JOBS,
       "Log text from byte offset on (tail it with the offset returned); with tail=N, only "
       "the whole lines among its last N bytes (a view opening on a long log).",
       response=m.Logs, errors=E_READ,
       params=(Param("offset", "integer", minimum=0, maximum=2**62),
               Param("tail", "integer", minimum=1, maximum=jobs.LOG_TAIL_MAX))),
    Op("GET", "jobs/{job_id}/events", jobs.job_events, JOBS,
       "Server-Sent Events until the job ends: 'status' (the whole job, on every change of "
       "status), 'progress' (step, total_steps, epoch, fraction, eta_s, samples_per_s, tokens_per_s), "
       "'metrics' (new points), 'no_scheduler' (the job is queued and no scheduler runs to "
       "start it: id, scheduler_alive, message), 'reset' ({run}: a resume rewrote the "
       "history; clear the series, the whole current history follows), then 'end'. Metrics "
       "start at the cursor '<run>.<rowid>' of Last-Event-ID, else of ?cursor=, else at "
       "since_step, and follow the points in the order written: a metrics event's id is the "
       "cursor to go on from; a cursor of an older run gets 'reset' first.",
       errors=E_READ, content="text/event-stream",
       params=(Param("since_step", "integer", minimum=0, maximum=2**62,
                     description="Without a cursor: the first step to send."),
               Param("cursor", pattern=metric_cursor.PATTERN,
                     description="Where to go on from: GET jobs/{job_id}/metrics' cursor, or "
                     "a metrics event's id (400 invalid_cursor otherwise)."),
               Param("Last-Event-ID", where="header", pattern=metric_cursor.PATTERN,
                     description="The id of the last event received (an EventSource sends "
                     "it when it reconnects); wins over cursor."))),
    Op("GET", "jobs/{job_id}/model", jobs.job_model, JOBS,
       "Download the trained model (a zip of model/).",
       errors=(403, 404, 409), content="application/zip"),
    Op("POST", "jobs/{job_id}/predict", jobs.predict, JOBS,
       "Predict a small batch of records (up to 1,000).",
       request=m.PredictRequest, response=m.PredictResponse, errors=(400, 403, 404, 409, 422)),
    Op("POST", "jobs/{job_id}/evaluate", jobs.evaluate, JOBS,
       "Score the job's model on a stored dataset (its preprocessing, the task's metrics, rows it "
       "cannot score counted by reason) and record the evaluation on the job. 409 while the job "
       "has no model; 422 when the dataset lacks the model's columns.",
       request=m.EvaluateRequest, response=m.Evaluation, errors=(400, 403, 404, 409, 422)),
    # -- experiments (issue 19) -----------------------------------------------------------------
    Op("GET", "experiments", experiments.list_experiments, JOBS,
       "Experiments (hyperparameter searches), newest first, a page at a time, with their trials.",
       response=m.ExperimentPage, errors=(400, 403), params=(LIMIT, cursor("exp"))),
    Op("POST", "experiments", experiments.create_experiment, JOBS,
       "Create a search whose trials are jobs; the scheduler runs it. Every check (space, "
       "metric, dataset) runs now, before any job exists.",
       status=201, request=m.ExperimentCreate, response=m.Experiment, errors=(400, 403, 404, 422),
       creates="experiments/{experiment_id}"),
    Op("GET", "experiments/{experiment_id}", experiments.get_experiment, JOBS,
       "One experiment with its trials.", response=m.Experiment, errors=E_READ),
    Op("POST", "experiments/{experiment_id}/stop", experiments.stop_experiment, JOBS,
       "Ask for no more trials and stop the queued and running ones (409 once it has ended).",
       response=m.Experiment, errors=(403, 404, 409)),
    Op("DELETE", "experiments/{experiment_id}", experiments.delete_experiment, JOBS,
       "Delete an experiment's record (with jobs=true its trial jobs too); 409 while it runs.",
       response=m.Deleted, errors=(400, 403, 404, 409),
       params=(Param("jobs", enum=("true", "false")),)),
    Op("GET", "experiments/{experiment_id}/results", experiments.experiment_results, JOBS,
       "The results table: one row per trial (params, final and best validation metrics, "
       "duration, status).", response=m.ExperimentResults, errors=E_READ),
]

# The handler class of a path, by its resource and whether a route on it streams its body.
HANDLER_CLASSES: dict[tuple[str, bool], type[ApiHandler]] = {
    (DATASETS, False): DatasetsHandler,
    (DATASETS, True): DatasetsStreamHandler,
    (JOBS, False): JobsHandler,
}


def paths() -> dict[str, dict[str, Op]]:
    """Path -> method -> op, literal paths before parametrised ones (``datasets/uploads``
    must win over ``datasets/{dataset_id}``)."""
    grouped: dict[str, dict[str, Op]] = {}
    for op in ROUTES:
        grouped.setdefault(op.path, {})[op.method] = op
    return dict(sorted(grouped.items(), key=lambda kv: ("{" in kv[0], kv[0].count("/") * -1, kv[0])))


def handlers(app: Any) -> list[tuple[str, type[ApiHandler], dict[str, Any]]]:
    """The extension's handlers, one per path, then a JSON 404 for anything else under
    trainlab/api/; jupyter_server puts its base_url in front of each pattern."""
    out: list[tuple[str, type[ApiHandler], dict[str, Any]]] = []
    for ops in paths().values():
        first = next(iter(ops.values()))
        cls = HANDLER_CLASSES[first.resource, any(op.begin for op in ops.values())]
        out.append((url_path_join("/trainlab/api", first.pattern), cls, {"ops": ops, "app": app}))
    out.append((url_path_join("/trainlab/api", "(?P<rest>.*)"), NotFoundHandler,
                {"ops": {}, "app": app}))
    return out
