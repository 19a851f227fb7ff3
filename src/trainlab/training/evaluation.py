"""Scoring a trained model on held-out data: ``TrainedModel.evaluate`` and its :class:`Evaluation`.

The rows go through the task's ``encode`` with the model's stored preprocessing state, as in
training and ``predict``; a Dataset is read block by block (memory bounded), a DataFrame in
slices. Rows the model cannot score are counted by reason, never dropped silently:

- ``invalid_row``: the dataset's own invalid rows (from its validation report);
- ``missing_label``: the label / target (a completion, for prompt+completion) is missing;
- ``wrong_value_type``: a value of the wrong type for a column the model reads (text in a
  numeric feature, a number where text is expected, a list or an object);
- ``empty_text``: a text (or prompt) that is missing or blank, as training skips them.

A whole column the model needs that is absent is an error (``eval_missing_columns``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.formats import is_frame
from trainlab.datasets.frames import as_pandas, check_column_names
from trainlab.errors import TrainlabError
from trainlab.training.scores import SCORERS

REASONS = ("invalid_row", "missing_label", "wrong_value_type", "empty_text")
CHUNK_ROWS = 65_536  # rows of a DataFrame encoded at once
_SCHEMA_TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                 "string": pa.string(), "category": pa.string(), "text": pa.string()}


@dataclass
class Evaluation:
    """A model's scores on one dataset or DataFrame.

    ``rows`` is every row seen (invalid ones included), ``rows_scored`` those in the metrics,
    ``rows_skipped`` the others by reason (see :mod:`trainlab.training.evaluation`).
    Classification: ``confusion`` (true labels as index, predicted labels as columns) and
    ``unseen_labels``, the scored rows whose label the model never saw (wrong for accuracy,
    macro-F1 and the confusion matrix; left out of log_loss). Regression:
    ``residual_quantiles`` of ``true - predicted``.
    """

    task: str
    metrics: dict[str, float]
    rows: int
    rows_scored: int
    rows_skipped: dict[str, int]
    dataset_id: str | None = None
    source: str = "dataset"
    confusion: pd.DataFrame | None = None
    unseen_labels: int = 0
    residual_quantiles: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; the confusion matrix as ``{"labels", "predicted", "matrix"}``."""
        out: dict[str, Any] = {
            "task": self.task, "metrics": {k: _finite(v) for k, v in self.metrics.items()},
            "rows": self.rows, "rows_scored": self.rows_scored,
            "rows_skipped": dict(self.rows_skipped), "dataset_id": self.dataset_id,
            "source": self.source, "confusion": None, "unseen_labels": self.unseen_labels,
            "residual_quantiles": self.residual_quantiles}
        if self.confusion is not None:
            out["confusion"] = {"labels": [_plain(v) for v in self.confusion.index],
                                "predicted": [_plain(v) for v in self.confusion.columns],
                                "matrix": self.confusion.to_numpy().astype(int).tolist()}
        return out

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.metrics.items())
        skipped = sum(self.rows_skipped.values())
        where = self.dataset_id or self.source
        return (f"Evaluation({self.task} on {where}: {shown}; {self.rows_scored}/{self.rows} rows"
                f" scored, {skipped} skipped)")

    def _repr_html_(self) -> str:
        """A notebook's card: the data, rows scored and skipped by reason, the metrics, and the
        confusion matrix or the residual quantiles."""
        from trainlab.training.show import evaluation_html

        return evaluation_html(self)

    def plot_confusion(self) -> Any:
        """The confusion matrix as a matplotlib Figure (classification)."""
        if self.confusion is None:
            raise TrainlabError("wrong_model_kind", task=self.task, method="plot_confusion",
                                needed="classification")
        from matplotlib.figure import Figure

        matrix = self.confusion.to_numpy()
        fig = Figure(figsize=(1.2 + 0.6 * matrix.shape[1], 1.0 + 0.6 * matrix.shape[0]))
        ax = fig.add_subplot()
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(matrix.shape[1]), [str(c) for c in self.confusion.columns])
        ax.set_yticks(range(matrix.shape[0]), [str(i) for i in self.confusion.index])
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        top = matrix.max() if matrix.size else 0
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, str(int(value)), ha="center", va="center",
                    color="white" if value > top / 2 else "black")
        fig.tight_layout()
        return fig


