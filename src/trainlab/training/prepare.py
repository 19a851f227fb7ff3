"""From a dataset and a column mapping to training and validation tensors, once.

The mapping is checked with ``ds.check`` first (the same clear errors as the dataset layer),
the needed columns are read block by block into one Arrow table, split (seeded, stratified
for classification), and encoded by the task. The tensors and the preprocessing state are
cached beside the dataset, keyed by its sha256 and everything that shapes them, so a second
run on the same data starts training at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import safetensors.torch
import torch

from trainlab.datasets.block import ARROW_REFUSED
from trainlab.datasets.dataset import Dataset
from trainlab.datasets.rows import iter_tables
from trainlab.errors import dataset_error
from trainlab.i18n import localize_report
from trainlab.training.config import TrainConfig
from trainlab.training.tasks import Task, Tensors, split_indices
from trainlab.workspace.files import fsync_dir, read_json, write_json

CACHE_VERSION = 3  # 3: tabular numbers are smoothly clipped
MIN_ROWS = 4
_ARROW_TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                "string": pa.string(), "category": pa.string(), "text": pa.string()}


@dataclass
class Prepared:
    train: Tensors
    val: Tensors
    state: dict[str, Any]
    cached: bool = False

    @property
    def n_train(self) -> int:
        return len(next(iter(self.train.values())))

    @property
    def n_val(self) -> int:
        return len(next(iter(self.val.values())))


def check_report(ds: Dataset, task: str, columns: dict[str, Any]) -> dict[str, Any]:
    """``ds.check(task, columns)``, remembered beside the dataset: a stored dataset never
    changes, so the second run (or the worker of a job checked at submit) skips the pass."""
    def where(name: str) -> Path:
        key = hashlib.sha256(json.dumps({"v": CACHE_VERSION, "task": name, "columns": columns},
                                        sort_keys=True).encode()).hexdigest()[:24]
        return ds.directory / "cache" / f"check-{key}.json"

    try:
        return localize_report(read_json(where(task)))
    except (OSError, ValueError):
        pass
    report = ds.check(task, columns)
    try:  # also under the resolved task ("tabular" -> "tabular-classification"): same report
        where(task).parent.mkdir(exist_ok=True)
        for name in dict.fromkeys([task, report["task"]]):
            write_json(where(name), ds.workspace.tmp_dir, report)
    except OSError:
        pass  # best effort: the check runs again next time
    return report


def checked(ds: Dataset, task: str, columns: dict[str, Any], skip_invalid: bool) -> dict[str, Any]:
    """``ds.check`` turned into errors: a column that cannot work always stops; bad rows stop
    unless ``skip_invalid``."""
    report = check_report(ds, task, columns)
    column_errors = [e for e in report["errors"] if e["line"] is None]
    if column_errors:
        raise dataset_error("not_trainable", name=ds.name, task=report["task"],
                            detail=column_errors[0]["message"])
    if report["rows_invalid"] and not skip_invalid:
        first = report["errors"][0] if report["errors"] else (ds.report["errors"] or [{}])[0]
        raise dataset_error("invalid_rows", name=ds.name, task=report["task"],
                            count=report["rows_invalid"],
                            first=first.get("message", "see ds.report"), valid=report["rows_valid"])
    return report


def read_table(ds: Dataset, names: list[str]) -> pa.Table:
    """The valid rows' ``names`` columns as one table, each column cast to its schema type."""
    pieces = []
    for table, _lines in iter_tables(ds):
        columns = {}
        for name in names:
            column = table.column(name) if name in table.column_names else pa.nulls(table.num_rows)
            wanted = _ARROW_TYPES.get(ds.schema.get(name, ""))
            if wanted is not None and column.type != wanted:
                try:
                    column = pc.cast(column, wanted)
                except ARROW_REFUSED:
                    column = pc.cast(column, pa.string()) if not pa.types.is_nested(column.type) \
                        else column
            columns[name] = column
        pieces.append(pa.table(columns))
    if not pieces:
        return pa.table({name: pa.array([], pa.string()) for name in names})
    try:
        return pa.concat_tables(pieces, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise dataset_error("not_trainable", name=ds.name, task="training",
                            detail=f"a column changes type between rows ({exc})") from exc


def usable(table: pa.Table, required: list[str], texts: list[str], numeric: list[str]) -> pa.Table:
    """Rows with every required value present, texts non-empty and numeric targets numbers."""
    keep = np.ones(table.num_rows, bool)
    for name in required:
        column = table.column(name)
        keep &= np.asarray(column.is_valid().to_numpy(zero_copy_only=False), bool)
        if name in texts and pa.types.is_string(column.type):
            empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)
            keep &= ~np.asarray(empty.to_numpy(zero_copy_only=False), bool)
        if name in numeric and not (pa.types.is_floating(column.type)
                                    or pa.types.is_integer(column.type)):
            parsed = pd.to_numeric(pd.Series(column.to_numpy(zero_copy_only=False)), errors="coerce")
            keep &= parsed.notna().to_numpy()
    return table.filter(pa.array(keep)) if not keep.all() else table


