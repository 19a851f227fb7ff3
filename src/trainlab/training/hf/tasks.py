"""The two text tasks on a pretrained model: the same :class:`Task` interface as the byte-level
ones (so predictions and ``evaluate`` go through the same code), with the model's tokenizer."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.training import metrics
from trainlab.training.config import TrainConfig
from trainlab.training.devices import autocast
from trainlab.training.hf import data
from trainlab.training.tasks.base import Task, Tensors
from trainlab.training.tasks.labels import keys

TOKENS_PER_FORWARD = 16384  # predictions and evaluate: rows per forward so logits stay small


def _pieces(batch: Tensors) -> list[Tensors]:
    """A large padded batch (``encode`` of many rows) as forwards of at most
    :data:`TOKENS_PER_FORWARD` tokens, each cut to its own longest row."""
    rows, width = batch["input_ids"].shape
    per = max(1, TOKENS_PER_FORWARD // max(width, 1))
    if rows <= per:
        return [batch]
    out = []
    for start in range(0, rows, per):
        part = {k: v[start: start + per] for k, v in batch.items()}
        longest = int(part["attention_mask"].sum(1).max())
        out.append({k: v[:, :max(longest, 1)] if v.dim() == 2 else v for k, v in part.items()})
    return out


class _Pretrained(Task):
    """Shared by both: ``tokenizer`` is set before ``encode`` is used."""

    model_kind = "hf"
    tokenizer: Any = None
    state: dict[str, Any]

    def fit_state(self, table: pa.Table, columns: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        return data.fit_state(table, self.name, columns, config, self.tokenizer, None)

    def encode(self, table: pa.Table, state: dict[str, Any], *, targets: bool = True) -> Tensors:
        """Padded tensors for ``table`` (predictions and ``evaluate``), in the table's row order."""
        rows = data.tokenize(table, self.name, state, self.tokenizer, targets=targets)
        batch = data.collate(rows, np.arange(len(rows)), self.name, data.pad_id(self.tokenizer))
        batch.pop("tokens")
        return batch

    def arch(self, state: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        return {}

    def tokens(self, batch: Tensors) -> int:
        return int(batch["tokens"])  # type: ignore[call-overload]

    @torch.no_grad()
    def evaluate(self, model: nn.Module, val: Any, device: torch.device, precision: str,
                 batch_size: int) -> dict[str, float]:
        """Validation metrics over the validation batches (longest first, padded per batch)."""
        outputs, targets = [], []
        for batch in val.epoch(0):
            with autocast(device, precision):
                outputs.append(self.outputs(model, batch).float())
            if "y" in batch:
                targets.append(batch["y"])
        return self.metrics(torch.cat(outputs), {"y": torch.cat(targets)} if targets else {},
                            self.state)


class PretrainedClassification(_Pretrained):
    name: ClassVar[str] = "text-classification"
    main_metric = "accuracy"
    reports: ClassVar[dict[str, str]] = {"loss": "minimize", "accuracy": "maximize",
                                         "macro_f1": "maximize"}
    mode = "max"

    def input_columns(self, columns: dict[str, Any]) -> list[str]:
        return [columns["text"]]

    def stratify(self, table: pa.Table, columns: dict[str, Any]) -> np.ndarray | None:
        return keys(table.column(columns["label"])).astype(str)

    def outputs(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        return torch.cat([model(p["input_ids"], p["attention_mask"]) for p in _pieces(batch)])

    def loss(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        logits = model(batch["input_ids"], batch["attention_mask"])
        return F.cross_entropy(logits.float(), batch["y"], ignore_index=-1)

    def metrics(self, outputs: torch.Tensor, data: Tensors, state: dict[str, Any]) -> dict[str, float]:
        return metrics.labelled(outputs, data["y"].to(outputs.device), len(state["labels"]["keys"]))


class PretrainedCausalLM(_Pretrained):
    """Next-token prediction; ``labels`` is -100 on padding and on a prompt (only the completion
    and its end-of-text token count)."""

    name: ClassVar[str] = "causal-lm"
    main_metric = "loss"
    reports: ClassVar[dict[str, str]] = {"loss": "minimize", "perplexity": "minimize"}
    mode = "min"

    def input_columns(self, columns: dict[str, Any]) -> list[str]:
        return [columns["prompt"]] if "prompt" in columns else [columns["text"]]

    def loss(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        logits = model(batch["input_ids"], batch["attention_mask"])[:, :-1]
        target = batch["labels"][:, 1:]
        losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1),
                                 ignore_index=-100, reduction="sum")
        return losses / (target != -100).sum().clamp(min=1)

    def outputs(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        """Summed loss and counted tokens per row (the metrics need exact per-token means)."""
        return torch.cat([self._row_losses(model, p) for p in _pieces(batch)])

    def _row_losses(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        logits = model(batch["input_ids"], batch["attention_mask"])[:, :-1].float()
        target = batch["labels"][:, 1:]
        counted = target != -100
        losses = F.cross_entropy(logits.transpose(1, 2), target.clamp(min=0), reduction="none")
        return torch.stack([(losses * counted).sum(1), counted.sum(1).float()], dim=1)

    def metrics(self, outputs: torch.Tensor, data: Tensors, state: dict[str, Any]) -> dict[str, float]:
        total, count = outputs.double().sum(0).tolist()
        loss = total / max(count, 1.0)
        return {"loss": loss, "perplexity": metrics.language_model(loss)["perplexity"]}


def get_pretrained_task(name: str) -> _Pretrained:
    """A new task for ``text-classification`` or ``causal-lm`` on a pretrained model."""
    return {"text-classification": PretrainedClassification,
            "causal-lm": PretrainedCausalLM}[name]()
