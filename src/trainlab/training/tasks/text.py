"""Text classification and causal language modelling over UTF-8 bytes."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.training import metrics, tokenizer
from trainlab.training.config import TrainConfig
from trainlab.training.tasks.base import Task, Tensors
from trainlab.training.tasks.labels import encode_labels, fit_labels, keys
from trainlab.training.tokenizer import BOS, EOS, PAD, SEP, VOCAB_SIZE


def _width(lengths: np.ndarray, extra: int, cap: int) -> int:
    """Tokens per row: enough for 95% of rows (plus specials), a multiple of 8, at most ``cap``."""
    wanted = int(np.percentile(lengths, 95)) + extra if len(lengths) else 8
    return int(min(cap, max(8, -(-wanted // 8) * 8)))


class TextClassification(Task):
    name = "text-classification"
    model_kind = "text-classifier"
    main_metric = "accuracy"
    reports: ClassVar[dict[str, str]] = {"loss": "minimize", "accuracy": "maximize",
                                         "macro_f1": "maximize"}
    mode = "max"

    def input_columns(self, columns: dict[str, Any]) -> list[str]:
        return [columns["text"]]

    def stratify(self, table: pa.Table, columns: dict[str, Any]) -> np.ndarray | None:
        return keys(table.column(columns["label"])).astype(str)

    def fit_state(self, table: pa.Table, columns: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        width = _width(tokenizer.lengths(table.column(columns["text"])), 1, config.max_length or 256)
        if config.max_length:
            width = config.max_length
        return {"columns": {"text": columns["text"], "label": columns["label"]},
                "labels": fit_labels(table.column(columns["label"])),
                "tokenizer": tokenizer.SPEC, "max_length": width}

    def encode(self, table: pa.Table, state: dict[str, Any], *, targets: bool = True) -> Tensors:
        tokens = tokenizer.encode_matrix(table.column(state["columns"]["text"]), state["max_length"],
                                         prefix=[BOS])
        out = {"tokens": torch.from_numpy(tokens.astype(np.int16))}  # 2 bytes a token at rest
        if targets:
            out["y"] = torch.from_numpy(encode_labels(table.column(state["columns"]["label"]),
                                                      state["labels"]))
        return out

    def arch(self, state: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        return {"vocab_size": VOCAB_SIZE, "n_classes": len(state["labels"]["keys"]),
                "max_length": state["max_length"], "d_model": 128, "heads": 4, "layers": 2,
                "dropout": 0.1, "pad": PAD, "stride": 4, **config.arch}

    def outputs(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        return model(batch["tokens"].long())

    def loss(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        return F.cross_entropy(self.outputs(model, batch).float(), batch["y"], ignore_index=-1)

    def metrics(self, outputs: torch.Tensor, data: Tensors, state: dict[str, Any]) -> dict[str, float]:
        return metrics.labelled(outputs, data["y"], len(state["labels"]["keys"]))

    def tokens(self, batch: Tensors) -> int:
        return batch["tokens"].numel()


class CausalLM(Task):
    """Next-byte prediction. With a ``text`` column, documents are joined (BOS doc EOS) and cut
    into windows of ``context`` tokens; with ``prompt`` + ``completion``, each row is one
    window and only the completion (and its EOS) is in the loss."""

    name = "causal-lm"
    model_kind = "gpt"
    main_metric = "loss"
    reports: ClassVar[dict[str, str]] = {"loss": "minimize", "perplexity": "minimize",
                                         "bits_per_byte": "minimize"}
    mode = "min"

    def input_columns(self, columns: dict[str, Any]) -> list[str]:
        return [columns["prompt"]] if "prompt" in columns else [columns["text"]]

    def fit_state(self, table: pa.Table, columns: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        context = config.max_length or int(config.arch.get("context", 256))
        if "prompt" in columns:
            mapping = {"prompt": columns["prompt"], "completion": columns["completion"]}
            lengths = tokenizer.lengths(table.column(mapping["prompt"])) + \
                tokenizer.lengths(table.column(mapping["completion"]))
            context = _width(lengths, 3, context + 1) - 1
        else:
            mapping = {"text": columns["text"]}
        return {"columns": mapping, "tokenizer": tokenizer.SPEC, "context": context}

    def encode(self, table: pa.Table, state: dict[str, Any], *, targets: bool = True) -> Tensors:
        columns, width = state["columns"], state["context"] + 1
        if "prompt" in columns:
            rows, starts = _prompt_rows(table.column(columns["prompt"]),
                                        table.column(columns["completion"]), width)
            counted = np.arange(width - 1)[None, :] + 1 >= starts[:, None]
        else:
            rows = _windows(table.column(columns["text"]), width)
            counted = np.ones((len(rows), width - 1), bool)
        counted &= rows[:, 1:] != PAD
        return {"tokens": torch.from_numpy(rows.astype(np.int16)), "mask": torch.from_numpy(counted)}

    def arch(self, state: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        return {"vocab_size": VOCAB_SIZE, "d_model": 256, "heads": 4, "layers": 4, "dropout": 0.0,
                **config.arch, "context": state["context"]}

    def loss(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        tokens, mask = batch["tokens"].long(), batch["mask"]
        logits = model(tokens[:, :-1])
        target = tokens[:, 1:].masked_fill(~mask, -1)
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1),
                               ignore_index=-1)

    def outputs(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        """Summed loss and counted tokens per row (the metrics need exact per-token means)."""
        tokens, mask = batch["tokens"].long(), batch["mask"]
        logits = model(tokens[:, :-1]).float()
        losses = F.cross_entropy(logits.transpose(1, 2), tokens[:, 1:].clamp(max=logits.shape[-1] - 1),
                                 reduction="none")
        return torch.stack([(losses * mask).sum(1), mask.sum(1).float()], dim=1)

    def metrics(self, outputs: torch.Tensor, data: Tensors, state: dict[str, Any]) -> dict[str, float]:
        total, count = outputs.double().sum(0).tolist()
        loss = total / max(count, 1.0)
        return {"loss": loss, **metrics.language_model(loss)}

    def tokens(self, batch: Tensors) -> int:
        return batch["tokens"].shape[0] * (batch["tokens"].shape[1] - 1)


def _windows(texts: pa.ChunkedArray, width: int) -> np.ndarray:
    """BOS doc EOS BOS doc EOS ... cut into rows of ``width`` that overlap by one token."""
    offsets, data = tokenizer.utf8_buffers(texts)
    n = len(offsets) - 1
    sizes = np.diff(offsets)
    stream = np.full(int(sizes.sum()) + 2 * n, PAD, np.int64)
    starts = offsets[:-1] + 2 * np.arange(n)
    stream[starts] = BOS
    stream[starts + sizes + 1] = EOS
    doc = np.repeat(np.arange(n), sizes)
    stream[np.arange(len(data)) + 2 * doc + 1] = data
    step = width - 1
    count = max(1, -(-(len(stream) - 1) // step))
    padded = np.full(count * step + 1, PAD, np.int64)
    padded[: len(stream)] = stream
    index = np.arange(count)[:, None] * step + np.arange(width)[None, :]
    return padded[index]


def _prompt_rows(prompts: pa.ChunkedArray, completions: pa.ChunkedArray, width: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """BOS prompt SEP completion EOS per row; returns the rows and where each completion starts."""
    rows = tokenizer.encode_matrix(prompts, width, prefix=[BOS], suffix=[SEP])
    offsets, data = tokenizer.utf8_buffers(completions)
    p_len = np.minimum(tokenizer.lengths(prompts), width - 2)
    starts = p_len + 2  # first completion column
    room = np.maximum(width - starts, 0)
    sizes = np.minimum(np.diff(offsets), room)
    n = len(sizes)
    cols = np.arange(width)
    take = cols[None, :] < sizes[:, None]
    src = np.minimum(offsets[:-1, None] + cols[None, :], max(len(data) - 1, 0))
    values = data[src].astype(np.int64) if len(data) else np.zeros((n, width), np.int64)
    dest = np.minimum(starts[:, None] + cols[None, :], width - 1)
    r = np.repeat(np.arange(n)[:, None], width, axis=1)
    rows[r[take], dest[take]] = values[take]
    eos_at = starts + sizes
    ok = eos_at < width
    rows[np.arange(n)[ok], eos_at[ok]] = EOS
    return rows, starts
