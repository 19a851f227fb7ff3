"""Response shapes added for the JupyterLab sidebar (issue 16): the task check with the
inferred defaults a New job form is filled from, and the numeric fields' histograms.

Kept apart from :mod:`trainlab.server.models` (one module per idea, each under 400 lines);
the OpenAPI document is generated from these as from those."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from trainlab.datasets.tasks import task_names
from trainlab.jobs.spec import Columns
from trainlab.server.models import Upload


def _task_name(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= 64:
        raise ValueError("a task name has 1 to 64 characters")
    return value


class CheckRequest(BaseModel):
    """``POST datasets/{id}/check``'s body: a task and column roles, any of them left out."""

    model_config = ConfigDict(extra="forbid")
    task: Annotated[str | None, AfterValidator(_task_name), WithJsonSchema(
        {"type": "string", "enum": list(task_names()), "minLength": 1, "maxLength": 64})] = Field(
        None, description="Left out (or null): inferred as trainlab.fit would.",
        json_schema_extra=lambda schema: schema.pop("default", None))  # null is no string
    columns: Columns = Field(default_factory=dict)


class CheckReport(BaseModel):
    """``POST datasets/{id}/check``: the task's check of the dataset, row by row."""

    model_config = ConfigDict(extra="allow")
    ok: bool = Field(description="No column or row problem, and the dataset has no invalid rows.")
    task: str = Field(description="The resolved task: 'tabular' becomes tabular-classification "
                      "or tabular-regression from the target's type.")
    columns: dict[str, Any] = Field(description="The column roles checked (target, features, "
                                    "label, text, prompt, completion), the ones left out "
                                    "inferred as trainlab.fit would pick them.")
    inferred: list[str] = Field(description="What the server filled in, as trainlab.fit "
                                "would: 'task' when the request named none, then the column "
                                "roles it left out (the request's own roles are kept).")
    rows_total: int
    rows_valid: int = Field(description="Rows the task can use.")
    rows_invalid: int
    error_counts: dict[str, int]
    errors: list[dict[str, Any]] = Field(description="Column problems (line null) and row "
                                         "problems by line: code, message, params (the first 1,000).")
    warnings: list[dict[str, Any]]


class Histogram(BaseModel):
    min: float
    max: float
    edges: list[float] = Field(description="bins + 1 bin edges, min to max (all equal for a "
                               "column of one value: every value is in the first bin).")
    counts: list[int] = Field(description="Values per bin; the last bin includes max.")
    rows: int = Field(description="Rows binned.")
    sampled: bool = Field(description="Only the first rows of a large file were binned (rows).")


class Histograms(BaseModel):
    fields: dict[str, Histogram] = Field(description="Numeric field -> its histogram, in the "
                                         "schema's order, this page's fields only.")
    bins: int
    fields_total: int = Field(description="Numeric fields with a finite range, in all.")
    offset: int
    limit: int


class UploadList(BaseModel):
    items: list[Upload] = Field(description="Uploads in progress, newest first (an upload "
                                "untouched for 24 hours is removed).")
