"""The batch size of a pretrained run on CUDA when the user gave none: the largest power of two
whose forward + backward + optimizer step at the run's longest sequence fits in the GPU's free
memory, found by probing and halving on out-of-memory. Never on CPU (the fixed default there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from trainlab.training.devices import autocast

LARGEST = 256  # the first batch size tried (capped by the training rows)


def pick(fits: Callable[[int], bool], start: int) -> int:
    """The first of ``start, start/2, ..., 1`` for which ``fits`` is true (1 if none is)."""
    size = max(1, start)
    while size > 1 and not fits(size):
        size //= 2
    return size


def first_size(n_train: int, largest: int = LARGEST) -> int:
    """The power of two the search starts from: at most ``largest`` and the training rows."""
    size = 1
    while size * 2 <= min(n_train, largest):
        size *= 2
    return size


def probe(module: Any, task: str, length: int, size: int, device: torch.device,
          precision: str) -> bool:
    """Whether one training step of ``size`` rows of ``length`` tokens fits on ``device``:
    forward and backward under the run's autocast, and an AdamW step at learning rate 0 (its
    states take their memory; the weights do not move). False on ``torch.OutOfMemoryError``."""
    params = [p for p in module.parameters() if p.requires_grad]
    opt = None
    try:
        ids = torch.ones((size, length), dtype=torch.long, device=device)
        with autocast(device, precision):
            out = module(ids, torch.ones_like(ids))
        out.float().mean().backward()
        opt = torch.optim.AdamW(params, lr=0.0, weight_decay=0.0)
        opt.step()
        return True
    except torch.OutOfMemoryError:
        return False
    finally:
        module.zero_grad(set_to_none=True)
        del opt  # the states go before the next probe
        if device.type == "cuda":
            torch.cuda.empty_cache()


def auto_batch_size(module: Any, task: str, length: int, n_train: int, device: torch.device,
                    precision: str) -> int | None:
    """The batch size that fills the GPU for this run (None on CPU: the fixed default holds).
    The module moves to ``device``."""
    if device.type != "cuda":
        return None
    module.to(device)
    module.train()
    return pick(lambda size: probe(module, task, length, size, device, precision),
                first_size(n_train))
