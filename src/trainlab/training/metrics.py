"""Validation metrics, computed on whole tensors (no per-sample Python)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def classification(logits: torch.Tensor, target: torch.Tensor, n_classes: int) -> dict[str, float]:
    """Accuracy and macro-F1 (the mean F1 over classes present in target or prediction)."""
    pred = logits.argmax(dim=1)
    accuracy = (pred == target).float().mean().item() if len(target) else float("nan")
    confusion = torch.bincount(target * n_classes + pred, minlength=n_classes * n_classes)
    confusion = confusion.view(n_classes, n_classes).double()
    tp = confusion.diag()
    predicted, actual = confusion.sum(0), confusion.sum(1)
    f1 = 2 * tp / (predicted + actual).clamp(min=1)
    present = (predicted + actual) > 0
    macro_f1 = f1[present].mean().item() if present.any() else float("nan")
    return {"accuracy": accuracy, "macro_f1": macro_f1}


def labelled(logits: torch.Tensor, target: torch.Tensor, n_classes: int) -> dict[str, float]:
    """Cross-entropy, accuracy and macro-F1 over the rows whose label training knew (>= 0)."""
    known = target >= 0
    logits, target = logits[known].float(), target[known]
    loss = F.cross_entropy(logits, target).item() if len(target) else float("nan")
    return {"loss": loss, **classification(logits, target, n_classes)}


def regression(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """RMSE, MAE and R² on the original scale."""
    pred, target = pred.double(), target.double()
    err = pred - target
    mse = err.pow(2).mean().item()
    variance = (target - target.mean()).pow(2).mean().item()
    return {"rmse": math.sqrt(mse), "mae": err.abs().mean().item(),
            "r2": 1 - mse / variance if variance > 0 else float("nan")}


def language_model(loss: float) -> dict[str, float]:
    """Per-token loss as perplexity and bits per byte (the tokens are bytes)."""
    return {"perplexity": math.exp(min(loss, 50.0)), "bits_per_byte": loss / math.log(2)}
