"""Where batches come from: slices of resident tensors (the fast path) or a user's DataLoader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from trainlab.training.tasks import Tensors


class TensorBatches:
    """Batches sliced from tensors with a seeded permutation per epoch: no collation, no
    per-sample Python. On CUDA the tensors live on the GPU when they fit (a quarter of free
    memory), else in pinned memory with non-blocking copies. Under DDP each rank takes every
    ``world``-th row of the same permutation, cut to equal length."""

    def __init__(self, data: Tensors, batch_size: int, device: torch.device, seed: int, *,
                 shuffle: bool = True, rank: int = 0, world: int = 1) -> None:
        self.n = len(next(iter(data.values())))
        self.batch_size, self.device, self.seed = batch_size, device, seed
        self.shuffle, self.rank, self.world = shuffle, rank, world
        self.per_rank = self.n // world if world > 1 else self.n
        size = sum(t.numel() * t.element_size() for t in data.values())
        self.resident = device.type != "cuda" or size < torch.cuda.mem_get_info(device)[0] // 4
        if self.resident:
            self.data = {k: v.to(device) for k, v in data.items()}
        else:
            self.data = {k: v.pin_memory() for k, v in data.items()}

    def __len__(self) -> int:
        return max(1, -(-self.per_rank // self.batch_size))

    def order(self, epoch: int) -> torch.Tensor:
        if not self.shuffle:
            order = torch.arange(self.n)
        else:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            order = torch.randperm(self.n, generator=gen)
        if self.world > 1:
            order = order[self.rank:: self.world][: self.per_rank]
        return order.to(self.device) if self.resident else order

    def epoch(self, epoch: int, skip: int = 0) -> Iterator[Tensors]:
        order = self.order(epoch)
        for start in range(skip * self.batch_size, len(order), self.batch_size):
            idx = order[start: start + self.batch_size]
            if self.resident:
                yield {k: v[idx] for k, v in self.data.items()}
            else:
                yield {k: v[idx].pin_memory().to(self.device, non_blocking=True)
                       for k, v in self.data.items()}

    @staticmethod
    def size(batch: Any) -> int:
        return len(next(iter(batch.values())))


class LoaderBatches:
    """A user's ``DataLoader`` (or any re-iterable of batches), moved to the device per batch.

    Resuming mid-epoch replays the epoch's first batches; it continues exactly only when the
    loader's shuffling is seeded (``generator=``) or there is none."""

    def __init__(self, loader: Any, device: torch.device) -> None:
        self.loader, self.device = loader, device

    def __len__(self) -> int:
        return len(self.loader)

    def epoch(self, epoch: int, skip: int = 0) -> Iterator[Any]:
        sampler = getattr(self.loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        for i, batch in enumerate(self.loader):
            if i >= skip:
                yield to_device(batch, self.device)

    @staticmethod
    def size(batch: Any) -> int:
        first = batch[0] if isinstance(batch, list | tuple) else next(iter(batch.values())) \
            if isinstance(batch, dict) else batch
        return len(first)


def to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(to_device(v, device) for v in batch)
    return batch