def cache_key(ds: Dataset, task: Task, columns: dict[str, Any], config: TrainConfig,
              validation: Dataset | None) -> str:
    shape = {"v": CACHE_VERSION, "sha256": ds.sha256, "task": task.name, "columns": columns,
             "val_fraction": config.val_fraction, "seed": config.seed,
             "max_length": config.max_length, "context": config.arch.get("context"),
             "skip_invalid": config.skip_invalid,
             "validation": validation.sha256 if validation is not None else None}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:24]


def prepare(ds: Dataset, task: Task, columns: dict[str, Any], config: TrainConfig, *,
            validation: Dataset | None = None, use_cache: bool = True) -> Prepared:
    key = cache_key(ds, task, columns, config, validation)
    cache_dir = ds.directory / "cache"
    tensors_path, state_path = cache_dir / f"{key}.safetensors", cache_dir / f"{key}.json"
    if use_cache and tensors_path.is_file() and state_path.is_file():
        try:
            state = read_json(state_path)
            flat = safetensors.torch.load_file(tensors_path)
            return Prepared(_unflatten(flat, "train"), _unflatten(flat, "val"), state, cached=True)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    required = [c for k, c in columns.items() if k != "features"]
    names = list(dict.fromkeys([*required, *columns.get("features", [])]))
    texts = [columns[k] for k in ("text", "prompt", "completion") if k in columns]
    numeric = [columns["target"]] if task.name == "tabular-regression" else []
    table = usable(read_table(ds, names), required, texts, numeric)
    if validation is not None:
        val_table = usable(read_table(validation, names), required, texts, numeric)
        train_table = table
    else:
        if table.num_rows < MIN_ROWS:
            raise dataset_error("too_few_rows", name=ds.name, rows=table.num_rows, task=task.name,
                                needed=MIN_ROWS)
        groups = task.stratify(table, columns)
        train_idx, val_idx = split_indices(table.num_rows, config.val_fraction, config.seed,
                                           groups)
        if len(val_idx) == 0 and groups is not None:  # every class has a single row
            raise dataset_error("val_no_repeated_class", name=ds.name, rows=table.num_rows,
                                column=columns.get("label") or columns.get("target"),
                                classes=len(np.unique(groups)))
        train_table, val_table = table.take(train_idx), table.take(val_idx)
    state = task.fit_state(train_table, columns, config)
    if val_table.num_rows == 0 or train_table.num_rows == 0:
        raise dataset_error("too_few_rows", name=ds.name, rows=table.num_rows, task=task.name,
                            needed=MIN_ROWS)
    prepared = Prepared(task.encode(train_table, state), task.encode(val_table, state), state)
    if use_cache:
        _write_cache(prepared, tensors_path, state_path, ds)
    return prepared


def _write_cache(prepared: Prepared, tensors_path: Any, state_path: Any, ds: Dataset) -> None:
    """Best effort: a cache that cannot be written only costs the next run its head start."""
    tmp_dir = ds.workspace.tmp_dir
    flat = {f"train.{k}": v.contiguous() for k, v in prepared.train.items()}
    flat.update({f"val.{k}": v.contiguous() for k, v in prepared.val.items()})
    tmp = tmp_dir / f".{tensors_path.name}.{os.getpid()}.part"
    try:
        tensors_path.parent.mkdir(exist_ok=True)
        safetensors.torch.save_file(flat, str(tmp))
        os.replace(tmp, tensors_path)
        fsync_dir(tensors_path.parent)
        write_json(state_path, tmp_dir, prepared.state)
    except OSError:
        tmp.unlink(missing_ok=True)


def _unflatten(flat: dict[str, torch.Tensor], prefix: str) -> Tensors:
    return {k.split(".", 1)[1]: v for k, v in flat.items() if k.startswith(prefix + ".")}