def _finite(value: Any) -> Any:
    return value if not isinstance(value, float) or math.isfinite(value) else None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


# -- reading the data -------------------------------------------------------------------------
def evaluate(model: Any, data: Any, workspace: Any = None) -> Evaluation:
    """Score ``model`` (a :class:`~trainlab.training.artifact.TrainedModel`) on ``data``: a
    Dataset, a dataset id, a file path (added to the workspace, as ``fit`` does) or a
    DataFrame (pandas, a pyarrow Table or polars; scored directly, not stored). Duplicate
    column names are ``frame_column_names``, as ``ws.datasets.add`` refuses them."""
    state = model.meta["state"]
    roles = _roles(model.task_name, state["columns"])
    scorer = SCORERS[model.task_name](model)
    skipped = dict.fromkeys(REASONS, 0)
    if is_frame(data) and not isinstance(data, pd.DataFrame):  # a pyarrow Table, polars
        data = as_pandas(data)[0]
    if isinstance(data, pd.DataFrame):
        check_column_names(list(data.columns), strings=False)  # as ws.datasets.add refuses
        _require(roles, [str(c) for c in data.columns], "DataFrame")
        dataset_id, source, rows = None, "DataFrame", len(data)
        for start in range(0, len(data), CHUNK_ROWS):
            part = data.iloc[start: start + CHUNK_ROWS]
            columns = {name: _from_series(part[name], role) for name, role in roles.items()}
            _score_chunk(model, scorer, roles, columns, skipped)
    else:
        ds = _dataset(model, data, workspace)
        _require(roles, list(ds.schema), ds.name)
        from trainlab.datasets.rows import iter_tables

        dataset_id, source = ds.id, "dataset"
        skipped["invalid_row"] = int(ds.to_dict()["rows_invalid"])
        rows = skipped["invalid_row"]
        for table, _lines in iter_tables(ds):
            rows += table.num_rows
            columns = {name: _from_arrow(table, name, ds.schema.get(name)) for name in roles}
            _score_chunk(model, scorer, roles, columns, skipped)
    result = scorer.result()
    return Evaluation(task=model.task_name, rows=rows, rows_skipped=skipped, dataset_id=dataset_id,
                      source=source, **result)


def _dataset(model: Any, data: Any, workspace: Any) -> Any:
    from trainlab.datasets.dataset import Dataset
    from trainlab.workspace import Workspace, resolve

    if isinstance(data, Dataset):
        return data
    if not isinstance(data, str | os.PathLike):
        raise TrainlabError("eval_bad_input", got=type(data).__name__)
    if workspace is None:  # the workspace the model was trained in: <ws>/jobs/<job>/model
        home = Path(model.path).resolve().parents
        if len(home) > 2 and home[1].name == "jobs" and (home[2] / "trainlab.db").is_file():
            workspace = Workspace(home[2])
    ws = resolve(workspace)
    text = os.fspath(data)
    if text.startswith("ds_") and not Path(text).exists():
        return ws.datasets.get(text)
    return ws.datasets.add(text)


def _roles(task: str, columns: dict[str, Any]) -> dict[str, str]:
    """Column name -> what the model does with it: feature, label, target, text (a text or a
    prompt) or completion."""
    if task in ("tabular-classification", "tabular-regression"):
        return {**dict.fromkeys(columns["features"], "feature"),
                columns["target"]: "label" if task == "tabular-classification" else "target"}
    if task == "text-classification":
        return {columns["text"]: "text", columns["label"]: "label"}
    if "prompt" in columns:
        return {columns["prompt"]: "text", columns["completion"]: "completion"}
    return {columns["text"]: "text"}


def _require(roles: dict[str, str], present: list[str], name: str) -> None:
    missing = [c for c in roles if c not in present]
    if missing:
        raise TrainlabError("eval_missing_columns", name=name, fields=", ".join(missing),
                            expected=", ".join(roles), status=422)


def _decoded(column: Any) -> pa.ChunkedArray:
    column = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    return column


