"""The REST API's request and response shapes (pydantic). The handlers validate with them and
the OpenAPI document is generated from them, so the two cannot drift apart."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainlab.datasets.formats import EXTENSIONS
from trainlab.jobs.records import JobStatus, Runner
from trainlab.jobs.spec import Columns, JobSpec

Format = Literal["jsonl", "json", "csv", "parquet"]
NOT_BLANK = r"\S"  # somewhere a character that is not white space
# A file name whose extension gives its format (any case): "\.([cC][sS][vV]|...)$".
KNOWN_EXTENSION = r"\.(" + "|".join("".join(f"[{c.lower()}{c.upper()}]" for c in ext[1:])
                                    for ext in EXTENSIONS) + ")$"
# Without format, the file name's extension must give it (OpenAPI 3.1: if/then).
_NAME_GIVES_FORMAT = {"if": {"not": {"required": ["format"]}},
                      "then": {"properties": {"filename": {"pattern": KNOWN_EXTENSION}}}}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ----------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: 'dataset_not_found', 'too_large' ...")
    message: str = Field(description="For people, in the language of Accept-Language (en, fa).")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    error: ErrorDetail


# -- health ----------------------------------------------------------------------------------
class Gpu(BaseModel):
    index: int = Field(description="Its number in this server's set: cuda:index in a kernel.")
    id: str = Field(description="What a worker's CUDA_VISIBLE_DEVICES gets: an index or a UUID.")
    name: str | None = Field(None, description="From nvidia-smi; null where it does not list it.")
    memory_total_bytes: int | None = None
    memory_free_bytes: int | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    torch_version: str | None
    cuda_available: bool = Field(description="The server hands out at least one GPU.")
    gpus: list[Gpu] = Field(description="The GPUs the scheduler hands out (docs/rest-api.md).")
    gpu_source: str = Field(description="Where that set comes from (which variable).")
    workspace: str
    workspace_filesystem: str | None = Field(description="The workspace's file system type "
                                             "(ext4, nfs4, ...); SQLite needs a local or block one.")
    disk_free_bytes: int
    jobs_running: int
    jobs_queued: int
    scheduler_alive: bool
    checks: dict[str, bool] = Field(description="Readiness checks; one of checks= failed: 503.")
    problems: list[str] = Field(description="Codes of failed checks that checks= left out.")


# -- datasets --------------------------------------------------------------------------------
class _DatasetFields(BaseModel):
    id: str
    name: str
    format: Format
    size_bytes: int
    sha256: str
    rows: int = Field(description="Valid rows.")
    rows_invalid: int
    status: Literal["valid", "invalid"]
    created_at: str
    parent: dict[str, Any] | None = Field(
        None, description="A split's origin: {id, split: train|test, test_size, seed, stratify}; "
        "null for a dataset that is not a split.")


class Dataset(_DatasetFields):
    schema_: dict[str, str] = Field(alias="schema", description="Field name -> inferred type.")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class DatasetSummary(_DatasetFields):
    """A dataset in a list: its schema, which grows with the width, is behind
    ``GET datasets/{id}``; ``columns`` says how many fields it has."""

    columns: int = Field(description="Number of fields; their types: GET datasets/{id}.")


class DatasetPage(BaseModel):
    items: list[DatasetSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end.")


class ImportRequest(_Strict):
    path: str = Field(min_length=1, max_length=4096,
                      description="A file under the server's root directory, relative to it.")
    name: str | None = Field(None, max_length=255, pattern=NOT_BLANK)
    format: Format | None = None


class UploadStart(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_NAME_GIVES_FORMAT)

    filename: str = Field(min_length=1, max_length=255, pattern=NOT_BLANK)
    size: int = Field(ge=1, le=2**63 - 1, strict=True, description="The file's size in bytes.")
    sha256: str | None = Field(None, pattern="^[0-9a-f]{64}$",
                               description="Checked when the last part arrives, when given.")
    format: Format | None = None


class Upload(BaseModel):
    id: str
    filename: str
    size: int
    offset: int = Field(description="Bytes received so far: the next part starts here.")
    sha256: str | None
    format: Format | None
    created_at: float


class Report(BaseModel):
    ok: bool
    rows_total: int
    rows_valid: int
    rows_invalid: int
    error_counts: dict[str, int]
    errors: list[dict[str, Any]] = Field(description="This page: line, field, code, message, params.")
    errors_total: int = Field(description="Errors listed in the report (the first 1,000 at most).")
    warnings: list[dict[str, Any]]
    offset: int
    limit: int

    model_config = ConfigDict(extra="allow")


class Preview(BaseModel):
    columns: list[str]
    lines: list[int] = Field(description="Each row's line in the file.")
    rows: list[dict[str, Any]]
    offset: int
    limit: int
    rows_valid: int


class Profile(BaseModel):
    model_config = ConfigDict(extra="allow")
    fields: dict[str, dict[str, Any]]




# -- evaluations (issue 21) ----------------------------------------------------------------------
DATASET_ID = r"^ds_[0-9abcdefghjkmnpqrstvwxyz]{26}$"  # trainlab.workspace.ids


class EvaluateRequest(_Strict):
    dataset_id: str = Field(pattern=DATASET_ID, description="The dataset to score the "
                            "job's model on; it needs the model's columns, label or target included.")


class Confusion(BaseModel):
    labels: list[Any] = Field(description="True labels (rows), unseen ones after the model's.")
    predicted: list[Any] = Field(description="Predicted labels (columns): the model's classes.")
    matrix: list[list[int]]


class Evaluation(BaseModel):
    id: str | None = Field(None, description="The recorded evaluation's id.")
    created_at: str | None = None
    task: str
    metrics: dict[str, float | None] = Field(
        description="Classification: accuracy, macro_f1, log_loss; regression: rmse, mae, r2; "
        "causal-lm: loss, perplexity, bits_per_byte, tokens.")
    rows: int = Field(description="Rows seen, invalid ones included.")
    rows_scored: int
    rows_skipped: dict[str, int] = Field(
        description="Rows left out, by reason: invalid_row, missing_label, wrong_value_type, "
        "empty_text.")
    dataset_id: str | None
    source: str = Field(description="'dataset', or 'DataFrame' for a frame scored in a notebook.")
    confusion: Confusion | None = None
    unseen_labels: int = Field(0, description="Scored rows whose label the model never saw "
                               "(counted wrong; not in log_loss).")
    residual_quantiles: dict[str, float] | None = None


# -- jobs ------------------------------------------------------------------------------------
class Progress(BaseModel):
    step: int
    total_steps: int | None
    epoch: int
    fraction: float
    eta_s: float | None
    samples_per_s: float | None
    tokens_per_s: float | None = None  # null: the task counts no tokens


class Job(BaseModel):
    id: str
    name: str
    task: str
    dataset_id: str | None
    columns: dict[str, Any]
    params: dict[str, Any]
    device: str
    status: JobStatus
    runner: Runner
    pid: int | None
    host: str | None
    gpus: str | None
    progress: Progress
    metrics: dict[str, Any] | None
    best_metrics: dict[str, Any] | None
    error: dict[str, Any] | None
    note: str | None
    stop_requested: bool
    created_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat_at: float | None
    paths: dict[str, str]
    evaluations: list[Evaluation] | None = Field(None, description="Its model's recorded "
                                                 "evaluations, oldest first; null in lists.")
    experiment_id: str | None = Field(None, description="The experiment it is a trial of.")
    trial: int | None = Field(None, description="Its trial number in that experiment.")
    executor: str = Field("local", description="Where it runs: 'local' (worker processes on the "
                          "server's machine, or a kernel) or 'ray' (a Ray cluster).")


class JobPage(BaseModel):
    items: list[Job]
    next_cursor: str | None


class MetricPoint(BaseModel):
    step: int
    epoch: int | None
    split: str
    name: str
    value: float | None
    time: float


class Metrics(BaseModel):
    items: list[MetricPoint]
    next_since_step: int = Field(
        description="Ask again with ?since_step= this to get only newer points.")
    cursor: str = Field(
        description="'<run>.<rowid>': follow GET jobs/{job_id}/events?cursor= this to get "
        "every point written after this answer, none twice (thinned or not).")
    downsampled: bool = Field(False, description="max_points left points out.")


class Logs(BaseModel):
    text: str
    offset: int = Field(description="Ask again with ?offset= this to tail the log.")


# The bound is on each array (minItems/maxItems in the document), not on the union.
_Records = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=1000)]
_Texts = Annotated[list[str], Field(min_length=1, max_length=1000)]


class PredictRequest(_Strict):
    records: _Records | _Texts = Field(
        description="Rows as objects (tabular: the feature columns; text: the text column), or "
        "plain strings for a text model.")
    proba: bool = Field(False, description="Also return each class's probability.")


class PredictResponse(BaseModel):
    predictions: list[Any]
    probabilities: list[dict[str, float]] | None = None
    task: str
    job_id: str


# -- pretrained models (issue 15) ----------------------------------------------------------
class CachedModel(BaseModel):
    id: str = Field(description="The Hub id, e.g. 'HooshvareLab/bert-fa-zwnj-base'; give it as "
                    "params.base_model.")
    revision: str = Field(description="The commit of the cached snapshot (the newest usable one).")
    path: str = Field(description="The snapshot folder on the server.")
    size_bytes: int
    model_type: str | None = Field(description="From its config.json: 'bert', 'gpt2', 'llama' ...")
    architectures: list[str]
    modified_at: str = Field(description="When the snapshot last changed (ISO 8601, UTC).")


class CachedModels(BaseModel):
    items: list[CachedModel] = Field(description="Newest first.")
    cache: str = Field(description="The Hub cache looked in (HF_HUB_CACHE, else HF_HOME/hub).")
    offline: bool = Field(description="HF_HUB_OFFLINE is set: only these models (and folders) "
                          "can be used as base_model.")
    hf_installed: bool = Field(description="Whether the server has the trainlab[hf] extra; "
                               "without it no base model can be used.")


class Deleted(BaseModel):
    id: str
    deleted: Literal[True]


__all__ = ["JobSpec"]


# -- experiments (issue 19) -----------------------------------------------------------------
SPACE_DESCRIPTION = (
    "Parameter -> a list of choices, or a range: {\"uniform\": [low, high]}, "
    "{\"loguniform\": [low, high]}, {\"int\": [low, high]} (optionally with \"step\" and "
    "\"log\"). Names are training parameters (lr, batch_size, ...) or arch.<key>.")


class ExperimentCreate(_Strict):
    """A hyperparameter search; every check runs before any trial job exists."""

    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    dataset_id: str = Field(description="The dataset every trial trains on (ds_...).")
    task: str | None = Field(None, description="Inferred from the dataset when left out.")
    columns: Columns = Field(default_factory=dict)
    space: dict[str, list[Any] | dict[str, Any]] = Field(description=SPACE_DESCRIPTION)
    trials: int = Field(20, ge=1, le=10_000, description="How many trials in all.")
    metric: str | None = Field(None, description="A validation metric of the task (default: its "
                               "main one).")
    direction: Literal["maximize", "minimize"] | None = None
    max_concurrent: int | None = Field(None, ge=1, le=1000, description="Trials at once "
                                       "(default: the scheduler's slots).")
    strategy: Literal["tpe", "random", "grid"] = "tpe"
    pruner: Literal["median", "percentile", "hyperband", "none"] = "median"
    params: dict[str, Any] = Field(default_factory=dict, description="Fixed settings of every "
                                   "trial.")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    device: str = Field("auto", max_length=40)


class TrialError(BaseModel):
    code: str
    message: str = Field(description="Why the trial could not be queued, in the request's "
                         "language.")
    params: dict[str, Any]


class Trial(BaseModel):
    number: int
    job_id: str | None = Field(description="Null when its settings could not be queued.")
    params: dict[str, Any]
    state: Literal["running", "completed", "failed", "pruned", "stopped"]
    value: float | None = Field(description="The best value of the metric (completed trials) "
                                "or the value it was pruned at.")
    error: TrialError | None = Field(None, description="Why its settings could not be queued "
                                     "(a failed trial without a job).")


class Experiment(BaseModel):
    id: str
    name: str
    dataset_id: str
    task: str
    columns: dict[str, Any]
    space: dict[str, Any]
    params: dict[str, Any]
    trials: int = Field(description="How many trials were asked for.")
    metric: str
    direction: Literal["maximize", "minimize"]
    max_concurrent: int | None
    strategy: str
    pruner: str
    seed: int
    device: str
    status: Literal["running", "completed", "stopped"]
    created_at: str
    updated_at: str
    trial_list: list[Trial] = Field(description="Its trials so far, by number.")
    note: str | None = Field(None, description="In the answer to POST when no scheduler runs "
                             "to start its trials: how to start one; later what the scheduler "
                             "noted (a failed turn, a stop because the dataset is gone).")


class ExperimentPage(BaseModel):
    items: list[Experiment]
    next_cursor: str | None


class ExperimentResults(BaseModel):
    items: list[dict[str, Any]] = Field(description="One row per trial: number, job_id, state, "
                                        "each searched parameter, error, final_<metric> and "
                                        "best_<metric> "
                                        "of every validation metric, duration_s, status.")
