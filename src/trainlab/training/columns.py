"""Default task and column mapping, inferred from a dataset's schema and profile."""

from __future__ import annotations

from typing import Any

from trainlab.datasets.dataset import Dataset
from trainlab.datasets.frames import index_columns
from trainlab.errors import TrainlabError, dataset_error
from trainlab.training.tasks.tabular import default_features

LABEL_NAMES = ("label", "labels", "target", "y", "class", "category", "sentiment", "outcome")
TEXT_TYPES = ("text", "string", "category")


def _label_column(ds: Dataset, exclude: str | None = None) -> str | None:
    index = index_columns(ds)  # a frame's index names rows; it is not what to predict
    by_lower = {name.lower(): name for name in ds.schema if name != exclude and name not in index}
    for wanted in LABEL_NAMES:
        if wanted in by_lower:
            return by_lower[wanted]
    return None


def _text_column(ds: Dataset, exclude: str | None = None) -> str | None:
    """The column with the longest texts on average."""
    fields = ds.profile()["fields"]
    best, best_len = None, 0.0
    index = index_columns(ds)
    for name, kind in ds.schema.items():
        if name == exclude or kind not in TEXT_TYPES or name in index:
            continue
        mean = (fields.get(name, {}).get("length") or {}).get("mean", 0.0)
        if mean > best_len:
            best, best_len = name, mean
    return best


def _free_text(ds: Dataset, name: str) -> bool:
    """Sentences rather than codes: the ``text`` type, or long strings that rarely repeat."""
    if ds.schema[name] == "text":
        return True
    info = ds.profile()["fields"].get(name, {})
    mean = (info.get("length") or {}).get("mean", 0.0)
    return mean >= 12 and info.get("distinct", 0) >= 0.3 * max(ds.rows, 1)


ID_NAMES = ("id", "idx", "index", "key", "uuid", "guid", "row", "row_id")


def _is_id(ds: Dataset, name: str) -> bool:
    """An identifier rather than a feature: named like one, or whole numbers / codes that are
    all different (a row number, a uuid)."""
    lower = name.lower()
    if lower in ID_NAMES or lower.endswith(("_id", "_uuid", "_key")):
        return True
    if ds.schema.get(name) not in ("integer", "string"):
        return False
    distinct = ds.profile()["fields"].get(name, {}).get("distinct", 0)
    return ds.rows > 1 and distinct >= ds.rows


def essentially_text(ds: Dataset, label: str, text: str) -> bool:
    """Text classification fits a table only when it is free text and a label: every other
    column is an identifier (or the frame's index). Other columns (numbers, categories, dates)
    are features a tabular model uses, with the text among them (issue 18, item 7)."""
    index = index_columns(ds)
    others = [c for c in ds.schema if c not in (label, text) and c not in index]
    return all(_is_id(ds, c) for c in others)


def with_shortcuts(ds: Dataset, task: str | None, columns: dict[str, Any],
                   shortcuts: dict[str, str | None]) -> dict[str, Any]:
    """``columns`` with the ``label=``/``target=``/``text=``/``prompt=``/``completion=``
    keywords of ``trainlab.fit`` added under their roles.

    ``label`` and ``target`` name the column to predict: the ``label`` role of text
    classification, the ``target`` of a tabular task. With no ``task``, ``target`` is always
    the tabular target; ``label`` is the text-classification label only when the table is
    essentially text and that label (as :func:`infer` decides: a free-text column, every other
    column an identifier) or ``text=`` names the text, and the label is not a float; else the
    tabular target. ``label`` and ``target`` naming different columns, or a keyword naming
    another column than ``columns`` does for that role (or for the other name of the column
    to predict), is an error."""
    given = {k: v for k, v in shortcuts.items() if v is not None}
    if not given:
        return columns
    merged = dict(columns)
    predicted = {k: given.pop(k) for k in ("label", "target") if k in given}
    if len(set(predicted.values())) > 1:
        raise TrainlabError("shortcut_two_columns", label=predicted["label"],
                            target=predicted["target"])
    if predicted:
        key, column = next(iter(predicted.items()))
        if task is not None:
            role = "label" if task == "text-classification" else \
                "target" if task.startswith("tabular") else key
        elif key == "target" or ds.schema.get(column) == "number":
            role = "target"  # a float to predict is regression, never hundreds of classes
        else:
            named = given.get("text") or columns.get("text")  # text= asks for text outright
            text = named or _text_column(ds, exclude=column)
            role = "label" if text is not None and text in ds.schema and _free_text(ds, text) \
                and (named or essentially_text(ds, column, text)) else "target"
        for other in ("label", "target"):
            if columns.get(other) not in (None, column):
                raise TrainlabError("shortcut_conflict", key=key, value=column, role=other,
                                    given=columns[other])
        merged.pop("label" if role == "target" else "target", None)
        merged[role] = column
    for key, column in given.items():
        if columns.get(key) not in (None, column):
            raise TrainlabError("shortcut_conflict", key=key, value=column, role=key,
                                given=columns[key])
        merged[key] = column
    return merged


def infer(ds: Dataset, task: str | None, columns: dict[str, Any] | None,
          shortcuts: dict[str, str | None] | None = None) -> tuple[str, dict[str, Any]]:
    """Fill in the task and the mapping keys the user left out; say clearly when we cannot.
    ``shortcuts``: the keywords of ``trainlab.fit`` (see :func:`with_shortcuts`)."""
    columns = with_shortcuts(ds, task, dict(columns or {}), shortcuts or {})
    if isinstance(columns.get("features"), str):
        columns["features"] = [columns["features"]]
    if task is None:
        if "target" in columns:
            task = "tabular"
        elif "label" in columns:
            task = "text-classification"
        elif "prompt" in columns or "completion" in columns:
            task = "causal-lm"
        else:
            label = _label_column(ds)
            text = _text_column(ds, exclude=label)
            text_is_long = text is not None and _free_text(ds, text)
            if label and text_is_long and essentially_text(ds, label, text):
                task = "text-classification"
            elif label:
                task = "tabular"
            elif text is not None and "text" in columns:
                task = "causal-lm"
            elif text_is_long and essentially_text(ds, text, text):
                task = "causal-lm"  # documents, nothing else: a language model of them
            else:  # a table with no column named like a label: ask which to predict
                raise dataset_error("no_columns", key="target", task="training", name=ds.name,
                                    columns=", ".join(ds.schema))

    def need(key: str, value: str | None) -> str:
        if value is None:
            raise dataset_error("no_columns", key=key, task=task, name=ds.name,
                                columns=", ".join(ds.schema))
        return value

    if task.startswith("tabular"):
        columns["target"] = columns.get("target") or need("target", _label_column(ds))
        if not columns.get("features") and columns["target"] in ds.schema:
            index = index_columns(ds)  # a frame's index is an identifier, not a feature
            columns["features"] = [c for c in default_features(ds.schema, columns["target"])
                                   if c not in index]
    elif task == "text-classification":
        label = columns.get("label") or need("label", _label_column(ds, exclude=columns.get("text")))
        columns["label"] = label
        columns["text"] = columns.get("text") or need("text", _text_column(ds, exclude=label))
    elif task == "causal-lm" and not ("prompt" in columns or "completion" in columns):
        columns["text"] = columns.get("text") or need("text", _text_column(ds))
    return task, columns