def _from_arrow(table: pa.Table, name: str, schema_type: str | None
                ) -> tuple[pa.ChunkedArray, np.ndarray]:
    """A dataset column cast to its schema type where it casts (as training reads it)."""
    column = _decoded(table.column(name))
    wanted = _SCHEMA_TYPES.get(schema_type or "")
    if wanted is not None and column.type != wanted and not pa.types.is_nested(column.type):
        try:
            column = pc.cast(column, wanted)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass  # checked value by value below
    return column, np.zeros(table.num_rows, bool)


def _from_series(series: pd.Series, role: str) -> tuple[pa.ChunkedArray, np.ndarray]:
    """A DataFrame column as Arrow; a column of mixed Python types (which Arrow refuses) as
    text, flagging ``wrong_value_type`` the values that are not text (text roles) or neither
    text nor a number (the others)."""
    try:
        return _decoded(pa.array(series, from_pandas=True)), np.zeros(len(series), bool)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        values = series.astype(object).tolist()  # only for a column Arrow cannot type
        kinds = str if role in ("text", "completion") else \
            str | int | float | np.integer | np.floating
        ok = [v is None or (isinstance(v, kinds) and not isinstance(v, bool)) for v in values]
        text = [None if not good or v is None or (isinstance(v, float) and v != v) else str(v)
                for v, good in zip(values, ok, strict=True)]
        return pa.chunked_array([pa.array(text, pa.string())]), ~np.asarray(ok, bool)


# -- checking and scoring a chunk -------------------------------------------------------------
def _score_chunk(model: Any, scorer: Any, roles: dict[str, str],
                 columns: dict[str, tuple[pa.ChunkedArray, np.ndarray]], skipped: dict[str, int]
                 ) -> None:
    """Check each column of a chunk, count the rows it skips, score the rest. A row with
    several problems counts once: a wrong value first, then a missing label, then empty text."""
    n = len(next(iter(columns.values()))[0]) if columns else 0
    found = {code: np.zeros(n, bool) for code in ("wrong_value_type", "missing_label", "empty_text")}
    numeric = {s["name"] for s in model.meta["state"].get("numeric", ())}
    types = model.meta.get("input_types") or {}
    clean: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name, role in roles.items():
        column, bad = columns[name]
        present = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), bool)
        found["wrong_value_type"] |= bad
        if role == "target" or (role == "feature" and name in numeric):
            values, wrong = _numbers(column, present, types.get(name))
            clean[name] = pa.array(values, pa.float64())
            if role == "target":
                found["missing_label"] |= np.isnan(values) & ~wrong
        elif role in ("feature", "label"):
            nested = pa.types.is_nested(column.type)
            wrong = present & nested
            if role == "label":
                found["missing_label"] |= ~present
            clean[name] = pa.nulls(n, pa.string()) if nested else column
        else:  # text, completion
            is_text = pa.types.is_string(column.type)
            wrong = present & (not is_text)
            if role == "completion":
                found["missing_label"] |= ~present
            found["empty_text"] |= np.asarray(
                pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)
                .to_numpy(zero_copy_only=False), bool) if is_text else ~present
            clean[name] = column if is_text else pa.nulls(n, pa.string())
        found["wrong_value_type"] |= wrong
    keep = np.ones(n, bool)
    for code, rows in found.items():
        skipped[code] += int((rows & keep).sum())
        keep &= ~rows
    if keep.any():
        table = pa.table(clean)
        scorer.add(table if keep.all() else table.filter(pa.array(keep)))


def _numbers(column: pa.ChunkedArray, present: np.ndarray, trained_as: str | None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The column as float64 (NaN where missing) and which present values are not numbers."""
    kind = column.type
    if pa.types.is_boolean(kind) and trained_as not in (None, "boolean"):
        return np.full(len(column), np.nan), present.copy()  # a boolean is not a number
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) \
            or pa.types.is_null(kind):
        values = pc.fill_null(pc.cast(column, pa.float64()), np.nan)
        return np.asarray(values.to_numpy(zero_copy_only=False), np.float64), np.zeros(len(column), bool)
    if pa.types.is_string(kind):
        parsed = pd.to_numeric(pd.Series(column.to_numpy(zero_copy_only=False)), errors="coerce")
        values = parsed.to_numpy(np.float64, na_value=np.nan)
        return values, present & np.isnan(values)
    return np.full(len(column), np.nan), present.copy()
