"""The custom task: any ``nn.Module`` a user writes, with their data, loss and metrics.

Batches are ``(input, ..., target)``: the model is called on the inputs and ``loss(output,
target)`` gives the loss. ``metrics`` maps names to ``fn(outputs, targets) -> float``,
computed on the whole validation set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from trainlab.training.devices import autocast


def split(batch: Any) -> tuple[tuple[Any, ...], Any]:
    if isinstance(batch, dict):
        batch = [batch[k] for k in sorted(batch, key=int)]
    if not isinstance(batch, list | tuple) or len(batch) < 2:
        raise TypeError("a custom batch must be (input, ..., target); "
                        f"got {type(batch).__name__}")
    return tuple(batch[:-1]), batch[-1]


class CustomTask:
    name = "custom"
    model_kind = "custom"
    main_metric = "loss"
    mode = "min"

    def __init__(self, loss: Callable[[Any, Any], torch.Tensor],
                 metrics: dict[str, Callable[[Any, Any], float]] | None = None) -> None:
        self.loss_fn = loss
        self.metric_fns = dict(metrics or {})
        self.state: dict[str, Any] = {}

    def loss(self, model: nn.Module, batch: Any) -> torch.Tensor:
        inputs, target = split(batch)
        return self.loss_fn(model(*inputs), target)

    def tokens(self, batch: Any) -> int:
        return 0

    @torch.no_grad()
    def evaluate(self, model: nn.Module, val: Any, device: torch.device, precision: str,
                 batch_size: int) -> dict[str, float]:
        outputs, targets, total, count = [], [], 0.0, 0
        for batch in val.epoch(0):
            inputs, target = split(batch)
            with autocast(device, precision):
                out = model(*inputs)
            n = len(target)
            total += float(self.loss_fn(out, target)) * n
            count += n
            outputs.append(out.float() if out.is_floating_point() else out)
            targets.append(target)
        result = {"loss": total / max(count, 1)}
        if self.metric_fns and outputs:
            out_all, target_all = torch.cat(outputs), torch.cat(targets)
            for name, fn in self.metric_fns.items():
                value = fn(out_all, target_all)
                result[name] = float(value.item() if isinstance(value, torch.Tensor) else value)
        return result
