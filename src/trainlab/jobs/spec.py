"""The job specification, validated once at submission.

A pydantic model, so the REST layer and its OpenAPI document use the very same shape. The
checks that need the workspace (the dataset exists and suits the task, the columns exist,
every hyperparameter is in range) run in :func:`validate_spec` before anything is queued.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from trainlab.datasets.tasks import task_names, task_spec
from trainlab.errors import TrainlabError


def _one_name_per_role(columns: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    for role, value in columns.items():
        if isinstance(value, list) and role != "features":
            raise ValueError(f"'{role}' names one column: give a string, not a list")
    return columns


# A column mapping: every role names one column, only ``features`` may name a list of them.
Columns = Annotated[
    dict[str, str | list[str]], AfterValidator(_one_name_per_role),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"},
                    "properties": {"features": {"anyOf": [
                        {"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}})]


class JobSpec(BaseModel):
    """What to train: a dataset, a task and its column mapping, and hyperparameters."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(description="The dataset to train on (ds_...).")
    task: str | None = Field(None, description="One of: " + ", ".join(task_names())
                             + "; inferred from the dataset when left out.")
    columns: Columns = Field(
        default_factory=dict, description="Column mapping: target (+ features), text + label, "
        "text, or prompt + completion; inferred where left out.")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="Hyperparameters: epochs, batch_size, lr, ...")
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    devices: int | list[int] = Field(
        1, description="Processes to train with: a count (N GPUs, or N CPU processes with "
        "device='cpu' or no GPU) or a list of GPU indices; more than 1 runs under torchrun. "
        "Recorded in the job's params.")
    name: str | None = Field(None, max_length=200, description="A label for people.")


class SpecError(TrainlabError):
    status = 422


def parse_spec(spec: JobSpec | dict[str, Any] | None, fields: dict[str, Any]) -> JobSpec:
    if isinstance(spec, JobSpec):
        return spec.model_copy(update=fields) if fields else spec
    try:
        return JobSpec.model_validate({**(spec or {}), **fields})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "spec"
        raise SpecError("invalid_spec", field=where, detail=first["msg"]) from exc


def validate_spec(ws: Any, spec: JobSpec) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The resolved task, column mapping and hyperparameters, or the first reason it cannot run:
    the device exists here, and so do the GPUs ``devices`` asks for, every column role and
    ``arch`` setting is known and in bounds, and the model's weights and optimizer state fit in
    the device's free memory; a ``base_model`` suits the task and is available here
    (:func:`~trainlab.jobs.pretrained.check_base_model`)."""
    from trainlab.jobs.gpus import check_devices
    from trainlab.jobs.pretrained import check_base_model
    from trainlab.training.columns import infer
    from trainlab.training.config import TrainConfig
    from trainlab.training.devices import resolve_device
    from trainlab.training.fit import check_roles
    from trainlab.training.models import SIZES, check_arch, check_fits, planned_arch
    from trainlab.training.prepare import checked

    if spec.task is not None:
        task_spec(spec.task)  # a name no task has is refused first
    for name in ("device", "devices"):
        if name in spec.params:
            raise SpecError("invalid_spec", field=f"params.{name}", detail=f"set it with '{name}'")
    check_devices(spec.devices, spec.device)  # before the dataset: a count this machine can give
    try:
        config = TrainConfig.from_kwargs({**spec.params, "device": spec.device,
                                          "devices": spec.devices})
        device, _ = resolve_device(spec.device)
    except TrainlabError as exc:  # a well-formed spec that cannot run: 422, like SpecError
        exc.status = 422
        raise
    ds = ws.datasets.get(spec.dataset_id)
    task, columns = infer(ds, spec.task, dict(spec.columns))
    check_roles(task, columns)
    try:  # offline and not cached, or not a text task: nothing is queued
        check_base_model(config.base_model, task)
    except TrainlabError as exc:  # a well-formed spec that cannot run: 422
        exc.status = 422
        raise
    check_arch(_model_kind(task), config.arch)  # before the (slower) data check
    report = checked(ds, task, columns, config.skip_invalid)
    kind = _model_kind(report["task"])
    if kind in SIZES and config.base_model is None:  # a base model is not the built-in one
        features = report["columns"].get("features") or columns.get("features") or []
        check_fits(kind, planned_arch(kind, config.arch, inputs=max(1, len(features)),
                                      max_length=config.max_length), device)
    return report["task"], columns, {**spec.params, "devices": spec.devices}


def _model_kind(task: str) -> str:
    """The built-in model ``task`` trains (``tabular`` is either tabular task's)."""
    from trainlab.training.tasks import builders

    found = builders().get(task) or builders().get(f"{task}-regression")
    return found.model_kind if found is not None else "custom"
