"""The metrics of :func:`trainlab.training.evaluation.evaluate`, accumulated chunk by chunk.

Each scorer takes tables of rows that passed the checks (``add``) and gives its metrics at the
end (``result``); the rows are encoded with the model's stored state and scored in batches.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from trainlab.training import metrics as metric_fns
from trainlab.training.tasks import batches
from trainlab.training.tasks.labels import encode_labels, keys

QUANTILES = (5, 25, 50, 75, 95)


@torch.no_grad()
def _forward(model: Any, table: pa.Table) -> torch.Tensor:
    data = model.task.encode(table, model.meta["state"], targets=False)
    outs = [model.task.outputs(model.module, {k: v.to(model.device) for k, v in b.items()}).float()
            for b in batches(data, 1024)]
    return torch.cat(outs).cpu().double()


class Classification:
    """Accuracy, macro-F1, log-loss and the confusion counts (unseen labels as extra rows)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.labels = model.meta["state"]["labels"]
        self.label_column = model.meta["state"]["columns"].get("label") or \
            model.meta["state"]["columns"]["target"]
        n = len(self.labels["keys"])
        self.confusion = np.zeros((n, n), np.int64)
        self.unseen: dict[str, np.ndarray] = {}
        self.nll, self.known = 0.0, 0

    def add(self, table: pa.Table) -> None:
        logits = _forward(self.model, table)
        column = table.column(self.label_column)
        y = encode_labels(column, self.labels)
        pred = logits.argmax(1).numpy()
        n = self.confusion.shape[0]
        known = y >= 0
        self.confusion += np.bincount(y[known] * n + pred[known], minlength=n * n).reshape(n, n)
        if (~known).any():
            texts, inverse = np.unique(keys(column)[~known].astype(str), return_inverse=True)
            counts = np.zeros((len(texts), n), np.int64)
            np.add.at(counts, (inverse, pred[~known]), 1)
            for text, row in zip(texts.tolist(), counts, strict=True):
                self.unseen[text] = self.unseen.get(text, np.zeros(n, np.int64)) + row
        if known.any():
            logp = torch.log_softmax(logits[torch.from_numpy(known)], dim=1)
            self.nll -= float(logp.gather(1, torch.from_numpy(y[known])[:, None]).sum())
            self.known += int(known.sum())

    def result(self) -> dict[str, Any]:
        unseen = sorted(self.unseen)
        matrix = np.vstack([self.confusion, *(self.unseen[t] for t in unseen)]) if unseen \
            else self.confusion
        scored = int(matrix.sum())
        tp = np.concatenate([np.diag(self.confusion), np.zeros(len(unseen), np.int64)])
        predicted = np.concatenate([matrix.sum(0), np.zeros(len(unseen), np.int64)])
        actual = matrix.sum(1)
        present = (predicted + actual) > 0
        f1 = 2 * tp / np.maximum(predicted + actual, 1)
        values = list(self.labels["values"])
        frame = pd.DataFrame(matrix, index=pd.Index([*values, *unseen], name="true"),
                             columns=pd.Index(values, name="predicted"))
        return {"metrics": {"accuracy": float(tp.sum() / scored) if scored else float("nan"),
                            "macro_f1": float(f1[present].mean()) if present.any() else float("nan"),
                            "log_loss": self.nll / self.known if self.known else float("nan")},
                "rows_scored": scored, "confusion": frame,
                "unseen_labels": int(sum(int(r.sum()) for r in self.unseen.values()))}


class Regression:
    """RMSE, MAE, R² (streamed moments) and the residual quantiles."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.scale = model.meta["state"]["target"]
        self.target = model.meta["state"]["columns"]["target"]
        self.n, self.sq, self.abs, self.mean, self.m2 = 0, 0.0, 0.0, 0.0, 0.0
        self.residuals: list[np.ndarray] = []  # 8 bytes a row, for the exact quantiles

    def add(self, table: pa.Table) -> None:
        pred = _forward(self.model, table).squeeze(1).numpy() * self.scale["std"] + self.scale["mean"]
        y = np.asarray(table.column(self.target).to_numpy(zero_copy_only=False), np.float64)
        err = y - pred
        self.sq += float((err ** 2).sum())
        self.abs += float(np.abs(err).sum())
        self.residuals.append(err)
        n, mean = len(y), float(y.mean())  # Chan et al.: merge this chunk's mean and M2
        delta, total = mean - self.mean, self.n + n
        self.m2 += float(((y - mean) ** 2).sum()) + delta ** 2 * self.n * n / total
        self.mean += delta * n / total
        self.n = total

    def result(self) -> dict[str, Any]:
        nan = float("nan")
        residuals = np.concatenate(self.residuals) if self.residuals else np.zeros(0)
        quantiles = {f"p{q}": float(np.percentile(residuals, q)) for q in QUANTILES} \
            if len(residuals) else None
        n = self.n
        return {"metrics": {"rmse": math.sqrt(self.sq / n) if n else nan,
                            "mae": self.abs / n if n else nan,
                            "r2": 1 - self.sq / self.m2 if self.m2 > 0 else nan},
                "rows_scored": n, "residual_quantiles": quantiles}


class LanguageModel:
    """Mean token cross-entropy over the tokens training scores (the completion and its end,
    for prompt+completion models); a text model's documents are windowed per block."""

    def __init__(self, model: Any) -> None:
        self.model, self.total, self.tokens, self.rows = model, 0.0, 0.0, 0

    def add(self, table: pa.Table) -> None:
        out = _forward(self.model, table)
        self.total += float(out[:, 0].sum())
        self.tokens += float(out[:, 1].sum())
        self.rows += table.num_rows

    def result(self) -> dict[str, Any]:
        loss = self.total / self.tokens if self.tokens else float("nan")
        lm = metric_fns.language_model(loss) if self.tokens else \
            {"perplexity": float("nan"), "bits_per_byte": float("nan")}
        return {"metrics": {"loss": loss, **lm, "tokens": float(self.tokens)},
                "rows_scored": self.rows}


SCORERS: dict[str, Any] = {"tabular-classification": Classification,
                           "text-classification": Classification,
                           "tabular-regression": Regression, "causal-lm": LanguageModel}

