"""The trained model as one self-contained folder: ``model.safetensors`` + ``model.json``.

``model.json`` holds the task, the architecture and the preprocessing state (standardisation,
category and label maps, tokenizer), so :func:`load_model` rebuilds the model and predicts on
plain records without unpickling anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import safetensors.torch
import torch
from torch import nn

from trainlab.errors import NotFoundError, TrainlabError, dataset_error
from trainlab.training import tokenizer
from trainlab.training.devices import printable
from trainlab.training.models import build
from trainlab.training.tasks import Task, batches, get_task
from trainlab.workspace.files import write_json

FORMAT_VERSION = 1


def save_model(directory: Path, model: nn.Module, meta: dict[str, Any], tmp_dir: Path) -> Path:
    """Weights first, then the JSON that makes the folder a model (readers look for it)."""
    tmp = tmp_dir / f".model-{os.getpid()}-{id(model)}.safetensors.part"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        own = getattr(_unwrap(model), "save_artifact", None)  # a pretrained model's own layout
        if own is not None:
            own(directory, tmp_dir)
        else:
            safetensors.torch.save_model(_unwrap(model), str(tmp))  # shared (tied) weights once
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, directory / "model.safetensors")
        write_json(directory / "model.json", tmp_dir, {"format_version": FORMAT_VERSION, **meta})
    except (OSError, safetensors.SafetensorError) as exc:  # safetensors' I/O errors are its own
        from trainlab.training.checkpoint import write_failed

        raise write_failed(directory, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return directory


def _unwrap(model: nn.Module) -> nn.Module:
    model = getattr(model, "_orig_mod", model)  # torch.compile
    return getattr(model, "module", model)      # DDP


def resolve_model_dir(source: Any, workspace: Any = None) -> Path:
    """A model folder from a folder, its model.json / model.safetensors, a job id or a result."""
    if hasattr(source, "model_path"):
        source = source.model_path
    if source is None:
        raise NotFoundError("model_not_found", path="None")
    text = os.fspath(source)
    path = Path(text).expanduser()
    if not path.exists() and text.startswith("job_"):
        from trainlab.workspace import Workspace

        ws = workspace if workspace is not None else Workspace()
        path = ws.jobs_dir / text / "model"
    if path.is_file():
        path = path.parent
    if not (path / "model.json").is_file():
        raise NotFoundError("model_not_found", path=str(path))
    return path


def load_model(source: Any, *, model: nn.Module | None = None, device: str = "cpu",
               workspace: Any = None) -> TrainedModel | nn.Module:
    """Load a trained model: a model folder, its files, a job id, or a ``TrainResult``.

    Built-in tasks give a :class:`TrainedModel` (``predict``, ``predict_proba``, ``generate``).
    A custom model is loaded into the module you pass: ``load_model(path, model=MyNet())``.
    """
    directory = resolve_model_dir(source, workspace)
    try:
        meta = json.loads((directory / "model.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainlabError("bad_model_file", path=str(directory), detail=str(exc)) from exc
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise TrainlabError("bad_model_file", path=str(directory),
                            detail=f"format {meta['format_version']} is newer than this trainlab")
    if meta.get("model_kind") == "hf":  # fine-tuned from a pretrained Hugging Face model
        from trainlab.training.hf.artifact import load_pretrained

        module, task = load_pretrained(meta, directory, device)
        return TrainedModel(meta, module, directory, task=task)
    weights = directory / "model.safetensors"
    if meta["task"] == "custom":
        if model is None:
            raise TrainlabError("custom_model_needed", path=str(directory))
        _load_weights(model, weights)
        return model.eval()
    module = build(meta["model_kind"], meta["arch"])
    _load_weights(module, weights)
    return TrainedModel(meta, module.to(device).eval(), directory)


def _load_weights(model: nn.Module, path: Path) -> None:
    missing, unexpected = safetensors.torch.load_model(_unwrap(model), path, strict=False,
                                                       device="cpu")
    if missing or unexpected:
        raise TrainlabError("bad_model_file", path=str(path),
                            detail=f"weights do not fit the model (missing {missing[:3]}, "
                            f"unexpected {unexpected[:3]})")


def _check_fields(index: int, fields: list[str], columns: list[str], known: set[str]) -> None:
    missing = [c for c in columns if c not in fields]
    if missing:
        raise TrainlabError("missing_features", index=index, fields=", ".join(missing),
                            expected=", ".join(columns), status=422)
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise TrainlabError("unknown_fields", index=index, fields=printable(", ".join(unknown[:20])),
                            expected=", ".join(columns), status=422)


_EXPECTED = {"number": "a_number", "boolean": "a_boolean", "category": "text_or_number",
             "text": "a_text"}


def _checked(values: pd.Series, name: str, kind: str, trained_as: str | None) -> pa.Array:
    """One input column as Arrow, each value checked against what the model learnt."""
    if kind == "number" and pd.api.types.is_numeric_dtype(values.dtype) \
            and not pd.api.types.is_bool_dtype(values.dtype):
        return pa.array(values.to_numpy(np.float64, na_value=np.nan), pa.float64())
    out: list[Any] = []
    for i, value in enumerate(values.tolist()):
        try:
            out.append(_value(value, kind, trained_as))
        except (TypeError, ValueError, OverflowError):
            raise TrainlabError("wrong_value_type", index=i, field=name, value=_short(value),
                                expected=_EXPECTED[kind], status=422) from None
    types = {"number": pa.float64(), "boolean": pa.bool_()}
    return pa.array(out, types.get(kind, pa.string()))


def _value(value: Any, kind: str, trained_as: str | None) -> Any:
    """The value as the model takes it; TypeError or ValueError when it is not one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    is_bool = isinstance(value, bool | np.bool_)
    if kind == "boolean":
        if not is_bool:
            raise TypeError(kind)
        return bool(value)
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError(kind)
        return value
    if is_bool and (kind == "category" or trained_as not in (None, "boolean")):
        raise TypeError(kind)  # a boolean is not a number (older models took it as 0/1)
    if isinstance(value, str):
        if kind == "category":
            return value
        if trained_as in ("number", "integer"):
            raise TypeError(kind)  # trained on numbers; only a model learnt from text parses
        return float(value.strip())
    if not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(kind)
    if kind == "number":
        return float(value)  # OverflowError for an int beyond any float
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(int(value)) if float(value).is_integer() else str(value)  # 3.0 is category 3


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class TrainedModel:
    """A loaded model that predicts on plain records (dicts, a DataFrame, or texts)."""

    def __init__(self, meta: dict[str, Any], module: nn.Module, directory: Path, *,
                 task: Task | None = None) -> None:
        self.meta, self.module, self.path = meta, module, directory
        self.task_name: str = meta["task"]
        self.task: Task = task if task is not None else get_task(self.task_name)
        self.task.state = meta["state"]
        self.metrics: dict[str, Any] = meta.get("metrics") or {}
        self.device = next(module.parameters()).device

    @property
    def labels(self) -> list[Any] | None:
        labels = self.meta["state"].get("labels")
        return list(labels["values"]) if labels else None

    def _table(self, records: Any) -> tuple[pa.Table, Any]:
        """The records as a table of the model's inputs, each record checked on its own."""
        state_columns = self.meta["state"]["columns"]
        columns = self.task.input_columns(state_columns)
        known = {*columns, *(v for v in state_columns.values() if isinstance(v, str))}
        index = None
        if isinstance(records, pd.DataFrame):
            index = records.index
            frame = records
            _check_fields(0, [str(c) for c in frame.columns], columns, known)
        else:
            if isinstance(records, str | dict):
                records = [records]
            rows = [r if isinstance(r, dict) else {columns[0]: r} for r in records]
            for i, row in enumerate(rows):
                _check_fields(i, [str(k) for k in row], columns, known)
            frame = pd.DataFrame(rows, columns=columns)
        types = self.meta.get("input_types") or {}
        numeric = {s["name"] for s in self.meta["state"].get("numeric", ())}
        arrays = {}
        for name in columns:
            kind = "text" if self.task_name == "text-classification" else \
                ("boolean" if types.get(name) == "boolean" else "number") if name in numeric else \
                "category"
            arrays[name] = _checked(frame[name], name, kind, types.get(name))
        return pa.table(arrays) if arrays else pa.table({"_": pa.nulls(len(frame))}), index

    @torch.no_grad()
    def _outputs(self, records: Any) -> tuple[torch.Tensor, Any, bool]:
        if self.task_name == "causal-lm":
            raise TrainlabError("wrong_model_kind", task=self.task_name, method="predict",
                                needed="classification or regression")
        single = isinstance(records, str | dict)
        if records is None or not isinstance(records, pd.DataFrame | Iterable):
            raise TrainlabError("bad_records", got=type(records).__name__, status=422)
        table, index = self._table(records)
        if table.num_rows == 0:  # no rows: an empty result of the usual type
            labels = self.meta["state"].get("labels")
            return torch.zeros((0, len(labels["values"]) if labels else 1)), index, single
        for name in self.task.input_columns(self.meta["state"]["columns"]):
            if self.task_name == "text-classification" and table.column(name).null_count:
                bad = int(np.flatnonzero(table.column(name).is_null().to_numpy(zero_copy_only=False))[0])
                raise dataset_error("bad_record", index=bad, field=name, detail="the text is missing")
        data = self.task.encode(table, self.meta["state"], targets=False)
        outs = [self.task.outputs(self.module, {k: v.to(self.device) for k, v in b.items()}).float()
                for b in batches(data, 1024)]
        return torch.cat(outs).cpu(), index, single

    def predict(self, records: Any) -> Any:
        """Labels (classification) or numbers (regression), one per record.

        A dict or a text gives one value; a list gives a list; a DataFrame gives a Series
        with the frame's index. No records (``[]``, an empty frame) give an empty result of
        the same type; ``None`` is ``bad_records`` (422).

        Each record is checked on its own (never against the others in the batch): it must
        have every input field (tabular: every feature; a missing value is ``None``), else
        ``missing_features``; a field the model does not know is ``unknown_fields`` (the
        target or label column is allowed and ignored); a value of the wrong type is
        ``wrong_value_type`` (a boolean is not a number, unless the feature was boolean).
        All are :class:`~trainlab.errors.TrainlabError` with status 422.
        """
        out, index, single = self._outputs(records)
        if "labels" in self.meta["state"]:
            values = self.meta["state"]["labels"]["values"]
            result = [values[i] for i in out.argmax(1).tolist()]
        else:
            target = self.meta["state"]["target"]
            result = (out.squeeze(1).double() * target["std"] + target["mean"]).tolist()
        if index is not None:
            return pd.Series(result, index=index, name="prediction")
        return result[0] if single else result

    def predict_proba(self, records: Any) -> pd.DataFrame:
        """Class probabilities, one column per label (classification models)."""
        if "labels" not in self.meta["state"]:
            raise TrainlabError("wrong_model_kind", task=self.task_name, method="predict_proba",
                                needed="classification")
        out, index, _ = self._outputs(records)
        probs = torch.softmax(out, dim=1).numpy()
        return pd.DataFrame(probs, columns=self.meta["state"]["labels"]["values"], index=index)

    def evaluate(self, data: Any, *, workspace: Any = None) -> Any:
        """Score the model on held-out ``data`` with its training preprocessing.

        ``data``: a Dataset, a dataset id, a file path (added to the workspace, as ``fit``
        does; by default the workspace the model was trained in) or a DataFrame (pandas, a
        pyarrow Table or polars; scored as it is, not stored). Returns an
        :class:`~trainlab.training.evaluation.Evaluation`: classification gives accuracy,
        macro_f1, log_loss and a confusion matrix; regression rmse, mae, r2 and residual
        quantiles; causal-lm loss, perplexity and bits_per_byte. Rows the model cannot score
        are counted in ``rows_skipped`` by reason (invalid_row, missing_label,
        wrong_value_type, empty_text); a label the model never saw counts as a wrong
        prediction, and is left out of log_loss. A column the model needs that is missing
        altogether is ``eval_missing_columns`` (422).
        """
        from trainlab.training.evaluation import evaluate

        return evaluate(self, data, workspace)

    def plot_confusion(self, data: Any, *, workspace: Any = None) -> Any:
        """The confusion matrix of :meth:`evaluate` on ``data`` as a matplotlib Figure
        (classification models)."""
        if "labels" not in self.meta["state"]:
            raise TrainlabError("wrong_model_kind", task=self.task_name, method="plot_confusion",
                                needed="classification")
        return self.evaluate(data, workspace=workspace).plot_confusion()

    @torch.no_grad()
    def generate(self, prompt: str = "", max_new_tokens: int = 200, *, temperature: float = 0.8,
                 top_k: int | None = 50, seed: int | None = None) -> str:
        """Continue ``prompt`` (causal-lm models); stops at the end-of-text token.
        ``prompt`` must be a str and ``max_new_tokens`` at least 1, else a 422 error
        (``bad_prompt``, ``bad_max_new_tokens``)."""
        if self.task_name != "causal-lm":
            raise TrainlabError("wrong_model_kind", task=self.task_name, method="generate",
                                needed="causal-lm")
        if not isinstance(prompt, str):
            raise TrainlabError("bad_prompt", got=type(prompt).__name__, status=422)
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
                or max_new_tokens < 1:
            raise TrainlabError("bad_max_new_tokens", value=repr(max_new_tokens), status=422)
        own = getattr(self.module, "generate_text", None)  # a pretrained model: HF generate
        if own is not None:
            return own(prompt, max_new_tokens, temperature=temperature, top_k=top_k, seed=seed,
                       chat_template=bool(self.meta["state"].get("chat_template")))
        gen = torch.Generator(device=self.device)
        gen.manual_seed(seed if seed is not None else torch.seed())
        ids = [tokenizer.BOS, *tokenizer.encode(prompt)]
        if "prompt" in self.meta["state"]["columns"]:
            ids.append(tokenizer.SEP)
        context = self.meta["arch"]["context"]
        tokens = torch.tensor([ids], device=self.device)
        new: list[int] = []
        for _ in range(max_new_tokens):
            logits = self.module(tokens[:, -context:])[0, -1].float()
            logits[tokenizer.PAD] = float("-inf")
            logits[tokenizer.BOS] = float("-inf")
            if temperature <= 0:
                token = int(logits.argmax())
            else:
                logits = logits / temperature
                if top_k:
                    kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
                    logits[logits < kth] = float("-inf")
                token = int(torch.multinomial(torch.softmax(logits, 0), 1, generator=gen))
            if token == tokenizer.EOS:
                break
            new.append(token)
            tokens = torch.cat([tokens, torch.tensor([[token]], device=self.device)], dim=1)
        return tokenizer.decode(new)

    def __repr__(self) -> str:
        """``TrainedModel('tabular-classification', job_…, 4 inputs, 2 labels, accuracy=0.93)``."""
        from trainlab.training.show import model_repr

        return model_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's card: task, inputs and their types, labels or target, size, metrics."""
        from trainlab.training.show import model_html

        return model_html(self)
