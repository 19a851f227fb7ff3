"""Checking a dataset against what a training task needs, row by row."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlab.datasets.rows import iter_tables
from trainlab.datasets.semantics import DECIMAL_PATTERN
from trainlab.datasets.tasks import task_spec
from trainlab.errors import DatasetError, dataset_error
from trainlab.i18n import localize_report

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

NUMERIC = ("integer", "number")
TEXTUAL = ("string", "text", "category")
CLASS_LABELS = ("string", "category", "boolean", "integer", "text")
MAX_ERRORS = 1000


def column_error(column: str, key: str, columns: list[str]) -> DatasetError:
    close = difflib.get_close_matches(str(column), columns, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return dataset_error("column_not_found", column=column, key=key, hint=hint,
                         columns=", ".join(columns))


def resolve_task(task: str, target_type: str | None, distinct: int) -> str:
    """``tabular`` becomes classification for a label-like target, else regression."""
    if task != "tabular":
        return task
    if target_type in ("string", "category", "boolean", "text"):
        return "tabular-classification"
    if target_type == "integer" and distinct <= 20:
        return "tabular-classification"
    return "tabular-regression"


def required_columns(task: str, columns: dict[str, Any]) -> dict[str, str]:
    """The mapping keys a task needs, checked for presence (not yet against the dataset)."""
    keys = task_spec(task).needed(columns)
    for key in keys:
        if not columns.get(key):
            raise dataset_error("missing_mapping", task=task, key=key)
    return {key: columns[key] for key in keys}


def check_dataset(ds: Dataset, task: str, columns: dict[str, Any]) -> dict[str, Any]:
    """What ``task`` needs of ``ds`` with this column mapping, as a report.

    A mapping that cannot work (unknown task, missing key, unknown column) raises
    :class:`~trainlab.errors.DatasetError`. Otherwise the report lists column problems
    (``line`` is ``None``) and row problems by line; ``ok`` is true only when there are none
    and the dataset itself has no invalid rows. ``task`` in the report is the resolved one
    (``tabular`` becomes classification or regression).
    """
    mapping = required_columns(task, columns)
    names = list(ds.schema)
    for key, column in mapping.items():
        if column not in ds.schema:
            raise column_error(column, key, names)
    features = columns.get("features") or []
    if isinstance(features, str):
        features = [features]
    for column in features:
        if column not in ds.schema:
            raise column_error(column, "features", names)
    profile = ds.profile()["fields"]
    target = mapping.get("target")
    resolved = resolve_task(task, ds.schema.get(target) if target else None,
                            profile[target]["distinct"] if target else 0)

    errors: list[dict[str, Any]] = []
    counts: dict[str, int] = {}

    def add(code: str, params: dict[str, Any], line: int | None = None,
            column: str | None = None) -> None:
        counts[code] = counts.get(code, 0) + 1
        if len(errors) < MAX_ERRORS:
            entry: dict[str, Any] = {"line": line, "code": code, "params": params}
            if column is not None:
                entry["column"] = column
            errors.append(entry)

    # column-level requirements
    needs: list[tuple[str, str, tuple[str, ...], str]] = []  # key, column, types, i18n term
    if resolved == "tabular-regression":
        needs.append(("target", target, NUMERIC, "numeric_column"))
    elif resolved == "tabular-classification":
        needs.append(("target", target, CLASS_LABELS + NUMERIC, "label_column"))
    elif resolved == "text-classification":
        needs.append(("text", mapping["text"], TEXTUAL, "text_column"))
        needs.append(("label", mapping["label"], CLASS_LABELS + NUMERIC, "label_column"))
    else:
        needs.extend((key, col, TEXTUAL, "text_column") for key, col in mapping.items())
    for key, column, types, wording in needs:
        kind = ds.schema[column]
        if kind not in types:
            add("wrong_column_type", {"column": column, "type": kind, "task": resolved,
                                      "expected": wording, "key": key}, column=column)
    label = mapping.get("label") or (target if resolved == "tabular-classification" else None)
    if label is not None:
        distinct = profile[label]["distinct"]
        if distinct < 2:
            add("too_few_classes", {"column": label, "count": distinct}, column=label)

    # row-level requirements
    required = list(dict.fromkeys(mapping.values()))
    texts = [c for k, c in mapping.items() if k in ("text", "prompt", "completion")]
    numeric_target = target if resolved == "tabular-regression" else None
    bad_rows = 0
    if not any(e["code"] == "wrong_column_type" for e in errors):
        for table, lines in iter_tables(ds):
            bad = np.zeros(table.num_rows, bool)
            for column in required:
                values = table.column(column)
                missing = np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), bool)
                for i in np.flatnonzero(missing & ~bad).tolist():
                    add("missing_value", {"column": column, "task": resolved}, int(lines[i]), column)
                bad |= missing
                if column in texts and pa.types.is_string(values.type):
                    empty = np.asarray(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""),
                                                    False).to_numpy(zero_copy_only=False), bool)
                    for i in np.flatnonzero(empty & ~bad).tolist():
                        add("empty_text", {"column": column}, int(lines[i]), column)
                    bad |= empty
                if column == numeric_target and pa.types.is_string(values.type):
                    numeric = pc.fill_null(pc.match_substring_regex(values, DECIMAL_PATTERN), True)
                    wrong = ~np.asarray(numeric.to_numpy(zero_copy_only=False), bool)
                    for i in np.flatnonzero(wrong & ~bad).tolist():
                        add("not_numeric", {"column": column, "task": resolved,
                                            "value": repr(values[i].as_py())}, int(lines[i]), column)
                    bad |= wrong
            bad_rows += int(bad.sum())
    errors.sort(key=lambda e: (e["line"] is not None, e["line"] or 0))
    dataset_invalid = ds._summary.get("rows_invalid", 0)
    report = {
        "ok": not errors and dataset_invalid == 0,
        "task": resolved,
        "columns": {**mapping, **({"features": features} if features else {})},
        "rows_total": ds._summary.get("rows_total", ds.rows),
        "rows_valid": ds.rows - bad_rows,
        "rows_invalid": dataset_invalid + bad_rows,
        "dataset_rows_invalid": dataset_invalid,
        "errors": errors,
        "errors_truncated": sum(counts.values()) > len(errors),
        "error_counts": counts,
        "warnings": [],
    }
    return localize_report(report)
